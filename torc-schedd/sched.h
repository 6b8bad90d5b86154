/*
 * sched.h - torc-schedd's scheduling core: the node and service model
 * (sched_state.c), the service state machine (sched_fsm.c), placement
 * (sched_place.c), the state files (sched_persist.c), the reactions to
 * Mesos events and timers (sched_core.c) and the request handling of
 * schedd.ipc (sched_ipc.c).
 *
 * None of these files does network I/O or reads a clock: time comes in as
 * a struct sched_now, published messages and log lines leave through the
 * hooks in struct sched_hooks, and Mesos calls go through the mesos_*
 * functions of sched_mesos.h (unit tests link stubs in their place).
 * Everything here runs on schedd's event-loop thread.
 */
#ifndef TORC_SCHED_H
#define TORC_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "torc_ipc.h"

struct mesos_conn;
struct mesos_offer;
struct mesos_status;

/* Both clocks, read once by the loop and passed down. */
struct sched_now {
	int64_t	 mono_ms;	/* CLOCK_MONOTONIC: timers, intervals */
	int64_t	 wall_s;	/* epoch seconds: what people see */
};

/* Backoff: the restart delay doubles per failure up to this factor. */
#define SCHED_BACKOFF_CAP	10
/* Refuse filter (seconds) on declined offers while work is pending. */
#define SCHED_REFUSE_PENDING	5.0
/* Refuse filter on declined offers when nothing is pending. */
#define SCHED_REFUSE_IDLE	30.0
/* Offers before reconciliation settled are declined with this filter. */
#define SCHED_REFUSE_RECONCILING 1.0
/* Placement waits this long after reconciliation ended (late answers). */
#define SCHED_SETTLE_MS		1000
/* Counters-only SCHED_STATUS changes wait at most this long. */
#define SCHED_STATUS_DELAY_MS	200
/* A journal written without fdatasync is synced within this. */
#define SCHED_SYNC_DELAY_MS	200
#define SCHED_REASON_MAX	160

/* ------------------------------------------------------------------ */
/* sched_fsm.c: the service state machine                              */

enum sched_event {
	SVC_EV_LAUNCH = 0,	/* placement chose an offer; ACCEPT sent */
	SVC_EV_LAUNCH_FAILED,	/* the ACCEPT could not be sent */
	SVC_EV_STARTING,	/* TASK_STAGING, TASK_STARTING */
	SVC_EV_RUNNING,		/* TASK_RUNNING */
	SVC_EV_KILLING,		/* TASK_KILLING */
	SVC_EV_FINISHED,	/* TASK_FINISHED */
	SVC_EV_FAILED,		/* TASK_FAILED, TASK_ERROR */
	SVC_EV_KILLED,		/* TASK_KILLED */
	SVC_EV_GONE,		/* TASK_DROPPED, TASK_GONE(_BY_OPERATOR) */
	SVC_EV_LOST,		/* TASK_LOST, TASK_UNREACHABLE, TASK_UNKNOWN */
	SVC_EV_KILL,		/* an operator asked for the kill */
	SVC_EV_TIMEOUT,		/* stateclean: no update within the timeout */
	SVC_EV_LOST_EXPIRED,	/* lost for longer than the grace period */
	SVC_EV_RESTART_DUE,	/* the restart delay is over */
	SVC_EV_COUNT
};

/* What the caller must do after a transition. */
#define SCHED_ACT_KILL_TASK	0x01	/* send KILL for the current task */
#define SCHED_ACT_CLEAR_TASK	0x02	/* forget task id, agent, IP */
#define SCHED_ACT_REMOVE	0x04	/* drop the service (SVC_REMOVE) */

struct sched_transition {
	enum tmsg_svc_state	 from;
	enum tmsg_svc_state	 to;
	enum sched_event	 ev;
	bool			 changed;	/* from != to */
	bool			 ignored;	/* event not valid in from */
	const char		*why;		/* static text: why ignored */
	unsigned		 actions;	/* SCHED_ACT_* */
};

/* Knobs of the machine, from the config (milliseconds). */
struct sched_fsm_conf {
	int64_t	 restart_delay_ms;
	int64_t	 lost_grace_ms;		/* LOST -> given up */
	int64_t	 backoff_reset_ms;	/* up this long: backoff reset */
};

struct sched_svc;

const char *sched_event_name(enum sched_event ev);	/* "running" */
/* Mesos TaskState -> event; -1 for a value we do not know. */
int	sched_event_from_mesos(int mesos_state);
/* "TASK_RUNNING" for a Mesos TaskState, "TASK_?" when unknown. */
/* Restart delay after `streak` consecutive failures (streak >= 1). */
int64_t	sched_backoff_ms(int64_t base_ms, uint32_t streak);

/*
 * Feed one event to svc's machine at time now.  Updates the state, the
 * timers and counters that belong to the machine (restart_at, streak,
 * restarts, lost_since, running_since) and fills *tr.  The caller applies
 * tr->actions and logs the transition (sched_transition_str).  Never
 * fails: an event that makes no sense in the current state is ignored
 * with tr->ignored set and tr->why saying why.
 */
void	sched_fsm(struct sched_svc *svc, enum sched_event ev,
	    const struct sched_fsm_conf *conf, const struct sched_now *now,
	    struct sched_transition *tr);
/* "dns: running -> restarting (failed)" into buf. */
void	sched_transition_str(const struct sched_svc *svc,
	    const struct sched_transition *tr, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* sched_state.c: nodes and services                                   */

struct sched_svc {
	struct tmsg_service t;		/* definition + runtime, as published */
	int64_t	 last_update_ms;	/* mono: stateclean */
	int64_t	 state_since_ms;
	int64_t	 restart_at_ms;		/* RESTARTING: when to go PENDING */
	int64_t	 running_since_ms;	/* 0 unless RUNNING */
	int64_t	 lost_since_ms;		/* LOST: since when */
	uint32_t fail_streak;		/* consecutive failures (backoff) */
	bool	 kill_requested;	/* an operator asked; no backoff; an
					 * on-demand one is no longer wanted */
	bool	 want_again;		/* on-demand, started again while
					 * killed: launched anew at the end */
	int64_t	 kill_since;		/* wall s: the kill asked (state file) */
	char	*ended_task;		/* id of the task that ended last */
	bool	 dirty;			/* changed since last published */
};

struct sched_node {
	struct tmsg_node t;
	int64_t	 last_seen_ms;		/* mono: stateclean */
	bool	 dirty;
};

struct sched_state {
	const struct torc_config *cfg;
	struct sched_svc **svcs;	/* sorted by name */
	size_t	 n_svcs;
	size_t	 cap_svcs;
	struct sched_node **nodes;	/* config order, then unknown agents */
	size_t	 n_nodes;
	size_t	 cap_nodes;
};

/*
 * Fill st from cfg (which must outlive st): every configured node
 * (inactive) and every system service after SLA expansion, PENDING.
 */
void	sched_state_init(struct sched_state *st, const struct torc_config *cfg,
	    const struct sched_now *now);
void	sched_state_free(struct sched_state *st);

/*
 * SLA expansion of one definition: the instance names and the node each
 * is pinned to ("" when not pinned).  singleton_each_node gives one
 * instance "<name>-<node>" per configured node, singleton_each_slave one
 * per configured node of type slave, otherwise one instance "<name>".
 * Returns the count (0 for an SLA with no matching node); *names and
 * *nodes are malloc'd arrays of malloc'd strings (sched_strv_free).
 */
size_t	sched_sla_expand(const struct torc_config *cfg,
	    const struct cfg_service *def, char ***names, char ***nodes);
void	sched_strv_free(char **v, size_t n);

/* A new service instance from a definition (not inserted). */
struct sched_svc *sched_svc_new(const struct torc_config *cfg,
	    const struct cfg_service *def, const char *name, const char *node,
	    enum tmsg_svc_kind kind, const char *group,
	    const struct sched_now *now);
void	sched_svc_free(struct sched_svc *svc);

/* Lookup by instance name (binary search); NULL when absent. */
struct sched_svc *sched_svc_find(const struct sched_state *st,
	    const char *name);
/* The service whose current task id is task_id; NULL when none. */
struct sched_svc *sched_svc_by_task(const struct sched_state *st,
	    const char *task_id);
/* Insert (takes ownership); -1 if the name is taken (svc not taken). */
int	sched_svc_insert(struct sched_state *st, struct sched_svc *svc);
/* Unlink and free. */
void	sched_svc_remove(struct sched_state *st, struct sched_svc *svc);

/* Replace a string member: frees the old one; marks dirty if changed. */
bool	sched_svc_set(struct sched_svc *svc, char **field, const char *val);
/* Set the pending reason (printf-style); marks dirty if changed. */
bool	sched_svc_reason(struct sched_svc *svc, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Live: a task exists or is being launched (LAUNCHING..LOST). */
bool	sched_svc_live(const struct sched_svc *svc);

struct sched_node *sched_node_find(const struct sched_state *st,
	    const char *name);
struct sched_node *sched_node_by_agent(const struct sched_state *st,
	    const char *agent_id);
/*
 * An agent was seen (offer or update): find its node by the attribute
 * node_name (or machine-name, else the hostname), copy type, function,
 * agent id and hostname, mark it active and refresh last_seen.  An agent
 * whose node is not configured is added with configured = false.
 * *added tells the caller to log it.  Returns the node.
 */
struct sched_node *sched_node_seen(struct sched_state *st,
	    const char *agent_id, const char *hostname,
	    const char *node_name, const char *node_type,
	    const char *node_function, const struct sched_now *now,
	    bool *added);

/* ------------------------------------------------------------------ */
/* sched_place.c: placement                                            */

/* One agent's offers, pooled. */
struct sched_place_agent {
	const struct sched_node *node;
	double	 cpus;
	double	 mem;
};

/*
 * Place pending services on one agent's pooled offers.  Fills launch[]
 * (capacity cap) with the services to launch, in launch order, and
 * returns their count.  Sets the reason of every pending service this
 * agent could have taken but did not.  Pure and deterministic: system
 * services first, then on-demand ones, each by name.
 */
size_t	sched_place(struct sched_state *st, const struct sched_place_agent *a,
	    struct sched_svc **launch, size_t cap);
/* Does node n satisfy svc's node_name/node_type/node_function? */
bool	sched_place_matches(const struct sched_svc *svc,
	    const struct sched_node *n);
/*
 * Refresh the reason of a pending service from the whole rack: a missing
 * dependency, no active node matching its constraints, or waiting for an
 * offer.  Resource reasons set by sched_place are kept.
 */
void	sched_place_explain(struct sched_state *st, struct sched_svc *svc);
/* Is the dependency of svc (if any) running?  *dep gets its name. */
bool	sched_place_dep_ok(const struct sched_state *st,
	    const struct sched_svc *svc, const struct sched_node *n,
	    const char **dep);

/* ------------------------------------------------------------------ */
/* sched_persist.c: the state file                                     */

#define SCHED_STATE_FILE	"schedd.state"
#define SCHED_JOURNAL_FILE	"schedd.journal"

struct sched_persist_task {
	char	*service;
	char	*task_id;
	char	*agent_id;
	char	*node;		/* where it runs, "" if not known */
	int64_t	 since;		/* `kill` records: wall s asked to kill */
};

struct sched_persist_od {
	char	*group;
	char	*service;
};

struct sched_persist {
	struct sched_persist_od *ondemand;	/* started, not killed */
	size_t	 n_ondemand;
	struct sched_persist_task *tasks;	/* live tasks */
	size_t	 n_tasks;
	struct sched_persist_task *kills;	/* tasks to kill (node NULL) */
	size_t	 n_kills;
	/* The journal up to its last whole line (what a new append follows). */
	size_t	 journal_len;
};

/*
 * The content of dir/schedd.state: every on-demand service that is
 * wanted, every live task, and the tasks still to kill (`kill` records:
 * the orphans, tasks we asked to kill whose end we have not seen, and
 * the dying task of a service started again during its kill; *len bytes,
 * caller frees).  It is written with atomic_write_file.
 */
char	*sched_persist_format(const struct sched_state *st,
	    const struct sched_persist_task *orphans, size_t n_orphans,
	    size_t *len);
/*
 * The journal (dir/schedd.journal): opened for appending (fd, or -1 with
 * err); the task records of svcs appended in one write (0, or -1 with
 * err; *written bytes went in either way).  Not synced: the caller fdatasyncs, and truncates the journal
 * once the state file holds what it says.
 */
int	sched_journal_open(const char *dir, char *err, size_t errlen);
int	sched_journal_append(int fd, struct sched_svc *const *svcs, size_t n,
	    size_t *written, char *err, size_t errlen);
/*
 * Read dir/schedd.state, then the journal over it, into *p (free with
 * sched_persist_free).  A missing file is an empty state (0).  An
 * unreadable or corrupt file is moved aside to "<file>.corrupt.<epoch>"
 * and -1 returned with err saying what was wrong and where it went (the
 * journal, only valid with it, is moved aside too); *p is then empty.
 * 1: the state file was read but the journal was corrupt and moved aside
 * (err says so); *p has the state file's records.
 */
int	sched_persist_load(const char *dir, int64_t now_wall,
	    struct sched_persist *p, char *err, size_t errlen);
void	sched_persist_free(struct sched_persist *p);

/* ------------------------------------------------------------------ */
/* sched_core.c: reactions to Mesos events, requests and timers        */

enum sched_log_level {
	SCHED_LOG_DEBUG = 0,
	SCHED_LOG_INFO,
	SCHED_LOG_WARN,
	SCHED_LOG_ERROR,
};

struct sched_hooks {
	/* Send one published message; m->seq is already set. */
	void	(*publish)(void *arg, const struct tmsg *m);
	void	(*log)(void *arg, enum sched_log_level lvl, const char *line);
	/*
	 * Optional: call sched_flush() soon, once, on the loop (status
	 * updates come in bursts of thousands during reconciliation; one
	 * flush per burst, not per update).  NULL: flush at once.
	 */
	void	(*flush_soon)(void *arg);
	/*
	 * Optional: call sched_status_flush() within a fraction of a second
	 * (SCHED_STATUS_DELAY_MS), once: only counters moved.  NULL: publish
	 * them at once.
	 */
	void	(*status_soon)(void *arg);
	/*
	 * Optional: call sched_persist_sync() within SCHED_SYNC_DELAY_MS,
	 * once: the journal was written without waiting for the disk.
	 * NULL: every write waits for the disk.
	 */
	void	(*sync_soon)(void *arg);
	/*
	 * Optional: write the state file off the loop.  buf (len bytes,
	 * taken over) is its whole content, to be written atomically and
	 * durably, then sched_persist_done(seq) called on the loop; a newer
	 * buf may replace one not yet started.  buf NULL: fdatasync the
	 * journal (seq 0).  NULL: the core writes on the loop, at once.
	 */
	void	(*persist_write)(void *arg, char *buf, size_t len,
		    uint64_t seq);
	void	*arg;
};

struct sched_stats {
	uint64_t launched;
	uint64_t kills;
	uint64_t strays_killed;
	uint64_t adopted;
	uint64_t declined;
};

struct sched {
	struct sched_state	 st;
	const struct torc_config *cfg;
	struct sched_hooks	 hooks;
	struct sched_fsm_conf	 fsm;
	struct mesos_conn	*mc;		/* NULL until set */
	char			*state_dir;	/* NULL: no persistence */
	uint64_t		 seq;		/* last seq published */
	uint64_t		 instance;
	bool			 subscribed;
	bool			 reconciled;
	int64_t			 reconciled_ms;
	int64_t			 subscribed_ms;
	/*
	 * The master's last sign of life (mono ms), set by the daemon from
	 * the connection before each stateclean: a master that has gone
	 * silent cannot time our tasks out (see sched_stateclean).
	 */
	int64_t			 master_heard_ms;
	bool			 suppressed;
	bool			 persist_dirty;
	int			 journal_fd;	/* -1: none */
	bool			 journal_off;	/* no more appends: moved aside */
	size_t			 journal_len;	/* bytes since emptied */
	bool			 journal_unsynced; /* appended, not synced */
	/*
	 * State file writes, numbered: the last one started, the last one
	 * finished (on disk, or failed and logged), and the journal's length
	 * when the last one was built (what it covers).
	 */
	uint64_t		 persist_seq;
	uint64_t		 persist_done;
	uint64_t		 persist_ok;	/* the last one that worked */
	size_t			 journal_mark;
	size_t			 journal_valid;	/* at load: its whole lines */
	bool			 hold_writes;	/* sched_hold_writes() */
	bool			 held;		/* a durable write waits */
	uint64_t		 hold_seq;	/* persist_seq at the hold */
	bool			 persist_failing; /* the last write failed */
	int64_t			 last_reconcile_s;
	/* What the last SCHED_STATUS said (counters compared at flush). */
	struct tmsg_sched_status last_status;
	int64_t			 last_probe_ms;	/* REVIVE to see nodes */
	/*
	 * Tasks we asked to kill (or found in the state file to kill) and
	 * that no service holds, until an update says they ended (or, with
	 * no end ever reported, for SCHED_ORPHAN_KEEP_S or the failover
	 * timeout if longer): a report of one running is killed again,
	 * never adopted.
	 */
	struct sched_persist_task *orphans;
	size_t			 n_orphans;
	struct sched_stats	 stats;
};

/*
 * Build the core from cfg (kept by pointer): nodes, system services, and
 * whatever the state file in state_dir (may be NULL) says was running.
 * A corrupt state file is logged through hooks and moved aside.
 */
void	sched_init(struct sched *s, const struct torc_config *cfg,
	    const char *state_dir, const struct sched_hooks *hooks,
	    uint64_t instance, const struct sched_now *now);
void	sched_free(struct sched *s);
void	sched_set_mesos(struct sched *s, struct mesos_conn *mc);

/* Mesos callbacks (see struct mesos_cbs). */
void	sched_on_subscribed(struct sched *s, const char *framework_id,
	    const struct sched_now *now);
void	sched_on_disconnected(struct sched *s, const char *why,
	    const struct sched_now *now);
void	sched_on_offers(struct sched *s, const struct mesos_offer *offers,
	    size_t n, const struct sched_now *now);
void	sched_on_update(struct sched *s, const struct mesos_status *st,
	    const struct sched_now *now);
void	sched_on_agent_failure(struct sched *s, const char *agent_id,
	    const struct sched_now *now);
void	sched_on_reconciled(struct sched *s, const struct sched_now *now);

/* Timers. */
void	sched_statesync(struct sched *s, const struct sched_now *now);
void	sched_stateclean(struct sched *s, const struct sched_now *now);
void	sched_healthcheck(struct sched *s, const struct sched_now *now);
/* Restarts that are due; returns ms until the next one (-1: none). */
int64_t	sched_tick(struct sched *s, const struct sched_now *now);

/*
 * Commands, each idempotent.  Return an HTTP-like code (200, 404, 409,
 * 400) and a message in msg; names (may be NULL) receives a malloc'd
 * array of the service names concerned (count in *n_names).
 */
int	sched_start_group(struct sched *s, const char *group,
	    const struct sched_now *now, char *msg, size_t msglen,
	    char ***names, size_t *n_names);
int	sched_kill(struct sched *s, const char *name,
	    const struct sched_now *now, char *msg, size_t msglen);
int	sched_announce(struct sched *s, const struct tmsg_service *ann,
	    const struct sched_now *now, char *msg, size_t msglen);
int	sched_forget_framework(struct sched *s, char *msg, size_t msglen);

/* Status as published in SCHED_STATUS and snapshots (borrowed strings). */
void	sched_status(const struct sched *s, struct tmsg_sched_status *st);
/* Publish a SCHED_STATUS now. */
void	sched_publish_status(struct sched *s);
/* Publish SCHED_STATUS if anything in it moved (see hooks.status_soon). */
void	sched_status_flush(struct sched *s);
/* Make durable what has not waited for the disk (state file, journal). */
void	sched_persist_sync(struct sched *s);
/*
 * Around a request whose answer must wait for its changes to be on disk
 * but whose Mesos calls need not: sched_hold_writes() before handling it
 * keeps the state file as it is; after it the daemon sends the queued
 * calls (a REVIVE goes out while the disk works), then
 * sched_release_writes() writes the file, durably, if the request
 * changed it, and only once that write is done the answer goes.
 */
void	sched_hold_writes(struct sched *s);
/*
 * Returns the number of the state file write that holds the request's
 * changes: the answer waits until sched_persist_done() reached it (0:
 * nothing to wait for).
 */
uint64_t sched_release_writes(struct sched *s);
/* A state file write finished (hooks.persist_write); err if !ok. */
void	sched_persist_done(struct sched *s, uint64_t seq, bool ok,
	    const char *err);
/* Did state file write seq finish and fail (and none after it work)? */
bool	sched_persist_failed(const struct sched *s, uint64_t seq);
/* Publish every dirty service and node, write the state file if due. */
void	sched_flush(struct sched *s);
void	sched_logf(struct sched *s, enum sched_log_level lvl,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Mark dirty (queued for publishing by sched_flush). */
void	sched_mark(struct sched *s, struct sched_svc *svc);
/* Apply an event to a service: transition, actions, log, publish. */
void	sched_event(struct sched *s, struct sched_svc *svc,
	    enum sched_event ev, const struct sched_now *now);

/* ------------------------------------------------------------------ */
/* sched_ipc.c: requests on schedd.ipc                                  */

/*
 * Answer one decoded request: *rep is filled with a reply that owns all
 * its memory (the caller sends it and frees it with tmsg_free).  Never
 * fails; requests of the wrong type get an ERROR 400.
 */
void	sched_ipc_handle(struct sched *s, const struct tmsg *req,
	    struct tmsg *rep, const struct sched_now *now);

#endif
