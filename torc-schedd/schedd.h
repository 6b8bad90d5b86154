/*
 * schedd.h - torc-schedd: owns the Mesos connection and all service and
 * node state; answers requests on schedd.ipc and publishes every change
 * on events.ipc.  The scheduling itself is in sched.h; this is the
 * daemon around it (loop, sockets, timers).
 */
#ifndef TORC_SCHEDD_H
#define TORC_SCHEDD_H

#include <stdint.h>

#include "bus.h"
#include "cfg.h"
#include "cli.h"
#include "ev.h"
#include "sched.h"
#include "schedd_writer.h"

struct mesos_conn;

struct schedd {
	struct torc_config	*cfg;
	const struct cli_opts	*opts;
	struct ev_loop		*loop;
	struct bus_sock		 rep;		/* schedd.ipc */
	struct bus_sock		 pub;		/* events.ipc */
	uint64_t		 instance;	/* random per process */
	struct sched		 core;
	struct mesos_conn	*mc;
	struct ev_timer		 statesync_timer;
	struct ev_timer		 stateclean_timer;
	struct ev_timer		 health_timer;
	struct ev_timer		 tick_timer;
	/* Core work deferred and coalesced (see the core's hooks). */
	struct schedd_later {
		struct ev_timer	 timer;
		struct schedd	*sd;
		void		(*fn)(struct sched *);
	}			 flush,		/* sched_flush */
				 status,	/* sched_status_flush */
				 sync;		/* sched_persist_sync */
	/*
	 * Publications, encoded, waiting for the loop to send the Mesos
	 * calls of what it is handling first (schedd_publish).
	 */
	struct schedd_outbox {
		void	*buf;
		size_t	 len;
		int	 type;
	}			*outbox;
	size_t			 n_outbox, cap_outbox;
	struct ev_timer		 outbox_timer;
	/* The state file, written off the loop (not running: on it). */
	struct schedd_writer	 writer;
	/* An answer waiting for its state file write (deferred_seq). */
	bool			 deferred;
	uint64_t		 deferred_seq;
	struct tmsg		 deferred_rep;
};

/* schedd.c */
int	schedd_init(struct schedd *sd, struct torc_config *cfg,
	    const struct cli_opts *opts);
int	schedd_run(struct schedd *sd);
void	schedd_shutdown(struct schedd *sd);

#endif
