/*
 * util.h - small helpers shared by every daemon: allocation, strings,
 * files written atomically, address parsing.
 *
 * Functions that can fail return 0 on success and -1 on failure with a
 * message in the caller's (err, errlen) buffer; none of them logs.
 */
#ifndef TORC_UTIL_H
#define TORC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define FREE_NULL(p)	do { free(p); (p) = NULL; } while (0)

/* Allocation failure is treated as a broken invariant: abort. */
void	*xmalloc(size_t n);
void	*xcalloc(size_t n, size_t size);
void	*xrealloc(void *p, size_t n);
char	*xstrdup(const char *s);
/* xstrdup of NULL returns NULL. */
char	*xstrdup_null(const char *s);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* strlcpy semantics (glibc 2.36 has none): returns strlen(src). */
size_t	tstrlcpy(char *dst, const char *src, size_t size);

/* Replace every occurrence of needle in s; returns a new string. */
char	*str_replace_all(const char *s, const char *needle, const char *with);

/* Dotted-quad IPv4 address check. */
bool	is_ipv4(const char *s);

/*
 * Split "host:port" (or "host" when default_port > 0) into its parts.
 * Accepts an optional "http://" prefix and a trailing "/".
 */
int	parse_hostport(const char *s, int default_port, char *host,
	    size_t hostlen, int *port, char *err, size_t errlen);

/* mkdir -p with the given mode for the directories it creates. */
int	mkdir_p(const char *path, mode_t mode, char *err, size_t errlen);

/*
 * Write a file atomically: a temporary file in the same directory,
 * fsync, rename over path, fsync of the directory.
 */
int	atomic_write_file(const char *path, const void *buf, size_t len,
	    char *err, size_t errlen);
/*
 * The same; with durable false, without the two fsyncs: the file is never
 * torn and a restarted process reads it (the page cache outlives the
 * process), but a crash of the machine may leave the previous version.
 */
int	replace_file(const char *path, const void *buf, size_t len,
	    bool durable, char *err, size_t errlen);

/*
 * Read a whole file into a NUL-terminated buffer (caller frees *buf).
 * Fails if the file is larger than max bytes.
 */
int	read_file(const char *path, size_t max, char **buf, size_t *len,
	    char *err, size_t errlen);

#endif
