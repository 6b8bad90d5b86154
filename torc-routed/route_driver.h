/*
 * route_driver.h - the interface between torc-routed's engine
 * (route_sys.c) and one outward system: Consul for DNS
 * (route_consul.c), the switch's network agent for routes
 * (route_snaproute.c; FBOSS later).
 *
 * A driver knows the wire: how to make one change and how to list what
 * is there.  It never decides what to change, never retries and never
 * blocks: the engine hands it one action at a time (several in flight),
 * and the driver reports each outcome with route_sys_done() and each
 * listing with route_sys_list_done(), from the event loop.
 */
#ifndef TORC_ROUTE_DRIVER_H
#define TORC_ROUTE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "route.h"

struct route_sys;

/* One key found by a listing. */
struct route_obs {
	char		*key;
	struct route_val val;
	bool		 ours;	/* the driver's ownership test (DNS) */
};

struct route_driver {
	const char *name;		/* "consul", "snaproute" */
	/*
	 * Start the change a describes.  Returns 0 (route_sys_done() will
	 * follow, from the loop) or -1 when it could not be started at
	 * all (err says why; no callback follows).
	 */
	int	(*apply)(struct route_sys *sys, const struct route_action *a,
		    char *err, size_t errlen);
	/*
	 * Start listing everything on the system; route_sys_list_done()
	 * follows.  Returns 0, or -1 with err.
	 */
	int	(*list)(struct route_sys *sys, char *err, size_t errlen);
	/* Cancel what is in flight and free the driver's data. */
	void	(*close)(struct route_sys *sys);
};

extern const struct route_driver route_consul_driver;
extern const struct route_driver route_snaproute_driver;
extern const struct route_driver route_fboss_driver;	/* route_fboss.c */

/*
 * Outcome of one change.  sys_ok tells whether the system itself
 * answered sensibly (false for no answer, 5xx, garbage): it drives the
 * reachability shown in status and how many changes are sent at once.
 */
void	route_sys_done(struct route_sys *sys, struct route_entry *e,
	    enum route_result res, const char *err, bool sys_ok);

/*
 * End of a listing: obs (n entries, owned by the caller) when ok, else
 * err says why.
 */
void	route_sys_list_done(struct route_sys *sys, bool ok,
	    const struct route_obs *obs, size_t n, const char *err);

void	route_obs_free(struct route_obs *obs, size_t n);

/*
 * Consul's GET /v1/agent/services body (len bytes) as observations: 0
 * with *obs (*n of them, free with route_obs_free()), or -1 with the
 * byte offset where it stopped making sense in *bad_at.
 */
int	route_consul_parse_list(const char *b, size_t len,
	    struct route_obs **obs, size_t *n, size_t *bad_at);

#endif
