/*
 * test_bus.c - the nng bus glue against a stand-in schedd: a request
 * gets its reply, a subscriber receives published changes in sequence,
 * and garbage is reported as an error, not a crash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "bus.h"
#include "ev.h"
#include "fake_schedd.h"
#include "monotime.h"
#include "util.h"

struct fixture {
	char	 dir[64];
	struct fake_schedd *fs;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	tstrlcpy(f->dir, "/tmp/torc-bus-XXXXXX", sizeof(f->dir));
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->fs = fake_schedd_start(f->dir);
	if (f->fs == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char p[128];

	fake_schedd_stop(f->fs);
	snprintf(p, sizeof(p), "%s/%s", f->dir, TMSG_SOCK_SCHEDD);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%s", f->dir, TMSG_SOCK_EVENTS);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Receive one message, polling for at most timeout_ms. */
static int
recv_within(struct bus_sock *b, struct tmsg *m, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;
	char err[256];
	int rv;

	while ((rv = bus_recv(b, m, err, sizeof(err))) == 0) {
		if (mono_ms() > deadline)
			return 0;
		usleep(2000);
	}
	return rv;
}

static void
a_request_gets_its_reply(void **state)
{
	struct fixture *f = *state;
	struct bus_sock req;
	struct tmsg m = { .type = TMSG_QUERY_REQ, .seq = 77 }, rep;
	char url[128], err[256];

	snprintf(url, sizeof(url), "ipc://%s/%s", f->dir, TMSG_SOCK_SCHEDD);
	assert_int_equal(bus_open(&req, BUS_REQ, url, NULL, err,
	    sizeof(err)), 0);
	m.u.query.what = TQUERY_RUNNING;
	/* The dial runs in the background: retry the send until it goes. */
	for (int i = 0; i < 500 && bus_send(&req, &m, err, sizeof(err)) != 0;
	    i++)
		usleep(2000);
	assert_int_equal(recv_within(&req, &rep, 3000), 1);
	assert_int_equal(rep.type, TMSG_QUERY_REP);
	assert_int_equal(rep.seq, 77);
	tmsg_free(&rep);
	assert_int_equal(fake_schedd_count(f->fs, TMSG_QUERY_REQ), 1);
	bus_close(&req);
}

static void
a_subscriber_sees_changes_in_sequence(void **state)
{
	struct fixture *f = *state;
	static const char *const topics[] = { TMSG_TOPIC_SVC, NULL };
	struct tmsg_service s = { 0 };
	struct bus_sock sub;
	struct tmsg m;
	char url[128], err[256];
	uint64_t first = 0;

	snprintf(url, sizeof(url), "ipc://%s/%s", f->dir, TMSG_SOCK_EVENTS);
	assert_int_equal(bus_open(&sub, BUS_SUB, url, topics, err,
	    sizeof(err)), 0);
	s.name = "dns";
	s.ip = "10.250.3.20";
	/* Publish until the subscription is connected, then two more. */
	for (int i = 0; i < 500; i++) {
		fake_schedd_put_service(f->fs, &s);
		if (recv_within(&sub, &m, 10) == 1) {
			first = m.seq;
			tmsg_free(&m);
			break;
		}
	}
	assert_true(first > 0);
	/* Statuses are filtered out by topic; services come in order. */
	fake_schedd_publish_status(f->fs);
	fake_schedd_remove_service(f->fs, "dns");
	assert_int_equal(recv_within(&sub, &m, 3000), 1);
	assert_int_equal(m.type, TMSG_SVC_REMOVE);
	assert_string_equal(m.u.name.name, "dns");
	assert_true(m.seq > first);
	tmsg_free(&m);
	bus_close(&sub);
}

static void
following_events_applies_them_and_stops_at_a_gap(void **state)
{
	struct fixture *f = *state;
	static const char *const topics[] = { TMSG_TOPIC_SVC, NULL };
	struct tmsg_service s = { 0 };
	struct tmsg_snapshot snap = { 0 };
	struct bus_sock sub;
	struct replica r;
	struct tmsg m;
	char url[128], err[256], why[96] = "";
	unsigned bad = 0;
	int64_t deadline;
	int rv;

	snprintf(url, sizeof(url), "ipc://%s/%s", f->dir, TMSG_SOCK_EVENTS);
	assert_int_equal(bus_open(&sub, BUS_SUB, url, topics, err,
	    sizeof(err)), 0);
	s.name = "dns";
	s.ip = "10.250.3.20";
	/* Publish until the subscription is connected; start from there. */
	for (int i = 0; i < 500; i++) {
		fake_schedd_put_service(f->fs, &s);
		if (recv_within(&sub, &m, 10) == 1)
			break;
	}
	assert_int_equal(m.type, TMSG_SVC_UPDATE);
	replica_init(&r);
	replica_begin_sync(&r);
	snap.seq = m.seq;
	tmsg_free(&m);
	replica_load_snapshot(&r, &snap, NULL, NULL);
	s.name = "influxdb";
	fake_schedd_put_service(f->fs, &s);
	deadline = mono_ms() + 3000;
	while (replica_service(&r, "influxdb") == NULL && mono_ms() < deadline) {
		assert_int_equal(bus_follow(&sub, &r, NULL, NULL, why,
		    sizeof(why), &bad, err, sizeof(err)), 0);
		usleep(2000);
	}
	assert_non_null(replica_service(&r, "influxdb"));
	s.name = "vector";
	fake_schedd_put_service_silently(f->fs, &s);	/* lost */
	s.name = "pcp";
	fake_schedd_put_service(f->fs, &s);
	deadline = mono_ms() + 3000;
	while ((rv = bus_follow(&sub, &r, NULL, NULL, why, sizeof(why), &bad,
	    err, sizeof(err))) == 0 && mono_ms() < deadline)
		usleep(2000);
	assert_int_equal(rv, 1);
	assert_non_null(strstr(why, "after"));
	assert_false(r.synced);
	assert_null(replica_service(&r, "pcp"));
	assert_int_equal(bad, 0);
	replica_free(&r);
	bus_close(&sub);
}

static void
garbage_on_the_request_socket_is_an_error_reply(void **state)
{
	struct fixture *f = *state;
	nng_socket raw;
	char url[128];
	void *buf;
	size_t len;

	snprintf(url, sizeof(url), "ipc://%s/%s", f->dir, TMSG_SOCK_SCHEDD);
	assert_int_equal(nng_req0_open(&raw), 0);
	nng_socket_set_ms(raw, NNG_OPT_RECVTIMEO, 3000);
	assert_int_equal(nng_dial(raw, url, NULL, 0), 0);
	assert_int_equal(nng_send(raw, "not msgpack", 11, 0), 0);
	assert_int_equal(nng_recv(raw, &buf, &len, NNG_FLAG_ALLOC), 0);
	{
		struct tmsg m;
		char err[256];

		assert_int_equal(tmsg_decode(buf, len, &m, err, sizeof(err)), 0);
		assert_int_equal(m.type, TMSG_ERROR);
		assert_int_equal(m.u.error.code, 400);
		tmsg_free(&m);
	}
	nng_free(buf, len);
	nng_close(raw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_request_gets_its_reply,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_subscriber_sees_changes_in_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    following_events_applies_them_and_stops_at_a_gap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    garbage_on_the_request_socket_is_an_error_reply, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
