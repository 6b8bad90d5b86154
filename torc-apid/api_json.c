/*
 * api_json.c - the REST API's JSON shapes, built and parsed with jansson.
 *
 * Task and node objects keep the original scheduler's fields in its order
 * (its consumers read them: torc_statesync, charmander-datacollector and
 * -vector, sub-schedulers), with its encodings: floats always carry a
 * decimal point, enums are capitalised strings.  torc's own fields follow
 * the original ones.  No I/O.
 */
#include "apid.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static const char *const api_state_names[] = {
	[TSVC_PENDING] = "Pending",
	[TSVC_LAUNCHING] = "Launching",
	[TSVC_STARTING] = "Starting",
	[TSVC_RUNNING] = "Running",
	[TSVC_KILLING] = "Killing",
	[TSVC_RESTARTING] = "Restarting",
	[TSVC_FINISHED] = "Finished",
	[TSVC_FAILED] = "Failed",
	[TSVC_LOST] = "Lost",
};

static const char *const api_sla_names[] = {
	[TSLA_NONE] = "None",
	[TSLA_SINGLETON_EACH_NODE] = "SingletonEachNode",
	[TSLA_SINGLETON_EACH_SLAVE] = "SingletonEachSlave",
};

const char *
api_state_name(enum tmsg_svc_state s)
{
	if ((unsigned)s < nitems(api_state_names) && api_state_names[s])
		return api_state_names[s];
	return "Unknown";
}

const char *
api_sla_name(enum tmsg_sla s)
{
	if ((unsigned)s < nitems(api_sla_names) && api_sla_names[s])
		return api_sla_names[s];
	return "None";
}

/* Decoded strings are never NULL, hand-built ones may be. */
static json_t *
str(const char *s)
{
	return json_string(s != NULL ? s : "");
}

json_t *
api_json_task(const struct tmsg_service *s)
{
	json_t *j = json_object(), *vols = json_array();
	const char *node;

	for (uint32_t i = 0; i < s->n_volumes; i++) {
		const struct tmsg_volume *v = &s->volumes[i];
		json_t *vo = json_object();

		json_object_set_new(vo, "host_path", str(v->host_path));
		json_object_set_new(vo, "container_path",
		    str(v->container_path));
		json_object_set_new(vo, "read_only_mode",
		    json_boolean(v->read_only));
		json_array_append_new(vols, vo);
	}
	/* The original's node_name is where the task runs once placed. */
	node = (s->node != NULL && s->node[0] != '\0') ? s->node : s->node_name;
	json_object_set_new(j, "name", str(s->name));
	json_object_set_new(j, "controller", str(s->controller));
	json_object_set_new(j, "id", str(s->container_id));
	json_object_set_new(j, "image", str(s->image));
	json_object_set_new(j, "node_name", str(node));
	json_object_set_new(j, "node_type", str(s->node_type));
	json_object_set_new(j, "node_function", str(s->node_function));
	json_object_set_new(j, "dependent_service", str(s->dependent_service));
	json_object_set_new(j, "arguments", str(s->arguments));
	json_object_set_new(j, "parameters", str(s->parameters));
	json_object_set_new(j, "memory", json_real(s->memory));
	json_object_set_new(j, "cpu", json_real(s->cpu));
	json_object_set_new(j, "volumes", vols);
	json_object_set_new(j, "privileged", json_boolean(s->privileged));
	json_object_set_new(j, "sla", json_string(api_sla_name(s->sla)));
	json_object_set_new(j, "is_metered", json_boolean(s->is_metered));
	json_object_set_new(j, "is_system_service",
	    json_boolean(s->is_system_service || s->kind == TSVC_KIND_SYSTEM));
	json_object_set_new(j, "is_job", json_boolean(s->is_job));
	json_object_set_new(j, "network_type", str(s->network_type));
	json_object_set_new(j, "ip", str(s->ip));
	json_object_set_new(j, "slave_id", str(s->agent_id));
	json_object_set_new(j, "state", json_string(api_state_name(s->state)));
	json_object_set_new(j, "last_update", json_integer(s->last_update));
	/* torc's additions */
	json_object_set_new(j, "task_id", str(s->task_id));
	json_object_set_new(j, "agent_id", str(s->agent_id));
	json_object_set_new(j, "group", str(s->group));
	json_object_set_new(j, "kind", json_string(tmsg_svc_kind_name(s->kind)));
	json_object_set_new(j, "state_reason", str(s->state_reason));
	json_object_set_new(j, "restarts", json_integer(s->restarts));
	json_object_set_new(j, "last_failure", str(s->last_failure));
	return j;
}

json_t *
api_json_node(const struct tmsg_node *n)
{
	json_t *j = json_object();

	json_object_set_new(j, "name", str(n->name));
	json_object_set_new(j, "ip", str(n->ip));
	json_object_set_new(j, "external_ip", str(n->external_ip));
	json_object_set_new(j, "management_ip", str(n->management_ip));
	json_object_set_new(j, "node_type", str(n->node_type));
	json_object_set_new(j, "node_function", str(n->node_function));
	json_object_set_new(j, "active", json_boolean(n->active));
	json_object_set_new(j, "slave_id", str(n->agent_id));
	json_object_set_new(j, "port_id", json_integer(n->port_id));
	json_object_set_new(j, "last_seen", json_integer(n->last_seen));
	/* torc's additions */
	json_object_set_new(j, "hostname", str(n->hostname));
	json_object_set_new(j, "configured", json_boolean(n->configured));
	return j;
}

bool
api_list_has(enum api_list l, const struct tmsg_service *s)
{
	switch (l) {
	case API_LIST_SERVICES:
		return true;
	case API_LIST_RUNNING:
		return s->state == TSVC_RUNNING && !s->is_job;
	case API_LIST_METERED:
		return s->state == TSVC_RUNNING && s->is_metered;
	case API_LIST_PENDING:
		return s->state == TSVC_PENDING || s->state == TSVC_RESTARTING;
	default:
		return false;
	}
}

json_t *
api_json_list(const struct replica *r, enum api_list l)
{
	json_t *a = json_array();

	if (l == API_LIST_NODES) {
		for (size_t i = 0; i < r->n_nodes; i++)
			json_array_append_new(a, api_json_node(r->nodes[i]));
		return a;
	}
	for (size_t i = 0; i < r->n_services; i++)
		if (api_list_has(l, r->services[i]))
			json_array_append_new(a,
			    api_json_task(r->services[i]));
	return a;
}

json_t *
api_json_status(const struct tmsg_sched_status *st)
{
	return json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "framework_id", st->framework_id ? st->framework_id : "",
	    "mesos_state", st->mesos_state ? st->mesos_state : "",
	    "master", st->master ? st->master : "",
	    "connected_since", (json_int_t)st->connected_since,
	    "last_reconcile", (json_int_t)st->last_reconcile,
	    "offers_received", (json_int_t)st->offers_received,
	    "offers_declined", (json_int_t)st->offers_declined,
	    "tasks_launched", (json_int_t)st->tasks_launched,
	    "updates_received", (json_int_t)st->updates_received,
	    "subscribes", (json_int_t)st->subscribes);
}

json_t *
api_json_route_entries(const struct tmsg_route_entry *e, size_t n, bool dns)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "name", str(e[i].name));
		if (dns)
			json_object_set_new(o, "address", str(e[i].key));
		else {
			json_object_set_new(o, "prefix", str(e[i].key));
			json_object_set_new(o, "next_hop", str(e[i].value));
		}
		json_object_set_new(o, "status", str(e[i].status));
		json_object_set_new(o, "last_error", str(e[i].last_error));
		json_object_set_new(o, "attempts", json_integer(e[i].attempts));
		json_object_set_new(o, "last_change",
		    json_integer(e[i].last_change));
		json_array_append_new(a, o);
	}
	return a;
}

char *
api_json_dump(const json_t *j, size_t *len)
{
	char *s = json_dumps(j, API_JSON_FLAGS);

	if (s == NULL)
		s = xstrdup("null");
	if (len != NULL)
		*len = strlen(s);
	return s;
}

/* ---- parsing an announcement ------------------------------------- */

struct task_field {
	const char	*key;
	enum { F_STR, F_NUM, F_INT, F_UINT, F_BOOL } kind;
	size_t		 off;		/* in tmsg_service, or NO_OFF */
};

#define SVC_OFF(m)	offsetof(struct tmsg_service, m)
#define NO_OFF		((size_t)-1)

/*
 * The fields an announcement may carry.  Anything else is ignored, as a
 * newer sub-scheduler may send more.  sla, state and volumes are parsed
 * on their own below.
 */
static const struct task_field task_fields[] = {
	{ "name",		F_STR,	SVC_OFF(name) },
	{ "controller",		F_STR,	SVC_OFF(controller) },
	{ "id",			F_STR,	SVC_OFF(container_id) },
	{ "image",		F_STR,	SVC_OFF(image) },
	{ "node_name",		F_STR,	SVC_OFF(node_name) },
	{ "node_type",		F_STR,	SVC_OFF(node_type) },
	{ "node_function",	F_STR,	SVC_OFF(node_function) },
	{ "dependent_service",	F_STR,	SVC_OFF(dependent_service) },
	{ "arguments",		F_STR,	SVC_OFF(arguments) },
	{ "parameters",		F_STR,	SVC_OFF(parameters) },
	{ "memory",		F_NUM,	SVC_OFF(memory) },
	{ "cpu",		F_NUM,	SVC_OFF(cpu) },
	{ "privileged",		F_BOOL,	SVC_OFF(privileged) },
	{ "is_metered",		F_BOOL,	SVC_OFF(is_metered) },
	{ "is_system_service",	F_BOOL,	SVC_OFF(is_system_service) },
	{ "is_job",		F_BOOL,	SVC_OFF(is_job) },
	{ "network_type",	F_STR,	SVC_OFF(network_type) },
	{ "ip",			F_STR,	SVC_OFF(ip) },
	{ "slave_id",		F_STR,	SVC_OFF(agent_id) },
	{ "last_update",	F_INT,	SVC_OFF(last_update) },
	{ "task_id",		F_STR,	SVC_OFF(task_id) },
	{ "group",		F_STR,	SVC_OFF(group) },
	{ "state_reason",	F_STR,	SVC_OFF(state_reason) },
	{ "restarts",		F_UINT,	SVC_OFF(restarts) },
	{ "last_failure",	F_STR,	SVC_OFF(last_failure) },
};

/* The original's state names, then torc's (either case). */
static int
parse_state(const char *s)
{
	static const struct {
		const char *name;
		enum tmsg_svc_state st;
	} orig[] = {
		{ "Requested", TSVC_PENDING },
		{ "Accepted", TSVC_LAUNCHING },
		{ "Restart", TSVC_RESTARTING },
		{ "NotRunning", TSVC_FINISHED },
	};

	for (size_t i = 0; i < nitems(orig); i++)
		if (strcmp(s, orig[i].name) == 0)
			return (int)orig[i].st;
	for (size_t i = 0; i < nitems(api_state_names); i++)
		if (strcasecmp(s, api_state_names[i]) == 0)
			return (int)i;
	return -1;
}

static int
parse_sla(const char *s)
{
	for (size_t i = 0; i < nitems(api_sla_names); i++)
		if (strcmp(s, api_sla_names[i]) == 0)
			return (int)i;
	return tmsg_sla_parse(s);
}

static const char *
json_kind(const json_t *v)
{
	if (v == NULL)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:	return "object";
	case JSON_ARRAY:	return "array";
	case JSON_STRING:	return "string";
	case JSON_INTEGER:	return "integer";
	case JSON_REAL:		return "number";
	case JSON_TRUE:
	case JSON_FALSE:	return "boolean";
	default:		return "null";
	}
}

static int
parse_volumes(const json_t *a, struct tmsg_service *svc, char *err,
    size_t errlen)
{
	size_t n = json_array_size(a);

	if (n > 256) {
		snprintf(err, errlen, "volumes: more than 256 entries");
		return -1;
	}
	if (n == 0)
		return 0;
	svc->volumes = xcalloc(n, sizeof(*svc->volumes));
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(a, i), *hp, *cp, *ro;
		struct tmsg_volume *vol = &svc->volumes[i];

		if (!json_is_object(v)) {
			snprintf(err, errlen, "volumes[%zu]: expected object, "
			    "got %s", i, json_kind(v));
			return -1;
		}
		hp = json_object_get(v, "host_path");
		cp = json_object_get(v, "container_path");
		ro = json_object_get(v, "read_only_mode");
		if (!json_is_string(hp) || !json_is_string(cp)) {
			snprintf(err, errlen, "volumes[%zu]: host_path and "
			    "container_path must be strings", i);
			return -1;
		}
		if (ro != NULL && !json_is_boolean(ro)) {
			snprintf(err, errlen, "volumes[%zu].read_only_mode: "
			    "expected boolean, got %s", i, json_kind(ro));
			return -1;
		}
		vol->host_path = xstrdup(json_string_value(hp));
		vol->container_path = xstrdup(json_string_value(cp));
		vol->read_only = ro != NULL && json_is_true(ro);
		svc->n_volumes = (uint32_t)(i + 1);
	}
	return 0;
}

int
api_json_parse_task(const char *body, size_t len, struct tmsg_service *svc,
    char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *j, *v;
	char **sp;

	memset(svc, 0, sizeof(*svc));
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		snprintf(err, errlen, "invalid JSON at line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(j)) {
		snprintf(err, errlen, "expected a task object, got %s",
		    json_kind(j));
		goto fail;
	}
	for (size_t i = 0; i < nitems(task_fields); i++) {
		const struct task_field *f = &task_fields[i];
		char *base = (char *)svc;

		if ((v = json_object_get(j, f->key)) == NULL)
			continue;
		switch (f->kind) {
		case F_STR:
			if (!json_is_string(v))
				goto type;
			if (memchr(json_string_value(v), '\0',
			    json_string_length(v)) != NULL) {
				snprintf(err, errlen, "%s: NUL in string",
				    f->key);
				goto fail;
			}
			sp = (char **)(void *)(base + f->off);
			*sp = xstrdup(json_string_value(v));
			break;
		case F_NUM:
			if (!json_is_number(v))
				goto type;
			*(double *)(void *)(base + f->off) =
			    json_number_value(v);
			break;
		case F_INT:
			if (!json_is_integer(v))
				goto type;
			*(int64_t *)(void *)(base + f->off) =
			    json_integer_value(v);
			break;
		case F_UINT:
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > UINT32_MAX)
				goto type;
			*(uint32_t *)(void *)(base + f->off) =
			    (uint32_t)json_integer_value(v);
			break;
		case F_BOOL:
			if (!json_is_boolean(v))
				goto type;
			if (f->off != NO_OFF)
				*(bool *)(base + f->off) = json_is_true(v);
			break;
		}
		continue;
type:
		snprintf(err, errlen, "%s: expected %s, got %s", f->key,
		    f->kind == F_STR ? "string" : f->kind == F_BOOL ?
		    "boolean" : f->kind == F_NUM ? "number" :
		    f->kind == F_UINT ? "non-negative integer" : "integer",
		    json_kind(v));
		goto fail;
	}
	if (svc->name == NULL || svc->name[0] == '\0') {
		snprintf(err, errlen, "name: missing or empty");
		goto fail;
	}
	if (svc->node_name == NULL || svc->node_name[0] == '\0') {
		snprintf(err, errlen, "node_name: missing or empty");
		goto fail;
	}
	if ((v = json_object_get(j, "sla")) != NULL) {
		int sla;

		if (!json_is_string(v) ||
		    (sla = parse_sla(json_string_value(v))) < 0) {
			snprintf(err, errlen, "sla: expected None, "
			    "SingletonEachNode or SingletonEachSlave");
			goto fail;
		}
		svc->sla = (enum tmsg_sla)sla;
	}
	svc->state = TSVC_RUNNING;
	if ((v = json_object_get(j, "state")) != NULL) {
		int st;

		if (!json_is_string(v) ||
		    (st = parse_state(json_string_value(v))) < 0) {
			snprintf(err, errlen, "state: unknown task state");
			goto fail;
		}
		svc->state = (enum tmsg_svc_state)st;
	}
	if ((v = json_object_get(j, "volumes")) != NULL) {
		if (!json_is_array(v)) {
			snprintf(err, errlen, "volumes: expected array, got %s",
			    json_kind(v));
			goto fail;
		}
		if (parse_volumes(v, svc, err, errlen) != 0)
			goto fail;
	}
	/* torc's agent_id, when sent, wins over the original's slave_id. */
	if ((v = json_object_get(j, "agent_id")) != NULL) {
		if (!json_is_string(v)) {
			snprintf(err, errlen, "agent_id: expected string, "
			    "got %s", json_kind(v));
			goto fail;
		}
		free(svc->agent_id);
		svc->agent_id = xstrdup(json_string_value(v));
	}
	svc->kind = TSVC_KIND_ANNOUNCED;
	/* An announced task runs on the node it names. */
	svc->node = xstrdup(svc->node_name);
	json_decref(j);
	return 0;
fail:
	json_decref(j);
	tmsg_service_free(svc);
	memset(svc, 0, sizeof(*svc));
	return -1;
}
