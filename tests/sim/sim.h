/*
 * sim.h - torc-sim, the simulated rack: a Mesos master with agents
 * (sim_mesos.c), a Consul agent (sim_consul.c) with its DNS responder
 * (sim_dns.c), a SnapRoute FlexSwitch agent (sim_switch.c), an FBOSS
 * agent speaking Thrift (sim_fboss.c), and the JSON control API for tests
 * (sim_control.c, sim_main.c).
 *
 * Each part runs its own libmicrohttpd daemon (internal threads) and keeps
 * its state behind its own mutex; parts talk to each other only through
 * the functions below.
 */
#ifndef TORC_SIM_H
#define TORC_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cfg.h"

struct sim_opts {
	const struct torc_config *cfg;	/* the rack's torc config */
	const char *agents_file;	/* --agents, NULL = one per node */
	int	 agents_count;		/* --agents-count, 0 = from config */
	const char *master_ip;		/* --master-ip, default 127.0.0.1 */
	const char *bind_ip;		/* address all servers listen on */
	int	 mesos_port;		/* 5050 */
	int	 consul_port;		/* 8500 */
	int	 dns_port;		/* 8600 (UDP) */
	int	 switch_port;		/* 8080 */
	int	 control_port;		/* 5051 */
	int	 fboss_port;		/* 5909 (0: any free port) */
	uint64_t seed;
	double	 heartbeat_interval;	/* seconds, 15 */
	int	 task_start_delay_ms;	/* STARTING -> RUNNING */
	const char *domain;		/* Consul DNS domain, cfg consul.domain */
	const char *mesos_auth;		/* --mesos-auth USER:PASSWORD or NULL */
	double	 offer_timeout;		/* --offer-timeout seconds, 0 = none */
};

/*
 * Fault modes of an outward system (Consul, the switch): answer 500,
 * accept and never answer, or refuse connections (listener closed).
 */
enum sim_fault {
	SIM_FAULT_NONE = 0,
	SIM_FAULT_500,
	SIM_FAULT_HANG,
	SIM_FAULT_REFUSE,
	SIM_FAULT_GARBAGE,	/* 200 with a body that is not valid JSON */
};

int	 sim_fault_parse(const char *s);	/* "none","500",...; -1 */
const char *sim_fault_name(enum sim_fault f);

/*
 * Every part: start (0 / -1 with err), stop, and a control handler.
 * A control handler gets the path below its prefix (e.g. "fault" for
 * POST /consul/fault), the method, the JSON body (may be NULL) and
 * returns a JSON reply (new reference) with *status set to an HTTP code.
 */
int	 sim_mesos_start(const struct sim_opts *o, char *err, size_t errlen);
void	 sim_mesos_stop(void);
json_t	*sim_mesos_control(const char *path, const char *method,
	    json_t *body, int *status);

int	 sim_consul_start(const struct sim_opts *o, char *err, size_t errlen);
void	 sim_consul_stop(void);
json_t	*sim_consul_control(const char *path, const char *method,
	    json_t *body, int *status);
/*
 * Current name -> address table, for the DNS responder: the addresses of
 * every registered service whose Name equals service_name (ASCII case
 * ignored), in registration order, as one malloc'd comma-separated
 * string ("10.0.0.1,10.0.0.2"; the caller frees it).  A service
 * registered without Address contributes the agent's node address (the
 * master IP), as Consul answers.  NULL when no service matches.  The
 * tagged variant also requires the tag (case ignored); tag NULL = any.
 */
char	*sim_consul_lookup(const char *service_name);
char	*sim_consul_lookup_tagged(const char *service_name, const char *tag);

int	 sim_dns_start(const struct sim_opts *o, char *err, size_t errlen);
void	 sim_dns_stop(void);

int	 sim_switch_start(const struct sim_opts *o, char *err, size_t errlen);
void	 sim_switch_stop(void);
json_t	*sim_switch_control(const char *path, const char *method,
	    json_t *body, int *status);

/*
 * The FBOSS agent: FbossCtrl over Thrift (binary protocol, framed or
 * buffered) on o->fboss_port, one route table per client id.  Its
 * control handler serves fault, delay, requests, routes, add, delete,
 * stats and reset.  sim_fboss_port() is the port it listens on (useful
 * after asking for port 0), 0 when not running.
 */
#define SIM_FBOSS_PORT			5909
#define SIM_FBOSS_OPERATOR_CLIENT	1	/* FBOSS's STATIC_ROUTE */
int	 sim_fboss_start(const struct sim_opts *o, char *err, size_t errlen);
void	 sim_fboss_stop(void);
int	 sim_fboss_port(void);
json_t	*sim_fboss_control(const char *path, const char *method,
	    json_t *body, int *status);

int	 sim_control_start(const struct sim_opts *o, char *err, size_t errlen);
void	 sim_control_stop(void);

#endif
