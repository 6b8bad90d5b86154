/*
 * fuzz_recordio.c - the RecordIO decoder over arbitrary bytes.  The
 * first byte chooses a split pattern, so chunking is fuzzed as well; the
 * same input fed whole must give the same records and the same outcome.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recordio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_sum {
	uint64_t n;
	uint64_t bytes;
	uint32_t hash;
};

static int
fz_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct fz_sum *s = arg;

	s->n++;
	s->bytes += len;
	for (size_t i = 0; i < len; i++)
		s->hash = s->hash * 31 + rec[i];
	return 0;
}

static int
fz_run(const uint8_t *data, size_t size, unsigned step, struct fz_sum *s)
{
	struct recordio_decoder d;
	size_t off = 0;
	int rc = 0;

	recordio_decoder_init(&d, 4096, fz_cb, s);
	while (off < size && rc == 0) {
		size_t n = step == 0 ? size : (size_t)step;

		if (n > size - off)
			n = size - off;
		rc = recordio_feed(&d, data + off, n);
		off += n;
	}
	if (rc == 0)
		(void)recordio_finish(&d);
	rc = recordio_error(&d);
	recordio_decoder_free(&d);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_sum a, b;
	unsigned step;
	int ea, eb;

	if (size == 0)
		return 0;
	step = data[0] % 9;
	data++;
	size--;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ea = fz_run(data, size, 0, &a);
	eb = fz_run(data, size, step, &b);
	if (ea != eb || a.n != b.n || a.bytes != b.bytes || a.hash != b.hash)
		abort();
	return 0;
}
