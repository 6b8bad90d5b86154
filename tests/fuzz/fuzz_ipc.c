/*
 * fuzz_ipc.c - tmsg_decode() over arbitrary bytes.  Whatever decodes must
 * encode again, that encoding must decode, and encoding the second
 * decode must give the same bytes (the codec is canonical after one
 * pass).  The JSON rendering is exercised on the way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "torc_ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmsg m, m2;
	char err[256];
	void *b1, *b2;
	size_t l1, l2;
	char *json;

	if (tmsg_decode(data, size, &m, err, sizeof(err)) != 0)
		return 0;
	if (tmsg_encode(&m, &b1, &l1, err, sizeof(err)) != 0)
		abort();
	if ((json = tmsg_to_json(&m)) == NULL)
		abort();
	free(json);
	tmsg_free(&m);
	if (tmsg_decode(b1, l1, &m2, err, sizeof(err)) != 0)
		abort();
	if (tmsg_encode(&m2, &b2, &l2, err, sizeof(err)) != 0)
		abort();
	if (l1 != l2 || memcmp(b1, b2, l1) != 0)
		abort();
	free(b1);
	free(b2);
	tmsg_free(&m2);
	return 0;
}
