/*
 * test_route_state.c - the owned-routes file: what is written, what is
 * read back, and how a restarted routed treats the routes it names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "torc-routed/route.h"
#include "util.h"

static char tmpdir[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/torc-route-state.XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Hand out the create of prefix (claimed: owned) without finishing it. */
static struct route_entry *
claim(struct route_table *t, const char *prefix, const char *owner,
    const char *nh)
{
	struct route_want w = { 0 };
	struct route_action a;

	w.key = (char *)prefix;
	w.owner = (char *)owner;
	w.val.name = (char *)owner;
	w.val.addr = (char *)nh;
	route_table_set_owner(t, owner, &w, 0);
	assert_int_equal(route_table_next(t, 0, &a), 1);
	assert_int_equal(a.op, ROUTE_OP_PUT);
	assert_true(a.e->owned);
	return a.e;
}

static void
assert_file_holds(const char *path, const char *text)
{
	char err[256], *buf = NULL;
	size_t len = 0;

	assert_int_equal(read_file(path, 4096, &buf, &len, err, sizeof(err)),
	    0);
	assert_string_equal(buf, text);
	free(buf);
}

/* A restart: t emptied and loaded from path again. */
static void
reload(struct route_table *t, const char *path, size_t *skipped)
{
	char err[256];

	route_table_free(t);
	route_table_init(t, ROUTE_KIND_ROUTE);
	assert_int_equal(route_state_load(t, path, skipped, err, sizeof(err)),
	    0);
}

/* A route created: claimed, sent, confirmed. */
static void
program(struct route_table *t, const char *prefix, const char *owner,
    const char *nh)
{
	route_table_done(t, claim(t, prefix, owner, nh), ROUTE_RES_OK, NULL,
	    0);
}

static void
only_owned_routes_are_written_in_prefix_order(void **state)
{
	struct route_table t;
	struct route_val op = { .addr = "10.250.3.99" };
	size_t len;
	char *buf;
	uint64_t s;

	(void)state;
	route_table_init(&t, ROUTE_KIND_ROUTE);
	s = route_table_observe_begin(&t);
	route_table_observe(&t, s, "10.9.9.9/32", &op, true, 0);
	route_table_observe_end(&t, s, 0);
	t.allow_delete = true;
	program(&t, "192.168.1.7/32", "b", "10.250.3.22");
	program(&t, "192.168.1.5/32", "a", "10.250.3.21");
	buf = route_state_format(&t, &len);
	assert_string_equal(buf, "# torc-routed owned routes v1\n"
	    "192.168.1.5/32 10.250.3.21\n"
	    "192.168.1.7/32 10.250.3.22\n");
	assert_int_equal(len, strlen(buf));
	free(buf);
	route_table_free(&t);
}

struct seen {
	char	 lines[8][80];
	int	 n;
};

static void
seen_cb(const char *prefix, const char *nh, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		snprintf(s->lines[s->n++], sizeof(s->lines[0]), "%s %s",
		    prefix, nh);
}

static void
malformed_lines_are_skipped_and_counted(void **state)
{
	static const char text[] =
	    "# torc-routed owned routes v1\n"
	    "192.168.1.5/32 10.250.3.21\n"
	    "\n"
	    "not-a-prefix 10.250.3.21\n"
	    "192.168.1.6/33 10.250.3.21\n"
	    "192.168.1.7/32\n"
	    "192.168.1.8/32 a b\n"
	    "192.168.1.9/32 10.250.3.23\n"
	    "192.168.1.10/3";	/* no final newline: a torn append */
	struct seen s = { .n = 0 };

	(void)state;
	assert_int_equal(route_state_parse(text, sizeof(text) - 1, seen_cb,
	    &s), 5);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.lines[0], "192.168.1.5/32 10.250.3.21");
	assert_string_equal(s.lines[1], "192.168.1.9/32 10.250.3.23");
	/* Binary junk does not crash the parser. */
	assert_int_equal(route_state_parse("\0\0\xff\n", 4, seen_cb, &s), 1);
}

static void
owned_routes_survive_a_restart_and_stale_ones_are_deleted(void **state)
{
	struct route_table t, t2;
	struct route_val v21 = { .addr = "10.250.3.21" };
	struct route_val v22 = { .addr = "10.250.3.22" };
	struct route_val op = { .addr = "10.250.3.99" };
	struct route_want keep = { .key = "192.168.1.5/32", .owner = "a" };
	struct route_action a;
	char path[300], err[256];
	size_t skipped = 9;
	uint64_t s;

	(void)state;
	snprintf(path, sizeof(path), "%s/routes.owned", tmpdir);
	route_table_init(&t, ROUTE_KIND_ROUTE);
	route_table_observe_end(&t, route_table_observe_begin(&t), 0);
	t.allow_delete = true;
	program(&t, "192.168.1.5/32", "a", "10.250.3.21");
	program(&t, "192.168.1.7/32", "b", "10.250.3.22");
	assert_int_equal(route_state_save(&t, path, true, err, sizeof(err)), 0);
	route_table_free(&t);

	/* Restart: both are ours, in an unknown state. */
	route_table_init(&t2, ROUTE_KIND_ROUTE);
	assert_int_equal(route_state_load(&t2, path, &skipped, err,
	    sizeof(err)), 0);
	assert_int_equal(skipped, 0);
	assert_int_equal(t2.n, 2);
	assert_true(route_table_find(&t2, "192.168.1.5/32")->owned);
	assert_int_equal(route_table_find(&t2, "192.168.1.5/32")->prog,
	    ROUTE_PROG_UNKNOWN);
	/* schedd's snapshot still wants a, no longer b. */
	keep.val.name = "a";
	keep.val.addr = "10.250.3.21";
	route_table_begin(&t2);
	route_table_want(&t2, &keep, 1);
	route_table_end(&t2, 1);
	t2.allow_delete = true;
	/* The switch has both plus an operator's route. */
	s = route_table_observe_begin(&t2);
	route_table_observe(&t2, s, "192.168.1.5/32", &v21, false, 2);
	route_table_observe(&t2, s, "192.168.1.7/32", &v22, false, 2);
	route_table_observe(&t2, s, "10.9.9.9/32", &op, false, 2);
	route_table_observe_end(&t2, s, 2);
	/* a is already right: no create, no flap.  b goes.  9.9 stays. */
	assert_int_equal(route_table_find(&t2, "192.168.1.5/32")->status,
	    ROUTE_ST_PROGRAMMED);
	assert_null(route_table_find(&t2, "10.9.9.9/32"));
	assert_int_equal(route_table_next(&t2, 2, &a), 1);
	assert_string_equal(a.e->key, "192.168.1.7/32");
	assert_int_equal(a.op, ROUTE_OP_DEL);
	route_table_done(&t2, a.e, ROUTE_RES_OK, NULL, 3);
	assert_int_equal(route_table_next(&t2, 3, &a), 0);
	assert_true(t2.owned_dirty);
	assert_int_equal(route_state_save(&t2, path, false, err, sizeof(err)), 0);
	route_table_free(&t2);

	route_table_init(&t2, ROUTE_KIND_ROUTE);
	assert_int_equal(route_state_load(&t2, path, NULL, err, sizeof(err)),
	    0);
	assert_int_equal(t2.n, 1);
	assert_non_null(route_table_find(&t2, "192.168.1.5/32"));
	route_table_free(&t2);
}

static void
a_claim_appended_before_the_create_is_owned_after_a_restart(void **state)
{
	struct route_table t;
	struct route_entry *v[2];
	char path[300], err[256];
	size_t skipped = 9;
	struct stat sb;

	(void)state;
	snprintf(path, sizeof(path), "%s/routes.owned", tmpdir);
	route_table_init(&t, ROUTE_KIND_ROUTE);
	route_table_observe_end(&t, route_table_observe_begin(&t), 0);
	/* No file yet: the first claim creates it, private. */
	v[0] = claim(&t, "192.168.1.5/32", "a", "10.250.3.21");
	assert_int_equal(route_state_append(path, v, 1, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* The whole file written, then two more claims appended to it. */
	assert_int_equal(route_state_save(&t, path, true, err, sizeof(err)), 0);
	v[0] = claim(&t, "192.168.1.7/32", "b", "10.250.3.22");
	v[1] = claim(&t, "192.168.1.9/32", "c", "10.250.3.23");
	assert_int_equal(route_state_append(path, v, 2, err, sizeof(err)), 0);
	assert_file_holds(path, "# torc-routed owned routes v1\n"
	    "192.168.1.5/32 10.250.3.21\n"
	    "192.168.1.7/32 10.250.3.22\n"
	    "192.168.1.9/32 10.250.3.23\n");
	/* Claimed again (a create retried): a duplicate line, harmless. */
	assert_int_equal(route_state_append(path, v, 1, err, sizeof(err)), 0);

	/* Restart: all three are ours, and only they. */
	reload(&t, path, &skipped);
	assert_int_equal(skipped, 0);
	assert_int_equal(t.n, 3);
	assert_true(route_table_find(&t, "192.168.1.5/32")->owned);
	assert_true(route_table_find(&t, "192.168.1.7/32")->owned);
	assert_true(route_table_find(&t, "192.168.1.9/32")->owned);
	/* The next whole write puts it back in order, without duplicates. */
	assert_int_equal(route_state_save(&t, path, true, err, sizeof(err)),
	    0);
	assert_file_holds(path, "# torc-routed owned routes v1\n"
	    "192.168.1.5/32 10.250.3.21\n"
	    "192.168.1.7/32 10.250.3.22\n"
	    "192.168.1.9/32 10.250.3.23\n");
	route_table_free(&t);
}

static void
a_torn_claim_claims_nothing_and_a_failed_one_is_an_error(void **state)
{
	struct route_table t;
	struct route_entry *v[1];
	char path[300], err[256];
	size_t skipped = 0;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/routes.owned", tmpdir);
	/* A crash cut the last append short: "/32" became "/3". */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("# torc-routed owned routes v1\n192.168.1.5/32 10.250.3.21\n"
	    "192.168.1.7/3", fp);
	fclose(fp);
	route_table_init(&t, ROUTE_KIND_ROUTE);
	assert_int_equal(route_state_load(&t, path, &skipped, err,
	    sizeof(err)), 0);
	assert_int_equal(skipped, 1);
	assert_int_equal(t.n, 1);
	assert_null(route_table_find(&t, "192.168.1.7/3"));
	route_table_observe_end(&t, route_table_observe_begin(&t), 0);
	/* The next claim closes the torn line rather than joining it. */
	v[0] = claim(&t, "192.168.1.9/32", "c", "10.250.3.23");
	assert_int_equal(route_state_append(path, v, 1, err, sizeof(err)), 0);
	reload(&t, path, &skipped);
	assert_int_equal(skipped, 1);
	assert_int_equal(t.n, 2);
	assert_true(route_table_find(&t, "192.168.1.9/32")->owned);
	assert_null(route_table_find(&t, "192.168.1.7/3"));
	route_table_free(&t);

	/* A file that cannot be opened: the caller hears why. */
	route_table_init(&t, ROUTE_KIND_ROUTE);
	route_table_observe_end(&t, route_table_observe_begin(&t), 0);
	v[0] = claim(&t, "192.168.1.9/32", "c", "10.250.3.23");
	snprintf(path, sizeof(path), "%s/no-such-dir/routes.owned", tmpdir);
	err[0] = '\0';
	assert_int_equal(route_state_append(path, v, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no-such-dir"));
	route_table_free(&t);
}

static void
an_owned_route_found_missing_is_released(void **state)
{
	struct route_table t;
	uint64_t s;

	(void)state;
	route_table_init(&t, ROUTE_KIND_ROUTE);
	route_table_load_owned(&t, "192.168.1.5/32", "10.250.3.21");
	t.allow_delete = true;
	s = route_table_observe_begin(&t);
	route_table_observe_end(&t, s, 1);
	assert_int_equal(t.n, 0);
	assert_true(t.owned_dirty);
	route_table_free(&t);
}

static void
a_missing_file_is_an_empty_set(void **state)
{
	struct route_table t;
	char path[300], err[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/nothing-here", tmpdir);
	route_table_init(&t, ROUTE_KIND_ROUTE);
	assert_int_equal(route_state_load(&t, path, NULL, err, sizeof(err)),
	    0);
	assert_int_equal(t.n, 0);
	/* A directory where the file should be is an error, not empty. */
	assert_int_equal(route_state_load(&t, tmpdir, NULL, err,
	    sizeof(err)), -1);
	route_table_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(only_owned_routes_are_written_in_prefix_order),
		cmocka_unit_test(malformed_lines_are_skipped_and_counted),
		cmocka_unit_test_setup_teardown(
		    owned_routes_survive_a_restart_and_stale_ones_are_deleted,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_claim_appended_before_the_create_is_owned_after_a_restart,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_torn_claim_claims_nothing_and_a_failed_one_is_an_error,
		    setup, teardown),
		cmocka_unit_test(an_owned_route_found_missing_is_released),
		cmocka_unit_test_setup_teardown(a_missing_file_is_an_empty_set,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
