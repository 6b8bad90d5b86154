/*
 * main.c - torc-schedd entry point: flags, config, then the loop.
 */
#include <stdlib.h>

#include "daemon.h"
#include "log.h"
#include "schedd.h"

int
main(int argc, char **argv)
{
	struct cli_opts opts;
	struct torc_config *cfg;
	struct schedd sd;
	int rc;

	cfg = daemon_start(argc, argv, "torc-schedd",
	    CLI_F_MYIP | CLI_F_STATE_DIR | CLI_F_CHECK, &opts);
	daemon_make_dir("--state-dir", opts.state_dir, 0755);
	daemon_make_dir("--run-dir", opts.run_dir, 0700);
	if (schedd_init(&sd, cfg, &opts) != 0)
		fatalx("initialisation failed");
	log_info("started: master %s, config %s, %zu nodes", opts.master_url,
	    opts.config_path, cfg->n_nodes);
	rc = schedd_run(&sd);
	schedd_shutdown(&sd);
	cfg_free(cfg);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
