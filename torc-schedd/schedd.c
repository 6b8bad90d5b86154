/*
 * schedd.c - torc-schedd's event loop: the bus endpoints, the Mesos
 * connection and the spec's timers, wired to the scheduling core.
 *
 * Receives on schedd.ipc: SYNC_REQ, QUERY_REQ, CTL_* (answered by
 * sched_ipc.c; a request that does not decode gets ERROR 400).
 * Publishes on events.ipc: SVC_UPDATE, SVC_REMOVE, NODE_UPDATE and
 * SCHED_STATUS, as the core reports them, each with the next seq.
 *
 * Everything runs on this loop's thread: the Mesos connection's curl
 * sockets and timers, the nng descriptors and our timers.
 */
#include "schedd.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "monotime.h"
#include "sched_mesos.h"
#include "util.h"

/* Restarts due are checked at least this often. */
#define SCHEDD_TICK_MAX_MS	1000

static struct sched_now
schedd_now(void)
{
	struct sched_now now = { .mono_ms = mono_ms(), .wall_s = wall_s() };

	return now;
}

/* Core hooks. */

/*
 * Publications wait in an outbox until the loop has handled what woke it,
 * and go after the Mesos calls that handling queued (a REVIVE for a
 * started group, the ACCEPT of an offer, an ACKNOWLEDGE): a publication
 * wakes every subscriber (routed, apid, event watchers), and on a small
 * controller those would take the CPU the master needs to answer the
 * call.  They go in order, within the same loop round, and before any
 * answer on schedd.ipc (schedd_rep_cb), so that a snapshot's seq never
 * covers a change its subscriber has yet to receive.  A burst (thousands
 * of changes in one round: a reconciliation, a large placement) goes out
 * SCHEDD_OUTBOX_MAX at a time, as it is made: held whole, it would reach
 * nng at once and fill its queues, and the subscribers' too.
 */
#define SCHEDD_OUTBOX_MAX	32

static void
schedd_outbox_send(struct schedd *sd, bool calls)
{
	char err[256];

	ev_timer_stop(sd->loop, &sd->outbox_timer);
	if (calls && sd->mc != NULL)
		mesos_send_now(sd->mc);
	for (size_t i = 0; i < sd->n_outbox; i++) {
		struct schedd_outbox *o = &sd->outbox[i];

		if (bus_send_encoded(&sd->pub, o->buf, o->len, err,
		    sizeof(err)) != 0)
			log_warnx("publish %s: %s", tmsg_type_name(o->type),
			    err);
		free(o->buf);
	}
	sd->n_outbox = 0;
}

static void
schedd_outbox_flush(struct schedd *sd)
{
	schedd_outbox_send(sd, true);
}

static void
schedd_outbox_cb(struct ev_loop *loop, void *arg)
{
	(void)loop;
	schedd_outbox_flush(arg);
}

static void
schedd_publish(void *arg, const struct tmsg *m)
{
	struct schedd *sd = arg;
	struct schedd_outbox *o;
	char err[256];

	if (sd->n_outbox == sd->cap_outbox) {
		sd->cap_outbox = sd->cap_outbox ? sd->cap_outbox * 2 : 16;
		sd->outbox = xrealloc(sd->outbox, sd->cap_outbox *
		    sizeof(*sd->outbox));
	}
	o = &sd->outbox[sd->n_outbox];
	if (tmsg_encode(m, &o->buf, &o->len, err, sizeof(err)) != 0) {
		log_warnx("publish %s: %s", tmsg_type_name(m->type), err);
		return;
	}
	o->type = m->type;
	if (++sd->n_outbox >= SCHEDD_OUTBOX_MAX)
		schedd_outbox_flush(sd);
	else if (!ev_timer_active(&sd->outbox_timer))
		ev_timer_start(sd->loop, &sd->outbox_timer, 0);
}

static void
schedd_later_cb(struct ev_loop *loop, void *arg)
{
	struct schedd_later *l = arg;

	(void)loop;
	l->fn(&l->sd->core);
}

static void
schedd_later_init(struct schedd *sd, struct schedd_later *l,
    void (*fn)(struct sched *))
{
	l->sd = sd;
	l->fn = fn;
	ev_timer_init(&l->timer, schedd_later_cb, l);
}

/* Run l's function in ms, once however often asked meanwhile. */
static void
schedd_later(struct schedd_later *l, int64_t ms)
{
	if (!ev_timer_active(&l->timer))
		ev_timer_start(l->sd->loop, &l->timer, ms);
}

/* Flush once the loop has handled what is pending (a burst of updates). */
static void
schedd_flush_soon(void *arg)
{
	schedd_later(&((struct schedd *)arg)->flush, 0);
}

/* Counters moved: publish them within SCHED_STATUS_DELAY_MS. */
static void
schedd_status_soon(void *arg)
{
	schedd_later(&((struct schedd *)arg)->status, SCHED_STATUS_DELAY_MS);
}

/* The state file was written without fsync: make it durable soon. */
static void
schedd_sync_soon(void *arg)
{
	schedd_later(&((struct schedd *)arg)->sync, SCHED_SYNC_DELAY_MS);
}

static void
schedd_log(void *arg, enum sched_log_level lvl, const char *line)
{
	(void)arg;
	switch (lvl) {
	case SCHED_LOG_DEBUG:
		log_debug("%s", line);
		break;
	case SCHED_LOG_INFO:
		log_info("%s", line);
		break;
	case SCHED_LOG_WARN:
		log_warnx("%s", line);
		break;
	case SCHED_LOG_ERROR:
	default:
		log_error("%s", line);
		break;
	}
}

/* Mesos callbacks: straight to the core, with the time. */

static void
schedd_subscribed(void *arg, const char *framework_id)
{
	struct schedd *sd = arg;
	struct sched_now now = schedd_now();

	sched_on_subscribed(&sd->core, framework_id, &now);
}

static void
schedd_disconnected(void *arg, const char *why)
{
	struct schedd *sd = arg;
	struct sched_now now = schedd_now();

	sched_on_disconnected(&sd->core, why, &now);
}

static void
schedd_offers(void *arg, const struct mesos_offer *offers, size_t n)
{
	struct schedd *sd = arg;
	struct sched_now now = schedd_now();

	sched_on_offers(&sd->core, offers, n, &now);
}

static void
schedd_rescind(void *arg, const char *offer_id)
{
	/* Offers are answered as they arrive; nothing is held. */
	(void)arg;
	log_debug("offer %s rescinded", offer_id);
}

static void
schedd_update(void *arg, const struct mesos_status *st)
{
	struct schedd *sd = arg;
	struct sched_now now = schedd_now();

	sched_on_update(&sd->core, st, &now);
}

static void
schedd_agent_failure(void *arg, const char *agent_id)
{
	struct schedd *sd = arg;
	struct sched_now now = schedd_now();

	sched_on_agent_failure(&sd->core, agent_id, &now);
}

static void
schedd_reconciled(void *arg)
{
	struct schedd *sd = arg;
	struct sched_now now = schedd_now();

	sched_on_reconciled(&sd->core, &now);
}

/* Timers. */

static void
schedd_statesync_cb(struct ev_loop *loop, void *arg)
{
	struct schedd *sd = arg;
	struct sched_now now = schedd_now();

	sched_statesync(&sd->core, &now);
	ev_timer_start(loop, &sd->statesync_timer,
	    (int64_t)sd->cfg->statesync.poll_interval * 1000);
}

static void
schedd_stateclean_cb(struct ev_loop *loop, void *arg)
{
	struct schedd *sd = arg;
	struct sched_now now = schedd_now();

	if (sd->mc != NULL)
		sd->core.master_heard_ms = mesos_last_heard(sd->mc);
	sched_stateclean(&sd->core, &now);
	ev_timer_start(loop, &sd->stateclean_timer,
	    (int64_t)sd->cfg->stateclean.poll_interval * 1000);
}

static void
schedd_health_cb(struct ev_loop *loop, void *arg)
{
	struct schedd *sd = arg;
	struct sched_now now = schedd_now();

	sched_healthcheck(&sd->core, &now);
	ev_timer_start(loop, &sd->health_timer,
	    (int64_t)sd->cfg->healthcheck.poll_interval * 1000);
}

static void
schedd_tick_cb(struct ev_loop *loop, void *arg)
{
	struct schedd *sd = arg;
	struct sched_now now = schedd_now();
	int64_t next = sched_tick(&sd->core, &now);

	if (next < 0 || next > SCHEDD_TICK_MAX_MS)
		next = SCHEDD_TICK_MAX_MS;
	ev_timer_start(loop, &sd->tick_timer, next);
}

/* schedd.ipc */

static void
schedd_reply(struct schedd *sd, struct tmsg *rep)
{
	char err[256];

	if (bus_send(&sd->rep, rep, err, sizeof(err)) != 0)
		log_warnx("reply %s: %s", tmsg_type_name(rep->type), err);
}

static void schedd_rep_cb(struct ev_loop *, int, int, void *);

/*
 * Answer a command whose state file write (seq) is done.  If that write
 * failed the change is in effect but not on disk (it is written again
 * soon): the command is answered 500, saying so.
 */
static void
schedd_answer(struct schedd *sd, struct tmsg *rep, uint64_t seq)
{
	if (rep->type == TMSG_CTL_RESULT &&
	    sched_persist_failed(&sd->core, seq)) {
		char *msg = xasprintf("%s; but the state file could not be "
		    "written (see torc-schedd's log): the change is in effect "
		    "and will be written again", rep->u.result.message ?
		    rep->u.result.message : "");

		free(rep->u.result.message);
		rep->u.result.message = msg;
		rep->u.result.code = 500;
	}
	schedd_reply(sd, rep);
}

/*
 * The answer waiting for its state file write, if that write is done:
 * sent, and the requests that came meanwhile are read again.
 */
static void
schedd_deferred_reply(struct schedd *sd)
{
	if (!sd->deferred || sd->core.persist_done < sd->deferred_seq)
		return;
	schedd_answer(sd, &sd->deferred_rep, sd->deferred_seq);
	tmsg_free(&sd->deferred_rep);
	sd->deferred = false;
	bus_watch(&sd->rep, sd->loop, schedd_rep_cb, sd);
	schedd_rep_cb(sd->loop, sd->rep.recv_fd, EV_READ, sd);
}

/* hooks.persist_write: to the writer thread. */
static void
schedd_persist_write(void *arg, char *buf, size_t len, uint64_t seq)
{
	struct schedd *sd = arg;

	if (buf == NULL)
		schedd_writer_submit(&sd->writer, NULL, 0, 0,
		    sd->core.journal_fd);
	else
		schedd_writer_submit(&sd->writer, buf, len, seq, -1);
}

/*
 * Tell the core what the writer finished: the last content written, and
 * the last that failed unless a later one was written (it held all).
 */
static void
schedd_writer_report(struct schedd *sd, const struct schedd_writer_done *d)
{
	if (d->sync_failed)
		sched_persist_done(&sd->core, 0, false, d->sync_err);
	if (d->ok_seq != 0)
		sched_persist_done(&sd->core, d->ok_seq, true, "");
	if (d->fail_seq > d->ok_seq)
		sched_persist_done(&sd->core, d->fail_seq, false, d->fail_err);
}

static void
schedd_writer_collect_done(struct schedd *sd)
{
	struct schedd_writer_done d;

	if (schedd_writer_collect(&sd->writer, &d))
		schedd_writer_report(sd, &d);
}

static void
schedd_writer_cb(struct ev_loop *loop, int fd, int revents, void *arg)
{
	struct schedd *sd = arg;

	(void)loop;
	(void)fd;
	(void)revents;
	schedd_writer_collect_done(sd);
	schedd_deferred_reply(sd);
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
	while (!sd->deferred) {
		struct tmsg m, rep;
		struct sched_now now;
		uint64_t seq;
		bool cmd;

		rv = bus_recv(&sd->rep, &m, err, sizeof(err));
		if (rv == 0)
			break;
		if (rv < 0) {
			/* A REP socket must answer to take the next one. */
			struct tmsg e = { .type = TMSG_ERROR };

			log_warnx("schedd.ipc: bad request: %s", err);
			e.u.error.code = 400;
			e.u.error.message = err;
			schedd_reply(sd, &e);
			continue;
		}
		now = schedd_now();
		/*
		 * A command's answer waits for its changes to be on disk;
		 * its Mesos calls (a REVIVE for a started group) do not: they
		 * go out first, and the master works while the disk does.
		 * Off the loop, the write holds up nothing else either: the
		 * answer waits, and the next request with it (a REP socket
		 * takes one at a time).  Queries and snapshots change
		 * nothing on disk and wait for nothing.
		 */
		cmd = m.type != TMSG_SYNC_REQ && m.type != TMSG_QUERY_REQ;
		if (cmd)
			sched_hold_writes(&sd->core);
		sched_ipc_handle(&sd->core, &m, &rep, &now);
		seq = 0;
		/* Its Mesos calls, then its publications, then the answer. */
		schedd_outbox_flush(sd);
		if (cmd)
			seq = sched_release_writes(&sd->core);
		tmsg_free(&m);
		if (rep.type == TMSG_ERROR)
			log_warnx("schedd.ipc: %s", rep.u.error.message);
		if (seq > sd->core.persist_done) {
			sd->deferred_rep = rep;
			sd->deferred_seq = seq;
			sd->deferred = true;
			ev_io_del(sd->loop, sd->rep.recv_fd);
			break;
		}
		schedd_answer(sd, &rep, seq);
		tmsg_free(&rep);
	}
}

static void
schedd_signal_cb(struct ev_loop *loop, int signo, void *arg)
{
	(void)arg;
	log_info("signal %d: shutting down", signo);
	ev_break(loop);
}

static int
schedd_mesos_init(struct schedd *sd)
{
	static const struct mesos_cbs cbs = {
		.subscribed = schedd_subscribed,
		.disconnected = schedd_disconnected,
		.offers = schedd_offers,
		.rescind = schedd_rescind,
		.update = schedd_update,
		.agent_failure = schedd_agent_failure,
		.reconciled = schedd_reconciled,
	};
	struct mesos_conn_opts mo = { 0 };
	char host[256] = "", err[1024] = "";

	if (gethostname(host, sizeof(host) - 1) != 0)
		tstrlcpy(host, "localhost", sizeof(host));
	mo.master_url = sd->opts->master_url;
	mo.state_dir = sd->opts->state_dir;
	mo.user = sd->cfg->mesos.user;
	mo.name = sd->cfg->name;
	mo.hostname = host;
	mo.role = sd->cfg->mesos.role;
	mo.failover_timeout = sd->cfg->mesos.failover_timeout;
	sd->mc = mesos_new(sd->loop, &mo, &cbs, sd, err, sizeof(err));
	if (sd->mc == NULL) {
		log_error("mesos: %s", err);
		return -1;
	}
	if (err[0] != '\0')
		log_error("mesos: %s", err);	/* e.g. corrupt id moved aside */
	sched_set_mesos(&sd->core, sd->mc);
	mesos_start(sd->mc);
	return 0;
}

int
schedd_init(struct schedd *sd, struct torc_config *cfg,
    const struct cli_opts *opts)
{
	struct sched_hooks hooks = { .publish = schedd_publish,
	    .log = schedd_log };
	struct sched_now now = schedd_now();
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
	hooks.flush_soon = schedd_flush_soon;
	hooks.status_soon = schedd_status_soon;
	hooks.sync_soon = schedd_sync_soon;
	hooks.arg = sd;
	if (opts->state_dir != NULL) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", opts->state_dir,
		    SCHED_STATE_FILE);
		if (schedd_writer_start(&sd->writer, path, err,
		    sizeof(err)) != 0)
			log_error("%s; the state file is written on the loop",
			    err);
		else {
			hooks.persist_write = schedd_persist_write;
			ev_io_set(sd->loop, sd->writer.efd, EV_READ,
			    schedd_writer_cb, sd);
		}
	}
	ev_timer_init(&sd->outbox_timer, schedd_outbox_cb, sd);
	schedd_later_init(sd, &sd->flush, sched_flush);
	schedd_later_init(sd, &sd->status, sched_status_flush);
	schedd_later_init(sd, &sd->sync, sched_persist_sync);
	sched_init(&sd->core, cfg, opts->state_dir, &hooks, sd->instance,
	    &now);
	if (schedd_mesos_init(sd) != 0)
		return -1;
	bus_watch(&sd->rep, sd->loop, schedd_rep_cb, sd);
	ev_signal(sd->loop, SIGINT, schedd_signal_cb, sd);
	ev_signal(sd->loop, SIGTERM, schedd_signal_cb, sd);
	signal(SIGPIPE, SIG_IGN);
	ev_timer_init(&sd->statesync_timer, schedd_statesync_cb, sd);
	ev_timer_init(&sd->stateclean_timer, schedd_stateclean_cb, sd);
	ev_timer_init(&sd->health_timer, schedd_health_cb, sd);
	ev_timer_init(&sd->tick_timer, schedd_tick_cb, sd);
	/* Status and the first health check at once, not one interval in. */
	ev_timer_start(sd->loop, &sd->statesync_timer, 0);
	ev_timer_start(sd->loop, &sd->health_timer, 0);
	ev_timer_start(sd->loop, &sd->stateclean_timer,
	    (int64_t)cfg->stateclean.poll_interval * 1000);
	ev_timer_start(sd->loop, &sd->tick_timer, SCHEDD_TICK_MAX_MS);
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
	/*
	 * Deferred work is done now: changes waiting for a coalesced flush
	 * go out (and to disk), then counters, then what has not waited for
	 * the disk is synced.  The writer finishes what it was handed, and
	 * anything left is written here; an answer that waited goes.
	 */
	if (sd->loop != NULL) {
		struct schedd_later *l[] = { &sd->flush, &sd->status,
		    &sd->sync };

		for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++)
			if (ev_timer_active(&l[i]->timer)) {
				ev_timer_stop(sd->loop, &l[i]->timer);
				l[i]->fn(&sd->core);
			}
		/* Not the Mesos calls: what they answered would be lost. */
		schedd_outbox_send(sd, false);
	}
	sched_persist_sync(&sd->core);
	if (sd->writer.running) {
		struct schedd_writer_done d;

		ev_io_del(sd->loop, sd->writer.efd);
		if (schedd_writer_stop(&sd->writer, &d))
			schedd_writer_report(sd, &d);
		sd->core.hooks.persist_write = NULL;
		sched_persist_sync(&sd->core);
	}
	if (sd->deferred) {
		schedd_answer(sd, &sd->deferred_rep, sd->deferred_seq);
		tmsg_free(&sd->deferred_rep);
		sd->deferred = false;
	}
	if (sd->mc != NULL) {
		mesos_free(sd->mc);
		sd->mc = NULL;
	}
	sched_set_mesos(&sd->core, NULL);
	sched_free(&sd->core);
	if (sd->loop != NULL)
		schedd_outbox_send(sd, false);
	free(sd->outbox);
	sd->outbox = NULL;
	sd->cap_outbox = 0;
	bus_close(&sd->rep);
	bus_close(&sd->pub);
	ev_loop_free(sd->loop);
	sd->loop = NULL;
}
