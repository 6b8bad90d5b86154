/*
 * test_route_diff.c - torc-routed's reconciliation: desired versus
 * programmed versus observed, the change handed out next, backoff with
 * injected time, ownership of DNS entries and routes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "torc-routed/route.h"
#include "util.h"

static struct route_want
want(const char *key, const char *owner, const char *name, const char *addr)
{
	struct route_want w = { 0 };

	w.key = (char *)key;
	w.owner = (char *)owner;
	w.val.name = (char *)name;
	w.val.addr = (char *)addr;
	return w;
}

static struct route_val
val(const char *name, const char *addr)
{
	struct route_val v = { 0 };

	v.name = (char *)name;
	v.addr = (char *)addr;
	return v;
}

/* A table past its first (empty) observation, deletions allowed. */
static void
ready_table(struct route_table *t, enum route_kind kind)
{
	route_table_init(t, kind);
	route_table_observe_end(t, route_table_observe_begin(t), 0);
	t->allow_delete = true;
}

static void
nothing_is_handed_out_before_the_first_observation(void **state)
{
	struct route_table t;
	struct route_want w = want("torc-web", "web", "web", "10.0.0.1");
	struct route_action a;

	(void)state;
	route_table_init(&t, ROUTE_KIND_DNS);
	route_table_set_owner(&t, "web", &w, 0);
	assert_int_equal(route_table_next(&t, 0, &a), 0);
	route_table_observe_end(&t, route_table_observe_begin(&t), 1);
	assert_int_equal(route_table_next(&t, 1, &a), 1);
	assert_int_equal(a.op, ROUTE_OP_PUT);
	assert_string_equal(a.val->addr, "10.0.0.1");
	route_table_free(&t);
}

static void
a_wanted_entry_is_created_and_then_programmed(void **state)
{
	struct route_table t;
	struct route_want w = want("torc-web", "web", "web", "10.0.0.1");
	struct route_action a;
	struct route_entry *e;

	(void)state;
	ready_table(&t, ROUTE_KIND_DNS);
	route_table_set_owner(&t, "web", &w, 0);
	e = route_table_find(&t, "torc-web");
	assert_int_equal(e->status, ROUTE_ST_PENDING);
	assert_int_equal(route_table_next(&t, 0, &a), 1);
	assert_ptr_equal(a.e, e);
	assert_true(e->inflight);
	/* In flight: nothing else to do for it. */
	assert_int_equal(route_table_next(&t, 0, &a), 0);
	assert_false(route_table_converged(&t));
	route_table_done(&t, e, ROUTE_RES_OK, NULL, 5);
	assert_int_equal(e->status, ROUTE_ST_PROGRAMMED);
	assert_int_equal(e->last_change, 5);
	assert_true(route_table_converged(&t));
	assert_int_equal(route_table_next(&t, 5, &a), 0);
	/* What is there is what was wanted: one block, not a copy. */
	assert_string_equal(e->cur.addr, "10.0.0.1");
	assert_ptr_equal(e->cur.addr, e->des.addr);
	assert_ptr_not_equal(e->des.addr, w.val.addr);
	route_table_free(&t);
}

static void
a_failed_change_backs_off_exponentially_up_to_the_cap(void **state)
{
	struct route_table t;
	struct route_want w = want("torc-web", "web", "web", "10.0.0.1");
	struct route_action a;
	int64_t now = 1000;
	int64_t expect[] = { 100, 200, 400, 800, 1600, 3200, 5000, 5000 };

	(void)state;
	ready_table(&t, ROUTE_KIND_DNS);
	route_table_set_owner(&t, "web", &w, now);
	for (size_t i = 0; i < nitems(expect); i++) {
		assert_int_equal(route_table_next(&t, now, &a), 1);
		route_table_done(&t, a.e, ROUTE_RES_FAIL, "HTTP 500", now);
		assert_int_equal(a.e->status, ROUTE_ST_FAILED);
		assert_int_equal(a.e->attempts, i + 1);
		assert_string_equal(a.e->last_error, "HTTP 500");
		assert_int_equal(route_table_next_due(&t), now + expect[i]);
		/* Not before its time, even when asked. */
		route_table_tick(&t, now + expect[i] - 1);
		assert_int_equal(route_table_next(&t, now + expect[i] - 1,
		    &a), 0);
		now += expect[i];
		route_table_tick(&t, now);
	}
	assert_int_equal(route_table_next(&t, now, &a), 1);
	route_table_done(&t, a.e, ROUTE_RES_OK, NULL, now);
	assert_int_equal(a.e->attempts, 0);
	assert_string_equal(a.e->last_error, "");
	assert_int_equal(a.e->status, ROUTE_ST_PROGRAMMED);
	assert_int_equal(route_backoff(&t, 0), 0);
	assert_int_equal(route_backoff(&t, 40), 5000);
	route_table_free(&t);
}

static void
backoff_is_per_entry_and_others_go_on(void **state)
{
	struct route_table t;
	struct route_want w1 = want("torc-a", "a", "a", "10.0.0.1");
	struct route_want w2 = want("torc-b", "b", "b", "10.0.0.2");
	struct route_action a, b;

	(void)state;
	ready_table(&t, ROUTE_KIND_DNS);
	route_table_set_owner(&t, "a", &w1, 0);
	route_table_set_owner(&t, "b", &w2, 0);
	assert_int_equal(route_table_next(&t, 0, &a), 1);
	assert_int_equal(route_table_next(&t, 0, &b), 1);
	route_table_done(&t, a.e, ROUTE_RES_FAIL, "no", 0);
	route_table_done(&t, b.e, ROUTE_RES_OK, NULL, 0);
	assert_int_equal(route_table_count(&t, ROUTE_ST_FAILED), 1);
	assert_int_equal(route_table_count(&t, ROUTE_ST_PROGRAMMED), 1);
	route_table_free(&t);
}

static void
the_latest_desired_state_wins_without_replaying_steps(void **state)
{
	struct route_table t;
	struct route_want w = want("torc-web", "web", "web", "10.0.0.1");
	struct route_action a;
	struct route_entry *e;

	(void)state;
	ready_table(&t, ROUTE_KIND_DNS);
	route_table_set_owner(&t, "web", &w, 0);
	assert_int_equal(route_table_next(&t, 0, &a), 1);
	e = a.e;
	/* Two moves while the first register is in flight. */
	w.val.addr = "10.0.0.2";
	route_table_set_owner(&t, "web", &w, 1);
	w.val.addr = "10.0.0.3";
	route_table_set_owner(&t, "web", &w, 2);
	assert_int_equal(route_table_next(&t, 2, &a), 0);
	route_table_done(&t, e, ROUTE_RES_OK, NULL, 3);
	assert_int_equal(e->status, ROUTE_ST_PENDING);
	assert_int_equal(route_table_next(&t, 3, &a), 1);
	assert_string_equal(a.val->addr, "10.0.0.3");
	route_table_done(&t, e, ROUTE_RES_OK, NULL, 4);
	assert_true(route_table_converged(&t));
	/* Same while Consul is down: a failed entry retries only the last. */
	w.val.addr = "10.0.0.4";
	route_table_set_owner(&t, "web", &w, 5);
	assert_int_equal(route_table_next(&t, 5, &a), 1);
	route_table_done(&t, e, ROUTE_RES_FAIL, "down", 5);
	w.val.addr = "10.0.0.5";
	route_table_set_owner(&t, "web", &w, 6);
	/* A new target is tried at once, with a fresh count. */
	assert_int_equal(e->attempts, 0);
	assert_int_equal(route_table_next(&t, 6, &a), 1);
	assert_string_equal(a.val->addr, "10.0.0.5");
	route_table_free(&t);
}

static void
a_route_whose_next_hop_changed_is_deleted_then_created(void **state)
{
	struct route_table t;
	struct route_want w = want("192.168.1.5/32", "web", "web",
	    "10.250.3.21");
	struct route_action a;
	struct route_entry *e;

	(void)state;
	ready_table(&t, ROUTE_KIND_ROUTE);
	route_table_set_owner(&t, "web", &w, 0);
	assert_int_equal(route_table_next(&t, 0, &a), 1);
	e = a.e;
	assert_true(e->owned);
	assert_true(t.owned_dirty);
	route_table_done(&t, e, ROUTE_RES_OK, NULL, 0);
	w.val.addr = "10.250.3.22";
	route_table_set_owner(&t, "web", &w, 1);
	assert_int_equal(route_table_next(&t, 1, &a), 1);
	assert_int_equal(a.op, ROUTE_OP_DEL);
	assert_string_equal(a.val->addr, "10.250.3.21");
	route_table_done(&t, e, ROUTE_RES_OK, NULL, 2);
	/* Still wanted: the prefix stays ours across the move. */
	assert_true(e->owned);
	assert_int_equal(route_table_next(&t, 2, &a), 1);
	assert_int_equal(a.op, ROUTE_OP_PUT);
	assert_string_equal(a.val->addr, "10.250.3.22");
	route_table_done(&t, e, ROUTE_RES_OK, NULL, 3);
	assert_int_equal(e->status, ROUTE_ST_PROGRAMMED);
	/* A DNS entry, by contrast, is re-registered in place. */
	route_table_free(&t);
}

static void
deletions_wait_until_the_desired_state_is_complete(void **state)
{
	struct route_table t;
	struct route_val v = val("old", "10.0.0.9");
	struct route_action a;
	uint64_t s;

	(void)state;
	route_table_init(&t, ROUTE_KIND_DNS);
	s = route_table_observe_begin(&t);
	route_table_observe(&t, s, "torc-old", &v, true, 0);
	route_table_observe_end(&t, s, 0);
	assert_int_equal(route_table_find(&t, "torc-old")->status,
	    ROUTE_ST_REMOVING);
	assert_int_equal(route_table_next(&t, 0, &a), 0);
	t.allow_delete = true;
	route_table_requeue_all(&t, 1);
	assert_int_equal(route_table_next(&t, 1, &a), 1);
	assert_int_equal(a.op, ROUTE_OP_DEL);
	route_table_done(&t, a.e, ROUTE_RES_OK, NULL, 2);
	assert_null(route_table_find(&t, "torc-old"));
	route_table_free(&t);
}

static void
drift_is_repaired_and_stale_entries_of_ours_removed(void **state)
{
	struct route_table t;
	struct route_want w = want("torc-web", "web", "web", "10.0.0.1");
	struct route_val moved = val("web", "10.9.9.9");
	struct route_val stale = val("gone", "10.0.0.7");
	struct route_action a;
	struct route_entry *e;
	uint64_t s;

	(void)state;
	ready_table(&t, ROUTE_KIND_DNS);
	route_table_set_owner(&t, "web", &w, 0);
	route_table_next(&t, 0, &a);
	e = a.e;
	route_table_done(&t, e, ROUTE_RES_OK, NULL, 0);
	/* Deleted behind our back: the listing does not show it. */
	s = route_table_observe_begin(&t);
	route_table_observe_end(&t, s, 10);
	assert_int_equal(e->status, ROUTE_ST_PENDING);
	assert_int_equal(route_table_next(&t, 10, &a), 1);
	assert_int_equal(a.op, ROUTE_OP_PUT);
	route_table_done(&t, e, ROUTE_RES_OK, NULL, 11);
	/* Changed behind our back, plus a stale one of ours. */
	s = route_table_observe_begin(&t);
	route_table_observe(&t, s, "torc-web", &moved, true, 20);
	route_table_observe(&t, s, "torc-gone", &stale, true, 20);
	route_table_observe_end(&t, s, 20);
	assert_int_equal(route_table_next(&t, 20, &a), 1);
	assert_string_equal(a.e->key, "torc-web");
	assert_string_equal(a.val->addr, "10.0.0.1");
	route_table_done(&t, a.e, ROUTE_RES_OK, NULL, 21);
	assert_int_equal(route_table_next(&t, 21, &a), 1);
	assert_string_equal(a.e->key, "torc-gone");
	assert_int_equal(a.op, ROUTE_OP_DEL);
	route_table_done(&t, a.e, ROUTE_RES_GONE, NULL, 22);
	assert_true(route_table_converged(&t));
	assert_int_equal(t.n, 1);
	route_table_free(&t);
}

static void
foreign_dns_entries_are_never_touched(void **state)
{
	struct route_table t;
	struct route_want w = want("torc-web", "web", "web", "10.0.0.1");
	struct route_val v = val("x", "10.0.0.8");
	struct route_action a;
	uint64_t s;

	(void)state;
	ready_table(&t, ROUTE_KIND_DNS);
	route_table_set_owner(&t, "web", &w, 0);
	s = route_table_observe_begin(&t);
	/* Not ours (no tag, or another prefix): no entry, no action. */
	route_table_observe(&t, s, "someone-else", &v, false, 0);
	/* Our ID held by an entry without our tag: hands off. */
	route_table_observe(&t, s, "torc-web", &v, false, 0);
	route_table_observe_end(&t, s, 0);
	assert_null(route_table_find(&t, "someone-else"));
	assert_int_equal(route_table_find(&t, "torc-web")->status,
	    ROUTE_ST_FAILED);
	assert_int_equal(route_table_next(&t, 0, &a), 0);
	/* Once it is gone, ours is registered. */
	s = route_table_observe_begin(&t);
	route_table_observe_end(&t, s, 1);
	assert_int_equal(route_table_next(&t, 1, &a), 1);
	assert_int_equal(a.op, ROUTE_OP_PUT);
	route_table_free(&t);
}

static void
routes_torc_does_not_own_are_left_alone(void **state)
{
	struct route_table t;
	struct route_val op = val(NULL, "10.250.3.99");
	struct route_want w = want("192.168.1.5/32", "web", "web",
	    "10.250.3.21");
	struct route_action a;
	uint64_t s;

	(void)state;
	ready_table(&t, ROUTE_KIND_ROUTE);
	s = route_table_observe_begin(&t);
	/* The driver cannot vouch for routes: only the owned set counts. */
	route_table_observe(&t, s, "10.9.9.9/32", &op, true, 0);
	route_table_observe(&t, s, "192.168.1.5/32", &op, true, 0);
	route_table_observe_end(&t, s, 0);
	assert_int_equal(t.n, 0);
	assert_int_equal(route_table_next(&t, 0, &a), 0);
	/* A wanted prefix held by an operator route: failed, untouched. */
	route_table_set_owner(&t, "web", &w, 1);
	s = route_table_observe_begin(&t);
	route_table_observe(&t, s, "192.168.1.5/32", &op, true, 2);
	route_table_observe_end(&t, s, 2);
	assert_true(route_table_find(&t, "192.168.1.5/32")->foreign);
	assert_false(route_table_find(&t, "192.168.1.5/32")->owned);
	assert_int_equal(route_table_next(&t, 2, &a), 0);
	/* Unwanted again: forgotten, never deleted. */
	route_table_set_owner(&t, "web", NULL, 3);
	assert_int_equal(route_table_next(&t, 3, &a), 0);
	assert_int_equal(t.n, 0);
	route_table_free(&t);
}

static void
a_create_answered_exists_is_foreign_unless_we_may_have_made_it(void **state)
{
	struct route_table t;
	struct route_want w = want("192.168.1.5/32", "web", "web",
	    "10.250.3.21");
	struct route_action a;
	struct route_entry *e;

	(void)state;
	ready_table(&t, ROUTE_KIND_ROUTE);
	route_table_set_owner(&t, "web", &w, 0);
	assert_int_equal(route_table_next(&t, 0, &a), 1);
	e = a.e;
	t.owned_dirty = false;
	route_table_done(&t, e, ROUTE_RES_EXISTS, "prefix in use", 1);
	assert_true(e->foreign);
	assert_false(e->owned);
	assert_true(t.owned_dirty);
	assert_int_equal(e->status, ROUTE_ST_FAILED);
	route_table_free(&t);

	/* A timeout, then "exists": our first create got through. */
	ready_table(&t, ROUTE_KIND_ROUTE);
	route_table_set_owner(&t, "web", &w, 0);
	assert_int_equal(route_table_next(&t, 0, &a), 1);
	e = a.e;
	route_table_done(&t, e, ROUTE_RES_UNKNOWN, "timeout", 1);
	assert_true(e->uncertain);
	route_table_tick(&t, 1000);
	assert_int_equal(route_table_next(&t, 1000, &a), 1);
	route_table_done(&t, e, ROUTE_RES_EXISTS, "prefix in use", 1001);
	assert_false(e->foreign);
	assert_true(e->owned);
	assert_int_equal(e->status, ROUTE_ST_PROGRAMMED);
	route_table_free(&t);
}

static void
an_unwanted_entry_with_an_unknown_outcome_gets_a_delete(void **state)
{
	struct route_table t;
	struct route_want w = want("torc-web", "web", "web", "10.0.0.1");
	struct route_action a;

	(void)state;
	ready_table(&t, ROUTE_KIND_DNS);
	route_table_set_owner(&t, "web", &w, 0);
	route_table_next(&t, 0, &a);
	route_table_done(&t, a.e, ROUTE_RES_UNKNOWN, "timeout", 0);
	route_table_set_owner(&t, "web", NULL, 1);
	assert_int_equal(route_table_next(&t, 1, &a), 1);
	assert_int_equal(a.op, ROUTE_OP_DEL);
	route_table_done(&t, a.e, ROUTE_RES_GONE, NULL, 2);
	assert_int_equal(t.n, 0);
	route_table_free(&t);
}

static void
a_listing_older_than_our_change_does_not_undo_it(void **state)
{
	struct route_table t;
	struct route_want w = want("torc-web", "web", "web", "10.0.0.1");
	struct route_action a;
	struct route_entry *e;
	uint64_t s;

	(void)state;
	ready_table(&t, ROUTE_KIND_DNS);
	route_table_set_owner(&t, "web", &w, 0);
	s = route_table_observe_begin(&t);	/* listing sent... */
	route_table_next(&t, 0, &a);		/* ...register sent... */
	e = a.e;
	route_table_done(&t, e, ROUTE_RES_OK, NULL, 1);
	route_table_observe_end(&t, s, 2);	/* ...listing without it */
	assert_int_equal(e->status, ROUTE_ST_PROGRAMMED);
	assert_int_equal(route_table_next(&t, 2, &a), 0);
	route_table_free(&t);
}

static void
a_full_rebuild_unwants_what_it_no_longer_lists(void **state)
{
	struct route_table t;
	struct route_want a1 = want("torc-a", "a", "a", "10.0.0.1");
	struct route_want b1 = want("torc-b", "b", "b", "10.0.0.2");
	struct route_want self = want("torc-self", NULL, "self", "10.0.0.3");
	struct route_action a;

	(void)state;
	ready_table(&t, ROUTE_KIND_DNS);
	route_table_begin(&t);
	assert_int_equal(route_table_want(&t, &a1, 0), 0);
	assert_int_equal(route_table_want(&t, &b1, 0), 0);
	assert_int_equal(route_table_want(&t, &self, 0), 0);
	assert_int_equal(route_table_want(&t, &self, 0), -1);
	route_table_end(&t, 0);
	while (route_table_next(&t, 0, &a) == 1)
		route_table_done(&t, a.e, ROUTE_RES_OK, NULL, 0);
	route_table_begin(&t);
	route_table_want(&t, &a1, 1);
	route_table_want(&t, &self, 1);
	route_table_end(&t, 1);
	assert_int_equal(route_table_next(&t, 1, &a), 1);
	assert_string_equal(a.e->key, "torc-b");
	assert_int_equal(a.op, ROUTE_OP_DEL);
	/* A service cannot take a key the config holds. */
	assert_int_equal(route_table_set_owner(&t, "x",
	    &(struct route_want){ .key = "torc-self", .owner = "x" }, 2), -1);
	route_table_free(&t);
}

/*
 * A full rebuild in which a service's route moved to another prefix (its
 * address changed while events were missed): the new entry takes the
 * owner over before the old one is dropped.  The owner must still find
 * the new entry afterwards (the owners map borrows the entries' owner
 * strings: under ASan this was a use after free).
 */
static void
an_owner_moving_to_another_key_in_a_rebuild_stays_found(void **state)
{
	struct route_table t;
	struct route_want a = want("10.0.0.1/32", "x", "x", "10.250.3.21");
	struct route_want b = want("10.0.0.2/32", "x", "x", "10.250.3.21");
	struct route_entry *e;

	(void)state;
	ready_table(&t, ROUTE_KIND_ROUTE);
	route_table_begin(&t);
	assert_int_equal(route_table_want(&t, &a, 0), 0);
	route_table_end(&t, 0);
	route_table_begin(&t);
	assert_int_equal(route_table_want(&t, &b, 1), 0);
	route_table_end(&t, 1);
	e = route_table_find(&t, "10.0.0.2/32");
	assert_non_null(e);
	assert_true(e->want);
	assert_string_equal(e->owner, "x");
	/* The service stops: found by its owner, no longer wanted. */
	assert_int_equal(route_table_set_owner(&t, "x", NULL, 2), 0);
	e = route_table_find(&t, "10.0.0.2/32");
	assert_true(e == NULL || !e->want);
	route_table_free(&t);
}

static void
the_string_map_survives_many_inserts_and_deletes(void **state)
{
	struct route_map m;
	char key[32];

	(void)state;
	route_map_init(&m);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		route_map_put(&m, key, (void *)(intptr_t)(i + 1));
	}
	for (int i = 0; i < 5000; i += 2) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal((intptr_t)route_map_del(&m, key), i + 1);
	}
	assert_int_equal(m.n, 2500);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if (i % 2 == 0)
			assert_null(route_map_get(&m, key));
		else
			assert_int_equal((intptr_t)route_map_get(&m, key),
			    i + 1);
	}
	/* Deleted keys come back (over tombstones, then through a grow). */
	for (int i = 0; i < 20000; i += 2) {
		snprintf(key, sizeof(key), "k%d", i);
		route_map_put(&m, key, (void *)(intptr_t)(i + 7));
	}
	assert_int_equal(m.n, 12500);
	{
		size_t live = 0;

		for (size_t i = 0; i < m.cap; i++)
			live += route_map_at(&m, i) != NULL;
		assert_int_equal(live, 12500);
	}
	assert_int_equal((intptr_t)route_map_get(&m, "k0"), 7);
	assert_int_equal((intptr_t)route_map_get(&m, "k1"), 2);
	assert_int_equal((intptr_t)route_map_get(&m, "k19998"), 19998 + 7);
	assert_null(route_map_get(&m, "k19999"));
	route_map_free(&m);
}

/* A value's strings share one block; NULL stays NULL; set may reuse itself. */
static void
values_are_packed_copied_and_replaced(void **state)
{
	struct route_val v = { 0 }, c;

	(void)state;
	route_val_set(&v, NULL, "10.0.0.1", NULL, "node1", "service");
	assert_null(v.name);
	assert_string_equal(v.addr, "10.0.0.1");
	assert_null(v.task_id);
	assert_string_equal(v.node, "node1");
	assert_string_equal(v.origin, "service");
	/* One allocation, in field order. */
	assert_ptr_equal(v.node, v.addr + strlen(v.addr) + 1);
	route_val_copy(&c, &v);
	assert_true(route_val_equal(&c, &v));
	assert_ptr_not_equal(c.addr, v.addr);
	/* Replaced by strings taken from itself. */
	route_val_set(&v, v.origin, v.addr, "t1", NULL, "");
	assert_string_equal(v.name, "service");
	assert_string_equal(v.addr, "10.0.0.1");
	assert_string_equal(v.task_id, "t1");
	assert_null(v.node);
	assert_string_equal(v.origin, "");
	assert_false(route_val_equal(&c, &v));
	assert_string_equal(c.addr, "10.0.0.1");
	assert_string_equal(c.origin, "service");
	route_val_set(&v, NULL, NULL, NULL, NULL, NULL);
	assert_null(v.name);
	assert_null(v.origin);
	route_val_free(&v);
	route_val_free(&c);
	assert_null(c.addr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    nothing_is_handed_out_before_the_first_observation),
		cmocka_unit_test(values_are_packed_copied_and_replaced),
		cmocka_unit_test(
		    an_owner_moving_to_another_key_in_a_rebuild_stays_found),
		cmocka_unit_test(a_wanted_entry_is_created_and_then_programmed),
		cmocka_unit_test(
		    a_failed_change_backs_off_exponentially_up_to_the_cap),
		cmocka_unit_test(backoff_is_per_entry_and_others_go_on),
		cmocka_unit_test(
		    the_latest_desired_state_wins_without_replaying_steps),
		cmocka_unit_test(
		    a_route_whose_next_hop_changed_is_deleted_then_created),
		cmocka_unit_test(
		    deletions_wait_until_the_desired_state_is_complete),
		cmocka_unit_test(
		    drift_is_repaired_and_stale_entries_of_ours_removed),
		cmocka_unit_test(foreign_dns_entries_are_never_touched),
		cmocka_unit_test(routes_torc_does_not_own_are_left_alone),
		cmocka_unit_test(
		    a_create_answered_exists_is_foreign_unless_we_may_have_made_it),
		cmocka_unit_test(
		    an_unwanted_entry_with_an_unknown_outcome_gets_a_delete),
		cmocka_unit_test(
		    a_listing_older_than_our_change_does_not_undo_it),
		cmocka_unit_test(
		    a_full_rebuild_unwants_what_it_no_longer_lists),
		cmocka_unit_test(
		    the_string_map_survives_many_inserts_and_deletes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
