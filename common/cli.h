/*
 * cli.h - the command line shared by the three daemons.  Each daemon
 * states which flags it accepts; parsing, defaults, the --master address
 * forms and the error/usage/exit-2 convention live here once.
 *
 * cli_parse() is meant for main() only: on a bad command line it prints
 * one error line naming the flag and the usage to stderr and exits 2;
 * --help and --version print and exit 0.
 */
#ifndef TORC_CLI_H
#define TORC_CLI_H

#include <stdbool.h>
#include <stddef.h>

#define TORC_VERSION		"1.0.0-dev"
#define CLI_DEFAULT_STATE_DIR	"/var/lib/torc"
#define CLI_DEFAULT_RUN_DIR	"/run/torc"
#define CLI_DEFAULT_MESOS_PORT	5050

/* Flags a daemon accepts beyond --master --config --run-dir
 * --log-level --help --version (which all accept). */
#define CLI_F_MYIP		0x01
#define CLI_F_STATE_DIR		0x02
#define CLI_F_CHECK		0x04	/* --check-config, --print-config */
#define CLI_F_LISTEN		0x08

struct cli_opts {
	const char *prog;		/* "torc-schedd" */
	char	 master_host[256];	/* host part of --master: $MASTER_IP */
	int	 master_port;		/* default 5050 */
	char	 master_url[300];	/* "http://host:port" */
	const char *config_path;
	const char *myip;		/* --myip, default master_host */
	const char *state_dir;
	const char *run_dir;
	const char *listen;		/* NULL: use the config's api.listen */
	int	 log_level;
	bool	 check_config;
	bool	 print_config;
};

/*
 * Parse argv into o.  Exits on --help/--version (0) and on any error (2),
 * so it returns only with a complete, valid set of options.
 */
void	cli_parse(int argc, char **argv, const char *prog, unsigned accepted,
	    struct cli_opts *o);

/*
 * Parse a --master value: "10.0.0.1" (port 5050), "host:port" or
 * "http://host:port".  Returns 0, or -1 with a message in err.
 */
int	cli_parse_master(const char *s, char *host, size_t hostlen,
	    int *port, char *err, size_t errlen);

/* Build "ipc://<run_dir>/<name>" into buf. */
void	cli_ipc_url(char *buf, size_t len, const char *run_dir,
	    const char *name);

#endif
