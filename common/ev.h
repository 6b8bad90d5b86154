/*
 * ev.h - the single-threaded event loop every daemon runs: poll() over
 * file descriptors (nng's RECVFD/SENDFD, curl's sockets, MHD's epoll fd),
 * a timer heap, and signals turned into callbacks through a self-pipe.
 *
 * All callbacks run on the loop's thread.  Another thread may only call
 * ev_wakeup(), which makes the loop run its wakeup callback.
 */
#ifndef TORC_EV_H
#define TORC_EV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;

#define EV_READ		0x1
#define EV_WRITE	0x2
#define EV_ERROR	0x4	/* POLLERR/POLLHUP/POLLNVAL, with either */

typedef void ev_io_cb(struct ev_loop *loop, int fd, int revents, void *arg);
typedef void ev_timer_cb(struct ev_loop *loop, void *arg);
typedef void ev_signal_cb(struct ev_loop *loop, int signo, void *arg);
typedef void ev_wakeup_cb(struct ev_loop *loop, void *arg);

/* A timer is embedded in its owner's struct; it needs no allocation. */
struct ev_timer {
	int64_t		 due;		/* mono ms */
	ev_timer_cb	*cb;
	void		*arg;
	size_t		 heap_idx;	/* 0 = not armed, else index + 1 */
};

struct ev_loop *ev_loop_new(void);
/* Frees the loop; timers and watchers still registered are forgotten. */
void	ev_loop_free(struct ev_loop *loop);

/*
 * Watch fd for events (EV_READ|EV_WRITE); replaces an existing watch of
 * the same fd.  events == 0 removes it (as ev_io_del).
 */
int	ev_io_set(struct ev_loop *loop, int fd, int events, ev_io_cb *cb,
	    void *arg);
void	ev_io_del(struct ev_loop *loop, int fd);

void	ev_timer_init(struct ev_timer *t, ev_timer_cb *cb, void *arg);
/* (Re)arm t to fire once after delay_ms. */
void	ev_timer_start(struct ev_loop *loop, struct ev_timer *t,
	    int64_t delay_ms);
void	ev_timer_stop(struct ev_loop *loop, struct ev_timer *t);
bool	ev_timer_active(const struct ev_timer *t);

/* Run cb on the loop when signo arrives (SIGINT, SIGTERM, SIGHUP...). */
int	ev_signal(struct ev_loop *loop, int signo, ev_signal_cb *cb, void *arg);

/* The callback ev_wakeup() triggers; ev_wakeup is thread-safe. */
void	ev_set_wakeup(struct ev_loop *loop, ev_wakeup_cb *cb, void *arg);
void	ev_wakeup(struct ev_loop *loop);

/* Loop time (mono ms), refreshed before each round of callbacks. */
int64_t	ev_now(struct ev_loop *loop);

/* Run until ev_break(); returns 0, or -1 if poll() failed. */
int	ev_run(struct ev_loop *loop);
/* Run one round: wait at most max_wait_ms (-1: until something is due). */
int	ev_run_once(struct ev_loop *loop, int max_wait_ms);
void	ev_break(struct ev_loop *loop);

#endif
