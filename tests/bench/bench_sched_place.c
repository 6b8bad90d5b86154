/*
 * bench_sched_place.c - cost of placement: one agent's offer batch
 * against 10,000 pending services on a rack of 1,000 nodes (target under
 * 1 ms), and the rack-wide explanation of every pending service.
 * Output: one JSON object per line, like the other benchmarks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monotime.h"
#include "torc-schedd/sched.h"
#include "util.h"

#define RUNS		15
#define N_NODES		1000
#define N_SVCS		10000

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
report(const char *name, double *v, int n, double target)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("{\"name\":\"%s\",\"unit\":\"ms\",\"median\":%.3f,"
	    "\"min\":%.3f,\"max\":%.3f", name, v[n / 2], v[0], v[n - 1]);
	if (target > 0)
		printf(",\"target\":%.3f,\"pass\":%s", target,
		    v[n / 2] <= target ? "true" : "false");
	printf("}\n");
}

int
main(void)
{
	struct torc_config cfg;
	struct cfg_service def;
	struct sched_state st;
	struct sched_now now = { .mono_ms = 1000, .wall_s = 1700000000 };
	struct sched_svc **out = xcalloc(N_SVCS, sizeof(*out));
	double place_ms[RUNS], explain_ms[RUNS];
	size_t placed = 0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "torc-scheduler";
	memset(&st, 0, sizeof(st));
	st.cfg = &cfg;
	for (int i = 0; i < N_NODES; i++) {
		char name[32], agent[32];
		bool added;

		snprintf(name, sizeof(name), "node-%04d", i);
		snprintf(agent, sizeof(agent), "agent-%04d", i);
		sched_node_seen(&st, agent, name, name, "slave", "compute",
		    &now, &added);
	}
	memset(&def, 0, sizeof(def));
	def.image_name = "attinnovate/charmander-pcp";
	def.node_type = "slave";
	def.node_function = "";
	def.dependent_service = "";
	def.arguments = "-p 9091";
	def.parameters = "--ipc=host";
	def.network_type = "host";
	def.memory = 128.0;
	def.cpu = 0.2;
	for (int i = 0; i < N_SVCS; i++) {
		char name[32], node[32];

		snprintf(name, sizeof(name), "svc-%05d", i);
		snprintf(node, sizeof(node), "node-%04d", i % N_NODES);
		def.name = name;
		sched_svc_insert(&st, sched_svc_new(&cfg, &def, name, node,
		    i % 2 ? TSVC_KIND_SYSTEM : TSVC_KIND_ONDEMAND, "", &now));
	}
	for (int r = 0; r < RUNS; r++) {
		struct sched_place_agent a = { .node = st.nodes[r], .cpus = 16,
		    .mem = 65536 };
		int64_t t0 = mono_us();

		placed = sched_place(&st, &a, out, N_SVCS);
		place_ms[r] = (double)(mono_us() - t0) / 1000.0;
		t0 = mono_us();
		for (size_t i = 0; i < st.n_svcs; i++)
			sched_place_explain(&st, st.svcs[i]);
		explain_ms[r] = (double)(mono_us() - t0) / 1000.0;
	}
	report("sched_place_10k_pending", place_ms, RUNS, 1.0);
	report("sched_explain_10k_pending", explain_ms, RUNS, 0);
	fprintf(stderr, "placed %zu per batch\n", placed);
	sched_state_free(&st);
	free(out);
	return 0;
}
