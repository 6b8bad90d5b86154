/*
 * test_cfg.c - the configuration loader: defaults, $MASTER_IP, the
 * liberal readings (numbers, booleans, empty sections), the strict
 * checks with their exact messages, lookups, and print -> load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg.h"

#define MASTER	"10.0.0.1"

#define NODES \
	"nodes:\n" \
	"  - name: wedge\n" \
	"    ip: $MASTER_IP\n" \
	"    type: master\n" \
	"  - name: blade1\n" \
	"    ip: 10.250.3.21\n" \
	"    external_ip: 10.250.3.21\n"

static void
dump_errors(const struct cfg_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		print_message("# %s\n", e->msgs[i]);
}

/* Load text that must be valid; the caller frees the result. */
static struct torc_config *
load_ok(const char *text)
{
	struct cfg_errors e = { 0 };
	struct torc_config *cfg = NULL;
	int rc;

	rc = cfg_load_buffer("t.yml", text, strlen(text), MASTER, &cfg, &e);
	if (rc != 0)
		dump_errors(&e);
	assert_int_equal(rc, 0);
	assert_non_null(cfg);
	assert_int_equal(e.n, 0);
	cfg_errors_free(&e);
	return cfg;
}

/* Load text that must be rejected; the caller frees e. */
static void
load_bad(const char *text, struct cfg_errors *e)
{
	struct torc_config *cfg = (struct torc_config *)(uintptr_t)1;

	assert_int_equal(cfg_load_buffer("t.yml", text, strlen(text), MASTER,
	    &cfg, e), -1);
	assert_null(cfg);
	assert_true(e->n > 0);
}

/* The text must be rejected with exactly these messages, in order. */
static void
expect_errors(const char *text, const char *const *want, size_t n)
{
	struct cfg_errors e = { 0 };

	load_bad(text, &e);
	if (e.n != n)
		dump_errors(&e);
	assert_int_equal(e.n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(e.msgs[i], want[i]);
	cfg_errors_free(&e);
}

static void
expect_error(const char *text, const char *want)
{
	expect_errors(text, &want, 1);
}

static void
defaults_fill_everything_not_given(void **state)
{
	struct torc_config *cfg;

	(void)state;
	cfg = load_ok(NODES);
	assert_string_equal(cfg->path, "t.yml");
	assert_string_equal(cfg->master_ip, MASTER);
	assert_string_equal(cfg->name, CFG_DEFAULT_NAME);
	assert_string_equal(cfg->ipmiproxy, "");
	assert_int_equal(cfg->n_dns_addons, 0);
	assert_int_equal(cfg->network_agent.type, CFG_AGENT_NONE);
	assert_string_equal(cfg->network_agent.connection, "");
	assert_int_equal(cfg->statesync.poll_interval, 10);
	assert_int_equal(cfg->stateclean.poll_interval, 18);
	assert_int_equal(cfg->stateclean.timeout, 30);
	assert_int_equal(cfg->stateclean.restart_delay, 30);
	assert_int_equal(cfg->healthcheck.poll_interval, 12);
	assert_int_equal(cfg->healthcheck.n_system_services, 0);
	assert_int_equal(cfg->api.n_groups, 0);
	assert_string_equal(cfg->api.listen, "0.0.0.0:3000");
	assert_string_equal(cfg->api.token, "");
	assert_string_equal(cfg->consul.connection, MASTER ":8500");
	assert_string_equal(cfg->consul.host, MASTER);
	assert_int_equal(cfg->consul.port, 8500);
	assert_string_equal(cfg->consul.domain, "torc");
	assert_string_equal(cfg->mesos.user, "root");
	assert_true(cfg->mesos.failover_timeout == 604800.0);
	assert_string_equal(cfg->mesos.role, "*");
	assert_int_equal(cfg->n_nodes, 2);
	assert_string_equal(cfg->nodes[0].external_ip, "");
	assert_string_equal(cfg->nodes[0].management_ip, "");
	assert_int_equal(cfg->nodes[0].port, 0);
	cfg_free(cfg);
}

static void
a_service_with_only_name_and_image_gets_the_defaults(void **state)
{
	struct torc_config *cfg;
	const struct cfg_service *s;

	(void)state;
	cfg = load_ok(NODES
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - name: dns\n"
	    "      image_name: dns\n");
	assert_int_equal(cfg->healthcheck.n_system_services, 1);
	s = &cfg->healthcheck.system_services[0];
	assert_string_equal(s->name, "dns");
	assert_string_equal(s->image_name, "dns");
	assert_true(s->memory == 128.0);
	assert_true(s->cpu == 0.2);
	assert_string_equal(s->network_type, "host");
	assert_string_equal(s->node_name, "");
	assert_string_equal(s->node_type, "");
	assert_string_equal(s->node_function, "");
	assert_string_equal(s->dependent_service, "");
	assert_string_equal(s->arguments, "");
	assert_string_equal(s->parameters, "");
	assert_false(s->privileged);
	assert_false(s->is_metered);
	assert_false(s->is_job);
	assert_int_equal(s->sla, CFG_SLA_NONE);
	assert_int_equal(s->n_volumes, 0);
	assert_int_equal(s->line, 10);
	assert_int_equal(s->col, 7);
	cfg_free(cfg);
}

static void
master_ip_is_replaced_everywhere_it_applies(void **state)
{
	struct torc_config *cfg;
	const struct cfg_service *s;

	(void)state;
	cfg = load_ok(
	    "nodes:\n"
	    "  - name: wedge\n"
	    "    ip: $MASTER_IP\n"
	    "    external_ip: $MASTER_IP\n"
	    "dns-addons:\n"
	    "  - name: etcd\n"
	    "    ip: $MASTER_IP\n"
	    "network-agent:\n"
	    "  type: snaproute\n"
	    "  connection: $MASTER_IP:8080\n"
	    "consul:\n"
	    "  connection: $MASTER_IP:8600\n"
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - name: dns\n"
	    "      image_name: dns\n"
	    "      arguments: -bind=$MASTER_IP -peer $MASTER_IP\n"
	    "      parameters: --dns=$MASTER_IP\n");
	assert_string_equal(cfg->nodes[0].ip, MASTER);
	assert_string_equal(cfg->nodes[0].external_ip, MASTER);
	assert_string_equal(cfg->dns_addons[0].ip, MASTER);
	assert_string_equal(cfg->network_agent.connection, MASTER ":8080");
	assert_string_equal(cfg->network_agent.host, MASTER);
	assert_int_equal(cfg->network_agent.port, 8080);
	assert_string_equal(cfg->consul.connection, MASTER ":8600");
	s = &cfg->healthcheck.system_services[0];
	assert_string_equal(s->arguments, "-bind=" MASTER " -peer " MASTER);
	assert_string_equal(s->parameters, "--dns=" MASTER);
	cfg_free(cfg);
}

static void
master_ip_is_left_alone_in_every_other_value(void **state)
{
	struct torc_config *cfg;
	const struct cfg_service *s;

	(void)state;
	cfg = load_ok(NODES
	    "name: $MASTER_IP\n"
	    "ipmiproxy: $MASTER_IP\n"
	    "api:\n"
	    "  token: $MASTER_IP\n"
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - name: dns\n"
	    "      image_name: reg/$MASTER_IP\n"
	    "      node_function: $MASTER_IP\n"
	    "      network_type: $MASTER_IP\n");
	assert_string_equal(cfg->name, "$MASTER_IP");
	assert_string_equal(cfg->ipmiproxy, "$MASTER_IP");
	assert_string_equal(cfg->api.token, "$MASTER_IP");
	s = &cfg->healthcheck.system_services[0];
	assert_string_equal(s->image_name, "reg/$MASTER_IP");
	assert_string_equal(s->node_function, "$MASTER_IP");
	assert_string_equal(s->network_type, "$MASTER_IP");
	cfg_free(cfg);
}

static void
memory_and_cpu_may_be_written_as_integers_or_reals(void **state)
{
	struct torc_config *cfg;
	const struct cfg_service *s;

	(void)state;
	cfg = load_ok(NODES
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - {name: a, image_name: a, memory: 1024, cpu: 2}\n"
	    "    - {name: b, image_name: b, memory: 1024.0, cpu: 2.0}\n"
	    "    - {name: c, image_name: c, memory: 1048576, cpu: 1024}\n"
	    "    - {name: d, image_name: d, memory: 1.5e3, cpu: .5}\n");
	s = cfg->healthcheck.system_services;
	assert_true(s[0].memory == 1024.0 && s[1].memory == 1024.0);
	assert_true(s[0].cpu == 2.0 && s[1].cpu == 2.0);
	assert_true(s[2].memory == 1048576.0 && s[2].cpu == 1024.0);
	assert_true(s[3].memory == 1500.0 && s[3].cpu == 0.5);
	cfg_free(cfg);
}

static void
booleans_accept_true_false_yes_no_in_any_case(void **state)
{
	struct torc_config *cfg;
	const struct cfg_service *s;

	(void)state;
	cfg = load_ok(NODES
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - name: a\n"
	    "      image_name: a\n"
	    "      privileged: yes\n"
	    "      is_metered: True\n"
	    "      is_job: TRUE\n"
	    "      volumes:\n"
	    "        - {host_path: /a, container_path: /a, "
	    "read_only_mode: Yes}\n"
	    "        - {host_path: /b, container_path: /b, "
	    "read_only_mode: no}\n"
	    "        - {host_path: /c, container_path: /c}\n"
	    "    - name: b\n"
	    "      image_name: b\n"
	    "      privileged: No\n"
	    "      is_metered: False\n"
	    "      is_job: false\n");
	s = cfg->healthcheck.system_services;
	assert_true(s[0].privileged && s[0].is_metered && s[0].is_job);
	assert_int_equal(s[0].n_volumes, 3);
	assert_true(s[0].volumes[0].read_only);
	assert_false(s[0].volumes[1].read_only);
	assert_false(s[0].volumes[2].read_only);
	assert_string_equal(s[0].volumes[2].host_path, "/c");
	assert_false(s[1].privileged || s[1].is_metered || s[1].is_job);
	cfg_free(cfg);
}

static void
sla_values_are_read_and_empty_means_none(void **state)
{
	struct torc_config *cfg;
	const struct cfg_service *s;

	(void)state;
	cfg = load_ok(NODES
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - {name: a, image_name: a, sla: singleton_each_node}\n"
	    "    - {name: b, image_name: b, sla: singleton_each_slave}\n"
	    "    - {name: c, image_name: c, sla: ''}\n"
	    "    - {name: d, image_name: d, sla: }\n");
	s = cfg->healthcheck.system_services;
	assert_int_equal(s[0].sla, CFG_SLA_SINGLETON_EACH_NODE);
	assert_int_equal(s[1].sla, CFG_SLA_SINGLETON_EACH_SLAVE);
	assert_int_equal(s[2].sla, CFG_SLA_NONE);
	assert_int_equal(s[3].sla, CFG_SLA_NONE);
	cfg_free(cfg);
}

static void
groups_are_read_and_found_by_name(void **state)
{
	struct torc_config *cfg;
	const struct cfg_group *g;

	(void)state;
	cfg = load_ok(NODES
	    "api:\n"
	    "  service-groups:\n"
	    "    - name: torc-dns-scheduler\n"
	    "      services:\n"
	    "        - name: torc-dns-scheduler\n"
	    "          image_name: torc-dns-scheduler\n"
	    "          node_name: blade1\n"
	    "          arguments: --master $MASTER_IP --config config.yml\n"
	    "    - name: dns-sl\n"
	    "      services:\n"
	    "        - {name: dns-sl1, image_name: bind9, network_type: torc}\n"
	    "        - {name: dns-sl2, image_name: bind9, "
	    "network_type: torc}\n");
	assert_int_equal(cfg->api.n_groups, 2);
	g = cfg_group_find(cfg, "dns-sl");
	assert_ptr_equal(g, &cfg->api.groups[1]);
	assert_int_equal(g->n_services, 2);
	assert_string_equal(g->services[1].name, "dns-sl2");
	assert_string_equal(g->services[1].network_type, "torc");
	g = cfg_group_find(cfg, "torc-dns-scheduler");
	assert_non_null(g);
	assert_string_equal(g->services[0].arguments,
	    "--master " MASTER " --config config.yml");
	assert_null(cfg_group_find(cfg, "nope"));
	assert_null(cfg_group_find(cfg, ""));
	cfg_free(cfg);
}

static void
empty_sections_and_null_lists_mean_nothing_configured(void **state)
{
	struct torc_config *cfg;

	(void)state;
	cfg = load_ok(NODES
	    "dns-addons:\n"
	    "network-agent:\n"
	    "statesync:\n"
	    "stateclean: {}\n"
	    "healthcheck:\n"
	    "  system_services:\n"
	    "api:\n"
	    "  service-groups: ~\n"
	    "consul:\n"
	    "mesos: {}\n");
	assert_int_equal(cfg->n_dns_addons, 0);
	assert_int_equal(cfg->network_agent.type, CFG_AGENT_NONE);
	assert_int_equal(cfg->statesync.poll_interval, 10);
	assert_int_equal(cfg->stateclean.timeout, 30);
	assert_int_equal(cfg->healthcheck.n_system_services, 0);
	assert_int_equal(cfg->api.n_groups, 0);
	cfg_free(cfg);

	cfg = load_ok(NODES "network-agent: {}\n");
	assert_int_equal(cfg->network_agent.type, CFG_AGENT_NONE);
	cfg_free(cfg);
}

static void
network_agent_gets_its_default_port_from_its_type(void **state)
{
	struct torc_config *cfg;

	(void)state;
	cfg = load_ok(NODES
	    "network-agent: {type: snaproute, connection: 10.1.1.1}\n");
	assert_int_equal(cfg->network_agent.type, CFG_AGENT_SNAPROUTE);
	assert_string_equal(cfg->network_agent.connection, "10.1.1.1:8080");
	assert_int_equal(cfg->network_agent.port, 8080);
	cfg_free(cfg);

	cfg = load_ok(NODES "network-agent: {type: fboss}\n");
	assert_int_equal(cfg->network_agent.type, CFG_AGENT_FBOSS);
	assert_string_equal(cfg->network_agent.connection, MASTER ":5909");
	assert_string_equal(cfg->network_agent.host, MASTER);
	assert_int_equal(cfg->network_agent.transport, CFG_FBOSS_BUFFERED);
	cfg_free(cfg);

	cfg = load_ok(NODES "network-agent:\n"
	    "  type: fboss\n"
	    "  connection: http://$MASTER_IP:6000/\n"
	    "  transport: framed\n");
	assert_string_equal(cfg->network_agent.connection, MASTER ":6000");
	assert_int_equal(cfg->network_agent.port, 6000);
	assert_int_equal(cfg->network_agent.transport, CFG_FBOSS_FRAMED);
	cfg_free(cfg);
}

static void
our_optional_sections_are_read(void **state)
{
	struct torc_config *cfg;

	(void)state;
	cfg = load_ok(NODES
	    "consul: {connection: 10.9.9.9, domain: rack7.torc}\n"
	    "mesos:\n"
	    "  user: torc\n"
	    "  failover_timeout_in_seconds: 0\n"
	    "  role: ops\n"
	    "api: {listen: '127.0.0.1:3001', token: abc}\n");
	assert_string_equal(cfg->consul.connection, "10.9.9.9:8500");
	assert_string_equal(cfg->consul.domain, "rack7.torc");
	assert_string_equal(cfg->mesos.user, "torc");
	assert_true(cfg->mesos.failover_timeout == 0.0);
	assert_string_equal(cfg->mesos.role, "ops");
	assert_string_equal(cfg->api.listen, "127.0.0.1:3001");
	assert_string_equal(cfg->api.token, "abc");
	cfg_free(cfg);
}

static void
the_original_extras_are_accepted(void **state)
{
	struct torc_config *cfg;

	(void)state;
	cfg = load_ok(
	    "ipmiproxy: 10.250.3.5\n"
	    "nodes:\n"
	    "  - name: wedge\n"
	    "    ip: $MASTER_IP\n"
	    "    management_ip: 10.250.4.20\n"
	    "    port: 7\n"
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - {name: influxdb, image_name: influxdb}\n"
	    "    - name: collector\n"
	    "      image_name: collector\n"
	    "      dependent_service: influxdb\n"
	    "      is_job: true\n");
	assert_string_equal(cfg->ipmiproxy, "10.250.3.5");
	assert_string_equal(cfg->nodes[0].management_ip, "10.250.4.20");
	assert_int_equal(cfg->nodes[0].port, 7);
	assert_int_equal(cfg->nodes[0].type, CFG_NODE_SLAVE);
	assert_string_equal(
	    cfg->healthcheck.system_services[1].dependent_service, "influxdb");
	assert_true(cfg->healthcheck.system_services[1].is_job);
	cfg_free(cfg);
}

static void
nodes_are_found_by_name(void **state)
{
	struct torc_config *cfg;
	const struct cfg_node *n;

	(void)state;
	cfg = load_ok(NODES);
	n = cfg_node_find(cfg, "blade1");
	assert_ptr_equal(n, &cfg->nodes[1]);
	assert_string_equal(n->ip, "10.250.3.21");
	assert_int_equal(n->type, CFG_NODE_SLAVE);
	assert_int_equal(cfg_node_find(cfg, "wedge")->type, CFG_NODE_MASTER);
	assert_null(cfg_node_find(cfg, "blade9"));
	cfg_free(cfg);
}

static void
enum_names_are_the_words_of_the_file(void **state)
{
	(void)state;
	assert_string_equal(cfg_sla_name(CFG_SLA_NONE), "none");
	assert_string_equal(cfg_sla_name(CFG_SLA_SINGLETON_EACH_NODE),
	    "singleton_each_node");
	assert_string_equal(cfg_sla_name(CFG_SLA_SINGLETON_EACH_SLAVE),
	    "singleton_each_slave");
	assert_string_equal(cfg_node_type_name(CFG_NODE_MASTER), "master");
	assert_string_equal(cfg_node_type_name(CFG_NODE_SLAVE), "slave");
	assert_string_equal(cfg_agent_type_name(CFG_AGENT_NONE), "none");
	assert_string_equal(cfg_agent_type_name(CFG_AGENT_SNAPROUTE),
	    "snaproute");
	assert_string_equal(cfg_agent_type_name(CFG_AGENT_FBOSS), "fboss");
}

static void
sla_instance_names_count_as_services_for_dependencies(void **state)
{
	struct torc_config *cfg;

	(void)state;
	cfg = load_ok(NODES
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - {name: pcp, image_name: pcp, sla: singleton_each_node}\n"
	    "    - {name: x, image_name: x, dependent_service: pcp-wedge}\n");
	cfg_free(cfg);
	expect_error(NODES
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - {name: pcp, image_name: pcp, sla: singleton_each_slave}\n"
	    "    - {name: x, image_name: x, dependent_service: pcp-wedge}\n",
	    "t.yml:11:51: dependent_service 'pcp-wedge' is not a defined "
	    "service");
}

/* Structural equality of two configs, ignoring path and positions. */
static void
assert_services_equal(const struct cfg_service *a,
    const struct cfg_service *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(a[i].name, b[i].name);
		assert_string_equal(a[i].image_name, b[i].image_name);
		assert_string_equal(a[i].node_name, b[i].node_name);
		assert_string_equal(a[i].node_type, b[i].node_type);
		assert_string_equal(a[i].node_function, b[i].node_function);
		assert_string_equal(a[i].dependent_service,
		    b[i].dependent_service);
		assert_string_equal(a[i].arguments, b[i].arguments);
		assert_string_equal(a[i].parameters, b[i].parameters);
		assert_string_equal(a[i].network_type, b[i].network_type);
		assert_true(a[i].memory == b[i].memory);
		assert_true(a[i].cpu == b[i].cpu);
		assert_int_equal(a[i].privileged, b[i].privileged);
		assert_int_equal(a[i].is_metered, b[i].is_metered);
		assert_int_equal(a[i].is_job, b[i].is_job);
		assert_int_equal(a[i].sla, b[i].sla);
		assert_int_equal(a[i].n_volumes, b[i].n_volumes);
		for (size_t j = 0; j < a[i].n_volumes; j++) {
			assert_string_equal(a[i].volumes[j].host_path,
			    b[i].volumes[j].host_path);
			assert_string_equal(a[i].volumes[j].container_path,
			    b[i].volumes[j].container_path);
			assert_int_equal(a[i].volumes[j].read_only,
			    b[i].volumes[j].read_only);
		}
	}
}

static void
assert_configs_equal(const struct torc_config *a, const struct torc_config *b)
{
	assert_string_equal(a->master_ip, b->master_ip);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->ipmiproxy, b->ipmiproxy);
	assert_int_equal(a->n_nodes, b->n_nodes);
	for (size_t i = 0; i < a->n_nodes; i++) {
		assert_string_equal(a->nodes[i].name, b->nodes[i].name);
		assert_string_equal(a->nodes[i].ip, b->nodes[i].ip);
		assert_string_equal(a->nodes[i].external_ip,
		    b->nodes[i].external_ip);
		assert_string_equal(a->nodes[i].management_ip,
		    b->nodes[i].management_ip);
		assert_int_equal(a->nodes[i].type, b->nodes[i].type);
		assert_int_equal(a->nodes[i].port, b->nodes[i].port);
	}
	assert_int_equal(a->n_dns_addons, b->n_dns_addons);
	for (size_t i = 0; i < a->n_dns_addons; i++) {
		assert_string_equal(a->dns_addons[i].name,
		    b->dns_addons[i].name);
		assert_string_equal(a->dns_addons[i].ip, b->dns_addons[i].ip);
	}
	assert_int_equal(a->network_agent.type, b->network_agent.type);
	assert_string_equal(a->network_agent.connection,
	    b->network_agent.connection);
	assert_string_equal(a->network_agent.host, b->network_agent.host);
	assert_int_equal(a->network_agent.port, b->network_agent.port);
	assert_int_equal(a->network_agent.transport,
	    b->network_agent.transport);
	assert_int_equal(a->statesync.poll_interval,
	    b->statesync.poll_interval);
	assert_int_equal(a->stateclean.poll_interval,
	    b->stateclean.poll_interval);
	assert_int_equal(a->stateclean.timeout, b->stateclean.timeout);
	assert_int_equal(a->stateclean.restart_delay,
	    b->stateclean.restart_delay);
	assert_int_equal(a->healthcheck.poll_interval,
	    b->healthcheck.poll_interval);
	assert_int_equal(a->healthcheck.n_system_services,
	    b->healthcheck.n_system_services);
	assert_services_equal(a->healthcheck.system_services,
	    b->healthcheck.system_services, a->healthcheck.n_system_services);
	assert_int_equal(a->api.n_groups, b->api.n_groups);
	for (size_t i = 0; i < a->api.n_groups; i++) {
		assert_string_equal(a->api.groups[i].name,
		    b->api.groups[i].name);
		assert_int_equal(a->api.groups[i].n_services,
		    b->api.groups[i].n_services);
		assert_services_equal(a->api.groups[i].services,
		    b->api.groups[i].services, a->api.groups[i].n_services);
	}
	assert_string_equal(a->api.listen, b->api.listen);
	assert_string_equal(a->api.token, b->api.token);
	assert_string_equal(a->consul.connection, b->consul.connection);
	assert_string_equal(a->consul.host, b->consul.host);
	assert_int_equal(a->consul.port, b->consul.port);
	assert_string_equal(a->consul.domain, b->consul.domain);
	assert_string_equal(a->mesos.user, b->mesos.user);
	assert_true(a->mesos.failover_timeout == b->mesos.failover_timeout);
	assert_string_equal(a->mesos.role, b->mesos.role);
}

/* Print cfg to memory, load the text again, compare. */
static void
assert_round_trip(const struct torc_config *cfg)
{
	struct torc_config *again;
	char *text = NULL, *text2 = NULL;
	size_t len = 0, len2 = 0;
	FILE *fp;

	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	assert_int_equal(cfg_print(fp, cfg), 0);
	fclose(fp);
	again = load_ok(text);
	assert_configs_equal(cfg, again);

	fp = open_memstream(&text2, &len2);
	assert_non_null(fp);
	assert_int_equal(cfg_print(fp, again), 0);
	fclose(fp);
	assert_string_equal(text, text2);
	free(text);
	free(text2);
	cfg_free(again);
}

static const char demo[] =
	"name: torc-scheduler\n"
	"ipmiproxy: 10.250.3.5\n"
	NODES
	"  - name: blade2\n"
	"    ip: 10.250.3.22\n"
	"    management_ip: 10.250.4.22\n"
	"    port: 3\n"
	"dns-addons:\n"
	"  - {name: etcd, ip: $MASTER_IP}\n"
	"network-agent: {type: fboss, transport: framed}\n"
	"statesync: {poll_interval_in_seconds: 11}\n"
	"stateclean:\n"
	"  poll_interval_in_seconds: 19\n"
	"  timeout_in_seconds: 31\n"
	"  restart_delay_in_seconds: 32\n"
	"healthcheck:\n"
	"  poll_interval_in_seconds: 13\n"
	"  system_services:\n"
	"    - name: pcp\n"
	"      image_name: attinnovate/charmander-pcp\n"
	"      privileged: true\n"
	"      sla: singleton_each_node\n"
	"      parameters: --ipc=host\n"
	"      volumes:\n"
	"        - {host_path: /sys, container_path: /sys, "
	"read_only_mode: true}\n"
	"        - {host_path: /run, container_path: /run}\n"
	"    - name: influxdb\n"
	"      image_name: influxdb\n"
	"      memory: 1024.0\n"
	"      cpu: 0.1\n"
	"      node_name: blade1\n"
	"      node_type: slave\n"
	"      node_function: storage\n"
	"    - name: \"yes\"\n"
	"      image_name: \"null\"\n"
	"      arguments: \"'quoted' and \\\"double\\\" # not a comment\"\n"
	"      parameters: \"\"\n"
	"      dependent_service: influxdb\n"
	"      is_job: true\n"
	"      memory: 0.3333\n"
	"api:\n"
	"  listen: 127.0.0.1:3000\n"
	"  token: \"123\"\n"
	"  service-groups:\n"
	"    - name: g\n"
	"      services:\n"
	"        - {name: s, image_name: i, is_metered: yes, "
	"network_type: torc}\n"
	"consul: {connection: 10.0.0.9:8501, domain: rack.torc}\n"
	"mesos: {user: u, failover_timeout_in_seconds: 12.5, role: r}\n";

static void
printing_and_loading_again_gives_the_same_config(void **state)
{
	struct torc_config *cfg;

	(void)state;
	cfg = load_ok(demo);
	assert_round_trip(cfg);
	cfg_free(cfg);

	cfg = load_ok(NODES);
	assert_round_trip(cfg);
	cfg_free(cfg);
}

static void
the_shipped_configs_load_and_round_trip(void **state)
{
	static const char *const files[] = {
		"scripts/config/torc.yml",
		"scripts/config/torc-minimal.yml",
	};
	const char *root = getenv("TORC_ROOT");

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct cfg_errors e = { 0 };
		struct torc_config *cfg = NULL;
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", root ? root : ".",
		    files[i]);
		if (cfg_load(path, MASTER, &cfg, &e) != 0)
			dump_errors(&e);
		assert_int_equal(e.n, 0);
		assert_non_null(cfg);
		assert_string_equal(cfg->name, "torc-scheduler");
		assert_string_equal(cfg->nodes[0].ip, MASTER);
		assert_round_trip(cfg);
		cfg_free(cfg);
		cfg_errors_free(&e);
	}
}

static void
printing_reports_a_failed_write(void **state)
{
	struct torc_config *cfg;
	FILE *fp;

	(void)state;
	fp = fopen("/dev/full", "w");
	if (fp == NULL)
		skip();
	cfg = load_ok(demo);
	assert_int_equal(cfg_print(fp, cfg), -1);
	fclose(fp);
	cfg_free(cfg);
}

static void
an_unknown_key_is_reported_at_the_key(void **state)
{
	(void)state;
	expect_error(NODES
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - name: dns\n"
	    "      imagename: dns\n",
	    "t.yml:11:7: unknown key 'imagename' in service definition "
	    "(did you mean 'image_name'?)");
	expect_error(NODES "frobnicate: 1\n",
	    "t.yml:8:1: unknown key 'frobnicate' in the top-level mapping");
}

static void
a_bad_value_is_reported_at_the_value(void **state)
{
	(void)state;
	expect_error(NODES
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - name: dns\n"
	    "      image_name: dns\n"
	    "      memory: lots\n",
	    "t.yml:12:15: memory must be a number between 0 and 1048576 "
	    "(MB), got 'lots'");
	expect_error(NODES
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - {name: a, image_name: a, node_name: bladerunner9}\n",
	    "t.yml:10:43: node_name 'bladerunner9' is not a configured node");
}

static void
a_missing_key_is_reported_at_its_mapping(void **state)
{
	(void)state;
	expect_error(NODES
	    "dns-addons:\n"
	    "  - name: etcd\n",
	    "t.yml:9:5: missing required key 'ip' in dns-addon");
	expect_error("name: x\n",
	    "t.yml:1:1: missing required key 'nodes' in the top-level "
	    "mapping");
}

static void
every_error_in_a_file_is_reported_in_file_order(void **state)
{
	static const char *const want[] = {
		"t.yml:3:9: ip must be an IPv4 address, got '10.0.0'",
		"t.yml:5:11: duplicate node name 'wedge' (first defined at "
		    "line 2, column 11)",
		"t.yml:9:11: node type must be master or slave, got 'boss'",
		"t.yml:11:29: poll_interval_in_seconds must be a whole number "
		    "of seconds between 1 and 86400, got '0'",
		"t.yml:14:7: missing required key 'image_name' in service "
		    "definition",
		"t.yml:15:19: privileged must be true or false (or yes/no), "
		    "got 'sometimes'",
		"t.yml:16:18: node_name 'nowhere' is not a configured node",
		"t.yml:17:12: unknown sla 'always' (expected "
		    "singleton_each_node or singleton_each_slave)",
		"t.yml:22:17: duplicate service name 'dns' (first defined at "
		    "line 14, column 13)",
	};

	(void)state;
	expect_errors(
	    "nodes:\n"					/* 1 */
	    "  - name: wedge\n"
	    "    ip: 10.0.0\n"
	    "    type: master\n"
	    "  - name: wedge\n"				/* 5 */
	    "    ip: 10.0.0.2\n"
	    "  - name: blade\n"
	    "    ip: 10.0.0.3\n"
	    "    type: boss\n"
	    "statesync:\n"				/* 10 */
	    "  poll_interval_in_seconds: 0\n"
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - name: dns\n"
	    "      privileged: sometimes\n"		/* 15 */
	    "      node_name: nowhere\n"
	    "      sla: always\n"
	    "api:\n"
	    "  service-groups:\n"
	    "    - name: g\n"				/* 20 */
	    "      services:\n"
	    "        - name: dns\n"
	    "          image_name: dns\n",
	    want, sizeof(want) / sizeof(want[0]));
}

static void
a_syntax_error_gives_one_message_with_the_parser_position(void **state)
{
	struct cfg_errors e = { 0 };

	(void)state;
	load_bad("nodes:\n  - name: a\n   ip: b\n", &e);
	assert_int_equal(e.n, 1);
	assert_true(strncmp(e.msgs[0], "t.yml:3:", 8) == 0);
	assert_non_null(strstr(e.msgs[0], "YAML syntax error"));
	cfg_errors_free(&e);
	expect_error("nodes: [a\n",
	    "t.yml:2:1: YAML syntax error: did not find expected ',' or ']' "
	    "(while parsing a flow sequence at line 1, column 8)");
}

static void
an_unreadable_file_is_reported_with_the_system_error(void **state)
{
	struct cfg_errors e = { 0 };
	struct torc_config *cfg = NULL;

	(void)state;
	assert_int_equal(cfg_load("/nonexistent/torc.yml", MASTER, &cfg, &e),
	    -1);
	assert_null(cfg);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msgs[0],
	    "/nonexistent/torc.yml: No such file or directory");
	cfg_errors_free(&e);
}

static void
duplicates_are_rejected_for_every_kind_of_name(void **state)
{
	(void)state;
	expect_error(NODES
	    "dns-addons:\n"
	    "  - {name: a, ip: 1.2.3.4}\n"
	    "  - {name: a, ip: 1.2.3.5}\n",
	    "t.yml:10:12: duplicate dns-addon name 'a' (first defined at "
	    "line 9, column 12)");
	expect_error(NODES
	    "api:\n"
	    "  service-groups:\n"
	    "    - {name: g, services: [{name: a, image_name: a}]}\n"
	    "    - {name: g, services: [{name: b, image_name: b}]}\n",
	    "t.yml:11:14: duplicate service group name 'g' (first defined at "
	    "line 10, column 14)");
	expect_error(NODES
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - {name: a, image_name: a}\n"
	    "api:\n"
	    "  service-groups:\n"
	    "    - {name: g, services: [{name: a, image_name: b}]}\n",
	    "t.yml:13:35: duplicate service name 'a' (first defined at "
	    "line 10, column 14)");
	expect_error(NODES "name: a\nname: b\n",
	    "t.yml:9:1: duplicate key 'name' in the top-level mapping (first "
	    "at line 8, column 1)");
	expect_error(NODES
	    "healthcheck:\n"
	    "  system_services:\n"
	    "    - {name: pcp, image_name: a, sla: singleton_each_node}\n"
	    "    - {name: pcp-blade1, image_name: a}\n",
	    "t.yml:11:14: service name 'pcp-blade1' clashes with the instance "
	    "of 'pcp' that sla singleton_each_node starts on node blade1");
}

static void
limits_are_inclusive_at_the_top_and_exclusive_at_zero(void **state)
{
	struct torc_config *cfg;

	(void)state;
	cfg = load_ok(NODES "statesync: {poll_interval_in_seconds: 86400}\n");
	assert_int_equal(cfg->statesync.poll_interval, 86400);
	cfg_free(cfg);
	expect_error(NODES "statesync: {poll_interval_in_seconds: 86401}\n",
	    "t.yml:8:39: poll_interval_in_seconds must be a whole number of "
	    "seconds between 1 and 86400, got '86401'");
	expect_error(NODES
	    "healthcheck: {system_services: [{name: a, image_name: a, "
	    "cpu: 0}]}\n",
	    "t.yml:8:63: cpu must be a number between 0 and 1024, got '0'");
	expect_error(NODES
	    "healthcheck: {system_services: [{name: a, image_name: a, "
	    "memory: 1048576.5}]}\n",
	    "t.yml:8:66: memory must be a number between 0 and 1048576 (MB), "
	    "got '1048576.5'");
	expect_error(NODES "mesos: {failover_timeout_in_seconds: -0.5}\n",
	    "t.yml:8:38: failover_timeout_in_seconds must be a number of "
	    "seconds, 0 or more, got '-0.5'");
}

static void
wrong_kinds_of_value_are_rejected(void **state)
{
	(void)state;
	expect_error(NODES "name: [a, b]\n",
	    "t.yml:8:7: name must be a string, got a list");
	expect_error(NODES "statesync: 10\n",
	    "t.yml:8:12: statesync must be a mapping (key: value), got "
	    "'10'");
	expect_error(NODES "stateclean: {timeout_in_seconds: "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaa}\n",
	    "t.yml:8:34: timeout_in_seconds must be a whole number of seconds "
	    "between 1 and 86400, got "
	    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaa...'");
	expect_error(NODES "dns-addons: {name: a}\n",
	    "t.yml:8:13: dns-addons must be a list, got a mapping");
	expect_error(NODES
	    "healthcheck: {system_services: [{name: a, image_name: a, "
	    "memory: '64'}]}\n",
	    "t.yml:8:66: memory must be a number between 0 and 1048576 (MB), "
	    "got the quoted string '64'");
	expect_error("[1, 2]\n",
	    "t.yml:1:1: the configuration must be a mapping (key: value), got "
	    "a list");
	expect_error("",
	    "t.yml: the configuration is empty");
}

static void
connections_and_addresses_are_checked(void **state)
{
	(void)state;
	expect_error(NODES "network-agent: {type: snaproute, "
	    "connection: '$MASTER_IP:'}\n",
	    "t.yml:8:46: bad network-agent connection '10.0.0.1:' (expected "
	    "host:port)");
	expect_error(NODES "network-agent: {type: juniper}\n",
	    "t.yml:8:23: unknown network-agent type 'juniper' (expected "
	    "snaproute or fboss)");
	expect_error(NODES "api: {listen: '0.0.0.0'}\n",
	    "t.yml:8:15: bad api listen address '0.0.0.0' (expected "
	    "address:port)");
	expect_error(NODES "consul: {connection: 'a b:1'}\n",
	    "t.yml:8:22: bad consul connection 'a b:1' (expected host:port)");
	expect_error(NODES "dns-addons: [{name: a, ip: $MASTER_IP.1}]\n",
	    "t.yml:8:28: ip must be an IPv4 address, got '10.0.0.1.1' (from "
	    "'$MASTER_IP.1')");
}

static void
a_missing_master_ip_makes_master_addresses_invalid(void **state)
{
	struct cfg_errors e = { 0 };
	struct torc_config *cfg = NULL;

	(void)state;
	assert_int_equal(cfg_load_buffer("t.yml", NODES, strlen(NODES), NULL,
	    &cfg, &e), -1);
	assert_null(cfg);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msgs[0], "t.yml:3:9: ip must be an IPv4 address, "
	    "got '' (from '$MASTER_IP')");
	cfg_errors_free(&e);
}

static void
alias_bombs_are_cut_short(void **state)
{
	struct cfg_errors e = { 0 };
	char *text;
	size_t len;
	FILE *fp;

	(void)state;
	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	fprintf(fp, "%s", NODES);
	fprintf(fp, "v: &v [");
	for (int i = 0; i < 100; i++)
		fprintf(fp, "%s{host_path: /a, container_path: /b}",
		    i ? ", " : "");
	fprintf(fp, "]\ns: &s {name: a, image_name: a, volumes: *v}\n");
	fprintf(fp, "l: &l [");
	for (int i = 0; i < 100; i++)
		fprintf(fp, "%s*s", i ? ", " : "");
	fprintf(fp, "]\napi:\n  service-groups: [");
	for (int i = 0; i < 100; i++)
		fprintf(fp, "%s{name: g%d, services: *l}", i ? ", " : "", i);
	fprintf(fp, "]\n");
	fclose(fp);
	load_bad(text, &e);
	assert_true(e.n <= 101);
	free(text);
	cfg_errors_free(&e);
}

static void
binary_junk_is_rejected_without_harm(void **state)
{
	static const char junk[] = "nodes:\n  - name: \"a\0b\"\n\x01\xff";
	struct cfg_errors e = { 0 };
	struct torc_config *cfg = NULL;

	(void)state;
	assert_int_equal(cfg_load_buffer("t.yml", junk, sizeof(junk) - 1,
	    MASTER, &cfg, &e), -1);
	assert_null(cfg);
	assert_int_equal(e.n, 1);
	cfg_errors_free(&e);
	expect_error("nodes:\n  - name: \"a\\0b\"\n    ip: 1.2.3.4\n",
	    "t.yml:2:11: name must not contain a NUL character");
}

static void
a_second_document_is_rejected(void **state)
{
	(void)state;
	expect_error(NODES "---\nnodes: []\n",
	    "t.yml:9:1: only one YAML document is allowed per file");
}

#define T(name, fn)	{ name, fn, NULL, NULL, NULL }

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T("defaults fill everything not given",
		    defaults_fill_everything_not_given),
		T("a service with only name and image gets the defaults",
		    a_service_with_only_name_and_image_gets_the_defaults),
		T("$MASTER_IP is replaced everywhere it applies",
		    master_ip_is_replaced_everywhere_it_applies),
		T("$MASTER_IP is left alone in every other value",
		    master_ip_is_left_alone_in_every_other_value),
		T("memory and cpu may be written as integers or reals",
		    memory_and_cpu_may_be_written_as_integers_or_reals),
		T("booleans accept true/false/yes/no in any case",
		    booleans_accept_true_false_yes_no_in_any_case),
		T("sla values are read and empty means none",
		    sla_values_are_read_and_empty_means_none),
		T("groups are read and found by name",
		    groups_are_read_and_found_by_name),
		T("empty sections and null lists mean nothing configured",
		    empty_sections_and_null_lists_mean_nothing_configured),
		T("the network agent gets its default port from its type",
		    network_agent_gets_its_default_port_from_its_type),
		T("our optional sections are read",
		    our_optional_sections_are_read),
		T("the original's extras are accepted",
		    the_original_extras_are_accepted),
		T("nodes are found by name", nodes_are_found_by_name),
		T("enum names are the words of the file",
		    enum_names_are_the_words_of_the_file),
		T("SLA instance names count as services for dependencies",
		    sla_instance_names_count_as_services_for_dependencies),
		T("printing and loading again gives the same config",
		    printing_and_loading_again_gives_the_same_config),
		T("the shipped configs load and round-trip",
		    the_shipped_configs_load_and_round_trip),
		T("printing reports a failed write",
		    printing_reports_a_failed_write),
		T("an unknown key is reported at the key",
		    an_unknown_key_is_reported_at_the_key),
		T("a bad value is reported at the value",
		    a_bad_value_is_reported_at_the_value),
		T("a missing key is reported at its mapping",
		    a_missing_key_is_reported_at_its_mapping),
		T("every error in a file is reported, in file order",
		    every_error_in_a_file_is_reported_in_file_order),
		T("a syntax error gives one message with the parser position",
		    a_syntax_error_gives_one_message_with_the_parser_position),
		T("an unreadable file is reported with the system error",
		    an_unreadable_file_is_reported_with_the_system_error),
		T("duplicates are rejected for every kind of name",
		    duplicates_are_rejected_for_every_kind_of_name),
		T("limits are inclusive at the top and exclusive at zero",
		    limits_are_inclusive_at_the_top_and_exclusive_at_zero),
		T("wrong kinds of value are rejected",
		    wrong_kinds_of_value_are_rejected),
		T("connections and addresses are checked",
		    connections_and_addresses_are_checked),
		T("a missing master IP makes master addresses invalid",
		    a_missing_master_ip_makes_master_addresses_invalid),
		T("alias bombs are cut short", alias_bombs_are_cut_short),
		T("binary junk is rejected without harm",
		    binary_junk_is_rejected_without_harm),
		T("a second document is rejected",
		    a_second_document_is_rejected),
	};

	return cmocka_run_group_tests_name("cfg", tests, NULL, NULL);
}
