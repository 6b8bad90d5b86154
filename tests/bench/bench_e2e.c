/*
 * bench_e2e.c - B1: convergence through the real trio on torc-sim
 * (--task-start-delay 0).  For each of N on-demand services, one at a
 * time:
 *   start: GET /start/group?name=<group of one service>  ->  the task
 *          runs, its Consul entry and its /32 route are in place;
 *   kill:  DELETE /service?name=<service>  ->  the task is killed, the
 *          Consul entry and the route are gone.
 * Times come from the simulator's own records (Consul's and the switch's
 * request logs, the master's call log and task statuses: wall-clock
 * times taken when each request reached it), read back through the
 * control API after each step, so polling for the end does not limit
 * the resolution; the same records split each figure into stages
 * (waiting for an offer, the simulated task start, torc's part after the
 * task runs).
 *
 * Beside it, the floor measured in the same run, interleaved with the
 * samples: one REST round trip (GET /admin/ping on torc-apid, kept-alive
 * connection) plus one req/rep round trip on schedd.ipc (a query of the
 * pending services, empty here).  The req/rep figures are also B4's.
 *
 * Each figure is per run (p50 or p99 over N samples); the JSON lines give
 * the median, min and max over the runs.
 * Environment: BENCH_E2E_RUNS (default 5), BENCH_E2E_N (default 200),
 * BENCH_E2E_WARMUP (unmeasured start-kill cycles first, default 20),
 * BENCH_E2E_KEEP=1 keeps the temp dir (logs, config), BENCH_E2E_SAMPLES=FILE
 * appends every sample to FILE (its stages, and when it was taken).
 */
#include "bench_chain.h"
#include "bench_trio.h"

#define MAX_N		1000
#define MAX_RUNS	16
#define BENCH		"bench_e2e"

static struct trio T;
static struct trio *const t = &T;

/* The bench config: the demo rack, one system service, N groups. */
static int
write_config(int n)
{
	static const char *const slaves[] = { "bladerunner1", "bladerunner2",
	    "bladerunner3", "bladerunner4" };
	FILE *fp = fopen(t->cfg, "w");

	if (fp == NULL)
		return -1;
	fprintf(fp, "name: torc-scheduler\nnodes:\n"
	    "  - name: wedge\n    ip: $MASTER_IP\n"
	    "    external_ip: $MASTER_IP\n    type: master\n");
	for (int i = 0; i < 4; i++)
		fprintf(fp, "  - name: %s\n    ip: 10.250.3.%d\n"
		    "    external_ip: 10.250.3.%d\n    type: slave\n",
		    slaves[i], 21 + i, 21 + i);
	bt_cfg_tail(t, fp, 10, 18, 30, 30);
	fprintf(fp, "healthcheck:\n  poll_interval_in_seconds: 12\n"
	    "  system_services:\n"
	    "    - name: dns\n      image_name: dns\n"
	    "      node_function: controller\n      network_type: host\n"
	    "api:\n  service-groups:\n");
	for (int i = 0; i < n; i++)
		fprintf(fp, "    - name: b1-%03d\n      services:\n"
		    "        - name: b1-%03d\n          image_name: bench\n"
		    "          node_name: %s\n          cpu: 0.1\n"
		    "          memory: 32\n          network_type: torc\n",
		    i, i, slaves[i % 4]);
	return fclose(fp);
}

/* ---- the simulator's records ------------------------------------------ */

/*
 * The time of the first request in system sys's log (consul, switch)
 * with this method whose path or serialized body contains needle; -1
 * when none yet.
 */
static double
log_time(const char *sys, const char *method, const char *needle)
{
	char path[64];
	json_t *root = NULL;
	double when = -1;

	snprintf(path, sizeof(path), "/%s/requests", sys);
	if (bt_ctl(t, "GET", path, NULL, &root) == 200 && root != NULL)
		when = bench_request_time(root, method, needle);
	json_decref(root);
	return when;
}

struct task_info {
	char	 id[128];
	char	 ip[32];
	double	 t_starting, t_running, t_killed;
};

/*
 * The newest task of service name (by id when id is not empty): its id,
 * the time of each status and its address.  true when found.
 */
static bool
task_find(const char *name, struct task_info *ti)
{
	char url[256], *body = NULL;
	json_t *root = NULL, *it, *st;
	bool found = false;
	size_t i, j;

	/* The master's own /tasks endpoint: statuses with their times. */
	if (ti->id[0] != '\0')
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/tasks?"
		    "task_id=%s", t->mesos_port, ti->id);
	else
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/tasks?"
		    "limit=4&order=des", t->mesos_port);
	if (bt_http(t->ctl, "GET", url, NULL, &body) != 200 ||
	    body == NULL || (root = json_loads(body, 0, NULL)) == NULL) {
		free(body);
		return false;
	}
	free(body);
	json_array_foreach(json_object_get(root, "tasks"), i, it) {
		const char *n = json_string_value(json_object_get(it, "name"));

		if (n == NULL || strcmp(n, name) != 0)
			continue;
		tstrlcpy(ti->id, json_string_value(json_object_get(it, "id")),
		    sizeof(ti->id));
		ti->t_starting = ti->t_running = ti->t_killed = -1;
		json_array_foreach(json_object_get(it, "statuses"), j, st) {
			const char *s = json_string_value(json_object_get(st,
			    "state"));
			double ts = json_real_value(json_object_get(st,
			    "timestamp"));
			json_t *ni, *ip;

			if (s == NULL)
				continue;
			if (strcmp(s, "TASK_STARTING") == 0 &&
			    ti->t_starting < 0)
				ti->t_starting = ts;
			else if (strcmp(s, "TASK_RUNNING") == 0 &&
			    ti->t_running < 0) {
				ti->t_running = ts;
				ni = json_array_get(json_object_get(
				    json_object_get(st, "container_status"),
				    "network_infos"), 0);
				ip = json_object_get(json_array_get(
				    json_object_get(ni, "ip_addresses"), 0),
				    "ip_address");
				if (json_is_string(ip))
					tstrlcpy(ti->ip, json_string_value(ip),
					    sizeof(ti->ip));
			} else if (strcmp(s, "TASK_KILLED") == 0)
				ti->t_killed = ts;
		}
		found = true;
		break;
	}
	json_decref(root);
	return found;
}

static void
clear_logs(void)
{
	bt_ctl(t, "DELETE", "/consul/requests", NULL, NULL);
	bt_ctl(t, "DELETE", "/switch/requests", NULL, NULL);
}

/* ---- the floor ------------------------------------------------------- */

static double
rest_rtt_ms(void)
{
	int64_t t0 = mono_us();

	if (bt_api(t, "GET", "/admin/ping", NULL) != 200)
		return -1;
	return (double)(mono_us() - t0) / 1000.0;
}

static double
ipc_rtt_ms(void)
{
	struct tmsg req = { .type = TMSG_QUERY_REQ }, rep;
	int64_t t0;
	double ms;

	req.u.query.what = TQUERY_PENDING;
	t0 = mono_us();
	if (bt_schedd(t, &req, &rep) != 0)
		return -1;
	ms = (double)(mono_us() - t0) / 1000.0;
	if (rep.type != TMSG_QUERY_REP)
		ms = -1;
	tmsg_free(&rep);
	return ms;
}

/* ---- one sample ------------------------------------------------------- */

struct sample {
	double	 total;		/* request -> everything in place, ms */
	double	 to_pub;	/* request -> schedd published the change */
	double	 offer;		/* pending -> launching published (start) */
	double	 sim;		/* launching -> running published (start) */
	double	 to_prog;	/* running/killing published -> DNS and
				   route in place / gone */
	double	 share;		/* torc's part: to_pub + to_prog */
	double	 rest;		/* the REST answer itself */
	double	 at;		/* wall clock of the request, s */
};

static struct bt_sub S;
static struct chain CH;

#define WAIT_MS	10000
/* How long after schedd's news the simulator's records are looked at. */
#define LOOK_AFTER_US	3000

static int
start_one(const char *name, struct task_info *ti, struct sample *s)
{
	char path[128], prefix[48], key[80];
	double t0, t_rest, t_dns = -1, t_route = -1;
	int64_t end;
	long st;

	clear_logs();
	snprintf(path, sizeof(path), "/start/group?name=%s", name);
	t0 = bt_wall();
	st = bt_api(t, "GET", path, NULL);
	t_rest = bt_wall();
	if (st != 200)
		return -1;
	/*
	 * The bench must not load the machine it measures: it sleeps until
	 * its own subscriber sees schedd publish `running`, which carries
	 * the task's address, and asks the simulator for its records only
	 * after routed has had time to act (the records carry their own
	 * times, so a late look loses no resolution).  The master is asked
	 * for the task only once everything is in place.
	 */
	memset(ti, 0, sizeof(*ti));
	end = mono_ms() + WAIT_MS;
	if (bt_sub_wait(&S, name, TSVC_RUNNING, t0, WAIT_MS, ti->ip,
	    sizeof(ti->ip)) < 0 || ti->ip[0] == '\0')
		return -1;
	snprintf(key, sizeof(key), "\"torc-%s\"", name);
	snprintf(prefix, sizeof(prefix), "\"%s\"", ti->ip);
	usleep(LOOK_AFTER_US);
	while (mono_ms() < end && (t_dns < 0 || t_route < 0)) {
		if (t_dns < 0)
			t_dns = log_time("consul", "PUT", key);
		if (t_route < 0)
			t_route = log_time("switch", "POST", prefix);
		if (t_dns < 0 || t_route < 0)
			usleep(LOOK_AFTER_US);
	}
	if (t_dns < 0 || t_route < 0 || !task_find(name, ti))
		return -1;
	{
		double last = t_dns > t_route ? t_dns : t_route;
		double p = bt_sub_when(&S, name, TSVC_PENDING, t0);
		double l = bt_sub_when(&S, name, TSVC_LAUNCHING, t0);
		double r = bt_sub_when(&S, name, TSVC_RUNNING, t0);

		if (p < 0)
			p = l;
		if (p < 0 || l < 0 || r < 0)
			return -1;
		s->total = (last - t0) * 1000.0;
		s->to_pub = (p - t0) * 1000.0;
		s->offer = (l - p) * 1000.0;
		s->sim = (r - l) * 1000.0;
		s->to_prog = (last - r) * 1000.0;
		s->share = s->to_pub + s->to_prog;
		s->rest = (t_rest - t0) * 1000.0;
		s->at = t0;
	}
	return 0;
}

static int
kill_one(const char *name, struct task_info *ti, struct sample *s)
{
	char path[128], key[80], prefix[48];
	double t0, t_rest, t_dns = -1, t_route = -1;
	int64_t end;
	long st;

	clear_logs();
	snprintf(path, sizeof(path), "/service?name=%s", name);
	snprintf(key, sizeof(key), "deregister/torc-%s", name);
	snprintf(prefix, sizeof(prefix), "\"%s\"", ti->ip);
	t0 = bt_wall();
	st = bt_api(t, "DELETE", path, NULL);
	t_rest = bt_wall();
	if (st != 200)
		return -1;
	end = mono_ms() + WAIT_MS;
	/* As for a start: schedd says the task ended before we look. */
	if (bt_sub_wait(&S, name, TSVC_FINISHED, t0, WAIT_MS, NULL, 0) < 0)
		return -1;
	usleep(LOOK_AFTER_US);
	while (mono_ms() < end) {
		if (t_dns < 0)
			t_dns = log_time("consul", "PUT", key);
		if (t_route < 0)
			t_route = log_time("switch", "DELETE", prefix);
		if (t_dns >= 0 && t_route >= 0 && task_find(name, ti) &&
		    ti->t_killed > 0)
			break;
		usleep(LOOK_AFTER_US);
	}
	if (t_dns < 0 || t_route < 0 || ti->t_killed < 0)
		return -1;
	{
		double last = t_dns > t_route ? t_dns : t_route;
		double k = bt_sub_when(&S, name, TSVC_KILLING, t0);

		if (k < 0)
			return -1;
		s->to_pub = (k - t0) * 1000.0;
		s->to_prog = (last - k) * 1000.0;
		s->share = s->to_pub + s->to_prog;
		s->sim = (ti->t_killed - k) * 1000.0;
		if (ti->t_killed > last)
			last = ti->t_killed;
		s->total = (last - t0) * 1000.0;
	}
	s->offer = -1;
	s->rest = (t_rest - t0) * 1000.0;
	s->at = t0;
	return 0;
}

/*
 * BENCH_E2E_SAMPLES=FILE: every sample of every run appended to FILE, one
 * line each (run, start or kill, then the figures in ms), to see which
 * stage the slow ones spent their time in.
 */
static void
dump_samples(const char *path, int r, const struct sample *st,
    const struct sample *kl, int n)
{
	FILE *fp = fopen(path, "a");

	if (fp == NULL) {
		fprintf(stderr, BENCH ": %s: cannot append\n", path);
		return;
	}
	if (r == 0)
		fprintf(fp, "run op total to_pub offer sim to_prog rest at\n");
	for (int i = 0; i < n; i++) {
		fprintf(fp, "%d start %.3f %.3f %.3f %.3f %.3f %.3f %.3f\n",
		    r + 1, st[i].total, st[i].to_pub, st[i].offer, st[i].sim,
		    st[i].to_prog, st[i].rest, st[i].at);
		fprintf(fp, "%d kill %.3f %.3f %.3f %.3f %.3f %.3f %.3f\n",
		    r + 1, kl[i].total, kl[i].to_pub, kl[i].offer, kl[i].sim,
		    kl[i].to_prog, kl[i].rest, kl[i].at);
	}
	fclose(fp);
}

/* ---- figures per run --------------------------------------------------- */

enum {
	F_START_P50, F_START_P99, F_KILL_P50, F_KILL_P99,
	F_FLOOR_P50, F_FLOOR_P99, F_REST_P50, F_IPC_P50, F_IPC_P99,
	F_RATIO_START_P50, F_RATIO_START_P99, F_RATIO_KILL_P50,
	F_RATIO_KILL_P99,
	F_S_PUB_P50, F_S_OFFER_P50, F_S_OFFER_P99, F_S_SIM_P50, F_S_SIM_P99,
	F_S_PROG_P50, F_S_PROG_P99,
	F_S_SHARE_P50, F_S_SHARE_P99,
	F_K_PUB_P50, F_K_SIM_P50, F_K_PROG_P50, F_K_PROG_P99,
	F_K_SHARE_P50, F_K_SHARE_P99,
	F_START_REST_P50, F_KILL_REST_P50, F_STEAL,
	F_CHAIN_P50, F_CHAIN_P99, F_RATIO_CHAIN_P50, F_RATIO_CHAIN_P99,
	F_N
};

static const struct {
	const char	*name;
	const char	*unit;
	double		 target;
} figs[F_N] = {
	[F_START_P50] = { "e2e.start_converge_p50", "ms", 0 },
	[F_START_P99] = { "e2e.start_converge_p99", "ms", 5 },
	[F_KILL_P50] = { "e2e.kill_converge_p50", "ms", 0 },
	[F_KILL_P99] = { "e2e.kill_converge_p99", "ms", 5 },
	[F_FLOOR_P50] = { "e2e.floor_rest_ipc_p50", "ms", 0 },
	[F_FLOOR_P99] = { "e2e.floor_rest_ipc_p99", "ms", 0 },
	[F_REST_P50] = { "e2e.floor_rest_ping_p50", "ms", 0 },
	[F_IPC_P50] = { "bus.reqrep_rtt_p50", "ms", 0 },
	[F_IPC_P99] = { "bus.reqrep_rtt_p99", "ms", 0 },
	[F_RATIO_START_P50] = { "e2e.start_vs_floor_p50", "ratio", 0 },
	[F_RATIO_START_P99] = { "e2e.start_vs_floor_p99", "ratio", 0 },
	[F_RATIO_KILL_P50] = { "e2e.kill_vs_floor_p50", "ratio", 0 },
	[F_RATIO_KILL_P99] = { "e2e.kill_vs_floor_p99", "ratio", 0 },
	[F_S_PUB_P50] = { "e2e.start_stage_request_to_published_p50", "ms",
	    0 },
	[F_S_OFFER_P50] = { "e2e.start_stage_offer_wait_p50", "ms", 0 },
	[F_S_OFFER_P99] = { "e2e.start_stage_offer_wait_p99", "ms", 0 },
	[F_S_SIM_P50] = { "e2e.start_stage_sim_task_p50", "ms", 0 },
	[F_S_SIM_P99] = { "e2e.start_stage_sim_task_p99", "ms", 0 },
	[F_S_PROG_P50] = { "e2e.start_stage_running_to_programmed_p50", "ms",
	    0 },
	[F_S_PROG_P99] = { "e2e.start_stage_running_to_programmed_p99", "ms",
	    0 },
	[F_S_SHARE_P50] = { "e2e.start_torc_share_p50", "ms", 0 },
	[F_S_SHARE_P99] = { "e2e.start_torc_share_p99", "ms", 5 },
	[F_K_PUB_P50] = { "e2e.kill_stage_request_to_published_p50", "ms",
	    0 },
	[F_K_SIM_P50] = { "e2e.kill_stage_sim_task_p50", "ms", 0 },
	[F_K_PROG_P50] = { "e2e.kill_stage_killing_to_removed_p50", "ms", 0 },
	[F_K_PROG_P99] = { "e2e.kill_stage_killing_to_removed_p99", "ms", 0 },
	[F_K_SHARE_P50] = { "e2e.kill_torc_share_p50", "ms", 0 },
	[F_K_SHARE_P99] = { "e2e.kill_torc_share_p99", "ms", 5 },
	[F_START_REST_P50] = { "e2e.start_rest_answer_p50", "ms", 0 },
	[F_KILL_REST_P50] = { "e2e.kill_rest_answer_p50", "ms", 0 },
	[F_STEAL] = { "e2e.cpu_steal", "%", 0 },
	[F_CHAIN_P50] = { "e2e.floor_path_p50", "ms", 0 },
	[F_CHAIN_P99] = { "e2e.floor_path_p99", "ms", 0 },
	[F_RATIO_CHAIN_P50] = { "e2e.start_vs_path_floor_p50", "ratio", 0 },
	[F_RATIO_CHAIN_P99] = { "e2e.start_vs_path_floor_p99", "ratio", 0 },
};

static double fv[F_N][MAX_RUNS];

#define COL(arr, field, out) do {					\
	for (int k_ = 0; k_ < n; k_++)					\
		(out)[k_] = (arr)[k_].field;				\
} while (0)

static int
one_run(int r, int n)
{
	static struct sample st[MAX_N], kl[MAX_N];
	static double rest[MAX_N], ipc[MAX_N], floor_[MAX_N], v[MAX_N],
	    path[MAX_N];
	struct task_info ti;
	struct bt_cpu c0, c1;
	char name[32];

	bt_cpu_read(&c0);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "b1-%03d", i);
		/*
		 * Let the previous kill's tail (the final update, its
		 * acknowledgement, the state file) finish: the floor and the
		 * next start are measured from a quiet rack.
		 */
		usleep(20000);
		/* The path floor, then quiet again for the rest. */
		if ((path[i] = chain_sample(&CH)) < 0) {
			bt_error("e2e.start_converge_p99", "path floor: no "
			    "answer within 2 s at sample %d", i);
			return -1;
		}
		usleep(20000);
		rest[i] = rest_rtt_ms();
		ipc[i] = ipc_rtt_ms();
		floor_[i] = rest[i] + ipc[i];
		if (rest[i] < 0 || ipc[i] < 0) {
			bt_error("e2e.start_converge_p99", "floor request "
			    "failed at sample %d", i);
			return -1;
		}
		if (start_one(name, &ti, &st[i]) != 0) {
			bt_error("e2e.start_converge_p99", "%s did not "
			    "converge within %d ms", name, WAIT_MS);
			return -1;
		}
		if (kill_one(name, &ti, &kl[i]) != 0) {
			bt_error("e2e.kill_converge_p99", "kill of %s did not "
			    "converge within %d ms", name, WAIT_MS);
			return -1;
		}
	}
	bt_cpu_read(&c1);
	fv[F_STEAL][r] = bt_steal_pct(&c0, &c1);
	if (getenv("BENCH_E2E_SAMPLES") != NULL)
		dump_samples(getenv("BENCH_E2E_SAMPLES"), r, st, kl, n);
	COL(st, total, v);
	fv[F_START_P50][r] = bt_pct(v, n, 50);
	fv[F_START_P99][r] = bt_pct(v, n, 99);
	COL(kl, total, v);
	fv[F_KILL_P50][r] = bt_pct(v, n, 50);
	fv[F_KILL_P99][r] = bt_pct(v, n, 99);
	fv[F_FLOOR_P50][r] = bt_pct(floor_, n, 50);
	fv[F_FLOOR_P99][r] = bt_pct(floor_, n, 99);
	fv[F_REST_P50][r] = bt_pct(rest, n, 50);
	fv[F_IPC_P50][r] = bt_pct(ipc, n, 50);
	fv[F_IPC_P99][r] = bt_pct(ipc, n, 99);
	fv[F_RATIO_START_P50][r] = fv[F_START_P50][r] / fv[F_FLOOR_P50][r];
	fv[F_RATIO_START_P99][r] = fv[F_START_P99][r] / fv[F_FLOOR_P99][r];
	fv[F_RATIO_KILL_P50][r] = fv[F_KILL_P50][r] / fv[F_FLOOR_P50][r];
	fv[F_RATIO_KILL_P99][r] = fv[F_KILL_P99][r] / fv[F_FLOOR_P99][r];
	fv[F_CHAIN_P50][r] = bt_pct(path, n, 50);
	fv[F_CHAIN_P99][r] = bt_pct(path, n, 99);
	fv[F_RATIO_CHAIN_P50][r] = fv[F_START_P50][r] / fv[F_CHAIN_P50][r];
	fv[F_RATIO_CHAIN_P99][r] = fv[F_START_P99][r] / fv[F_CHAIN_P99][r];
	COL(st, to_pub, v);
	fv[F_S_PUB_P50][r] = bt_pct(v, n, 50);
	COL(st, offer, v);
	fv[F_S_OFFER_P50][r] = bt_pct(v, n, 50);
	fv[F_S_OFFER_P99][r] = bt_pct(v, n, 99);
	COL(st, sim, v);
	fv[F_S_SIM_P50][r] = bt_pct(v, n, 50);
	fv[F_S_SIM_P99][r] = bt_pct(v, n, 99);
	COL(st, to_prog, v);
	fv[F_S_PROG_P50][r] = bt_pct(v, n, 50);
	fv[F_S_PROG_P99][r] = bt_pct(v, n, 99);
	COL(st, share, v);
	fv[F_S_SHARE_P50][r] = bt_pct(v, n, 50);
	fv[F_S_SHARE_P99][r] = bt_pct(v, n, 99);
	COL(kl, to_pub, v);
	fv[F_K_PUB_P50][r] = bt_pct(v, n, 50);
	COL(kl, sim, v);
	fv[F_K_SIM_P50][r] = bt_pct(v, n, 50);
	COL(kl, to_prog, v);
	fv[F_K_PROG_P50][r] = bt_pct(v, n, 50);
	fv[F_K_PROG_P99][r] = bt_pct(v, n, 99);
	COL(kl, share, v);
	fv[F_K_SHARE_P50][r] = bt_pct(v, n, 50);
	fv[F_K_SHARE_P99][r] = bt_pct(v, n, 99);
	COL(st, rest, v);
	fv[F_START_REST_P50][r] = bt_pct(v, n, 50);
	COL(kl, rest, v);
	fv[F_KILL_REST_P50][r] = bt_pct(v, n, 50);
	fprintf(stderr, BENCH ": run %d: start p50 %.2f p99 %.2f ms, kill "
	    "p50 %.2f p99 %.2f ms, floor p50 %.3f p99 %.3f ms, path floor "
	    "p50 %.2f p99 %.2f ms; start stages "
	    "p50: published %.2f, offer wait %.2f, sim task %.2f, running -> "
	    "programmed %.2f ms; CPU steal %.1f %%\n", r + 1,
	    fv[F_START_P50][r], fv[F_START_P99][r], fv[F_KILL_P50][r],
	    fv[F_KILL_P99][r], fv[F_FLOOR_P50][r], fv[F_FLOOR_P99][r],
	    fv[F_CHAIN_P50][r], fv[F_CHAIN_P99][r],
	    fv[F_S_PUB_P50][r], fv[F_S_OFFER_P50][r], fv[F_S_SIM_P50][r],
	    fv[F_S_PROG_P50][r], fv[F_STEAL][r]);
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const sim_args[] = { "--task-start-delay", "0",
	    "--seed", "1", NULL };
	int runs = getenv("BENCH_E2E_RUNS") ? atoi(getenv("BENCH_E2E_RUNS")) :
	    5;
	int warmup = getenv("BENCH_E2E_WARMUP") ?
	    atoi(getenv("BENCH_E2E_WARMUP")) : 20;
	int n = getenv("BENCH_E2E_N") ? atoi(getenv("BENCH_E2E_N")) : 200;
	bool keep = getenv("BENCH_E2E_KEEP") != NULL;
	int done = 0;

	(void)argc;
	if (runs < 1 || runs > MAX_RUNS)
		runs = 5;
	if (warmup < 0 || warmup > MAX_N)
		warmup = 20;
	if (n < 1 || n > MAX_N)
		n = 200;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (bt_init(t, BENCH, argv[0]) != 0 || write_config(n) != 0) {
		bt_error("e2e.start_converge_p99", "temp dir, ports or config");
		bt_done(t, keep);
		return 0;
	}
	/* Before anything here uses nng or starts a thread: it forks. */
	if (chain_start(&CH, t->dir) != 0) {
		bt_error("e2e.start_converge_p99", "path floor: cannot start "
		    "its processes");
		chain_stop(&CH);
		bt_done(t, keep);
		return 0;
	}
	if (bt_sim_start(t, sim_args) != 0) {
		bt_error("e2e.start_converge_p99", "torc-sim did not start");
		bt_done(t, true);
		return 0;
	}
	/*
	 * The simulated container stops at once, as it starts at once
	 * (--task-start-delay 0); the master's other timers stay as they are.
	 */
	bt_ctl(t, "POST", "/mesos/timers", "{\"kill_delay_ms\":0}", NULL);
	if (bt_trio_start(t, getenv("BENCH_LOG_LEVEL") ?
	    getenv("BENCH_LOG_LEVEL") : "warn") != 0) {
		bt_error("e2e.start_converge_p99", "the trio did not start");
		bt_done(t, true);
		return 0;
	}
	if (bt_sub_start(t, &S) != 0) {
		bt_error("e2e.start_converge_p99", "cannot subscribe to "
		    "events.ipc");
		bt_done(t, true);
		return 0;
	}
	/* Let the rack settle: the system service runs, offers suppressed. */
	{
		int64_t end = mono_ms() + 20000;
		char *body = NULL;

		while (mono_ms() < end) {
			free(body);
			body = NULL;
			if (bt_api(t, "GET", "/services/running", &body) ==
			    200 && body != NULL && strstr(body, "\"dns\"") !=
			    NULL)
				break;
			usleep(100000);
		}
		free(body);
		sleep(2);
	}
	/*
	 * The path floor warms up too; its first publish may go before its
	 * subscriber is connected, and is then lost (a 2 s timeout).
	 */
	{
		int ok = 0, want = warmup > 0 ? warmup : 1;

		for (int k = 0; k < 40 && ok < want; k++) {
			usleep(5000);
			if (chain_sample(&CH) >= 0)
				ok++;
		}
		if (ok < want) {
			bt_error("e2e.start_converge_p99", "path floor: %d of "
			    "%d warm-up samples answered", ok, want);
			runs = 0;
			keep = true;
		}
	}
	/*
	 * A few unmeasured starts and kills first: the figures are the
	 * steady state, not the trio's first seconds (connections opened,
	 * first reconciliations, caches).
	 */
	for (int i = 0; i < warmup; i++) {
		struct task_info ti;
		struct sample ws;
		char name[32];

		snprintf(name, sizeof(name), "b1-%03d", i % n);
		usleep(20000);
		if (start_one(name, &ti, &ws) != 0 ||
		    kill_one(name, &ti, &ws) != 0) {
			bt_error("e2e.start_converge_p99", "warm-up: %s did "
			    "not converge within %d ms", name, WAIT_MS);
			runs = 0;
			keep = true;
			break;
		}
	}
	for (int r = 0; r < runs; r++) {
		if (one_run(done, n) != 0) {
			keep = true;
			break;
		}
		done++;
	}
	for (int f = 0; f < F_N && done > 0; f++)
		bt_report(figs[f].name, figs[f].unit, fv[f], done,
		    figs[f].target, true);
	{
		double rss[3] = { bt_status_mb(t->schedd, "VmHWM:"),
		    bt_status_mb(t->routed, "VmHWM:"),
		    bt_status_mb(t->apid, "VmHWM:") };

		fprintf(stderr, BENCH ": peak RSS schedd %.1f routed %.1f "
		    "apid %.1f MB\n", rss[0], rss[1], rss[2]);
	}
	bt_sub_stop(&S);
	chain_stop(&CH);
	bt_done(t, keep);
	curl_global_cleanup();
	return 0;
}
