/*
 * log.c - leveled logging to stderr with UTC timestamps.
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *log_procname = "torc";
static enum log_level log_minlevel = LOG_LVL_INFO;

static const char *const log_level_names[] = {
	[LOG_LVL_DEBUG] = "debug",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_ERROR] = "error",
};

void
log_init(const char *procname, enum log_level level)
{
	log_procname = procname;
	log_minlevel = level;
}

void
log_setlevel(enum log_level level)
{
	log_minlevel = level;
}

enum log_level
log_getlevel(void)
{
	return log_minlevel;
}

int
log_level_parse(const char *name)
{
	if (strcasecmp(name, "debug") == 0)
		return LOG_LVL_DEBUG;
	if (strcasecmp(name, "info") == 0)
		return LOG_LVL_INFO;
	if (strcasecmp(name, "warn") == 0 || strcasecmp(name, "warning") == 0)
		return LOG_LVL_WARN;
	if (strcasecmp(name, "error") == 0)
		return LOG_LVL_ERROR;
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	if ((unsigned)level > LOG_LVL_ERROR)
		return "?";
	return log_level_names[level];
}

static void log_vemit(enum log_level, const char *, va_list, int)
    __attribute__((format(printf, 2, 0)));

static void
log_vemit(enum log_level level, const char *fmt, va_list ap, int errnum)
{
	char msg[2048];
	char ts[40];
	struct timespec now;
	struct tm tm;

	if (level < log_minlevel)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	/* One fprintf so concurrent writers do not interleave a line. */
	if (errnum != 0)
		fprintf(stderr, "%s.%03ldZ %s[%ld]: %s: %s: %s\n", ts,
		    now.tv_nsec / 1000000, log_procname, (long)getpid(),
		    log_level_names[level], msg, strerror(errnum));
	else
		fprintf(stderr, "%s.%03ldZ %s[%ld]: %s: %s\n", ts,
		    now.tv_nsec / 1000000, log_procname, (long)getpid(),
		    log_level_names[level], msg);
}

#define LOG_FN(fn, lvl)							\
void									\
fn(const char *fmt, ...)						\
{									\
	va_list ap;							\
	va_start(ap, fmt);						\
	log_vemit(lvl, fmt, ap, 0);					\
	va_end(ap);							\
}

LOG_FN(log_debug, LOG_LVL_DEBUG)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_warnx, LOG_LVL_WARN)
LOG_FN(log_error, LOG_LVL_ERROR)

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_WARN, fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_ERROR, fmt, ap, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_ERROR, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
