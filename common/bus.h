/*
 * bus.h - the daemons' message bus: nng sockets carrying ipc-schema
 * messages, joined to an ev loop through NNG_OPT_RECVFD.
 *
 * Sockets are used without nng contexts, so a REQ socket has one request
 * in flight; callers queue their own requests.  Every receive is
 * non-blocking and returns decoded messages; nothing here logs.
 */
#ifndef TORC_BUS_H
#define TORC_BUS_H

#include <stdatomic.h>
#include <stdbool.h>

#include <nng/nng.h>

#include "ev.h"
#include "replica.h"
#include "torc_ipc.h"

/* How long a reply on a REP socket may wait for the socket (bus_send). */
#define BUS_REPLY_TIMEOUT_MS	200

enum bus_kind {
	BUS_REP,	/* listen: answer requests */
	BUS_PUB,	/* listen: publish events */
	BUS_REQ,	/* dial: send requests */
	BUS_SUB,	/* dial: receive events */
};

struct bus_sock {
	nng_socket	 sock;
	enum bus_kind	 kind;
	int		 recv_fd;	/* -1 for PUB */
	char		 url[300];
	bool		 open;
	/* bus_notify_connect: set from nng's thread on a new connection */
	atomic_bool	 connected;
	struct ev_loop	*notify_loop;
};

/*
 * Open a socket of the given kind on url ("ipc:///run/torc/schedd.ipc").
 * REP and PUB listen; REQ and SUB dial in the background (the peer may
 * start later).  SUB subscribes to every topic in the NULL-terminated
 * topics list (NULL list: everything).  Messages larger than
 * TMSG_MAX_SIZE are dropped by nng.  Returns 0 or -1 with err.
 */
int	bus_open(struct bus_sock *b, enum bus_kind kind, const char *url,
	    const char *const *topics, char *err, size_t errlen);
void	bus_close(struct bus_sock *b);
/*
 * Close a REQ socket and open it again on the same url: a new dialer
 * and a new recv_fd (the caller drops its watch of the old one with
 * ev_io_del() first and watches the new one).  For a REQ socket that
 * stays without a connection while its peer is up: seen once a killed
 * schedd was restarted, when routed's sends to schedd.ipc kept failing
 * with EAGAIN for 16 s and more while its SUB socket to the same new
 * process had reconnected at once.
 */
int	bus_redial(struct bus_sock *b, char *err, size_t errlen);

/* Register cb for "a message can be received" on loop (not for PUB). */
int	bus_watch(struct bus_sock *b, struct ev_loop *loop, ev_io_cb *cb,
	    void *arg);

/*
 * Ask to be told of every new connection of the socket (for SUB: the
 * publisher restarted, and events it sent before the connection were
 * lost).  nng reports it on its own thread; this sets a flag and wakes
 * loop with ev_wakeup(), whose callback then calls bus_take_connected().
 */
int	bus_notify_connect(struct bus_sock *b, struct ev_loop *loop);
/* True once per new connection since the last call (loop thread). */
bool	bus_take_connected(struct bus_sock *b);

/*
 * Follow a publisher: apply every event waiting on the SUB socket b to the
 * replica r (changes reported through cb).  Stops at a gap and returns 1
 * with why saying what was missed: the caller fetches a snapshot
 * (replica_begin_sync and SYNC_REQ).  Returns 0 when all was read.
 * Undecodable messages are skipped; *bad (may be NULL) counts them and
 * err holds the last reason.
 */
int	bus_follow(struct bus_sock *b, struct replica *r, replica_change_cb *cb,
	    void *arg, char *why, size_t whylen, unsigned *bad, char *err,
	    size_t errlen);

/*
 * Encode and send m.  Never blocks, except a reply on a REP socket, which
 * may wait up to BUS_REPLY_TIMEOUT_MS for the previous reply to leave.
 * Returns 0, or -1 with err (for PUB a full queue never fails: nng drops
 * the oldest message).
 */
int	bus_send(struct bus_sock *b, const struct tmsg *m, char *err,
	    size_t errlen);
/* Send what tmsg_encode made (len bytes at buf), as bus_send does. */
int	bus_send_encoded(struct bus_sock *b, const void *buf, size_t len,
	    char *err, size_t errlen);

/*
 * Receive and decode one message without blocking.  Returns 1 with *m
 * filled (free with tmsg_free), 0 when nothing can be read now (nothing
 * waiting, no request outstanding, or the socket failed: err says which),
 * -1 when a message arrived but did not decode (err says why; it is
 * consumed).  So `while ((rv = bus_recv(...)) != 0)` always ends.
 */
int	bus_recv(struct bus_sock *b, struct tmsg *m, char *err, size_t errlen);

#endif
