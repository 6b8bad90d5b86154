/*
 * sim_main.c - torc-sim: a simulated rack (Mesos master and agents, a
 * Consul agent with its DNS interface, a SnapRoute FlexSwitch agent, an
 * FBOSS agent) for
 * the integration tests, the demo and the benchmarks, plus a JSON control
 * API through which tests inject faults and observe what torc did.
 *
 * It parses the command line, loads the rack's torc config, starts every
 * part, prints one "torc-sim ready: ..." line on stdout once all of them
 * listen, and runs until SIGINT or SIGTERM, then stops every part.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "log.h"
#include "sim.h"
#include "sim_util.h"
#include "util.h"

enum {
	OPT_CONFIG = 256,
	OPT_AGENTS,
	OPT_AGENTS_COUNT,
	OPT_MASTER_IP,
	OPT_BIND,
	OPT_MESOS_PORT,
	OPT_CONSUL_PORT,
	OPT_DNS_PORT,
	OPT_SWITCH_PORT,
	OPT_CONTROL_PORT,
	OPT_FBOSS_PORT,
	OPT_SEED,
	OPT_HEARTBEAT,
	OPT_TASK_DELAY,
	OPT_LOG_LEVEL,
	OPT_MESOS_AUTH,
	OPT_OFFER_TIMEOUT,
	OPT_HELP,
};

static const struct option sim_longopts[] = {
	{ "config",		required_argument, NULL, OPT_CONFIG },
	{ "agents",		required_argument, NULL, OPT_AGENTS },
	{ "agents-count",	required_argument, NULL, OPT_AGENTS_COUNT },
	{ "master-ip",		required_argument, NULL, OPT_MASTER_IP },
	{ "bind",		required_argument, NULL, OPT_BIND },
	{ "mesos-port",		required_argument, NULL, OPT_MESOS_PORT },
	{ "consul-port",	required_argument, NULL, OPT_CONSUL_PORT },
	{ "dns-port",		required_argument, NULL, OPT_DNS_PORT },
	{ "switch-port",	required_argument, NULL, OPT_SWITCH_PORT },
	{ "control-port",	required_argument, NULL, OPT_CONTROL_PORT },
	{ "fboss-port",		required_argument, NULL, OPT_FBOSS_PORT },
	{ "seed",		required_argument, NULL, OPT_SEED },
	{ "heartbeat-interval",	required_argument, NULL, OPT_HEARTBEAT },
	{ "task-start-delay",	required_argument, NULL, OPT_TASK_DELAY },
	{ "log-level",		required_argument, NULL, OPT_LOG_LEVEL },
	{ "mesos-auth",		required_argument, NULL, OPT_MESOS_AUTH },
	{ "offer-timeout",	required_argument, NULL, OPT_OFFER_TIMEOUT },
	{ "help",		no_argument,	   NULL, OPT_HELP },
	{ NULL,			0,		   NULL, 0 },
};

static void
sim_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: torc-sim --config TORC_CONFIG [--agents AGENTS.yml]\n"
	    "                [--agents-count N] [--master-ip IP] [--bind IP]\n"
	    "                [--mesos-port 5050] [--consul-port 8500]\n"
	    "                [--dns-port 8600] [--switch-port 8080]\n"
	    "                [--control-port 5051] [--fboss-port 5909]\n"
	    "                [--seed N]\n"
	    "                [--heartbeat-interval S] [--task-start-delay MS]\n"
	    "                [--mesos-auth USER:PASSWORD] [--offer-timeout S]\n"
	    "                [--log-level debug|info|warn|error] [--help]\n");
}

static void __attribute__((noreturn))
sim_badarg(const char *flag, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sim_badarg(const char *flag, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "torc-sim: --%s: ", flag);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	sim_usage(stderr);
	exit(2);
}

static long long
sim_num(const char *flag, const char *s, long long lo, long long hi)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
		sim_badarg(flag, "\"%s\" is not an integer in %lld..%lld", s,
		    lo, hi);
	return v;
}

static const char *
sim_flag_name(int opt)
{
	size_t i;

	for (i = 0; sim_longopts[i].name != NULL; i++)
		if (sim_longopts[i].val == opt)
			return sim_longopts[i].name;
	return "?";
}

int
main(int argc, char **argv)
{
	struct sim_opts o;
	struct torc_config *cfg = NULL;
	struct cfg_errors errs = { NULL, 0 };
	const char *config = NULL;
	char err[512], *end;
	sigset_t sigs;
	size_t i;
	int c, sig, level = LOG_LVL_INFO, rc = 1;
	int started = 0;
	uint64_t seed = 0;
	bool have_seed = false, fboss_explicit = false, fboss_on = false;

	memset(&o, 0, sizeof(o));
	o.master_ip = "127.0.0.1";
	o.bind_ip = "127.0.0.1";
	o.mesos_port = 5050;
	o.consul_port = 8500;
	o.dns_port = 8600;
	o.switch_port = 8080;
	o.control_port = 5051;
	o.fboss_port = SIM_FBOSS_PORT;
	o.heartbeat_interval = 15.0;
	o.task_start_delay_ms = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", sim_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG:
			config = optarg;
			break;
		case OPT_AGENTS:
			o.agents_file = optarg;
			break;
		case OPT_AGENTS_COUNT:
			o.agents_count = (int)sim_num(sim_flag_name(c), optarg,
			    0, 100000);
			break;
		case OPT_MASTER_IP:
			if (!is_ipv4(optarg))
				sim_badarg("master-ip", "\"%s\" is not an "
				    "IPv4 address", optarg);
			o.master_ip = optarg;
			break;
		case OPT_BIND:
			if (!is_ipv4(optarg))
				sim_badarg("bind", "\"%s\" is not an IPv4 "
				    "address", optarg);
			o.bind_ip = optarg;
			break;
		case OPT_MESOS_PORT:
			o.mesos_port = (int)sim_num(sim_flag_name(c), optarg,
			    1, 65535);
			break;
		case OPT_CONSUL_PORT:
			o.consul_port = (int)sim_num(sim_flag_name(c), optarg,
			    1, 65535);
			break;
		case OPT_DNS_PORT:
			o.dns_port = (int)sim_num(sim_flag_name(c), optarg,
			    1, 65535);
			break;
		case OPT_SWITCH_PORT:
			o.switch_port = (int)sim_num(sim_flag_name(c), optarg,
			    1, 65535);
			break;
		case OPT_CONTROL_PORT:
			o.control_port = (int)sim_num(sim_flag_name(c), optarg,
			    1, 65535);
			break;
		case OPT_FBOSS_PORT:
			o.fboss_port = (int)sim_num(sim_flag_name(c), optarg,
			    0, 65535);
			fboss_explicit = true;
			break;
		case OPT_SEED:
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (optarg[0] == '\0' || optarg[0] == '-' ||
			    *end != '\0' || errno != 0)
				sim_badarg("seed", "\"%s\" is not an unsigned "
				    "integer", optarg);
			have_seed = true;
			break;
		case OPT_HEARTBEAT:
			errno = 0;
			o.heartbeat_interval = strtod(optarg, &end);
			if (optarg[0] == '\0' || *end != '\0' || errno != 0 ||
			    !(o.heartbeat_interval > 0.0) ||
			    o.heartbeat_interval > 86400.0)
				sim_badarg("heartbeat-interval", "\"%s\" is "
				    "not a number of seconds in (0, 86400]",
				    optarg);
			break;
		case OPT_TASK_DELAY:
			o.task_start_delay_ms = (int)sim_num(sim_flag_name(c),
			    optarg, 0, 3600000);
			break;
		case OPT_MESOS_AUTH:
			if (strchr(optarg, ':') == NULL || optarg[0] == ':')
				sim_badarg("mesos-auth", "\"%s\" is not "
				    "USER:PASSWORD", optarg);
			o.mesos_auth = optarg;
			break;
		case OPT_OFFER_TIMEOUT:
			errno = 0;
			o.offer_timeout = strtod(optarg, &end);
			if (optarg[0] == '\0' || *end != '\0' || errno != 0 ||
			    !(o.offer_timeout >= 0.0) ||
			    o.offer_timeout > 86400.0)
				sim_badarg("offer-timeout", "\"%s\" is not "
				    "a number of seconds in [0, 86400]",
				    optarg);
			break;
		case OPT_LOG_LEVEL:
			if ((level = log_level_parse(optarg)) < 0)
				sim_badarg("log-level", "\"%s\" is not one of "
				    "debug, info, warn, error", optarg);
			break;
		case OPT_HELP:
			sim_usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "torc-sim: %s: missing value\n",
			    argv[optind - 1]);
			sim_usage(stderr);
			return 2;
		default:
			if (optopt >= OPT_CONFIG && optopt <= OPT_HELP)
				fprintf(stderr, "torc-sim: --%s: missing "
				    "value\n", sim_flag_name(optopt));
			else
				fprintf(stderr, "torc-sim: %s: unknown "
				    "option\n", argv[optind - 1]);
			sim_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "torc-sim: %s: unexpected argument\n",
		    argv[optind]);
		sim_usage(stderr);
		return 2;
	}
	if (config == NULL)
		sim_badarg("config", "is required");

	log_init("torc-sim", (enum log_level)level);
	if (cfg_load(config, o.master_ip, &cfg, &errs) == -1) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "torc-sim: %s\n", errs.msgs[i]);
		cfg_errors_free(&errs);
		return 1;
	}
	cfg_errors_free(&errs);
	o.cfg = cfg;
	o.domain = cfg->consul.domain[0] != '\0' ? cfg->consul.domain :
	    CFG_DEFAULT_CONSUL_DOMAIN;
	o.seed = have_seed ? seed : (uint64_t)time(NULL) ^
	    ((uint64_t)getpid() << 32);
	sim_rand_seed(o.seed);

	/*
	 * Every thread the parts start inherits this mask, so the signals
	 * reach sigwait() below and nothing else.
	 */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	/* started counts parts whose start was tried: stop is safe on each. */
	err[0] = '\0';
	started++;
	if (sim_consul_start(&o, err, sizeof(err)) == -1)
		goto stop;
	started++;
	if (sim_dns_start(&o, err, sizeof(err)) == -1)
		goto stop;
	started++;
	if (sim_switch_start(&o, err, sizeof(err)) == -1)
		goto stop;
	started++;
	if (sim_mesos_start(&o, err, sizeof(err)) == -1)
		goto stop;
	/*
	 * The FBOSS agent's usual port may be taken by another simulator
	 * (the tests run several, and name every other port): on the
	 * default port that only turns the FBOSS agent off.
	 */
	started++;
	if (sim_fboss_start(&o, err, sizeof(err)) == -1) {
		if (fboss_explicit)
			goto stop;
		log_warnx("%s; FBOSS agent off (--fboss-port names another "
		    "port)", err);
		err[0] = '\0';
	} else
		fboss_on = true;
	started++;
	if (sim_control_start(&o, err, sizeof(err)) == -1)
		goto stop;

	log_info("seed %" PRIu64 ", domain %s, master %s", o.seed, o.domain,
	    o.master_ip);
	printf("torc-sim ready: mesos=%s:%d consul=%s:%d dns=%s:%d "
	    "switch=%s:%d control=%s:%d", o.bind_ip, o.mesos_port,
	    o.bind_ip, o.consul_port, o.bind_ip, o.dns_port, o.bind_ip,
	    o.switch_port, o.bind_ip, o.control_port);
	if (fboss_on)
		printf(" fboss=%s:%d", o.bind_ip, sim_fboss_port());
	else
		printf(" fboss=off");
	printf("\n");
	fflush(stdout);

	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGINT || sig == SIGTERM)
			break;
	}
	log_info("signal %d: stopping", sig);
	rc = 0;

stop:
	if (rc != 0)
		log_error("%s", err[0] ? err : "start-up failed");
	if (started >= 6)
		sim_control_stop();
	if (started >= 5)
		sim_fboss_stop();
	if (started >= 4)
		sim_mesos_stop();
	if (started >= 3)
		sim_switch_stop();
	if (started >= 2)
		sim_dns_stop();
	if (started >= 1)
		sim_consul_stop();
	cfg_free(cfg);
	return rc;
}
