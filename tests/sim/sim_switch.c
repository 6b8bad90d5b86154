/*
 * sim_switch.c - torc-sim's network agent: the SnapRoute FlexSwitch REST
 * API for static IPv4 routes (config and state views), SystemStatus and
 * Ports, with the error answers torc has to cope with.
 *
 * A route's identity is (DestinationNw masked by NetworkMask,
 * NetworkMask).  Creating a route whose prefix exists is an error even
 * when the next hop differs: moving a route is delete then create.
 * Answers, all JSON:
 *   create            201 {"ObjectId":"<uuid>","Error":""}
 *   duplicate create  500 {"ObjectId":"","Error":"...already exists"}
 *   invalid value     500 {"ObjectId":"","Error":"..."}
 *   delete            200 {"ObjectId":"<uuid>","Error":""}
 *   delete, missing   410 {"ObjectId":"","Error":"...not found"}
 *   bad JSON / type   400 {"ObjectId":"","Error":"..."}
 *   unknown object    404 {"ObjectId":"","Error":"..."}
 * Keys in request bodies are matched case-insensitively (FlexSwitch
 * decodes with Go's encoding/json).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "sim.h"
#include "sim_util.h"
#include "util.h"

#define SIM_SW_PREFIX		"/public/v1/"
#define SIM_SW_INTREF		"vlan100"	/* the demo's VLAN interface */

struct sim_route {
	char	 id[37];
	uint32_t dest;			/* as given */
	uint32_t mask;
	char	 protocol[32];
	json_t	*nexthops;		/* [{NextHopIp,Weight,NextHopIntRef}] */
	json_int_t cost;
	bool	 null_route;
	bool	 operator_route;	/* added through the control API */
	char	 created[64];
};

static struct {
	pthread_mutex_t mtx;
	struct sim_route **routes;
	size_t	 n;
	size_t	 cap;
	int	 n_ports;
	time_t	 started;
	uint64_t n_create, n_delete, n_update, n_get, n_action;
	struct sim_httpd http;
} sim_sw = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.n_ports = 1,
};

static void
sim_sw_route_free(struct sim_route *r)
{
	if (r != NULL) {
		json_decref(r->nexthops);
		free(r);
	}
}

/* Index of the route for this prefix, or -1; mtx held. */
static ssize_t
sim_sw_find(uint32_t dest, uint32_t mask)
{
	size_t i;

	for (i = 0; i < sim_sw.n; i++)
		if (sim_sw.routes[i]->mask == mask &&
		    (sim_sw.routes[i]->dest & mask) == (dest & mask))
			return (ssize_t)i;
	return -1;
}

static ssize_t
sim_sw_find_id(const char *id)
{
	size_t i;

	for (i = 0; i < sim_sw.n; i++)
		if (strcmp(sim_sw.routes[i]->id, id) == 0)
			return (ssize_t)i;
	return -1;
}

static void
sim_sw_remove_at(size_t i)
{
	sim_sw_route_free(sim_sw.routes[i]);
	memmove(&sim_sw.routes[i], &sim_sw.routes[i + 1],
	    (sim_sw.n - i - 1) * sizeof(*sim_sw.routes));
	sim_sw.n--;
}

static void
sim_sw_append(struct sim_route *r)
{
	if (sim_sw.n == sim_sw.cap) {
		sim_sw.cap = sim_sw.cap ? sim_sw.cap * 2 : 64;
		sim_sw.routes = xrealloc(sim_sw.routes,
		    sim_sw.cap * sizeof(*sim_sw.routes));
	}
	sim_sw.routes[sim_sw.n++] = r;
}

/* Go's time.Time String() form, as FlexSwitch prints times. */
static void
sim_sw_timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char tmp[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ld +0000 UTC", tmp, ts.tv_nsec);
}

static json_t *
sim_sw_answer(const char *id, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* {"ObjectId": id, "Error": message}: every FlexSwitch write answer. */
static json_t *
sim_sw_answer(const char *id, const char *fmt, ...)
{
	char buf[512] = "";
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
	}
	return json_pack("{s:s,s:s}", "ObjectId", id, "Error", buf);
}

/*
 * Route key from a body: DestinationNw ("a.b.c.d" or "a.b.c.d/n") and
 * NetworkMask (dotted, contiguous).  Returns 0, or the HTTP status to
 * answer with a message in err.
 */
static int
sim_sw_key(json_t *body, uint32_t *dest, uint32_t *mask, char *err,
    size_t errlen)
{
	json_t *d, *m;
	char buf[64], *slash, *end;
	long len = -1;
	uint32_t mk = 0;

	d = sim_json_iget(body, "DestinationNw");
	m = sim_json_iget(body, "NetworkMask");
	if ((d != NULL && !json_is_string(d) && !json_is_null(d)) ||
	    (m != NULL && !json_is_string(m) && !json_is_null(m))) {
		snprintf(err, errlen, "json: cannot unmarshal into Go struct "
		    "field IPv4Route.%s of type string",
		    d != NULL && !json_is_string(d) && !json_is_null(d) ?
		    "DestinationNw" : "NetworkMask");
		return 400;
	}
	if (!json_is_string(d) || json_string_length(d) == 0) {
		snprintf(err, errlen, "Key DestinationNw missing");
		return 500;
	}
	tstrlcpy(buf, json_string_value(d), sizeof(buf));
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash = '\0';
		len = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || len < 0 || len > 32) {
			snprintf(err, errlen, "Invalid DestinationNw %s",
			    json_string_value(d));
			return 500;
		}
	}
	if (sim_ip_parse(buf, dest) == -1) {
		snprintf(err, errlen, "Invalid DestinationNw %s",
		    json_string_value(d));
		return 500;
	}
	if (json_is_string(m) && json_string_length(m) > 0) {
		if (sim_ip_parse(json_string_value(m), &mk) == -1 ||
		    sim_mask_len(mk) < 0) {
			snprintf(err, errlen, "Invalid NetworkMask %s",
			    json_string_value(m));
			return 500;
		}
		if (len >= 0 && sim_len_mask((int)len) != mk) {
			snprintf(err, errlen, "NetworkMask %s does not match "
			    "DestinationNw %s", json_string_value(m),
			    json_string_value(d));
			return 500;
		}
	} else if (len >= 0)
		mk = sim_len_mask((int)len);
	else {
		snprintf(err, errlen, "Key NetworkMask missing");
		return 500;
	}
	*mask = mk;
	return 0;
}

/* A full route from a create body; NULL with *status and err. */
static struct sim_route *
sim_sw_decode(json_t *body, int *status, char *err, size_t errlen)
{
	struct sim_route *r;
	json_t *proto, *nh, *cost, *nul, *h, *ip, *w, *ref;
	uint32_t dest, mask, a;
	size_t i;

	if (!json_is_object(body)) {
		*status = 400;
		snprintf(err, errlen, "%s", body == NULL ?
		    "invalid character looking for beginning of value" :
		    "json: cannot unmarshal non-object into Go value of type "
		    "objects.IPv4Route");
		return NULL;
	}
	if ((*status = sim_sw_key(body, &dest, &mask, err, errlen)) != 0)
		return NULL;
	proto = sim_json_iget(body, "Protocol");
	nh = sim_json_iget(body, "NextHop");
	cost = sim_json_iget(body, "Cost");
	nul = sim_json_iget(body, "NullRoute");
	*status = 400;
	if (proto != NULL && !json_is_string(proto) && !json_is_null(proto)) {
		snprintf(err, errlen, "json: cannot unmarshal into Go struct "
		    "field IPv4Route.Protocol of type string");
		return NULL;
	}
	if (nh != NULL && !json_is_array(nh) && !json_is_null(nh)) {
		snprintf(err, errlen, "json: cannot unmarshal into Go struct "
		    "field IPv4Route.NextHop of type []objects.NextHopInfo");
		return NULL;
	}
	if (cost != NULL && !json_is_null(cost) && (!json_is_integer(cost) ||
	    json_integer_value(cost) < 0 ||
	    json_integer_value(cost) > 4294967295LL)) {
		snprintf(err, errlen, "json: cannot unmarshal into Go struct "
		    "field IPv4Route.Cost of type uint32");
		return NULL;
	}
	if (nul != NULL && !json_is_boolean(nul) && !json_is_null(nul)) {
		snprintf(err, errlen, "json: cannot unmarshal into Go struct "
		    "field IPv4Route.NullRoute of type bool");
		return NULL;
	}
	json_array_foreach(nh, i, h) {
		ip = sim_json_iget(h, "NextHopIp");
		w = sim_json_iget(h, "Weight");
		ref = sim_json_iget(h, "NextHopIntRef");
		if (!json_is_object(h) ||
		    (ip != NULL && !json_is_string(ip) && !json_is_null(ip)) ||
		    (w != NULL && !json_is_null(w) && !json_is_integer(w)) ||
		    (ref != NULL && !json_is_string(ref) &&
		    !json_is_null(ref))) {
			snprintf(err, errlen, "json: cannot unmarshal into Go "
			    "struct field IPv4Route.NextHop of type "
			    "objects.NextHopInfo");
			return NULL;
		}
	}
	*status = 500;
	if (json_is_string(proto) && json_string_length(proto) > 31) {
		snprintf(err, errlen, "Invalid Protocol");
		return NULL;
	}
	if (json_array_size(nh) == 0 && !json_is_true(nul)) {
		snprintf(err, errlen, "No next hop for route %s",
		    json_string_value(sim_json_iget(body, "DestinationNw")));
		return NULL;
	}

	r = xcalloc(1, sizeof(*r));
	r->dest = dest;
	r->mask = mask;
	tstrlcpy(r->protocol, json_is_string(proto) &&
	    json_string_length(proto) > 0 ? json_string_value(proto) :
	    "STATIC", sizeof(r->protocol));
	r->cost = json_is_integer(cost) ? json_integer_value(cost) : 0;
	r->null_route = json_is_true(nul);
	r->nexthops = json_array();
	json_array_foreach(nh, i, h) {
		ip = sim_json_iget(h, "NextHopIp");
		w = sim_json_iget(h, "Weight");
		ref = sim_json_iget(h, "NextHopIntRef");
		if (sim_ip_parse(json_string_value(ip), &a) == -1) {
			snprintf(err, errlen, "Invalid NextHopIp %s",
			    json_is_string(ip) ? json_string_value(ip) : "");
			sim_sw_route_free(r);
			return NULL;
		}
		json_array_append_new(r->nexthops, json_pack("{s:s,s:I,s:s}",
		    "NextHopIp", json_string_value(ip),
		    "Weight", json_is_integer(w) ? json_integer_value(w) :
		    (json_int_t)0,
		    "NextHopIntRef", json_is_string(ref) &&
		    json_string_length(ref) > 0 ? json_string_value(ref) :
		    SIM_SW_INTREF));
	}
	*status = 0;
	return r;
}

static json_t *
sim_sw_config_json(const struct sim_route *r)
{
	char d[16], m[16];
	json_t *nh = json_array(), *h;
	size_t i;

	sim_ip_format(r->dest, d);
	sim_ip_format(r->mask, m);
	json_array_foreach(r->nexthops, i, h)
		json_array_append_new(nh, json_pack("{s:O,s:O}",
		    "NextHopIp", json_object_get(h, "NextHopIp"),
		    "Weight", json_object_get(h, "Weight")));
	return json_pack("{s:s,s:{s:s,s:s,s:s,s:o,s:I,s:b}}",
	    "ObjectId", r->id, "Object",
	    "DestinationNw", d,
	    "NetworkMask", m,
	    "Protocol", r->protocol,
	    "NextHop", nh,
	    "Cost", r->cost,
	    "NullRoute", r->null_route);
}

static json_t *
sim_sw_state_json(const struct sim_route *r)
{
	char d[16], m[16];

	sim_ip_format(r->dest, d);
	sim_ip_format(r->mask, m);
	return json_pack("{s:s,s:{s:s,s:s,s:s,s:O,s:b,s:s,s:s,s:n,s:I,"
	    "s:b}}",
	    "ObjectId", r->id, "Object",
	    "DestinationNw", d,
	    "NetworkMask", m,
	    "Protocol", r->protocol,
	    "NextHopList", r->nexthops,
	    "IsNetworkReachable", !r->null_route,
	    "RouteCreatedTime", r->created,
	    "RouteUpdatedTime", "",
	    "PolicyList",
	    "Cost", r->cost,
	    "NullRoute", r->null_route);
}

/* A bulk GET answer, honouring CurrentMarker and Count. */
static json_t *
sim_sw_list(const struct sim_request *req, bool state)
{
	const char *v;
	json_t *objs = json_array();
	long marker = 0, count = 0;
	size_t i, end;
	bool more;

	if ((v = MHD_lookup_connection_value(req->conn,
	    MHD_GET_ARGUMENT_KIND, "CurrentMarker")) != NULL)
		marker = strtol(v, NULL, 10);
	if ((v = MHD_lookup_connection_value(req->conn,
	    MHD_GET_ARGUMENT_KIND, "Count")) != NULL)
		count = strtol(v, NULL, 10);
	if (marker < 0)
		marker = 0;
	pthread_mutex_lock(&sim_sw.mtx);
	sim_sw.n_get++;
	end = sim_sw.n;
	if (count > 0 && (size_t)marker + (size_t)count < end)
		end = (size_t)marker + (size_t)count;
	for (i = (size_t)marker; i < end; i++)
		json_array_append_new(objs, state ?
		    sim_sw_state_json(sim_sw.routes[i]) :
		    sim_sw_config_json(sim_sw.routes[i]));
	more = end < sim_sw.n;
	pthread_mutex_unlock(&sim_sw.mtx);
	return json_pack("{s:b,s:I,s:I,s:I,s:o}",
	    "MoreExist", more,
	    "ObjCount", (json_int_t)json_array_size(objs),
	    "CurrentMarker", (json_int_t)marker,
	    "NextMarker", (json_int_t)(more ? end : 0),
	    "Objects", objs);
}

static void
sim_sw_create(const struct sim_request *req, struct sim_reply *rep)
{
	struct sim_route *r;
	char err[512], d[16], m[16];
	int status;

	pthread_mutex_lock(&sim_sw.mtx);
	sim_sw.n_create++;
	pthread_mutex_unlock(&sim_sw.mtx);
	if ((r = sim_sw_decode(req->json, &status, err, sizeof(err))) ==
	    NULL) {
		sim_reply_json(rep, (unsigned)status, sim_sw_answer("",
		    "%s", err));
		return;
	}
	sim_ip_format(r->dest, d);
	sim_ip_format(r->mask, m);
	pthread_mutex_lock(&sim_sw.mtx);
	if (sim_sw_find(r->dest, r->mask) >= 0) {
		pthread_mutex_unlock(&sim_sw.mtx);
		sim_sw_route_free(r);
		sim_reply_json(rep, 500, sim_sw_answer("", "Failed to create "
		    "IPv4Route %s/%s: object already exists", d, m));
		return;
	}
	sim_uuid(r->id);
	sim_sw_timestamp(r->created, sizeof(r->created));
	sim_sw_append(r);
	pthread_mutex_unlock(&sim_sw.mtx);
	log_debug("switch: route %s/%s added", d, m);
	sim_reply_json(rep, 201, sim_sw_answer(r->id, NULL));
}

static void
sim_sw_delete(const struct sim_request *req, const char *id,
    struct sim_reply *rep)
{
	char err[512], oid[37];
	uint32_t dest = 0, mask = 0;
	ssize_t i;
	int status;

	if (id == NULL) {
		if (!json_is_object(req->json)) {
			sim_reply_json(rep, 400, sim_sw_answer("", "%s",
			    "invalid character looking for beginning of "
			    "value"));
			return;
		}
		if ((status = sim_sw_key(req->json, &dest, &mask, err,
		    sizeof(err))) != 0) {
			sim_reply_json(rep, (unsigned)status,
			    sim_sw_answer("", "%s", err));
			return;
		}
	}
	pthread_mutex_lock(&sim_sw.mtx);
	sim_sw.n_delete++;
	i = id != NULL ? sim_sw_find_id(id) : sim_sw_find(dest, mask);
	if (i < 0) {
		pthread_mutex_unlock(&sim_sw.mtx);
		sim_reply_json(rep, 410, sim_sw_answer("", "Failed to delete "
		    "IPv4Route: object not found"));
		return;
	}
	tstrlcpy(oid, sim_sw.routes[i]->id, sizeof(oid));
	sim_sw_remove_at((size_t)i);
	pthread_mutex_unlock(&sim_sw.mtx);
	log_debug("switch: route %s deleted", oid);
	sim_reply_json(rep, 200, sim_sw_answer(oid, NULL));
}

/* GET one route: by ObjectId (id) or by key in the body. */
static void
sim_sw_get_one(const struct sim_request *req, const char *id, bool state,
    struct sim_reply *rep)
{
	char err[512];
	uint32_t dest = 0, mask = 0;
	json_t *j = NULL;
	ssize_t i;
	int status;

	if (id == NULL && (status = sim_sw_key(req->json, &dest, &mask, err,
	    sizeof(err))) != 0) {
		sim_reply_json(rep, (unsigned)status, sim_sw_answer("", "%s",
		    err));
		return;
	}
	pthread_mutex_lock(&sim_sw.mtx);
	sim_sw.n_get++;
	i = id != NULL ? sim_sw_find_id(id) : sim_sw_find(dest, mask);
	if (i >= 0)
		j = state ? sim_sw_state_json(sim_sw.routes[i]) :
		    sim_sw_config_json(sim_sw.routes[i]);
	pthread_mutex_unlock(&sim_sw.mtx);
	if (j == NULL)
		sim_reply_json(rep, 404, sim_sw_answer("", "Object not found"));
	else
		sim_reply_json(rep, 200, j);
}

static json_t *
sim_sw_system_status(void)
{
	static const char *const daemons[] = { "arpd", "asicd", "ribd",
	    "confd", "sysd" };
	char up[64], ts[64], n[5][24];
	json_t *fd = json_array();
	long s;
	size_t i;

	pthread_mutex_lock(&sim_sw.mtx);
	s = (long)(time(NULL) - sim_sw.started);
	snprintf(n[0], sizeof(n[0]), "%llu",
	    (unsigned long long)sim_sw.n_create);
	snprintf(n[1], sizeof(n[1]), "%llu",
	    (unsigned long long)sim_sw.n_delete);
	snprintf(n[2], sizeof(n[2]), "%llu",
	    (unsigned long long)sim_sw.n_update);
	snprintf(n[3], sizeof(n[3]), "%llu",
	    (unsigned long long)++sim_sw.n_get);
	snprintf(n[4], sizeof(n[4]), "%llu",
	    (unsigned long long)sim_sw.n_action);
	pthread_mutex_unlock(&sim_sw.mtx);
	snprintf(up, sizeof(up), "%ldh%ldm%lds", s / 3600, s / 60 % 60,
	    s % 60);
	sim_sw_timestamp(ts, sizeof(ts));
	for (i = 0; i < nitems(daemons); i++)
		json_array_append_new(fd, json_pack("{s:s,s:b,s:s,s:s,s:s,"
		    "s:s,s:i,s:s,s:s}",
		    "Name", daemons[i], "Enable", 1, "State", "up",
		    "Reason", "", "StartTime", ts, "KeepAlive", "Alive",
		    "RestartCount", 0, "RestartTime", "", "RestartReason", ""));
	return json_pack("{s:s,s:{s:s,s:b,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o}}",
	    "ObjectId", "", "Object",
	    "Name", "torc-sim",
	    "Ready", 1,
	    "Reason", "None",
	    "UpTime", up,
	    "NumCreateCalls", n[0],
	    "NumDeleteCalls", n[1],
	    "NumUpdateCalls", n[2],
	    "NumGetCalls", n[3],
	    "NumActionCalls", n[4],
	    "FlexDaemons", fd);
}

static json_t *
sim_sw_ports(void)
{
	json_t *objs = json_array();
	char name[32];
	int i, n;

	pthread_mutex_lock(&sim_sw.mtx);
	n = sim_sw.n_ports;
	sim_sw.n_get++;
	pthread_mutex_unlock(&sim_sw.mtx);
	for (i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), "fpPort%d", i);
		json_array_append_new(objs, json_pack("{s:s,s:{s:s,s:i,s:s,"
		    "s:s,s:s}}", "ObjectId", "", "Object",
		    "IntfRef", name, "IfIndex", i, "Name", name,
		    "OperState", "UP", "ErrDisableReason", ""));
	}
	return json_pack("{s:b,s:i,s:i,s:i,s:o}", "MoreExist", 0,
	    "ObjCount", n, "CurrentMarker", 0, "NextMarker", 0,
	    "Objects", objs);
}

static void
sim_sw_405(struct sim_reply *rep, const char *allow)
{
	sim_reply_json(rep, 405, sim_sw_answer("", "Method not allowed"));
	sim_reply_header(rep, "Allow", allow);
}

static void
sim_sw_handle(void *arg, const struct sim_request *req,
    struct sim_reply *rep)
{
	const char *p = req->path, *m = req->method;
	bool get = strcmp(m, "GET") == 0;

	(void)arg;
	if (strncmp(p, SIM_SW_PREFIX, strlen(SIM_SW_PREFIX)) != 0) {
		sim_reply_json(rep, 404, sim_sw_answer("", "Not found"));
		return;
	}
	p += strlen(SIM_SW_PREFIX);
	if (strcmp(p, "config/IPv4Route") == 0) {
		if (strcmp(m, "POST") == 0)
			sim_sw_create(req, rep);
		else if (strcmp(m, "DELETE") == 0)
			sim_sw_delete(req, NULL, rep);
		else if (get)
			sim_sw_get_one(req, NULL, false, rep);
		else
			sim_sw_405(rep, "GET, POST, DELETE");
		return;
	}
	if (strncmp(p, "config/IPv4Route/", 17) == 0 && p[17] != '\0') {
		if (strcmp(m, "DELETE") == 0)
			sim_sw_delete(req, p + 17, rep);
		else if (get)
			sim_sw_get_one(req, p + 17, false, rep);
		else
			sim_sw_405(rep, "GET, DELETE");
		return;
	}
	if (strcmp(p, "config/IPv4Routes") == 0 ||
	    strcmp(p, "state/IPv4Routes") == 0) {
		if (!get)
			sim_sw_405(rep, "GET");
		else
			sim_reply_json(rep, 200, sim_sw_list(req, p[0] == 's'));
		return;
	}
	if (strcmp(p, "state/IPv4Route") == 0 ||
	    (strncmp(p, "state/IPv4Route/", 16) == 0 && p[16] != '\0')) {
		if (!get)
			sim_sw_405(rep, "GET");
		else
			sim_sw_get_one(req, p[15] == '/' ? p + 16 : NULL, true,
			    rep);
		return;
	}
	if (strcmp(p, "state/SystemStatus") == 0) {
		if (!get)
			sim_sw_405(rep, "GET");
		else
			sim_reply_json(rep, 200, sim_sw_system_status());
		return;
	}
	if (strcmp(p, "state/Ports") == 0) {
		if (!get)
			sim_sw_405(rep, "GET");
		else
			sim_reply_json(rep, 200, sim_sw_ports());
		return;
	}
	sim_reply_json(rep, 404, sim_sw_answer("", "Unknown object %s", p));
}

/* ---- control API -------------------------------------------------------- */

/* "a.b.c.d/n" or "a.b.c.d" (/32); 0 or -1. */
static int
sim_sw_parse_prefix(const char *s, uint32_t *dest, uint32_t *mask)
{
	char buf[64], *slash, *end;
	long len = 32;

	if (s == NULL || strlen(s) >= sizeof(buf))
		return -1;
	tstrlcpy(buf, s, sizeof(buf));
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash = '\0';
		len = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || len < 0 || len > 32)
			return -1;
	}
	if (sim_ip_parse(buf, dest) == -1)
		return -1;
	*mask = sim_len_mask((int)len);
	return 0;
}

static json_t *
sim_sw_table(void)
{
	json_t *a = json_array();
	struct sim_route *r;
	char d[16], pfx[24];
	size_t i;

	pthread_mutex_lock(&sim_sw.mtx);
	for (i = 0; i < sim_sw.n; i++) {
		r = sim_sw.routes[i];
		sim_ip_format(r->dest & r->mask, d);
		snprintf(pfx, sizeof(pfx), "%s/%d", d, sim_mask_len(r->mask));
		json_array_append_new(a, json_pack("{s:s,s:s?,s:O,s:s,s:s,"
		    "s:s}",
		    "prefix", pfx,
		    "nexthop", json_string_value(json_object_get(
		    json_array_get(r->nexthops, 0), "NextHopIp")),
		    "nexthops", r->nexthops,
		    "protocol", r->protocol,
		    "object_id", r->id,
		    "origin", r->operator_route ? "operator" : "api"));
	}
	pthread_mutex_unlock(&sim_sw.mtx);
	return json_pack("{s:o}", "routes", a);
}

static void
sim_sw_reset(void)
{
	size_t i;

	pthread_mutex_lock(&sim_sw.mtx);
	for (i = 0; i < sim_sw.n; i++)
		sim_sw_route_free(sim_sw.routes[i]);
	sim_sw.n = 0;
	pthread_mutex_unlock(&sim_sw.mtx);
}

json_t *
sim_switch_control(const char *path, const char *method, json_t *body,
    int *status)
{
	struct sim_route *r;
	const char *pfx, *nh;
	char err[256];
	uint32_t dest, mask, a;
	json_t *j;
	ssize_t i;

	if ((j = sim_httpd_control(&sim_sw.http, path, method, body,
	    status)) != NULL)
		return j;
	if (strcmp(path, "routes") == 0) {
		if (strcmp(method, "GET") != 0)
			return sim_ctl_error(status, 405, "use GET");
		*status = 200;
		return sim_sw_table();
	}
	if (strcmp(path, "delete") == 0) {
		if (strcmp(method, "POST") != 0)
			return sim_ctl_error(status, 405, "use POST");
		pfx = json_string_value(json_object_get(body, "prefix"));
		if (sim_sw_parse_prefix(pfx, &dest, &mask) == -1)
			return sim_ctl_error(status, 400, "need {\"prefix\": "
			    "\"a.b.c.d/n\"}");
		pthread_mutex_lock(&sim_sw.mtx);
		if ((i = sim_sw_find(dest, mask)) >= 0)
			sim_sw_remove_at((size_t)i);
		pthread_mutex_unlock(&sim_sw.mtx);
		if (i < 0)
			return sim_ctl_error(status, 404, "no route %s", pfx);
		log_info("switch: control: deleted %s", pfx);
		*status = 200;
		return json_pack("{s:b}", "ok", 1);
	}
	if (strcmp(path, "add") == 0) {
		if (strcmp(method, "POST") != 0)
			return sim_ctl_error(status, 405, "use POST");
		pfx = json_string_value(json_object_get(body, "prefix"));
		nh = json_string_value(json_object_get(body, "nexthop"));
		if (sim_sw_parse_prefix(pfx, &dest, &mask) == -1 ||
		    sim_ip_parse(nh, &a) == -1)
			return sim_ctl_error(status, 400, "need {\"prefix\": "
			    "\"a.b.c.d/n\", \"nexthop\": \"a.b.c.d\"}");
		r = xcalloc(1, sizeof(*r));
		r->dest = dest & mask;
		r->mask = mask;
		r->operator_route = true;
		tstrlcpy(r->protocol, "STATIC", sizeof(r->protocol));
		r->nexthops = json_pack("[{s:s,s:i,s:s}]", "NextHopIp", nh,
		    "Weight", 0, "NextHopIntRef", SIM_SW_INTREF);
		sim_uuid(r->id);
		sim_sw_timestamp(r->created, sizeof(r->created));
		pthread_mutex_lock(&sim_sw.mtx);
		if (sim_sw_find(dest, mask) >= 0) {
			pthread_mutex_unlock(&sim_sw.mtx);
			sim_sw_route_free(r);
			return sim_ctl_error(status, 409, "route %s exists",
			    pfx);
		}
		sim_sw_append(r);
		j = json_pack("{s:b,s:s}", "ok", 1, "object_id", r->id);
		pthread_mutex_unlock(&sim_sw.mtx);
		log_info("switch: control: added %s via %s", pfx, nh);
		*status = 201;
		return j;
	}
	if (strcmp(path, "reset") == 0) {
		if (strcmp(method, "POST") != 0)
			return sim_ctl_error(status, 405, "use POST");
		sim_sw_reset();
		sim_httpd_set_delay(&sim_sw.http, 0);
		if (sim_httpd_set_fault(&sim_sw.http, SIM_FAULT_NONE, err,
		    sizeof(err)) == -1)
			return sim_ctl_error(status, 500, "%s", err);
		sim_httpd_log_clear(&sim_sw.http);
		*status = 200;
		return json_pack("{s:b}", "ok", 1);
	}
	return sim_ctl_error(status, 404, "no such switch control: %s %s",
	    method, path);
}

/* ---- start / stop ------------------------------------------------------- */

int
sim_switch_start(const struct sim_opts *o, char *err, size_t errlen)
{
	pthread_mutex_lock(&sim_sw.mtx);
	sim_sw.started = time(NULL);
	sim_sw.n_ports = o->cfg != NULL && o->cfg->n_nodes > 0 ?
	    (int)o->cfg->n_nodes : 1;
	pthread_mutex_unlock(&sim_sw.mtx);

	memset(&sim_sw.http, 0, sizeof(sim_sw.http));
	sim_sw.http.name = "switch";
	tstrlcpy(sim_sw.http.bind_ip, o->bind_ip,
	    sizeof(sim_sw.http.bind_ip));
	sim_sw.http.port = o->switch_port;
	sim_sw.http.handler = sim_sw_handle;
	sim_sw.http.faults = true;
	sim_sw.http.fault_status = 500;
	sim_sw.http.fault_ctype = "application/json";
	sim_sw.http.fault_body = "{\"ObjectId\":\"\",\"Error\":\"Internal "
	    "error: ribd not responding\"}";
	return sim_httpd_start(&sim_sw.http, err, errlen);
}

void
sim_switch_stop(void)
{
	sim_httpd_stop(&sim_sw.http);
	sim_sw_reset();
	pthread_mutex_lock(&sim_sw.mtx);
	free(sim_sw.routes);
	sim_sw.routes = NULL;
	sim_sw.cap = 0;
	pthread_mutex_unlock(&sim_sw.mtx);
}
