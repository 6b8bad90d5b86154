/*
 * main.c - torc-routed entry point: flags, config, then the loop.
 */
#include <stdlib.h>

#include "daemon.h"
#include "log.h"
#include "routed.h"

int
main(int argc, char **argv)
{
	struct cli_opts opts;
	struct torc_config *cfg;
	struct routed rd;
	int rc;

	cfg = daemon_start(argc, argv, "torc-routed",
	    CLI_F_MYIP | CLI_F_STATE_DIR | CLI_F_CHECK, &opts);
	daemon_make_dir("--state-dir", opts.state_dir, 0755);
	daemon_make_dir("--run-dir", opts.run_dir, 0700);
	if (routed_init(&rd, cfg, &opts) != 0)
		fatalx("initialisation failed");
	log_info("started: consul %s, network agent %s", cfg->consul.connection,
	    cfg->network_agent.type == CFG_AGENT_NONE ? "none (routes off)" :
	    cfg->network_agent.connection);
	rc = routed_run(&rd);
	routed_shutdown(&rd);
	cfg_free(cfg);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
