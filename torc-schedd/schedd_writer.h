/*
 * schedd_writer.h - the state file written by a thread of its own, so
 * that the disk never holds up the event loop (see schedd_writer.c).
 */
#ifndef TORC_SCHEDD_WRITER_H
#define TORC_SCHEDD_WRITER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct schedd_writer {
	char		 path[4096];	/* the state file */
	int		 efd;		/* eventfd: something finished */
	pthread_t	 thr;
	bool		 running;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	/* Under mu: the next job (a content and/or a journal to sync). */
	char		*buf;
	size_t		 len;
	uint64_t	 seq;
	int		 sync_fd;	/* -1: none */
	bool		 stopping;
	/* Under mu: what finished since the last collect (0: nothing). */
	bool		 done_new;
	uint64_t	 ok_seq;	/* the last content written */
	uint64_t	 fail_seq;	/* the last content that failed */
	char		 fail_err[512];
	bool		 sync_failed;
	char		 sync_err[512];
};

struct schedd_writer_done {
	uint64_t	 ok_seq;	/* the last content written, 0: none */
	uint64_t	 fail_seq;	/* the last that failed, 0: none */
	char		 fail_err[512];
	bool		 sync_failed;	/* the journal's fdatasync */
	char		 sync_err[512];
};

/* Start the thread writing path; -1 with err. */
int	schedd_writer_start(struct schedd_writer *w, const char *path,
	    char *err, size_t errlen);
/*
 * Hand over buf (len bytes, taken over; NULL: none) as write number seq,
 * replacing a content not yet started, and/or a journal to fdatasync
 * (sync_fd, -1: none).
 */
void	schedd_writer_submit(struct schedd_writer *w, char *buf, size_t len,
	    uint64_t seq, int sync_fd);
/* On the loop when efd is readable: what finished; false if nothing. */
bool	schedd_writer_collect(struct schedd_writer *w,
	    struct schedd_writer_done *d);
/*
 * Finish what was handed over, then stop the thread; d gets what finished
 * since the last collect (false: nothing).  The caller has stopped
 * watching efd, which is closed.
 */
bool	schedd_writer_stop(struct schedd_writer *w,
	    struct schedd_writer_done *d);

#endif
