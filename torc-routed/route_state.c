/*
 * route_state.c - the set of routes torc-routed owns, kept in
 * <state-dir>/routes.owned so that a restarted routed still knows which
 * routes on the switch are its own (and removes them when stale) and
 * which belong to an operator (and leaves them alone).
 *
 * Format (text, one route per line, sorted):
 *	# torc-routed owned routes v1
 *	10.1.0.5/32 10.250.3.21
 * The next hop is informational; ownership is by prefix.  Written whole
 * through a temporary file and a rename, so it is never torn; "durable"
 * writes also wait for the disk (replace_file).  A claim before a create
 * is appended instead (route_state_append): one write(2), no rename, which
 * on ext4 would make the create wait for the disk.  A last line without
 * its newline is an append cut short and is skipped, so a torn record
 * never claims a shorter prefix ("/3" of "/32"); the next append closes
 * it with a newline before its own records.
 * No logging: errors go back to the caller.
 */
#include "route.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define ROUTE_STATE_HEADER	"# torc-routed owned routes v1\n"
#define ROUTE_STATE_MAX		(64u * 1024 * 1024)

static int
cmp_entry(const void *a, const void *b)
{
	const struct route_entry *x = *(const struct route_entry *const *)a;
	const struct route_entry *y = *(const struct route_entry *const *)b;

	return strcmp(x->key, y->key);
}

static const char *
entry_nexthop(const struct route_entry *e)
{
	const char *nh = NULL;

	if (e->prog == ROUTE_PROG_PRESENT)
		nh = e->cur.addr;
	if ((nh == NULL || *nh == '\0') && e->want)
		nh = e->des.addr;
	if (nh == NULL || *nh == '\0')
		nh = e->sent.addr;
	return nh != NULL && *nh != '\0' ? nh : "-";
}

char *
route_state_format(const struct route_table *t, size_t *len)
{
	const struct route_entry **v;
	size_t n = 0, cap = sizeof(ROUTE_STATE_HEADER), off;
	char *buf;

	v = xcalloc(t->n + 1, sizeof(*v));
	for (const struct route_entry *e = t->head; e != NULL; e = e->next) {
		if (!e->owned)
			continue;
		v[n++] = e;
		cap += strlen(e->key) + strlen(entry_nexthop(e)) + 2;
	}
	qsort(v, n, sizeof(*v), cmp_entry);
	buf = xmalloc(cap);
	off = (size_t)snprintf(buf, cap, "%s", ROUTE_STATE_HEADER);
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s %s\n",
		    v[i]->key, entry_nexthop(v[i]));
	free(v);
	*len = off;
	return buf;
}

/* A prefix as written by us: a.b.c.d/nn. */
static bool
valid_prefix(const char *s)
{
	char ip[16];
	const char *slash = strchr(s, '/');
	char *end;
	long len;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(ip))
		return false;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	if (!is_ipv4(ip))
		return false;
	len = strtol(slash + 1, &end, 10);
	return end != slash + 1 && *end == '\0' && len >= 0 && len <= 32;
}

size_t
route_state_parse(const char *buf, size_t len, route_state_cb *cb, void *arg)
{
	size_t skipped = 0, i = 0;

	while (i < len) {
		char line[256], prefix[64], nh[64], extra[2];
		size_t j = i, n;

		while (j < len && buf[j] != '\n')
			j++;
		n = j - i;
		if (j == len) {
			if (n > 0)
				skipped++;	/* torn: no newline */
		} else if (n < sizeof(line)) {
			memcpy(line, buf + i, n);
			line[n] = '\0';
			if (memchr(line, '\0', n) != NULL)
				skipped++;
			else if (n == 0 || line[0] == '#')
				;
			else if (sscanf(line, "%63s %63s %1s", prefix, nh,
			    extra) == 2 && valid_prefix(prefix))
				cb(prefix, nh, arg);
			else
				skipped++;
		} else
			skipped++;
		i = j + 1;
	}
	return skipped;
}

int
route_state_save(const struct route_table *t, const char *path,
    bool durable, char *err, size_t errlen)
{
	size_t len;
	char *buf = route_state_format(t, &len);
	int rv = replace_file(path, buf, len, durable, err, errlen);

	free(buf);
	return rv;
}

/* Whether the size bytes of fd end with a newline (unreadable: no). */
static bool
ends_in_newline(int fd, off_t size)
{
	char c;

	return pread(fd, &c, 1, size - 1) == 1 && c == '\n';
}

int
route_state_append(const char *path, struct route_entry *const *v, size_t n,
    char *err, size_t errlen)
{
	size_t cap = 1, off = 0;
	struct stat sb;
	char *buf;
	ssize_t w;
	int fd, rv = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		cap += strlen(v[i]->key) + strlen(entry_nexthop(v[i])) + 2;
	buf = xmalloc(cap);
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s %s\n",
		    v[i]->key, entry_nexthop(v[i]));
	if ((fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(buf);
		return -1;
	}
	if (fstat(fd, &sb) != 0) {
		snprintf(err, errlen, "%s: fstat: %s", path, strerror(errno));
		rv = -1;
	} else if (sb.st_size > 0 && !ends_in_newline(fd, sb.st_size) &&
	    write(fd, "\n", 1) != 1) {
		/* A torn line is closed first, or it would swallow these. */
		snprintf(err, errlen, "%s: append: %s", path, strerror(errno));
		rv = -1;
	} else if ((w = write(fd, buf, off)) != (ssize_t)off) {
		snprintf(err, errlen, "%s: append: %s", path, w < 0 ?
		    strerror(errno) : "short write");
		/*
		 * No partial record stays to be glued to the next; should
		 * the cut fail, that line has no newline: skipped at load,
		 * and closed by the next append before its own records.
		 */
		if (w > 0 && ftruncate(fd, sb.st_size) != 0) {
			snprintf(err, errlen, "%s: append: short write, not "
			    "cut back: %s", path, strerror(errno));
		}
		rv = -1;
	}
	close(fd);
	free(buf);
	return rv;
}

static void
load_cb(const char *prefix, const char *nexthop, void *arg)
{
	route_table_load_owned(arg, prefix, nexthop);
}

int
route_state_load(struct route_table *t, const char *path, size_t *skipped,
    char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0, sk;
	FILE *fp;

	if (skipped != NULL)
		*skipped = 0;
	/* A missing file is an empty set (first start). */
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fclose(fp);
	if (read_file(path, ROUTE_STATE_MAX, &buf, &len, err, errlen) != 0)
		return -1;
	sk = route_state_parse(buf, len, load_cb, t);
	if (skipped != NULL)
		*skipped = sk;
	free(buf);
	return 0;
}
