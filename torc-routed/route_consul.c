/*
 * route_consul.c - the DNS driver: Consul agent HTTP API over the shared
 * http_client (libcurl multi on the loop).  No bus messages.
 *
 *   register:   PUT /v1/agent/service/register
 *               {"ID":"torc-<name>","Name":..,"Address":..,
 *                "Tags":["torc"],"Meta":{"origin":..,"task_id":..,"node":..}}
 *   deregister: PUT /v1/agent/service/deregister/<id>   (404: already gone)
 *   list:       GET /v1/agent/services -> {ID: {ID, Service, Tags, Meta,
 *               Address, ...}}; an entry is ours when its ID starts with
 *               "torc-" and it carries the tag "torc".
 *
 * Answers are classified here (route_result plus whether Consul itself
 * answered sensibly); what to do about them is route_diff.c's business.
 */
#include "routed.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

struct consul_op {
	struct route_sys	*sys;
	struct route_entry	*e;
	enum route_op		 op;
	struct http_req		*req;
	struct consul_op	*prev, *next;
};

struct consul_data {
	struct consul_op	*ops;		/* in flight */
	struct http_req		*list_req;
};

static struct consul_data *
consul_data(struct route_sys *sys)
{
	if (sys->drv_data == NULL)
		sys->drv_data = xcalloc(1, sizeof(struct consul_data));
	return sys->drv_data;
}

static void
consul_op_unlink(struct consul_data *cd, struct consul_op *o)
{
	if (o->prev != NULL)
		o->prev->next = o->next;
	else
		cd->ops = o->next;
	if (o->next != NULL)
		o->next->prev = o->prev;
}

/* An answer body Consul would send: empty or JSON. */
static bool
consul_body_sane(const struct http_response *r)
{
	json_error_t jerr;
	json_t *j;
	size_t i;

	for (i = 0; i < r->body_len; i++)
		if (r->body[i] != ' ' && r->body[i] != '\n' &&
		    r->body[i] != '\r' && r->body[i] != '\t')
			break;
	if (i == r->body_len)
		return true;
	j = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, &jerr);
	json_decref(j);
	return j != NULL;
}

/* A short, printable excerpt of an answer body for error messages. */
static void
consul_excerpt(const struct http_response *r, char *buf, size_t len)
{
	size_t i, n = r->body_len < 120 ? r->body_len : 120, o = 0;

	for (i = 0; i < n && o + 1 < len; i++) {
		unsigned char c = (unsigned char)r->body[i];

		buf[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
	}
	buf[o] = '\0';
}

static void
consul_op_cb(const struct http_response *r, void *arg)
{
	struct consul_op *o = arg;
	struct route_sys *sys = o->sys;
	struct route_entry *e = o->e;
	enum route_result res;
	char err[512], ex[128];
	bool sys_ok;

	consul_op_unlink(consul_data(sys), o);
	consul_excerpt(r, ex, sizeof(ex));
	if (r->outcome != HTTP_ANSWERED) {
		snprintf(err, sizeof(err), "%s", r->error);
		res = r->outcome == HTTP_NOT_SENT ? ROUTE_RES_FAIL :
		    ROUTE_RES_UNKNOWN;
		sys_ok = false;
	} else if (r->status == 200 && consul_body_sane(r)) {
		res = ROUTE_RES_OK;
		err[0] = '\0';
		sys_ok = true;
	} else if (r->status == 200) {
		snprintf(err, sizeof(err), "answer is not JSON: \"%s\"", ex);
		res = ROUTE_RES_UNKNOWN;
		sys_ok = false;
	} else if (r->status == 404 && o->op == ROUTE_OP_DEL) {
		res = ROUTE_RES_GONE;
		err[0] = '\0';
		sys_ok = true;
	} else {
		snprintf(err, sizeof(err), "HTTP %ld: %s", r->status, ex);
		res = ROUTE_RES_FAIL;
		sys_ok = r->status < 500;
	}
	free(o);
	route_sys_done(sys, e, res, err, sys_ok);
}

/* The register body; NULL if jansson refuses (it never should). */
static char *
consul_register_body(const char *id, const struct route_val *v)
{
	json_t *meta = json_object(), *j;
	char *s;

	if (v->origin != NULL && *v->origin != '\0')
		json_object_set_new(meta, "origin", json_string(v->origin));
	if (v->task_id != NULL && *v->task_id != '\0')
		json_object_set_new(meta, "task_id", json_string(v->task_id));
	if (v->node != NULL && *v->node != '\0')
		json_object_set_new(meta, "node", json_string(v->node));
	j = json_pack("{s:s, s:s, s:s, s:[s], s:o}",
	    "ID", id,
	    "Name", v->name != NULL ? v->name : "",
	    "Address", v->addr != NULL ? v->addr : "",
	    "Tags", ROUTE_DNS_TAG,
	    "Meta", meta);
	if (j == NULL)
		return NULL;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

static int
consul_apply(struct route_sys *sys, const struct route_action *a, char *err,
    size_t errlen)
{
	struct consul_data *cd = consul_data(sys);
	struct http_opts ho = { .timeout_ms = ROUTED_WRITE_TIMEOUT_MS };
	struct consul_op *o;
	char url[1024], *body = NULL;

	if (a->op == ROUTE_OP_PUT) {
		if ((body = consul_register_body(a->e->key, a->val)) == NULL) {
			snprintf(err, errlen, "cannot encode the entry (not "
			    "UTF-8?)");
			return -1;
		}
		snprintf(url, sizeof(url), "%s/v1/agent/service/register",
		    sys->base_url);
		ho.content_type = "application/json";
		ho.body = body;
		ho.body_len = strlen(body);
	} else {
		char *esc = curl_easy_escape(NULL, a->e->key, 0);

		if (esc == NULL) {
			snprintf(err, errlen, "cannot escape the ID");
			return -1;
		}
		snprintf(url, sizeof(url), "%s/v1/agent/service/deregister/%s",
		    sys->base_url, esc);
		curl_free(esc);
	}
	ho.method = "PUT";
	ho.url = url;
	o = xcalloc(1, sizeof(*o));
	o->sys = sys;
	o->e = a->e;
	o->op = a->op;
	o->req = http_client_send(sys->rd->http, &ho, consul_op_cb, o, err,
	    errlen);
	free(body);
	if (o->req == NULL) {
		free(o);
		return -1;
	}
	o->next = cd->ops;
	if (cd->ops != NULL)
		cd->ops->prev = o;
	cd->ops = o;
	return 0;
}

static const char *
jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

static bool
has_tag(json_t *svc, const char *tag)
{
	json_t *tags = json_object_get(svc, "Tags"), *t;
	size_t i;

	if (!json_is_array(tags))
		return false;
	json_array_foreach(tags, i, t)
		if (json_is_string(t) && strcmp(json_string_value(t), tag) == 0)
			return true;
	return false;
}

static size_t
skip_ws(const char *b, size_t len, size_t i)
{
	while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' ||
	    b[i] == '\r'))
		i++;
	return i;
}

/*
 * One value of the listing at *pos (a key when key is true): jansson
 * parses it and, with JSON_DISABLE_EOF_CHECK, says how many bytes it
 * read.  NULL when it is not a value of that kind.
 */
static json_t *
take_value(const char *b, size_t len, size_t *pos, bool key)
{
	json_error_t jerr;
	json_t *v;

	v = json_loadb(b + *pos, len - *pos, JSON_DISABLE_EOF_CHECK |
	    (key ? JSON_DECODE_ANY : 0), &jerr);
	if (v == NULL || (key && !json_is_string(v)) ||
	    jerr.position <= 0 || (size_t)jerr.position > len - *pos) {
		json_decref(v);
		return NULL;
	}
	*pos += (size_t)jerr.position;
	return v;
}

static void
add_obs(struct route_obs **obs, size_t *n, size_t *cap, const char *id,
    json_t *svc)
{
	struct route_obs *ob;
	json_t *meta = json_object_get(svc, "Meta");

	if (*n == *cap) {
		*cap = *cap != 0 ? *cap * 2 : 256;
		*obs = xrealloc(*obs, *cap * sizeof(**obs));
	}
	ob = &(*obs)[(*n)++];
	memset(ob, 0, sizeof(*ob));
	ob->key = xstrdup(id);
	ob->ours = strncmp(id, ROUTE_DNS_ID_PREFIX,
	    strlen(ROUTE_DNS_ID_PREFIX)) == 0 && has_tag(svc, ROUTE_DNS_TAG);
	route_val_set(&ob->val, jstr(svc, "Service"), jstr(svc, "Address"),
	    jstr(meta, "task_id"), jstr(meta, "node"), jstr(meta, "origin"));
}

/*
 * The listing, {"<id>": {service}, ...}, one member at a time: jansson
 * parses each key and each service, and only the braces, colons and
 * commas between them are looked at here.  Parsed whole, the 10,000
 * services of a large rack made a tree of about 17 MB; this way one
 * service's tree exists at a time.
 */
int
route_consul_parse_list(const char *b, size_t len, struct route_obs **obs,
    size_t *n, size_t *bad_at)
{
	size_t cap = 0, pos = skip_ws(b, len, 0);

	*obs = NULL;
	*n = 0;
	if (pos >= len || b[pos] != '{')
		goto bad;
	pos = skip_ws(b, len, pos + 1);
	if (pos < len && b[pos] == '}')
		pos++;
	else
		for (;;) {
			json_t *key, *svc;

			if ((key = take_value(b, len, &pos, true)) == NULL)
				goto bad;
			pos = skip_ws(b, len, pos);
			if (pos >= len || b[pos] != ':') {
				json_decref(key);
				goto bad;
			}
			pos = skip_ws(b, len, pos + 1);
			if ((svc = take_value(b, len, &pos, false)) == NULL) {
				json_decref(key);
				goto bad;
			}
			if (json_is_object(svc))
				add_obs(obs, n, &cap, json_string_value(key),
				    svc);
			json_decref(key);
			json_decref(svc);
			pos = skip_ws(b, len, pos);
			if (pos < len && b[pos] == ',') {
				pos = skip_ws(b, len, pos + 1);
				continue;
			}
			if (pos < len && b[pos] == '}') {
				pos++;
				break;
			}
			goto bad;
		}
	if ((pos = skip_ws(b, len, pos)) == len)
		return 0;
bad:
	route_obs_free(*obs, *n);
	*obs = NULL;
	*n = 0;
	*bad_at = pos;
	return -1;
}

static void
consul_list_cb(const struct http_response *r, void *arg)
{
	struct route_sys *sys = arg;
	struct route_obs *obs = NULL;
	char err[512], ex[128];
	size_t n = 0, bad_at;

	consul_data(sys)->list_req = NULL;
	consul_excerpt(r, ex, sizeof(ex));
	if (r->outcome != HTTP_ANSWERED) {
		snprintf(err, sizeof(err), "%s", r->error);
		goto fail;
	}
	if (r->status != 200) {
		snprintf(err, sizeof(err), "HTTP %ld: %s", r->status, ex);
		goto fail;
	}
	if (route_consul_parse_list(r->body, r->body_len, &obs, &n,
	    &bad_at) != 0) {
		snprintf(err, sizeof(err), "services list is not a JSON "
		    "object of services: \"%s\" (unreadable at byte %zu)", ex,
		    bad_at);
		goto fail;
	}
	route_sys_list_done(sys, true, obs, n, NULL);
	route_obs_free(obs, n);
	return;
fail:
	route_sys_list_done(sys, false, NULL, 0, err);
}

static int
consul_list(struct route_sys *sys, char *err, size_t errlen)
{
	struct consul_data *cd = consul_data(sys);
	struct http_opts ho = { .method = "GET",
	    .timeout_ms = ROUTED_LIST_TIMEOUT_MS };
	char url[1024];

	snprintf(url, sizeof(url), "%s/v1/agent/services", sys->base_url);
	ho.url = url;
	cd->list_req = http_client_send(sys->rd->http, &ho, consul_list_cb,
	    sys, err, errlen);
	return cd->list_req != NULL ? 0 : -1;
}

static void
consul_close(struct route_sys *sys)
{
	struct consul_data *cd = sys->drv_data;
	struct consul_op *o, *next;

	if (cd == NULL)
		return;
	for (o = cd->ops; o != NULL; o = next) {
		next = o->next;
		http_req_cancel(o->req);
		free(o);
	}
	http_req_cancel(cd->list_req);
	free(cd);
	sys->drv_data = NULL;
}

const struct route_driver route_consul_driver = {
	.name = "consul",
	.apply = consul_apply,
	.list = consul_list,
	.close = consul_close,
};
