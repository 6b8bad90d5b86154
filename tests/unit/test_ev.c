/*
 * test_ev.c - the event loop: timers fire in due order and can be
 * re-armed or stopped, fd watchers see readiness, signals and wakeups
 * are delivered on the loop thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "monotime.h"

struct rec {
	int	order[16];
	int	n;
	struct ev_loop *loop;
	int	stop_after;
};

struct tctx {
	struct rec *r;
	int	id;
};

static void
timer_cb(struct ev_loop *loop, void *arg)
{
	struct tctx *t = arg;

	t->r->order[t->r->n++] = t->id;
	if (t->r->n == t->r->stop_after)
		ev_break(loop);
}

static void
timers_fire_in_due_order(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct rec r = { .stop_after = 4 };
	struct ev_timer t[5];
	struct tctx c[5];
	const int delays[5] = { 40, 10, 30, 20, 1000 };

	(void)state;
	assert_non_null(loop);
	for (int i = 0; i < 5; i++) {
		c[i].r = &r;
		c[i].id = i;
		ev_timer_init(&t[i], timer_cb, &c[i]);
		ev_timer_start(loop, &t[i], delays[i]);
	}
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.order[0], 1);
	assert_int_equal(r.order[1], 3);
	assert_int_equal(r.order[2], 2);
	assert_int_equal(r.order[3], 0);
	assert_true(ev_timer_active(&t[4]));
	ev_timer_stop(loop, &t[4]);
	assert_false(ev_timer_active(&t[4]));
	ev_loop_free(loop);
}

static void
a_stopped_timer_never_fires_and_rearming_moves_it(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct rec r = { .stop_after = 2 };
	struct ev_timer a, b, c;
	struct tctx ca = { &r, 1 }, cb = { &r, 2 }, cc = { &r, 3 };
	int64_t start = mono_ms();

	(void)state;
	ev_timer_init(&a, timer_cb, &ca);
	ev_timer_init(&b, timer_cb, &cb);
	ev_timer_init(&c, timer_cb, &cc);
	ev_timer_start(loop, &a, 5);
	ev_timer_start(loop, &b, 10);
	ev_timer_start(loop, &c, 15);
	ev_timer_stop(loop, &a);
	ev_timer_start(loop, &b, 30);	/* re-arm: now after c */
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(r.order[0], 3);
	assert_int_equal(r.order[1], 2);
	assert_true(mono_ms() - start >= 30);
	ev_loop_free(loop);
}

static void
io_cb(struct ev_loop *loop, int fd, int revents, void *arg)
{
	char buf[8];
	int *got = arg;

	assert_true(revents & EV_READ);
	assert_int_equal(read(fd, buf, sizeof(buf)), 3);
	*got = 1;
	ev_io_del(loop, fd);
	ev_break(loop);
}

static void
a_readable_fd_runs_its_callback(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	int p[2], got = 0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(ev_io_set(loop, p[0], EV_READ, io_cb, &got), 0);
	assert_int_equal(write(p[1], "abc", 3), 3);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(got, 1);
	close(p[0]);
	close(p[1]);
	ev_loop_free(loop);
}

static void
sig_cb(struct ev_loop *loop, int signo, void *arg)
{
	int *got = arg;

	*got = signo;
	ev_break(loop);
}

static void
a_signal_is_delivered_as_a_callback(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	int got = 0;

	(void)state;
	assert_int_equal(ev_signal(loop, SIGUSR1, sig_cb, &got), 0);
	raise(SIGUSR1);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(got, SIGUSR1);
	signal(SIGUSR1, SIG_DFL);
	ev_loop_free(loop);
}

static void
wake_cb(struct ev_loop *loop, void *arg)
{
	int *got = arg;

	(*got)++;
	ev_break(loop);
}

static void *
waker(void *arg)
{
	ev_wakeup(arg);
	return NULL;
}

static void
another_thread_can_wake_the_loop(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	pthread_t th;
	int got = 0;

	(void)state;
	ev_set_wakeup(loop, wake_cb, &got);
	assert_int_equal(pthread_create(&th, NULL, waker, loop), 0);
	assert_int_equal(ev_run(loop), 0);
	pthread_join(th, NULL);
	assert_int_equal(got, 1);
	ev_loop_free(loop);
}

static void
many_timers_keep_heap_order(void **state)
{
	enum { N = 200 };
	struct ev_loop *loop = ev_loop_new();
	static struct ev_timer t[N];
	static struct tctx c[N];
	struct rec r = { .stop_after = 0 };

	(void)state;
	/* Start N timers with shuffled due times, stop every third. */
	for (int i = 0; i < N; i++) {
		c[i].r = &r;
		c[i].id = i;
		ev_timer_init(&t[i], timer_cb, &c[i]);
		ev_timer_start(loop, &t[i], (i * 37) % N);
	}
	for (int i = 0; i < N; i += 3)
		ev_timer_stop(loop, &t[i]);
	for (int i = 0; i < N; i++) {
		if (i % 3 == 0)
			assert_false(ev_timer_active(&t[i]));
		else
			assert_true(ev_timer_active(&t[i]));
	}
	for (int i = 0; i < N; i++)
		ev_timer_stop(loop, &t[i]);
	assert_int_equal(ev_run_once(loop, 0), 0);
	assert_int_equal(r.n, 0);
	ev_loop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timers_fire_in_due_order),
		cmocka_unit_test(a_stopped_timer_never_fires_and_rearming_moves_it),
		cmocka_unit_test(a_readable_fd_runs_its_callback),
		cmocka_unit_test(a_signal_is_delivered_as_a_callback),
		cmocka_unit_test(another_thread_can_wake_the_loop),
		cmocka_unit_test(many_timers_keep_heap_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
