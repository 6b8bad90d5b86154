/*
 * test_sched_wire.c - the Mesos wire of torc-schedd
 * (torc-schedd/sched_mesos_wire.c): every Call encoder, checked against
 * the reference's byte vector where there is one and decoded again field
 * by field otherwise; the Event decoder on good events and on each kind
 * of bad input; the docker inspect reader.
 *
 * With "--dump DIR" it writes one encoded Call of each kind into DIR
 * instead (tests/golden/mesos_upstream.sh decodes them with the upstream
 * schema).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "torc-schedd/sched_mesos_wire.h"
#include "mesos/mesos.pb-c.h"
#include "mesos/scheduler.pb-c.h"

typedef Mesos__V1__Scheduler__Call	Call;
typedef Mesos__V1__Scheduler__Event	Event;

#define FWID	"a49a6f78-be84-4473-bc7a-94d0864671bd-0001"
#define AGENT	"a49a6f78-be84-4473-bc7a-94d0864671bd-S3"

static const uint8_t uuid16[16] = {
	0x13, 0x0a, 0xe4, 0xe3, 0x6b, 0x13, 0x4e, 0xf4,
	0xba, 0xa9, 0x9f, 0x2e, 0x85, 0xc3, 0xe9, 0xaf,
};

static const struct mesos_fwinfo fwinfo = {
	.user = "root",
	.name = "torc-scheduler",
	.hostname = "wedge",
	.role = "*",
	.failover_timeout = 604800,
};

static const struct mesos_volume vols[] = {
	{ "/sys", "/sys", true },
	{ "/var/log", "/var/log", false },
};

static const struct mesos_task_spec tasks[] = {
	{
		.task_id = "pcp.0c5a2d61-8f7e-4f0b-9a53-21b4c3d2e1f0",
		.name = "pcp",
		.agent_id = AGENT,
		.image = "attinnovate/charmander-pcp",
		.privileged = true,
		.network_type = "host",
		.parameters = "--ipc=host --cap-add=SYS_ADMIN",
		.arguments = "-v 'a b'",
		.volumes = vols,
		.n_volumes = 2,
		.cpus = 0.2,
		.mem = 128,
		.label_service = "pcp",
	},
	{
		.task_id = "dns-sl1.7d1e2f3a-0000-4000-8000-00000000abcd",
		.name = "dns-sl1",
		.agent_id = AGENT,
		.image = "bind9",
		.network_type = "torc",
		.cpus = 0.2,
		.mem = 128,
		.label_service = "dns-sl1",
		.label_group = "dns-sl",
	},
};

static const char *const offer_ids[] = {
	"a49a6f78-be84-4473-bc7a-94d0864671bd-O7",
	"a49a6f78-be84-4473-bc7a-94d0864671bd-O8",
};

static const struct mesos_task_ref refs[] = {
	{ "pcp.0c5a2d61-8f7e-4f0b-9a53-21b4c3d2e1f0", AGENT },
	{ "dns.6a1f0c2e-0000-4000-8000-000000000001", "" },
};

static Call *
unpack_call(const struct mesos_buf *b)
{
	Call *c = mesos__v1__scheduler__call__unpack(NULL, b->len, b->data);

	assert_non_null(c);
	assert_true(c->has_type);
	return c;
}

/* ---- calls ------------------------------------------------------------ */

/* ref §1.2: DECLINE {M-0000, [M-O1], refuse 120} byte for byte. */
static void
test_decline_vector(void **state)
{
	static const uint8_t want[] = {
		0x0a, 0x08, 0x0a, 0x06, 0x4d, 0x2d, 0x30, 0x30, 0x30, 0x30,
		0x10, 0x04, 0x2a, 0x13, 0x0a, 0x06, 0x0a, 0x04, 0x4d, 0x2d,
		0x4f, 0x31, 0x12, 0x09, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x5e, 0x40,
	};
	const char *ids[] = { "M-O1" };
	struct mesos_buf b;
	char err[256];

	(void)state;
	assert_int_equal(mesos_wire_decline(&b, "M-0000", ids, 1, 120, err,
	    sizeof(err)), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	assert_int_equal(mesos_wire_call_type(b.data, b.len),
	    MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE);
	free(b.data);
	assert_int_equal(mesos_wire_decline(&b, "M-0000", ids, 0, 1, err,
	    sizeof(err)), -1);
	ids[0] = "";
	assert_int_equal(mesos_wire_decline(&b, "M-0000", ids, 1, 1, err,
	    sizeof(err)), -1);
	assert_int_equal(mesos_wire_decline(&b, "", ids, 1, 1, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "framework id"));
}

static void
check_fwinfo(const Mesos__V1__FrameworkInfo *fi)
{
	assert_string_equal(fi->user, "root");
	assert_string_equal(fi->name, "torc-scheduler");
	assert_string_equal(fi->hostname, "wedge");
	assert_string_equal(fi->role, "*");
	assert_true(fi->has_failover_timeout);
	assert_true(fi->failover_timeout == 604800.0);
	assert_true(fi->has_checkpoint && fi->checkpoint);
	assert_int_equal(fi->n_roles, 0);
	assert_int_equal(fi->n_capabilities, 2);
	assert_int_equal(fi->capabilities[0]->type,
	    MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__PARTITION_AWARE);
	assert_int_equal(fi->capabilities[1]->type,
	    MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__TASK_KILLING_STATE);
}

static void
test_subscribe(void **state)
{
	struct mesos_buf b;
	struct mesos_fwinfo bad = fwinfo;
	char err[256];
	Call *c;

	(void)state;
	/* A new framework: no id anywhere. */
	assert_int_equal(mesos_wire_subscribe(&b, NULL, &fwinfo, err,
	    sizeof(err)), 0);
	c = unpack_call(&b);
	assert_int_equal(c->type, MESOS__V1__SCHEDULER__CALL__TYPE__SUBSCRIBE);
	assert_null(c->framework_id);
	assert_non_null(c->subscribe);
	assert_null(c->subscribe->framework_info->id);
	assert_int_equal(c->subscribe->n_suppressed_roles, 0);
	check_fwinfo(c->subscribe->framework_info);
	mesos__v1__scheduler__call__free_unpacked(c, NULL);
	free(b.data);

	/* Again: the id in both places (ref §1.3). */
	assert_int_equal(mesos_wire_subscribe(&b, FWID, &fwinfo, err,
	    sizeof(err)), 0);
	c = unpack_call(&b);
	assert_string_equal(c->framework_id->value, FWID);
	assert_string_equal(c->subscribe->framework_info->id->value, FWID);
	check_fwinfo(c->subscribe->framework_info);
	mesos__v1__scheduler__call__free_unpacked(c, NULL);
	free(b.data);

	/* Defaults: no hostname sent, role "*". */
	bad.hostname = NULL;
	bad.role = NULL;
	assert_int_equal(mesos_wire_subscribe(&b, "", &bad, err,
	    sizeof(err)), 0);
	c = unpack_call(&b);
	assert_null(c->subscribe->framework_info->hostname);
	assert_string_equal(c->subscribe->framework_info->role, "*");
	mesos__v1__scheduler__call__free_unpacked(c, NULL);
	free(b.data);

	bad.name = "";
	assert_int_equal(mesos_wire_subscribe(&b, NULL, &bad, err,
	    sizeof(err)), -1);
	bad.name = "x";
	bad.failover_timeout = -1;
	assert_int_equal(mesos_wire_subscribe(&b, NULL, &bad, err,
	    sizeof(err)), -1);
	assert_int_equal(mesos_wire_subscribe(&b, "a/b", &fwinfo, err,
	    sizeof(err)), -1);
}

static void
test_accept(void **state)
{
	struct mesos_task_spec badt[2] = { tasks[0], tasks[1] };
	struct mesos_buf b;
	char err[256];
	Call *c;
	Mesos__V1__Offer__Operation *op;

	(void)state;
	assert_int_equal(mesos_wire_accept(&b, FWID, offer_ids, 2, tasks, 2,
	    30, err, sizeof(err)), 0);
	c = unpack_call(&b);
	assert_int_equal(c->type, MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT);
	assert_string_equal(c->framework_id->value, FWID);
	assert_int_equal(c->accept->n_offer_ids, 2);
	assert_string_equal(c->accept->offer_ids[1]->value, offer_ids[1]);
	assert_int_equal(c->accept->n_operations, 1);
	op = c->accept->operations[0];
	assert_int_equal(op->type, MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH);
	assert_int_equal(op->launch->n_task_infos, 2);
	assert_string_equal(op->launch->task_infos[0]->task_id->value,
	    tasks[0].task_id);
	assert_string_equal(op->launch->task_infos[1]->container->
	    network_infos[0]->name, "torc");
	assert_int_equal(op->launch->task_infos[0]->container->docker->
	    n_parameters, 2);
	assert_string_equal(op->launch->task_infos[0]->container->docker->
	    parameters[1]->key, "cap-add");
	assert_true(c->accept->filters->has_refuse_seconds);
	assert_true(c->accept->filters->refuse_seconds == 30);
	mesos__v1__scheduler__call__free_unpacked(c, NULL);
	free(b.data);

	assert_int_equal(mesos_wire_accept(&b, FWID, offer_ids, 2, tasks, 0,
	    30, err, sizeof(err)), -1);
	badt[1].parameters = "--rm";
	assert_int_equal(mesos_wire_accept(&b, FWID, offer_ids, 2, badt, 2,
	    30, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "dns-sl1"));
	assert_non_null(strstr(err, "--rm"));
	assert_int_equal(mesos_wire_accept(&b, FWID, offer_ids, 0, tasks, 2,
	    30, err, sizeof(err)), -1);
}

static void
test_kill_ack_reconcile(void **state)
{
	struct mesos_buf b;
	char err[256];
	Call *c;

	(void)state;
	assert_int_equal(mesos_wire_kill(&b, FWID, "t1", AGENT, err,
	    sizeof(err)), 0);
	c = unpack_call(&b);
	assert_int_equal(c->type, MESOS__V1__SCHEDULER__CALL__TYPE__KILL);
	assert_string_equal(c->kill->task_id->value, "t1");
	assert_string_equal(c->kill->agent_id->value, AGENT);
	mesos__v1__scheduler__call__free_unpacked(c, NULL);
	free(b.data);
	assert_int_equal(mesos_wire_kill(&b, FWID, "t1", "", err,
	    sizeof(err)), 0);
	c = unpack_call(&b);
	assert_null(c->kill->agent_id);
	mesos__v1__scheduler__call__free_unpacked(c, NULL);
	free(b.data);
	assert_int_equal(mesos_wire_kill(&b, FWID, "", NULL, err,
	    sizeof(err)), -1);

	/* The uuid is echoed byte for byte. */
	assert_int_equal(mesos_wire_acknowledge(&b, FWID, AGENT, "t1", uuid16,
	    16, err, sizeof(err)), 0);
	c = unpack_call(&b);
	assert_int_equal(c->type,
	    MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE);
	assert_string_equal(c->acknowledge->agent_id->value, AGENT);
	assert_string_equal(c->acknowledge->task_id->value, "t1");
	assert_int_equal(c->acknowledge->uuid.len, 16);
	assert_memory_equal(c->acknowledge->uuid.data, uuid16, 16);
	mesos__v1__scheduler__call__free_unpacked(c, NULL);
	free(b.data);
	assert_int_equal(mesos_wire_acknowledge(&b, FWID, AGENT, "t1", uuid16,
	    0, err, sizeof(err)), -1);
	assert_int_equal(mesos_wire_acknowledge(&b, FWID, AGENT, "t1", NULL,
	    16, err, sizeof(err)), -1);
	assert_int_equal(mesos_wire_acknowledge(&b, FWID, "", "t1", uuid16,
	    16, err, sizeof(err)), -1);

	assert_int_equal(mesos_wire_reconcile(&b, FWID, refs, 2, err,
	    sizeof(err)), 0);
	c = unpack_call(&b);
	assert_int_equal(c->type, MESOS__V1__SCHEDULER__CALL__TYPE__RECONCILE);
	assert_int_equal(c->reconcile->n_tasks, 2);
	assert_string_equal(c->reconcile->tasks[0]->agent_id->value, AGENT);
	assert_null(c->reconcile->tasks[1]->agent_id);
	mesos__v1__scheduler__call__free_unpacked(c, NULL);
	free(b.data);
	/* Implicit: the payload is there, empty (the master checks). */
	assert_int_equal(mesos_wire_reconcile(&b, FWID, NULL, 0, err,
	    sizeof(err)), 0);
	c = unpack_call(&b);
	assert_non_null(c->reconcile);
	assert_int_equal(c->reconcile->n_tasks, 0);
	mesos__v1__scheduler__call__free_unpacked(c, NULL);
	free(b.data);
}

static void
test_small_calls(void **state)
{
	struct mesos_buf b;
	char err[256];
	Call *c;
	const char *inv[] = { "INV-1" };

	(void)state;
	assert_int_equal(mesos_wire_teardown(&b, FWID, err, sizeof(err)), 0);
	c = unpack_call(&b);
	assert_int_equal(c->type, MESOS__V1__SCHEDULER__CALL__TYPE__TEARDOWN);
	mesos__v1__scheduler__call__free_unpacked(c, NULL);
	free(b.data);
	assert_int_equal(mesos_wire_suppress(&b, FWID, err, sizeof(err)), 0);
	c = unpack_call(&b);
	assert_int_equal(c->type, MESOS__V1__SCHEDULER__CALL__TYPE__SUPPRESS);
	assert_non_null(c->suppress);
	mesos__v1__scheduler__call__free_unpacked(c, NULL);
	free(b.data);
	assert_int_equal(mesos_wire_revive(&b, FWID, err, sizeof(err)), 0);
	c = unpack_call(&b);
	assert_int_equal(c->type, MESOS__V1__SCHEDULER__CALL__TYPE__REVIVE);
	assert_non_null(c->revive);
	mesos__v1__scheduler__call__free_unpacked(c, NULL);
	free(b.data);
	assert_int_equal(mesos_wire_decline_inverse(&b, FWID, inv, 1, err,
	    sizeof(err)), 0);
	c = unpack_call(&b);
	assert_int_equal(c->type,
	    MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE_INVERSE_OFFERS);
	assert_string_equal(c->decline_inverse_offers->inverse_offer_ids[0]->
	    value, "INV-1");
	mesos__v1__scheduler__call__free_unpacked(c, NULL);
	free(b.data);
	assert_string_equal(mesos_wire_call_name(3), "ACCEPT");
	assert_string_equal(mesos_wire_call_name(99), "UNKNOWN");
	assert_int_equal(mesos_wire_call_type((const uint8_t *)"\x0a\x05",
	    2), -1);
}

/* ---- events ----------------------------------------------------------- */

static uint8_t *
pack_event(const Event *e, size_t *len)
{
	uint8_t *buf;

	*len = mesos__v1__scheduler__event__get_packed_size(e);
	buf = malloc(*len + 1);
	assert_non_null(buf);
	mesos__v1__scheduler__event__pack(e, buf);
	return buf;
}

static int
decode(const Event *e, struct mesos_event *ev, char *err, size_t errlen)
{
	size_t len;
	uint8_t *buf = pack_event(e, &len);
	int rc = mesos_event_decode(buf, len, ev, err, errlen);

	free(buf);
	return rc;
}

/* ref §1.2 vectors. */
static void
test_event_vectors(void **state)
{
	static const uint8_t subscribed[] = {
		0x08, 0x01, 0x12, 0x13, 0x0a, 0x08, 0x0a, 0x06, 0x4d, 0x2d,
		0x30, 0x30, 0x30, 0x30, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x2e, 0x40,
	};
	static const uint8_t heartbeat[] = { 0x08, 0x08 };
	struct mesos_event ev;
	char err[256];

	(void)state;
	assert_int_equal(mesos_event_decode(subscribed, sizeof(subscribed),
	    &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.type, MESOS_EV_SUBSCRIBED);
	assert_string_equal(ev.framework_id, "M-0000");
	assert_true(ev.heartbeat_interval == 15.0);
	assert_string_equal(ev.master_id, "");
	mesos_event_clear(&ev);
	assert_int_equal(mesos_event_decode(heartbeat, sizeof(heartbeat),
	    &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.type, MESOS_EV_HEARTBEAT);
	assert_string_equal(mesos_wire_event_name(ev.type), "HEARTBEAT");
	mesos_event_clear(&ev);
}

static Mesos__V1__Resource *
scalar(Mesos__V1__Resource *r, Mesos__V1__Value__Scalar *s, const char *n,
    double v)
{
	mesos__v1__resource__init(r);
	mesos__v1__value__scalar__init(s);
	r->name = (char *)(uintptr_t)n;
	r->type = MESOS__V1__VALUE__TYPE__SCALAR;
	s->value = v;
	r->scalar = s;
	return r;
}

static void
test_event_offers(void **state)
{
	Event e;
	Mesos__V1__Scheduler__Event__Offers eo;
	Mesos__V1__Offer o, *op = &o;
	Mesos__V1__OfferID oid;
	Mesos__V1__FrameworkID fid;
	Mesos__V1__AgentID aid;
	Mesos__V1__Resource r[3], *rp[3];
	Mesos__V1__Value__Scalar s[3];
	Mesos__V1__Attribute a[4], *ap[4];
	Mesos__V1__Value__Text t;
	Mesos__V1__Value__Scalar as;
	Mesos__V1__Value__Ranges rg;
	Mesos__V1__Value__Range rr[2], *rrp[2];
	Mesos__V1__Value__Set set;
	char *items[] = { "a", "b" };
	struct mesos_event ev;
	char err[256];

	(void)state;
	mesos__v1__scheduler__event__init(&e);
	mesos__v1__scheduler__event__offers__init(&eo);
	mesos__v1__offer__init(&o);
	mesos__v1__offer_id__init(&oid);
	mesos__v1__framework_id__init(&fid);
	mesos__v1__agent_id__init(&aid);
	oid.value = "O1";
	fid.value = "F1";
	aid.value = "S1";
	o.id = &oid;
	o.framework_id = &fid;
	o.agent_id = &aid;
	o.hostname = "node1";
	rp[0] = scalar(&r[0], &s[0], "cpus", 2);
	rp[1] = scalar(&r[1], &s[1], "cpus", 1.5);
	rp[2] = scalar(&r[2], &s[2], "mem", 1024);
	o.resources = rp;
	o.n_resources = 3;
	for (int i = 0; i < 4; i++) {
		mesos__v1__attribute__init(&a[i]);
		ap[i] = &a[i];
	}
	mesos__v1__value__text__init(&t);
	t.value = "bladerunner1";
	a[0].name = "machine-name";
	a[0].type = MESOS__V1__VALUE__TYPE__TEXT;
	a[0].text = &t;
	mesos__v1__value__scalar__init(&as);
	as.value = 2.5;
	a[1].name = "weight";
	a[1].type = MESOS__V1__VALUE__TYPE__SCALAR;
	a[1].scalar = &as;
	mesos__v1__value__ranges__init(&rg);
	for (int i = 0; i < 2; i++) {
		mesos__v1__value__range__init(&rr[i]);
		rrp[i] = &rr[i];
	}
	rr[0].begin = 100;
	rr[0].end = 200;
	rr[1].begin = 300;
	rr[1].end = 300;
	rg.range = rrp;
	rg.n_range = 2;
	a[2].name = "span";
	a[2].type = MESOS__V1__VALUE__TYPE__RANGES;
	a[2].ranges = &rg;
	mesos__v1__value__set__init(&set);
	set.item = items;
	set.n_item = 2;
	a[3].name = "tags";
	a[3].type = MESOS__V1__VALUE__TYPE__SET;
	a[3].set = &set;
	o.attributes = ap;
	o.n_attributes = 4;
	eo.offers = &op;
	eo.n_offers = 1;
	e.has_type = 1;
	e.type = MESOS__V1__SCHEDULER__EVENT__TYPE__OFFERS;
	e.offers = &eo;
	assert_int_equal(decode(&e, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.n_offers, 1);
	assert_string_equal(ev.offers[0].id, "O1");
	assert_string_equal(ev.offers[0].agent_id, "S1");
	assert_string_equal(ev.offers[0].hostname, "node1");
	assert_true(ev.offers[0].cpus == 3.5);
	assert_true(ev.offers[0].mem == 1024);
	assert_int_equal(ev.offers[0].n_attrs, 4);
	assert_string_equal(ev.offers[0].attrs[0].value, "bladerunner1");
	assert_string_equal(ev.offers[0].attrs[1].value, "2.5");
	assert_string_equal(ev.offers[0].attrs[2].value, "[100-200,300-300]");
	assert_string_equal(ev.offers[0].attrs[3].value, "{a,b}");
	mesos_event_clear(&ev);
}

struct status_parts {
	Event e;
	Mesos__V1__Scheduler__Event__Update u;
	Mesos__V1__TaskStatus ts;
	Mesos__V1__TaskID tid;
	Mesos__V1__AgentID aid;
	Mesos__V1__ContainerStatus cs;
	Mesos__V1__NetworkInfo ni, *nip;
	Mesos__V1__NetworkInfo__IPAddress ip[2], *ipp[2];
	Mesos__V1__ContainerID cid;
};

static void
status_init(struct status_parts *p, int state)
{
	memset(p, 0, sizeof(*p));
	mesos__v1__scheduler__event__init(&p->e);
	mesos__v1__scheduler__event__update__init(&p->u);
	mesos__v1__task_status__init(&p->ts);
	mesos__v1__task_id__init(&p->tid);
	mesos__v1__agent_id__init(&p->aid);
	p->tid.value = "t1";
	p->aid.value = AGENT;
	p->ts.task_id = &p->tid;
	p->ts.agent_id = &p->aid;
	p->ts.state = state;
	p->u.status = &p->ts;
	p->e.has_type = 1;
	p->e.type = MESOS__V1__SCHEDULER__EVENT__TYPE__UPDATE;
	p->e.update = &p->u;
}

/* container_status with these addresses (protocol 0: unset). */
static void
status_ips(struct status_parts *p, const char *a, int pa, const char *b,
    int pb)
{
	mesos__v1__container_status__init(&p->cs);
	mesos__v1__network_info__init(&p->ni);
	mesos__v1__container_id__init(&p->cid);
	for (int i = 0; i < 2; i++) {
		mesos__v1__network_info__ipaddress__init(&p->ip[i]);
		p->ipp[i] = &p->ip[i];
	}
	p->ip[0].ip_address = (char *)(uintptr_t)a;
	p->ip[0].has_protocol = pa != 0;
	p->ip[0].protocol = pa;
	p->ip[1].ip_address = (char *)(uintptr_t)b;
	p->ip[1].has_protocol = pb != 0;
	p->ip[1].protocol = pb;
	p->ni.ip_addresses = p->ipp;
	p->ni.n_ip_addresses = b != NULL ? 2 : 1;
	p->nip = &p->ni;
	p->cs.network_infos = &p->nip;
	p->cs.n_network_infos = 1;
	p->cid.value = "mesos-cid-1";
	p->cs.container_id = &p->cid;
	p->ts.container_status = &p->cs;
}

static void
status_data(struct status_parts *p, const char *json)
{
	p->ts.has_data = 1;
	p->ts.data.data = (uint8_t *)(uintptr_t)json;
	p->ts.data.len = strlen(json);
}

static const char inspect_torc[] =
    "[{\"Id\":\"4f1c0ffee\",\"Config\":{\"Hostname\":\"4f1c0ffee0\"},"
    "\"HostConfig\":{\"NetworkMode\":\"torc\"},\"NetworkSettings\":"
    "{\"IPAddress\":\"\",\"Networks\":{\"bridge\":{\"IPAddress\":"
    "\"172.17.0.9\"},\"torc\":{\"IPAddress\":\"10.250.7.5\"}}}}]";
static const char inspect_host[] =
    "[{\"Id\":\"abc123\",\"Config\":{\"Hostname\":\"bladerunner1\"},"
    "\"HostConfig\":{\"NetworkMode\":\"host\"},\"NetworkSettings\":"
    "{\"IPAddress\":\"\",\"Networks\":{\"host\":{\"IPAddress\":\"\"}}}}]";

static void
test_event_update(void **state)
{
	struct status_parts p;
	struct mesos_event ev;
	char err[256];

	(void)state;
	/* container_status wins over data; IPv4 before IPv6. */
	status_init(&p, MESOS_TASK_RUNNING);
	status_ips(&p, "fd00::5", MESOS__V1__NETWORK_INFO__PROTOCOL__IPv6,
	    "192.168.4.4", 0);
	status_data(&p, inspect_torc);
	p.ts.has_uuid = 1;
	p.ts.uuid.data = (uint8_t *)(uintptr_t)uuid16;
	p.ts.uuid.len = 16;
	p.ts.has_source = 1;
	p.ts.source = MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR;
	p.ts.message = "hello";
	assert_int_equal(decode(&p.e, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.type, MESOS_EV_UPDATE);
	assert_string_equal(ev.status.task_id, "t1");
	assert_string_equal(ev.status.agent_id, AGENT);
	assert_int_equal(ev.status.state, MESOS_TASK_RUNNING);
	assert_string_equal(ev.status.container_ip, "192.168.4.4");
	assert_string_equal(ev.status.container_id, "mesos-cid-1");
	assert_string_equal(ev.status.hostname, "4f1c0ffee0");
	assert_string_equal(ev.status.message, "hello");
	assert_int_equal(ev.status.source, 2);
	assert_int_equal(ev.status.reason, -1);
	assert_string_equal(ev.status.reason_name, "");
	assert_true(ev.status.has_uuid);
	assert_false(ev.status.reconciliation);
	assert_memory_equal(ev.uuid, uuid16, 16);
	mesos_event_clear(&ev);

	/* Only the inspect output: the network of NetworkMode first. */
	status_init(&p, MESOS_TASK_RUNNING);
	status_data(&p, inspect_torc);
	assert_int_equal(decode(&p.e, &ev, err, sizeof(err)), 0);
	assert_string_equal(ev.status.container_ip, "10.250.7.5");
	assert_string_equal(ev.status.container_id, "4f1c0ffee");
	assert_false(ev.status.has_uuid);
	mesos_event_clear(&ev);

	/* Host networking: no IP in the inspect output, the hostname. */
	status_init(&p, MESOS_TASK_RUNNING);
	status_data(&p, inspect_host);
	assert_int_equal(decode(&p.e, &ev, err, sizeof(err)), 0);
	assert_string_equal(ev.status.container_ip, "");
	assert_string_equal(ev.status.hostname, "bladerunner1");
	assert_string_equal(ev.status.container_id, "abc123");
	mesos_event_clear(&ev);

	/* A reconciliation answer; an unknown reason is tolerated. */
	status_init(&p, MESOS_TASK_LOST);
	p.ts.agent_id = NULL;
	p.ts.has_reason = 1;
	p.ts.reason = MESOS__V1__TASK_STATUS__REASON__REASON_RECONCILIATION;
	assert_int_equal(decode(&p.e, &ev, err, sizeof(err)), 0);
	assert_true(ev.status.reconciliation);
	assert_string_equal(ev.status.reason_name, "REASON_RECONCILIATION");
	assert_string_equal(ev.status.agent_id, "");
	assert_string_equal(ev.status.container_ip, "");
	mesos_event_clear(&ev);
	status_init(&p, MESOS_TASK_FAILED);
	p.ts.has_reason = 1;
	p.ts.reason = 77;
	assert_int_equal(decode(&p.e, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.status.reason, 77);
	assert_string_equal(ev.status.reason_name, "");
	mesos_event_clear(&ev);
	/* An empty uuid is no uuid. */
	status_init(&p, MESOS_TASK_RUNNING);
	p.ts.has_uuid = 1;
	assert_int_equal(decode(&p.e, &ev, err, sizeof(err)), 0);
	assert_false(ev.status.has_uuid);
	mesos_event_clear(&ev);
}

static void
test_event_others(void **state)
{
	Event e;
	Mesos__V1__Scheduler__Event__Rescind r;
	Mesos__V1__Scheduler__Event__Failure f;
	Mesos__V1__Scheduler__Event__Error er;
	Mesos__V1__Scheduler__Event__InverseOffers io;
	Mesos__V1__Scheduler__Event__Message m;
	Mesos__V1__InverseOffer inv, *invp = &inv;
	Mesos__V1__Unavailability un;
	Mesos__V1__TimeInfo ti;
	Mesos__V1__OfferID oid;
	Mesos__V1__FrameworkID fid;
	Mesos__V1__AgentID aid;
	Mesos__V1__ExecutorID eid;
	struct mesos_event ev;
	char err[256];

	(void)state;
	mesos__v1__offer_id__init(&oid);
	mesos__v1__framework_id__init(&fid);
	mesos__v1__agent_id__init(&aid);
	mesos__v1__executor_id__init(&eid);
	oid.value = "O9";
	fid.value = "F1";
	aid.value = "S2";
	eid.value = "E1";

	mesos__v1__scheduler__event__init(&e);
	mesos__v1__scheduler__event__rescind__init(&r);
	r.offer_id = &oid;
	e.has_type = 1;
	e.type = MESOS__V1__SCHEDULER__EVENT__TYPE__RESCIND;
	e.rescind = &r;
	assert_int_equal(decode(&e, &ev, err, sizeof(err)), 0);
	assert_string_equal(ev.offer_id, "O9");
	mesos_event_clear(&ev);

	mesos__v1__scheduler__event__init(&e);
	mesos__v1__scheduler__event__failure__init(&f);
	f.agent_id = &aid;
	e.has_type = 1;
	e.type = MESOS__V1__SCHEDULER__EVENT__TYPE__FAILURE;
	e.failure = &f;
	assert_int_equal(decode(&e, &ev, err, sizeof(err)), 0);
	assert_string_equal(ev.agent_id, "S2");
	assert_string_equal(ev.executor_id, "");
	assert_int_equal(ev.failure_status, -1);
	mesos_event_clear(&ev);
	f.executor_id = &eid;
	f.has_status = 1;
	f.status = 256;
	assert_int_equal(decode(&e, &ev, err, sizeof(err)), 0);
	assert_string_equal(ev.executor_id, "E1");
	assert_int_equal(ev.failure_status, 256);
	mesos_event_clear(&ev);

	mesos__v1__scheduler__event__init(&e);
	mesos__v1__scheduler__event__error__init(&er);
	er.message = "Framework has been removed";
	e.has_type = 1;
	e.type = MESOS__V1__SCHEDULER__EVENT__TYPE__ERROR;
	e.error = &er;
	assert_int_equal(decode(&e, &ev, err, sizeof(err)), 0);
	assert_string_equal(ev.message, "Framework has been removed");
	mesos_event_clear(&ev);

	mesos__v1__scheduler__event__init(&e);
	mesos__v1__scheduler__event__inverse_offers__init(&io);
	mesos__v1__inverse_offer__init(&inv);
	mesos__v1__unavailability__init(&un);
	mesos__v1__time_info__init(&ti);
	un.start = &ti;
	inv.id = &oid;
	inv.framework_id = &fid;
	inv.unavailability = &un;
	io.inverse_offers = &invp;
	io.n_inverse_offers = 1;
	e.has_type = 1;
	e.type = MESOS__V1__SCHEDULER__EVENT__TYPE__INVERSE_OFFERS;
	e.inverse_offers = &io;
	assert_int_equal(decode(&e, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.n_inverse, 1);
	assert_string_equal(ev.inverse_ids[0], "O9");
	mesos_event_clear(&ev);

	mesos__v1__scheduler__event__init(&e);
	mesos__v1__scheduler__event__message__init(&m);
	m.agent_id = &aid;
	m.executor_id = &eid;
	m.data.data = (uint8_t *)"hi\x01\n";
	m.data.len = 4;
	e.has_type = 1;
	e.type = MESOS__V1__SCHEDULER__EVENT__TYPE__MESSAGE;
	e.message = &m;
	assert_int_equal(decode(&e, &ev, err, sizeof(err)), 0);
	assert_string_equal(ev.message, "hi??");
	mesos_event_clear(&ev);
}

/* Each kind of input the connection answers with a stream reset. */
static void
test_event_errors(void **state)
{
	struct status_parts p;
	struct mesos_event ev;
	Event e;
	Mesos__V1__Scheduler__Event__Rescind r;
	Mesos__V1__OfferID oid;
	char err[256], longid[300];
	static const uint8_t junk[] = { 0x08, 0x01, 0x12, 0x64, 0x01 };

	(void)state;
	assert_int_equal(mesos_event_decode(junk, sizeof(junk), &ev, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a mesos.v1.scheduler.Event"));
	/* Cleared after a failure: clearing again is harmless. */
	mesos_event_clear(&ev);

	mesos__v1__scheduler__event__init(&e);
	assert_int_equal(decode(&e, &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "without a type"));
	e.has_type = 1;
	e.type = 42;
	assert_int_equal(decode(&e, &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown event type 42"));
	e.type = MESOS__V1__SCHEDULER__EVENT__TYPE__UPDATE;
	assert_int_equal(decode(&e, &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "UPDATE without its payload"));

	status_init(&p, 99);
	assert_int_equal(decode(&p.e, &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown task state 99"));
	status_init(&p, MESOS_TASK_RUNNING);
	p.ts.has_uuid = 1;
	p.ts.uuid.data = (uint8_t *)(uintptr_t)uuid16;
	p.ts.uuid.len = 15;
	assert_int_equal(decode(&p.e, &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "uuid of 15 bytes"));
	p.ts.uuid.len = 16;
	p.ts.agent_id = NULL;
	assert_int_equal(decode(&p.e, &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "uuid without an agent id"));

	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	mesos__v1__scheduler__event__init(&e);
	mesos__v1__scheduler__event__rescind__init(&r);
	mesos__v1__offer_id__init(&oid);
	oid.value = longid;
	r.offer_id = &oid;
	e.has_type = 1;
	e.type = MESOS__V1__SCHEDULER__EVENT__TYPE__RESCIND;
	e.rescind = &r;
	assert_int_equal(decode(&e, &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 255"));
}

static void
test_inspect(void **state)
{
	static const struct {
		const char *json;
		const char *ip, *id, *host;
	} cases[] = {
		{ inspect_torc, "10.250.7.5", "4f1c0ffee", "4f1c0ffee0" },
		{ inspect_host, "", "abc123", "bladerunner1" },
		/* An object instead of an array; the old top-level IP. */
		{ "{\"Id\":\"x\",\"NetworkSettings\":{\"IPAddress\":"
		    "\"172.17.0.2\"}}", "172.17.0.2", "x", "" },
		/* NetworkMode names no network: any other one with an IP. */
		{ "[{\"HostConfig\":{\"NetworkMode\":\"default\"},"
		    "\"NetworkSettings\":{\"Networks\":{\"a\":{\"IPAddress\":"
		    "\"\"},\"b\":{\"IPAddress\":\"10.1.1.1\"}}}}]",
		    "10.1.1.1", "", "" },
		{ "[]", "", "", "" },
		{ "not json", "", "", "" },
		{ "[42]", "", "", "" },
		{ "[{\"Id\":7,\"Config\":[]}]", "", "", "" },
		{ "", "", "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *ip, *id, *host;

		mesos_inspect_parse((const uint8_t *)cases[i].json,
		    strlen(cases[i].json), &ip, &id, &host);
		if (strcmp(ip, cases[i].ip) != 0 ||
		    strcmp(id, cases[i].id) != 0 ||
		    strcmp(host, cases[i].host) != 0)
			fail_msg("case %zu: '%s' '%s' '%s'", i, ip, id, host);
		free(ip);
		free(id);
		free(host);
	}
	{
		char *ip, *id, *host;

		mesos_inspect_parse(NULL, 0, &ip, &id, &host);
		assert_string_equal(ip, "");
		free(ip);
		free(id);
		free(host);
	}
}

/* ---- --dump ----------------------------------------------------------- */

static int
dump_one(const char *dir, const char *name, struct mesos_buf *b, int rc,
    const char *err)
{
	char path[1024];
	FILE *fp;

	if (rc != 0) {
		fprintf(stderr, "%s: %s\n", name, err);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	if ((fp = fopen(path, "wb")) == NULL ||
	    fwrite(b->data, 1, b->len, fp) != b->len || fclose(fp) != 0) {
		perror(path);
		free(b->data);
		return -1;
	}
	free(b->data);
	return 0;
}

/* One file per kind of Call torc-schedd sends. */
static int
dump_calls(const char *dir)
{
	const char *inv[] = { "a49a6f78-be84-4473-bc7a-94d0864671bd-O9" };
	struct mesos_buf b;
	char err[256];
	int bad = 0;

#define DUMP(name, call)						\
	do {								\
		int rc_ = (call);					\
		bad |= dump_one(dir, name, &b, rc_, err);		\
	} while (0)
	DUMP("subscribe_new", mesos_wire_subscribe(&b, NULL, &fwinfo, err,
	    sizeof(err)));
	DUMP("subscribe_again", mesos_wire_subscribe(&b, FWID, &fwinfo, err,
	    sizeof(err)));
	DUMP("accept", mesos_wire_accept(&b, FWID, offer_ids, 2, tasks, 2,
	    30, err, sizeof(err)));
	DUMP("decline", mesos_wire_decline(&b, FWID, offer_ids, 1, 5, err,
	    sizeof(err)));
	DUMP("decline_inverse", mesos_wire_decline_inverse(&b, FWID, inv, 1,
	    err, sizeof(err)));
	DUMP("kill", mesos_wire_kill(&b, FWID, tasks[0].task_id, AGENT, err,
	    sizeof(err)));
	DUMP("acknowledge", mesos_wire_acknowledge(&b, FWID, AGENT,
	    tasks[0].task_id, uuid16, 16, err, sizeof(err)));
	DUMP("reconcile_explicit", mesos_wire_reconcile(&b, FWID, refs, 2,
	    err, sizeof(err)));
	DUMP("reconcile_implicit", mesos_wire_reconcile(&b, FWID, NULL, 0,
	    err, sizeof(err)));
	DUMP("teardown", mesos_wire_teardown(&b, FWID, err, sizeof(err)));
	DUMP("suppress", mesos_wire_suppress(&b, FWID, err, sizeof(err)));
	DUMP("revive", mesos_wire_revive(&b, FWID, err, sizeof(err)));
#undef DUMP
	return bad ? 1 : 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decline_vector),
		cmocka_unit_test(test_subscribe),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_kill_ack_reconcile),
		cmocka_unit_test(test_small_calls),
		cmocka_unit_test(test_event_vectors),
		cmocka_unit_test(test_event_offers),
		cmocka_unit_test(test_event_update),
		cmocka_unit_test(test_event_others),
		cmocka_unit_test(test_event_errors),
		cmocka_unit_test(test_inspect),
	};

	if (argc == 3 && strcmp(argv[1], "--dump") == 0)
		return dump_calls(argv[2]);
	return cmocka_run_group_tests_name("sched_wire", tests, NULL, NULL);
}
