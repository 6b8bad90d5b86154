/*
 * test_replica.c - the subscriber's copy of schedd's state: snapshot plus
 * in-order deltas, gaps and publisher restarts force a resync, messages
 * received while a snapshot is on its way are replayed after it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replica.h"
#include "util.h"

static struct tmsg
svc_update(uint64_t seq, const char *name, const char *ip)
{
	struct tmsg m = { .type = TMSG_SVC_UPDATE, .seq = seq };

	m.u.svc.name = xstrdup(name);
	m.u.svc.ip = xstrdup(ip);
	m.u.svc.state = TSVC_RUNNING;
	return m;
}

static struct tmsg
svc_remove(uint64_t seq, const char *name)
{
	struct tmsg m = { .type = TMSG_SVC_REMOVE, .seq = seq };

	m.u.name.name = xstrdup(name);
	return m;
}

static struct tmsg
status(uint64_t seq, uint64_t instance)
{
	struct tmsg m = { .type = TMSG_SCHED_STATUS, .seq = seq };

	m.u.status.instance = instance;
	m.u.status.mesos_state = xstrdup("subscribed");
	return m;
}

static struct tmsg_snapshot
snapshot(uint64_t seq, uint64_t instance, int n)
{
	struct tmsg_snapshot s = { .seq = seq };

	s.status.instance = instance;
	s.services = xcalloc((size_t)n, sizeof(*s.services));
	s.n_services = (uint32_t)n;
	for (int i = 0; i < n; i++) {
		char name[32];

		/* Out of order on purpose: the replica sorts. */
		snprintf(name, sizeof(name), "svc-%03d", n - 1 - i);
		s.services[i].name = xstrdup(name);
		s.services[i].ip = xstrdup("10.0.0.1");
	}
	return s;
}

static void
snap_free(struct tmsg_snapshot *s)
{
	struct tmsg m = { .type = TMSG_SYNC_REP };

	m.u.snap = *s;
	tmsg_free(&m);
}

struct seen {
	char	 names[16][32];
	int	 n;
};

static void
record(const struct replica_change *c, void *arg)
{
	struct seen *s = arg;

	if (s->n < 16 && c->name != NULL)
		tstrlcpy(s->names[s->n++], c->name, 32);
}

static enum replica_result
feed(struct replica *r, struct tmsg m, struct seen *s)
{
	enum replica_result res = replica_apply(r, &m, s ? record : NULL, s);

	tmsg_free(&m);
	return res;
}

static void
deltas_in_order_after_a_snapshot_are_applied(void **state)
{
	struct replica r;
	struct tmsg_snapshot s = snapshot(10, 7, 3);
	struct seen seen = { 0 };
	uint64_t v;

	(void)state;
	replica_init(&r);
	replica_begin_sync(&r);
	assert_int_equal(replica_load_snapshot(&r, &s, record, &seen),
	    REPLICA_APPLIED);
	snap_free(&s);
	assert_true(r.synced);
	assert_int_equal(r.n_services, 3);
	assert_string_equal(r.services[0]->name, "svc-000");
	assert_non_null(replica_service(&r, "svc-002"));
	v = r.version;
	assert_int_equal(feed(&r, svc_update(11, "new", "192.168.0.9"), &seen),
	    REPLICA_APPLIED);
	assert_int_equal(feed(&r, svc_update(12, "svc-001", "192.168.0.2"),
	    &seen), REPLICA_APPLIED);
	assert_int_equal(feed(&r, svc_remove(13, "svc-000"), &seen),
	    REPLICA_APPLIED);
	assert_int_equal(r.version, v + 3);
	assert_int_equal(r.n_services, 3);
	assert_null(replica_service(&r, "svc-000"));
	assert_string_equal(replica_service(&r, "svc-001")->ip, "192.168.0.2");
	assert_string_equal(replica_service(&r, "new")->ip, "192.168.0.9");
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.names[0], "new");
	assert_string_equal(seen.names[2], "svc-000");
	assert_int_equal(r.last_seq, 13);
	replica_free(&r);
}

static void
a_sequence_gap_forces_a_resync(void **state)
{
	struct replica r;
	struct tmsg_snapshot s = snapshot(5, 7, 1);

	(void)state;
	replica_init(&r);
	replica_begin_sync(&r);
	replica_load_snapshot(&r, &s, NULL, NULL);
	snap_free(&s);
	assert_int_equal(feed(&r, svc_update(6, "a", "1.1.1.1"), NULL),
	    REPLICA_APPLIED);
	assert_int_equal(feed(&r, svc_update(8, "b", "1.1.1.2"), NULL),
	    REPLICA_GAP);
	assert_false(r.synced);
	assert_null(replica_service(&r, "b"));
	/* Unsynced and not syncing: further messages are dropped. */
	assert_int_equal(feed(&r, svc_update(9, "c", "1.1.1.3"), NULL),
	    REPLICA_IGNORED);
	replica_free(&r);
}

static void
a_restarted_publisher_forces_a_resync(void **state)
{
	struct replica r;
	struct tmsg_snapshot s = snapshot(40, 7, 1);

	(void)state;
	replica_init(&r);
	replica_begin_sync(&r);
	replica_load_snapshot(&r, &s, NULL, NULL);
	snap_free(&s);
	/* A new schedd starts counting at 1 again. */
	assert_int_equal(feed(&r, status(1, 99), NULL), REPLICA_GAP);
	replica_begin_sync(&r);
	s = snapshot(40, 7, 1);
	replica_load_snapshot(&r, &s, NULL, NULL);
	snap_free(&s);
	/* Right seq, other instance: also a restart. */
	assert_int_equal(feed(&r, status(41, 99), NULL), REPLICA_GAP);
	replica_free(&r);
}

static void
messages_held_during_sync_are_replayed_after_the_snapshot(void **state)
{
	struct replica r;
	struct tmsg_snapshot s;
	struct seen seen = { 0 };

	(void)state;
	replica_init(&r);
	replica_begin_sync(&r);
	/* 20 and 21 are already in the snapshot (seq 21); 22, 23 are not. */
	assert_int_equal(feed(&r, svc_update(20, "old", "1.0.0.1"), &seen),
	    REPLICA_HELD);
	assert_int_equal(feed(&r, svc_update(21, "old2", "1.0.0.2"), &seen),
	    REPLICA_HELD);
	assert_int_equal(feed(&r, svc_update(22, "x", "1.0.0.3"), &seen),
	    REPLICA_HELD);
	assert_int_equal(feed(&r, svc_remove(23, "svc-000"), &seen),
	    REPLICA_HELD);
	s = snapshot(21, 7, 2);
	assert_int_equal(replica_load_snapshot(&r, &s, record, &seen),
	    REPLICA_APPLIED);
	snap_free(&s);
	assert_int_equal(r.last_seq, 23);
	assert_null(replica_service(&r, "old"));
	assert_non_null(replica_service(&r, "x"));
	assert_null(replica_service(&r, "svc-000"));
	assert_non_null(replica_service(&r, "svc-001"));
	assert_int_equal(seen.n, 2);
	replica_free(&r);
}

static void
held_messages_with_a_hole_after_the_snapshot_are_a_gap(void **state)
{
	struct replica r;
	struct tmsg_snapshot s;

	(void)state;
	replica_init(&r);
	replica_begin_sync(&r);
	assert_int_equal(feed(&r, svc_update(25, "x", "1.0.0.3"), NULL),
	    REPLICA_HELD);
	s = snapshot(21, 7, 1);
	assert_int_equal(replica_load_snapshot(&r, &s, NULL, NULL),
	    REPLICA_GAP);
	snap_free(&s);
	assert_false(r.synced);
	replica_free(&r);
}

static void
lookups_work_across_many_services(void **state)
{
	struct replica r;
	struct tmsg_snapshot s = snapshot(1, 1, 500);

	(void)state;
	replica_init(&r);
	replica_begin_sync(&r);
	replica_load_snapshot(&r, &s, NULL, NULL);
	snap_free(&s);
	for (int i = 0; i < 500; i++) {
		char name[32];

		snprintf(name, sizeof(name), "svc-%03d", i);
		assert_non_null(replica_service(&r, name));
	}
	for (size_t i = 1; i < r.n_services; i++)
		assert_true(strcmp(r.services[i - 1]->name,
		    r.services[i]->name) < 0);
	assert_null(replica_service(&r, "svc-500"));
	assert_null(replica_node(&r, "wedge"));
	replica_free(&r);
}

static int trimmed;

static void
drop_image(struct tmsg_service *svc)
{
	trimmed++;
	FREE_NULL(svc->image);
}

/* The owner's trim sees every service kept, from snapshots and deltas. */
static void
a_trim_hook_drops_fields_of_every_service_kept(void **state)
{
	struct replica r;
	struct tmsg_snapshot snap = snapshot(5, 1, 3);
	struct tmsg m = svc_update(6, "svc-new", "10.0.0.9");
	const struct tmsg_service *sv;

	(void)state;
	trimmed = 0;
	replica_init(&r);
	replica_set_trim(&r, drop_image);
	snap.services[0].image = xstrdup("registry/image:1");
	replica_begin_sync(&r);
	assert_int_equal(replica_load_snapshot(&r, &snap, NULL, NULL),
	    REPLICA_APPLIED);
	snap_free(&snap);
	m.u.svc.image = xstrdup("registry/image:2");
	assert_int_equal(feed(&r, m, NULL), REPLICA_APPLIED);
	assert_int_equal(trimmed, 4);
	sv = replica_service(&r, "svc-002");
	assert_non_null(sv);
	assert_string_equal(sv->image, "");
	assert_string_equal(sv->ip, "10.0.0.1");
	sv = replica_service(&r, "svc-new");
	assert_non_null(sv);
	assert_string_equal(sv->image, "");
	assert_string_equal(sv->ip, "10.0.0.9");
	replica_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deltas_in_order_after_a_snapshot_are_applied),
		cmocka_unit_test(a_sequence_gap_forces_a_resync),
		cmocka_unit_test(a_restarted_publisher_forces_a_resync),
		cmocka_unit_test(messages_held_during_sync_are_replayed_after_the_snapshot),
		cmocka_unit_test(held_messages_with_a_hole_after_the_snapshot_are_a_gap),
		cmocka_unit_test(lookups_work_across_many_services),
		cmocka_unit_test(a_trim_hook_drops_fields_of_every_service_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
