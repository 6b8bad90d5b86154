/*
 * ev.c - poll() event loop with a timer heap and self-pipe signals.
 *
 * Watchers live in an array indexed by fd, so adding, changing and
 * removing one is O(1); the pollfd array is rebuilt only when the set
 * changed.  Timers sit in a binary min-heap keyed by due time.  Signal
 * handlers only write the signal number to a pipe; the loop reads it and
 * runs the registered callback on its own thread.
 */
#include "ev.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monotime.h"
#include "util.h"

struct ev_io {
	ev_io_cb	*cb;
	void		*arg;
	int		 events;
};

struct ev_sig {
	ev_signal_cb	*cb;
	void		*arg;
};

struct ev_loop {
	struct ev_io	*ios;		/* indexed by fd */
	size_t		 n_ios;
	size_t		 n_active;
	struct pollfd	*pfds;
	size_t		 n_pfds;
	size_t		 cap_pfds;
	bool		 pfds_dirty;

	struct ev_timer	**heap;
	size_t		 n_heap;
	size_t		 cap_heap;

	int		 pipe[2];	/* signals and wakeups */
	ev_wakeup_cb	*wakeup_cb;
	void		*wakeup_arg;
	struct ev_sig	 sigs[65];

	int64_t		 now;
	bool		 stop;
};

/* The loop signals are delivered to (one loop per process). */
static int ev_sig_fd = -1;

static void
ev_sig_handler(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;

	if (ev_sig_fd >= 0)
		(void)!write(ev_sig_fd, &b, 1);
	errno = saved;
}

static void ev_pipe_cb(struct ev_loop *loop, int fd, int revents, void *arg);

struct ev_loop *
ev_loop_new(void)
{
	struct ev_loop *loop = xcalloc(1, sizeof(*loop));

	if (pipe2(loop->pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
		free(loop);
		return NULL;
	}
	loop->now = mono_ms();
	ev_io_set(loop, loop->pipe[0], EV_READ, ev_pipe_cb, NULL);
	return loop;
}

void
ev_loop_free(struct ev_loop *loop)
{
	if (loop == NULL)
		return;
	if (ev_sig_fd == loop->pipe[1])
		ev_sig_fd = -1;
	close(loop->pipe[0]);
	close(loop->pipe[1]);
	for (size_t i = 0; i < loop->n_heap; i++)
		loop->heap[i]->heap_idx = 0;
	free(loop->heap);
	free(loop->ios);
	free(loop->pfds);
	free(loop);
}

int
ev_io_set(struct ev_loop *loop, int fd, int events, ev_io_cb *cb, void *arg)
{
	if (fd < 0)
		return -1;
	if (events == 0) {
		ev_io_del(loop, fd);
		return 0;
	}
	if ((size_t)fd >= loop->n_ios) {
		size_t n = loop->n_ios ? loop->n_ios : 16;

		while (n <= (size_t)fd)
			n *= 2;
		loop->ios = xrealloc(loop->ios, n * sizeof(*loop->ios));
		memset(loop->ios + loop->n_ios, 0,
		    (n - loop->n_ios) * sizeof(*loop->ios));
		loop->n_ios = n;
	}
	if (loop->ios[fd].cb == NULL)
		loop->n_active++;
	if (loop->ios[fd].cb == NULL || loop->ios[fd].events != events)
		loop->pfds_dirty = true;
	loop->ios[fd].cb = cb;
	loop->ios[fd].arg = arg;
	loop->ios[fd].events = events;
	return 0;
}

void
ev_io_del(struct ev_loop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->n_ios || loop->ios[fd].cb == NULL)
		return;
	memset(&loop->ios[fd], 0, sizeof(loop->ios[fd]));
	loop->n_active--;
	loop->pfds_dirty = true;
}

/* --- timers: binary min-heap; heap_idx is index + 1 (0 = unarmed) --- */

static void
heap_swap(struct ev_loop *loop, size_t a, size_t b)
{
	struct ev_timer *t = loop->heap[a];

	loop->heap[a] = loop->heap[b];
	loop->heap[b] = t;
	loop->heap[a]->heap_idx = a + 1;
	loop->heap[b]->heap_idx = b + 1;
}

static void
heap_up(struct ev_loop *loop, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (loop->heap[p]->due <= loop->heap[i]->due)
			break;
		heap_swap(loop, p, i);
		i = p;
	}
}

static void
heap_down(struct ev_loop *loop, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < loop->n_heap && loop->heap[l]->due < loop->heap[m]->due)
			m = l;
		if (r < loop->n_heap && loop->heap[r]->due < loop->heap[m]->due)
			m = r;
		if (m == i)
			break;
		heap_swap(loop, i, m);
		i = m;
	}
}

void
ev_timer_init(struct ev_timer *t, ev_timer_cb *cb, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
}

void
ev_timer_stop(struct ev_loop *loop, struct ev_timer *t)
{
	size_t i, last;

	if (t->heap_idx == 0)
		return;
	i = t->heap_idx - 1;
	last = loop->n_heap - 1;
	if (i != last) {
		heap_swap(loop, i, last);
		loop->n_heap--;
		heap_down(loop, i);
		heap_up(loop, i);
	} else
		loop->n_heap--;
	t->heap_idx = 0;
}

void
ev_timer_start(struct ev_loop *loop, struct ev_timer *t, int64_t delay_ms)
{
	ev_timer_stop(loop, t);
	if (delay_ms < 0)
		delay_ms = 0;
	t->due = mono_ms() + delay_ms;
	if (loop->n_heap == loop->cap_heap) {
		loop->cap_heap = loop->cap_heap ? loop->cap_heap * 2 : 16;
		loop->heap = xrealloc(loop->heap,
		    loop->cap_heap * sizeof(*loop->heap));
	}
	loop->heap[loop->n_heap] = t;
	t->heap_idx = ++loop->n_heap;
	heap_up(loop, loop->n_heap - 1);
}

bool
ev_timer_active(const struct ev_timer *t)
{
	return t->heap_idx != 0;
}

/* --- signals and wakeups --- */

int
ev_signal(struct ev_loop *loop, int signo, ev_signal_cb *cb, void *arg)
{
	struct sigaction sa;

	if (signo <= 0 || signo >= (int)nitems(loop->sigs))
		return -1;
	loop->sigs[signo].cb = cb;
	loop->sigs[signo].arg = arg;
	ev_sig_fd = loop->pipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ev_sig_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	return sigaction(signo, &sa, NULL);
}

void
ev_set_wakeup(struct ev_loop *loop, ev_wakeup_cb *cb, void *arg)
{
	loop->wakeup_cb = cb;
	loop->wakeup_arg = arg;
}

void
ev_wakeup(struct ev_loop *loop)
{
	unsigned char b = 0;

	(void)!write(loop->pipe[1], &b, 1);
}

static void
ev_pipe_cb(struct ev_loop *loop, int fd, int revents, void *arg)
{
	unsigned char buf[64];
	bool woken = false;
	ssize_t n;

	(void)revents;
	(void)arg;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			int s = buf[i];

			if (s == 0)
				woken = true;
			else if (s < (int)nitems(loop->sigs) &&
			    loop->sigs[s].cb != NULL)
				loop->sigs[s].cb(loop, s, loop->sigs[s].arg);
		}
	}
	if (woken && loop->wakeup_cb != NULL)
		loop->wakeup_cb(loop, loop->wakeup_arg);
}

/* --- the loop --- */

int64_t
ev_now(struct ev_loop *loop)
{
	return loop->now;
}

void
ev_break(struct ev_loop *loop)
{
	loop->stop = true;
}

static void
ev_rebuild_pfds(struct ev_loop *loop)
{
	size_t n = 0;

	if (loop->cap_pfds < loop->n_active) {
		loop->cap_pfds = loop->n_active * 2;
		loop->pfds = xrealloc(loop->pfds,
		    loop->cap_pfds * sizeof(*loop->pfds));
	}
	for (size_t fd = 0; fd < loop->n_ios; fd++) {
		struct ev_io *io = &loop->ios[fd];

		if (io->cb == NULL)
			continue;
		loop->pfds[n].fd = (int)fd;
		loop->pfds[n].events = (short)(((io->events & EV_READ) ?
		    POLLIN : 0) | ((io->events & EV_WRITE) ? POLLOUT : 0));
		loop->pfds[n].revents = 0;
		n++;
	}
	loop->n_pfds = n;
	loop->pfds_dirty = false;
}

static void
ev_run_timers(struct ev_loop *loop)
{
	/* Timers armed by a callback for "now" run in the next round. */
	int64_t now = mono_ms();

	loop->now = now;
	while (loop->n_heap > 0 && loop->heap[0]->due <= now) {
		struct ev_timer *t = loop->heap[0];

		ev_timer_stop(loop, t);
		t->cb(loop, t->arg);
		if (loop->stop)
			return;
	}
}

int
ev_run_once(struct ev_loop *loop, int max_wait_ms)
{
	int timeout = max_wait_ms, n;

	if (loop->n_heap > 0) {
		int64_t d = loop->heap[0]->due - mono_ms();

		if (d < 0)
			d = 0;
		if (timeout < 0 || d < timeout)
			timeout = d > 60000 ? 60000 : (int)d;
	}
	if (loop->pfds_dirty)
		ev_rebuild_pfds(loop);
	n = poll(loop->pfds, (nfds_t)loop->n_pfds, timeout);
	if (n < 0 && errno != EINTR)
		return -1;
	loop->now = mono_ms();
	if (n > 0) {
		/*
		 * Callbacks may add or remove watchers; pfds is rebuilt only
		 * at the next round, and a removed watcher is skipped.
		 */
		size_t count = loop->n_pfds;

		for (size_t i = 0; i < count && !loop->stop; i++) {
			struct pollfd *p = &loop->pfds[i];
			struct ev_io *io;
			int rev = 0;

			if (p->revents == 0)
				continue;
			if ((size_t)p->fd >= loop->n_ios)
				continue;
			io = &loop->ios[p->fd];
			if (io->cb == NULL)
				continue;
			if (p->revents & POLLIN)
				rev |= EV_READ;
			if (p->revents & POLLOUT)
				rev |= EV_WRITE;
			if (p->revents & (POLLERR | POLLHUP | POLLNVAL))
				rev |= EV_ERROR;
			p->revents = 0;
			io->cb(loop, p->fd, rev, io->arg);
		}
	}
	if (!loop->stop)
		ev_run_timers(loop);
	return 0;
}

int
ev_run(struct ev_loop *loop)
{
	loop->stop = false;
	while (!loop->stop) {
		if (ev_run_once(loop, -1) != 0)
			return -1;
	}
	return 0;
}
