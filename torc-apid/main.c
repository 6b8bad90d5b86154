/*
 * main.c - torc-apid entry point: flags, config, then the loop.
 */
#include <stdlib.h>

#include "apid.h"
#include "daemon.h"
#include "log.h"

int
main(int argc, char **argv)
{
	struct cli_opts opts;
	struct torc_config *cfg;
	struct apid ad;
	int rc;

	cfg = daemon_start(argc, argv, "torc-apid", CLI_F_LISTEN | CLI_F_CHECK,
	    &opts);
	daemon_make_dir("--run-dir", opts.run_dir, 0700);
	if (apid_init(&ad, cfg, &opts) != 0)
		fatalx("initialisation failed");
	log_info("listening on %s:%d", ad.listen_host, ad.listen_port);
	rc = apid_run(&ad);
	apid_shutdown(&ad);
	cfg_free(cfg);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
