/*
 * fuzz_api.c - what torc-apid reads from HTTP clients, over arbitrary
 * bytes: the announce body parser and the query-string parser.  The
 * first byte picks the parser.  A parsed announcement must render back
 * to a task object that parses again to the same name; a parsed query
 * must hold only non-empty, NUL-free keys.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "torc-apid/apid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fz_announce(const char *body, size_t len)
{
	struct tmsg_service s, again;
	char err[256], *out;
	json_t *j;

	if (api_json_parse_task(body, len, &s, err, sizeof(err)) != 0) {
		if (s.name != NULL || err[0] == '\0')
			abort();
		return;
	}
	j = api_json_task(&s);
	out = api_json_dump(j, NULL);
	json_decref(j);
	if (api_json_parse_task(out, strlen(out), &again, err,
	    sizeof(err)) != 0 || strcmp(again.name, s.name) != 0)
		abort();
	tmsg_service_free(&again);
	tmsg_service_free(&s);
	free(out);
}

static void
fz_query(const char *raw)
{
	struct api_query q;
	char err[256];

	if (api_query_parse(raw, &q, err, sizeof(err)) != 0) {
		if (q.n != 0)
			abort();
		return;
	}
	for (size_t i = 0; i < q.n; i++)
		if (q.p[i].key[0] == '\0' ||
		    api_query_get(&q, q.p[i].key) != q.p[i].value)
			abort();
	api_query_free(&q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size == 0)
		return 0;
	/* NUL-terminated copy: HTTP hands both parsers C strings. */
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] & 1)
		fz_query(s);
	else
		fz_announce(s, size - 1);
	free(s);
	return 0;
}
