/*
 * test_api_query.c - query strings: decoded, several parameters in any
 * order, and refused (not guessed at) when malformed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "torc-apid/apid.h"

static void
a_single_parameter_is_decoded(void **state)
{
	struct api_query q;
	char err[128];

	(void)state;
	assert_int_equal(api_query_parse("name=torc%2Ddns-scheduler", &q, err,
	    sizeof(err)), 0);
	assert_int_equal(q.n, 1);
	assert_string_equal(api_query_get(&q, "name"), "torc-dns-scheduler");
	api_query_free(&q);
}

static void
several_parameters_in_any_order(void **state)
{
	struct api_query q;
	char err[128];

	(void)state;
	assert_int_equal(api_query_parse("x=1&name=a+b%20c&&id=%41%62&flag",
	    &q, err, sizeof(err)), 0);
	assert_int_equal(q.n, 4);
	assert_string_equal(api_query_get(&q, "name"), "a b c");
	assert_string_equal(api_query_get(&q, "id"), "Ab");
	assert_string_equal(api_query_get(&q, "x"), "1");
	assert_string_equal(api_query_get(&q, "flag"), "");
	assert_null(api_query_get(&q, "nope"));
	api_query_free(&q);
}

static void
an_equals_sign_may_be_part_of_the_value(void **state)
{
	struct api_query q;
	char err[128];

	(void)state;
	assert_int_equal(api_query_parse("name=a=b", &q, err, sizeof(err)),
	    0);
	assert_string_equal(api_query_get(&q, "name"), "a=b");
	api_query_free(&q);
}

static void
an_empty_or_missing_query_has_no_parameters(void **state)
{
	struct api_query q;
	char err[128];

	(void)state;
	assert_int_equal(api_query_parse(NULL, &q, err, sizeof(err)), 0);
	assert_int_equal(q.n, 0);
	assert_int_equal(api_query_parse("", &q, err, sizeof(err)), 0);
	assert_int_equal(q.n, 0);
	assert_int_equal(api_query_parse("&&", &q, err, sizeof(err)), 0);
	assert_int_equal(q.n, 0);
}

static void
malformed_queries_are_refused(void **state)
{
	static const struct {
		const char *q;
		const char *err;
	} cases[] = {
		{ "name=%zz", "bad %-encoding" },
		{ "name=%4", "bad %-encoding" },
		{ "name=abc%", "bad %-encoding" },
		{ "name=a%00b", "bad %-encoding" },
		{ "na%gme=a", "bad %-encoding" },
		{ "=a", "without a name" },
		{ "name=a&name=b", "given twice" },
		{ "a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13&"
		    "n=14&o=15&p=16&q=17", "more than 16" },
	};
	struct api_query q;
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(api_query_parse(cases[i].q, &q, err,
		    sizeof(err)), -1);
		if (strstr(err, cases[i].err) == NULL)
			fail_msg("'%s': '%s' lacks '%s'", cases[i].q, err,
			    cases[i].err);
		assert_int_equal(q.n, 0);
	}
}

static void
url_decoding_works_in_place(void **state)
{
	char s[] = "a%2Fb+c%7e";
	char bad[] = "%G0";

	(void)state;
	assert_int_equal(api_url_decode(s), 0);
	assert_string_equal(s, "a/b c~");
	assert_int_equal(api_url_decode(bad), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_single_parameter_is_decoded),
		cmocka_unit_test(several_parameters_in_any_order),
		cmocka_unit_test(an_equals_sign_may_be_part_of_the_value),
		cmocka_unit_test(an_empty_or_missing_query_has_no_parameters),
		cmocka_unit_test(malformed_queries_are_refused),
		cmocka_unit_test(url_decoding_works_in_place),
	};

	return cmocka_run_group_tests_name("api_query", tests, NULL, NULL);
}
