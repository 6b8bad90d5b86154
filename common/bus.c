/*
 * bus.c - nng sockets for ipc-schema messages (see bus.h).
 */
#include "bus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "util.h"

int
bus_open(struct bus_sock *b, enum bus_kind kind, const char *url,
    const char *const *topics, char *err, size_t errlen)
{
	int rv, fd = -1;

	memset(b, 0, sizeof(*b));
	atomic_init(&b->connected, false);
	b->recv_fd = -1;
	b->kind = kind;
	tstrlcpy(b->url, url, sizeof(b->url));
	switch (kind) {
	case BUS_REP:
		rv = nng_rep0_open(&b->sock);
		break;
	case BUS_PUB:
		rv = nng_pub0_open(&b->sock);
		break;
	case BUS_REQ:
		rv = nng_req0_open(&b->sock);
		break;
	case BUS_SUB:
		rv = nng_sub0_open(&b->sock);
		break;
	default:
		snprintf(err, errlen, "bad socket kind");
		return -1;
	}
	if (rv != 0) {
		snprintf(err, errlen, "nng open: %s", nng_strerror(rv));
		return -1;
	}
	nng_socket_set_size(b->sock, NNG_OPT_RECVMAXSZ, TMSG_MAX_SIZE);
	if (kind == BUS_SUB) {
		if (topics == NULL)
			rv = nng_socket_set(b->sock, NNG_OPT_SUB_SUBSCRIBE,
			    "", 0);
		for (size_t i = 0; topics != NULL && topics[i] != NULL; i++) {
			rv = nng_socket_set(b->sock, NNG_OPT_SUB_SUBSCRIBE,
			    topics[i], strlen(topics[i]));
			if (rv != 0)
				break;
		}
		if (rv != 0) {
			snprintf(err, errlen, "subscribe: %s",
			    nng_strerror(rv));
			goto fail;
		}
		/* Deep enough that a burst of events is not dropped. */
		nng_socket_set_int(b->sock, NNG_OPT_RECVBUF, 8192);
	}
	if (kind == BUS_PUB)
		nng_socket_set_int(b->sock, NNG_OPT_SENDBUF, 8192);
	/* See bus_send: a reply may wait this long for the socket. */
	if (kind == BUS_REP)
		nng_socket_set_ms(b->sock, NNG_OPT_SENDTIMEO,
		    BUS_REPLY_TIMEOUT_MS);
	if (kind == BUS_REP || kind == BUS_PUB)
		rv = nng_listen(b->sock, url, NULL, 0);
	else
		rv = nng_dial(b->sock, url, NULL, NNG_FLAG_NONBLOCK);
	if (rv != 0) {
		snprintf(err, errlen, "%s %s: %s",
		    (kind == BUS_REP || kind == BUS_PUB) ? "listen" : "dial",
		    url, nng_strerror(rv));
		goto fail;
	}
	if (kind != BUS_PUB) {
		rv = nng_socket_get_int(b->sock, NNG_OPT_RECVFD, &fd);
		if (rv != 0) {
			snprintf(err, errlen, "recvfd: %s", nng_strerror(rv));
			goto fail;
		}
		b->recv_fd = fd;
	}
	b->open = true;
	return 0;
fail:
	nng_close(b->sock);
	return -1;
}

void
bus_close(struct bus_sock *b)
{
	if (!b->open)
		return;
	nng_close(b->sock);
	b->open = false;
	b->recv_fd = -1;
}

int
bus_redial(struct bus_sock *b, char *err, size_t errlen)
{
	char url[sizeof(b->url)];

	if (b->kind != BUS_REQ) {
		snprintf(err, errlen, "only a REQ socket dials again");
		return -1;
	}
	tstrlcpy(url, b->url, sizeof(url));
	bus_close(b);
	return bus_open(b, BUS_REQ, url, NULL, err, errlen);
}

int
bus_watch(struct bus_sock *b, struct ev_loop *loop, ev_io_cb *cb, void *arg)
{
	if (b->recv_fd < 0)
		return -1;
	return ev_io_set(loop, b->recv_fd, EV_READ, cb, arg);
}

static void
bus_pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct bus_sock *b = arg;

	(void)p;
	(void)ev;
	atomic_store(&b->connected, true);
	ev_wakeup(b->notify_loop);
}

int
bus_notify_connect(struct bus_sock *b, struct ev_loop *loop)
{
	b->notify_loop = loop;
	return nng_pipe_notify(b->sock, NNG_PIPE_EV_ADD_POST, bus_pipe_cb, b)
	    == 0 ? 0 : -1;
}

bool
bus_take_connected(struct bus_sock *b)
{
	return atomic_exchange(&b->connected, false);
}

int
bus_send(struct bus_sock *b, const struct tmsg *m, char *err, size_t errlen)
{
	void *buf;
	size_t len;
	int rv;

	if (tmsg_encode(m, &buf, &len, err, errlen) != 0)
		return -1;
	rv = bus_send_encoded(b, buf, len, err, errlen);
	free(buf);
	if (rv != 0) {
		char why[256];

		tstrlcpy(why, err, sizeof(why));
		snprintf(err, errlen, "send %s: %s", tmsg_type_name(m->type),
		    why);
	}
	return rv;
}

int
bus_send_encoded(struct bus_sock *b, const void *buf, size_t len, char *err,
    size_t errlen)
{
	int rv;

	/*
	 * A REP socket refuses a non-blocking send while its previous reply
	 * to the same peer is still being written, and a refused reply is
	 * lost for good (the requester waits for its resend timer).  So a
	 * reply may block, for at most BUS_REPLY_TIMEOUT_MS; the peer is
	 * local and reading.  Other kinds never block.
	 */
	rv = nng_send(b->sock, (void *)buf, len,
	    b->kind == BUS_REP ? 0 : NNG_FLAG_NONBLOCK);
	if (rv != 0) {
		snprintf(err, errlen, "%s", nng_strerror(rv));
		return -1;
	}
	return 0;
}

int
bus_recv(struct bus_sock *b, struct tmsg *m, char *err, size_t errlen)
{
	void *buf;
	size_t len;
	int rv;

	rv = nng_recv(b->sock, &buf, &len, NNG_FLAG_NONBLOCK | NNG_FLAG_ALLOC);
	if (rv != 0) {
		/*
		 * Nothing to read: EAGAIN, or ESTATE on a REQ socket with no
		 * request outstanding.  Any other error (a closed socket)
		 * also ends the caller's read loop.
		 */
		snprintf(err, errlen, "recv: %s", nng_strerror(rv));
		return 0;
	}
	rv = tmsg_decode(buf, len, m, err, errlen);
	nng_free(buf, len);
	return rv == 0 ? 1 : -1;
}

int
bus_follow(struct bus_sock *b, struct replica *r, replica_change_cb *cb,
    void *arg, char *why, size_t whylen, unsigned *bad, char *err,
    size_t errlen)
{
	struct tmsg m;
	int rv;

	while ((rv = bus_recv(b, &m, err, errlen)) != 0) {
		uint64_t last = r->last_seq, seq = m.seq;
		enum replica_result res;

		if (rv < 0) {
			if (bad != NULL)
				(*bad)++;
			continue;
		}
		res = replica_apply(r, &m, cb, arg);
		tmsg_free(&m);
		if (res == REPLICA_GAP) {
			snprintf(why, whylen, "event seq %llu after %llu",
			    (unsigned long long)seq, (unsigned long long)last);
			return 1;
		}
	}
	return 0;
}
