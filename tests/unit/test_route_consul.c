/*
 * test_route_consul.c - reading Consul's service listing
 * (GET /v1/agent/services) one member at a time: every service seen,
 * ours told from foreign ones, and anything that is not an object of
 * services refused with the place it went wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "torc-routed/routed.h"
#include "util.h"

static int
parse(const char *body, struct route_obs **obs, size_t *n, size_t *bad)
{
	*bad = (size_t)-1;
	return route_consul_parse_list(body, strlen(body), obs, n, bad);
}

static void
a_listing_gives_every_service_and_tells_ours(void **state)
{
	const char *body =
	    " {\"torc-dns-sl1\": {\"ID\": \"torc-dns-sl1\", \"Service\": "
	    "\"dns-sl1\", \"Tags\": [\"x\", \"torc\"], \"Meta\": {\"origin\": "
	    "\"service\", \"task_id\": \"dns-sl1.1\", \"node\": \"br1\"}, "
	    "\"Address\": \"192.168.13.1\", \"Weights\": {\"Passing\": 1}},\n"
	    "  \"consul\" : {\"ID\": \"consul\", \"Service\": \"consul\", "
	    "\"Tags\": [], \"Address\": \"\"},\n"
	    "  \"torc-untagged\": {\"Service\": \"u\", \"Tags\": []},\n"
	    "  \"odd\": [1, 2],\n"
	    "  \"esc\\\"aped\": {\"Service\": \"e\"}\n} \n";
	struct route_obs *obs;
	size_t n, bad;

	(void)state;
	assert_int_equal(parse(body, &obs, &n, &bad), 0);
	/* A member whose value is not an object is skipped. */
	assert_int_equal(n, 4);
	assert_string_equal(obs[0].key, "torc-dns-sl1");
	assert_true(obs[0].ours);
	assert_string_equal(obs[0].val.name, "dns-sl1");
	assert_string_equal(obs[0].val.addr, "192.168.13.1");
	assert_string_equal(obs[0].val.task_id, "dns-sl1.1");
	assert_string_equal(obs[0].val.node, "br1");
	assert_string_equal(obs[0].val.origin, "service");
	assert_string_equal(obs[1].key, "consul");
	assert_false(obs[1].ours);
	assert_string_equal(obs[1].val.task_id, "");
	/* Our prefix without our tag is not ours. */
	assert_string_equal(obs[2].key, "torc-untagged");
	assert_false(obs[2].ours);
	assert_string_equal(obs[3].key, "esc\"aped");
	route_obs_free(obs, n);

	assert_int_equal(parse("{}", &obs, &n, &bad), 0);
	assert_int_equal(n, 0);
	route_obs_free(obs, n);
}

static void
anything_else_is_refused_with_where(void **state)
{
	static const struct {
		const char	*body;
		size_t		 at;
	} bad_bodies[] = {
		{ "", 0 },
		{ "garbage", 0 },
		{ "[]", 0 },
		{ "{", 1 },
		{ "{\"a\": {}", 8 },
		{ "{\"a\": {},}", 9 },
		{ "{\"a\" {}}", 5 },
		{ "{\"a\": }", 6 },
		{ "{1: {}}", 1 },
		{ "{\"a\": {}} x", 10 },
		{ "{\"a\": {\"b\": }}", 6 },
	};
	struct route_obs *obs;
	size_t n, bad;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]);
	    i++) {
		obs = (struct route_obs *)&n;	/* must be reset */
		n = 99;
		if (parse(bad_bodies[i].body, &obs, &n, &bad) != -1)
			fail_msg("accepted: %s", bad_bodies[i].body);
		assert_null(obs);
		assert_int_equal(n, 0);
		if (bad != bad_bodies[i].at)
			fail_msg("%s: stopped at %zu, expected %zu",
			    bad_bodies[i].body, bad, bad_bodies[i].at);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_listing_gives_every_service_and_tells_ours),
		cmocka_unit_test(anything_else_is_refused_with_where),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
