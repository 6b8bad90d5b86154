/*
 * bench_routed.c - torc-routed on torc-sim with a stand-in schedd:
 *   - event latency: a service starts -> its Consul entry and its route
 *     are programmed, p50 and p99: from the stand-in's publish to the
 *     later of the two requests as the simulator logged them (its own
 *     times; the bench looks every millisecond and does not ask routed,
 *     so it loads neither);
 *   - initial programming of 10,000 services (10,000 DNS entries and
 *     10,000 routes) from a snapshot;
 *   - full reconcile at that size: routed restarted with everything in
 *     place (two listings, the diff, nothing to change);
 *   - repair after 1,000 DNS entries and 1,000 routes deleted behind its
 *     back (includes waiting for the next reconcile, 1 s here);
 *   - routed's RSS at that size.
 * Output: one JSON object per line, like bench_ipc.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_log.h"
#include "monotime.h"
#include "tests/integ/routed_harness.h"
#include "torc_ipc.h"
#include "util.h"

#define N_LAT	200
#define N_BULK	10000
#define N_DEL	1000

static struct rh H;
static struct rh *const h = &H;

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
report(const char *name, const char *unit, double med, double min,
    double max, double target)
{
	printf("{\"name\":\"%s\",\"unit\":\"%s\",\"median\":%.3f,"
	    "\"min\":%.3f,\"max\":%.3f", name, unit, med, min, max);
	if (target > 0)
		printf(",\"target\":%.3f,\"pass\":%s", target,
		    med <= target ? "true" : "false");
	printf("}\n");
	fflush(stdout);
}

/* When the simulator's sys first got method with needle; -1: not yet. */
static double
request_time(const char *sys, const char *method, const char *needle)
{
	char path[64];
	json_t *root = NULL;
	double when = -1;

	snprintf(path, sizeof(path), "/%s/requests", sys);
	if (rh_ctl(h, "GET", path, NULL, &root) == 200 && root != NULL)
		when = bench_request_time(root, method, needle);
	json_decref(root);
	return when;
}

struct counts {
	uint32_t	 dns_prog, route_prog;
	bool		 dns_ok, route_ok;	/* the named pair */
};

/* routed's status; name/prefix (may be NULL) are looked for. */
static int
status(const char *name, const char *prefix, struct counts *c)
{
	struct tmsg req = { .type = TMSG_ROUTED_STATUS_REQ, .seq = 1 }, rep;
	char err[256];
	void *buf;
	size_t len;

	memset(c, 0, sizeof(*c));
	if (tmsg_encode(&req, &buf, &len, err, sizeof(err)) != 0)
		return -1;
	if (rh_routed_request(h, buf, len, &rep) != 0) {
		free(buf);
		return -1;
	}
	free(buf);
	if (rep.type != TMSG_ROUTED_STATUS_REP) {
		tmsg_free(&rep);
		return -1;
	}
	for (uint32_t i = 0; i < rep.u.routed.n_dns; i++) {
		struct tmsg_route_entry *e = &rep.u.routed.dns[i];
		bool prog = strcmp(e->status, "programmed") == 0;

		c->dns_prog += prog;
		if (name != NULL && prog && strcmp(e->name, name) == 0)
			c->dns_ok = true;
	}
	for (uint32_t i = 0; i < rep.u.routed.n_routes; i++) {
		struct tmsg_route_entry *e = &rep.u.routed.routes[i];
		bool prog = strcmp(e->status, "programmed") == 0;

		c->route_prog += prog;
		if (prefix != NULL && prog && strcmp(e->key, prefix) == 0)
			c->route_ok = true;
	}
	tmsg_free(&rep);
	return 0;
}

struct want_counts {
	uint32_t dns, routes;
};

static bool
all_programmed(struct rh *r, void *arg)
{
	struct want_counts *w = arg;
	struct counts c;

	(void)r;
	return status(NULL, NULL, &c) == 0 && c.dns_prog >= w->dns &&
	    c.route_prog >= w->routes;
}

static void
bulk_ip(int i, char *buf, size_t len)
{
	snprintf(buf, len, "172.16.%d.%d", i / 250, i % 250 + 1);
}

/* How many torc-bulk entries Consul and routes the switch hold. */
static bool
sim_has_all(struct rh *r, void *arg)
{
	json_t *root = NULL;
	size_t n_dns = 0, n_routes = 0, i;
	json_t *it;

	(void)arg;
	if (rh_ctl(r, "GET", "/consul/services", NULL, &root) == 200)
		json_array_foreach(json_object_get(root, "services"), i, it) {
			const char *id = json_string_value(json_object_get(it,
			    "ID"));

			if (id != NULL && strncmp(id, "torc-bulk", 9) == 0)
				n_dns++;
		}
	json_decref(root);
	root = NULL;
	if (rh_ctl(r, "GET", "/switch/routes", NULL, &root) == 200)
		json_array_foreach(json_object_get(root, "routes"), i, it) {
			const char *p = json_string_value(json_object_get(it,
			    "prefix"));

			if (p != NULL && strncmp(p, "172.16.", 7) == 0)
				n_routes++;
		}
	json_decref(root);
	return n_dns == N_BULK && n_routes == N_BULK;
}

/* CPU time routed has used, ms (user + system). */
static double
routed_cpu_ms(void)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)h->routed_pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return -1;
	return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

static long
routed_rss_kb(void)
{
	char path[64], line[256];
	long kb = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)h->routed_pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(fp);
	return kb;
}

int
main(void)
{
	double lat[N_LAT];
	struct want_counts base = { 3, 0 }, full;
	int64_t t0;
	double ms;

	setenv("RH_LOG_LEVEL", "warn", 0);
	if (rh_init(h, 1, true) != 0)
		return 1;
	rh_put_node(h, "bladerunner1", "10.250.3.21");
	rh_put_node(h, "bladerunner2", "10.250.3.22");
	if (rh_routed_start(h) != 0 ||
	    !rh_wait(10000, all_programmed, h, &base)) {
		fprintf(stderr, "bench_routed: routed did not start\n");
		rh_done(h, true);
		return 1;
	}

	/* Event latency, one service at a time. */
	for (int i = 0; i < N_LAT; i++) {
		char name[32], ip[32], key[48], quoted[40];
		double w0, t_dns = -1, t_route = -1;
		int64_t end;

		snprintf(name, sizeof(name), "lat%d", i);
		snprintf(ip, sizeof(ip), "192.168.%d.%d", 100 + i / 250,
		    i % 250 + 1);
		snprintf(key, sizeof(key), "\"torc-%s\"", name);
		snprintf(quoted, sizeof(quoted), "\"%s\"", ip);
		rh_ctl(h, "DELETE", "/consul/requests", NULL, NULL);
		rh_ctl(h, "DELETE", "/switch/requests", NULL, NULL);
		usleep(5000);		/* the previous one's tail is over */
		w0 = bench_wall();
		end = mono_ms() + 5000;
		rh_put_service(h, name, ip, i % 2 ? "bladerunner1" :
		    "bladerunner2", "torc", true);
		while ((t_dns < 0 || t_route < 0) && mono_ms() < end) {
			usleep(1000);
			if (t_dns < 0)
				t_dns = request_time("consul", "PUT", key);
			if (t_route < 0)
				t_route = request_time("switch", "POST",
				    quoted);
		}
		if (t_dns < 0 || t_route < 0) {
			fprintf(stderr, "bench_routed: %s not programmed "
			    "within 5 s\n", name);
			rh_done(h, true);
			return 1;
		}
		lat[i] = ((t_dns > t_route ? t_dns : t_route) - w0) * 1000.0;
	}
	qsort(lat, N_LAT, sizeof(lat[0]), cmp_double);
	report("routed.event_to_programmed_p50", "ms", lat[N_LAT / 2], lat[0],
	    lat[N_LAT - 1], 0);
	report("routed.event_to_programmed_p99", "ms",
	    lat[N_LAT * 99 / 100], lat[0], lat[N_LAT - 1], 5.0);
	for (int i = 0; i < N_LAT; i++) {
		char name[32];

		snprintf(name, sizeof(name), "lat%d", i);
		fake_schedd_remove_service(h->fs, name);
	}

	/* 10,000 services while routed is down, then from its snapshot. */
	rh_routed_stop(h, false);
	for (int i = 0; i < N_BULK; i++) {
		char name[32], ip[32];

		snprintf(name, sizeof(name), "bulk%05d", i);
		bulk_ip(i, ip, sizeof(ip));
		rh_put_service(h, name, ip, i % 2 ? "bladerunner1" :
		    "bladerunner2", "torc", true);
	}
	full.dns = N_BULK + 3;
	full.routes = N_BULK;
	t0 = mono_us();
	rh_routed_start(h);
	if (!rh_wait_every(120000, 200, all_programmed, h, &full)) {
		fprintf(stderr, "bench_routed: 10k not programmed\n");
		rh_done(h, true);
		return 1;
	}
	ms = (double)(mono_us() - t0) / 1000.0;
	report("routed.initial_program_10k", "ms", ms, ms, ms, 0);
	ms = routed_cpu_ms();
	report("routed.initial_program_10k_cpu", "ms", ms, ms, ms, 0);
	/*
	 * RSS at rest: sampled every 100 ms over 3 s once programming is
	 * done (reconciles run every second here, so some samples catch
	 * one), median with min and max.
	 */
	{
		double rss[30];

		for (int i = 0; i < 30; i++) {
			usleep(100000);
			rss[i] = routed_rss_kb() / 1024.0;
		}
		qsort(rss, 30, sizeof(rss[0]), cmp_double);
		report("routed.rss_10k", "MB", rss[15], rss[0], rss[29], 32);
	}

	/* Restart with everything in place: one full reconcile. */
	rh_routed_stop(h, false);
	rh_ctl(h, "DELETE", "/switch/requests", NULL, NULL);
	t0 = mono_us();
	rh_routed_start(h);
	if (!rh_wait_every(60000, 50, all_programmed, h, &full)) {
		fprintf(stderr, "bench_routed: reconcile did not converge\n");
		rh_done(h, true);
		return 1;
	}
	ms = (double)(mono_us() - t0) / 1000.0;
	report("routed.full_reconcile_10k", "ms", ms, ms, ms, 1000.0);
	ms = routed_cpu_ms();
	report("routed.full_reconcile_10k_cpu", "ms", ms, ms, ms, 0);
	printf("{\"name\":\"routed.reconcile_10k_switch_writes\","
	    "\"unit\":\"requests\",\"median\":%d,\"min\":0,\"max\":0}\n",
	    rh_count_requests(h, "switch", "POST", NULL) +
	    rh_count_requests(h, "switch", "DELETE", NULL));

	/* Repair after 1,000 of each deleted behind its back. */
	t0 = mono_us();
	for (int i = 0; i < N_DEL; i++) {
		char body[96], ip[32];

		bulk_ip(i * (N_BULK / N_DEL), ip, sizeof(ip));
		snprintf(body, sizeof(body), "{\"prefix\":\"%s/32\"}", ip);
		rh_ctl(h, "POST", "/switch/delete", body, NULL);
		snprintf(body, sizeof(body), "{\"id\":\"torc-bulk%05d\"}",
		    i * (N_BULK / N_DEL));
		rh_ctl(h, "POST", "/consul/delete", body, NULL);
	}
	if (!rh_wait_every(60000, 50, sim_has_all, h, NULL)) {
		fprintf(stderr, "bench_routed: repair did not converge\n");
		rh_done(h, true);
		return 1;
	}
	ms = (double)(mono_us() - t0) / 1000.0;
	report("routed.repair_1k_deleted_of_10k", "ms", ms, ms, ms, 0);
	rh_done(h, false);
	return 0;
}
