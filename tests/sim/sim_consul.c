/*
 * sim_consul.c - torc-sim's Consul agent: the subset of the HTTP API
 * torc uses (agent service register/deregister/list, catalog, status),
 * answered the way Consul 1.x answers it, plus the service table the DNS
 * responder (sim_dns.c) reads through sim_consul_lookup().
 *
 * Faithful points: register and deregister are PUT only (405 otherwise,
 * with an Allow header); the body's keys are matched case-insensitively
 * as Go's JSON decoder does; ID defaults to Name; registering an existing
 * ID replaces it; errors are plain text ("Missing service name",
 * "Unknown service ID \"x\"").  The agent is a single server node whose
 * name is the config's master node and whose address is the master IP;
 * a service registered without Address resolves to that address.  The
 * catalog also lists the "consul" service itself, as Consul does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "sim.h"
#include "sim_util.h"
#include "util.h"

#define SIM_CONSUL_DC		"dc1"
#define SIM_CONSUL_TEXT		"text/plain; charset=utf-8"

struct sim_consul_svc {
	char	*id;
	char	*name;
	char	*address;	/* "" = the node's address */
	int	 port;
	json_t	*tags;		/* array of strings */
	json_t	*meta;		/* object of strings */
	bool	 foreign;	/* added through the control API */
	uint64_t create_index;
	uint64_t modify_index;
};

static struct {
	pthread_mutex_t mtx;
	struct sim_consul_svc **svcs;
	size_t	 n;
	size_t	 cap;
	uint64_t index;			/* raft index stand-in */
	char	 node[128];
	char	 node_addr[64];
	char	 node_id[37];
	char	 domain[128];
	struct sim_httpd http;
} sim_consul = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.node = "torc-sim",
	.node_addr = "127.0.0.1",
	.domain = "torc",
};

static void
sim_consul_svc_free(struct sim_consul_svc *s)
{
	if (s == NULL)
		return;
	free(s->id);
	free(s->name);
	free(s->address);
	json_decref(s->tags);
	json_decref(s->meta);
	free(s);
}

/* Index of the service with this ID, or -1; mtx held. */
static ssize_t
sim_consul_find(const char *id)
{
	size_t i;

	for (i = 0; i < sim_consul.n; i++)
		if (strcmp(sim_consul.svcs[i]->id, id) == 0)
			return (ssize_t)i;
	return -1;
}

/* Insert or replace (same ID); takes ownership of s; mtx held. */
static void
sim_consul_put(struct sim_consul_svc *s)
{
	ssize_t i;

	s->modify_index = ++sim_consul.index;
	if ((i = sim_consul_find(s->id)) >= 0) {
		s->create_index = sim_consul.svcs[i]->create_index;
		sim_consul_svc_free(sim_consul.svcs[i]);
		sim_consul.svcs[i] = s;
		return;
	}
	s->create_index = s->modify_index;
	if (sim_consul.n == sim_consul.cap) {
		sim_consul.cap = sim_consul.cap ? sim_consul.cap * 2 : 16;
		sim_consul.svcs = xrealloc(sim_consul.svcs,
		    sim_consul.cap * sizeof(*sim_consul.svcs));
	}
	sim_consul.svcs[sim_consul.n++] = s;
}

/* Remove by ID; 0, or -1 when unknown; mtx held. */
static int
sim_consul_del(const char *id)
{
	ssize_t i;

	if ((i = sim_consul_find(id)) < 0)
		return -1;
	sim_consul_svc_free(sim_consul.svcs[i]);
	memmove(&sim_consul.svcs[i], &sim_consul.svcs[i + 1],
	    (sim_consul.n - (size_t)i - 1) * sizeof(*sim_consul.svcs));
	sim_consul.n--;
	sim_consul.index++;
	return 0;
}

static const char *
sim_consul_addr(const struct sim_consul_svc *s)
{
	return s->address[0] != '\0' ? s->address : sim_consul.node_addr;
}

/*
 * Build a service from a registration body, as Consul decodes it.
 * Returns NULL with a Consul-style message in err on a bad body.
 */
static struct sim_consul_svc *
sim_consul_decode(json_t *body, char *err, size_t errlen)
{
	struct sim_consul_svc *s;
	json_t *name, *id, *addr, *port, *tags, *meta, *v;
	const char *k;
	size_t i;

	if (!json_is_object(body)) {
		snprintf(err, errlen, "Request decode failed: %s",
		    body == NULL ? "invalid character looking for beginning "
		    "of value" : "json: cannot unmarshal non-object into Go "
		    "value of type structs.ServiceDefinition");
		return NULL;
	}
	name = sim_json_iget(body, "Name");
	id = sim_json_iget(body, "ID");
	addr = sim_json_iget(body, "Address");
	port = sim_json_iget(body, "Port");
	tags = sim_json_iget(body, "Tags");
	meta = sim_json_iget(body, "Meta");
#define BADTYPE(f, t)	do {						\
		snprintf(err, errlen, "Request decode failed: json: cannot " \
		    "unmarshal into Go struct field ServiceDefinition.%s of " \
		    "type %s", (f), (t));				\
		return NULL;						\
	} while (0)
	if (name != NULL && !json_is_string(name) && !json_is_null(name))
		BADTYPE("Name", "string");
	if (id != NULL && !json_is_string(id) && !json_is_null(id))
		BADTYPE("ID", "string");
	if (addr != NULL && !json_is_string(addr) && !json_is_null(addr))
		BADTYPE("Address", "string");
	if (port != NULL && !json_is_null(port) && (!json_is_integer(port) ||
	    json_integer_value(port) < -2147483648LL ||
	    json_integer_value(port) > 2147483647LL))
		BADTYPE("Port", "int");
	if (tags != NULL && !json_is_null(tags)) {
		if (!json_is_array(tags))
			BADTYPE("Tags", "[]string");
		json_array_foreach(tags, i, v)
			if (!json_is_string(v))
				BADTYPE("Tags", "string");
	}
	if (meta != NULL && !json_is_null(meta)) {
		if (!json_is_object(meta))
			BADTYPE("Meta", "map[string]string");
		json_object_foreach(meta, k, v)
			if (!json_is_string(v))
				BADTYPE("Meta", "string");
	}
#undef BADTYPE
	if (!json_is_string(name) || json_string_length(name) == 0) {
		snprintf(err, errlen, "Missing service name");
		return NULL;
	}

	s = xcalloc(1, sizeof(*s));
	s->name = xstrdup(json_string_value(name));
	s->id = xstrdup(json_is_string(id) && json_string_length(id) > 0 ?
	    json_string_value(id) : s->name);
	s->address = xstrdup(json_is_string(addr) ? json_string_value(addr) :
	    "");
	s->port = json_is_integer(port) ? (int)json_integer_value(port) : 0;
	s->tags = json_is_array(tags) ? json_deep_copy(tags) : json_array();
	s->meta = json_is_object(meta) ? json_deep_copy(meta) : json_object();
	return s;
}

/* GET /v1/agent/services entry. */
static json_t *
sim_consul_agent_json(const struct sim_consul_svc *s)
{
	return json_pack("{s:s,s:s,s:O,s:O,s:i,s:s,s:{s:i,s:i},s:b,s:s}",
	    "ID", s->id,
	    "Service", s->name,
	    "Tags", s->tags,
	    "Meta", s->meta,
	    "Port", s->port,
	    "Address", s->address,
	    "Weights", "Passing", 1, "Warning", 1,
	    "EnableTagOverride", 0,
	    "Datacenter", SIM_CONSUL_DC);
}

/* GET /v1/catalog/service/<name> entry. */
static json_t *
sim_consul_catalog_json(const char *id, const char *name, const char *addr,
    int port, json_t *tags, json_t *meta, uint64_t cidx, uint64_t midx)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:s},s:{},s:s,s:s,s:s,"
	    "s:O,s:s,s:{s:i,s:i},s:O,s:i,s:b,s:I,s:I}",
	    "ID", sim_consul.node_id,
	    "Node", sim_consul.node,
	    "Address", sim_consul.node_addr,
	    "Datacenter", SIM_CONSUL_DC,
	    "TaggedAddresses", "lan", sim_consul.node_addr,
	    "wan", sim_consul.node_addr,
	    "NodeMeta",
	    "ServiceKind", "",
	    "ServiceID", id,
	    "ServiceName", name,
	    "ServiceTags", tags,
	    "ServiceAddress", addr,
	    "ServiceWeights", "Passing", 1, "Warning", 1,
	    "ServiceMeta", meta,
	    "ServicePort", port,
	    "ServiceEnableTagOverride", 0,
	    "CreateIndex", (json_int_t)cidx,
	    "ModifyIndex", (json_int_t)midx);
}

static bool
sim_consul_has_tag(json_t *tags, const char *tag)
{
	size_t i;
	json_t *v;

	json_array_foreach(tags, i, v)
		if (strcasecmp(json_string_value(v), tag) == 0)
			return true;
	return false;
}

static void
sim_consul_index_headers(struct sim_reply *rep)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu",
	    (unsigned long long)(sim_consul.index ? sim_consul.index : 1));
	sim_reply_header(rep, "X-Consul-Index", buf);
	sim_reply_header(rep, "X-Consul-Knownleader", "true");
	sim_reply_header(rep, "X-Consul-Lastcontact", "0");
}

static void
sim_consul_405(struct sim_reply *rep, const char *method, const char *allow)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "method %s not allowed", method);
	sim_reply_text(rep, 405, SIM_CONSUL_TEXT, buf);
	sim_reply_header(rep, "Allow", allow);
}

static void
sim_consul_register(const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_consul_svc *s;
	char err[256];

	if ((s = sim_consul_decode(req->json, err, sizeof(err))) == NULL) {
		sim_reply_text(rep, 400, SIM_CONSUL_TEXT, err);
		return;
	}
	log_debug("consul: register %s (%s) at %s", s->id, s->name,
	    s->address[0] ? s->address : "node address");
	pthread_mutex_lock(&sim_consul.mtx);
	sim_consul_put(s);
	pthread_mutex_unlock(&sim_consul.mtx);
	sim_reply_text(rep, 200, NULL, NULL);
}

static void
sim_consul_deregister(const char *id, struct sim_reply *rep)
{
	char buf[512];
	int rc;

	pthread_mutex_lock(&sim_consul.mtx);
	rc = sim_consul_del(id);
	pthread_mutex_unlock(&sim_consul.mtx);
	if (rc == -1) {
		snprintf(buf, sizeof(buf), "Unknown service ID \"%s\"", id);
		sim_reply_text(rep, 404, SIM_CONSUL_TEXT, buf);
		return;
	}
	log_debug("consul: deregister %s", id);
	sim_reply_text(rep, 200, NULL, NULL);
}

static json_t *
sim_consul_agent_services(void)
{
	json_t *o = json_object();
	size_t i;

	pthread_mutex_lock(&sim_consul.mtx);
	for (i = 0; i < sim_consul.n; i++)
		json_object_set_new(o, sim_consul.svcs[i]->id,
		    sim_consul_agent_json(sim_consul.svcs[i]));
	pthread_mutex_unlock(&sim_consul.mtx);
	return o;
}

static json_t *
sim_consul_catalog_services(void)
{
	json_t *o = json_object(), *tags, *t;
	struct sim_consul_svc *s;
	size_t i, j;

	json_object_set_new(o, "consul", json_array());
	pthread_mutex_lock(&sim_consul.mtx);
	for (i = 0; i < sim_consul.n; i++) {
		s = sim_consul.svcs[i];
		if ((tags = json_object_get(o, s->name)) == NULL) {
			tags = json_array();
			json_object_set_new(o, s->name, tags);
		}
		json_array_foreach(s->tags, j, t)
			if (!sim_consul_has_tag(tags, json_string_value(t)))
				json_array_append(tags, t);
	}
	pthread_mutex_unlock(&sim_consul.mtx);
	return o;
}

static json_t *
sim_consul_catalog_service(const char *name, const char *tag)
{
	json_t *a = json_array(), *none, *notags;
	struct sim_consul_svc *s;
	size_t i;

	pthread_mutex_lock(&sim_consul.mtx);
	if (strcmp(name, "consul") == 0 && tag == NULL) {
		none = json_object();
		notags = json_array();
		json_array_append_new(a, sim_consul_catalog_json("consul",
		    "consul", "", 8300, notags, none, 1, 1));
		json_decref(none);
		json_decref(notags);
	}
	for (i = 0; i < sim_consul.n; i++) {
		s = sim_consul.svcs[i];
		if (strcmp(s->name, name) != 0)
			continue;
		if (tag != NULL && !sim_consul_has_tag(s->tags, tag))
			continue;
		json_array_append_new(a, sim_consul_catalog_json(s->id,
		    s->name, s->address, s->port, s->tags, s->meta,
		    s->create_index, s->modify_index));
	}
	pthread_mutex_unlock(&sim_consul.mtx);
	return a;
}

static json_t *
sim_consul_self(void)
{
	return json_pack("{s:{s:s,s:s,s:s,s:s,s:b,s:s},s:{s:s,s:s,s:i}}",
	    "Config",
	    "Datacenter", SIM_CONSUL_DC,
	    "NodeName", sim_consul.node,
	    "NodeID", sim_consul.node_id,
	    "Domain", sim_consul.domain,
	    "Server", 1,
	    "Version", "1.15.0-sim",
	    "Member",
	    "Name", sim_consul.node,
	    "Addr", sim_consul.node_addr,
	    "Port", 8301);
}

static bool
sim_consul_is(const char *method, const char *want)
{
	return strcmp(method, want) == 0;
}

static void
sim_consul_handle(void *arg, const struct sim_request *req,
    struct sim_reply *rep)
{
	const char *p = req->path, *m = req->method, *tag, *rest;
	char buf[128];
	json_t *j;
	ssize_t i;

	(void)arg;
	if (strcmp(p, "/v1/agent/service/register") == 0) {
		if (!sim_consul_is(m, "PUT"))
			sim_consul_405(rep, m, "PUT");
		else
			sim_consul_register(req, rep);
		return;
	}
	if (strncmp(p, "/v1/agent/service/deregister/", 29) == 0) {
		if (!sim_consul_is(m, "PUT"))
			sim_consul_405(rep, m, "PUT");
		else if (p[29] == '\0')
			sim_reply_text(rep, 400, SIM_CONSUL_TEXT,
			    "Missing service ID");
		else
			sim_consul_deregister(p + 29, rep);
		return;
	}
	if (strcmp(p, "/v1/agent/services") == 0) {
		if (!sim_consul_is(m, "GET"))
			sim_consul_405(rep, m, "GET");
		else
			sim_reply_json(rep, 200, sim_consul_agent_services());
		return;
	}
	if (strncmp(p, "/v1/agent/service/", 18) == 0 && p[18] != '\0') {
		if (!sim_consul_is(m, "GET")) {
			sim_consul_405(rep, m, "GET");
			return;
		}
		rest = p + 18;
		pthread_mutex_lock(&sim_consul.mtx);
		i = sim_consul_find(rest);
		j = i >= 0 ? sim_consul_agent_json(sim_consul.svcs[i]) : NULL;
		pthread_mutex_unlock(&sim_consul.mtx);
		if (j == NULL) {
			snprintf(buf, sizeof(buf), "unknown service ID: %.80s",
			    rest);
			sim_reply_text(rep, 404, SIM_CONSUL_TEXT, buf);
		} else
			sim_reply_json(rep, 200, j);
		return;
	}
	if (strcmp(p, "/v1/agent/self") == 0) {
		if (!sim_consul_is(m, "GET"))
			sim_consul_405(rep, m, "GET");
		else
			sim_reply_json(rep, 200, sim_consul_self());
		return;
	}
	if (strcmp(p, "/v1/catalog/services") == 0) {
		if (!sim_consul_is(m, "GET")) {
			sim_consul_405(rep, m, "GET");
			return;
		}
		sim_reply_json(rep, 200, sim_consul_catalog_services());
		sim_consul_index_headers(rep);
		return;
	}
	if (strncmp(p, "/v1/catalog/service/", 20) == 0 && p[20] != '\0') {
		if (!sim_consul_is(m, "GET")) {
			sim_consul_405(rep, m, "GET");
			return;
		}
		tag = MHD_lookup_connection_value(req->conn,
		    MHD_GET_ARGUMENT_KIND, "tag");
		sim_reply_json(rep, 200, sim_consul_catalog_service(p + 20,
		    tag));
		sim_consul_index_headers(rep);
		return;
	}
	if (strcmp(p, "/v1/status/leader") == 0) {
		if (!sim_consul_is(m, "GET")) {
			sim_consul_405(rep, m, "GET");
			return;
		}
		snprintf(buf, sizeof(buf), "%s:8300", sim_consul.node_addr);
		sim_reply_json(rep, 200, json_string(buf));
		return;
	}
	if (strcmp(p, "/v1/status/peers") == 0) {
		if (!sim_consul_is(m, "GET")) {
			sim_consul_405(rep, m, "GET");
			return;
		}
		snprintf(buf, sizeof(buf), "%s:8300", sim_consul.node_addr);
		sim_reply_json(rep, 200, json_pack("[s]", buf));
		return;
	}
	sim_reply_text(rep, 404, SIM_CONSUL_TEXT, "404 page not found\n");
}

/* ---- the DNS table ------------------------------------------------------ */

char *
sim_consul_lookup_tagged(const char *service_name, const char *tag)
{
	struct sim_consul_svc *s;
	char *out = NULL, *tmp;
	size_t i;

	if (service_name == NULL || service_name[0] == '\0')
		return NULL;
	pthread_mutex_lock(&sim_consul.mtx);
	if (strcasecmp(service_name, "consul") == 0 && tag == NULL)
		out = xstrdup(sim_consul.node_addr);
	for (i = 0; i < sim_consul.n; i++) {
		s = sim_consul.svcs[i];
		if (strcasecmp(s->name, service_name) != 0)
			continue;
		if (tag != NULL && !sim_consul_has_tag(s->tags, tag))
			continue;
		if (out == NULL)
			out = xstrdup(sim_consul_addr(s));
		else {
			tmp = xasprintf("%s,%s", out, sim_consul_addr(s));
			free(out);
			out = tmp;
		}
	}
	pthread_mutex_unlock(&sim_consul.mtx);
	return out;
}

char *
sim_consul_lookup(const char *service_name)
{
	return sim_consul_lookup_tagged(service_name, NULL);
}

/* ---- control API -------------------------------------------------------- */

static json_t *
sim_consul_table(void)
{
	json_t *a = json_array();
	struct sim_consul_svc *s;
	size_t i;

	pthread_mutex_lock(&sim_consul.mtx);
	for (i = 0; i < sim_consul.n; i++) {
		s = sim_consul.svcs[i];
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:i,"
		    "s:O,s:O,s:b}",
		    "ID", s->id, "Name", s->name, "Address", s->address,
		    "ResolvesTo", sim_consul_addr(s), "Port", s->port,
		    "Tags", s->tags, "Meta", s->meta, "Foreign", s->foreign));
	}
	pthread_mutex_unlock(&sim_consul.mtx);
	return json_pack("{s:o}", "services", a);
}

static json_t *
sim_consul_dns_table(void)
{
	json_t *names = json_object(), *list;
	struct sim_consul_svc *s;
	char *lower;
	size_t i, k;

	pthread_mutex_lock(&sim_consul.mtx);
	for (i = 0; i < sim_consul.n; i++) {
		s = sim_consul.svcs[i];
		lower = xstrdup(s->name);
		for (k = 0; lower[k] != '\0'; k++)
			if (lower[k] >= 'A' && lower[k] <= 'Z')
				lower[k] = (char)(lower[k] - 'A' + 'a');
		if ((list = json_object_get(names, lower)) == NULL) {
			list = json_array();
			json_object_set_new(names, lower, list);
		}
		json_array_append_new(list, json_string(sim_consul_addr(s)));
		free(lower);
	}
	pthread_mutex_unlock(&sim_consul.mtx);
	return json_pack("{s:s,s:o}", "domain", sim_consul.domain, "names",
	    names);
}

static void
sim_consul_reset(void)
{
	size_t i;

	pthread_mutex_lock(&sim_consul.mtx);
	for (i = 0; i < sim_consul.n; i++)
		sim_consul_svc_free(sim_consul.svcs[i]);
	sim_consul.n = 0;
	sim_consul.index++;
	pthread_mutex_unlock(&sim_consul.mtx);
}

json_t *
sim_consul_control(const char *path, const char *method, json_t *body,
    int *status)
{
	struct sim_consul_svc *s;
	char err[256];
	json_t *r, *id;
	int rc;

	if ((r = sim_httpd_control(&sim_consul.http, path, method, body,
	    status)) != NULL)
		return r;
	if (strcmp(path, "services") == 0) {
		if (strcmp(method, "GET") != 0)
			return sim_ctl_error(status, 405, "use GET");
		*status = 200;
		return sim_consul_table();
	}
	if (strcmp(path, "dns") == 0) {
		if (strcmp(method, "GET") != 0)
			return sim_ctl_error(status, 405, "use GET");
		*status = 200;
		return sim_consul_dns_table();
	}
	if (strcmp(path, "delete") == 0) {
		if (strcmp(method, "POST") != 0)
			return sim_ctl_error(status, 405, "use POST");
		id = json_object_get(body, "id");
		if (id == NULL)
			id = json_object_get(body, "ID");
		if (!json_is_string(id))
			return sim_ctl_error(status, 400, "need {\"id\": ...}");
		pthread_mutex_lock(&sim_consul.mtx);
		rc = sim_consul_del(json_string_value(id));
		pthread_mutex_unlock(&sim_consul.mtx);
		if (rc == -1)
			return sim_ctl_error(status, 404, "no service with ID "
			    "\"%s\"", json_string_value(id));
		log_info("consul: control: deleted %s",
		    json_string_value(id));
		*status = 200;
		return json_pack("{s:b}", "ok", 1);
	}
	if (strcmp(path, "register") == 0) {
		if (strcmp(method, "POST") != 0)
			return sim_ctl_error(status, 405, "use POST");
		if ((s = sim_consul_decode(body, err, sizeof(err))) == NULL)
			return sim_ctl_error(status, 400, "%s", err);
		s->foreign = true;
		log_info("consul: control: registered %s", s->id);
		pthread_mutex_lock(&sim_consul.mtx);
		sim_consul_put(s);
		pthread_mutex_unlock(&sim_consul.mtx);
		*status = 200;
		return json_pack("{s:b}", "ok", 1);
	}
	if (strcmp(path, "reset") == 0) {
		if (strcmp(method, "POST") != 0)
			return sim_ctl_error(status, 405, "use POST");
		sim_consul_reset();
		sim_httpd_set_delay(&sim_consul.http, 0);
		if (sim_httpd_set_fault(&sim_consul.http, SIM_FAULT_NONE, err,
		    sizeof(err)) == -1)
			return sim_ctl_error(status, 500, "%s", err);
		sim_httpd_log_clear(&sim_consul.http);
		*status = 200;
		return json_pack("{s:b}", "ok", 1);
	}
	return sim_ctl_error(status, 404, "no such consul control: %s %s",
	    method, path);
}

/* ---- start / stop ------------------------------------------------------- */

int
sim_consul_start(const struct sim_opts *o, char *err, size_t errlen)
{
	size_t i;

	pthread_mutex_lock(&sim_consul.mtx);
	tstrlcpy(sim_consul.node_addr, o->master_ip != NULL ? o->master_ip :
	    "127.0.0.1", sizeof(sim_consul.node_addr));
	tstrlcpy(sim_consul.domain, o->domain != NULL && o->domain[0] ?
	    o->domain : "torc", sizeof(sim_consul.domain));
	if (o->cfg != NULL)
		for (i = 0; i < o->cfg->n_nodes; i++)
			if (o->cfg->nodes[i].type == CFG_NODE_MASTER) {
				tstrlcpy(sim_consul.node, o->cfg->nodes[i].name,
				    sizeof(sim_consul.node));
				break;
			}
	sim_uuid(sim_consul.node_id);
	sim_consul.index = 1;
	pthread_mutex_unlock(&sim_consul.mtx);

	memset(&sim_consul.http, 0, sizeof(sim_consul.http));
	sim_consul.http.name = "consul";
	tstrlcpy(sim_consul.http.bind_ip, o->bind_ip,
	    sizeof(sim_consul.http.bind_ip));
	sim_consul.http.port = o->consul_port;
	sim_consul.http.handler = sim_consul_handle;
	sim_consul.http.faults = true;
	sim_consul.http.fault_status = 500;
	sim_consul.http.fault_ctype = SIM_CONSUL_TEXT;
	sim_consul.http.fault_body = "rpc error making call: No cluster "
	    "leader";
	return sim_httpd_start(&sim_consul.http, err, errlen);
}

void
sim_consul_stop(void)
{
	sim_httpd_stop(&sim_consul.http);
	sim_consul_reset();
	pthread_mutex_lock(&sim_consul.mtx);
	free(sim_consul.svcs);
	sim_consul.svcs = NULL;
	sim_consul.cap = 0;
	pthread_mutex_unlock(&sim_consul.mtx);
}
