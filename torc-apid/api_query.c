/*
 * api_query.c - URL query strings, decoded strictly.  libmicrohttpd's own
 * decoder passes a bad escape through unchanged, so apid parses the raw
 * query itself and answers 400 instead of guessing.  No I/O.
 */
#include "apid.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
api_url_decode(char *s)
{
	char *out = s;

	for (; *s != '\0'; s++) {
		if (*s == '+')
			*out++ = ' ';
		else if (*s == '%') {
			int hi, lo;

			if ((hi = hexval((unsigned char)s[1])) < 0 ||
			    (lo = hexval((unsigned char)s[2])) < 0)
				return -1;
			if (hi == 0 && lo == 0)
				return -1;	/* NUL would cut the value */
			*out++ = (char)(hi << 4 | lo);
			s += 2;
		} else
			*out++ = *s;
	}
	*out = '\0';
	return 0;
}

void
api_query_free(struct api_query *q)
{
	for (size_t i = 0; i < q->n; i++) {
		free(q->p[i].key);
		free(q->p[i].value);
	}
	memset(q, 0, sizeof(*q));
}

const char *
api_query_get(const struct api_query *q, const char *key)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->p[i].key, key) == 0)
			return q->p[i].value;
	return NULL;
}

int
api_query_parse(const char *raw, struct api_query *q, char *err,
    size_t errlen)
{
	const char *p = raw;

	memset(q, 0, sizeof(*q));
	if (raw == NULL)
		return 0;
	while (*p != '\0') {
		size_t len = strcspn(p, "&");
		char *piece, *eq, *key, *value;

		if (len == 0) {		/* "a=1&&b=2", a trailing '&' */
			p++;
			continue;
		}
		if (q->n == API_QUERY_MAX) {
			snprintf(err, errlen, "more than %d query parameters",
			    API_QUERY_MAX);
			goto fail;
		}
		piece = xmalloc(len + 1);
		memcpy(piece, p, len);
		piece[len] = '\0';
		p += len;
		if ((eq = strchr(piece, '=')) != NULL) {
			*eq = '\0';
			value = xstrdup(eq + 1);
		} else
			value = xstrdup("");
		key = piece;
		if (api_url_decode(key) != 0 || api_url_decode(value) != 0) {
			snprintf(err, errlen, "bad %%-encoding in query "
			    "parameter '%.40s'", key);
			free(key);
			free(value);
			goto fail;
		}
		if (*key == '\0') {
			snprintf(err, errlen, "query parameter without a name");
			free(key);
			free(value);
			goto fail;
		}
		if (api_query_get(q, key) != NULL) {
			snprintf(err, errlen, "query parameter '%.40s' given "
			    "twice", key);
			free(key);
			free(value);
			goto fail;
		}
		q->p[q->n].key = key;
		q->p[q->n].value = value;
		q->n++;
	}
	return 0;
fail:
	api_query_free(q);
	return -1;
}
