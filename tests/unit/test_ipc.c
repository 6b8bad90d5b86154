/*
 * test_ipc.c - the IPC codec: every message type round-trips field by
 * field and re-encodes byte-identically, every enum value has a name, and
 * malformed input of every kind is refused with an error naming the
 * problem.  Malformed messages are built here with msgpack directly.
 *
 * With TORC_IPC_CORPUS_DIR set, the round-trip tests also write their
 * encodings there as <TYPE>.bin: that is how tests/fuzz/corpus/ipc/ is
 * regenerated after the schema grows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <msgpack.h>

#include "torc_ipc.h"
#include "util.h"

static const enum tmsg_type all_types[] = {
	TMSG_ERROR, TMSG_SVC_UPDATE, TMSG_SVC_REMOVE, TMSG_NODE_UPDATE,
	TMSG_SCHED_STATUS, TMSG_SYNC_REQ, TMSG_SYNC_REP, TMSG_QUERY_REQ,
	TMSG_QUERY_REP, TMSG_CTL_START_GROUP, TMSG_CTL_KILL,
	TMSG_CTL_ANNOUNCE, TMSG_CTL_FORGET_FRAMEWORK, TMSG_CTL_RESULT,
	TMSG_ROUTED_STATUS_REQ, TMSG_ROUTED_STATUS_REP,
};

/* Fully populated payloads: every field set, each to a distinct value. */

static char *
fmt(const char *what, int k)
{
	return xasprintf("%s-%d", what, k);
}

static void
fill_service(struct tmsg_service *s, int k)
{
	memset(s, 0, sizeof(*s));
	s->name = fmt("pcp-wedge", k);
	s->group = fmt("group", k);
	s->controller = fmt("controller", k);
	s->kind = TSVC_KIND_ANNOUNCED;
	s->image = fmt("registry:5000/img:1.2", k);
	s->node_name = fmt("node-name", k);
	s->node_type = fmt("wedge", k);
	s->node_function = fmt("fn", k);
	s->dependent_service = fmt("dep", k);
	s->arguments = fmt("--flag=1 \"quoted\" \xc3\xa9t\xc3\xa9", k);
	s->parameters = fmt("{\"a\":1}", k);
	s->memory = 512.5 + k;
	s->cpu = 0.25 * (k + 1);
	s->n_volumes = 2;
	s->volumes = xcalloc(2, sizeof(*s->volumes));
	s->volumes[0].host_path = fmt("/var/host", k);
	s->volumes[0].container_path = fmt("/data", k);
	s->volumes[0].read_only = true;
	s->volumes[1].host_path = fmt("/etc/host", k);
	s->volumes[1].container_path = fmt("/etc/ctr", k);
	s->volumes[1].read_only = false;
	s->privileged = true;
	s->sla = TSLA_SINGLETON_EACH_SLAVE;
	s->is_metered = true;
	s->is_job = true;
	s->network_type = fmt("HOST", k);
	s->state = TSVC_RESTARTING;
	s->state_reason = fmt("no offer matches", k);
	s->task_id = fmt("task", k);
	s->agent_id = fmt("agent", k);
	s->node = fmt("node", k);
	s->container_id = fmt("container", k);
	s->ip = fmt("10.0.0.9", k);
	s->last_update = -1700000000LL - k;
	s->restarts = 4000000000u - (uint32_t)k;
	s->last_failure = fmt("exit 137", k);
}

static void
fill_node(struct tmsg_node *n, int k)
{
	memset(n, 0, sizeof(*n));
	n->name = fmt("wedge", k);
	n->ip = fmt("10.1.0.1", k);
	n->external_ip = fmt("192.0.2.1", k);
	n->management_ip = fmt("172.16.0.1", k);
	n->node_type = fmt("wedge100", k);
	n->node_function = fmt("tor", k);
	n->active = true;
	n->configured = true;
	n->agent_id = fmt("agent", k);
	n->hostname = fmt("host", k);
	n->port_id = INT64_MIN + k;
	n->last_seen = INT64_MAX - k;
}

static void
fill_status(struct tmsg_sched_status *st)
{
	st->instance = UINT64_MAX;
	st->framework_id = xstrdup("fw-1234");
	st->mesos_state = xstrdup("subscribed");
	st->master = xstrdup("http://10.0.0.1:5050");
	st->connected_since = 1700000000;
	st->last_reconcile = 1700000100;
	st->offers_received = 1;
	st->offers_declined = 2;
	st->tasks_launched = 3;
	st->updates_received = 4;
	st->subscribes = 5;
}

static void
fill_route(struct tmsg_route_entry *r, int k)
{
	r->name = fmt("svc.example", k);
	r->key = fmt("10.0.0.7/32", k);
	r->value = fmt("10.1.0.1", k);
	r->status = fmt("failed", k);
	r->last_error = fmt("HTTP 500", k);
	r->attempts = 7 + (uint32_t)k;
	r->last_change = 1700000200 + k;
}

static void
build(enum tmsg_type type, struct tmsg *m)
{
	uint32_t i;

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->seq = 0x123456789abcdefULL;
	switch (type) {
	case TMSG_ERROR:
		m->u.error.code = -503;
		m->u.error.message = xstrdup("schedd not subscribed");
		break;
	case TMSG_SVC_UPDATE:
	case TMSG_CTL_ANNOUNCE:
		fill_service(&m->u.svc, 1);
		break;
	case TMSG_SVC_REMOVE:
	case TMSG_CTL_START_GROUP:
	case TMSG_CTL_KILL:
		m->u.name.name = xstrdup("pcp-wedge");
		break;
	case TMSG_NODE_UPDATE:
		fill_node(&m->u.node, 1);
		break;
	case TMSG_SCHED_STATUS:
		fill_status(&m->u.status);
		break;
	case TMSG_SYNC_REP:
		m->u.snap.seq = 99;
		fill_status(&m->u.snap.status);
		m->u.snap.n_nodes = 2;
		m->u.snap.nodes = xcalloc(2, sizeof(struct tmsg_node));
		for (i = 0; i < 2; i++)
			fill_node(&m->u.snap.nodes[i], (int)i + 10);
		m->u.snap.n_services = 3;
		m->u.snap.services = xcalloc(3, sizeof(struct tmsg_service));
		for (i = 0; i < 3; i++)
			fill_service(&m->u.snap.services[i], (int)i + 20);
		break;
	case TMSG_QUERY_REQ:
		m->u.query.what = TQUERY_METERED;
		break;
	case TMSG_QUERY_REP:
		m->u.query_rep.n_nodes = 1;
		m->u.query_rep.nodes = xcalloc(1, sizeof(struct tmsg_node));
		fill_node(&m->u.query_rep.nodes[0], 30);
		m->u.query_rep.n_services = 2;
		m->u.query_rep.services = xcalloc(2,
		    sizeof(struct tmsg_service));
		fill_service(&m->u.query_rep.services[0], 31);
		fill_service(&m->u.query_rep.services[1], 32);
		break;
	case TMSG_CTL_RESULT:
		m->u.result.code = 207;
		m->u.result.message = xstrdup("started 2 of 3");
		m->u.result.n_names = 3;
		m->u.result.names = xcalloc(3, sizeof(char *));
		for (i = 0; i < 3; i++)
			m->u.result.names[i] = fmt("svc", (int)i);
		break;
	case TMSG_ROUTED_STATUS_REP:
		m->u.routed.n_dns = 2;
		m->u.routed.dns = xcalloc(2, sizeof(struct tmsg_route_entry));
		fill_route(&m->u.routed.dns[0], 1);
		fill_route(&m->u.routed.dns[1], 2);
		m->u.routed.n_routes = 1;
		m->u.routed.routes = xcalloc(1,
		    sizeof(struct tmsg_route_entry));
		fill_route(&m->u.routed.routes[0], 3);
		m->u.routed.n_systems = 2;
		m->u.routed.systems = xcalloc(2,
		    sizeof(struct tmsg_system_status));
		m->u.routed.systems[0].name = xstrdup("consul");
		m->u.routed.systems[0].reachable = true;
		m->u.routed.systems[0].last_success = 1700000300;
		m->u.routed.systems[0].last_error = xstrdup("");
		m->u.routed.systems[1].name = xstrdup("snaproute");
		m->u.routed.systems[1].reachable = false;
		m->u.routed.systems[1].last_success = 0;
		m->u.routed.systems[1].last_error =
		    xstrdup("connection refused");
		break;
	case TMSG_SYNC_REQ:
	case TMSG_CTL_FORGET_FRAMEWORK:
	case TMSG_ROUTED_STATUS_REQ:
		break;
	}
}

/* Field-by-field comparison, written out by hand on purpose. */

static void
cmp_service(const struct tmsg_service *a, const struct tmsg_service *b)
{
	uint32_t i;

	assert_string_equal(a->name, b->name);
	assert_string_equal(a->group, b->group);
	assert_string_equal(a->controller, b->controller);
	assert_int_equal(a->kind, b->kind);
	assert_string_equal(a->image, b->image);
	assert_string_equal(a->node_name, b->node_name);
	assert_string_equal(a->node_type, b->node_type);
	assert_string_equal(a->node_function, b->node_function);
	assert_string_equal(a->dependent_service, b->dependent_service);
	assert_string_equal(a->arguments, b->arguments);
	assert_string_equal(a->parameters, b->parameters);
	assert_true(a->memory == b->memory);
	assert_true(a->cpu == b->cpu);
	assert_int_equal(a->n_volumes, b->n_volumes);
	for (i = 0; i < a->n_volumes; i++) {
		assert_string_equal(a->volumes[i].host_path,
		    b->volumes[i].host_path);
		assert_string_equal(a->volumes[i].container_path,
		    b->volumes[i].container_path);
		assert_int_equal(a->volumes[i].read_only,
		    b->volumes[i].read_only);
	}
	assert_int_equal(a->privileged, b->privileged);
	assert_int_equal(a->sla, b->sla);
	assert_int_equal(a->is_metered, b->is_metered);
	assert_int_equal(a->is_job, b->is_job);
	assert_string_equal(a->network_type, b->network_type);
	assert_int_equal(a->state, b->state);
	assert_string_equal(a->state_reason, b->state_reason);
	assert_string_equal(a->task_id, b->task_id);
	assert_string_equal(a->agent_id, b->agent_id);
	assert_string_equal(a->node, b->node);
	assert_string_equal(a->container_id, b->container_id);
	assert_string_equal(a->ip, b->ip);
	assert_true(a->last_update == b->last_update);
	assert_int_equal(a->restarts, b->restarts);
	assert_string_equal(a->last_failure, b->last_failure);
}

static void
cmp_node(const struct tmsg_node *a, const struct tmsg_node *b)
{
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->ip, b->ip);
	assert_string_equal(a->external_ip, b->external_ip);
	assert_string_equal(a->management_ip, b->management_ip);
	assert_string_equal(a->node_type, b->node_type);
	assert_string_equal(a->node_function, b->node_function);
	assert_int_equal(a->active, b->active);
	assert_int_equal(a->configured, b->configured);
	assert_string_equal(a->agent_id, b->agent_id);
	assert_string_equal(a->hostname, b->hostname);
	assert_true(a->port_id == b->port_id);
	assert_true(a->last_seen == b->last_seen);
}

static void
cmp_status(const struct tmsg_sched_status *a,
    const struct tmsg_sched_status *b)
{
	assert_true(a->instance == b->instance);
	assert_string_equal(a->framework_id, b->framework_id);
	assert_string_equal(a->mesos_state, b->mesos_state);
	assert_string_equal(a->master, b->master);
	assert_true(a->connected_since == b->connected_since);
	assert_true(a->last_reconcile == b->last_reconcile);
	assert_true(a->offers_received == b->offers_received);
	assert_true(a->offers_declined == b->offers_declined);
	assert_true(a->tasks_launched == b->tasks_launched);
	assert_true(a->updates_received == b->updates_received);
	assert_true(a->subscribes == b->subscribes);
}

static void
cmp_route(const struct tmsg_route_entry *a, const struct tmsg_route_entry *b)
{
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->key, b->key);
	assert_string_equal(a->value, b->value);
	assert_string_equal(a->status, b->status);
	assert_string_equal(a->last_error, b->last_error);
	assert_int_equal(a->attempts, b->attempts);
	assert_true(a->last_change == b->last_change);
}

static void
cmp_msg(const struct tmsg *a, const struct tmsg *b)
{
	uint32_t i;

	assert_int_equal(a->type, b->type);
	assert_true(a->seq == b->seq);
	switch (a->type) {
	case TMSG_ERROR:
		assert_int_equal(a->u.error.code, b->u.error.code);
		assert_string_equal(a->u.error.message, b->u.error.message);
		break;
	case TMSG_SVC_UPDATE:
	case TMSG_CTL_ANNOUNCE:
		cmp_service(&a->u.svc, &b->u.svc);
		break;
	case TMSG_SVC_REMOVE:
	case TMSG_CTL_START_GROUP:
	case TMSG_CTL_KILL:
		assert_string_equal(a->u.name.name, b->u.name.name);
		break;
	case TMSG_NODE_UPDATE:
		cmp_node(&a->u.node, &b->u.node);
		break;
	case TMSG_SCHED_STATUS:
		cmp_status(&a->u.status, &b->u.status);
		break;
	case TMSG_SYNC_REP:
		assert_true(a->u.snap.seq == b->u.snap.seq);
		cmp_status(&a->u.snap.status, &b->u.snap.status);
		assert_int_equal(a->u.snap.n_nodes, b->u.snap.n_nodes);
		for (i = 0; i < a->u.snap.n_nodes; i++)
			cmp_node(&a->u.snap.nodes[i], &b->u.snap.nodes[i]);
		assert_int_equal(a->u.snap.n_services, b->u.snap.n_services);
		for (i = 0; i < a->u.snap.n_services; i++)
			cmp_service(&a->u.snap.services[i],
			    &b->u.snap.services[i]);
		break;
	case TMSG_QUERY_REQ:
		assert_int_equal(a->u.query.what, b->u.query.what);
		break;
	case TMSG_QUERY_REP:
		assert_int_equal(a->u.query_rep.n_nodes,
		    b->u.query_rep.n_nodes);
		for (i = 0; i < a->u.query_rep.n_nodes; i++)
			cmp_node(&a->u.query_rep.nodes[i],
			    &b->u.query_rep.nodes[i]);
		assert_int_equal(a->u.query_rep.n_services,
		    b->u.query_rep.n_services);
		for (i = 0; i < a->u.query_rep.n_services; i++)
			cmp_service(&a->u.query_rep.services[i],
			    &b->u.query_rep.services[i]);
		break;
	case TMSG_CTL_RESULT:
		assert_int_equal(a->u.result.code, b->u.result.code);
		assert_string_equal(a->u.result.message,
		    b->u.result.message);
		assert_int_equal(a->u.result.n_names, b->u.result.n_names);
		for (i = 0; i < a->u.result.n_names; i++)
			assert_string_equal(a->u.result.names[i],
			    b->u.result.names[i]);
		break;
	case TMSG_ROUTED_STATUS_REP:
		assert_int_equal(a->u.routed.n_dns, b->u.routed.n_dns);
		for (i = 0; i < a->u.routed.n_dns; i++)
			cmp_route(&a->u.routed.dns[i], &b->u.routed.dns[i]);
		assert_int_equal(a->u.routed.n_routes, b->u.routed.n_routes);
		for (i = 0; i < a->u.routed.n_routes; i++)
			cmp_route(&a->u.routed.routes[i],
			    &b->u.routed.routes[i]);
		assert_int_equal(a->u.routed.n_systems,
		    b->u.routed.n_systems);
		for (i = 0; i < a->u.routed.n_systems; i++) {
			const struct tmsg_system_status *x, *y;

			x = &a->u.routed.systems[i];
			y = &b->u.routed.systems[i];
			assert_string_equal(x->name, y->name);
			assert_int_equal(x->reachable, y->reachable);
			assert_true(x->last_success == y->last_success);
			assert_string_equal(x->last_error, y->last_error);
		}
		break;
	case TMSG_SYNC_REQ:
	case TMSG_CTL_FORGET_FRAMEWORK:
	case TMSG_ROUTED_STATUS_REQ:
		break;
	}
}

static void
encode_ok(const struct tmsg *m, void **buf, size_t *len)
{
	char err[256] = "";
	int rc = tmsg_encode(m, buf, len, err, sizeof(err));

	if (rc != 0)
		fail_msg("encode %s: %s", tmsg_type_name(m->type), err);
}

static void
decode_ok(const void *buf, size_t len, struct tmsg *m)
{
	char err[256] = "";

	if (tmsg_decode(buf, len, m, err, sizeof(err)) != 0)
		fail_msg("decode: %s", err);
}

/* Decoding must fail, leave m zeroed, and say something containing want. */
static void
decode_fails(const void *buf, size_t len, const char *want)
{
	static const struct tmsg zero;
	struct tmsg m;
	char err[256] = "";

	memset(&m, 0xa5, sizeof(m));
	if (tmsg_decode(buf, len, &m, err, sizeof(err)) == 0) {
		tmsg_free(&m);
		fail_msg("decoded; expected an error containing \"%s\"", want);
	}
	assert_memory_equal(&m, &zero, sizeof(m));
	if (want != NULL && strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

static void
write_corpus(const struct tmsg *m, const void *buf, size_t len)
{
	const char *dir = getenv("TORC_IPC_CORPUS_DIR");
	char path[4096], err[256];

	if (dir == NULL || *dir == '\0')
		return;
	snprintf(path, sizeof(path), "%s/%s.bin", dir,
	    tmsg_type_name(m->type));
	if (atomic_write_file(path, buf, len, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void
test_round_trip(void **state)
{
	enum tmsg_type type = (enum tmsg_type)(intptr_t)*state;
	struct tmsg a, b;
	void *buf1, *buf2;
	size_t len1, len2;

	build(type, &a);
	encode_ok(&a, &buf1, &len1);
	decode_ok(buf1, len1, &b);
	cmp_msg(&a, &b);
	encode_ok(&b, &buf2, &len2);
	assert_int_equal(len1, len2);
	assert_memory_equal(buf1, buf2, len1);
	write_corpus(&a, buf1, len1);
	free(buf1);
	free(buf2);
	tmsg_free(&a);
	tmsg_free(&b);
}

/*
 * A packed service is the same service (it encodes to the same bytes),
 * lives in one block (free() alone releases it: ASan's leak check) and
 * shares nothing with the original.
 */
static void
test_service_pack(void **state)
{
	struct tmsg a = { .type = TMSG_SVC_UPDATE, .seq = 7 }, b;
	struct tmsg_service *p;
	void *ba, *bb;
	size_t la, lb;
	char err[256];

	(void)state;
	fill_service(&a.u.svc, 3);
	p = tmsg_service_pack(&a.u.svc);
	b = a;
	b.u.svc = *p;
	assert_int_equal(tmsg_encode(&a, &ba, &la, err, sizeof(err)), 0);
	assert_int_equal(tmsg_encode(&b, &bb, &lb, err, sizeof(err)), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(ba, bb, la);
	assert_ptr_not_equal(p->name, a.u.svc.name);
	assert_ptr_not_equal(p->volumes, a.u.svc.volumes);
	assert_string_equal(p->volumes[1].container_path,
	    a.u.svc.volumes[1].container_path);
	/* Everything inside the one block. */
	assert_true((char *)p->volumes > (char *)p &&
	    (char *)p->volumes + 2 * sizeof(*p->volumes) <= p->name);
	free(ba);
	free(bb);
	free(p);
	/* NULL strings and no volumes. */
	tmsg_service_free(&a.u.svc);
	a.u.svc.name = xstrdup("bare");
	p = tmsg_service_pack(&a.u.svc);
	assert_string_equal(p->name, "bare");
	assert_string_equal(p->image, "");
	assert_null(p->volumes);
	assert_int_equal(p->n_volumes, 0);
	free(p);
	tmsg_free(&a);
}

static void
test_type_names(void **state)
{
	size_t i, n = 0;
	int t;

	(void)state;
	for (t = -5; t < 300; t++)
		if (tmsg_type_valid(t))
			n++;
	/* A new type needs a round-trip test: all_types must list it. */
	assert_int_equal(n, nitems(all_types));
	for (i = 0; i < nitems(all_types); i++) {
		const char *topic = tmsg_topic(all_types[i]);

		assert_true(tmsg_type_valid((int)all_types[i]));
		assert_string_not_equal(tmsg_type_name(all_types[i]), "?");
		switch (all_types[i]) {
		case TMSG_SVC_UPDATE:
		case TMSG_SVC_REMOVE:
			assert_string_equal(topic, TMSG_TOPIC_SVC);
			break;
		case TMSG_NODE_UPDATE:
			assert_string_equal(topic, TMSG_TOPIC_NODE);
			break;
		case TMSG_SCHED_STATUS:
			assert_string_equal(topic, TMSG_TOPIC_SCHED);
			break;
		default:
			assert_null(topic);
		}
	}
	assert_string_equal(tmsg_type_name(TMSG_SVC_UPDATE), "SVC_UPDATE");
	assert_string_equal(tmsg_type_name((enum tmsg_type)99), "?");
	assert_null(tmsg_topic((enum tmsg_type)99));
}

static void
test_enum_names(void **state)
{
	int v;

	(void)state;
	for (v = TSVC_PENDING; v <= TSVC_LOST; v++) {
		const char *n = tmsg_svc_state_name((enum tmsg_svc_state)v);

		assert_string_not_equal(n, "?");
		assert_int_equal(tmsg_svc_state_parse(n), v);
	}
	for (v = TSVC_KIND_SYSTEM; v <= TSVC_KIND_ANNOUNCED; v++) {
		const char *n = tmsg_svc_kind_name((enum tmsg_svc_kind)v);

		assert_string_not_equal(n, "?");
		assert_int_equal(tmsg_svc_kind_parse(n), v);
	}
	for (v = TSLA_NONE; v <= TSLA_SINGLETON_EACH_SLAVE; v++) {
		const char *n = tmsg_sla_name((enum tmsg_sla)v);

		assert_string_not_equal(n, "?");
		assert_int_equal(tmsg_sla_parse(n), v);
	}
	for (v = TQUERY_NODES; v <= TQUERY_PENDING; v++) {
		const char *n = tmsg_query_name((enum tmsg_query_what)v);

		assert_string_not_equal(n, "?");
		assert_int_equal(tmsg_query_parse(n), v);
	}
	assert_string_equal(tmsg_svc_state_name(TSVC_RUNNING), "running");
	assert_string_equal(tmsg_svc_kind_name(TSVC_KIND_SYSTEM), "system");
	assert_string_equal(tmsg_sla_name(TSLA_SINGLETON_EACH_NODE),
	    "singleton_each_node");
	assert_string_equal(tmsg_query_name(TQUERY_NODES), "nodes");
	assert_string_equal(tmsg_svc_state_name((enum tmsg_svc_state)42),
	    "?");
	assert_int_equal(tmsg_svc_state_parse("Running"), -1);
	assert_int_equal(tmsg_sla_parse(""), -1);
	assert_int_equal(tmsg_query_parse(NULL), -1);
}

/* Hand-made messages. */

struct mp {
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
};

/* Start a message: topic (or NULL), then an envelope of nelem items. */
static msgpack_packer *
mp_begin(struct mp *p, const char *topic, uint32_t nelem, uint64_t version,
    uint64_t type, uint64_t seq)
{
	msgpack_sbuffer_init(&p->sb);
	msgpack_packer_init(&p->pk, &p->sb, msgpack_sbuffer_write);
	if (topic != NULL)
		msgpack_sbuffer_write(&p->sb, topic, strlen(topic));
	msgpack_pack_array(&p->pk, nelem);
	if (nelem > 0)
		msgpack_pack_uint64(&p->pk, version);
	if (nelem > 1)
		msgpack_pack_uint64(&p->pk, type);
	if (nelem > 2)
		msgpack_pack_uint64(&p->pk, seq);
	return &p->pk;
}

static void
mp_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str_with_body(pk, s, strlen(s));
}

static void
mp_end(struct mp *p)
{
	msgpack_sbuffer_destroy(&p->sb);
}

/* An SVC_UPDATE whose payload is the single pair key: <packed by fn>. */
static void
svc_with(struct mp *p, const char *key, void (*fn)(msgpack_packer *))
{
	msgpack_packer *pk = mp_begin(p, TMSG_TOPIC_SVC, 4, TMSG_VERSION,
	    TMSG_SVC_UPDATE, 1);

	msgpack_pack_map(pk, 1);
	mp_str(pk, key);
	fn(pk);
}

static void
test_wrong_version(void **state)
{
	struct mp p;

	(void)state;
	msgpack_pack_map(mp_begin(&p, TMSG_TOPIC_SVC, 4, 2, TMSG_SVC_UPDATE,
	    1), 0);
	decode_fails(p.sb.data, p.sb.size, "unsupported version 2");
	mp_end(&p);
	msgpack_pack_map(mp_begin(&p, NULL, 4, 0, TMSG_SYNC_REQ, 1), 0);
	decode_fails(p.sb.data, p.sb.size, "unsupported version 0");
	mp_end(&p);
}

static void
test_unknown_type(void **state)
{
	struct mp p;

	(void)state;
	msgpack_pack_map(mp_begin(&p, NULL, 4, TMSG_VERSION, 99, 1), 0);
	decode_fails(p.sb.data, p.sb.size, "unknown message type 99");
	mp_end(&p);
	msgpack_pack_map(mp_begin(&p, NULL, 4, TMSG_VERSION,
	    (uint64_t)1 << 40, 1), 0);
	decode_fails(p.sb.data, p.sb.size, "unknown message type");
	mp_end(&p);
}

static void
test_truncated(void **state)
{
	struct tmsg a;
	void *buf;
	size_t len, i;
	unsigned char *copy;

	(void)state;
	build(TMSG_SYNC_REP, &a);
	encode_ok(&a, &buf, &len);
	for (i = 0; i < len; i++) {
		/* An exact-size copy, so ASan sees any read past the end. */
		copy = xmalloc(i + 1);
		memcpy(copy, buf, i);
		decode_fails(copy, i, NULL);
		free(copy);
	}
	decode_fails(buf, len - 1, "truncated");
	decode_fails(buf, 2, "truncated");
	decode_fails(buf, 0, "empty");
	free(buf);
	tmsg_free(&a);
}

static void
test_trailing(void **state)
{
	struct tmsg a;
	void *buf;
	size_t len;
	unsigned char *b;

	(void)state;
	build(TMSG_NODE_UPDATE, &a);
	encode_ok(&a, &buf, &len);
	b = xmalloc(len + 1);
	memcpy(b, buf, len);
	b[len] = 0xc0;
	decode_fails(b, len + 1, "1 trailing bytes");
	free(b);
	free(buf);
	tmsg_free(&a);
}

static void
test_oversize(void **state)
{
	size_t len = (size_t)TMSG_MAX_SIZE + 1;
	unsigned char *b = calloc(len, 1);

	(void)state;
	assert_non_null(b);
	b[0] = 0x94;
	decode_fails(b, len, "exceeds");
	free(b);
}

/* The encoding of m with its topic replaced by topic (NULL: none). */
static unsigned char *
retopic(enum tmsg_type type, const char *topic, size_t *outlen)
{
	struct tmsg a;
	void *buf;
	size_t len, old, tl = topic != NULL ? strlen(topic) : 0;
	unsigned char *b;

	build(type, &a);
	encode_ok(&a, &buf, &len);
	old = tmsg_topic(type) != NULL ? strlen(tmsg_topic(type)) : 0;
	b = xmalloc(len - old + tl);
	if (tl > 0)
		memcpy(b, topic, tl);
	memcpy(b + tl, (char *)buf + old, len - old);
	*outlen = len - old + tl;
	free(buf);
	tmsg_free(&a);
	return b;
}

static void
test_topic_mismatch(void **state)
{
	unsigned char *b;
	size_t len;

	(void)state;
	b = retopic(TMSG_SVC_UPDATE, "node.", &len);
	decode_fails(b, len, "topic \"node.\" does not match type SVC_UPDATE");
	free(b);
	b = retopic(TMSG_SCHED_STATUS, "route.", &len);
	decode_fails(b, len, "does not match");
	free(b);
	b = retopic(TMSG_NODE_UPDATE, "node", &len);
	decode_fails(b, len, "malformed topic");
	free(b);
	/* The longest topic is 32 bytes, dot included. */
	b = retopic(TMSG_NODE_UPDATE, "abcdefghijklmnopqrstuvwxyz01234.",
	    &len);
	decode_fails(b, len, "topic \"abcdefghijklmnopqrstuvwxyz01234.\" "
	    "does not match");
	free(b);
	b = retopic(TMSG_NODE_UPDATE, "abcdefghijklmnopqrstuvwxyz012345.",
	    &len);
	decode_fails(b, len, "malformed topic");
	free(b);
}

static void
test_missing_topic(void **state)
{
	unsigned char *b;
	size_t len;

	(void)state;
	b = retopic(TMSG_SVC_REMOVE, NULL, &len);
	decode_fails(b, len, "missing topic \"svc.\"");
	free(b);
}

static void
test_topic_on_request(void **state)
{
	unsigned char *b;
	size_t len;

	(void)state;
	b = retopic(TMSG_SYNC_REQ, "svc.", &len);
	decode_fails(b, len, "unexpected topic \"svc.\" on SYNC_REQ");
	free(b);
}

static void
pack_lots(msgpack_packer *pk)
{
	mp_str(pk, "lots");
}

static void
pack_dancing(msgpack_packer *pk)
{
	mp_str(pk, "dancing");
}

static void
pack_minus_one(msgpack_packer *pk)
{
	msgpack_pack_int64(pk, -1);
}

static void
pack_int(msgpack_packer *pk)
{
	msgpack_pack_int64(pk, 2048);
}

static void
pack_nil(msgpack_packer *pk)
{
	msgpack_pack_nil(pk);
}

static void
test_wrong_field_type(void **state)
{
	struct mp p;

	(void)state;
	svc_with(&p, "memory", pack_lots);
	decode_fails(p.sb.data, p.sb.size,
	    "svc.memory: expected number, got string");
	mp_end(&p);
	svc_with(&p, "name", pack_minus_one);
	decode_fails(p.sb.data, p.sb.size,
	    "svc.name: expected string, got integer");
	mp_end(&p);
	svc_with(&p, "privileged", pack_nil);
	decode_fails(p.sb.data, p.sb.size,
	    "svc.privileged: expected boolean, got nil");
	mp_end(&p);
	svc_with(&p, "volumes", pack_lots);
	decode_fails(p.sb.data, p.sb.size,
	    "svc.volumes: expected array, got string");
	mp_end(&p);
	svc_with(&p, "last_update", pack_lots);
	decode_fails(p.sb.data, p.sb.size,
	    "svc.last_update: expected integer, got string");
	mp_end(&p);
}

static void
test_unknown_enum(void **state)
{
	struct mp p;

	(void)state;
	svc_with(&p, "state", pack_dancing);
	decode_fails(p.sb.data, p.sb.size,
	    "svc.state: unknown value \"dancing\"");
	mp_end(&p);
	svc_with(&p, "sla", pack_int);
	decode_fails(p.sb.data, p.sb.size,
	    "svc.sla: expected string, got integer");
	mp_end(&p);
}

static void
test_negative_unsigned(void **state)
{
	struct mp p;
	msgpack_packer *pk;

	(void)state;
	svc_with(&p, "restarts", pack_minus_one);
	decode_fails(p.sb.data, p.sb.size,
	    "svc.restarts: negative value -1");
	mp_end(&p);
	pk = mp_begin(&p, TMSG_TOPIC_SCHED, 4, TMSG_VERSION,
	    TMSG_SCHED_STATUS, 1);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "instance");
	msgpack_pack_int64(pk, INT64_MIN);
	decode_fails(p.sb.data, p.sb.size, "status.instance: negative");
	mp_end(&p);
	/* A uint32 field given a value past 2^32 - 1. */
	pk = mp_begin(&p, TMSG_TOPIC_SVC, 4, TMSG_VERSION, TMSG_SVC_UPDATE,
	    1);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "restarts");
	msgpack_pack_uint64(pk, (uint64_t)UINT32_MAX + 1);
	decode_fails(p.sb.data, p.sb.size,
	    "svc.restarts: value 4294967296 out of range");
	mp_end(&p);
	/* And a negative seq in the envelope. */
	pk = mp_begin(&p, NULL, 2, TMSG_VERSION, TMSG_SYNC_REQ, 0);
	msgpack_pack_int64(pk, -5);	/* seq */
	msgpack_pack_map(pk, 0);
	p.sb.data[0] = (char)0x94;	/* the header said 2; it has 4 */
	decode_fails(p.sb.data, p.sb.size,
	    "envelope seq: expected unsigned integer");
	mp_end(&p);
}

static void
test_list_too_long(void **state)
{
	struct mp p;
	msgpack_packer *pk;
	uint32_t i, n = TMSG_MAX_LIST + 1;

	(void)state;
	pk = mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_CTL_RESULT, 7);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "names");
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++)
		mp_str(pk, "");
	decode_fails(p.sb.data, p.sb.size,
	    "result.names: list of 1000001 entries exceeds 1000000");
	mp_end(&p);
}

static void
test_declared_length_beyond_buffer(void **state)
{
	struct mp p;
	msgpack_packer *pk;

	(void)state;
	/* 4 billion services announced in a few bytes. */
	pk = mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_SYNC_REP, 7);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "services");
	msgpack_pack_array(pk, UINT32_MAX);
	msgpack_pack_map(pk, 0);
	decode_fails(p.sb.data, p.sb.size, "truncated");
	mp_end(&p);
	/* A string whose length runs past the end. */
	pk = mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_CTL_KILL, 7);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "name");
	msgpack_pack_str(pk, 1000);
	decode_fails(p.sb.data, p.sb.size, "truncated");
	mp_end(&p);
}

static void
test_not_an_array(void **state)
{
	struct mp p;
	static const unsigned char reserved[] = { 0xc1 };

	(void)state;
	msgpack_sbuffer_init(&p.sb);
	msgpack_packer_init(&p.pk, &p.sb, msgpack_sbuffer_write);
	msgpack_pack_map(&p.pk, 0);
	decode_fails(p.sb.data, p.sb.size, "envelope: expected array, got map");
	mp_end(&p);
	msgpack_sbuffer_init(&p.sb);
	msgpack_packer_init(&p.pk, &p.sb, msgpack_sbuffer_write);
	msgpack_pack_int64(&p.pk, 42);
	decode_fails(p.sb.data, p.sb.size,
	    "envelope: expected array, got integer");
	mp_end(&p);
	decode_fails(reserved, sizeof(reserved), "reserved byte 0xc1");
}

static void
test_array_of_three(void **state)
{
	struct mp p;

	(void)state;
	mp_begin(&p, NULL, 3, TMSG_VERSION, TMSG_SYNC_REQ, 1);
	decode_fails(p.sb.data, p.sb.size,
	    "envelope: expected 4 elements, got 3");
	mp_end(&p);
	msgpack_pack_map(mp_begin(&p, NULL, 5, TMSG_VERSION, TMSG_SYNC_REQ,
	    1), 0);
	msgpack_pack_nil(&p.pk);
	decode_fails(p.sb.data, p.sb.size,
	    "envelope: expected 4 elements, got 5");
	mp_end(&p);
	msgpack_pack_array(mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_SYNC_REQ,
	    1), 0);
	decode_fails(p.sb.data, p.sb.size, "payload: expected map, got array");
	mp_end(&p);
}

static void
test_unknown_keys_ignored(void **state)
{
	struct mp p;
	msgpack_packer *pk;
	struct tmsg m;

	(void)state;
	pk = mp_begin(&p, TMSG_TOPIC_SVC, 4, TMSG_VERSION, TMSG_SVC_UPDATE,
	    5);
	msgpack_pack_map(pk, 5);
	mp_str(pk, "future_list");
	msgpack_pack_array(pk, 2);
	msgpack_pack_int64(pk, 1);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "a");
	msgpack_pack_bin_with_body(pk, "\0\1", 2);
	mp_str(pk, "name");
	mp_str(pk, "x");
	mp_str(pk, "zzz");
	msgpack_pack_nil(pk);
	mp_str(pk, "state");
	mp_str(pk, "running");
	mp_str(pk, "volumes");
	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, 2);
	mp_str(pk, "read_only");
	msgpack_pack_true(pk);
	mp_str(pk, "mount_propagation");
	mp_str(pk, "rshared");
	decode_ok(p.sb.data, p.sb.size, &m);
	assert_int_equal(m.type, TMSG_SVC_UPDATE);
	assert_int_equal(m.seq, 5);
	assert_string_equal(m.u.svc.name, "x");
	assert_int_equal(m.u.svc.state, TSVC_RUNNING);
	assert_int_equal(m.u.svc.n_volumes, 1);
	assert_true(m.u.svc.volumes[0].read_only);
	assert_string_equal(m.u.svc.volumes[0].host_path, "");
	tmsg_free(&m);
	mp_end(&p);
}

static void
test_missing_keys_default(void **state)
{
	struct mp p;
	struct tmsg m;

	(void)state;
	msgpack_pack_map(mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_SYNC_REP,
	    3), 0);
	decode_ok(p.sb.data, p.sb.size, &m);
	assert_int_equal(m.u.snap.seq, 0);
	assert_non_null(m.u.snap.status.framework_id);
	assert_string_equal(m.u.snap.status.master, "");
	assert_int_equal(m.u.snap.n_nodes, 0);
	assert_int_equal(m.u.snap.n_services, 0);
	tmsg_free(&m);
	mp_end(&p);
	msgpack_pack_map(mp_begin(&p, TMSG_TOPIC_SVC, 4, TMSG_VERSION,
	    TMSG_SVC_UPDATE, 3), 0);
	decode_ok(p.sb.data, p.sb.size, &m);
	assert_string_equal(m.u.svc.name, "");
	assert_string_equal(m.u.svc.last_failure, "");
	assert_int_equal(m.u.svc.state, TSVC_PENDING);
	assert_int_equal(m.u.svc.kind, TSVC_KIND_SYSTEM);
	tmsg_free(&m);
	mp_end(&p);
}

static void
test_null_strings(void **state)
{
	struct tmsg a, b;
	struct tmsg_volume vol = { NULL, NULL, true };
	void *buf;
	size_t len;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.type = TMSG_CTL_ANNOUNCE;
	a.seq = 1;
	a.u.svc.volumes = &vol;
	a.u.svc.n_volumes = 1;
	encode_ok(&a, &buf, &len);
	decode_ok(buf, len, &b);
	assert_string_equal(b.u.svc.name, "");
	assert_string_equal(b.u.svc.image, "");
	assert_string_equal(b.u.svc.ip, "");
	assert_string_equal(b.u.svc.volumes[0].host_path, "");
	assert_true(b.u.svc.volumes[0].read_only);
	tmsg_free(&b);
	free(buf);

	memset(&a, 0, sizeof(a));
	a.type = TMSG_ERROR;
	encode_ok(&a, &buf, &len);
	decode_ok(buf, len, &b);
	assert_string_equal(b.u.error.message, "");
	tmsg_free(&b);
	free(buf);
}

static void
test_int32_range(void **state)
{
	struct mp p;
	msgpack_packer *pk;

	(void)state;
	pk = mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_ERROR, 1);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "code");
	msgpack_pack_int64(pk, (int64_t)1 << 40);
	decode_fails(p.sb.data, p.sb.size, "error.code: value");
	mp_end(&p);
	pk = mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_ERROR, 1);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "code");
	msgpack_pack_int64(pk, (int64_t)INT32_MIN - 1);
	decode_fails(p.sb.data, p.sb.size, "out of range");
	mp_end(&p);
	pk = mp_begin(&p, TMSG_TOPIC_NODE, 4, TMSG_VERSION,
	    TMSG_NODE_UPDATE, 1);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "port_id");
	msgpack_pack_uint64(pk, UINT64_MAX);
	decode_fails(p.sb.data, p.sb.size, "node.port_id: value");
	mp_end(&p);
}

static void
test_double_accepts_int(void **state)
{
	struct mp p;
	msgpack_packer *pk;
	struct tmsg m;

	(void)state;
	pk = mp_begin(&p, TMSG_TOPIC_SVC, 4, TMSG_VERSION, TMSG_SVC_UPDATE,
	    1);
	msgpack_pack_map(pk, 2);
	mp_str(pk, "memory");
	msgpack_pack_int64(pk, 2048);
	mp_str(pk, "cpu");
	msgpack_pack_float(pk, 0.5f);
	decode_ok(p.sb.data, p.sb.size, &m);
	assert_true(m.u.svc.memory == 2048.0);
	assert_true(m.u.svc.cpu == 0.5);
	tmsg_free(&m);
	mp_end(&p);
}

static void
test_duplicate_key(void **state)
{
	struct mp p;
	msgpack_packer *pk;

	(void)state;
	pk = mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_CTL_KILL, 1);
	msgpack_pack_map(pk, 2);
	mp_str(pk, "name");
	mp_str(pk, "a");
	mp_str(pk, "name");
	mp_str(pk, "b");
	decode_fails(p.sb.data, p.sb.size, "name.name: duplicate key");
	mp_end(&p);
}

static void
test_bad_strings(void **state)
{
	struct mp p;
	msgpack_packer *pk;
	static const char *const bad[] = {
		"\xff", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82",
	};
	size_t i;

	(void)state;
	pk = mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_CTL_KILL, 1);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "name");
	msgpack_pack_str_with_body(pk, "a\0b", 3);
	decode_fails(p.sb.data, p.sb.size, "name.name: string contains a NUL");
	mp_end(&p);
	for (i = 0; i < nitems(bad); i++) {
		pk = mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_CTL_KILL, 1);
		msgpack_pack_map(pk, 1);
		mp_str(pk, "name");
		mp_str(pk, bad[i]);
		decode_fails(p.sb.data, p.sb.size,
		    "name.name: invalid UTF-8");
		mp_end(&p);
	}
}

static void
test_long_string(void **state)
{
	struct mp p;
	msgpack_packer *pk;
	struct tmsg m;
	char *s;

	(void)state;
	s = xmalloc(TMSG_MAX_STR + 2);
	memset(s, 'a', TMSG_MAX_STR + 1);
	s[TMSG_MAX_STR + 1] = '\0';
	pk = mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_CTL_KILL, 1);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "name");
	mp_str(pk, s);
	decode_fails(p.sb.data, p.sb.size,
	    "name.name: string of 65537 bytes exceeds 65536");
	mp_end(&p);
	/* The encoder refuses what the decoder would. */
	memset(&m, 0, sizeof(m));
	m.type = TMSG_CTL_KILL;
	m.u.name.name = s;
	{
		void *buf = NULL;
		size_t len = 0;
		char err[256] = "";

		assert_int_equal(tmsg_encode(&m, &buf, &len, err,
		    sizeof(err)), -1);
		assert_null(buf);
		assert_non_null(strstr(err, "name.name: string of 65537"));
	}
	/* One byte shorter is fine. */
	s[TMSG_MAX_STR] = '\0';
	{
		void *buf;
		size_t len;
		struct tmsg b;

		encode_ok(&m, &buf, &len);
		decode_ok(buf, len, &b);
		assert_int_equal(strlen(b.u.name.name), TMSG_MAX_STR);
		tmsg_free(&b);
		free(buf);
	}
	free(s);
}

static void
test_nested_error_path(void **state)
{
	struct tmsg a;
	void *buf;
	size_t len;
	char err[256] = "";
	struct mp p;
	msgpack_packer *pk;

	(void)state;
	/* Encoder: an invalid enum deep inside a snapshot. */
	build(TMSG_SYNC_REP, &a);
	a.u.snap.services[2].state = (enum tmsg_svc_state)77;
	assert_int_equal(tmsg_encode(&a, &buf, &len, err, sizeof(err)), -1);
	assert_string_equal(err, "snapshot.services[2].state: invalid value 77");
	tmsg_free(&a);

	/* Decoder: a wrong type deep inside a snapshot. */
	pk = mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_SYNC_REP, 1);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "services");
	msgpack_pack_array(pk, 2);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "name");
	mp_str(pk, "first");
	msgpack_pack_map(pk, 2);
	mp_str(pk, "name");
	mp_str(pk, "second");
	mp_str(pk, "volumes");
	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "read_only");
	mp_str(pk, "yes");
	decode_fails(p.sb.data, p.sb.size, "snapshot.services[1].volumes[0]"
	    ".read_only: expected boolean, got string");
	mp_end(&p);

	pk = mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_CTL_RESULT, 1);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "names");
	msgpack_pack_array(pk, 2);
	mp_str(pk, "ok");
	msgpack_pack_true(pk);
	decode_fails(p.sb.data, p.sb.size,
	    "result.names[1]: expected string, got boolean");
	mp_end(&p);
}

static void
test_encode_rejects(void **state)
{
	struct tmsg m;
	void *buf = NULL;
	size_t len = 0;
	char err[256] = "";

	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = (enum tmsg_type)5;
	assert_int_equal(tmsg_encode(&m, &buf, &len, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown message type 5");
	m.type = TMSG_QUERY_REQ;
	m.u.query.what = (enum tmsg_query_what)-1;
	assert_int_equal(tmsg_encode(&m, &buf, &len, err, sizeof(err)), -1);
	assert_string_equal(err, "query.what: invalid value -1");
	memset(&m, 0, sizeof(m));
	m.type = TMSG_CTL_RESULT;
	m.u.result.n_names = 3;
	assert_int_equal(tmsg_encode(&m, &buf, &len, err, sizeof(err)), -1);
	assert_string_equal(err, "result.names: NULL list with 3 entries");
	assert_null(buf);
}

static void
test_copy(void **state)
{
	struct tmsg a;
	struct tmsg_service s;
	struct tmsg_node n;

	(void)state;
	build(TMSG_SVC_UPDATE, &a);
	tmsg_service_copy(&s, &a.u.svc);
	cmp_service(&a.u.svc, &s);
	assert_ptr_not_equal(s.name, a.u.svc.name);
	assert_ptr_not_equal(s.volumes, a.u.svc.volumes);
	assert_ptr_not_equal(s.volumes[1].host_path,
	    a.u.svc.volumes[1].host_path);
	tmsg_free(&a);
	assert_string_equal(s.volumes[1].host_path, "/etc/host-1");
	tmsg_service_free(&s);
	assert_null(s.name);
	assert_int_equal(s.n_volumes, 0);
	tmsg_service_free(NULL);

	fill_node(&n, 4);
	{
		struct tmsg_node c;

		tmsg_node_copy(&c, &n);
		cmp_node(&n, &c);
		tmsg_node_free(&n);
		assert_string_equal(c.name, "wedge-4");
		tmsg_node_free(&c);
	}
	tmsg_node_free(NULL);
	tmsg_free(NULL);
}

static void
test_json(void **state)
{
	struct tmsg a;
	char *s;
	json_t *j;
	json_error_t jerr;

	(void)state;
	build(TMSG_SVC_UPDATE, &a);
	s = tmsg_to_json(&a);
	assert_non_null(s);
	assert_null(strchr(s, '\n'));
	assert_non_null(strstr(s, "{\"topic\":\"svc.\",\"type\":\"SVC_UPDATE\","
	    "\"seq\":81985529216486895,\"payload\":{\"name\":\"pcp-wedge-1\""));
	assert_non_null(strstr(s, "\"state\":\"restarting\""));
	assert_non_null(strstr(s, "\"sla\":\"singleton_each_slave\""));
	assert_non_null(strstr(s, "\"kind\":\"announced\""));
	j = json_loads(s, 0, &jerr);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "payload"), "restarts")), 3999999999);
	assert_true(json_is_array(json_object_get(json_object_get(j,
	    "payload"), "volumes")));
	json_decref(j);
	free(s);
	tmsg_free(&a);

	build(TMSG_SCHED_STATUS, &a);
	s = tmsg_to_json(&a);
	assert_non_null(strstr(s, "\"instance\":\"18446744073709551615\""));
	free(s);
	tmsg_free(&a);

	build(TMSG_CTL_FORGET_FRAMEWORK, &a);
	a.seq = 3;
	s = tmsg_to_json(&a);
	assert_string_equal(s, "{\"topic\":null,\"type\":\"CTL_FORGET_FRAMEWORK"
	    "\",\"seq\":3,\"payload\":{}}");
	free(s);

	/* Hand-built oddities still render. */
	memset(&a, 0, sizeof(a));
	a.type = TMSG_ERROR;
	a.u.error.message = (char *)"bad \xff byte";
	s = tmsg_to_json(&a);
	assert_non_null(strstr(s, "\"message\":\"bad ? byte\""));
	free(s);
}

static void
test_non_string_key(void **state)
{
	struct mp p;
	msgpack_packer *pk;

	(void)state;
	pk = mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_CTL_KILL, 1);
	msgpack_pack_map(pk, 1);
	msgpack_pack_int64(pk, 1);
	mp_str(pk, "x");
	decode_fails(p.sb.data, p.sb.size, "name: key of type integer");
	mp_end(&p);
}

static void
test_deep_nesting(void **state)
{
	struct mp p;
	msgpack_packer *pk;
	int i;

	(void)state;
	pk = mp_begin(&p, NULL, 4, TMSG_VERSION, TMSG_CTL_KILL, 1);
	msgpack_pack_map(pk, 1);
	mp_str(pk, "future");
	for (i = 0; i < 100; i++)
		msgpack_pack_array(pk, 1);
	msgpack_pack_nil(pk);
	decode_fails(p.sb.data, p.sb.size, "malformed msgpack");
	mp_end(&p);
}

static void
test_seed_corpus(void **state)
{
	const char *root = getenv("TORC_ROOT");
	char path[4096], err[256];
	size_t i, len;
	char *buf;
	struct tmsg m;

	(void)state;
	for (i = 0; i < nitems(all_types); i++) {
		snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/ipc/%s.bin",
		    root != NULL ? root : ".", tmsg_type_name(all_types[i]));
		if (read_file(path, TMSG_MAX_SIZE, &buf, &len, err,
		    sizeof(err)) != 0)
			fail_msg("%s", err);
		decode_ok(buf, len, &m);
		assert_int_equal(m.type, all_types[i]);
		tmsg_free(&m);
		free(buf);
	}
}

#define RT(t, s)	{ s, test_round_trip, NULL, NULL, (void *)(intptr_t)(t) }
#define T(f, s)		{ s, f, NULL, NULL, NULL }

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		RT(TMSG_ERROR, "an ERROR round-trips byte-identically"),
		RT(TMSG_SVC_UPDATE,
		    "an SVC_UPDATE round-trips byte-identically"),
		RT(TMSG_SVC_REMOVE,
		    "an SVC_REMOVE round-trips byte-identically"),
		RT(TMSG_NODE_UPDATE,
		    "a NODE_UPDATE round-trips byte-identically"),
		RT(TMSG_SCHED_STATUS,
		    "a SCHED_STATUS round-trips byte-identically"),
		RT(TMSG_SYNC_REQ, "a SYNC_REQ round-trips byte-identically"),
		RT(TMSG_SYNC_REP, "a SYNC_REP round-trips byte-identically"),
		RT(TMSG_QUERY_REQ,
		    "a QUERY_REQ round-trips byte-identically"),
		RT(TMSG_QUERY_REP,
		    "a QUERY_REP round-trips byte-identically"),
		RT(TMSG_CTL_START_GROUP,
		    "a CTL_START_GROUP round-trips byte-identically"),
		RT(TMSG_CTL_KILL, "a CTL_KILL round-trips byte-identically"),
		RT(TMSG_CTL_ANNOUNCE,
		    "a CTL_ANNOUNCE round-trips byte-identically"),
		RT(TMSG_CTL_FORGET_FRAMEWORK,
		    "a CTL_FORGET_FRAMEWORK round-trips byte-identically"),
		RT(TMSG_CTL_RESULT,
		    "a CTL_RESULT round-trips byte-identically"),
		RT(TMSG_ROUTED_STATUS_REQ,
		    "a ROUTED_STATUS_REQ round-trips byte-identically"),
		RT(TMSG_ROUTED_STATUS_REP,
		    "a ROUTED_STATUS_REP round-trips byte-identically"),
		T(test_type_names, "every type has a name and only published "
		    "types have a topic"),
		T(test_enum_names, "every enum value has a name that parses "
		    "back"),
		T(test_wrong_version, "a wrong version is rejected"),
		T(test_unknown_type, "an unknown type is rejected"),
		T(test_truncated, "every truncated prefix of a message is "
		    "rejected cleanly"),
		T(test_trailing, "trailing bytes are rejected"),
		T(test_oversize, "an oversize message is rejected"),
		T(test_topic_mismatch, "a topic that does not match the type "
		    "is rejected"),
		T(test_missing_topic, "a published type without its topic is "
		    "rejected"),
		T(test_topic_on_request, "a topic on a request type is "
		    "rejected"),
		T(test_wrong_field_type, "a field of the wrong type is "
		    "rejected and named"),
		T(test_unknown_enum, "an unknown enum string is rejected"),
		T(test_negative_unsigned, "a negative or too large value for "
		    "an unsigned field is rejected"),
		T(test_list_too_long, "a list longer than the limit is "
		    "rejected"),
		T(test_declared_length_beyond_buffer, "a declared length "
		    "beyond the buffer is rejected"),
		T(test_not_an_array, "a message that is not an array is "
		    "rejected"),
		T(test_array_of_three, "an envelope without exactly four "
		    "elements is rejected"),
		T(test_unknown_keys_ignored, "unknown payload keys are "
		    "ignored"),
		T(test_missing_keys_default, "missing keys decode as zero "
		    "values and empty strings"),
		T(test_null_strings, "NULL strings encode as empty strings"),
		T(test_int32_range, "a signed value out of range is rejected"),
		T(test_double_accepts_int, "a number field accepts integers "
		    "and float32"),
		T(test_duplicate_key, "a duplicate key is rejected"),
		T(test_bad_strings, "strings with a NUL byte or invalid UTF-8 "
		    "are rejected"),
		T(test_long_string, "a string over the limit is refused both "
		    "ways"),
		T(test_nested_error_path, "errors inside lists name the "
		    "element"),
		T(test_encode_rejects, "the encoder refuses unknown types, "
		    "enum values and NULL lists"),
		T(test_copy, "a deep copy owns its strings"),
		T(test_service_pack, "a packed service is the same service in "
		    "one block"),
		T(test_json, "JSON shows topic, type, seq and payload on one "
		    "line"),
		T(test_non_string_key, "a non-string map key is rejected"),
		T(test_deep_nesting, "nesting deeper than the unpacker allows "
		    "is rejected"),
		T(test_seed_corpus, "the fuzz seed corpus holds one decodable "
		    "message per type"),
	};

	return cmocka_run_group_tests_name("ipc", tests, NULL, NULL);
}
