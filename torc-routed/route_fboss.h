/*
 * route_fboss.h - the client of an FBOSS agent's control service
 * (FbossCtrl over Thrift, binary protocol, framed or buffered transport)
 * for torc-routed: add and delete one IPv4 route, read a route table,
 * and set all of torc's routes at once (syncFib), each completing
 * asynchronously on the caller's event loop.
 *
 * The Thrift calls run on one worker thread with one connection to the
 * agent, in the order they were asked for; the event loop only queues
 * requests and runs completion callbacks, so a slow, hung or dead agent
 * never blocks it.  Connecting, sending and receiving are bounded by the
 * timeouts below; after any failure the connection is dropped and the
 * next request connects again.  When a call gets no usable answer, the
 * requests queued behind it fail at once (NOT_SENT) rather than wait
 * their turn to time out.  Nothing is retried here: the caller decides.
 *
 * No GLib or Thrift types appear here; only route_fboss.c sees them.
 */
#ifndef TORC_ROUTE_FBOSS_H
#define TORC_ROUTE_FBOSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "ev.h"

/*
 * The client id torc's routes are added under.  FBOSS keeps one route
 * table per client id (BGP is 0, the agent's configured static routes 1,
 * interface routes 2 and 3, its own defaults 700, Open/R 786), so torc
 * takes an id of its own: syncFib for it, and reading its table, then
 * touch torc's routes and nothing else.  (The original used 1, which
 * today's agents reserve for configured static routes.)  The agent's
 * clientIdToAdminDistance setting decides how torc's routes rank.
 */
#define ROUTE_FBOSS_CLIENT_ID		4000

#define ROUTE_FBOSS_CONNECT_TIMEOUT_MS	1000
#define ROUTE_FBOSS_CALL_TIMEOUT_MS	2000
#define ROUTE_FBOSS_TABLE_TIMEOUT_MS	5000

struct route_fboss;

struct route_fboss_opts {
	const char	*host;		/* address or name of the agent */
	int		 port;		/* 5909 */
	enum cfg_fboss_transport transport;
	int		 client_id;	/* ROUTE_FBOSS_CLIENT_ID; 0..32767 */
	/* Each 0 means the default above. */
	int		 connect_timeout_ms;
	int		 call_timeout_ms;	/* add, delete, sync */
	int		 table_timeout_ms;	/* route tables */
};

enum route_fboss_op {
	ROUTE_FBOSS_ADD = 0,
	ROUTE_FBOSS_DELETE,
	ROUTE_FBOSS_TABLE,
	ROUTE_FBOSS_SYNC,
};

/* How a call ended, with what it tells about whether it took effect. */
enum route_fboss_status {
	ROUTE_FBOSS_OK = 0,
	ROUTE_FBOSS_REFUSED,	/* the agent threw: nothing changed */
	ROUTE_FBOSS_NOT_SENT,	/* no connection: nothing changed */
	ROUTE_FBOSS_NO_ANSWER,	/* sent, then timeout or closed: maybe */
	ROUTE_FBOSS_BAD_ANSWER,	/* not a reply to the call: maybe */
};

/* One IPv4 route: "a.b.c.d/n" via its first next hop. */
struct route_fboss_route {
	char		 prefix[24];
	char		 nexthop[48];	/* "" when the route has none */
	size_t		 n_nexthops;
	int		 client;	/* whose it is (-1: not reported) */
};

struct route_fboss_result {
	enum route_fboss_op	 op;
	enum route_fboss_status	 status;
	const char		*error;		/* "" when OK */
	/* TABLE: the IPv4 routes reported (IPv6 ones are counted only). */
	const struct route_fboss_route *routes;
	size_t			 n_routes;
	size_t			 n_other;
};

/* Runs on the loop; res and what it points to are valid for the call. */
typedef void route_fboss_cb(const struct route_fboss_result *res, void *arg);

/*
 * Start a client for the agent o describes on loop (the worker starts;
 * it connects on the first request).  Returns NULL with err on bad
 * options or when no thread or descriptor can be had.
 */
struct route_fboss *route_fboss_new(struct ev_loop *loop,
	    const struct route_fboss_opts *o, char *err, size_t errlen);

/*
 * Stop the worker (a call in progress is cut short), drop every request
 * not completed without calling its callback, and free fb.  NULL is a
 * no-op.  Not from inside a callback of fb.
 */
void	route_fboss_free(struct route_fboss *fb);

/*
 * Queue a call; cb(res, arg) follows on the loop, once, unless fb is
 * freed first.  Return 0, or -1 with err (no callback follows) when an
 * argument is not a valid IPv4 prefix or address.  Strings are copied.
 *
 *   add     torc's route for prefix via nexthop (replaces one there)
 *   delete  torc's route for prefix
 *   table   torc's routes (all_clients: the agent's whole table)
 *   sync    torc's routes become exactly routes[0..n) (nexthop used)
 */
int	route_fboss_add(struct route_fboss *fb, const char *prefix,
	    const char *nexthop, route_fboss_cb *cb, void *arg, char *err,
	    size_t errlen);
int	route_fboss_delete(struct route_fboss *fb, const char *prefix,
	    route_fboss_cb *cb, void *arg, char *err, size_t errlen);
int	route_fboss_table(struct route_fboss *fb, bool all_clients,
	    route_fboss_cb *cb, void *arg, char *err, size_t errlen);
int	route_fboss_sync(struct route_fboss *fb,
	    const struct route_fboss_route *routes, size_t n,
	    route_fboss_cb *cb, void *arg, char *err, size_t errlen);

/* Requests queued or running (for status and tests). */
size_t	route_fboss_pending(struct route_fboss *fb);

const char *route_fboss_status_name(enum route_fboss_status st);

/*
 * route_fboss.c also defines route_fboss_driver, torc-routed's
 * network-agent driver for `network-agent.type: fboss` over this client
 * (declared in route_driver.h).  It reads the agent's host, port and
 * transport from the config.
 */

/*
 * "a.b.c.d/n" -> address (network order) and length, the address masked
 * to the length; -1 if malformed.  Shared with the tests.
 */
int	route_fboss_parse_prefix(const char *s, uint32_t *addr, int *len);

#endif
