/*
 * test_sched_mesos.c - torc-schedd's Mesos connection
 * (torc-schedd/sched_mesos.c) on its own ev loop against torc-sim's
 * Mesos master started in-process on an ephemeral 127.0.0.1 port, each
 * fault injected through the simulator's control handler; plus a small
 * scripted master on the same loop for what the simulator never does
 * (malformed input, exact request headers, 400/403 on calls, ERROR).
 * Every wait is a bounded run of the loop until a condition holds.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cfg.h"
#include "ev.h"
#include "log.h"
#include "recordio.h"
#include "util.h"
#include "torc-schedd/sched_mesos.h"
#include "tests/sim/sim.h"
#include "mesos/mesos.pb-c.h"
#include "mesos/scheduler.pb-c.h"

#define WAIT_MS		10000

static const char test_cfg[] =
    "nodes:\n"
    "  - name: wedge\n"
    "    ip: $MASTER_IP\n"
    "    type: master\n"
    "  - name: node1\n"
    "    ip: 10.250.3.21\n"
    "    type: slave\n";

static int64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the harness: a stand-in for the scheduling core ----------------- */

#define MAXUPD	512

struct upd {
	char	 task[128];
	char	 agent[128];
	int	 state;
	int	 reason;
	bool	 uuid;
	bool	 recon;
	char	 ip[64];
	char	 cid[128];
	char	 host[64];
	char	 msg[256];
};

struct h {
	struct ev_loop *loop;
	struct mesos_conn *c;
	int	 sim_port;
	char	 dir[128];
	char	 url[64];
	char	 fwid[256];
	int	 subscribed;
	int	 disconnected;
	int	 reconciled;
	int	 agent_failures;
	int	 offers_seen;
	char	 why[768];
	/* Launch these on the first offer of want_host. */
	const struct mesos_task_spec *want;
	size_t	 n_want;
	const char *want_host;
	bool	 launched;
	char	 launch_agent[128];
	/* Keep the first offer of hold_host instead of declining it. */
	const char *hold_host;
	char	 held_offer[128];
	/* Explicit reconciliation done on every SUBSCRIBED. */
	struct mesos_task_ref recon[4];
	char	 recon_ids[4][128];
	char	 recon_agents[4][128];
	size_t	 n_recon;
	bool	 do_recon;
	struct upd upd[MAXUPD];
	int	 n_upd;
};

static struct h H;

static void
cb_subscribed(void *arg, const char *fwid)
{
	struct h *h = arg;

	snprintf(h->fwid, sizeof(h->fwid), "%s", fwid);
	h->subscribed++;
	if (h->do_recon)
		assert_int_equal(mesos_reconcile_explicit(h->c, h->recon,
		    h->n_recon), 0);
}

static void
cb_disconnected(void *arg, const char *why)
{
	struct h *h = arg;

	h->disconnected++;
	snprintf(h->why, sizeof(h->why), "%s", why);
}

static void
cb_offers(void *arg, const struct mesos_offer *offers, size_t n)
{
	struct h *h = arg;

	for (size_t i = 0; i < n; i++) {
		const char *id = offers[i].id;

		h->offers_seen++;
		assert_true(offers[i].cpus > 0);
		assert_true(offers[i].mem > 0);
		if (h->want != NULL && !h->launched &&
		    strcmp(offers[i].hostname, h->want_host) == 0) {
			struct mesos_task_spec sp[4];

			assert_true(h->n_want <= 4);
			for (size_t k = 0; k < h->n_want; k++) {
				sp[k] = h->want[k];
				sp[k].agent_id = offers[i].agent_id;
			}
			snprintf(h->launch_agent, sizeof(h->launch_agent),
			    "%s", offers[i].agent_id);
			assert_int_equal(mesos_launch(h->c, &id, 1, sp,
			    h->n_want, 0.1), 0);
			h->launched = true;
			continue;
		}
		if (h->hold_host != NULL && h->held_offer[0] == '\0' &&
		    strcmp(offers[i].hostname, h->hold_host) == 0) {
			snprintf(h->held_offer, sizeof(h->held_offer), "%s",
			    id);
			snprintf(h->launch_agent, sizeof(h->launch_agent),
			    "%s", offers[i].agent_id);
			continue;
		}
		assert_int_equal(mesos_decline(h->c, &id, 1, 0.2), 0);
	}
}

static void
cb_rescind(void *arg, const char *offer_id)
{
	(void)arg;
	(void)offer_id;
}

static void
cb_update(void *arg, const struct mesos_status *st)
{
	struct h *h = arg;
	struct upd *u;

	assert_true(h->n_upd < MAXUPD);
	u = &h->upd[h->n_upd++];
	snprintf(u->task, sizeof(u->task), "%s", st->task_id);
	snprintf(u->agent, sizeof(u->agent), "%s", st->agent_id);
	u->state = st->state;
	u->reason = st->reason;
	u->uuid = st->has_uuid;
	u->recon = st->reconciliation;
	snprintf(u->ip, sizeof(u->ip), "%s", st->container_ip);
	snprintf(u->cid, sizeof(u->cid), "%s", st->container_id);
	snprintf(u->host, sizeof(u->host), "%s", st->hostname);
	snprintf(u->msg, sizeof(u->msg), "%s", st->message);
}

static void
cb_agent_failure(void *arg, const char *agent_id)
{
	struct h *h = arg;

	(void)agent_id;
	h->agent_failures++;
}

static void
cb_reconciled(void *arg)
{
	struct h *h = arg;

	h->reconciled++;
}

static const struct mesos_cbs cbs = {
	.subscribed = cb_subscribed,
	.disconnected = cb_disconnected,
	.offers = cb_offers,
	.rescind = cb_rescind,
	.update = cb_update,
	.agent_failure = cb_agent_failure,
	.reconciled = cb_reconciled,
};

/* Run the loop until cond holds; fail after ms. */
#define WAIT_UNTIL(ms, cond)						\
	do {								\
		int64_t dl_ = ms_now() + (ms);				\
		while (!(cond)) {					\
			if (ms_now() > dl_)				\
				fail_msg("%s:%d: timed out waiting for %s", \
				    __FILE__, __LINE__, #cond);		\
			ev_run_once(H.loop, 10);			\
		}							\
	} while (0)

/* Run the loop for ms (a bounded observation window, not a wait). */
static void
run_for(int ms)
{
	int64_t dl = ms_now() + ms;

	while (ms_now() < dl)
		ev_run_once(H.loop, 10);
}

static struct mesos_conn *
conn_new_url(const char *url)
{
	struct mesos_conn_opts o = {
		.master_url = url,
		.state_dir = H.dir,
		.user = "root",
		.name = "torc-test",
		.hostname = "testhost",
		.role = "*",
		.failover_timeout = 604800,
	};
	struct mesos_conn *c;
	char err[512];

	c = mesos_new(H.loop, &o, &cbs, &H, err, sizeof(err));
	if (c == NULL)
		fail_msg("mesos_new: %s", err);
	assert_string_equal(err, "");
	return c;
}

static void
conn_start(void)
{
	H.c = conn_new_url(H.url);
	mesos_start(H.c);
}

/* ---- the simulator --------------------------------------------------- */

static json_t *
ctl(const char *path, const char *method, const char *body_json)
{
	json_t *b = body_json != NULL ? json_loads(body_json, 0, NULL) : NULL;
	int status = 0;
	json_t *r = sim_mesos_control(path, method, b, &status);

	json_decref(b);
	assert_int_equal(status, 200);
	return r;
}

static void
ctl0(const char *path, const char *body_json)
{
	json_decref(ctl(path, "POST", body_json));
}

/* Calls the simulator received, optionally only those of one type. */
static json_t *
sim_calls(const char *type)
{
	json_t *r = ctl("calls", "GET", NULL), *out = json_array(), *v;
	size_t i;

	json_array_foreach(json_object_get(r, "calls"), i, v) {
		if (type == NULL || strcmp(json_string_value(
		    json_object_get(v, "type")), type) == 0)
			json_array_append(out, v);
	}
	json_decref(r);
	return out;
}

static size_t
n_calls(const char *type)
{
	json_t *a = sim_calls(type);
	size_t n = json_array_size(a);

	json_decref(a);
	return n;
}

static json_t *
jget(json_t *j, const char *path)
{
	char buf[256], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, ".", &save); p != NULL && j != NULL;
	    p = strtok_r(NULL, ".", &save))
		j = json_object_get(j, p);
	return j;
}

static const char *
jstr(json_t *j, const char *path)
{
	const char *s = json_string_value(jget(j, path));

	return s != NULL ? s : "";
}

static void
rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static int
setup(void **state)
{
	struct torc_config *cfg = NULL;
	struct cfg_errors errs = { NULL, 0 };
	struct sim_opts o;
	char err[256];
	json_t *info;

	(void)state;
	memset(&H, 0, sizeof(H));
	assert_int_equal(cfg_load_buffer("test.yml", test_cfg,
	    strlen(test_cfg), "10.250.3.1", &cfg, &errs), 0);
	cfg_errors_free(&errs);
	memset(&o, 0, sizeof(o));
	o.cfg = cfg;
	o.master_ip = "127.0.0.1";
	o.bind_ip = "127.0.0.1";
	o.mesos_port = 0;
	o.seed = 7;
	o.heartbeat_interval = 0.2;
	o.task_start_delay_ms = 50;
	if (sim_mesos_start(&o, err, sizeof(err)) != 0)
		fail_msg("sim: %s", err);
	cfg_free(cfg);
	info = ctl("info", "GET", NULL);
	H.sim_port = (int)json_integer_value(json_object_get(info, "port"));
	json_decref(info);
	assert_true(H.sim_port > 0);
	ctl0("timers", "{\"allocation_interval_ms\": 30, "
	    "\"kill_delay_ms\": 30}");
	snprintf(H.url, sizeof(H.url), "http://127.0.0.1:%d", H.sim_port);
	snprintf(H.dir, sizeof(H.dir), "/tmp/torc-mesos-test.XXXXXX");
	assert_non_null(mkdtemp(H.dir));
	H.loop = ev_loop_new();
	assert_non_null(H.loop);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	mesos_free(H.c);
	H.c = NULL;
	ev_loop_free(H.loop);
	sim_mesos_stop();
	rm_dir(H.dir);
	return 0;
}

static void
read_id_file(char *out, size_t outlen)
{
	char p[256], *buf, err[256];
	size_t len;

	snprintf(p, sizeof(p), "%s/framework_id", H.dir);
	if (read_file(p, 4096, &buf, &len, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	snprintf(out, outlen, "%s", buf);
	free(buf);
}

static const struct mesos_task_spec host_task = {
	.task_id = "dns.6a1f0c2e-0000-4000-8000-000000000001",
	.name = "dns",
	.image = "dns",
	.network_type = "host",
	.arguments = "-bind=10.250.3.1",
	.cpus = 0.2,
	.mem = 128,
	.label_service = "dns",
};

static const struct mesos_task_spec torc_task = {
	.task_id = "dns-sl1.6a1f0c2e-0000-4000-8000-000000000002",
	.name = "dns-sl1",
	.image = "bind9",
	.network_type = "torc",
	.cpus = 0.2,
	.mem = 128,
	.label_service = "dns-sl1",
	.label_group = "dns-sl",
};

static const struct upd *
last_upd(const char *task, int state)
{
	for (int i = H.n_upd - 1; i >= 0; i--)
		if (strcmp(H.upd[i].task, task) == 0 &&
		    (state < 0 || H.upd[i].state == state))
			return &H.upd[i];
	return NULL;
}

static int
count_upd(const char *task, bool with_uuid)
{
	int n = 0;

	for (int i = 0; i < H.n_upd; i++)
		if (strcmp(H.upd[i].task, task) == 0 &&
		    H.upd[i].uuid == with_uuid)
			n++;
	return n;
}

/* The simulator has received an implicit RECONCILE. */
static bool
implicit_reconcile_seen(void)
{
	json_t *rec = sim_calls("RECONCILE"), *v;
	bool seen = false;
	size_t i;

	json_array_foreach(rec, i, v)
		if (jget(v, "call.reconcile.tasks") == NULL)
			seen = true;
	json_decref(rec);
	return seen;
}

static void
wait_subscribed(int n)
{
	WAIT_UNTIL(WAIT_MS, H.subscribed >= n &&
	    mesos_state(H.c) == MESOS_SUBSCRIBED);
}

/* ---- tests against torc-sim ------------------------------------------ */

/* SUBSCRIBE: FrameworkInfo, id persisted, DECLINE with its filter. */
static void
test_subscribe(void **state)
{
	json_t *subs, *call, *fi, *caps, *decl, *fws;
	char idf[300];
	struct mesos_stats st;

	(void)state;
	conn_start();
	assert_int_equal(mesos_state(H.c), MESOS_SUBSCRIBING);
	wait_subscribed(1);
	assert_string_equal(mesos_framework_id(H.c), H.fwid);
	assert_string_equal(mesos_master(H.c), H.url);
	read_id_file(idf, sizeof(idf));
	assert_true(strlen(idf) == strlen(H.fwid) + 1);
	assert_memory_equal(idf, H.fwid, strlen(H.fwid));

	subs = sim_calls("SUBSCRIBE");
	assert_int_equal(json_array_size(subs), 1);
	call = json_array_get(subs, 0);
	assert_string_equal(jstr(call, "content_type"),
	    "application/x-protobuf");
	assert_null(json_object_get(call, "stream_id"));
	assert_null(jget(call, "call.framework_id"));
	fi = jget(call, "call.subscribe.framework_info");
	assert_non_null(fi);
	assert_null(json_object_get(fi, "id"));
	assert_string_equal(jstr(fi, "user"), "root");
	assert_string_equal(jstr(fi, "name"), "torc-test");
	assert_string_equal(jstr(fi, "hostname"), "testhost");
	assert_string_equal(jstr(fi, "role"), "*");
	assert_true(json_is_true(json_object_get(fi, "checkpoint")));
	assert_true(json_real_value(json_object_get(fi,
	    "failover_timeout")) == 604800.0);
	caps = json_object_get(fi, "capabilities");
	assert_int_equal(json_array_size(caps), 2);
	assert_string_equal(jstr(json_array_get(caps, 0), "type"),
	    "PARTITION_AWARE");
	assert_string_equal(jstr(json_array_get(caps, 1), "type"),
	    "TASK_KILLING_STATE");
	json_decref(subs);

	/* Offers come and are declined with the filter, on the stream id. */
	WAIT_UNTIL(WAIT_MS, n_calls("DECLINE") >= 1);
	decl = sim_calls("DECLINE");
	call = json_array_get(decl, 0);
	assert_int_equal(json_integer_value(json_object_get(call, "status")),
	    202);
	assert_string_equal(jstr(call, "framework_id"), H.fwid);
	assert_true(strlen(jstr(call, "stream_id")) > 0);
	assert_true(json_real_value(jget(call,
	    "call.decline.filters.refuse_seconds")) == 0.2);
	json_decref(decl);

	fws = ctl("frameworks", "GET", NULL);
	assert_int_equal(json_array_size(json_object_get(fws, "frameworks")),
	    1);
	assert_true(json_is_true(jget(json_array_get(json_object_get(fws,
	    "frameworks"), 0), "connected")));
	json_decref(fws);

	mesos_get_stats(H.c, &st);
	assert_int_equal(st.subscribes, 1);
	assert_true(st.offers_received >= 1);
	assert_true(st.offers_declined >= 1);
	assert_true(st.connected_since > 0);
}

/* The last SUBSCRIBE carries the id in both places. */
static void
check_resubscribe_same_id(const char *fwid)
{
	json_t *subs = sim_calls("SUBSCRIBE"), *last;

	assert_true(json_array_size(subs) >= 1);
	last = json_array_get(subs, json_array_size(subs) - 1);
	assert_string_equal(jstr(last, "call.framework_id.value"), fwid);
	assert_string_equal(jstr(last,
	    "call.subscribe.framework_info.id.value"), fwid);
	json_decref(subs);
}

static void
test_resubscribe_stream_close(void **state)
{
	char fwid[256];

	(void)state;
	conn_start();
	wait_subscribed(1);
	snprintf(fwid, sizeof(fwid), "%s", H.fwid);
	ctl0("stream/close", NULL);
	WAIT_UNTIL(WAIT_MS, H.disconnected == 1);
	assert_int_not_equal(mesos_state(H.c), MESOS_SUBSCRIBED);
	/* Calls are refused while not subscribed. */
	assert_int_equal(mesos_revive(H.c), -1);
	wait_subscribed(2);
	assert_string_equal(H.fwid, fwid);
	check_resubscribe_same_id(fwid);
}

static void
test_resubscribe_heartbeat_loss(void **state)
{
	char fwid[256];
	int64_t t0;

	(void)state;
	conn_start();
	wait_subscribed(1);
	snprintf(fwid, sizeof(fwid), "%s", H.fwid);
	/* Nothing at all on the stream: a silent partition. */
	ctl0("heartbeats/stop", "{\"all_events\": true}");
	t0 = ms_now();
	WAIT_UNTIL(WAIT_MS, H.disconnected == 1);
	/* 5 intervals of 0.2 s, checked every half interval. */
	assert_true(ms_now() - t0 >= 900);
	assert_non_null(strstr(H.why, "heartbeat"));
	ctl0("heartbeats/start", NULL);
	wait_subscribed(2);
	assert_string_equal(H.fwid, fwid);
	check_resubscribe_same_id(fwid);
}

/*
 * Master failover with a task running: the new master knows nothing;
 * the connection re-subscribes with the same id, explicit
 * reconciliation gets no answer until the agent re-registers and is
 * retried, then one implicit round and cbs->reconciled.
 */
static void
test_master_failover_reconcile(void **state)
{
	char fwid[256];
	json_t *rec;
	size_t n, explicit_n = 0;
	const struct upd *u;

	(void)state;
	H.want = &host_task;
	H.n_want = 1;
	H.want_host = "node1";
	conn_start();
	wait_subscribed(1);
	WAIT_UNTIL(WAIT_MS, last_upd(host_task.task_id, MESOS_TASK_RUNNING)
	    != NULL);
	snprintf(fwid, sizeof(fwid), "%s", H.fwid);
	H.do_recon = true;
	H.n_recon = 1;
	H.recon[0].task_id = host_task.task_id;
	H.recon[0].agent_id = H.launch_agent;
	json_decref(ctl("calls", "DELETE", NULL));
	ctl0("failover", "{\"reregister_delay_ms\": 1500}");
	WAIT_UNTIL(WAIT_MS, H.disconnected == 1);
	wait_subscribed(2);
	assert_string_equal(H.fwid, fwid);
	check_resubscribe_same_id(fwid);
	WAIT_UNTIL(WAIT_MS, H.reconciled == 1);
	WAIT_UNTIL(WAIT_MS, implicit_reconcile_seen());
	u = last_upd(host_task.task_id, -1);
	assert_true(u != NULL && u->state == MESOS_TASK_RUNNING);
	rec = sim_calls("RECONCILE");
	n = json_array_size(rec);
	assert_true(n >= 3);
	for (size_t i = 0; i + 1 < n; i++) {
		json_t *t = jget(json_array_get(rec, i), "call.reconcile.tasks");

		assert_int_equal(json_array_size(t), 1);
		assert_string_equal(jstr(json_array_get(t, 0),
		    "task_id.value"), host_task.task_id);
		assert_string_equal(jstr(json_array_get(t, 0),
		    "agent_id.value"), H.launch_agent);
		explicit_n++;
	}
	/* Unanswered at first: retried at least once. */
	assert_true(explicit_n >= 2);
	assert_null(jget(json_array_get(rec, n - 1), "call.reconcile.tasks"));
	json_decref(rec);
	/* No second launch. */
	assert_int_equal(n_calls("ACCEPT"), 0);
}

/*
 * A standby master (the scripted one below) redirects to the leader;
 * the leader is remembered for every later call.  Then the leader
 * itself turns standby while subscribed: a call gets 307 and the
 * connection follows it.
 */
struct fake;
static struct fake *fake_new(void);
static struct fake *fake_new_port(int port);
static int free_port(void);
static void fake_free(struct fake *);
static int fake_port(struct fake *);
static int fake_requests(struct fake *);
static void fake_redirect(struct fake *, int port);

static void
test_redirect_from_standby(void **state)
{
	struct fake *f = fake_new();
	char url[64], body[128];
	json_t *decl;

	(void)state;
	fake_redirect(f, H.sim_port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", fake_port(f));
	H.c = conn_new_url(url);
	mesos_start(H.c);
	wait_subscribed(1);
	assert_string_equal(mesos_master(H.c), H.url);
	WAIT_UNTIL(WAIT_MS, n_calls("DECLINE") >= 2);
	assert_int_equal(fake_requests(f), 1);
	decl = sim_calls("DECLINE");
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(decl, 0), "status")), 202);
	json_decref(decl);

	/* The leader steps down, pointing at the standby. */
	snprintf(body, sizeof(body), "{\"leader\": \"127.0.0.1:%d\"}",
	    fake_port(f));
	ctl0("standby", body);
	assert_int_equal(mesos_revive(H.c), 0);
	WAIT_UNTIL(WAIT_MS, H.disconnected == 1);
	WAIT_UNTIL(WAIT_MS, fake_requests(f) >= 2);
	ctl0("leader", NULL);
	wait_subscribed(2);
	assert_string_equal(mesos_master(H.c), H.url);
	check_resubscribe_same_id(H.fwid);
	fake_free(f);
}

static void
test_503_then_success(void **state)
{
	enum mesos_conn_state prev;
	int failures = 0;
	int64_t dl;

	(void)state;
	ctl0("noleader", NULL);
	conn_start();
	prev = mesos_state(H.c);
	dl = ms_now() + WAIT_MS;
	while (failures < 3) {
		enum mesos_conn_state s;

		if (ms_now() > dl)
			fail_msg("no repeated attempts");
		ev_run_once(H.loop, 10);
		s = mesos_state(H.c);
		if (prev == MESOS_SUBSCRIBING && s == MESOS_DISCONNECTED)
			failures++;
		prev = s;
	}
	assert_int_equal(H.subscribed, 0);
	assert_int_equal(n_calls("SUBSCRIBE"), 0);
	ctl0("leader", NULL);
	wait_subscribed(1);
	assert_int_equal(n_calls("SUBSCRIBE"), 1);
}

/*
 * Nobody listening: connection refused, retried with backoff, until a
 * master (the scripted standby, pointing at torc-sim) appears there.
 */
static void
test_refused_then_success(void **state)
{
	enum mesos_conn_state prev;
	struct fake *f;
	char url[64];
	int failures = 0, port = free_port();
	int64_t dl, t0 = ms_now();

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	H.c = conn_new_url(url);
	mesos_start(H.c);
	prev = mesos_state(H.c);
	dl = ms_now() + WAIT_MS;
	while (failures < 4) {
		enum mesos_conn_state s;

		if (ms_now() > dl)
			fail_msg("no repeated attempts");
		ev_run_once(H.loop, 10);
		s = mesos_state(H.c);
		if (prev == MESOS_SUBSCRIBING && s == MESOS_DISCONNECTED)
			failures++;
		prev = s;
	}
	/* Backoff: at least 125 + 250 + 500 ms between the four. */
	assert_true(ms_now() - t0 >= 875);
	f = fake_new_port(port);
	fake_redirect(f, H.sim_port);
	wait_subscribed(1);
	assert_string_equal(mesos_master(H.c), H.url);
	fake_free(f);
}

/*
 * Acknowledgements: the stream is held back while the agent retransmits
 * the unacknowledged STARTING; when it flows again every delivery with a
 * uuid is acknowledged once, and none without.
 */
static void
test_acks_with_retransmits(void **state)
{
	const char *tid = host_task.task_id;
	json_t *acks, *v;
	size_t i;
	int with, without, nacks = 0;

	(void)state;
	ctl0("timers", "{\"ack_retry_ms\": 20, \"task_start_delay_ms\": "
	    "400}");
	H.hold_host = "node1";
	conn_start();
	wait_subscribed(1);
	WAIT_UNTIL(WAIT_MS, H.held_offer[0] != '\0');
	/* Hold the stream back, then launch: STARTING waits unacked. */
	ctl0("heartbeats/stop", "{\"all_events\": true}");
	{
		struct mesos_task_spec sp = host_task;
		const char *oid = H.held_offer;

		sp.agent_id = H.launch_agent;
		assert_int_equal(mesos_launch(H.c, &oid, 1, &sp, 1, 0.1), 0);
	}
	WAIT_UNTIL(WAIT_MS, n_calls("ACCEPT") == 1);
	run_for(150);
	ctl0("heartbeats/start", NULL);
	WAIT_UNTIL(WAIT_MS, last_upd(tid, MESOS_TASK_RUNNING) != NULL);
	/* A master-generated answer without uuid. */
	{
		struct mesos_task_ref r = { tid, H.launch_agent };

		assert_int_equal(mesos_reconcile_explicit(H.c, &r, 1), 0);
	}
	WAIT_UNTIL(WAIT_MS, H.reconciled == 1);
	with = count_upd(tid, true);
	without = count_upd(tid, false);
	assert_true(without >= 1);
	/* STARTING was delivered more than once. */
	{
		int starting = 0;

		for (int k = 0; k < H.n_upd; k++)
			if (strcmp(H.upd[k].task, tid) == 0 &&
			    H.upd[k].state == MESOS_TASK_STARTING &&
			    H.upd[k].uuid)
				starting++;
		assert_true(starting >= 2);
	}
	WAIT_UNTIL(WAIT_MS, (int)n_calls("ACKNOWLEDGE") >= with);
	run_for(100);
	acks = sim_calls("ACKNOWLEDGE");
	json_array_foreach(acks, i, v) {
		assert_int_equal(json_integer_value(json_object_get(v,
		    "status")), 202);
		assert_string_equal(jstr(v, "call.acknowledge.task_id.value"),
		    tid);
		assert_string_equal(jstr(v, "call.acknowledge.agent_id.value"),
		    H.launch_agent);
		/* 16 bytes in base64: 24 characters. */
		assert_int_equal(strlen(jstr(v, "call.acknowledge.uuid")), 24);
		nacks++;
	}
	json_decref(acks);
	assert_int_equal(nacks, count_upd(tid, true));
}

/*
 * A restart of the connection (as a restart of torc-schedd): the same
 * framework id from disk, the running task adopted through
 * reconciliation, nothing launched twice.
 */
static void
test_restart_same_id(void **state)
{
	char fwid[256];
	json_t *subs, *tasks, *rec;
	size_t n;

	(void)state;
	H.want = &host_task;
	H.n_want = 1;
	H.want_host = "node1";
	conn_start();
	wait_subscribed(1);
	WAIT_UNTIL(WAIT_MS, last_upd(host_task.task_id, MESOS_TASK_RUNNING)
	    != NULL);
	WAIT_UNTIL(WAIT_MS, n_calls("ACKNOWLEDGE") >= 2);
	snprintf(fwid, sizeof(fwid), "%s", H.fwid);
	mesos_free(H.c);
	H.c = NULL;

	H.want = NULL;
	H.n_upd = 0;
	H.do_recon = true;
	H.n_recon = 1;
	H.recon[0].task_id = host_task.task_id;
	H.recon[0].agent_id = H.launch_agent;
	conn_start();
	wait_subscribed(2);
	assert_string_equal(H.fwid, fwid);
	subs = sim_calls("SUBSCRIBE");
	assert_int_equal(json_array_size(subs), 2);
	assert_string_equal(jstr(json_array_get(subs, 1),
	    "call.framework_id.value"), fwid);
	assert_string_equal(jstr(json_array_get(subs, 1),
	    "call.subscribe.framework_info.id.value"), fwid);
	json_decref(subs);
	WAIT_UNTIL(WAIT_MS, H.reconciled == 1);
	assert_non_null(last_upd(host_task.task_id, MESOS_TASK_RUNNING));
	/* Explicit first, then implicit. */
	WAIT_UNTIL(WAIT_MS, n_calls("RECONCILE") == 2);
	rec = sim_calls("RECONCILE");
	n = json_array_size(rec);
	assert_int_equal(n, 2);
	assert_int_equal(json_array_size(jget(json_array_get(rec, 0),
	    "call.reconcile.tasks")), 1);
	assert_null(jget(json_array_get(rec, 1), "call.reconcile.tasks"));
	json_decref(rec);
	assert_int_equal(n_calls("ACCEPT"), 1);
	tasks = ctl("tasks", "GET", NULL);
	assert_int_equal(json_array_size(json_object_get(tasks, "tasks")), 1);
	json_decref(tasks);
}

/* Launch through an offer; RUNNING with the right IP per network. */
static void
test_launch_host_and_torc(void **state)
{
	struct mesos_task_spec both[2] = { host_task, torc_task };
	const struct upd *h, *t;
	json_t *acc, *tis;

	(void)state;
	H.want = both;
	H.n_want = 2;
	H.want_host = "node1";
	conn_start();
	wait_subscribed(1);
	WAIT_UNTIL(WAIT_MS, last_upd(host_task.task_id, MESOS_TASK_RUNNING)
	    != NULL && last_upd(torc_task.task_id, MESOS_TASK_RUNNING) !=
	    NULL);
	h = last_upd(host_task.task_id, MESOS_TASK_RUNNING);
	t = last_upd(torc_task.task_id, MESOS_TASK_RUNNING);
	if (h == NULL || t == NULL)
		return;
	assert_string_equal(h->ip, "10.250.3.21");
	assert_string_equal(h->host, "node1");
	assert_true(strlen(h->cid) > 0);
	assert_string_equal(h->agent, H.launch_agent);
	assert_true(h->uuid);
	assert_true(strncmp(t->ip, "192.168.", 8) == 0);
	assert_true(strlen(t->cid) > 0);

	acc = sim_calls("ACCEPT");
	assert_int_equal(json_array_size(acc), 1);
	tis = jget(json_array_get(json_object_get(jget(json_array_get(acc,
	    0), "call.accept"), "operations"), 0), "launch.task_infos");
	assert_int_equal(json_array_size(tis), 2);
	assert_string_equal(jstr(json_array_get(tis, 1),
	    "container.docker.network"), "USER");
	assert_string_equal(jstr(json_array_get(json_object_get(jget(
	    json_array_get(tis, 1), "container"), "network_infos"), 0),
	    "name"), "torc");
	assert_true(json_real_value(jget(json_array_get(acc, 0),
	    "call.accept.filters.refuse_seconds")) == 0.1);
	json_decref(acc);
	{
		struct mesos_stats st;

		mesos_get_stats(H.c, &st);
		assert_int_equal(st.tasks_launched, 2);
	}
}

/*
 * The stream cut anywhere (1-7 bytes per chunk), then several records
 * per chunk: the same events come through.
 */
static void
test_stream_chunking(void **state)
{
	const struct upd *u;

	(void)state;
	ctl0("split", "{\"mode\": \"split\"}");
	H.want = &host_task;
	H.n_want = 1;
	H.want_host = "node1";
	conn_start();
	wait_subscribed(1);
	WAIT_UNTIL(WAIT_MS, last_upd(host_task.task_id, MESOS_TASK_RUNNING)
	    != NULL);
	u = last_upd(host_task.task_id, MESOS_TASK_RUNNING);
	assert_true(u != NULL && strcmp(u->ip, "10.250.3.21") == 0);
	ctl0("split", "{\"mode\": \"pack\"}");
	assert_int_equal(mesos_kill(H.c, host_task.task_id, H.launch_agent),
	    0);
	WAIT_UNTIL(WAIT_MS, last_upd(host_task.task_id, MESOS_TASK_KILLED)
	    != NULL);
	assert_int_equal(H.disconnected, 0);
	assert_int_equal(H.subscribed, 1);
}

/* An invalid spec never reaches the master: TASK_ERROR from us. */
static void
test_launch_invalid_spec(void **state)
{
	struct mesos_task_spec bad = host_task;
	const struct upd *u;

	(void)state;
	bad.parameters = "--privileged";
	H.want = &bad;
	H.n_want = 1;
	H.want_host = "node1";
	conn_start();
	wait_subscribed(1);
	WAIT_UNTIL(WAIT_MS, last_upd(bad.task_id, -1) != NULL);
	u = last_upd(bad.task_id, -1);
	assert_int_equal(u->state, MESOS_TASK_ERROR);
	assert_false(u->uuid);
	assert_non_null(strstr(u->msg, "--privileged"));
	WAIT_UNTIL(WAIT_MS, n_calls("DECLINE") >= 1);
	assert_int_equal(n_calls("ACCEPT"), 0);
}

static void
test_kill_suppress_revive(void **state)
{
	(void)state;
	H.want = &host_task;
	H.n_want = 1;
	H.want_host = "node1";
	conn_start();
	wait_subscribed(1);
	WAIT_UNTIL(WAIT_MS, last_upd(host_task.task_id, MESOS_TASK_RUNNING)
	    != NULL);
	assert_int_equal(mesos_suppress(H.c), 0);
	assert_int_equal(mesos_kill(H.c, host_task.task_id, H.launch_agent),
	    0);
	WAIT_UNTIL(WAIT_MS, last_upd(host_task.task_id, MESOS_TASK_KILLED)
	    != NULL);
	assert_non_null(last_upd(host_task.task_id, MESOS_TASK_KILLING));
	assert_int_equal(mesos_revive(H.c), 0);
	WAIT_UNTIL(WAIT_MS, n_calls("REVIVE") == 1);
	assert_int_equal(n_calls("SUPPRESS"), 1);
	assert_int_equal(n_calls("KILL"), 1);
	assert_int_equal(mesos_reconcile_implicit(H.c), 0);
	WAIT_UNTIL(WAIT_MS, n_calls("RECONCILE") == 1);
}

/* Forgetting the id: the next subscription is a new framework. */
static void
test_forget_framework(void **state)
{
	char fwid[256], p[300], err[256];
	json_t *subs;

	(void)state;
	conn_start();
	wait_subscribed(1);
	snprintf(fwid, sizeof(fwid), "%s", H.fwid);
	assert_int_equal(mesos_forget_framework(H.c, err, sizeof(err)), 0);
	snprintf(p, sizeof(p), "%s/framework_id", H.dir);
	assert_int_equal(access(p, F_OK), -1);
	ctl0("stream/close", NULL);
	wait_subscribed(2);
	assert_string_not_equal(H.fwid, fwid);
	subs = sim_calls("SUBSCRIBE");
	assert_null(jget(json_array_get(subs, 1), "call.framework_id"));
	json_decref(subs);
	read_id_file(p, sizeof(p));
	assert_memory_equal(p, H.fwid, strlen(H.fwid));
}

/* TEARDOWN: the framework is removed, the id forgotten, a new one. */
static void
test_teardown(void **state)
{
	char fwid[256];

	(void)state;
	conn_start();
	wait_subscribed(1);
	snprintf(fwid, sizeof(fwid), "%s", H.fwid);
	assert_int_equal(mesos_teardown(H.c), 0);
	wait_subscribed(2);
	assert_string_not_equal(H.fwid, fwid);
}

static void
test_corrupt_id_file(void **state)
{
	struct mesos_conn_opts o = {
		.master_url = H.url,
		.state_dir = H.dir,
		.name = "torc-test",
		.failover_timeout = 10,
	};
	char p[300], err[512];
	int fd;

	(void)state;
	snprintf(p, sizeof(p), "%s/framework_id", H.dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "bad/id\n", 7), 7);
	close(fd);
	H.c = mesos_new(H.loop, &o, &cbs, &H, err, sizeof(err));
	assert_non_null(H.c);
	assert_non_null(strstr(err, "corrupt"));
	assert_string_equal(mesos_framework_id(H.c), "");
	snprintf(p, sizeof(p), "%s/framework_id.corrupt", H.dir);
	assert_int_equal(access(p, F_OK), 0);
	mesos_start(H.c);
	wait_subscribed(1);
	/* Bad options. */
	o.name = NULL;
	assert_null(mesos_new(H.loop, &o, &cbs, &H, err, sizeof(err)));
	assert_true(strlen(err) > 0);
}

/* ---- a scripted master ------------------------------------------------ */

/*
 * Listens on 127.0.0.1:<ephemeral> on the test's loop.  SUBSCRIBE gets
 * sub_status: 307 to redirect_port, or 200 with the chunked stream
 * `stream` (kept open); every other call gets call_status/call_body and
 * the connection is closed.  It records what it received.
 */
#define FK_CONNS	16

struct fk_conn {
	int	 fd;
	char	 buf[65536];
	size_t	 len;
	bool	 streaming;
};

struct fake {
	int	 lfd;
	int	 port;
	int	 requests;
	int	 subscribes;
	int	 redirect_port;
	int	 sub_status;
	const char *ctype;
	uint8_t	 stream[4096];
	size_t	 stream_len;
	int	 call_status;
	const char *call_body;
	int	 calls;
	char	 last_sub_fwid[256];
	char	 last_call_type[64];
	char	 hdr_ctype[128];
	char	 hdr_accept[128];
	char	 hdr_sid[160];
	bool	 hdr_expect;
	struct fk_conn c[FK_CONNS];
};

static void
fk_write(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void
fk_close(struct fake *f, struct fk_conn *k)
{
	(void)f;
	ev_io_del(H.loop, k->fd);
	close(k->fd);
	k->fd = -1;
	k->len = 0;
	k->streaming = false;
}

static void
fk_hdr(const char *hdrs, const char *name, char *out, size_t outlen,
    bool *present)
{
	const char *p = hdrs;
	size_t nl = strlen(name);

	out[0] = '\0';
	if (present != NULL)
		*present = false;
	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *e = strstr(v, "\r\n");

			while (*v == ' ')
				v++;
			snprintf(out, outlen, "%.*s", (int)(e - v), v);
			if (present != NULL)
				*present = true;
			return;
		}
	}
}

/* Append one chunk of the stream to k. */
static void
fk_chunk(int fd, const void *data, size_t len)
{
	char hdr[32];

	snprintf(hdr, sizeof(hdr), "%zx\r\n", len);
	fk_write(fd, hdr, strlen(hdr));
	fk_write(fd, data, len);
	fk_write(fd, "\r\n", 2);
}

static void
fk_request(struct fake *f, struct fk_conn *k, const char *hdrs,
    const uint8_t *body, size_t blen)
{
	Mesos__V1__Scheduler__Call *call;
	char resp[512];
	int status;

	f->requests++;
	call = mesos__v1__scheduler__call__unpack(NULL, blen, body);
	assert_non_null(call);
	fk_hdr(hdrs, "Content-Type", f->hdr_ctype, sizeof(f->hdr_ctype),
	    NULL);
	fk_hdr(hdrs, "Accept", f->hdr_accept, sizeof(f->hdr_accept), NULL);
	fk_hdr(hdrs, "Expect", resp, sizeof(resp), &f->hdr_expect);
	if (call->type == MESOS__V1__SCHEDULER__CALL__TYPE__SUBSCRIBE) {
		f->subscribes++;
		snprintf(f->last_sub_fwid, sizeof(f->last_sub_fwid), "%s",
		    call->framework_id != NULL ? call->framework_id->value :
		    "");
		mesos__v1__scheduler__call__free_unpacked(call, NULL);
		if (f->sub_status == 307) {
			snprintf(resp, sizeof(resp), "HTTP/1.1 307 Temporary "
			    "Redirect\r\nLocation: //127.0.0.1:%d/api/v1/"
			    "scheduler\r\nContent-Length: 0\r\nConnection: "
			    "close\r\n\r\n", f->redirect_port);
			fk_write(k->fd, resp, strlen(resp));
			fk_close(f, k);
			return;
		}
		if (f->sub_status != 200) {
			snprintf(resp, sizeof(resp), "HTTP/1.1 %d Error\r\n"
			    "Content-Length: 17\r\nConnection: close\r\n\r\n"
			    "No leader elected", f->sub_status);
			fk_write(k->fd, resp, strlen(resp));
			fk_close(f, k);
			return;
		}
		snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Type: "
		    "%s\r\nMesos-Stream-Id: fake-stream-%d\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n", f->ctype,
		    f->subscribes);
		fk_write(k->fd, resp, strlen(resp));
		if (f->stream_len > 0)
			fk_chunk(k->fd, f->stream, f->stream_len);
		k->streaming = true;
		return;
	}
	f->calls++;
	snprintf(f->last_call_type, sizeof(f->last_call_type), "%s",
	    protobuf_c_enum_descriptor_get_value(
	    &mesos__v1__scheduler__call__type__descriptor, call->type)->name);
	fk_hdr(hdrs, "Mesos-Stream-Id", f->hdr_sid, sizeof(f->hdr_sid), NULL);
	mesos__v1__scheduler__call__free_unpacked(call, NULL);
	status = f->call_status;
	snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", status, strlen(f->call_body),
	    f->call_body);
	fk_write(k->fd, resp, strlen(resp));
	fk_close(f, k);
}

static void
fk_read_cb(struct ev_loop *loop, int fd, int revents, void *arg)
{
	struct fake *f = arg;
	struct fk_conn *k = NULL;
	ssize_t n;

	(void)loop;
	(void)revents;
	for (int i = 0; i < FK_CONNS; i++)
		if (f->c[i].fd == fd)
			k = &f->c[i];
	if (k == NULL)
		return;
	n = read(fd, k->buf + k->len, sizeof(k->buf) - 1 - k->len);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		fk_close(f, k);
		return;
	}
	k->len += (size_t)n;
	k->buf[k->len] = '\0';
	if (k->streaming)
		return;
	for (;;) {
		char *end = strstr(k->buf, "\r\n\r\n"), *cl, tmp[32];
		size_t hlen, blen;

		if (end == NULL)
			return;
		hlen = (size_t)(end - k->buf) + 4;
		*end = '\0';
		fk_hdr(k->buf, "Content-Length", tmp, sizeof(tmp), NULL);
		cl = tmp;
		blen = (size_t)strtoul(cl, NULL, 10);
		if (k->len < hlen + blen) {
			*end = '\r';
			return;
		}
		fk_request(f, k, k->buf, (uint8_t *)k->buf + hlen, blen);
		return;
	}
}

static void
fk_accept_cb(struct ev_loop *loop, int fd, int revents, void *arg)
{
	struct fake *f = arg;
	int s;

	(void)revents;
	while ((s = accept(fd, NULL, NULL)) >= 0) {
		int i;

		fcntl(s, F_SETFL, O_NONBLOCK);
		for (i = 0; i < FK_CONNS && f->c[i].fd >= 0; i++)
			;
		if (i == FK_CONNS) {
			close(s);
			continue;
		}
		f->c[i].fd = s;
		f->c[i].len = 0;
		f->c[i].streaming = false;
		ev_io_set(loop, s, EV_READ, fk_read_cb, f);
	}
}

static struct fake *
fake_new_port(int port)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int one = 1;

	assert_non_null(f);
	for (int i = 0; i < FK_CONNS; i++)
		f->c[i].fd = -1;
	f->sub_status = 200;
	f->ctype = "application/x-protobuf";
	f->call_status = 202;
	f->call_body = "";
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f->lfd >= 0);
	setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 16), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&sa, &sl), 0);
	f->port = ntohs(sa.sin_port);
	fcntl(f->lfd, F_SETFL, O_NONBLOCK);
	ev_io_set(H.loop, f->lfd, EV_READ, fk_accept_cb, f);
	return f;
}

static struct fake *
fake_new(void)
{
	return fake_new_port(0);
}

/* A port nobody listens on (bound once, then closed). */
static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void
fake_free(struct fake *f)
{
	for (int i = 0; i < FK_CONNS; i++)
		if (f->c[i].fd >= 0)
			fk_close(f, &f->c[i]);
	ev_io_del(H.loop, f->lfd);
	close(f->lfd);
	free(f);
}

static int
fake_port(struct fake *f)
{
	return f->port;
}

static int
fake_requests(struct fake *f)
{
	return f->requests;
}

static void
fake_redirect(struct fake *f, int port)
{
	f->sub_status = 307;
	f->redirect_port = port;
}

/* Frame an Event into the fake's stream. */
static void
fk_add_event(struct fake *f, const Mesos__V1__Scheduler__Event *e)
{
	size_t n = mesos__v1__scheduler__event__get_packed_size(e), hl;
	char hdr[RECORDIO_HDR_MAX];

	hl = recordio_header(hdr, n);
	assert_true(f->stream_len + hl + n <= sizeof(f->stream));
	memcpy(f->stream + f->stream_len, hdr, hl);
	f->stream_len += hl;
	mesos__v1__scheduler__event__pack(e, f->stream + f->stream_len);
	f->stream_len += n;
}

static void
fk_add_raw(struct fake *f, const void *p, size_t n)
{
	assert_true(f->stream_len + n <= sizeof(f->stream));
	memcpy(f->stream + f->stream_len, p, n);
	f->stream_len += n;
}

static void
fk_add_subscribed(struct fake *f, const char *fwid)
{
	Mesos__V1__Scheduler__Event e;
	Mesos__V1__Scheduler__Event__Subscribed s;
	Mesos__V1__FrameworkID id;

	mesos__v1__scheduler__event__init(&e);
	mesos__v1__scheduler__event__subscribed__init(&s);
	mesos__v1__framework_id__init(&id);
	id.value = (char *)(uintptr_t)fwid;
	s.framework_id = &id;
	s.has_heartbeat_interval_seconds = 1;
	s.heartbeat_interval_seconds = 0.2;
	e.has_type = 1;
	e.type = MESOS__V1__SCHEDULER__EVENT__TYPE__SUBSCRIBED;
	e.subscribed = &s;
	fk_add_event(f, &e);
}

static void
fk_add_type_only(struct fake *f, int type)
{
	Mesos__V1__Scheduler__Event e;

	mesos__v1__scheduler__event__init(&e);
	e.has_type = 1;
	e.type = type;
	fk_add_event(f, &e);
}

static void
fk_add_update(struct fake *f, int state, const uint8_t *uuid, size_t ulen)
{
	Mesos__V1__Scheduler__Event e;
	Mesos__V1__Scheduler__Event__Update u;
	Mesos__V1__TaskStatus ts;
	Mesos__V1__TaskID tid;
	Mesos__V1__AgentID aid;

	mesos__v1__scheduler__event__init(&e);
	mesos__v1__scheduler__event__update__init(&u);
	mesos__v1__task_status__init(&ts);
	mesos__v1__task_id__init(&tid);
	mesos__v1__agent_id__init(&aid);
	tid.value = "t1";
	aid.value = "S1";
	ts.task_id = &tid;
	ts.agent_id = &aid;
	ts.state = state;
	if (uuid != NULL) {
		ts.has_uuid = 1;
		ts.uuid.data = (uint8_t *)(uintptr_t)uuid;
		ts.uuid.len = ulen;
	}
	u.status = &ts;
	e.has_type = 1;
	e.type = MESOS__V1__SCHEDULER__EVENT__TYPE__UPDATE;
	e.update = &u;
	fk_add_event(f, &e);
}

static void
fk_add_error(struct fake *f, const char *msg)
{
	Mesos__V1__Scheduler__Event e;
	Mesos__V1__Scheduler__Event__Error er;

	mesos__v1__scheduler__event__init(&e);
	mesos__v1__scheduler__event__error__init(&er);
	er.message = (char *)(uintptr_t)msg;
	e.has_type = 1;
	e.type = MESOS__V1__SCHEDULER__EVENT__TYPE__ERROR;
	e.error = &er;
	fk_add_event(f, &e);
}

/*
 * After SUBSCRIBED the record `what` must reset the stream: the
 * connection re-subscribes (with the id it was given) instead of
 * crashing or going on.
 */
static void
bad_input_case(void (*add_bad)(struct fake *), const char *why_part)
{
	struct fake *f;

	f = fake_new();
	fk_add_subscribed(f, "FW-1");
	fk_add_type_only(f, MESOS__V1__SCHEDULER__EVENT__TYPE__HEARTBEAT);
	add_bad(f);
	{
		char url[64];

		snprintf(url, sizeof(url), "http://127.0.0.1:%d", f->port);
		H.c = conn_new_url(url);
	}
	mesos_start(H.c);
	WAIT_UNTIL(WAIT_MS, H.disconnected >= 1 && f->subscribes >= 2);
	assert_int_equal(H.subscribed, H.disconnected + (mesos_state(H.c) ==
	    MESOS_SUBSCRIBED ? 1 : 0));
	if (strstr(H.why, why_part) == NULL)
		fail_msg("disconnect reason '%s' lacks '%s'", H.why, why_part);
	assert_string_equal(f->last_sub_fwid, "FW-1");
	mesos_free(H.c);
	H.c = NULL;
	fake_free(f);
	H.subscribed = H.disconnected = 0;
}

static void
bad_protobuf(struct fake *f)
{
	/* A length-delimited field 2 claiming 100 bytes, 3 present. */
	fk_add_raw(f, "5\n\x08\x01\x12\x64\x01", 7);
}

static void
bad_oversize(struct fake *f)
{
	fk_add_raw(f, "99999999999\n", 12);
}

static void
bad_size_text(struct fake *f)
{
	fk_add_raw(f, "x1\nA", 4);
}

static void
bad_unknown_event(struct fake *f)
{
	fk_add_type_only(f, 42);
}

static void
bad_unknown_state(struct fake *f)
{
	fk_add_update(f, 99, NULL, 0);
}

static void
bad_short_uuid(struct fake *f)
{
	static const uint8_t u[4] = { 1, 2, 3, 4 };

	fk_add_update(f, MESOS_TASK_RUNNING, u, sizeof(u));
}

static void
bad_no_payload(struct fake *f)
{
	fk_add_type_only(f, MESOS__V1__SCHEDULER__EVENT__TYPE__OFFERS);
}

static void
bad_error_event(struct fake *f)
{
	fk_add_error(f, "Framework failed over");
}

static void
bad_second_subscribed(struct fake *f)
{
	fk_add_subscribed(f, "FW-1");
}

static void
test_bad_input_resets_stream(void **state)
{
	(void)state;
	log_setlevel(LOG_LVL_ERROR);
	bad_input_case(bad_protobuf, "bad event");
	bad_input_case(bad_oversize, "RecordIO");
	bad_input_case(bad_size_text, "RecordIO");
	bad_input_case(bad_unknown_event, "unknown event type 42");
	bad_input_case(bad_unknown_state, "unknown task state 99");
	bad_input_case(bad_short_uuid, "uuid");
	bad_input_case(bad_no_payload, "without its payload");
	bad_input_case(bad_error_event, "Framework failed over");
	bad_input_case(bad_second_subscribed, "second SUBSCRIBED");
	log_setlevel(LOG_LVL_INFO);
}

/* A JSON stream (wrong Accept handling upstream) is refused. */
static void
test_wrong_content_type(void **state)
{
	struct fake *f = fake_new();
	char url[64];

	(void)state;
	f->ctype = "application/json";
	fk_add_raw(f, "2\n{}", 4);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", f->port);
	H.c = conn_new_url(url);
	mesos_start(H.c);
	WAIT_UNTIL(WAIT_MS, f->subscribes >= 2);
	assert_int_equal(H.subscribed, 0);
	fake_free(f);
}

/*
 * Exact request headers, and the answers to calls: 202 goes on, 400
 * "Framework cannot be found" and 403 re-subscribe with the same id,
 * any other 400 drops the one call.
 */
static void
test_headers_and_call_errors(void **state)
{
	static const uint8_t uuid[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4,
	    5, 6, 7, 8, 9, 10, 11, 12 };
	struct fake *f;
	struct mesos_stats st;

	(void)state;
	f = fake_new();
	fk_add_subscribed(f, "FW-9");
	fk_add_type_only(f, MESOS__V1__SCHEDULER__EVENT__TYPE__HEARTBEAT);
	fk_add_update(f, MESOS_TASK_RUNNING, uuid, sizeof(uuid));
	fk_add_update(f, MESOS_TASK_RUNNING, NULL, 0);
	{
		char url[64];

		snprintf(url, sizeof(url), "http://127.0.0.1:%d/", f->port);
		H.c = conn_new_url(url);
	}
	mesos_start(H.c);
	wait_subscribed(1);
	assert_string_equal(f->hdr_ctype, "application/x-protobuf");
	assert_string_equal(f->hdr_accept, "application/x-protobuf");
	assert_false(f->hdr_expect);
	/* One ACK, for the update with a uuid. */
	WAIT_UNTIL(WAIT_MS, f->calls == 1);
	run_for(100);
	assert_int_equal(f->calls, 1);
	assert_string_equal(f->last_call_type, "ACKNOWLEDGE");
	assert_string_equal(f->hdr_sid, "fake-stream-1");
	assert_int_equal(H.n_upd, 2);
	assert_true(H.upd[0].uuid);
	assert_false(H.upd[1].uuid);

	/* A validation error: the call is dropped, the stream stays. */
	f->call_status = 400;
	f->call_body = "Failed to validate scheduler::Call: bad";
	assert_int_equal(mesos_revive(H.c), 0);
	WAIT_UNTIL(WAIT_MS, f->calls == 2);
	run_for(50);
	mesos_get_stats(H.c, &st);
	assert_int_equal(st.calls_failed, 1);
	assert_int_equal(mesos_state(H.c), MESOS_SUBSCRIBED);
	assert_int_equal(f->subscribes, 1);

	/* After a master failover: re-subscribe with the same id. */
	f->stream_len = 0;
	fk_add_subscribed(f, "FW-9");
	f->call_body = "Framework cannot be found";
	assert_int_equal(mesos_suppress(H.c), 0);
	WAIT_UNTIL(WAIT_MS, f->subscribes == 2);
	assert_string_equal(f->last_sub_fwid, "FW-9");
	assert_int_equal(H.disconnected, 1);
	wait_subscribed(2);
	/* The framework is known but not subscribed: the same. */
	f->call_status = 403;
	f->call_body = "Framework is not subscribed";
	assert_int_equal(mesos_revive(H.c), 0);
	WAIT_UNTIL(WAIT_MS, f->subscribes == 3);
	assert_string_equal(f->last_sub_fwid, "FW-9");
	assert_int_equal(H.disconnected, 2);
	assert_string_equal(f->hdr_sid, "fake-stream-2");
	fake_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_subscribe, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resubscribe_stream_close,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_resubscribe_heartbeat_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_master_failover_reconcile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redirect_from_standby,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_503_then_success, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused_then_success,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_acks_with_retransmits,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_same_id, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_launch_host_and_torc,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_chunking, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_launch_invalid_spec,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_suppress_revive,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_framework, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_teardown, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_id_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_input_resets_stream,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_content_type,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_headers_and_call_errors,
		    setup, teardown),
	};

	log_init("test_sched_mesos", LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("sched_mesos", tests, NULL, NULL);
}
