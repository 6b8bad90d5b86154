/*
 * schedd.c - torc-schedd's event loop and its bus endpoints.
 *
 * Receives on schedd.ipc: SYNC_REQ, QUERY_REQ, CTL_*.
 * Publishes on events.ipc: SCHED_STATUS (at start and every statesync
 * interval; SVC_UPDATE, SVC_REMOVE and NODE_UPDATE as state changes).
 */
#include "schedd.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "monotime.h"
#include "util.h"

static void
schedd_fill_status(struct schedd *sd, struct tmsg_sched_status *st)
{
	memset(st, 0, sizeof(*st));
	st->instance = sd->instance;
	st->framework_id = "";
	st->mesos_state = "disconnected";
	st->master = (char *)sd->opts->master_url;
}

/* Configured nodes as the bus shows them before any agent reported. */
static struct tmsg_node *
schedd_config_nodes(struct schedd *sd, uint32_t *n)
{
	struct tmsg_node *nodes = xcalloc(sd->cfg->n_nodes, sizeof(*nodes));

	for (size_t i = 0; i < sd->cfg->n_nodes; i++) {
		const struct cfg_node *cn = &sd->cfg->nodes[i];
		struct tmsg_node *tn = &nodes[i];

		tn->name = cn->name;
		tn->ip = cn->ip;
		tn->external_ip = cn->external_ip;
		tn->management_ip = cn->management_ip;
		tn->node_type = (char *)cfg_node_type_name(cn->type);
		tn->node_function = "none";
		tn->configured = true;
		tn->port_id = cn->port;
	}
	*n = (uint32_t)sd->cfg->n_nodes;
	return nodes;
}

static void
schedd_publish(struct schedd *sd, struct tmsg *m)
{
	char err[256];

	m->seq = ++sd->seq;
	if (bus_send(&sd->pub, m, err, sizeof(err)) != 0)
		log_warnx("publish %s: %s", tmsg_type_name(m->type), err);
}

static void
schedd_status_cb(struct ev_loop *loop, void *arg)
{
	struct schedd *sd = arg;
	struct tmsg m = { .type = TMSG_SCHED_STATUS };

	(void)loop;
	schedd_fill_status(sd, &m.u.status);
	schedd_publish(sd, &m);
	ev_timer_start(sd->loop, &sd->status_timer,
	    (int64_t)sd->cfg->statesync.poll_interval * 1000);
}

static void
schedd_reply(struct schedd *sd, struct tmsg *rep)
{
	char err[256];

	if (bus_send(&sd->rep, rep, err, sizeof(err)) != 0)
		log_warnx("reply %s: %s", tmsg_type_name(rep->type), err);
}

static void
schedd_reply_error(struct schedd *sd, uint64_t id, int code, const char *msg)
{
	struct tmsg rep = { .type = TMSG_ERROR, .seq = id };

	rep.u.error.code = code;
	rep.u.error.message = (char *)msg;
	schedd_reply(sd, &rep);
}

static void
schedd_dispatch_req(struct schedd *sd, struct tmsg *m)
{
	struct tmsg rep = { .seq = m->seq };

	switch (m->type) {
	case TMSG_SYNC_REQ:
		rep.type = TMSG_SYNC_REP;
		rep.u.snap.seq = sd->seq;
		schedd_fill_status(sd, &rep.u.snap.status);
		rep.u.snap.nodes = schedd_config_nodes(sd, &rep.u.snap.n_nodes);
		schedd_reply(sd, &rep);
		free(rep.u.snap.nodes);
		break;
	case TMSG_QUERY_REQ:
		rep.type = TMSG_QUERY_REP;
		if (m->u.query.what == TQUERY_NODES)
			rep.u.query_rep.nodes = schedd_config_nodes(sd,
			    &rep.u.query_rep.n_nodes);
		schedd_reply(sd, &rep);
		free(rep.u.query_rep.nodes);
		break;
	case TMSG_CTL_START_GROUP:
	case TMSG_CTL_KILL:
	case TMSG_CTL_ANNOUNCE:
	case TMSG_CTL_FORGET_FRAMEWORK:
		schedd_reply_error(sd, m->seq, 503,
		    "not connected to a Mesos master");
		break;
	default:
		log_warnx("schedd.ipc: unexpected %s request",
		    tmsg_type_name(m->type));
		schedd_reply_error(sd, m->seq, 400, "unexpected message type");
		break;
	}
}

static void
schedd_rep_cb(struct ev_loop *loop, int fd, int revents, void *arg)
{
	struct schedd *sd = arg;
	char err[256];
	int rv;

	(void)loop;
	(void)fd;
	(void)revents;
	for (;;) {
		struct tmsg m;

		rv = bus_recv(&sd->rep, &m, err, sizeof(err));
		if (rv == 0)
			break;
		if (rv < 0) {
			log_warnx("schedd.ipc: bad request: %s", err);
			schedd_reply_error(sd, 0, 400, err);
			continue;
		}
		schedd_dispatch_req(sd, &m);
		tmsg_free(&m);
	}
}

static void
schedd_signal_cb(struct ev_loop *loop, int signo, void *arg)
{
	(void)arg;
	log_info("signal %d: shutting down", signo);
	ev_break(loop);
}

int
schedd_init(struct schedd *sd, struct torc_config *cfg,
    const struct cli_opts *opts)
{
	char url[512], err[512];

	memset(sd, 0, sizeof(*sd));
	sd->cfg = cfg;
	sd->opts = opts;
	sd->instance = ((uint64_t)wall_ms() << 16) ^ (uint64_t)mono_us();
	sd->loop = ev_loop_new();
	if (sd->loop == NULL) {
		log_warn("event loop");
		return -1;
	}
	cli_ipc_url(url, sizeof(url), opts->run_dir, TMSG_SOCK_SCHEDD);
	if (bus_open(&sd->rep, BUS_REP, url, NULL, err, sizeof(err)) != 0) {
		log_error("%s", err);
		return -1;
	}
	cli_ipc_url(url, sizeof(url), opts->run_dir, TMSG_SOCK_EVENTS);
	if (bus_open(&sd->pub, BUS_PUB, url, NULL, err, sizeof(err)) != 0) {
		log_error("%s", err);
		return -1;
	}
	bus_watch(&sd->rep, sd->loop, schedd_rep_cb, sd);
	ev_signal(sd->loop, SIGINT, schedd_signal_cb, sd);
	ev_signal(sd->loop, SIGTERM, schedd_signal_cb, sd);
	signal(SIGPIPE, SIG_IGN);
	ev_timer_init(&sd->status_timer, schedd_status_cb, sd);
	ev_timer_start(sd->loop, &sd->status_timer, 0);
	return 0;
}

int
schedd_run(struct schedd *sd)
{
	return ev_run(sd->loop);
}

void
schedd_shutdown(struct schedd *sd)
{
	bus_close(&sd->rep);
	bus_close(&sd->pub);
	ev_loop_free(sd->loop);
	sd->loop = NULL;
}
