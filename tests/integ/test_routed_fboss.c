/*
 * test_routed_fboss.c - torc-routed end to end with `network-agent.type:
 * fboss`: the route half of test_routed_sim.c against torc-sim's FBOSS
 * agent (Thrift, framed transport) instead of its FlexSwitch agent.
 * Start, stop and move of services, routes deleted or changed behind
 * routed's back, routes of other FBOSS clients left alone, every fault
 * mode of the agent, a restart of routed.
 *
 * The harness (routed_harness.c) starts torc-sim without an FBOSS port
 * and writes a config without a network agent; this file restarts the
 * simulator on the same ports plus a free --fboss-port and adds the
 * agent to the config before routed starts.  The tests share one
 * simulator and one routed and run in order.  Every wait is bounded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monotime.h"
#include "routed_harness.h"
#include "torc-routed/route_fboss.h"
#include "torc_ipc.h"
#include "util.h"

#define T_CONVERGE	20000	/* ms: backoff cap + a reconcile + slack */

static struct rh H;
static struct rh *const h = &H;
static int fboss_port;
static bool no_driver;		/* this routed has no FBOSS driver */

/* ---- set-up -------------------------------------------------------------- */

static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(s, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

static bool
sim_answers(struct rh *r, void *arg)
{
	(void)arg;
	return rh_ctl(r, "GET", "/fboss/fault", NULL, NULL) == 200;
}

static bool
gone(struct rh *r, void *arg)
{
	int st;

	(void)r;
	return waitpid(*(pid_t *)arg, &st, WNOHANG) != 0;
}

/* Restart torc-sim on the harness's ports with an FBOSS agent. */
static int
sim_restart_with_fboss(void)
{
	char bin[600], log[600], p[6][16];
	int ports[6] = { h->mesos_port, h->consul_port, h->dns_port,
	    h->switch_port, h->control_port, fboss_port };
	pid_t pid = h->sim_pid;

	kill(pid, SIGTERM);
	if (!rh_wait(10000, gone, h, &pid)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	for (int i = 0; i < 6; i++)
		snprintf(p[i], sizeof(p[i]), "%d", ports[i]);
	snprintf(bin, sizeof(bin), "%s/tests/sim/torc-sim", h->build);
	snprintf(log, sizeof(log), "%s/sim-fboss.log", h->dir);
	{
		char *argv[] = { bin, "--config", h->config,
		    "--mesos-port", p[0], "--consul-port", p[1],
		    "--dns-port", p[2], "--switch-port", p[3],
		    "--control-port", p[4], "--fboss-port", p[5],
		    "--seed", "1", NULL };

		if ((pid = fork()) == 0) {
			int fd = open(log, O_WRONLY | O_CREAT | O_APPEND,
			    0644);

			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
				close(fd);
			}
			execv(argv[0], argv);
			_exit(127);
		}
	}
	h->sim_pid = pid;
	return pid > 0 && rh_wait(10000, sim_answers, h, NULL) ? 0 : -1;
}

/* The harness's config has no network agent: add the FBOSS one. */
static int
config_add_fboss(void)
{
	FILE *fp = fopen(h->config, "a");

	if (fp == NULL)
		return -1;
	fprintf(fp, "network-agent:\n"
	    "  type: fboss\n"
	    "  connection: 127.0.0.1:%d\n"
	    "  transport: framed\n", fboss_port);
	return fclose(fp);
}

static bool
log_says(const char *what)
{
	char path[600], *buf = NULL;
	size_t len;
	bool r;

	snprintf(path, sizeof(path), "%s/routed.log", h->dir);
	if (read_file(path, 16 << 20, &buf, &len, NULL, 0) != 0)
		return false;
	r = strstr(buf, what) != NULL;
	free(buf);
	return r;
}

static bool
routed_settled(struct rh *r, void *arg)
{
	(void)arg;
	(void)r;
	return log_says("fboss") || log_says("no driver");
}

/* Everything up; called from main() before the tests run. */
static int
setup(void)
{
	if (rh_init(h, 1, false) != 0 || (fboss_port = free_port()) < 0 ||
	    config_add_fboss() != 0 || sim_restart_with_fboss() != 0)
		return -1;
	rh_put_node(h, "wedge", "");
	rh_put_node(h, "bladerunner1", "10.250.3.21");
	rh_put_node(h, "bladerunner2", "10.250.3.22");
	if (rh_routed_start(h) != 0)
		return -1;
	/* A routed built before its FBOSS driver was wired in says so. */
	rh_wait(10000, routed_settled, h, NULL);
	no_driver = log_says("has no driver");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	rh_done(h, getenv("RH_KEEP") != NULL);
	return 0;
}


/* ---- the FBOSS agent as the tests see it --------------------------------- */

/* Next hop of client's route for prefix, "" when it has none. */
static void
fb_route(int client, const char *prefix, char *nh, size_t len)
{
	json_t *root = NULL, *r;
	size_t i;

	nh[0] = '\0';
	if (rh_ctl(h, "GET", "/fboss/routes", NULL, &root) != 200) {
		json_decref(root);
		return;
	}
	json_array_foreach(json_object_get(root, "routes"), i, r) {
		const char *p = json_string_value(json_object_get(r,
		    "prefix"));

		if (p == NULL || strcmp(p, prefix) != 0 ||
		    json_integer_value(json_object_get(r, "client")) != client)
			continue;
		tstrlcpy(nh, json_string_value(json_array_get(
		    json_object_get(r, "nexthops"), 0)), len);
	}
	json_decref(root);
}

/* Calls of method (on prefix, if not NULL) since the log was cleared. */
static int
fb_calls(const char *method, const char *prefix)
{
	json_t *root = NULL, *r;
	size_t i;
	int n = 0;

	if (rh_ctl(h, "GET", "/fboss/requests", NULL, &root) != 200) {
		json_decref(root);
		return -1;
	}
	json_array_foreach(json_object_get(root, "requests"), i, r) {
		const char *m = json_string_value(json_object_get(r, "method"));
		const char *p = json_string_value(json_object_get(r, "prefix"));

		if (m != NULL && strcmp(m, method) == 0 && (prefix == NULL ||
		    (p != NULL && strcmp(p, prefix) == 0)))
			n++;
	}
	json_decref(root);
	return n;
}

struct exp {
	const char	*key;
	const char	*want;		/* "" = absent */
};

static bool
route_is(struct rh *r, void *arg)
{
	struct exp *e = arg;
	char buf[64];

	(void)r;
	fb_route(ROUTE_FBOSS_CLIENT_ID, e->key, buf, sizeof(buf));
	return strcmp(buf, e->want) == 0;
}

#define WAIT_ROUTE(prefix, nh)						\
	assert_true(rh_wait(T_CONVERGE, route_is, h,			\
	    &(struct exp){ (prefix), (nh) }))

static bool
listed_n_times(struct rh *r, void *arg)
{
	(void)r;
	return fb_calls("getRouteTableByClient", NULL) >= *(int *)arg;
}

/* routed's status of the route keyed key ("" when it has none). */
static void
route_status(const char *key, char *st, size_t stlen)
{
	struct tmsg req = { .type = TMSG_ROUTED_STATUS_REQ, .seq = 78 }, rep;
	char err[256];
	void *buf;
	size_t len;

	st[0] = '\0';
	if (tmsg_encode(&req, &buf, &len, err, sizeof(err)) != 0)
		return;
	if (rh_routed_request(h, buf, len, &rep) != 0) {
		free(buf);
		return;
	}
	free(buf);
	if (rep.type == TMSG_ROUTED_STATUS_REP)
		for (uint32_t i = 0; i < rep.u.routed.n_routes; i++)
			if (strcmp(rep.u.routed.routes[i].key, key) == 0)
				tstrlcpy(st, rep.u.routed.routes[i].status,
				    stlen);
	tmsg_free(&rep);
}

static bool
status_is(struct rh *r, void *arg)
{
	struct exp *e = arg;
	char st[32];

	(void)r;
	route_status(e->key, st, sizeof(st));
	return strcmp(st, e->want) == 0;
}

/* ---- tests --------------------------------------------------------------- */

static void
a_started_service_gets_its_route_at_once(void **state)
{
	char st[32];

	(void)state;
	rh_put_service(h, "web1", "192.168.10.1", "bladerunner1", "torc",
	    true);
	WAIT_ROUTE("192.168.10.1/32", "10.250.3.21");
	/* The calls went framed, as configured. */
	assert_true(fb_calls("addUnicastRoute", "192.168.10.1/32") >= 1);
	/* A host-network service gets no route. */
	rh_put_service(h, "hostsvc", "10.250.3.22", "bladerunner2", "host",
	    true);
	assert_true(rh_wait(T_CONVERGE, status_is, h,
	    &(struct exp){ "192.168.10.1/32", "programmed" }));
	route_status("10.250.3.22/32", st, sizeof(st));
	assert_string_equal(st, "");
}

static void
a_stopped_or_removed_service_loses_its_route(void **state)
{
	(void)state;
	rh_put_service(h, "web2", "192.168.10.2", "bladerunner1", "torc",
	    true);
	rh_put_service(h, "web3", "192.168.10.3", "bladerunner2", "torc",
	    true);
	WAIT_ROUTE("192.168.10.2/32", "10.250.3.21");
	WAIT_ROUTE("192.168.10.3/32", "10.250.3.22");
	rh_put_service(h, "web2", "192.168.10.2", "bladerunner1", "torc",
	    false);
	fake_schedd_remove_service(h->fs, "web3");
	WAIT_ROUTE("192.168.10.2/32", "");
	WAIT_ROUTE("192.168.10.3/32", "");
}

static void
a_moved_service_follows_to_its_new_address_and_node(void **state)
{
	(void)state;
	rh_put_service(h, "mover", "192.168.20.1", "bladerunner1", "torc",
	    true);
	WAIT_ROUTE("192.168.20.1/32", "10.250.3.21");
	rh_put_service(h, "mover", "192.168.20.2", "bladerunner2", "torc",
	    true);
	WAIT_ROUTE("192.168.20.2/32", "10.250.3.22");
	WAIT_ROUTE("192.168.20.1/32", "");
	rh_put_service(h, "mover", "192.168.20.2", "bladerunner1", "torc",
	    true);
	WAIT_ROUTE("192.168.20.2/32", "10.250.3.21");
	rh_put_node(h, "bladerunner1", "10.250.3.31");
	WAIT_ROUTE("192.168.20.2/32", "10.250.3.31");
	WAIT_ROUTE("192.168.10.1/32", "10.250.3.31");
	rh_put_node(h, "bladerunner1", "10.250.3.21");
	WAIT_ROUTE("192.168.20.2/32", "10.250.3.21");
}

static void
routes_changed_behind_our_back_come_back_other_clients_stay(void **state)
{
	char nh[64], body[160];
	int twice = 2;

	(void)state;
	rh_put_service(h, "drift", "192.168.40.1", "bladerunner2", "torc",
	    true);
	rh_put_service(h, "drift2", "192.168.40.2", "bladerunner2", "torc",
	    true);
	WAIT_ROUTE("192.168.40.1/32", "10.250.3.22");
	WAIT_ROUTE("192.168.40.2/32", "10.250.3.22");
	/* Other clients' routes: one elsewhere, one on a prefix of ours. */
	assert_int_equal(rh_ctl(h, "POST", "/fboss/add",
	    "{\"prefix\":\"10.99.0.1/32\",\"nexthop\":\"10.250.3.21\","
	    "\"client\":1}", NULL), 201);
	assert_int_equal(rh_ctl(h, "POST", "/fboss/add",
	    "{\"prefix\":\"192.168.40.1/32\",\"nexthop\":\"10.250.3.1\","
	    "\"client\":0}", NULL), 201);
	/* Ours: one removed, one changed. */
	snprintf(body, sizeof(body), "{\"prefix\":\"192.168.40.1/32\","
	    "\"client\":%d}", ROUTE_FBOSS_CLIENT_ID);
	assert_int_equal(rh_ctl(h, "POST", "/fboss/delete", body, NULL), 200);
	snprintf(body, sizeof(body), "{\"prefix\":\"192.168.40.2/32\","
	    "\"nexthop\":\"6.6.6.6\",\"client\":%d}", ROUTE_FBOSS_CLIENT_ID);
	assert_int_equal(rh_ctl(h, "POST", "/fboss/add", body, NULL), 201);
	WAIT_ROUTE("192.168.40.1/32", "10.250.3.22");
	WAIT_ROUTE("192.168.40.2/32", "10.250.3.22");
	/* Two more full reconciles later, the other clients' are intact. */
	assert_int_equal(rh_ctl(h, "DELETE", "/fboss/requests", NULL, NULL),
	    200);
	assert_true(rh_wait(T_CONVERGE, listed_n_times, h, &twice));
	fb_route(1, "10.99.0.1/32", nh, sizeof(nh));
	assert_string_equal(nh, "10.250.3.21");
	fb_route(0, "192.168.40.1/32", nh, sizeof(nh));
	assert_string_equal(nh, "10.250.3.1");
	assert_int_equal(fb_calls("deleteUnicastRoute", NULL), 0);
	assert_int_equal(fb_calls("syncFib", NULL), 0);
}

static void
every_fboss_fault_is_survived_and_repaired(void **state)
{
	const char *modes[] = { "500", "hang", "refuse", "garbage" };

	(void)state;
	for (size_t i = 0; i < nitems(modes); i++) {
		char name[32], ip[32], prefix[40];

		snprintf(name, sizeof(name), "ff%zu", i);
		snprintf(ip, sizeof(ip), "192.168.62.%zu", i + 1);
		snprintf(prefix, sizeof(prefix), "%s/32", ip);
		assert_int_equal(rh_fault(h, "fboss", modes[i]), 0);
		rh_put_service(h, name, ip, "bladerunner1", "torc", true);
		/* Attempted and failed (hang: after its timeout). */
		assert_true(rh_wait(T_CONVERGE, status_is, h,
		    &(struct exp){ prefix, "failed" }));
		assert_true(rh_routed_alive(h));
		assert_int_equal(rh_fault(h, "fboss", "none"), 0);
		WAIT_ROUTE(prefix, "10.250.3.21");
		assert_true(rh_wait(T_CONVERGE, status_is, h,
		    &(struct exp){ prefix, "programmed" }));
	}
	/* What was there before the faults is still there. */
	WAIT_ROUTE("192.168.10.1/32", "10.250.3.21");
}

static void
a_restarted_routed_removes_stale_routes_and_flaps_nothing(void **state)
{
	int twice = 2;
	char nh[64];

	(void)state;
	rh_put_service(h, "keep", "192.168.50.1", "bladerunner1", "torc",
	    true);
	rh_put_service(h, "stale", "192.168.50.2", "bladerunner1", "torc",
	    true);
	WAIT_ROUTE("192.168.50.1/32", "10.250.3.21");
	WAIT_ROUTE("192.168.50.2/32", "10.250.3.21");
	assert_int_equal(rh_routed_stop(h, false), 0);
	fake_schedd_remove_service(h->fs, "stale");
	assert_int_equal(rh_ctl(h, "POST", "/fboss/add",
	    "{\"prefix\":\"10.99.0.2/32\",\"nexthop\":\"10.250.3.22\","
	    "\"client\":1}", NULL), 201);
	assert_int_equal(rh_ctl(h, "DELETE", "/fboss/requests", NULL, NULL),
	    200);
	assert_int_equal(rh_routed_start(h), 0);
	WAIT_ROUTE("192.168.50.2/32", "");
	assert_true(rh_wait(T_CONVERGE, listed_n_times, h, &twice));
	fb_route(1, "10.99.0.2/32", nh, sizeof(nh));
	assert_string_equal(nh, "10.250.3.22");
	/* What was right stayed: not deleted, not added again. */
	assert_int_equal(fb_calls("addUnicastRoute", NULL), 0);
	assert_int_equal(fb_calls("deleteUnicastRoute", NULL), 1);
	assert_int_equal(fb_calls("deleteUnicastRoute", "192.168.50.2/32"),
	    1);
	WAIT_ROUTE("192.168.50.1/32", "10.250.3.21");
}

static void
routed_stops_cleanly(void **state)
{
	(void)state;
	assert_int_equal(rh_routed_stop(h, false), 0);
}

int
main(void)
{
	int rc;

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_started_service_gets_its_route_at_once),
		cmocka_unit_test(a_stopped_or_removed_service_loses_its_route),
		cmocka_unit_test(
		    a_moved_service_follows_to_its_new_address_and_node),
		cmocka_unit_test(
		    routes_changed_behind_our_back_come_back_other_clients_stay),
		cmocka_unit_test(every_fboss_fault_is_survived_and_repaired),
		cmocka_unit_test(
		    a_restarted_routed_removes_stale_routes_and_flaps_nothing),
		cmocka_unit_test(routed_stops_cleanly),
	};

	if (setup() != 0) {
		printf("not ok 1 - set-up\n1..1\n");
		rh_done(h, true);
		return 1;
	}
	if (no_driver) {
		/* Counted as passed by tests/run.sh, and says why. */
		printf("ok 1 # SKIP torc-routed has no FBOSS driver wired in\n"
		    "1..1\n");
		rh_done(h, false);
		return 0;
	}
	rc = cmocka_run_group_tests(tests, NULL, group_teardown);
	return rc;
}
