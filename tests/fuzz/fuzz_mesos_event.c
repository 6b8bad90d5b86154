/*
 * fuzz_mesos_event.c - what torc-schedd does with the bytes of the
 * SUBSCRIBE response: RecordIO-decode them and unpack every record as a
 * mesos.v1.scheduler.Event, touching the fields it reads.
 */
#include <stdint.h>
#include <stdlib.h>

#include "recordio.h"
#include "mesos/mesos.pb-c.h"
#include "mesos/scheduler.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
fz_walk_status(const Mesos__V1__TaskStatus *st)
{
	size_t n = 0;

	n += st->task_id != NULL ? 1 : 0;
	if (st->container_status != NULL) {
		for (size_t i = 0; i < st->container_status->n_network_infos;
		    i++) {
			Mesos__V1__NetworkInfo *ni =
			    st->container_status->network_infos[i];

			n += ni->n_ip_addresses;
		}
	}
	n += st->has_uuid ? st->uuid.len : 0;
	return n;
}

static int
fz_event(void *arg, const uint8_t *rec, size_t len)
{
	Mesos__V1__Scheduler__Event *ev;
	size_t *sum = arg;

	ev = mesos__v1__scheduler__event__unpack(NULL, len, rec);
	if (ev == NULL)
		return 0;
	if (ev->offers != NULL) {
		for (size_t i = 0; i < ev->offers->n_offers; i++) {
			Mesos__V1__Offer *o = ev->offers->offers[i];

			*sum += o->n_resources + o->n_attributes;
			for (size_t k = 0; k < o->n_attributes; k++)
				if (o->attributes[k]->text != NULL)
					*sum += 1;
		}
	}
	if (ev->update != NULL)
		*sum += fz_walk_status(ev->update->status);
	if (ev->subscribed != NULL)
		*sum += ev->subscribed->framework_id != NULL;
	mesos__v1__scheduler__event__free_unpacked(ev, NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recordio_decoder d;
	size_t sum = 0;

	recordio_decoder_init(&d, 1u << 20, fz_event, &sum);
	/* Two chunks, split in the middle: records spanning chunks. */
	if (recordio_feed(&d, data, size / 2) == 0)
		(void)recordio_feed(&d, data + size / 2, size - size / 2);
	(void)recordio_finish(&d);
	recordio_decoder_free(&d);
	return 0;
}
