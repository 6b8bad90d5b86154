/*
 * sched_core.c - torc-schedd's scheduling core: reactions to the Mesos
 * connection's events (subscribed, offers, status updates, agent
 * failures), to the spec's timers (statesync, stateclean, healthcheck)
 * and to commands (start group, kill, announce, forget framework).
 *
 * Publishes (through hooks->publish, each with the next seq):
 * SVC_UPDATE, SVC_REMOVE, NODE_UPDATE, SCHED_STATUS.  Calls out through
 * the mesos_* functions (launch, decline, kill, suppress, revive,
 * reconcile).  Time is passed in; nothing here reads a clock.
 */
#include "sched.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "sched_mesos.h"
#include "util.h"

#define WANT_AGAIN_REASON	"started again; launched anew once its kill " \
				"has ended"
/*
 * How long a task to kill whose end is never reported is kept at least:
 * two weeks, the Mesos master's default registry_max_agent_age, after
 * which an unreachable agent is gone for good (or the failover timeout,
 * if longer).
 */
#define SCHED_ORPHAN_KEEP_S	(14.0 * 24 * 3600)

/*
 * Reconciliation and timers, the rules.
 *
 * After each SUBSCRIBED every task we believe live (launching ones
 * included, with their agent ids) is reconciled explicitly; the Mesos
 * connection retries until each has answered, then sends one implicit
 * round and calls back.  Placement waits for that callback plus
 * SCHED_SETTLE_MS, so a task that still runs is adopted, not launched a
 * second time.  An update for a task id we do not know is a stray: if
 * its service is wanted and has no task, the task is adopted; otherwise
 * it is killed.  A task we asked to kill (an orphan) is never adopted:
 * killed again while reported running, forgotten once reported ended.
 *
 * statesync: implicit reconciliation every statesync interval; each
 * answer refreshes the service's last_update.
 *
 * stateclean: a service of ours without news for the timeout becomes
 * lost (its DNS entries and routes go, since routed only keeps running
 * services with an address); lost for another timeout, it is given up:
 * killed to be sure, then restarted (system) or removed (on-demand).
 * This only judges our own tasks once the master has been connected for
 * a whole timeout, so a master outage does not restart everything.
 * Announced services are removed when their sub-scheduler stopped
 * refreshing them.  A node with no offer or update for the timeout is
 * inactive.  While offers are suppressed, a node is only seen through
 * updates, so stateclean revives offers (at most once a timeout) when an
 * active node has been quiet for half the timeout or a configured node
 * is inactive.
 */

void
sched_logf(struct sched *s, enum sched_log_level lvl, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (s->hooks.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s->hooks.log(s->hooks.arg, lvl, buf);
}

static void
publish(struct sched *s, struct tmsg *m)
{
	m->seq = ++s->seq;
	if (s->hooks.publish != NULL)
		s->hooks.publish(s->hooks.arg, m);
}

void
sched_mark(struct sched *s, struct sched_svc *svc)
{
	(void)s;
	svc->dirty = true;
}

void
sched_status(const struct sched *s, struct tmsg_sched_status *st)
{
	struct mesos_stats ms;

	memset(st, 0, sizeof(*st));
	st->instance = s->instance;
	if (s->mc == NULL) {
		st->framework_id = "";
		st->mesos_state = "disconnected";
		st->master = "";
		return;
	}
	mesos_get_stats(s->mc, &ms);
	st->framework_id = (char *)mesos_framework_id(s->mc);
	st->mesos_state = (char *)mesos_conn_state_name(mesos_state(s->mc));
	st->master = (char *)mesos_master(s->mc);
	st->connected_since = ms.connected_since;
	st->last_reconcile = s->last_reconcile_s > ms.last_reconcile ?
	    s->last_reconcile_s : ms.last_reconcile;
	st->offers_received = ms.offers_received;
	st->offers_declined = ms.offers_declined;
	st->tasks_launched = ms.tasks_launched;
	st->updates_received = ms.updates_received;
	st->subscribes = ms.subscribes;
	st->reconciled = s->subscribed && s->reconciled;
}

void
sched_publish_status(struct sched *s)
{
	struct tmsg m = { .type = TMSG_SCHED_STATUS };

	sched_status(s, &m.u.status);
	publish(s, &m);
	s->last_status = m.u.status;
	/* Only the numbers are compared later; the strings are borrowed. */
	s->last_status.framework_id = NULL;
	s->last_status.mesos_state = NULL;
	s->last_status.master = NULL;
}

/*
 * Publish SCHED_STATUS when something moved since the last one.  A change
 * of the connection (subscribed, reconciled, reconciliation time) goes at
 * once: routed waits for `reconciled`.  Counters alone move with every
 * offer and update, several times per task started, and only feed
 * /metrics: they go at most a few times a second (hooks.status_soon), so
 * that each start does not wake every subscriber for each counter.
 */
static void
status_if_changed(struct sched *s, bool counters_now)
{
	struct tmsg_sched_status st;
	const struct tmsg_sched_status *p = &s->last_status;

	sched_status(s, &st);
	if (st.subscribes != p->subscribes ||
	    st.connected_since != p->connected_since ||
	    st.last_reconcile != p->last_reconcile ||
	    st.reconciled != p->reconciled)
		sched_publish_status(s);
	else if (st.offers_received != p->offers_received ||
	    st.offers_declined != p->offers_declined ||
	    st.tasks_launched != p->tasks_launched ||
	    st.updates_received != p->updates_received) {
		if (counters_now || s->hooks.status_soon == NULL)
			sched_publish_status(s);
		else
			s->hooks.status_soon(s->hooks.arg);
	}
}

void
sched_status_flush(struct sched *s)
{
	status_if_changed(s, true);
}

static void
publish_remove(struct sched *s, const char *name)
{
	struct tmsg m = { .type = TMSG_SVC_REMOVE };

	m.u.name.name = (char *)name;
	publish(s, &m);
}

static void
publish_svc(struct sched *s, struct sched_svc *svc)
{
	struct tmsg m = { .type = TMSG_SVC_UPDATE };

	m.u.svc = svc->t;		/* borrowed: encoding only reads */
	publish(s, &m);
	svc->dirty = false;
}

static size_t
count_pending(const struct sched *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->st.n_svcs; i++)
		if (s->st.svcs[i]->t.state == TSVC_PENDING)
			n++;
	return n;
}

/* SUPPRESS when nothing is pending, REVIVE when work arrives. */
static void
offers_policy(struct sched *s)
{
	size_t pending;

	if (s->mc == NULL || !s->subscribed)
		return;
	pending = count_pending(s);
	if (pending > 0 && s->suppressed) {
		if (mesos_revive(s->mc) == 0) {
			s->suppressed = false;
			sched_logf(s, SCHED_LOG_INFO, "offers revived: %zu "
			    "service(s) pending", pending);
		}
	} else if (pending == 0 && !s->suppressed && s->reconciled) {
		if (mesos_suppress(s->mc) == 0) {
			s->suppressed = true;
			sched_logf(s, SCHED_LOG_INFO, "offers suppressed: "
			    "nothing pending");
		}
	}
}

static void journal_unusable(struct sched *, const char *,
    const struct sched_now *);

/*
 * Make durable what is not: the state file if it changed (written whole,
 * atomically and durably: off the loop through hooks.persist_write, or
 * here; sched_persist_done follows), else the journal's appends
 * (fdatasync).  While writes are held (sched_hold_writes) this waits for
 * the release.
 */
static void
persist_now(struct sched *s)
{
	if (s->state_dir == NULL)
		return;
	if (s->hold_writes) {
		s->held = true;
		return;
	}
	/*
	 * The journal first, whatever becomes of the state file: its
	 * records must not wait for a write that may fail.
	 */
	if (s->journal_unsynced && s->journal_fd >= 0) {
		s->journal_unsynced = false;
		if (s->hooks.persist_write != NULL)
			s->hooks.persist_write(s->hooks.arg, NULL, 0, 0);
		else if (fdatasync(s->journal_fd) != 0) {
			sched_logf(s, SCHED_LOG_ERROR, "journal: fdatasync: %s",
			    strerror(errno));
			s->persist_dirty = true;
		}
	}
	if (s->persist_dirty) {
		char path[4096], err[512] = "", *buf;
		uint64_t seq = ++s->persist_seq;
		size_t len;
		bool ok;

		buf = sched_persist_format(&s->st, s->orphans, s->n_orphans,
		    &len);
		s->journal_mark = s->journal_len;
		s->persist_dirty = false;
		if (s->hooks.persist_write != NULL) {
			s->hooks.persist_write(s->hooks.arg, buf, len, seq);
			return;
		}
		snprintf(path, sizeof(path), "%s/%s", s->state_dir,
		    SCHED_STATE_FILE);
		ok = atomic_write_file(path, buf, len, err, sizeof(err)) == 0;
		free(buf);
		sched_persist_done(s, seq, ok, err);
	}
}

void
sched_persist_done(struct sched *s, uint64_t seq, bool ok, const char *err)
{
	if (seq == 0) {			/* the journal's fdatasync */
		if (!ok) {
			/*
			 * What failed to sync may be lost from the page cache
			 * (Linux): the state file, rewritten, holds it.
			 */
			sched_logf(s, SCHED_LOG_ERROR, "journal: %s; rewriting "
			    "the state file", err);
			s->persist_dirty = true;
			if (s->hooks.sync_soon != NULL)
				s->hooks.sync_soon(s->hooks.arg);
		}
		return;
	}
	if (seq > s->persist_done)
		s->persist_done = seq;
	if (ok && seq > s->persist_ok)
		s->persist_ok = seq;
	if (!ok) {
		/*
		 * Tried again soon: the memory is still right.  Logged once
		 * until a write works again, not every 200 ms.
		 */
		if (!s->persist_failing)
			sched_logf(s, SCHED_LOG_ERROR, "state file: %s; "
			    "trying again every %d ms", err,
			    SCHED_SYNC_DELAY_MS);
		s->persist_failing = true;
		s->persist_dirty = true;
		if (s->hooks.sync_soon != NULL)
			s->hooks.sync_soon(s->hooks.arg);
		return;
	}
	if (s->persist_failing)
		sched_logf(s, SCHED_LOG_INFO, "state file: written again");
	s->persist_failing = false;
	/*
	 * The journal can be emptied if the file just written covers all of
	 * it: it is the last write started, and nothing was appended since
	 * it was built.  Otherwise the next write will.
	 */
	if (seq == s->persist_seq && s->journal_len > 0 &&
	    s->journal_len == s->journal_mark && s->journal_fd >= 0 &&
	    !s->journal_off) {
		if (ftruncate(s->journal_fd, 0) != 0) {
			sched_logf(s, SCHED_LOG_ERROR, "journal: truncate: %s",
			    strerror(errno));
			return;
		}
		s->journal_len = s->journal_mark = 0;
		/*
		 * The emptied journal is synced too, soon: until then a
		 * crash of the machine may bring back records older than the
		 * state file, which reconciliation then corrects (a task id
		 * that is gone is relaunched, the running one adopted).
		 */
		s->journal_unsynced = true;
		if (s->hooks.sync_soon != NULL)
			s->hooks.sync_soon(s->hooks.arg);
		else
			persist_now(s);
	}
}

bool
sched_persist_failed(const struct sched *s, uint64_t seq)
{
	return seq != 0 && s->persist_done >= seq && s->persist_ok < seq;
}

/*
 * Write-ahead of launches: the task ids of svcs are recorded before the
 * ACCEPT.  Appended to the journal, not waiting for the disk (synced
 * within SCHED_SYNC_DELAY_MS through hooks.sync_soon; at once without
 * that hook): a restarted schedd reads it, as the page cache outlives the
 * process; should the machine itself crash first, the service is still
 * wanted (that write was durable) and its task is adopted by name when
 * reconciliation reports it.  If the journal cannot be written, the
 * state file is (after the ACCEPT if it is written off the loop).
 */
static void
write_ahead(struct sched *s, struct sched_svc *const *svcs, size_t n,
    bool was_dirty, const struct sched_now *now)
{
	char err[512];
	size_t written = 0;
	int rv = -1;

	if (s->state_dir == NULL)
		return;
	if (s->journal_fd >= 0 && !s->journal_off) {
		rv = sched_journal_append(s->journal_fd, svcs, n, &written,
		    err, sizeof(err));
		if (rv == 0)
			s->journal_len += written;
		else if (written > 0 &&
		    ftruncate(s->journal_fd, (off_t)s->journal_len) != 0) {
			/*
			 * Part of a record stays: the next would be glued to
			 * it.  As the journal's last line it is ignored; no
			 * more appends, the state file holds the task ids.
			 */
			char why[256];

			snprintf(why, sizeof(why), "journal: a partial record "
			    "cannot be removed (%s)", strerror(errno));
			/*
			 * The fd stays open (the writer thread may be syncing
			 * it) until sched_free; the file goes aside.
			 */
			journal_unusable(s, why, now);
			s->journal_off = true;
		}
	}
	if (rv == 0) {
		/* The journal has the launches; other changes stay due. */
		s->persist_dirty = was_dirty;
		s->journal_unsynced = true;
		if (s->hooks.sync_soon != NULL)
			s->hooks.sync_soon(s->hooks.arg);
		else
			persist_now(s);		/* syncs it, and handles failure */
		return;
	}
	if (s->journal_fd >= 0 && !s->journal_off)
		sched_logf(s, SCHED_LOG_ERROR, "%s; writing the state file "
		    "instead", err);
	s->persist_dirty = true;
	if (s->hold_writes) {
		/* Not to wait for the request's release. */
		s->hold_writes = false;
		persist_now(s);
		s->hold_writes = true;
	} else
		persist_now(s);
}

void
sched_persist_sync(struct sched *s)
{
	persist_now(s);
}

void
sched_hold_writes(struct sched *s)
{
	s->hold_writes = true;
	s->held = false;
	s->hold_seq = s->persist_seq;
}

uint64_t
sched_release_writes(struct sched *s)
{
	bool now = s->held || s->persist_dirty;

	s->hold_writes = false;
	s->held = false;
	if (now)
		persist_now(s);
	/*
	 * Any write started since the hold holds the request's changes
	 * (one the journal's failure forced meanwhile included).
	 */
	return s->persist_seq != s->hold_seq ? s->persist_seq : 0;
}

void
sched_flush(struct sched *s)
{
	for (size_t i = 0; i < s->st.n_svcs; i++)
		if (s->st.svcs[i]->dirty)
			publish_svc(s, s->st.svcs[i]);
	for (size_t i = 0; i < s->st.n_nodes; i++) {
		struct sched_node *n = s->st.nodes[i];
		struct tmsg m = { .type = TMSG_NODE_UPDATE };

		if (!n->dirty)
			continue;
		m.u.node = n->t;
		publish(s, &m);
		n->dirty = false;
	}
	offers_policy(s);
	status_if_changed(s, false);
	/* A journal append waiting for the disk stays with its timer. */
	if (s->persist_dirty)
		persist_now(s);
}

/*
 * After a status update: the flush walks every service and node, and a
 * reconciliation answers thousands of updates at once, so the daemon
 * coalesces the flushes of one burst (hooks.flush_soon).  Nothing is lost
 * meanwhile: the changes wait, marked dirty, for that flush.
 */
static void
flush_soon(struct sched *s)
{
	if (s->hooks.flush_soon != NULL)
		s->hooks.flush_soon(s->hooks.arg);
	else
		sched_flush(s);
}

static void
kill_task(struct sched *s, struct sched_svc *svc)
{
	if (*svc->t.task_id == '\0' || s->mc == NULL)
		return;
	if (mesos_kill(s->mc, svc->t.task_id, svc->t.agent_id) == 0)
		s->stats.kills++;
	sched_logf(s, SCHED_LOG_INFO, "%s: kill task %s", svc->t.name,
	    svc->t.task_id);
}

/* The orphan with this task id, or -1. */
static ssize_t
orphan_find(const struct sched *s, const char *task_id)
{
	for (size_t i = 0; i < s->n_orphans; i++)
		if (strcmp(s->orphans[i].task_id, task_id) == 0)
			return (ssize_t)i;
	return -1;
}

/* A task we asked to kill (at since, wall s) that no service holds. */
static void
orphan_add(struct sched *s, const char *service, const char *task_id,
    const char *agent_id, int64_t since)
{
	struct sched_persist_task *o;

	if (*task_id == '\0' || orphan_find(s, task_id) >= 0)
		return;
	s->orphans = xrealloc(s->orphans,
	    (s->n_orphans + 1) * sizeof(*s->orphans));
	o = &s->orphans[s->n_orphans++];
	o->service = xstrdup(service);
	o->task_id = xstrdup(task_id);
	o->agent_id = xstrdup(agent_id != NULL ? agent_id : "");
	o->node = NULL;
	o->since = since;
	s->persist_dirty = true;
}

static void
orphan_drop(struct sched *s, size_t i)
{
	free(s->orphans[i].service);
	free(s->orphans[i].task_id);
	free(s->orphans[i].agent_id);
	s->orphans[i] = s->orphans[--s->n_orphans];
	s->persist_dirty = true;
}

static void
clear_task(struct sched *s, struct sched_svc *svc)
{
	free(svc->ended_task);
	svc->ended_task = xstrdup(svc->t.task_id);
	sched_svc_set(svc, &svc->t.task_id, "");
	sched_svc_set(svc, &svc->t.agent_id, "");
	sched_svc_set(svc, &svc->t.node, "");
	sched_svc_set(svc, &svc->t.container_id, "");
	sched_svc_set(svc, &svc->t.ip, "");
	s->persist_dirty = true;
}

void
sched_event(struct sched *s, struct sched_svc *svc, enum sched_event ev,
    const struct sched_now *now)
{
	struct sched_transition tr;
	char line[600];
	/* When a killed on-demand service's task was asked to die. */
	int64_t killed_at = svc->t.kind == TSVC_KIND_ONDEMAND &&
	    (svc->kill_requested || svc->want_again) ? svc->kill_since : 0;

	sched_fsm(svc, ev, &s->fsm, now, &tr);
	sched_transition_str(svc, &tr, line, sizeof(line));
	if (tr.ignored)
		sched_logf(s, SCHED_LOG_DEBUG, "%s", line);
	else if (tr.changed)
		sched_logf(s, SCHED_LOG_INFO, "%s", line);
	if (tr.actions & SCHED_ACT_KILL_TASK)
		kill_task(s, svc);
	/* Given up with a kill (a lost task): never adopt it again. */
	if ((tr.actions & SCHED_ACT_KILL_TASK) &&
	    (tr.actions & SCHED_ACT_CLEAR_TASK))
		orphan_add(s, svc->t.name, svc->t.task_id, svc->t.agent_id,
		    killed_at > 0 ? killed_at : now->wall_s);
	if (tr.actions & SCHED_ACT_CLEAR_TASK)
		clear_task(s, svc);
	if (tr.changed) {
		switch (tr.to) {
		case TSVC_RESTARTING:
			sched_svc_reason(svc, "restart in %lld s (%s, "
			    "failure %u in a row)",
			    (long long)((svc->restart_at_ms - now->mono_ms +
			    999) / 1000), sched_event_name(ev),
			    svc->fail_streak);
			break;
		case TSVC_PENDING:
			sched_svc_reason(svc, "%s", "");
			sched_place_explain(&s->st, svc);
			break;
		case TSVC_LOST:
			sched_svc_reason(svc, "%s; may still run",
			    sched_event_name(ev));
			break;
		case TSVC_KILLING:
			if (ev == SVC_EV_RUNNING || ev == SVC_EV_STARTING) {
				sched_svc_reason(svc, "kill requested; "
				    "reported running again");
				break;
			}
			/* FALLTHROUGH */
		case TSVC_FINISHED:
		case TSVC_FAILED:
			sched_svc_reason(svc, "%s", sched_event_name(ev));
			break;
		default:
			break;
		}
		if (svc->want_again && tr.to != TSVC_PENDING)
			sched_svc_reason(svc, "%s", WANT_AGAIN_REASON);
		if (tr.to == TSVC_LAUNCHING || tr.from == TSVC_PENDING)
			s->persist_dirty = true;
	}
	if (tr.actions & SCHED_ACT_REMOVE) {
		char *name = xstrdup(svc->t.name);

		publish_svc(s, svc);
		sched_svc_remove(&s->st, svc);
		publish_remove(s, name);
		free(name);
		s->persist_dirty = true;
	}
}

/* ------------------------------------------------------------------ */

static void
apply_persisted(struct sched *s, const struct sched_now *now)
{
	struct sched_persist p;
	char err[1024];
	size_t recovered = 0;

	switch (sched_persist_load(s->state_dir, now->wall_s, &p, err,
	    sizeof(err))) {
	case 0:
		break;
	case 1:
		sched_logf(s, SCHED_LOG_ERROR, "state journal: %s", err);
		break;
	default:
		sched_logf(s, SCHED_LOG_ERROR, "state file: %s", err);
		return;
	}
	for (size_t i = 0; i < p.n_ondemand; i++) {
		const struct cfg_group *g = cfg_group_find(s->cfg,
		    p.ondemand[i].group);
		bool found = false;

		for (size_t j = 0; g != NULL && j < g->n_services && !found;
		    j++) {
			char **names, **nodes;
			size_t n = sched_sla_expand(s->cfg, &g->services[j],
			    &names, &nodes);

			for (size_t k = 0; k < n && !found; k++) {
				struct sched_svc *svc;

				if (strcmp(names[k], p.ondemand[i].service))
					continue;
				found = true;
				if (sched_svc_find(&s->st, names[k]) != NULL)
					break;
				svc = sched_svc_new(s->cfg, &g->services[j],
				    names[k], nodes[k], TSVC_KIND_ONDEMAND,
				    g->name, now);
				sched_svc_insert(&s->st, svc);
			}
			sched_strv_free(names, n);
			sched_strv_free(nodes, n);
		}
		if (!found)
			sched_logf(s, SCHED_LOG_WARN, "state file: on-demand "
			    "service %s of group %s is no longer in the "
			    "config; its task (if any) will be killed",
			    p.ondemand[i].service, p.ondemand[i].group);
	}
	for (size_t i = 0; i < p.n_tasks; i++) {
		struct sched_persist_task *pt = &p.tasks[i];
		struct sched_svc *svc = sched_svc_find(&s->st, pt->service);

		if (svc != NULL && svc->t.kind != TSVC_KIND_ANNOUNCED &&
		    svc->t.state == TSVC_PENDING) {
			recovered++;
			sched_svc_set(svc, &svc->t.task_id, pt->task_id);
			sched_svc_set(svc, &svc->t.agent_id, pt->agent_id);
			/* Until offers tie agents to nodes again, the file
			 * says where the task runs (routes need the node). */
			if (pt->node != NULL && *pt->node != '\0')
				sched_svc_set(svc, &svc->t.node, pt->node);
			sched_event(s, svc, SVC_EV_LAUNCH, now);
			sched_svc_reason(svc, "recovered from the state file; "
			    "waiting for reconciliation");
			continue;
		}
		/* Its service is no longer wanted. */
		orphan_add(s, pt->service, pt->task_id, pt->agent_id,
		    now->wall_s);
	}
	/* No time (or one ahead of the clock): from now. */
	for (size_t i = 0; i < p.n_kills; i++)
		orphan_add(s, p.kills[i].service, p.kills[i].task_id,
		    p.kills[i].agent_id, p.kills[i].since > 0 &&
		    p.kills[i].since <= now->wall_s ? p.kills[i].since :
		    now->wall_s);
	s->journal_valid = p.journal_len;
	sched_logf(s, SCHED_LOG_INFO, "state file: %zu on-demand service(s), "
	    "%zu task(s) to reconcile, %zu to kill", p.n_ondemand,
	    recovered, s->n_orphans);
	sched_persist_free(&p);
}

/*
 * The journal cannot be opened: task ids go to the state file instead,
 * and an old journal is moved aside, or it would be applied over every
 * state file written from now on.
 */
static void
journal_unusable(struct sched *s, const char *why,
    const struct sched_now *now)
{
	char path[4096], aside[4200];

	sched_logf(s, SCHED_LOG_ERROR, "%s; task ids will be written to the "
	    "state file instead", why);
	snprintf(path, sizeof(path), "%s/%s", s->state_dir,
	    SCHED_JOURNAL_FILE);
	snprintf(aside, sizeof(aside), "%s.unused.%lld", path,
	    (long long)now->wall_s);
	if (rename(path, aside) == 0)
		sched_logf(s, SCHED_LOG_WARN, "journal: moved aside to %s",
		    aside);
	else if (errno != ENOENT)
		sched_logf(s, SCHED_LOG_ERROR, "journal: cannot move %s "
		    "aside: %s; its records may come back over the state "
		    "file at the next start", path, strerror(errno));
}

static void
free_orphans(struct sched *s)
{
	for (size_t i = 0; i < s->n_orphans; i++) {
		free(s->orphans[i].service);
		free(s->orphans[i].task_id);
		free(s->orphans[i].agent_id);
	}
	FREE_NULL(s->orphans);
	s->n_orphans = 0;
}

void
sched_init(struct sched *s, const struct torc_config *cfg,
    const char *state_dir, const struct sched_hooks *hooks,
    uint64_t instance, const struct sched_now *now)
{
	int64_t t = cfg->stateclean.timeout, d = cfg->stateclean.restart_delay;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->hooks = *hooks;
	s->instance = instance;
	s->fsm.restart_delay_ms = d * 1000;
	s->fsm.lost_grace_ms = t * 1000;
	s->fsm.backoff_reset_ms = 2 * (t > d ? t : d) * 1000;
	s->state_dir = xstrdup_null(state_dir);
	s->journal_fd = -1;
	sched_state_init(&s->st, cfg, now);
	if (s->state_dir != NULL) {
		char err[512];

		apply_persisted(s, now);
		if ((s->journal_fd = sched_journal_open(s->state_dir, err,
		    sizeof(err))) < 0)
			journal_unusable(s, err, now);
		else {
			off_t end = lseek(s->journal_fd, 0, SEEK_END);

			s->journal_len = end > 0 ? (size_t)end : 0;
			/* A last line a crash cut short: appends follow it. */
			if (s->journal_len > s->journal_valid) {
				if (ftruncate(s->journal_fd,
				    (off_t)s->journal_valid) == 0)
					s->journal_len = s->journal_valid;
				else {
					snprintf(err, sizeof(err), "journal: "
					    "cannot cut its torn last line: "
					    "%s", strerror(errno));
					journal_unusable(s, err, now);
					s->journal_off = true;
				}
			}
		}
		/* What it held is in memory now, and goes to the state file. */
		s->persist_dirty = true;
	}
	for (size_t i = 0; i < s->st.n_svcs; i++)
		sched_place_explain(&s->st, s->st.svcs[i]);
}

void
sched_free(struct sched *s)
{
	if (s->journal_fd >= 0)
		close(s->journal_fd);
	sched_state_free(&s->st);
	free_orphans(s);
	free(s->state_dir);
	memset(s, 0, sizeof(*s));
	s->journal_fd = -1;
}

void
sched_set_mesos(struct sched *s, struct mesos_conn *mc)
{
	s->mc = mc;
}

/* ------------------------------------------------------------------ */
/* Mesos events                                                        */

void
sched_on_subscribed(struct sched *s, const char *framework_id,
    const struct sched_now *now)
{
	struct mesos_task_ref *refs;
	size_t n = 0;

	s->subscribed = true;
	s->reconciled = false;
	s->suppressed = false;
	s->subscribed_ms = now->mono_ms;
	refs = xcalloc(s->st.n_svcs + s->n_orphans + 1, sizeof(*refs));
	for (size_t i = 0; i < s->st.n_svcs; i++) {
		struct sched_svc *svc = s->st.svcs[i];

		if (svc->t.kind == TSVC_KIND_ANNOUNCED ||
		    !sched_svc_live(svc) || *svc->t.task_id == '\0')
			continue;
		refs[n].task_id = svc->t.task_id;
		refs[n].agent_id = svc->t.agent_id;
		n++;
	}
	/* Tasks to kill too: their answers say when they have ended. */
	for (size_t i = 0; i < s->n_orphans; i++) {
		refs[n].task_id = s->orphans[i].task_id;
		refs[n].agent_id = s->orphans[i].agent_id;
		n++;
	}
	sched_logf(s, SCHED_LOG_INFO, "subscribed as framework %s; "
	    "reconciling %zu task(s)", framework_id, n);
	if (s->mc != NULL)
		mesos_reconcile_explicit(s->mc, refs, n);
	free(refs);
	/*
	 * Tasks to kill: kill (idempotent).  They stay orphans, in memory and
	 * in the state file, until an update says they ended (a kill of a
	 * task the master does not know is answered by reconciliation).
	 */
	for (size_t i = 0; i < s->n_orphans && s->mc != NULL; i++) {
		sched_logf(s, SCHED_LOG_INFO, "killing task %s of service %s "
		    "(asked to kill, its end not seen yet)",
		    s->orphans[i].task_id, s->orphans[i].service);
		if (mesos_kill(s->mc, s->orphans[i].task_id,
		    s->orphans[i].agent_id) == 0)
			s->stats.kills++;
	}
	sched_publish_status(s);
	sched_flush(s);
}

void
sched_on_disconnected(struct sched *s, const char *why,
    const struct sched_now *now)
{
	(void)now;
	s->subscribed = false;
	s->reconciled = false;
	sched_logf(s, SCHED_LOG_WARN, "disconnected from the master: %s",
	    why != NULL ? why : "");
	sched_publish_status(s);
}

void
sched_on_reconciled(struct sched *s, const struct sched_now *now)
{
	s->reconciled = true;
	s->reconciled_ms = now->mono_ms;
	s->last_reconcile_s = now->wall_s;
	sched_logf(s, SCHED_LOG_INFO, "reconciliation done");
	sched_publish_status(s);
	sched_flush(s);
}

static const char *
offer_attr(const struct mesos_offer *o, const char *a, const char *b)
{
	for (size_t i = 0; i < o->n_attrs; i++)
		if (strcmp(o->attrs[i].name, a) == 0)
			return o->attrs[i].value;
	for (size_t i = 0; i < o->n_attrs; i++)
		if (strcmp(o->attrs[i].name, b) == 0)
			return o->attrs[i].value;
	return "";
}

/* "<service>.<uuid v4>": unique per launch, never reused. */
static char *
new_task_id(const char *service)
{
	uint8_t r[16];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t k = getrandom(r + got, sizeof(r) - got, 0);

		if (k <= 0)
			break;
		got += (size_t)k;
	}
	for (; got < sizeof(r); got++)	/* no entropy: still unique-ish */
		r[got] = (uint8_t)random();
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
	return xasprintf("%s.%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", service, r[0], r[1], r[2], r[3],
	    r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
	    r[14], r[15]);
}

static void
decline(struct sched *s, const char *const *ids, size_t n, double refuse)
{
	if (s->mc != NULL && n > 0)
		mesos_decline(s->mc, ids, n, refuse);
	s->stats.declined += n;
}

static void
launch(struct sched *s, struct sched_node *node, const char *agent_id,
    const char *const *ids, size_t n_ids, struct sched_svc **svcs,
    size_t n, const struct sched_now *now)
{
	struct mesos_task_spec *specs = xcalloc(n, sizeof(*specs));
	struct mesos_volume *vols;
	size_t n_vols = 0, v = 0;
	bool was_dirty = s->persist_dirty;
	int rv = -1;

	for (size_t i = 0; i < n; i++) {
		char *tid = new_task_id(svcs[i]->t.name);

		sched_svc_set(svcs[i], &svcs[i]->t.task_id, tid);
		free(tid);
		sched_svc_set(svcs[i], &svcs[i]->t.agent_id, agent_id);
		sched_svc_set(svcs[i], &svcs[i]->t.node, node->t.name);
		sched_event(s, svcs[i], SVC_EV_LAUNCH, now);
		n_vols += svcs[i]->t.n_volumes;
	}
	/*
	 * Write-ahead: the task ids are recorded before the ACCEPT, so a
	 * restarted schedd reconciles them by id.  Only that: the rest of
	 * the flush (publishing, SUPPRESS once nothing is pending) waits
	 * for the caller's, so the ACCEPT is the first call queued.
	 */
	write_ahead(s, svcs, n, was_dirty, now);
	vols = xcalloc(n_vols + 1, sizeof(*vols));
	for (size_t i = 0; i < n; i++) {
		struct tmsg_service *t = &svcs[i]->t;

		specs[i].task_id = t->task_id;
		specs[i].name = t->name;
		specs[i].agent_id = agent_id;
		specs[i].image = t->image;
		specs[i].privileged = t->privileged;
		specs[i].network_type = t->network_type;
		specs[i].parameters = t->parameters;
		specs[i].arguments = t->arguments;
		specs[i].volumes = &vols[v];
		specs[i].n_volumes = t->n_volumes;
		for (uint32_t k = 0; k < t->n_volumes; k++, v++) {
			vols[v].host_path = t->volumes[k].host_path;
			vols[v].container_path = t->volumes[k].container_path;
			vols[v].read_only = t->volumes[k].read_only;
		}
		specs[i].cpus = t->cpu;
		specs[i].mem = t->memory;
		specs[i].label_service = t->name;
		specs[i].label_group = t->group;
	}
	if (s->mc != NULL)
		rv = mesos_launch(s->mc, ids, n_ids, specs, n,
		    SCHED_REFUSE_PENDING);
	free(vols);
	free(specs);
	if (rv == 0) {
		s->stats.launched += n;
		return;
	}
	sched_logf(s, SCHED_LOG_WARN, "launch on %s failed: not subscribed",
	    node->t.name);
	for (size_t i = 0; i < n; i++)
		sched_event(s, svcs[i], SVC_EV_LAUNCH_FAILED, now);
}

void
sched_on_offers(struct sched *s, const struct mesos_offer *offers, size_t n,
    const struct sched_now *now)
{
	bool *done = xcalloc(n + 1, sizeof(*done));
	const char **ids = xcalloc(n + 1, sizeof(*ids));
	struct sched_svc **out = xcalloc(s->st.n_svcs + 1, sizeof(*out));
	/*
	 * Offers not used are declined together, one DECLINE per refusal
	 * time (Call.Decline takes many offer ids): one call instead of
	 * one per agent ahead of the launches' acknowledgements.
	 */
	static const double refuse[3] = { SCHED_REFUSE_RECONCILING,
	    SCHED_REFUSE_PENDING, SCHED_REFUSE_IDLE };
	const char **dec[3];
	size_t n_dec[3] = { 0, 0, 0 };

	for (size_t k = 0; k < 3; k++)
		dec[k] = xcalloc(n + 1, sizeof(*dec[k]));

	for (size_t i = 0; i < n; i++) {
		const struct mesos_offer *o = &offers[i];
		struct sched_place_agent a = { 0 };
		struct sched_node *node;
		size_t n_ids = 0, n_out;
		bool added;

		if (done[i])
			continue;
		/* Pool every offer of this agent in the event. */
		for (size_t j = i; j < n; j++) {
			if (done[j] || strcmp(offers[j].agent_id,
			    o->agent_id) != 0)
				continue;
			done[j] = true;
			ids[n_ids++] = offers[j].id;
			a.cpus += offers[j].cpus;
			a.mem += offers[j].mem;
		}
		node = sched_node_seen(&s->st, o->agent_id, o->hostname,
		    offer_attr(o, "node_name", "machine-name"),
		    offer_attr(o, "node_type", "machine-type"),
		    offer_attr(o, "node_function", "machine-function"), now,
		    &added);
		if (added)
			sched_logf(s, SCHED_LOG_WARN, "agent %s (%s) is not a "
			    "configured node; listed as %s", o->agent_id,
			    o->hostname, node->t.name);
		if (!s->subscribed || !s->reconciled ||
		    now->mono_ms < s->reconciled_ms + SCHED_SETTLE_MS) {
			for (size_t k = 0; k < n_ids; k++)
				dec[0][n_dec[0]++] = ids[k];
			continue;
		}
		a.node = node;
		n_out = sched_place(&s->st, &a, out, s->st.n_svcs);
		if (n_out == 0) {
			size_t r = count_pending(s) > 0 ? 1 : 2;

			for (size_t k = 0; k < n_ids; k++)
				dec[r][n_dec[r]++] = ids[k];
			continue;
		}
		launch(s, node, o->agent_id, ids, n_ids, out, n_out, now);
	}
	for (size_t k = 0; k < 3; k++) {
		if (n_dec[k] > 0)
			decline(s, dec[k], n_dec[k], refuse[k]);
		free(dec[k]);
	}
	free(out);
	free(ids);
	free(done);
	sched_flush(s);
}

static bool
ev_maybe_live(enum sched_event ev)
{
	return ev == SVC_EV_STARTING || ev == SVC_EV_RUNNING ||
	    ev == SVC_EV_KILLING || ev == SVC_EV_LOST;
}

/* The service a task id names ("<service>.<uuid>"), or NULL. */
static struct sched_svc *
svc_of_task_id(struct sched *s, const char *task_id)
{
	const char *dot = strrchr(task_id, '.');
	struct sched_svc *svc;
	char *name;

	if (dot == NULL || dot == task_id)
		return NULL;
	name = xstrdup(task_id);
	name[dot - task_id] = '\0';
	svc = sched_svc_find(&s->st, name);
	free(name);
	return svc;
}

/* "TASK_FAILED REASON_X: message" of an update into buf. */
static void
failure_str(const struct mesos_status *st, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", mesos_task_state_name(st->state),
	    st->reason_name && *st->reason_name ? " " : "",
	    st->reason_name ? st->reason_name : "",
	    st->message && *st->message ? ": " : "",
	    st->message ? st->message : "");
}

/*
 * The agent's own report of a task whose end a reconciliation answer
 * handled first (saying only REASON_RECONCILIATION): its reason and
 * message become the service's last failure.  true if it was one.
 */
static bool
late_end(struct sched *s, const struct mesos_status *st, enum sched_event ev)
{
	struct sched_svc *svc;
	char buf[SCHED_REASON_MAX * 2];

	if (st->reconciliation || (ev != SVC_EV_FAILED && ev != SVC_EV_GONE &&
	    ev != SVC_EV_LOST) ||
	    (svc = svc_of_task_id(s, st->task_id)) == NULL ||
	    svc->ended_task == NULL || strcmp(svc->ended_task, st->task_id))
		return false;
	failure_str(st, buf, sizeof(buf));
	sched_svc_set(svc, &svc->t.last_failure, buf);
	return true;
}

/* An update for a task id no service holds: adopt it or kill it. */
static struct sched_svc *
stray(struct sched *s, const struct mesos_status *st, enum sched_event ev)
{
	struct sched_svc *svc = NULL;
	ssize_t oi = orphan_find(s, st->task_id);

	/*
	 * One we asked to kill: again if it runs; forgotten once it has
	 * ended.  Lost, unreachable or unknown, it may come back: kept.
	 */
	if (oi >= 0) {
		struct sched_persist_task *o = &s->orphans[oi];

		if (st->agent_id != NULL && *st->agent_id != '\0' &&
		    strpbrk(st->agent_id, "\t\r\n") == NULL &&
		    strcmp(o->agent_id, st->agent_id) != 0) {
			free(o->agent_id);
			o->agent_id = xstrdup(st->agent_id);
			s->persist_dirty = true;
		}
		if (ev == SVC_EV_STARTING || ev == SVC_EV_RUNNING) {
			sched_logf(s, SCHED_LOG_INFO, "killing task %s of "
			    "service %s again (%s)", st->task_id, o->service,
			    mesos_task_state_name(st->state));
			if (s->mc != NULL && mesos_kill(s->mc, st->task_id,
			    o->agent_id) == 0)
				s->stats.kills++;
		} else if (ev != SVC_EV_KILLING && ev != SVC_EV_LOST) {
			sched_logf(s, SCHED_LOG_INFO, "task %s of service %s "
			    "has ended (%s)", st->task_id, o->service,
			    mesos_task_state_name(st->state));
			orphan_drop(s, (size_t)oi);
		}
		return NULL;
	}
	if (late_end(s, st, ev))
		return NULL;
	svc = svc_of_task_id(s, st->task_id);
	if (svc != NULL && svc->t.kind != TSVC_KIND_ANNOUNCED &&
	    (ev == SVC_EV_STARTING || ev == SVC_EV_RUNNING) &&
	    (svc->t.state == TSVC_PENDING ||
	    svc->t.state == TSVC_RESTARTING)) {
		sched_logf(s, SCHED_LOG_INFO, "%s: adopting task %s found "
		    "on agent %s", svc->t.name, st->task_id, st->agent_id);
		sched_svc_set(svc, &svc->t.task_id, st->task_id);
		sched_svc_set(svc, &svc->t.agent_id, st->agent_id);
		s->persist_dirty = true;
		s->stats.adopted++;
		return svc;
	}
	if (ev_maybe_live(ev) && s->mc != NULL) {
		sched_logf(s, SCHED_LOG_INFO, "killing stray task %s (%s)",
		    st->task_id, mesos_task_state_name(st->state));
		mesos_kill(s->mc, st->task_id, st->agent_id);
		s->stats.strays_killed++;
	}
	return NULL;
}

void
sched_on_update(struct sched *s, const struct mesos_status *st,
    const struct sched_now *now)
{
	struct sched_svc *svc;
	struct sched_node *node;
	int ev;

	if (st == NULL || st->task_id == NULL || *st->task_id == '\0')
		return;
	ev = sched_event_from_mesos(st->state);
	if (ev < 0) {
		sched_logf(s, SCHED_LOG_WARN, "task %s: unknown task state "
		    "%d ignored", st->task_id, st->state);
		return;
	}
	node = sched_node_by_agent(&s->st, st->agent_id);
	if (node != NULL) {
		node->t.last_seen = now->wall_s;
		node->last_seen_ms = now->mono_ms;
		/* A reconciliation answer only repeats the master's view;
		 * an agent's own update shows it is alive. */
		if (!node->t.active && !st->reconciliation) {
			node->t.active = true;
			node->dirty = true;
		}
	}
	svc = sched_svc_by_task(&s->st, st->task_id);
	if (svc == NULL)
		svc = stray(s, st, (enum sched_event)ev);
	if (svc == NULL) {
		flush_soon(s);
		return;
	}
	svc->t.last_update = now->wall_s;
	svc->last_update_ms = now->mono_ms;
	if (st->agent_id != NULL && *st->agent_id != '\0' &&
	    sched_svc_set(svc, &svc->t.agent_id, st->agent_id))
		s->persist_dirty = true;
	if (node != NULL)
		sched_svc_set(svc, &svc->t.node, node->t.name);
	if (st->container_id != NULL && *st->container_id != '\0')
		sched_svc_set(svc, &svc->t.container_id, st->container_id);
	if (st->container_ip != NULL && *st->container_ip != '\0')
		sched_svc_set(svc, &svc->t.ip, st->container_ip);
	else if (ev == SVC_EV_RUNNING && *svc->t.ip == '\0' &&
	    (strcmp(svc->t.network_type, "host") == 0 ||
	    *svc->t.network_type == '\0')) {
		struct sched_node *h = node;

		if (h == NULL && st->hostname != NULL)
			h = sched_node_find(&s->st, st->hostname);
		if (h != NULL)
			sched_svc_set(svc, &svc->t.ip, h->t.ip);
	}
	if (ev == SVC_EV_FAILED || ev == SVC_EV_GONE || ev == SVC_EV_LOST ||
	    ev == SVC_EV_KILLED || ev == SVC_EV_FINISHED) {
		char buf[SCHED_REASON_MAX * 2];

		failure_str(st, buf, sizeof(buf));
		if (ev != SVC_EV_FINISHED && ev != SVC_EV_KILLED)
			sched_svc_set(svc, &svc->t.last_failure, buf);
	}
	sched_event(s, svc, (enum sched_event)ev, now);
	flush_soon(s);
}

void
sched_on_agent_failure(struct sched *s, const char *agent_id,
    const struct sched_now *now)
{
	struct sched_node *n = sched_node_by_agent(&s->st, agent_id);

	(void)now;
	if (n == NULL || !n->t.active)
		return;
	n->t.active = false;
	n->dirty = true;
	sched_logf(s, SCHED_LOG_WARN, "node %s: agent %s failed; inactive",
	    n->t.name, agent_id);
	for (size_t i = 0; i < s->st.n_svcs; i++)
		sched_place_explain(&s->st, s->st.svcs[i]);
	sched_flush(s);
}

/* ------------------------------------------------------------------ */
/* Timers                                                              */

void
sched_statesync(struct sched *s, const struct sched_now *now)
{
	if (s->mc != NULL && s->subscribed &&
	    mesos_reconcile_implicit(s->mc) == 0)
		s->last_reconcile_s = now->wall_s;
	sched_publish_status(s);
	sched_flush(s);
}

void
sched_stateclean(struct sched *s, const struct sched_now *now)
{
	int64_t timeout = (int64_t)s->cfg->stateclean.timeout * 1000;
	bool judge, quiet = false;

	/*
	 * A master gone quiet (not a byte, not a heartbeat, for half a
	 * timeout) proves nothing about our tasks (ref §1.4): judge them
	 * again only once it has talked for a full timeout, as after a
	 * fresh subscription, so that statesync's reconciliation has had
	 * its chance to vouch for them.
	 */
	if (s->subscribed && now->mono_ms - s->master_heard_ms > timeout / 2)
		s->subscribed_ms = now->mono_ms;
	judge = s->subscribed && now->mono_ms - s->subscribed_ms >= timeout;

	/* Downwards: a removal only moves entries already visited. */
	for (size_t i = s->st.n_svcs; i-- > 0;) {
		struct sched_svc *svc = s->st.svcs[i];
		int64_t age = now->mono_ms - svc->last_update_ms;

		if (svc->t.kind == TSVC_KIND_ANNOUNCED) {
			if (age > timeout)
				sched_event(s, svc, SVC_EV_TIMEOUT, now);
			continue;
		}
		if (!sched_svc_live(svc)) {
			sched_place_explain(&s->st, svc);
			continue;
		}
		if (svc->t.state == TSVC_LOST) {
			if (s->subscribed && now->mono_ms -
			    svc->lost_since_ms >= s->fsm.lost_grace_ms)
				sched_event(s, svc, SVC_EV_LOST_EXPIRED, now);
			continue;
		}
		if (judge && age > timeout) {
			sched_event(s, svc, SVC_EV_TIMEOUT, now);
			continue;
		}
		if (svc->t.state == TSVC_KILLING && s->subscribed &&
		    now->mono_ms - svc->state_since_ms > timeout)
			kill_task(s, svc);	/* idempotent: ask again */
	}
	for (size_t i = 0; i < s->st.n_nodes; i++) {
		struct sched_node *n = s->st.nodes[i];
		int64_t age = now->mono_ms - n->last_seen_ms;

		if (!n->t.active) {
			if (n->t.configured)
				quiet = true;	/* back yet? */
			continue;
		}
		if (age > timeout) {
			n->t.active = false;
			n->dirty = true;
			sched_logf(s, SCHED_LOG_WARN, "node %s: no offer or "
			    "update for %lld s; inactive", n->t.name,
			    (long long)(age / 1000));
		} else if (age > timeout / 2) {
			quiet = true;
		}
	}
	/* Offers show which nodes are alive; at most once a timeout. */
	if (quiet && s->suppressed && s->mc != NULL && s->subscribed &&
	    (s->last_probe_ms == 0 ||
	    now->mono_ms - s->last_probe_ms >= timeout) &&
	    mesos_revive(s->mc) == 0) {
		s->suppressed = false;
		s->last_probe_ms = now->mono_ms;
	}
	/*
	 * A task to kill whose end is never reported (an agent that never
	 * comes back) is not kept for ever (SCHED_ORPHAN_KEEP_S).
	 */
	for (size_t i = s->n_orphans; i-- > 0;) {
		int64_t asked = now->wall_s - s->orphans[i].since;
		double keep = s->cfg->mesos.failover_timeout;

		if (keep < SCHED_ORPHAN_KEEP_S)
			keep = SCHED_ORPHAN_KEEP_S;
		if ((double)asked > keep) {
			sched_logf(s, SCHED_LOG_WARN, "task %s of service %s: "
			    "asked to kill %lld s ago, its end never "
			    "reported; forgotten", s->orphans[i].task_id,
			    s->orphans[i].service, (long long)asked);
			orphan_drop(s, i);
		}
	}
	for (size_t i = 0; i < s->st.n_svcs; i++)
		sched_place_explain(&s->st, s->st.svcs[i]);
	sched_flush(s);
}

void
sched_healthcheck(struct sched *s, const struct sched_now *now)
{
	const struct torc_config *cfg = s->cfg;

	/* Every system service (after SLA expansion) must exist. */
	for (size_t i = 0; i < cfg->healthcheck.n_system_services; i++) {
		const struct cfg_service *def =
		    &cfg->healthcheck.system_services[i];
		char **names, **nodes;
		size_t n = sched_sla_expand(cfg, def, &names, &nodes);

		for (size_t j = 0; j < n; j++) {
			struct sched_svc *svc = sched_svc_find(&s->st,
			    names[j]);

			if (svc == NULL) {
				svc = sched_svc_new(cfg, def, names[j],
				    nodes[j], TSVC_KIND_SYSTEM, "", now);
				sched_svc_insert(&s->st, svc);
				sched_logf(s, SCHED_LOG_WARN, "%s: system "
				    "service missing; re-created", names[j]);
				sched_place_explain(&s->st, svc);
				continue;
			}
			if (svc->t.kind != TSVC_KIND_SYSTEM || svc->t.is_job)
				continue;
			if (svc->t.state == TSVC_FINISHED ||
			    svc->t.state == TSVC_FAILED ||
			    (svc->t.state == TSVC_RESTARTING &&
			    now->mono_ms >= svc->restart_at_ms))
				sched_event(s, svc, SVC_EV_RESTART_DUE, now);
		}
		sched_strv_free(names, n);
		sched_strv_free(nodes, n);
	}
	sched_flush(s);
}

int64_t
sched_tick(struct sched *s, const struct sched_now *now)
{
	int64_t next = -1;

	for (size_t i = 0; i < s->st.n_svcs; i++) {
		struct sched_svc *svc = s->st.svcs[i];
		int64_t left;

		if (svc->t.state != TSVC_RESTARTING)
			continue;
		left = svc->restart_at_ms - now->mono_ms;
		if (left <= 0) {
			sched_event(s, svc, SVC_EV_RESTART_DUE, now);
			continue;
		}
		if (next < 0 || left < next)
			next = left;
	}
	sched_flush(s);
	return next;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

static void
names_add(char ***names, size_t *n, const char *name)
{
	if (names == NULL)
		return;
	*names = xrealloc(*names, (*n + 1) * sizeof(**names));
	(*names)[(*n)++] = xstrdup(name);
}

int
sched_start_group(struct sched *s, const char *group,
    const struct sched_now *now, char *msg, size_t msglen, char ***names,
    size_t *n_names)
{
	const struct cfg_group *g = cfg_group_find(s->cfg, group);
	size_t started = 0, live = 0, other = 0;

	if (names != NULL) {
		*names = NULL;
		*n_names = 0;
	}
	if (g == NULL) {
		snprintf(msg, msglen, "no such group: %s", group);
		return 404;
	}
	for (size_t i = 0; i < g->n_services; i++) {
		char **inames, **inodes;
		size_t n = sched_sla_expand(s->cfg, &g->services[i], &inames,
		    &inodes);

		for (size_t j = 0; j < n; j++) {
			struct sched_svc *svc = sched_svc_find(&s->st,
			    inames[j]);

			names_add(names, n_names, inames[j]);
			if (svc != NULL && svc->t.kind != TSVC_KIND_ONDEMAND) {
				other++;
				sched_logf(s, SCHED_LOG_WARN, "group %s: %s is "
				    "already a %s service; left alone", group,
				    inames[j], tmsg_svc_kind_name(svc->t.kind));
				continue;
			}
			if (svc != NULL && !svc->want_again &&
			    (svc->kill_requested ||
			    svc->t.state == TSVC_KILLING)) {
				/* Being killed: launched anew once it ends. */
				svc->want_again = true;
				svc->dirty = true;
				if (!svc->kill_requested)
					svc->kill_since = now->wall_s;
				sched_svc_reason(svc, "%s", WANT_AGAIN_REASON);
				sched_logf(s, SCHED_LOG_INFO, "%s: wanted again "
				    "(group %s), once its kill has ended",
				    svc->t.name, group);
				started++;
				continue;
			}
			if (svc != NULL) {
				live++;		/* idempotent: left alone */
				continue;
			}
			svc = sched_svc_new(s->cfg, &g->services[i], inames[j],
			    inodes[j], TSVC_KIND_ONDEMAND, g->name, now);
			sched_svc_insert(&s->st, svc);
			sched_place_explain(&s->st, svc);
			sched_logf(s, SCHED_LOG_INFO, "%s: wanted (group %s)",
			    svc->t.name, group);
			started++;
		}
		sched_strv_free(inames, n);
		sched_strv_free(inodes, n);
	}
	if (started > 0)
		s->persist_dirty = true;
	snprintf(msg, msglen, "group %s: %zu started, %zu already wanted%s",
	    group, started, live, other ? ", some names taken by other "
	    "services" : "");
	sched_flush(s);
	return 200;
}

/* Is name an instance of an on-demand group's service in the config? */
static bool
ondemand_known(const struct torc_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->api.n_groups; i++) {
		const struct cfg_group *g = &cfg->api.groups[i];

		for (size_t j = 0; j < g->n_services; j++) {
			char **names, **nodes;
			size_t n = sched_sla_expand(cfg, &g->services[j],
			    &names, &nodes);
			bool hit = false;

			for (size_t k = 0; k < n; k++)
				if (strcmp(names[k], name) == 0)
					hit = true;
			sched_strv_free(names, n);
			sched_strv_free(nodes, n);
			if (hit)
				return true;
		}
	}
	return false;
}

int
sched_kill(struct sched *s, const char *name, const struct sched_now *now,
    char *msg, size_t msglen)
{
	struct sched_svc *svc = sched_svc_find(&s->st, name);
	enum tmsg_svc_kind kind;

	if (svc == NULL) {
		if (ondemand_known(s->cfg, name)) {
			snprintf(msg, msglen, "%s is not running", name);
			return 200;	/* already what was asked */
		}
		snprintf(msg, msglen, "no such service: %s", name);
		return 404;
	}
	if (svc->t.kind == TSVC_KIND_ANNOUNCED) {
		snprintf(msg, msglen, "%s is run by %s; kill it there", name,
		    svc->t.controller);
		return 409;
	}
	if (svc->t.kind == TSVC_KIND_SYSTEM && !sched_svc_live(svc)) {
		snprintf(msg, msglen, "%s is a system service with no task "
		    "(%s)", name, tmsg_svc_state_name(svc->t.state));
		return 200;
	}
	kind = svc->t.kind;
	/* A kill cancels a start made while it was being killed. */
	if (svc->want_again)
		sched_svc_reason(svc, "kill requested");
	svc->kill_since = now->wall_s;
	sched_event(s, svc, SVC_EV_KILL, now);	/* svc may be freed */
	/*
	 * An on-demand service is no longer wanted from now on, not only
	 * once its task has ended: the state file drops its `ondemand` line
	 * (keeping the task's, to kill after a restart) before the answer.
	 */
	if (kind == TSVC_KIND_ONDEMAND)
		s->persist_dirty = true;
	if (kind == TSVC_KIND_SYSTEM)
		snprintf(msg, msglen, "killing %s; a system service, it is "
		    "restarted after %d s", name,
		    s->cfg->stateclean.restart_delay);
	else
		snprintf(msg, msglen, "killing %s", name);
	sched_flush(s);
	return 200;
}

int
sched_announce(struct sched *s, const struct tmsg_service *ann,
    const struct sched_now *now, char *msg, size_t msglen)
{
	struct sched_svc *svc;
	const char *node;
	bool fresh = false;

	if (ann->name == NULL || *ann->name == '\0' ||
	    strpbrk(ann->name, "\t\r\n") != NULL) {
		snprintf(msg, msglen, "announce: missing or invalid name");
		return 400;
	}
	if (ann->controller != NULL && strcmp(ann->controller,
	    s->cfg->name) == 0) {
		snprintf(msg, msglen, "announce: %s claims to be run by this "
		    "scheduler", ann->name);
		return 400;
	}
	svc = sched_svc_find(&s->st, ann->name);
	if (svc != NULL && svc->t.kind != TSVC_KIND_ANNOUNCED) {
		snprintf(msg, msglen, "announce: %s is a %s service of this "
		    "scheduler", ann->name, tmsg_svc_kind_name(svc->t.kind));
		return 409;
	}
	if (svc == NULL) {
		svc = xcalloc(1, sizeof(*svc));
		tmsg_service_copy(&svc->t, ann);
		svc->t.kind = TSVC_KIND_ANNOUNCED;
		svc->t.state = TSVC_RUNNING;
		sched_svc_set(svc, &svc->t.state_reason, "announced");
		svc->state_since_ms = now->mono_ms;
		svc->running_since_ms = now->mono_ms;
		sched_svc_insert(&s->st, svc);
		fresh = true;
	} else {
		/* Refresh: the description may have changed (new IP). */
		sched_svc_set(svc, &svc->t.controller, ann->controller);
		sched_svc_set(svc, &svc->t.ip, ann->ip);
		sched_svc_set(svc, &svc->t.node_name, ann->node_name);
		sched_svc_set(svc, &svc->t.node, ann->node);
		sched_svc_set(svc, &svc->t.container_id, ann->container_id);
		sched_svc_set(svc, &svc->t.task_id, ann->task_id);
		sched_svc_set(svc, &svc->t.image, ann->image);
		if (svc->t.is_metered != ann->is_metered ||
		    svc->t.is_system_service != ann->is_system_service) {
			svc->t.is_metered = ann->is_metered;
			svc->t.is_system_service = ann->is_system_service;
			svc->dirty = true;
		}
	}
	node = *svc->t.node != '\0' ? svc->t.node : svc->t.node_name;
	sched_svc_set(svc, &svc->t.node, node);
	/* Local receive time: the sub-scheduler's clock is not ours. */
	svc->t.last_update = now->wall_s;
	svc->last_update_ms = now->mono_ms;
	if (fresh)
		sched_logf(s, SCHED_LOG_INFO, "%s: announced by %s (ip %s, "
		    "node %s)", svc->t.name, svc->t.controller, svc->t.ip,
		    svc->t.node);
	snprintf(msg, msglen, "%s %s", fresh ? "announced" : "refreshed",
	    svc->t.name);
	sched_flush(s);
	return 200;
}

int
sched_forget_framework(struct sched *s, char *msg, size_t msglen)
{
	char err[512];

	if (s->mc == NULL) {
		snprintf(msg, msglen, "no Mesos connection");
		return 503;
	}
	if (mesos_forget_framework(s->mc, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "forget framework: %s", err);
		return 500;
	}
	sched_logf(s, SCHED_LOG_WARN, "framework id forgotten; the next "
	    "subscription registers a new framework");
	snprintf(msg, msglen, "framework id forgotten");
	return 200;
}
