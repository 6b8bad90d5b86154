/*
 * schedd_writer.c - the state file written off the event loop.
 *
 * A durable write (temporary file, fsync, rename, fsync of the directory)
 * takes about a millisecond on a quiet disk and tens when the disk is
 * busy; on the loop it held up every offer and status update meanwhile.
 * Here one thread writes what the core hands over (hooks.persist_write)
 * and tells the loop through an eventfd; the loop then calls
 * sched_persist_done(), and a request's answer, which waits for its
 * write, goes.
 *
 * One write at a time, in order.  A newer content replaces one not yet
 * started (each is the whole file), so a burst of changes costs one
 * write after the one in progress.  The journal's fdatasync is a job of
 * its own.  Only this thread writes the state file while it runs.
 */
#include "schedd_writer.h"

#include <sys/eventfd.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static void *
writer_main(void *arg)
{
	struct schedd_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		char *buf, err[512] = "";
		size_t len;
		uint64_t seq;
		int sync_fd;
		bool ok = true, sync_ok = true;
		uint64_t one = 1;

		while (w->buf == NULL && w->sync_fd < 0 && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->buf == NULL && w->sync_fd < 0)
			break;			/* stopping, nothing left */
		buf = w->buf;
		len = w->len;
		seq = w->seq;
		sync_fd = w->sync_fd;
		w->buf = NULL;
		w->sync_fd = -1;
		pthread_mutex_unlock(&w->mu);

		if (sync_fd >= 0 && fdatasync(sync_fd) != 0) {
			sync_ok = false;
			snprintf(err, sizeof(err), "fdatasync: %s",
			    strerror(errno));
		}
		if (buf != NULL) {
			ok = atomic_write_file(w->path, buf, len, err,
			    sizeof(err)) == 0;
			free(buf);
		}

		pthread_mutex_lock(&w->mu);
		if (sync_fd >= 0 && !sync_ok) {
			w->sync_failed = true;
			tstrlcpy(w->sync_err, err, sizeof(w->sync_err));
		}
		if (buf != NULL && ok)
			w->ok_seq = seq;
		else if (buf != NULL) {
			w->fail_seq = seq;
			tstrlcpy(w->fail_err, err, sizeof(w->fail_err));
		}
		w->done_new = true;
		pthread_mutex_unlock(&w->mu);
		/* A full counter (never, in practice) still wakes the loop. */
		if (write(w->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_warn("state writer: eventfd");
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int
schedd_writer_start(struct schedd_writer *w, const char *path, char *err,
    size_t errlen)
{
	memset(w, 0, sizeof(*w));
	w->sync_fd = -1;
	w->efd = -1;
	tstrlcpy(w->path, path, sizeof(w->path));
	if ((w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -1;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if ((errno = pthread_create(&w->thr, NULL, writer_main, w)) != 0) {
		snprintf(err, errlen, "state writer thread: %s",
		    strerror(errno));
		close(w->efd);
		w->efd = -1;
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return -1;
	}
	w->running = true;
	return 0;
}

void
schedd_writer_submit(struct schedd_writer *w, char *buf, size_t len,
    uint64_t seq, int sync_fd)
{
	pthread_mutex_lock(&w->mu);
	if (buf != NULL) {
		free(w->buf);		/* not started: the newer one holds all */
		w->buf = buf;
		w->len = len;
		w->seq = seq;
	}
	if (sync_fd >= 0)
		w->sync_fd = sync_fd;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

bool
schedd_writer_collect(struct schedd_writer *w, struct schedd_writer_done *d)
{
	uint64_t n;

	while (read(w->efd, &n, sizeof(n)) > 0)
		;
	pthread_mutex_lock(&w->mu);
	if (!w->done_new) {
		pthread_mutex_unlock(&w->mu);
		return false;
	}
	d->ok_seq = w->ok_seq;
	d->fail_seq = w->fail_seq;
	tstrlcpy(d->fail_err, w->fail_err, sizeof(d->fail_err));
	d->sync_failed = w->sync_failed;
	tstrlcpy(d->sync_err, w->sync_err, sizeof(d->sync_err));
	w->ok_seq = w->fail_seq = 0;
	w->done_new = false;
	w->sync_failed = false;
	pthread_mutex_unlock(&w->mu);
	return true;
}

bool
schedd_writer_stop(struct schedd_writer *w, struct schedd_writer_done *d)
{
	bool got;

	if (!w->running)
		return false;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thr, NULL);	/* after what was handed over */
	w->running = false;
	got = schedd_writer_collect(w, d);
	free(w->buf);
	w->buf = NULL;
	close(w->efd);
	w->efd = -1;
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	return got;
}
