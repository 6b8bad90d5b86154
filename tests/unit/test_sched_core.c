/*
 * test_sched_core.c - the scheduling core against a stub Mesos
 * connection, with injected time: launching from offers, declines,
 * suppress and revive, reconciliation, adoption and stray kills, status
 * updates, and the timers (statesync, stateclean, restart delay and
 * backoff, node inactivity).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sched_test_stubs.h"
#include "sched_test_core.h"

static bool
is_uuid4(const char *s)
{
	static const char pat[] = "xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx";

	if (strlen(s) != sizeof(pat) - 1)
		return false;
	for (size_t i = 0; pat[i] != '\0'; i++) {
		if (pat[i] == 'x' && strchr("0123456789abcdef", s[i]) == NULL)
			return false;
		if (pat[i] == 'Y' && strchr("89ab", s[i]) == NULL)
			return false;
		if (pat[i] != 'x' && pat[i] != 'Y' && pat[i] != s[i])
			return false;
	}
	return true;
}

static void
offers_before_reconciliation_are_declined_and_launch_nothing(void **state)
{
	struct core_fix *f = core_new(false);

	(void)state;
	core_offer(f, "wedge");
	assert_int_equal(stub.n_launches, 0);
	assert_int_equal(stub.n_declined, 1);
	sched_on_subscribed(&f->s, "fw", &f->now);
	core_offer(f, "wedge");
	assert_int_equal(stub.n_launches, 0);
	sched_on_reconciled(&f->s, &f->now);
	core_offer(f, "wedge");		/* still settling */
	assert_int_equal(stub.n_launches, 0);
	core_advance(f, SCHED_SETTLE_MS);
	core_offer(f, "wedge");
	assert_int_equal(stub_launched("dns"), 1);
	assert_int_equal(stub_launched("pcp-wedge"), 1);
	core_free(f);
}

static void
a_launch_gets_a_task_id_of_the_service_name_and_a_fresh_uuid(void **state)
{
	struct core_fix *f = core_new(false);
	struct sched_svc *dns;
	char *first;

	(void)state;
	core_subscribe(f);
	core_offer(f, "wedge");
	dns = core_svc(f, "dns");
	assert_int_equal(dns->t.state, TSVC_LAUNCHING);
	assert_string_equal(dns->t.agent_id, "agent-wedge");
	assert_string_equal(dns->t.node, "wedge");
	assert_true(strncmp(dns->t.task_id, "dns.", 4) == 0);
	assert_true(is_uuid4(dns->t.task_id + 4));
	first = xstrdup(dns->t.task_id);
	core_update(f, first, "wedge", MESOS_TASK_FAILED);
	core_advance(f, 30000);
	sched_tick(&f->s, &f->now);
	core_offer(f, "wedge");
	assert_int_equal(stub_launched("dns"), 2);
	assert_string_not_equal(core_svc(f, "dns")->t.task_id, first);
	free(first);
	core_free(f);
}

static void
all_offers_of_one_agent_are_pooled_into_one_accept(void **state)
{
	struct core_fix *f = core_new(false);
	struct stub_offer so[3];
	struct mesos_offer o[3];

	(void)state;
	core_subscribe(f);
	/* br2 wants agent-br2 128 + influxdb 1024 + pcp-br2 128 MB. */
	stub_offer(&so[0], "br2", 1, 0.4, 700);
	stub_offer(&so[1], "br1", 2, 16, 65536);
	stub_offer(&so[2], "br2", 3, 0.4, 700);
	for (int i = 0; i < 3; i++)
		o[i] = so[i].o;
	sched_on_offers(&f->s, o, 3, &f->now);
	assert_int_equal(stub.n_launch_calls, 2);
	assert_int_equal(stub_launched("influxdb"), 1);
	assert_int_equal(stub_launched("agent-br2"), 1);
	assert_int_equal(stub_launched("pcp-br2"), 1);
	for (size_t i = 0; i < stub.n_launches; i++)
		if (strcmp(stub.launches[i].agent_id, "agent-br2") == 0)
			assert_int_equal(stub.launches[i].n_offers, 2);
	core_free(f);
}

static void
unused_offers_are_declined_with_a_refuse_filter(void **state)
{
	struct core_fix *f = core_new(false);

	(void)state;
	core_subscribe(f);
	core_offer(f, "wedge");
	core_offer(f, "wedge");		/* nothing left for the wedge */
	assert_int_equal(stub.n_declined, 1);
	assert_true(stub.last_refuse >= SCHED_REFUSE_PENDING);
	core_free(f);
}

static void
offers_are_suppressed_when_nothing_is_pending_and_revived_for_work(
    void **state)
{
	struct core_fix *f = core_new(false);
	char msg[256];

	(void)state;
	core_subscribe(f);
	assert_int_equal(stub.suppress, 0);
	core_offer(f, "wedge");
	core_offer(f, "br1");
	core_offer(f, "br2");
	/* datacollector waits for influxdb: still pending. */
	assert_int_equal(stub.suppress, 0);
	core_update(f, core_svc(f, "influxdb")->t.task_id, "br2",
	    MESOS_TASK_RUNNING);
	core_offer(f, "br2");
	assert_int_equal(stub.suppress, 1);
	assert_true(f->s.suppressed);
	/*
	 * The launch that left nothing pending is queued before the
	 * SUPPRESS: calls go one at a time, and the task should not wait
	 * for a call it does not need.
	 */
	assert_true(stub.launch_call > 0);
	assert_true(stub.suppress_call > stub.launch_call);
	assert_int_equal(sched_start_group(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg), NULL, NULL), 200);
	assert_int_equal(stub.revive, 1);
	assert_false(f->s.suppressed);
	core_free(f);
}

static void
counters_alone_are_published_later_and_the_connection_at_once(
    void **state)
{
	struct core_fix *f = core_new(false);
	size_t n0;

	(void)state;
	f->s.hooks = stub_hooks_soon;
	core_subscribe(f);
	n0 = stub_n_status();
	assert_true(n0 >= 1);
	/* An offer moves counters only: the daemon is asked to flush them. */
	stub.stats.offers_received = 1;
	stub.stats.tasks_launched = 2;
	core_offer(f, "wedge");
	assert_int_equal(stub_n_status(), n0);
	assert_true(stub.status_soon >= 1);
	sched_status_flush(&f->s);
	assert_int_equal(stub_n_status(), n0 + 1);
	assert_int_equal(stub.pub[stub.n_pub - 1].type, TMSG_SCHED_STATUS);
	assert_int_equal(stub.pub[stub.n_pub - 1].u.status.offers_received,
	    1);
	assert_int_equal(stub.pub[stub.n_pub - 1].u.status.tasks_launched, 2);
	/* Nothing moved since: nothing more. */
	sched_status_flush(&f->s);
	assert_int_equal(stub_n_status(), n0 + 1);
	/* The connection (here a new subscription) goes at once. */
	stub.status_soon = 0;
	stub.stats.subscribes = 2;
	stub.stats.offers_received = 3;
	sched_flush(&f->s);
	assert_int_equal(stub_n_status(), n0 + 2);
	assert_int_equal(stub.status_soon, 0);
	assert_int_equal(stub.pub[stub.n_pub - 1].u.status.subscribes, 2);
	assert_int_equal(stub.pub[stub.n_pub - 1].u.status.offers_received,
	    3);
	core_free(f);
}

static void
subscribing_reconciles_every_live_task_including_launching_ones(
    void **state)
{
	struct core_fix *f = core_new(false);
	const char *dns_tid;

	(void)state;
	core_subscribe(f);
	core_offer(f, "wedge");
	dns_tid = core_run(f, "dns", "wedge");
	assert_non_null(dns_tid);
	sched_on_disconnected(&f->s, "test", &f->now);
	stub_reset();
	sched_on_subscribed(&f->s, "fw-test", &f->now);
	assert_int_equal(stub.explicit_calls, 1);
	/* dns running, pcp-wedge still launching. */
	assert_int_equal(stub.n_explicit, 2);
	assert_true(strcmp(stub.explicit_ids[0], dns_tid) == 0 ||
	    strcmp(stub.explicit_ids[1], dns_tid) == 0);
	core_free(f);
}

static void
a_running_update_records_ip_container_and_publishes_at_once(void **state)
{
	struct core_fix *f = core_new(false);
	struct mesos_status st;
	const struct tmsg_service *pub;
	uint64_t seq;

	(void)state;
	core_subscribe(f);
	core_offer(f, "br1");
	seq = f->s.seq;
	st = stub_status(core_svc(f, "pcp-br1")->t.task_id, "agent-br1",
	    MESOS_TASK_RUNNING);
	st.container_id = "c0ffee";
	sched_on_update(&f->s, &st, &f->now);
	assert_int_equal(core_svc(f, "pcp-br1")->t.state, TSVC_RUNNING);
	assert_true(f->s.seq > seq);
	pub = core_last_pub("pcp-br1");
	assert_non_null(pub);
	assert_int_equal(pub->state, TSVC_RUNNING);
	assert_string_equal(pub->container_id, "c0ffee");
	/* Host networking without a reported IP: the node's address. */
	assert_string_equal(pub->ip, "10.0.0.21");
	assert_int_equal(stub.pub[stub.n_pub - 1].seq, f->s.seq);
	core_free(f);
}

static void
published_messages_carry_consecutive_sequence_numbers(void **state)
{
	struct core_fix *f = core_new(false);

	(void)state;
	core_subscribe(f);
	core_offer(f, "wedge");
	assert_true(stub.n_pub > 3);
	for (size_t i = 0; i < stub.n_pub; i++)
		assert_int_equal(stub.pub[i].seq, i + 1);
	core_free(f);
}

static void
an_update_for_an_unknown_task_of_an_unwanted_service_kills_it(
    void **state)
{
	struct core_fix *f = core_new(false);

	(void)state;
	core_subscribe(f);
	core_update(f, "ghost.11111111-2222-4333-8444-555555555555", "br1",
	    MESOS_TASK_RUNNING);
	assert_true(stub_killed("ghost.11111111-2222-4333-8444-555555555555"));
	assert_int_equal(f->s.stats.strays_killed, 1);
	/* A terminal update of a stray needs nothing. */
	core_update(f, "ghost.0", "br1", MESOS_TASK_FINISHED);
	assert_int_equal(stub.n_kills, 1);
	core_free(f);
}

static void
a_stray_task_of_a_wanted_service_without_task_is_adopted(void **state)
{
	struct core_fix *f = core_new(false);
	const char *tid = "dns.11111111-2222-4333-8444-555555555555";

	(void)state;
	core_subscribe(f);
	core_update(f, tid, "wedge", MESOS_TASK_RUNNING);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_RUNNING);
	assert_string_equal(core_svc(f, "dns")->t.task_id, tid);
	assert_int_equal(stub.n_kills, 0);
	core_offer(f, "wedge");
	assert_int_equal(stub_launched("dns"), 0);
	/* A second task for the same service is a duplicate: killed. */
	core_update(f, "dns.99999999-2222-4333-8444-555555555555", "wedge",
	    MESOS_TASK_RUNNING);
	assert_true(stub_killed("dns.99999999-2222-4333-8444-555555555555"));
	core_free(f);
}

/*
 * A reconciliation answer can report a task's end before the agent's own
 * update does, with REASON_RECONCILIATION and no message: the agent's
 * report that follows still becomes the last failure.
 */
static void
the_agents_report_of_an_end_a_reconciliation_told_first_is_kept(
    void **state)
{
	struct core_fix *f = core_new(false);
	struct mesos_status st;
	char *tid;

	(void)state;
	core_subscribe(f);
	tid = xstrdup(core_run(f, "dns", "wedge"));
	st = stub_status(tid, "agent-wedge", MESOS_TASK_FAILED);
	st.reason_name = "REASON_RECONCILIATION";
	st.reconciliation = true;
	sched_on_update(&f->s, &st, &f->now);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_RESTARTING);
	assert_string_equal(core_svc(f, "dns")->t.last_failure,
	    "TASK_FAILED REASON_RECONCILIATION");
	stub_reset();
	st = stub_status(tid, "agent-wedge", MESOS_TASK_FAILED);
	st.message = "Container exited with status 3";
	sched_on_update(&f->s, &st, &f->now);
	assert_string_equal(core_svc(f, "dns")->t.last_failure,
	    "TASK_FAILED: Container exited with status 3");
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_RESTARTING);
	assert_int_equal(stub.n_kills, 0);
	free(tid);
	core_free(f);
}

static void
a_failed_system_task_is_restarted_after_the_restart_delay(void **state)
{
	struct core_fix *f = core_new(false);
	const char *tid;
	struct mesos_status st;

	(void)state;
	core_subscribe(f);
	tid = core_run(f, "dns", "wedge");
	st = stub_status(tid, "agent-wedge", MESOS_TASK_FAILED);
	st.message = "Container exited with status 1";
	sched_on_update(&f->s, &st, &f->now);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_RESTARTING);
	assert_string_equal(core_svc(f, "dns")->t.last_failure,
	    "TASK_FAILED: Container exited with status 1");
	assert_string_equal(core_svc(f, "dns")->t.task_id, "");
	core_advance(f, 29000);
	assert_int_equal(sched_tick(&f->s, &f->now), 1000);
	core_offer(f, "wedge");
	assert_int_equal(stub_launched("dns"), 1);
	core_advance(f, 1000);
	sched_tick(&f->s, &f->now);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_PENDING);
	assert_int_equal(core_svc(f, "dns")->t.restarts, 1);
	core_offer(f, "wedge");
	assert_int_equal(stub_launched("dns"), 2);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_LAUNCHING);
	core_free(f);
}

static void
repeated_failures_back_off_up_to_ten_times_the_delay(void **state)
{
	struct core_fix *f = core_new(false);
	static const int64_t want_s[] = { 30, 60, 120, 240, 300, 300 };

	(void)state;
	core_subscribe(f);
	for (size_t i = 0; i < nitems(want_s); i++) {
		const char *tid = core_run(f, "dns", "wedge");

		assert_non_null(tid);
		core_update(f, tid, "wedge", MESOS_TASK_FAILED);
		assert_int_equal(sched_tick(&f->s, &f->now),
		    want_s[i] * 1000);
		core_advance(f, want_s[i] * 1000);
		sched_tick(&f->s, &f->now);
	}
	core_free(f);
}

static void
a_finished_on_demand_service_is_removed(void **state)
{
	struct core_fix *f = core_new(false);
	char msg[256];
	const char *tid;

	(void)state;
	core_subscribe(f);
	sched_start_group(&f->s, "dns-sched", &f->now, msg, sizeof(msg),
	    NULL, NULL);
	tid = core_run(f, "dns-sched", "br1");
	assert_non_null(tid);
	core_update(f, tid, "br1", MESOS_TASK_FINISHED);
	assert_null(core_svc(f, "dns-sched"));
	assert_true(core_removed("dns-sched"));
	assert_int_equal(core_last_pub("dns-sched")->state, TSVC_FINISHED);
	core_free(f);
}

static void
statesync_reconciles_implicitly_and_answers_refresh_last_update(
    void **state)
{
	struct core_fix *f = core_new(false);
	const char *tid;
	struct mesos_status st;

	(void)state;
	core_subscribe(f);
	tid = core_run(f, "dns", "wedge");
	core_advance(f, 10000);
	sched_statesync(&f->s, &f->now);
	assert_int_equal(stub.implicit, 1);
	st = stub_status(tid, "agent-wedge", MESOS_TASK_RUNNING);
	st.reconciliation = true;
	sched_on_update(&f->s, &st, &f->now);
	assert_int_equal(core_svc(f, "dns")->t.last_update, f->now.wall_s);
	assert_int_equal(core_svc(f, "dns")->last_update_ms, f->now.mono_ms);
	core_free(f);
}

/* Silent for a timeout: lost; for another: given up (stateclean). */
static void
lose_then_give_up(struct core_fix *f)
{
	core_advance(f, 31000);
	sched_stateclean(&f->s, &f->now);
	core_advance(f, 30000);
	sched_stateclean(&f->s, &f->now);
}

static void
stateclean_marks_a_silent_service_lost_then_restarts_it(void **state)
{
	struct core_fix *f = core_new(false);
	const char *tid;
	char *old;

	(void)state;
	core_subscribe(f);
	tid = core_run(f, "dns", "wedge");
	old = xstrdup(tid);
	core_advance(f, 31000);
	sched_stateclean(&f->s, &f->now);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_LOST);
	assert_true(stub_logged("dns: running -> lost (timed out)"));
	core_advance(f, 30000);
	sched_stateclean(&f->s, &f->now);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_RESTARTING);
	assert_true(stub_killed(old));	/* given up: killed to be sure */
	/*
	 * The agent comes back before the kill reached it: that task is
	 * killed again, not adopted by the service it was taken from.
	 */
	stub_reset();
	core_update(f, old, "wedge", MESOS_TASK_UNREACHABLE);
	core_update(f, old, "wedge", MESOS_TASK_RUNNING);
	assert_true(stub_killed(old));
	assert_string_equal(core_svc(f, "dns")->t.task_id, "");
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_RESTARTING);
	core_update(f, old, "wedge", MESOS_TASK_KILLED);
	for (size_t i = 0; i < f->s.n_orphans; i++)	/* ended: forgotten */
		assert_string_not_equal(f->s.orphans[i].task_id, old);
	free(old);
	core_free(f);
}

/*
 * A task to kill whose end is never reported is forgotten after two
 * weeks (the failover timeout, a week here, is shorter), with a warning.
 */
static void
a_task_to_kill_never_reported_ended_is_forgotten_after_two_weeks(
    void **state)
{
	struct core_fix *f = core_new(false);
	char *old;

	(void)state;
	core_subscribe(f);
	old = xstrdup(core_run(f, "dns", "wedge"));
	lose_then_give_up(f);
	assert_true(stub_killed(old));
	assert_int_equal(f->s.n_orphans, 2);	/* dns, pcp-wedge */
	assert_true(f->cfg->mesos.failover_timeout < 14 * 24 * 3600);
	core_advance(f, 14LL * 24 * 3600 * 1000 - 1000);
	sched_stateclean(&f->s, &f->now);
	assert_int_equal(f->s.n_orphans, 2);
	core_advance(f, 2000);
	sched_stateclean(&f->s, &f->now);
	assert_int_equal(f->s.n_orphans, 0);
	assert_true(stub_logged("its end never reported; forgotten"));
	free(old);
	core_free(f);
}

static void
stateclean_does_not_judge_tasks_before_a_full_timeout_of_connection(
    void **state)
{
	struct core_fix *f = core_new(false);

	(void)state;
	core_subscribe(f);
	core_run(f, "dns", "wedge");
	sched_on_disconnected(&f->s, "test", &f->now);
	core_advance(f, 120000);
	sched_stateclean(&f->s, &f->now);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_RUNNING);
	sched_on_subscribed(&f->s, "fw-test", &f->now);
	core_advance(f, 1000);
	sched_stateclean(&f->s, &f->now);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_RUNNING);
	core_free(f);
}

static void
a_silent_master_times_out_no_task(void **state)
{
	struct core_fix *f = core_new(false);

	(void)state;
	core_subscribe(f);
	core_run(f, "dns", "wedge");
	core_advance(f, 1000);
	/* Heartbeats stop: the stream is still open, the master mute. */
	core_advance_silent(f, 60000);
	sched_stateclean(&f->s, &f->now);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_RUNNING);
	/* It talks again: statesync gets a full timeout to vouch for dns. */
	core_advance(f, 1000);
	sched_stateclean(&f->s, &f->now);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_RUNNING);
	core_advance(f, 20000);
	sched_stateclean(&f->s, &f->now);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_RUNNING);
	/* Talking for longer than a timeout, never mentioning dns: lost. */
	core_advance(f, 11000);
	sched_stateclean(&f->s, &f->now);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_LOST);
	core_free(f);
}

static void
a_lost_task_that_comes_back_within_the_grace_is_kept(void **state)
{
	struct core_fix *f = core_new(false);
	const char *tid;

	(void)state;
	core_subscribe(f);
	tid = core_run(f, "dns", "wedge");
	core_update(f, tid, "wedge", MESOS_TASK_UNREACHABLE);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_LOST);
	core_advance(f, 20000);
	core_update(f, tid, "wedge", MESOS_TASK_RUNNING);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_RUNNING);
	assert_int_equal(stub.n_kills, 0);
	core_free(f);
}

static void
a_node_without_offers_or_updates_for_the_timeout_is_inactive(
    void **state)
{
	struct core_fix *f = core_new(false);
	struct sched_node *n;

	(void)state;
	core_subscribe(f);
	core_offer(f, "br1");
	n = sched_node_find(&f->s.st, "br1");
	assert_true(n->t.active);
	core_advance(f, 31000);
	sched_stateclean(&f->s, &f->now);
	assert_false(n->t.active);
	core_free(f);
}

static void
a_quiet_node_while_suppressed_makes_stateclean_revive_offers(
    void **state)
{
	struct core_fix *f = core_new(false);

	(void)state;
	core_subscribe(f);
	core_offer(f, "br1");
	f->s.suppressed = true;
	core_advance(f, 16000);
	sched_stateclean(&f->s, &f->now);
	assert_int_equal(stub.revive, 1);
	core_free(f);
}

static void
an_inactive_configured_node_makes_stateclean_probe_once_a_timeout(
    void **state)
{
	struct core_fix *f = core_new(false);
	int64_t first;

	(void)state;
	core_subscribe(f);
	f->s.suppressed = true;
	sched_stateclean(&f->s, &f->now);	/* br1, br2 never seen */
	assert_int_equal(stub.revive, 1);
	first = f->s.last_probe_ms;
	assert_int_equal(first, f->now.mono_ms);
	f->s.suppressed = true;
	core_advance(f, 1000);
	sched_stateclean(&f->s, &f->now);
	assert_int_equal(f->s.last_probe_ms, first);
	f->s.suppressed = true;
	core_advance(f, 30000);
	sched_stateclean(&f->s, &f->now);
	assert_int_equal(f->s.last_probe_ms, f->now.mono_ms);
	core_free(f);
}

static void
an_agent_update_marks_its_inactive_node_active_again(void **state)
{
	struct core_fix *f = core_new(false);
	const char *tid;
	struct mesos_status st;

	(void)state;
	core_subscribe(f);
	tid = core_run(f, "dns", "wedge");
	sched_on_agent_failure(&f->s, "agent-wedge", &f->now);
	assert_false(sched_node_find(&f->s.st, "wedge")->t.active);
	st = stub_status(tid, "agent-wedge", MESOS_TASK_RUNNING);
	st.reconciliation = true;
	sched_on_update(&f->s, &st, &f->now);
	assert_false(sched_node_find(&f->s.st, "wedge")->t.active);
	st.reconciliation = false;
	sched_on_update(&f->s, &st, &f->now);
	assert_true(sched_node_find(&f->s.st, "wedge")->t.active);
	core_free(f);
}

static void
an_agent_failure_makes_its_node_inactive(void **state)
{
	struct core_fix *f = core_new(false);

	(void)state;
	core_subscribe(f);
	core_offer(f, "wedge");
	sched_on_agent_failure(&f->s, "agent-wedge", &f->now);
	assert_false(sched_node_find(&f->s.st, "wedge")->t.active);
	sched_on_agent_failure(&f->s, "no-such-agent", &f->now);
	core_free(f);
}

static void
a_launch_that_cannot_be_sent_returns_the_service_to_pending(void **state)
{
	struct core_fix *f = core_new(false);

	(void)state;
	core_subscribe(f);
	stub.launch_rv = -1;
	core_offer(f, "wedge");
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_PENDING);
	assert_string_equal(core_svc(f, "dns")->t.task_id, "");
	core_free(f);
}

static void
healthcheck_restarts_a_system_service_left_ended(void **state)
{
	struct core_fix *f = core_new(false);
	struct sched_svc *dns;

	(void)state;
	core_subscribe(f);
	dns = core_svc(f, "dns");
	dns->t.state = TSVC_FAILED;
	sched_healthcheck(&f->s, &f->now);
	assert_int_equal(dns->t.state, TSVC_PENDING);
	core_free(f);
}

static void
an_unknown_task_state_is_logged_and_ignored(void **state)
{
	struct core_fix *f = core_new(false);

	(void)state;
	core_subscribe(f);
	core_update(f, "dns.x", "wedge", 77);
	assert_true(stub_logged("unknown task state 77"));
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_PENDING);
	sched_on_update(&f->s, NULL, &f->now);
	core_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offers_before_reconciliation_are_declined_and_launch_nothing),
		cmocka_unit_test(a_launch_gets_a_task_id_of_the_service_name_and_a_fresh_uuid),
		cmocka_unit_test(all_offers_of_one_agent_are_pooled_into_one_accept),
		cmocka_unit_test(unused_offers_are_declined_with_a_refuse_filter),
		cmocka_unit_test(offers_are_suppressed_when_nothing_is_pending_and_revived_for_work),
		cmocka_unit_test(counters_alone_are_published_later_and_the_connection_at_once),
		cmocka_unit_test(subscribing_reconciles_every_live_task_including_launching_ones),
		cmocka_unit_test(a_running_update_records_ip_container_and_publishes_at_once),
		cmocka_unit_test(published_messages_carry_consecutive_sequence_numbers),
		cmocka_unit_test(an_update_for_an_unknown_task_of_an_unwanted_service_kills_it),
		cmocka_unit_test(a_stray_task_of_a_wanted_service_without_task_is_adopted),
		cmocka_unit_test(a_failed_system_task_is_restarted_after_the_restart_delay),
		cmocka_unit_test(repeated_failures_back_off_up_to_ten_times_the_delay),
		cmocka_unit_test(a_finished_on_demand_service_is_removed),
		cmocka_unit_test(statesync_reconciles_implicitly_and_answers_refresh_last_update),
		cmocka_unit_test(stateclean_marks_a_silent_service_lost_then_restarts_it),
		cmocka_unit_test(stateclean_does_not_judge_tasks_before_a_full_timeout_of_connection),
		cmocka_unit_test(a_silent_master_times_out_no_task),
		cmocka_unit_test(a_lost_task_that_comes_back_within_the_grace_is_kept),
		cmocka_unit_test(the_agents_report_of_an_end_a_reconciliation_told_first_is_kept),
		cmocka_unit_test(a_task_to_kill_never_reported_ended_is_forgotten_after_two_weeks),
		cmocka_unit_test(a_node_without_offers_or_updates_for_the_timeout_is_inactive),
		cmocka_unit_test(a_quiet_node_while_suppressed_makes_stateclean_revive_offers),
		cmocka_unit_test(an_inactive_configured_node_makes_stateclean_probe_once_a_timeout),
		cmocka_unit_test(an_agent_update_marks_its_inactive_node_active_again),
		cmocka_unit_test(an_agent_failure_makes_its_node_inactive),
		cmocka_unit_test(a_launch_that_cannot_be_sent_returns_the_service_to_pending),
		cmocka_unit_test(healthcheck_restarts_a_system_service_left_ended),
		cmocka_unit_test(an_unknown_task_state_is_logged_and_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
