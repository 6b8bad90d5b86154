/*
 * apid.h - torc-apid: the REST API (port 3000).  Serves reads from a
 * replica of torc-schedd's state and forwards commands to it; asks
 * torc-routed for DNS and route status.  Everything runs on one ev loop:
 * libmicrohttpd through its epoll descriptor, nng through RECVFD.
 */
#ifndef TORC_APID_H
#define TORC_APID_H

#include <sys/queue.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#include "bus.h"
#include "cfg.h"
#include "cli.h"
#include "ev.h"
#include "replica.h"

struct apid;
struct api_req;

/* ---- api_query.c: URL query strings -------------------------------- */

#define API_QUERY_MAX	16		/* parameters per request */

struct api_param {
	char	*key;
	char	*value;
};

struct api_query {
	struct api_param p[API_QUERY_MAX];
	size_t	 n;
};

/*
 * Parse a raw query string ("name=a%20b&x=1", without the '?'; NULL or
 * "" is an empty query) into q: '&' separates parameters, '+' is a
 * space, %XX is decoded.  Rejects (-1, err set, q left empty) a bad or
 * truncated %-escape, an encoded NUL, an empty key, a repeated key and
 * more than API_QUERY_MAX parameters.  Free q with api_query_free().
 */
int	api_query_parse(const char *raw, struct api_query *q, char *err,
	    size_t errlen);
void	api_query_free(struct api_query *q);
/* Decoded value of key, NULL if absent (q keeps ownership). */
const char *api_query_get(const struct api_query *q, const char *key);
/* Decode %XX and '+' in place; -1 on a bad escape or encoded NUL. */
int	api_url_decode(char *s);

/* ---- api_json.c: the JSON shapes (jansson only) -------------------- */

/*
 * Compact, keys in insertion order, floats with 15 significant digits so
 * 0.2 prints as 0.2 and 128 as 128.0 (jansson adds the ".0").
 */
#define API_JSON_FLAGS	(JSON_COMPACT | JSON_PRESERVE_ORDER | \
			 JSON_REAL_PRECISION(15))

/* Which services a list holds. */
enum api_list {
	API_LIST_NODES = 0,
	API_LIST_SERVICES,	/* every service, any state */
	API_LIST_RUNNING,	/* running, not a job */
	API_LIST_METERED,	/* running, is_metered */
	API_LIST_PENDING,	/* pending or restarting (not placed) */
	API_LIST_COUNT
};

/* The original's task object plus torc's fields (new reference). */
json_t	*api_json_task(const struct tmsg_service *s);
/* The original's node object plus torc's fields (new reference). */
json_t	*api_json_node(const struct tmsg_node *n);
/* Whether service s belongs in list l (l is not API_LIST_NODES). */
bool	 api_list_has(enum api_list l, const struct tmsg_service *s);
/* A whole list from the replica as a JSON array (new reference). */
json_t	*api_json_list(const struct replica *r, enum api_list l);
/* Scheduler status for /events (new reference). */
json_t	*api_json_status(const struct tmsg_sched_status *st);
/* torc-routed's DNS entries (dns) or routes as an array (new ref). */
json_t	*api_json_route_entries(const struct tmsg_route_entry *e, size_t n,
	    bool dns);
/* Dump with API_JSON_FLAGS; caller frees; never NULL. */
char	*api_json_dump(const json_t *j, size_t *len);
/* "Running", "Pending"...; the original's capitalised enum style. */
const char *api_state_name(enum tmsg_svc_state s);
/* "None", "SingletonEachNode", "SingletonEachSlave". */
const char *api_sla_name(enum tmsg_sla s);
/*
 * Parse a POST /service/announce body (the original's task JSON) into
 * svc (kind ANNOUNCED; every string malloc'd, free with
 * tmsg_service_free).  Returns 0, or -1 with err naming the field and
 * svc zeroed.
 */
int	api_json_parse_task(const char *body, size_t len,
	    struct tmsg_service *svc, char *err, size_t errlen);

/* ---- api_routes.c: the method + path table ------------------------- */

enum api_method {
	API_GET = 0x01,
	API_POST = 0x02,
	API_DELETE = 0x04,
	API_PUT = 0x08,
	API_HEAD = 0x10,	/* answered as GET where GET is safe */
	API_OTHER = 0x80,
};

#define API_F_MUTATING	0x01	/* needs the bearer token when set */
#define API_F_BODY	0x02	/* reads a request body */
#define API_F_REPLICA	0x04	/* answered from the replica */
#define API_F_CORS	0x08	/* Access-Control-Allow-Origin: * */

typedef void api_handler(struct api_req *r);

struct api_route {
	const char	*path;
	unsigned	 methods;	/* API_GET | ... */
	api_handler	*handler;
	const char	*param;		/* required query parameter */
	unsigned	 flags;		/* API_F_* */
	int		 list;		/* API_LIST_* or -1 */
};

#define API_BODY_MAX	(256u * 1024)	/* largest request body (413) */

extern const struct api_route api_routes[];
extern const size_t api_n_routes;

unsigned api_method_parse(const char *method);
/*
 * Find the route for (path, method).  Returns the row index; -1 when no
 * row has that path (404); -2 when the path exists but not for method
 * (405), with *allow set to the methods it has.
 */
int	api_route_find(const char *path, unsigned method, unsigned *allow);
/* "GET, HEAD, DELETE" for an Allow header. */
void	api_allow_string(unsigned methods, char *buf, size_t len);
/*
 * Whether a request to a route with flags may go on: true when no token
 * is configured, the route does not mutate, or authorization is exactly
 * "Bearer <token>" (compared in constant time).
 */
bool	api_auth_ok(unsigned flags, const char *token,
	    const char *authorization);
/* Run the checks of the table row, then its handler (see api_routes.c). */
void	api_dispatch(struct api_req *r);

/* ---- api_ipc.c: requests to torc-schedd and torc-routed ------------ */

/*
 * A call's outcome: rep is the reply (valid during the callback only; the
 * callback may move parts out of it, the channel frees the rest) or
 * NULL when the peer did not answer in time or could not be reached
 * (why says which).
 */
typedef void api_call_cb(struct apid *ad, struct tmsg *rep,
	    const char *why, void *arg);

struct api_call {
	TAILQ_ENTRY(api_call) entry;
	struct tmsg	 msg;		/* owned request */
	api_call_cb	*cb;
	void		*arg;
	int64_t		 deadline;	/* mono ms: give up sending */
};
TAILQ_HEAD(api_call_q, api_call);

/*
 * One REQ socket with exactly one request in flight and a FIFO of the
 * others; each request has timeout_ms to be sent (while the connection is
 * made) and timeout_ms to be answered.  A timeout fails
 * the request in flight and every queued one (the peer is not
 * answering), so waiting never piles up.
 */
struct api_chan {
	struct apid	*ad;
	const char	*peer;		/* "torc-schedd" */
	struct bus_sock	 sock;
	struct api_call_q queue;
	struct api_call	*inflight;
	uint64_t	 req_id;
	int		 timeout_ms;
	struct ev_timer	 timer;
	uint64_t	 timeouts;	/* for /metrics */
	unsigned	 send_failures;	/* in a row */
};

int	api_chan_open(struct api_chan *ch, struct apid *ad, const char *peer,
	    const char *url, int timeout_ms, char *err, size_t errlen);
/* Fails every pending call (cb with rep NULL), then closes. */
void	api_chan_close(struct api_chan *ch);
/*
 * Queue msg (moved into the call: msg's strings are freed by the
 * channel) and call cb on the loop when the reply comes or the time is
 * up.  The callback never runs before api_chan_call returns.
 */
void	api_chan_call(struct api_chan *ch, struct tmsg *msg, api_call_cb *cb,
	    void *arg);

/* Wait for torc-routed's status: concurrent askers share one request. */
typedef void api_routed_cb(struct apid *ad,
	    const struct tmsg_routed_status *st, const char *why, void *arg);
void	api_routed_status(struct apid *ad, api_routed_cb *cb, void *arg);
/* Forget a waiter (its request went away); no-op if not waiting. */
void	api_routed_cancel(struct apid *ad, void *arg);

/* ---- api_metrics.c: Prometheus text format ------------------------- */

#define API_LAT_BUCKETS	12
#define API_CODES_MAX	12

struct api_route_stats {
	struct {
		int	 code;
		uint64_t n;
	} codes[API_CODES_MAX];
	uint64_t lat_bucket[API_LAT_BUCKETS];	/* cumulative on output */
	uint64_t lat_count;
	double	 lat_sum;		/* seconds */
};

struct api_stats {
	/* One per route row, plus one for requests matching none. */
	struct api_route_stats *routes;
	size_t	 n_routes;
	uint64_t schedd_timeouts;
	uint64_t routed_timeouts;
	uint64_t sse_clients;
};

void	api_stats_init(struct api_stats *st, size_t n_routes);
void	api_stats_free(struct api_stats *st);
/* Count one request of route idx (-1: none) with status and latency. */
void	api_stats_record(struct api_stats *st, int idx, int status,
	    int64_t usec);
/*
 * Write the metrics page: services by state, restarts, Mesos figures,
 * reconciliation age (now is epoch seconds), DNS/route status (rs may be
 * NULL: torc-routed did not answer), request counts and latencies.
 */
void	api_metrics_write(FILE *fp, const struct replica *r,
	    const struct api_stats *st, const struct tmsg_routed_status *rs,
	    int64_t now);

/* ---- api_sse.c: GET /events ---------------------------------------- */

struct api_sse_client;
TAILQ_HEAD(api_sse_q, api_sse_client);

/* Answer r with an event stream; the client is kept until it leaves. */
void	api_sse_open(struct api_req *r);
/* Send one event to every client ("service", json data; seq as id). */
void	api_sse_broadcast(struct apid *ad, const char *event, uint64_t id,
	    const char *data);
/* Called every API_SSE_KEEPALIVE_MS: a comment line to every client. */
void	api_sse_keepalive(struct apid *ad);
/* End every stream (shutdown). */
void	api_sse_close_all(struct apid *ad);

#define API_SSE_KEEPALIVE_MS	15000
#define API_SSE_MAX_PENDING	(4u * 1024 * 1024)

/* ---- api_log.c: the access log, written once per loop round -------- */

struct api_access {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	time_t	 sec;			/* second of ts */
	char	 ts[32];
	char	 procname[32];
	long	 pid;
};

void	api_access_init(struct api_access *al, const char *procname);
/* Queue one info line (common/log.c's format); dropped below info. */
void	api_access_log(struct api_access *al, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Write what is queued to stderr (end of each loop round). */
void	api_access_flush(struct api_access *al);
void	api_access_free(struct api_access *al);

/* ---- apid.c: the daemon -------------------------------------------- */

#define API_SCHEDD_TIMEOUT_MS	2000
#define API_ROUTED_TIMEOUT_MS	2000
#define API_SYNC_RETRY_MS	1000
#define API_SEND_RETRY_MS	5	/* no connection ready: try again */
#define API_REDIAL_MS		3000	/* sends failing this long: new socket */
#define API_CONN_MEMORY		(16u * 1024)	/* MHD pool per connection */

/* One HTTP request: MHD's per-request pointer, from URI to completion. */
struct api_req {
	struct apid	*ad;
	struct MHD_Connection *conn;
	int64_t		 start_us;
	char		*uri;		/* raw, with the query */
	char		*path;		/* raw path part of uri */
	char		 method[16];
	unsigned	 method_bit;
	int		 route;		/* row index, -1 none */
	struct api_query query;
	char		*body;
	size_t		 body_len;
	bool		 body_too_big;
	bool		 started;	/* headers handled */
	bool		 dispatched;	/* api_dispatch ran */
	bool		 suspended;	/* waiting for a reply */
	bool		 waiting_routed;
	/* The answer, once known; queued by apid_handler. */
	unsigned	 status;
	struct MHD_Response *resp;
	bool		 resp_owned;	/* false: a cached response */
};

/* A cached rendering of one list, valid while the replica's version is. */
struct api_cache {
	uint64_t	 version;
	struct MHD_Response *resp;	/* one reference held here */
};

struct routed_waiter {
	TAILQ_ENTRY(routed_waiter) entry;
	api_routed_cb	*cb;
	void		*arg;
};
TAILQ_HEAD(routed_waiter_q, routed_waiter);

struct apid {
	struct torc_config	*cfg;
	const struct cli_opts	*opts;
	struct ev_loop		*loop;
	struct MHD_Daemon	*mhd;
	int			 mhd_fd;	/* MHD's epoll fd */
	struct ev_timer		 mhd_timer;
	struct ev_timer		 kick_timer;	/* MHD_run after resume */
	char			 listen_host[256];
	int			 listen_port;
	bool			 quitting;

	struct replica		 state;		/* schedd's state */
	struct bus_sock		 sub;		/* events.ipc */
	struct api_chan		 sync;		/* schedd.ipc: SYNC_REQ */
	struct api_chan		 ctl;		/* schedd.ipc: CTL_* */
	struct api_chan		 routed;	/* routed.ipc */
	bool			 sync_wanted;
	bool			 sync_again;	/* reconnected during a sync */
	bool			 ever_synced;
	unsigned		 sync_failures;	/* in a row */
	struct ev_timer		 sync_timer;

	struct routed_waiter_q	 routed_waiters;
	bool			 routed_asking;

	struct api_cache	 cache[API_LIST_COUNT];
	struct MHD_Response	*pong;

	struct api_stats	 stats;
	struct api_access	 access;
	struct api_sse_q	 sse;
	struct ev_timer		 sse_timer;
};

int	apid_init(struct apid *ad, struct torc_config *cfg,
	    const struct cli_opts *opts);
int	apid_run(struct apid *ad);
void	apid_shutdown(struct apid *ad);
/* Make the loop run MHD soon (after MHD_resume_connection). */
void	apid_kick(struct apid *ad);

/* Set r's answer (status plus a JSON body, which is consumed). */
void	api_reply_json(struct api_req *r, unsigned status, json_t *j);
/* Set r's answer to {"error": msg}. */
void	api_reply_error(struct api_req *r, unsigned status, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/*
 * Set r's answer to resp.  owned: r takes the caller's reference; else
 * resp must stay valid until the handler returns (a cached response).
 */
void	api_reply_resp(struct api_req *r, unsigned status,
	    struct MHD_Response *resp, bool owned);
/* Wait for an answer: suspend now, api_resume once it is set. */
void	api_suspend(struct api_req *r);
void	api_resume(struct api_req *r);
/* The cached response for list l at the replica's current version. */
struct MHD_Response *api_list_response(struct apid *ad, enum api_list l);

#endif
