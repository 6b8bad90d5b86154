/*
 * routed.c - torc-routed's event loop and bus endpoints.
 *
 * Receives on events.ipc: SVC_UPDATE, SVC_REMOVE, NODE_UPDATE,
 * SCHED_STATUS (sequence-checked).  Sends SYNC_REQ on schedd.ipc when it
 * starts, on a sequence gap, and when schedd restarts.  Answers
 * ROUTED_STATUS_REQ on routed.ipc.
 */
#include "routed.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define ROUTED_SYNC_RETRY_MS	1000

static void
routed_send_sync(struct routed *rd)
{
	struct tmsg m = { .type = TMSG_SYNC_REQ };
	char err[256];

	m.seq = ++rd->req_id;
	replica_begin_sync(&rd->state);
	if (bus_send(&rd->req, &m, err, sizeof(err)) != 0) {
		log_debug("sync request: %s", err);
		rd->sync_inflight = false;
	} else
		rd->sync_inflight = true;
	/* nng resends the request itself; this timer covers send errors. */
	ev_timer_start(rd->loop, &rd->sync_timer, ROUTED_SYNC_RETRY_MS);
}

static void
routed_sync_timer_cb(struct ev_loop *loop, void *arg)
{
	struct routed *rd = arg;

	(void)loop;
	if (!rd->state.synced && !rd->sync_inflight)
		routed_send_sync(rd);
	else if (!rd->state.synced)
		ev_timer_start(rd->loop, &rd->sync_timer, ROUTED_SYNC_RETRY_MS);
}

static void
routed_resync(struct routed *rd, const char *why)
{
	log_info("resync from torc-schedd: %s", why);
	rd->sync_inflight = false;
	routed_send_sync(rd);
}

static void
routed_req_cb(struct ev_loop *loop, int fd, int revents, void *arg)
{
	struct routed *rd = arg;
	char err[256];
	struct tmsg m;
	int rv;

	(void)loop;
	(void)fd;
	(void)revents;
	while ((rv = bus_recv(&rd->req, &m, err, sizeof(err))) != 0) {
		if (rv < 0) {
			log_warnx("schedd.ipc: bad reply: %s", err);
			rd->sync_inflight = false;
			continue;
		}
		if (m.type == TMSG_SYNC_REP && m.seq == rd->req_id) {
			uint64_t seq = m.u.snap.seq;

			rd->sync_inflight = false;
			if (replica_load_snapshot(&rd->state, &m.u.snap, NULL,
			    NULL) == REPLICA_GAP)
				routed_resync(rd, "events missed during sync");
			else
				log_info("synced with torc-schedd at seq %llu: "
				    "%zu nodes, %zu services",
				    (unsigned long long)seq, rd->state.n_nodes,
				    rd->state.n_services);
		} else
			log_warnx("schedd.ipc: unexpected %s reply",
			    tmsg_type_name(m.type));
		tmsg_free(&m);
	}
}

static void
routed_sub_cb(struct ev_loop *loop, int fd, int revents, void *arg)
{
	struct routed *rd = arg;
	char err[256];
	struct tmsg m;
	int rv;

	(void)loop;
	(void)fd;
	(void)revents;
	while ((rv = bus_recv(&rd->sub, &m, err, sizeof(err))) != 0) {
		if (rv < 0) {
			log_warnx("events.ipc: dropped bad message: %s", err);
			continue;
		}
		uint64_t last = rd->state.last_seq, seq = m.seq;

		if (replica_apply(&rd->state, &m, NULL, NULL) == REPLICA_GAP) {
			char why[96];

			snprintf(why, sizeof(why), "event seq %llu after %llu",
			    (unsigned long long)seq, (unsigned long long)last);
			routed_resync(rd, why);
		}
		tmsg_free(&m);
	}
}

static void
routed_rep_cb(struct ev_loop *loop, int fd, int revents, void *arg)
{
	struct routed *rd = arg;
	char err[256];
	struct tmsg m;
	int rv;

	(void)loop;
	(void)fd;
	(void)revents;
	while ((rv = bus_recv(&rd->rep, &m, err, sizeof(err))) != 0) {
		struct tmsg rep = { 0 };

		if (rv < 0) {
			log_warnx("routed.ipc: bad request: %s", err);
			rep.type = TMSG_ERROR;
			rep.u.error.code = 400;
			rep.u.error.message = err;
		} else if (m.type == TMSG_ROUTED_STATUS_REQ) {
			rep.type = TMSG_ROUTED_STATUS_REP;
			rep.seq = m.seq;
		} else {
			rep.type = TMSG_ERROR;
			rep.seq = m.seq;
			rep.u.error.code = 400;
			rep.u.error.message = "unexpected message type";
		}
		if (bus_send(&rd->rep, &rep, err, sizeof(err)) != 0)
			log_warnx("routed.ipc reply: %s", err);
		if (rv > 0)
			tmsg_free(&m);
	}
}

static void
routed_signal_cb(struct ev_loop *loop, int signo, void *arg)
{
	(void)arg;
	log_info("signal %d: shutting down", signo);
	ev_break(loop);
}

int
routed_init(struct routed *rd, struct torc_config *cfg,
    const struct cli_opts *opts)
{
	static const char *const topics[] = { TMSG_TOPIC_SVC, TMSG_TOPIC_NODE,
	    TMSG_TOPIC_SCHED, NULL };
	char url[512], err[512];

	memset(rd, 0, sizeof(*rd));
	replica_init(&rd->state);
	rd->cfg = cfg;
	rd->opts = opts;
	if ((rd->loop = ev_loop_new()) == NULL) {
		log_warn("event loop");
		return -1;
	}
	cli_ipc_url(url, sizeof(url), opts->run_dir, TMSG_SOCK_EVENTS);
	if (bus_open(&rd->sub, BUS_SUB, url, topics, err, sizeof(err)) != 0)
		goto fail;
	cli_ipc_url(url, sizeof(url), opts->run_dir, TMSG_SOCK_SCHEDD);
	if (bus_open(&rd->req, BUS_REQ, url, NULL, err, sizeof(err)) != 0)
		goto fail;
	cli_ipc_url(url, sizeof(url), opts->run_dir, TMSG_SOCK_ROUTED);
	if (bus_open(&rd->rep, BUS_REP, url, NULL, err, sizeof(err)) != 0)
		goto fail;
	bus_watch(&rd->sub, rd->loop, routed_sub_cb, rd);
	bus_watch(&rd->req, rd->loop, routed_req_cb, rd);
	bus_watch(&rd->rep, rd->loop, routed_rep_cb, rd);
	ev_signal(rd->loop, SIGINT, routed_signal_cb, rd);
	ev_signal(rd->loop, SIGTERM, routed_signal_cb, rd);
	signal(SIGPIPE, SIG_IGN);
	ev_timer_init(&rd->sync_timer, routed_sync_timer_cb, rd);
	routed_send_sync(rd);
	return 0;
fail:
	log_error("%s", err);
	return -1;
}

int
routed_run(struct routed *rd)
{
	return ev_run(rd->loop);
}

void
routed_shutdown(struct routed *rd)
{
	bus_close(&rd->sub);
	bus_close(&rd->req);
	bus_close(&rd->rep);
	replica_free(&rd->state);
	ev_loop_free(rd->loop);
	rd->loop = NULL;
}
