/*
 * api_log.c - the access log: one line per request, in the format of
 * common/log.c ("2026-11-25T13:08:19.123Z torc-apid[42]: info: GET
 * /nodes 200 0.120ms"), gathered while MHD runs and written with one
 * write(2) per loop round instead of one per request.  Under load that
 * is most of what logging costs.  The wall-clock prefix is formatted once
 * per second.
 */
#include "apid.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define ACCESS_FLUSH_AT	(32u * 1024)	/* write out when this full */

void
api_access_init(struct api_access *al, const char *procname)
{
	memset(al, 0, sizeof(*al));
	al->sec = -1;
	al->pid = (long)getpid();
	tstrlcpy(al->procname, procname, sizeof(al->procname));
}

void
api_access_flush(struct api_access *al)
{
	size_t off = 0;

	while (off < al->len) {
		ssize_t n = write(STDERR_FILENO, al->buf + off, al->len - off);

		if (n <= 0)
			break;		/* nowhere to log to: drop it */
		off += (size_t)n;
	}
	al->len = 0;
}

void
api_access_free(struct api_access *al)
{
	api_access_flush(al);
	free(al->buf);
	memset(al, 0, sizeof(*al));
}

void
api_access_log(struct api_access *al, const char *fmt, ...)
{
	struct timespec now;
	char line[512];
	va_list ap;
	int n;

	if (log_getlevel() > LOG_LVL_INFO)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec != al->sec) {
		struct tm tm;

		gmtime_r(&now.tv_sec, &tm);
		strftime(al->ts, sizeof(al->ts), "%Y-%m-%dT%H:%M:%S", &tm);
		al->sec = now.tv_sec;
	}
	n = snprintf(line, sizeof(line), "%s.%03ldZ %s[%ld]: info: ", al->ts,
	    now.tv_nsec / 1000000, al->procname, al->pid);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (al->len + (size_t)n > al->cap) {
		al->cap = al->cap ? al->cap * 2 : 2 * ACCESS_FLUSH_AT;
		al->buf = xrealloc(al->buf, al->cap);
	}
	memcpy(al->buf + al->len, line, (size_t)n);
	al->len += (size_t)n;
	if (al->len >= ACCESS_FLUSH_AT)
		api_access_flush(al);
}
