/*
 * bench_chain.h - B1's path floor: the hops of one start through the trio,
 * made by minimal processes that do nothing else, measured in the same
 * run as the trio (bench_e2e.c).
 *
 * A start crosses: the REST request (client -> apid), a req/rep on the
 * bus (apid -> schedd), REVIVE (schedd -> master), OFFERS on the stream
 * (master -> schedd), ACCEPT, STARTING, its ACKNOWLEDGE, RUNNING, a
 * publish on the bus (schedd -> routed) and two HTTP calls in parallel
 * (routed -> Consul, routed -> switch): ten hops between five processes.
 * The chain makes the same hops over the same transports (TCP loopback
 * with HTTP/1.1-style framing and kept-alive connections, nng req/rep and
 * pub/sub over ipc://) between four forked processes:
 *
 *	client --HTTP--> A --req--> B --call--> M (master, Consul, switch)
 *	                            B <-stream- M
 *	                            B --pub---> R --2 x HTTP--> M
 *
 * Each role is a single thread that blocks on the one thing it waits for:
 * no JSON, no protobuf, no state, no disk, no logging.  M answers every
 * call as torc-sim does (event first, then the 202) and, once both of
 * R's requests for a sample are in, writes the monotonic time of the
 * later one to the client's notify connection.  A sample is that time
 * minus the time the client sent its request.
 *
 * What the floor leaves out is what torc and torc-sim add: their work per
 * message, their other threads, the state writes.  Roles are forked
 * before the caller uses nng or starts threads (chain_start), and die
 * with it (PR_SET_PDEATHSIG).
 */
#ifndef TORC_BENCH_CHAIN_H
#define TORC_BENCH_CHAIN_H

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#define CH_FN		static __attribute__((unused))
#define CH_PAD		300	/* body bytes: an ACCEPT is 339 */
#define CH_BUF		8192
#define CH_MAX_CONNS	8

struct ch_conn {
	int	 fd;
	size_t	 len;
	char	 buf[CH_BUF];
};

struct chain {
	pid_t		 pid[4];
	int		 m_listen, a_listen, m_port, a_port;
	struct ch_conn	 api, notify;
	char		 b_url[160], ev_url[160];
	bool		 up;
};

static int64_t
ch_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
ch_listen(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
ch_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int
ch_connect(struct ch_conn *c, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	c->len = 0;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	ch_nodelay(c->fd);
	return 0;
}

static int
ch_write(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One message: "<first line>\r\nContent-Length: n\r\n\r\n" + n bytes. */
static int
ch_send(int fd, const char *first, const char *body)
{
	char msg[CH_BUF];
	int n = snprintf(msg, sizeof(msg), "%s\r\nContent-Length: %zu\r\n\r\n"
	    "%s%-*s", first, strlen(body) + CH_PAD, body, CH_PAD, "");

	return n > 0 && (size_t)n < sizeof(msg) ? ch_write(fd, msg,
	    (size_t)n) : -1;
}

/*
 * The next message from c, whole: its first line in first (and the start
 * of its body in body).  0, or -1 when c closed, timed out or is garbage.
 */
static int
ch_recv(struct ch_conn *c, char *first, size_t flen, char *body,
    size_t blen)
{
	for (;;) {
		char *end = memmem(c->buf, c->len, "\r\n\r\n", 4), *cl, *eol;
		size_t hdr, total, clen;
		ssize_t r;

		if (end != NULL) {
			hdr = (size_t)(end - c->buf) + 4;
			*end = '\0';
			cl = strstr(c->buf, "Content-Length: ");
			clen = cl != NULL ? strtoul(cl + 16, NULL, 10) : 0;
			total = hdr + clen;
			if (total > sizeof(c->buf))
				return -1;
			if (c->len >= total) {
				eol = strstr(c->buf, "\r\n");
				if (eol != NULL)
					*eol = '\0';
				{
					size_t fl = strlen(c->buf), bl = clen;

					if (fl >= flen)
						fl = flen - 1;
					if (bl >= blen)
						bl = blen - 1;
					memcpy(first, c->buf, fl);
					first[fl] = '\0';
					memcpy(body, c->buf + hdr, bl);
					body[bl] = '\0';
				}
				memmove(c->buf, c->buf + total, c->len -
				    total);
				c->len -= total;
				return 0;
			}
			*end = '\r';	/* not all here yet */
		}
		if (c->len == sizeof(c->buf))
			return -1;
		r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c->len += (size_t)r;
	}
}

/* ---- M: the master, Consul and the switch ---------------------------- */

static void
ch_role_m(struct chain *ch)
{
	static struct ch_conn conns[CH_MAX_CONNS];
	struct pollfd pfd[CH_MAX_CONNS + 1];
	int n = 0, stream = -1, notify = -1, got = 0;
	int64_t last = 0;
	char first[128], body[64];

	for (;;) {
		int npoll = n;	/* a connection accepted below waits a round */

		pfd[0].fd = ch->m_listen;
		pfd[0].events = POLLIN;
		for (int i = 0; i < n; i++) {
			pfd[i + 1].fd = conns[i].fd;
			pfd[i + 1].events = POLLIN;
			pfd[i + 1].revents = 0;
		}
		if (poll(pfd, (nfds_t)n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if ((pfd[0].revents & POLLIN) && n < CH_MAX_CONNS) {
			int fd = accept4(ch->m_listen, NULL, NULL,
			    SOCK_CLOEXEC);

			if (fd >= 0) {
				ch_nodelay(fd);
				conns[n].fd = fd;
				conns[n++].len = 0;
			}
		}
		for (int i = 0; i < npoll; i++) {
			struct ch_conn *c = &conns[i];

			if (!(pfd[i + 1].revents & (POLLIN | POLLHUP)))
				continue;
			/* Every message here is read whole by one call. */
			do {
				if (ch_recv(c, first, sizeof(first), body,
				    sizeof(body)) != 0)
					_exit(0);
				if (strncmp(first, "POST /subscribe", 15) == 0)
					stream = c->fd;
				else if (strncmp(first, "GET /notify", 11) ==
				    0)
					notify = c->fd;
				else if (strncmp(first, "POST /call", 10) ==
				    0) {
					const char *ev = NULL;

					if (strncmp(body, "REVIVE", 6) == 0)
						ev = "OFFERS";
					else if (strncmp(body, "ACCEPT", 6) ==
					    0)
						ev = "STARTING";
					else if (strncmp(body, "ACK STARTING",
					    12) == 0)
						ev = "RUNNING";
					if (ev != NULL && stream >= 0)
						ch_send(stream, "EVENT", ev);
					ch_send(c->fd, "HTTP/1.1 202 Accepted",
					    "");
				} else {	/* Consul's PUT, the switch's POST */
					last = ch_now_ns();
					ch_send(c->fd, "HTTP/1.1 200 OK", "");
					if (++got == 2 && notify >= 0) {
						ch_write(notify, &last,
						    sizeof(last));
						got = 0;
					}
				}
			} while (c->len > 0 && memmem(c->buf, c->len,
			    "\r\n\r\n", 4) != NULL);
		}
	}
}

/* ---- B: schedd --------------------------------------------------------- */

static int
ch_expect(struct ch_conn *c, const char *what)
{
	char first[128], body[64];

	if (ch_recv(c, first, sizeof(first), body, sizeof(body)) != 0)
		return -1;
	return strstr(first, what) != NULL || strncmp(body, what,
	    strlen(what)) == 0 ? 0 : -1;
}

static void
ch_role_b(struct chain *ch)
{
	struct ch_conn call, stream;
	nng_socket rep, pub;
	char *msg;
	size_t sz;

	if (nng_rep0_open(&rep) != 0 || nng_pub0_open(&pub) != 0 ||
	    nng_listen(rep, ch->b_url, NULL, 0) != 0 ||
	    nng_listen(pub, ch->ev_url, NULL, 0) != 0 ||
	    ch_connect(&call, ch->m_port) != 0 ||
	    ch_connect(&stream, ch->m_port) != 0 ||
	    ch_send(stream.fd, "POST /subscribe HTTP/1.1", "SUBSCRIBE") != 0)
		_exit(1);
	for (;;) {
		if (nng_recv(rep, &msg, &sz, NNG_FLAG_ALLOC) != 0)
			_exit(1);
		nng_free(msg, sz);
		/* The REVIVE goes before the answer, as in schedd. */
		if (ch_send(call.fd, "POST /call HTTP/1.1", "REVIVE") != 0 ||
		    nng_send(rep, "ok", 2, 0) != 0 ||
		    ch_expect(&call, "202") != 0 ||
		    ch_expect(&stream, "OFFERS") != 0 ||
		    ch_send(call.fd, "POST /call HTTP/1.1", "ACCEPT") != 0 ||
		    ch_expect(&call, "202") != 0 ||
		    ch_expect(&stream, "STARTING") != 0 ||
		    ch_send(call.fd, "POST /call HTTP/1.1", "ACK STARTING") !=
		    0 || ch_expect(&call, "202") != 0 ||
		    ch_expect(&stream, "RUNNING") != 0 ||
		    nng_send(pub, "running", 7, 0) != 0 ||
		    ch_send(call.fd, "POST /call HTTP/1.1", "ACK RUNNING") !=
		    0 || ch_expect(&call, "202") != 0)
			_exit(1);
	}
}

/* ---- A: apid ----------------------------------------------------------- */

static void
ch_role_a(struct chain *ch)
{
	struct ch_conn cl = { .fd = -1 };
	char first[128], body[64], *msg;
	nng_socket req;
	size_t sz;

	if (nng_req0_open(&req) != 0 ||
	    nng_dial(req, ch->b_url, NULL, NNG_FLAG_NONBLOCK) != 0)
		_exit(1);
	if ((cl.fd = accept4(ch->a_listen, NULL, NULL, SOCK_CLOEXEC)) < 0)
		_exit(1);
	ch_nodelay(cl.fd);
	for (;;) {
		if (ch_recv(&cl, first, sizeof(first), body, sizeof(body)) !=
		    0)
			_exit(0);
		if (nng_send(req, "start", 5, 0) != 0 ||
		    nng_recv(req, &msg, &sz, NNG_FLAG_ALLOC) != 0)
			_exit(1);
		nng_free(msg, sz);
		if (ch_send(cl.fd, "HTTP/1.1 200 OK", "{}") != 0)
			_exit(1);
	}
}

/* ---- R: routed --------------------------------------------------------- */

static void
ch_role_r(struct chain *ch)
{
	struct ch_conn consul, sw;
	nng_socket sub;
	char *msg;
	size_t sz;

	if (nng_sub0_open(&sub) != 0 ||
	    nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, "", 0) != 0 ||
	    nng_dial(sub, ch->ev_url, NULL, NNG_FLAG_NONBLOCK) != 0 ||
	    ch_connect(&consul, ch->m_port) != 0 ||
	    ch_connect(&sw, ch->m_port) != 0)
		_exit(1);
	for (;;) {
		if (nng_recv(sub, &msg, &sz, NNG_FLAG_ALLOC) != 0)
			_exit(1);
		nng_free(msg, sz);
		if (ch_send(consul.fd, "PUT /consul HTTP/1.1",
		    "{\"Name\":\"torc-x\"}") != 0 ||
		    ch_send(sw.fd, "POST /switch HTTP/1.1",
		    "{\"DestinationNw\":\"x\"}") != 0 ||
		    ch_expect(&consul, "200") != 0 ||
		    ch_expect(&sw, "200") != 0)
			_exit(1);
	}
}

/* ---- the client -------------------------------------------------------- */

/*
 * Fork the four roles, with their ipc:// sockets in dir.  Call before
 * anything in this process uses nng or starts a thread.  0 or -1.
 */
CH_FN int
chain_start(struct chain *ch, const char *dir)
{
	void (*roles[4])(struct chain *) = { ch_role_m, ch_role_b, ch_role_a,
	    ch_role_r };

	memset(ch, 0, sizeof(*ch));
	ch->api.fd = ch->notify.fd = -1;
	snprintf(ch->b_url, sizeof(ch->b_url), "ipc://%s/chain-b.ipc", dir);
	snprintf(ch->ev_url, sizeof(ch->ev_url), "ipc://%s/chain-ev.ipc",
	    dir);
	ch->m_listen = ch->a_listen = -1;
	if ((ch->m_listen = ch_listen(&ch->m_port)) < 0 ||
	    (ch->a_listen = ch_listen(&ch->a_port)) < 0) {
		if (ch->m_listen >= 0)
			close(ch->m_listen);
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			close(ch->m_listen);
			close(ch->a_listen);
			return -1;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			signal(SIGPIPE, SIG_IGN);
			roles[i](ch);
			_exit(0);
		}
		ch->pid[i] = pid;
	}
	close(ch->m_listen);
	close(ch->a_listen);
	if (ch_connect(&ch->api, ch->a_port) != 0 ||
	    ch_connect(&ch->notify, ch->m_port) != 0 ||
	    ch_send(ch->notify.fd, "GET /notify HTTP/1.1", "") != 0)
		return -1;
	{
		struct timeval tv = { .tv_sec = 2 };

		setsockopt(ch->api.fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv));
		setsockopt(ch->notify.fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv));
	}
	ch->up = true;
	return 0;
}

/* Drop what a sample that timed out left to read, late, on c. */
static void
ch_drain(struct ch_conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	char junk[512];

	c->len = 0;
	while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN) &&
	    read(c->fd, junk, sizeof(junk)) > 0)
		;
}

/*
 * One start through the chain: ms, or -1 (a timeout: 2 s).  What an
 * earlier sample that timed out left behind is dropped first, so a late
 * answer is never taken for this one's.
 */
CH_FN double
chain_sample(struct chain *ch)
{
	char first[128], body[64];
	int64_t t0, end;
	size_t got = 0;

	if (!ch->up)
		return -1;
	ch_drain(&ch->api);
	ch_drain(&ch->notify);
	t0 = ch_now_ns();
	if (ch_send(ch->api.fd, "GET /start/group?name=chain HTTP/1.1", "") !=
	    0 || ch_recv(&ch->api, first, sizeof(first), body,
	    sizeof(body)) != 0)
		return -1;
	while (got < sizeof(end)) {
		ssize_t r = read(ch->notify.fd, (char *)&end + got,
		    sizeof(end) - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return (double)(end - t0) / 1e6;
}

CH_FN void
chain_stop(struct chain *ch)
{
	if (ch->api.fd >= 0)
		close(ch->api.fd);
	if (ch->notify.fd >= 0)
		close(ch->notify.fd);
	for (int i = 0; i < 4; i++) {
		if (ch->pid[i] > 0) {
			kill(ch->pid[i], SIGKILL);
			waitpid(ch->pid[i], NULL, 0);
		}
	}
	ch->up = false;
}

#endif
