/*
 * cli.c - command-line parsing shared by torc-schedd, torc-routed and
 * torc-apid (see cli.h for the contract).
 */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

enum {
	OPT_MASTER = 1000,
	OPT_CONFIG,
	OPT_MYIP,
	OPT_STATE_DIR,
	OPT_RUN_DIR,
	OPT_CHECK,
	OPT_PRINT,
	OPT_LOG_LEVEL,
	OPT_LISTEN,
	OPT_VERSION,
	OPT_HELP,
};

static const struct {
	const char *name;
	int	 has_arg;
	int	 id;
	unsigned need;		/* CLI_F_* flag that enables it; 0 = all */
	const char *arg;
	const char *help;
} cli_flags[] = {
	{ "master", 1, OPT_MASTER, 0, "ADDR",
	    "Mesos master: IP, host:port or http://host:port (required)" },
	{ "config", 1, OPT_CONFIG, 0, "FILE",
	    "configuration file (required)" },
	{ "myip", 1, OPT_MYIP, CLI_F_MYIP, "IP",
	    "this scheduler's IP when it differs from the master's" },
	{ "state-dir", 1, OPT_STATE_DIR, CLI_F_STATE_DIR, "DIR",
	    "persistent state (default " CLI_DEFAULT_STATE_DIR ")" },
	{ "run-dir", 1, OPT_RUN_DIR, 0, "DIR",
	    "IPC sockets, created 0700 (default " CLI_DEFAULT_RUN_DIR ")" },
	{ "listen", 1, OPT_LISTEN, CLI_F_LISTEN, "ADDR:PORT",
	    "REST listen address (default: config api.listen, 0.0.0.0:3000)" },
	{ "check-config", 0, OPT_CHECK, CLI_F_CHECK, NULL,
	    "validate the config, print 'config OK' or the errors, exit" },
	{ "print-config", 0, OPT_PRINT, CLI_F_CHECK, NULL,
	    "print the normalised config (defaults filled in) and exit" },
	{ "log-level", 1, OPT_LOG_LEVEL, 0, "LEVEL",
	    "debug, info, warn or error (default info)" },
	{ "version", 0, OPT_VERSION, 0, NULL, "print the version and exit" },
	{ "help", 0, OPT_HELP, 0, NULL, "print this help and exit" },
};

static void
cli_usage(FILE *fp, const char *prog, unsigned accepted)
{
	fprintf(fp, "usage: %s --master ADDR --config FILE [options]\n\n"
	    "options:\n", prog);
	for (size_t i = 0; i < nitems(cli_flags); i++) {
		char left[64];

		if (cli_flags[i].need != 0 && !(accepted & cli_flags[i].need))
			continue;
		snprintf(left, sizeof(left), "--%s%s%s", cli_flags[i].name,
		    cli_flags[i].arg ? " " : "",
		    cli_flags[i].arg ? cli_flags[i].arg : "");
		fprintf(fp, "  %-20s  %s\n", left, cli_flags[i].help);
	}
}

static void __attribute__((noreturn))
cli_fail(const char *prog, unsigned accepted, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
cli_fail(const char *prog, unsigned accepted, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_usage(stderr, prog, accepted);
	exit(2);
}

int
cli_parse_master(const char *s, char *host, size_t hostlen, int *port,
    char *err, size_t errlen)
{
	if (strstr(s, "://") != NULL && strncmp(s, "http://", 7) != 0) {
		snprintf(err, errlen, "'%s': only http:// is supported", s);
		return -1;
	}
	return parse_hostport(s, CLI_DEFAULT_MESOS_PORT, host, hostlen, port,
	    err, errlen);
}

void
cli_ipc_url(char *buf, size_t len, const char *run_dir, const char *name)
{
	snprintf(buf, len, "ipc://%s/%s", run_dir, name);
}

void
cli_parse(int argc, char **argv, const char *prog, unsigned accepted,
    struct cli_opts *o)
{
	struct option longopts[nitems(cli_flags) + 1];
	const char *master = NULL;
	char err[256];
	size_t n = 0;
	int c;

	memset(o, 0, sizeof(*o));
	o->prog = prog;
	o->state_dir = CLI_DEFAULT_STATE_DIR;
	o->run_dir = CLI_DEFAULT_RUN_DIR;
	o->log_level = LOG_LVL_INFO;

	for (size_t i = 0; i < nitems(cli_flags); i++) {
		if (cli_flags[i].need != 0 && !(accepted & cli_flags[i].need))
			continue;
		longopts[n].name = cli_flags[i].name;
		longopts[n].has_arg = cli_flags[i].has_arg;
		longopts[n].flag = NULL;
		longopts[n].val = cli_flags[i].id;
		n++;
	}
	memset(&longopts[n], 0, sizeof(longopts[n]));

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_MASTER:
			master = optarg;
			break;
		case OPT_CONFIG:
			o->config_path = optarg;
			break;
		case OPT_MYIP:
			if (!is_ipv4(optarg))
				cli_fail(prog, accepted,
				    "--myip: '%s' is not an IPv4 address",
				    optarg);
			o->myip = optarg;
			break;
		case OPT_STATE_DIR:
			if (*optarg == '\0')
				cli_fail(prog, accepted,
				    "--state-dir: empty path");
			o->state_dir = optarg;
			break;
		case OPT_RUN_DIR:
			if (*optarg == '\0')
				cli_fail(prog, accepted, "--run-dir: empty path");
			o->run_dir = optarg;
			break;
		case OPT_LISTEN: {
			char h[256];
			int p;

			if (parse_hostport(optarg, 0, h, sizeof(h), &p, err,
			    sizeof(err)) != 0)
				cli_fail(prog, accepted, "--listen: %s", err);
			o->listen = optarg;
			break;
		}
		case OPT_CHECK:
			o->check_config = true;
			break;
		case OPT_PRINT:
			o->print_config = true;
			break;
		case OPT_LOG_LEVEL:
			o->log_level = log_level_parse(optarg);
			if (o->log_level < 0)
				cli_fail(prog, accepted, "--log-level: unknown "
				    "level '%s' (debug, info, warn, error)",
				    optarg);
			break;
		case OPT_VERSION:
			printf("%s %s\n", prog, TORC_VERSION);
			exit(0);
		case OPT_HELP:
			cli_usage(stdout, prog, accepted);
			exit(0);
		case ':':
			cli_fail(prog, accepted, "%s: missing value",
			    argv[optind - 1]);
		default:
			cli_fail(prog, accepted, "unknown flag '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		cli_fail(prog, accepted, "unexpected argument '%s'",
		    argv[optind]);
	if (master == NULL)
		cli_fail(prog, accepted, "missing required flag --master");
	if (o->config_path == NULL)
		cli_fail(prog, accepted, "missing required flag --config");
	if (cli_parse_master(master, o->master_host, sizeof(o->master_host),
	    &o->master_port, err, sizeof(err)) != 0)
		cli_fail(prog, accepted, "--master: %s", err);
	snprintf(o->master_url, sizeof(o->master_url), "http://%s:%d",
	    o->master_host, o->master_port);
	if (o->myip == NULL)
		o->myip = o->master_host;
	if (o->check_config && o->print_config)
		cli_fail(prog, accepted,
		    "--check-config and --print-config exclude each other");
}
