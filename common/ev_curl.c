/*
 * ev_curl.c - curl's multi interface on an ev loop (see ev_curl.h).
 */
#include "ev_curl.h"

#include <string.h>

#include "monotime.h"

static void
ev_curl_io_cb(struct ev_loop *loop, int fd, int revents, void *arg)
{
	struct ev_curl *ec = arg;
	int flags = 0, running;

	(void)loop;
	if (revents & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	if (revents & EV_ERROR)
		flags |= CURL_CSELECT_ERR;
	ec->depth++;
	curl_multi_socket_action(ec->multi, fd, flags, &running);
	ec->after(ec->arg);
	ec->depth--;
	ev_curl_run_due(ec);
}

static void
ev_curl_timeout(struct ev_curl *ec)
{
	int running;

	ec->depth++;
	curl_multi_socket_action(ec->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	ec->after(ec->arg);
	ec->depth--;
}

static void
ev_curl_timer_cb(struct ev_loop *loop, void *arg)
{
	(void)loop;
	ev_curl_timeout(arg);
	ev_curl_run_due(arg);
}

/*
 * What `after` queued (a call answering an event just read) has curl's
 * timer due now: it goes out here rather than after whatever other
 * timers are due this round (a flush that publishes, say).  A few rounds
 * at most: curl may keep asking to run at once while it works through a
 * transfer, and the loop's timer takes over from there.
 */
#define EV_CURL_DUE_ROUNDS	4

void
ev_curl_run_due(struct ev_curl *ec)
{
	/*
	 * Only a timer already due: curl reports a new timeout only when
	 * it changes, so a timer stopped early would be lost.
	 */
	for (int i = 0; i < EV_CURL_DUE_ROUNDS; i++) {
		if (ec->multi == NULL || ec->depth > 0 ||
		    !ev_timer_active(&ec->timer) ||
		    ec->timer.due > mono_ms())
			return;
		ev_timer_stop(ec->loop, &ec->timer);
		ev_curl_timeout(ec);
	}
}

/* CURLMOPT_SOCKETFUNCTION: watch (or stop watching) one of curl's fds. */
static int
ev_curl_socket_fn(CURL *easy, curl_socket_t s, int what, void *userp,
    void *socketp)
{
	struct ev_curl *ec = userp;
	int ev = 0;

	(void)easy;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		ev_io_del(ec->loop, s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EV_READ;
	if (what & CURL_POLL_OUT)
		ev |= EV_WRITE;
	/* -1 tells curl the socket cannot be watched: it fails the transfer. */
	return ev_io_set(ec->loop, s, ev, ev_curl_io_cb, ec) == 0 ? 0 : -1;
}

/* CURLMOPT_TIMERFUNCTION: curl wants to be called after timeout_ms. */
static int
ev_curl_timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
	struct ev_curl *ec = userp;

	(void)multi;
	if (timeout_ms < 0)
		ev_timer_stop(ec->loop, &ec->timer);
	else
		ev_timer_start(ec->loop, &ec->timer, timeout_ms);
	return 0;
}

int
ev_curl_init(struct ev_curl *ec, struct ev_loop *loop,
    void (*after)(void *arg), void *arg)
{
	memset(ec, 0, sizeof(*ec));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	if ((ec->multi = curl_multi_init()) == NULL)
		return -1;
	ec->loop = loop;
	ec->after = after;
	ec->arg = arg;
	ev_timer_init(&ec->timer, ev_curl_timer_cb, ec);
	curl_multi_setopt(ec->multi, CURLMOPT_SOCKETFUNCTION,
	    ev_curl_socket_fn);
	curl_multi_setopt(ec->multi, CURLMOPT_SOCKETDATA, ec);
	curl_multi_setopt(ec->multi, CURLMOPT_TIMERFUNCTION, ev_curl_timer_fn);
	curl_multi_setopt(ec->multi, CURLMOPT_TIMERDATA, ec);
	return 0;
}

void
ev_curl_fini(struct ev_curl *ec)
{
	if (ec->multi == NULL)
		return;
	ev_timer_stop(ec->loop, &ec->timer);
	curl_multi_cleanup(ec->multi);
	ec->multi = NULL;
}
