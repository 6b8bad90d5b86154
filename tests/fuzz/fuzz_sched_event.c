/*
 * fuzz_sched_event.c - torc-schedd's Event decoder
 * (torc-schedd/sched_mesos_wire.c): every input is one RecordIO record
 * given to mesos_event_decode(), which must either fill the struct (then
 * every string it promises is readable) or fail cleanly; and the same
 * bytes as the docker inspect JSON of a TaskStatus.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "torc-schedd/sched_mesos_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
fz_len(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mesos_event ev;
	char err[256], *ip, *id, *host;
	volatile size_t sum = 0;

	if (mesos_event_decode(data, size, &ev, err, sizeof(err)) == 0) {
		sum += fz_len(ev.framework_id) + fz_len(ev.offer_id) +
		    fz_len(ev.message) + fz_len(ev.agent_id);
		for (size_t i = 0; i < ev.n_offers; i++) {
			sum += strlen(ev.offers[i].id) +
			    strlen(ev.offers[i].hostname);
			for (size_t k = 0; k < ev.offers[i].n_attrs; k++)
				sum += strlen(ev.offers[i].attrs[k].value);
		}
		for (size_t i = 0; i < ev.n_inverse; i++)
			sum += strlen(ev.inverse_ids[i]);
		if (ev.type == MESOS_EV_UPDATE)
			sum += strlen(ev.status.task_id) +
			    strlen(ev.status.container_ip) +
			    strlen(ev.status.container_id) +
			    strlen(ev.status.hostname) +
			    strlen(ev.status.reason_name);
		mesos_event_clear(&ev);
	} else
		sum += strlen(err);
	mesos_inspect_parse(data, size, &ip, &id, &host);
	sum += strlen(ip) + strlen(id) + strlen(host);
	free(ip);
	free(id);
	free(host);
	(void)sum;
	return 0;
}
