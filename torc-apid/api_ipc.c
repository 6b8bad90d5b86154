/*
 * api_ipc.c - apid's requests over nng REQ sockets, driven by the loop.
 *
 * A REQ socket used without contexts has one request in flight, and a new
 * send cancels the one before.  So each channel keeps exactly one request
 * outstanding and a FIFO of the others, and a timer bounds the wait.
 * Channels: SYNC_REQ -> SYNC_REP and CTL_* -> CTL_RESULT on schedd.ipc
 * (two sockets, so a snapshot never holds up a command), and
 * ROUTED_STATUS_REQ -> ROUTED_STATUS_REP on routed.ipc.
 */
#include "apid.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

static void	chan_send_next(struct api_chan *ch);

static void
call_finish(struct api_chan *ch, struct api_call *c, struct tmsg *rep,
    const char *why)
{
	tmsg_free(&c->msg);
	c->cb(ch->ad, rep, why, c->arg);
	free(c);
}

/* The peer is not answering: fail what is in flight and what waits. */
static void
chan_fail_all(struct api_chan *ch, const char *why)
{
	struct api_call *c;

	ev_timer_stop(ch->ad->loop, &ch->timer);
	if ((c = ch->inflight) != NULL) {
		ch->inflight = NULL;
		call_finish(ch, c, NULL, why);
	}
	while ((c = TAILQ_FIRST(&ch->queue)) != NULL) {
		TAILQ_REMOVE(&ch->queue, c, entry);
		call_finish(ch, c, NULL, why);
	}
}

static void
chan_timer_cb(struct ev_loop *loop, void *arg)
{
	struct api_chan *ch = arg;
	char why[64];

	(void)loop;
	if (ch->inflight == NULL) {
		/* A zero-delay kick: start what was queued. */
		chan_send_next(ch);
		return;
	}
	ch->timeouts++;
	snprintf(why, sizeof(why), "no answer within %d ms", ch->timeout_ms);
	log_warnx("%s: %s (%s)", ch->peer, why,
	    tmsg_type_name(ch->inflight->msg.type));
	chan_fail_all(ch, why);
}

/*
 * Send the call at the head of the queue.  A non-blocking send fails
 * while no connection to the peer is ready: not yet dialled, or busy
 * for a moment with the request before.  Such a call stays at the head
 * and is tried again every API_SEND_RETRY_MS until timeout_ms after it
 * was queued; then it fails as "not reachable".
 */
static void	chan_recv_cb(struct ev_loop *, int, int, void *);

/*
 * No connection to the peer for API_REDIAL_MS of failed sends (so no
 * call in flight): a new socket (bus_redial).
 */
static void
chan_redial(struct api_chan *ch)
{
	char err[256];

	/* Once per outage, not every 3 s while the peer is away. */
	if (ch->send_failures <= API_REDIAL_MS / API_SEND_RETRY_MS)
		log_warnx("%s: no connection after %u tries; dialing again",
		    ch->peer, ch->send_failures);
	else
		log_debug("%s: still no connection; dialing again", ch->peer);
	if (ch->sock.open)
		ev_io_del(ch->ad->loop, ch->sock.recv_fd);
	if (bus_redial(&ch->sock, err, sizeof(err)) != 0) {
		log_warnx("%s: %s", ch->peer, err);
		return;
	}
	if (bus_watch(&ch->sock, ch->ad->loop, chan_recv_cb, ch) != 0)
		log_warnx("%s: cannot watch the new socket", ch->peer);
}

static void
chan_send_next(struct api_chan *ch)
{
	struct api_call *c;
	char err[256], why[300];

	while (ch->inflight == NULL && (c = TAILQ_FIRST(&ch->queue)) != NULL) {
		c->msg.seq = ++ch->req_id;
		if (bus_send(&ch->sock, &c->msg, err, sizeof(err)) != 0) {
			if (++ch->send_failures %
			    (API_REDIAL_MS / API_SEND_RETRY_MS) == 0)
				chan_redial(ch);
			if (ev_now(ch->ad->loop) < c->deadline) {
				ev_timer_start(ch->ad->loop, &ch->timer,
				    API_SEND_RETRY_MS);
				return;
			}
			TAILQ_REMOVE(&ch->queue, c, entry);
			snprintf(why, sizeof(why), "not reachable (%s)", err);
			log_debug("%s: %s", ch->peer, why);
			call_finish(ch, c, NULL, why);
			continue;
		}
		ch->send_failures = 0;
		TAILQ_REMOVE(&ch->queue, c, entry);
		ch->inflight = c;
		ev_timer_start(ch->ad->loop, &ch->timer, ch->timeout_ms);
	}
}

static void
chan_recv_cb(struct ev_loop *loop, int fd, int revents, void *arg)
{
	struct api_chan *ch = arg;
	struct api_call *c;
	char err[256];
	struct tmsg m;
	int rv;

	(void)loop;
	(void)fd;
	(void)revents;
	while ((rv = bus_recv(&ch->sock, &m, err, sizeof(err))) != 0) {
		if (rv < 0) {
			/* Undecodable: the request it answered has failed. */
			log_warnx("%s: bad reply: %s", ch->peer, err);
			if ((c = ch->inflight) != NULL) {
				ch->inflight = NULL;
				ev_timer_stop(ch->ad->loop, &ch->timer);
				call_finish(ch, c, NULL, "undecodable reply");
				chan_send_next(ch);
			}
			continue;
		}
		if ((c = ch->inflight) == NULL || m.seq != c->msg.seq) {
			log_debug("%s: stale %s reply (id %llu)", ch->peer,
			    tmsg_type_name(m.type), (unsigned long long)m.seq);
			tmsg_free(&m);
			continue;
		}
		ch->inflight = NULL;
		ev_timer_stop(ch->ad->loop, &ch->timer);
		call_finish(ch, c, &m, NULL);
		tmsg_free(&m);
		chan_send_next(ch);
	}
}

int
api_chan_open(struct api_chan *ch, struct apid *ad, const char *peer,
    const char *url, int timeout_ms, char *err, size_t errlen)
{
	memset(ch, 0, sizeof(*ch));
	ch->ad = ad;
	ch->peer = peer;
	ch->timeout_ms = timeout_ms;
	TAILQ_INIT(&ch->queue);
	ev_timer_init(&ch->timer, chan_timer_cb, ch);
	if (bus_open(&ch->sock, BUS_REQ, url, NULL, err, errlen) != 0)
		return -1;
	if (bus_watch(&ch->sock, ad->loop, chan_recv_cb, ch) != 0) {
		snprintf(err, errlen, "%s: cannot watch socket", peer);
		bus_close(&ch->sock);
		return -1;
	}
	return 0;
}

void
api_chan_close(struct api_chan *ch)
{
	if (ch->ad == NULL)
		return;
	chan_fail_all(ch, "shutting down");
	if (ch->sock.open) {
		ev_io_del(ch->ad->loop, ch->sock.recv_fd);
		bus_close(&ch->sock);
	}
}

void
api_chan_call(struct api_chan *ch, struct tmsg *msg, api_call_cb *cb,
    void *arg)
{
	struct api_call *c = xcalloc(1, sizeof(*c));

	c->msg = *msg;
	memset(msg, 0, sizeof(*msg));
	c->cb = cb;
	c->arg = arg;
	c->deadline = ev_now(ch->ad->loop) + ch->timeout_ms;
	TAILQ_INSERT_TAIL(&ch->queue, c, entry);
	/* Sent from the loop, so the callback never runs inside the caller. */
	if (ch->inflight == NULL && !ev_timer_active(&ch->timer))
		ev_timer_start(ch->ad->loop, &ch->timer, 0);
}

/* ---- torc-routed's status, shared by everyone waiting for it -------- */

static void
routed_done(struct apid *ad, struct tmsg *rep, const char *why,
    void *arg)
{
	struct routed_waiter_q waiters;
	struct routed_waiter *w;
	const struct tmsg_routed_status *st = NULL;

	(void)arg;
	ad->routed_asking = false;
	if (rep != NULL && rep->type == TMSG_ROUTED_STATUS_REP)
		st = &rep->u.routed;
	else if (rep != NULL) {
		why = rep->type == TMSG_ERROR ? rep->u.error.message :
		    "unexpected reply";
		log_warnx("torc-routed: %s answered: %s",
		    tmsg_type_name(rep->type), why);
	}
	/* Callbacks may add new waiters: answer only those waiting now. */
	TAILQ_INIT(&waiters);
	TAILQ_CONCAT(&waiters, &ad->routed_waiters, entry);
	while ((w = TAILQ_FIRST(&waiters)) != NULL) {
		TAILQ_REMOVE(&waiters, w, entry);
		w->cb(ad, st, why, w->arg);
		free(w);
	}
}

void
api_routed_status(struct apid *ad, api_routed_cb *cb, void *arg)
{
	struct routed_waiter *w = xcalloc(1, sizeof(*w));

	w->cb = cb;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&ad->routed_waiters, w, entry);
	if (!ad->routed_asking) {
		struct tmsg m = { .type = TMSG_ROUTED_STATUS_REQ };

		ad->routed_asking = true;
		api_chan_call(&ad->routed, &m, routed_done, NULL);
	}
}

void
api_routed_cancel(struct apid *ad, void *arg)
{
	struct routed_waiter *w, *next;

	for (w = TAILQ_FIRST(&ad->routed_waiters); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		if (w->arg == arg) {
			TAILQ_REMOVE(&ad->routed_waiters, w, entry);
			free(w);
		}
	}
}
