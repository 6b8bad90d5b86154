/*
 * routed.h - torc-routed: keeps DNS entries in Consul and routes on the
 * switch equal to what torc-schedd says runs.  Follows schedd through
 * events.ipc (plus snapshots over schedd.ipc) and answers status
 * requests on routed.ipc.
 *
 * Layout: routed.c (loop, bus, desired state), route_sys.c (the engine
 * driving one outward system), route_consul.c and route_snaproute.c
 * (drivers), route_status.c (status reply); the pure parts are in
 * route.h.
 */
#ifndef TORC_ROUTED_H
#define TORC_ROUTED_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "cfg.h"
#include "cli.h"
#include "ev.h"
#include "http_client.h"
#include "replica.h"
#include "route.h"
#include "route_driver.h"

#define ROUTED_OWNED_FILE	"routes.owned"
#define ROUTED_MAX_INFLIGHT	32	/* changes in flight per system */
#define ROUTED_WRITE_TIMEOUT_MS	2000
#define ROUTED_LIST_TIMEOUT_MS	5000
#define ROUTED_FLUSH_DELAY_MS	200	/* owned set: durable write delay */

struct routed;

/* One outward system: its table, its driver, its health. */
struct route_sys {
	const char		*name;		/* "consul", "snaproute" */
	struct routed		*rd;
	const struct route_driver *drv;
	void			*drv_data;
	struct route_table	 table;
	bool			 enabled;
	char			 base_url[300];	/* "http://host:port" */
	char			 state_path[1024];	/* routes: owned set */

	size_t			 inflight;
	size_t			 max_inflight;
	bool			 reachable;
	int64_t			 last_success;	/* epoch s, 0 = never */
	char			 last_error[256];

	bool			 listing;
	uint64_t		 list_stamp;
	int64_t			 list_retry_ms;	/* after a failed listing */
	int64_t			 poll_ms;
	uint64_t		 lists_ok, lists_failed;
	uint64_t		 ops_ok, ops_failed;

	struct ev_timer		 retry_timer;	/* entry backoff */
	struct ev_timer		 reconcile_timer;
	struct ev_timer		 flush_timer;	/* owned-set write */
	bool			 save_failed;
	bool			 sync_pending;	/* written, not yet fsync'd */
};

struct routed {
	struct torc_config	*cfg;
	const struct cli_opts	*opts;
	struct ev_loop		*loop;
	struct bus_sock		 sub;		/* events.ipc */
	struct bus_sock		 req;		/* schedd.ipc */
	struct bus_sock		 rep;		/* routed.ipc */
	struct replica		 state;		/* schedd's state, as followed */
	bool			 sync_inflight;
	bool			 sync_again;	/* reconnected during that sync */
	unsigned		 sync_send_failures;	/* in a row */
	int64_t			 sync_sent_ms;	/* mono ms of the one in flight */
	bool			 ever_synced;
	bool			 deletes_allowed;	/* routed_delete_gate */
	uint64_t		 req_id;
	struct ev_timer		 sync_timer;	/* retry of SYNC_REQ */

	struct http_client	*http;
	struct route_desired_params params;
	struct route_sys	 dns;
	struct route_sys	 net;
	struct route_map	 notes;		/* service -> last note logged */
};

/* routed.c */
int	routed_init(struct routed *rd, struct torc_config *cfg,
	    const struct cli_opts *opts);
int	routed_run(struct routed *rd);
void	routed_shutdown(struct routed *rd);

/* route_sys.c */
/*
 * Set up sys for driver drv against base_url; state_path non-NULL makes
 * it a route system whose owned set is loaded from and saved to that
 * file.  Returns 0, or -1 (logged).
 */
int	route_sys_init(struct route_sys *sys, struct routed *rd,
	    const char *name, const struct route_driver *drv,
	    const char *base_url, enum route_kind kind,
	    const char *state_path, int poll_seconds);
void	route_sys_shutdown(struct route_sys *sys);
/* Start listing now (also runs every poll interval). */
void	route_sys_reconcile(struct route_sys *sys);
/* Hand out whatever changes are due, up to the in-flight limit. */
void	route_sys_dispatch(struct route_sys *sys);
/* Deletions go out (true) or are parked (false) until allowed again. */
void	route_sys_allow_delete(struct route_sys *sys, bool allow);

/* route_status.c */
/* Fill st from rd (strings point into rd: valid until it changes). */
void	route_status_fill(struct routed *rd, struct tmsg_routed_status *st);
/* Free what route_status_fill allocated (the arrays, not the strings). */
void	route_status_release(struct tmsg_routed_status *st);
/* route_table_change hook: logs an entry's status transitions. */
void	route_status_log_change(struct route_table *t,
	    const struct route_entry *e, enum route_status old, void *arg);

#endif
