/*
 * sim_mesos.c - torc-sim's Mesos master: the v1 scheduler HTTP API with
 * simulated agents.  (Skeleton: serves nothing yet.)
 */
#include <stdio.h>

#include "sim.h"

int
sim_mesos_start(const struct sim_opts *o, char *err, size_t errlen)
{
	(void)o;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	return 0;
}

void
sim_mesos_stop(void)
{
}

json_t *
sim_mesos_control(const char *path, const char *method, json_t *body,
    int *status)
{
	(void)path;
	(void)method;
	(void)body;
	*status = 501;
	return json_pack("{s:s}", "error", "not implemented");
}
