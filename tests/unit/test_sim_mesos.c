/*
 * test_sim_mesos.c - fidelity tests of torc-sim's Mesos master
 * (tests/sim/sim_mesos.c), run in-process on an ephemeral 127.0.0.1
 * port and spoken to with libcurl, protobuf-c and common/recordio like
 * a real scheduler would.  Every wait is a bounded poll of the stream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "cfg.h"
#include "recordio.h"
#include "tests/sim/sim.h"
#include "mesos/mesos.pb-c.h"
#include "mesos/scheduler.pb-c.h"

typedef Mesos__V1__Scheduler__Call Call;
typedef Mesos__V1__Scheduler__Event Event;

#define EV(x)	MESOS__V1__SCHEDULER__EVENT__TYPE__##x
#define CT(x)	MESOS__V1__SCHEDULER__CALL__TYPE__##x
#define TS(x)	MESOS__V1__TASK_STATE__TASK_##x
#define RS(x)	MESOS__V1__TASK_STATUS__REASON__REASON_##x
#define CAP(x)	MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__##x

static const char test_cfg[] =
    "nodes:\n"
    "  - name: wedge\n"
    "    ip: $MASTER_IP\n"
    "    type: master\n"
    "  - name: node1\n"
    "    ip: 10.250.3.21\n"
    "    type: slave\n";

static int port;
static const char *auth_hdr;	/* "Authorization: ..." on every request */
static const char *setup_auth;	/* sim_opts.mesos_auth of the next setup */

static int64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static json_t *
ctl(const char *path, const char *method, const char *body_json)
{
	json_t *b = body_json != NULL ? json_loads(body_json, 0, NULL) : NULL;
	int status = 0;
	json_t *r = sim_mesos_control(path, method, b, &status);

	json_decref(b);
	assert_int_equal(status, 200);
	return r;
}

static void
ctl0(const char *path, const char *body_json)
{
	json_decref(ctl(path, "POST", body_json));
}

static int
setup(void **state)
{
	struct torc_config *cfg = NULL;
	struct cfg_errors errs = { NULL, 0 };
	struct sim_opts o;
	char err[256];
	json_t *info;

	(void)state;
	assert_int_equal(cfg_load_buffer("test.yml", test_cfg,
	    strlen(test_cfg), "10.250.3.1", &cfg, &errs), 0);
	cfg_errors_free(&errs);
	memset(&o, 0, sizeof(o));
	o.cfg = cfg;
	o.master_ip = "127.0.0.1";
	o.bind_ip = "127.0.0.1";
	o.mesos_port = 0;
	o.seed = 42;
	o.heartbeat_interval = 0.3;
	o.task_start_delay_ms = 100;
	o.mesos_auth = setup_auth;
	if (sim_mesos_start(&o, err, sizeof(err)) != 0)
		fail_msg("start: %s", err);
	cfg_free(cfg);
	info = ctl("info", "GET", NULL);
	port = (int)json_integer_value(json_object_get(info, "port"));
	json_decref(info);
	assert_true(port > 0);
	ctl0("timers", "{\"allocation_interval_ms\": 30, "
	    "\"kill_delay_ms\": 30}");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sim_mesos_stop();
	auth_hdr = setup_auth = NULL;
	return 0;
}

/* The master with HTTP Basic authentication for "torc:s3cret". */
static int
setup_auth_on(void **state)
{
	setup_auth = "torc:s3cret";
	return setup(state);
}

/* ---- plain HTTP ------------------------------------------------------- */

struct resp {
	long	 status;
	char	 body[4096];
	size_t	 len;
	char	 location[256];
	char	 sid[128];
	char	 ctype[128];
	char	 www[128];
};

static size_t
body_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct resp *r = arg;
	size_t len = sz * n, room = sizeof(r->body) - 1 - r->len;

	memcpy(r->body + r->len, p, len < room ? len : room);
	r->len += len < room ? len : room;
	r->body[r->len] = '\0';
	return len;
}

static void
header_value(const char *line, size_t len, const char *name, char *out,
    size_t outlen)
{
	size_t nl = strlen(name);

	if (len > nl + 1 && strncasecmp(line, name, nl) == 0 &&
	    line[nl] == ':') {
		const char *v = line + nl + 1;
		size_t vl = len - nl - 1;

		while (vl > 0 && *v == ' ') {
			v++;
			vl--;
		}
		while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
			vl--;
		if (vl >= outlen)
			vl = outlen - 1;
		memcpy(out, v, vl);
		out[vl] = '\0';
	}
}

static size_t
hdr_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct resp *r = arg;

	header_value(p, sz * n, "Location", r->location, sizeof(r->location));
	header_value(p, sz * n, "Mesos-Stream-Id", r->sid, sizeof(r->sid));
	header_value(p, sz * n, "Content-Type", r->ctype, sizeof(r->ctype));
	header_value(p, sz * n, "WWW-Authenticate", r->www, sizeof(r->www));
	return sz * n;
}

static long
http(const char *method, const char *path, const char *ctype,
    const char *accept, const char *sid, const void *body, size_t len,
    struct resp *r)
{
	CURL *e = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[256], line[256];

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	h = curl_slist_append(h, "Expect:");
	if (ctype != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", ctype);
		h = curl_slist_append(h, line);
	} else
		h = curl_slist_append(h, "Content-Type:");
	if (accept != NULL) {
		snprintf(line, sizeof(line), "Accept: %s", accept);
		h = curl_slist_append(h, line);
	}
	if (sid != NULL) {
		snprintf(line, sizeof(line), "Mesos-Stream-Id: %s", sid);
		h = curl_slist_append(h, line);
	}
	if (auth_hdr != NULL)
		h = curl_slist_append(h, auth_hdr);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, hdr_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	assert_int_equal(curl_easy_perform(e), CURLE_OK);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	return r->status;
}

static long
post_call(const Call *c, const char *sid, struct resp *r)
{
	size_t n = mesos__v1__scheduler__call__get_packed_size(c);
	uint8_t *buf = malloc(n + 1);
	long st;

	mesos__v1__scheduler__call__pack(c, buf);
	st = http("POST", "/api/v1/scheduler", "application/x-protobuf",
	    NULL, sid, buf, n, r);
	free(buf);
	return st;
}

/* ---- the event stream ------------------------------------------------- */

struct sub {
	CURLM	*m;
	CURL	*e;
	struct curl_slist *h;
	struct recordio_decoder d;
	struct resp r;		/* headers; body unused */
	bool	 headers_done;
	bool	 ended;
	int	 writes;
	char	 fid[128];
	uint8_t	*body;
	/* Offers seen in any event read so far, not yet used. */
	struct {
		char	 host[64];
		char	 oid[128];
		char	 aid[128];
	} pend[8];
	int	 npend;
};

static void
sub_note_offers(struct sub *s, const Event *e)
{
	for (size_t i = 0; i < e->offers->n_offers; i++) {
		Mesos__V1__Offer *o = e->offers->offers[i];
		int k;

		for (k = 0; k < s->npend; k++)
			if (strcmp(s->pend[k].host, o->hostname) == 0)
				break;
		if (k == s->npend) {
			if (s->npend == 8)
				continue;
			s->npend++;
		}
		snprintf(s->pend[k].host, sizeof(s->pend[k].host), "%s",
		    o->hostname);
		snprintf(s->pend[k].oid, sizeof(s->pend[k].oid), "%s",
		    o->id->value);
		snprintf(s->pend[k].aid, sizeof(s->pend[k].aid), "%s",
		    o->agent_id->value);
	}
}

static size_t
sub_write(char *p, size_t sz, size_t n, void *arg)
{
	struct sub *s = arg;

	s->writes++;
	recordio_feed(&s->d, p, sz * n);
	return sz * n;
}

static size_t
sub_hdr(char *p, size_t sz, size_t n, void *arg)
{
	struct sub *s = arg;

	hdr_cb(p, sz, n, &s->r);
	if (sz * n <= 2)
		s->headers_done = true;
	return sz * n;
}

static void
sub_pump(struct sub *s, int wait_ms)
{
	int running = 0;
	CURLMsg *msg;
	int left;

	curl_multi_perform(s->m, &running);
	while ((msg = curl_multi_info_read(s->m, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			s->ended = true;
	if (!s->ended && wait_ms > 0)
		curl_multi_poll(s->m, NULL, 0, wait_ms, NULL);
}

static struct sub *
sub_open_raw(const Call *c, const char *accept)
{
	struct sub *s = calloc(1, sizeof(*s));
	char url[256], line[256];
	size_t n = mesos__v1__scheduler__call__get_packed_size(c);
	int64_t dl = ms_now() + 3000;

	s->body = malloc(n + 1);
	mesos__v1__scheduler__call__pack(c, s->body);
	recordio_decoder_init(&s->d, 0, NULL, NULL);
	s->m = curl_multi_init();
	s->e = curl_easy_init();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/scheduler",
	    port);
	curl_easy_setopt(s->e, CURLOPT_URL, url);
	curl_easy_setopt(s->e, CURLOPT_POSTFIELDS, s->body);
	curl_easy_setopt(s->e, CURLOPT_POSTFIELDSIZE, (long)n);
	s->h = curl_slist_append(NULL, "Expect:");
	s->h = curl_slist_append(s->h, "Content-Type: application/x-protobuf");
	if (accept != NULL) {
		snprintf(line, sizeof(line), "Accept: %s", accept);
		s->h = curl_slist_append(s->h, line);
	}
	if (auth_hdr != NULL)
		s->h = curl_slist_append(s->h, auth_hdr);
	curl_easy_setopt(s->e, CURLOPT_HTTPHEADER, s->h);
	curl_easy_setopt(s->e, CURLOPT_WRITEFUNCTION, sub_write);
	curl_easy_setopt(s->e, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->e, CURLOPT_HEADERFUNCTION, sub_hdr);
	curl_easy_setopt(s->e, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(s->e, CURLOPT_NOSIGNAL, 1L);
	curl_multi_add_handle(s->m, s->e);
	while (!s->headers_done && !s->ended && ms_now() < dl)
		sub_pump(s, 20);
	curl_easy_getinfo(s->e, CURLINFO_RESPONSE_CODE, &s->r.status);
	return s;
}

static void
sub_close(struct sub *s)
{
	if (s == NULL)
		return;
	curl_multi_remove_handle(s->m, s->e);
	curl_easy_cleanup(s->e);
	curl_multi_cleanup(s->m);
	curl_slist_free_all(s->h);
	recordio_decoder_free(&s->d);
	free(s->body);
	free(s);
}

/* Next event within timeout_ms, or NULL. */
static Event *
sub_next(struct sub *s, int timeout_ms)
{
	int64_t dl = ms_now() + timeout_ms;
	uint8_t *rec;
	size_t len;

	for (;;) {
		if (recordio_next(&s->d, &rec, &len)) {
			Event *e = mesos__v1__scheduler__event__unpack(NULL,
			    len, rec);

			free(rec);
			assert_non_null(e);
			if (e->type == EV(OFFERS) && e->offers != NULL)
				sub_note_offers(s, e);
			return e;
		}
		if (s->ended || ms_now() >= dl)
			return NULL;
		sub_pump(s, 10);
	}
}

/* The next event of the given type (others skipped), or NULL. */
static Event *
sub_wait(struct sub *s, int type, int timeout_ms)
{
	int64_t dl = ms_now() + timeout_ms;
	Event *e;

	while (ms_now() < dl) {
		e = sub_next(s, (int)(dl - ms_now()));
		if (e == NULL)
			return NULL;
		if ((int)e->type == type)
			return e;
		mesos__v1__scheduler__event__free_unpacked(e, NULL);
	}
	return NULL;
}

/* The next UPDATE for task_id (other events skipped). */
static Mesos__V1__TaskStatus *
sub_update(struct sub *s, const char *task_id, int timeout_ms, Event **ep)
{
	int64_t dl = ms_now() + timeout_ms;
	Event *e;

	while (ms_now() < dl) {
		e = sub_wait(s, EV(UPDATE), (int)(dl - ms_now()));
		if (e == NULL)
			return NULL;
		if (strcmp(e->update->status->task_id->value, task_id) == 0) {
			*ep = e;
			return e->update->status;
		}
		mesos__v1__scheduler__event__free_unpacked(e, NULL);
	}
	return NULL;
}

static void
ev_free(Event *e)
{
	if (e != NULL)
		mesos__v1__scheduler__event__free_unpacked(e, NULL);
}

/* SUBSCRIBE (or re-subscribe with fid) and read SUBSCRIBED. */
static struct sub *
subscribe(const char *fid, double failover, int cap1, int cap2)
{
	Call c = MESOS__V1__SCHEDULER__CALL__INIT;
	Mesos__V1__Scheduler__Call__Subscribe sb =
	    MESOS__V1__SCHEDULER__CALL__SUBSCRIBE__INIT;
	Mesos__V1__FrameworkInfo fi = MESOS__V1__FRAMEWORK_INFO__INIT;
	Mesos__V1__FrameworkID id = MESOS__V1__FRAMEWORK_ID__INIT;
	Mesos__V1__FrameworkInfo__Capability caps[2], *capp[2];
	struct sub *s;
	Event *e;
	size_t nc = 0;

	fi.user = "root";
	fi.name = "torc-test";
	fi.has_failover_timeout = 1;
	fi.failover_timeout = failover;
	for (int i = 0; i < 2; i++) {
		int t = i == 0 ? cap1 : cap2;

		if (t == 0)
			continue;
		mesos__v1__framework_info__capability__init(&caps[nc]);
		caps[nc].has_type = 1;
		caps[nc].type = t;
		capp[nc] = &caps[nc];
		nc++;
	}
	fi.n_capabilities = nc;
	fi.capabilities = capp;
	if (fid != NULL) {
		id.value = (char *)(uintptr_t)fid;
		fi.id = &id;
		c.framework_id = &id;
	}
	sb.framework_info = &fi;
	c.has_type = 1;
	c.type = CT(SUBSCRIBE);
	c.subscribe = &sb;
	s = sub_open_raw(&c, "application/x-protobuf");
	assert_int_equal(s->r.status, 200);
	assert_string_equal(s->r.ctype, "application/x-protobuf");
	assert_true(strlen(s->r.sid) == 36);
	e = sub_next(s, 2000);
	assert_non_null(e);
	assert_int_equal(e->type, EV(SUBSCRIBED));
	snprintf(s->fid, sizeof(s->fid), "%s",
	    e->subscribed->framework_id->value);
	ev_free(e);
	return s;
}

/* A SUBSCRIBE with more of FrameworkInfo; NULL-terminated lists. */
struct fwopts {
	const char *fid;
	double	 failover;
	int	 caps[3];
	const char *roles[3];		/* set: MULTI_ROLE's roles */
	const char *supp[3];		/* Subscribe.suppressed_roles */
	bool	 checkpoint;
	const char *principal;
};

/* The stream opened (status checked by the caller), nothing read. */
static struct sub *
subscribe_raw(const struct fwopts *fo)
{
	Call c = MESOS__V1__SCHEDULER__CALL__INIT;
	Mesos__V1__Scheduler__Call__Subscribe sb =
	    MESOS__V1__SCHEDULER__CALL__SUBSCRIBE__INIT;
	Mesos__V1__FrameworkInfo fi = MESOS__V1__FRAMEWORK_INFO__INIT;
	Mesos__V1__FrameworkID id = MESOS__V1__FRAMEWORK_ID__INIT;
	Mesos__V1__FrameworkInfo__Capability caps[3], *capp[3];
	size_t n = 0;

	fi.user = "root";
	fi.name = "torc-test";
	fi.has_failover_timeout = 1;
	fi.failover_timeout = fo->failover;
	fi.has_checkpoint = fo->checkpoint;
	fi.checkpoint = fo->checkpoint;
	fi.principal = (char *)(uintptr_t)fo->principal;
	for (int i = 0; i < 3 && fo->caps[i] != 0; i++) {
		mesos__v1__framework_info__capability__init(&caps[n]);
		caps[n].has_type = 1;
		caps[n].type = fo->caps[i];
		capp[n] = &caps[n];
		n++;
	}
	fi.n_capabilities = n;
	fi.capabilities = capp;
	for (n = 0; n < 3 && fo->roles[n] != NULL; n++)
		;
	fi.n_roles = n;
	fi.roles = (char **)(uintptr_t)fo->roles;
	for (n = 0; n < 3 && fo->supp[n] != NULL; n++)
		;
	sb.n_suppressed_roles = n;
	sb.suppressed_roles = (char **)(uintptr_t)fo->supp;
	if (fo->fid != NULL) {
		id.value = (char *)(uintptr_t)fo->fid;
		fi.id = &id;
		c.framework_id = &id;
	}
	sb.framework_info = &fi;
	c.has_type = 1;
	c.type = CT(SUBSCRIBE);
	c.subscribe = &sb;
	return sub_open_raw(&c, "application/x-protobuf");
}

/* Same, and read SUBSCRIBED. */
static struct sub *
subscribe_fo(const struct fwopts *fo)
{
	struct sub *s = subscribe_raw(fo);
	Event *e;

	assert_int_equal(s->r.status, 200);
	e = sub_next(s, 2000);
	assert_non_null(e);
	if (e->type == EV(ERROR))
		fail_msg("ERROR: %s", e->error->message);
	assert_int_equal(e->type, EV(SUBSCRIBED));
	snprintf(s->fid, sizeof(s->fid), "%s",
	    e->subscribed->framework_id->value);
	ev_free(e);
	return s;
}

static Mesos__V1__FrameworkID *
fwid(struct sub *s, Mesos__V1__FrameworkID *id)
{
	mesos__v1__framework_id__init(id);
	id->value = s->fid;
	return id;
}

static long
simple_call(struct sub *s, int type, struct resp *r)
{
	Call c = MESOS__V1__SCHEDULER__CALL__INIT;
	Mesos__V1__FrameworkID id;

	c.framework_id = fwid(s, &id);
	c.has_type = 1;
	c.type = type;
	return post_call(&c, s->r.sid, r);
}

/* Wait for an offer for host; its offer and agent ids are copied. */
static bool
wait_offer(struct sub *s, const char *host, char *oid, char *aid,
    int timeout_ms)
{
	int64_t dl = ms_now() + timeout_ms;

	for (;;) {
		for (int k = 0; k < s->npend; k++) {
			if (strcmp(s->pend[k].host, host) != 0)
				continue;
			strcpy(oid, s->pend[k].oid);
			strcpy(aid, s->pend[k].aid);
			s->pend[k] = s->pend[--s->npend];
			return true;
		}
		if (ms_now() >= dl)
			return false;
		ev_free(sub_next(s, (int)(dl - ms_now())));
	}
}

enum lmode { L_HOST, L_USER, L_NOCMD };

static const char *launch_oid2;	/* a second offer for launch() */

static long
launch(struct sub *s, const char *oid, const char *aid, const char *tid,
    enum lmode mode)
{
	Call c = MESOS__V1__SCHEDULER__CALL__INIT;
	Mesos__V1__Scheduler__Call__Accept acc =
	    MESOS__V1__SCHEDULER__CALL__ACCEPT__INIT;
	Mesos__V1__FrameworkID id;
	Mesos__V1__OfferID oi = MESOS__V1__OFFER_ID__INIT;
	Mesos__V1__OfferID oi2 = MESOS__V1__OFFER_ID__INIT;
	Mesos__V1__OfferID *oip[2] = { &oi, &oi2 };
	Mesos__V1__Offer__Operation op = MESOS__V1__OFFER__OPERATION__INIT;
	Mesos__V1__Offer__Operation *opp = &op;
	Mesos__V1__Offer__Operation__Launch l =
	    MESOS__V1__OFFER__OPERATION__LAUNCH__INIT;
	Mesos__V1__TaskInfo ti = MESOS__V1__TASK_INFO__INIT, *tip = &ti;
	Mesos__V1__TaskID t = MESOS__V1__TASK_ID__INIT;
	Mesos__V1__AgentID a = MESOS__V1__AGENT_ID__INIT;
	Mesos__V1__CommandInfo cmd = MESOS__V1__COMMAND_INFO__INIT;
	Mesos__V1__ContainerInfo ci = MESOS__V1__CONTAINER_INFO__INIT;
	Mesos__V1__ContainerInfo__DockerInfo di =
	    MESOS__V1__CONTAINER_INFO__DOCKER_INFO__INIT;
	Mesos__V1__NetworkInfo ni = MESOS__V1__NETWORK_INFO__INIT, *nip = &ni;
	Mesos__V1__Resource r[2], *rp[2];
	Mesos__V1__Value__Scalar sc[2];
	Mesos__V1__Filters flt;
	struct resp rr;

	oi.value = (char *)(uintptr_t)oid;
	t.value = (char *)(uintptr_t)tid;
	a.value = (char *)(uintptr_t)aid;
	ti.name = "svc";
	ti.task_id = &t;
	ti.agent_id = &a;
	for (int i = 0; i < 2; i++) {
		mesos__v1__resource__init(&r[i]);
		mesos__v1__value__scalar__init(&sc[i]);
		r[i].name = i == 0 ? "cpus" : "mem";
		r[i].type = MESOS__V1__VALUE__TYPE__SCALAR;
		sc[i].value = i == 0 ? 0.5 : 128;
		r[i].scalar = &sc[i];
		rp[i] = &r[i];
	}
	ti.n_resources = 2;
	ti.resources = rp;
	if (mode != L_NOCMD) {
		cmd.value = "sleep 1000";
		ti.command = &cmd;
	}
	ci.type = MESOS__V1__CONTAINER_INFO__TYPE__DOCKER;
	di.image = "busybox";
	if (mode == L_USER) {
		di.has_network = 1;
		di.network = MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__USER;
		ni.name = "torc";
		ci.n_network_infos = 1;
		ci.network_infos = &nip;
	}
	ci.docker = &di;
	ti.container = &ci;
	l.n_task_infos = 1;
	l.task_infos = &tip;
	op.has_type = 1;
	op.type = MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH;
	op.launch = &l;
	oi2.value = (char *)(uintptr_t)launch_oid2;
	acc.n_offer_ids = launch_oid2 != NULL ? 2 : 1;
	acc.offer_ids = oip;
	acc.n_operations = 1;
	acc.operations = &opp;
	/* Leftovers declined without a filter: node1 comes back at once. */
	mesos__v1__filters__init(&flt);
	flt.has_refuse_seconds = 1;
	flt.refuse_seconds = 0;
	acc.filters = &flt;
	c.framework_id = fwid(s, &id);
	c.has_type = 1;
	c.type = CT(ACCEPT);
	c.accept = &acc;
	return post_call(&c, s->r.sid, &rr);
}

static long
ack_raw(struct sub *s, const char *aid, const char *tid, const uint8_t *uuid,
    size_t ulen)
{
	Call c = MESOS__V1__SCHEDULER__CALL__INIT;
	Mesos__V1__Scheduler__Call__Acknowledge ak =
	    MESOS__V1__SCHEDULER__CALL__ACKNOWLEDGE__INIT;
	Mesos__V1__FrameworkID id;
	Mesos__V1__TaskID t = MESOS__V1__TASK_ID__INIT;
	Mesos__V1__AgentID a = MESOS__V1__AGENT_ID__INIT;
	struct resp rr;

	t.value = (char *)(uintptr_t)tid;
	a.value = (char *)(uintptr_t)aid;
	ak.task_id = &t;
	ak.agent_id = &a;
	ak.uuid.data = (uint8_t *)(uintptr_t)uuid;
	ak.uuid.len = ulen;
	c.framework_id = fwid(s, &id);
	c.has_type = 1;
	c.type = CT(ACKNOWLEDGE);
	c.acknowledge = &ak;
	return post_call(&c, s->r.sid, &rr);
}

static void
ack(struct sub *s, const Mesos__V1__TaskStatus *st)
{
	assert_true(st->has_uuid);
	assert_int_equal(ack_raw(s, st->agent_id->value, st->task_id->value,
	    st->uuid.data, st->uuid.len), 202);
}

/* Launch tid on node1 and ack STARTING and RUNNING. */
static void
run_task(struct sub *s, const char *tid, enum lmode mode, char *aid_out)
{
	char oid[128], aid[128];
	Mesos__V1__TaskStatus *st;
	Event *e;

	assert_true(wait_offer(s, "node1", oid, aid, 3000));
	assert_int_equal(launch(s, oid, aid, tid, mode), 202);
	st = sub_update(s, tid, 3000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(STARTING));
	ack(s, st);
	ev_free(e);
	st = sub_update(s, tid, 3000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(RUNNING));
	ack(s, st);
	ev_free(e);
	if (aid_out != NULL)
		strcpy(aid_out, aid);
}

static long
kill_task(struct sub *s, const char *tid)
{
	Call c = MESOS__V1__SCHEDULER__CALL__INIT;
	Mesos__V1__Scheduler__Call__Kill k =
	    MESOS__V1__SCHEDULER__CALL__KILL__INIT;
	Mesos__V1__FrameworkID id;
	Mesos__V1__TaskID t = MESOS__V1__TASK_ID__INIT;
	struct resp rr;

	t.value = (char *)(uintptr_t)tid;
	k.task_id = &t;
	c.framework_id = fwid(s, &id);
	c.has_type = 1;
	c.type = CT(KILL);
	c.kill = &k;
	return post_call(&c, s->r.sid, &rr);
}

/* RECONCILE: tid NULL = implicit. */
static long
reconcile(struct sub *s, const char *tid, const char *aid)
{
	Call c = MESOS__V1__SCHEDULER__CALL__INIT;
	Mesos__V1__Scheduler__Call__Reconcile rc =
	    MESOS__V1__SCHEDULER__CALL__RECONCILE__INIT;
	Mesos__V1__Scheduler__Call__Reconcile__Task rt =
	    MESOS__V1__SCHEDULER__CALL__RECONCILE__TASK__INIT, *rtp = &rt;
	Mesos__V1__FrameworkID id;
	Mesos__V1__TaskID t = MESOS__V1__TASK_ID__INIT;
	Mesos__V1__AgentID a = MESOS__V1__AGENT_ID__INIT;
	struct resp rr;

	if (tid != NULL) {
		t.value = (char *)(uintptr_t)tid;
		rt.task_id = &t;
		if (aid != NULL) {
			a.value = (char *)(uintptr_t)aid;
			rt.agent_id = &a;
		}
		rc.n_tasks = 1;
		rc.tasks = &rtp;
	}
	c.framework_id = fwid(s, &id);
	c.has_type = 1;
	c.type = CT(RECONCILE);
	c.reconcile = &rc;
	return post_call(&c, s->r.sid, &rr);
}

/* ---- tests ------------------------------------------------------------ */

static void
test_status_codes(void **state)
{
	struct resp r;
	Call c = MESOS__V1__SCHEDULER__CALL__INIT;
	Mesos__V1__FrameworkID bogus = MESOS__V1__FRAMEWORK_ID__INIT;
	uint8_t sub_bytes[] = { 0x10, 0x01, 0x1a, 0x1b, 0x0a, 0x19, 0x0a,
	    0x04, 0x72, 0x6f, 0x6f, 0x74, 0x12, 0x02, 0x6d, 0x63, 0x21, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x75, 0x22, 0x41, 0x28, 0x01, 0x32, 0x02,
	    0x6d, 0x63 };
	struct sub *s;

	(void)state;
	assert_int_equal(http("GET", "/api/v1/scheduler", NULL, NULL, NULL,
	    NULL, 0, &r), 405);
	assert_int_equal(http("POST", "/api/v1/scheduler", NULL, NULL, NULL,
	    sub_bytes, sizeof(sub_bytes), &r), 400);
	assert_non_null(strstr(r.body, "Content-Type"));
	assert_int_equal(http("POST", "/api/v1/scheduler",
	    "application/x-protobuf; charset=utf-8", NULL, NULL, sub_bytes,
	    sizeof(sub_bytes), &r), 415);
	assert_int_equal(http("POST", "/api/v1/scheduler", "text/plain",
	    NULL, NULL, "x", 1, &r), 415);
	assert_int_equal(http("POST", "/api/v1/scheduler",
	    "application/x-protobuf", NULL, NULL, "\xff\xff\xff", 3, &r), 400);
	assert_int_equal(http("POST", "/api/v1/scheduler",
	    "application/json", NULL, NULL, "{nope", 5, &r), 400);
	/* Valid protobuf, invalid call: SUBSCRIBE without subscribe. */
	assert_int_equal(http("POST", "/api/v1/scheduler",
	    "application/x-protobuf", NULL, NULL, "\x10\x01", 2, &r), 400);
	assert_non_null(strstr(r.body, "Failed to validate"));
	assert_int_equal(http("POST", "/api/v1/scheduler",
	    "application/x-protobuf", "text/html", NULL, sub_bytes,
	    sizeof(sub_bytes), &r), 406);
	assert_int_equal(http("POST", "/api/v1/scheduler",
	    "application/x-protobuf", "application/x-protobuf",
	    "0c6e2a5e-0000-4000-8000-000000000000", sub_bytes,
	    sizeof(sub_bytes), &r), 400);
	/* A non-SUBSCRIBE call without framework_id. */
	c.has_type = 1;
	c.type = CT(TEARDOWN);
	assert_int_equal(post_call(&c, NULL, &r), 400);
	bogus.value = "no-such-framework";
	c.framework_id = &bogus;
	assert_int_equal(post_call(&c, "x", &r), 400);
	assert_non_null(strstr(r.body, "Framework cannot be found"));

	s = subscribe(NULL, 60, 0, 0);
	assert_int_equal(simple_call(s, CT(REVIVE), &r), 202);
	assert_int_equal(r.len, 0);
	{
		Call rv = MESOS__V1__SCHEDULER__CALL__INIT;
		Mesos__V1__FrameworkID id;

		rv.framework_id = fwid(s, &id);
		rv.has_type = 1;
		rv.type = CT(REVIVE);
		/* Type UNKNOWN: 501; a value the enum lacks: absent. */
		rv.type = CT(UNKNOWN);
		assert_int_equal(post_call(&rv, s->r.sid, &r), 501);
		rv.type = 99;
		assert_int_equal(post_call(&rv, s->r.sid, &r), 400);
		rv.type = CT(REVIVE);
		assert_int_equal(post_call(&rv, NULL, &r), 400);
		assert_non_null(strstr(r.body, "Mesos-Stream-Id"));
		assert_int_equal(post_call(&rv,
		    "00000000-0000-4000-8000-000000000000", &r), 400);
		assert_non_null(strstr(r.body, "didn't match"));
		/* ACKNOWLEDGE of an update without uuid. */
		assert_int_equal(ack_raw(s, "a", "t", NULL, 0), 400);
		assert_int_equal(ack_raw(s, "a", "t",
		    (const uint8_t *)"short", 5), 400);
		/* Stream closed, failover_timeout pending: 403. */
		ctl0("stream/close", NULL);
		assert_null(sub_wait(s, -1, 2000));
		assert_int_equal(post_call(&rv, s->r.sid, &r), 403);
		assert_non_null(strstr(r.body, "not subscribed"));
	}
	sub_close(s);

	ctl0("standby", "{\"leader\": \"10.0.0.2:5050\"}");
	assert_int_equal(http("POST", "/api/v1/scheduler",
	    "application/x-protobuf", NULL, NULL, sub_bytes,
	    sizeof(sub_bytes), &r), 307);
	assert_string_equal(r.location, "//10.0.0.2:5050/api/v1/scheduler");
	assert_int_equal(http("GET", "/api/v1/scheduler", NULL, NULL, NULL,
	    NULL, 0, &r), 307);
	ctl0("noleader", NULL);
	assert_int_equal(http("POST", "/api/v1/scheduler",
	    "application/x-protobuf", NULL, NULL, sub_bytes,
	    sizeof(sub_bytes), &r), 503);
	ctl0("leader", NULL);
	assert_int_equal(http("GET", "/redirect", NULL, NULL, NULL, NULL, 0,
	    &r), 307);
	assert_true(strncmp(r.location, "//127.0.0.1:", 12) == 0);
}

static void
test_json_stream(void **state)
{
	const char *body = "{\"type\":\"SUBSCRIBE\",\"subscribe\":"
	    "{\"framework_info\":{\"user\":\"root\",\"name\":\"j\"}}}";
	const char *body2 = "{\"type\":\"REVIVE\",\"framework_id\":"
	    "{\"value\":\"nope-0000\"}}";
	const char *body3 = "{\"type\":\"DECLINE\",\"framework_id\":"
	    "{\"value\":\"nope-0000\"}}";
	struct sub *s;
	uint8_t *rec;
	size_t len;
	json_t *j;
	Call c = MESOS__V1__SCHEDULER__CALL__INIT;
	Mesos__V1__Scheduler__Call__Subscribe sb =
	    MESOS__V1__SCHEDULER__CALL__SUBSCRIBE__INIT;
	Mesos__V1__FrameworkInfo fi = MESOS__V1__FRAMEWORK_INFO__INIT;
	int64_t dl;
	struct resp r;

	(void)state;
	/* No Accept header: the master picks JSON (ref §1.1). */
	fi.user = "root";
	fi.name = "j";
	sb.framework_info = &fi;
	c.has_type = 1;
	c.type = CT(SUBSCRIBE);
	c.subscribe = &sb;
	s = sub_open_raw(&c, NULL);
	assert_int_equal(s->r.status, 200);
	assert_string_equal(s->r.ctype, "application/json");
	dl = ms_now() + 2000;
	while (!recordio_next(&s->d, &rec, &len) && ms_now() < dl)
		sub_pump(s, 10);
	assert_true(ms_now() < dl);
	j = json_loadb((char *)rec, len, 0, NULL);
	free(rec);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "type")),
	    "SUBSCRIBED");
	json_decref(j);
	sub_close(s);
	/* JSON bodies are parsed and validated like protobuf ones. */
	assert_int_equal(http("POST", "/api/v1/scheduler", "application/json",
	    NULL, NULL, body2, strlen(body2), &r), 400);
	assert_non_null(strstr(r.body, "Framework cannot be found"));
	assert_int_equal(http("POST", "/api/v1/scheduler", "application/json",
	    NULL, NULL, body, strlen(body) - 3, &r), 400);
	assert_int_equal(http("POST", "/api/v1/scheduler", "application/json",
	    NULL, NULL, body3, strlen(body3), &r), 400);
	assert_non_null(strstr(r.body, "Failed to validate"));
}

static void
test_subscribed_heartbeat(void **state)
{
	struct sub *s;
	Event *e;
	json_t *info = ctl("info", "GET", NULL);
	char want[128];
	int64_t t0, t1;

	(void)state;
	s = subscribe(NULL, 0, 0, 0);
	snprintf(want, sizeof(want), "%s-0000",
	    json_string_value(json_object_get(info, "master_id")));
	json_decref(info);
	assert_string_equal(s->fid, want);
	e = sub_next(s, 1000);
	assert_non_null(e);
	assert_int_equal(e->type, EV(HEARTBEAT));
	ev_free(e);
	t0 = ms_now();
	e = sub_wait(s, EV(HEARTBEAT), 2000);
	assert_non_null(e);
	ev_free(e);
	e = sub_wait(s, EV(HEARTBEAT), 2000);
	assert_non_null(e);
	ev_free(e);
	t1 = ms_now();
	/* Two intervals of 0.3 s. */
	assert_true(t1 - t0 >= 400 && t1 - t0 <= 1500);
	ctl0("heartbeats/stop", NULL);
	ev_free(sub_wait(s, EV(HEARTBEAT), 10));
	assert_null(sub_wait(s, EV(HEARTBEAT), 800));
	ctl0("heartbeats/start", NULL);
	e = sub_wait(s, EV(HEARTBEAT), 1500);
	assert_non_null(e);
	ev_free(e);
	sub_close(s);
}

static void
split_mode(const char *mode)
{
	char body[64], oid[128], aid[128];
	struct sub *s;
	Event *e;

	snprintf(body, sizeof(body), "{\"mode\": \"%s\"}", mode);
	ctl0("split", body);
	s = subscribe(NULL, 0, 0, 0);
	e = sub_next(s, 2000);
	assert_non_null(e);
	assert_int_equal(e->type, EV(HEARTBEAT));
	ev_free(e);
	assert_true(wait_offer(s, "node1", oid, aid, 3000));
	assert_int_equal(recordio_error(&s->d), 0);
	if (strcmp(mode, "split") == 0)
		assert_true(s->writes > 10);
	sub_close(s);
	ctl0("split", "{\"mode\": \"none\"}");
}

static void
test_recordio_split(void **state)
{
	(void)state;
	split_mode("split");
	split_mode("pack");
}

static void
test_offers(void **state)
{
	struct sub *s;
	Event *e;
	bool seen_node1 = false, seen_wedge = false;
	int64_t dl = ms_now() + 3000;

	(void)state;
	s = subscribe(NULL, 0, 0, 0);
	while ((!seen_node1 || !seen_wedge) && ms_now() < dl) {
		e = sub_wait(s, EV(OFFERS), 3000);
		assert_non_null(e);
		for (size_t i = 0; i < e->offers->n_offers; i++) {
			Mesos__V1__Offer *o = e->offers->offers[i];
			const char *fn = NULL, *nt = NULL, *mn = NULL;
			double cpus = 0, mem = 0;
			bool ports = false;

			assert_non_null(strstr(o->id->value, "-O"));
			assert_non_null(strstr(o->agent_id->value, "-S"));
			assert_string_equal(o->framework_id->value, s->fid);
			for (size_t k = 0; k < o->n_attributes; k++) {
				Mesos__V1__Attribute *a = o->attributes[k];

				assert_int_equal(a->type,
				    MESOS__V1__VALUE__TYPE__TEXT);
				if (strcmp(a->name, "node_function") == 0)
					fn = a->text->value;
				if (strcmp(a->name, "node_type") == 0)
					nt = a->text->value;
				if (strcmp(a->name, "machine-name") == 0)
					mn = a->text->value;
			}
			for (size_t k = 0; k < o->n_resources; k++) {
				Mesos__V1__Resource *r = o->resources[k];

				if (strcmp(r->name, "cpus") == 0)
					cpus = r->scalar->value;
				if (strcmp(r->name, "mem") == 0)
					mem = r->scalar->value;
				if (strcmp(r->name, "ports") == 0) {
					ports = r->ranges->n_range == 1 &&
					    r->ranges->range[0]->begin == 31000
					    && r->ranges->range[0]->end ==
					    32000;
				}
			}
			assert_true(cpus == 16 && mem == 65536 && ports);
			assert_non_null(mn);
			assert_string_equal(mn, o->hostname);
			if (strcmp(o->hostname, "wedge") == 0) {
				seen_wedge = true;
				assert_string_equal(fn, "controller");
				assert_string_equal(nt, "master");
			} else {
				seen_node1 = true;
				assert_string_equal(fn, "compute");
			}
		}
		ev_free(e);
	}
	assert_true(seen_node1 && seen_wedge);
	sub_close(s);
}

static long
decline_all(struct sub *s, const char *oid, double refuse)
{
	Call c = MESOS__V1__SCHEDULER__CALL__INIT;
	Mesos__V1__Scheduler__Call__Decline d =
	    MESOS__V1__SCHEDULER__CALL__DECLINE__INIT;
	Mesos__V1__FrameworkID id;
	Mesos__V1__OfferID oi = MESOS__V1__OFFER_ID__INIT, *oip = &oi;
	Mesos__V1__Filters f = MESOS__V1__FILTERS__INIT;
	struct resp r;

	oi.value = (char *)(uintptr_t)oid;
	d.n_offer_ids = 1;
	d.offer_ids = &oip;
	if (refuse >= 0) {
		f.has_refuse_seconds = 1;
		f.refuse_seconds = refuse;
		d.filters = &f;
	}
	c.framework_id = fwid(s, &id);
	c.has_type = 1;
	c.type = CT(DECLINE);
	c.decline = &d;
	return post_call(&c, s->r.sid, &r);
}

static void
test_decline_filters_revive(void **state)
{
	struct sub *s;
	char oid[128], aid[128];
	struct resp r;

	(void)state;
	ctl0("timers", "{\"refuse_default_s\": 0.5}");
	s = subscribe(NULL, 0, 0, 0);
	assert_true(wait_offer(s, "node1", oid, aid, 3000));
	assert_int_equal(decline_all(s, oid, 60), 202);
	/* Filtered for 60 s: no new offer for node1. */
	assert_false(wait_offer(s, "node1", oid, aid, 500));
	/* REVIVE clears the filters. */
	assert_int_equal(simple_call(s, CT(REVIVE), &r), 202);
	assert_true(wait_offer(s, "node1", oid, aid, 1000));
	/* Default refuse_seconds (set to 0.5 s here). */
	assert_int_equal(decline_all(s, oid, -1), 202);
	assert_false(wait_offer(s, "node1", oid, aid, 250));
	assert_true(wait_offer(s, "node1", oid, aid, 1500));
	/* SUPPRESS: nothing, even after the filter expires; REVIVE. */
	assert_int_equal(simple_call(s, CT(SUPPRESS), &r), 202);
	assert_int_equal(decline_all(s, oid, 0.1), 202);
	assert_false(wait_offer(s, "node1", oid, aid, 600));
	assert_int_equal(simple_call(s, CT(REVIVE), &r), 202);
	assert_true(wait_offer(s, "node1", oid, aid, 1000));
	sub_close(s);
}

/*
 * Like Mesos's allocator (reviveOffers() ends with allocate()), a REVIVE
 * is answered with offers at once, not at the next allocation interval.
 */
static void
test_revive_allocates_at_once(void **state)
{
	struct sub *s;
	char oid[128], aid[128];
	struct resp r;

	(void)state;
	s = subscribe(NULL, 0, 0, 0);
	assert_true(wait_offer(s, "node1", oid, aid, 3000));
	ctl0("timers", "{\"allocation_interval_ms\": 60000}");
	assert_int_equal(decline_all(s, oid, 0.05), 202);
	/* The filter is gone after 50 ms, but the next cycle is in 60 s. */
	assert_false(wait_offer(s, "node1", oid, aid, 400));
	assert_int_equal(simple_call(s, CT(REVIVE), &r), 202);
	assert_true(wait_offer(s, "node1", oid, aid, 1000));
	sub_close(s);
}

static void
test_launch_host_and_user(void **state)
{
	struct sub *s;
	char oid[128], aid[128];
	Mesos__V1__TaskStatus *st;
	Event *e;
	json_t *j, *net;

	(void)state;
	s = subscribe(NULL, 0, 0, 0);
	assert_true(wait_offer(s, "node1", oid, aid, 3000));
	assert_int_equal(launch(s, oid, aid, "t-host", L_HOST), 202);
	st = sub_update(s, "t-host", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(STARTING));
	assert_true(st->has_uuid && st->uuid.len == 16);
	ack(s, st);
	ev_free(e);
	st = sub_update(s, "t-host", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(RUNNING));
	assert_true(st->has_uuid && st->uuid.len == 16);
	assert_non_null(st->container_status);
	assert_string_equal(st->container_status->network_infos[0]->
	    ip_addresses[0]->ip_address, "10.250.3.21");
	assert_true(st->has_data);
	j = json_loadb((char *)st->data.data, st->data.len, 0, NULL);
	assert_true(json_is_array(j));
	assert_non_null(json_string_value(json_object_get(json_array_get(j,
	    0), "Id")));
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(json_array_get(j, 0), "Config"), "Hostname")),
	    "node1");
	json_decref(j);
	ack(s, st);
	ev_free(e);

	assert_true(wait_offer(s, "node1", oid, aid, 3000));
	assert_int_equal(launch(s, oid, aid, "t-user", L_USER), 202);
	st = sub_update(s, "t-user", 2000, &e);
	assert_non_null(st);
	ack(s, st);
	ev_free(e);
	st = sub_update(s, "t-user", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(RUNNING));
	{
		const char *ip = st->container_status->network_infos[0]->
		    ip_addresses[0]->ip_address;

		assert_true(strncmp(ip, "192.168.", 8) == 0);
		assert_string_equal(st->container_status->network_infos[0]->
		    name, "torc");
		j = json_loadb((char *)st->data.data, st->data.len, 0, NULL);
		net = json_object_get(json_object_get(json_object_get(
		    json_array_get(j, 0), "NetworkSettings"), "Networks"),
		    "torc");
		assert_string_equal(json_string_value(json_object_get(net,
		    "IPAddress")), ip);
		json_decref(j);
	}
	ack(s, st);
	ev_free(e);
	sub_close(s);
}

static void
test_invalid_offer_and_task(void **state)
{
	struct sub *s;
	char oid[128], aid[128];
	Mesos__V1__TaskStatus *st;
	Event *e;

	(void)state;
	s = subscribe(NULL, 0, 0, 0);
	assert_true(wait_offer(s, "node1", oid, aid, 3000));
	assert_int_equal(launch(s, "bogus-O99", aid, "t-bad", L_HOST), 202);
	st = sub_update(s, "t-bad", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(LOST));
	assert_int_equal(st->reason, RS(INVALID_OFFERS));
	assert_false(st->has_uuid);
	assert_int_equal(st->source,
	    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_MASTER);
	ev_free(e);
	/* The offer is still valid: no command, no executor. */
	assert_int_equal(launch(s, oid, aid, "t-nocmd", L_NOCMD), 202);
	st = sub_update(s, "t-nocmd", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(ERROR));
	assert_int_equal(st->reason, RS(TASK_INVALID));
	assert_false(st->has_uuid);
	ev_free(e);
	sub_close(s);
	/* Partition-aware: DROPPED. */
	s = subscribe(NULL, 0, CAP(PARTITION_AWARE), 0);
	assert_true(wait_offer(s, "node1", oid, aid, 3000));
	assert_int_equal(launch(s, "bogus-O98", aid, "t-bad2", L_HOST), 202);
	st = sub_update(s, "t-bad2", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(DROPPED));
	ev_free(e);
	sub_close(s);
}

static void
test_ack_queue(void **state)
{
	struct sub *s;
	char oid[128], aid[128];
	Mesos__V1__TaskStatus *st;
	Event *e, *e2;
	uint8_t uuid[16], wrong[16];

	(void)state;
	ctl0("timers", "{\"ack_retry_ms\": 200}");
	s = subscribe(NULL, 0, 0, 0);
	assert_true(wait_offer(s, "node1", oid, aid, 3000));
	assert_int_equal(launch(s, oid, aid, "t-q", L_HOST), 202);
	st = sub_update(s, "t-q", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(STARTING));
	memcpy(uuid, st->uuid.data, 16);
	ev_free(e);
	/* Not acked: the same STARTING again (not RUNNING), same uuid. */
	st = sub_update(s, "t-q", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(STARTING));
	assert_memory_equal(st->uuid.data, uuid, 16);
	ev_free(e);
	/* A wrong uuid is ignored. */
	memcpy(wrong, uuid, 16);
	wrong[0] ^= 0xff;
	assert_int_equal(ack_raw(s, aid, "t-q", wrong, 16), 202);
	st = sub_update(s, "t-q", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(STARTING));
	ack(s, st);
	ev_free(e);
	st = sub_update(s, "t-q", 2000, &e2);
	assert_non_null(st);
	assert_int_equal(st->state, TS(RUNNING));
	ack(s, st);
	ev_free(e2);
	sub_close(s);
}

static void
test_kill(void **state)
{
	struct sub *s;
	Mesos__V1__TaskStatus *st;
	Event *e;

	(void)state;
	s = subscribe(NULL, 0, 0, 0);
	run_task(s, "t-k1", L_HOST, NULL);
	assert_int_equal(kill_task(s, "t-k1"), 202);
	st = sub_update(s, "t-k1", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(KILLED));
	ack(s, st);
	ev_free(e);
	/* Unknown task: a reconciliation answer. */
	assert_int_equal(kill_task(s, "t-none"), 202);
	st = sub_update(s, "t-none", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(LOST));
	assert_int_equal(st->reason, RS(RECONCILIATION));
	assert_false(st->has_uuid);
	ev_free(e);
	sub_close(s);

	s = subscribe(NULL, 0, CAP(TASK_KILLING_STATE), 0);
	run_task(s, "t-k2", L_HOST, NULL);
	assert_int_equal(kill_task(s, "t-k2"), 202);
	st = sub_update(s, "t-k2", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(KILLING));
	ack(s, st);
	ev_free(e);
	st = sub_update(s, "t-k2", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(KILLED));
	ack(s, st);
	ev_free(e);
	sub_close(s);
}

static void
test_reconcile(void **state)
{
	struct sub *s;
	Mesos__V1__TaskStatus *st;
	Event *e;
	char aid[128];
	int seen = 0;

	(void)state;
	s = subscribe(NULL, 0, CAP(PARTITION_AWARE), 0);
	run_task(s, "t-r1", L_USER, aid);
	run_task(s, "t-r2", L_HOST, NULL);
	assert_int_equal(reconcile(s, "t-r1", aid), 202);
	st = sub_update(s, "t-r1", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(RUNNING));
	assert_int_equal(st->reason, RS(RECONCILIATION));
	assert_false(st->has_uuid);
	assert_false(st->has_data);
	assert_true(strncmp(st->container_status->network_infos[0]->
	    ip_addresses[0]->ip_address, "192.168.", 8) == 0);
	ev_free(e);
	assert_int_equal(reconcile(s, "t-gone", aid), 202);
	st = sub_update(s, "t-gone", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(GONE));
	ev_free(e);
	assert_int_equal(reconcile(s, "t-unk", NULL), 202);
	st = sub_update(s, "t-unk", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(UNKNOWN));
	ev_free(e);
	/* Implicit: every active task. */
	assert_int_equal(reconcile(s, NULL, NULL), 202);
	while (seen != 3) {
		e = sub_wait(s, EV(UPDATE), 2000);
		assert_non_null(e);
		assert_int_equal(e->update->status->reason, RS(RECONCILIATION));
		if (strcmp(e->update->status->task_id->value, "t-r1") == 0)
			seen |= 1;
		if (strcmp(e->update->status->task_id->value, "t-r2") == 0)
			seen |= 2;
		ev_free(e);
	}
	sub_close(s);
}

static size_t
task_count(void)
{
	json_t *j = ctl("tasks", "GET", NULL);
	size_t n = json_array_size(json_object_get(j, "tasks"));

	json_decref(j);
	return n;
}

static void
test_resubscribe_resumes(void **state)
{
	struct sub *s;
	char fid[128], oid[128], aid[128];
	Mesos__V1__TaskStatus *st;
	Event *e;
	uint8_t uuid[16];
	json_t *j;

	(void)state;
	s = subscribe(NULL, 3600, 0, 0);
	snprintf(fid, sizeof(fid), "%s", s->fid);
	assert_true(wait_offer(s, "node1", oid, aid, 3000));
	assert_int_equal(launch(s, oid, aid, "t-res", L_HOST), 202);
	st = sub_update(s, "t-res", 2000, &e);
	assert_non_null(st);
	memcpy(uuid, st->uuid.data, 16);	/* not acked */
	ev_free(e);
	sub_close(s);		/* the client goes away */
	/* The master notices and deactivates the framework. */
	for (int i = 0; i < 200; i++) {
		json_t *f;

		j = ctl("frameworks", "GET", NULL);
		f = json_array_get(json_object_get(j, "frameworks"), 0);
		if (f != NULL && json_is_false(json_object_get(f,
		    "connected"))) {
			json_decref(j);
			break;
		}
		json_decref(j);
		assert_true(i < 199);
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL);
	}
	assert_int_equal(task_count(), 1);
	s = subscribe(fid, 3600, 0, 0);
	assert_string_equal(s->fid, fid);
	/* The unacked update is resent at once. */
	st = sub_update(s, "t-res", 1000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(STARTING));
	assert_memory_equal(st->uuid.data, uuid, 16);
	ev_free(e);
	assert_int_equal(task_count(), 1);
	sub_close(s);
}

static void
test_failover_timeout_zero_and_teardown(void **state)
{
	struct sub *s;
	char fid[128];
	Event *e;
	struct resp r;

	(void)state;
	s = subscribe(NULL, 0, 0, 0);
	snprintf(fid, sizeof(fid), "%s", s->fid);
	run_task(s, "t-z", L_HOST, NULL);
	assert_int_equal(task_count(), 1);
	ctl0("stream/close", NULL);
	assert_null(sub_wait(s, -1, 2000));
	sub_close(s);
	/* failover_timeout 0: every task killed at once. */
	for (int i = 0; i < 200 && task_count() != 0; i++) {
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL);
	}
	assert_int_equal(task_count(), 0);
	{
		Call c = MESOS__V1__SCHEDULER__CALL__INIT;
		Mesos__V1__Scheduler__Call__Subscribe sb =
		    MESOS__V1__SCHEDULER__CALL__SUBSCRIBE__INIT;
		Mesos__V1__FrameworkInfo fi = MESOS__V1__FRAMEWORK_INFO__INIT;
		Mesos__V1__FrameworkID id = MESOS__V1__FRAMEWORK_ID__INIT;

		fi.user = "root";
		fi.name = "again";
		id.value = fid;
		fi.id = &id;
		c.framework_id = &id;
		sb.framework_info = &fi;
		c.has_type = 1;
		c.type = CT(SUBSCRIBE);
		c.subscribe = &sb;
		s = sub_open_raw(&c, "application/x-protobuf");
		assert_int_equal(s->r.status, 200);
		e = sub_next(s, 2000);
		assert_non_null(e);
		assert_int_equal(e->type, EV(ERROR));
		assert_string_equal(e->error->message,
		    "Framework has been removed");
		ev_free(e);
		sub_close(s);
	}
	/* TEARDOWN: 202, the stream ends, the tasks go. */
	s = subscribe(NULL, 3600, 0, 0);
	run_task(s, "t-td", L_HOST, NULL);
	assert_int_equal(simple_call(s, CT(TEARDOWN), &r), 202);
	assert_null(sub_wait(s, -1, 2000));
	assert_true(s->ended);
	assert_int_equal(task_count(), 0);
	sub_close(s);
}

static void
test_master_failover(void **state)
{
	struct sub *s;
	char fid[128], aid[128], oldsid[128];
	Mesos__V1__TaskStatus *st;
	Event *e;
	struct resp r;

	(void)state;
	s = subscribe(NULL, 3600, CAP(PARTITION_AWARE), 0);
	snprintf(fid, sizeof(fid), "%s", s->fid);
	snprintf(oldsid, sizeof(oldsid), "%s", s->r.sid);
	run_task(s, "t-mf", L_HOST, aid);
	ctl0("failover", "{\"reregister_delay_ms\": 600}");
	assert_null(sub_wait(s, -1, 2000));
	assert_true(s->ended);
	/* The new master does not know the framework yet. */
	assert_int_equal(simple_call(s, CT(REVIVE), &r), 400);
	assert_non_null(strstr(r.body, "Framework cannot be found"));
	sub_close(s);
	s = subscribe(fid, 3600, CAP(PARTITION_AWARE), 0);
	assert_string_equal(s->fid, fid);
	assert_string_not_equal(s->r.sid, oldsid);
	/* Agent not re-registered yet: no answer. */
	assert_int_equal(reconcile(s, "t-mf", aid), 202);
	assert_null(sub_update(s, "t-mf", 200, &e));
	/* After re-registration the task is known again. */
	for (int i = 0; i < 100; i++) {
		assert_int_equal(reconcile(s, "t-mf", aid), 202);
		if ((st = sub_update(s, "t-mf", 100, &e)) != NULL)
			break;
	}
	assert_int_equal(st != NULL ? (int)st->state : -1, TS(RUNNING));
	ev_free(e);
	sub_close(s);
}

static void
test_partition(void **state)
{
	struct sub *s;
	Mesos__V1__TaskStatus *st;
	Event *e;

	(void)state;
	ctl0("timers", "{\"agent_ping_timeout_ms\": 200}");
	s = subscribe(NULL, 3600, CAP(PARTITION_AWARE), 0);
	run_task(s, "t-p", L_HOST, NULL);
	ctl0("agent/partition", "{\"name\": \"node1\"}");
	st = sub_update(s, "t-p", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(UNREACHABLE));
	assert_false(st->has_uuid);
	assert_non_null(st->unreachable_time);
	ev_free(e);
	ctl0("agent/restore", "{\"name\": \"node1\"}");
	st = sub_update(s, "t-p", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(RUNNING));
	assert_int_equal(st->reason, RS(AGENT_REREGISTERED));
	ev_free(e);
	sub_close(s);
}

static void
test_state_and_calls(void **state)
{
	struct sub *s;
	struct resp r;
	json_t *j, *calls;
	size_t i;
	json_t *v;
	bool sub = false;

	(void)state;
	s = subscribe(NULL, 0, 0, 0);
	assert_int_equal(http("GET", "/master/state", NULL, NULL, NULL, NULL,
	    0, &r), 200);
	j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "agents")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "frameworks")), 1);
	assert_non_null(json_object_get(j, "leader"));
	json_decref(j);
	j = ctl("calls", "GET", NULL);
	calls = json_object_get(j, "calls");
	json_array_foreach(calls, i, v)
		if (strcmp(json_string_value(json_object_get(v, "type")),
		    "SUBSCRIBE") == 0)
			sub = true;
	assert_true(sub);
	json_decref(j);
	json_decref(ctl("calls", "DELETE", NULL));
	sub_close(s);
}

/* For bounded polling loops only. */
static void
pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static json_t *
http_json(const char *method, const char *path)
{
	struct resp r;
	json_t *j;

	assert_int_equal(http(method, path, NULL, NULL, NULL, NULL, 0, &r),
	    200);
	j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	return j;
}

static json_t *
fw_state(const char *fid)
{
	json_t *j = ctl("frameworks", "GET", NULL), *v, *out = NULL;
	size_t i;

	json_array_foreach(json_object_get(j, "frameworks"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")),
		    fid) == 0)
			out = json_incref(v);
	json_decref(j);
	assert_non_null(out);
	return out;
}

/* ref §1.6 rows 0 and 10: 401 before anything, principal checks. */
static void
test_auth_and_principal(void **state)
{
	uint8_t sub_bytes[] = { 0x10, 0x01, 0x1a, 0x1b, 0x0a, 0x19, 0x0a,
	    0x04, 0x72, 0x6f, 0x6f, 0x74, 0x12, 0x02, 0x6d, 0x63, 0x21, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x75, 0x22, 0x41, 0x28, 0x01, 0x32, 0x02,
	    0x6d, 0x63 };
	struct fwopts fo = { .failover = 3600 };
	struct resp r;
	struct sub *s;
	json_t *f;

	(void)state;
	/* No credentials: 401 whatever else is wrong, even GET. */
	assert_int_equal(http("GET", "/api/v1/scheduler", NULL, NULL, NULL,
	    NULL, 0, &r), 401);
	assert_string_equal(r.www, "Basic realm=\"mesos-master-scheduler\"");
	assert_int_equal(http("POST", "/api/v1/scheduler",
	    "application/x-protobuf", NULL, NULL, sub_bytes,
	    sizeof(sub_bytes), &r), 401);
	ctl0("noleader", NULL);
	assert_int_equal(http("POST", "/api/v1/scheduler",
	    "application/x-protobuf", NULL, NULL, sub_bytes,
	    sizeof(sub_bytes), &r), 401);
	/* "torc:wrong" */
	auth_hdr = "Authorization: Basic dG9yYzp3cm9uZw==";
	assert_int_equal(http("POST", "/api/v1/scheduler",
	    "application/x-protobuf", NULL, NULL, sub_bytes,
	    sizeof(sub_bytes), &r), 401);
	/* "torc:s3cret": then the leader check. */
	auth_hdr = "Authorization: Basic dG9yYzpzM2NyZXQ=";
	assert_int_equal(http("POST", "/api/v1/scheduler",
	    "application/x-protobuf", NULL, NULL, sub_bytes,
	    sizeof(sub_bytes), &r), 503);
	ctl0("leader", NULL);
	assert_int_equal(http("GET", "/api/v1/scheduler", NULL, NULL, NULL,
	    NULL, 0, &r), 405);
	/* SUBSCRIBE naming another principal: 400 (validation). */
	fo.principal = "mallory";
	s = subscribe_raw(&fo);
	assert_int_equal(s->r.status, 400);
	sub_close(s);
	/* No principal: the authenticated one is taken. */
	fo.principal = NULL;
	s = subscribe_fo(&fo);
	f = fw_state(s->fid);
	assert_string_equal(json_string_value(json_object_get(f,
	    "principal")), "torc");
	json_decref(f);
	assert_int_equal(simple_call(s, CT(REVIVE), &r), 202);
	/* Another principal (valid credentials) on its calls: 400. */
	ctl0("auth", "{\"user\": \"eve\", \"password\": \"pw\"}");
	auth_hdr = "Authorization: Basic ZXZlOnB3";	/* eve:pw */
	assert_int_equal(simple_call(s, CT(REVIVE), &r), 400);
	assert_non_null(strstr(r.body, "does not match principal"));
	/* Re-subscribing with another principal: ERROR on the stream. */
	{
		struct sub *s2;
		Event *e;

		fo.fid = s->fid;
		s2 = subscribe_raw(&fo);
		assert_int_equal(s2->r.status, 200);
		e = sub_next(s2, 2000);
		assert_non_null(e);
		assert_int_equal(e->type, EV(ERROR));
		assert_non_null(strstr(e->error->message, "principal"));
		ev_free(e);
		sub_close(s2);
	}
	/* The principal check comes before "not subscribed" (403). */
	ctl0("stream/close", NULL);
	assert_null(sub_wait(s, -1, 2000));
	assert_int_equal(simple_call(s, CT(REVIVE), &r), 400);
	auth_hdr = "Authorization: Basic dG9yYzpzM2NyZXQ=";
	ctl0("auth", "{\"user\": \"torc\", \"password\": \"s3cret\"}");
	assert_int_equal(simple_call(s, CT(REVIVE), &r), 403);
	sub_close(s);
	/* Off again: no header needed. */
	ctl0("auth", "{}");
	auth_hdr = NULL;
	assert_int_equal(http("GET", "/api/v1/scheduler", NULL, NULL, NULL,
	    NULL, 0, &r), 405);
}

/* ref §1.6 row 2: after the leader check, before 405. */
static void
test_recovering(void **state)
{
	struct resp r;
	int64_t dl;

	(void)state;
	ctl0("recovering", "{\"on\": true}");
	assert_int_equal(http("GET", "/api/v1/scheduler", NULL, NULL, NULL,
	    NULL, 0, &r), 503);
	assert_string_equal(r.body, "Master has not finished recovery");
	assert_int_equal(http("POST", "/api/v1/scheduler", NULL, NULL, NULL,
	    "x", 1, &r), 503);
	ctl0("standby", "{\"leader\": \"10.0.0.2:5050\"}");
	assert_int_equal(http("GET", "/api/v1/scheduler", NULL, NULL, NULL,
	    NULL, 0, &r), 307);
	ctl0("noleader", NULL);
	assert_int_equal(http("GET", "/api/v1/scheduler", NULL, NULL, NULL,
	    NULL, 0, &r), 503);
	assert_string_equal(r.body, "No leader elected");
	ctl0("leader", NULL);
	ctl0("recovering", "{\"on\": false}");
	assert_int_equal(http("GET", "/api/v1/scheduler", NULL, NULL, NULL,
	    NULL, 0, &r), 405);
	/* Recovery that ends by itself; and after a master failover. */
	ctl0("failover", "{\"reregister_delay_ms\": 0, \"recovery_ms\": 200}");
	assert_int_equal(http("GET", "/api/v1/scheduler", NULL, NULL, NULL,
	    NULL, 0, &r), 503);
	dl = ms_now() + 3000;
	while (http("GET", "/api/v1/scheduler", NULL, NULL, NULL, NULL, 0,
	    &r) == 503 && ms_now() < dl)
		pause_ms(20);
	assert_int_equal(r.status, 405);
}

/* ref §5.3 item 7: offer timeout, url; item 8: same role. */
static void
test_offer_timeout(void **state)
{
	struct sub *s;
	char oid[128], aid[128];
	Event *e;
	bool rescinded = false;
	int64_t dl;

	(void)state;
	ctl0("timers", "{\"offer_timeout_s\": 0.3}");
	s = subscribe(NULL, 0, 0, 0);
	e = sub_wait(s, EV(OFFERS), 3000);
	assert_non_null(e);
	{
		Mesos__V1__Offer *o = e->offers->offers[0];

		assert_non_null(o->url);
		assert_string_equal(o->url->scheme, "http");
		assert_int_equal(o->url->address->port, 5051);
		assert_non_null(o->url->address->ip);
		/* No MULTI_ROLE: no allocation_info, role "*". */
		assert_null(o->allocation_info);
		assert_string_equal(o->resources[0]->role, "*");
	}
	ev_free(e);
	assert_true(wait_offer(s, "node1", oid, aid, 3000));
	dl = ms_now() + 2000;
	while (!rescinded && ms_now() < dl) {
		e = sub_wait(s, EV(RESCIND), (int)(dl - ms_now()));
		if (e == NULL)
			break;
		rescinded = strcmp(e->rescind->offer_id->value, oid) == 0;
		ev_free(e);
	}
	assert_true(rescinded);
	/* No filter: the agent is offered again. */
	assert_true(wait_offer(s, "node1", oid, aid, 2000));
	sub_close(s);
	ctl0("timers", "{\"offer_timeout_s\": 0}");
}

/* The role of the next offer for host (its allocation_info). */
static bool
wait_offer_role(struct sub *s, const char *host, char *oid, char *role,
    int timeout_ms)
{
	int64_t dl = ms_now() + timeout_ms;
	Event *e;

	while (ms_now() < dl) {
		e = sub_wait(s, EV(OFFERS), (int)(dl - ms_now()));
		if (e == NULL)
			return false;
		for (size_t i = 0; i < e->offers->n_offers; i++) {
			Mesos__V1__Offer *o = e->offers->offers[i];

			if (strcmp(o->hostname, host) != 0)
				continue;
			assert_non_null(o->allocation_info);
			strcpy(oid, o->id->value);
			strcpy(role, o->allocation_info->role);
			ev_free(e);
			return true;
		}
		ev_free(e);
	}
	return false;
}

/* One offer each for wedge [0] and node1 [1]: ids and roles. */
static void
offers_round(struct sub *s, char oid[2][128], char role[2][64])
{
	int64_t dl = ms_now() + 3000;
	int seen = 0;
	Event *e;

	while (seen != 3 && ms_now() < dl) {
		e = sub_wait(s, EV(OFFERS), (int)(dl - ms_now()));
		assert_non_null(e);
		for (size_t i = 0; i < e->offers->n_offers; i++) {
			Mesos__V1__Offer *o = e->offers->offers[i];
			int k = strcmp(o->hostname, "wedge") == 0 ? 0 : 1;

			strcpy(oid[k], o->id->value);
			strcpy(role[k], o->allocation_info->role);
			seen |= 1 << k;
		}
		ev_free(e);
	}
	assert_int_equal(seen, 3);
}

static long
roles_call(struct sub *s, int type, const char *role)
{
	Call c = MESOS__V1__SCHEDULER__CALL__INIT;
	Mesos__V1__Scheduler__Call__Revive rv =
	    MESOS__V1__SCHEDULER__CALL__REVIVE__INIT;
	Mesos__V1__Scheduler__Call__Suppress sp =
	    MESOS__V1__SCHEDULER__CALL__SUPPRESS__INIT;
	Mesos__V1__FrameworkID id;
	char *roles[1] = { (char *)(uintptr_t)role };
	struct resp r;

	c.framework_id = fwid(s, &id);
	c.has_type = 1;
	c.type = type;
	if (type == CT(REVIVE)) {
		rv.n_roles = 1;
		rv.roles = roles;
		c.revive = &rv;
	} else {
		sp.n_roles = 1;
		sp.roles = roles;
		c.suppress = &sp;
	}
	return post_call(&c, s->r.sid, &r);
}

/*
 * ref §5.3 item 8: the offers of one ACCEPT must share their role; ref
 * §1.8: a re-subscribe replaces the suppressed roles.
 */
static void
test_roles(void **state)
{
	struct fwopts fo = { .failover = 3600, .caps = { CAP(MULTI_ROLE) },
	    .roles = { "ra", "rb" }, .supp = { "rb" } };
	struct sub *s;
	char o1[128], o2[128], o3[128], role[64], aid[128], fid[128];
	Mesos__V1__TaskStatus *st;
	Event *e;

	(void)state;
	/* Suppressed roles must be among the roles. */
	{
		struct fwopts bad = { .supp = { "rc" } };

		s = subscribe_raw(&bad);
		e = sub_next(s, 2000);
		assert_non_null(e);
		assert_int_equal(e->type, EV(ERROR));
		ev_free(e);
		sub_close(s);
	}
	s = subscribe_fo(&fo);
	snprintf(fid, sizeof(fid), "%s", s->fid);
	/* rb suppressed from the start: offers for ra only. */
	assert_true(wait_offer_role(s, "node1", o1, role, 3000));
	assert_string_equal(role, "ra");
	sub_close(s);
	/* Re-subscribing without suppressed roles: rb gets offers too. */
	fo.fid = fid;
	fo.supp[0] = NULL;
	s = subscribe_fo(&fo);
	{
		char oids[2][128], roles[2][64];

		offers_round(s, oids, roles);
		assert_string_not_equal(roles[0], roles[1]);
		/* rb aside again; the offers back without a filter. */
		assert_int_equal(roles_call(s, CT(SUPPRESS), "rb"), 202);
		assert_int_equal(decline_all(s, oids[0], 0), 202);
		assert_int_equal(decline_all(s, oids[1], 0), 202);
	}
	assert_true(wait_offer_role(s, "node1", o1, role, 3000));
	assert_string_equal(role, "ra");
	/* A task from o1 (role ra); the leftovers come back for ra. */
	{
		json_t *a = ctl("agents", "GET", NULL), *v;
		size_t i;

		json_array_foreach(json_object_get(a, "agents"), i, v)
			if (strcmp(json_string_value(json_object_get(v,
			    "name")), "node1") == 0)
				strcpy(aid, json_string_value(json_object_get(
				    v, "id")));
		json_decref(a);
	}
	assert_int_equal(launch(s, o1, aid, "t-role", L_HOST), 202);
	st = sub_update(s, "t-role", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(STARTING));
	ack(s, st);
	ev_free(e);
	assert_true(wait_offer_role(s, "node1", o2, role, 3000));
	assert_string_equal(role, "ra");
	/* Now rb only; the task's end frees resources for an rb offer. */
	assert_int_equal(roles_call(s, CT(REVIVE), "rb"), 202);
	assert_int_equal(roles_call(s, CT(SUPPRESS), "ra"), 202);
	ctl0("task/finish", "{\"task_id\": \"t-role\"}");
	for (;;) {
		st = sub_update(s, "t-role", 3000, &e);
		assert_non_null(st);
		ack(s, st);
		if (st->state == TS(FINISHED))
			break;
		ev_free(e);
	}
	ev_free(e);
	assert_true(wait_offer_role(s, "node1", o3, role, 3000));
	assert_string_equal(role, "rb");
	/* o2 (ra) with o3 (rb), same agent: invalid offers. */
	launch_oid2 = o3;
	assert_int_equal(launch(s, o2, aid, "t-mixed", L_HOST), 202);
	launch_oid2 = NULL;
	st = sub_update(s, "t-mixed", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(LOST));
	assert_int_equal(st->reason, RS(INVALID_OFFERS));
	assert_non_null(strstr(st->message, "same role"));
	assert_false(st->has_uuid);
	ev_free(e);
	/* Both offers are used up: they are no longer valid. */
	assert_int_equal(launch(s, o3, aid, "t-again", L_HOST), 202);
	st = sub_update(s, "t-again", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(LOST));
	assert_non_null(strstr(st->message, "no longer valid"));
	ev_free(e);
	sub_close(s);
}

/* ref §3.1, §5.3 item 9: a health check changes. */
static void
test_health(void **state)
{
	struct sub *s;
	Mesos__V1__TaskStatus *st;
	Event *e;
	char aid[128];
	json_t *b;
	int status = 0;

	(void)state;
	s = subscribe(NULL, 0, 0, 0);
	b = json_pack("{s:s, s:b}", "task_id", "nope", "healthy", 1);
	json_decref(sim_mesos_control("task/health", "POST", b, &status));
	assert_int_equal(status, 404);
	json_decref(b);
	run_task(s, "t-h", L_USER, aid);
	ctl0("task/health", "{\"task_id\": \"t-h\", \"healthy\": false}");
	st = sub_update(s, "t-h", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(RUNNING));
	assert_true(st->has_healthy);
	assert_false(st->healthy);
	assert_int_equal(st->reason, RS(TASK_HEALTH_CHECK_STATUS_UPDATED));
	assert_int_equal(st->source,
	    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR);
	assert_true(st->has_uuid && st->uuid.len == 16);
	assert_false(st->has_data);
	assert_string_equal(st->container_status->network_infos[0]->name,
	    "torc");
	assert_true(strncmp(st->container_status->network_infos[0]->
	    ip_addresses[0]->ip_address, "192.168.", 8) == 0);
	/* Queued like any agent update: the next waits for this ack. */
	ctl0("task/health", "{\"task_id\": \"t-h\", \"healthy\": true}");
	assert_null(sub_update(s, "t-h", 150, &e));
	ack(s, st);
	ev_free(e);
	st = sub_update(s, "t-h", 2000, &e);
	assert_non_null(st);
	assert_true(st->has_healthy && st->healthy);
	ack(s, st);
	ev_free(e);
	/* Reconciliation carries the latest health. */
	assert_int_equal(reconcile(s, "t-h", aid), 202);
	st = sub_update(s, "t-h", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->reason, RS(RECONCILIATION));
	assert_true(st->has_healthy && st->healthy);
	ev_free(e);
	/* Not running: 409. */
	ctl0("task/finish", "{\"task_id\": \"t-h\"}");
	b = json_pack("{s:s, s:b}", "task_id", "t-h", "healthy", 1);
	json_decref(sim_mesos_control("task/health", "POST", b, &status));
	assert_int_equal(status, 409);
	json_decref(b);
	sub_close(s);
}

static bool
slave_active(const char *name)
{
	json_t *j = http_json("GET", "/slaves"), *v;
	size_t i;
	bool act = false;

	json_array_foreach(json_object_get(j, "slaves"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "hostname")),
		    name) == 0)
			act = json_is_true(json_object_get(v, "active"));
	json_decref(j);
	return act;
}

/* ref §3.4, §5.3 item 11: the agent process crashes. */
static void
test_agent_disconnect(void **state)
{
	struct fwopts fa = { .failover = 3600,
	    .caps = { CAP(PARTITION_AWARE) } };
	struct fwopts fb = { .failover = 3600, .checkpoint = true };
	struct sub *a, *b;
	Mesos__V1__TaskStatus *st;
	Event *e;
	char aid[128];
	bool failure = false, lost = false;
	int64_t dl;

	(void)state;
	ctl0("timers", "{\"agent_ping_timeout_ms\": 60000}");
	a = subscribe_fo(&fa);
	run_task(a, "t-nock", L_HOST, aid);
	/* a steps aside: node1 goes to b. */
	{
		struct resp r;
		char oid[128], x[128];

		assert_int_equal(simple_call(a, CT(SUPPRESS), &r), 202);
		if (wait_offer(a, "node1", oid, x, 300))
			assert_int_equal(decline_all(a, oid, 0), 202);
	}
	b = subscribe_fo(&fb);
	run_task(b, "t-ck", L_HOST, NULL);
	assert_true(slave_active("node1"));
	ctl0("agent/disconnect", "{\"name\": \"node1\"}");
	/* Without checkpoint: LOST at once, from the master, even for a
	 * partition-aware framework. */
	st = sub_update(a, "t-nock", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(LOST));
	assert_int_equal(st->reason, RS(AGENT_DISCONNECTED));
	assert_false(st->has_uuid);
	assert_int_equal(st->source,
	    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_MASTER);
	ev_free(e);
	assert_false(slave_active("node1"));
	/* With checkpoint: nothing yet. */
	assert_null(sub_update(b, "t-ck", 300, &e));
	/* Re-registration recovers the executor: still RUNNING. */
	ctl0("agent/restore", "{\"name\": \"node1\"}");
	assert_true(slave_active("node1"));
	assert_int_equal(reconcile(b, "t-ck", aid), 202);
	st = sub_update(b, "t-ck", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(RUNNING));
	ev_free(e);
	/* The non-checkpointing task is gone for good. */
	assert_int_equal(reconcile(a, "t-nock", aid), 202);
	st = sub_update(a, "t-nock", 2000, &e);
	assert_non_null(st);
	assert_int_equal(st->state, TS(GONE));
	ev_free(e);
	/* No re-registration within the ping timeout: as a partition. */
	ctl0("timers", "{\"agent_ping_timeout_ms\": 200}");
	ctl0("agent/disconnect", "{\"name\": \"node1\"}");
	dl = ms_now() + 3000;
	while ((!failure || !lost) && ms_now() < dl) {
		e = sub_next(b, (int)(dl - ms_now()));
		if (e == NULL)
			break;
		if (e->type == EV(FAILURE)) {
			assert_string_equal(e->failure->agent_id->value, aid);
			assert_null(e->failure->executor_id);
			failure = true;
		}
		if (e->type == EV(UPDATE) && strcmp(e->update->status->
		    task_id->value, "t-ck") == 0) {
			assert_int_equal(e->update->status->state, TS(LOST));
			assert_int_equal(e->update->status->reason,
			    RS(AGENT_REMOVED));
			lost = true;
		}
		ev_free(e);
	}
	assert_true(failure && lost);
	sub_close(a);
	sub_close(b);
}

/* ref §5.3 item 13: /tasks and /slaves as mesos-compose uses them. */
static void
test_tasks_slaves_endpoints(void **state)
{
	struct sub *s;
	char aid[128], path[512];
	json_t *j, *t, *st, *v;
	struct resp r;
	size_t i;
	bool running = false;

	(void)state;
	s = subscribe(NULL, 0, 0, 0);
	run_task(s, "t-api", L_USER, aid);
	snprintf(path, sizeof(path), "/tasks/?task_id=t-api&framework_id=%s",
	    s->fid);
	j = http_json("POST", path);
	assert_int_equal(json_array_size(json_object_get(j, "tasks")), 1);
	t = json_array_get(json_object_get(j, "tasks"), 0);
	assert_string_equal(json_string_value(json_object_get(t, "id")),
	    "t-api");
	assert_string_equal(json_string_value(json_object_get(t,
	    "slave_id")), aid);
	assert_string_equal(json_string_value(json_object_get(t, "state")),
	    "TASK_RUNNING");
	assert_true(json_number_value(json_object_get(json_object_get(t,
	    "resources"), "cpus")) == 0.5);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(json_object_get(t, "container"), "docker"),
	    "image")), "busybox");
	json_array_foreach(json_object_get(t, "statuses"), i, st) {
		const char *ip;

		if (strcmp(json_string_value(json_object_get(st, "state")),
		    "TASK_RUNNING") != 0)
			continue;
		v = json_array_get(json_object_get(json_object_get(st,
		    "container_status"), "network_infos"), 0);
		ip = json_string_value(json_object_get(json_array_get(
		    json_object_get(v, "ip_addresses"), 0), "ip_address"));
		assert_non_null(ip);
		assert_true(strncmp(ip, "192.168.", 8) == 0);
		running = true;
	}
	assert_true(running);
	json_decref(j);
	j = http_json("GET", "/master/tasks?task_id=nope");
	assert_int_equal(json_array_size(json_object_get(j, "tasks")), 0);
	json_decref(j);
	/* A finished, acknowledged task is still listed (completed). */
	ctl0("task/finish", "{\"task_id\": \"t-api\"}");
	{
		Mesos__V1__TaskStatus *ts;
		Event *e;

		ts = sub_update(s, "t-api", 2000, &e);
		assert_non_null(ts);
		ack(s, ts);
		ev_free(e);
	}
	for (i = 0; i < 200 && task_count() != 0; i++)
		pause_ms(10);
	j = http_json("GET", "/tasks?task_id=t-api");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "tasks"), 0), "state")), "TASK_FINISHED");
	json_decref(j);

	snprintf(path, sizeof(path), "/slaves/%s", aid);
	j = http_json("POST", path);
	assert_int_equal(json_array_size(json_object_get(j, "slaves")), 2);
	assert_int_equal(json_array_size(json_object_get(j,
	    "recovered_slaves")), 0);
	json_decref(j);
	snprintf(path, sizeof(path), "/master/slaves?slave_id=%s", aid);
	j = http_json("GET", path);
	assert_int_equal(json_array_size(json_object_get(j, "slaves")), 1);
	v = json_array_get(json_object_get(j, "slaves"), 0);
	assert_string_equal(json_string_value(json_object_get(v, "hostname")),
	    "node1");
	assert_int_equal(json_integer_value(json_object_get(v, "port")),
	    5051);
	assert_true(json_is_true(json_object_get(v, "active")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    v, "attributes"), "node_type")), "slave");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    v, "resources"), "ports")), "[31000-32000]");
	json_decref(j);
	assert_int_equal(http("GET", "/nothing", NULL, NULL, NULL, NULL, 0,
	    &r), 404);
	sub_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_codes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_json_stream, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_subscribed_heartbeat,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_recordio_split, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_offers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revive_allocates_at_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_decline_filters_revive,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_launch_host_and_user,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_offer_and_task,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_queue, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resubscribe_resumes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_failover_timeout_zero_and_teardown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_master_failover, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_partition, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_state_and_calls, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_auth_and_principal,
		    setup_auth_on, teardown),
		cmocka_unit_test_setup_teardown(test_recovering, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_offer_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_disconnect, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tasks_slaves_endpoints,
		    setup, teardown),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests_name("sim_mesos", tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
