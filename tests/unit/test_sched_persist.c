/*
 * test_sched_persist.c - the state file: what is written, a restart of
 * the core that reloads it (live tasks reconciled and adopted, nothing
 * launched twice, started on-demand services still wanted, tasks of
 * services no longer wanted killed), and corrupt files moved aside.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "sched_test_stubs.h"
#include "sched_test_core.h"

static char *
slurp(const char *dir)
{
	char path[512], err[256], *buf = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, SCHED_STATE_FILE);
	if (read_file(path, 1 << 20, &buf, &len, err, sizeof(err)) != 0)
		return NULL;
	return buf;
}

static void
spit(const char *dir, const char *text)
{
	char path[512], err[256];

	snprintf(path, sizeof(path), "%s/%s", dir, SCHED_STATE_FILE);
	assert_int_equal(atomic_write_file(path, text, strlen(text), err,
	    sizeof(err)), 0);
}

/* Name of the file moved aside, or "" (static buffer). */
static const char *
aside(const char *dir)
{
	static char name[256];
	DIR *d = opendir(dir);
	struct dirent *e;

	name[0] = '\0';
	while (d != NULL && (e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".corrupt.") != NULL)
			snprintf(name, sizeof(name), "%s", e->d_name);
	if (d != NULL)
		closedir(d);
	return name;
}

/* Stop the core and start a new one on the same config and state dir. */
static void
restart(struct core_fix *f)
{
	sched_free(&f->s);
	stub_reset();
	core_advance(f, 5000);
	core_start(f, true);
}

static char *
slurp_journal(const char *dir)
{
	return stub_read(dir, SCHED_JOURNAL_FILE);
}

static void
spit_journal(const char *dir, const char *text)
{
	char path[512], err[256];

	snprintf(path, sizeof(path), "%s/%s", dir, SCHED_JOURNAL_FILE);
	assert_int_equal(atomic_write_file(path, text, strlen(text), err,
	    sizeof(err)), 0);
}

static void
launched_tasks_are_written_before_the_accept(void **state)
{
	struct core_fix *f = core_new(true);
	char *text;

	(void)state;
	core_subscribe(f);
	stub.state_dir = f->dir;	/* the files as the ACCEPT is queued */
	core_offer(f, "wedge");
	/* Appended to the journal, the state file not rewritten. */
	text = stub.journal_at_launch;
	assert_non_null(text);
	assert_non_null(strstr(text, "task\tdns\tdns."));
	assert_non_null(strstr(text, "\tagent-wedge\twedge\n"));
	assert_non_null(strstr(text, "task\tpcp-wedge\tpcp-wedge."));
	/* No task to kill: a version 1 file, as before they existed. */
	assert_true(strncmp(stub.state_at_launch, "torc-schedd-state\t1\n",
	    20) == 0);
	assert_null(strstr(stub.state_at_launch, "task\t"));
	/* And it stays so. */
	text = slurp_journal(f->dir);
	assert_string_equal(text, stub.journal_at_launch);
	free(text);
	core_free(f);
}

/*
 * With a daemon's hooks the write-ahead does not wait for the disk: it
 * is appended (a restarted process reads it) and the daemon is asked to
 * sync it soon, once.
 */
static void
the_write_ahead_is_synced_later_when_the_daemon_can(void **state)
{
	struct core_fix *f = core_new(true);
	char *text;

	(void)state;
	f->s.hooks = stub_hooks_soon;
	core_subscribe(f);
	stub.state_dir = f->dir;
	core_offer(f, "wedge");
	assert_non_null(strstr(stub.journal_at_launch, "task\tdns\tdns."));
	assert_int_equal(stub.sync_soon, 1);
	assert_true(f->s.journal_unsynced);
	sched_persist_sync(&f->s);
	assert_false(f->s.journal_unsynced);
	text = slurp_journal(f->dir);
	assert_string_equal(text, stub.journal_at_launch);
	free(text);
	core_free(f);
}

/*
 * A request's changes wait for sched_release_writes (the daemon sends
 * the Mesos calls in between); a launch meanwhile is still written
 * ahead, and the release then rewrites the state file, durably, with
 * everything, which empties the journal.
 */
static void
held_writes_wait_for_the_release_but_not_the_write_ahead(void **state)
{
	struct core_fix *f = core_new(true);
	char msg[256], *text;

	(void)state;
	f->s.hooks = stub_hooks_soon;
	core_subscribe(f);
	core_offer(f, "wedge");
	sched_persist_sync(&f->s);
	sched_hold_writes(&f->s);
	assert_int_equal(sched_start_group(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg), NULL, NULL), 200);
	text = slurp(f->dir);
	assert_non_null(text);
	assert_null(strstr(text, "ondemand\tdns-sched"));
	free(text);
	/* An offer handled before the release: written ahead of the ACCEPT. */
	stub.state_dir = f->dir;
	core_offer(f, "br1");
	assert_non_null(strstr(stub.journal_at_launch, "task\tdns-sched\t"));
	assert_true(f->s.journal_unsynced);
	sched_release_writes(&f->s);
	/* The request's change is durable now, the launch's with it. */
	assert_false(f->s.persist_dirty);
	/* The journal, emptied, is synced soon too. */
	assert_true(f->s.journal_unsynced);
	sched_persist_sync(&f->s);
	assert_false(f->s.journal_unsynced);
	text = slurp(f->dir);
	assert_non_null(text);
	assert_non_null(strstr(text, "ondemand\tdns-sched\tdns-sched\n"));
	assert_non_null(strstr(text, "task\tdns-sched\t"));
	assert_non_null(strstr(text, "task\tdns\tdns."));
	free(text);
	text = slurp_journal(f->dir);
	assert_string_equal(text, "");
	free(text);
	/* Without the hold, a request writes at once. */
	assert_int_equal(sched_kill(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg)), 200);
	core_update(f, core_svc(f, "dns-sched")->t.task_id, "br1",
	    MESOS_TASK_KILLED);
	text = slurp(f->dir);
	assert_non_null(text);
	assert_null(strstr(text, "ondemand\tdns-sched\tdns-sched\n"));
	assert_null(strstr(text, "task\tdns-sched\t"));
	assert_non_null(strstr(text, "ondemand\tdns-sched\tdns-sl1\n"));
	free(text);
	core_free(f);
}

/*
 * The journal over the state file: the last record of a service wins, a
 * last line cut short by a crash is ignored, and the first flush writes
 * it all to the state file and empties the journal.
 */
static void
a_restart_applies_the_journal_over_the_state_file(void **state)
{
	struct core_fix *f = core_new(true);
	char *text;

	(void)state;
	spit(f->dir, "torc-schedd-state\t1\n"
	    "task\tdns\tdns.old\tagent-wedge\twedge\n");
	spit_journal(f->dir, "task\tpcp-wedge\tpcp-wedge.1\tagent-wedge\t"
	    "wedge\ntask\tdns\tdns.new\tagent-wedge\twedge\n"
	    "task\tagent-br1\tagent-br1.cut");
	restart(f);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_LAUNCHING);
	assert_string_equal(core_svc(f, "dns")->t.task_id, "dns.new");
	assert_int_equal(core_svc(f, "pcp-wedge")->t.state, TSVC_LAUNCHING);
	assert_string_equal(core_svc(f, "pcp-wedge")->t.task_id,
	    "pcp-wedge.1");
	assert_int_equal(core_svc(f, "agent-br1")->t.state, TSVC_PENDING);
	assert_int_equal(f->s.n_orphans, 0);
	sched_on_subscribed(&f->s, "fw-test", &f->now);
	text = slurp(f->dir);
	assert_non_null(text);
	assert_non_null(strstr(text, "task\tdns\tdns.new\t"));
	assert_null(strstr(text, "dns.old"));
	assert_non_null(strstr(text, "task\tpcp-wedge\tpcp-wedge.1\t"));
	free(text);
	text = slurp_journal(f->dir);
	assert_string_equal(text, "");
	free(text);
	core_free(f);
}

/*
 * Written off the loop: a request's change goes to the writer at the
 * release, whose number the answer waits for; the journal is emptied
 * only by a write that covers all of it.
 */
static void
a_write_off_the_loop_is_waited_for_and_empties_only_what_it_covers(
    void **state)
{
	struct core_fix *f = core_new(true);
	char msg[256], *text;
	uint64_t seq;

	(void)state;
	f->s.hooks = stub_hooks_writer;
	core_subscribe(f);
	assert_int_equal(stub.n_written, 1);	/* the first flush's */
	sched_persist_done(&f->s, stub.written_seq, true, "");
	/* A launch: in the journal, nothing for the writer. */
	core_offer(f, "wedge");
	assert_int_equal(stub.n_written, 1);
	sched_persist_sync(&f->s);
	assert_int_equal(stub.journal_syncs, 1);
	/* A request: the answer waits for the write the release starts. */
	sched_hold_writes(&f->s);
	assert_int_equal(sched_start_group(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg), NULL, NULL), 200);
	assert_int_equal(stub.n_written, 1);
	seq = sched_release_writes(&f->s);
	assert_int_equal(stub.n_written, 2);
	assert_true(seq == stub.written_seq);
	assert_true(f->s.persist_done < seq);
	assert_non_null(strstr(stub.written, "ondemand\tdns-sched\tdns-sched\n"));
	assert_non_null(strstr(stub.written, "task\tdns\tdns."));
	/* Written by the stub (here: not at all), not by the core. */
	text = stub_read(f->dir, SCHED_STATE_FILE);
	assert_string_equal(text, "");
	free(text);
	/* A launch appended meanwhile: this write does not cover it. */
	core_offer(f, "br1");
	sched_persist_done(&f->s, seq, true, "");
	assert_true(f->s.persist_done == seq);
	text = slurp_journal(f->dir);
	assert_non_null(strstr(text, "task\tdns-sched\t"));
	free(text);
	/* Nothing to write: a release has nothing to wait for. */
	sched_hold_writes(&f->s);
	assert_true(sched_release_writes(&f->s) == 0);
	/* The next write covers it all and empties the journal. */
	f->s.persist_dirty = true;
	sched_persist_sync(&f->s);
	assert_int_equal(stub.n_written, 3);
	assert_non_null(strstr(stub.written, "task\tdns-sched\t"));
	sched_persist_done(&f->s, stub.written_seq, true, "");
	text = slurp_journal(f->dir);
	assert_string_equal(text, "");
	free(text);
	core_free(f);
}

/* A failed write is logged and tried again; the answer is not stuck. */
static void
a_failed_write_is_logged_and_tried_again(void **state)
{
	struct core_fix *f = core_new(true);
	char msg[256];
	uint64_t seq;
	size_t n_logs;

	(void)state;
	f->s.hooks = stub_hooks_writer;
	core_subscribe(f);
	sched_persist_done(&f->s, stub.written_seq, true, "");
	sched_hold_writes(&f->s);
	assert_int_equal(sched_start_group(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg), NULL, NULL), 200);
	seq = sched_release_writes(&f->s);
	assert_false(sched_persist_failed(&f->s, seq));	/* not finished */
	stub.sync_soon = 0;
	sched_persist_done(&f->s, seq, false, "write: No space left on "
	    "device");
	/* Finished: the answer goes (a 500), it is not stuck. */
	assert_true(f->s.persist_done >= seq);
	assert_true(sched_persist_failed(&f->s, seq));
	assert_true(stub_logged("state file: write: No space left on "
	    "device; trying again every 200 ms"));
	assert_true(f->s.persist_dirty);
	assert_int_equal(stub.sync_soon, 1);
	/* Tried again; a second failure is not logged again. */
	sched_persist_sync(&f->s);
	assert_true(stub.written_seq > seq);
	assert_non_null(strstr(stub.written, "ondemand\tdns-sched\tdns-sched\n"));
	n_logs = stub.n_logs;
	sched_persist_done(&f->s, stub.written_seq, false, "again");
	assert_int_equal(stub.n_logs, n_logs);
	/* Then one works: said once, and nothing failed any more. */
	sched_persist_sync(&f->s);
	sched_persist_done(&f->s, stub.written_seq, true, "");
	assert_true(stub_logged("state file: written again"));
	assert_false(sched_persist_failed(&f->s, seq));
	assert_false(f->s.persist_dirty);
	core_free(f);
}

/* A journal that cannot be written: the state file holds the task ids. */
static void
a_journal_that_cannot_be_written_falls_back_to_the_state_file(
    void **state)
{
	struct core_fix *f = core_new(true);

	(void)state;
	core_subscribe(f);
	close(f->s.journal_fd);
	f->s.journal_fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	assert_true(f->s.journal_fd >= 0);
	stub.state_dir = f->dir;
	core_offer(f, "wedge");
	assert_true(stub_logged("journal: write: No space left on device; "
	    "writing the state file instead"));
	/* Written before the ACCEPT went out (no writer thread here). */
	assert_non_null(strstr(stub.state_at_launch, "task\tdns\tdns."));
	assert_false(f->s.persist_dirty);
	core_free(f);
}

/*
 * A journal that fails during a held request: the state file write that
 * replaces it holds the request's change too, and the answer waits for it.
 */
static void
a_journal_failing_during_a_hold_makes_the_answer_wait_for_its_write(
    void **state)
{
	struct core_fix *f = core_new(true);
	char msg[256];
	uint64_t seq;

	(void)state;
	f->s.hooks = stub_hooks_writer;
	core_subscribe(f);
	sched_persist_done(&f->s, stub.written_seq, true, "");
	close(f->s.journal_fd);
	f->s.journal_fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	assert_true(f->s.journal_fd >= 0);
	sched_hold_writes(&f->s);
	assert_int_equal(sched_start_group(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg), NULL, NULL), 200);
	core_offer(f, "br1");		/* as within mesos_send_now() */
	assert_non_null(strstr(stub.written, "ondemand\tdns-sched\tdns-sched\n"));
	seq = sched_release_writes(&f->s);
	assert_true(seq != 0);
	assert_true(seq == stub.written_seq);
	assert_true(f->s.persist_done < seq);
	core_free(f);
}

/* A journal that cannot be opened is moved aside; the state file serves. */
static void
a_journal_that_cannot_be_opened_is_moved_aside(void **state)
{
	struct core_fix *f = core_new(true);
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", f->dir, SCHED_JOURNAL_FILE);
	assert_int_equal(unlink(path), 0);	/* the first start's */
	/* Nothing to read (a missing journal), and nowhere to create it. */
	assert_int_equal(symlink("/nonexistent-torc-dir/journal", path), 0);
	restart(f);
	assert_int_equal(f->s.journal_fd, -1);
	assert_true(stub_logged("task ids will be written to the state file "
	    "instead"));
	assert_true(stub_logged("journal: moved aside to"));
	core_subscribe(f);
	stub.state_dir = f->dir;
	core_offer(f, "wedge");
	assert_non_null(strstr(stub.state_at_launch, "task\tdns\tdns."));
	core_free(f);
}

/* A bad journal is moved aside and reported; the state file still holds. */
static void
a_corrupt_journal_is_moved_aside_and_the_state_file_kept(void **state)
{
	struct core_fix *f = core_new(true);

	(void)state;
	spit(f->dir, "torc-schedd-state\t1\n"
	    "task\tdns\tdns.1\tagent-wedge\twedge\n");
	spit_journal(f->dir, "task\tpcp-wedge\tpcp-wedge.1\tagent-wedge\t"
	    "wedge\nnot a record\n");
	restart(f);
	assert_string_equal(core_svc(f, "dns")->t.task_id, "dns.1");
	/* Nothing of a bad journal is taken, not even its good lines. */
	assert_int_equal(core_svc(f, "pcp-wedge")->t.state, TSVC_PENDING);
	assert_true(stub_logged("schedd.journal: line 2: unexpected record; "
	    "moved aside to"));
	assert_non_null(strstr(aside(f->dir), "schedd.journal.corrupt."));
	core_free(f);
}

static void
after_a_restart_running_tasks_are_adopted_not_launched_again(
    void **state)
{
	struct core_fix *f = core_new(true);
	char *dns_tid, *pcp_tid;

	(void)state;
	core_subscribe(f);
	dns_tid = xstrdup(core_run(f, "dns", "wedge"));
	pcp_tid = xstrdup(core_svc(f, "pcp-wedge")->t.task_id);
	restart(f);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_LAUNCHING);
	assert_string_equal(core_svc(f, "dns")->t.task_id, dns_tid);
	assert_string_equal(core_svc(f, "dns")->t.agent_id, "agent-wedge");
	/* Where it runs is known before any offer ties agents to nodes. */
	assert_string_equal(core_svc(f, "dns")->t.node, "wedge");
	sched_on_subscribed(&f->s, "fw-test", &f->now);
	assert_int_equal(stub.n_explicit, 2);
	core_update(f, dns_tid, "wedge", MESOS_TASK_RUNNING);
	core_update(f, pcp_tid, "wedge", MESOS_TASK_RUNNING);
	sched_on_reconciled(&f->s, &f->now);
	core_advance(f, SCHED_SETTLE_MS);
	core_offer(f, "wedge");
	assert_int_equal(stub_launched("dns"), 0);
	assert_int_equal(stub_launched("pcp-wedge"), 0);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_RUNNING);
	assert_int_equal(stub.n_kills, 0);
	free(dns_tid);
	free(pcp_tid);
	core_free(f);
}

static void
after_a_restart_a_task_the_master_says_is_gone_is_launched_again(
    void **state)
{
	struct core_fix *f = core_new(true);
	char *dns_tid;

	(void)state;
	core_subscribe(f);
	dns_tid = xstrdup(core_run(f, "dns", "wedge"));
	restart(f);
	sched_on_subscribed(&f->s, "fw-test", &f->now);
	core_update(f, dns_tid, "wedge", MESOS_TASK_GONE);
	assert_int_equal(core_svc(f, "dns")->t.state, TSVC_RESTARTING);
	free(dns_tid);
	core_free(f);
}

static void
a_started_group_is_still_wanted_after_a_restart_and_a_killed_one_not(
    void **state)
{
	struct core_fix *f = core_new(true);
	char msg[256];

	(void)state;
	core_subscribe(f);
	assert_int_equal(sched_start_group(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg), NULL, NULL), 200);
	restart(f);
	assert_non_null(core_svc(f, "dns-sched"));
	assert_non_null(core_svc(f, "dns-sl1"));
	assert_int_equal(core_svc(f, "dns-sched")->t.kind,
	    TSVC_KIND_ONDEMAND);
	assert_string_equal(core_svc(f, "dns-sched")->t.group, "dns-sched");
	assert_int_equal(sched_kill(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg)), 200);
	restart(f);
	assert_null(core_svc(f, "dns-sched"));
	assert_non_null(core_svc(f, "dns-sl1"));
	core_free(f);
}

/*
 * Start group dns-sched and run its service dns-sched on br1: the task id
 * (caller frees).
 */
static char *
run_dns_sched(struct core_fix *f)
{
	char msg[256];

	assert_int_equal(sched_start_group(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg), NULL, NULL), 200);
	return xstrdup(core_run(f, "dns-sched", "br1"));
}

/* Kill dns-sched, then start its group again before the kill has ended. */
static void
kill_then_start_again(struct core_fix *f)
{
	char msg[256];

	assert_int_equal(sched_kill(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg)), 200);
	assert_int_equal(sched_start_group(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg), NULL, NULL), 200);
}

/*
 * A kill of an on-demand service whose task runs is on disk before it is
 * answered: its `ondemand` line goes at once and its `task` line stays
 * until the task ends, so a schedd restarted before then kills the task
 * instead of adopting it as still wanted.
 */
static void
a_kill_of_a_running_on_demand_service_survives_a_restart(void **state)
{
	struct core_fix *f = core_new(true);
	char msg[256], *text, *tid;

	(void)state;
	core_subscribe(f);
	tid = run_dns_sched(f);
	sched_persist_sync(&f->s);
	sched_hold_writes(&f->s);
	assert_int_equal(sched_kill(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg)), 200);
	assert_true(stub_killed(tid));
	assert_int_equal(core_svc(f, "dns-sched")->t.state, TSVC_KILLING);
	/* The answer waits for a write that holds the kill. */
	assert_int_not_equal(sched_release_writes(&f->s), 0);
	text = slurp(f->dir);
	assert_non_null(text);
	assert_null(strstr(text, "ondemand\tdns-sched\tdns-sched\n"));
	assert_non_null(strstr(text, "ondemand\tdns-sched\tdns-sl1\n"));
	assert_non_null(strstr(text, tid));
	free(text);
	/* schedd stops before the task has ended. */
	restart(f);
	assert_null(core_svc(f, "dns-sched"));
	assert_non_null(core_svc(f, "dns-sl1"));
	stub_reset();
	sched_on_subscribed(&f->s, "fw-test", &f->now);
	assert_true(stub_killed(tid));
	/* A report of it running now is a stray, killed again, not adopted. */
	core_update(f, tid, "br1", MESOS_TASK_RUNNING);
	assert_null(core_svc(f, "dns-sched"));
	free(tid);
	core_free(f);
}

/*
 * A group started again while its service is being killed: the start
 * is not "already wanted" and lost when the kill ends; the service is
 * launched anew, and is still wanted after a restart, which does not
 * adopt the dying task.
 */
static void
a_group_started_again_during_its_kill_runs_again(void **state)
{
	struct core_fix *f = core_new(true);
	char msg[256], *text, *tid;

	(void)state;
	core_subscribe(f);
	tid = run_dns_sched(f);
	assert_int_equal(sched_kill(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg)), 200);
	sched_hold_writes(&f->s);
	assert_int_equal(sched_start_group(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg), NULL, NULL), 200);
	assert_non_null(strstr(msg, "1 started, 1 already wanted"));
	assert_int_not_equal(sched_release_writes(&f->s), 0);
	text = slurp(f->dir);
	assert_non_null(text);
	assert_non_null(strstr(text, "ondemand\tdns-sched\tdns-sched\n"));
	/* The dying task is one to kill, not the service's. */
	assert_true(strncmp(text, "torc-schedd-state\t2\n", 20) == 0);
	snprintf(msg, sizeof(msg), "kill\tdns-sched\t%s\tagent-br1\t%lld\n",
	    tid, (long long)f->now.wall_s);
	assert_non_null(strstr(text, msg));
	snprintf(msg, sizeof(msg), "task\tdns-sched\t%s", tid);
	assert_null(strstr(text, msg));
	free(text);

	/* The kill ends: pending again, and launched at the next offer. */
	stub_reset();
	core_update(f, tid, "br1", MESOS_TASK_KILLED);
	assert_non_null(core_svc(f, "dns-sched"));
	assert_int_equal(core_svc(f, "dns-sched")->t.state, TSVC_PENDING);
	assert_false(core_removed("dns-sched"));
	core_offer(f, "br1");
	assert_int_equal(stub_launched("dns-sched"), 1);
	free(tid);

	/* The same with a restart of schedd before the kill has ended. */
	tid = xstrdup(core_run(f, "dns-sched", "br1"));
	kill_then_start_again(f);
	restart(f);
	assert_non_null(core_svc(f, "dns-sched"));
	assert_int_equal(core_svc(f, "dns-sched")->t.state, TSVC_PENDING);
	sched_on_subscribed(&f->s, "fw-test", &f->now);
	assert_true(stub_killed(tid));
	/*
	 * Reported running before the agent got the kill: killed again,
	 * never adopted, so its end does not remove the service.
	 */
	stub_reset();
	core_update(f, tid, "br1", MESOS_TASK_RUNNING);
	assert_true(stub_killed(tid));
	assert_int_equal(core_svc(f, "dns-sched")->t.state, TSVC_PENDING);
	core_update(f, tid, "br1", MESOS_TASK_KILLING);
	core_update(f, tid, "br1", MESOS_TASK_KILLED);
	assert_int_equal(core_svc(f, "dns-sched")->t.state, TSVC_PENDING);
	assert_false(core_removed("dns-sched"));
	/* Ended: no longer recorded. */
	sched_persist_sync(&f->s);
	text = slurp(f->dir);
	assert_null(strstr(text, tid));
	assert_non_null(strstr(text, "ondemand\tdns-sched\tdns-sched\n"));
	free(text);
	free(tid);
	core_free(f);
}

/*
 * The journal can still hold the launch record of a task the state file
 * says to kill (a write that did not cover the whole journal): the kill
 * wins, and the service stays pending rather than following that task.
 */
static void
a_task_to_kill_is_not_brought_back_by_the_journal(void **state)
{
	struct core_fix *f = core_new(true);
	char *text;

	(void)state;
	spit(f->dir, "torc-schedd-state\t2\n"
	    "ondemand\tdns-sched\tdns-sched\n"
	    "ondemand\tdns-sched\tdns-sl1\n"
	    "task\tdns-sl1\tdns-sl1.new\tagent-br1\tbr1\n"
	    "kill\tdns-sched\tdns-sched.old\tagent-br1\t1699999000\n"
	    "kill\tdns-sl1\tdns-sl1.old\tagent-br1\t1699999000\n");
	spit_journal(f->dir, "task\tdns-sched\tdns-sched.old\tagent-br1\tbr1\n"
	    "task\tdns-sl1\tdns-sl1.old\tagent-br1\tbr1\n");
	restart(f);
	assert_non_null(core_svc(f, "dns-sched"));
	assert_int_equal(core_svc(f, "dns-sched")->t.state, TSVC_PENDING);
	assert_string_equal(core_svc(f, "dns-sched")->t.task_id, "");
	/* A later task of the same service is not replaced by the old. */
	assert_string_equal(core_svc(f, "dns-sl1")->t.task_id, "dns-sl1.new");
	/* Both still to kill, with the time they were asked. */
	sched_persist_sync(&f->s);
	text = slurp(f->dir);
	assert_non_null(strstr(text, "kill\tdns-sched\tdns-sched.old\t"
	    "agent-br1\t1699999000\n"));
	assert_non_null(strstr(text, "kill\tdns-sl1\tdns-sl1.old\t"
	    "agent-br1\t1699999000\n"));
	free(text);
	sched_on_subscribed(&f->s, "fw-test", &f->now);
	assert_true(stub_killed("dns-sched.old"));
	core_update(f, "dns-sched.old", "br1", MESOS_TASK_RUNNING);
	assert_string_equal(core_svc(f, "dns-sched")->t.task_id, "");
	core_free(f);
}

/*
 * Lost during its kill and back: killed again, and the reason says why;
 * a start waiting for that kill keeps saying so while the task is lost.
 */
static void
a_killed_task_lost_and_back_is_killed_again_and_says_so(void **state)
{
	struct core_fix *f = core_new(true);
	char msg[256], *tid;

	(void)state;
	core_subscribe(f);
	tid = run_dns_sched(f);
	kill_then_start_again(f);
	core_update(f, tid, "br1", MESOS_TASK_UNREACHABLE);
	assert_int_equal(core_svc(f, "dns-sched")->t.state, TSVC_LOST);
	assert_non_null(strstr(core_last_pub("dns-sched")->state_reason,
	    "started again"));
	stub_reset();
	core_update(f, tid, "br1", MESOS_TASK_RUNNING);
	assert_int_equal(core_svc(f, "dns-sched")->t.state, TSVC_KILLING);
	assert_true(stub_killed(tid));
	assert_non_null(strstr(core_last_pub("dns-sched")->state_reason,
	    "started again"));
	/* Without the start, the reason is the kill's. */
	sched_kill(&f->s, "dns-sched", &f->now, msg, sizeof(msg));
	core_update(f, tid, "br1", MESOS_TASK_UNREACHABLE);
	core_update(f, tid, "br1", MESOS_TASK_RUNNING);
	assert_string_equal(core_last_pub("dns-sched")->state_reason,
	    "kill requested; reported running again");
	free(tid);
	core_free(f);
}

/*
 * A second kill cancels a start made during the first: the reason says
 * so, and the state file drops the service again (its task stays a
 * `kill` record, to kill after a restart).
 */
static void
a_kill_after_a_start_during_a_kill_removes_the_service_again(void **state)
{
	struct core_fix *f = core_new(true);
	char msg[256], *text, *tid;

	(void)state;
	core_subscribe(f);
	tid = run_dns_sched(f);
	kill_then_start_again(f);
	assert_non_null(strstr(core_last_pub("dns-sched")->state_reason,
	    "started again"));
	assert_int_equal(sched_kill(&f->s, "dns-sched", &f->now, msg,
	    sizeof(msg)), 200);
	assert_string_equal(core_last_pub("dns-sched")->state_reason,
	    "kill requested");
	text = slurp(f->dir);
	assert_null(strstr(text, "ondemand\tdns-sched\tdns-sched\n"));
	snprintf(msg, sizeof(msg), "kill\tdns-sched\t%s\t", tid);
	assert_non_null(strstr(text, msg));
	free(text);
	core_update(f, tid, "br1", MESOS_TASK_KILLED);
	assert_true(core_removed("dns-sched"));
	free(tid);
	core_free(f);
}

static void
a_task_of_a_service_no_longer_configured_is_killed_after_subscribing(
    void **state)
{
	struct core_fix *f = core_new(true);
	char *text;

	(void)state;
	/* A version 1 file, which had no kill records. */
	spit(f->dir, "torc-schedd-state\t1\n"
	    "task\told-svc\told-svc.1234\tagent-br1\n");
	restart(f);
	assert_null(core_svc(f, "old-svc"));
	/* A rewrite before subscribing keeps it: it is still to kill. */
	sched_persist_sync(&f->s);
	text = slurp(f->dir);
	assert_non_null(strstr(text, "kill\told-svc\told-svc.1234\t"
	    "agent-br1\t"));
	free(text);
	sched_on_subscribed(&f->s, "fw-test", &f->now);
	assert_true(stub_killed("old-svc.1234"));
	/* Reconciled too: its answer says when it has ended. */
	assert_int_equal(stub.n_explicit, 1);
	assert_string_equal(stub.explicit_ids[0], "old-svc.1234");
	/* Until its end is reported, it stays to kill. */
	sched_persist_sync(&f->s);
	text = slurp(f->dir);
	assert_non_null(strstr(text, "kill\told-svc\told-svc.1234\t"));
	free(text);
	core_update(f, "old-svc.1234", "br1", MESOS_TASK_KILLED);
	sched_persist_sync(&f->s);
	text = slurp(f->dir);
	assert_null(strstr(text, "old-svc"));
	free(text);
	core_free(f);
}

static void
a_corrupt_state_file_is_reported_and_moved_aside(void **state)
{
	static const char *const bad[] = {
		"garbage\n",
		"torc-schedd-state\t3\n",
		"torc-schedd-state\t1\nfoo\tbar\n",
		"torc-schedd-state\t2\nkill\tdns\n",
		"torc-schedd-state\t2\nkill\ta\ta.1\tag\tsoon\n",
		"torc-schedd-state\t2\nkill\ta\ta.1\tag\t-5\n",
		"torc-schedd-state\t2\nkill\ta\ta.1\tag\t99999999999999999999\n",
		"torc-schedd-state\t1\nkill\ta\ta.1\tag\t5\n",
		"torc-schedd-state\t1\ntask\tdns\n",
		"torc-schedd-state\t1\nondemand\tg\ts",	/* no newline */
		"",
	};

	(void)state;
	for (size_t i = 0; i < nitems(bad); i++) {
		struct core_fix *f = core_new(true);

		spit(f->dir, bad[i]);
		restart(f);
		assert_true(stub_logged("state file: "));
		assert_true(stub_logged("moved aside to"));
		assert_string_not_equal(aside(f->dir), "");
		assert_null(slurp(f->dir));
		/* The daemon goes on with an empty state. */
		assert_int_equal(core_svc(f, "dns")->t.state, TSVC_PENDING);
		core_free(f);
	}
}

static void
a_missing_state_file_is_a_first_start(void **state)
{
	struct core_fix *f = core_new(true);
	struct sched_persist p;
	char err[256];

	(void)state;
	assert_int_equal(sched_persist_load(f->dir, 1, &p, err, sizeof(err)),
	    0);
	assert_int_equal(p.n_tasks, 0);
	assert_int_equal(p.n_ondemand, 0);
	sched_persist_free(&p);
	assert_string_equal(aside(f->dir), "");
	core_free(f);
}

static void
a_saved_state_reads_back_record_for_record(void **state)
{
	struct core_fix *f = core_new(true);
	struct sched_persist p;
	char err[256], msg[256];

	(void)state;
	core_subscribe(f);
	sched_start_group(&f->s, "dns-sched", &f->now, msg, sizeof(msg),
	    NULL, NULL);
	core_offer(f, "br1");
	assert_int_equal(sched_persist_load(f->dir, 1, &p, err, sizeof(err)),
	    0);
	assert_int_equal(p.n_ondemand, 2);	/* dns-sched, dns-sl1 */
	assert_string_equal(p.ondemand[0].group, "dns-sched");
	assert_string_equal(p.ondemand[0].service, "dns-sched");
	/* br1: agent-br1, pcp-br1, dns-sched, dns-sl1. */
	assert_int_equal(p.n_tasks, 4);
	for (size_t i = 0; i < p.n_tasks; i++) {
		struct sched_svc *svc = core_svc(f, p.tasks[i].service);

		assert_non_null(svc);
		assert_string_equal(svc->t.task_id, p.tasks[i].task_id);
		assert_string_equal(p.tasks[i].agent_id, "agent-br1");
	}
	sched_persist_free(&p);
	core_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(launched_tasks_are_written_before_the_accept),
		cmocka_unit_test(the_write_ahead_is_synced_later_when_the_daemon_can),
		cmocka_unit_test(held_writes_wait_for_the_release_but_not_the_write_ahead),
		cmocka_unit_test(a_restart_applies_the_journal_over_the_state_file),
		cmocka_unit_test(a_corrupt_journal_is_moved_aside_and_the_state_file_kept),
		cmocka_unit_test(a_write_off_the_loop_is_waited_for_and_empties_only_what_it_covers),
		cmocka_unit_test(a_failed_write_is_logged_and_tried_again),
		cmocka_unit_test(a_journal_that_cannot_be_written_falls_back_to_the_state_file),
		cmocka_unit_test(a_journal_that_cannot_be_opened_is_moved_aside),
		cmocka_unit_test(a_journal_failing_during_a_hold_makes_the_answer_wait_for_its_write),
		cmocka_unit_test(after_a_restart_running_tasks_are_adopted_not_launched_again),
		cmocka_unit_test(after_a_restart_a_task_the_master_says_is_gone_is_launched_again),
		cmocka_unit_test(a_started_group_is_still_wanted_after_a_restart_and_a_killed_one_not),
		cmocka_unit_test(a_kill_of_a_running_on_demand_service_survives_a_restart),
		cmocka_unit_test(a_group_started_again_during_its_kill_runs_again),
		cmocka_unit_test(a_task_to_kill_is_not_brought_back_by_the_journal),
		cmocka_unit_test(a_killed_task_lost_and_back_is_killed_again_and_says_so),
		cmocka_unit_test(a_kill_after_a_start_during_a_kill_removes_the_service_again),
		cmocka_unit_test(a_task_of_a_service_no_longer_configured_is_killed_after_subscribing),
		cmocka_unit_test(a_corrupt_state_file_is_reported_and_moved_aside),
		cmocka_unit_test(a_missing_state_file_is_a_first_start),
		cmocka_unit_test(a_saved_state_reads_back_record_for_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
