/*
 * recordio.c - incremental RecordIO decoder and encoder (see recordio.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recordio.h"

#define RECORDIO_DEFAULT_MAX	(64u << 20)

struct recordio_qent {
	struct recordio_qent *next;
	size_t	 len;
	uint8_t	 data[];
};

void
recordio_decoder_init(struct recordio_decoder *d, uint64_t max_record,
    recordio_cb cb, void *arg)
{
	memset(d, 0, sizeof(*d));
	d->cb = cb;
	d->cb_arg = arg;
	d->max_record = max_record != 0 ? max_record : RECORDIO_DEFAULT_MAX;
}

void
recordio_decoder_free(struct recordio_decoder *d)
{
	struct recordio_qent *q, *next;

	free(d->buf);
	d->buf = NULL;
	d->len = d->cap = 0;
	for (q = d->qhead; q != NULL; q = next) {
		next = q->next;
		free(q);
	}
	d->qhead = d->qtail = NULL;
}

static int
recordio_fail(struct recordio_decoder *d, int err)
{
	d->err = err;
	return -1;
}

/* Hand one complete record to the callback or the queue. */
static int
recordio_deliver(struct recordio_decoder *d, const uint8_t *rec, size_t len)
{
	struct recordio_qent *q;

	d->nrecords++;
	if (d->cb != NULL) {
		if (d->cb(d->cb_arg, rec, len) != 0)
			return recordio_fail(d, RECORDIO_ERR_CALLBACK);
		return 0;
	}
	if ((q = malloc(sizeof(*q) + len)) == NULL)
		return recordio_fail(d, RECORDIO_ERR_NOMEM);
	q->next = NULL;
	q->len = len;
	memcpy(q->data, rec, len);
	if (d->qtail != NULL)
		d->qtail->next = q;
	else
		d->qhead = q;
	d->qtail = q;
	return 0;
}

int
recordio_feed(struct recordio_decoder *d, const void *data, size_t len)
{
	const uint8_t *p = data, *end = p + len;

	if (d->err != RECORDIO_OK)
		return -1;
	while (p < end) {
		if (!d->in_data) {
			uint8_t c = *p++;

			if (c == '\n') {
				if (d->ndigits == 0)
					return recordio_fail(d,
					    RECORDIO_ERR_SIZE);
				d->ndigits = 0;
				if (d->want > d->max_record)
					return recordio_fail(d,
					    RECORDIO_ERR_TOOBIG);
				if (d->want == 0)
					continue;	/* empty record */
				d->in_data = 1;
				d->len = 0;
				continue;
			}
			if (c < '0' || c > '9')
				return recordio_fail(d, RECORDIO_ERR_SIZE);
			if (++d->ndigits > RECORDIO_MAX_DIGITS)
				return recordio_fail(d, RECORDIO_ERR_SIZE);
			if (d->want > (UINT64_MAX - (c - '0')) / 10)
				return recordio_fail(d, RECORDIO_ERR_SIZE);
			d->want = d->want * 10 + (c - '0');
			continue;
		}

		size_t avail = (size_t)(end - p);
		uint64_t need = d->want - d->len;

		if (d->len == 0 && avail >= need) {
			/* The whole record is in this chunk: no copy. */
			if (recordio_deliver(d, p, (size_t)need) != 0)
				return -1;
			p += need;
			d->in_data = 0;
			d->want = 0;
			continue;
		}
		if (d->cap < d->want) {
			uint8_t *nb = realloc(d->buf, (size_t)d->want);

			if (nb == NULL)
				return recordio_fail(d, RECORDIO_ERR_NOMEM);
			d->buf = nb;
			d->cap = (size_t)d->want;
		}
		size_t take = avail < need ? avail : (size_t)need;

		memcpy(d->buf + d->len, p, take);
		d->len += take;
		p += take;
		if (d->len == d->want) {
			if (recordio_deliver(d, d->buf, d->len) != 0)
				return -1;
			d->in_data = 0;
			d->want = 0;
			d->len = 0;
		}
	}
	return 0;
}

int
recordio_finish(struct recordio_decoder *d)
{
	if (d->err != RECORDIO_OK)
		return -1;
	if (d->in_data || d->ndigits > 0)
		return recordio_fail(d, RECORDIO_ERR_UNDERRUN);
	return 0;
}

int
recordio_next(struct recordio_decoder *d, uint8_t **rec, size_t *len)
{
	struct recordio_qent *q = d->qhead;
	uint8_t *copy;

	if (q == NULL)
		return 0;
	/* Hand out a plain buffer so the caller can free() it. */
	if ((copy = malloc(q->len > 0 ? q->len : 1)) == NULL)
		return 0;
	memcpy(copy, q->data, q->len);
	d->qhead = q->next;
	if (d->qhead == NULL)
		d->qtail = NULL;
	*rec = copy;
	*len = q->len;
	free(q);
	return 1;
}

int
recordio_error(const struct recordio_decoder *d)
{
	return d->err;
}

const char *
recordio_strerror(int err)
{
	switch (err) {
	case RECORDIO_OK:
		return "no error";
	case RECORDIO_ERR_SIZE:
		return "malformed record size";
	case RECORDIO_ERR_TOOBIG:
		return "record larger than the maximum";
	case RECORDIO_ERR_UNDERRUN:
		return "stream ended inside a record";
	case RECORDIO_ERR_NOMEM:
		return "out of memory";
	case RECORDIO_ERR_CALLBACK:
		return "stopped by the record handler";
	}
	return "unknown error";
}

size_t
recordio_header(char hdr[RECORDIO_HDR_MAX], uint64_t len)
{
	int n = snprintf(hdr, RECORDIO_HDR_MAX, "%llu\n",
	    (unsigned long long)len);

	return n > 0 ? (size_t)n : 0;
}

uint8_t *
recordio_encode(const void *data, size_t len, size_t *outlen)
{
	char hdr[RECORDIO_HDR_MAX];
	size_t hl = recordio_header(hdr, len);
	uint8_t *out;

	if (len > SIZE_MAX - hl || (out = malloc(hl + len + 1)) == NULL)
		return NULL;
	memcpy(out, hdr, hl);
	if (len > 0)
		memcpy(out + hl, data, len);
	*outlen = hl + len;
	return out;
}
