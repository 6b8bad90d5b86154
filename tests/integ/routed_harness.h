/*
 * routed_harness.h - torc-routed against torc-sim's Consul and switch,
 * with tests/lib/fake_schedd standing in for torc-schedd: a temp dir, free
 * ports, the processes, the control API and bounded polling.  Shared by
 * tests/integ/test_routed_sim.c and tests/bench/bench_routed.c.
 */
#ifndef TORC_ROUTED_HARNESS_H
#define TORC_ROUTED_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <nng/nng.h>

#include "fake_schedd.h"

struct rh {
	char		 dir[256];	/* temp dir: run/, state/, logs */
	char		 build[512];	/* $TORC_BUILD or ./build */
	char		 config[300];
	int		 mesos_port, consul_port, dns_port, switch_port,
			 control_port;
	pid_t		 sim_pid;
	pid_t		 routed_pid;
	int		 routed_status;	/* exit status of the last routed */
	struct fake_schedd *fs;
	int		 poll_s;	/* statesync.poll_interval_in_seconds */
	nng_socket	 req;		/* to routed.ipc, opened on first use */
	bool		 req_open;
};

/*
 * Temp dir, ports, config (poll_s seconds between reconciles; with_agent
 * false leaves network-agent out), fake_schedd and torc-sim.  Returns 0
 * or -1 (message on stderr).
 */
int	rh_init(struct rh *h, int poll_s, bool with_agent);
/* Stop everything and remove the temp dir (kept when keep is true). */
void	rh_done(struct rh *h, bool keep);

int	rh_routed_start(struct rh *h);
/* SIGTERM (or SIGKILL), wait; returns routed's exit status or -1. */
int	rh_routed_stop(struct rh *h, bool kill9);
bool	rh_routed_alive(struct rh *h);

/* Restart the stand-in schedd (a new process: seq starts over). */
int	rh_schedd_restart(struct rh *h);

/*
 * A control-API request: returns the HTTP status (0 on failure) and, if
 * out is not NULL, the parsed JSON answer (caller decrefs; NULL if not
 * JSON).
 */
long	rh_ctl(struct rh *h, const char *method, const char *path,
	    const char *body, json_t **out);
int	rh_fault(struct rh *h, const char *sys, const char *mode);

/* Consul: the address registered under id with our tag, or "" if none. */
void	rh_consul_addr(struct rh *h, const char *id, char *buf, size_t len);
/* Whether Consul holds id (any tags). */
bool	rh_consul_has(struct rh *h, const char *id);
/* Switch: next hop of prefix, "" if no route; origin too if non-NULL. */
void	rh_route(struct rh *h, const char *prefix, char *nh, size_t len,
	    char *origin, size_t olen);
/* Requests a system received with this method whose path or body
 * mentions needle (NULL: any), since the log was last cleared. */
int	rh_count_requests(struct rh *h, const char *sys, const char *method,
	    const char *needle);

/* Poll fn(arg) every few ms until it is true or ms pass. */
bool	rh_wait(int ms, bool (*fn)(struct rh *, void *), struct rh *h,
	    void *arg);
/* The same, polling every every_ms (for expensive checks). */
bool	rh_wait_every(int ms, int every_ms, bool (*fn)(struct rh *, void *),
	    struct rh *h, void *arg);

/* Service and node helpers for fake_schedd. */
void	rh_put_node(struct rh *h, const char *name, const char *ext_ip);
void	rh_put_service(struct rh *h, const char *name, const char *ip,
	    const char *node, const char *net, bool running);
void	rh_put_service_silently(struct rh *h, const char *name,
	    const char *ip, const char *node, const char *net);

/* A request to routed.ipc: the decoded reply in rep (tmsg_free it). */
int	rh_routed_request(struct rh *h, const void *buf, size_t len,
	    void *rep_msg);

#endif
