/*
 * test_api_routes.c - the route table (404, 405 with the right Allow
 * list, HEAD as GET), the bearer-token check, and the metrics page's
 * Prometheus text format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "torc-apid/apid.h"
#include "util.h"

static void
every_spec_route_is_in_the_table(void **state)
{
	static const struct {
		const char *path;
		unsigned method;
	} want[] = {
		{ "/admin/ping", API_GET }, { "/nodes", API_GET },
		{ "/services", API_GET }, { "/services/running", API_GET },
		{ "/services/metered", API_GET },
		{ "/services/pending", API_GET },
		{ "/start/group", API_GET }, { "/start/group", API_POST },
		{ "/service", API_DELETE }, { "/service", API_GET },
		{ "/service/announce", API_POST }, { "/routes", API_GET },
		{ "/dns", API_GET }, { "/metrics", API_GET },
		{ "/events", API_GET },
	};
	unsigned allow;

	(void)state;
	for (size_t i = 0; i < nitems(want); i++) {
		int idx = api_route_find(want[i].path, want[i].method, &allow);

		if (idx < 0)
			fail_msg("%s: not routed", want[i].path);
		assert_string_equal(api_routes[idx].path, want[i].path);
	}
}

static void
an_unknown_path_is_not_found(void **state)
{
	unsigned allow;

	(void)state;
	assert_int_equal(api_route_find("/nope", API_GET, &allow), -1);
	assert_int_equal(api_route_find("/services/", API_GET, &allow), -1);
	assert_int_equal(api_route_find("", API_GET, &allow), -1);
}

static void
a_wrong_method_lists_the_allowed_ones(void **state)
{
	unsigned allow;
	char buf[64];

	(void)state;
	assert_int_equal(api_route_find("/service", API_PUT, &allow), -2);
	api_allow_string(allow, buf, sizeof(buf));
	assert_string_equal(buf, "GET, HEAD, DELETE");
	assert_int_equal(api_route_find("/start/group", API_DELETE, &allow),
	    -2);
	api_allow_string(allow, buf, sizeof(buf));
	assert_string_equal(buf, "GET, POST");
	assert_int_equal(api_route_find("/service/announce", API_GET,
	    &allow), -2);
	api_allow_string(allow, buf, sizeof(buf));
	assert_string_equal(buf, "POST");
	assert_int_equal(api_route_find("/nodes", API_OTHER, &allow), -2);
}

static void
head_is_answered_as_get(void **state)
{
	unsigned allow;

	(void)state;
	assert_true(api_route_find("/services/running", API_HEAD,
	    &allow) >= 0);
}

static void
head_never_changes_anything(void **state)
{
	unsigned allow;

	(void)state;
	/* GET /start/group starts a group (the original's API): no HEAD. */
	assert_int_equal(api_route_find("/start/group", API_HEAD, &allow),
	    -2);
	assert_true(api_route_find("/service", API_HEAD, &allow) >= 0);
	assert_string_equal(api_routes[api_route_find("/service", API_HEAD,
	    &allow)].param, "id");
}

static void
the_same_path_picks_the_row_for_the_method(void **state)
{
	unsigned allow;
	int g = api_route_find("/service", API_GET, &allow);
	int d = api_route_find("/service", API_DELETE, &allow);

	(void)state;
	assert_true(g >= 0 && d >= 0 && g != d);
	assert_string_equal(api_routes[g].param, "id");
	assert_true(api_routes[g].flags & API_F_CORS);
	assert_string_equal(api_routes[d].param, "name");
	assert_true(api_routes[d].flags & API_F_MUTATING);
}

static void
only_mutating_routes_need_the_token(void **state)
{
	(void)state;
	/* No token configured: everything passes. */
	assert_true(api_auth_ok(API_F_MUTATING, "", NULL));
	assert_true(api_auth_ok(API_F_MUTATING, NULL, NULL));
	/* Reads never need it. */
	assert_true(api_auth_ok(API_F_REPLICA, "s3cret", NULL));
	assert_true(api_auth_ok(API_F_MUTATING, "s3cret", "Bearer s3cret"));
	assert_false(api_auth_ok(API_F_MUTATING, "s3cret", NULL));
	assert_false(api_auth_ok(API_F_MUTATING, "s3cret", "Bearer s3cre"));
	assert_false(api_auth_ok(API_F_MUTATING, "s3cret", "Bearer s3crets"));
	assert_false(api_auth_ok(API_F_MUTATING, "s3cret", "bearer s3cret"));
	assert_false(api_auth_ok(API_F_MUTATING, "s3cret", "Basic s3cret"));
	assert_false(api_auth_ok(API_F_MUTATING, "s3cret", "Bearer "));
}

static void
every_route_mutating_a_state_is_guarded(void **state)
{
	(void)state;
	for (size_t i = 0; i < api_n_routes; i++) {
		bool writes = api_routes[i].handler != NULL &&
		    (strcmp(api_routes[i].path, "/start/group") == 0 ||
		    strcmp(api_routes[i].path, "/service/announce") == 0 ||
		    (api_routes[i].methods & (API_DELETE | API_POST)));

		if (writes && !(api_routes[i].flags & API_F_MUTATING))
			fail_msg("%s is not guarded", api_routes[i].path);
	}
}

/* A metrics page from a small replica parses line by line. */
static void
metrics_are_prometheus_text(void **state)
{
	struct replica r;
	struct api_stats st;
	struct tmsg_route_entry e[2] = {
		{ "a", "1.2.3.4/32", "5.6.7.8", "failed", "boom", 1, 1 },
		{ "b", "1.2.3.5/32", "5.6.7.8", "programmed", "", 1, 1 },
	};
	struct tmsg_system_status sys = { "con\"sul", true, 1, "" };
	struct tmsg_routed_status rs = { e, 1, e, 2, &sys, 1 };
	struct tmsg_service s = { 0 };
	struct tmsg m = { .type = TMSG_SVC_UPDATE, .seq = 1 };
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	replica_init(&r);
	replica_begin_sync(&r);
	{
		struct tmsg_snapshot snap = { 0 };

		snap.status.mesos_state = xstrdup("subscribed");
		snap.status.last_reconcile = 1000;
		snap.status.offers_received = 12;
		replica_load_snapshot(&r, &snap, NULL, NULL);
		tmsg_free(&(struct tmsg){ .type = TMSG_SYNC_REP, .u.snap = snap });
	}
	s.name = "svc\nx";
	s.state = TSVC_RUNNING;
	s.restarts = 3;
	tmsg_service_copy(&m.u.svc, &s);
	assert_int_equal(replica_apply(&r, &m, NULL, NULL), REPLICA_APPLIED);
	tmsg_free(&m);
	api_stats_init(&st, api_n_routes);
	api_stats_record(&st, 0, 200, 300);
	api_stats_record(&st, 0, 200, 3000000);
	api_stats_record(&st, -1, 404, 50);
	fp = open_memstream(&buf, &len);
	api_metrics_write(fp, &r, &st, &rs, 1060);
	fclose(fp);
	assert_non_null(strstr(buf, "torc_services{state=\"running\"} 1\n"));
	assert_non_null(strstr(buf,
	    "torc_service_restarts{service=\"svc\\nx\"} 3\n"));
	assert_non_null(strstr(buf, "torc_reconcile_age_seconds 60\n"));
	assert_non_null(strstr(buf, "torc_mesos_connected 1\n"));
	assert_non_null(strstr(buf,
	    "torc_mesos_offers_received_total 12\n"));
	assert_non_null(strstr(buf, "torc_routes{status=\"failed\"} 1\n"));
	assert_non_null(strstr(buf,
	    "torc_routed_system_reachable{system=\"con\\\"sul\"} 1\n"));
	assert_non_null(strstr(buf, "torc_http_requests_total{route="
	    "\"/admin/ping\",code=\"200\"} 2\n"));
	assert_non_null(strstr(buf, "torc_http_requests_total{route="
	    "\"other\",code=\"404\"} 1\n"));
	assert_non_null(strstr(buf, "torc_http_request_duration_seconds_bucket"
	    "{route=\"/admin/ping\",le=\"0.0005\"} 1\n"));
	assert_non_null(strstr(buf, "torc_http_request_duration_seconds_bucket"
	    "{route=\"/admin/ping\",le=\"2.5\"} 1\n"));
	assert_non_null(strstr(buf, "torc_http_request_duration_seconds_bucket"
	    "{route=\"/admin/ping\",le=\"+Inf\"} 2\n"));
	/* Every line is a comment or "name{labels} value". */
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *sp;

		if (strncmp(line, "# HELP ", 7) == 0 ||
		    strncmp(line, "# TYPE ", 7) == 0)
			continue;
		sp = strrchr(line, ' ');
		if (sp == NULL || sp[1] == '\0' ||
		    strspn(line, "abcdefghijklmnopqrstuvwxyz_") == 0)
			fail_msg("bad line: %s", line);
		{
			char *end;

			strtod(sp + 1, &end);
			if (*end != '\0')
				fail_msg("bad value: %s", line);
		}
	}
	free(buf);
	api_stats_free(&st);
	replica_free(&r);
}

static void
without_routed_the_metrics_say_so(void **state)
{
	struct replica r;
	struct api_stats st;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	replica_init(&r);
	api_stats_init(&st, api_n_routes);
	fp = open_memstream(&buf, &len);
	api_metrics_write(fp, &r, &st, NULL, 1060);
	fclose(fp);
	assert_non_null(strstr(buf, "torc_routed_up 0\n"));
	assert_null(strstr(buf, "torc_routes{"));
	assert_null(strstr(buf, "torc_reconcile_age_seconds"));
	assert_non_null(strstr(buf, "torc_schedd_synced 0\n"));
	free(buf);
	api_stats_free(&st);
	replica_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_spec_route_is_in_the_table),
		cmocka_unit_test(an_unknown_path_is_not_found),
		cmocka_unit_test(a_wrong_method_lists_the_allowed_ones),
		cmocka_unit_test(head_is_answered_as_get),
		cmocka_unit_test(head_never_changes_anything),
		cmocka_unit_test(the_same_path_picks_the_row_for_the_method),
		cmocka_unit_test(only_mutating_routes_need_the_token),
		cmocka_unit_test(every_route_mutating_a_state_is_guarded),
		cmocka_unit_test(metrics_are_prometheus_text),
		cmocka_unit_test(without_routed_the_metrics_say_so),
	};

	return cmocka_run_group_tests_name("api_routes", tests, NULL, NULL);
}
