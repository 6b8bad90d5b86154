/*
 * daemon.c - shared start-up of the daemons (see daemon.h).
 */
#include "daemon.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "util.h"

struct torc_config *
daemon_start(int argc, char **argv, const char *prog, unsigned accepted,
    struct cli_opts *o)
{
	struct cfg_errors errs = { 0 };
	struct torc_config *cfg = NULL;

#ifdef __GLIBC__
	/*
	 * Large short-lived buffers (a 10,000-service listing or snapshot,
	 * a few MB) always come from mmap and go back to the system when
	 * freed.  By default glibc raises this threshold after the first
	 * such free, and later ones then stay in the heap as resident
	 * memory the daemon no longer uses.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
	cli_parse(argc, argv, prog, accepted, o);
	log_init(prog, (enum log_level)o->log_level);
	if (cfg_load(o->config_path, o->master_host, &cfg, &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		if (!o->check_config && !o->print_config)
			fprintf(stderr, "%s: %zu error%s in %s\n", prog,
			    errs.n, errs.n == 1 ? "" : "s", o->config_path);
		cfg_errors_free(&errs);
		exit(1);
	}
	cfg_errors_free(&errs);
	if (o->check_config) {
		printf("config OK\n");
		cfg_free(cfg);
		exit(0);
	}
	if (o->print_config) {
		int rc = cfg_print(stdout, cfg);

		cfg_free(cfg);
		exit(rc == 0 ? 0 : 1);
	}
	return cfg;
}

void
daemon_make_dir(const char *what, const char *dir, unsigned mode)
{
	char err[512];
	struct stat st;

	if (mkdir_p(dir, (mode_t)mode, err, sizeof(err)) != 0)
		fatalx("%s: %s", what, err);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		fatalx("%s: %s is not a directory", what, dir);
}
