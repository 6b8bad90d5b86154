/*
 * sched_test_core.h - a scheduling core on the test rack with the stub
 * Mesos connection, and helpers to drive it with injected time.  Used by
 * the core, timer, state-file and request tests (one includer per test
 * binary, after sched_test_stubs.h).
 */
#ifndef SCHED_TEST_CORE_H
#define SCHED_TEST_CORE_H

#include <sys/stat.h>
#include <unistd.h>

struct core_fix {
	struct torc_config *cfg;
	struct sched s;
	struct sched_now now;
	char	 dir[256];		/* state dir, "" = none */
};

/* A non-NULL stand-in: the stubs never dereference it. */
#define STUB_CONN	((struct mesos_conn *)(uintptr_t)0x1)

STUB_UNUSED static void
core_start(struct core_fix *f, bool persist)
{
	sched_init(&f->s, f->cfg, persist ? f->dir : NULL, &stub_hooks, 42,
	    &f->now);
	sched_set_mesos(&f->s, STUB_CONN);
}

STUB_UNUSED static struct core_fix *
core_new(bool persist)
{
	struct core_fix *f = xcalloc(1, sizeof(*f));

	stub_reset();
	f->cfg = stub_config(stub_rack_yaml);
	f->now.mono_ms = 10000000;
	f->now.wall_s = 1700000000;
	snprintf(f->dir, sizeof(f->dir), "/tmp/torc-sched-test.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		abort();
	core_start(f, persist);
	return f;
}

STUB_UNUSED static void
core_rm_dir(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

STUB_UNUSED static void
core_free(struct core_fix *f)
{
	sched_free(&f->s);
	cfg_free(f->cfg);
	core_rm_dir(f->dir);
	free(f);
	stub_reset();
}

STUB_UNUSED static void
core_advance(struct core_fix *f, int64_t ms)
{
	f->now.mono_ms += ms;
	f->now.wall_s += ms / 1000;
	/* A healthy master: heartbeats keep arriving. */
	f->s.master_heard_ms = f->now.mono_ms;
}

/* Time passes while the master sends nothing (stream silent). */
STUB_UNUSED static void
core_advance_silent(struct core_fix *f, int64_t ms)
{
	f->now.mono_ms += ms;
	f->now.wall_s += ms / 1000;
}

/* SUBSCRIBED, reconciliation done, settle time over. */
STUB_UNUSED static void
core_subscribe(struct core_fix *f)
{
	sched_on_subscribed(&f->s, "fw-test", &f->now);
	sched_on_reconciled(&f->s, &f->now);
	core_advance(f, SCHED_SETTLE_MS);
}

/* One offer from node (big enough for everything). */
STUB_UNUSED static void
core_offer(struct core_fix *f, const char *node)
{
	static int serial;
	struct stub_offer so;

	stub_offer(&so, node, ++serial, 16, 65536);
	sched_on_offers(&f->s, &so.o, 1, &f->now);
}

STUB_UNUSED static void
core_update(struct core_fix *f, const char *task_id, const char *node,
    int state)
{
	char agent[64];
	struct mesos_status st;

	snprintf(agent, sizeof(agent), "agent-%s", node);
	st = stub_status(task_id, agent, state);
	sched_on_update(&f->s, &st, &f->now);
}

STUB_UNUSED static struct sched_svc *
core_svc(struct core_fix *f, const char *name)
{
	return sched_svc_find(&f->s.st, name);
}

/* Launch and run name on node; returns its task id (owned by the svc). */
STUB_UNUSED static const char *
core_run(struct core_fix *f, const char *name, const char *node)
{
	const char *tid;

	core_offer(f, node);
	tid = stub_task_of(name);
	if (tid == NULL)
		return NULL;
	core_update(f, tid, node, MESOS_TASK_RUNNING);
	return core_svc(f, name)->t.task_id;
}

/* The last published SVC_UPDATE of name (aborts the test if none). */
STUB_UNUSED __attribute__((returns_nonnull)) static const struct tmsg_service *
core_last_pub(const char *name)
{
	for (size_t i = stub.n_pub; i-- > 0;)
		if (stub.pub[i].type == TMSG_SVC_UPDATE &&
		    strcmp(stub.pub[i].u.svc.name, name) == 0)
			return &stub.pub[i].u.svc;
	fprintf(stderr, "no SVC_UPDATE published for %s\n", name);
	abort();
}

STUB_UNUSED static bool
core_removed(const char *name)
{
	for (size_t i = 0; i < stub.n_pub; i++)
		if (stub.pub[i].type == TMSG_SVC_REMOVE &&
		    strcmp(stub.pub[i].u.name.name, name) == 0)
			return true;
	return false;
}

#endif
