/*
 * test_schedd_writer.c - the state file written by a thread: what is
 * handed over is written whole and reported through the eventfd; a
 * newer content replaces one not yet started; a failed write is
 * reported as such; the journal's fdatasync is a job of its own; stop
 * finishes what was handed over and reports it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "torc-schedd/schedd_writer.h"
#include "util.h"

struct fix {
	char	 dir[64];
	char	 path[128];
	struct schedd_writer w;
};

static int
setup(void **state)
{
	struct fix *f = xcalloc(1, sizeof(*f));
	char err[256];

	snprintf(f->dir, sizeof(f->dir), "/tmp/torc-writer-test.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/schedd.state", f->dir);
	if (schedd_writer_start(&f->w, f->path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	struct schedd_writer_done d;
	char cmd[128];

	schedd_writer_stop(&f->w, &d);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* Wait (at most 5 s) for the eventfd, then collect. */
static bool
wait_done(struct fix *f, struct schedd_writer_done *d)
{
	for (int i = 0; i < 50; i++) {
		struct pollfd p = { .fd = f->w.efd, .events = POLLIN };

		if (poll(&p, 1, 100) == 1 && schedd_writer_collect(&f->w, d))
			return true;
	}
	return false;
}

static char *
slurp(const char *path)
{
	char err[256], *buf = NULL;
	size_t len;

	if (read_file(path, 1 << 20, &buf, &len, err, sizeof(err)) != 0)
		return NULL;
	return buf;
}

static void
a_content_is_written_whole_and_reported(void **state)
{
	struct fix *f = *state;
	struct schedd_writer_done d;
	char *text;

	schedd_writer_submit(&f->w, xstrdup("torc-schedd-state\t1\n"), 20, 7,
	    -1);
	assert_true(wait_done(f, &d));
	assert_true(d.ok_seq == 7);
	assert_true(d.fail_seq == 0);
	assert_false(d.sync_failed);
	text = slurp(f->path);
	assert_non_null(text);
	assert_string_equal(text, "torc-schedd-state\t1\n");
	free(text);
	/* Nothing more: nothing to collect. */
	assert_false(schedd_writer_collect(&f->w, &d));
}

/*
 * Handed over faster than written: the last content is on disk at the
 * end, reported with its number; those it replaced are never written.
 */
static void
a_newer_content_replaces_one_not_yet_started(void **state)
{
	struct fix *f = *state;
	struct schedd_writer_done d;
	uint64_t last = 0;
	char *text;

	for (uint64_t seq = 1; seq <= 50; seq++)
		schedd_writer_submit(&f->w, xasprintf("content %llu\n",
		    (unsigned long long)seq), strlen("content \n") +
		    (seq < 10 ? 1 : 2), seq, -1);
	while (last < 50 && wait_done(f, &d))
		last = d.ok_seq > last ? d.ok_seq : last;
	assert_true(last == 50);
	text = slurp(f->path);
	assert_non_null(text);
	assert_string_equal(text, "content 50\n");
	free(text);
}

static void
a_failed_write_is_reported_with_its_error(void **state)
{
	struct fix *f = *state;
	struct schedd_writer_done d;

	/* A directory where the file should be: the rename fails. */
	assert_int_equal(mkdir(f->path, 0700), 0);
	schedd_writer_submit(&f->w, xstrdup("x\n"), 2, 3, -1);
	assert_true(wait_done(f, &d));
	assert_true(d.ok_seq == 0);
	assert_true(d.fail_seq == 3);
	assert_non_null(strstr(d.fail_err, "rename"));
}

static void
the_journal_is_synced_as_a_job_of_its_own(void **state)
{
	struct fix *f = *state;
	struct schedd_writer_done d;
	char jpath[160];
	int fd;

	snprintf(jpath, sizeof(jpath), "%s/schedd.journal", f->dir);
	fd = open(jpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "task\ta\tb\tc\n", 11), 11);
	schedd_writer_submit(&f->w, NULL, 0, 0, fd);
	assert_true(wait_done(f, &d));
	assert_true(d.ok_seq == 0 && d.fail_seq == 0);
	assert_false(d.sync_failed);
	close(fd);
	/* A descriptor that cannot be synced is reported. */
	schedd_writer_submit(&f->w, NULL, 0, 0, 1000);	/* not open */
	assert_true(wait_done(f, &d));
	assert_true(d.sync_failed);
	assert_non_null(strstr(d.sync_err, "fdatasync"));
}

/* Stop finishes what was handed over and reports it. */
static void
stop_finishes_what_was_handed_over(void **state)
{
	struct fix *f = *state;
	struct schedd_writer_done d;
	char *text;

	schedd_writer_submit(&f->w, xstrdup("last\n"), 5, 9, -1);
	assert_true(schedd_writer_stop(&f->w, &d));
	assert_true(d.ok_seq == 9);
	text = slurp(f->path);
	assert_non_null(text);
	assert_string_equal(text, "last\n");
	free(text);
	/* Stopped: a second stop does nothing. */
	assert_false(schedd_writer_stop(&f->w, &d));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_content_is_written_whole_and_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(a_newer_content_replaces_one_not_yet_started, setup, teardown),
		cmocka_unit_test_setup_teardown(a_failed_write_is_reported_with_its_error, setup, teardown),
		cmocka_unit_test_setup_teardown(the_journal_is_synced_as_a_job_of_its_own, setup, teardown),
		cmocka_unit_test_setup_teardown(stop_finishes_what_was_handed_over, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
