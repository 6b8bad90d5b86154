/*
 * torc_ipc.h - every message the torc daemons exchange, defined once.
 *
 * Wire format: an optional ASCII topic (published messages only, e.g.
 * "svc."), then one msgpack array, the envelope
 *
 *	[version, type, seq_or_reqid, payload]
 *
 * where payload is a msgpack map with string keys (so any msgpack viewer
 * shows readable messages) and enums travel as strings.  Published
 * messages carry a per-publisher sequence number starting at 1, so a
 * subscriber detects a gap (or a publisher restart) and resyncs from a
 * snapshot; requests carry a request id that the reply echoes.
 *
 * No daemon calls msgpack directly: tmsg_encode()/tmsg_decode() are the
 * only codec.  Decoders validate every field's type and range and reject
 * unknown versions, unknown types and oversize messages.
 *
 * Sockets (under --run-dir):
 *	ipc://<run-dir>/schedd.ipc	torc-schedd REP
 *	ipc://<run-dir>/events.ipc	torc-schedd PUB
 *	ipc://<run-dir>/routed.ipc	torc-routed REP
 * See ipc-schema/README.md for the sender -> receiver matrix.
 */
#ifndef TORC_IPC_H
#define TORC_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TMSG_VERSION		1
/* Largest message accepted (snapshots of 10,000 services fit easily). */
#define TMSG_MAX_SIZE		(64u * 1024 * 1024)
/* Largest string field and list accepted by the decoder. */
#define TMSG_MAX_STR		65536
#define TMSG_MAX_LIST		1000000

#define TMSG_SOCK_SCHEDD	"schedd.ipc"
#define TMSG_SOCK_EVENTS	"events.ipc"
#define TMSG_SOCK_ROUTED	"routed.ipc"

/* Topics of published messages: nng SUB filters on these prefixes. */
#define TMSG_TOPIC_SVC		"svc."
#define TMSG_TOPIC_NODE		"node."
#define TMSG_TOPIC_SCHED	"sched."

/* Append-only; values never change meaning. */
enum tmsg_type {
	TMSG_ERROR = 1,			/* rep: struct tmsg_error */

	TMSG_SVC_UPDATE = 10,		/* pub svc.: struct tmsg_service */
	TMSG_SVC_REMOVE = 11,		/* pub svc.: struct tmsg_name */
	TMSG_NODE_UPDATE = 12,		/* pub node.: struct tmsg_node */
	TMSG_SCHED_STATUS = 13,		/* pub sched.: struct tmsg_sched_status */

	TMSG_SYNC_REQ = 20,		/* req schedd: (empty) */
	TMSG_SYNC_REP = 21,		/* rep: struct tmsg_snapshot */
	TMSG_QUERY_REQ = 22,		/* req schedd: struct tmsg_query */
	TMSG_QUERY_REP = 23,		/* rep: struct tmsg_query_rep */

	TMSG_CTL_START_GROUP = 30,	/* req schedd: struct tmsg_name */
	TMSG_CTL_KILL = 31,		/* req schedd: struct tmsg_name */
	TMSG_CTL_ANNOUNCE = 32,		/* req schedd: struct tmsg_service */
	TMSG_CTL_FORGET_FRAMEWORK = 33,	/* req schedd: (empty) */
	TMSG_CTL_RESULT = 34,		/* rep: struct tmsg_ctl_result */

	TMSG_ROUTED_STATUS_REQ = 40,	/* req routed: (empty) */
	TMSG_ROUTED_STATUS_REP = 41,	/* rep: struct tmsg_routed_status */
};

/* Kinds of service, by who wants it. */
enum tmsg_svc_kind {
	TSVC_KIND_SYSTEM = 0,		/* healthcheck.system_services */
	TSVC_KIND_ONDEMAND,		/* api.service-groups */
	TSVC_KIND_ANNOUNCED,		/* run by a sub-scheduler */
};

/* The service state machine's states (torc-schedd/sched_fsm.c). */
enum tmsg_svc_state {
	TSVC_PENDING = 0,	/* wanted, not placed; state_reason says why */
	TSVC_LAUNCHING,		/* ACCEPT sent, no update yet */
	TSVC_STARTING,		/* STAGING/STARTING reported */
	TSVC_RUNNING,
	TSVC_KILLING,
	TSVC_RESTARTING,	/* ended; relaunch after a delay */
	TSVC_FINISHED,
	TSVC_FAILED,
	TSVC_LOST,
};

enum tmsg_sla {
	TSLA_NONE = 0,
	TSLA_SINGLETON_EACH_NODE,
	TSLA_SINGLETON_EACH_SLAVE,
};

struct tmsg_volume {
	char	*host_path;
	char	*container_path;
	bool	 read_only;
};

/*
 * One service instance: its definition and its runtime.  Field names
 * follow the original's task JSON where one exists.
 */
struct tmsg_service {
	/* definition */
	char	*name;			/* instance name, e.g. pcp-wedge */
	char	*group;			/* on-demand group, "" otherwise */
	char	*controller;		/* owning scheduler's name */
	enum tmsg_svc_kind kind;
	char	*image;
	char	*node_name;		/* placement constraint, "" = any */
	char	*node_type;
	char	*node_function;
	char	*dependent_service;
	char	*arguments;
	char	*parameters;
	double	 memory;
	double	 cpu;
	struct tmsg_volume *volumes;
	uint32_t n_volumes;
	bool	 privileged;
	enum tmsg_sla sla;
	bool	 is_metered;
	bool	 is_job;
	/* kept alive by its controller: true for torc's system services,
	 * the sub-scheduler's word for announced ones */
	bool	 is_system_service;
	char	*network_type;
	/* runtime */
	enum tmsg_svc_state state;
	char	*state_reason;		/* why pending / last transition */
	char	*task_id;
	char	*agent_id;
	char	*node;			/* node it runs on, "" if none */
	char	*container_id;
	char	*ip;
	int64_t	 last_update;		/* epoch seconds */
	uint32_t restarts;
	char	*last_failure;
};

struct tmsg_node {
	char	*name;
	char	*ip;
	char	*external_ip;
	char	*management_ip;
	char	*node_type;
	char	*node_function;
	bool	 active;
	bool	 configured;		/* false: an agent not in the config */
	char	*agent_id;
	char	*hostname;
	int64_t	 port_id;
	int64_t	 last_seen;		/* epoch seconds */
};

/* What schedd publishes about itself (also the metrics source). */
struct tmsg_sched_status {
	uint64_t instance;		/* random per schedd process */
	char	*framework_id;
	char	*mesos_state;		/* disconnected|subscribing|subscribed */
	char	*master;		/* URL of the master in use */
	int64_t	 connected_since;	/* epoch seconds, 0 if not */
	int64_t	 last_reconcile;	/* epoch seconds, 0 if never */
	uint64_t offers_received;
	uint64_t offers_declined;
	uint64_t tasks_launched;
	uint64_t updates_received;
	uint64_t subscribes;
	/* subscribed, and every task it knew has been reconciled since:
	 * until then its view of what runs is provisional */
	bool	 reconciled;
};

struct tmsg_error {
	int32_t	 code;			/* HTTP-like: 400, 404, 500, 503 */
	char	*message;
};

struct tmsg_name {
	char	*name;
};

struct tmsg_snapshot {
	uint64_t seq;			/* last seq published before it */
	struct tmsg_sched_status status;
	struct tmsg_node *nodes;
	uint32_t n_nodes;
	struct tmsg_service *services;
	uint32_t n_services;
};

enum tmsg_query_what {
	TQUERY_NODES = 0,
	TQUERY_SERVICES,
	TQUERY_RUNNING,
	TQUERY_METERED,
	TQUERY_PENDING,
};

struct tmsg_query {
	enum tmsg_query_what what;
};

struct tmsg_query_rep {
	struct tmsg_node *nodes;
	uint32_t n_nodes;
	struct tmsg_service *services;
	uint32_t n_services;
};

struct tmsg_ctl_result {
	int32_t	 code;			/* HTTP-like: 200, 400, 404, ... */
	char	*message;
	char	**names;		/* services affected */
	uint32_t n_names;
};

/* One DNS entry or route as torc-routed sees it. */
struct tmsg_route_entry {
	char	*name;			/* DNS name or service name */
	char	*key;			/* DNS: address; route: prefix a.b.c.d/32 */
	char	*value;			/* route: next hop; DNS: "" */
	char	*status;		/* programmed|pending|failed|removing */
	char	*last_error;
	uint32_t attempts;
	int64_t	 last_change;		/* epoch seconds */
};

struct tmsg_system_status {
	char	*name;			/* consul, snaproute, fboss */
	bool	 reachable;
	int64_t	 last_success;		/* epoch seconds, 0 if never */
	char	*last_error;
};

struct tmsg_routed_status {
	struct tmsg_route_entry *dns;
	uint32_t n_dns;
	struct tmsg_route_entry *routes;
	uint32_t n_routes;
	struct tmsg_system_status *systems;
	uint32_t n_systems;
};

/* A decoded message.  Which union member is valid depends on type. */
struct tmsg {
	enum tmsg_type type;
	uint64_t seq;			/* pub: sequence; req/rep: request id */
	union {
		struct tmsg_error error;
		struct tmsg_service svc;	/* SVC_UPDATE, CTL_ANNOUNCE */
		struct tmsg_name name;	/* SVC_REMOVE, CTL_START_GROUP, CTL_KILL */
		struct tmsg_node node;
		struct tmsg_sched_status status;
		struct tmsg_snapshot snap;
		struct tmsg_query query;
		struct tmsg_query_rep query_rep;
		struct tmsg_ctl_result result;
		struct tmsg_routed_status routed;
	} u;
};

/*
 * Encode m.  Published types get their topic prefix.  On success returns
 * 0 and a malloc'd buffer in *buf (caller frees) of *len bytes; m is not
 * modified and still belongs to the caller.  NULL strings are sent as "".
 * Fails (-1, *buf NULL, err set) on an unknown type or enum value, a NULL
 * list with a non-zero count, or a string, list or message over its limit.
 */
int	tmsg_encode(const struct tmsg *m, void **buf, size_t *len,
	    char *err, size_t errlen);

/*
 * Decode len bytes at buf (a topic prefix, if any, must be the one of the
 * message's type).  On success returns 0 and m owns copies of every
 * string (free with tmsg_free()); on failure returns -1, m needs no free
 * and err says what was wrong.
 */
int	tmsg_decode(const void *buf, size_t len, struct tmsg *m,
	    char *err, size_t errlen);

/*
 * Free everything a message owns (decoded, or hand-built with malloc'd
 * strings and lists) and zero it; the struct itself is the caller's.
 * The single-struct variants do the same for one service or node.  All
 * three accept NULL.
 */
void	tmsg_free(struct tmsg *m);
void	tmsg_service_free(struct tmsg_service *s);
void	tmsg_node_free(struct tmsg_node *n);
/*
 * Deep copies: dst is overwritten (not freed first) with its own copy of
 * every string and list; NULL strings in src become "".  Free dst with
 * tmsg_service_free()/tmsg_node_free().
 */
void	tmsg_service_copy(struct tmsg_service *dst,
	    const struct tmsg_service *src);
void	tmsg_node_copy(struct tmsg_node *dst, const struct tmsg_node *src);
/*
 * A read-only deep copy of src in a single allocation (the struct, its
 * lists and its strings; NULL strings become ""), freed with free()
 * alone, never with tmsg_service_free().  For services held in large
 * numbers: one block per service instead of one per string.
 */
struct tmsg_service *tmsg_service_pack(const struct tmsg_service *src);

/* Names: "SVC_UPDATE"; "?" when unknown. */
const char *tmsg_type_name(enum tmsg_type type);
bool	tmsg_type_valid(int type);
/* Topic of a published type, NULL for req/rep types. */
const char *tmsg_topic(enum tmsg_type type);
const char *tmsg_svc_state_name(enum tmsg_svc_state s);	/* "running" */
const char *tmsg_svc_kind_name(enum tmsg_svc_kind k);	/* "system" */
const char *tmsg_sla_name(enum tmsg_sla s);		/* "singleton_each_node" */
const char *tmsg_query_name(enum tmsg_query_what w);	/* "running" */
/* Reverse lookups: -1 when unknown (or s is NULL). */
int	tmsg_svc_state_parse(const char *s);
int	tmsg_svc_kind_parse(const char *s);
int	tmsg_sla_parse(const char *s);
int	tmsg_query_parse(const char *s);

/*
 * Render a message as one line of JSON {"topic":..,"type":..,"seq":..,
 * "payload":{..}} for people (torcctl, logs).  Caller frees.
 */
char	*tmsg_to_json(const struct tmsg *m);

#endif
