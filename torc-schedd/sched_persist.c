/*
 * sched_persist.c - the state file in --state-dir: which on-demand
 * services were started (and not killed), which tasks are live and which
 * are to kill, so a restarted schedd adopts what runs instead of
 * launching it twice, and kills what it had asked to kill.  The
 * framework id has its own file, kept by the Mesos connection.
 *
 * Format (text, one record a line, fields separated by one tab):
 *
 *	torc-schedd-state	2
 *	ondemand	<group>	<service>
 *	task	<service>	<task id>	<agent id>	<node>
 *	kill	<service>	<task id>	<agent id>	<since>
 *
 * `kill`: a task asked to kill (at <since>, wall seconds) whose end has
 * not been seen: killed after subscribing whatever its service, never
 * adopted; a `task` record of the same task id in the journal is not
 * applied.  A file without `kill` records is written as version 1, which
 * a schedd that predates them reads too; version 2 only when it has some.
 *
 * Written whole and atomically (temporary file, fsync, rename).  Anything
 * else in the file makes it corrupt: it is moved aside, never ignored.
 *
 * The journal, schedd.journal beside it: `task` records (the same lines)
 * appended before each ACCEPT, so a task id is recorded before the task
 * can exist without rewriting the whole file (on ext4 a rename over a
 * file costs a flush of its data).  A load applies them over the state
 * file in order, the last record of a service winning; the journal is
 * emptied once the state file is rewritten.  A last line without its
 * newline (a write cut short by a crash) is ignored; any other bad line
 * moves the journal aside, as for the state file.
 */
#include "sched.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define PERSIST_MAGIC		"torc-schedd-state"
#define PERSIST_VERSION		"2"	/* "1": the same without kill */
_Static_assert(sizeof(PERSIST_VERSION) == 2, "one character: see "
    "sched_persist_format");
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

static bool
task_ok(const struct sched_svc *svc)
{
	return *svc->t.task_id != '\0' && field_ok(svc->t.name) &&
	    field_ok(svc->t.task_id) && field_ok(svc->t.agent_id) &&
	    field_ok(svc->t.node);
}

/* An on-demand service's task that is being killed at our request. */
static bool
dying(const struct sched_svc *svc)
{
	return svc->t.kind == TSVC_KIND_ONDEMAND &&
	    (svc->kill_requested || svc->want_again);
}

static void
add_task(struct pbuf *b, const struct sched_svc *svc)
{
	pb_add(b, "task\t");
	pb_add(b, svc->t.name);
	pb_add(b, "\t");
	pb_add(b, svc->t.task_id);
	pb_add(b, "\t");
	pb_add(b, svc->t.agent_id);
	pb_add(b, "\t");
	pb_add(b, svc->t.node);
	pb_add(b, "\n");
}

static void
add_kill(struct pbuf *b, const char *service, const char *task_id,
    const char *agent_id, int64_t since)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", (long long)since);
	pb_add(b, "kill\t");
	pb_add(b, service);
	pb_add(b, "\t");
	pb_add(b, task_id);
	pb_add(b, "\t");
	pb_add(b, agent_id != NULL ? agent_id : "");
	pb_add(b, "\t");
	pb_add(b, num);
	pb_add(b, "\n");
}

int
sched_journal_open(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, SCHED_JOURNAL_FILE);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
	return fd;
}

int
sched_journal_append(int fd, struct sched_svc *const *svcs, size_t n,
    size_t *written, char *err, size_t errlen)
{
	struct pbuf b = { 0 };
	const char *p;
	size_t left;

	*written = 0;
	for (size_t i = 0; i < n; i++)
		if (svcs[i]->t.kind != TSVC_KIND_ANNOUNCED && task_ok(svcs[i]))
			add_task(&b, svcs[i]);
	if (b.len == 0)
		return 0;
	for (p = b.p, left = b.len; left > 0;) {
		ssize_t k = write(fd, p, left);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			snprintf(err, errlen, "journal: write: %s",
			    k < 0 ? strerror(errno) : "nothing written");
			free(b.p);
			return -1;
		}
		p += k;
		left -= (size_t)k;
		*written += (size_t)k;
	}
	free(b.p);
	return 0;
}

char *
sched_persist_format(const struct sched_state *st,
    const struct sched_persist_task *orphans, size_t n_orphans, size_t *lenp)
{
	struct pbuf b = { 0 };
	size_t kills = 0;

	pb_add(&b, PERSIST_MAGIC "\t" PERSIST_VERSION "\n");
	for (size_t i = 0; i < st->n_svcs; i++) {
		const struct sched_svc *svc = st->svcs[i];

		/* Killed (and not started again): no longer wanted; its
		 * task is one to kill until it has ended (below). */
		if (svc->t.kind != TSVC_KIND_ONDEMAND ||
		    (svc->kill_requested && !svc->want_again) ||
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
		    !sched_svc_live(svc) || !task_ok(svc) || dying(svc))
			continue;
		add_task(&b, svc);
	}
	/*
	 * The task of a killed on-demand service, started again or not: a
	 * restart kills it and never adopts it (a service started again is
	 * launched anew).
	 */
	for (size_t i = 0; i < st->n_svcs; i++) {
		const struct sched_svc *svc = st->svcs[i];

		if (dying(svc) && sched_svc_live(svc) && task_ok(svc)) {
			add_kill(&b, svc->t.name, svc->t.task_id,
			    svc->t.agent_id, svc->kill_since);
			kills++;
		}
	}
	/* Tasks still to kill stay recorded until they have ended. */
	for (size_t i = 0; i < n_orphans; i++) {
		const struct sched_persist_task *o = &orphans[i];

		if (o->service == NULL || o->task_id == NULL ||
		    !field_ok(o->service) || !field_ok(o->task_id) ||
		    (o->agent_id != NULL && !field_ok(o->agent_id)))
			continue;
		add_kill(&b, o->service, o->task_id, o->agent_id, o->since);
		kills++;
	}
	/* Without kill records the file is version 1's, for a downgrade. */
	if (kills == 0)
		b.p[sizeof(PERSIST_MAGIC)] = '1';
	*lenp = b.len;
	return b.p;
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
	for (size_t i = 0; i < p->n_kills; i++) {
		free(p->kills[i].service);
		free(p->kills[i].task_id);
		free(p->kills[i].agent_id);
	}
	free(p->kills);
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

/*
 * A `task` record (fields f[0..nf-1]) into p, replacing an earlier one
 * of the same service; false if it is not one.
 */
static bool
task_record(char **f, size_t nf, struct sched_persist *p)
{
	struct sched_persist_task *t = NULL;

	if ((nf != 4 && nf != 5) || strcmp(f[0], "task") != 0 ||
	    *f[1] == '\0' || *f[2] == '\0')
		return false;
	for (size_t i = 0; i < p->n_tasks && t == NULL; i++)
		if (strcmp(p->tasks[i].service, f[1]) == 0) {
			t = &p->tasks[i];
			free(t->service);
			free(t->task_id);
			free(t->agent_id);
			free(t->node);
		}
	if (t == NULL) {
		p->tasks = xrealloc(p->tasks,
		    (p->n_tasks + 1) * sizeof(*p->tasks));
		t = &p->tasks[p->n_tasks++];
	}
	/* The node (5th field) came later; "" when absent. */
	t->service = xstrdup(f[1]);
	t->task_id = xstrdup(f[2]);
	t->agent_id = xstrdup(f[3]);
	t->node = xstrdup(nf == 5 ? f[4] : "");
	t->since = 0;
	return true;
}

/*
 * A `kill` record into p; false if it is not one.  <since>, if there,
 * must be a number of seconds (0: not known).
 */
static bool
kill_record(char **f, size_t nf, struct sched_persist *p)
{
	struct sched_persist_task *k;
	char *endp;
	long long since;

	if ((nf != 4 && nf != 5) || strcmp(f[0], "kill") != 0 ||
	    *f[1] == '\0' || *f[2] == '\0')
		return false;
	/* The time came later: a record without it is from now. */
	since = 0;
	if (nf == 5) {
		errno = 0;
		since = strtoll(f[4], &endp, 10);
		if (*f[4] == '\0' || errno != 0 || *endp != '\0' || since < 0)
			return false;
	}
	p->kills = xrealloc(p->kills, (p->n_kills + 1) * sizeof(*p->kills));
	k = &p->kills[p->n_kills++];
	k->service = xstrdup(f[1]);
	k->task_id = xstrdup(f[2]);
	k->agent_id = xstrdup(f[3]);
	k->node = NULL;
	k->since = since;
	return true;
}

static int
parse(char *buf, size_t len, struct sched_persist *p, char *why,
    size_t whylen)
{
	char *line = buf, *end = buf + len;
	size_t lineno = 0;
	int version = 0;

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
			    (strcmp(f[1], PERSIST_VERSION) != 0 &&
			    strcmp(f[1], "1") != 0)) {
				snprintf(why, whylen, "line 1: not a "
				    "torc-schedd state file (version 1 or "
				    PERSIST_VERSION ")");
				return -1;
			}
			version = f[1][0] - '0';
		} else if (nf == 3 && strcmp(f[0], "ondemand") == 0 &&
		    *f[1] != '\0' && *f[2] != '\0') {
			p->ondemand = xrealloc(p->ondemand,
			    (p->n_ondemand + 1) * sizeof(*p->ondemand));
			p->ondemand[p->n_ondemand].group = xstrdup(f[1]);
			p->ondemand[p->n_ondemand].service = xstrdup(f[2]);
			p->n_ondemand++;
		} else if (task_record(f, nf, p)) {
			;
		} else if (version == 2 && kill_record(f, nf, p)) {
			;
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

/* Move path aside; err says why (what) and where it went. */
static void
move_aside(const char *path, int64_t now_wall, const char *what, char *err,
    size_t errlen)
{
	char aside[4200];

	snprintf(aside, sizeof(aside), "%s.corrupt.%lld", path,
	    (long long)now_wall);
	if (rename(path, aside) != 0)
		snprintf(err, errlen, "%s: %s; could not move it aside to "
		    "%s: %s", path, what, aside, strerror(errno));
	else
		snprintf(err, errlen, "%s: %s; moved aside to %s", path, what,
		    aside);
}

/* Does p hold a `kill` record of task_id? */
static bool
to_kill(const struct sched_persist *p, const char *task_id)
{
	for (size_t k = 0; k < p->n_kills; k++)
		if (strcmp(p->kills[k].task_id, task_id) == 0)
			return true;
	return false;
}

/*
 * Apply dir/schedd.journal over p.  0: applied (or none); 1: the journal
 * was corrupt and moved aside (err says), p keeps what the state file
 * gave.
 */
static int
journal_load(const char *dir, int64_t now_wall, struct sched_persist *p,
    char *err, size_t errlen)
{
	char path[4096], why[512], rerr[256], *buf = NULL, *line, *end;
	struct sched_persist j = { 0 };
	size_t len = 0, lineno = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, SCHED_JOURNAL_FILE);
	errno = 0;
	if (read_file(path, PERSIST_MAX_SIZE, &buf, &len, rerr,
	    sizeof(rerr)) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, sizeof(why), "unreadable: %s", rerr);
		goto bad;
	}
	if (strlen(buf) != len) {
		snprintf(why, sizeof(why), "NUL byte in file");
		goto bad;
	}
	/* Records go to j first: a bad journal changes nothing in p. */
	for (line = buf, end = buf + len; line < end;) {
		char *nl = strchr(line, '\n'), *f[6];

		lineno++;
		if (nl == NULL)
			break;		/* cut short by a crash: not written */
		*nl = '\0';
		if (!task_record(f, split_tabs(line, f, 5), &j)) {
			snprintf(why, sizeof(why), "line %zu: unexpected "
			    "record", lineno);
			goto bad;
		}
		line = nl + 1;
	}
	p->journal_len = (size_t)(line - buf);
	free(buf);
	for (size_t i = 0; i < j.n_tasks; i++) {
		char *f[5] = { "task", j.tasks[i].service, j.tasks[i].task_id,
		    j.tasks[i].agent_id, j.tasks[i].node };

		/* The launch of a task since asked to kill: not live. */
		if (!to_kill(p, j.tasks[i].task_id))
			task_record(f, 5, p);
	}
	sched_persist_free(&j);
	return 0;
bad:
	free(buf);
	sched_persist_free(&j);
	move_aside(path, now_wall, why, err, errlen);
	return 1;
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

		if (fp == NULL && errno == ENOENT)	/* first start? */
			return journal_load(dir, now_wall, p, err, errlen);
		if (fp != NULL)
			fclose(fp);
		snprintf(why, sizeof(why), "unreadable: %s", rerr);
	} else if (parse(buf, len, p, why, sizeof(why)) == 0) {
		free(buf);
		return journal_load(dir, now_wall, p, err, errlen);
	}
	free(buf);
	sched_persist_free(p);
	move_aside(path, now_wall, why, err, errlen);
	/* The journal only makes sense over that file: aside with it. */
	snprintf(path, sizeof(path), "%s/%s", dir, SCHED_JOURNAL_FILE);
	snprintf(aside, sizeof(aside), "%s.corrupt.%lld", path,
	    (long long)now_wall);
	if (rename(path, aside) == 0) {
		size_t n = strlen(err);

		snprintf(err + n, errlen > n ? errlen - n : 0, " (and %s to "
		    "%s)", path, aside);
	}
	return -1;
}
