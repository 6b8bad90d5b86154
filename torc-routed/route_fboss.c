/*
 * route_fboss.c - the FBOSS agent client (route_fboss.h): a request
 * queue served by one worker thread that makes the Thrift calls with the
 * c_glib code generated from common/fboss/fboss_ctrl.thrift, and a
 * completion queue handed back to the event loop through an eventfd.
 * At the end, torc-routed's network-agent driver over it
 * (route_fboss_driver, route_driver.h).  No bus messages.
 *
 *   add     addUnicastRoute(client, {dest, nextHopAddrs: [nexthop]})
 *   delete  deleteUnicastRoute(client, prefix)
 *   table   getRouteTableByClient(client), or getRouteTable()
 *   sync    syncFib(client, routes)
 *
 * Addresses go as 4-byte BinaryAddress values without the optional port
 * (the original sent port 0; the agent ignores it for routes).
 *
 * Threads: the loop thread owns the callbacks; the worker owns the
 * connection and the Thrift objects; both queues and the socket
 * descriptor are guarded by mtx, so route_fboss_free() can shut the
 * socket down under a call that is waiting for the agent.  The eventfd
 * is watched with ev_io_set() rather than ev_set_wakeup(), which has a
 * single slot per loop and is not this module's to take.
 */
#include "routed.h"
#include "route_fboss.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <thrift/c_glib/protocol/thrift_binary_protocol.h>
#include <thrift/c_glib/thrift_application_exception.h>
#include <thrift/c_glib/transport/thrift_buffered_transport.h>
#include <thrift/c_glib/transport/thrift_framed_transport.h>
#include <thrift/c_glib/transport/thrift_socket.h>

#include "fboss/fboss_gobject.h"
#include "fboss_fboss_ctrl.h"
#include "util.h"

struct fb_req {
	enum route_fboss_op	 op;
	uint32_t		 addr;		/* network order */
	int			 len;
	uint32_t		 nexthop;	/* network order */
	bool			 all_clients;
	struct route_fboss_route *routes;	/* sync in, table out */
	size_t			 n_routes;
	size_t			 n_other;
	enum route_fboss_status	 status;
	char			 error[256];
	route_fboss_cb		*cb;
	void			*arg;
	struct fb_req		*next;
};

struct fb_queue {
	struct fb_req	*head, *tail;
	size_t		 n;
};

struct route_fboss {
	struct ev_loop	*loop;
	char		*host;
	int		 port;
	enum cfg_fboss_transport transport;
	int16_t		 client_id;
	int		 connect_ms, call_ms, table_ms;
	int		 efd;		/* eventfd: completions are waiting */

	pthread_t	 worker;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	struct fb_queue	 todo;		/* loop -> worker */
	struct fb_queue	 done;		/* worker -> loop */
	bool		 busy;		/* the worker holds a request */
	bool		 stop;
	int		 sd;		/* the connection's socket, or -1 */

	/* The worker's own: the Thrift objects over sd. */
	bool		 connected;
	ThriftSocket	*tsock;
	ThriftTransport	*ttrans;
	ThriftProtocol	*tproto;
	fbossFbossCtrlIf *tclient;
};

static void
fb_queue_push(struct fb_queue *q, struct fb_req *r)
{
	r->next = NULL;
	if (q->tail != NULL)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
	q->n++;
}

static struct fb_req *
fb_queue_pop(struct fb_queue *q)
{
	struct fb_req *r = q->head;

	if (r != NULL) {
		q->head = r->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->n--;
		r->next = NULL;
	}
	return r;
}

static void
fb_req_free(struct fb_req *r)
{
	if (r != NULL) {
		free(r->routes);
		free(r);
	}
}

const char *
route_fboss_status_name(enum route_fboss_status st)
{
	switch (st) {
	case ROUTE_FBOSS_OK:
		return "ok";
	case ROUTE_FBOSS_REFUSED:
		return "refused";
	case ROUTE_FBOSS_NOT_SENT:
		return "not sent";
	case ROUTE_FBOSS_NO_ANSWER:
		return "no answer";
	case ROUTE_FBOSS_BAD_ANSWER:
		return "bad answer";
	}
	return "?";
}

int
route_fboss_parse_prefix(const char *s, uint32_t *addr, int *len)
{
	char ip[INET_ADDRSTRLEN], *end;
	const char *slash;
	struct in_addr a;
	long l;

	if (s == NULL || (slash = strchr(s, '/')) == NULL ||
	    (size_t)(slash - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	errno = 0;
	l = strtol(slash + 1, &end, 10);
	if (end == slash + 1 || *end != '\0' || errno != 0 || l < 0 ||
	    l > 32 || !is_ipv4(ip) || inet_pton(AF_INET, ip, &a) != 1)
		return -1;
	*len = (int)l;
	*addr = a.s_addr & htonl(l == 0 ? 0 : 0xffffffffu << (32 - l));
	return 0;
}

static int
fb_parse_addr(const char *s, uint32_t *addr)
{
	struct in_addr a;

	if (s == NULL || !is_ipv4(s) || inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*addr = a.s_addr;
	return 0;
}

/* ---- Thrift values ------------------------------------------------------- */

static fbossBinaryAddress *
fb_addr_new(uint32_t addr)
{
	fbossBinaryAddress *b = g_object_new(FBOSS_TYPE_BINARY_ADDRESS, NULL);

	b->addr = g_byte_array_sized_new(4);
	g_byte_array_append(b->addr, (const guint8 *)&addr, 4);
	return b;
}

/* Fill a generated IpPrefix (which owns an empty BinaryAddress). */
static void
fb_prefix_set(fbossIpPrefix *p, uint32_t addr, int len)
{
	if (p->ip != NULL)
		g_object_unref(p->ip);
	p->ip = fb_addr_new(addr);
	p->prefixLength = (gint16)len;
}

static fbossUnicastRoute *
fb_route_new(uint32_t addr, int len, uint32_t nexthop)
{
	fbossUnicastRoute *u = g_object_new(FBOSS_TYPE_UNICAST_ROUTE, NULL);

	fb_prefix_set(u->dest, addr, len);
	g_ptr_array_add(u->nextHopAddrs, fb_addr_new(nexthop));
	u->__isset_nextHopAddrs = TRUE;
	return u;
}

/* An address as reported -> text; -1 if it is neither 4 nor 16 bytes. */
static int
fb_addr_text(const fbossBinaryAddress *b, char *buf, size_t len, int *af)
{
	if (b == NULL || b->addr == NULL)
		return -1;
	if (b->addr->len == 4)
		*af = AF_INET;
	else if (b->addr->len == 16)
		*af = AF_INET6;
	else
		return -1;
	return inet_ntop(*af, b->addr->data, buf, (socklen_t)len) != NULL ?
	    0 : -1;
}

/* Turn a reported table into req->routes (IPv4) and req->n_other. */
static void
fb_table_take(struct route_fboss *fb, struct fb_req *req,
    const GPtrArray *tab)
{
	guint i;

	req->routes = xcalloc(tab->len > 0 ? tab->len : 1,
	    sizeof(*req->routes));
	for (i = 0; i < tab->len; i++) {
		const fbossUnicastRoute *u = g_ptr_array_index(tab, i);
		struct route_fboss_route *o = &req->routes[req->n_routes];
		const fbossBinaryAddress *nh = NULL;
		char ip[INET6_ADDRSTRLEN];
		int af, naf;

		if (u == NULL || u->dest == NULL ||
		    fb_addr_text(u->dest->ip, ip, sizeof(ip), &af) != 0 ||
		    af != AF_INET || u->dest->prefixLength < 0 ||
		    u->dest->prefixLength > 32) {
			req->n_other++;
			continue;
		}
		if (snprintf(o->prefix, sizeof(o->prefix), "%.15s/%d", ip,
		    u->dest->prefixLength) >= (int)sizeof(o->prefix))
			o->prefix[0] = '\0';	/* cannot be: IPv4 */
		/* Newer agents fill nextHops and may leave nextHopAddrs. */
		if (u->nextHopAddrs != NULL && u->nextHopAddrs->len > 0) {
			nh = g_ptr_array_index(u->nextHopAddrs, 0);
			o->n_nexthops = u->nextHopAddrs->len;
		} else if (u->nextHops != NULL && u->nextHops->len > 0) {
			const fbossNextHopThrift *t =
			    g_ptr_array_index(u->nextHops, 0);

			nh = t != NULL ? t->address : NULL;
			o->n_nexthops = u->nextHops->len;
		}
		if (nh == NULL || fb_addr_text(nh, o->nexthop,
		    sizeof(o->nexthop), &naf) != 0)
			o->nexthop[0] = '\0';
		o->client = req->all_clients ? -1 : fb->client_id;
		req->n_routes++;
	}
}

/* ---- the connection (worker thread) -------------------------------------- */

/*
 * Drop the connection.  The Thrift objects stay for the next one, made
 * once per client; only their socket and buffers change.
 */
static void
fb_disconnect(struct route_fboss *fb)
{
	pthread_mutex_lock(&fb->mtx);
	if (fb->sd >= 0)
		close(fb->sd);
	fb->sd = -1;
	if (fb->tsock != NULL)
		fb->tsock->sd = THRIFT_INVALID_SOCKET;
	pthread_mutex_unlock(&fb->mtx);
	if (fb->ttrans == NULL)
		return;
	/* What a failed call left half read or half written. */
	if (fb->transport == CFG_FBOSS_FRAMED) {
		ThriftFramedTransport *t = THRIFT_FRAMED_TRANSPORT(fb->ttrans);

		g_byte_array_set_size(t->r_buf, 0);
		g_byte_array_set_size(t->w_buf, 0);
	} else {
		ThriftBufferedTransport *t =
		    THRIFT_BUFFERED_TRANSPORT(fb->ttrans);

		g_byte_array_set_size(t->r_buf, 0);
		g_byte_array_set_size(t->w_buf, 0);
	}
	fb->connected = false;
}

/* Free the Thrift objects. */
static void
fb_release(struct route_fboss *fb)
{
	fb_disconnect(fb);
	if (fb->tclient != NULL)
		g_object_unref(fb->tclient);
	if (fb->tproto != NULL)
		g_object_unref(fb->tproto);
	if (fb->ttrans != NULL)
		g_object_unref(fb->ttrans);
	if (fb->tsock != NULL)
		g_object_unref(fb->tsock);
	fb->tclient = NULL;
	fb->tproto = NULL;
	fb->ttrans = NULL;
	fb->tsock = NULL;
}

static void
fb_set_timeout(int sd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
	    .tv_usec = (ms % 1000) * 1000 };

	setsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Connect within connect_ms; the socket, or -1 with err. */
static int
fb_dial(struct route_fboss *fb, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM }, *res = NULL, *ai;
	char port[16];
	int sd = -1, rc, one = 1, soerr;
	socklen_t sl;

	snprintf(port, sizeof(port), "%d", fb->port);
	if ((rc = getaddrinfo(fb->host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", fb->host, gai_strerror(rc));
		return -1;
	}
	snprintf(err, errlen, "%s:%d: no address", fb->host, fb->port);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct pollfd p;

		sd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (sd == -1) {
			snprintf(err, errlen, "socket: %s", strerror(errno));
			continue;
		}
		if (connect(sd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno != EINPROGRESS) {
			snprintf(err, errlen, "connect to %s:%d: %s",
			    fb->host, fb->port, strerror(errno));
			close(sd);
			sd = -1;
			continue;
		}
		p.fd = sd;
		p.events = POLLOUT;
		p.revents = 0;
		do
			rc = poll(&p, 1, fb->connect_ms);
		while (rc == -1 && errno == EINTR);
		soerr = 0;
		sl = sizeof(soerr);
		if (rc == 1 && getsockopt(sd, SOL_SOCKET, SO_ERROR, &soerr,
		    &sl) == 0 && soerr == 0)
			break;
		if (rc == 0)
			snprintf(err, errlen, "connect to %s:%d: timed out "
			    "after %d ms", fb->host, fb->port, fb->connect_ms);
		else
			snprintf(err, errlen, "connect to %s:%d: %s",
			    fb->host, fb->port,
			    strerror(soerr != 0 ? soerr : errno));
		close(sd);
		sd = -1;
	}
	freeaddrinfo(res);
	if (sd == -1)
		return -1;
	err[0] = '\0';
	/* Blocking from here on, each read and write bounded. */
	fcntl(sd, F_SETFL, fcntl(sd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(sd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return sd;
}

/*
 * Make sure there is a usable connection: a kept one that the agent has
 * closed (or that has unread bytes, which no idle connection should)
 * is dropped first.  0, or -1 with err.
 */
static int
fb_connect(struct route_fboss *fb, char *err, size_t errlen)
{
	int sd;

	if (fb->connected) {
		struct pollfd p = { .fd = fb->sd, .events = POLLIN };

		if (poll(&p, 1, 0) == 0)
			return 0;
		fb_disconnect(fb);
	}
	if ((sd = fb_dial(fb, err, errlen)) == -1)
		return -1;
	if (fb->tsock == NULL) {
		fb->tsock = g_object_new(THRIFT_TYPE_SOCKET, "hostname",
		    fb->host, "port", (guint)fb->port, NULL);
		if (fb->transport == CFG_FBOSS_FRAMED)
			fb->ttrans = g_object_new(THRIFT_TYPE_FRAMED_TRANSPORT,
			    "transport", fb->tsock, NULL);
		else
			fb->ttrans = g_object_new(
			    THRIFT_TYPE_BUFFERED_TRANSPORT, "transport",
			    fb->tsock, NULL);
		fb->tproto = g_object_new(THRIFT_TYPE_BINARY_PROTOCOL,
		    "transport", fb->ttrans, NULL);
		fb->tclient = g_object_new(FBOSS_TYPE_FBOSS_CTRL_CLIENT,
		    "input_protocol", fb->tproto, "output_protocol",
		    fb->tproto, NULL);
	}
	pthread_mutex_lock(&fb->mtx);
	if (fb->stop) {
		pthread_mutex_unlock(&fb->mtx);
		close(sd);
		snprintf(err, errlen, "client stopped");
		return -1;
	}
	fb->sd = sd;
	fb->tsock->sd = sd;
	pthread_mutex_unlock(&fb->mtx);
	fb->connected = true;
	return 0;
}

/* Send one request's call; FALSE with *gerr set when sending failed. */
static gboolean
fb_send(struct route_fboss *fb, struct fb_req *req, GError **gerr)
{
	GObject *arg = NULL;
	GPtrArray *list;
	gboolean ok = FALSE;
	size_t i;

	switch (req->op) {
	case ROUTE_FBOSS_ADD:
		arg = G_OBJECT(fb_route_new(req->addr, req->len,
		    req->nexthop));
		ok = fboss_fboss_ctrl_client_send_add_unicast_route(
		    fb->tclient, fb->client_id, (fbossUnicastRoute *)arg,
		    gerr);
		break;
	case ROUTE_FBOSS_DELETE:
		arg = g_object_new(FBOSS_TYPE_IP_PREFIX, NULL);
		fb_prefix_set((fbossIpPrefix *)arg, req->addr, req->len);
		ok = fboss_fboss_ctrl_client_send_delete_unicast_route(
		    fb->tclient, fb->client_id, (fbossIpPrefix *)arg, gerr);
		break;
	case ROUTE_FBOSS_TABLE:
		if (req->all_clients)
			ok = fboss_fboss_ctrl_client_send_get_route_table(
			    fb->tclient, gerr);
		else
			ok = fboss_fboss_ctrl_client_send_get_route_table_by_client(
			    fb->tclient, fb->client_id, gerr);
		break;
	case ROUTE_FBOSS_SYNC:
		list = g_ptr_array_new_with_free_func(g_object_unref);
		for (i = 0; i < req->n_routes; i++) {
			uint32_t a, nh;
			int len;

			/* Checked when queued. */
			if (route_fboss_parse_prefix(req->routes[i].prefix,
			    &a, &len) == 0 &&
			    fb_parse_addr(req->routes[i].nexthop, &nh) == 0)
				g_ptr_array_add(list, fb_route_new(a, len, nh));
		}
		ok = fboss_fboss_ctrl_client_send_sync_fib(fb->tclient,
		    fb->client_id, list, gerr);
		g_ptr_array_unref(list);
		break;
	}
	if (arg != NULL)
		g_object_unref(arg);
	return ok;
}

/* Receive the answer to req's call into req; FALSE when it was not OK. */
static gboolean
fb_recv(struct route_fboss *fb, struct fb_req *req, GError **gerr)
{
	fbossFbossBaseError *ex = NULL;
	fbossFbossFibUpdateError *fibex = NULL;
	GPtrArray *tab = NULL;
	gboolean ok = FALSE;

	switch (req->op) {
	case ROUTE_FBOSS_ADD:
		ok = fboss_fboss_ctrl_client_recv_add_unicast_route(
		    fb->tclient, &ex, &fibex, gerr);
		break;
	case ROUTE_FBOSS_DELETE:
		ok = fboss_fboss_ctrl_client_recv_delete_unicast_route(
		    fb->tclient, &ex, gerr);
		break;
	case ROUTE_FBOSS_TABLE:
		tab = g_ptr_array_new_with_free_func(g_object_unref);
		if (req->all_clients)
			ok = fboss_fboss_ctrl_client_recv_get_route_table(
			    fb->tclient, &tab, &ex, gerr);
		else
			ok = fboss_fboss_ctrl_client_recv_get_route_table_by_client(
			    fb->tclient, &tab, &ex, gerr);
		if (ok)
			fb_table_take(fb, req, tab);
		g_ptr_array_unref(tab);
		break;
	case ROUTE_FBOSS_SYNC:
		ok = fboss_fboss_ctrl_client_recv_sync_fib(fb->tclient, &ex,
		    &fibex, gerr);
		break;
	}
	if (ex != NULL) {
		req->status = ROUTE_FBOSS_REFUSED;
		snprintf(req->error, sizeof(req->error), "FbossBaseError: %s",
		    ex->message != NULL ? ex->message : "");
		g_object_unref(ex);
		ok = FALSE;
	} else if (fibex != NULL) {
		req->status = ROUTE_FBOSS_REFUSED;
		snprintf(req->error, sizeof(req->error), "FbossFibUpdateError: "
		    "the agent could not program the route");
		ok = FALSE;
	}
	if (fibex != NULL)
		g_object_unref(fibex);
	return ok;
}

/* Make req's call; its status and error say how it went. */
static void
fb_call(struct route_fboss *fb, struct fb_req *req)
{
	GError *gerr = NULL;
	ThriftTransportClass *tc;

	req->status = ROUTE_FBOSS_OK;
	req->error[0] = '\0';
	if (fb_connect(fb, req->error, sizeof(req->error)) != 0) {
		req->status = ROUTE_FBOSS_NOT_SENT;
		return;
	}
	fb_set_timeout(fb->sd, req->op == ROUTE_FBOSS_TABLE ? fb->table_ms :
	    fb->call_ms);
	/* Each call may use the transports' whole message budget. */
	tc = THRIFT_TRANSPORT_GET_CLASS(fb->ttrans);
	tc->resetConsumedMessageSize(fb->ttrans, -1, NULL);
	tc = THRIFT_TRANSPORT_GET_CLASS(fb->tsock);
	tc->resetConsumedMessageSize(THRIFT_TRANSPORT(fb->tsock), -1, NULL);

	if (!fb_send(fb, req, &gerr)) {
		req->status = ROUTE_FBOSS_NO_ANSWER;
		snprintf(req->error, sizeof(req->error), "sending: %s",
		    gerr != NULL ? gerr->message : "failed");
		goto drop;
	}
	if (fb_recv(fb, req, &gerr))
		goto out;
	if (req->status == ROUTE_FBOSS_REFUSED)
		goto out;		/* a proper answer: keep the connection */
	if (gerr != NULL && gerr->domain == THRIFT_TRANSPORT_ERROR) {
		req->status = ROUTE_FBOSS_NO_ANSWER;
		if (strstr(gerr->message, strerror(EAGAIN)) != NULL)
			snprintf(req->error, sizeof(req->error), "no answer "
			    "within %d ms", req->op == ROUTE_FBOSS_TABLE ?
			    fb->table_ms : fb->call_ms);
		else
			snprintf(req->error, sizeof(req->error), "no answer: "
			    "%s", gerr->message);
	} else if (gerr != NULL && gerr->domain ==
	    THRIFT_APPLICATION_EXCEPTION_ERROR &&
	    gerr->code == THRIFT_APPLICATION_EXCEPTION_ERROR_UNKNOWN_METHOD) {
		/* An agent without this method; the stream is in step. */
		req->status = ROUTE_FBOSS_REFUSED;
		snprintf(req->error, sizeof(req->error), "%s", gerr->message);
		goto out;
	} else {
		req->status = ROUTE_FBOSS_BAD_ANSWER;
		snprintf(req->error, sizeof(req->error), "bad answer: %s",
		    gerr != NULL ? gerr->message : "not a Thrift reply");
	}
drop:
	fb_disconnect(fb);
out:
	g_clear_error(&gerr);
}

/*
 * The agent just failed to answer: what is queued behind that call is
 * not sent but failed at once (mtx held).  One call at a time on one
 * connection would otherwise make the last of n queued changes wait n
 * timeouts; the caller retries them, one at a time while the agent is
 * down.
 */
static void
fb_fail_queued(struct route_fboss *fb, const struct fb_req *failed)
{
	struct fb_req *r;

	while ((r = fb_queue_pop(&fb->todo)) != NULL) {
		r->status = ROUTE_FBOSS_NOT_SENT;
		snprintf(r->error, sizeof(r->error), "not sent: the call "
		    "before it failed (%.200s)", failed->error);
		fb_queue_push(&fb->done, r);
	}
}

static void *
fb_worker(void *arg)
{
	struct route_fboss *fb = arg;
	struct fb_req *req;
	uint64_t one = 1;

	pthread_mutex_lock(&fb->mtx);
	for (;;) {
		while (!fb->stop && fb->todo.head == NULL)
			pthread_cond_wait(&fb->cv, &fb->mtx);
		if (fb->stop)
			break;
		req = fb_queue_pop(&fb->todo);
		fb->busy = true;
		pthread_mutex_unlock(&fb->mtx);

		fb_call(fb, req);

		pthread_mutex_lock(&fb->mtx);
		fb->busy = false;
		if (fb->stop) {
			fb_req_free(req);
			break;
		}
		fb_queue_push(&fb->done, req);
		if (req->status != ROUTE_FBOSS_OK &&
		    req->status != ROUTE_FBOSS_REFUSED)
			fb_fail_queued(fb, req);
		(void)!write(fb->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&fb->mtx);
	fb_release(fb);
	return NULL;
}

/* ---- the loop side ------------------------------------------------------- */

static void
fb_efd_cb(struct ev_loop *loop, int fd, int revents, void *arg)
{
	struct route_fboss *fb = arg;
	struct fb_queue q;
	struct fb_req *req;
	uint64_t n;

	(void)loop;
	(void)revents;
	(void)!read(fd, &n, sizeof(n));
	pthread_mutex_lock(&fb->mtx);
	q = fb->done;
	memset(&fb->done, 0, sizeof(fb->done));
	pthread_mutex_unlock(&fb->mtx);
	while ((req = fb_queue_pop(&q)) != NULL) {
		struct route_fboss_result res = {
			.op = req->op,
			.status = req->status,
			.error = req->error,
			.routes = req->op == ROUTE_FBOSS_TABLE ?
			    req->routes : NULL,
			.n_routes = req->op == ROUTE_FBOSS_TABLE ?
			    req->n_routes : 0,
			.n_other = req->n_other,
		};

		if (req->cb != NULL)
			req->cb(&res, req->arg);
		fb_req_free(req);
	}
}

struct route_fboss *
route_fboss_new(struct ev_loop *loop, const struct route_fboss_opts *o,
    char *err, size_t errlen)
{
	struct route_fboss *fb;

	if (o->host == NULL || *o->host == '\0' || o->port <= 0 ||
	    o->port > 65535 || o->client_id < 0 || o->client_id > 32767) {
		snprintf(err, errlen, "fboss: bad agent address or client id");
		return NULL;
	}
	fboss_gobject_init();
	fb = xcalloc(1, sizeof(*fb));
	fb->loop = loop;
	fb->host = xstrdup(o->host);
	fb->port = o->port;
	fb->transport = o->transport;
	fb->client_id = (int16_t)o->client_id;
	fb->connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms :
	    ROUTE_FBOSS_CONNECT_TIMEOUT_MS;
	fb->call_ms = o->call_timeout_ms > 0 ? o->call_timeout_ms :
	    ROUTE_FBOSS_CALL_TIMEOUT_MS;
	fb->table_ms = o->table_timeout_ms > 0 ? o->table_timeout_ms :
	    ROUTE_FBOSS_TABLE_TIMEOUT_MS;
	fb->sd = -1;
	pthread_mutex_init(&fb->mtx, NULL);
	pthread_cond_init(&fb->cv, NULL);
	if ((fb->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "fboss: eventfd: %s", strerror(errno));
		goto fail;
	}
	if (ev_io_set(loop, fb->efd, EV_READ, fb_efd_cb, fb) != 0) {
		snprintf(err, errlen, "fboss: cannot watch the eventfd");
		goto fail;
	}
	if (pthread_create(&fb->worker, NULL, fb_worker, fb) != 0) {
		ev_io_del(loop, fb->efd);
		snprintf(err, errlen, "fboss: cannot start the worker");
		goto fail;
	}
	return fb;
fail:
	if (fb->efd >= 0)
		close(fb->efd);
	pthread_mutex_destroy(&fb->mtx);
	pthread_cond_destroy(&fb->cv);
	free(fb->host);
	free(fb);
	return NULL;
}

void
route_fboss_free(struct route_fboss *fb)
{
	struct fb_req *req;

	if (fb == NULL)
		return;
	pthread_mutex_lock(&fb->mtx);
	fb->stop = true;
	pthread_cond_broadcast(&fb->cv);
	/* Cut short a call waiting for the agent. */
	if (fb->sd >= 0)
		shutdown(fb->sd, SHUT_RDWR);
	pthread_mutex_unlock(&fb->mtx);
	pthread_join(fb->worker, NULL);
	while ((req = fb_queue_pop(&fb->todo)) != NULL)
		fb_req_free(req);
	while ((req = fb_queue_pop(&fb->done)) != NULL)
		fb_req_free(req);
	ev_io_del(fb->loop, fb->efd);
	close(fb->efd);
	pthread_mutex_destroy(&fb->mtx);
	pthread_cond_destroy(&fb->cv);
	free(fb->host);
	free(fb);
}

static int
fb_submit(struct route_fboss *fb, struct fb_req *req)
{
	pthread_mutex_lock(&fb->mtx);
	fb_queue_push(&fb->todo, req);
	pthread_cond_signal(&fb->cv);
	pthread_mutex_unlock(&fb->mtx);
	return 0;
}

static struct fb_req *
fb_req_new(enum route_fboss_op op, route_fboss_cb *cb, void *arg)
{
	struct fb_req *req = xcalloc(1, sizeof(*req));

	req->op = op;
	req->cb = cb;
	req->arg = arg;
	return req;
}

int
route_fboss_add(struct route_fboss *fb, const char *prefix,
    const char *nexthop, route_fboss_cb *cb, void *arg, char *err,
    size_t errlen)
{
	struct fb_req *req = fb_req_new(ROUTE_FBOSS_ADD, cb, arg);

	if (route_fboss_parse_prefix(prefix, &req->addr, &req->len) != 0 ||
	    fb_parse_addr(nexthop, &req->nexthop) != 0) {
		snprintf(err, errlen, "bad route %s via %s",
		    prefix != NULL ? prefix : "(none)",
		    nexthop != NULL ? nexthop : "(none)");
		fb_req_free(req);
		return -1;
	}
	return fb_submit(fb, req);
}

int
route_fboss_delete(struct route_fboss *fb, const char *prefix,
    route_fboss_cb *cb, void *arg, char *err, size_t errlen)
{
	struct fb_req *req = fb_req_new(ROUTE_FBOSS_DELETE, cb, arg);

	if (route_fboss_parse_prefix(prefix, &req->addr, &req->len) != 0) {
		snprintf(err, errlen, "bad prefix %s",
		    prefix != NULL ? prefix : "(none)");
		fb_req_free(req);
		return -1;
	}
	return fb_submit(fb, req);
}

int
route_fboss_table(struct route_fboss *fb, bool all_clients,
    route_fboss_cb *cb, void *arg, char *err, size_t errlen)
{
	struct fb_req *req = fb_req_new(ROUTE_FBOSS_TABLE, cb, arg);

	(void)err;
	(void)errlen;
	req->all_clients = all_clients;
	return fb_submit(fb, req);
}

int
route_fboss_sync(struct route_fboss *fb,
    const struct route_fboss_route *routes, size_t n, route_fboss_cb *cb,
    void *arg, char *err, size_t errlen)
{
	struct fb_req *req = fb_req_new(ROUTE_FBOSS_SYNC, cb, arg);
	uint32_t a, nh;
	size_t i;
	int len;

	for (i = 0; i < n; i++) {
		if (route_fboss_parse_prefix(routes[i].prefix, &a, &len) != 0 ||
		    fb_parse_addr(routes[i].nexthop, &nh) != 0) {
			snprintf(err, errlen, "bad route %s via %s",
			    routes[i].prefix, routes[i].nexthop);
			fb_req_free(req);
			return -1;
		}
	}
	req->routes = xcalloc(n > 0 ? n : 1, sizeof(*req->routes));
	if (n > 0)
		memcpy(req->routes, routes, n * sizeof(*routes));
	req->n_routes = n;
	return fb_submit(fb, req);
}

size_t
route_fboss_pending(struct route_fboss *fb)
{
	size_t n;

	pthread_mutex_lock(&fb->mtx);
	n = fb->todo.n + fb->done.n + (fb->busy ? 1 : 0);
	pthread_mutex_unlock(&fb->mtx);
	return n;
}

/* ---- routed's network-agent driver (route_driver.h) ---------------------- */

/*
 * The FBOSS driver: a change is one call (add replaces a route of
 * torc's on that prefix, so a create never finds the prefix "in use"),
 * a listing is torc's own table (getRouteTableByClient), so routes of
 * other clients are never seen and never touched.  How calls end:
 *
 *   OK            ROUTE_RES_OK        (a delete of a missing route too)
 *   REFUSED       ROUTE_RES_FAIL      FbossBaseError: nothing changed
 *   NOT_SENT      ROUTE_RES_FAIL      no connection
 *   NO_ANSWER     ROUTE_RES_UNKNOWN   timeout or closed after sending
 *   BAD_ANSWER    ROUTE_RES_UNKNOWN   not a Thrift reply
 *
 * Only OK counts as the agent answering sensibly (sys_ok): FbossBaseError
 * is how the agent says it cannot program routes now, like FlexSwitch's
 * 5xx.
 */
struct fbd_op {
	struct route_sys	*sys;
	struct route_entry	*e;
	struct fbd_op		*prev, *next;
};

struct fbd_data {
	struct route_fboss	*fb;
	struct fbd_op		*ops;		/* changes in flight */
	bool			 listing;
};

static struct fbd_data *
fbd_data(struct route_sys *sys, char *err, size_t errlen)
{
	const struct torc_config *cfg = sys->rd->cfg;
	struct route_fboss_opts o = {
		.host = cfg->network_agent.host,
		.port = cfg->network_agent.port,
		.transport = cfg->network_agent.transport,
		.client_id = ROUTE_FBOSS_CLIENT_ID,
		.connect_timeout_ms = ROUTE_FBOSS_CONNECT_TIMEOUT_MS,
		.call_timeout_ms = ROUTED_WRITE_TIMEOUT_MS,
		.table_timeout_ms = ROUTED_LIST_TIMEOUT_MS,
	};
	struct fbd_data *d = sys->drv_data;

	if (d != NULL)
		return d;
	d = xcalloc(1, sizeof(*d));
	if ((d->fb = route_fboss_new(sys->rd->loop, &o, err, errlen)) ==
	    NULL) {
		free(d);
		return NULL;
	}
	sys->drv_data = d;
	return d;
}

static void
fbd_op_cb(const struct route_fboss_result *res, void *arg)
{
	struct fbd_op *op = arg;
	struct route_sys *sys = op->sys;
	struct fbd_data *d = sys->drv_data;
	struct route_entry *e = op->e;
	enum route_result rr;

	if (op->prev != NULL)
		op->prev->next = op->next;
	else
		d->ops = op->next;
	if (op->next != NULL)
		op->next->prev = op->prev;
	free(op);
	switch (res->status) {
	case ROUTE_FBOSS_OK:
		rr = ROUTE_RES_OK;
		break;
	case ROUTE_FBOSS_REFUSED:
	case ROUTE_FBOSS_NOT_SENT:
		rr = ROUTE_RES_FAIL;
		break;
	case ROUTE_FBOSS_NO_ANSWER:
	case ROUTE_FBOSS_BAD_ANSWER:
	default:
		rr = ROUTE_RES_UNKNOWN;
		break;
	}
	route_sys_done(sys, e, rr, res->error[0] != '\0' ? res->error : NULL,
	    res->status == ROUTE_FBOSS_OK);
}

static int
fbd_apply(struct route_sys *sys, const struct route_action *a, char *err,
    size_t errlen)
{
	struct fbd_data *d = fbd_data(sys, err, errlen);
	struct fbd_op *op;
	int rc;

	if (d == NULL)
		return -1;
	op = xcalloc(1, sizeof(*op));
	op->sys = sys;
	op->e = a->e;
	if (a->op == ROUTE_OP_PUT)
		rc = route_fboss_add(d->fb, a->e->key, a->val != NULL ?
		    a->val->addr : NULL, fbd_op_cb, op, err, errlen);
	else
		rc = route_fboss_delete(d->fb, a->e->key, fbd_op_cb, op, err,
		    errlen);
	if (rc != 0) {
		free(op);
		return -1;
	}
	op->next = d->ops;
	if (d->ops != NULL)
		d->ops->prev = op;
	d->ops = op;
	return 0;
}

static void
fbd_list_cb(const struct route_fboss_result *res, void *arg)
{
	struct route_sys *sys = arg;
	struct fbd_data *d = sys->drv_data;
	struct route_obs *obs;
	size_t i;

	d->listing = false;
	if (res->status != ROUTE_FBOSS_OK) {
		route_sys_list_done(sys, false, NULL, 0, res->error);
		return;
	}
	obs = xcalloc(res->n_routes > 0 ? res->n_routes : 1, sizeof(*obs));
	for (i = 0; i < res->n_routes; i++) {
		obs[i].key = xstrdup(res->routes[i].prefix);
		route_val_set(&obs[i].val, NULL, res->routes[i].nexthop, NULL,
		    NULL, NULL);
		obs[i].ours = true;	/* torc's client id holds only ours */
	}
	route_sys_list_done(sys, true, obs, res->n_routes, NULL);
	route_obs_free(obs, res->n_routes);
}

static int
fbd_list(struct route_sys *sys, char *err, size_t errlen)
{
	struct fbd_data *d = fbd_data(sys, err, errlen);

	if (d == NULL)
		return -1;
	if (route_fboss_table(d->fb, false, fbd_list_cb, sys, err,
	    errlen) != 0)
		return -1;
	d->listing = true;
	return 0;
}

static void
fbd_close(struct route_sys *sys)
{
	struct fbd_data *d = sys->drv_data;
	struct fbd_op *op, *next;

	if (d == NULL)
		return;
	route_fboss_free(d->fb);	/* no callback follows */
	for (op = d->ops; op != NULL; op = next) {
		next = op->next;
		free(op);
	}
	free(d);
	sys->drv_data = NULL;
}

const struct route_driver route_fboss_driver = {
	.name = "fboss",
	.apply = fbd_apply,
	.list = fbd_list,
	.close = fbd_close,
};
