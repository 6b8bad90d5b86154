/*
 * test_route_desired.c - torc-routed's desired state: which DNS entries
 * and routes follow from schedd's state and the config.
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

struct fixture {
	struct replica		 r;
	struct tmsg_snapshot	 snap;
	struct route_desired_params p;
	struct cfg_dns_addon	 addons[2];
	struct cfg_node		 nodes[1];
};

static void
add_node(struct tmsg_snapshot *s, const char *name, const char *ext)
{
	struct tmsg_node *n;

	s->nodes = xrealloc(s->nodes, (s->n_nodes + 1) * sizeof(*s->nodes));
	n = &s->nodes[s->n_nodes++];
	memset(n, 0, sizeof(*n));
	n->name = xstrdup(name);
	n->external_ip = xstrdup(ext);
}

static struct tmsg_service *
add_svc(struct tmsg_snapshot *s, const char *name, enum tmsg_svc_state st,
    const char *ip, const char *node, const char *net)
{
	struct tmsg_service *v;

	s->services = xrealloc(s->services,
	    (s->n_services + 1) * sizeof(*s->services));
	v = &s->services[s->n_services++];
	memset(v, 0, sizeof(*v));
	v->name = xstrdup(name);
	v->state = st;
	v->ip = xstrdup(ip);
	v->node = xstrdup(node);
	v->network_type = xstrdup(net);
	v->task_id = xasprintf("%s.task", name);
	return v;
}

static void
load(struct fixture *f)
{
	struct tmsg m = { .type = TMSG_SYNC_REP };

	replica_begin_sync(&f->r);
	replica_load_snapshot(&f->r, &f->snap, NULL, NULL);
	m.u.snap = f->snap;
	tmsg_free(&m);
	memset(&f->snap, 0, sizeof(f->snap));
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	replica_init(&f->r);
	f->addons[0].name = "etcd";
	f->addons[0].ip = "10.250.3.20";
	f->addons[1].name = "mesos-master";
	f->addons[1].ip = "10.250.3.20";
	f->nodes[0].name = "confignode";
	f->nodes[0].external_ip = "10.250.3.29";
	f->p.self_name = "torc-scheduler";
	f->p.self_ip = "10.250.3.20";
	f->p.addons = f->addons;
	f->p.n_addons = 2;
	f->p.nodes = f->nodes;
	f->p.n_nodes = 1;
	f->p.routes = true;
	add_node(&f->snap, "bladerunner1", "10.250.3.21");
	add_node(&f->snap, "bladerunner2", "10.250.3.22");
	add_node(&f->snap, "wedge", "");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	struct tmsg m = { .type = TMSG_SYNC_REP };

	m.u.snap = f->snap;	/* what load() did not hand to the replica */
	tmsg_free(&m);
	replica_free(&f->r);
	free(f);
	return 0;
}

static const struct route_want *
find(const struct route_want *w, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w[i].key, key) == 0)
			return &w[i];
	return NULL;
}

/* find(), failing the test when absent (never NULL). */
static const struct route_want *
get(const struct route_want *w, size_t n, const char *key)
{
	static const struct route_want none;
	const struct route_want *r = find(w, n, key);

	if (r == NULL) {
		fail_msg("%s not wanted", key);
		return &none;
	}
	return r;
}

static bool
has_note(const struct route_desired *d, const char *svc, const char *part)
{
	for (size_t i = 0; i < d->n_notes; i++)
		if (strcmp(d->notes[i].service, svc) == 0 &&
		    strstr(d->notes[i].reason, part) != NULL)
			return true;
	return false;
}

static void
only_running_services_get_dns_entries(void **state)
{
	struct fixture *f = *state;
	struct route_desired d;

	add_svc(&f->snap, "web", TSVC_RUNNING, "192.168.1.5", "bladerunner1",
	    "torc");
	add_svc(&f->snap, "starting", TSVC_STARTING, "192.168.1.6",
	    "bladerunner1", "torc");
	add_svc(&f->snap, "killing", TSVC_KILLING, "192.168.1.7",
	    "bladerunner1", "torc");
	add_svc(&f->snap, "pending", TSVC_PENDING, "", "", "torc");
	load(f);
	route_desired_build(&f->r, &f->p, &d);
	assert_non_null(find(d.dns, d.n_dns, "torc-web"));
	assert_null(find(d.dns, d.n_dns, "torc-starting"));
	assert_null(find(d.dns, d.n_dns, "torc-killing"));
	assert_null(find(d.dns, d.n_dns, "torc-pending"));
	assert_string_equal(get(d.dns, d.n_dns, "torc-web")->val.addr,
	    "192.168.1.5");
	assert_string_equal(get(d.dns, d.n_dns, "torc-web")->val.task_id,
	    "web.task");
	assert_string_equal(get(d.dns, d.n_dns, "torc-web")->val.node,
	    "bladerunner1");
	assert_int_equal(d.n_routes, 1);
	assert_string_equal(d.routes[0].key, "192.168.1.5/32");
	assert_string_equal(d.routes[0].val.addr, "10.250.3.21");
	route_desired_free(&d);
}

static void
routes_exist_only_on_routable_networks(void **state)
{
	struct fixture *f = *state;
	struct route_desired d;

	add_svc(&f->snap, "a-host", TSVC_RUNNING, "10.250.3.21",
	    "bladerunner1", "host");
	add_svc(&f->snap, "b-none", TSVC_RUNNING, "192.168.1.8",
	    "bladerunner1", "none");
	add_svc(&f->snap, "c-upper", TSVC_RUNNING, "10.250.3.22",
	    "bladerunner2", "HOST");
	add_svc(&f->snap, "d-torc", TSVC_RUNNING, "192.168.1.9",
	    "bladerunner2", "torc");
	load(f);
	route_desired_build(&f->r, &f->p, &d);
	/* Every running service is in DNS, whatever its network. */
	assert_non_null(find(d.dns, d.n_dns, "torc-a-host"));
	assert_non_null(find(d.dns, d.n_dns, "torc-b-none"));
	assert_non_null(find(d.dns, d.n_dns, "torc-c-upper"));
	assert_int_equal(d.n_routes, 1);
	assert_string_equal(d.routes[0].key, "192.168.1.9/32");
	assert_string_equal(d.routes[0].val.addr, "10.250.3.22");
	assert_true(route_network_routable("torc"));
	assert_false(route_network_routable("None"));
	assert_false(route_network_routable(""));
	route_desired_free(&d);
}

static void
a_node_without_external_ip_gives_no_route_and_a_note(void **state)
{
	struct fixture *f = *state;
	struct route_desired d;

	add_svc(&f->snap, "onwedge", TSVC_RUNNING, "192.168.1.10", "wedge",
	    "torc");
	add_svc(&f->snap, "nowhere", TSVC_RUNNING, "192.168.1.11", "ghost",
	    "torc");
	add_svc(&f->snap, "fromconfig", TSVC_RUNNING, "192.168.1.12",
	    "confignode", "torc");
	load(f);
	route_desired_build(&f->r, &f->p, &d);
	assert_non_null(find(d.dns, d.n_dns, "torc-onwedge"));
	assert_null(find(d.routes, d.n_routes, "192.168.1.10/32"));
	assert_true(has_note(&d, "onwedge", "no external_ip"));
	assert_null(find(d.routes, d.n_routes, "192.168.1.11/32"));
	assert_true(has_note(&d, "nowhere", "unknown"));
	/* A node schedd does not describe falls back to the config. */
	assert_string_equal(get(d.routes, d.n_routes,
	    "192.168.1.12/32")->val.addr, "10.250.3.29");
	route_desired_free(&d);
}

static void
dns_addons_and_the_self_entry_are_always_wanted(void **state)
{
	struct fixture *f = *state;
	struct route_desired d;
	const struct route_want *w;

	route_desired_build(NULL, &f->p, &d);
	assert_int_equal(d.n_dns, 3);
	assert_int_equal(d.n_routes, 0);
	w = get(d.dns, d.n_dns, "torc-torc-scheduler");
	assert_string_equal(w->val.name, "torc-scheduler");
	assert_string_equal(w->val.addr, "10.250.3.20");
	assert_string_equal(w->val.origin, "self");
	assert_null(w->owner);
	w = get(d.dns, d.n_dns, "torc-mesos-master");
	assert_string_equal(w->val.origin, "addon");
	route_desired_free(&d);
}

static void
a_service_moved_to_a_new_ip_and_node_changes_its_route(void **state)
{
	struct fixture *f = *state;
	struct tmsg_service *s;
	struct route_desired d;
	struct route_table t;
	struct route_entry *e;

	s = add_svc(&f->snap, "mover", TSVC_RUNNING, "192.168.1.20",
	    "bladerunner1", "torc");
	(void)s;
	load(f);
	route_table_init(&t, ROUTE_KIND_ROUTE);
	route_desired_service(replica_service(&f->r, "mover"), &f->r, &f->p,
	    &d);
	assert_int_equal(d.n_routes, 1);
	assert_int_equal(route_table_set_owner(&t, "mover", &d.routes[0], 0),
	    0);
	route_desired_free(&d);

	/* schedd reports it running elsewhere with another address. */
	{
		struct tmsg m = { .type = TMSG_SVC_UPDATE, .seq = 1 };

		m.u.svc.name = xstrdup("mover");
		m.u.svc.state = TSVC_RUNNING;
		m.u.svc.ip = xstrdup("192.168.1.21");
		m.u.svc.node = xstrdup("bladerunner2");
		m.u.svc.network_type = xstrdup("torc");
		assert_int_equal(replica_apply(&f->r, &m, NULL, NULL),
		    REPLICA_APPLIED);
		tmsg_free(&m);
	}
	route_desired_service(replica_service(&f->r, "mover"), &f->r, &f->p,
	    &d);
	assert_string_equal(d.routes[0].key, "192.168.1.21/32");
	assert_string_equal(d.routes[0].val.addr, "10.250.3.22");
	assert_string_equal(d.dns[0].val.addr, "192.168.1.21");
	assert_int_equal(route_table_set_owner(&t, "mover", &d.routes[0], 0),
	    0);
	route_desired_free(&d);
	e = route_table_find(&t, "192.168.1.21/32");
	assert_non_null(e);
	assert_true(e->want);
	/* The old prefix was never programmed, so it is simply forgotten. */
	assert_null(route_table_find(&t, "192.168.1.20/32"));
	/* Removed: nothing wanted any more. */
	route_desired_service(NULL, &f->r, &f->p, &d);
	assert_int_equal(d.n_dns + d.n_routes, 0);
	assert_int_equal(route_table_set_owner(&t, "mover", NULL, 0), 0);
	route_desired_free(&d);
	assert_int_equal(t.n, 0);
	route_table_free(&t);
}

static void
routes_are_off_without_a_network_agent(void **state)
{
	struct fixture *f = *state;
	struct route_desired d;

	add_svc(&f->snap, "web", TSVC_RUNNING, "192.168.1.5", "bladerunner1",
	    "torc");
	load(f);
	f->p.routes = false;
	route_desired_build(&f->r, &f->p, &d);
	assert_int_equal(d.n_routes, 0);
	assert_non_null(find(d.dns, d.n_dns, "torc-web"));
	route_desired_free(&d);
}

static void
a_key_wanted_twice_goes_to_the_first_claimant(void **state)
{
	struct fixture *f = *state;
	struct route_desired d;

	add_svc(&f->snap, "etcd", TSVC_RUNNING, "192.168.1.30",
	    "bladerunner1", "torc");
	add_svc(&f->snap, "x1", TSVC_RUNNING, "192.168.1.31", "bladerunner1",
	    "torc");
	add_svc(&f->snap, "x2", TSVC_RUNNING, "192.168.1.31", "bladerunner2",
	    "torc");
	load(f);
	route_desired_build(&f->r, &f->p, &d);
	/* The dns-addon comes before the service of the same name. */
	assert_string_equal(get(d.dns, d.n_dns, "torc-etcd")->val.addr,
	    "10.250.3.20");
	assert_true(has_note(&d, "etcd", "already used"));
	assert_string_equal(get(d.routes, d.n_routes,
	    "192.168.1.31/32")->val.name, "x1");
	assert_true(has_note(&d, "x2", "already used"));
	assert_int_equal(d.n_dup, 2);
	route_desired_free(&d);
}

static void
a_service_without_an_ipv4_address_gets_nothing_and_a_note(void **state)
{
	struct fixture *f = *state;
	struct route_desired d;

	add_svc(&f->snap, "noip", TSVC_RUNNING, "", "bladerunner1", "torc");
	add_svc(&f->snap, "badip", TSVC_RUNNING, "300.1.1.1", "bladerunner1",
	    "torc");
	load(f);
	route_desired_build(&f->r, &f->p, &d);
	assert_null(find(d.dns, d.n_dns, "torc-noip"));
	assert_null(find(d.dns, d.n_dns, "torc-badip"));
	assert_true(has_note(&d, "noip", "not IPv4"));
	assert_true(has_note(&d, "badip", "not IPv4"));
	assert_int_equal(d.n_routes, 0);
	route_desired_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    only_running_services_get_dns_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    routes_exist_only_on_routable_networks, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_node_without_external_ip_gives_no_route_and_a_note,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    dns_addons_and_the_self_entry_are_always_wanted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    a_service_moved_to_a_new_ip_and_node_changes_its_route,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    routes_are_off_without_a_network_agent, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_key_wanted_twice_goes_to_the_first_claimant, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    a_service_without_an_ipv4_address_gets_nothing_and_a_note,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
