/*
 * sched_mesos.h - torc-schedd's connection to the Mesos master: the v1
 * scheduler HTTP API (protobuf over libcurl's multi interface, inside the
 * daemon's ev loop).  It subscribes and re-subscribes, keeps the framework
 * id on disk, watches heartbeats, acknowledges updates, runs explicit then
 * implicit reconciliation after each subscription, and sends the calls the
 * scheduling core asks for, in order, on one keep-alive connection.
 *
 * The core sees only the plain structs below (no protobuf): offers and
 * task statuses come in through callbacks; launches, declines, kills and
 * reconciliation go out through the mesos_* calls.
 */
#ifndef TORC_SCHED_MESOS_H
#define TORC_SCHED_MESOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ev.h"

struct mesos_conn;

/* A text attribute of an agent (scalars/ranges/sets are formatted). */
struct mesos_attr {
	char	*name;
	char	*value;
};

/* One offer, reduced to what placement needs.  Owned by the callee. */
struct mesos_offer {
	char	*id;
	char	*agent_id;
	char	*hostname;
	double	 cpus;		/* sum of the scalar "cpus" resources */
	double	 mem;		/* sum of the scalar "mem" resources (MB) */
	struct mesos_attr *attrs;
	size_t	 n_attrs;
};

/* Mesos TaskState values (mesos.proto), so the core needs no protobuf. */
enum mesos_task_state {
	MESOS_TASK_STARTING = 0,
	MESOS_TASK_RUNNING = 1,
	MESOS_TASK_FINISHED = 2,
	MESOS_TASK_FAILED = 3,
	MESOS_TASK_KILLED = 4,
	MESOS_TASK_LOST = 5,
	MESOS_TASK_STAGING = 6,
	MESOS_TASK_ERROR = 7,
	MESOS_TASK_KILLING = 8,
	MESOS_TASK_DROPPED = 9,
	MESOS_TASK_UNREACHABLE = 10,
	MESOS_TASK_GONE = 11,
	MESOS_TASK_GONE_BY_OPERATOR = 12,
	MESOS_TASK_UNKNOWN = 13,
};

const char *mesos_task_state_name(int state);	/* "TASK_RUNNING" */

/* One task status update, decoded. Strings are "" when absent. */
struct mesos_status {
	const char *task_id;
	const char *agent_id;
	int	 state;			/* enum mesos_task_state */
	int	 reason;		/* TaskStatus.Reason, -1 if absent */
	const char *reason_name;	/* "REASON_RECONCILIATION" or "" */
	int	 source;		/* TaskStatus.Source, -1 if absent */
	const char *message;
	/* From container_status.network_infos[].ip_addresses, else from
	 * the docker inspect JSON in data; "" if neither has one. */
	const char *container_ip;
	/* From container_status.container_id, else the inspect "Id". */
	const char *container_id;
	const char *hostname;		/* inspect Config.Hostname, or "" */
	bool	 has_uuid;		/* agent-originated: will be acked */
	bool	 reconciliation;	/* reason == REASON_RECONCILIATION */
};

/* Connection states, for status and metrics. */
enum mesos_conn_state {
	MESOS_DISCONNECTED = 0,	/* waiting to (re)subscribe */
	MESOS_SUBSCRIBING,	/* SUBSCRIBE sent, no SUBSCRIBED yet */
	MESOS_SUBSCRIBED,
};

const char *mesos_conn_state_name(enum mesos_conn_state s);

struct mesos_cbs {
	/* SUBSCRIBED: framework id known (and persisted). */
	void	(*subscribed)(void *arg, const char *framework_id);
	/* The stream ended or failed; a re-subscribe is scheduled. */
	void	(*disconnected)(void *arg, const char *why);
	/* Offers of one event (may span agents); the callee must answer
	 * each offer with mesos_launch or mesos_decline. */
	void	(*offers)(void *arg, const struct mesos_offer *offers,
		    size_t n);
	void	(*rescind)(void *arg, const char *offer_id);
	/* A status update; acknowledged after this returns (if uuid). */
	void	(*update)(void *arg, const struct mesos_status *st);
	/* FAILURE event for an agent (agent removed/lost). */
	void	(*agent_failure)(void *arg, const char *agent_id);
	/* Explicit reconciliation done (every task answered or retried to
	 * the limit) and the implicit round sent. */
	void	(*reconciled)(void *arg);
};

struct mesos_conn_opts {
	const char *master_url;		/* "http://host:port" */
	const char *state_dir;		/* framework_id lives here */
	const char *user;		/* FrameworkInfo.user */
	const char *name;		/* FrameworkInfo.name */
	const char *hostname;		/* FrameworkInfo.hostname */
	const char *role;		/* FrameworkInfo.role */
	double	 failover_timeout;	/* seconds */
};

/* A volume of a task. */
struct mesos_volume {
	const char *host_path;
	const char *container_path;
	bool	 read_only;
};

/*
 * What the core wants launched: built into a TaskInfo by
 * sched_taskinfo.c (Docker containerizer, see there for the rules).
 */
struct mesos_task_spec {
	const char *task_id;		/* "<service>.<uuid>" */
	const char *name;		/* service name */
	const char *agent_id;
	const char *image;
	bool	 privileged;
	const char *network_type;	/* "host", "none", "bridge" or a name */
	const char *parameters;		/* docker flags: "--ipc=host ..." */
	const char *arguments;		/* split like a shell would */
	const struct mesos_volume *volumes;
	size_t	 n_volumes;
	double	 cpus;
	double	 mem;
	const char *label_service;	/* labels torc.service / torc.group */
	const char *label_group;
};

/* A task to reconcile explicitly. */
struct mesos_task_ref {
	const char *task_id;
	const char *agent_id;		/* "" if unknown */
};

/*
 * Create the connection (nothing is sent yet).  Returns NULL with err on
 * bad options.  The framework id persisted in opts->state_dir, if any, is
 * read here; a corrupt file is moved aside and reported in err (non-NULL
 * return: the connection starts as a new framework).
 */
struct mesos_conn *mesos_new(struct ev_loop *loop,
	    const struct mesos_conn_opts *opts, const struct mesos_cbs *cbs,
	    void *arg, char *err, size_t errlen);
void	mesos_free(struct mesos_conn *c);
/* Subscribe now; re-subscribes by itself on every failure. */
void	mesos_start(struct mesos_conn *c);
/*
 * Send a call just queued now, not on the loop's next round.  What the
 * connection has received meanwhile may be handled (callbacks run) before
 * it returns, so the caller must be ready for that: the top of a loop
 * callback is.  Within the connection's own callbacks it does nothing
 * (the call goes once they return).
 */
void	mesos_send_now(struct mesos_conn *c);

enum mesos_conn_state mesos_state(const struct mesos_conn *c);
const char *mesos_framework_id(const struct mesos_conn *c);	/* "" */
const char *mesos_master(const struct mesos_conn *c);	/* URL in use */
/*
 * Mono ms of the last byte received on the subscription stream (events
 * and heartbeats alike), 0 before the first: the master's last sign of
 * life, which the core needs before it calls a silent task lost.
 */
int64_t	mesos_last_heard(const struct mesos_conn *c);

/*
 * Calls.  All are queued and sent in order on the call connection; they
 * return 0, or -1 when not subscribed (the call is dropped: offers die
 * with the subscription, and kills/reconciles are repeated by the core).
 */
int	mesos_launch(struct mesos_conn *c, const char *const *offer_ids,
	    size_t n_offers, const struct mesos_task_spec *tasks,
	    size_t n_tasks, double refuse_seconds);
int	mesos_decline(struct mesos_conn *c, const char *const *offer_ids,
	    size_t n, double refuse_seconds);
int	mesos_kill(struct mesos_conn *c, const char *task_id,
	    const char *agent_id);
int	mesos_suppress(struct mesos_conn *c);
int	mesos_revive(struct mesos_conn *c);
/* Implicit reconciliation (statesync). */
int	mesos_reconcile_implicit(struct mesos_conn *c);
/*
 * Explicit reconciliation of these tasks, retried with backoff until
 * each has answered, then one implicit round; cbs->reconciled at the
 * end.  Called by the core after each SUBSCRIBED.
 */
int	mesos_reconcile_explicit(struct mesos_conn *c,
	    const struct mesos_task_ref *tasks, size_t n);
int	mesos_teardown(struct mesos_conn *c);
/* Delete the persisted framework id; the next subscribe is a new one. */
int	mesos_forget_framework(struct mesos_conn *c, char *err, size_t errlen);

/* Counters for status and metrics. */
struct mesos_stats {
	uint64_t subscribes;
	uint64_t offers_received;
	uint64_t offers_declined;
	uint64_t tasks_launched;
	uint64_t updates_received;
	uint64_t calls_failed;
	int64_t	 connected_since;	/* epoch s, 0 if not subscribed */
	int64_t	 last_reconcile;	/* epoch s of the last finished round */
};
void	mesos_get_stats(const struct mesos_conn *c, struct mesos_stats *st);

#endif
