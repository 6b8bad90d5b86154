/*
 * sched_test_stubs.h - link-time stand-ins for the Mesos connection
 * (the mesos_* calls of torc-schedd/sched_mesos.h) and helpers shared by
 * the scheduling-core unit tests.  Included by exactly one .c per test
 * binary: it defines the functions, so the real sched_mesos.o is never
 * pulled from libschedd.a.  Every call is recorded for the assertions.
 */
#ifndef SCHED_TEST_STUBS_H
#define SCHED_TEST_STUBS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "torc-schedd/sched.h"
#include "torc-schedd/sched_mesos.h"
#include "util.h"

#define STUB_MAX	256
#define STUB_UNUSED	__attribute__((unused))

struct stub_launch {
	char	*task_id;
	char	*name;
	char	*agent_id;
	double	 cpus;
	double	 mem;
	size_t	 n_offers;
};

static struct {
	int	 launch_rv;
	struct stub_launch launches[STUB_MAX];
	size_t	 n_launches;
	size_t	 n_launch_calls;
	size_t	 n_declined;		/* offers */
	double	 last_refuse;
	char	*kills[STUB_MAX];
	size_t	 n_kills;
	int	 suppress;
	int	 revive;
	int	 implicit;
	int	 explicit_calls;
	char	*explicit_ids[STUB_MAX];
	size_t	 n_explicit;
	int	 forget;
	/* Call order: each call's number (1, 2, ...), the last of a kind. */
	int	 n_calls;
	int	 launch_call;
	int	 suppress_call;
	/*
	 * If set: the state file and the journal in this dir, as they were
	 * at the first launch ("" when there is none).
	 */
	const char *state_dir;
	char	*state_at_launch;
	char	*journal_at_launch;
	/* What mesos_get_stats() answers. */
	struct mesos_stats stats;
	/* hooks.sync_soon and hooks.status_soon calls (stub_hooks_soon). */
	int	 sync_soon;
	int	 status_soon;
	/* hooks.persist_write (stub_hooks_writer): the last content, syncs. */
	char	*written;
	uint64_t written_seq;
	int	 n_written;
	int	 journal_syncs;
	/* Published messages (deep copies) and log lines. */
	struct tmsg pub[4096];
	size_t	 n_pub;
	char	*logs[4096];
	size_t	 n_logs;
} stub STUB_UNUSED;

STUB_UNUSED static void
stub_reset(void)
{
	for (size_t i = 0; i < stub.n_launches; i++) {
		free(stub.launches[i].task_id);
		free(stub.launches[i].name);
		free(stub.launches[i].agent_id);
	}
	for (size_t i = 0; i < stub.n_kills; i++)
		free(stub.kills[i]);
	for (size_t i = 0; i < stub.n_explicit; i++)
		free(stub.explicit_ids[i]);
	for (size_t i = 0; i < stub.n_pub; i++)
		tmsg_free(&stub.pub[i]);
	for (size_t i = 0; i < stub.n_logs; i++)
		free(stub.logs[i]);
	free(stub.state_at_launch);
	free(stub.journal_at_launch);
	free(stub.written);
	memset(&stub, 0, sizeof(stub));
}

/* dir/name's content, "" if it cannot be read (caller frees). */
STUB_UNUSED static char *
stub_read(const char *dir, const char *name)
{
	char path[512], err[256], *buf = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_file(path, 1 << 20, &buf, &len, err, sizeof(err)) != 0)
		return xstrdup("");
	return buf;
}

int
mesos_launch(struct mesos_conn *c, const char *const *offer_ids,
    size_t n_offers, const struct mesos_task_spec *tasks, size_t n_tasks,
    double refuse_seconds)
{
	(void)c;
	(void)offer_ids;
	stub.n_launch_calls++;
	stub.launch_call = ++stub.n_calls;
	stub.last_refuse = refuse_seconds;
	if (stub.state_dir != NULL && stub.state_at_launch == NULL) {
		stub.state_at_launch = stub_read(stub.state_dir,
		    SCHED_STATE_FILE);
		stub.journal_at_launch = stub_read(stub.state_dir,
		    SCHED_JOURNAL_FILE);
	}
	if (stub.launch_rv != 0)
		return stub.launch_rv;
	for (size_t i = 0; i < n_tasks && stub.n_launches < STUB_MAX; i++) {
		struct stub_launch *l = &stub.launches[stub.n_launches++];

		l->task_id = xstrdup(tasks[i].task_id);
		l->name = xstrdup(tasks[i].name);
		l->agent_id = xstrdup(tasks[i].agent_id);
		l->cpus = tasks[i].cpus;
		l->mem = tasks[i].mem;
		l->n_offers = n_offers;
	}
	return 0;
}

int
mesos_decline(struct mesos_conn *c, const char *const *offer_ids, size_t n,
    double refuse_seconds)
{
	(void)c;
	(void)offer_ids;
	stub.n_calls++;
	stub.n_declined += n;
	stub.last_refuse = refuse_seconds;
	return 0;
}

int
mesos_kill(struct mesos_conn *c, const char *task_id, const char *agent_id)
{
	(void)c;
	(void)agent_id;
	if (stub.n_kills < STUB_MAX)
		stub.kills[stub.n_kills++] = xstrdup(task_id);
	return 0;
}

int
mesos_suppress(struct mesos_conn *c)
{
	(void)c;
	stub.suppress++;
	stub.suppress_call = ++stub.n_calls;
	return 0;
}

int
mesos_revive(struct mesos_conn *c)
{
	(void)c;
	stub.revive++;
	stub.n_calls++;
	return 0;
}

int
mesos_reconcile_implicit(struct mesos_conn *c)
{
	(void)c;
	stub.implicit++;
	return 0;
}

int
mesos_reconcile_explicit(struct mesos_conn *c,
    const struct mesos_task_ref *tasks, size_t n)
{
	(void)c;
	stub.explicit_calls++;
	for (size_t i = 0; i < n && stub.n_explicit < STUB_MAX; i++)
		stub.explicit_ids[stub.n_explicit++] =
		    xstrdup(tasks[i].task_id);
	return 0;
}

int
mesos_forget_framework(struct mesos_conn *c, char *err, size_t errlen)
{
	(void)c;
	(void)err;
	(void)errlen;
	stub.forget++;
	return 0;
}

const char *
mesos_framework_id(const struct mesos_conn *c)
{
	(void)c;
	return "fw-test";
}

enum mesos_conn_state
mesos_state(const struct mesos_conn *c)
{
	(void)c;
	return MESOS_SUBSCRIBED;
}

const char *
mesos_conn_state_name(enum mesos_conn_state s)
{
	(void)s;
	return "subscribed";
}

const char *
mesos_master(const struct mesos_conn *c)
{
	(void)c;
	return "http://127.0.0.1:5050";
}

void
mesos_get_stats(const struct mesos_conn *c, struct mesos_stats *st)
{
	(void)c;
	*st = stub.stats;
}

/* Hooks: keep a deep copy of every published message and log line. */
STUB_UNUSED static void
stub_publish(void *arg, const struct tmsg *m)
{
	void *buf;
	size_t len;
	char err[256];

	(void)arg;
	if (stub.n_pub >= sizeof(stub.pub) / sizeof(stub.pub[0]))
		return;
	/* Through the real codec: what subscribers would receive. */
	if (tmsg_encode(m, &buf, &len, err, sizeof(err)) != 0) {
		fprintf(stderr, "publish encode: %s\n", err);
		abort();
	}
	if (tmsg_decode(buf, len, &stub.pub[stub.n_pub], err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "publish decode: %s\n", err);
		abort();
	}
	stub.n_pub++;
	free(buf);
}

STUB_UNUSED static void
stub_log(void *arg, enum sched_log_level lvl, const char *line)
{
	(void)arg;
	(void)lvl;
	if (getenv("SCHED_TEST_LOG") != NULL)
		fprintf(stderr, "# log: %s\n", line);
	if (stub.n_logs < sizeof(stub.logs) / sizeof(stub.logs[0]))
		stub.logs[stub.n_logs++] = xstrdup(line);
}

STUB_UNUSED static const struct sched_hooks stub_hooks = {
	.publish = stub_publish,
	.log = stub_log,
	.arg = NULL,
};

STUB_UNUSED static void
stub_sync_soon(void *arg)
{
	(void)arg;
	stub.sync_soon++;
}

STUB_UNUSED static void
stub_status_soon(void *arg)
{
	(void)arg;
	stub.status_soon++;
}

/* As a daemon's: the state file fsynced later, counters published later. */
STUB_UNUSED static const struct sched_hooks stub_hooks_soon = {
	.publish = stub_publish,
	.log = stub_log,
	.sync_soon = stub_sync_soon,
	.status_soon = stub_status_soon,
	.arg = NULL,
};

/* A writer that never finishes by itself: sched_persist_done by hand. */
STUB_UNUSED static void
stub_persist_write(void *arg, char *buf, size_t len, uint64_t seq)
{
	(void)arg;
	(void)len;
	if (buf == NULL) {
		stub.journal_syncs++;
		return;
	}
	free(stub.written);
	stub.written = buf;
	stub.written_seq = seq;
	stub.n_written++;
}

STUB_UNUSED static const struct sched_hooks stub_hooks_writer = {
	.publish = stub_publish,
	.log = stub_log,
	.sync_soon = stub_sync_soon,
	.status_soon = stub_status_soon,
	.persist_write = stub_persist_write,
	.arg = NULL,
};

/* How many SCHED_STATUS were published? */
STUB_UNUSED static size_t
stub_n_status(void)
{
	size_t n = 0;

	for (size_t i = 0; i < stub.n_pub; i++)
		if (stub.pub[i].type == TMSG_SCHED_STATUS)
			n++;
	return n;
}

/* Was a line containing text logged? */
STUB_UNUSED static bool
stub_logged(const char *text)
{
	for (size_t i = 0; i < stub.n_logs; i++)
		if (strstr(stub.logs[i], text) != NULL)
			return true;
	return false;
}

/* How many launches of service name were sent? */
STUB_UNUSED static size_t
stub_launched(const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < stub.n_launches; i++)
		if (strcmp(stub.launches[i].name, name) == 0)
			n++;
	return n;
}

STUB_UNUSED static const char *
stub_task_of(const char *name)
{
	for (size_t i = stub.n_launches; i-- > 0;)
		if (strcmp(stub.launches[i].name, name) == 0)
			return stub.launches[i].task_id;
	return NULL;
}

STUB_UNUSED static bool
stub_killed(const char *task_id)
{
	for (size_t i = 0; i < stub.n_kills; i++)
		if (strcmp(stub.kills[i], task_id) == 0)
			return true;
	return false;
}

/* A rack like the demo one, with a dependency and an on-demand group. */
STUB_UNUSED static const char stub_rack_yaml[] =
    "name: torc-scheduler\n"
    "nodes:\n"
    "  - {name: wedge, ip: $MASTER_IP, external_ip: $MASTER_IP, "
    "type: master}\n"
    "  - {name: br1, ip: 10.0.0.21, external_ip: 10.0.0.21, type: slave}\n"
    "  - {name: br2, ip: 10.0.0.22, external_ip: 10.0.0.22, type: slave}\n"
    "dns-addons:\n"
    "  - {name: etcd, ip: $MASTER_IP}\n"
    "network-agent: {type: snaproute, connection: $MASTER_IP:8080}\n"
    "statesync: {poll_interval_in_seconds: 10}\n"
    "stateclean: {poll_interval_in_seconds: 18, timeout_in_seconds: 30,"
    " restart_delay_in_seconds: 30}\n"
    "healthcheck:\n"
    "  poll_interval_in_seconds: 12\n"
    "  system_services:\n"
    "    - {name: dns, image_name: dns, node_function: controller,"
    " network_type: host}\n"
    "    - {name: pcp, image_name: pcp, sla: singleton_each_node,"
    " network_type: host}\n"
    "    - {name: agent, image_name: agent, sla: singleton_each_slave,"
    " network_type: host}\n"
    "    - {name: influxdb, image_name: influxdb, memory: 1024,"
    " node_name: br2, network_type: host}\n"
    "    - {name: datacollector, image_name: dc, memory: 40,"
    " node_name: br2, dependent_service: influxdb, network_type: host}\n"
    "api:\n"
    "  service-groups:\n"
    "    - name: dns-sched\n"
    "      services:\n"
    "        - {name: dns-sched, image_name: ds, node_name: br1,"
    " memory: 512, network_type: host}\n"
    "        - {name: dns-sl1, image_name: bind9, node_type: slave,"
    " is_metered: true, network_type: torc}\n";

STUB_UNUSED static struct torc_config *
stub_config(const char *yaml)
{
	struct torc_config *cfg = NULL;
	struct cfg_errors errs = { 0 };

	if (cfg_load_buffer("test.yml", yaml, strlen(yaml), "10.0.0.1", &cfg,
	    &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		abort();
	}
	cfg_errors_free(&errs);
	return cfg;
}

/* An offer from one of the rack's agents ("wedge", "br1", "br2"). */
struct stub_offer {
	struct mesos_offer o;
	struct mesos_attr attrs[3];
	char	 id[64];
	char	 agent[64];
};

STUB_UNUSED static void
stub_offer(struct stub_offer *so, const char *node, int serial, double cpus,
    double mem)
{
	bool master = strcmp(node, "wedge") == 0;

	memset(so, 0, sizeof(*so));
	snprintf(so->id, sizeof(so->id), "offer-%s-%d", node, serial);
	snprintf(so->agent, sizeof(so->agent), "agent-%s", node);
	so->attrs[0].name = "node_name";
	so->attrs[0].value = (char *)node;
	so->attrs[1].name = "node_type";
	so->attrs[1].value = master ? "master" : "slave";
	so->attrs[2].name = "node_function";
	so->attrs[2].value = master ? "controller" : "compute";
	so->o.id = so->id;
	so->o.agent_id = so->agent;
	so->o.hostname = (char *)node;
	so->o.cpus = cpus;
	so->o.mem = mem;
	so->o.attrs = so->attrs;
	so->o.n_attrs = 3;
}

STUB_UNUSED static struct mesos_status
stub_status(const char *task_id, const char *agent, int state)
{
	struct mesos_status st;

	memset(&st, 0, sizeof(st));
	st.task_id = task_id;
	st.agent_id = agent;
	st.state = state;
	st.reason = -1;
	st.reason_name = "";
	st.source = -1;
	st.message = "";
	st.container_ip = "";
	st.container_id = "";
	st.hostname = "";
	return st;
}

#endif
