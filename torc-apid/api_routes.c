/*
 * api_routes.c - the REST routes: one table of method, path, handler,
 * required parameter and flags, and one place that checks a request
 * against its row before any handler runs (in this order: 404 path, 405
 * method, 401 token, 413 body, 400 query, 503 no state yet).
 *
 * Reads are answered from the replica.  Writes send CTL_START_GROUP,
 * CTL_KILL and CTL_ANNOUNCE to torc-schedd and expect CTL_RESULT;
 * /routes, /dns and /metrics send ROUTED_STATUS_REQ to torc-routed and
 * expect ROUTED_STATUS_REP.
 */
#include "apid.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "monotime.h"
#include "util.h"

static void	h_ping(struct api_req *);
static void	h_list(struct api_req *);
static void	h_start_group(struct api_req *);
static void	h_kill(struct api_req *);
static void	h_service_by_id(struct api_req *);
static void	h_announce(struct api_req *);
static void	h_routes(struct api_req *);
static void	h_metrics(struct api_req *);
static void	h_events(struct api_req *);

/* Rows with the same path are grouped; one row per method set. */
const struct api_route api_routes[] = {
	{ "/admin/ping", API_GET, h_ping, NULL, 0, -1 },
	{ "/nodes", API_GET, h_list, NULL, API_F_REPLICA, API_LIST_NODES },
	{ "/services", API_GET, h_list, NULL, API_F_REPLICA,
	    API_LIST_SERVICES },
	{ "/services/running", API_GET, h_list, NULL, API_F_REPLICA,
	    API_LIST_RUNNING },
	{ "/services/metered", API_GET, h_list, NULL, API_F_REPLICA,
	    API_LIST_METERED },
	{ "/services/pending", API_GET, h_list, NULL, API_F_REPLICA,
	    API_LIST_PENDING },
	{ "/start/group", API_GET | API_POST, h_start_group, "name",
	    API_F_MUTATING, -1 },
	{ "/service", API_GET, h_service_by_id, "id",
	    API_F_REPLICA | API_F_CORS, -1 },
	{ "/service", API_DELETE, h_kill, "name", API_F_MUTATING, -1 },
	{ "/service/announce", API_POST, h_announce, NULL,
	    API_F_MUTATING | API_F_BODY, -1 },
	{ "/routes", API_GET, h_routes, NULL, 0, 0 },
	{ "/dns", API_GET, h_routes, NULL, 0, 1 },
	{ "/metrics", API_GET, h_metrics, NULL, 0, -1 },
	{ "/events", API_GET, h_events, NULL, 0, -1 },
};
const size_t api_n_routes = nitems(api_routes);

unsigned
api_method_parse(const char *method)
{
	if (strcmp(method, "GET") == 0)
		return API_GET;
	if (strcmp(method, "HEAD") == 0)
		return API_HEAD;
	if (strcmp(method, "POST") == 0)
		return API_POST;
	if (strcmp(method, "DELETE") == 0)
		return API_DELETE;
	if (strcmp(method, "PUT") == 0)
		return API_PUT;
	return API_OTHER;
}

/* The methods a row answers: HEAD wherever GET is, unless GET changes
 * something (HEAD must be safe). */
static unsigned
row_methods(const struct api_route *rt)
{
	unsigned m = rt->methods;

	if ((m & API_GET) && !(rt->flags & API_F_MUTATING))
		m |= API_HEAD;
	return m;
}

int
api_route_find(const char *path, unsigned method, unsigned *allow)
{
	bool seen = false;

	*allow = 0;
	for (size_t i = 0; i < api_n_routes; i++) {
		if (strcmp(api_routes[i].path, path) != 0)
			continue;
		seen = true;
		if (row_methods(&api_routes[i]) & method)
			return (int)i;
		*allow |= row_methods(&api_routes[i]);
	}
	return seen ? -2 : -1;
}

void
api_allow_string(unsigned methods, char *buf, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ API_GET, "GET" }, { API_HEAD, "HEAD" }, { API_POST, "POST" },
		{ API_PUT, "PUT" }, { API_DELETE, "DELETE" },
	};

	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nitems(names) && off < len; i++) {
		int n;

		if ((methods & names[i].bit) == 0)
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
		    names[i].name);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

bool
api_auth_ok(unsigned flags, const char *token, const char *authorization)
{
	static const char prefix[] = "Bearer ";
	size_t tlen, alen;
	unsigned char diff = 0;

	if (token == NULL || token[0] == '\0' || !(flags & API_F_MUTATING))
		return true;
	if (authorization == NULL ||
	    strncmp(authorization, prefix, sizeof(prefix) - 1) != 0)
		return false;
	authorization += sizeof(prefix) - 1;
	tlen = strlen(token);
	alen = strlen(authorization);
	/* Compare every byte whatever the first difference. */
	for (size_t i = 0; i < tlen; i++)
		diff |= (unsigned char)token[i] ^
		    (unsigned char)(i < alen ? authorization[i] : 0);
	return diff == 0 && alen == tlen;
}

void
api_dispatch(struct api_req *r)
{
	struct apid *ad = r->ad;
	const struct api_route *rt;
	unsigned allow;
	char err[160];
	const char *v;
	int idx;

	idx = api_route_find(r->path, r->method_bit, &allow);
	if (idx == -1) {
		api_reply_error(r, MHD_HTTP_NOT_FOUND, "no such path: %.100s",
		    r->path);
		return;
	}
	if (idx == -2) {
		struct MHD_Response *resp;
		json_t *j;
		char *body;
		size_t len;
		char allowbuf[64];

		api_allow_string(allow, allowbuf, sizeof(allowbuf));
		j = json_pack("{s:s}", "error", "method not allowed");
		body = api_json_dump(j, &len);
		json_decref(j);
		resp = MHD_create_response_from_buffer(len, body,
		    MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    "application/json");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allowbuf);
		api_reply_resp(r, MHD_HTTP_METHOD_NOT_ALLOWED, resp, true);
		return;
	}
	r->route = idx;
	rt = &api_routes[idx];
	if (!api_auth_ok(rt->flags, ad->cfg->api.token,
	    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION))) {
		api_reply_error(r, MHD_HTTP_UNAUTHORIZED,
		    "missing or wrong bearer token");
		return;
	}
	if (r->body_too_big) {
		api_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE,
		    "request body larger than %u bytes", API_BODY_MAX);
		return;
	}
	if ((v = strchr(r->uri, '?')) != NULL)
		v++;
	if (api_query_parse(v, &r->query, err, sizeof(err)) != 0) {
		api_reply_error(r, MHD_HTTP_BAD_REQUEST, "%s", err);
		return;
	}
	if (rt->param != NULL) {
		if ((v = api_query_get(&r->query, rt->param)) == NULL) {
			api_reply_error(r, MHD_HTTP_BAD_REQUEST,
			    "missing query parameter '%s'", rt->param);
			return;
		}
		if (v[0] == '\0') {
			api_reply_error(r, MHD_HTTP_BAD_REQUEST,
			    "empty query parameter '%s'", rt->param);
			return;
		}
	}
	if ((rt->flags & API_F_REPLICA) && !ad->ever_synced) {
		api_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "no state from torc-schedd yet");
		return;
	}
	rt->handler(r);
}

/* ---- reads ----------------------------------------------------------- */

static void
h_ping(struct api_req *r)
{
	api_reply_resp(r, MHD_HTTP_OK, r->ad->pong, false);
}

static void
h_list(struct api_req *r)
{
	struct MHD_Response *resp = api_list_response(r->ad,
	    (enum api_list)api_routes[r->route].list);

	if (resp == NULL) {
		api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory");
		return;
	}
	api_reply_resp(r, MHD_HTTP_OK, resp, false);
}

/* The original's container lookup for charmander-vector. */
static void
h_service_by_id(struct api_req *r)
{
	const struct replica *rep = &r->ad->state;
	const char *prefix = api_query_get(&r->query, "id");
	size_t plen = strlen(prefix);
	const char *found = "";

	for (size_t i = 0; i < rep->n_services; i++) {
		const char *cid = rep->services[i]->container_id;

		if (cid != NULL && cid[0] != '\0' &&
		    strncmp(cid, prefix, plen) == 0) {
			found = rep->services[i]->name;
			break;
		}
	}
	api_reply_json(r, MHD_HTTP_OK, json_pack("{s:s}", "result", found));
}

/* ---- writes: CTL_* to torc-schedd ------------------------------------ */

static void
ctl_done(struct apid *ad, struct tmsg *rep, const char *why, void *arg)
{
	struct api_req *r = arg;

	(void)ad;
	if (rep == NULL)
		api_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "torc-schedd: %s", why);
	else if (rep->type == TMSG_ERROR)
		api_reply_error(r, rep->u.error.code >= 400 &&
		    rep->u.error.code < 600 ? (unsigned)rep->u.error.code :
		    MHD_HTTP_BAD_GATEWAY, "torc-schedd: %s",
		    rep->u.error.message);
	else if (rep->type != TMSG_CTL_RESULT)
		api_reply_error(r, MHD_HTTP_BAD_GATEWAY,
		    "torc-schedd answered %s", tmsg_type_name(rep->type));
	else if (rep->u.result.code >= 200 && rep->u.result.code < 300) {
		json_t *names = json_array();

		for (uint32_t i = 0; i < rep->u.result.n_names; i++)
			json_array_append_new(names,
			    json_string(rep->u.result.names[i]));
		api_reply_json(r, (unsigned)rep->u.result.code,
		    json_pack("{s:s,s:o}", "result", "done",
		    "services", names));
	} else
		api_reply_error(r, rep->u.result.code >= 400 &&
		    rep->u.result.code < 600 ?
		    (unsigned)rep->u.result.code : MHD_HTTP_BAD_GATEWAY,
		    "%s", rep->u.result.message);
	api_resume(r);
}

static void
send_ctl(struct api_req *r, struct tmsg *m)
{
	api_suspend(r);
	api_chan_call(&r->ad->ctl, m, ctl_done, r);
}

static void
h_start_group(struct api_req *r)
{
	struct tmsg m = { .type = TMSG_CTL_START_GROUP };

	m.u.name.name = xstrdup(api_query_get(&r->query, "name"));
	send_ctl(r, &m);
}

static void
h_kill(struct api_req *r)
{
	struct tmsg m = { .type = TMSG_CTL_KILL };

	m.u.name.name = xstrdup(api_query_get(&r->query, "name"));
	send_ctl(r, &m);
}

static void
h_announce(struct api_req *r)
{
	struct tmsg m = { .type = TMSG_CTL_ANNOUNCE };
	char err[256];

	if (r->body_len == 0) {
		api_reply_error(r, MHD_HTTP_BAD_REQUEST,
		    "missing body: a task object");
		return;
	}
	if (api_json_parse_task(r->body, r->body_len, &m.u.svc, err,
	    sizeof(err)) != 0) {
		api_reply_error(r, MHD_HTTP_BAD_REQUEST, "%s", err);
		return;
	}
	send_ctl(r, &m);
}

/* ---- torc-routed ---------------------------------------------------- */

static void
routes_done(struct apid *ad, const struct tmsg_routed_status *st,
    const char *why, void *arg)
{
	struct api_req *r = arg;
	bool dns = api_routes[r->route].list == 1;

	(void)ad;
	r->waiting_routed = false;
	if (st == NULL)
		api_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "torc-routed: %s", why);
	else if (dns)
		api_reply_json(r, MHD_HTTP_OK,
		    api_json_route_entries(st->dns, st->n_dns, true));
	else
		api_reply_json(r, MHD_HTTP_OK,
		    api_json_route_entries(st->routes, st->n_routes, false));
	api_resume(r);
}

static void
h_routes(struct api_req *r)
{
	api_suspend(r);
	r->waiting_routed = true;
	api_routed_status(r->ad, routes_done, r);
}

static void
metrics_done(struct apid *ad, const struct tmsg_routed_status *st,
    const char *why, void *arg)
{
	struct api_req *r = arg;
	struct MHD_Response *resp;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)why;
	r->waiting_routed = false;
	if ((fp = open_memstream(&buf, &len)) == NULL) {
		api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory");
		api_resume(r);
		return;
	}
	ad->stats.schedd_timeouts = ad->ctl.timeouts + ad->sync.timeouts;
	ad->stats.routed_timeouts = ad->routed.timeouts;
	api_metrics_write(fp, &ad->state, &ad->stats, st, wall_s());
	fclose(fp);
	resp = MHD_create_response_from_buffer(len, buf,
	    MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; version=0.0.4; charset=utf-8");
	api_reply_resp(r, MHD_HTTP_OK, resp, true);
	api_resume(r);
}

static void
h_metrics(struct api_req *r)
{
	api_suspend(r);
	r->waiting_routed = true;
	api_routed_status(r->ad, metrics_done, r);
}

static void
h_events(struct api_req *r)
{
	api_sse_open(r);
}
