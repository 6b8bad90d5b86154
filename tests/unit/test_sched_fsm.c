/*
 * test_sched_fsm.c - the service state machine of torc-schedd: every
 * (state, event) pair of a system service against a table, what ends do
 * to on-demand services, jobs and announced tasks, restart backoff, the
 * Mesos task state mapping and the transition log line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sched_test_stubs.h"

static const struct sched_fsm_conf conf = {
	.restart_delay_ms = 30000,
	.lost_grace_ms = 30000,
	.backoff_reset_ms = 60000,
};

static struct sched_svc *
svc_in(enum tmsg_svc_state st, enum tmsg_svc_kind kind)
{
	struct sched_svc *svc = xcalloc(1, sizeof(*svc));

	svc->t.name = xstrdup("dns");
	svc->t.kind = kind;
	svc->t.state = st;
	return svc;
}

static void
svc_done(struct sched_svc *svc)
{
	sched_svc_free(svc);
}

#define P TSVC_PENDING
#define LA TSVC_LAUNCHING
#define ST TSVC_STARTING
#define RU TSVC_RUNNING
#define KG TSVC_KILLING
#define RS TSVC_RESTARTING
#define FI TSVC_FINISHED
#define FA TSVC_FAILED
#define LO TSVC_LOST
#define IGN 0x100	/* expected: ignored */
#define K SCHED_ACT_KILL_TASK
#define C SCHED_ACT_CLEAR_TASK
#define R SCHED_ACT_REMOVE

/* One row per state, one column per event; value = state | flags<<8. */
struct row {
	enum tmsg_svc_state from;
	struct { int to; unsigned flags; } col[SVC_EV_COUNT];
};

/*
 * Columns: LAUNCH, LAUNCH_FAILED, STARTING, RUNNING, KILLING, FINISHED,
 * FAILED, KILLED, GONE, LOST, KILL, TIMEOUT, LOST_EXPIRED, RESTART_DUE.
 * System service, not a job.
 */
static const struct row system_table[] = {
	{ P, { {LA,0}, {P,IGN}, {ST,0}, {RU,0}, {P,IGN}, {P,IGN}, {P,IGN},
	    {P,IGN}, {P,IGN}, {P,IGN}, {P,IGN}, {P,IGN}, {P,IGN},
	    {P,IGN} } },
	{ LA, { {LA,IGN}, {P,C}, {ST,0}, {RU,0}, {KG,0}, {RS,C}, {RS,C},
	    {RS,C}, {RS,C}, {LO,0}, {KG,K}, {LO,0}, {LA,IGN}, {LA,IGN} } },
	{ ST, { {ST,IGN}, {ST,IGN}, {ST,0}, {RU,0}, {KG,0}, {RS,C}, {RS,C},
	    {RS,C}, {RS,C}, {LO,0}, {KG,K}, {LO,0}, {ST,IGN}, {ST,IGN} } },
	{ RU, { {RU,IGN}, {RU,IGN}, {RU,IGN}, {RU,0}, {KG,0}, {RS,C},
	    {RS,C}, {RS,C}, {RS,C}, {LO,0}, {KG,K}, {LO,0}, {RU,IGN},
	    {RU,IGN} } },
	{ KG, { {KG,IGN}, {KG,IGN}, {KG,IGN}, {KG,IGN | K}, {KG,0}, {RS,C},
	    {RS,C}, {RS,C}, {RS,C}, {LO,0}, {KG,K}, {LO,0}, {KG,IGN},
	    {KG,IGN} } },
	{ LO, { {LO,IGN}, {LO,IGN}, {ST,0}, {RU,0}, {KG,0}, {RS,C}, {RS,C},
	    {RS,C}, {RS,C}, {LO,0}, {KG,K}, {LO,IGN}, {RS,K | C},
	    {LO,IGN} } },
	{ RS, { {RS,IGN}, {RS,IGN}, {ST,0}, {RU,0}, {RS,IGN}, {RS,IGN},
	    {RS,IGN}, {RS,IGN}, {RS,IGN}, {RS,IGN}, {RS,IGN}, {RS,IGN},
	    {RS,IGN}, {P,0} } },
	{ FI, { {FI,IGN}, {FI,IGN}, {ST,0}, {RU,0}, {FI,IGN}, {FI,IGN},
	    {FI,IGN}, {FI,IGN}, {FI,IGN}, {FI,IGN}, {FI,IGN}, {FI,IGN},
	    {FI,IGN}, {P,0} } },
	{ FA, { {FA,IGN}, {FA,IGN}, {ST,0}, {RU,0}, {FA,IGN}, {FA,IGN},
	    {FA,IGN}, {FA,IGN}, {FA,IGN}, {FA,IGN}, {FA,IGN}, {FA,IGN},
	    {FA,IGN}, {P,0} } },
};

static void
every_state_and_event_of_a_system_service_matches_the_table(void **state)
{
	struct sched_now now = { .mono_ms = 100000, .wall_s = 1000 };

	(void)state;
	for (size_t r = 0; r < nitems(system_table); r++) {
		for (int e = 0; e < SVC_EV_COUNT; e++) {
			const struct row *row = &system_table[r];
			struct sched_svc *svc = svc_in(row->from,
			    TSVC_KIND_SYSTEM);
			struct sched_transition tr;
			unsigned want = row->col[e].flags;

			sched_fsm(svc, (enum sched_event)e, &conf, &now, &tr);
			if ((int)svc->t.state != row->col[e].to ||
			    tr.ignored != ((want & IGN) != 0) ||
			    tr.actions != (want & 0xff))
				fail_msg("%s + %s: got %s%s actions %#x, want "
				    "%s%s actions %#x",
				    tmsg_svc_state_name(row->from),
				    sched_event_name((enum sched_event)e),
				    tmsg_svc_state_name(svc->t.state),
				    tr.ignored ? " (ignored)" : "",
				    tr.actions,
				    tmsg_svc_state_name(row->col[e].to),
				    want & IGN ? " (ignored)" : "",
				    want & 0xff);
			assert_int_equal(tr.from, row->from);
			assert_int_equal(tr.to, svc->t.state);
			assert_int_equal(tr.changed, tr.from != tr.to);
			if (tr.ignored)
				assert_non_null(tr.why);
			svc_done(svc);
		}
	}
}

static void
an_ignored_event_is_logged_with_its_reason(void **state)
{
	struct sched_now now = { .mono_ms = 1000, .wall_s = 1 };
	struct sched_svc *svc = svc_in(TSVC_RUNNING, TSVC_KIND_SYSTEM);
	struct sched_transition tr;
	char line[256];

	(void)state;
	sched_fsm(svc, SVC_EV_STARTING, &conf, &now, &tr);
	assert_true(tr.ignored);
	sched_transition_str(svc, &tr, line, sizeof(line));
	assert_string_equal(line,
	    "dns: running: starting ignored (STARTING after RUNNING)");
	svc_done(svc);
}

static void
a_change_is_logged_as_name_old_new_and_event(void **state)
{
	struct sched_now now = { .mono_ms = 1000, .wall_s = 1 };
	struct sched_svc *svc = svc_in(TSVC_RUNNING, TSVC_KIND_SYSTEM);
	struct sched_transition tr;
	char line[256];

	(void)state;
	sched_fsm(svc, SVC_EV_FAILED, &conf, &now, &tr);
	sched_transition_str(svc, &tr, line, sizeof(line));
	assert_string_equal(line, "dns: running -> restarting (failed)");
	assert_true(svc->dirty);
	svc_done(svc);
}

static void
an_ended_on_demand_service_is_removed_not_restarted(void **state)
{
	static const int ends[] = { SVC_EV_FINISHED, SVC_EV_FAILED,
	    SVC_EV_KILLED, SVC_EV_GONE };
	struct sched_now now = { .mono_ms = 1000, .wall_s = 1 };

	(void)state;
	for (size_t i = 0; i < nitems(ends); i++) {
		struct sched_svc *svc = svc_in(TSVC_RUNNING,
		    TSVC_KIND_ONDEMAND);
		struct sched_transition tr;

		sched_fsm(svc, (enum sched_event)ends[i], &conf, &now, &tr);
		assert_true(tr.actions & SCHED_ACT_REMOVE);
		assert_true(tr.actions & SCHED_ACT_CLEAR_TASK);
		assert_int_equal(svc->t.state, ends[i] == SVC_EV_FINISHED ?
		    TSVC_FINISHED : TSVC_FAILED);
		svc_done(svc);
	}
}

static void
killing_a_pending_on_demand_service_removes_it(void **state)
{
	struct sched_now now = { .mono_ms = 1000, .wall_s = 1 };
	struct sched_svc *svc = svc_in(TSVC_PENDING, TSVC_KIND_ONDEMAND);
	struct sched_transition tr;

	(void)state;
	sched_fsm(svc, SVC_EV_KILL, &conf, &now, &tr);
	assert_false(tr.ignored);
	assert_int_equal(tr.actions, SCHED_ACT_REMOVE);
	svc_done(svc);
}

/*
 * Started again while being killed (want_again, set by the group's
 * start): pending at the end instead of removed; a second kill cancels
 * that.
 */
static void
an_on_demand_service_wanted_again_during_its_kill_is_pending_at_its_end(
    void **state)
{
	struct sched_now now = { .mono_ms = 1000, .wall_s = 1 };
	struct sched_svc *svc = svc_in(TSVC_RUNNING, TSVC_KIND_ONDEMAND);
	struct sched_transition tr;

	(void)state;
	sched_fsm(svc, SVC_EV_KILL, &conf, &now, &tr);
	assert_int_equal(svc->t.state, TSVC_KILLING);
	svc->want_again = true;
	sched_fsm(svc, SVC_EV_KILLED, &conf, &now, &tr);
	assert_int_equal(svc->t.state, TSVC_PENDING);
	assert_true(tr.actions & SCHED_ACT_CLEAR_TASK);
	assert_false(tr.actions & SCHED_ACT_REMOVE);
	assert_false(svc->want_again);
	assert_false(svc->kill_requested);
	svc_done(svc);

	svc = svc_in(TSVC_RUNNING, TSVC_KIND_ONDEMAND);
	sched_fsm(svc, SVC_EV_KILL, &conf, &now, &tr);
	svc->want_again = true;
	sched_fsm(svc, SVC_EV_KILL, &conf, &now, &tr);
	assert_false(svc->want_again);
	sched_fsm(svc, SVC_EV_KILLED, &conf, &now, &tr);
	assert_true(tr.actions & SCHED_ACT_REMOVE);
	svc_done(svc);
}

/* Lost while being killed, then back: still to kill, killed again. */
static void
a_task_lost_during_its_kill_that_comes_back_is_killed_again(void **state)
{
	static const int backs[] = { SVC_EV_RUNNING, SVC_EV_STARTING };
	struct sched_now now = { .mono_ms = 1000, .wall_s = 1 };

	(void)state;
	for (size_t i = 0; i < nitems(backs); i++) {
		struct sched_svc *svc = svc_in(TSVC_RUNNING,
		    TSVC_KIND_ONDEMAND);
		struct sched_transition tr;

		sched_fsm(svc, SVC_EV_KILL, &conf, &now, &tr);
		sched_fsm(svc, SVC_EV_LOST, &conf, &now, &tr);
		assert_int_equal(svc->t.state, TSVC_LOST);
		sched_fsm(svc, (enum sched_event)backs[i], &conf, &now, &tr);
		assert_int_equal(svc->t.state, TSVC_KILLING);
		assert_true(tr.actions & SCHED_ACT_KILL_TASK);
		svc_done(svc);
	}
}

static void
an_operator_kill_of_a_system_service_restarts_it_without_backoff(void **state)
{
	struct sched_now now = { .mono_ms = 1000, .wall_s = 1 };
	struct sched_svc *svc = svc_in(TSVC_RUNNING, TSVC_KIND_SYSTEM);
	struct sched_transition tr;

	(void)state;
	svc->fail_streak = 3;
	sched_fsm(svc, SVC_EV_KILL, &conf, &now, &tr);
	assert_int_equal(svc->t.state, TSVC_KILLING);
	assert_true(tr.actions & SCHED_ACT_KILL_TASK);
	sched_fsm(svc, SVC_EV_KILLED, &conf, &now, &tr);
	assert_int_equal(svc->t.state, TSVC_RESTARTING);
	assert_int_equal(svc->restart_at_ms, 1000 + 30000);
	assert_int_equal(svc->fail_streak, 3);
	svc_done(svc);
}

static void
a_system_job_runs_once_and_stays_ended(void **state)
{
	struct sched_now now = { .mono_ms = 1000, .wall_s = 1 };
	struct sched_svc *svc = svc_in(TSVC_RUNNING, TSVC_KIND_SYSTEM);
	struct sched_transition tr;

	(void)state;
	svc->t.is_job = true;
	sched_fsm(svc, SVC_EV_FINISHED, &conf, &now, &tr);
	assert_int_equal(svc->t.state, TSVC_FINISHED);
	assert_false(tr.actions & SCHED_ACT_REMOVE);
	sched_fsm(svc, SVC_EV_RESTART_DUE, &conf, &now, &tr);
	assert_true(tr.ignored);
	assert_int_equal(svc->t.state, TSVC_FINISHED);
	svc_done(svc);
}

static void
an_announced_service_is_removed_when_it_times_out(void **state)
{
	struct sched_now now = { .mono_ms = 1000, .wall_s = 1 };
	struct sched_svc *svc = svc_in(TSVC_RUNNING, TSVC_KIND_ANNOUNCED);
	struct sched_transition tr;

	(void)state;
	sched_fsm(svc, SVC_EV_TIMEOUT, &conf, &now, &tr);
	assert_true(tr.actions & SCHED_ACT_REMOVE);
	svc_done(svc);
}

static void
restart_delay_doubles_per_failure_and_is_capped_at_ten_times(void **state)
{
	struct sched_now now = { .mono_ms = 1000, .wall_s = 1 };
	struct sched_svc *svc = svc_in(TSVC_RUNNING, TSVC_KIND_SYSTEM);
	static const int64_t want[] = { 30000, 60000, 120000, 240000,
	    300000, 300000, 300000 };

	(void)state;
	for (size_t i = 0; i < nitems(want); i++) {
		struct sched_transition tr;

		svc->t.state = TSVC_RUNNING;
		svc->running_since_ms = now.mono_ms;	/* short run */
		sched_fsm(svc, SVC_EV_FAILED, &conf, &now, &tr);
		assert_int_equal(svc->t.state, TSVC_RESTARTING);
		assert_int_equal(svc->restart_at_ms - now.mono_ms, want[i]);
		assert_int_equal(svc->fail_streak, i + 1);
		now.mono_ms += 1000;
	}
	assert_int_equal(sched_backoff_ms(1000, 100), 10000);
	svc_done(svc);
}

static void
a_service_that_stayed_up_long_enough_resets_its_backoff(void **state)
{
	struct sched_now now = { .mono_ms = 1000, .wall_s = 1 };
	struct sched_svc *svc = svc_in(TSVC_STARTING, TSVC_KIND_SYSTEM);
	struct sched_transition tr;

	(void)state;
	svc->fail_streak = 4;
	sched_fsm(svc, SVC_EV_RUNNING, &conf, &now, &tr);
	assert_int_equal(svc->running_since_ms, 1000);
	now.mono_ms += conf.backoff_reset_ms;
	sched_fsm(svc, SVC_EV_FAILED, &conf, &now, &tr);
	assert_int_equal(svc->fail_streak, 1);
	assert_int_equal(svc->restart_at_ms - now.mono_ms, 30000);
	svc_done(svc);
}

static void
a_lost_task_that_reports_running_again_is_running(void **state)
{
	struct sched_now now = { .mono_ms = 1000, .wall_s = 1 };
	struct sched_svc *svc = svc_in(TSVC_RUNNING, TSVC_KIND_SYSTEM);
	struct sched_transition tr;

	(void)state;
	sched_fsm(svc, SVC_EV_LOST, &conf, &now, &tr);
	assert_int_equal(svc->t.state, TSVC_LOST);
	assert_int_equal(svc->lost_since_ms, 1000);
	assert_int_equal(tr.actions, 0);	/* maybe running: keep it */
	now.mono_ms += 5000;
	sched_fsm(svc, SVC_EV_RUNNING, &conf, &now, &tr);
	assert_int_equal(svc->t.state, TSVC_RUNNING);
	assert_int_equal(svc->fail_streak, 0);
	svc_done(svc);
}

static void
mesos_task_states_map_to_events(void **state)
{
	(void)state;
	assert_int_equal(sched_event_from_mesos(MESOS_TASK_STAGING),
	    SVC_EV_STARTING);
	assert_int_equal(sched_event_from_mesos(MESOS_TASK_STARTING),
	    SVC_EV_STARTING);
	assert_int_equal(sched_event_from_mesos(MESOS_TASK_RUNNING),
	    SVC_EV_RUNNING);
	assert_int_equal(sched_event_from_mesos(MESOS_TASK_KILLING),
	    SVC_EV_KILLING);
	assert_int_equal(sched_event_from_mesos(MESOS_TASK_FINISHED),
	    SVC_EV_FINISHED);
	assert_int_equal(sched_event_from_mesos(MESOS_TASK_FAILED),
	    SVC_EV_FAILED);
	assert_int_equal(sched_event_from_mesos(MESOS_TASK_ERROR),
	    SVC_EV_FAILED);
	assert_int_equal(sched_event_from_mesos(MESOS_TASK_KILLED),
	    SVC_EV_KILLED);
	assert_int_equal(sched_event_from_mesos(MESOS_TASK_LOST),
	    SVC_EV_LOST);
	assert_int_equal(sched_event_from_mesos(MESOS_TASK_UNREACHABLE),
	    SVC_EV_LOST);
	assert_int_equal(sched_event_from_mesos(MESOS_TASK_UNKNOWN),
	    SVC_EV_LOST);
	assert_int_equal(sched_event_from_mesos(MESOS_TASK_DROPPED),
	    SVC_EV_GONE);
	assert_int_equal(sched_event_from_mesos(MESOS_TASK_GONE),
	    SVC_EV_GONE);
	assert_int_equal(sched_event_from_mesos(MESOS_TASK_GONE_BY_OPERATOR),
	    SVC_EV_GONE);
	assert_int_equal(sched_event_from_mesos(99), -1);
	assert_int_equal(sched_event_from_mesos(-1), -1);
	assert_string_equal(mesos_task_state_name(MESOS_TASK_GONE),
	    "TASK_GONE");
	assert_string_equal(mesos_task_state_name(42), "TASK_?");
}

static void
every_event_has_a_name(void **state)
{
	(void)state;
	for (int e = 0; e < SVC_EV_COUNT; e++) {
		assert_non_null(sched_event_name((enum sched_event)e));
		assert_string_not_equal(sched_event_name((enum sched_event)e),
		    "?");
	}
	assert_string_equal(sched_event_name(SVC_EV_COUNT), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_state_and_event_of_a_system_service_matches_the_table),
		cmocka_unit_test(an_ignored_event_is_logged_with_its_reason),
		cmocka_unit_test(a_change_is_logged_as_name_old_new_and_event),
		cmocka_unit_test(an_ended_on_demand_service_is_removed_not_restarted),
		cmocka_unit_test(killing_a_pending_on_demand_service_removes_it),
		cmocka_unit_test(an_on_demand_service_wanted_again_during_its_kill_is_pending_at_its_end),
		cmocka_unit_test(a_task_lost_during_its_kill_that_comes_back_is_killed_again),
		cmocka_unit_test(an_operator_kill_of_a_system_service_restarts_it_without_backoff),
		cmocka_unit_test(a_system_job_runs_once_and_stays_ended),
		cmocka_unit_test(an_announced_service_is_removed_when_it_times_out),
		cmocka_unit_test(restart_delay_doubles_per_failure_and_is_capped_at_ten_times),
		cmocka_unit_test(a_service_that_stayed_up_long_enough_resets_its_backoff),
		cmocka_unit_test(a_lost_task_that_reports_running_again_is_running),
		cmocka_unit_test(mesos_task_states_map_to_events),
		cmocka_unit_test(every_event_has_a_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
