/*
 * log.h - leveled logging to stderr (supervisord captures it).
 *
 * One line per message: "2026-11-25T13:08:19.123Z torc-schedd[42]: info: text".
 * Library code (common/, ipc-schema/) never logs; it reports through an
 * error buffer and the daemon decides what to print.
 */
#ifndef TORC_LOG_H
#define TORC_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_DEBUG = 0,
	LOG_LVL_INFO,
	LOG_LVL_WARN,
	LOG_LVL_ERROR,
};

/* Set the process name shown on every line and the minimum level. */
void	log_init(const char *procname, enum log_level level);
void	log_setlevel(enum log_level level);
enum log_level log_getlevel(void);

/* "debug", "info", "warn"/"warning", "error" -> level; -1 if unknown. */
int	log_level_parse(const char *name);
const char *log_level_name(enum log_level level);

void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)". */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Only before the event loop starts, or for a broken invariant. */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
