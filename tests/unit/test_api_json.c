/*
 * test_api_json.c - the REST API's JSON shapes: the original's task and
 * node fields in its order with torc's after them, floats with a decimal
 * point, enums as the original's strings, the list filters, and the
 * parsing of an announced task.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "torc-apid/apid.h"
#include "util.h"

/* The original's task fields, in its order (reference §1.2, §2). */
static const char *const orig_task[] = {
	"name", "controller", "id", "image", "node_name", "node_type",
	"node_function", "dependent_service", "arguments", "parameters",
	"memory", "cpu", "volumes", "privileged", "sla", "is_metered",
	"is_system_service", "is_job", "network_type", "ip", "slave_id",
	"state", "last_update",
};
static const char *const ours_task[] = {
	"task_id", "agent_id", "group", "kind", "state_reason", "restarts",
	"last_failure",
};
static const char *const orig_node[] = {
	"name", "ip", "external_ip", "management_ip", "node_type",
	"node_function", "active", "slave_id", "port_id", "last_seen",
};
static const char *const ours_node[] = { "hostname", "configured" };

static struct tmsg_volume vols[] = {
	{ "/sys", "/sys", true },
	{ "/run", "/run", false },
};

static void
sample(struct tmsg_service *s)
{
	memset(s, 0, sizeof(*s));
	s->name = "pcp-wedge";
	s->group = "";
	s->controller = "torc-scheduler";
	s->kind = TSVC_KIND_SYSTEM;
	s->image = "attinnovate/charmander-pcp";
	s->node_name = "";
	s->node = "wedge";
	s->parameters = "--ipc=host";
	s->memory = 128.0;
	s->cpu = 0.2;
	s->volumes = vols;
	s->n_volumes = 2;
	s->privileged = true;
	s->sla = TSLA_SINGLETON_EACH_NODE;
	s->network_type = "host";
	s->state = TSVC_RUNNING;
	s->task_id = "pcp-wedge.7";
	s->agent_id = "5b3f-S0";
	s->container_id = "abcdef";
	s->ip = "10.250.3.20";
	s->last_update = 1475270123;
	s->restarts = 2;
}

static void
assert_order(json_t *j, const char *const *a, size_t na,
    const char *const *b, size_t nb)
{
	const char *key;
	json_t *v;
	size_t i = 0;

	assert_int_equal(json_object_size(j), na + nb);
	json_object_foreach(j, key, v) {
		(void)v;
		assert_string_equal(key, i < na ? a[i] : b[i - na]);
		i++;
	}
}

static void
a_task_has_the_original_fields_in_order_then_ours(void **state)
{
	struct tmsg_service s;
	json_t *j;

	(void)state;
	sample(&s);
	j = api_json_task(&s);
	assert_order(j, orig_task, nitems(orig_task), ours_task,
	    nitems(ours_task));
	json_decref(j);
}

static void
a_node_has_the_original_fields_in_order_then_ours(void **state)
{
	struct tmsg_node n = { 0 };
	json_t *j;

	(void)state;
	n.name = "wedge";
	j = api_json_node(&n);
	assert_order(j, orig_node, nitems(orig_node), ours_node,
	    nitems(ours_node));
	json_decref(j);
}

static void
floats_always_print_with_a_decimal_point(void **state)
{
	json_t *j = json_pack("[f,f,f,f,f]", 128.0, 0.2, 1024.0, 40.0, 0.5);
	char *s = api_json_dump(j, NULL);

	(void)state;
	assert_string_equal(s, "[128.0,0.2,1024.0,40.0,0.5]");
	free(s);
	json_decref(j);
}

static void
a_task_renders_like_the_original(void **state)
{
	struct tmsg_service s;
	json_t *j;
	char *out;

	(void)state;
	sample(&s);
	j = api_json_task(&s);
	out = api_json_dump(j, NULL);
	/* Compact, the placed node as node_name, enums capitalised. */
	assert_non_null(strstr(out, "{\"name\":\"pcp-wedge\",\"controller\":"
	    "\"torc-scheduler\",\"id\":\"abcdef\",\"image\":"
	    "\"attinnovate/charmander-pcp\",\"node_name\":\"wedge\","));
	assert_non_null(strstr(out, "\"memory\":128.0,\"cpu\":0.2,\"volumes\":"
	    "[{\"host_path\":\"/sys\",\"container_path\":\"/sys\","
	    "\"read_only_mode\":true},{\"host_path\":\"/run\","
	    "\"container_path\":\"/run\",\"read_only_mode\":false}],"
	    "\"privileged\":true,\"sla\":\"SingletonEachNode\","
	    "\"is_metered\":false,\"is_system_service\":true,\"is_job\":false,"
	    "\"network_type\":\"host\",\"ip\":\"10.250.3.20\",\"slave_id\":"
	    "\"5b3f-S0\",\"state\":\"Running\",\"last_update\":1475270123,"
	    "\"task_id\":\"pcp-wedge.7\",\"agent_id\":\"5b3f-S0\",\"group\":\"\","
	    "\"kind\":\"system\",\"state_reason\":\"\",\"restarts\":2,"
	    "\"last_failure\":\"\"}"));
	free(out);
	json_decref(j);
}

static void
enum_names_follow_the_original(void **state)
{
	(void)state;
	assert_string_equal(api_sla_name(TSLA_NONE), "None");
	assert_string_equal(api_sla_name(TSLA_SINGLETON_EACH_SLAVE),
	    "SingletonEachSlave");
	assert_string_equal(api_state_name(TSVC_RUNNING), "Running");
	assert_string_equal(api_state_name(TSVC_PENDING), "Pending");
	assert_string_equal(api_state_name((enum tmsg_svc_state)99),
	    "Unknown");
}

static void
lists_filter_by_state_job_and_metering(void **state)
{
	struct tmsg_service s;

	(void)state;
	sample(&s);
	assert_true(api_list_has(API_LIST_RUNNING, &s));
	assert_false(api_list_has(API_LIST_METERED, &s));
	s.is_metered = true;
	assert_true(api_list_has(API_LIST_METERED, &s));
	s.is_job = true;
	assert_false(api_list_has(API_LIST_RUNNING, &s));
	assert_true(api_list_has(API_LIST_METERED, &s));
	s.state = TSVC_PENDING;
	assert_false(api_list_has(API_LIST_METERED, &s));
	assert_true(api_list_has(API_LIST_PENDING, &s));
	s.state = TSVC_RESTARTING;
	assert_true(api_list_has(API_LIST_PENDING, &s));
	s.state = TSVC_LAUNCHING;
	assert_false(api_list_has(API_LIST_PENDING, &s));
	assert_true(api_list_has(API_LIST_SERVICES, &s));
}

static void
a_list_comes_from_the_replica_in_name_order(void **state)
{
	struct replica r;
	struct tmsg_snapshot snap = { 0 };
	struct tmsg_service svcs[2];
	json_t *j;

	(void)state;
	replica_init(&r);
	sample(&svcs[0]);
	svcs[0].name = "zeta";
	sample(&svcs[1]);
	svcs[1].name = "alpha";
	svcs[1].state = TSVC_PENDING;
	snap.services = xcalloc(2, sizeof(*snap.services));
	tmsg_service_copy(&snap.services[0], &svcs[0]);
	tmsg_service_copy(&snap.services[1], &svcs[1]);
	snap.n_services = 2;
	assert_int_equal(replica_load_snapshot(&r, &snap, NULL, NULL),
	    REPLICA_APPLIED);
	j = api_json_list(&r, API_LIST_SERVICES);
	assert_int_equal(json_array_size(j), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(j, 0), "name")), "alpha");
	json_decref(j);
	j = api_json_list(&r, API_LIST_RUNNING);
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	j = api_json_list(&r, API_LIST_NODES);
	assert_int_equal(json_array_size(j), 0);
	json_decref(j);
	for (uint32_t i = 0; i < snap.n_services; i++)
		tmsg_service_free(&snap.services[i]);
	free(snap.services);
	replica_free(&r);
}

static const char announce[] =
    "{\"name\":\"dns-sl1\",\"controller\":\"torc-dns-scheduler\","
    "\"id\":\"c0ffee\",\"image\":\"bind9\",\"node_name\":\"bladerunner1\","
    "\"node_type\":\"\",\"node_function\":\"\",\"dependent_service\":\"\","
    "\"arguments\":\"\",\"parameters\":\"\",\"memory\":128,\"cpu\":0.2,"
    "\"volumes\":[{\"host_path\":\"/a\",\"container_path\":\"/b\","
    "\"read_only_mode\":true}],\"privileged\":false,"
    "\"sla\":\"SingletonEachSlave\",\"is_metered\":true,"
    "\"is_system_service\":true,\"is_job\":false,\"network_type\":\"torc\","
    "\"ip\":\"192.168.1.7\",\"slave_id\":\"S1\",\"state\":\"Running\","
    "\"last_update\":1475270123,\"future_field\":[1,2]}";

static void
an_announced_task_parses_into_a_service(void **state)
{
	struct tmsg_service s;
	char err[256];

	(void)state;
	assert_int_equal(api_json_parse_task(announce, strlen(announce), &s,
	    err, sizeof(err)), 0);
	assert_string_equal(s.name, "dns-sl1");
	assert_string_equal(s.controller, "torc-dns-scheduler");
	assert_string_equal(s.container_id, "c0ffee");
	assert_string_equal(s.node_name, "bladerunner1");
	assert_string_equal(s.node, "bladerunner1");
	assert_string_equal(s.agent_id, "S1");
	assert_string_equal(s.ip, "192.168.1.7");
	assert_true(s.memory == 128.0);
	assert_true(s.cpu == 0.2);
	assert_int_equal(s.n_volumes, 1);
	assert_true(s.volumes[0].read_only);
	assert_int_equal(s.sla, TSLA_SINGLETON_EACH_SLAVE);
	assert_int_equal(s.state, TSVC_RUNNING);
	assert_int_equal(s.kind, TSVC_KIND_ANNOUNCED);
	assert_true(s.is_metered);
	assert_true(s.is_system_service);
	assert_int_equal(s.last_update, 1475270123);
	/* The sub-scheduler's word on it comes back out. */
	{
		json_t *j = api_json_task(&s);

		assert_true(json_is_true(json_object_get(j,
		    "is_system_service")));
		json_decref(j);
		s.is_system_service = false;
		j = api_json_task(&s);
		assert_true(json_is_false(json_object_get(j,
		    "is_system_service")));
		json_decref(j);
	}
	tmsg_service_free(&s);
}

static void
the_original_state_names_are_accepted(void **state)
{
	static const struct {
		const char *body;
		enum tmsg_svc_state st;
	} cases[] = {
		{ "{\"name\":\"a\",\"node_name\":\"n\",\"state\":\"Requested\"}",
		    TSVC_PENDING },
		{ "{\"name\":\"a\",\"node_name\":\"n\",\"state\":\"Accepted\"}",
		    TSVC_LAUNCHING },
		{ "{\"name\":\"a\",\"node_name\":\"n\",\"state\":\"Restart\"}",
		    TSVC_RESTARTING },
		{ "{\"name\":\"a\",\"node_name\":\"n\",\"state\":\"running\"}",
		    TSVC_RUNNING },
		{ "{\"name\":\"a\",\"node_name\":\"n\"}", TSVC_RUNNING },
	};
	struct tmsg_service s;
	char err[256];

	(void)state;
	for (size_t i = 0; i < nitems(cases); i++) {
		assert_int_equal(api_json_parse_task(cases[i].body,
		    strlen(cases[i].body), &s, err, sizeof(err)), 0);
		assert_int_equal(s.state, cases[i].st);
		tmsg_service_free(&s);
	}
}

static void
bad_announcements_are_refused_with_the_field_named(void **state)
{
	static const struct {
		const char *body;
		const char *err;
	} cases[] = {
		{ "", "invalid JSON" },
		{ "{\"name\":", "invalid JSON" },
		{ "[1,2]", "expected a task object, got array" },
		{ "{\"node_name\":\"n\"}", "name: missing or empty" },
		{ "{\"name\":\"\",\"node_name\":\"n\"}", "name: missing" },
		{ "{\"name\":\"a\"}", "node_name: missing or empty" },
		{ "{\"name\":\"a\",\"node_name\":\"n\",\"memory\":\"x\"}",
		    "memory: expected number, got string" },
		{ "{\"name\":\"a\",\"node_name\":\"n\",\"privileged\":1}",
		    "privileged: expected boolean, got integer" },
		{ "{\"name\":\"a\",\"node_name\":\"n\",\"last_update\":1.5}",
		    "last_update: expected integer, got number" },
		{ "{\"name\":\"a\",\"node_name\":\"n\",\"restarts\":-1}",
		    "restarts: expected non-negative integer" },
		{ "{\"name\":7,\"node_name\":\"n\"}",
		    "name: expected string, got integer" },
		{ "{\"name\":\"a\",\"node_name\":\"n\",\"sla\":\"Most\"}",
		    "sla: expected None" },
		{ "{\"name\":\"a\",\"node_name\":\"n\",\"state\":\"Dancing\"}",
		    "state: unknown task state" },
		{ "{\"name\":\"a\",\"node_name\":\"n\",\"volumes\":{}}",
		    "volumes: expected array, got object" },
		{ "{\"name\":\"a\",\"node_name\":\"n\",\"volumes\":[3]}",
		    "volumes[0]: expected object, got integer" },
		{ "{\"name\":\"a\",\"node_name\":\"n\",\"volumes\":"
		    "[{\"host_path\":\"/a\"}]}", "volumes[0]: host_path" },
		{ "{\"name\":\"a\",\"name\":\"b\",\"node_name\":\"n\"}",
		    "invalid JSON" },
		{ "{\"name\":\"a\\u0000b\",\"node_name\":\"n\"}",
		    "invalid JSON" },
	};
	struct tmsg_service s;
	char err[256];

	(void)state;
	for (size_t i = 0; i < nitems(cases); i++) {
		assert_int_equal(api_json_parse_task(cases[i].body,
		    strlen(cases[i].body), &s, err, sizeof(err)), -1);
		if (strstr(err, cases[i].err) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
			    cases[i].err);
		assert_null(s.name);
	}
}

static void
route_entries_name_their_fields(void **state)
{
	struct tmsg_route_entry e = { "dns-sl1", "192.168.1.7/32",
	    "10.250.3.21", "pending", "", 3, 1764000000 };
	json_t *j;
	char *s;

	(void)state;
	j = api_json_route_entries(&e, 1, false);
	s = api_json_dump(j, NULL);
	assert_string_equal(s, "[{\"name\":\"dns-sl1\",\"prefix\":"
	    "\"192.168.1.7/32\",\"next_hop\":\"10.250.3.21\",\"status\":"
	    "\"pending\",\"last_error\":\"\",\"attempts\":3,"
	    "\"last_change\":1764000000}]");
	free(s);
	json_decref(j);
	j = api_json_route_entries(&e, 1, true);
	s = api_json_dump(j, NULL);
	assert_non_null(strstr(s, "\"address\":\"192.168.1.7/32\""));
	assert_null(strstr(s, "next_hop"));
	free(s);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_task_has_the_original_fields_in_order_then_ours),
		cmocka_unit_test(a_node_has_the_original_fields_in_order_then_ours),
		cmocka_unit_test(floats_always_print_with_a_decimal_point),
		cmocka_unit_test(a_task_renders_like_the_original),
		cmocka_unit_test(enum_names_follow_the_original),
		cmocka_unit_test(lists_filter_by_state_job_and_metering),
		cmocka_unit_test(a_list_comes_from_the_replica_in_name_order),
		cmocka_unit_test(an_announced_task_parses_into_a_service),
		cmocka_unit_test(the_original_state_names_are_accepted),
		cmocka_unit_test(bad_announcements_are_refused_with_the_field_named),
		cmocka_unit_test(route_entries_name_their_fields),
	};

	return cmocka_run_group_tests_name("api_json", tests, NULL, NULL);
}
