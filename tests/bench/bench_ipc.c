/*
 * bench_ipc.c - cost of the bus codec: one service update encoded and
 * decoded, and a snapshot of 10,000 services (what a resync moves).
 * Each figure is the median of several runs, with min and max.
 * Output: one JSON object per line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monotime.h"
#include "torc_ipc.h"
#include "util.h"

#define RUNS	7

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
report(const char *name, const char *unit, double *v, int n, double target,
    bool lower_better)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("{\"name\":\"%s\",\"unit\":\"%s\",\"median\":%.3f,"
	    "\"min\":%.3f,\"max\":%.3f", name, unit, v[n / 2], v[0], v[n - 1]);
	if (target > 0)
		printf(",\"target\":%.3f,\"pass\":%s", target,
		    (lower_better ? v[n / 2] <= target : v[n / 2] >= target) ?
		    "true" : "false");
	printf("}\n");
}

static void
fill_service(struct tmsg_service *s, int i, char *namebuf, size_t len)
{
	static struct tmsg_volume vol = { "/var/log", "/var/log", false };

	memset(s, 0, sizeof(*s));
	snprintf(namebuf, len, "svc-%05d", i);
	s->name = namebuf;
	s->group = "group-a";
	s->controller = "torc-scheduler";
	s->kind = TSVC_KIND_ONDEMAND;
	s->image = "attinnovate/charmander-pcp";
	s->node_name = "bladerunner3";
	s->arguments = "--master 10.250.3.20 --config config.yml";
	s->parameters = "--ipc=host";
	s->memory = 128.0;
	s->cpu = 0.2;
	s->volumes = &vol;
	s->n_volumes = 1;
	s->network_type = "torc";
	s->state = TSVC_RUNNING;
	s->task_id = "svc.3f2b7c1e-8d4a-4b6f-9e2d-1a5c7b9d0e3f";
	s->agent_id = "a49a6f78-be84-4473-bc7a-94d0864671bd-S3";
	s->node = "bladerunner3";
	s->container_id = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";
	s->ip = "192.168.13.7";
	s->last_update = 1764000000;
}

int
main(void)
{
	enum { N_UPD = 100000, N_SNAP = 10000 };
	double upd[RUNS], enc[RUNS], dec[RUNS];
	struct tmsg m = { .type = TMSG_SVC_UPDATE };
	char name[32], err[256];
	size_t snap_len = 0;

	fill_service(&m.u.svc, 1, name, sizeof(name));
	for (int r = 0; r < RUNS; r++) {
		int64_t t0 = mono_us();

		for (int i = 0; i < N_UPD; i++) {
			struct tmsg out;
			void *buf;
			size_t len;

			m.seq = (uint64_t)i + 1;
			if (tmsg_encode(&m, &buf, &len, err, sizeof(err)) != 0 ||
			    tmsg_decode(buf, len, &out, err, sizeof(err)) != 0) {
				fprintf(stderr, "codec: %s\n", err);
				return 1;
			}
			free(buf);
			tmsg_free(&out);
		}
		upd[r] = (double)N_UPD / ((double)(mono_us() - t0) / 1e6);
	}
	report("ipc.svc_update_roundtrip", "msgs/s", upd, RUNS, 0, false);

	{
		struct tmsg snap = { .type = TMSG_SYNC_REP, .seq = 1 };
		struct tmsg_service *svcs = xcalloc(N_SNAP, sizeof(*svcs));
		char (*names)[32] = xcalloc(N_SNAP, 32);

		for (int i = 0; i < N_SNAP; i++)
			fill_service(&svcs[i], i, names[i], 32);
		snap.u.snap.services = svcs;
		snap.u.snap.n_services = N_SNAP;
		for (int r = 0; r < RUNS; r++) {
			struct tmsg out;
			void *buf;
			int64_t t0 = mono_us(), t1;

			if (tmsg_encode(&snap, &buf, &snap_len, err,
			    sizeof(err)) != 0) {
				fprintf(stderr, "encode: %s\n", err);
				return 1;
			}
			t1 = mono_us();
			if (tmsg_decode(buf, snap_len, &out, err,
			    sizeof(err)) != 0) {
				fprintf(stderr, "decode: %s\n", err);
				return 1;
			}
			enc[r] = (double)(t1 - t0) / 1000.0;
			dec[r] = (double)(mono_us() - t1) / 1000.0;
			free(buf);
			tmsg_free(&out);
		}
		free(svcs);
		free(names);
	}
	report("ipc.snapshot_10k_encode", "ms", enc, RUNS, 0, true);
	report("ipc.snapshot_10k_decode", "ms", dec, RUNS, 0, true);
	printf("{\"name\":\"ipc.snapshot_10k_size\",\"unit\":\"bytes\","
	    "\"median\":%zu,\"min\":%zu,\"max\":%zu}\n", snap_len, snap_len,
	    snap_len);
	return 0;
}
