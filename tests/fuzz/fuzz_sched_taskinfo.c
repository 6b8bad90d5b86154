/*
 * fuzz_sched_taskinfo.c - the free-text fields of a service definition
 * (torc-schedd/sched_taskinfo.c): the input, cut at its first NUL into
 * `parameters` and `arguments`, goes through both parsers and the
 * TaskInfo builder; each must accept or refuse it cleanly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "torc-schedd/sched_taskinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mesos_task_spec sp = {
		.task_id = "svc.1",
		.name = "svc",
		.agent_id = "S1",
		.image = "img",
		.cpus = 1,
		.mem = 32,
	};
	struct sched_param *p;
	Mesos__V1__TaskInfo *ti;
	char *buf, **argv, err[256];
	const char *args;
	size_t n;

	buf = malloc(size + 2);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	args = buf + strlen(buf) + 1;
	if (args > buf + size)
		args = buf + size;
	if (sched_params_parse(buf, &p, &n, err, sizeof(err)) == 0)
		sched_params_free(p, n);
	if (sched_args_split(args, &argv, &n, err, sizeof(err)) == 0)
		sched_args_free(argv);
	sp.parameters = buf;
	sp.arguments = args;
	sp.network_type = args;
	ti = sched_taskinfo_build(&sp, err, sizeof(err));
	sched_taskinfo_free(ti);
	free(buf);
	return 0;
}
