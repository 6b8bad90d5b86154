/*
 * test_sched_ipc.c - requests on schedd.ipc as the core answers them:
 * snapshots and their seq, the queries, start group (twice: nothing
 * launched twice), kill (unknown: 404), announce (listed, refreshed with
 * the local time, expired by stateclean), forget framework, and requests
 * of a type schedd does not take.  Every reply is pushed through the
 * real codec, as it would go on the wire.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sched_test_stubs.h"
#include "sched_test_core.h"

/* Handle req, round-trip the reply through the codec into *rep. */
static void
ask(struct core_fix *f, struct tmsg *req, struct tmsg *rep)
{
	struct tmsg raw;
	void *buf;
	size_t len;
	char err[256];

	req->seq = 77;
	sched_ipc_handle(&f->s, req, &raw, &f->now);
	assert_int_equal(raw.seq, 77);
	if (tmsg_encode(&raw, &buf, &len, err, sizeof(err)) != 0)
		fail_msg("encode: %s", err);
	tmsg_free(&raw);
	if (tmsg_decode(buf, len, rep, err, sizeof(err)) != 0)
		fail_msg("decode: %s", err);
	free(buf);
}

static int
ctl(struct core_fix *f, enum tmsg_type type, const char *name, char *msg,
    size_t msglen)
{
	struct tmsg req = { .type = type }, rep;
	int code;

	req.u.name.name = (char *)name;
	ask(f, &req, &rep);
	assert_int_equal(rep.type, TMSG_CTL_RESULT);
	code = rep.u.result.code;
	if (msg != NULL)
		snprintf(msg, msglen, "%s", rep.u.result.message);
	tmsg_free(&rep);
	return code;
}

static size_t
query(struct core_fix *f, enum tmsg_query_what what, const char *name,
    enum tmsg_svc_state *st)
{
	struct tmsg req = { .type = TMSG_QUERY_REQ }, rep;
	size_t n;

	req.u.query.what = what;
	ask(f, &req, &rep);
	assert_int_equal(rep.type, TMSG_QUERY_REP);
	n = what == TQUERY_NODES ? rep.u.query_rep.n_nodes :
	    rep.u.query_rep.n_services;
	for (uint32_t i = 0; name != NULL && i < rep.u.query_rep.n_services;
	    i++)
		if (strcmp(rep.u.query_rep.services[i].name, name) == 0 &&
		    st != NULL)
			*st = rep.u.query_rep.services[i].state;
	tmsg_free(&rep);
	return n;
}

static void
starting_a_group_twice_launches_each_service_once(void **state)
{
	struct core_fix *f = core_new(false);
	char msg[256];

	(void)state;
	core_subscribe(f);
	assert_int_equal(ctl(f, TMSG_CTL_START_GROUP, "dns-sched", msg,
	    sizeof(msg)), 200);
	assert_string_equal(msg, "group dns-sched: 2 started, 0 already "
	    "wanted");
	core_run(f, "dns-sched", "br1");
	assert_int_equal(core_svc(f, "dns-sched")->t.state, TSVC_RUNNING);
	assert_int_equal(ctl(f, TMSG_CTL_START_GROUP, "dns-sched", msg,
	    sizeof(msg)), 200);
	assert_string_equal(msg, "group dns-sched: 0 started, 2 already "
	    "wanted");
	core_offer(f, "br1");
	core_offer(f, "br2");
	assert_int_equal(stub_launched("dns-sched"), 1);
	assert_int_equal(stub_launched("dns-sl1"), 1);
	assert_int_equal(core_svc(f, "dns-sched")->t.state, TSVC_RUNNING);
	core_free(f);
}

static void
starting_an_unknown_group_is_404(void **state)
{
	struct core_fix *f = core_new(false);
	char msg[256];

	(void)state;
	assert_int_equal(ctl(f, TMSG_CTL_START_GROUP, "nope", msg,
	    sizeof(msg)), 404);
	assert_string_equal(msg, "no such group: nope");
	assert_int_equal(ctl(f, TMSG_CTL_START_GROUP, "", NULL, 0), 400);
	core_free(f);
}

static void
killing_an_unknown_service_is_404(void **state)
{
	struct core_fix *f = core_new(false);
	char msg[256];

	(void)state;
	assert_int_equal(ctl(f, TMSG_CTL_KILL, "nope", msg, sizeof(msg)), 404);
	assert_string_equal(msg, "no such service: nope");
	core_free(f);
}

static void
killing_an_on_demand_service_twice_kills_it_once_then_says_not_running(
    void **state)
{
	struct core_fix *f = core_new(false);
	const char *tid;
	char *saved;

	(void)state;
	core_subscribe(f);
	ctl(f, TMSG_CTL_START_GROUP, "dns-sched", NULL, 0);
	tid = core_run(f, "dns-sched", "br1");
	saved = xstrdup(tid);
	assert_int_equal(ctl(f, TMSG_CTL_KILL, "dns-sched", NULL, 0), 200);
	assert_int_equal(core_svc(f, "dns-sched")->t.state, TSVC_KILLING);
	assert_true(stub_killed(saved));
	/* The resent request: still killing, the kill is asked again. */
	assert_int_equal(ctl(f, TMSG_CTL_KILL, "dns-sched", NULL, 0), 200);
	core_update(f, saved, "br1", MESOS_TASK_KILLED);
	assert_null(core_svc(f, "dns-sched"));
	assert_true(core_removed("dns-sched"));
	assert_int_equal(ctl(f, TMSG_CTL_KILL, "dns-sched", NULL, 0), 200);
	free(saved);
	core_free(f);
}

static void
a_snapshot_carries_every_node_and_service_and_the_last_seq(void **state)
{
	struct core_fix *f = core_new(false);
	struct tmsg req = { .type = TMSG_SYNC_REQ }, rep;

	(void)state;
	core_subscribe(f);
	core_offer(f, "wedge");
	ask(f, &req, &rep);
	assert_int_equal(rep.type, TMSG_SYNC_REP);
	assert_int_equal(rep.u.snap.seq, f->s.seq);
	assert_int_equal(rep.u.snap.seq, stub.pub[stub.n_pub - 1].seq);
	assert_int_equal(rep.u.snap.n_nodes, 3);
	assert_int_equal(rep.u.snap.n_services, f->s.st.n_svcs);
	assert_int_equal(rep.u.snap.status.instance, 42);
	assert_string_equal(rep.u.snap.status.framework_id, "fw-test");
	tmsg_free(&rep);
	core_free(f);
}

static void
queries_select_running_metered_and_pending_services(void **state)
{
	struct core_fix *f = core_new(false);
	enum tmsg_svc_state st = TSVC_FAILED;

	(void)state;
	core_subscribe(f);
	assert_int_equal(query(f, TQUERY_NODES, NULL, NULL), 3);
	assert_int_equal(query(f, TQUERY_SERVICES, NULL, NULL), 8);
	assert_int_equal(query(f, TQUERY_RUNNING, NULL, NULL), 0);
	assert_int_equal(query(f, TQUERY_PENDING, "dns", &st), 8);
	assert_int_equal(st, TSVC_PENDING);
	core_run(f, "dns", "wedge");
	assert_int_equal(query(f, TQUERY_RUNNING, "dns", &st), 1);
	assert_int_equal(st, TSVC_RUNNING);
	assert_int_equal(query(f, TQUERY_METERED, NULL, NULL), 0);
	ctl(f, TMSG_CTL_START_GROUP, "dns-sched", NULL, 0);
	core_run(f, "dns-sl1", "br2");
	assert_int_equal(query(f, TQUERY_METERED, "dns-sl1", &st), 1);
	core_free(f);
}

static void
pending_services_carry_their_reason(void **state)
{
	struct core_fix *f = core_new(false);
	struct tmsg req = { .type = TMSG_QUERY_REQ }, rep;
	bool seen = false;

	(void)state;
	req.u.query.what = TQUERY_PENDING;
	ask(f, &req, &rep);
	for (uint32_t i = 0; i < rep.u.query_rep.n_services; i++) {
		struct tmsg_service *s = &rep.u.query_rep.services[i];

		if (strcmp(s->name, "dns") == 0) {
			assert_string_equal(s->state_reason, "no active node "
			    "matches node_function=controller");
			seen = true;
		}
	}
	assert_true(seen);
	tmsg_free(&rep);
	core_free(f);
}

static struct tmsg
announce_msg(const char *name, const char *ip)
{
	struct tmsg m = { .type = TMSG_CTL_ANNOUNCE };

	m.u.svc.name = (char *)name;
	m.u.svc.controller = "torc-dns-scheduler";
	m.u.svc.ip = (char *)ip;
	m.u.svc.node_name = "br1";
	m.u.svc.network_type = "torc";
	m.u.svc.last_update = 12345;	/* remote clock: not used */
	return m;
}

static void
an_announced_service_is_listed_refreshed_and_expires(void **state)
{
	struct core_fix *f = core_new(false);
	struct tmsg req = announce_msg("dns-sl9", "192.168.1.9"), rep;
	enum tmsg_svc_state st = TSVC_PENDING;

	(void)state;
	core_subscribe(f);
	ask(f, &req, &rep);
	assert_int_equal(rep.u.result.code, 200);
	tmsg_free(&rep);
	assert_int_equal(query(f, TQUERY_RUNNING, "dns-sl9", &st), 1);
	assert_int_equal(st, TSVC_RUNNING);
	assert_int_equal(core_svc(f, "dns-sl9")->t.kind, TSVC_KIND_ANNOUNCED);
	assert_int_equal(core_svc(f, "dns-sl9")->t.last_update,
	    f->now.wall_s);
	assert_string_equal(core_last_pub("dns-sl9")->ip, "192.168.1.9");
	assert_string_equal(core_svc(f, "dns-sl9")->t.node, "br1");
	/* Refreshed before the timeout: kept, with the new local time. */
	core_advance(f, 20000);
	req = announce_msg("dns-sl9", "192.168.1.10");
	ask(f, &req, &rep);
	assert_int_equal(rep.u.result.code, 200);
	tmsg_free(&rep);
	assert_int_equal(core_svc(f, "dns-sl9")->t.last_update,
	    f->now.wall_s);
	assert_string_equal(core_last_pub("dns-sl9")->ip, "192.168.1.10");
	core_advance(f, 20000);
	sched_stateclean(&f->s, &f->now);
	assert_non_null(core_svc(f, "dns-sl9"));
	/* Not refreshed for the timeout: gone. */
	core_advance(f, 11000);
	sched_stateclean(&f->s, &f->now);
	assert_null(core_svc(f, "dns-sl9"));
	assert_true(core_removed("dns-sl9"));
	core_free(f);
}

static void
an_announce_cannot_take_the_name_of_our_own_service(void **state)
{
	struct core_fix *f = core_new(false);
	struct tmsg req = announce_msg("dns", "192.168.1.9"), rep;

	(void)state;
	ask(f, &req, &rep);
	assert_int_equal(rep.u.result.code, 409);
	tmsg_free(&rep);
	req = announce_msg("", "192.168.1.9");
	ask(f, &req, &rep);
	assert_int_equal(rep.u.result.code, 400);
	tmsg_free(&rep);
	req = announce_msg("x", "1.2.3.4");
	req.u.svc.controller = "torc-scheduler";
	ask(f, &req, &rep);
	assert_int_equal(rep.u.result.code, 400);
	tmsg_free(&rep);
	assert_int_equal(ctl(f, TMSG_CTL_KILL, "dns", NULL, 0), 200);
	core_free(f);
}

static void
killing_an_announced_service_is_refused(void **state)
{
	struct core_fix *f = core_new(false);
	struct tmsg req = announce_msg("dns-sl9", "192.168.1.9"), rep;

	(void)state;
	ask(f, &req, &rep);
	tmsg_free(&rep);
	assert_int_equal(ctl(f, TMSG_CTL_KILL, "dns-sl9", NULL, 0), 409);
	core_free(f);
}

static void
forgetting_the_framework_asks_the_connection(void **state)
{
	struct core_fix *f = core_new(false);
	struct tmsg req = { .type = TMSG_CTL_FORGET_FRAMEWORK }, rep;

	(void)state;
	ask(f, &req, &rep);
	assert_int_equal(rep.type, TMSG_CTL_RESULT);
	assert_int_equal(rep.u.result.code, 200);
	assert_int_equal(stub.forget, 1);
	tmsg_free(&rep);
	core_free(f);
}

static void
a_request_of_a_type_schedd_does_not_take_gets_an_error(void **state)
{
	struct core_fix *f = core_new(false);
	struct tmsg req = { .type = TMSG_SVC_UPDATE }, rep;

	(void)state;
	req.u.svc.name = "x";
	ask(f, &req, &rep);
	assert_int_equal(rep.type, TMSG_ERROR);
	assert_int_equal(rep.u.error.code, 400);
	tmsg_free(&rep);
	req.type = TMSG_ROUTED_STATUS_REQ;
	ask(f, &req, &rep);
	assert_int_equal(rep.type, TMSG_ERROR);
	tmsg_free(&rep);
	core_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(starting_a_group_twice_launches_each_service_once),
		cmocka_unit_test(starting_an_unknown_group_is_404),
		cmocka_unit_test(killing_an_unknown_service_is_404),
		cmocka_unit_test(killing_an_on_demand_service_twice_kills_it_once_then_says_not_running),
		cmocka_unit_test(a_snapshot_carries_every_node_and_service_and_the_last_seq),
		cmocka_unit_test(queries_select_running_metered_and_pending_services),
		cmocka_unit_test(pending_services_carry_their_reason),
		cmocka_unit_test(an_announced_service_is_listed_refreshed_and_expires),
		cmocka_unit_test(an_announce_cannot_take_the_name_of_our_own_service),
		cmocka_unit_test(killing_an_announced_service_is_refused),
		cmocka_unit_test(forgetting_the_framework_asks_the_connection),
		cmocka_unit_test(a_request_of_a_type_schedd_does_not_take_gets_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
