/*
 * util.c - allocation, string, address and file helpers.
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
oom(void)
{
	static const char msg[] = "torc: out of memory\n";

	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom();
	return q;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup_null(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return p;
}

size_t
tstrlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

char *
str_replace_all(const char *s, const char *needle, const char *with)
{
	size_t nl = strlen(needle), wl = strlen(with), count = 0;
	const char *p;
	char *out, *o;

	if (nl == 0)
		return xstrdup(s);
	for (p = s; (p = strstr(p, needle)) != NULL; p += nl)
		count++;
	out = xmalloc(strlen(s) + count * wl + 1 - count * nl);
	o = out;
	for (p = s;;) {
		const char *q = strstr(p, needle);

		if (q == NULL)
			break;
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, with, wl);
		o += wl;
		p = q + nl;
	}
	strcpy(o, p);
	return out;
}

bool
is_ipv4(const char *s)
{
	int parts = 0;

	while (*s != '\0') {
		int v = 0, digits = 0;

		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (*s - '0');
			if (++digits > 3 || v > 255)
				return false;
			s++;
		}
		if (digits == 0)
			return false;
		parts++;
		if (*s == '.') {
			s++;
			if (*s == '\0')
				return false;
		} else if (*s != '\0')
			return false;
	}
	return parts == 4;
}

int
parse_hostport(const char *s, int default_port, char *host, size_t hostlen,
    int *port, char *err, size_t errlen)
{
	const char *p = s, *colon, *end;
	size_t hl;

	if (strncmp(p, "http://", 7) == 0)
		p += 7;
	end = p + strlen(p);
	if (end > p && end[-1] == '/')
		end--;
	colon = memchr(p, ':', (size_t)(end - p));
	hl = (size_t)((colon ? colon : end) - p);
	if (hl == 0) {
		snprintf(err, errlen, "'%s': missing host", s);
		return -1;
	}
	if (hl >= hostlen) {
		snprintf(err, errlen, "'%s': host name too long", s);
		return -1;
	}
	for (size_t i = 0; i < hl; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_' || c == '$')) {
			snprintf(err, errlen, "'%s': invalid host", s);
			return -1;
		}
	}
	memcpy(host, p, hl);
	host[hl] = '\0';
	if (colon == NULL) {
		if (default_port <= 0) {
			snprintf(err, errlen, "'%s': expected host:port", s);
			return -1;
		}
		*port = default_port;
		return 0;
	}
	{
		long v = 0;
		const char *d = colon + 1;

		if (d == end) {
			snprintf(err, errlen, "'%s': missing port", s);
			return -1;
		}
		for (; d < end; d++) {
			if (*d < '0' || *d > '9' || v > 65535) {
				snprintf(err, errlen, "'%s': invalid port", s);
				return -1;
			}
			v = v * 10 + (*d - '0');
		}
		if (v < 1 || v > 65535) {
			snprintf(err, errlen, "'%s': port out of range", s);
			return -1;
		}
		*port = (int)v;
	}
	return 0;
}

int
mkdir_p(const char *path, mode_t mode, char *err, size_t errlen)
{
	char buf[4096];
	size_t len;

	if (tstrlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	len = strlen(buf);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "mkdir %s: %s", buf,
			    strerror(errno));
			return -1;
		}
		if (i < len)
			buf[i] = '/';
	}
	return 0;
}

int
atomic_write_file(const char *path, const void *buf, size_t len, char *err,
    size_t errlen)
{
	return replace_file(path, buf, len, true, err, errlen);
}

int
replace_file(const char *path, const void *buf, size_t len, bool durable,
    char *err, size_t errlen)
{
	char tmp[4096], dir[4096];
	const char *p = buf;
	int fd, dfd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	    (long)getpid()) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "open %s: %s", tmp, strerror(errno));
		return -1;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "write %s: %s", tmp,
			    strerror(errno));
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (durable && fsync(fd) != 0) {
		snprintf(err, errlen, "fsync %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "close %s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "rename %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!durable)
		return 0;
	tstrlcpy(dir, path, sizeof(dir));
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

int
read_file(const char *path, size_t max, char **bufp, size_t *lenp, char *err,
    size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if ((size_t)st.st_size > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		goto fail;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "read %s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}
