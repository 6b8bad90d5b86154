/*
 * test_routed_sim.c - torc-routed end to end against torc-sim's Consul
 * agent and FlexSwitch agent, with fake_schedd standing in for
 * torc-schedd: start, stop and move of services, dns-addons and the self
 * entry, drift repair, every fault mode of both systems, status on
 * routed.ipc, sequence gaps, restarts of schedd and of routed.
 *
 * The tests share one simulator and one routed and run in order; each
 * uses its own service names and addresses.  Every wait is bounded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routed_harness.h"
#include "torc_ipc.h"
#include "util.h"

#define T_CONVERGE	20000	/* ms: backoff cap + a reconcile + slack */

static struct rh H;
static struct rh *const h = &H;

struct exp {
	const char	*key;
	const char	*want;		/* "" = absent */
};

static bool
consul_is(struct rh *r, void *arg)
{
	struct exp *e = arg;
	char buf[64];

	rh_consul_addr(r, e->key, buf, sizeof(buf));
	return strcmp(buf, e->want) == 0;
}

static bool
route_is(struct rh *r, void *arg)
{
	struct exp *e = arg;
	char buf[64];

	rh_route(r, e->key, buf, sizeof(buf), NULL, 0);
	return strcmp(buf, e->want) == 0;
}

#define WAIT_DNS(id, addr)						\
	assert_true(rh_wait(T_CONVERGE, consul_is, h,			\
	    &(struct exp){ (id), (addr) }))
#define WAIT_ROUTE(prefix, nh)						\
	assert_true(rh_wait(T_CONVERGE, route_is, h,			\
	    &(struct exp){ (prefix), (nh) }))

/* DNS as a client sees it: the A records of name.service.torc. */
static void
dig(const char *name, char *out, size_t len)
{
	char cmd[256];
	FILE *fp;
	size_t n;

	snprintf(cmd, sizeof(cmd), "dig +short +time=2 +tries=1 @127.0.0.1 "
	    "-p %d %s.service.torc A 2>/dev/null", h->dns_port, name);
	out[0] = '\0';
	if ((fp = popen(cmd, "r")) == NULL)
		return;
	n = fread(out, 1, len - 1, fp);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	pclose(fp);
}

/* routed's status: the entry named name in dns[] or keyed key in routes[]. */
static bool
status_of(bool dns, const char *what, char *st, size_t stlen,
    uint32_t *attempts)
{
	struct tmsg req = { .type = TMSG_ROUTED_STATUS_REQ, .seq = 77 }, rep;
	char err[256];
	void *buf;
	size_t len;
	bool found = false;

	st[0] = '\0';
	if (tmsg_encode(&req, &buf, &len, err, sizeof(err)) != 0)
		return false;
	if (rh_routed_request(h, buf, len, &rep) != 0) {
		free(buf);
		return false;
	}
	free(buf);
	if (rep.type == TMSG_ROUTED_STATUS_REP) {
		struct tmsg_route_entry *v = dns ? rep.u.routed.dns :
		    rep.u.routed.routes;
		uint32_t n = dns ? rep.u.routed.n_dns : rep.u.routed.n_routes;

		for (uint32_t i = 0; i < n; i++) {
			if (strcmp(dns ? v[i].name : v[i].key, what) != 0)
				continue;
			tstrlcpy(st, v[i].status, stlen);
			if (attempts != NULL)
				*attempts = v[i].attempts;
			found = true;
		}
	}
	tmsg_free(&rep);
	return found;
}

struct st_exp {
	bool		 dns;
	const char	*what;
	const char	*status;
};

static bool
status_is(struct rh *r, void *arg)
{
	struct st_exp *e = arg;
	char st[32];

	(void)r;
	return status_of(e->dns, e->what, st, sizeof(st), NULL) &&
	    strcmp(st, e->status) == 0;
}

static bool
routed_synced_count(struct rh *r, void *arg)
{
	return fake_schedd_count(r->fs, TMSG_SYNC_REQ) >= *(unsigned *)arg;
}

static int
group_setup(void **state)
{
	(void)state;
	if (rh_init(h, 1, true) != 0)
		return -1;
	rh_put_node(h, "wedge", "");
	rh_put_node(h, "bladerunner1", "10.250.3.21");
	rh_put_node(h, "bladerunner2", "10.250.3.22");
	return rh_routed_start(h);
}

static int
group_teardown(void **state)
{
	(void)state;
	rh_done(h, getenv("RH_KEEP") != NULL);
	return 0;
}

static void
a_started_service_gets_its_dns_entry_and_route_at_once(void **state)
{
	char out[128];
	unsigned one = 1;

	(void)state;
	/* routed asks for a snapshot as it starts. */
	assert_true(rh_wait(T_CONVERGE, routed_synced_count, h, &one));
	rh_put_service(h, "web1", "192.168.10.1", "bladerunner1", "torc",
	    true);
	WAIT_DNS("torc-web1", "192.168.10.1");
	WAIT_ROUTE("192.168.10.1/32", "10.250.3.21");
	dig("web1", out, sizeof(out));
	assert_string_equal(out, "192.168.10.1");
	/* A host-network service is in DNS but gets no route. */
	rh_put_service(h, "hostsvc", "10.250.3.22", "bladerunner2", "host",
	    true);
	WAIT_DNS("torc-hostsvc", "10.250.3.22");
	assert_true(status_of(true, "hostsvc", out, sizeof(out), NULL));
	assert_false(status_of(false, "10.250.3.22/32", out, sizeof(out),
	    NULL));
}

static void
a_stopped_or_removed_service_loses_entry_and_route(void **state)
{
	(void)state;
	rh_put_service(h, "web2", "192.168.10.2", "bladerunner1", "torc",
	    true);
	rh_put_service(h, "web3", "192.168.10.3", "bladerunner2", "torc",
	    true);
	WAIT_ROUTE("192.168.10.2/32", "10.250.3.21");
	WAIT_ROUTE("192.168.10.3/32", "10.250.3.22");
	/* Killing: no longer running. */
	rh_put_service(h, "web2", "192.168.10.2", "bladerunner1", "torc",
	    false);
	fake_schedd_remove_service(h->fs, "web3");
	WAIT_DNS("torc-web2", "");
	WAIT_ROUTE("192.168.10.2/32", "");
	WAIT_DNS("torc-web3", "");
	WAIT_ROUTE("192.168.10.3/32", "");
	assert_false(rh_consul_has(h, "torc-web2"));
}

static void
a_moved_service_follows_to_its_new_address_and_node(void **state)
{
	char out[128];

	(void)state;
	rh_put_service(h, "mover", "192.168.20.1", "bladerunner1", "torc",
	    true);
	WAIT_ROUTE("192.168.20.1/32", "10.250.3.21");
	WAIT_DNS("torc-mover", "192.168.20.1");
	rh_put_service(h, "mover", "192.168.20.2", "bladerunner2", "torc",
	    true);
	WAIT_ROUTE("192.168.20.2/32", "10.250.3.22");
	WAIT_ROUTE("192.168.20.1/32", "");
	WAIT_DNS("torc-mover", "192.168.20.2");
	/* Same address, other node: the route is deleted and re-created. */
	rh_put_service(h, "mover", "192.168.20.2", "bladerunner1", "torc",
	    true);
	WAIT_ROUTE("192.168.20.2/32", "10.250.3.21");
	dig("mover", out, sizeof(out));
	assert_string_equal(out, "192.168.20.2");
	/* A node's external_ip changes: its services' routes follow. */
	rh_put_node(h, "bladerunner1", "10.250.3.31");
	WAIT_ROUTE("192.168.20.2/32", "10.250.3.31");
	WAIT_ROUTE("192.168.10.1/32", "10.250.3.31");
	rh_put_node(h, "bladerunner1", "10.250.3.21");
	WAIT_ROUTE("192.168.20.2/32", "10.250.3.21");
}

static void
dns_addons_and_the_self_entry_are_registered(void **state)
{
	char out[128];

	(void)state;
	WAIT_DNS("torc-etcd", "127.0.0.1");
	WAIT_DNS("torc-mesos-master", "127.0.0.1");
	WAIT_DNS("torc-torc-scheduler", "127.0.0.1");
	dig("torc-scheduler", out, sizeof(out));
	assert_string_equal(out, "127.0.0.1");
	/* A service on a node without external_ip: DNS, no route. */
	rh_put_service(h, "onwedge", "192.168.30.1", "wedge", "torc", true);
	WAIT_DNS("torc-onwedge", "192.168.30.1");
	assert_false(status_of(false, "192.168.30.1/32", out, sizeof(out),
	    NULL));
	rh_route(h, "192.168.30.1/32", out, sizeof(out), NULL, 0);
	assert_string_equal(out, "");
}

static bool
listed_n_times(struct rh *r, void *arg)
{
	int *n = arg;

	return rh_count_requests(r, "switch", "GET", "IPv4Routes") >= n[0] &&
	    rh_count_requests(r, "consul", "GET", "/v1/agent/services") >=
	    n[1];
}

static void
entries_deleted_behind_our_back_come_back_foreign_ones_stay(void **state)
{
	char nh[64], origin[32];
	int twice[2] = { 2, 2 };

	(void)state;
	rh_put_service(h, "drift", "192.168.40.1", "bladerunner2", "torc",
	    true);
	WAIT_ROUTE("192.168.40.1/32", "10.250.3.22");
	WAIT_DNS("torc-drift", "192.168.40.1");
	/* Foreign entries: not our prefix, or our prefix without our tag. */
	assert_int_equal(rh_ctl(h, "POST", "/consul/register",
	    "{\"ID\":\"other\",\"Name\":\"other\",\"Address\":\"10.1.1.1\"}",
	    NULL), 200);
	assert_int_equal(rh_ctl(h, "POST", "/consul/register",
	    "{\"ID\":\"torc-notours\",\"Name\":\"notours\","
	    "\"Address\":\"10.1.1.2\",\"Tags\":[\"x\"]}", NULL), 200);
	assert_int_equal(rh_ctl(h, "POST", "/switch/add",
	    "{\"prefix\":\"10.99.0.1/32\",\"nexthop\":\"10.250.3.21\"}",
	    NULL), 201);
	/* Ours, removed and changed behind our back. */
	assert_int_equal(rh_ctl(h, "POST", "/consul/delete",
	    "{\"id\":\"torc-drift\"}", NULL), 200);
	assert_int_equal(rh_ctl(h, "POST", "/switch/delete",
	    "{\"prefix\":\"192.168.40.1/32\"}", NULL), 200);
	assert_int_equal(rh_ctl(h, "POST", "/consul/register",
	    "{\"ID\":\"torc-web1\",\"Name\":\"web1\",\"Address\":\"6.6.6.6\","
	    "\"Tags\":[\"torc\"]}", NULL), 200);
	WAIT_ROUTE("192.168.40.1/32", "10.250.3.22");
	WAIT_DNS("torc-drift", "192.168.40.1");
	WAIT_DNS("torc-web1", "192.168.10.1");
	/* Two more full reconciles later, the foreign ones are intact. */
	assert_int_equal(rh_ctl(h, "DELETE", "/switch/requests", NULL, NULL),
	    200);
	assert_int_equal(rh_ctl(h, "DELETE", "/consul/requests", NULL, NULL),
	    200);
	assert_true(rh_wait(T_CONVERGE, listed_n_times, h, twice));
	assert_true(rh_consul_has(h, "other"));
	assert_true(rh_consul_has(h, "torc-notours"));
	rh_route(h, "10.99.0.1/32", nh, sizeof(nh), origin, sizeof(origin));
	assert_string_equal(nh, "10.250.3.21");
	assert_string_equal(origin, "operator");
	assert_int_equal(rh_count_requests(h, "switch", "DELETE", NULL), 0);
	assert_int_equal(rh_count_requests(h, "consul", "PUT", "deregister"),
	    0);
}

/* One fault mode on one system: an entry fails, then converges. */
static void
fault_then_converge(const char *sys, const char *mode, int i)
{
	char name[32], ip[32], prefix[40];
	bool dns = strcmp(sys, "consul") == 0;

	snprintf(name, sizeof(name), "f%s%d", dns ? "c" : "s", i);
	snprintf(ip, sizeof(ip), "192.168.%d.%d", dns ? 60 : 61, i + 1);
	snprintf(prefix, sizeof(prefix), "%s/32", ip);
	assert_int_equal(rh_fault(h, sys, mode), 0);
	rh_put_service(h, name, ip, "bladerunner1", "torc", true);
	/* The change is attempted and fails (hang: after its timeout). */
	assert_true(rh_wait(T_CONVERGE, status_is, h, &(struct st_exp){
	    dns, dns ? name : prefix, "failed" }));
	assert_true(rh_routed_alive(h));
	assert_int_equal(rh_fault(h, sys, "none"), 0);
	{
		char id[40];

		snprintf(id, sizeof(id), "torc-%s", name);
		WAIT_DNS(id, ip);
	}
	WAIT_ROUTE(prefix, "10.250.3.21");
	assert_true(rh_wait(T_CONVERGE, status_is, h, &(struct st_exp){
	    dns, dns ? name : prefix, "programmed" }));
}

static void
every_consul_fault_is_survived_and_repaired(void **state)
{
	const char *modes[] = { "500", "hang", "refuse", "garbage" };

	(void)state;
	for (size_t i = 0; i < nitems(modes); i++)
		fault_then_converge("consul", modes[i], (int)i);
}

static void
every_switch_fault_is_survived_and_repaired(void **state)
{
	const char *modes[] = { "500", "hang", "refuse", "garbage" };

	(void)state;
	for (size_t i = 0; i < nitems(modes); i++)
		fault_then_converge("switch", modes[i], (int)i);
}

static void
status_is_served_and_bad_requests_are_answered(void **state)
{
	struct tmsg req = { .type = TMSG_ROUTED_STATUS_REQ, .seq = 5 }, rep;
	char err[256];
	void *buf;
	size_t len;
	bool consul = false, snap = false;

	(void)state;
	assert_int_equal(tmsg_encode(&req, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(rh_routed_request(h, buf, len, &rep), 0);
	free(buf);
	assert_int_equal(rep.type, TMSG_ROUTED_STATUS_REP);
	assert_int_equal(rep.seq, 5);
	assert_true(rep.u.routed.n_dns >= 4);
	assert_true(rep.u.routed.n_routes >= 2);
	for (uint32_t i = 0; i < rep.u.routed.n_systems; i++) {
		struct tmsg_system_status *s = &rep.u.routed.systems[i];

		if (strcmp(s->name, "consul") == 0)
			consul = s->reachable && s->last_success > 0;
		if (strcmp(s->name, "snaproute") == 0)
			snap = s->reachable && s->last_success > 0;
	}
	assert_true(consul);
	assert_true(snap);
	for (uint32_t i = 0; i < rep.u.routed.n_routes; i++)
		if (strcmp(rep.u.routed.routes[i].key, "192.168.10.1/32") == 0) {
			assert_string_equal(rep.u.routed.routes[i].value,
			    "10.250.3.21");
			assert_string_equal(rep.u.routed.routes[i].name,
			    "web1");
		}
	tmsg_free(&rep);
	/* Garbage and a wrong type get ERROR; routed carries on. */
	assert_int_equal(rh_routed_request(h, "\xc1garbage", 8, &rep), 0);
	assert_int_equal(rep.type, TMSG_ERROR);
	tmsg_free(&rep);
	req.type = TMSG_SYNC_REQ;
	assert_int_equal(tmsg_encode(&req, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(rh_routed_request(h, buf, len, &rep), 0);
	free(buf);
	assert_int_equal(rep.type, TMSG_ERROR);
	tmsg_free(&rep);
	assert_true(rh_routed_alive(h));
}

static void
a_sequence_gap_makes_routed_resync(void **state)
{
	unsigned before = fake_schedd_count(h->fs, TMSG_SYNC_REQ), after;

	(void)state;
	/* A change routed never hears about, then one it does. */
	rh_put_service_silently(h, "gap1", "192.168.70.1", "bladerunner1",
	    "torc");
	rh_put_service(h, "gap2", "192.168.70.2", "bladerunner1", "torc",
	    true);
	after = before + 1;
	assert_true(rh_wait(T_CONVERGE, routed_synced_count, h, &after));
	WAIT_DNS("torc-gap1", "192.168.70.1");
	WAIT_ROUTE("192.168.70.1/32", "10.250.3.21");
	WAIT_DNS("torc-gap2", "192.168.70.2");
	WAIT_ROUTE("192.168.70.2/32", "10.250.3.21");
}

static void
a_restarted_routed_removes_stale_routes_and_flaps_nothing(void **state)
{
	int lists[2] = { 2, 2 };
	char nh[64], origin[32];

	(void)state;
	rh_put_service(h, "keep", "192.168.50.1", "bladerunner1", "torc",
	    true);
	rh_put_service(h, "stale", "192.168.50.2", "bladerunner1", "torc",
	    true);
	WAIT_ROUTE("192.168.50.1/32", "10.250.3.21");
	WAIT_ROUTE("192.168.50.2/32", "10.250.3.21");
	WAIT_DNS("torc-stale", "192.168.50.2");
	assert_int_equal(rh_routed_stop(h, false), 0);
	/* While routed is down: a service goes, an operator adds a route. */
	fake_schedd_remove_service(h->fs, "stale");
	assert_int_equal(rh_ctl(h, "POST", "/switch/add",
	    "{\"prefix\":\"10.99.0.2/32\",\"nexthop\":\"10.250.3.22\"}",
	    NULL), 201);
	assert_int_equal(rh_ctl(h, "DELETE", "/switch/requests", NULL, NULL),
	    200);
	assert_int_equal(rh_ctl(h, "DELETE", "/consul/requests", NULL, NULL),
	    200);
	assert_int_equal(rh_routed_start(h), 0);
	WAIT_ROUTE("192.168.50.2/32", "");
	WAIT_DNS("torc-stale", "");
	assert_true(rh_wait(T_CONVERGE, listed_n_times, h, lists));
	rh_route(h, "10.99.0.2/32", nh, sizeof(nh), origin, sizeof(origin));
	assert_string_equal(nh, "10.250.3.22");
	assert_string_equal(origin, "operator");
	rh_route(h, "10.99.0.1/32", nh, sizeof(nh), NULL, 0);
	assert_string_equal(nh, "10.250.3.21");
	/* What was right stayed: not deleted, not created again. */
	assert_int_equal(rh_count_requests(h, "switch", "POST", NULL), 0);
	assert_int_equal(rh_count_requests(h, "switch", "DELETE", NULL), 1);
	assert_int_equal(rh_count_requests(h, "switch", "DELETE",
	    "192.168.50.2"), 1);
	assert_int_equal(rh_count_requests(h, "consul", "PUT", "service/register"),
	    0);
	assert_int_equal(rh_count_requests(h, "consul", "PUT", "deregister"),
	    1);
	WAIT_ROUTE("192.168.50.1/32", "10.250.3.21");
}

/*
 * routed killed as soon as its create lands (before the durable write of
 * the owned set, 200 ms later): the claim made before the create says the
 * route is routed's, so the restarted routed deletes it once unwanted
 * instead of taking it for an operator's.
 */
static void
a_route_created_just_before_a_crash_is_still_owned(void **state)
{
	(void)state;
	assert_int_equal(rh_ctl(h, "DELETE", "/switch/requests", NULL, NULL),
	    200);
	rh_put_service(h, "crash", "192.168.51.1", "bladerunner1", "torc",
	    true);
	WAIT_ROUTE("192.168.51.1/32", "10.250.3.21");
	assert_int_equal(rh_routed_stop(h, true), 128 + SIGKILL);
	fake_schedd_remove_service(h->fs, "crash");
	assert_int_equal(rh_routed_start(h), 0);
	WAIT_ROUTE("192.168.51.1/32", "");
	assert_int_equal(rh_count_requests(h, "switch", "DELETE",
	    "192.168.51.1"), 1);
}

static void
a_restarted_schedd_is_followed_from_its_new_snapshot(void **state)
{
	unsigned one = 1;
	int64_t i;

	(void)state;
	assert_int_equal(rh_schedd_restart(h), 0);
	/* The new schedd knows less: nodes and one new service. */
	rh_put_node(h, "wedge", "");
	rh_put_node(h, "bladerunner1", "10.250.3.21");
	rh_put_node(h, "bladerunner2", "10.250.3.22");
	rh_put_service(h, "reborn", "192.168.80.1", "bladerunner2", "torc",
	    true);
	/* Its events reach routed once the subscription reconnects. */
	for (i = 0; i < 400 && fake_schedd_count(h->fs, TMSG_SYNC_REQ) == 0;
	    i++)
		if (!rh_wait(50, routed_synced_count, h, &one))
			fake_schedd_publish_status(h->fs);
	assert_true(fake_schedd_count(h->fs, TMSG_SYNC_REQ) >= 1);
	WAIT_DNS("torc-reborn", "192.168.80.1");
	WAIT_ROUTE("192.168.80.1/32", "10.250.3.22");
	/* What the old one ran and the new one does not is removed. */
	WAIT_DNS("torc-web1", "");
	WAIT_ROUTE("192.168.10.1/32", "");
	WAIT_ROUTE("192.168.50.1/32", "");
	/* Config entries stay. */
	WAIT_DNS("torc-etcd", "127.0.0.1");
	assert_true(rh_consul_has(h, "other"));
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
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    a_started_service_gets_its_dns_entry_and_route_at_once),
		cmocka_unit_test(
		    a_stopped_or_removed_service_loses_entry_and_route),
		cmocka_unit_test(
		    a_moved_service_follows_to_its_new_address_and_node),
		cmocka_unit_test(dns_addons_and_the_self_entry_are_registered),
		cmocka_unit_test(
		    entries_deleted_behind_our_back_come_back_foreign_ones_stay),
		cmocka_unit_test(every_consul_fault_is_survived_and_repaired),
		cmocka_unit_test(every_switch_fault_is_survived_and_repaired),
		cmocka_unit_test(
		    status_is_served_and_bad_requests_are_answered),
		cmocka_unit_test(a_sequence_gap_makes_routed_resync),
		cmocka_unit_test(
		    a_restarted_routed_removes_stale_routes_and_flaps_nothing),
		cmocka_unit_test(
		    a_restarted_schedd_is_followed_from_its_new_snapshot),
		cmocka_unit_test(
		    a_route_created_just_before_a_crash_is_still_owned),
		cmocka_unit_test(routed_stops_cleanly),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
