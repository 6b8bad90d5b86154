/*
 * sched_fsm.c - the service state machine of torc-schedd: named states
 * (enum tmsg_svc_state), named events, one function that changes state.
 * Pure: no I/O, no clock, no logging; the caller logs the transition
 * record it gets back and carries out its actions (kill, forget the task,
 * remove the service).
 */
#include "sched.h"

#include <stdio.h>
#include <string.h>

#include "sched_mesos.h"

/*
 * Policy.
 *
 * A service is one wanted instance: a system service (after SLA
 * expansion), a member of a started on-demand group, or a task a
 * sub-scheduler announced.  It holds at most one Mesos task at a time;
 * every launch gets a new task id, so an update for an older task can
 * never be mistaken for the current one.
 *
 *   pending     wanted, not placed; state_reason says what it waits for.
 *   launching   placement chose an offer and the ACCEPT went out.
 *   starting    Mesos reported TASK_STAGING or TASK_STARTING.
 *   running     TASK_RUNNING.
 *   killing     a kill was sent (or TASK_KILLING reported).
 *   lost        TASK_LOST, TASK_UNREACHABLE or TASK_UNKNOWN, or no news
 *               for stateclean's timeout: the task may still run on a
 *               partitioned agent.  RUNNING brings it back (to killing,
 *               and killed again, if a kill had been asked); after the
 *               grace period it is given up (killed, to be sure) and
 *               handled like any other end.
 *   restarting  a system service ended; it goes back to pending when
 *               its restart delay is over.
 *   finished    ended with exit 0 (jobs, on-demand services).
 *   failed      ended otherwise.
 *
 * How an end is handled depends on who wants the service:
 *   - a system service is restarted after stateclean's restart delay.
 *     Each end that was not an operator's kill counts as a failure, and
 *     consecutive failures double the delay up to SCHED_BACKOFF_CAP
 *     times the base, so a crash-looping image cannot hammer the rack.
 *     A run longer than the backoff-reset time clears the count.
 *     System services marked is_job run once and stay finished/failed.
 *   - an on-demand service is removed (SVC_REMOVE), never restarted;
 *     but one whose group was started again while it was being killed
 *     (want_again) goes back to pending, to be launched anew.
 *   - an announced service is removed when stateclean times it out.
 *
 * Definitely not running: FINISHED, FAILED, ERROR, KILLED, DROPPED, GONE,
 * GONE_BY_OPERATOR.  Maybe running: LOST, UNREACHABLE, UNKNOWN.  An event
 * that makes no sense in the current state (a STARTING after RUNNING, an
 * end for a service with no task) changes nothing and is reported as
 * ignored with the reason.  A RUNNING or STARTING for a service with no
 * task is an adoption: the caller only sends it after attaching the
 * task it found (after a restart of schedd).
 */

static const char *const sched_event_names[SVC_EV_COUNT] = {
	[SVC_EV_LAUNCH] = "launch",
	[SVC_EV_LAUNCH_FAILED] = "launch failed",
	[SVC_EV_STARTING] = "starting",
	[SVC_EV_RUNNING] = "running",
	[SVC_EV_KILLING] = "killing",
	[SVC_EV_FINISHED] = "finished",
	[SVC_EV_FAILED] = "failed",
	[SVC_EV_KILLED] = "killed",
	[SVC_EV_GONE] = "gone",
	[SVC_EV_LOST] = "lost",
	[SVC_EV_KILL] = "kill requested",
	[SVC_EV_TIMEOUT] = "timed out",
	[SVC_EV_LOST_EXPIRED] = "lost too long",
	[SVC_EV_RESTART_DUE] = "restart due",
};

/* Names of Mesos task states (mesos.proto's TaskState), for logs. */
static const char *const mesos_task_state_names[] = {
	[MESOS_TASK_STARTING] = "TASK_STARTING",
	[MESOS_TASK_RUNNING] = "TASK_RUNNING",
	[MESOS_TASK_FINISHED] = "TASK_FINISHED",
	[MESOS_TASK_FAILED] = "TASK_FAILED",
	[MESOS_TASK_KILLED] = "TASK_KILLED",
	[MESOS_TASK_LOST] = "TASK_LOST",
	[MESOS_TASK_STAGING] = "TASK_STAGING",
	[MESOS_TASK_ERROR] = "TASK_ERROR",
	[MESOS_TASK_KILLING] = "TASK_KILLING",
	[MESOS_TASK_DROPPED] = "TASK_DROPPED",
	[MESOS_TASK_UNREACHABLE] = "TASK_UNREACHABLE",
	[MESOS_TASK_GONE] = "TASK_GONE",
	[MESOS_TASK_GONE_BY_OPERATOR] = "TASK_GONE_BY_OPERATOR",
	[MESOS_TASK_UNKNOWN] = "TASK_UNKNOWN",
};

const char *
sched_event_name(enum sched_event ev)
{
	if ((int)ev < 0 || ev >= SVC_EV_COUNT)
		return "?";
	return sched_event_names[ev];
}

const char *
mesos_task_state_name(int state)
{
	if (state < 0 || (size_t)state >= sizeof(mesos_task_state_names) /
	    sizeof(mesos_task_state_names[0]) ||
	    mesos_task_state_names[state] == NULL)
		return "TASK_?";
	return mesos_task_state_names[state];
}

int
sched_event_from_mesos(int mesos_state)
{
	switch (mesos_state) {
	case MESOS_TASK_STAGING:
	case MESOS_TASK_STARTING:
		return SVC_EV_STARTING;
	case MESOS_TASK_RUNNING:
		return SVC_EV_RUNNING;
	case MESOS_TASK_KILLING:
		return SVC_EV_KILLING;
	case MESOS_TASK_FINISHED:
		return SVC_EV_FINISHED;
	case MESOS_TASK_FAILED:
	case MESOS_TASK_ERROR:
		return SVC_EV_FAILED;
	case MESOS_TASK_KILLED:
		return SVC_EV_KILLED;
	case MESOS_TASK_LOST:
	case MESOS_TASK_UNREACHABLE:
	case MESOS_TASK_UNKNOWN:
		return SVC_EV_LOST;
	case MESOS_TASK_DROPPED:
	case MESOS_TASK_GONE:
	case MESOS_TASK_GONE_BY_OPERATOR:
		return SVC_EV_GONE;
	default:
		return -1;
	}
}

int64_t
sched_backoff_ms(int64_t base_ms, uint32_t streak)
{
	int64_t f = 1;

	/* 1x, 2x, 4x, 8x, then the cap. */
	for (uint32_t i = 1; i < streak && f < SCHED_BACKOFF_CAP; i++)
		f *= 2;
	if (f > SCHED_BACKOFF_CAP)
		f = SCHED_BACKOFF_CAP;
	return base_ms * f;
}

/* The only place a service's state is assigned. */
static void
fsm_change(struct sched_svc *svc, enum tmsg_svc_state to,
    const struct sched_now *now)
{
	if (svc->t.state == to)
		return;
	svc->t.state = to;
	svc->state_since_ms = now->mono_ms;
	switch (to) {
	case TSVC_RUNNING:
		svc->running_since_ms = now->mono_ms;
		/* Back without a kill of ours: wanted and running. */
		svc->want_again = false;
		break;
	case TSVC_STARTING:
		svc->want_again = false;
		break;
	case TSVC_LOST:
		svc->lost_since_ms = now->mono_ms;
		break;
	case TSVC_PENDING:
		svc->running_since_ms = 0;
		svc->kill_requested = false;
		svc->want_again = false;
		break;
	default:
		break;
	}
	svc->dirty = true;
}

/* The task ended (or was given up): where the service goes now. */
static enum tmsg_svc_state
fsm_end(struct sched_svc *svc, enum sched_event ev,
    const struct sched_fsm_conf *conf, const struct sched_now *now,
    unsigned *act)
{
	bool operator_kill = svc->kill_requested &&
	    (ev == SVC_EV_KILLED || ev == SVC_EV_GONE ||
	    ev == SVC_EV_LOST_EXPIRED || ev == SVC_EV_FINISHED);
	bool ok = ev == SVC_EV_FINISHED || operator_kill;
	int64_t delay;

	*act |= SCHED_ACT_CLEAR_TASK;
	switch (svc->t.kind) {
	case TSVC_KIND_ONDEMAND:
		/* Its group was started again while it was being killed. */
		if (svc->want_again) {
			svc->t.restarts++;
			return TSVC_PENDING;
		}
		/* FALLTHROUGH */
	case TSVC_KIND_ANNOUNCED:
		*act |= SCHED_ACT_REMOVE;
		return ok ? TSVC_FINISHED : TSVC_FAILED;
	case TSVC_KIND_SYSTEM:
	default:
		break;
	}
	if (svc->t.is_job)
		return ok ? TSVC_FINISHED : TSVC_FAILED;
	if (operator_kill) {
		delay = conf->restart_delay_ms;
	} else {
		if (svc->running_since_ms != 0 &&
		    now->mono_ms - svc->running_since_ms >=
		    conf->backoff_reset_ms)
			svc->fail_streak = 0;
		svc->fail_streak++;
		delay = sched_backoff_ms(conf->restart_delay_ms,
		    svc->fail_streak);
	}
	svc->kill_requested = false;
	svc->running_since_ms = 0;
	svc->restart_at_ms = now->mono_ms + delay;
	return TSVC_RESTARTING;
}

void
sched_fsm(struct sched_svc *svc, enum sched_event ev,
    const struct sched_fsm_conf *conf, const struct sched_now *now,
    struct sched_transition *tr)
{
	enum tmsg_svc_state from = svc->t.state, to = from;
	unsigned act = 0;
	const char *why = NULL;

	switch (from) {
	case TSVC_PENDING:
	case TSVC_RESTARTING:
	case TSVC_FINISHED:
	case TSVC_FAILED:
		/* No task. */
		switch (ev) {
		case SVC_EV_LAUNCH:
			if (from == TSVC_PENDING)
				to = TSVC_LAUNCHING;
			else
				why = "not pending";
			break;
		case SVC_EV_STARTING:	/* adoption of a found task */
			to = TSVC_STARTING;
			break;
		case SVC_EV_RUNNING:
			to = TSVC_RUNNING;
			break;
		case SVC_EV_RESTART_DUE:
			if (from == TSVC_PENDING)
				why = "already pending";
			else if ((svc->t.kind == TSVC_KIND_SYSTEM &&
			    !svc->t.is_job) || from == TSVC_RESTARTING)
				to = TSVC_PENDING;
			else
				why = "not restarted: not a system service";
			if (to == TSVC_PENDING)
				svc->t.restarts++;
			break;
		case SVC_EV_KILL:
			if (svc->t.kind == TSVC_KIND_SYSTEM) {
				why = "no task to kill";
			} else {
				to = TSVC_FINISHED;
				act |= SCHED_ACT_REMOVE;
			}
			break;
		default:
			why = "no task";
			break;
		}
		break;

	case TSVC_LAUNCHING:
	case TSVC_STARTING:
	case TSVC_RUNNING:
	case TSVC_KILLING:
	case TSVC_LOST:
		switch (ev) {
		case SVC_EV_LAUNCH:
			why = "already launched";
			break;
		case SVC_EV_LAUNCH_FAILED:
			if (from == TSVC_LAUNCHING) {
				to = TSVC_PENDING;
				act |= SCHED_ACT_CLEAR_TASK;
			} else {
				why = "not launching";
			}
			break;
		case SVC_EV_STARTING:
			if (from == TSVC_RUNNING)
				why = "STARTING after RUNNING";
			else if (from == TSVC_KILLING)
				why = "kill in progress";
			else if (svc->kill_requested) {
				/* Lost while being killed, back: kill it. */
				to = TSVC_KILLING;
				act |= SCHED_ACT_KILL_TASK;
			} else
				to = TSVC_STARTING;
			break;
		case SVC_EV_RUNNING:
			if (from == TSVC_KILLING) {
				why = "kill in progress";
				act |= SCHED_ACT_KILL_TASK;
			} else if (svc->kill_requested) {
				to = TSVC_KILLING;
				act |= SCHED_ACT_KILL_TASK;
			} else {
				to = TSVC_RUNNING;
			}
			break;
		case SVC_EV_KILLING:
			to = TSVC_KILLING;
			break;
		case SVC_EV_FINISHED:
		case SVC_EV_FAILED:
		case SVC_EV_KILLED:
		case SVC_EV_GONE:
			to = fsm_end(svc, ev, conf, now, &act);
			break;
		case SVC_EV_LOST:
			to = TSVC_LOST;
			break;
		case SVC_EV_KILL:
			svc->kill_requested = true;
			svc->want_again = false;
			to = TSVC_KILLING;
			act |= SCHED_ACT_KILL_TASK;
			break;
		case SVC_EV_TIMEOUT:
			if (svc->t.kind == TSVC_KIND_ANNOUNCED)
				to = fsm_end(svc, ev, conf, now, &act);
			else if (from == TSVC_LOST)
				why = "already lost";
			else
				to = TSVC_LOST;
			break;
		case SVC_EV_LOST_EXPIRED:
			if (from == TSVC_LOST) {
				act |= SCHED_ACT_KILL_TASK;
				to = fsm_end(svc, ev, conf, now, &act);
			} else {
				why = "not lost";
			}
			break;
		case SVC_EV_RESTART_DUE:
			why = "has a task";
			break;
		default:
			why = "unknown event";
			break;
		}
		break;
	default:
		why = "unknown state";
		break;
	}

	fsm_change(svc, to, now);
	memset(tr, 0, sizeof(*tr));
	tr->from = from;
	tr->to = to;
	tr->ev = ev;
	tr->changed = from != to;
	tr->ignored = why != NULL;
	tr->why = why;
	tr->actions = act;
}

void
sched_transition_str(const struct sched_svc *svc,
    const struct sched_transition *tr, char *buf, size_t len)
{
	if (tr->ignored)
		snprintf(buf, len, "%s: %s: %s ignored (%s)", svc->t.name,
		    tmsg_svc_state_name(tr->from), sched_event_name(tr->ev),
		    tr->why);
	else
		snprintf(buf, len, "%s: %s -> %s (%s)", svc->t.name,
		    tmsg_svc_state_name(tr->from),
		    tmsg_svc_state_name(tr->to), sched_event_name(tr->ev));
}
