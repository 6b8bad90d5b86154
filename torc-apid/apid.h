/*
 * apid.h - torc-apid: the REST API (port 3000).  Serves reads from a
 * replica of torc-schedd's state and forwards commands to it.
 */
#ifndef TORC_APID_H
#define TORC_APID_H

#include <stdint.h>

#include <microhttpd.h>

#include "bus.h"
#include "cfg.h"
#include "cli.h"
#include "ev.h"

struct apid {
	struct torc_config	*cfg;
	const struct cli_opts	*opts;
	struct ev_loop		*loop;
	struct MHD_Daemon	*mhd;
	int			 mhd_fd;	/* MHD's epoll fd */
	struct ev_timer		 mhd_timer;
	char			 listen_host[256];
	int			 listen_port;
};

/* apid.c */
int	apid_init(struct apid *ad, struct torc_config *cfg,
	    const struct cli_opts *opts);
int	apid_run(struct apid *ad);
void	apid_shutdown(struct apid *ad);

#endif
