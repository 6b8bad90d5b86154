/*
 * sched_persist.c - the state file in --state-dir: which on-demand
 * services were started (and not killed) and which tasks are live, so a
 * restarted schedd adopts what runs instead of launching it twice.  The
 * framework id has its own file, kept by the Mesos connection.
 *
 * Format (text, one record a line, fields separated by one tab):
 *
 *	torc-schedd-state	1
 *	ondemand	<group>	<service>
 *	task	<service>	<task id>	<agent id>
 *
 * Written whole and atomically (temporary file, fsync, rename).  Anything
 * else in the file makes it corrupt: it is moved aside, never ignored.
 */
#include "sched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define PERSIST_MAGIC		"torc-schedd-state"
#define PERSIST_VERSION		"1"
#define PERSIST_MAX_SIZE	(64u * 1024 * 1024)

struct pbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void
pb_add(struct pbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

/* Fields never hold tabs or newlines (names from the config, ids). */
static bool
field_ok(const char *s)
{
	return strpbrk(s, "\t\r\n") == NULL;
}

int
sched_persist_save(const char *dir, const struct sched_state *st,
    bool durable, char *err, size_t errlen)
{
	struct pbuf b = { 0 };
	char path[4096];
	int rv;

	pb_add(&b, PERSIST_MAGIC "\t" PERSIST_VERSION "\n");
	for (size_t i = 0; i < st->n_svcs; i++) {
		const struct sched_svc *svc = st->svcs[i];

		if (svc->t.kind != TSVC_KIND_ONDEMAND ||
		    !field_ok(svc->t.group) || !field_ok(svc->t.name))
			continue;
		pb_add(&b, "ondemand\t");
		pb_add(&b, svc->t.group);
		pb_add(&b, "\t");
		pb_add(&b, svc->t.name);
		pb_add(&b, "\n");
	}
	for (size_t i = 0; i < st->n_svcs; i++) {
		const struct sched_svc *svc = st->svcs[i];

		if (svc->t.kind == TSVC_KIND_ANNOUNCED ||
		    !sched_svc_live(svc) || *svc->t.task_id == '\0' ||
		    !field_ok(svc->t.name) || !field_ok(svc->t.task_id) ||
		    !field_ok(svc->t.agent_id) || !field_ok(svc->t.node))
			continue;
		pb_add(&b, "task\t");
		pb_add(&b, svc->t.name);
		pb_add(&b, "\t");
		pb_add(&b, svc->t.task_id);
		pb_add(&b, "\t");
		pb_add(&b, svc->t.agent_id);
		pb_add(&b, "\t");
		pb_add(&b, svc->t.node);
		pb_add(&b, "\n");
	}
	snprintf(path, sizeof(path), "%s/%s", dir, SCHED_STATE_FILE);
	rv = replace_file(path, b.p, b.len, durable, err, errlen);
	free(b.p);
	return rv;
}

void
sched_persist_free(struct sched_persist *p)
{
	for (size_t i = 0; i < p->n_ondemand; i++) {
		free(p->ondemand[i].group);
		free(p->ondemand[i].service);
	}
	free(p->ondemand);
	for (size_t i = 0; i < p->n_tasks; i++) {
		free(p->tasks[i].service);
		free(p->tasks[i].task_id);
		free(p->tasks[i].agent_id);
		free(p->tasks[i].node);
	}
	free(p->tasks);
	memset(p, 0, sizeof(*p));
}

/* Split line at tabs into at most max fields; returns the count. */
static size_t
split_tabs(char *line, char **f, size_t max)
{
	size_t n = 0;

	while (n < max) {
		char *tab = strchr(line, '\t');

		f[n++] = line;
		if (tab == NULL)
			return n;
		*tab = '\0';
		line = tab + 1;
	}
	return max + 1;		/* too many */
}

static int
parse(char *buf, size_t len, struct sched_persist *p, char *why,
    size_t whylen)
{
	char *line = buf, *end = buf + len;
	size_t lineno = 0;

	if (strlen(buf) != len) {
		snprintf(why, whylen, "NUL byte in file");
		return -1;
	}
	while (line < end) {
		char *nl = strchr(line, '\n'), *f[6];
		size_t nf;

		lineno++;
		if (nl == NULL) {
			snprintf(why, whylen, "line %zu: no newline at end",
			    lineno);
			return -1;
		}
		*nl = '\0';
		nf = split_tabs(line, f, 5);
		if (lineno == 1) {
			if (nf != 2 || strcmp(f[0], PERSIST_MAGIC) != 0 ||
			    strcmp(f[1], PERSIST_VERSION) != 0) {
				snprintf(why, whylen, "line 1: not a "
				    "torc-schedd state file (version "
				    PERSIST_VERSION ")");
				return -1;
			}
		} else if (nf == 3 && strcmp(f[0], "ondemand") == 0 &&
		    *f[1] != '\0' && *f[2] != '\0') {
			p->ondemand = xrealloc(p->ondemand,
			    (p->n_ondemand + 1) * sizeof(*p->ondemand));
			p->ondemand[p->n_ondemand].group = xstrdup(f[1]);
			p->ondemand[p->n_ondemand].service = xstrdup(f[2]);
			p->n_ondemand++;
		} else if ((nf == 4 || nf == 5) && strcmp(f[0], "task") == 0 &&
		    *f[1] != '\0' && *f[2] != '\0') {
			/* The node (5th field) came later; "" when absent. */
			p->tasks = xrealloc(p->tasks,
			    (p->n_tasks + 1) * sizeof(*p->tasks));
			p->tasks[p->n_tasks].service = xstrdup(f[1]);
			p->tasks[p->n_tasks].task_id = xstrdup(f[2]);
			p->tasks[p->n_tasks].agent_id = xstrdup(f[3]);
			p->tasks[p->n_tasks].node = xstrdup(nf == 5 ? f[4] : "");
			p->n_tasks++;
		} else {
			snprintf(why, whylen, "line %zu: unexpected record",
			    lineno);
			return -1;
		}
		line = nl + 1;
	}
	if (lineno == 0) {
		snprintf(why, whylen, "empty file");
		return -1;
	}
	return 0;
}

int
sched_persist_load(const char *dir, int64_t now_wall,
    struct sched_persist *p, char *err, size_t errlen)
{
	char path[4096], aside[4200], why[512], rerr[256];
	char *buf = NULL;
	size_t len = 0;

	memset(p, 0, sizeof(*p));
	snprintf(path, sizeof(path), "%s/%s", dir, SCHED_STATE_FILE);
	errno = 0;
	if (read_file(path, PERSIST_MAX_SIZE, &buf, &len, rerr,
	    sizeof(rerr)) != 0) {
		FILE *fp = fopen(path, "r");

		if (fp == NULL && errno == ENOENT)
			return 0;	/* first start */
		if (fp != NULL)
			fclose(fp);
		snprintf(why, sizeof(why), "unreadable: %s", rerr);
	} else if (parse(buf, len, p, why, sizeof(why)) == 0) {
		free(buf);
		return 0;
	}
	free(buf);
	sched_persist_free(p);
	snprintf(aside, sizeof(aside), "%s.corrupt.%lld", path,
	    (long long)now_wall);
	if (rename(path, aside) != 0)
		snprintf(err, errlen, "%s: %s; could not move it aside to "
		    "%s: %s", path, why, aside, strerror(errno));
	else
		snprintf(err, errlen, "%s: %s; moved aside to %s", path, why,
		    aside);
	return -1;
}
