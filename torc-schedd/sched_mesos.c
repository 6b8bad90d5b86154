/*
 * sched_mesos.c - torc-schedd's connection to the Mesos master (v1
 * scheduler HTTP API, protobuf), driven by libcurl's multi interface
 * from the daemon's ev loop.
 *
 * Stream connection: POST SUBSCRIBE, then reads SUBSCRIBED, HEARTBEAT,
 * OFFERS, INVERSE_OFFERS, RESCIND, RESCIND_INVERSE_OFFER, UPDATE,
 * FAILURE, ERROR and MESSAGE events (RecordIO).  Call connection (one
 * keep-alive handle, one call at a time, in order): ACCEPT, DECLINE,
 * DECLINE_INVERSE_OFFERS, KILL, ACKNOWLEDGE, RECONCILE, SUPPRESS,
 * REVIVE, TEARDOWN.  Encoding and decoding live in sched_mesos_wire.c.
 *
 * References: "Mesos v1 scheduler API" (../shared/reference), cited as
 * ref §x.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ev_curl.h"
#include "log.h"
#include "monotime.h"
#include "recordio.h"
#include "sched_mesos.h"
#include "sched_mesos_wire.h"
#include "sched_taskinfo.h"
#include "util.h"
#include "mesos/scheduler.pb-c.h"

#define MESOS_API_PATH		"/api/v1/scheduler"
#define MESOS_CTYPE		"application/x-protobuf"
#define MESOS_ID_FILE		"framework_id"
#define MESOS_ID_CORRUPT	"framework_id.corrupt"
#define MESOS_STREAM_ID_MAX	128		/* ref §1.4 */

/* A record above this resets the stream (offers of a big rack fit). */
#define MESOS_RECORD_MAX	(16u << 20)
/* ref §1.4: fixed at 15 s by current masters; until SUBSCRIBED, too. */
#define MESOS_HB_DEFAULT_S	15.0
#define MESOS_HB_MISSES		5
/* A stream up this many heartbeat intervals resets the backoff. */
#define MESOS_HEALTHY_BEATS	4
#define MESOS_BACKOFF_MIN_MS	250
#define MESOS_BACKOFF_MAX_MS	15000
#define MESOS_REDIRECTS_MAX	9		/* mesos-go's limit, ref §1.7 */
#define MESOS_CONNECT_TMO_MS	10000
#define MESOS_CALL_TMO_MS	75000		/* ref §1.4 */
#define MESOS_CALL_TRIES	3
#define MESOS_CALL_RETRY_MS	500
#define MESOS_QUEUE_MAX		100000
#define MESOS_RECON_FIRST_MS	1000
#define MESOS_RECON_MAX_MS	60000
#define MESOS_RECON_ROUNDS	8
#define MESOS_BODY_MAX		512		/* error text kept */

struct mesos_qcall {
	struct mesos_qcall *next;
	int		 type;		/* Call.Type, for logs */
	struct mesos_buf body;
	int		 tries;
};

struct mesos_recon {
	char	*task_id;
	char	*agent_id;
	bool	 answered;
};

/* A TASK_ERROR the master never saw: the spec did not build. */
struct mesos_synth {
	struct mesos_synth *next;
	char	*task_id;
	char	*agent_id;
	char	*message;
};

/* How a subscription attempt or a subscription ended. */
enum mesos_retry {
	MESOS_RETRY_BACKOFF = 0,	/* wait, doubling each time */
	MESOS_RETRY_NOW,		/* redirect: at once */
};

struct mesos_conn {
	struct ev_loop	*loop;
	struct ev_curl	 curl;		/* the multi handle on our loop */
	struct mesos_cbs cbs;
	void		*arg;

	/* options */
	char		*master_url;	/* configured base, "http://h:p" */
	char		*leader_url;	/* base in use (after 307s) */
	char		*id_path;
	char		*id_corrupt_path;
	char		*user, *name, *hostname, *role;
	double		 failover_timeout;

	enum mesos_conn_state state;
	bool		 started;
	/* Persisted id: what the next SUBSCRIBE carries ("" = new). */
	char		 fwid[MESOS_ID_MAX];
	/* Id of the current subscription, used by the calls. */
	char		 sub_fwid[MESOS_ID_MAX];
	char		 stream_id[MESOS_STREAM_ID_MAX + 1];
	uint64_t	 rng;

	/* the stream */
	CURL		*sub;
	struct curl_slist *sub_hdrs;
	struct mesos_buf sub_body;
	struct recordio_decoder rio;
	bool		 rio_live;
	bool		 sub_checked;	/* response headers looked at */
	char		 sub_bad[256];	/* why the write callback stopped */
	char		 hdr_stream_id[MESOS_STREAM_ID_MAX + 2];
	char		 sub_location[512];
	char		 sub_errbody[MESOS_BODY_MAX];
	size_t		 sub_errlen;
	int64_t		 last_byte;	/* mono ms */
	double		 hb_interval;	/* s */
	int64_t		 subscribed_at;	/* mono ms */
	struct ev_timer	 watchdog;
	struct ev_timer	 retry;
	int64_t		 backoff_ms;
	int		 redirects;

	/* the calls */
	CURL		*call;
	struct curl_slist *call_hdrs;
	bool		 call_busy;
	struct mesos_qcall *qhead, *qtail;
	size_t		 qlen;
	char		 call_location[512];
	char		 call_errbody[MESOS_BODY_MAX];
	size_t		 call_errlen;
	struct ev_timer	 call_retry;

	/* reconciliation */
	struct mesos_recon *recon;
	size_t		 n_recon;
	bool		 recon_active;
	int		 recon_rounds;
	int64_t		 recon_delay;
	struct ev_timer	 recon_timer;

	struct mesos_synth *synth;
	struct ev_timer	 synth_timer;

	struct mesos_stats stats;
};

static void mesos_subscribe_now(struct mesos_conn *);
static void mesos_disconnect(struct mesos_conn *, enum mesos_retry,
	    const char *, ...) __attribute__((format(printf, 3, 4)));
static void mesos_call_kick(struct mesos_conn *);

/* ---- names ----------------------------------------------------------- */

const char *
mesos_conn_state_name(enum mesos_conn_state s)
{
	switch (s) {
	case MESOS_DISCONNECTED:
		return "disconnected";
	case MESOS_SUBSCRIBING:
		return "subscribing";
	case MESOS_SUBSCRIBED:
		return "subscribed";
	}
	return "?";
}

/* ---- small helpers ----------------------------------------------------- */

/* Printable copy of a response body, for logs. */
static void
mesos_body_text(char *dst, size_t dstlen, const char *body, size_t len)
{
	size_t k = 0;

	for (size_t i = 0; i < len && k + 1 < dstlen; i++) {
		unsigned char ch = (unsigned char)body[i];

		if (ch == '\n' || ch == '\r')
			ch = ' ';
		dst[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	while (k > 0 && dst[k - 1] == ' ')
		k--;
	dst[k] = '\0';
}

static uint64_t
mesos_rand(struct mesos_conn *c)
{
	/* xorshift64*: jitter only. */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 0x2545f4914f6cdd1dULL;
}

/* "http://h:p" from a configured URL: scheme added, "/" stripped. */
static char *
mesos_base_url(const char *url)
{
	char *s;
	size_t n;

	if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
		s = xstrdup(url);
	else
		s = xasprintf("http://%s", url);
	n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	/* A base given with the API path keeps only host and port. */
	if (n >= strlen(MESOS_API_PATH) &&
	    strcmp(s + n - strlen(MESOS_API_PATH), MESOS_API_PATH) == 0)
		s[n - strlen(MESOS_API_PATH)] = '\0';
	return s;
}

/*
 * The leader named by a 307 (ref §1.7): Location is protocol-relative,
 * "//host:port/api/v1/scheduler"; an absolute "http://host:port/..." is
 * taken too.  The scheme of the current base is kept.  NULL if the
 * header is missing or unusable.
 */
static char *
mesos_redirect_base(const char *cur, const char *loc)
{
	const char *hp, *end, *scheme_end;
	size_t n;

	if (strncmp(loc, "//", 2) == 0)
		hp = loc + 2;
	else if (strncmp(loc, "http://", 7) == 0)
		hp = loc + 7;
	else if (strncmp(loc, "https://", 8) == 0)
		hp = loc + 8;
	else
		return NULL;
	end = strchr(hp, '/');
	n = end != NULL ? (size_t)(end - hp) : strlen(hp);
	if (n == 0 || n > 255)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)hp[i];

		if (ch <= 0x20 || ch >= 0x7f || ch == '@' || ch == '?' ||
		    ch == '#')
			return NULL;
	}
	scheme_end = strstr(cur, "://");
	if (hp == loc + 2 && scheme_end != NULL)
		return xasprintf("%.*s://%.*s", (int)(scheme_end - cur), cur,
		    (int)n, hp);
	return xasprintf("%.*s%.*s", (int)(hp - loc), loc, (int)n, hp);
}

/* Header line "Name: value" into dst if the name matches. */
static void
mesos_header_get(const char *line, size_t len, const char *name, char *dst,
    size_t dstlen)
{
	size_t nl = strlen(name), k = 0;
	const char *v, *e;

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	v = line + nl + 1;
	e = line + len;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' ||
	    e[-1] == '\t'))
		e--;
	if ((size_t)(e - v) >= dstlen) {
		/* Too long to be valid: keep a marker that fails checks. */
		tstrlcpy(dst, "\x01", dstlen);
		return;
	}
	for (; v < e; v++)
		dst[k++] = *v;
	dst[k] = '\0';
}

static struct curl_slist *
mesos_headers(const char *stream_id)
{
	struct curl_slist *h = NULL;
	char line[64 + MESOS_STREAM_ID_MAX];

	/* Exact strings: the master compares Content-Type verbatim, and
	 * without Accept the stream would come back as JSON (ref §1.1). */
	h = curl_slist_append(h, "Content-Type: " MESOS_CTYPE);
	h = curl_slist_append(h, "Accept: " MESOS_CTYPE);
	/* libprocess does not do 100-continue (ref §1.1). */
	h = curl_slist_append(h, "Expect:");
	if (stream_id != NULL) {
		snprintf(line, sizeof(line), "Mesos-Stream-Id: %s", stream_id);
		h = curl_slist_append(h, line);
	}
	if (h == NULL)
		fatalx("curl_slist_append: out of memory");
	return h;
}

static void
mesos_easy_common(CURL *e, const char *base, const struct mesos_buf *body,
    struct curl_slist *hdrs)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s%s", base, MESOS_API_PATH);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body->data);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)body->len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	/* 307 is followed by hand, so that the leader is remembered. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)MESOS_CONNECT_TMO_MS);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "torc-schedd");
}

/* ---- the framework id on disk ---------------------------------------- */

/*
 * Read the persisted id.  0: read (or there is none); 1: the file is
 * corrupt and was moved aside (err says so); -1: it exists but cannot
 * be read, and subscribing as a new framework would orphan its tasks.
 */
static int
mesos_id_load(struct mesos_conn *c, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL, e[512];
	size_t len;

	c->fwid[0] = '\0';
	if (stat(c->id_path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", c->id_path, strerror(errno));
		return -1;
	}
	if (read_file(c->id_path, MESOS_ID_MAX + 16, &buf, &len, e,
	    sizeof(e)) != 0) {
		if (S_ISREG(st.st_mode) && (size_t)st.st_size <= MESOS_ID_MAX + 16) {
			snprintf(err, errlen, "%s", e);
			return -1;
		}
		buf = NULL;
	}
	if (buf != NULL) {
		while (len > 0 && (buf[len - 1] == '\n' ||
		    buf[len - 1] == '\r' || buf[len - 1] == ' '))
			buf[--len] = '\0';
		if (strlen(buf) == len && mesos_id_valid(buf)) {
			tstrlcpy(c->fwid, buf, sizeof(c->fwid));
			free(buf);
			return 0;
		}
		free(buf);
	}
	if (rename(c->id_path, c->id_corrupt_path) != 0) {
		snprintf(err, errlen, "%s is corrupt and cannot be moved "
		    "aside: %s", c->id_path, strerror(errno));
		return -1;
	}
	snprintf(err, errlen, "%s was corrupt; moved to %s, subscribing as a "
	    "new framework", c->id_path, c->id_corrupt_path);
	return 1;
}

/*
 * ref §3.2 item 1: the id is on disk before anything else happens after
 * SUBSCRIBED.  A failure is logged loudly and retried on the next
 * SUBSCRIBED; the subscription itself goes on.
 */
static void
mesos_id_store(struct mesos_conn *c, const char *id)
{
	char err[512], *text;

	if (strcmp(c->fwid, id) == 0 && access(c->id_path, F_OK) == 0)
		return;
	text = xasprintf("%s\n", id);
	if (atomic_write_file(c->id_path, text, strlen(text), err,
	    sizeof(err)) != 0)
		log_error("framework id %s NOT persisted: %s", id, err);
	else
		log_info("framework id %s persisted in %s", id, c->id_path);
	free(text);
	tstrlcpy(c->fwid, id, sizeof(c->fwid));
}

static int
mesos_id_forget(struct mesos_conn *c, char *err, size_t errlen)
{
	if (unlink(c->id_path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", c->id_path, strerror(errno));
		return -1;
	}
	if (c->fwid[0] != '\0')
		log_warnx("framework id %s forgotten: the next subscription "
		    "registers a new framework", c->fwid);
	c->fwid[0] = '\0';
	return 0;
}

/* ---- the call queue ---------------------------------------------------- */

static void
mesos_qcall_free(struct mesos_qcall *q)
{
	free(q->body.data);
	free(q);
}

static void
mesos_queue_flush(struct mesos_conn *c)
{
	struct mesos_qcall *q, *n;

	if (c->qlen > 0)
		log_info("%zu queued call(s) dropped with the subscription",
		    c->qlen);
	for (q = c->qhead; q != NULL; q = n) {
		n = q->next;
		mesos_qcall_free(q);
	}
	c->qhead = c->qtail = NULL;
	c->qlen = 0;
	if (c->call_busy) {
		curl_multi_remove_handle(c->curl.multi, c->call);
		c->call_busy = false;
	}
	ev_timer_stop(c->loop, &c->call_retry);
}

/* Queue an encoded call (taken over); -1 (and freed) if not subscribed. */
static int
mesos_enqueue(struct mesos_conn *c, int type, struct mesos_buf *body)
{
	struct mesos_qcall *q;

	if (c->state != MESOS_SUBSCRIBED || c->qlen >= MESOS_QUEUE_MAX) {
		if (c->state == MESOS_SUBSCRIBED)
			log_error("call queue full: %s dropped",
			    mesos_wire_call_name(type));
		free(body->data);
		body->data = NULL;
		return -1;
	}
	q = xcalloc(1, sizeof(*q));
	q->type = type;
	q->body = *body;
	body->data = NULL;
	if (type == MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE &&
	    c->qhead != NULL) {
		/*
		 * An acknowledgement goes ahead of the queued calls that are
		 * not acknowledgements (after the one in flight, and after
		 * earlier acknowledgements): the agent sends a task's next
		 * update only once the previous one is acknowledged, and no
		 * other call depends on an acknowledgement's place.
		 */
		struct mesos_qcall *after = c->call_busy ? c->qhead : NULL;
		struct mesos_qcall *next = after != NULL ? after->next :
		    c->qhead;

		while (next != NULL && next->type ==
		    MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE) {
			after = next;
			next = next->next;
		}
		q->next = next;
		if (after != NULL)
			after->next = q;
		else
			c->qhead = q;
		if (next == NULL)
			c->qtail = q;
	} else {
		if (c->qtail != NULL)
			c->qtail->next = q;
		else
			c->qhead = q;
		c->qtail = q;
	}
	c->qlen++;
	mesos_call_kick(c);
	return 0;
}

static void
mesos_queue_pop(struct mesos_conn *c)
{
	struct mesos_qcall *q = c->qhead;

	if (q == NULL)
		return;
	c->qhead = q->next;
	if (c->qhead == NULL)
		c->qtail = NULL;
	c->qlen--;
	mesos_qcall_free(q);
}

static size_t
mesos_call_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct mesos_conn *c = arg;
	size_t n = size * nmemb, room = sizeof(c->call_errbody) -
	    c->call_errlen;

	if (room > 0) {
		size_t k = n < room ? n : room;

		memcpy(c->call_errbody + c->call_errlen, ptr, k);
		c->call_errlen += k;
	}
	return n;
}

static size_t
mesos_call_header_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct mesos_conn *c = arg;
	size_t n = size * nmemb;

	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0)
		c->call_location[0] = '\0';
	mesos_header_get(ptr, n, "Location", c->call_location,
	    sizeof(c->call_location));
	return n;
}

/* Send the head of the queue if nothing is in flight. */
static void
mesos_call_kick(struct mesos_conn *c)
{
	struct mesos_qcall *q = c->qhead;
	CURLMcode mc;

	if (c->call_busy || q == NULL || c->state != MESOS_SUBSCRIBED ||
	    ev_timer_active(&c->call_retry))
		return;
	curl_slist_free_all(c->call_hdrs);
	c->call_hdrs = mesos_headers(c->stream_id);
	mesos_easy_common(c->call, c->leader_url, &q->body, c->call_hdrs);
	curl_easy_setopt(c->call, CURLOPT_TIMEOUT_MS, (long)MESOS_CALL_TMO_MS);
	curl_easy_setopt(c->call, CURLOPT_WRITEFUNCTION, mesos_call_write_cb);
	curl_easy_setopt(c->call, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->call, CURLOPT_HEADERFUNCTION,
	    mesos_call_header_cb);
	curl_easy_setopt(c->call, CURLOPT_HEADERDATA, c);
	c->call_errlen = 0;
	c->call_location[0] = '\0';
	if ((mc = curl_multi_add_handle(c->curl.multi, c->call)) != CURLM_OK) {
		log_error("curl_multi_add_handle: %s", curl_multi_strerror(mc));
		return;
	}
	c->call_busy = true;
	log_debug("-> %s (%zu bytes)", mesos_wire_call_name(q->type),
	    q->body.len);
}

void
mesos_send_now(struct mesos_conn *c)
{
	ev_curl_run_due(&c->curl);
}

static void
mesos_call_retry_cb(struct ev_loop *loop, void *arg)
{
	(void)loop;
	mesos_call_kick(arg);
}

/*
 * The answer to a call (ref §1.5, §1.6).  202 (200): done, next.  307:
 * the master we subscribed to is no longer the leader; follow it.  400
 * "Framework cannot be found" or a stream-id complaint, and 403: the
 * master does not know this subscription (it failed over, or the stream
 * broke), so re-subscribe with the same id (ref §1.10).  Any other 4xx:
 * the master refused this one call, which is logged and dropped.  5xx
 * and transport errors: the call is retried a few times, then the
 * subscription is reset (a master that cannot take calls is not one to
 * stay subscribed to).
 */
static void
mesos_call_done(struct mesos_conn *c, CURLcode res)
{
	struct mesos_qcall *q = c->qhead;
	char body[MESOS_BODY_MAX];
	const char *name;
	long code = 0;
	char *leader;

	curl_multi_remove_handle(c->curl.multi, c->call);
	c->call_busy = false;
	if (q == NULL)
		return;
	name = mesos_wire_call_name(q->type);
	curl_easy_getinfo(c->call, CURLINFO_RESPONSE_CODE, &code);
	mesos_body_text(body, sizeof(body), c->call_errbody, c->call_errlen);
	if (res == CURLE_OK && (code == 202 || code == 200)) {
		if (q->type == MESOS__V1__SCHEDULER__CALL__TYPE__TEARDOWN) {
			char err[512];

			log_warnx("TEARDOWN accepted: framework %s removed",
			    c->sub_fwid);
			if (mesos_id_forget(c, err, sizeof(err)) != 0)
				log_error("%s", err);
		}
		mesos_queue_pop(c);
		mesos_call_kick(c);
		return;
	}
	if (res == CURLE_OK && code == 307) {
		leader = mesos_redirect_base(c->leader_url, c->call_location);
		if (leader == NULL) {
			mesos_disconnect(c, MESOS_RETRY_BACKOFF, "%s: 307 with "
			    "an unusable Location '%s'", name,
			    c->call_location);
			return;
		}
		log_info("%s: %s is not the leader, %s is", name,
		    c->leader_url, leader);
		free(c->leader_url);
		c->leader_url = leader;
		mesos_disconnect(c, MESOS_RETRY_NOW, "leader moved");
		return;
	}
	if (res == CURLE_OK && (code == 403 || (code == 400 &&
	    (strcasestr(body, "framework cannot be found") != NULL ||
	    strcasestr(body, "stream") != NULL)))) {
		mesos_disconnect(c, MESOS_RETRY_BACKOFF, "%s: %ld %s: "
		    "re-subscribing with the same framework id", name, code,
		    body);
		return;
	}
	if (res == CURLE_OK && code >= 400 && code < 500) {
		log_error("master refused %s: %ld %s", name, code, body);
		c->stats.calls_failed++;
		mesos_queue_pop(c);
		mesos_call_kick(c);
		return;
	}
	if (++q->tries < MESOS_CALL_TRIES) {
		log_warnx("%s failed (%s), retry %d of %d", name,
		    res != CURLE_OK ? curl_easy_strerror(res) : body,
		    q->tries, MESOS_CALL_TRIES - 1);
		ev_timer_start(c->loop, &c->call_retry,
		    (int64_t)MESOS_CALL_RETRY_MS << (q->tries - 1));
		return;
	}
	c->stats.calls_failed++;
	if (res != CURLE_OK)
		mesos_disconnect(c, MESOS_RETRY_BACKOFF, "%s failed %d times: "
		    "%s", name, MESOS_CALL_TRIES, curl_easy_strerror(res));
	else
		mesos_disconnect(c, MESOS_RETRY_BACKOFF, "%s failed %d times: "
		    "%ld %s", name, MESOS_CALL_TRIES, code, body);
}

/* ---- reconciliation ---------------------------------------------------- */

/*
 * ref §3.2, §3.3.  After each SUBSCRIBED the core hands over every task
 * it believes non-terminal (with agent ids); they are reconciled
 * explicitly, and every task that has not been heard of since (any
 * UPDATE counts, reconciliation answer or not) is asked for again after
 * 1 s, 2 s, 4 s ... capped at 60 s, for at most MESOS_RECON_ROUNDS
 * rounds: tasks on agents that have not re-registered with a new master
 * get no answer at all until they do.  When every task has answered,
 * or the rounds are used up, one implicit reconciliation asks the master
 * for every task it knows of ours, so that strays show up as updates of
 * tasks the core does not know; then cbs->reconciled.
 */
static void
mesos_recon_clear(struct mesos_conn *c)
{
	for (size_t i = 0; i < c->n_recon; i++) {
		free(c->recon[i].task_id);
		free(c->recon[i].agent_id);
	}
	free(c->recon);
	c->recon = NULL;
	c->n_recon = 0;
	c->recon_active = false;
	ev_timer_stop(c->loop, &c->recon_timer);
}

static void
mesos_recon_finish(struct mesos_conn *c)
{
	struct mesos_buf b = { NULL, 0 };
	char err[256];
	size_t missing = 0;

	for (size_t i = 0; i < c->n_recon; i++)
		if (!c->recon[i].answered)
			missing++;
	if (missing > 0)
		log_warnx("reconciliation: %zu of %zu task(s) never answered "
		    "after %d rounds", missing, c->n_recon, c->recon_rounds);
	else
		log_info("reconciliation: all %zu task(s) answered",
		    c->n_recon);
	mesos_recon_clear(c);
	if (mesos_wire_reconcile(&b, c->sub_fwid, NULL, 0, err,
	    sizeof(err)) == 0)
		mesos_enqueue(c, MESOS__V1__SCHEDULER__CALL__TYPE__RECONCILE,
		    &b);
	c->stats.last_reconcile = wall_s();
	if (c->cbs.reconciled != NULL)
		c->cbs.reconciled(c->arg);
}

static void
mesos_recon_send(struct mesos_conn *c)
{
	struct mesos_task_ref *refs;
	struct mesos_buf b = { NULL, 0 };
	size_t n = 0;
	char err[256];

	refs = xcalloc(c->n_recon, sizeof(*refs));
	for (size_t i = 0; i < c->n_recon; i++) {
		if (c->recon[i].answered)
			continue;
		refs[n].task_id = c->recon[i].task_id;
		refs[n].agent_id = c->recon[i].agent_id;
		n++;
	}
	if (mesos_wire_reconcile(&b, c->sub_fwid, refs, n, err,
	    sizeof(err)) == 0) {
		log_info("reconciliation round %d: %zu task(s)",
		    c->recon_rounds + 1, n);
		mesos_enqueue(c, MESOS__V1__SCHEDULER__CALL__TYPE__RECONCILE,
		    &b);
	} else
		log_error("reconciliation: %s", err);
	free(refs);
	ev_timer_start(c->loop, &c->recon_timer, c->recon_delay);
}

static void
mesos_recon_timer_cb(struct ev_loop *loop, void *arg)
{
	struct mesos_conn *c = arg;

	(void)loop;
	if (!c->recon_active || c->state != MESOS_SUBSCRIBED)
		return;
	if (++c->recon_rounds >= MESOS_RECON_ROUNDS) {
		mesos_recon_finish(c);
		return;
	}
	c->recon_delay *= 2;
	if (c->recon_delay > MESOS_RECON_MAX_MS)
		c->recon_delay = MESOS_RECON_MAX_MS;
	mesos_recon_send(c);
}

/* An update arrived for task_id: it has answered. */
static void
mesos_recon_heard(struct mesos_conn *c, const char *task_id)
{
	for (size_t i = 0; i < c->n_recon; i++)
		if (strcmp(c->recon[i].task_id, task_id) == 0)
			c->recon[i].answered = true;
}

static void
mesos_recon_check(struct mesos_conn *c)
{
	if (!c->recon_active)
		return;
	for (size_t i = 0; i < c->n_recon; i++)
		if (!c->recon[i].answered)
			return;
	mesos_recon_finish(c);
}

/* ---- events -------------------------------------------------------------- */

static void
mesos_ack(struct mesos_conn *c, const struct mesos_event *ev)
{
	const struct mesos_status *st = &ev->status;
	struct mesos_buf b = { NULL, 0 };
	char err[256];

	/* ref §2.1: every update with a uuid, and only those. */
	if (!st->has_uuid)
		return;
	if (mesos_wire_acknowledge(&b, c->sub_fwid, st->agent_id, st->task_id,
	    ev->uuid, sizeof(ev->uuid), err, sizeof(err)) != 0) {
		log_error("ACKNOWLEDGE of %s: %s", st->task_id, err);
		return;
	}
	mesos_enqueue(c, MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE, &b);
}

static void
mesos_on_subscribed(struct mesos_conn *c, const struct mesos_event *ev)
{
	if (c->fwid[0] != '\0' && strcmp(c->fwid, ev->framework_id) != 0)
		log_warnx("master answered with framework id %s, not %s",
		    ev->framework_id, c->fwid);
	mesos_id_store(c, ev->framework_id);
	tstrlcpy(c->sub_fwid, ev->framework_id, sizeof(c->sub_fwid));
	tstrlcpy(c->stream_id, c->hdr_stream_id, sizeof(c->stream_id));
	c->state = MESOS_SUBSCRIBED;
	c->subscribed_at = ev_now(c->loop);
	c->hb_interval = ev->heartbeat_interval > 0 ?
	    ev->heartbeat_interval : MESOS_HB_DEFAULT_S;
	c->redirects = 0;
	c->stats.subscribes++;
	c->stats.connected_since = wall_s();
	log_info("subscribed to %s as framework %s (stream %s, master %s, "
	    "heartbeat %.3g s)", c->leader_url, c->sub_fwid, c->stream_id,
	    ev->master_id[0] != '\0' ? ev->master_id : "?", c->hb_interval);
	/* Offers of an earlier subscription are gone (ref §1.8): the core
	 * forgets them on this callback. */
	if (c->cbs.subscribed != NULL)
		c->cbs.subscribed(c->arg, c->sub_fwid);
}

static void
mesos_on_offers(struct mesos_conn *c, const struct mesos_event *ev)
{
	c->stats.offers_received += ev->n_offers;
	if (c->cbs.offers != NULL) {
		c->cbs.offers(c->arg, ev->offers, ev->n_offers);
		return;
	}
	/* Nobody to place tasks: give them back. */
	for (size_t i = 0; i < ev->n_offers; i++) {
		const char *id = ev->offers[i].id;

		mesos_decline(c, &id, 1, 5.0);
	}
}

static void
mesos_on_update(struct mesos_conn *c, const struct mesos_event *ev)
{
	const struct mesos_status *st = &ev->status;

	c->stats.updates_received++;
	log_debug("update %s %s%s%s%s", st->task_id,
	    mesos_task_state_name(st->state), st->reason_name[0] ? " " : "",
	    st->reason_name, st->has_uuid ? "" : " (no uuid)");
	mesos_recon_heard(c, st->task_id);
	if (c->cbs.update != NULL)
		c->cbs.update(c->arg, st);
	/* After the core has taken the update in (ref §2.1: ack once the
	 * new state is recorded; an unacked update is sent again). */
	if (c->state == MESOS_SUBSCRIBED)
		mesos_ack(c, ev);
	mesos_recon_check(c);
}

/*
 * One event.  0 to go on; -1 to reset the stream (bad input, ERROR).
 * ERROR (ref §1.4): the master closes the stream after it; it is logged
 * and the connection re-subscribes with backoff and the same id.  The
 * id is kept even for "Framework has been removed": only an operator
 * (mesos_forget_framework) may give it up.
 */
static int
mesos_dispatch(struct mesos_conn *c, struct mesos_event *ev, char *why,
    size_t whylen)
{
	struct mesos_buf b = { NULL, 0 };
	char err[256];

	if (c->state != MESOS_SUBSCRIBED && ev->type != MESOS_EV_SUBSCRIBED &&
	    ev->type != MESOS_EV_ERROR) {
		snprintf(why, whylen, "%s before SUBSCRIBED",
		    mesos_wire_event_name(ev->type));
		return -1;
	}
	switch (ev->type) {
	case MESOS_EV_SUBSCRIBED:
		if (c->state == MESOS_SUBSCRIBED) {
			snprintf(why, whylen, "a second SUBSCRIBED");
			return -1;
		}
		if (c->hdr_stream_id[0] == '\0' ||
		    strlen(c->hdr_stream_id) > MESOS_STREAM_ID_MAX ||
		    c->hdr_stream_id[0] == '\x01') {
			snprintf(why, whylen, "SUBSCRIBED without a usable "
			    "Mesos-Stream-Id header");
			return -1;
		}
		mesos_on_subscribed(c, ev);
		break;
	case MESOS_EV_HEARTBEAT:
		break;
	case MESOS_EV_OFFERS:
		mesos_on_offers(c, ev);
		break;
	case MESOS_EV_INVERSE_OFFERS:
		/* Maintenance windows are not planned for: decline. */
		if (ev->n_inverse > 0 && mesos_wire_decline_inverse(&b,
		    c->sub_fwid, (const char *const *)ev->inverse_ids,
		    ev->n_inverse, err, sizeof(err)) == 0)
			mesos_enqueue(c,
			    MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE_INVERSE_OFFERS,
			    &b);
		break;
	case MESOS_EV_RESCIND:
		if (c->cbs.rescind != NULL)
			c->cbs.rescind(c->arg, ev->offer_id);
		break;
	case MESOS_EV_RESCIND_INVERSE_OFFER:
		log_debug("inverse offer %s rescinded", ev->offer_id);
		break;
	case MESOS_EV_UPDATE:
		mesos_on_update(c, ev);
		break;
	case MESOS_EV_FAILURE:
		if (ev->executor_id[0] == '\0' && ev->agent_id[0] != '\0') {
			log_warnx("agent %s failed", ev->agent_id);
			if (c->cbs.agent_failure != NULL)
				c->cbs.agent_failure(c->arg, ev->agent_id);
		} else
			log_info("executor %s on agent %s terminated "
			    "(status %d)", ev->executor_id, ev->agent_id,
			    ev->failure_status);
		break;
	case MESOS_EV_ERROR:
		log_error("ERROR from the master: %s", ev->message);
		if (strcasestr(ev->message, "removed") != NULL &&
		    c->fwid[0] != '\0')
			log_error("framework %s is gone for this master; "
			    "torc-schedd keeps retrying with it until it is "
			    "forgotten explicitly (forget-framework)",
			    c->fwid);
		snprintf(why, whylen, "ERROR: %s", ev->message);
		return -1;
	case MESOS_EV_MESSAGE:
		log_debug("message from executor %s on %s: %s",
		    ev->executor_id, ev->agent_id, ev->message);
		break;
	case MESOS_EV_UPDATE_OPERATION_STATUS:
		/* No operation carries an id, so none is expected. */
		log_debug("UPDATE_OPERATION_STATUS ignored");
		break;
	default:
		snprintf(why, whylen, "unhandled event %d", ev->type);
		return -1;
	}
	return 0;
}

/* Decode and dispatch the records the write callback queued. */
static void
mesos_process_records(struct mesos_conn *c)
{
	uint8_t *rec;
	size_t len;
	char err[512], why[600];

	while (c->rio_live && recordio_next(&c->rio, &rec, &len) == 1) {
		struct mesos_event ev;

		if (mesos_event_decode(rec, len, &ev, err, sizeof(err)) != 0) {
			free(rec);
			mesos_disconnect(c, MESOS_RETRY_BACKOFF, "bad event "
			    "from the master (%s); resetting the stream", err);
			return;
		}
		free(rec);
		why[0] = '\0';
		if (mesos_dispatch(c, &ev, why, sizeof(why)) != 0) {
			mesos_event_clear(&ev);
			mesos_disconnect(c, MESOS_RETRY_BACKOFF, "%s", why);
			return;
		}
		mesos_event_clear(&ev);
	}
}

/* ---- the stream -------------------------------------------------------- */

static size_t
mesos_sub_header_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct mesos_conn *c = arg;
	size_t n = size * nmemb;

	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		c->hdr_stream_id[0] = '\0';
		c->sub_location[0] = '\0';
	}
	mesos_header_get(ptr, n, "Mesos-Stream-Id", c->hdr_stream_id,
	    sizeof(c->hdr_stream_id));
	mesos_header_get(ptr, n, "Location", c->sub_location,
	    sizeof(c->sub_location));
	return n;
}

/*
 * Bytes of the SUBSCRIBE response.  Runs inside curl: it only feeds the
 * RecordIO decoder (records are queued, and dispatched once curl has
 * returned, since callbacks may issue calls) and returns 0 to abort the
 * transfer on bad input.
 */
static size_t
mesos_sub_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct mesos_conn *c = arg;
	size_t n = size * nmemb;
	long code = 0;

	c->last_byte = mono_ms();
	curl_easy_getinfo(c->sub, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		size_t room = sizeof(c->sub_errbody) - c->sub_errlen;
		size_t k = n < room ? n : room;

		memcpy(c->sub_errbody + c->sub_errlen, ptr, k);
		c->sub_errlen += k;
		return n;
	}
	if (!c->sub_checked) {
		char *ct = NULL;

		c->sub_checked = true;
		curl_easy_getinfo(c->sub, CURLINFO_CONTENT_TYPE, &ct);
		if (ct == NULL || strncasecmp(ct, MESOS_CTYPE,
		    strlen(MESOS_CTYPE)) != 0) {
			snprintf(c->sub_bad, sizeof(c->sub_bad), "stream of "
			    "type '%s', not " MESOS_CTYPE,
			    ct != NULL ? ct : "");
			return 0;
		}
	}
	if (recordio_feed(&c->rio, ptr, n) != 0) {
		snprintf(c->sub_bad, sizeof(c->sub_bad), "RecordIO: %s",
		    recordio_strerror(recordio_error(&c->rio)));
		return 0;
	}
	return n;
}

static void
mesos_sub_release(struct mesos_conn *c)
{
	if (c->sub != NULL) {
		curl_multi_remove_handle(c->curl.multi, c->sub);
		curl_easy_cleanup(c->sub);
		c->sub = NULL;
	}
	curl_slist_free_all(c->sub_hdrs);
	c->sub_hdrs = NULL;
	free(c->sub_body.data);
	c->sub_body.data = NULL;
	if (c->rio_live) {
		recordio_decoder_free(&c->rio);
		c->rio_live = false;
	}
}

/*
 * Backoff (ref §1.4, §1.8): every failed attempt doubles the wait, from
 * 250 ms up to 15 s, and the actual delay is drawn from [w/2, w] so that
 * several schedulers do not retry in step.  A subscription that stayed
 * up for MESOS_HEALTHY_BEATS heartbeat intervals starts over at 250 ms.
 */
static int64_t
mesos_backoff(struct mesos_conn *c)
{
	int64_t w = c->backoff_ms, d;

	d = w / 2 + (int64_t)(mesos_rand(c) % (uint64_t)(w / 2 + 1));
	c->backoff_ms = w * 2 > MESOS_BACKOFF_MAX_MS ? MESOS_BACKOFF_MAX_MS :
	    w * 2;
	return d;
}

/*
 * The subscription attempt or the subscription is over: release the
 * stream, drop the queued calls (offers die with the subscription, the
 * agents resend unacknowledged updates, and the core repeats kills and
 * reconciliation after the next SUBSCRIBED), and schedule the next
 * SUBSCRIBE.
 */
static void
mesos_disconnect(struct mesos_conn *c, enum mesos_retry how,
    const char *fmt, ...)
{
	bool was = c->state == MESOS_SUBSCRIBED;
	char why[768], err[256];
	int64_t delay, now = ev_now(c->loop);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/*
	 * The master closes the stream of a framework it tears down, maybe
	 * before the 202 of the TEARDOWN arrives: a TEARDOWN in flight when
	 * the stream ends counts as done.
	 */
	if (c->call_busy && c->qhead != NULL && c->qhead->type ==
	    MESOS__V1__SCHEDULER__CALL__TYPE__TEARDOWN) {
		log_warnx("stream ended with TEARDOWN in flight: framework %s "
		    "taken as removed", c->sub_fwid);
		if (mesos_id_forget(c, err, sizeof(err)) != 0)
			log_error("%s", err);
	}
	mesos_sub_release(c);
	mesos_queue_flush(c);
	mesos_recon_clear(c);
	ev_timer_stop(c->loop, &c->watchdog);
	c->state = MESOS_DISCONNECTED;
	c->stream_id[0] = '\0';
	c->sub_fwid[0] = '\0';
	c->stats.connected_since = 0;
	if (was && now - c->subscribed_at >= (int64_t)(c->hb_interval *
	    1000 * MESOS_HEALTHY_BEATS))
		c->backoff_ms = MESOS_BACKOFF_MIN_MS;
	if (how == MESOS_RETRY_NOW && ++c->redirects <= MESOS_REDIRECTS_MAX)
		delay = 0;
	else {
		if (how == MESOS_RETRY_NOW)
			c->redirects = 0;
		delay = mesos_backoff(c);
	}
	log_warnx("%s%s; subscribing again to %s in %lld ms",
	    was ? "subscription lost: " : "", why, c->leader_url,
	    (long long)delay);
	if (c->started)
		ev_timer_start(c->loop, &c->retry, delay);
	if (was && c->cbs.disconnected != NULL)
		c->cbs.disconnected(c->arg, why);
}

/* Transfer of the SUBSCRIBE request over (ref §1.6 for the codes). */
static void
mesos_sub_done(struct mesos_conn *c, CURLcode res)
{
	char body[MESOS_BODY_MAX], *leader;
	long code = 0;

	curl_easy_getinfo(c->sub, CURLINFO_RESPONSE_CODE, &code);
	mesos_body_text(body, sizeof(body), c->sub_errbody, c->sub_errlen);
	if (code == 200) {
		if (c->sub_bad[0] != '\0')
			mesos_disconnect(c, MESOS_RETRY_BACKOFF, "bad stream "
			    "from the master (%s); resetting it", c->sub_bad);
		else if (res != CURLE_OK)
			mesos_disconnect(c, MESOS_RETRY_BACKOFF, "stream "
			    "broken: %s", curl_easy_strerror(res));
		else if (recordio_finish(&c->rio) != 0)
			mesos_disconnect(c, MESOS_RETRY_BACKOFF, "stream "
			    "closed by the master inside a record");
		else
			mesos_disconnect(c, MESOS_RETRY_BACKOFF, "stream "
			    "closed by the master");
		return;
	}
	if (res != CURLE_OK) {
		mesos_disconnect(c, MESOS_RETRY_BACKOFF, "SUBSCRIBE to %s: %s",
		    c->leader_url, curl_easy_strerror(res));
		return;
	}
	if (code == 307) {
		leader = mesos_redirect_base(c->leader_url, c->sub_location);
		if (leader == NULL) {
			mesos_disconnect(c, MESOS_RETRY_BACKOFF, "SUBSCRIBE: "
			    "307 with an unusable Location '%s'",
			    c->sub_location);
			return;
		}
		log_info("%s is not the leader, %s is", c->leader_url, leader);
		free(c->leader_url);
		c->leader_url = leader;
		mesos_disconnect(c, MESOS_RETRY_NOW, "redirected");
		return;
	}
	mesos_disconnect(c, MESOS_RETRY_BACKOFF, "SUBSCRIBE to %s: %ld%s%s",
	    c->leader_url, code, body[0] ? " " : "", body);
}

/*
 * Heartbeat watchdog (ref §1.4): nothing at all (not a byte) for
 * MESOS_HB_MISSES heartbeat intervals means the stream is dead even if
 * TCP has not noticed.  Before SUBSCRIBED the default interval applies,
 * which also bounds a SUBSCRIBE that is never answered.
 */
static void
mesos_watchdog_cb(struct ev_loop *loop, void *arg)
{
	struct mesos_conn *c = arg;
	int64_t hb = (int64_t)(c->hb_interval * 1000), idle;

	(void)loop;
	if (c->sub == NULL)
		return;
	if (hb < 1)
		hb = 1;
	idle = mono_ms() - c->last_byte;
	if (idle >= hb * MESOS_HB_MISSES) {
		mesos_disconnect(c, MESOS_RETRY_BACKOFF, "nothing from the "
		    "master for %lld ms (%d heartbeat intervals)",
		    (long long)idle, MESOS_HB_MISSES);
		return;
	}
	ev_timer_start(c->loop, &c->watchdog, hb / 2 > 0 ? hb / 2 : 1);
}

static void
mesos_subscribe_now(struct mesos_conn *c)
{
	struct mesos_fwinfo fw = {
		.user = c->user,
		.name = c->name,
		.hostname = c->hostname,
		.role = c->role,
		.failover_timeout = c->failover_timeout,
	};
	char err[256];
	CURLMcode mc;

	mesos_sub_release(c);
	if (mesos_wire_subscribe(&c->sub_body, c->fwid, &fw, err,
	    sizeof(err)) != 0)
		fatalx("SUBSCRIBE: %s", err);	/* options checked in new */
	if ((c->sub = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	c->sub_hdrs = mesos_headers(NULL);
	mesos_easy_common(c->sub, c->leader_url, &c->sub_body, c->sub_hdrs);
	/* Its own connection, closed with the stream (ref §1.1). */
	curl_easy_setopt(c->sub, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(c->sub, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(c->sub, CURLOPT_WRITEFUNCTION, mesos_sub_write_cb);
	curl_easy_setopt(c->sub, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->sub, CURLOPT_HEADERFUNCTION, mesos_sub_header_cb);
	curl_easy_setopt(c->sub, CURLOPT_HEADERDATA, c);
	recordio_decoder_init(&c->rio, MESOS_RECORD_MAX, NULL, NULL);
	c->rio_live = true;
	c->sub_checked = false;
	c->sub_bad[0] = '\0';
	c->hdr_stream_id[0] = '\0';
	c->sub_location[0] = '\0';
	c->sub_errlen = 0;
	c->hb_interval = MESOS_HB_DEFAULT_S;
	c->last_byte = mono_ms();
	c->state = MESOS_SUBSCRIBING;
	if ((mc = curl_multi_add_handle(c->curl.multi, c->sub)) != CURLM_OK) {
		mesos_disconnect(c, MESOS_RETRY_BACKOFF,
		    "curl_multi_add_handle: %s", curl_multi_strerror(mc));
		return;
	}
	log_info("subscribing to %s as %s", c->leader_url,
	    c->fwid[0] != '\0' ? c->fwid : "a new framework");
	ev_timer_start(c->loop, &c->watchdog,
	    (int64_t)(c->hb_interval * 1000) / 2);
}

static void
mesos_retry_cb(struct ev_loop *loop, void *arg)
{
	(void)loop;
	mesos_subscribe_now(arg);
}

/* ---- curl <-> ev --------------------------------------------------------- */

static void
mesos_check_done(struct mesos_conn *c)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(c->curl.multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		if (c->sub != NULL && m->easy_handle == c->sub)
			mesos_sub_done(c, m->data.result);
		else if (c->call_busy && m->easy_handle == c->call)
			mesos_call_done(c, m->data.result);
	}
}

/* After every curl_multi_socket_action: events first, then endings. */
static void
mesos_after_curl(void *arg)
{
	struct mesos_conn *c = arg;

	mesos_process_records(c);
	mesos_check_done(c);
}

/* ---- deferred TASK_ERRORs ---------------------------------------------- */

static void
mesos_synth_cb(struct ev_loop *loop, void *arg)
{
	struct mesos_conn *c = arg;
	struct mesos_synth *s;

	(void)loop;
	while ((s = c->synth) != NULL) {
		struct mesos_status st = {
			.task_id = s->task_id,
			.agent_id = s->agent_id,
			.state = MESOS_TASK_ERROR,
			.reason = 14,		/* REASON_TASK_INVALID */
			.reason_name = "REASON_TASK_INVALID",
			.source = -1,
			.message = s->message,
			.container_ip = "",
			.container_id = "",
			.hostname = "",
		};

		c->synth = s->next;
		if (c->cbs.update != NULL)
			c->cbs.update(c->arg, &st);
		free(s->task_id);
		free(s->agent_id);
		free(s->message);
		free(s);
	}
}

static void
mesos_synth_add(struct mesos_conn *c, const struct mesos_task_spec *t,
    const char *msg)
{
	struct mesos_synth *s = xcalloc(1, sizeof(*s)), **pp;

	s->task_id = xstrdup(t->task_id != NULL ? t->task_id : "");
	s->agent_id = xstrdup(t->agent_id != NULL ? t->agent_id : "");
	s->message = xstrdup(msg);
	for (pp = &c->synth; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = s;
	ev_timer_start(c->loop, &c->synth_timer, 0);
}

/* ---- the API --------------------------------------------------------- */

struct mesos_conn *
mesos_new(struct ev_loop *loop, const struct mesos_conn_opts *o,
    const struct mesos_cbs *cbs, void *arg, char *err, size_t errlen)
{
	struct mesos_conn *c;
	struct mesos_buf b = { NULL, 0 };
	struct mesos_fwinfo fw;
	char e[512];

	if (errlen > 0)
		err[0] = '\0';
	if (o->master_url == NULL || o->master_url[0] == '\0' ||
	    o->state_dir == NULL || o->state_dir[0] == '\0') {
		snprintf(err, errlen, "a master URL and a state directory are "
		    "needed");
		return NULL;
	}
	fw.user = o->user != NULL && o->user[0] != '\0' ? o->user : "root";
	fw.name = o->name;
	fw.hostname = o->hostname;
	fw.role = o->role;
	fw.failover_timeout = o->failover_timeout;
	if (mesos_wire_subscribe(&b, NULL, &fw, e, sizeof(e)) != 0) {
		snprintf(err, errlen, "%s", e);
		return NULL;
	}
	free(b.data);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init failed");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->loop = loop;
	if (cbs != NULL)
		c->cbs = *cbs;
	c->arg = arg;
	c->master_url = mesos_base_url(o->master_url);
	c->leader_url = xstrdup(c->master_url);
	c->id_path = xasprintf("%s/%s", o->state_dir, MESOS_ID_FILE);
	c->id_corrupt_path = xasprintf("%s/%s", o->state_dir,
	    MESOS_ID_CORRUPT);
	c->user = xstrdup(fw.user);
	c->name = xstrdup(fw.name);
	c->hostname = xstrdup_null(o->hostname);
	c->role = xstrdup(o->role != NULL && o->role[0] != '\0' ? o->role :
	    "*");
	c->failover_timeout = o->failover_timeout;
	c->backoff_ms = MESOS_BACKOFF_MIN_MS;
	c->hb_interval = MESOS_HB_DEFAULT_S;
	c->rng = ((uint64_t)mono_us() << 20) ^ (uint64_t)getpid() ^
	    (uint64_t)(uintptr_t)c;
	if (c->rng == 0)
		c->rng = 0x9e3779b97f4a7c15ULL;
	ev_timer_init(&c->watchdog, mesos_watchdog_cb, c);
	ev_timer_init(&c->retry, mesos_retry_cb, c);
	ev_timer_init(&c->call_retry, mesos_call_retry_cb, c);
	ev_timer_init(&c->recon_timer, mesos_recon_timer_cb, c);
	ev_timer_init(&c->synth_timer, mesos_synth_cb, c);
	if (mesos_id_load(c, err, errlen) < 0) {
		mesos_free(c);
		return NULL;
	}
	if (ev_curl_init(&c->curl, c->loop, mesos_after_curl, c) != 0 ||
	    (c->call = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl initialisation failed");
		mesos_free(c);
		return NULL;
	}
	return c;
}

void
mesos_free(struct mesos_conn *c)
{
	struct mesos_synth *s;

	if (c == NULL)
		return;
	c->started = false;
	ev_timer_stop(c->loop, &c->retry);
	ev_timer_stop(c->loop, &c->watchdog);
	ev_timer_stop(c->loop, &c->synth_timer);
	mesos_recon_clear(c);
	if (c->curl.multi != NULL) {
		mesos_sub_release(c);
		mesos_queue_flush(c);
	}
	curl_slist_free_all(c->call_hdrs);
	if (c->call != NULL)
		curl_easy_cleanup(c->call);
	ev_curl_fini(&c->curl);
	ev_timer_stop(c->loop, &c->call_retry);
	while ((s = c->synth) != NULL) {
		c->synth = s->next;
		free(s->task_id);
		free(s->agent_id);
		free(s->message);
		free(s);
	}
	free(c->master_url);
	free(c->leader_url);
	free(c->id_path);
	free(c->id_corrupt_path);
	free(c->user);
	free(c->name);
	free(c->hostname);
	free(c->role);
	free(c);
	curl_global_cleanup();
}

void
mesos_start(struct mesos_conn *c)
{
	if (c->started)
		return;
	c->started = true;
	mesos_subscribe_now(c);
}

enum mesos_conn_state
mesos_state(const struct mesos_conn *c)
{
	return c->state;
}

const char *
mesos_framework_id(const struct mesos_conn *c)
{
	return c->sub_fwid[0] != '\0' ? c->sub_fwid : c->fwid;
}

int64_t
mesos_last_heard(const struct mesos_conn *c)
{
	return c->state == MESOS_DISCONNECTED ? 0 : c->last_byte;
}

const char *
mesos_master(const struct mesos_conn *c)
{
	return c->leader_url;
}

/*
 * LAUNCH.  A spec that does not build into a TaskInfo is left out and
 * reported to the core as the master would report an invalid task: a
 * TASK_ERROR update (REASON_TASK_INVALID, no uuid), delivered from the
 * loop right after this returns.  The other tasks are launched; with
 * none left the offers are declined.
 */
int
mesos_launch(struct mesos_conn *c, const char *const *offer_ids,
    size_t n_offers, const struct mesos_task_spec *tasks, size_t n_tasks,
    double refuse_seconds)
{
	struct mesos_task_spec *ok;
	struct mesos_buf b = { NULL, 0 };
	size_t n_ok = 0;
	char err[512];
	int rc;

	if (c->state != MESOS_SUBSCRIBED)
		return -1;
	ok = xcalloc(n_tasks > 0 ? n_tasks : 1, sizeof(*ok));
	for (size_t i = 0; i < n_tasks; i++) {
		if (sched_taskinfo_check(&tasks[i], err, sizeof(err)) != 0) {
			log_error("task not launched: %s", err);
			mesos_synth_add(c, &tasks[i], err);
			continue;
		}
		ok[n_ok++] = tasks[i];
	}
	if (n_ok == 0) {
		free(ok);
		return mesos_decline(c, offer_ids, n_offers, refuse_seconds);
	}
	if (mesos_wire_accept(&b, c->sub_fwid, offer_ids, n_offers, ok, n_ok,
	    refuse_seconds, err, sizeof(err)) != 0) {
		log_error("ACCEPT not sent: %s", err);
		free(ok);
		c->stats.calls_failed++;
		return -1;
	}
	free(ok);
	rc = mesos_enqueue(c, MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT, &b);
	if (rc == 0) {
		c->stats.tasks_launched += n_ok;
		for (size_t i = 0; i < n_ok; i++)
			log_info("launching %s on agent %s",
			    tasks[i].task_id, tasks[i].agent_id);
	}
	return rc;
}

int
mesos_decline(struct mesos_conn *c, const char *const *offer_ids, size_t n,
    double refuse_seconds)
{
	struct mesos_buf b = { NULL, 0 };
	char err[256];

	if (c->state != MESOS_SUBSCRIBED)
		return -1;
	if (mesos_wire_decline(&b, c->sub_fwid, offer_ids, n, refuse_seconds,
	    err, sizeof(err)) != 0) {
		log_error("DECLINE not sent: %s", err);
		return -1;
	}
	if (mesos_enqueue(c, MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE,
	    &b) != 0)
		return -1;
	c->stats.offers_declined += n;
	return 0;
}

int
mesos_kill(struct mesos_conn *c, const char *task_id, const char *agent_id)
{
	struct mesos_buf b = { NULL, 0 };
	char err[256];

	if (c->state != MESOS_SUBSCRIBED)
		return -1;
	if (mesos_wire_kill(&b, c->sub_fwid, task_id, agent_id, err,
	    sizeof(err)) != 0) {
		log_error("KILL not sent: %s", err);
		return -1;
	}
	log_info("killing %s", task_id);
	return mesos_enqueue(c, MESOS__V1__SCHEDULER__CALL__TYPE__KILL, &b);
}

int
mesos_suppress(struct mesos_conn *c)
{
	struct mesos_buf b = { NULL, 0 };
	char err[256];

	if (c->state != MESOS_SUBSCRIBED ||
	    mesos_wire_suppress(&b, c->sub_fwid, err, sizeof(err)) != 0)
		return -1;
	return mesos_enqueue(c, MESOS__V1__SCHEDULER__CALL__TYPE__SUPPRESS,
	    &b);
}

int
mesos_revive(struct mesos_conn *c)
{
	struct mesos_buf b = { NULL, 0 };
	char err[256];

	if (c->state != MESOS_SUBSCRIBED ||
	    mesos_wire_revive(&b, c->sub_fwid, err, sizeof(err)) != 0)
		return -1;
	return mesos_enqueue(c, MESOS__V1__SCHEDULER__CALL__TYPE__REVIVE, &b);
}

int
mesos_reconcile_implicit(struct mesos_conn *c)
{
	struct mesos_buf b = { NULL, 0 };
	char err[256];

	if (c->state != MESOS_SUBSCRIBED ||
	    mesos_wire_reconcile(&b, c->sub_fwid, NULL, 0, err,
	    sizeof(err)) != 0)
		return -1;
	return mesos_enqueue(c, MESOS__V1__SCHEDULER__CALL__TYPE__RECONCILE,
	    &b);
}

int
mesos_reconcile_explicit(struct mesos_conn *c,
    const struct mesos_task_ref *tasks, size_t n)
{
	size_t k = 0;

	if (c->state != MESOS_SUBSCRIBED)
		return -1;
	mesos_recon_clear(c);
	c->recon = xcalloc(n > 0 ? n : 1, sizeof(*c->recon));
	for (size_t i = 0; i < n; i++) {
		if (tasks[i].task_id == NULL || !mesos_id_valid(tasks[i].task_id)) {
			log_warnx("reconciliation: task id '%s' skipped",
			    tasks[i].task_id != NULL ? tasks[i].task_id : "");
			continue;
		}
		c->recon[k].task_id = xstrdup(tasks[i].task_id);
		c->recon[k].agent_id = xstrdup(tasks[i].agent_id != NULL &&
		    mesos_id_valid(tasks[i].agent_id) ? tasks[i].agent_id : "");
		k++;
	}
	c->n_recon = k;
	c->recon_active = true;
	c->recon_rounds = 0;
	c->recon_delay = MESOS_RECON_FIRST_MS;
	if (k == 0) {
		mesos_recon_finish(c);
		return 0;
	}
	mesos_recon_send(c);
	return 0;
}

int
mesos_teardown(struct mesos_conn *c)
{
	struct mesos_buf b = { NULL, 0 };
	char err[256];

	if (c->state != MESOS_SUBSCRIBED ||
	    mesos_wire_teardown(&b, c->sub_fwid, err, sizeof(err)) != 0)
		return -1;
	log_warnx("TEARDOWN of framework %s requested: every task is killed",
	    c->sub_fwid);
	return mesos_enqueue(c, MESOS__V1__SCHEDULER__CALL__TYPE__TEARDOWN,
	    &b);
}

int
mesos_forget_framework(struct mesos_conn *c, char *err, size_t errlen)
{
	return mesos_id_forget(c, err, errlen);
}

void
mesos_get_stats(const struct mesos_conn *c, struct mesos_stats *st)
{
	*st = c->stats;
}
