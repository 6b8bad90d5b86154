/*
 * test_sched_place.c - placement of pending services on one agent's
 * offers: node_name/node_type/node_function constraints, cpu and memory
 * accounted across every task of a batch, SLA expansion, dependencies,
 * the reasons given for waiting services, and determinism.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sched_test_stubs.h"

struct fix {
	struct torc_config *cfg;
	struct sched_state st;
	struct sched_now now;
};

static int
setup(void **state)
{
	struct fix *f = xcalloc(1, sizeof(*f));

	f->cfg = stub_config(stub_rack_yaml);
	f->now.mono_ms = 1000000;
	f->now.wall_s = 1700000000;
	sched_state_init(&f->st, f->cfg, &f->now);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	sched_state_free(&f->st);
	cfg_free(f->cfg);
	free(f);
	return 0;
}

/* Make node active with the attributes the sim's agents carry. */
static struct sched_node *
activate(struct fix *f, const char *name)
{
	bool master = strcmp(name, "wedge") == 0, added;
	char agent[64];

	snprintf(agent, sizeof(agent), "agent-%s", name);
	return sched_node_seen(&f->st, agent, name, name,
	    master ? "master" : "slave", master ? "controller" : "compute",
	    &f->now, &added);
}

static size_t
place(struct fix *f, const char *node, double cpus, double mem,
    struct sched_svc **out)
{
	struct sched_place_agent a = { .node = activate(f, node),
	    .cpus = cpus, .mem = mem };

	return sched_place(&f->st, &a, out, f->st.n_svcs);
}

static bool
has(struct sched_svc **v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i]->t.name, name) == 0)
			return true;
	return false;
}

static void
set_state(struct fix *f, const char *name, enum tmsg_svc_state s)
{
	struct sched_svc *svc = sched_svc_find(&f->st, name);

	assert_non_null(svc);
	svc->t.state = s;
}

static void
sla_expansion_gives_one_instance_per_node_or_per_slave(void **state)
{
	struct fix *f = *state;
	static const char *const want[] = { "agent-br1", "agent-br2",
	    "datacollector", "dns", "influxdb", "pcp-br1", "pcp-br2",
	    "pcp-wedge" };

	assert_int_equal(f->st.n_svcs, nitems(want));
	for (size_t i = 0; i < nitems(want); i++)
		assert_string_equal(f->st.svcs[i]->t.name, want[i]);
	assert_string_equal(sched_svc_find(&f->st, "pcp-wedge")->t.node_name,
	    "wedge");
	assert_string_equal(sched_svc_find(&f->st, "agent-br2")->t.node_name,
	    "br2");
	assert_int_equal(sched_svc_find(&f->st, "pcp-br1")->t.sla,
	    TSLA_SINGLETON_EACH_NODE);
	assert_null(sched_svc_find(&f->st, "agent-wedge"));
	assert_null(sched_svc_find(&f->st, "pcp"));
}

static void
node_function_constraint_places_only_on_the_controller(void **state)
{
	struct fix *f = *state;
	struct sched_svc *out[16];
	size_t n;

	n = place(f, "br1", 16, 65536, out);
	assert_false(has(out, n, "dns"));
	n = place(f, "wedge", 16, 65536, out);
	assert_true(has(out, n, "dns"));
	assert_true(has(out, n, "pcp-wedge"));
	assert_false(has(out, n, "pcp-br1"));
}

static void
node_name_constraint_places_only_on_that_node(void **state)
{
	struct fix *f = *state;
	struct sched_svc *out[16];
	size_t n;

	n = place(f, "br1", 16, 65536, out);
	assert_false(has(out, n, "influxdb"));
	assert_true(has(out, n, "pcp-br1"));
	assert_true(has(out, n, "agent-br1"));
	n = place(f, "br2", 16, 65536, out);
	assert_true(has(out, n, "influxdb"));
}

static void
node_type_constraint_is_matched_against_the_agent_attribute(void **state)
{
	struct fix *f = *state;
	struct sched_svc *out[16];
	struct sched_svc *svc = sched_svc_find(&f->st, "dns");
	size_t n;

	free(svc->t.node_function);
	svc->t.node_function = xstrdup("");
	free(svc->t.node_type);
	svc->t.node_type = xstrdup("slave");
	n = place(f, "wedge", 16, 65536, out);
	assert_false(has(out, n, "dns"));
	n = place(f, "br1", 16, 65536, out);
	assert_true(has(out, n, "dns"));
}

static void
memory_is_accounted_across_every_task_in_one_batch(void **state)
{
	struct fix *f = *state;
	struct sched_svc *out[16];
	size_t n;

	/* br2 wants: agent-br2 128, influxdb 1024, pcp-br2 128. */
	n = place(f, "br2", 16, 1024 + 128, out);
	assert_int_equal(n, 2);
	assert_true(has(out, n, "agent-br2"));
	assert_true(has(out, n, "influxdb"));
	assert_false(has(out, n, "pcp-br2"));
	assert_string_equal(sched_svc_find(&f->st, "pcp-br2")->t.state_reason,
	    "needs 128 MB, largest offer has 0 MB");
}

static void
cpu_is_accounted_across_every_task_in_one_batch(void **state)
{
	struct fix *f = *state;
	struct sched_svc *out[16];
	size_t n;

	/* Each service wants 0.2 cpus; 0.3 holds one. */
	n = place(f, "br1", 0.3, 65536, out);
	assert_int_equal(n, 1);
	assert_true(has(out, n, "agent-br1"));
	assert_string_equal(sched_svc_find(&f->st, "pcp-br1")->t.state_reason,
	    "needs 0.20 cpus, largest offer has 0.10 cpus");
}

static void
a_service_too_big_for_the_offer_says_what_it_needs(void **state)
{
	struct fix *f = *state;
	struct sched_svc *out[16];
	size_t n;

	n = place(f, "br2", 16, 512, out);
	assert_false(has(out, n, "influxdb"));
	assert_string_equal(sched_svc_find(&f->st, "influxdb")->t.state_reason,
	    "needs 1024 MB, largest offer has 384 MB");
}

static void
a_dependent_service_waits_until_its_dependency_runs(void **state)
{
	struct fix *f = *state;
	struct sched_svc *out[16];
	size_t n;

	n = place(f, "br2", 16, 65536, out);
	assert_true(has(out, n, "influxdb"));
	assert_false(has(out, n, "datacollector"));
	assert_string_equal(
	    sched_svc_find(&f->st, "datacollector")->t.state_reason,
	    "waiting for dependent service influxdb");
	set_state(f, "influxdb", TSVC_LAUNCHING);
	n = place(f, "br2", 16, 65536, out);
	assert_false(has(out, n, "datacollector"));
	set_state(f, "influxdb", TSVC_RUNNING);
	n = place(f, "br2", 16, 65536, out);
	assert_true(has(out, n, "datacollector"));
}

static void
a_dependency_on_an_sla_service_means_its_instance_on_the_same_node(void **state)
{
	struct fix *f = *state;
	struct sched_svc *out[16];
	struct sched_svc *dc = sched_svc_find(&f->st, "datacollector");
	size_t n;

	free(dc->t.dependent_service);
	dc->t.dependent_service = xstrdup("pcp");
	set_state(f, "influxdb", TSVC_RUNNING);
	set_state(f, "pcp-br1", TSVC_RUNNING);
	n = place(f, "br2", 16, 65536, out);
	assert_false(has(out, n, "datacollector"));
	set_state(f, "pcp-br2", TSVC_RUNNING);
	n = place(f, "br2", 16, 65536, out);
	assert_true(has(out, n, "datacollector"));
}

static void
only_pending_services_are_placed_so_none_runs_twice(void **state)
{
	struct fix *f = *state;
	struct sched_svc *out[16];
	size_t n;

	n = place(f, "wedge", 16, 65536, out);
	assert_true(has(out, n, "dns"));
	for (size_t i = 0; i < n; i++)
		out[i]->t.state = TSVC_LAUNCHING;
	n = place(f, "wedge", 16, 65536, out);
	assert_int_equal(n, 0);
	set_state(f, "dns", TSVC_RESTARTING);
	n = place(f, "wedge", 16, 65536, out);
	assert_int_equal(n, 0);
}

static void
placement_is_deterministic_system_first_then_by_name(void **state)
{
	struct fix *f = *state;
	struct sched_svc *svc, *out[16];
	size_t n;

	/* An on-demand service sorting before every system one. */
	svc = sched_svc_new(f->cfg, &f->cfg->api.groups[0].services[0],
	    "aaa-ondemand", "br2", TSVC_KIND_ONDEMAND, "dns-sched", &f->now);
	free(svc->t.node_name);
	svc->t.node_name = xstrdup("br2");
	assert_int_equal(sched_svc_insert(&f->st, svc), 0);
	n = place(f, "br2", 16, 65536, out);
	assert_int_equal(n, 4);
	assert_string_equal(out[0]->t.name, "agent-br2");
	assert_string_equal(out[1]->t.name, "influxdb");
	assert_string_equal(out[2]->t.name, "pcp-br2");
	assert_string_equal(out[3]->t.name, "aaa-ondemand");
}

static void
the_same_state_and_offers_give_the_same_launches(void **state)
{
	struct fix *f = *state;
	struct sched_svc *a[16], *b[16];
	size_t na, nb;

	na = place(f, "br2", 0.5, 2000, a);
	nb = place(f, "br2", 0.5, 2000, b);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_ptr_equal(a[i], b[i]);
}

static void
a_service_with_no_matching_active_node_says_which_constraint(void **state)
{
	struct fix *f = *state;
	struct sched_svc *dns = sched_svc_find(&f->st, "dns");
	struct sched_svc *infl = sched_svc_find(&f->st, "influxdb");

	activate(f, "br1");
	sched_place_explain(&f->st, dns);
	assert_string_equal(dns->t.state_reason,
	    "no active node matches node_function=controller");
	sched_place_explain(&f->st, infl);
	assert_string_equal(infl->t.state_reason,
	    "no active node matches node_name=br2");
	activate(f, "wedge");
	sched_place_explain(&f->st, dns);
	assert_string_equal(dns->t.state_reason,
	    "waiting for an offer from a matching node");
}

static void
a_resource_reason_survives_the_rack_wide_explanation(void **state)
{
	struct fix *f = *state;
	struct sched_svc *out[16];
	struct sched_svc *infl = sched_svc_find(&f->st, "influxdb");

	place(f, "br2", 16, 512, out);
	sched_place_explain(&f->st, infl);
	assert_string_equal(infl->t.state_reason,
	    "needs 1024 MB, largest offer has 384 MB");
}

static void
an_agent_that_is_not_a_configured_node_is_listed_not_fatal(void **state)
{
	struct fix *f = *state;
	struct sched_node *n;
	struct sched_svc *out[16];
	struct sched_place_agent a = { .cpus = 16, .mem = 65536 };
	bool added;

	n = sched_node_seen(&f->st, "agent-x", "stranger.rack", "stranger",
	    "slave", "lab", &f->now, &added);
	assert_true(added);
	assert_false(n->t.configured);
	assert_true(n->t.active);
	assert_string_equal(n->t.name, "stranger");
	a.node = n;
	/* Nothing is pinned there, and nothing unconstrained is pending. */
	assert_int_equal(sched_place(&f->st, &a, out, 16), 0);
	n = sched_node_seen(&f->st, "agent-x", "stranger.rack", "stranger",
	    "slave", "lab", &f->now, &added);
	assert_false(added);
	assert_int_equal(f->st.n_nodes, 4);
}

static void
an_offer_refreshes_the_node_from_the_agent_attributes(void **state)
{
	struct fix *f = *state;
	struct sched_node *n = sched_node_find(&f->st, "br1");

	assert_false(n->t.active);
	assert_string_equal(n->t.node_function, "none");
	f->now.wall_s += 5;
	activate(f, "br1");
	assert_true(n->t.active);
	assert_string_equal(n->t.node_function, "compute");
	assert_string_equal(n->t.agent_id, "agent-br1");
	assert_int_equal(n->t.last_seen, f->now.wall_s);
	assert_ptr_equal(sched_node_by_agent(&f->st, "agent-br1"), n);
}

static void
task_ids_find_their_service(void **state)
{
	struct fix *f = *state;
	struct sched_svc *svc = sched_svc_find(&f->st, "pcp-br1");

	free(svc->t.task_id);
	svc->t.task_id = xstrdup("pcp-br1.0b4e7c1a-1111-4222-8333-444455556666");
	assert_ptr_equal(sched_svc_by_task(&f->st,
	    "pcp-br1.0b4e7c1a-1111-4222-8333-444455556666"), svc);
	assert_null(sched_svc_by_task(&f->st,
	    "pcp-br1.ffffffff-1111-4222-8333-444455556666"));
	assert_null(sched_svc_by_task(&f->st, "pcp-br1"));
	assert_null(sched_svc_by_task(&f->st, ""));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(sla_expansion_gives_one_instance_per_node_or_per_slave),
		T(node_function_constraint_places_only_on_the_controller),
		T(node_name_constraint_places_only_on_that_node),
		T(node_type_constraint_is_matched_against_the_agent_attribute),
		T(memory_is_accounted_across_every_task_in_one_batch),
		T(cpu_is_accounted_across_every_task_in_one_batch),
		T(a_service_too_big_for_the_offer_says_what_it_needs),
		T(a_dependent_service_waits_until_its_dependency_runs),
		T(a_dependency_on_an_sla_service_means_its_instance_on_the_same_node),
		T(only_pending_services_are_placed_so_none_runs_twice),
		T(placement_is_deterministic_system_first_then_by_name),
		T(the_same_state_and_offers_give_the_same_launches),
		T(a_service_with_no_matching_active_node_says_which_constraint),
		T(a_resource_reason_survives_the_rack_wide_explanation),
		T(an_agent_that_is_not_a_configured_node_is_listed_not_fatal),
		T(an_offer_refreshes_the_node_from_the_agent_attributes),
		T(task_ids_find_their_service),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
