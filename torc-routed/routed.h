/*
 * routed.h - torc-routed: keeps DNS entries in Consul and routes on the
 * switch equal to what torc-schedd says runs.  Follows schedd through
 * events.ipc (plus snapshots over schedd.ipc) and answers status
 * requests on routed.ipc.
 */
#ifndef TORC_ROUTED_H
#define TORC_ROUTED_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "cfg.h"
#include "cli.h"
#include "ev.h"
#include "replica.h"

struct routed {
	struct torc_config	*cfg;
	const struct cli_opts	*opts;
	struct ev_loop		*loop;
	struct bus_sock		 sub;		/* events.ipc */
	struct bus_sock		 req;		/* schedd.ipc */
	struct bus_sock		 rep;		/* routed.ipc */
	struct replica		 state;		/* schedd's state, as followed */
	bool			 sync_inflight;
	uint64_t		 req_id;
	struct ev_timer		 sync_timer;	/* retry of SYNC_REQ */
};

/* routed.c */
int	routed_init(struct routed *rd, struct torc_config *cfg,
	    const struct cli_opts *opts);
int	routed_run(struct routed *rd);
void	routed_shutdown(struct routed *rd);

#endif
