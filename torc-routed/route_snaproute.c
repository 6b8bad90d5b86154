/*
 * route_snaproute.c - the network-agent driver for SnapRoute FlexSwitch
 * (REST, JSON) over the shared http_client.  No bus messages.
 *
 *   create: POST   /public/v1/config/IPv4Route
 *           {"DestinationNw":"a.b.c.d","NetworkMask":"255.255.255.255",
 *            "Protocol":"STATIC","NextHop":[{"NextHopIp":"w.x.y.z"}]}
 *   delete: DELETE /public/v1/config/IPv4Route  (same key, "NextHop":[])
 *   list:   GET    /public/v1/state/IPv4Routes?CurrentMarker=M&Count=N,
 *           page by page while MoreExist, Objects[].Object.{DestinationNw,
 *           NetworkMask, NextHopList[0].NextHopIp}.
 *
 * FlexSwitch keys a route by its prefix: a create on an existing prefix
 * fails ("already exists") even with another next hop; a delete of a
 * missing route answers 410.  Which routes are torc's is not decided
 * here: route_diff.c keeps the owned set.
 */
#include "routed.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define SNAP_PAGE	1000
#define SNAP_MAX_PAGES	1000		/* a listing that never ends is an error */

struct snap_op {
	struct route_sys	*sys;
	struct route_entry	*e;
	enum route_op		 op;
	struct http_req		*req;
	struct snap_op		*prev, *next;
};

struct snap_data {
	struct snap_op		*ops;
	struct http_req		*list_req;
	struct route_obs	*obs;		/* listing in progress */
	size_t			 n_obs, cap_obs;
	unsigned		 pages;
};

static struct snap_data *
snap_data(struct route_sys *sys)
{
	if (sys->drv_data == NULL)
		sys->drv_data = xcalloc(1, sizeof(struct snap_data));
	return sys->drv_data;
}

static void
snap_excerpt(const struct http_response *r, char *buf, size_t len)
{
	size_t i, n = r->body_len < 120 ? r->body_len : 120, o = 0;

	for (i = 0; i < n && o + 1 < len; i++) {
		unsigned char c = (unsigned char)r->body[i];

		buf[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
	}
	buf[o] = '\0';
}

/* "a.b.c.d/n" -> address and dotted mask; -1 if malformed. */
static int
snap_split(const char *prefix, char *ip, size_t iplen, char *mask,
    size_t masklen)
{
	const char *slash = strchr(prefix, '/');
	struct in_addr m;
	char *end;
	long len;

	if (slash == NULL || (size_t)(slash - prefix) >= iplen)
		return -1;
	memcpy(ip, prefix, (size_t)(slash - prefix));
	ip[slash - prefix] = '\0';
	len = strtol(slash + 1, &end, 10);
	if (!is_ipv4(ip) || end == slash + 1 || *end != '\0' || len < 0 ||
	    len > 32)
		return -1;
	m.s_addr = htonl(len == 0 ? 0 : 0xffffffffu << (32 - len));
	if (inet_ntop(AF_INET, &m, mask, (socklen_t)masklen) == NULL)
		return -1;
	return 0;
}

/* Address and mask (or CIDR in the address) -> "a.b.c.d/n"; -1 if bad. */
static int
snap_join(const char *nw, const char *mask, char *out, size_t outlen)
{
	struct in_addr a, m;
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(nw, '/');
	int len = 0;
	uint32_t hm;

	if (slash != NULL) {
		if ((size_t)(slash - nw) >= sizeof(ip))
			return -1;
		memcpy(ip, nw, (size_t)(slash - nw));
		ip[slash - nw] = '\0';
		len = atoi(slash + 1);
	} else {
		tstrlcpy(ip, nw, sizeof(ip));
		if (inet_pton(AF_INET, mask, &m) != 1)
			return -1;
		hm = ntohl(m.s_addr);
		while (len < 32 && (hm & (0x80000000u >> len)) != 0)
			len++;
		if (len < 32 && (hm << len) != 0)
			return -1;	/* not contiguous */
	}
	if (inet_pton(AF_INET, ip, &a) != 1 || len < 0 || len > 32)
		return -1;
	snprintf(out, outlen, "%s/%d", ip, len);
	return 0;
}

/* The "Error" member of a FlexSwitch answer, or NULL if not that shape. */
static const char *
snap_error_of(json_t *root)
{
	json_t *e = json_object_get(root, "Error");

	if (!json_is_object(root))
		return NULL;
	return json_is_string(e) ? json_string_value(e) : "";
}

static void
snap_op_cb(const struct http_response *r, void *arg)
{
	struct snap_op *o = arg;
	struct route_sys *sys = o->sys;
	struct snap_data *sd = snap_data(sys);
	struct route_entry *e = o->e;
	enum route_result res;
	json_error_t jerr;
	json_t *root = NULL;
	const char *ferr = NULL;
	char err[512], ex[128];
	bool sys_ok;

	if (o->prev != NULL)
		o->prev->next = o->next;
	else
		sd->ops = o->next;
	if (o->next != NULL)
		o->next->prev = o->prev;
	snap_excerpt(r, ex, sizeof(ex));
	err[0] = '\0';
	if (r->outcome == HTTP_ANSWERED) {
		root = json_loadb(r->body, r->body_len, 0, &jerr);
		ferr = snap_error_of(root);
	}
	if (r->outcome != HTTP_ANSWERED) {
		snprintf(err, sizeof(err), "%s", r->error);
		res = r->outcome == HTTP_NOT_SENT ? ROUTE_RES_FAIL :
		    ROUTE_RES_UNKNOWN;
		sys_ok = false;
	} else if (r->status >= 200 && r->status < 300) {
		if (ferr != NULL && *ferr == '\0') {
			res = ROUTE_RES_OK;
			sys_ok = true;
		} else {
			snprintf(err, sizeof(err), "HTTP %ld, unexpected "
			    "answer: \"%s\"", r->status, ex);
			res = ROUTE_RES_UNKNOWN;
			sys_ok = false;
		}
	} else if (o->op == ROUTE_OP_DEL && r->status == 410) {
		res = ROUTE_RES_GONE;
		sys_ok = true;
	} else if (o->op == ROUTE_OP_PUT && ferr != NULL &&
	    strstr(ferr, "already exists") != NULL) {
		snprintf(err, sizeof(err), "prefix in use: %s", ferr);
		res = ROUTE_RES_EXISTS;
		sys_ok = true;
	} else {
		snprintf(err, sizeof(err), "HTTP %ld: %s", r->status,
		    ferr != NULL && *ferr != '\0' ? ferr : ex);
		res = ROUTE_RES_FAIL;
		sys_ok = r->status < 500;
	}
	json_decref(root);
	free(o);
	route_sys_done(sys, e, res, err, sys_ok);
}

static int
snap_apply(struct route_sys *sys, const struct route_action *a, char *err,
    size_t errlen)
{
	struct snap_data *sd = snap_data(sys);
	struct http_opts ho = { .timeout_ms = ROUTED_WRITE_TIMEOUT_MS };
	char ip[INET_ADDRSTRLEN], mask[INET_ADDRSTRLEN], url[1024], *body;
	struct snap_op *o;
	json_t *j, *nh;

	if (snap_split(a->e->key, ip, sizeof(ip), mask, sizeof(mask)) != 0) {
		snprintf(err, errlen, "bad prefix %s", a->e->key);
		return -1;
	}
	nh = json_array();
	if (a->op == ROUTE_OP_PUT) {
		if (a->val->addr == NULL || !is_ipv4(a->val->addr)) {
			json_decref(nh);
			snprintf(err, errlen, "bad next hop");
			return -1;
		}
		json_array_append_new(nh, json_pack("{s:s}", "NextHopIp",
		    a->val->addr));
	}
	j = json_pack("{s:s, s:s, s:s, s:o}", "DestinationNw", ip,
	    "NetworkMask", mask, "Protocol", "STATIC", "NextHop", nh);
	body = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (body == NULL) {
		snprintf(err, errlen, "cannot encode the route");
		return -1;
	}
	snprintf(url, sizeof(url), "%s/public/v1/config/IPv4Route",
	    sys->base_url);
	ho.method = a->op == ROUTE_OP_PUT ? "POST" : "DELETE";
	ho.url = url;
	ho.content_type = "application/json";
	ho.body = body;
	ho.body_len = strlen(body);
	o = xcalloc(1, sizeof(*o));
	o->sys = sys;
	o->e = a->e;
	o->op = a->op;
	o->req = http_client_send(sys->rd->http, &ho, snap_op_cb, o, err,
	    errlen);
	free(body);
	if (o->req == NULL) {
		free(o);
		return -1;
	}
	o->next = sd->ops;
	if (sd->ops != NULL)
		sd->ops->prev = o;
	sd->ops = o;
	return 0;
}

static int snap_list_page(struct route_sys *sys, long marker, char *err,
    size_t errlen);

static void
snap_list_reset(struct snap_data *sd)
{
	route_obs_free(sd->obs, sd->n_obs);
	sd->obs = NULL;
	sd->n_obs = sd->cap_obs = 0;
	sd->pages = 0;
}

static void
snap_list_fail(struct route_sys *sys, const char *err)
{
	snap_list_reset(snap_data(sys));
	route_sys_list_done(sys, false, NULL, 0, err);
}

/* Append the routes of one page; -1 if the page is not the right shape. */
static int
snap_list_parse(struct snap_data *sd, json_t *objs)
{
	json_t *it;
	size_t i;

	json_array_foreach(objs, i, it) {
		json_t *ob = json_object_get(it, "Object"), *nhl, *nh0;
		const char *nw, *mask;
		char key[64];
		struct route_obs *o;

		if (!json_is_object(ob))
			return -1;
		nw = json_string_value(json_object_get(ob, "DestinationNw"));
		mask = json_string_value(json_object_get(ob, "NetworkMask"));
		if (nw == NULL)
			return -1;
		if (snap_join(nw, mask != NULL ? mask : "255.255.255.255",
		    key, sizeof(key)) != 0)
			continue;	/* not IPv4: never one of ours */
		nhl = json_object_get(ob, "NextHopList");
		nh0 = json_is_array(nhl) ? json_array_get(nhl, 0) : NULL;
		if (sd->n_obs == sd->cap_obs) {
			sd->cap_obs = sd->cap_obs ? sd->cap_obs * 2 : 256;
			sd->obs = xrealloc(sd->obs,
			    sd->cap_obs * sizeof(*sd->obs));
		}
		o = &sd->obs[sd->n_obs++];
		memset(o, 0, sizeof(*o));
		o->key = xstrdup(key);
		route_val_set(&o->val, NULL, nh0 != NULL && json_is_string(
		    json_object_get(nh0, "NextHopIp")) ? json_string_value(
		    json_object_get(nh0, "NextHopIp")) : "", NULL, NULL, NULL);
	}
	return 0;
}

static void
snap_list_cb(const struct http_response *r, void *arg)
{
	struct route_sys *sys = arg;
	struct snap_data *sd = snap_data(sys);
	json_error_t jerr;
	json_t *root = NULL, *objs, *more, *next;
	char err[512], ex[128];

	sd->list_req = NULL;
	snap_excerpt(r, ex, sizeof(ex));
	if (r->outcome != HTTP_ANSWERED) {
		snap_list_fail(sys, r->error);
		return;
	}
	if (r->status != 200) {
		snprintf(err, sizeof(err), "HTTP %ld: %s", r->status, ex);
		snap_list_fail(sys, err);
		return;
	}
	root = json_loadb(r->body, r->body_len, 0, &jerr);
	objs = json_object_get(root, "Objects");
	more = json_object_get(root, "MoreExist");
	next = json_object_get(root, "NextMarker");
	if (!json_is_object(root) || (!json_is_array(objs) &&
	    !json_is_null(objs)) || snap_list_parse(sd, objs) != 0) {
		json_decref(root);
		snprintf(err, sizeof(err), "route list is not what FlexSwitch "
		    "sends: \"%s\"", ex);
		snap_list_fail(sys, err);
		return;
	}
	if (json_is_true(more)) {
		long marker = json_is_integer(next) ?
		    (long)json_integer_value(next) : -1;

		json_decref(root);
		if (marker <= 0 || ++sd->pages > SNAP_MAX_PAGES) {
			snap_list_fail(sys, "route list paging does not end");
			return;
		}
		if (snap_list_page(sys, marker, err, sizeof(err)) != 0)
			snap_list_fail(sys, err);
		return;
	}
	json_decref(root);
	{
		struct route_obs *obs = sd->obs;
		size_t n = sd->n_obs;

		sd->obs = NULL;
		sd->n_obs = sd->cap_obs = 0;
		sd->pages = 0;
		route_sys_list_done(sys, true, obs, n, NULL);
		route_obs_free(obs, n);
	}
}

static int
snap_list_page(struct route_sys *sys, long marker, char *err, size_t errlen)
{
	struct snap_data *sd = snap_data(sys);
	struct http_opts ho = { .method = "GET",
	    .timeout_ms = ROUTED_LIST_TIMEOUT_MS };
	char url[1024];

	snprintf(url, sizeof(url), "%s/public/v1/state/IPv4Routes?"
	    "CurrentMarker=%ld&Count=%d", sys->base_url, marker, SNAP_PAGE);
	ho.url = url;
	sd->list_req = http_client_send(sys->rd->http, &ho, snap_list_cb, sys,
	    err, errlen);
	return sd->list_req != NULL ? 0 : -1;
}

static int
snap_list(struct route_sys *sys, char *err, size_t errlen)
{
	snap_list_reset(snap_data(sys));
	return snap_list_page(sys, 0, err, errlen);
}

static void
snap_close(struct route_sys *sys)
{
	struct snap_data *sd = sys->drv_data;
	struct snap_op *o, *next;

	if (sd == NULL)
		return;
	for (o = sd->ops; o != NULL; o = next) {
		next = o->next;
		http_req_cancel(o->req);
		free(o);
	}
	http_req_cancel(sd->list_req);
	snap_list_reset(sd);
	free(sd);
	sys->drv_data = NULL;
}

const struct route_driver route_snaproute_driver = {
	.name = "snaproute",
	.apply = snap_apply,
	.list = snap_list,
	.close = snap_close,
};
