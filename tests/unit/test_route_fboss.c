/*
 * test_route_fboss.c - torc-routed's FBOSS client against torc-sim's
 * FBOSS agent running in this process (on a port the kernel picks):
 * the exact bytes of a call, add, replace, delete, the route tables,
 * syncFib, each fault of the agent and the recovery after it, both
 * transports, and a client freed in the middle of a hung call.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <thrift/c_glib/protocol/thrift_binary_protocol.h>
#include <thrift/c_glib/transport/thrift_memory_buffer.h>

#include "ev.h"
#include "fboss_fboss_ctrl.h"
#include "log.h"
#include "monotime.h"
#include "torc-routed/route_fboss.h"
#include "sim.h"

#define WAIT_MS		5000	/* bound of every wait below */
#define SHORT_MS	300	/* the client's timeouts in fault tests */

struct got {
	int	 calls;
	enum route_fboss_status status;
	char	 error[256];
	struct route_fboss_route routes[64];
	size_t	 n_routes;
};

struct fixture {
	struct ev_loop	*loop;
	struct route_fboss *fb;
	enum cfg_fboss_transport transport;
};

static void
got_cb(const struct route_fboss_result *res, void *arg)
{
	struct got *g = arg;
	size_t i;

	g->calls++;
	g->status = res->status;
	snprintf(g->error, sizeof(g->error), "%s", res->error);
	g->n_routes = 0;
	for (i = 0; i < res->n_routes && i < 64; i++)
		g->routes[g->n_routes++] = res->routes[i];
}

/* Run the loop until g has n callbacks, at most WAIT_MS. */
static void
wait_calls(struct fixture *f, struct got *g, int n)
{
	int64_t deadline = mono_ms() + WAIT_MS;

	while (g->calls < n && mono_ms() < deadline)
		ev_run_once(f->loop, 20);
	assert_int_equal(g->calls, n);
}

static json_t *
ctl(const char *path, const char *method, const char *body, int want)
{
	json_t *j = body != NULL ? json_loads(body, 0, NULL) : NULL;
	json_t *r;
	int st = 0;

	r = sim_fboss_control(path, method, j, &st);
	json_decref(j);
	if (st != want)
		print_error("control %s %s: %d\n", method, path, st);
	assert_int_equal(st, want);
	return r;
}

static void
fault(const char *mode)
{
	char body[64];

	snprintf(body, sizeof(body), "{\"mode\":\"%s\"}", mode);
	json_decref(ctl("fault", "POST", body, 200));
}

/* The simulator's routes as "client prefix nexthop" lines. */
static char *
sim_routes(void)
{
	json_t *r = ctl("routes", "GET", NULL, 200), *it;
	char *out = calloc(1, 4096);
	size_t i, o = 0;

	json_array_foreach(json_object_get(r, "routes"), i, it)
		o += (size_t)snprintf(out + o, 4096 - o, "%d %s %s\n",
		    (int)json_integer_value(json_object_get(it, "client")),
		    json_string_value(json_object_get(it, "prefix")),
		    json_string_value(json_array_get(json_object_get(it,
		    "nexthops"), 0)));
	json_decref(r);
	return out;
}

static void
assert_sim_routes(const char *want)
{
	char *got = sim_routes();

	assert_string_equal(got, want);
	free(got);
}

static struct route_fboss *
client(struct fixture *f, int timeout_ms)
{
	struct route_fboss_opts o = {
		.host = "127.0.0.1",
		.port = sim_fboss_port(),
		.transport = f->transport,
		.client_id = ROUTE_FBOSS_CLIENT_ID,
		.connect_timeout_ms = timeout_ms,
		.call_timeout_ms = timeout_ms,
		.table_timeout_ms = timeout_ms,
	};
	char err[256];
	struct route_fboss *fb = route_fboss_new(f->loop, &o, err,
	    sizeof(err));

	if (fb == NULL)
		print_error("%s\n", err);
	assert_non_null(fb);
	return fb;
}

static int
setup_with(void **state, enum cfg_fboss_transport tr)
{
	struct fixture *f = calloc(1, sizeof(*f));

	json_decref(ctl("reset", "POST", NULL, 200));
	f->loop = ev_loop_new();
	f->transport = tr;
	f->fb = client(f, 0);
	*state = f;
	return 0;
}

static int
setup_buffered(void **state)
{
	return setup_with(state, CFG_FBOSS_BUFFERED);
}

static int
setup_framed(void **state)
{
	return setup_with(state, CFG_FBOSS_FRAMED);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	route_fboss_free(f->fb);
	ev_loop_free(f->loop);
	free(f);
	return 0;
}

static int
group_setup(void **state)
{
	struct sim_opts o = { .bind_ip = "127.0.0.1", .fboss_port = 0 };
	char err[256];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	log_init("test_route_fboss", LOG_LVL_WARN);
	if (sim_fboss_start(&o, err, sizeof(err)) != 0) {
		print_error("%s\n", err);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	sim_fboss_stop();
	return 0;
}

/* ---- tests --------------------------------------------------------------- */

/*
 * addUnicastRoute(4000, 10.1.2.3/32 via 10.0.0.1) as the generated code
 * writes it must be the strict binary message FBOSS expects: this pins
 * the IDL excerpt's field ids and types to the agent's.
 */
static void
an_add_call_has_the_agents_wire_format(void **state)
{
	static const unsigned char want[] = {
		0x80, 0x01, 0x00, 0x01,			/* version, CALL */
		0x00, 0x00, 0x00, 0x0f, 'a', 'd', 'd', 'U', 'n', 'i', 'c',
		'a', 's', 't', 'R', 'o', 'u', 't', 'e',
		0x00, 0x00, 0x00, 0x00,			/* seqid */
		0x06, 0x00, 0x01, 0x0f, 0xa0,		/* 1: i16 4000 */
		0x0c, 0x00, 0x02,			/* 2: UnicastRoute */
		0x0c, 0x00, 0x01,			/*  1: IpPrefix */
		0x0c, 0x00, 0x01,			/*   1: BinaryAddress */
		0x0b, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04,
		0x0a, 0x01, 0x02, 0x03,			/*    1: addr */
		0x00,
		0x06, 0x00, 0x02, 0x00, 0x20,		/*   2: i16 32 */
		0x00,
		0x0f, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x01,	/* 2: list */
		0x0b, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04,
		0x0a, 0x00, 0x00, 0x01, 0x00,
		0x00,					/*  end route */
		0x00,					/* end args */
	};
	ThriftMemoryBuffer *buf = g_object_new(THRIFT_TYPE_MEMORY_BUFFER,
	    "buf_size", 4096, NULL);
	ThriftProtocol *p = g_object_new(THRIFT_TYPE_BINARY_PROTOCOL,
	    "transport", buf, NULL);
	GObject *c = g_object_new(FBOSS_TYPE_FBOSS_CTRL_CLIENT,
	    "input_protocol", p, "output_protocol", p, NULL);
	fbossUnicastRoute *r = g_object_new(FBOSS_TYPE_UNICAST_ROUTE, NULL);
	fbossBinaryAddress *nh = g_object_new(FBOSS_TYPE_BINARY_ADDRESS, NULL);
	static const guint8 dst[4] = { 10, 1, 2, 3 }, gw[4] = { 10, 0, 0, 1 };

	(void)state;
	g_object_unref(r->dest->ip);
	r->dest->ip = g_object_new(FBOSS_TYPE_BINARY_ADDRESS, NULL);
	r->dest->ip->addr = g_byte_array_new();
	g_byte_array_append(r->dest->ip->addr, dst, 4);
	r->dest->prefixLength = 32;
	nh->addr = g_byte_array_new();
	g_byte_array_append(nh->addr, gw, 4);
	g_ptr_array_add(r->nextHopAddrs, nh);
	assert_true(fboss_fboss_ctrl_client_send_add_unicast_route(
	    FBOSS_FBOSS_CTRL_IF(c), ROUTE_FBOSS_CLIENT_ID, r, NULL));
	assert_int_equal(buf->buf->len, sizeof(want));
	assert_memory_equal(buf->buf->data, want, sizeof(want));
	g_object_unref(r);
	g_object_unref(c);
	g_object_unref(p);
	g_object_unref(buf);
}

static void
add_programs_a_route_under_torcs_client_id(void **state)
{
	struct fixture *f = *state;
	struct got g = { 0 };
	char err[128], want[128];

	assert_int_equal(route_fboss_add(f->fb, "10.1.2.3/32", "10.250.3.21",
	    got_cb, &g, err, sizeof(err)), 0);
	wait_calls(f, &g, 1);
	assert_int_equal(g.status, ROUTE_FBOSS_OK);
	assert_string_equal(g.error, "");
	snprintf(want, sizeof(want), "%d 10.1.2.3/32 10.250.3.21\n",
	    ROUTE_FBOSS_CLIENT_ID);
	assert_sim_routes(want);
}

static void
add_replaces_the_next_hop_and_delete_removes(void **state)
{
	struct fixture *f = *state;
	struct got g = { 0 };
	char err[128], want[128];

	assert_int_equal(route_fboss_add(f->fb, "10.1.2.3/32", "10.250.3.21",
	    got_cb, &g, err, sizeof(err)), 0);
	assert_int_equal(route_fboss_add(f->fb, "10.1.2.3/32", "10.250.3.22",
	    got_cb, &g, err, sizeof(err)), 0);
	wait_calls(f, &g, 2);
	assert_int_equal(g.status, ROUTE_FBOSS_OK);
	snprintf(want, sizeof(want), "%d 10.1.2.3/32 10.250.3.22\n",
	    ROUTE_FBOSS_CLIENT_ID);
	assert_sim_routes(want);

	assert_int_equal(route_fboss_delete(f->fb, "10.1.2.3/32", got_cb, &g,
	    err, sizeof(err)), 0);
	wait_calls(f, &g, 3);
	assert_int_equal(g.status, ROUTE_FBOSS_OK);
	assert_sim_routes("");
	/* Deleting what is not there is not an error for the agent. */
	assert_int_equal(route_fboss_delete(f->fb, "10.1.2.3/32", got_cb, &g,
	    err, sizeof(err)), 0);
	wait_calls(f, &g, 4);
	assert_int_equal(g.status, ROUTE_FBOSS_OK);
}

static void
tables_show_torcs_routes_or_everyones(void **state)
{
	struct fixture *f = *state;
	struct got g = { 0 };
	char err[128];

	json_decref(ctl("add", "POST", "{\"prefix\":\"10.9.0.0/16\","
	    "\"nexthop\":\"10.250.3.1\",\"client\":1}", 201));
	assert_int_equal(route_fboss_add(f->fb, "192.168.2.5/32",
	    "10.250.3.21", got_cb, &g, err, sizeof(err)), 0);
	wait_calls(f, &g, 1);

	assert_int_equal(route_fboss_table(f->fb, false, got_cb, &g, err,
	    sizeof(err)), 0);
	wait_calls(f, &g, 2);
	assert_int_equal(g.status, ROUTE_FBOSS_OK);
	assert_int_equal(g.n_routes, 1);
	assert_string_equal(g.routes[0].prefix, "192.168.2.5/32");
	assert_string_equal(g.routes[0].nexthop, "10.250.3.21");
	assert_int_equal(g.routes[0].n_nexthops, 1);
	assert_int_equal(g.routes[0].client, ROUTE_FBOSS_CLIENT_ID);

	assert_int_equal(route_fboss_table(f->fb, true, got_cb, &g, err,
	    sizeof(err)), 0);
	wait_calls(f, &g, 3);
	assert_int_equal(g.status, ROUTE_FBOSS_OK);
	assert_int_equal(g.n_routes, 2);
	assert_string_equal(g.routes[0].prefix, "10.9.0.0/16");
	assert_string_equal(g.routes[1].prefix, "192.168.2.5/32");
}

static void
sync_sets_exactly_torcs_routes_and_no_others(void **state)
{
	struct fixture *f = *state;
	struct route_fboss_route rs[3] = {
		{ .prefix = "192.168.2.7/32", .nexthop = "10.250.3.22" },
		{ .prefix = "192.168.2.5/32", .nexthop = "10.250.3.21" },
		{ .prefix = "192.168.2.6/32", .nexthop = "10.250.3.21" },
	};
	struct got g = { 0 };
	char err[128], want[256];
	int id = ROUTE_FBOSS_CLIENT_ID;

	json_decref(ctl("add", "POST", "{\"prefix\":\"10.9.0.0/16\","
	    "\"nexthop\":\"10.250.3.1\",\"client\":1}", 201));
	assert_int_equal(route_fboss_add(f->fb, "192.168.9.9/32",
	    "10.250.3.24", got_cb, &g, err, sizeof(err)), 0);
	assert_int_equal(route_fboss_sync(f->fb, rs, 3, got_cb, &g, err,
	    sizeof(err)), 0);
	wait_calls(f, &g, 2);
	assert_int_equal(g.status, ROUTE_FBOSS_OK);
	snprintf(want, sizeof(want), "1 10.9.0.0/16 10.250.3.1\n"
	    "%d 192.168.2.5/32 10.250.3.21\n%d 192.168.2.6/32 10.250.3.21\n"
	    "%d 192.168.2.7/32 10.250.3.22\n", id, id, id);
	assert_sim_routes(want);

	/* An empty sync removes all of torc's routes, and only those. */
	assert_int_equal(route_fboss_sync(f->fb, NULL, 0, got_cb, &g, err,
	    sizeof(err)), 0);
	wait_calls(f, &g, 3);
	assert_int_equal(g.status, ROUTE_FBOSS_OK);
	assert_sim_routes("1 10.9.0.0/16 10.250.3.1\n");
}

static void
bad_arguments_are_refused_before_queueing(void **state)
{
	struct fixture *f = *state;
	struct route_fboss_route bad = { .prefix = "10.0.0.1/33",
	    .nexthop = "10.0.0.2" };
	struct got g = { 0 };
	char err[128];

	assert_int_equal(route_fboss_add(f->fb, "10.1.2.3", "10.0.0.1",
	    got_cb, &g, err, sizeof(err)), -1);
	assert_int_equal(route_fboss_add(f->fb, "10.1.2.3/32", "fe80::1",
	    got_cb, &g, err, sizeof(err)), -1);
	assert_int_equal(route_fboss_delete(f->fb, "10.1.2.300/32", got_cb,
	    &g, err, sizeof(err)), -1);
	assert_int_equal(route_fboss_sync(f->fb, &bad, 1, got_cb, &g, err,
	    sizeof(err)), -1);
	assert_int_equal(route_fboss_pending(f->fb), 0);
	ev_run_once(f->loop, 0);
	assert_int_equal(g.calls, 0);
}

/* The agent's prefixes are masked: 10.1.2.3/24 is 10.1.2.0/24. */
static void
prefixes_are_masked_to_their_length(void **state)
{
	struct fixture *f = *state;
	struct got g = { 0 };
	char err[128], want[128];

	assert_int_equal(route_fboss_add(f->fb, "10.1.2.3/24", "10.250.3.21",
	    got_cb, &g, err, sizeof(err)), 0);
	wait_calls(f, &g, 1);
	snprintf(want, sizeof(want), "%d 10.1.2.0/24 10.250.3.21\n",
	    ROUTE_FBOSS_CLIENT_ID);
	assert_sim_routes(want);
}

/* Every call of a fault mode fails as said, and the next one after works. */
static void
check_fault(struct fixture *f, const char *mode, enum route_fboss_status a,
    enum route_fboss_status b, const char *errpart)
{
	struct got g = { 0 };
	char err[128], want[128];
	int64_t t0;

	route_fboss_free(f->fb);
	f->fb = client(f, SHORT_MS);
	/* A connection made before the fault, as the daemon has one. */
	assert_int_equal(route_fboss_table(f->fb, false, got_cb, &g, err,
	    sizeof(err)), 0);
	wait_calls(f, &g, 1);
	assert_int_equal(g.status, ROUTE_FBOSS_OK);

	fault(mode);
	t0 = mono_ms();
	assert_int_equal(route_fboss_add(f->fb, "10.1.2.3/32", "10.250.3.21",
	    got_cb, &g, err, sizeof(err)), 0);
	wait_calls(f, &g, 2);
	if (g.status != a && g.status != b)
		print_error("%s: %s (%s)\n", mode,
		    route_fboss_status_name(g.status), g.error);
	assert_true(g.status == a || g.status == b);
	assert_non_null(strstr(g.error, errpart));
	/* Bounded by the client's timeouts, whatever the agent does. */
	assert_true(mono_ms() - t0 < 3 * SHORT_MS + 500);
	/* The call after fails the same way. */
	assert_int_equal(route_fboss_delete(f->fb, "10.1.2.3/32", got_cb, &g,
	    err, sizeof(err)), 0);
	wait_calls(f, &g, 3);
	assert_true(g.status == a || g.status == b);

	fault("none");
	assert_int_equal(route_fboss_add(f->fb, "10.1.2.3/32", "10.250.3.21",
	    got_cb, &g, err, sizeof(err)), 0);
	wait_calls(f, &g, 4);
	assert_int_equal(g.status, ROUTE_FBOSS_OK);
	assert_string_equal(g.error, "");
	snprintf(want, sizeof(want), "%d 10.1.2.3/32 10.250.3.21\n",
	    ROUTE_FBOSS_CLIENT_ID);
	assert_sim_routes(want);
}

static void
fault_500_is_refused_with_the_agents_message(void **state)
{
	check_fault(*state, "500", ROUTE_FBOSS_REFUSED, ROUTE_FBOSS_REFUSED,
	    "FbossBaseError: agent not ready");
}

static void
fault_hang_times_out_then_recovers(void **state)
{
	check_fault(*state, "hang", ROUTE_FBOSS_NO_ANSWER,
	    ROUTE_FBOSS_NO_ANSWER, "no answer within");
}

static void
fault_refuse_is_not_sent_then_recovers(void **state)
{
	check_fault(*state, "refuse", ROUTE_FBOSS_NOT_SENT,
	    ROUTE_FBOSS_NOT_SENT, "refused");
}

static void
fault_garbage_is_no_reply_then_recovers(void **state)
{
	check_fault(*state, "garbage", ROUTE_FBOSS_BAD_ANSWER,
	    ROUTE_FBOSS_NO_ANSWER, "");
}

/* The transport the client was told to use is the one on the wire. */
static void
the_configured_transport_is_used(void **state)
{
	struct fixture *f = *state;
	struct got g = { 0 };
	char err[128];
	json_t *r;
	size_t i, n;

	json_decref(ctl("requests", "DELETE", NULL, 200));
	for (i = 0; i < 3; i++)
		assert_int_equal(route_fboss_add(f->fb, "10.1.2.3/32",
		    "10.250.3.21", got_cb, &g, err, sizeof(err)), 0);
	wait_calls(f, &g, 3);
	r = ctl("requests", "GET", NULL, 200);
	n = json_array_size(json_object_get(r, "requests"));
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(json_object_get(r, "requests"), i);

		assert_string_equal(json_string_value(json_object_get(e,
		    "transport")), f->transport == CFG_FBOSS_FRAMED ?
		    "framed" : "buffered");
		assert_string_equal(json_string_value(json_object_get(e,
		    "method")), "addUnicastRoute");
		assert_int_equal(json_integer_value(json_object_get(e,
		    "client")), ROUTE_FBOSS_CLIENT_ID);
	}
	json_decref(r);
}

/* Many calls in a row share the connection and all complete in order. */
static void
a_burst_completes_in_order(void **state)
{
	struct fixture *f = *state;
	struct got g = { 0 };
	char err[128], pfx[32];
	json_t *r;
	int i;

	for (i = 0; i < 500; i++) {
		snprintf(pfx, sizeof(pfx), "192.168.%d.%d/32", i / 250,
		    i % 250 + 1);
		assert_int_equal(route_fboss_add(f->fb, pfx, "10.250.3.21",
		    got_cb, &g, err, sizeof(err)), 0);
	}
	assert_int_equal(route_fboss_table(f->fb, false, got_cb, &g, err,
	    sizeof(err)), 0);
	wait_calls(f, &g, 501);
	assert_int_equal(g.status, ROUTE_FBOSS_OK);
	r = ctl("stats", "GET", NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(r, "routes")),
	    500);
	json_decref(r);
}

struct tally {
	int	 calls;
	int	 by_status[5];
};

static void
tally_cb(const struct route_fboss_result *res, void *arg)
{
	struct tally *t = arg;

	t->calls++;
	t->by_status[res->status]++;
}

/* Behind a call that timed out, the queued ones fail at once. */
static void
calls_queued_behind_a_timeout_fail_without_waiting(void **state)
{
	struct fixture *f = *state;
	struct tally t = { 0 };
	struct got g = { 0 };
	char err[128], pfx[32];
	int64_t t0, deadline;
	int i;

	route_fboss_free(f->fb);
	f->fb = client(f, SHORT_MS);
	fault("hang");
	t0 = mono_ms();
	for (i = 0; i < 8; i++) {
		snprintf(pfx, sizeof(pfx), "10.7.0.%d/32", i + 1);
		assert_int_equal(route_fboss_add(f->fb, pfx, "10.250.3.21",
		    tally_cb, &t, err, sizeof(err)), 0);
	}
	deadline = mono_ms() + WAIT_MS;
	while (t.calls < 8 && mono_ms() < deadline)
		ev_run_once(f->loop, 20);
	assert_int_equal(t.calls, 8);
	assert_int_equal(t.by_status[ROUTE_FBOSS_NO_ANSWER], 1);
	assert_int_equal(t.by_status[ROUTE_FBOSS_NOT_SENT], 7);
	assert_true(mono_ms() - t0 < 2 * SHORT_MS + 500);
	fault("none");
	assert_int_equal(route_fboss_add(f->fb, "10.7.0.1/32", "10.250.3.21",
	    got_cb, &g, err, sizeof(err)), 0);
	wait_calls(f, &g, 1);
	assert_int_equal(g.status, ROUTE_FBOSS_OK);
}

/* Freeing the client cuts a hung call short and calls nobody back. */
static void
free_during_a_hung_call_is_prompt_and_silent(void **state)
{
	struct fixture *f = *state;
	struct got g = { 0 };
	char err[128];
	int64_t t0;

	route_fboss_free(f->fb);
	f->fb = client(f, 10000);
	fault("hang");
	assert_int_equal(route_fboss_add(f->fb, "10.1.2.3/32", "10.250.3.21",
	    got_cb, &g, err, sizeof(err)), 0);
	assert_int_equal(route_fboss_add(f->fb, "10.1.2.4/32", "10.250.3.21",
	    got_cb, &g, err, sizeof(err)), 0);
	/* Wait until the agent holds the first call. */
	t0 = mono_ms();
	for (;;) {
		json_t *r = ctl("requests", "GET", NULL, 200);
		size_t n = json_array_size(json_object_get(r, "requests"));

		json_decref(r);
		if (n > 0 || mono_ms() - t0 > WAIT_MS)
			break;
		ev_run_once(f->loop, 10);
	}
	t0 = mono_ms();
	route_fboss_free(f->fb);
	f->fb = NULL;
	assert_true(mono_ms() - t0 < 1000);
	ev_run_once(f->loop, 0);
	assert_int_equal(g.calls, 0);
	fault("none");
	f->fb = client(f, 0);
}

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_add_call_has_the_agents_wire_format),
		T(add_programs_a_route_under_torcs_client_id, setup_buffered),
		T(add_replaces_the_next_hop_and_delete_removes,
		    setup_buffered),
		T(tables_show_torcs_routes_or_everyones, setup_buffered),
		T(sync_sets_exactly_torcs_routes_and_no_others,
		    setup_buffered),
		T(bad_arguments_are_refused_before_queueing, setup_buffered),
		T(prefixes_are_masked_to_their_length, setup_buffered),
		T(fault_500_is_refused_with_the_agents_message,
		    setup_buffered),
		T(fault_hang_times_out_then_recovers, setup_buffered),
		T(fault_refuse_is_not_sent_then_recovers, setup_buffered),
		T(fault_garbage_is_no_reply_then_recovers, setup_buffered),
		T(the_configured_transport_is_used, setup_buffered),
		T(a_burst_completes_in_order, setup_buffered),
		T(calls_queued_behind_a_timeout_fail_without_waiting,
		    setup_buffered),
		T(free_during_a_hung_call_is_prompt_and_silent,
		    setup_buffered),
		/* The same over the framed transport. */
		T(add_programs_a_route_under_torcs_client_id, setup_framed),
		T(add_replaces_the_next_hop_and_delete_removes, setup_framed),
		T(tables_show_torcs_routes_or_everyones, setup_framed),
		T(sync_sets_exactly_torcs_routes_and_no_others, setup_framed),
		T(fault_500_is_refused_with_the_agents_message, setup_framed),
		T(fault_hang_times_out_then_recovers, setup_framed),
		T(fault_refuse_is_not_sent_then_recovers, setup_framed),
		T(fault_garbage_is_no_reply_then_recovers, setup_framed),
		T(the_configured_transport_is_used, setup_framed),
		T(a_burst_completes_in_order, setup_framed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
