/*
 * sim_fault.c - fault modes and the HTTP server shared by torc-sim's
 * parts: each request is read whole, recorded in the part's request log,
 * held, delayed, failed or garbled as the part's fault mode says, and
 * otherwise handed to the part's handler.  Also small helpers (JSON,
 * time, a seeded generator, IPv4 parsing) used by several parts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "sim.h"
#include "sim_util.h"
#include "util.h"

static const char *const sim_fault_names[] = {
	[SIM_FAULT_NONE] = "none",
	[SIM_FAULT_500] = "500",
	[SIM_FAULT_HANG] = "hang",
	[SIM_FAULT_REFUSE] = "refuse",
	[SIM_FAULT_GARBAGE] = "garbage",
};

/* What a part answers in SIM_FAULT_GARBAGE: not JSON, not even close. */
static const char sim_garbage_body[] =
    "<html><head><title>502 Bad Gateway</title></head>\n"
    "<body>\x01\x02 garbage {\"truncated\": [1, 2,\n";

int
sim_fault_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < nitems(sim_fault_names); i++)
		if (strcasecmp(s, sim_fault_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
sim_fault_name(enum sim_fault f)
{
	if ((unsigned)f >= nitems(sim_fault_names))
		return "?";
	return sim_fault_names[f];
}

/* ---- small helpers ---------------------------------------------------- */

double
sim_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pthread_mutex_t sim_rand_mtx = PTHREAD_MUTEX_INITIALIZER;
static uint64_t sim_rand_state = 0x9e3779b97f4a7c15ULL;

void
sim_rand_seed(uint64_t seed)
{
	pthread_mutex_lock(&sim_rand_mtx);
	sim_rand_state = seed;
	pthread_mutex_unlock(&sim_rand_mtx);
}

/* splitmix64: small, good enough for identifiers and shuffles. */
uint64_t
sim_rand_u64(void)
{
	uint64_t z;

	pthread_mutex_lock(&sim_rand_mtx);
	sim_rand_state += 0x9e3779b97f4a7c15ULL;
	z = sim_rand_state;
	pthread_mutex_unlock(&sim_rand_mtx);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
sim_uuid(char out[37])
{
	uint64_t a = sim_rand_u64(), b = sim_rand_u64();

	a = (a & ~0xf000ULL) | 0x4000ULL;			/* version 4 */
	b = (b & ~(3ULL << 62)) | (2ULL << 62);			/* variant */
	snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx",
	    (unsigned)(a >> 32), (unsigned)((a >> 16) & 0xffff),
	    (unsigned)(a & 0xffff), (unsigned)(b >> 48),
	    (unsigned long long)(b & 0xffffffffffffULL));
}

int
sim_ip_parse(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (s == NULL || !is_ipv4(s) || inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

void
sim_ip_format(uint32_t ip, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
	    (ip >> 8) & 0xff, ip & 0xff);
}

int
sim_mask_len(uint32_t mask)
{
	int n = 0;

	while (n < 32 && (mask & (0x80000000U >> n)))
		n++;
	if (n < 32 && (mask & (0xffffffffU >> n)) != 0)
		return -1;
	return n;
}

uint32_t
sim_len_mask(int len)
{
	if (len <= 0)
		return 0;
	if (len >= 32)
		return 0xffffffffU;
	return ~(0xffffffffU >> len);
}

json_t *
sim_json_iget(json_t *obj, const char *key)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return NULL;
	if ((v = json_object_get(obj, key)) != NULL)
		return v;
	json_object_foreach(obj, k, v)
		if (strcasecmp(k, key) == 0)
			return v;
	return NULL;
}

json_t *
sim_ctl_error(int *status, int code, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	*status = code;
	return json_pack("{s:s}", "error", buf);
}

void
sim_reply_json(struct sim_reply *rep, unsigned status, json_t *j)
{
	free(rep->body);
	rep->status = status;
	rep->ctype = "application/json";
	rep->body = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY)
	    : NULL;
	if (j != NULL && rep->body == NULL)
		rep->body = xstrdup("null");
	rep->body_len = rep->body != NULL ? strlen(rep->body) : 0;
	json_decref(j);
}

void
sim_reply_text(struct sim_reply *rep, unsigned status, const char *ctype,
    const char *text)
{
	free(rep->body);
	rep->status = status;
	rep->ctype = ctype;
	rep->body = xstrdup_null(text);
	rep->body_len = text != NULL ? strlen(text) : 0;
}

void
sim_reply_header(struct sim_reply *rep, const char *name, const char *value)
{
	if (rep->n_hdrs >= (int)nitems(rep->hdr_name))
		return;
	rep->hdr_name[rep->n_hdrs] = xstrdup(name);
	rep->hdr_value[rep->n_hdrs] = xstrdup(value);
	rep->n_hdrs++;
}

static void
sim_reply_free(struct sim_reply *rep)
{
	int i;

	free(rep->body);
	for (i = 0; i < rep->n_hdrs; i++) {
		free(rep->hdr_name[i]);
		free(rep->hdr_value[i]);
	}
	memset(rep, 0, sizeof(*rep));
}

/* ---- the server --------------------------------------------------------- */

/* Per-connection request state: the body as it arrives. */
struct sim_conn {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	bool	 overflow;
};

static void
sim_deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static enum MHD_Result
sim_query_collect(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	json_t *q = cls;

	(void)kind;
	if (key != NULL)
		json_object_set_new(q, key, value != NULL ?
		    json_string(value) : json_null());
	return MHD_YES;
}

/* Append a record of req to the log; returns it (borrowed; under mtx). */
static json_t *
sim_log_add(struct sim_httpd *h, const struct sim_request *req)
{
	json_t *e, *body, *q;

	q = json_object();
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND,
	    sim_query_collect, q);
	if (req->json != NULL && req->body_len <= SIM_REQLOG_BODY_MAX)
		body = json_incref(req->json);
	else if (req->body_len == 0)
		body = json_null();
	else if ((body = json_stringn(req->body, req->body_len <
	    SIM_REQLOG_TEXT_MAX ? req->body_len : SIM_REQLOG_TEXT_MAX)) ==
	    NULL)
		body = json_null();	/* not UTF-8: see body_len */
	e = json_pack("{s:I,s:f,s:s,s:s,s:o,s:o,s:I,s:b,s:s,s:n}",
	    "seq", (json_int_t)++h->log_seq,
	    "time", sim_now(),
	    "method", req->method,
	    "path", req->path,
	    "query", q,
	    "body", body,
	    "body_len", (json_int_t)req->body_len,
	    "json", req->json != NULL,
	    "fault", "none",
	    "status");
	if (e == NULL)
		return NULL;
	if (json_array_size(h->log) >= SIM_REQLOG_MAX) {
		json_array_remove(h->log, 0);
		h->log_dropped++;
	}
	json_array_append_new(h->log, e);
	return e;
}

static enum MHD_Result
sim_send(struct MHD_Connection *c, struct sim_reply *rep)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	int i;

	if (rep->body != NULL) {
		r = MHD_create_response_from_buffer(rep->body_len, rep->body,
		    MHD_RESPMEM_MUST_FREE);
		if (r != NULL)
			rep->body = NULL;	/* MHD frees it */
	} else
		r = MHD_create_response_from_buffer(0, (void *)"",
		    MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		sim_reply_free(rep);
		return MHD_NO;
	}
	if (rep->ctype != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		    rep->ctype);
	for (i = 0; i < rep->n_hdrs; i++)
		MHD_add_response_header(r, rep->hdr_name[i], rep->hdr_value[i]);
	ret = MHD_queue_response(c, rep->status, r);
	MHD_destroy_response(r);
	sim_reply_free(rep);
	return ret;
}

/*
 * Apply the fault mode and delay to a request that has arrived.  Returns
 * the mode to answer with, or -1 to drop the connection (REFUSE, a hang
 * that reached its cap, shutdown).  Called and returns with h->mtx held.
 */
static int
sim_fault_gate(struct sim_httpd *h, json_t *entry)
{
	struct timespec until;
	bool capped;
	int rc;

	for (;;) {
		if (h->stopping)
			return -1;
		if (h->fault == SIM_FAULT_REFUSE) {
			if (entry != NULL)
				json_object_set_new(entry, "fault",
				    json_string("refuse"));
			return -1;
		}
		if (h->fault != SIM_FAULT_HANG)
			break;
		if (entry != NULL)
			json_object_set_new(entry, "fault",
			    json_string("hang"));
		sim_deadline(&until, SIM_HANG_CAP_MS);
		capped = false;
		while (h->fault == SIM_FAULT_HANG && !h->stopping && !capped) {
			rc = pthread_cond_timedwait(&h->cv, &h->mtx, &until);
			if (rc == ETIMEDOUT)
				capped = true;
		}
		if (capped)
			return -1;
	}
	if (h->delay_ms > 0) {
		sim_deadline(&until, h->delay_ms);
		while (!h->stopping && h->fault != SIM_FAULT_REFUSE) {
			if (pthread_cond_timedwait(&h->cv, &h->mtx, &until) ==
			    ETIMEDOUT)
				break;
		}
		if (h->stopping)
			return -1;
		if (h->fault == SIM_FAULT_REFUSE)
			return -1;
	}
	if (entry != NULL && h->fault != SIM_FAULT_NONE)
		json_object_set_new(entry, "fault",
		    json_string(sim_fault_name(h->fault)));
	return (int)h->fault;
}

static enum MHD_Result
sim_serve(struct sim_httpd *h, struct MHD_Connection *c, const char *url,
    const char *method, struct sim_conn *sc)
{
	struct sim_request req;
	struct sim_reply rep;
	json_error_t jerr;
	json_t *entry = NULL;
	int mode = SIM_FAULT_NONE;

	memset(&req, 0, sizeof(req));
	memset(&rep, 0, sizeof(rep));
	req.conn = c;
	req.method = method;
	req.path = url;
	req.body = sc->buf != NULL ? sc->buf : "";
	req.body_len = sc->len;
	if (sc->len > 0 && !sc->overflow)
		req.json = json_loadb(sc->buf, sc->len, JSON_DECODE_ANY, &jerr);

	if (h->faults) {
		pthread_mutex_lock(&h->mtx);
		entry = sim_log_add(h, &req);
		json_incref(entry);
		mode = sim_fault_gate(h, entry);
		pthread_mutex_unlock(&h->mtx);
	}
	if (mode < 0) {
		json_decref(req.json);
		json_decref(entry);
		return MHD_NO;
	}

	if (sc->overflow)
		sim_reply_text(&rep, 413, "text/plain",
		    "request body too large\n");
	else if (mode == SIM_FAULT_500)
		sim_reply_text(&rep, h->fault_status ? h->fault_status : 500,
		    h->fault_ctype ? h->fault_ctype : "text/plain",
		    h->fault_body ? h->fault_body : "simulated failure\n");
	else if (mode == SIM_FAULT_GARBAGE)
		sim_reply_text(&rep, MHD_HTTP_OK, "application/json",
		    sim_garbage_body);
	else {
		h->handler(h->arg, &req, &rep);
		if (rep.status == 0)
			rep.status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	}

	if (entry != NULL) {
		pthread_mutex_lock(&h->mtx);
		json_object_set_new(entry, "status", json_integer(rep.status));
		pthread_mutex_unlock(&h->mtx);
		json_decref(entry);
	}
	json_decref(req.json);
	return sim_send(c, &rep);
}

static enum MHD_Result
sim_access(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct sim_httpd *h = cls;
	struct sim_conn *sc = *con_cls;
	size_t n;

	(void)version;
	if (sc == NULL) {
		*con_cls = xcalloc(1, sizeof(*sc));
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		n = *upload_data_size;
		*upload_data_size = 0;
		if (sc->overflow || sc->len + n > SIM_BODY_MAX) {
			sc->overflow = true;
			return MHD_YES;
		}
		if (sc->len + n + 1 > sc->cap) {
			sc->cap = (sc->len + n + 1) * 2;
			sc->buf = xrealloc(sc->buf, sc->cap);
		}
		memcpy(sc->buf + sc->len, upload_data, n);
		sc->len += n;
		sc->buf[sc->len] = '\0';
		return MHD_YES;
	}
	return sim_serve(h, c, url, method, sc);
}

static void
sim_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct sim_conn *sc = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (sc != NULL) {
		free(sc->buf);
		free(sc);
		*con_cls = NULL;
	}
}

static void sim_mhd_log(void *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
sim_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct sim_httpd *h = cls;
	char buf[512];
	size_t n;

	if (log_getlevel() > LOG_LVL_DEBUG)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_debug("%s: http: %s", h->name, buf);
}

/* Open the listener; h->admin held. */
static int
sim_listen(struct sim_httpd *h, char *err, size_t errlen)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)h->port);
	if (inet_pton(AF_INET, h->bind_ip, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "%s: bad bind address \"%s\"", h->name,
		    h->bind_ip);
		return -1;
	}
	h->daemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG,
	    (uint16_t)h->port, NULL, NULL, sim_access, h,
	    MHD_OPTION_EXTERNAL_LOGGER, sim_mhd_log, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, sim_completed, h,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
	    MHD_OPTION_END);
	if (h->daemon == NULL) {
		snprintf(err, errlen, "%s: cannot listen on %s:%d", h->name,
		    h->bind_ip, h->port);
		return -1;
	}
	return 0;
}

int
sim_httpd_start(struct sim_httpd *h, char *err, size_t errlen)
{
	pthread_condattr_t ca;
	int rc;

	if (h->port <= 0 || h->port > 65535) {
		snprintf(err, errlen, "%s: bad port %d", h->name, h->port);
		return -1;
	}
	pthread_mutex_init(&h->mtx, NULL);
	pthread_mutex_init(&h->admin, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	h->log = json_array();
	h->fault = SIM_FAULT_NONE;
	h->delay_ms = 0;
	h->stopping = false;
	h->inited = true;

	pthread_mutex_lock(&h->admin);
	rc = sim_listen(h, err, errlen);
	pthread_mutex_unlock(&h->admin);
	return rc;
}

void
sim_httpd_stop(struct sim_httpd *h)
{
	if (!h->inited)
		return;
	pthread_mutex_lock(&h->mtx);
	h->stopping = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mtx);

	pthread_mutex_lock(&h->admin);
	if (h->daemon != NULL) {
		MHD_stop_daemon(h->daemon);
		h->daemon = NULL;
	}
	pthread_mutex_unlock(&h->admin);

	json_decref(h->log);
	h->log = NULL;
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mtx);
	pthread_mutex_destroy(&h->admin);
	h->inited = false;
}

int
sim_httpd_set_fault(struct sim_httpd *h, enum sim_fault f, char *err,
    size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&h->admin);
	pthread_mutex_lock(&h->mtx);
	h->fault = f;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mtx);

	if (f == SIM_FAULT_REFUSE && h->daemon != NULL) {
		MHD_stop_daemon(h->daemon);
		h->daemon = NULL;
		log_info("%s: listener closed (fault refuse)", h->name);
	} else if (f != SIM_FAULT_REFUSE && h->daemon == NULL) {
		rc = sim_listen(h, err, errlen);
		if (rc == -1) {
			pthread_mutex_lock(&h->mtx);
			h->fault = SIM_FAULT_REFUSE;
			pthread_mutex_unlock(&h->mtx);
		} else
			log_info("%s: listening again on %s:%d", h->name,
			    h->bind_ip, h->port);
	}
	pthread_mutex_unlock(&h->admin);
	log_info("%s: fault mode %s", h->name, sim_fault_name(f));
	return rc;
}

enum sim_fault
sim_httpd_get_fault(struct sim_httpd *h)
{
	enum sim_fault f;

	pthread_mutex_lock(&h->mtx);
	f = h->fault;
	pthread_mutex_unlock(&h->mtx);
	return f;
}

void
sim_httpd_set_delay(struct sim_httpd *h, int ms)
{
	if (ms < 0)
		ms = 0;
	if (ms > SIM_DELAY_MAX_MS)
		ms = SIM_DELAY_MAX_MS;
	pthread_mutex_lock(&h->mtx);
	h->delay_ms = ms;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mtx);
}

int
sim_httpd_get_delay(struct sim_httpd *h)
{
	int ms;

	pthread_mutex_lock(&h->mtx);
	ms = h->delay_ms;
	pthread_mutex_unlock(&h->mtx);
	return ms;
}

json_t *
sim_httpd_log_dump(struct sim_httpd *h)
{
	json_t *copy;
	uint64_t dropped;

	pthread_mutex_lock(&h->mtx);
	copy = json_deep_copy(h->log);
	dropped = h->log_dropped;
	pthread_mutex_unlock(&h->mtx);
	return json_pack("{s:o,s:I}", "requests", copy != NULL ? copy :
	    json_array(), "dropped", (json_int_t)dropped);
}

void
sim_httpd_log_clear(struct sim_httpd *h)
{
	pthread_mutex_lock(&h->mtx);
	json_array_clear(h->log);
	h->log_dropped = 0;
	pthread_mutex_unlock(&h->mtx);
}

json_t *
sim_httpd_control(struct sim_httpd *h, const char *path, const char *method,
    json_t *body, int *status)
{
	char err[256];
	json_t *v;
	int f;

	if (strcmp(path, "fault") == 0) {
		if (strcmp(method, "GET") == 0) {
			*status = 200;
			return json_pack("{s:s,s:i}", "mode",
			    sim_fault_name(sim_httpd_get_fault(h)),
			    "delay_ms", sim_httpd_get_delay(h));
		}
		if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0)
			return sim_ctl_error(status, 405, "use POST");
		v = json_object_get(body, "mode");
		if (!json_is_string(v) ||
		    (f = sim_fault_parse(json_string_value(v))) < 0)
			return sim_ctl_error(status, 400, "\"mode\" must be "
			    "one of none, 500, hang, refuse, garbage");
		if (sim_httpd_set_fault(h, (enum sim_fault)f, err,
		    sizeof(err)) == -1)
			return sim_ctl_error(status, 500, "%s", err);
		*status = 200;
		return json_pack("{s:b,s:s}", "ok", 1, "mode",
		    sim_fault_name((enum sim_fault)f));
	}
	if (strcmp(path, "delay") == 0) {
		if (strcmp(method, "GET") == 0) {
			*status = 200;
			return json_pack("{s:i}", "ms", sim_httpd_get_delay(h));
		}
		if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0)
			return sim_ctl_error(status, 405, "use POST");
		v = json_object_get(body, "ms");
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > SIM_DELAY_MAX_MS)
			return sim_ctl_error(status, 400, "\"ms\" must be an "
			    "integer in 0..%d", SIM_DELAY_MAX_MS);
		sim_httpd_set_delay(h, (int)json_integer_value(v));
		*status = 200;
		return json_pack("{s:b,s:i}", "ok", 1, "ms",
		    sim_httpd_get_delay(h));
	}
	if (strcmp(path, "requests") == 0) {
		if (strcmp(method, "GET") == 0) {
			*status = 200;
			return sim_httpd_log_dump(h);
		}
		if (strcmp(method, "DELETE") == 0) {
			sim_httpd_log_clear(h);
			*status = 200;
			return json_pack("{s:b}", "ok", 1);
		}
		return sim_ctl_error(status, 405, "use GET or DELETE");
	}
	return NULL;
}
