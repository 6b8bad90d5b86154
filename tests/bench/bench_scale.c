/*
 * bench_scale.c - B2 (scale) and B4's event rate: the trio on torc-sim
 * with 1,000 agents (--agents-count 1000, --task-start-delay 0) and
 * 10,000 services: nine system services with sla singleton_each_node
 * over 1,000 configured nodes (9,000 instances) and ten on-demand groups
 * of 100 started over REST at once, every one on the routable torc
 * network (so 10,000 DNS entries and 10,000 routes).  Production timers
 * (statesync 10 s, stateclean 18 s / 30 s, healthcheck 12 s).
 *
 *   - time until all 10,000 run (torc-apid's /metrics), and until
 *     torc-routed has programmed every DNS entry and route;
 *   - events published by torc-schedd during that burst, as a subscriber
 *     of events.ipc sees them (events/s, sequence gaps);
 *   - steady state: torc-schedd's CPU (share of one core) over several
 *     windows (/proc/<pid>/stat), the other daemons' too, and every
 *     daemon's RSS (/proc/<pid>/status);
 *   - req/rep round trip on schedd.ipc at that size.
 * Placement per offer batch against 10,000 pending is bench_sched_place.
 *
 * Environment: BENCH_SCALE_WINDOWS (steady-state windows, default 5),
 * BENCH_SCALE_WINDOW_S (seconds each, default 8), BENCH_SCALE_KEEP=1.
 */
#include "bench_trio.h"

#define BENCH		"bench_scale"
#define N_SYS		9
#define N_GROUPS	10
#define GROUP_SIZE	100
/* BENCH_SCALE_AGENTS (default 1000) scales the rack down for profiling. */
static int N_NODES = 1000;
#define N_TOTAL		(N_SYS * N_NODES + N_GROUPS * GROUP_SIZE)
#define MAX_WIN		32

static struct trio T;
static struct trio *const t = &T;
static struct bt_sub S;

static int
write_config(void)
{
	FILE *fp = fopen(t->cfg, "w");

	if (fp == NULL)
		return -1;
	fprintf(fp, "name: torc-scheduler\nnodes:\n");
	/* The simulator's --agents-count names and addresses. */
	for (int i = 0; i < N_NODES; i++)
		fprintf(fp, "  - name: sim-agent-%04d\n    ip: 10.250.%d.%d\n"
		    "    external_ip: 10.250.%d.%d\n    type: slave\n", i + 1,
		    i / 250, i % 250 + 1, i / 250, i % 250 + 1);
	bt_cfg_tail(t, fp, 10, 18, 30, 30);
	fprintf(fp, "healthcheck:\n  poll_interval_in_seconds: 12\n"
	    "  system_services:\n");
	for (int i = 0; i < N_SYS; i++)
		fprintf(fp, "    - name: sys%d\n      image_name: bench-sys\n"
		    "      sla: singleton_each_node\n      cpu: 0.1\n"
		    "      memory: 32\n      network_type: torc\n", i);
	fprintf(fp, "api:\n  service-groups:\n");
	for (int g = 0; g < N_GROUPS; g++) {
		fprintf(fp, "    - name: grp%d\n      services:\n", g);
		for (int j = 0; j < GROUP_SIZE; j++)
			fprintf(fp, "        - name: grp%d-%03d\n"
			    "          image_name: bench-od\n"
			    "          cpu: 0.1\n          memory: 32\n"
			    "          network_type: torc\n", g, j);
	}
	return fclose(fp);
}

/* A gauge from apid's /metrics ("torc_services{state=\"running\"}"). */
static double
metric(const char *body, const char *series)
{
	const char *p = body;
	size_t n = strlen(series);

	while ((p = strstr(p, series)) != NULL) {
		if ((p == body || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	return -1;
}

struct counts {
	double	 running, dns, routes;
};

static bool
counts(struct counts *c)
{
	char *body = NULL;

	if (bt_api(t, "GET", "/metrics", &body) != 200 || body == NULL) {
		free(body);
		return false;
	}
	c->running = metric(body, "torc_services{state=\"running\"}");
	c->dns = metric(body, "torc_dns_entries{status=\"programmed\"}");
	c->routes = metric(body, "torc_routes{status=\"programmed\"}");
	free(body);
	return true;
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
	tmsg_free(&rep);
	return ms;
}

/*
 * Times of the requests in system sys's log with this method whose path
 * contains needle, in order, into out (at most max); their number.
 */
static int
log_times(const char *sys, const char *method, const char *needle,
    double *out, int max)
{
	char path[64];
	json_t *root = NULL, *it;
	size_t i;
	int n = 0;

	snprintf(path, sizeof(path), "/%s/requests", sys);
	if (bt_ctl(t, "GET", path, NULL, &root) != 200 || root == NULL) {
		json_decref(root);
		return -1;
	}
	json_array_foreach(json_object_get(root, "requests"), i, it) {
		const char *m = json_string_value(json_object_get(it,
		    "method"));
		const char *p = json_string_value(json_object_get(it, "path"));

		if (m != NULL && p != NULL && strcmp(m, method) == 0 &&
		    strstr(p, needle) != NULL && n < max)
			out[n++] = json_real_value(json_object_get(it, "time"));
	}
	json_decref(root);
	return n;
}

#define N_DEL	1000
#define N_LOG	(N_DEL + 256)	/* room for requests that are not the repair */

/* The first of the n times ts (in order) after t0, or -1. */
static double
first_after(const double *ts, int n, double t0)
{
	for (int k = 0; k < n; k++)
		if (ts[k] > t0)
			return ts[k];
	return -1;
}

/* How many of the n times ts (in order) come before t0. */
static int
count_before(const double *ts, int n, double t0)
{
	int k = 0;

	while (k < n && ts[k] < t0)
		k++;
	return k;
}

/*
 * B5 in the whole trio: 1,000 DNS entries and 1,000 routes deleted behind
 * torc-routed's back (through the control API), then repaired by its
 * periodic reconcile.  From the simulator's request logs: the repair
 * itself (the reconcile's listing -> the last of the 1,000 re-created),
 * and deletion -> repaired (includes waiting for the next reconcile,
 * statesync.poll_interval_in_seconds = 10 here).  The deletions start
 * right after a reconcile has listed both systems, so that the next
 * reconcile sees them all: deletions made while a reconcile lists would
 * be repaired half by it and half by the next one, 10 s later.
 */
static void
repair(void)
{
	static double reg[N_LOG], post[N_LOG], lc[64], ls[64];
	double c0 = -1, s0 = -1;
	int early_c = 0, early_s = 0;
	json_t *root = NULL, *it;
	char body[128];
	double t_del, v[1];
	int n_dns = 0, n_rt = 0, nreg = 0, npost = 0, nlc = 0, nls = 0;
	size_t i;
	int64_t end;

	bt_ctl(t, "DELETE", "/consul/requests", NULL, NULL);
	bt_ctl(t, "DELETE", "/switch/requests", NULL, NULL);
	end = mono_ms() + 30000;
	while (mono_ms() < end &&
	    (log_times("consul", "GET", "/v1/agent/services", lc, 64) < 1 ||
	    log_times("switch", "GET", "state/IPv4Routes", ls, 64) < 1))
		usleep(20000);
	if (mono_ms() >= end) {
		bt_error("scale.repair_1k", "no reconcile listed both systems "
		    "within 30 s");
		return;
	}
	bt_ctl(t, "DELETE", "/consul/requests", NULL, NULL);
	bt_ctl(t, "DELETE", "/switch/requests", NULL, NULL);
	if (bt_ctl(t, "GET", "/consul/services", NULL, &root) == 200)
		json_array_foreach(json_object_get(root, "services"), i, it) {
			const char *id = json_string_value(json_object_get(it,
			    "ID"));

			if (n_dns >= N_DEL || id == NULL ||
			    strncmp(id, "torc-sys", 8) != 0)
				continue;
			snprintf(body, sizeof(body), "{\"id\":\"%s\"}", id);
			if (bt_ctl(t, "POST", "/consul/delete", body, NULL) ==
			    200)
				n_dns++;
		}
	json_decref(root);
	root = NULL;
	if (bt_ctl(t, "GET", "/switch/routes", NULL, &root) == 200)
		json_array_foreach(json_object_get(root, "routes"), i, it) {
			const char *p = json_string_value(json_object_get(it,
			    "prefix"));

			if (n_rt >= N_DEL || p == NULL)
				continue;
			snprintf(body, sizeof(body), "{\"prefix\":\"%s\"}", p);
			if (bt_ctl(t, "POST", "/switch/delete", body, NULL) ==
			    200)
				n_rt++;
		}
	json_decref(root);
	t_del = bt_wall();
	if (n_dns != N_DEL || n_rt != N_DEL) {
		bt_error("scale.repair_1k", "deleted %d entries and %d routes",
		    n_dns, n_rt);
		return;
	}
	/*
	 * The reconcile that repaired is the first to list after the
	 * deletions; a request of the same kind before it (the route of a
	 * task restarted meanwhile) is not part of the repair.
	 */
	end = mono_ms() + 60000;
	while (mono_ms() < end) {
		nreg = log_times("consul", "PUT", "/register", reg, N_LOG);
		npost = log_times("switch", "POST", "IPv4Route", post, N_LOG);
		nlc = log_times("consul", "GET", "/v1/agent/services", lc, 64);
		nls = log_times("switch", "GET", "state/IPv4Routes", ls, 64);
		c0 = first_after(lc, nlc, t_del);
		s0 = first_after(ls, nls, t_del);
		early_c = count_before(reg, nreg, c0);
		early_s = count_before(post, npost, s0);
		if (c0 > 0 && s0 > 0 && nreg - early_c >= N_DEL &&
		    npost - early_s >= N_DEL)
			break;
		usleep(200000);
	}
	if (c0 < 0 || s0 < 0 || nreg - early_c < N_DEL ||
	    npost - early_s < N_DEL) {
		bt_error("scale.repair_1k", "after 60 s: %d entries and %d "
		    "routes re-created after a reconcile's listing",
		    c0 < 0 ? 0 : nreg - early_c, s0 < 0 ? 0 : npost - early_s);
		return;
	}
	if (early_c > 0 || early_s > 0)
		fprintf(stderr, BENCH ": repair: %d registration(s) and %d "
		    "route(s) before the repairing reconcile, not counted\n",
		    early_c, early_s);
	{
		double last_c = reg[early_c + N_DEL - 1];
		double last_s = post[early_s + N_DEL - 1];
		double dc, ds;

		/*
		 * From the end of the listing: the switch's comes in pages,
		 * the last one before the first re-create.
		 */
		for (int k = 0; k < nlc; k++)
			if (lc[k] > c0 && lc[k] <= reg[early_c])
				c0 = lc[k];
		for (int k = 0; k < nls; k++)
			if (ls[k] > s0 && ls[k] <= post[early_s])
				s0 = ls[k];
		dc = (last_c - c0) * 1000.0;
		ds = (last_s - s0) * 1000.0;

		v[0] = dc;
		bt_report("scale.repair_1k_dns_of_10k", "ms", v, 1, 1000, true);
		v[0] = ds;
		bt_report("scale.repair_1k_routes_of_10k", "ms", v, 1, 1000,
		    true);
		v[0] = ((last_c > last_s ? last_c : last_s) - t_del) * 1000.0;
		bt_report("scale.repair_1k_after_deletion", "ms", v, 1, 0,
		    true);
		fprintf(stderr, BENCH ": repair: DNS %.0f ms, routes %.0f ms "
		    "from the reconcile's listing; %.0f ms after the deletion\n",
		    dc, ds, v[0]);
	}
}

int
main(int argc, char **argv)
{
	static char agents[16];
	static const char *sim_args[] = { "--agents-count", agents,
	    "--task-start-delay", "0", "--seed", "1", NULL };
	int wins = getenv("BENCH_SCALE_WINDOWS") ?
	    atoi(getenv("BENCH_SCALE_WINDOWS")) : 5;
	int win_s = getenv("BENCH_SCALE_WINDOW_S") ?
	    atoi(getenv("BENCH_SCALE_WINDOW_S")) : 8;
	bool keep = getenv("BENCH_SCALE_KEEP") != NULL;
	const char *lvl = getenv("BENCH_LOG_LEVEL");
	double t0, t_run = -1, t_prog = -1, v[MAX_WIN];
	double tot0[2];
	double rss[3][MAX_WIN];
	double cpu_sd[MAX_WIN], cpu_rt[MAX_WIN], cpu_ap[MAX_WIN],
	    cpu_sim[MAX_WIN], rtt[400];
	struct counts c = { 0 };
	uint64_t ev_count, ev_gaps;
	double ev_first, ev_last;
	int64_t end;

	(void)argc;
	if (getenv("BENCH_SCALE_AGENTS") != NULL &&
	    atoi(getenv("BENCH_SCALE_AGENTS")) >= 10 &&
	    atoi(getenv("BENCH_SCALE_AGENTS")) <= 1000)
		N_NODES = atoi(getenv("BENCH_SCALE_AGENTS"));
	snprintf(agents, sizeof(agents), "%d", N_NODES);
	if (wins < 1 || wins > MAX_WIN)
		wins = 5;
	if (win_s < 1 || win_s > 120)
		win_s = 8;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (bt_init(t, BENCH, argv[0]) != 0 || write_config() != 0) {
		bt_error("scale.all_running", "temp dir, ports or config");
		bt_done(t, keep);
		return 0;
	}
	if (bt_sim_start(t, sim_args) != 0) {
		bt_error("scale.all_running", "torc-sim did not start");
		bt_done(t, true);
		return 0;
	}
	t0 = bt_wall();
	if (bt_trio_start(t, lvl != NULL ? lvl : "warn") != 0 ||
	    bt_sub_start(t, &S) != 0) {
		bt_error("scale.all_running", "the trio did not start");
		bt_done(t, true);
		return 0;
	}
	for (int g = 0; g < N_GROUPS; g++) {
		char path[64];
		int64_t until = mono_ms() + 20000;

		snprintf(path, sizeof(path), "/start/group?name=grp%d", g);
		/* apid answers 503 until it has synced with schedd. */
		while (bt_api(t, "GET", path, NULL) != 200 &&
		    mono_ms() < until)
			usleep(50000);
	}
	end = mono_ms() + (getenv("BENCH_WRAP_SCHEDD") ? 900000 : 240000);
	while (mono_ms() < end) {
		if (!bt_alive(t->schedd) || !bt_alive(t->routed) ||
		    !bt_alive(t->apid))
			break;
		if (counts(&c)) {
			if (t_run < 0 && c.running >= N_TOTAL)
				t_run = bt_wall();
			if (t_prog < 0 && c.dns >= N_TOTAL &&
			    c.routes >= N_TOTAL)
				t_prog = bt_wall();
			if (t_run > 0 && t_prog > 0)
				break;
		}
		usleep(250000);
	}
	pthread_mutex_lock(&S.mu);
	ev_count = S.count;
	ev_gaps = S.gaps;
	ev_first = S.first;
	ev_last = S.last;
	pthread_mutex_unlock(&S.mu);
	if (t_run < 0 || t_prog < 0) {
		bt_error("scale.all_running", "after 240 s: %.0f of %d "
		    "running, %.0f DNS entries and %.0f routes programmed",
		    c.running, N_TOTAL, c.dns, c.routes);
		keep = true;
		goto out;
	}
	v[0] = t_run - t0;
	bt_report("scale.all_running_10k", "s", v, 1, 0, true);
	v[0] = t_prog - t0;
	bt_report("scale.all_programmed_10k", "s", v, 1, 0, true);
	v[0] = (double)ev_count;
	bt_report("bus.events_burst_10k", "events", v, 1, 0, true);
	v[0] = ev_last > ev_first ? (double)ev_count / (ev_last - ev_first) :
	    0;
	bt_report("bus.events_per_s_burst", "events/s", v, 1, 0, false);
	v[0] = (double)ev_gaps;
	bt_report("bus.events_seq_gaps", "gaps", v, 1, 0, true);
	fprintf(stderr, BENCH ": %d running after %.1f s, programmed after "
	    "%.1f s; %llu events in %.1f s, %llu gaps\n", N_TOTAL, t_run - t0,
	    t_prog - t0, (unsigned long long)ev_count, ev_last - ev_first,
	    (unsigned long long)ev_gaps);

	/* Steady state: settle, then windows of CPU time. */
	sleep(10);
	tot0[0] = bt_cpu_s(t->schedd);
	tot0[1] = bt_wall();
	for (int w = 0; w < wins; w++) {
		double a = bt_cpu_s(t->schedd), b = bt_cpu_s(t->routed);
		double d = bt_cpu_s(t->apid), e = bt_cpu_s(t->sim);
		int64_t w0 = mono_us();
		double secs;

		sleep((unsigned)win_s);
		secs = (double)(mono_us() - w0) / 1e6;
		cpu_sd[w] = (bt_cpu_s(t->schedd) - a) * 100.0 / secs;
		cpu_rt[w] = (bt_cpu_s(t->routed) - b) * 100.0 / secs;
		cpu_ap[w] = (bt_cpu_s(t->apid) - d) * 100.0 / secs;
		cpu_sim[w] = (bt_cpu_s(t->sim) - e) * 100.0 / secs;
		/* RSS moves with each reconcile: one sample per window. */
		rss[0][w] = bt_status_mb(t->schedd, "VmRSS:");
		rss[1][w] = bt_status_mb(t->routed, "VmRSS:");
		rss[2][w] = bt_status_mb(t->apid, "VmRSS:");
		fprintf(stderr, BENCH ": window %d (%.1f s): CPU schedd %.2f "
		    "routed %.2f apid %.2f sim %.2f %%\n", w + 1, secs,
		    cpu_sd[w], cpu_rt[w], cpu_ap[w], cpu_sim[w]);
	}
	/* The share of a core over every window together is the target. */
	v[0] = (bt_cpu_s(t->schedd) - tot0[0]) * 100.0 / (bt_wall() - tot0[1]);
	bt_report("scale.schedd_cpu_steady_avg", "%core", v, 1, 5, true);
	bt_report("scale.schedd_cpu_steady_window", "%core", cpu_sd, wins, 0,
	    true);
	bt_report("scale.routed_cpu_steady_window", "%core", cpu_rt, wins, 0, true);
	bt_report("scale.apid_cpu_steady_window", "%core", cpu_ap, wins, 0, true);
	bt_report("scale.sim_cpu_steady_window", "%core", cpu_sim, wins, 0, true);
	{
		static const char *const names[3] = { "schedd", "routed",
		    "apid" };
		pid_t pids[3] = { t->schedd, t->routed, t->apid };

		for (int i = 0; i < 3; i++) {
			char n[64];

			snprintf(n, sizeof(n), "scale.%s_rss_10k", names[i]);
			bt_report(n, "MB", rss[i], wins, 64, true);
			v[0] = bt_status_mb(pids[i], "VmHWM:");
			snprintf(n, sizeof(n), "scale.%s_peak_rss_10k",
			    names[i]);
			bt_report(n, "MB", v, 1, 64, true);
		}
	}
	/* req/rep at this size, several rounds of 100. */
	{
		double p50[4], p99[4];

		for (int r = 0; r < 4; r++) {
			for (int i = 0; i < 100; i++)
				rtt[i] = ipc_rtt_ms();
			p50[r] = bt_pct(rtt, 100, 50);
			p99[r] = bt_pct(rtt, 100, 99);
		}
		bt_report("bus.reqrep_rtt_10k_p50", "ms", p50, 4, 0, true);
		bt_report("bus.reqrep_rtt_10k_p99", "ms", p99, 4, 0, true);
	}
	repair();
out:
	bt_sub_stop(&S);
	bt_done(t, keep);
	curl_global_cleanup();
	return 0;
}
