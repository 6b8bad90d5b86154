/*
 * apid.c - torc-apid's event loop: libmicrohttpd driven from the ev loop
 * through its epoll descriptor, so every request runs on the loop thread;
 * the replica of torc-schedd's state; the request life cycle (one log
 * line per request) and the cached list responses.
 *
 * Receives on events.ipc: SVC_UPDATE, SVC_REMOVE, NODE_UPDATE,
 * SCHED_STATUS (sequence-checked, every topic).  Sends SYNC_REQ on
 * schedd.ipc at start, on a sequence gap and when schedd restarts.
 * Commands and routed status: see api_routes.c and api_ipc.c.
 */
#include "apid.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "monotime.h"
#include "util.h"

/* ---- answers --------------------------------------------------------- */

static void
set_resp(struct api_req *r, unsigned status, struct MHD_Response *resp,
    bool owned)
{
	if (r->resp != NULL && r->resp_owned)
		MHD_destroy_response(r->resp);
	r->status = status;
	r->resp = resp;
	r->resp_owned = owned;
}

void
api_reply_resp(struct api_req *r, unsigned status, struct MHD_Response *resp,
    bool owned)
{
	set_resp(r, status, resp, owned);
}

void
api_reply_json(struct api_req *r, unsigned status, json_t *j)
{
	struct MHD_Response *resp;
	char *body;
	size_t len;

	body = api_json_dump(j, &len);
	json_decref(j);
	resp = MHD_create_response_from_buffer(len, body,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		fatalx("cannot create a response");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	if (r->route >= 0 && (api_routes[r->route].flags & API_F_CORS))
		MHD_add_response_header(resp,
		    MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
	set_resp(r, status, resp, true);
}

void
api_reply_error(struct api_req *r, unsigned status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_reply_json(r, status, json_pack("{s:s}", "error", msg));
}

void
api_suspend(struct api_req *r)
{
	r->suspended = true;
	MHD_suspend_connection(r->conn);
}

void
api_resume(struct api_req *r)
{
	if (!r->suspended)
		return;
	r->suspended = false;
	MHD_resume_connection(r->conn);
	apid_kick(r->ad);
}

struct MHD_Response *
api_list_response(struct apid *ad, enum api_list l)
{
	struct api_cache *c = &ad->cache[l];
	struct MHD_Response *resp;
	json_t *j;
	char *body;
	size_t len;

	if (c->resp != NULL && c->version == ad->state.version)
		return c->resp;
	/* Connections still sending the old one keep their reference. */
	if (c->resp != NULL)
		MHD_destroy_response(c->resp);
	c->resp = NULL;
	j = api_json_list(&ad->state, l);
	body = api_json_dump(j, &len);
	json_decref(j);
	if ((resp = MHD_create_response_from_buffer(len, body,
	    MHD_RESPMEM_MUST_FREE)) == NULL) {
		free(body);
		log_warnx("cannot create a response for a list of %zu bytes",
		    len);
		return NULL;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	c->resp = resp;
	c->version = ad->state.version;
	return c->resp;
}

/* ---- the request life cycle ------------------------------------------ */

/* Called with the request line: the raw URI, before MHD decodes it. */
static void *
apid_uri_cb(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct api_req *r = xcalloc(1, sizeof(*r));
	size_t plen;

	r->ad = cls;
	r->conn = conn;
	r->start_us = mono_us();
	r->route = -1;
	r->uri = xstrdup(uri);
	plen = strcspn(uri, "?");
	r->path = xmalloc(plen + 1);
	memcpy(r->path, uri, plen);
	r->path[plen] = '\0';
	return r;
}

static void
apid_completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct apid *ad = cls;
	struct api_req *r = *con_cls;
	int64_t us;

	(void)conn;
	if (r == NULL)
		return;
	us = mono_us() - r->start_us;
	if (r->waiting_routed)
		api_routed_cancel(ad, r);
	if (r->started) {
		api_stats_record(&ad->stats, r->route, (int)r->status, us);
		/* Integer formatting: this line is written for every request. */
		api_access_log(&ad->access, "%s %.200s %u %lld.%03lldms%s",
		    r->method, r->path,
		    r->status, (long long)(us / 1000), (long long)(us % 1000),
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
		    " (connection closed early)");
	}
	if (r->resp != NULL && r->resp_owned)
		MHD_destroy_response(r->resp);
	api_query_free(&r->query);
	free(r->body);
	free(r->path);
	free(r->uri);
	free(r);
	*con_cls = NULL;
}

static enum MHD_Result
apid_queue(struct api_req *r)
{
	enum MHD_Result ret;

	ret = MHD_queue_response(r->conn, r->status, r->resp);
	if (r->resp_owned)
		MHD_destroy_response(r->resp);
	r->resp = NULL;
	return ret;
}

static enum MHD_Result
apid_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct api_req *r = *con_cls;
	const char *cl;

	(void)cls;
	(void)url;
	(void)version;
	if (r == NULL)
		return MHD_NO;
	if (!r->started) {
		/* Headers are in; an oversize body is refused right away. */
		r->started = true;
		tstrlcpy(r->method, method, sizeof(r->method));
		r->method_bit = api_method_parse(method);
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > API_BODY_MAX)
			r->body_too_big = true;
		else
			return MHD_YES;	/* answering before the request is
					   complete would close the connection */
	} else if (*upload_data_size != 0) {
		if (!r->body_too_big &&
		    r->body_len + *upload_data_size <= API_BODY_MAX) {
			r->body = xrealloc(r->body, r->body_len +
			    *upload_data_size + 1);
			memcpy(r->body + r->body_len, upload_data,
			    *upload_data_size);
			r->body_len += *upload_data_size;
			r->body[r->body_len] = '\0';
		} else {
			r->body_too_big = true;
			FREE_NULL(r->body);
			r->body_len = 0;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!r->dispatched) {
		r->dispatched = true;
		api_dispatch(r);
	}
	if (r->resp != NULL)		/* answered now, or resumed */
		return apid_queue(r);
	return MHD_YES;			/* suspended until the answer */
}

/* ---- MHD on the loop ------------------------------------------------- */

static void apid_mhd_timer_cb(struct ev_loop *loop, void *arg);

static void
apid_mhd_schedule(struct apid *ad)
{
	MHD_UNSIGNED_LONG_LONG tmo;

	if (MHD_get_timeout(ad->mhd, &tmo) == MHD_YES)
		ev_timer_start(ad->loop, &ad->mhd_timer,
		    tmo > 60000 ? 60000 : (int64_t)tmo);
	else
		ev_timer_stop(ad->loop, &ad->mhd_timer);
}

static void
apid_mhd_cb(struct ev_loop *loop, int fd, int revents, void *arg)
{
	struct apid *ad = arg;

	(void)loop;
	(void)fd;
	(void)revents;
	MHD_run(ad->mhd);
	apid_mhd_schedule(ad);
	api_access_flush(&ad->access);
}

static void
apid_mhd_timer_cb(struct ev_loop *loop, void *arg)
{
	apid_mhd_cb(loop, -1, 0, arg);
}

void
apid_kick(struct apid *ad)
{
	ev_timer_start(ad->loop, &ad->kick_timer, 0);
}

/* ---- following torc-schedd ------------------------------------------- */

static void	apid_sync_done(struct apid *, struct tmsg *,
		    const char *, void *);

static void
apid_send_sync(struct apid *ad)
{
	struct tmsg m = { .type = TMSG_SYNC_REQ };

	ad->sync_wanted = false;
	ad->sync_again = false;
	replica_begin_sync(&ad->state);
	api_chan_call(&ad->sync, &m, apid_sync_done, NULL);
}

static void
apid_resync(struct apid *ad, const char *why)
{
	log_info("resync from torc-schedd: %s", why);
	apid_send_sync(ad);
}

static void
apid_sync_timer_cb(struct ev_loop *loop, void *arg)
{
	struct apid *ad = arg;

	(void)loop;
	if (ad->sync_wanted)
		apid_send_sync(ad);
}

/* What the replica changed, as it happens: to the /events clients. */
static void
apid_change_cb(const struct replica_change *c, void *arg)
{
	struct apid *ad = arg;
	const struct tmsg_service *s;
	const struct tmsg_node *n;
	const char *event;
	json_t *j;
	char *data;

	if (TAILQ_EMPTY(&ad->sse))
		return;
	switch (c->type) {
	case TMSG_SVC_UPDATE:
		if ((s = replica_service(&ad->state, c->name)) == NULL)
			return;
		event = "service";
		j = api_json_task(s);
		break;
	case TMSG_SVC_REMOVE:
		event = "service_removed";
		j = json_pack("{s:s}", "name", c->name);
		break;
	case TMSG_NODE_UPDATE:
		if ((n = replica_node(&ad->state, c->name)) == NULL)
			return;
		event = "node";
		j = api_json_node(n);
		break;
	case TMSG_SCHED_STATUS:
		event = "scheduler";
		j = api_json_status(&ad->state.status);
		break;
	default:
		return;
	}
	data = api_json_dump(j, NULL);
	json_decref(j);
	api_sse_broadcast(ad, event, ad->state.last_seq, data);
	free(data);
}

static void
apid_sync_done(struct apid *ad, struct tmsg *rep, const char *why,
    void *arg)
{
	uint64_t seq;

	(void)arg;
	if (rep == NULL || rep->type != TMSG_SYNC_REP) {
		/*
		 * Say it once, not on every retry while schedd is away, and
		 * not for the first tries while the connection is made.
		 */
		if (++ad->sync_failures == 3)
			log_warnx("sync from torc-schedd failed: %s; retrying",
			    rep == NULL ? why : tmsg_type_name(rep->type));
		ad->sync_wanted = true;
		/* Soon at first (schedd may be starting too), then every s. */
		ev_timer_start(ad->loop, &ad->sync_timer,
		    ad->sync_failures < 4 ? 100 << (ad->sync_failures - 1) :
		    API_SYNC_RETRY_MS);
		return;
	}
	/* The snapshot's contents move into the replica. */
	seq = rep->u.snap.seq;
	if (replica_load_snapshot(&ad->state, &rep->u.snap, apid_change_cb,
	    ad) == REPLICA_GAP) {
		apid_resync(ad, "events missed during sync");
		return;
	}
	ad->ever_synced = true;
	ad->sync_failures = 0;
	log_info("synced with torc-schedd at seq %llu: %zu nodes, "
	    "%zu services", (unsigned long long)seq, ad->state.n_nodes,
	    ad->state.n_services);
	if (ad->sync_again)
		apid_resync(ad, "connected to events.ipc again during the "
		    "sync");
	if (!TAILQ_EMPTY(&ad->sse)) {
		json_t *j = json_pack("{s:I,s:I,s:I}", "seq", (json_int_t)seq,
		    "nodes", (json_int_t)ad->state.n_nodes, "services",
		    (json_int_t)ad->state.n_services);
		char *data = api_json_dump(j, NULL);

		json_decref(j);
		api_sse_broadcast(ad, "sync", seq, data);
		free(data);
	}
}

static void
apid_sub_cb(struct ev_loop *loop, int fd, int revents, void *arg)
{
	struct apid *ad = arg;
	char why[96], err[256];
	unsigned bad = 0;

	(void)loop;
	(void)fd;
	(void)revents;
	if (bus_follow(&ad->sub, &ad->state, apid_change_cb, ad, why,
	    sizeof(why), &bad, err, sizeof(err)) != 0)
		apid_resync(ad, why);
	if (bad > 0)
		log_warnx("events.ipc: dropped %u bad message(s): %s", bad, err);
}

/*
 * A new connection to events.ipc means schedd restarted, or the old
 * connection dropped: messages may be lost in between, and a new schedd
 * numbers its events from 1 again, which could by chance look like a
 * continuation.  So every reconnection asks for a snapshot (the bus flags
 * it from nng's thread and wakes the loop, which runs this).
 */
static void
apid_wakeup_cb(struct ev_loop *loop, void *arg)
{
	struct apid *ad = arg;

	(void)loop;
	if (!bus_take_connected(&ad->sub))
		return;
	/* A retry to come takes its snapshot after this connection. */
	if (ad->sync_wanted)
		return;
	/*
	 * One asked for before this connection may miss what was published
	 * in between: ask again once it is in.
	 */
	if (ad->sync.inflight != NULL) {
		ad->sync_again = true;
		return;
	}
	/* A queued one is not sent yet: it is taken after this connection. */
	if (!TAILQ_EMPTY(&ad->sync.queue))
		return;
	apid_resync(ad, "connected to events.ipc again");
}

/* ---- set-up ---------------------------------------------------------- */

static void	apid_mhd_log(void *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

/* libmicrohttpd's own complaints (malformed requests...) into our log. */
static void
apid_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_warnx("http: %s", buf);
}

static void
apid_signal_cb(struct ev_loop *loop, int signo, void *arg)
{
	struct apid *ad = arg;

	log_info("signal %d: shutting down", signo);
	ad->quitting = true;
	ev_break(loop);
}

static void
apid_sse_timer_cb(struct ev_loop *loop, void *arg)
{
	struct apid *ad = arg;

	(void)loop;
	api_sse_keepalive(ad);
	ev_timer_start(ad->loop, &ad->sse_timer, API_SSE_KEEPALIVE_MS);
}

static int
apid_open_bus(struct apid *ad)
{
	char url[512], err[512];

	cli_ipc_url(url, sizeof(url), ad->opts->run_dir, TMSG_SOCK_EVENTS);
	ev_set_wakeup(ad->loop, apid_wakeup_cb, ad);
	if (bus_open(&ad->sub, BUS_SUB, url, NULL, err, sizeof(err)) != 0)
		goto fail;
	if (bus_notify_connect(&ad->sub, ad->loop) != 0)
		log_warnx("events.ipc: no notice of reconnections; a restarted "
		    "torc-schedd is noticed by its sequence numbers only");
	bus_watch(&ad->sub, ad->loop, apid_sub_cb, ad);
	cli_ipc_url(url, sizeof(url), ad->opts->run_dir, TMSG_SOCK_SCHEDD);
	if (api_chan_open(&ad->sync, ad, "torc-schedd", url,
	    API_SCHEDD_TIMEOUT_MS, err, sizeof(err)) != 0)
		goto fail;
	if (api_chan_open(&ad->ctl, ad, "torc-schedd", url,
	    API_SCHEDD_TIMEOUT_MS, err, sizeof(err)) != 0)
		goto fail;
	cli_ipc_url(url, sizeof(url), ad->opts->run_dir, TMSG_SOCK_ROUTED);
	if (api_chan_open(&ad->routed, ad, "torc-routed", url,
	    API_ROUTED_TIMEOUT_MS, err, sizeof(err)) != 0)
		goto fail;
	return 0;
fail:
	log_error("%s", err);
	return -1;
}

int
apid_init(struct apid *ad, struct torc_config *cfg,
    const struct cli_opts *opts)
{
	static const char pong[] = "pong";
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sin;
	char err[256];

	memset(ad, 0, sizeof(*ad));
	ad->cfg = cfg;
	ad->opts = opts;
	replica_init(&ad->state);
	TAILQ_INIT(&ad->routed_waiters);
	TAILQ_INIT(&ad->sse);
	api_stats_init(&ad->stats, api_n_routes);
	api_access_init(&ad->access, opts->prog != NULL ? opts->prog :
	    "torc-apid");
	if (parse_hostport(opts->listen ? opts->listen : cfg->api.listen, 0,
	    ad->listen_host, sizeof(ad->listen_host), &ad->listen_port, err,
	    sizeof(err)) != 0) {
		log_error("listen address: %s", err);
		return -1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)ad->listen_port);
	if (inet_pton(AF_INET, ad->listen_host, &sin.sin_addr) != 1) {
		log_error("listen address %s: not an IPv4 address",
		    ad->listen_host);
		return -1;
	}
	if ((ad->loop = ev_loop_new()) == NULL) {
		log_warn("event loop");
		return -1;
	}
	ev_timer_init(&ad->mhd_timer, apid_mhd_timer_cb, ad);
	ev_timer_init(&ad->kick_timer, apid_mhd_timer_cb, ad);
	ev_timer_init(&ad->sync_timer, apid_sync_timer_cb, ad);
	ev_timer_init(&ad->sse_timer, apid_sse_timer_cb, ad);
	if (apid_open_bus(ad) != 0)
		return -1;
	ad->pong = MHD_create_response_from_buffer(sizeof(pong) - 1,
	    (void *)pong, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(ad->pong, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain");
	ad->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_TURBO |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
	    (uint16_t)ad->listen_port, NULL, NULL, apid_handler, ad,
	    MHD_OPTION_EXTERNAL_LOGGER, apid_mhd_log, ad,	/* first */
	    MHD_OPTION_SOCK_ADDR, &sin,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
	    MHD_OPTION_CONNECTION_TIMEOUT, 60u,
	    /*
	     * MHD zeroes a connection's memory pool after every request:
	     * 16 KB (half the default) holds any sane request's headers
	     * and halves that cost.
	     */
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_CONN_MEMORY,
	    MHD_OPTION_URI_LOG_CALLBACK, apid_uri_cb, ad,
	    MHD_OPTION_NOTIFY_COMPLETED, apid_completed_cb, ad,
	    MHD_OPTION_END);
	if (ad->mhd == NULL) {
		log_error("cannot listen on %s:%d", ad->listen_host,
		    ad->listen_port);
		return -1;
	}
	info = MHD_get_daemon_info(ad->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL) {
		log_error("no epoll descriptor from libmicrohttpd");
		return -1;
	}
	ad->mhd_fd = info->epoll_fd;
	ev_io_set(ad->loop, ad->mhd_fd, EV_READ, apid_mhd_cb, ad);
	ev_signal(ad->loop, SIGINT, apid_signal_cb, ad);
	ev_signal(ad->loop, SIGTERM, apid_signal_cb, ad);
	signal(SIGPIPE, SIG_IGN);
	ev_timer_start(ad->loop, &ad->sse_timer, API_SSE_KEEPALIVE_MS);
	apid_send_sync(ad);
	return 0;
}

int
apid_run(struct apid *ad)
{
	return ev_run(ad->loop);
}

void
apid_shutdown(struct apid *ad)
{
	ad->quitting = true;
	/* MHD must not be stopped with suspended connections: wake them. */
	api_sse_close_all(ad);
	api_chan_close(&ad->ctl);
	api_chan_close(&ad->routed);
	api_chan_close(&ad->sync);
	if (ad->mhd != NULL) {
		MHD_run(ad->mhd);
		MHD_stop_daemon(ad->mhd);
	}
	for (int i = 0; i < API_LIST_COUNT; i++)
		if (ad->cache[i].resp != NULL)
			MHD_destroy_response(ad->cache[i].resp);
	if (ad->pong != NULL)
		MHD_destroy_response(ad->pong);
	if (ad->sub.open) {
		ev_io_del(ad->loop, ad->sub.recv_fd);
		bus_close(&ad->sub);
	}
	replica_free(&ad->state);
	api_stats_free(&ad->stats);
	api_access_free(&ad->access);
	ev_loop_free(ad->loop);
	ad->loop = NULL;
}
