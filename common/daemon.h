/*
 * daemon.h - start-up steps every daemon's main() shares: parse the
 * command line, load the config (or only check/print it), set up
 * logging and the run and state directories.  Called before the event
 * loop starts, so these may print and exit.
 */
#ifndef TORC_DAEMON_H
#define TORC_DAEMON_H

#include "cfg.h"
#include "cli.h"

/*
 * Parse flags, load and validate the config.  Handles --check-config and
 * --print-config (prints, exits 0/1).  On a config error prints every
 * message to stderr and exits 1.  Returns the loaded config.
 */
struct torc_config *daemon_start(int argc, char **argv, const char *prog,
	    unsigned accepted, struct cli_opts *o);

/* Create dir (and parents) with mode, or exit 1 with a message. */
void	daemon_make_dir(const char *what, const char *dir, unsigned mode);

#endif
