/*
 * apid.c - torc-apid's event loop: libmicrohttpd driven from the ev loop
 * through its epoll descriptor, so every request runs on the loop thread.
 */
#include "apid.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "util.h"

static enum MHD_Result
apid_send(struct MHD_Connection *c, unsigned status, const char *ctype,
    const char *body)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
apid_send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	json_t *j = json_pack("{s:s}", "error", msg);
	char *body = json_dumps(j, JSON_COMPACT);
	enum MHD_Result ret;

	ret = apid_send(c, status, "application/json", body);
	free(body);
	json_decref(j);
	return ret;
}

static enum MHD_Result
apid_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	(void)cls;
	(void)version;
	(void)upload_data;
	if (*con_cls == NULL) {
		/* First call: headers only. */
		*con_cls = c;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	log_info("%s %s", method, url);
	if (strcmp(url, "/admin/ping") == 0) {
		if (strcmp(method, "GET") != 0)
			return apid_send_error(c, 405, "method not allowed");
		return apid_send(c, 200, "text/plain", "pong");
	}
	return apid_send_error(c, 404, "no such path");
}

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
}

static void
apid_mhd_timer_cb(struct ev_loop *loop, void *arg)
{
	apid_mhd_cb(loop, -1, 0, arg);
}

static void
apid_signal_cb(struct ev_loop *loop, int signo, void *arg)
{
	(void)arg;
	log_info("signal %d: shutting down", signo);
	ev_break(loop);
}

int
apid_init(struct apid *ad, struct torc_config *cfg,
    const struct cli_opts *opts)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sin;
	char err[256];

	memset(ad, 0, sizeof(*ad));
	ad->cfg = cfg;
	ad->opts = opts;
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
	ad->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
	    (uint16_t)ad->listen_port, NULL, NULL, apid_handler, ad,
	    MHD_OPTION_SOCK_ADDR, &sin,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
	    MHD_OPTION_CONNECTION_TIMEOUT, 60u,
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
	ev_timer_init(&ad->mhd_timer, apid_mhd_timer_cb, ad);
	ev_io_set(ad->loop, ad->mhd_fd, EV_READ, apid_mhd_cb, ad);
	ev_signal(ad->loop, SIGINT, apid_signal_cb, ad);
	ev_signal(ad->loop, SIGTERM, apid_signal_cb, ad);
	signal(SIGPIPE, SIG_IGN);
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
	if (ad->mhd != NULL)
		MHD_stop_daemon(ad->mhd);
	ev_loop_free(ad->loop);
	ad->loop = NULL;
}
