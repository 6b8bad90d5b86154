/*
 * routed.c - torc-routed's event loop, bus endpoints and desired state.
 *
 * Receives on events.ipc: SVC_UPDATE, SVC_REMOVE, NODE_UPDATE,
 * SCHED_STATUS (sequence-checked).  Sends SYNC_REQ on schedd.ipc when it
 * starts, on a sequence gap, and when schedd restarts, and receives
 * SYNC_REP.  Answers ROUTED_STATUS_REQ with ROUTED_STATUS_REP (ERROR for
 * anything else) on routed.ipc.
 *
 * Every applied change recomputes the desired entries of the service it
 * names (or of every service on a changed node) and hands the due
 * changes to the drivers at once; a snapshot rebuilds the whole desired
 * state.
 */
#include "routed.h"

#include <malloc.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "monotime.h"
#include "util.h"

#define ROUTED_SYNC_RETRY_MS	250
/* This many failed sends in a row (3 s): open schedd.ipc again. */
#define ROUTED_REDIAL_AFTER	12
/* A sync sent but unanswered this long: open schedd.ipc again, ask again
 * (nng's own resend needs a connection). */
#define ROUTED_SYNC_STUCK_MS	6000
/* A snapshot request not answered in this long is sent again by nng
 * (its default is a minute); asking again is harmless. */
#define ROUTED_SYNC_RESEND_MS	5000

/* Free a notes map and the strings it holds. */
static void
routed_notes_free(struct route_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(route_map_at(m, i));
	route_map_free(m);
}

/* Log a service's note once: when it appears or its text changes. */
static void
routed_note(struct routed *rd, const char *svc, const char *reason)
{
	char *old = route_map_get(&rd->notes, svc);

	if (reason == NULL) {
		if (old != NULL) {
			free(route_map_del(&rd->notes, svc));
			log_info("%s: no longer skipped", svc);
		}
		return;
	}
	if (old != NULL && strcmp(old, reason) == 0)
		return;
	log_warnx("%s: %s", svc, reason);
	free(old);
	route_map_put(&rd->notes, svc, xstrdup(reason));
}

/* Desired entries of one service, after it changed or went away. */
static void
routed_update_service(struct routed *rd, const char *name)
{
	const struct tmsg_service *svc = replica_service(&rd->state, name);
	struct route_desired d;
	int64_t now = mono_ms();
	const char *note;

	route_desired_service(svc, &rd->state, &rd->params, &d);
	note = d.n_notes > 0 ? d.notes[0].reason : NULL;
	if (rd->dns.enabled && route_table_set_owner(&rd->dns.table, name,
	    d.n_dns > 0 ? &d.dns[0] : NULL, now) != 0)
		note = "no DNS entry: its ID is already used";
	if (rd->net.enabled && route_table_set_owner(&rd->net.table, name,
	    d.n_routes > 0 ? &d.routes[0] : NULL, now) != 0)
		note = "no route: its address is already routed for another "
		    "service";
	routed_note(rd, name, note);
	route_desired_free(&d);
}

/*
 * Withdraw nothing on a provisional view.  A snapshot says what schedd
 * knows; a schedd that has just restarted (or lost the master) knows its
 * tasks only from its state file until the master has reconciled them, and
 * lists them as launching meanwhile.  Deleting their DNS entries and routes
 * then would be a flap, so deletions wait until schedd says it has
 * reconciled (SCHED_STATUS.reconciled); additions and changes go out
 * at once either way.
 */
static void
routed_delete_gate(struct routed *rd)
{
	bool allow = rd->ever_synced && rd->state.synced &&
	    rd->state.status.reconciled;

	if (allow != rd->deletes_allowed)
		log_info("deletions %s: torc-schedd %s", allow ? "resume" :
		    "held", allow ? "has reconciled its tasks" :
		    "has not reconciled its tasks yet");
	rd->deletes_allowed = allow;
	route_sys_allow_delete(&rd->dns, allow);
	route_sys_allow_delete(&rd->net, allow);
}

/*
 * Rebuild the whole desired state from the replica.  complete: it comes
 * from a snapshot, so anything not in it may be deleted.
 */
static void
routed_rebuild(struct routed *rd, bool complete)
{
	struct route_desired d;
	struct route_map fresh;
	int64_t now = mono_ms();

	route_desired_build(complete ? &rd->state : NULL, &rd->params, &d);
	if (rd->dns.enabled) {
		route_table_begin(&rd->dns.table);
		for (size_t i = 0; i < d.n_dns; i++)
			route_table_want(&rd->dns.table, &d.dns[i], now);
		route_table_end(&rd->dns.table, now);
	}
	if (rd->net.enabled) {
		route_table_begin(&rd->net.table);
		for (size_t i = 0; i < d.n_routes; i++)
			route_table_want(&rd->net.table, &d.routes[i], now);
		route_table_end(&rd->net.table, now);
	}
	/* Notes: log the new ones, forget those that no longer apply. */
	route_map_init(&fresh);
	for (size_t i = 0; i < d.n_notes; i++) {
		const char *svc = d.notes[i].service;
		char *old;

		if (route_map_get(&fresh, svc) != NULL)
			continue;
		old = route_map_del(&rd->notes, svc);
		if (old == NULL || strcmp(old, d.notes[i].reason) != 0)
			log_warnx("%s: %s", svc, d.notes[i].reason);
		free(old);
		route_map_put(&fresh, svc, xstrdup(d.notes[i].reason));
	}
	routed_notes_free(&rd->notes);
	rd->notes = fresh;
	if (d.n_dup > 0)
		log_warnx("%zu DNS entries or routes wanted twice (first "
		    "claimant kept)", d.n_dup);
	route_desired_free(&d);
	if (complete)
		routed_delete_gate(rd);
}

static void
routed_change_cb(const struct replica_change *c, void *arg)
{
	struct routed *rd = arg;

	switch (c->type) {
	case TMSG_SVC_UPDATE:
	case TMSG_SVC_REMOVE:
		routed_update_service(rd, c->name);
		break;
	case TMSG_SCHED_STATUS:
		routed_delete_gate(rd);
		break;
	case TMSG_NODE_UPDATE:
		/* The next hop of every service on it may have changed. */
		for (size_t i = 0; i < rd->state.n_services; i++) {
			const struct tmsg_service *s = rd->state.services[i];

			if (s->node != NULL && strcmp(s->node, c->name) == 0)
				routed_update_service(rd, s->name);
		}
		break;
	default:
		break;
	}
}

static void
routed_dispatch(struct routed *rd)
{
	route_sys_dispatch(&rd->dns);
	route_sys_dispatch(&rd->net);
}

static void	routed_req_cb(struct ev_loop *, int, int, void *);

/* No connection to schedd.ipc for a while: a new socket (bus_redial). */
static void
routed_redial(struct routed *rd)
{
	char err[256];

	/* Once per outage, not every 3 s while schedd is away (the stuck
	 * sync case says so itself). */
	if (rd->sync_send_failures > 0 &&
	    rd->sync_send_failures <= ROUTED_REDIAL_AFTER)
		log_warnx("schedd.ipc: no connection after %u tries; dialing "
		    "again", rd->sync_send_failures);
	else
		log_debug("schedd.ipc: still no connection; dialing again");
	if (rd->req.open)
		ev_io_del(rd->loop, rd->req.recv_fd);
	if (bus_redial(&rd->req, err, sizeof(err)) != 0) {
		log_warnx("schedd.ipc: %s", err);
		return;
	}
	nng_socket_set_ms(rd->req.sock, NNG_OPT_REQ_RESENDTIME,
	    ROUTED_SYNC_RESEND_MS);
	if (bus_watch(&rd->req, rd->loop, routed_req_cb, rd) != 0)
		log_warnx("schedd.ipc: cannot watch the new socket");
}

static void
routed_send_sync(struct routed *rd)
{
	struct tmsg m = { .type = TMSG_SYNC_REQ };
	char err[256];

	m.seq = ++rd->req_id;
	rd->sync_again = false;
	replica_begin_sync(&rd->state);
	if (bus_send(&rd->req, &m, err, sizeof(err)) != 0) {
		log_debug("sync request: %s", err);
		rd->sync_inflight = false;
		if (++rd->sync_send_failures % ROUTED_REDIAL_AFTER == 0)
			routed_redial(rd);
	} else {
		rd->sync_inflight = true;
		rd->sync_send_failures = 0;
		rd->sync_sent_ms = mono_ms();
	}
	/* nng resends the request itself over a connection; this timer
	 * covers send errors and a request left without one. */
	ev_timer_start(rd->loop, &rd->sync_timer, ROUTED_SYNC_RETRY_MS);
}

static void
routed_sync_timer_cb(struct ev_loop *loop, void *arg)
{
	struct routed *rd = arg;

	(void)loop;
	if (!rd->state.synced && !rd->sync_inflight)
		routed_send_sync(rd);
	else if (!rd->state.synced &&
	    mono_ms() - rd->sync_sent_ms >= ROUTED_SYNC_STUCK_MS) {
		log_warnx("schedd.ipc: no snapshot %d s after asking; dialing "
		    "again", ROUTED_SYNC_STUCK_MS / 1000);
		routed_redial(rd);
		rd->sync_inflight = false;
		routed_send_sync(rd);
	} else if (!rd->state.synced)
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
			uint64_t inst = m.u.snap.status.instance;

			rd->sync_inflight = false;
			if (replica_load_snapshot(&rd->state, &m.u.snap, NULL,
			    NULL) == REPLICA_GAP)
				routed_resync(rd, "events missed during sync");
			else {
				log_info("synced with torc-schedd (instance "
				    "%016llx) at seq %llu: %zu nodes, %zu "
				    "services", (unsigned long long)inst,
				    (unsigned long long)seq, rd->state.n_nodes,
				    rd->state.n_services);
				rd->ever_synced = true;
				routed_rebuild(rd, true);
				routed_dispatch(rd);
				if (rd->sync_again)
					routed_resync(rd, "connected to "
					    "events.ipc again during the sync");
#ifdef __GLIBC__
				/* The decoded snapshot was large. */
				malloc_trim(0);
#endif
			}
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
	char why[96], err[256];
	unsigned bad = 0;

	(void)loop;
	(void)fd;
	(void)revents;
	if (bus_follow(&rd->sub, &rd->state, routed_change_cb, rd, why,
	    sizeof(why), &bad, err, sizeof(err)) != 0)
		routed_resync(rd, why);
	if (bad > 0)
		log_warnx("events.ipc: dropped %u bad message(s): %s", bad, err);
	/* Everything this batch changed goes out now, not at the next poll. */
	routed_dispatch(rd);
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
			route_status_fill(rd, &rep.u.routed);
		} else {
			rep.type = TMSG_ERROR;
			rep.seq = m.seq;
			rep.u.error.code = 400;
			rep.u.error.message = "unexpected message type";
		}
		if (bus_send(&rd->rep, &rep, err, sizeof(err)) != 0)
			log_warnx("routed.ipc reply: %s", err);
		if (rep.type == TMSG_ROUTED_STATUS_REP) {
#ifdef __GLIBC__
			bool big = rep.u.routed.n_dns + rep.u.routed.n_routes >
			    1000;
#endif
			route_status_release(&rep.u.routed);
#ifdef __GLIBC__
			if (big)
				malloc_trim(0);
#endif
		}
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

/* The HTTP client, the desired-state parameters and both systems. */
static int
routed_init_systems(struct routed *rd, char *err, size_t errlen)
{
	const struct torc_config *cfg = rd->cfg;
	char url[300], path[1024];
	int poll = cfg->statesync.poll_interval;

	if ((rd->http = http_client_new(rd->loop, err, errlen)) == NULL)
		return -1;
	route_map_init(&rd->notes);
	rd->params.self_name = cfg->name;
	rd->params.self_ip = rd->opts->myip;
	rd->params.addons = cfg->dns_addons;
	rd->params.n_addons = cfg->n_dns_addons;
	rd->params.nodes = cfg->nodes;
	rd->params.n_nodes = cfg->n_nodes;
	if (cfg->consul.host[0] != '\0') {
		snprintf(url, sizeof(url), "http://%s:%d", cfg->consul.host,
		    cfg->consul.port);
		if (route_sys_init(&rd->dns, rd, "consul",
		    &route_consul_driver, url, ROUTE_KIND_DNS, NULL,
		    poll) != 0) {
			snprintf(err, errlen, "consul: cannot start");
			return -1;
		}
	} else
		log_warnx("consul.connection is empty: DNS off");
	switch (cfg->network_agent.type) {
	case CFG_AGENT_SNAPROUTE:
		snprintf(url, sizeof(url), "http://%s:%d",
		    cfg->network_agent.host, cfg->network_agent.port);
		snprintf(path, sizeof(path), "%s/%s", rd->opts->state_dir,
		    ROUTED_OWNED_FILE);
		if (route_sys_init(&rd->net, rd, "snaproute",
		    &route_snaproute_driver, url, ROUTE_KIND_ROUTE, path,
		    poll) != 0) {
			snprintf(err, errlen, "snaproute: cannot start");
			return -1;
		}
		break;
	case CFG_AGENT_FBOSS:
		snprintf(url, sizeof(url), "thrift://%s:%d",
		    cfg->network_agent.host, cfg->network_agent.port);
		snprintf(path, sizeof(path), "%s/%s", rd->opts->state_dir,
		    ROUTED_OWNED_FILE);
		if (route_sys_init(&rd->net, rd, "fboss", &route_fboss_driver,
		    url, ROUTE_KIND_ROUTE, path, poll) != 0) {
			snprintf(err, errlen, "fboss: cannot start");
			return -1;
		}
		break;
	case CFG_AGENT_NONE:
		break;
	}
	rd->params.routes = rd->net.enabled;
	routed_rebuild(rd, false);
	route_sys_reconcile(&rd->dns);
	route_sys_reconcile(&rd->net);
	return 0;
}

/*
 * A new connection to events.ipc means schedd restarted, or the old
 * connection dropped: events may be lost in between, and a new schedd
 * numbers its events from 1 again, which could by chance look like a
 * continuation.  So every reconnection asks for a snapshot.
 */
static void
routed_wakeup_cb(struct ev_loop *loop, void *arg)
{
	struct routed *rd = arg;

	(void)loop;
	if (!bus_take_connected(&rd->sub))
		return;
	/*
	 * A snapshot asked for before this connection may miss what was
	 * published in between: ask again once it is in.
	 */
	if (rd->sync_inflight) {
		rd->sync_again = true;
		return;
	}
	routed_resync(rd, "connected to events.ipc again");
}

/*
 * routed reads a service's name, state, network_type, node, ip and
 * task_id (route_desired.c): the replica drops the rest, a few hundred
 * bytes per service at 10,000 of them.
 */
static void
routed_trim_service(struct tmsg_service *s)
{
	char **drop[] = { &s->group, &s->controller, &s->image, &s->node_name,
	    &s->node_type, &s->node_function, &s->dependent_service,
	    &s->arguments, &s->parameters, &s->state_reason, &s->agent_id,
	    &s->container_id, &s->last_failure };

	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		FREE_NULL(*drop[i]);
	for (uint32_t i = 0; i < s->n_volumes; i++) {
		free(s->volumes[i].host_path);
		free(s->volumes[i].container_path);
	}
	FREE_NULL(s->volumes);
	s->n_volumes = 0;
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
	replica_set_trim(&rd->state, routed_trim_service);
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
	nng_socket_set_ms(rd->req.sock, NNG_OPT_REQ_RESENDTIME,
	    ROUTED_SYNC_RESEND_MS);
	cli_ipc_url(url, sizeof(url), opts->run_dir, TMSG_SOCK_ROUTED);
	if (bus_open(&rd->rep, BUS_REP, url, NULL, err, sizeof(err)) != 0)
		goto fail;
	ev_set_wakeup(rd->loop, routed_wakeup_cb, rd);
	if (bus_notify_connect(&rd->sub, rd->loop) != 0)
		log_warnx("events.ipc: no notice of reconnections; a restarted "
		    "torc-schedd is noticed by its sequence numbers only");
	bus_watch(&rd->sub, rd->loop, routed_sub_cb, rd);
	bus_watch(&rd->req, rd->loop, routed_req_cb, rd);
	bus_watch(&rd->rep, rd->loop, routed_rep_cb, rd);
	ev_signal(rd->loop, SIGINT, routed_signal_cb, rd);
	ev_signal(rd->loop, SIGTERM, routed_signal_cb, rd);
	signal(SIGPIPE, SIG_IGN);
	ev_timer_init(&rd->sync_timer, routed_sync_timer_cb, rd);
	if (routed_init_systems(rd, err, sizeof(err)) != 0)
		goto fail;
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
	route_sys_shutdown(&rd->dns);
	route_sys_shutdown(&rd->net);
	http_client_free(rd->http);
	rd->http = NULL;
	routed_notes_free(&rd->notes);
	bus_close(&rd->sub);
	bus_close(&rd->req);
	bus_close(&rd->rep);
	replica_free(&rd->state);
	ev_loop_free(rd->loop);
	rd->loop = NULL;
}
