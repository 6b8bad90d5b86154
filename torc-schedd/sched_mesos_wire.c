/*
 * sched_mesos_wire.c - encodes the Calls torc-schedd sends to the Mesos
 * master (SUBSCRIBE, ACCEPT, DECLINE, DECLINE_INVERSE_OFFERS, KILL,
 * ACKNOWLEDGE, RECONCILE, TEARDOWN, SUPPRESS, REVIVE) and decodes and
 * checks the Events it receives (SUBSCRIBED, OFFERS, INVERSE_OFFERS,
 * RESCIND, UPDATE, FAILURE, ERROR, HEARTBEAT, MESSAGE, ...).
 *
 * Pure: protobuf-c and jansson only; no I/O, no logging.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sched_mesos_wire.h"
#include "sched_taskinfo.h"
#include "util.h"
#include "mesos/mesos.pb-c.h"
#include "mesos/scheduler.pb-c.h"

typedef Mesos__V1__Scheduler__Call	Call;
typedef Mesos__V1__Scheduler__Event	Event;

/* docker inspect output is small; anything bigger is not parsed. */
#define WIRE_INSPECT_MAX	(1u << 20)
#define WIRE_MESSAGE_MAX	200

/* ---- ids ------------------------------------------------------------- */

/* The master's id rules (ref §1.9): 1-255 bytes, no '/', '\', control. */
bool
mesos_id_valid(const char *id)
{
	size_t n;

	if (id == NULL)
		return false;
	n = strlen(id);
	if (n == 0 || n >= MESOS_ID_MAX || strcmp(id, ".") == 0 ||
	    strcmp(id, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)id[i];

		if (ch == '/' || ch == '\\' || ch < 0x20 || ch == 0x7f)
			return false;
	}
	return true;
}

static bool
wire_empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/*
 * The encoders build the Call on the stack and point its strings at the
 * caller's: protobuf-c only reads them while packing.
 */
#define WIRE_STR(s)	((char *)(uintptr_t)(s))

static void
wire_pack(const Call *call, struct mesos_buf *out)
{
	out->len = protobuf_c_message_get_packed_size(&call->base);
	out->data = xmalloc(out->len > 0 ? out->len : 1);
	protobuf_c_message_pack(&call->base, out->data);
}

/* Call.framework_id for every call but a first SUBSCRIBE. */
static int
wire_fwid(Call *call, Mesos__V1__FrameworkID *id, const char *framework_id,
    char *err, size_t errlen)
{
	if (!mesos_id_valid(framework_id)) {
		snprintf(err, errlen, "invalid framework id '%s'",
		    framework_id != NULL ? framework_id : "");
		return -1;
	}
	mesos__v1__framework_id__init(id);
	id->value = WIRE_STR(framework_id);
	call->framework_id = id;
	return 0;
}

static void
wire_type(Call *call, Mesos__V1__Scheduler__Call__Type type)
{
	call->has_type = 1;
	call->type = type;
}

/* OfferID array for ids[0..n); caller frees *arr and *ptrs. */
static int
wire_offer_ids(const char *const *ids, size_t n, Mesos__V1__OfferID **arr,
    Mesos__V1__OfferID ***ptrs, char *err, size_t errlen)
{
	*arr = NULL;
	*ptrs = NULL;
	if (n == 0) {
		snprintf(err, errlen, "no offer ids");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!mesos_id_valid(ids[i])) {
			snprintf(err, errlen, "invalid offer id '%s'",
			    ids[i] != NULL ? ids[i] : "");
			return -1;
		}
	}
	*arr = xcalloc(n, sizeof(**arr));
	*ptrs = xcalloc(n, sizeof(**ptrs));
	for (size_t i = 0; i < n; i++) {
		mesos__v1__offer_id__init(&(*arr)[i]);
		(*arr)[i].value = WIRE_STR(ids[i]);
		(*ptrs)[i] = &(*arr)[i];
	}
	return 0;
}

/* ---- calls ----------------------------------------------------------- */

/*
 * SUBSCRIBE (ref §1.3, §1.9): user, name, hostname, checkpoint true (tasks
 * survive an agent restart), failover_timeout (the original's 0 made
 * every disconnection kill every task), role (single-role framework, so
 * `role` and not `roles`/MULTI_ROLE), and the capabilities
 * PARTITION_AWARE (UNREACHABLE/GONE/DROPPED instead of LOST) and
 * TASK_KILLING_STATE.  On a re-subscription the id goes into both
 * Call.framework_id and FrameworkInfo.id: the master compares them.
 * No Subscribe.suppressed_roles: a subscription starts unsuppressed and
 * the core suppresses again if it has nothing to launch (ref §3.2).
 */
int
mesos_wire_subscribe(struct mesos_buf *out, const char *framework_id,
    const struct mesos_fwinfo *fw, char *err, size_t errlen)
{
	Call call;
	Mesos__V1__Scheduler__Call__Subscribe sub;
	Mesos__V1__FrameworkInfo fi;
	Mesos__V1__FrameworkID id;
	Mesos__V1__FrameworkInfo__Capability cap[2], *capp[2];

	mesos__v1__scheduler__call__init(&call);
	mesos__v1__scheduler__call__subscribe__init(&sub);
	mesos__v1__framework_info__init(&fi);
	wire_type(&call, MESOS__V1__SCHEDULER__CALL__TYPE__SUBSCRIBE);
	if (wire_empty(fw->user) || wire_empty(fw->name)) {
		snprintf(err, errlen, "FrameworkInfo needs a user and a name");
		return -1;
	}
	if (!(fw->failover_timeout >= 0)) {
		snprintf(err, errlen, "invalid failover_timeout");
		return -1;
	}
	if (!wire_empty(framework_id)) {
		if (wire_fwid(&call, &id, framework_id, err, errlen) != 0)
			return -1;
		fi.id = &id;
	}
	fi.user = WIRE_STR(fw->user);
	fi.name = WIRE_STR(fw->name);
	if (!wire_empty(fw->hostname))
		fi.hostname = WIRE_STR(fw->hostname);
	fi.role = WIRE_STR(wire_empty(fw->role) ? "*" : fw->role);
	fi.has_failover_timeout = 1;
	fi.failover_timeout = fw->failover_timeout;
	fi.has_checkpoint = 1;
	fi.checkpoint = 1;
	for (size_t i = 0; i < 2; i++) {
		mesos__v1__framework_info__capability__init(&cap[i]);
		cap[i].has_type = 1;
		capp[i] = &cap[i];
	}
	cap[0].type =
	    MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__PARTITION_AWARE;
	cap[1].type =
	    MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__TASK_KILLING_STATE;
	fi.capabilities = capp;
	fi.n_capabilities = 2;
	sub.framework_info = &fi;
	call.subscribe = &sub;
	wire_pack(&call, out);
	return 0;
}

/*
 * ACCEPT (ref §2.1): the offers (all of one agent, which the core
 * guarantees) and one LAUNCH with every task; what the tasks leave
 * unused is declined with filters.refuse_seconds.
 */
int
mesos_wire_accept(struct mesos_buf *out, const char *framework_id,
    const char *const *offer_ids, size_t n_offers,
    const struct mesos_task_spec *tasks, size_t n_tasks,
    double refuse_seconds, char *err, size_t errlen)
{
	Call call;
	Mesos__V1__FrameworkID id;
	Mesos__V1__Scheduler__Call__Accept acc;
	Mesos__V1__Offer__Operation op, *opp = &op;
	Mesos__V1__Offer__Operation__Launch launch;
	Mesos__V1__Filters filters;
	Mesos__V1__OfferID *ids, **idp;
	Mesos__V1__TaskInfo **tis;
	int rc = -1;

	mesos__v1__scheduler__call__init(&call);
	wire_type(&call, MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT);
	if (wire_fwid(&call, &id, framework_id, err, errlen) != 0)
		return -1;
	if (n_tasks == 0) {
		snprintf(err, errlen, "ACCEPT without tasks: decline instead");
		return -1;
	}
	if (wire_offer_ids(offer_ids, n_offers, &ids, &idp, err, errlen) != 0)
		return -1;
	tis = xcalloc(n_tasks, sizeof(*tis));
	for (size_t i = 0; i < n_tasks; i++) {
		if ((tis[i] = sched_taskinfo_build(&tasks[i], err,
		    errlen)) == NULL)
			goto out;
	}
	mesos__v1__scheduler__call__accept__init(&acc);
	mesos__v1__offer__operation__init(&op);
	mesos__v1__offer__operation__launch__init(&launch);
	mesos__v1__filters__init(&filters);
	launch.task_infos = tis;
	launch.n_task_infos = n_tasks;
	op.has_type = 1;
	op.type = MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH;
	op.launch = &launch;
	acc.offer_ids = idp;
	acc.n_offer_ids = n_offers;
	acc.operations = &opp;
	acc.n_operations = 1;
	filters.has_refuse_seconds = 1;
	filters.refuse_seconds = refuse_seconds;
	acc.filters = &filters;
	call.accept = &acc;
	wire_pack(&call, out);
	rc = 0;
out:
	for (size_t i = 0; i < n_tasks; i++)
		sched_taskinfo_free(tis[i]);
	free(tis);
	free(ids);
	free(idp);
	return rc;
}

/*
 * DECLINE with an explicit refuse_seconds filter: without one the
 * master re-offers after its 5 s default (ref §2.1), which is what the
 * original's empty ACCEPT did.
 */
int
mesos_wire_decline(struct mesos_buf *out, const char *framework_id,
    const char *const *offer_ids, size_t n, double refuse_seconds,
    char *err, size_t errlen)
{
	Call call;
	Mesos__V1__FrameworkID id;
	Mesos__V1__Scheduler__Call__Decline dec;
	Mesos__V1__Filters filters;
	Mesos__V1__OfferID *ids, **idp;

	mesos__v1__scheduler__call__init(&call);
	wire_type(&call, MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE);
	if (wire_fwid(&call, &id, framework_id, err, errlen) != 0)
		return -1;
	if (wire_offer_ids(offer_ids, n, &ids, &idp, err, errlen) != 0)
		return -1;
	mesos__v1__scheduler__call__decline__init(&dec);
	mesos__v1__filters__init(&filters);
	filters.has_refuse_seconds = 1;
	filters.refuse_seconds = refuse_seconds;
	dec.offer_ids = idp;
	dec.n_offer_ids = n;
	dec.filters = &filters;
	call.decline = &dec;
	wire_pack(&call, out);
	free(ids);
	free(idp);
	return 0;
}

int
mesos_wire_decline_inverse(struct mesos_buf *out, const char *framework_id,
    const char *const *inv_ids, size_t n, char *err, size_t errlen)
{
	Call call;
	Mesos__V1__FrameworkID id;
	Mesos__V1__Scheduler__Call__DeclineInverseOffers dec;
	Mesos__V1__OfferID *ids, **idp;

	mesos__v1__scheduler__call__init(&call);
	wire_type(&call,
	    MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE_INVERSE_OFFERS);
	if (wire_fwid(&call, &id, framework_id, err, errlen) != 0)
		return -1;
	if (wire_offer_ids(inv_ids, n, &ids, &idp, err, errlen) != 0)
		return -1;
	mesos__v1__scheduler__call__decline_inverse_offers__init(&dec);
	dec.inverse_offer_ids = idp;
	dec.n_inverse_offer_ids = n;
	call.decline_inverse_offers = &dec;
	wire_pack(&call, out);
	free(ids);
	free(idp);
	return 0;
}

int
mesos_wire_kill(struct mesos_buf *out, const char *framework_id,
    const char *task_id, const char *agent_id, char *err, size_t errlen)
{
	Call call;
	Mesos__V1__FrameworkID id;
	Mesos__V1__Scheduler__Call__Kill kill;
	Mesos__V1__TaskID tid;
	Mesos__V1__AgentID aid;

	mesos__v1__scheduler__call__init(&call);
	wire_type(&call, MESOS__V1__SCHEDULER__CALL__TYPE__KILL);
	if (wire_fwid(&call, &id, framework_id, err, errlen) != 0)
		return -1;
	if (!mesos_id_valid(task_id)) {
		snprintf(err, errlen, "KILL: invalid task id");
		return -1;
	}
	mesos__v1__scheduler__call__kill__init(&kill);
	mesos__v1__task_id__init(&tid);
	tid.value = WIRE_STR(task_id);
	kill.task_id = &tid;
	if (!wire_empty(agent_id)) {
		if (!mesos_id_valid(agent_id)) {
			snprintf(err, errlen, "KILL: invalid agent id");
			return -1;
		}
		mesos__v1__agent_id__init(&aid);
		aid.value = WIRE_STR(agent_id);
		kill.agent_id = &aid;
	}
	call.kill = &kill;
	wire_pack(&call, out);
	return 0;
}

/*
 * ACKNOWLEDGE (ref §2.1): agent id, task id and the update's uuid, its
 * 16 raw bytes echoed.  An update without a uuid is never acknowledged
 * (the master answers 400), so an empty uuid is refused here.
 */
int
mesos_wire_acknowledge(struct mesos_buf *out, const char *framework_id,
    const char *agent_id, const char *task_id, const uint8_t *uuid,
    size_t uuid_len, char *err, size_t errlen)
{
	Call call;
	Mesos__V1__FrameworkID id;
	Mesos__V1__Scheduler__Call__Acknowledge ack;
	Mesos__V1__TaskID tid;
	Mesos__V1__AgentID aid;

	mesos__v1__scheduler__call__init(&call);
	wire_type(&call, MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE);
	if (wire_fwid(&call, &id, framework_id, err, errlen) != 0)
		return -1;
	if (!mesos_id_valid(agent_id) || !mesos_id_valid(task_id)) {
		snprintf(err, errlen, "ACKNOWLEDGE: invalid agent or task id");
		return -1;
	}
	if (uuid == NULL || uuid_len != MESOS_UUID_LEN) {
		snprintf(err, errlen, "ACKNOWLEDGE: uuid must be %d bytes",
		    MESOS_UUID_LEN);
		return -1;
	}
	mesos__v1__scheduler__call__acknowledge__init(&ack);
	mesos__v1__task_id__init(&tid);
	mesos__v1__agent_id__init(&aid);
	tid.value = WIRE_STR(task_id);
	aid.value = WIRE_STR(agent_id);
	ack.task_id = &tid;
	ack.agent_id = &aid;
	ack.uuid.data = (uint8_t *)(uintptr_t)uuid;
	ack.uuid.len = uuid_len;
	call.acknowledge = &ack;
	wire_pack(&call, out);
	return 0;
}

/* RECONCILE (ref §3.3): tasks with their agent ids, or none (implicit). */
int
mesos_wire_reconcile(struct mesos_buf *out, const char *framework_id,
    const struct mesos_task_ref *tasks, size_t n, char *err, size_t errlen)
{
	Call call;
	Mesos__V1__FrameworkID id;
	Mesos__V1__Scheduler__Call__Reconcile rec;
	Mesos__V1__Scheduler__Call__Reconcile__Task *rt = NULL, **rtp = NULL;
	Mesos__V1__TaskID *tid = NULL;
	Mesos__V1__AgentID *aid = NULL;

	mesos__v1__scheduler__call__init(&call);
	wire_type(&call, MESOS__V1__SCHEDULER__CALL__TYPE__RECONCILE);
	if (wire_fwid(&call, &id, framework_id, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!mesos_id_valid(tasks[i].task_id) ||
		    (!wire_empty(tasks[i].agent_id) &&
		    !mesos_id_valid(tasks[i].agent_id))) {
			snprintf(err, errlen, "RECONCILE: invalid task or "
			    "agent id");
			return -1;
		}
	}
	mesos__v1__scheduler__call__reconcile__init(&rec);
	if (n > 0) {
		rt = xcalloc(n, sizeof(*rt));
		rtp = xcalloc(n, sizeof(*rtp));
		tid = xcalloc(n, sizeof(*tid));
		aid = xcalloc(n, sizeof(*aid));
		for (size_t i = 0; i < n; i++) {
			mesos__v1__scheduler__call__reconcile__task__init(
			    &rt[i]);
			mesos__v1__task_id__init(&tid[i]);
			tid[i].value = WIRE_STR(tasks[i].task_id);
			rt[i].task_id = &tid[i];
			if (!wire_empty(tasks[i].agent_id)) {
				mesos__v1__agent_id__init(&aid[i]);
				aid[i].value = WIRE_STR(tasks[i].agent_id);
				rt[i].agent_id = &aid[i];
			}
			rtp[i] = &rt[i];
		}
		rec.tasks = rtp;
		rec.n_tasks = n;
	}
	call.reconcile = &rec;
	wire_pack(&call, out);
	free(rt);
	free(rtp);
	free(tid);
	free(aid);
	return 0;
}

int
mesos_wire_teardown(struct mesos_buf *out, const char *framework_id,
    char *err, size_t errlen)
{
	Call call;
	Mesos__V1__FrameworkID id;

	mesos__v1__scheduler__call__init(&call);
	wire_type(&call, MESOS__V1__SCHEDULER__CALL__TYPE__TEARDOWN);
	if (wire_fwid(&call, &id, framework_id, err, errlen) != 0)
		return -1;
	wire_pack(&call, out);
	return 0;
}

/* SUPPRESS and REVIVE without roles: every role of the framework. */
int
mesos_wire_suppress(struct mesos_buf *out, const char *framework_id,
    char *err, size_t errlen)
{
	Call call;
	Mesos__V1__FrameworkID id;
	Mesos__V1__Scheduler__Call__Suppress sup;

	mesos__v1__scheduler__call__init(&call);
	wire_type(&call, MESOS__V1__SCHEDULER__CALL__TYPE__SUPPRESS);
	if (wire_fwid(&call, &id, framework_id, err, errlen) != 0)
		return -1;
	mesos__v1__scheduler__call__suppress__init(&sup);
	call.suppress = &sup;
	wire_pack(&call, out);
	return 0;
}

int
mesos_wire_revive(struct mesos_buf *out, const char *framework_id,
    char *err, size_t errlen)
{
	Call call;
	Mesos__V1__FrameworkID id;
	Mesos__V1__Scheduler__Call__Revive rev;

	mesos__v1__scheduler__call__init(&call);
	wire_type(&call, MESOS__V1__SCHEDULER__CALL__TYPE__REVIVE);
	if (wire_fwid(&call, &id, framework_id, err, errlen) != 0)
		return -1;
	mesos__v1__scheduler__call__revive__init(&rev);
	call.revive = &rev;
	wire_pack(&call, out);
	return 0;
}

const char *
mesos_wire_call_name(int type)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
	    &mesos__v1__scheduler__call__type__descriptor, type);

	return v != NULL ? v->name : "UNKNOWN";
}

int
mesos_wire_call_type(const uint8_t *data, size_t len)
{
	Call *c = mesos__v1__scheduler__call__unpack(NULL, len, data);
	int type;

	if (c == NULL)
		return -1;
	type = c->has_type ? (int)c->type : 0;
	mesos__v1__scheduler__call__free_unpacked(c, NULL);
	return type;
}

const char *
mesos_wire_event_name(int type)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
	    &mesos__v1__scheduler__event__type__descriptor, type);

	return v != NULL ? v->name : "UNKNOWN";
}

/* ---- events ---------------------------------------------------------- */

static char *
wire_strdup_id(const char *s, bool *bad)
{
	if (s == NULL)
		return xstrdup("");
	if (strlen(s) >= MESOS_ID_MAX)
		*bad = true;
	return xstrdup(s);
}

/* A text rendering of an attribute's value (ref §4.1 formats). */
static char *
wire_attr_value(const Mesos__V1__Attribute *a)
{
	char *s, *t;

	switch (a->type) {
	case MESOS__V1__VALUE__TYPE__TEXT:
		return xstrdup(a->text != NULL ? a->text->value : "");
	case MESOS__V1__VALUE__TYPE__SCALAR:
		return a->scalar != NULL ? xasprintf("%g", a->scalar->value) :
		    xstrdup("");
	case MESOS__V1__VALUE__TYPE__RANGES:
		s = xstrdup("[");
		for (size_t i = 0; a->ranges != NULL &&
		    i < a->ranges->n_range; i++) {
			t = xasprintf("%s%s%llu-%llu", s, i ? "," : "",
			    (unsigned long long)a->ranges->range[i]->begin,
			    (unsigned long long)a->ranges->range[i]->end);
			free(s);
			s = t;
		}
		t = xasprintf("%s]", s);
		free(s);
		return t;
	case MESOS__V1__VALUE__TYPE__SET:
		s = xstrdup("{");
		for (size_t i = 0; a->set != NULL && i < a->set->n_item; i++) {
			t = xasprintf("%s%s%s", s, i ? "," : "",
			    a->set->item[i]);
			free(s);
			s = t;
		}
		t = xasprintf("%s}", s);
		free(s);
		return t;
	default:
		return xstrdup("");
	}
}

static void
wire_offer(struct mesos_offer *o, const Mesos__V1__Offer *po, bool *bad)
{
	o->id = wire_strdup_id(po->id->value, bad);
	o->agent_id = wire_strdup_id(po->agent_id->value, bad);
	o->hostname = xstrdup(po->hostname);
	for (size_t i = 0; i < po->n_resources; i++) {
		const Mesos__V1__Resource *r = po->resources[i];

		if (r->type != MESOS__V1__VALUE__TYPE__SCALAR ||
		    r->scalar == NULL || !(r->scalar->value >= 0))
			continue;
		if (strcmp(r->name, "cpus") == 0)
			o->cpus += r->scalar->value;
		else if (strcmp(r->name, "mem") == 0)
			o->mem += r->scalar->value;
	}
	if (po->n_attributes > 0)
		o->attrs = xcalloc(po->n_attributes, sizeof(*o->attrs));
	for (size_t i = 0; i < po->n_attributes; i++) {
		o->attrs[i].name = xstrdup(po->attributes[i]->name);
		o->attrs[i].value = wire_attr_value(po->attributes[i]);
	}
	o->n_attrs = po->n_attributes;
}

static void
wire_offers_free(struct mesos_offer *offers, size_t n)
{
	for (size_t i = 0; offers != NULL && i < n; i++) {
		struct mesos_offer *o = &offers[i];

		free(o->id);
		free(o->agent_id);
		free(o->hostname);
		for (size_t k = 0; k < o->n_attrs; k++) {
			free(o->attrs[k].name);
			free(o->attrs[k].value);
		}
		free(o->attrs);
	}
	free(offers);
}

static json_t *
wire_jpath(json_t *j, const char *a, const char *b)
{
	j = json_object_get(j, a);
	return b != NULL ? json_object_get(j, b) : j;
}

static const char *
wire_jstr(json_t *j)
{
	return json_is_string(j) ? json_string_value(j) : "";
}

/*
 * The docker executor puts the raw output of `docker inspect` into the
 * RUNNING update's data (ref §3.5): a JSON array of one object.  Only
 * the three fields the core needs are read; anything unexpected yields
 * "" rather than an error, because data is informative only.
 */
void
mesos_inspect_parse(const uint8_t *data, size_t len, char **ip,
    char **container_id, char **hostname)
{
	json_t *root = NULL, *o, *nets, *n;
	const char *mode, *key, *found = "";

	*ip = *container_id = *hostname = NULL;
	if (data != NULL && len > 0 && len <= WIRE_INSPECT_MAX)
		root = json_loadb((const char *)data, len, 0, NULL);
	o = json_is_array(root) ? json_array_get(root, 0) : root;
	if (!json_is_object(o)) {
		json_decref(root);
		*ip = xstrdup("");
		*container_id = xstrdup("");
		*hostname = xstrdup("");
		return;
	}
	nets = wire_jpath(o, "NetworkSettings", "Networks");
	mode = wire_jstr(wire_jpath(o, "HostConfig", "NetworkMode"));
	if (json_is_object(nets)) {
		found = wire_jstr(wire_jpath(nets, mode, "IPAddress"));
		if (found[0] == '\0') {
			json_object_foreach(nets, key, n) {
				found = wire_jstr(json_object_get(n,
				    "IPAddress"));
				if (found[0] != '\0')
					break;
			}
		}
	}
	if (found[0] == '\0')
		found = wire_jstr(wire_jpath(o, "NetworkSettings",
		    "IPAddress"));
	*ip = xstrdup(found);
	*container_id = xstrdup(wire_jstr(json_object_get(o, "Id")));
	*hostname = xstrdup(wire_jstr(wire_jpath(o, "Config", "Hostname")));
	json_decref(root);
}

/* The first non-empty address of container_status, IPv4 first. */
static const char *
wire_status_ip(const Mesos__V1__ContainerStatus *cs)
{
	const char *any = NULL;

	if (cs == NULL)
		return NULL;
	for (size_t i = 0; i < cs->n_network_infos; i++) {
		const Mesos__V1__NetworkInfo *ni = cs->network_infos[i];

		for (size_t k = 0; k < ni->n_ip_addresses; k++) {
			const Mesos__V1__NetworkInfo__IPAddress *a =
			    ni->ip_addresses[k];

			if (wire_empty(a->ip_address))
				continue;
			if (!a->has_protocol || a->protocol ==
			    MESOS__V1__NETWORK_INFO__PROTOCOL__IPv4)
				return a->ip_address;
			if (any == NULL)
				any = a->ip_address;
		}
	}
	return any;
}

enum { OWN_TASK, OWN_AGENT, OWN_MSG, OWN_IP, OWN_CID, OWN_HOST };

static int
wire_update(struct mesos_event *ev, const Mesos__V1__TaskStatus *ts,
    char *err, size_t errlen)
{
	struct mesos_status *st = &ev->status;
	const ProtobufCEnumValue *v;
	const char *sip;
	char *ip, *cid, *host;
	bool bad = false;

	if (protobuf_c_enum_descriptor_get_value(
	    &mesos__v1__task_state__descriptor, ts->state) == NULL) {
		snprintf(err, errlen, "UPDATE of %s: unknown task state %d",
		    ts->task_id->value, ts->state);
		return -1;
	}
	ev->s_own[OWN_TASK] = wire_strdup_id(ts->task_id->value, &bad);
	ev->s_own[OWN_AGENT] = wire_strdup_id(ts->agent_id != NULL ?
	    ts->agent_id->value : NULL, &bad);
	ev->s_own[OWN_MSG] = xstrdup(ts->message != NULL ? ts->message : "");
	if (bad) {
		snprintf(err, errlen, "UPDATE: id longer than %d bytes",
		    MESOS_ID_MAX - 1);
		return -1;
	}
	st->task_id = ev->s_own[OWN_TASK];
	st->agent_id = ev->s_own[OWN_AGENT];
	st->message = ev->s_own[OWN_MSG];
	st->state = ts->state;
	st->reason = -1;
	st->reason_name = "";
	if (ts->has_reason) {
		st->reason = ts->reason;
		v = protobuf_c_enum_descriptor_get_value(
		    &mesos__v1__task_status__reason__descriptor, ts->reason);
		if (v != NULL)
			st->reason_name = v->name;
	}
	st->source = ts->has_source ? (int)ts->source : -1;
	st->reconciliation = ts->has_reason && ts->reason ==
	    MESOS__V1__TASK_STATUS__REASON__REASON_RECONCILIATION;
	if (ts->has_uuid && ts->uuid.len > 0) {
		if (ts->uuid.len != MESOS_UUID_LEN) {
			snprintf(err, errlen, "UPDATE of %s: uuid of %zu "
			    "bytes", st->task_id, ts->uuid.len);
			return -1;
		}
		if (st->agent_id[0] == '\0') {
			snprintf(err, errlen, "UPDATE of %s: uuid without an "
			    "agent id", st->task_id);
			return -1;
		}
		memcpy(ev->uuid, ts->uuid.data, MESOS_UUID_LEN);
		st->has_uuid = true;
	}
	mesos_inspect_parse(ts->has_data ? ts->data.data : NULL,
	    ts->has_data ? ts->data.len : 0, &ip, &cid, &host);
	sip = wire_status_ip(ts->container_status);
	if (sip != NULL) {
		free(ip);
		ip = xstrdup(sip);
	}
	if (ts->container_status != NULL &&
	    ts->container_status->container_id != NULL &&
	    !wire_empty(ts->container_status->container_id->value)) {
		free(cid);
		cid = xstrdup(ts->container_status->container_id->value);
	}
	ev->s_own[OWN_IP] = ip;
	ev->s_own[OWN_CID] = cid;
	ev->s_own[OWN_HOST] = host;
	st->container_ip = ip;
	st->container_id = cid;
	st->hostname = host;
	return 0;
}

static char *
wire_text(const uint8_t *data, size_t len)
{
	char *s;

	if (len > WIRE_MESSAGE_MAX)
		len = WIRE_MESSAGE_MAX;
	s = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		s[i] = data[i] >= 0x20 && data[i] < 0x7f ? (char)data[i] : '?';
	s[len] = '\0';
	return s;
}

#define WIRE_NEED(p, what)						\
	do {								\
		if ((p) == NULL) {					\
			snprintf(err, errlen, "%s without its payload",	\
			    what);					\
			goto fail;					\
		}							\
	} while (0)

int
mesos_event_decode(const uint8_t *rec, size_t len, struct mesos_event *ev,
    char *err, size_t errlen)
{
	Event *e;
	bool bad = false;

	memset(ev, 0, sizeof(*ev));
	ev->failure_status = -1;
	e = mesos__v1__scheduler__event__unpack(NULL, len, rec);
	if (e == NULL) {
		snprintf(err, errlen, "record of %zu bytes is not a "
		    "mesos.v1.scheduler.Event", len);
		return -1;
	}
	if (!e->has_type) {
		snprintf(err, errlen, "event without a type");
		goto fail;
	}
	ev->type = e->type;
	switch (e->type) {
	case MESOS__V1__SCHEDULER__EVENT__TYPE__SUBSCRIBED:
		WIRE_NEED(e->subscribed, "SUBSCRIBED");
		if (!mesos_id_valid(e->subscribed->framework_id->value)) {
			snprintf(err, errlen, "SUBSCRIBED with an invalid "
			    "framework id");
			goto fail;
		}
		ev->framework_id = xstrdup(e->subscribed->framework_id->value);
		if (e->subscribed->has_heartbeat_interval_seconds &&
		    e->subscribed->heartbeat_interval_seconds > 0)
			ev->heartbeat_interval =
			    e->subscribed->heartbeat_interval_seconds;
		ev->master_id = xstrdup(e->subscribed->master_info != NULL ?
		    e->subscribed->master_info->id : "");
		break;
	case MESOS__V1__SCHEDULER__EVENT__TYPE__OFFERS:
		WIRE_NEED(e->offers, "OFFERS");
		if (e->offers->n_offers > 0)
			ev->offers = xcalloc(e->offers->n_offers,
			    sizeof(*ev->offers));
		ev->n_offers = e->offers->n_offers;
		for (size_t i = 0; i < e->offers->n_offers; i++)
			wire_offer(&ev->offers[i], e->offers->offers[i], &bad);
		break;
	case MESOS__V1__SCHEDULER__EVENT__TYPE__INVERSE_OFFERS:
		WIRE_NEED(e->inverse_offers, "INVERSE_OFFERS");
		ev->n_inverse = e->inverse_offers->n_inverse_offers;
		ev->inverse_ids = xcalloc(ev->n_inverse + 1,
		    sizeof(*ev->inverse_ids));
		for (size_t i = 0; i < ev->n_inverse; i++)
			ev->inverse_ids[i] = wire_strdup_id(
			    e->inverse_offers->inverse_offers[i]->id->value,
			    &bad);
		break;
	case MESOS__V1__SCHEDULER__EVENT__TYPE__RESCIND:
		WIRE_NEED(e->rescind, "RESCIND");
		ev->offer_id = wire_strdup_id(e->rescind->offer_id->value,
		    &bad);
		break;
	case MESOS__V1__SCHEDULER__EVENT__TYPE__RESCIND_INVERSE_OFFER:
		WIRE_NEED(e->rescind_inverse_offer, "RESCIND_INVERSE_OFFER");
		ev->offer_id = wire_strdup_id(
		    e->rescind_inverse_offer->inverse_offer_id->value, &bad);
		break;
	case MESOS__V1__SCHEDULER__EVENT__TYPE__UPDATE:
		WIRE_NEED(e->update, "UPDATE");
		if (wire_update(ev, e->update->status, err, errlen) != 0)
			goto fail;
		break;
	case MESOS__V1__SCHEDULER__EVENT__TYPE__FAILURE:
		WIRE_NEED(e->failure, "FAILURE");
		ev->agent_id = wire_strdup_id(e->failure->agent_id != NULL ?
		    e->failure->agent_id->value : NULL, &bad);
		ev->executor_id = wire_strdup_id(e->failure->executor_id !=
		    NULL ? e->failure->executor_id->value : NULL, &bad);
		if (e->failure->has_status)
			ev->failure_status = e->failure->status;
		break;
	case MESOS__V1__SCHEDULER__EVENT__TYPE__ERROR:
		WIRE_NEED(e->error, "ERROR");
		ev->message = wire_text((const uint8_t *)e->error->message,
		    strlen(e->error->message));
		break;
	case MESOS__V1__SCHEDULER__EVENT__TYPE__MESSAGE:
		WIRE_NEED(e->message, "MESSAGE");
		ev->agent_id = wire_strdup_id(e->message->agent_id->value,
		    &bad);
		ev->executor_id = wire_strdup_id(
		    e->message->executor_id->value, &bad);
		ev->message = wire_text(e->message->data.data,
		    e->message->data.len);
		break;
	case MESOS__V1__SCHEDULER__EVENT__TYPE__HEARTBEAT:
	case MESOS__V1__SCHEDULER__EVENT__TYPE__UPDATE_OPERATION_STATUS:
		break;
	default:
		snprintf(err, errlen, "unknown event type %d", (int)e->type);
		goto fail;
	}
	if (bad) {
		snprintf(err, errlen, "%s: id longer than %d bytes",
		    mesos_wire_event_name(ev->type), MESOS_ID_MAX - 1);
		goto fail;
	}
	mesos__v1__scheduler__event__free_unpacked(e, NULL);
	return 0;
fail:
	mesos__v1__scheduler__event__free_unpacked(e, NULL);
	mesos_event_clear(ev);
	return -1;
}

void
mesos_event_clear(struct mesos_event *ev)
{
	free(ev->framework_id);
	free(ev->master_id);
	wire_offers_free(ev->offers, ev->n_offers);
	for (size_t i = 0; ev->inverse_ids != NULL && i < ev->n_inverse; i++)
		free(ev->inverse_ids[i]);
	free(ev->inverse_ids);
	free(ev->offer_id);
	free(ev->agent_id);
	free(ev->executor_id);
	free(ev->message);
	for (size_t i = 0; i < nitems(ev->s_own); i++)
		free(ev->s_own[i]);
	memset(ev, 0, sizeof(*ev));
	ev->failure_status = -1;
}
