/*
 * sim_fboss.c - torc-sim's FBOSS agent: the FbossCtrl Thrift service
 * (common/fboss/fboss_ctrl.thrift) on --fboss-port, binary protocol,
 * keeping one IPv4 route table per client id, with the same fault modes
 * as the HTTP parts and a log of the calls it received.
 *
 * Thrift decoding and encoding are the generated c_glib processor's; the
 * server around it is ours.  c_glib's ThriftSimpleServer serves one
 * connection at a time, cannot be stopped while it waits in accept() and
 * has no place to hold, fail or garble a call, so a listener thread
 * accepts and each connection gets a thread that waits for a call,
 * applies the fault mode, then lets the processor answer it.  Like
 * FBOSS's own server, a connection may be framed or buffered (unframed):
 * the first byte tells (a strict binary message starts with 0x80, a
 * frame with its length, whose high byte is 0).
 *
 * The agent's rules, as far as torc can see them:
 *   add     replaces the client's route for that prefix (the address is
 *           masked); at least one next hop of the same family
 *   delete  of a prefix the client has no route for is not an error
 *   syncFib sets all of the client's routes at once
 *   getRouteTable          one route per prefix; when several clients
 *                          have one, the lowest client id's
 *   getRouteTableByClient  that client's routes
 * Anything the agent would refuse is answered with FbossBaseError.
 * Faults: "500" answers every call with FbossBaseError (nothing is
 * changed), "hang" holds calls until the mode changes, "garbage" answers
 * with bytes that are not Thrift, "refuse" closes the listener and every
 * open connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <thrift/c_glib/protocol/thrift_binary_protocol.h>
#include <thrift/c_glib/transport/thrift_buffered_transport.h>
#include <thrift/c_glib/transport/thrift_framed_transport.h>
#include <thrift/c_glib/transport/thrift_socket.h>

#include "fboss/fboss_gobject.h"
#include "fboss_fboss_ctrl.h"
#include "log.h"
#include "sim.h"
#include "sim_util.h"
#include "util.h"

#define SIM_FB_PEEK	256	/* bytes looked at to name a call */

/* A garbled answer: neither a frame length nor a binary message. */
static const char sim_fb_garbage[] =
    "\x7f\xff\xff\xfegarbage from the simulated FBOSS agent\n";

struct sim_fb_route {
	int	 client;
	uint32_t dest;			/* host order, masked */
	int	 len;
	uint32_t *nh;			/* host order */
	size_t	 n_nh;
};

struct sim_fb_conn {
	int	 fd;
	pthread_t thr;
	bool	 done;			/* the thread has finished */
	struct sim_fb_conn *next;
};

/* The call a connection thread is serving: read by the handlers. */
struct sim_fb_call {
	json_t	*entry;			/* its log record (a reference) */
	enum sim_fault mode;
};

static _Thread_local struct sim_fb_call *sim_fb_cur;

static struct {
	pthread_mutex_t mtx;		/* everything below */
	pthread_cond_t cv;		/* fault, stopping, listener changes */
	pthread_mutex_t admin;		/* serialises start, stop, fault */
	struct sim_fb_route *routes;
	size_t	 n, cap;
	enum sim_fault fault;
	int	 delay_ms;
	bool	 stopping;
	bool	 running;
	json_t	*log;
	uint64_t log_seq, log_dropped;
	uint64_t n_add, n_delete, n_sync, n_table;

	char	 bind_ip[64];
	int	 port;
	int	 lfd;			/* -1 while refusing */
	int	 wake[2];		/* to the listener thread */
	uint64_t want_gen, done_gen;	/* listener changes asked / done */
	char	 listen_err[256];
	pthread_t listener;
	struct sim_fb_conn *conns;
	GObject	*handler;
} sim_fb = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.admin = PTHREAD_MUTEX_INITIALIZER,
	.lfd = -1,
	.wake = { -1, -1 },
};

/* ---- the route table (mtx held) ----------------------------------------- */

static void
sim_fb_route_clear(struct sim_fb_route *r)
{
	free(r->nh);
	r->nh = NULL;
	r->n_nh = 0;
}

static ssize_t
sim_fb_find(int client, uint32_t dest, int len)
{
	size_t i;

	for (i = 0; i < sim_fb.n; i++)
		if (sim_fb.routes[i].client == client &&
		    sim_fb.routes[i].len == len &&
		    sim_fb.routes[i].dest == dest)
			return (ssize_t)i;
	return -1;
}

static void
sim_fb_remove_at(size_t i)
{
	sim_fb_route_clear(&sim_fb.routes[i]);
	sim_fb.routes[i] = sim_fb.routes[--sim_fb.n];
}

/* Insert or replace; takes r's next hops. */
static void
sim_fb_put(struct sim_fb_route *r)
{
	ssize_t i = sim_fb_find(r->client, r->dest, r->len);

	if (i >= 0) {
		sim_fb_route_clear(&sim_fb.routes[i]);
		sim_fb.routes[i] = *r;
		return;
	}
	if (sim_fb.n == sim_fb.cap) {
		sim_fb.cap = sim_fb.cap ? sim_fb.cap * 2 : 64;
		sim_fb.routes = xrealloc(sim_fb.routes,
		    sim_fb.cap * sizeof(*sim_fb.routes));
	}
	sim_fb.routes[sim_fb.n++] = *r;
}

static void
sim_fb_clear_client(int client)
{
	size_t i = 0;

	while (i < sim_fb.n) {
		if (sim_fb.routes[i].client == client)
			sim_fb_remove_at(i);
		else
			i++;
	}
}

static int
sim_fb_route_cmp(const void *a, const void *b)
{
	const struct sim_fb_route *x = a, *y = b;

	if (x->client != y->client)
		return x->client < y->client ? -1 : 1;
	if (x->dest != y->dest)
		return x->dest < y->dest ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return 0;
}

static void
sim_fb_format_prefix(uint32_t dest, int len, char *buf, size_t buflen)
{
	char ip[16];

	sim_ip_format(dest, ip);
	snprintf(buf, buflen, "%s/%d", ip, len);
}

/* "a.b.c.d/n" -> masked address and length; -1 if malformed. */
static int
sim_fb_parse_prefix(const char *s, uint32_t *dest, int *len)
{
	char ip[16], *end;
	const char *slash;
	long l;

	if (s == NULL || (slash = strchr(s, '/')) == NULL ||
	    (size_t)(slash - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	l = strtol(slash + 1, &end, 10);
	if (end == slash + 1 || *end != '\0' || l < 0 || l > 32 ||
	    sim_ip_parse(ip, dest) == -1)
		return -1;
	*len = (int)l;
	*dest &= sim_len_mask(*len);
	return 0;
}

/* ---- Thrift values <-> ours --------------------------------------------- */

static int
sim_fb_addr_in(const fbossBinaryAddress *a, uint32_t *out)
{
	if (a == NULL || a->addr == NULL || a->addr->len != 4)
		return -1;
	*out = (uint32_t)a->addr->data[0] << 24 |
	    (uint32_t)a->addr->data[1] << 16 |
	    (uint32_t)a->addr->data[2] << 8 | a->addr->data[3];
	return 0;
}

static fbossBinaryAddress *
sim_fb_addr_out(uint32_t a)
{
	fbossBinaryAddress *b = g_object_new(FBOSS_TYPE_BINARY_ADDRESS, NULL);
	guint8 bytes[4] = { a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
	    a & 0xff };

	b->addr = g_byte_array_new();
	g_byte_array_append(b->addr, bytes, sizeof(bytes));
	return b;
}

/*
 * A prefix as sent -> masked IPv4 address and length, or an explanation
 * in why.
 */
static int
sim_fb_prefix_in(const fbossIpPrefix *p, uint32_t *dest, int *len,
    char *why, size_t whylen)
{
	if (p == NULL || sim_fb_addr_in(p->ip, dest) == -1) {
		snprintf(why, whylen, "only IPv4 prefixes are supported");
		return -1;
	}
	if (p->prefixLength < 0 || p->prefixLength > 32) {
		snprintf(why, whylen, "invalid prefix length %d",
		    p->prefixLength);
		return -1;
	}
	*len = p->prefixLength;
	*dest &= sim_len_mask(*len);
	return 0;
}

/* A route as sent -> ours (next hops malloc'd), or why not. */
static int
sim_fb_route_in(int client, const fbossUnicastRoute *u,
    struct sim_fb_route *r, char *why, size_t whylen)
{
	const GPtrArray *nh;
	guint i;

	memset(r, 0, sizeof(*r));
	r->client = client;
	if (u == NULL ||
	    sim_fb_prefix_in(u->dest, &r->dest, &r->len, why, whylen) == -1)
		return -1;
	nh = u->nextHopAddrs;
	if (nh == NULL || nh->len == 0) {
		snprintf(why, whylen, "route has no next hop");
		return -1;
	}
	r->nh = xcalloc(nh->len, sizeof(*r->nh));
	for (i = 0; i < nh->len; i++) {
		if (sim_fb_addr_in(g_ptr_array_index(nh, i), &r->nh[i])
		    == -1) {
			snprintf(why, whylen, "next hop %u is not IPv4", i);
			sim_fb_route_clear(r);
			return -1;
		}
	}
	r->n_nh = nh->len;
	return 0;
}

static fbossUnicastRoute *
sim_fb_route_out(const struct sim_fb_route *r)
{
	fbossUnicastRoute *u = g_object_new(FBOSS_TYPE_UNICAST_ROUTE, NULL);
	fbossBinaryAddress *d = sim_fb_addr_out(r->dest);
	size_t i;

	g_object_unref(u->dest->ip);
	u->dest->ip = d;
	u->dest->prefixLength = (gint16)r->len;
	for (i = 0; i < r->n_nh; i++)
		g_ptr_array_add(u->nextHopAddrs, sim_fb_addr_out(r->nh[i]));
	u->__isset_nextHopAddrs = TRUE;
	return u;
}

/* ---- the call log -------------------------------------------------------- */

/* A new record for a call that arrived (mtx held); a borrowed pointer. */
static json_t *
sim_fb_log_add(const char *method, const char *transport)
{
	json_t *e = json_pack("{s:I,s:f,s:s,s:s,s:s}",
	    "seq", (json_int_t)++sim_fb.log_seq, "time", sim_now(),
	    "method", method, "transport", transport, "fault", "none");

	if (e == NULL)
		return NULL;
	if (json_array_size(sim_fb.log) >= SIM_REQLOG_MAX) {
		json_array_remove(sim_fb.log, 0);
		sim_fb.log_dropped++;
	}
	json_array_append_new(sim_fb.log, e);
	return e;
}

/* Add key: value to the current call's record (value is taken). */
static void
sim_fb_note(const char *key, json_t *value)
{
	if (sim_fb_cur == NULL || sim_fb_cur->entry == NULL) {
		json_decref(value);
		return;
	}
	pthread_mutex_lock(&sim_fb.mtx);
	json_object_set_new(sim_fb_cur->entry, key, value);
	pthread_mutex_unlock(&sim_fb.mtx);
}

static json_t *
sim_fb_route_json(const struct sim_fb_route *r)
{
	char buf[32];
	json_t *nh = json_array();
	size_t i;

	for (i = 0; i < r->n_nh; i++) {
		sim_ip_format(r->nh[i], buf);
		json_array_append_new(nh, json_string(buf));
	}
	sim_fb_format_prefix(r->dest, r->len, buf, sizeof(buf));
	return json_pack("{s:i,s:s,s:o}", "client", r->client, "prefix", buf,
	    "nexthops", nh);
}

/* ---- the handler --------------------------------------------------------- */

typedef struct {
	fbossFbossCtrlHandler parent;
} SimFbossHandler;

typedef struct {
	fbossFbossCtrlHandlerClass parent;
} SimFbossHandlerClass;

GType	sim_fboss_handler_get_type(void);

G_DEFINE_TYPE(SimFbossHandler, sim_fboss_handler,
    FBOSS_TYPE_FBOSS_CTRL_HANDLER)

/* Answer the current call with FbossBaseError(why); FALSE for returning. */
static gboolean
sim_fb_throw(fbossFbossBaseError **ex, const char *why)
{
	*ex = g_object_new(FBOSS_TYPE_FBOSS_BASE_ERROR, "message", why, NULL);
	sim_fb_note("result", json_sprintf("FbossBaseError: %s", why));
	return FALSE;
}

/* True when the fault mode says to fail this call. */
static bool
sim_fb_failing(void)
{
	return sim_fb_cur != NULL && sim_fb_cur->mode == SIM_FAULT_500;
}

static gboolean
sim_fb_add(fbossFbossCtrlIf *iface, const gint16 client,
    const fbossUnicastRoute *u, fbossFbossBaseError **ex,
    fbossFbossFibUpdateError **fibex, GError **error)
{
	struct sim_fb_route r;
	char why[128];
	json_t *j;

	(void)iface;
	(void)fibex;
	(void)error;
	sim_fb_note("client", json_integer(client));
	if (sim_fb_failing())
		return sim_fb_throw(ex, "agent not ready (simulated)");
	if (sim_fb_route_in(client, u, &r, why, sizeof(why)) == -1)
		return sim_fb_throw(ex, why);
	j = sim_fb_route_json(&r);
	sim_fb_note("prefix", json_incref(json_object_get(j, "prefix")));
	sim_fb_note("nexthops", json_incref(json_object_get(j, "nexthops")));
	json_decref(j);
	pthread_mutex_lock(&sim_fb.mtx);
	sim_fb_put(&r);
	sim_fb.n_add++;
	pthread_mutex_unlock(&sim_fb.mtx);
	sim_fb_note("result", json_string("ok"));
	return TRUE;
}

static gboolean
sim_fb_delete(fbossFbossCtrlIf *iface, const gint16 client,
    const fbossIpPrefix *p, fbossFbossBaseError **ex, GError **error)
{
	uint32_t dest;
	int len;
	char why[128], pfx[32];
	ssize_t i;

	(void)iface;
	(void)error;
	sim_fb_note("client", json_integer(client));
	if (sim_fb_failing())
		return sim_fb_throw(ex, "agent not ready (simulated)");
	if (sim_fb_prefix_in(p, &dest, &len, why, sizeof(why)) == -1)
		return sim_fb_throw(ex, why);
	sim_fb_format_prefix(dest, len, pfx, sizeof(pfx));
	sim_fb_note("prefix", json_string(pfx));
	pthread_mutex_lock(&sim_fb.mtx);
	if ((i = sim_fb_find(client, dest, len)) >= 0)
		sim_fb_remove_at((size_t)i);
	sim_fb.n_delete++;
	pthread_mutex_unlock(&sim_fb.mtx);
	sim_fb_note("result", json_string(i >= 0 ? "ok" : "ok (absent)"));
	return TRUE;
}

static gboolean
sim_fb_sync(fbossFbossCtrlIf *iface, const gint16 client,
    const GPtrArray *routes, fbossFbossBaseError **ex,
    fbossFbossFibUpdateError **fibex, GError **error)
{
	struct sim_fb_route *rs;
	char why[160];
	guint i, n = routes != NULL ? routes->len : 0;

	(void)iface;
	(void)fibex;
	(void)error;
	sim_fb_note("client", json_integer(client));
	sim_fb_note("routes", json_integer(n));
	if (sim_fb_failing())
		return sim_fb_throw(ex, "agent not ready (simulated)");
	rs = xcalloc(n > 0 ? n : 1, sizeof(*rs));
	for (i = 0; i < n; i++) {
		char w[128];

		if (sim_fb_route_in(client, g_ptr_array_index(routes, i),
		    &rs[i], w, sizeof(w)) == -1) {
			while (i-- > 0)
				sim_fb_route_clear(&rs[i]);
			free(rs);
			snprintf(why, sizeof(why), "route %u: %s", i, w);
			return sim_fb_throw(ex, why);
		}
	}
	pthread_mutex_lock(&sim_fb.mtx);
	sim_fb_clear_client(client);
	for (i = 0; i < n; i++)
		sim_fb_put(&rs[i]);	/* a repeated prefix: the last wins */
	sim_fb.n_sync++;
	pthread_mutex_unlock(&sim_fb.mtx);
	free(rs);
	sim_fb_note("result", json_string("ok"));
	return TRUE;
}

/* The table as the agent reports it: client < 0 means every client. */
static gboolean
sim_fb_table(GPtrArray **ret, int client, fbossFbossBaseError **ex)
{
	struct sim_fb_route *copy;
	size_t i, n;

	if (sim_fb_failing())
		return sim_fb_throw(ex, "agent not ready (simulated)");
	pthread_mutex_lock(&sim_fb.mtx);
	copy = xcalloc(sim_fb.n > 0 ? sim_fb.n : 1, sizeof(*copy));
	if (sim_fb.n > 0)
		memcpy(copy, sim_fb.routes, sim_fb.n * sizeof(*copy));
	n = sim_fb.n;
	/* Sorted by client first: the first of a prefix is the best. */
	qsort(copy, n, sizeof(*copy), sim_fb_route_cmp);
	for (i = 0; i < n; i++) {
		size_t j;
		bool shadowed = false;

		if (client >= 0 && copy[i].client != client)
			continue;
		for (j = 0; client < 0 && j < i; j++)
			if (copy[j].dest == copy[i].dest &&
			    copy[j].len == copy[i].len)
				shadowed = true;
		if (!shadowed)
			g_ptr_array_add(*ret, sim_fb_route_out(&copy[i]));
	}
	sim_fb.n_table++;
	pthread_mutex_unlock(&sim_fb.mtx);
	free(copy);
	sim_fb_note("result", json_sprintf("%u routes", (*ret)->len));
	return TRUE;
}

static gboolean
sim_fb_get_table(fbossFbossCtrlIf *iface, GPtrArray **ret,
    fbossFbossBaseError **ex, GError **error)
{
	(void)iface;
	(void)error;
	return sim_fb_table(ret, -1, ex);
}

static gboolean
sim_fb_get_table_by_client(fbossFbossCtrlIf *iface, GPtrArray **ret,
    const gint16 client, fbossFbossBaseError **ex, GError **error)
{
	(void)iface;
	(void)error;
	sim_fb_note("client", json_integer(client));
	return sim_fb_table(ret, client, ex);
}

static void
sim_fboss_handler_init(SimFbossHandler *self)
{
	(void)self;
}

static void
sim_fboss_handler_class_init(SimFbossHandlerClass *cls)
{
	fbossFbossCtrlHandlerClass *h = FBOSS_FBOSS_CTRL_HANDLER_CLASS(cls);

	h->add_unicast_route = sim_fb_add;
	h->delete_unicast_route = sim_fb_delete;
	h->sync_fib = sim_fb_sync;
	h->get_route_table = sim_fb_get_table;
	h->get_route_table_by_client = sim_fb_get_table_by_client;
}

/* ---- connections --------------------------------------------------------- */

static uint32_t
sim_fb_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * Name the call waiting on fd without consuming it: the method of a
 * strict binary message, after the frame length when framed.
 */
static void
sim_fb_peek_method(int fd, bool framed, char *out, size_t outlen)
{
	unsigned char b[SIM_FB_PEEK];
	ssize_t n = recv(fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);
	size_t off = framed ? 4 : 0;
	uint32_t len;

	tstrlcpy(out, "?", outlen);
	if (n < (ssize_t)(off + 8) || b[off] != 0x80 || b[off + 1] != 0x01)
		return;
	len = sim_fb_be32(b + off + 4);
	if (len == 0 || len >= outlen || off + 8 + len > (size_t)n)
		return;
	memcpy(out, b + off + 8, len);
	out[len] = '\0';
}

/*
 * Hold, delay or refuse the call that arrived, as the fault mode says.
 * Returns the mode to serve it in, or -1 to drop the connection.  Called
 * and returns with mtx held (the same rules as sim_fault.c).
 */
static int
sim_fb_gate(json_t *entry)
{
	struct timespec until;
	int rc;

	for (;;) {
		if (sim_fb.stopping || sim_fb.fault == SIM_FAULT_REFUSE) {
			if (entry != NULL && !sim_fb.stopping)
				json_object_set_new(entry, "fault",
				    json_string("refuse"));
			return -1;
		}
		if (sim_fb.fault != SIM_FAULT_HANG)
			break;
		if (entry != NULL)
			json_object_set_new(entry, "fault",
			    json_string("hang"));
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += SIM_HANG_CAP_MS / 1000;
		while (sim_fb.fault == SIM_FAULT_HANG && !sim_fb.stopping) {
			rc = pthread_cond_timedwait(&sim_fb.cv, &sim_fb.mtx,
			    &until);
			if (rc == ETIMEDOUT)
				return -1;
		}
	}
	if (sim_fb.delay_ms > 0) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += sim_fb.delay_ms / 1000;
		until.tv_nsec += (long)(sim_fb.delay_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!sim_fb.stopping && sim_fb.fault != SIM_FAULT_REFUSE)
			if (pthread_cond_timedwait(&sim_fb.cv, &sim_fb.mtx,
			    &until) == ETIMEDOUT)
				break;
		if (sim_fb.stopping || sim_fb.fault == SIM_FAULT_REFUSE)
			return -1;
	}
	if (entry != NULL && sim_fb.fault != SIM_FAULT_NONE)
		json_object_set_new(entry, "fault",
		    json_string(sim_fault_name(sim_fb.fault)));
	return (int)sim_fb.fault;
}

/* Read whatever the peer sent so far (the call being garbled). */
static void
sim_fb_drain(int fd)
{
	char buf[4096];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	/* A call is small: what arrives within 50 ms is all of it. */
	while (poll(&p, 1, 50) > 0 &&
	    recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* Free a connection's Thrift objects and mark it done. */
static void
sim_fb_conn_release(struct sim_fb_conn *c, ThriftSocket *sock,
    ThriftTransport *tr, ThriftProtocol *proto, GObject *proc)
{
	if (proc != NULL)
		g_object_unref(proc);
	if (proto != NULL)
		g_object_unref(proto);
	if (tr != NULL)
		g_object_unref(tr);
	pthread_mutex_lock(&sim_fb.mtx);
	if (sock != NULL)
		g_object_unref(sock);	/* closes c->fd */
	else
		close(c->fd);
	c->fd = -1;
	c->done = true;
	pthread_cond_broadcast(&sim_fb.cv);
	pthread_mutex_unlock(&sim_fb.mtx);
}

static void *
sim_fb_conn_main(void *arg)
{
	struct sim_fb_conn *c = arg;
	ThriftSocket *sock = NULL;
	ThriftTransport *tr = NULL;
	ThriftProtocol *proto = NULL;
	GObject *proc = NULL;
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	unsigned char first;
	bool framed;
	ssize_t n;

	/* The first byte of the first call decides the transport. */
	while (poll(&p, 1, -1) == -1 && errno == EINTR)
		;
	n = recv(c->fd, &first, 1, MSG_PEEK);
	if (n != 1)
		goto done;
	framed = first != 0x80;
	sock = g_object_new(THRIFT_TYPE_SOCKET, NULL);
	sock->sd = c->fd;		/* the socket object closes it */
	if (framed)
		tr = g_object_new(THRIFT_TYPE_FRAMED_TRANSPORT, "transport",
		    sock, NULL);
	else
		tr = g_object_new(THRIFT_TYPE_BUFFERED_TRANSPORT, "transport",
		    sock, NULL);
	proto = g_object_new(THRIFT_TYPE_BINARY_PROTOCOL, "transport", tr,
	    NULL);
	proc = g_object_new(FBOSS_TYPE_FBOSS_CTRL_PROCESSOR, "handler",
	    sim_fb.handler, NULL);

	for (;;) {
		struct sim_fb_call call = { NULL, SIM_FAULT_NONE };
		char method[64];
		GError *err = NULL;
		int mode;

		p.revents = 0;
		if (poll(&p, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (recv(c->fd, &first, 1, MSG_PEEK | MSG_DONTWAIT) != 1)
			break;		/* closed by the peer, or shut down */
		sim_fb_peek_method(c->fd, framed, method, sizeof(method));
		pthread_mutex_lock(&sim_fb.mtx);
		call.entry = json_incref(sim_fb_log_add(method,
		    framed ? "framed" : "buffered"));
		mode = sim_fb_gate(call.entry);
		pthread_mutex_unlock(&sim_fb.mtx);
		if (mode < 0) {
			json_decref(call.entry);
			break;
		}
		if (mode == SIM_FAULT_GARBAGE) {
			sim_fb_drain(c->fd);
			(void)!send(c->fd, sim_fb_garbage,
			    sizeof(sim_fb_garbage) - 1, MSG_NOSIGNAL);
			json_decref(call.entry);
			break;
		}
		call.mode = (enum sim_fault)mode;
		sim_fb_cur = &call;
		/* Each call may use the transport's whole message budget. */
		THRIFT_TRANSPORT_GET_CLASS(tr)->resetConsumedMessageSize(tr,
		    -1, NULL);
		if (!thrift_processor_process(THRIFT_PROCESSOR(proc), proto,
		    proto, &err)) {
			log_debug("fboss: %s: %s", method,
			    err != NULL ? err->message : "failed");
			sim_fb_note("result", json_sprintf("not answered: %s",
			    err != NULL ? err->message : "failed"));
			g_clear_error(&err);
			sim_fb_cur = NULL;
			json_decref(call.entry);
			break;
		}
		sim_fb_cur = NULL;
		json_decref(call.entry);
	}
done:
	sim_fb_conn_release(c, sock, tr, proto, proc);
	return NULL;
}

/* Join finished connection threads (mtx held; it is dropped to join). */
static void
sim_fb_reap(bool all)
{
	struct sim_fb_conn **pp = &sim_fb.conns, *c;

	while ((c = *pp) != NULL) {
		if (!c->done && !all) {
			pp = &c->next;
			continue;
		}
		while (!c->done)
			pthread_cond_wait(&sim_fb.cv, &sim_fb.mtx);
		*pp = c->next;
		pthread_mutex_unlock(&sim_fb.mtx);
		pthread_join(c->thr, NULL);
		free(c);
		pthread_mutex_lock(&sim_fb.mtx);
		pp = &sim_fb.conns;
	}
}

/* Wake every connection thread out of poll() (mtx held). */
static void
sim_fb_shutdown_conns(void)
{
	struct sim_fb_conn *c;

	for (c = sim_fb.conns; c != NULL; c = c->next)
		if (c->fd >= 0)
			shutdown(c->fd, SHUT_RDWR);
}

/* Open the listener on bind_ip:port (port 0: any); -1 with listen_err. */
static int
sim_fb_listen(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd, one = 1;

	sa.sin_port = htons((uint16_t)sim_fb.port);
	if (inet_pton(AF_INET, sim_fb.bind_ip, &sa.sin_addr) != 1) {
		snprintf(sim_fb.listen_err, sizeof(sim_fb.listen_err),
		    "fboss: bad address %s", sim_fb.bind_ip);
		return -1;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == -1) {
		snprintf(sim_fb.listen_err, sizeof(sim_fb.listen_err),
		    "fboss: cannot listen on %s:%d: %s", sim_fb.bind_ip,
		    sim_fb.port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	sim_fb.port = ntohs(sa.sin_port);
	sim_fb.lfd = fd;
	sim_fb.listen_err[0] = '\0';
	return 0;
}

static void
sim_fb_accept(void)
{
	struct sim_fb_conn *c;
	int fd, one = 1;

	fd = accept4(sim_fb.lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd == -1)
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	pthread_mutex_lock(&sim_fb.mtx);
	if (pthread_create(&c->thr, NULL, sim_fb_conn_main, c) != 0) {
		pthread_mutex_unlock(&sim_fb.mtx);
		close(fd);
		free(c);
		return;
	}
	c->next = sim_fb.conns;
	sim_fb.conns = c;
	pthread_mutex_unlock(&sim_fb.mtx);
}

/*
 * The listener thread: accepts connections, and is the only one to
 * close or reopen the listener, when the fault mode enters or leaves
 * refuse (sim_fboss_set_fault waits for it to have done so).
 */
static void *
sim_fb_listener_main(void *arg)
{
	struct pollfd p[2];
	char b[64];

	(void)arg;
	pthread_mutex_lock(&sim_fb.mtx);
	for (;;) {
		if (sim_fb.stopping)
			break;
		if (sim_fb.fault == SIM_FAULT_REFUSE && sim_fb.lfd >= 0) {
			close(sim_fb.lfd);
			sim_fb.lfd = -1;
			sim_fb_shutdown_conns();
			log_info("fboss: listener closed (fault refuse)");
		} else if (sim_fb.fault != SIM_FAULT_REFUSE && sim_fb.lfd < 0) {
			if (sim_fb_listen() == -1) {
				log_warnx("%s", sim_fb.listen_err);
				sim_fb.fault = SIM_FAULT_REFUSE;
			} else
				log_info("fboss: listening again on %s:%d",
				    sim_fb.bind_ip, sim_fb.port);
		}
		sim_fb_reap(false);
		sim_fb.done_gen = sim_fb.want_gen;
		pthread_cond_broadcast(&sim_fb.cv);
		p[0].fd = sim_fb.wake[0];
		p[0].events = POLLIN;
		p[1].fd = sim_fb.lfd;
		p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		pthread_mutex_unlock(&sim_fb.mtx);
		if (poll(p, sim_fb.lfd >= 0 ? 2 : 1, -1) > 0) {
			if (p[0].revents != 0)
				while (read(sim_fb.wake[0], b, sizeof(b)) > 0)
					;
			if (p[1].revents & POLLIN)
				sim_fb_accept();
		}
		pthread_mutex_lock(&sim_fb.mtx);
	}
	pthread_mutex_unlock(&sim_fb.mtx);
	return NULL;
}

/* Ask the listener thread to act on the fault mode and wait (mtx held). */
static void
sim_fb_poke(void)
{
	uint64_t gen = ++sim_fb.want_gen;

	(void)!write(sim_fb.wake[1], "x", 1);
	while (sim_fb.done_gen < gen && sim_fb.running && !sim_fb.stopping)
		pthread_cond_wait(&sim_fb.cv, &sim_fb.mtx);
}

/* ---- control ------------------------------------------------------------- */

static int
sim_fboss_set_fault(enum sim_fault f, char *err, size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&sim_fb.admin);
	pthread_mutex_lock(&sim_fb.mtx);
	sim_fb.fault = f;
	pthread_cond_broadcast(&sim_fb.cv);
	if (sim_fb.running) {
		sim_fb_poke();
		if (f != SIM_FAULT_REFUSE && sim_fb.lfd < 0) {
			tstrlcpy(err, sim_fb.listen_err, errlen);
			rc = -1;
		}
	}
	pthread_mutex_unlock(&sim_fb.mtx);
	pthread_mutex_unlock(&sim_fb.admin);
	log_info("fboss: fault mode %s", sim_fault_name(f));
	return rc;
}

static json_t *
sim_fb_routes_json(void)
{
	struct sim_fb_route *copy;
	json_t *a = json_array();
	size_t i, n;

	pthread_mutex_lock(&sim_fb.mtx);
	n = sim_fb.n;
	copy = xcalloc(n > 0 ? n : 1, sizeof(*copy));
	if (n > 0)
		memcpy(copy, sim_fb.routes, n * sizeof(*copy));
	qsort(copy, n, sizeof(*copy), sim_fb_route_cmp);
	for (i = 0; i < n; i++)
		json_array_append_new(a, sim_fb_route_json(&copy[i]));
	pthread_mutex_unlock(&sim_fb.mtx);
	free(copy);
	return json_pack("{s:o,s:I}", "routes", a, "count", (json_int_t)n);
}

static void
sim_fb_reset(void)
{
	size_t i;

	pthread_mutex_lock(&sim_fb.mtx);
	for (i = 0; i < sim_fb.n; i++)
		sim_fb_route_clear(&sim_fb.routes[i]);
	sim_fb.n = 0;
	sim_fb.delay_ms = 0;
	if (sim_fb.log != NULL)
		json_array_clear(sim_fb.log);
	sim_fb.log_dropped = 0;
	sim_fb.n_add = sim_fb.n_delete = sim_fb.n_sync = sim_fb.n_table = 0;
	pthread_cond_broadcast(&sim_fb.cv);
	pthread_mutex_unlock(&sim_fb.mtx);
}

/* {"client": N} in body, or dflt when absent; -2 when not an i16. */
static int
sim_fb_client_arg(json_t *body, int dflt)
{
	json_t *v = json_object_get(body, "client");

	if (v == NULL)
		return dflt;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 32767)
		return -2;
	return (int)json_integer_value(v);
}

json_t *
sim_fboss_control(const char *path, const char *method, json_t *body,
    int *status)
{
	struct sim_fb_route r;
	uint32_t dest, nh;
	char err[256];
	json_t *v;
	int len, client, f, removed = 0;
	size_t i;

	if (strcmp(path, "fault") == 0) {
		if (strcmp(method, "GET") == 0) {
			pthread_mutex_lock(&sim_fb.mtx);
			v = json_pack("{s:s,s:i}", "mode",
			    sim_fault_name(sim_fb.fault), "delay_ms",
			    sim_fb.delay_ms);
			pthread_mutex_unlock(&sim_fb.mtx);
			*status = 200;
			return v;
		}
		if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0)
			return sim_ctl_error(status, 405, "use POST");
		v = json_object_get(body, "mode");
		if (!json_is_string(v) ||
		    (f = sim_fault_parse(json_string_value(v))) < 0)
			return sim_ctl_error(status, 400, "\"mode\" must be "
			    "one of none, 500, hang, refuse, garbage");
		if (sim_fboss_set_fault((enum sim_fault)f, err,
		    sizeof(err)) == -1)
			return sim_ctl_error(status, 500, "%s", err);
		*status = 200;
		return json_pack("{s:b,s:s}", "ok", 1, "mode",
		    sim_fault_name((enum sim_fault)f));
	}
	if (strcmp(path, "delay") == 0) {
		if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0)
			return sim_ctl_error(status, 405, "use POST");
		v = json_object_get(body, "ms");
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > SIM_DELAY_MAX_MS)
			return sim_ctl_error(status, 400, "\"ms\" must be an "
			    "integer in 0..%d", SIM_DELAY_MAX_MS);
		pthread_mutex_lock(&sim_fb.mtx);
		sim_fb.delay_ms = (int)json_integer_value(v);
		pthread_cond_broadcast(&sim_fb.cv);
		pthread_mutex_unlock(&sim_fb.mtx);
		*status = 200;
		return json_pack("{s:b,s:I}", "ok", 1, "ms",
		    json_integer_value(v));
	}
	if (strcmp(path, "requests") == 0) {
		if (strcmp(method, "GET") == 0) {
			pthread_mutex_lock(&sim_fb.mtx);
			v = json_pack("{s:o,s:I}", "requests",
			    json_deep_copy(sim_fb.log), "dropped",
			    (json_int_t)sim_fb.log_dropped);
			pthread_mutex_unlock(&sim_fb.mtx);
			*status = 200;
			return v;
		}
		if (strcmp(method, "DELETE") == 0) {
			pthread_mutex_lock(&sim_fb.mtx);
			json_array_clear(sim_fb.log);
			sim_fb.log_dropped = 0;
			pthread_mutex_unlock(&sim_fb.mtx);
			*status = 200;
			return json_pack("{s:b}", "ok", 1);
		}
		return sim_ctl_error(status, 405, "use GET or DELETE");
	}
	if (strcmp(path, "routes") == 0) {
		if (strcmp(method, "GET") != 0)
			return sim_ctl_error(status, 405, "use GET");
		*status = 200;
		return sim_fb_routes_json();
	}
	if (strcmp(path, "delete") == 0) {
		if (strcmp(method, "POST") != 0)
			return sim_ctl_error(status, 405, "use POST");
		client = sim_fb_client_arg(body, -1);
		if (sim_fb_parse_prefix(json_string_value(json_object_get(body,
		    "prefix")), &dest, &len) == -1 || client == -2)
			return sim_ctl_error(status, 400, "need {\"prefix\": "
			    "\"a.b.c.d/n\"[, \"client\": N]}");
		pthread_mutex_lock(&sim_fb.mtx);
		i = 0;
		while (i < sim_fb.n) {
			if ((client < 0 || sim_fb.routes[i].client == client) &&
			    sim_fb.routes[i].dest == dest &&
			    sim_fb.routes[i].len == len) {
				sim_fb_remove_at(i);
				removed++;
			} else
				i++;
		}
		pthread_mutex_unlock(&sim_fb.mtx);
		if (removed == 0)
			return sim_ctl_error(status, 404, "no route %s",
			    json_string_value(json_object_get(body, "prefix")));
		log_info("fboss: control: deleted %s (%d routes)",
		    json_string_value(json_object_get(body, "prefix")),
		    removed);
		*status = 200;
		return json_pack("{s:b,s:i}", "ok", 1, "deleted", removed);
	}
	if (strcmp(path, "add") == 0) {
		if (strcmp(method, "POST") != 0)
			return sim_ctl_error(status, 405, "use POST");
		client = sim_fb_client_arg(body, SIM_FBOSS_OPERATOR_CLIENT);
		if (sim_fb_parse_prefix(json_string_value(json_object_get(body,
		    "prefix")), &dest, &len) == -1 || client < 0 ||
		    sim_ip_parse(json_string_value(json_object_get(body,
		    "nexthop")), &nh) == -1)
			return sim_ctl_error(status, 400, "need {\"prefix\": "
			    "\"a.b.c.d/n\", \"nexthop\": \"a.b.c.d\"[, "
			    "\"client\": N]}");
		memset(&r, 0, sizeof(r));
		r.client = client;
		r.dest = dest;
		r.len = len;
		r.nh = xmalloc(sizeof(*r.nh));
		r.nh[0] = nh;
		r.n_nh = 1;
		pthread_mutex_lock(&sim_fb.mtx);
		sim_fb_put(&r);
		pthread_mutex_unlock(&sim_fb.mtx);
		log_info("fboss: control: client %d added %s via %s", client,
		    json_string_value(json_object_get(body, "prefix")),
		    json_string_value(json_object_get(body, "nexthop")));
		*status = 201;
		return json_pack("{s:b}", "ok", 1);
	}
	if (strcmp(path, "reset") == 0) {
		if (strcmp(method, "POST") != 0)
			return sim_ctl_error(status, 405, "use POST");
		sim_fb_reset();
		if (sim_fboss_set_fault(SIM_FAULT_NONE, err, sizeof(err)) == -1)
			return sim_ctl_error(status, 500, "%s", err);
		*status = 200;
		return json_pack("{s:b}", "ok", 1);
	}
	if (strcmp(path, "stats") == 0) {
		pthread_mutex_lock(&sim_fb.mtx);
		v = json_pack("{s:I,s:I,s:I,s:I,s:I}", "routes",
		    (json_int_t)sim_fb.n, "add", (json_int_t)sim_fb.n_add,
		    "delete", (json_int_t)sim_fb.n_delete, "sync",
		    (json_int_t)sim_fb.n_sync, "table",
		    (json_int_t)sim_fb.n_table);
		pthread_mutex_unlock(&sim_fb.mtx);
		*status = 200;
		return v;
	}
	return sim_ctl_error(status, 404, "no such fboss control: %s %s",
	    method, path);
}

/* ---- start / stop -------------------------------------------------------- */

int
sim_fboss_start(const struct sim_opts *o, char *err, size_t errlen)
{
	int rc = -1;

	pthread_mutex_lock(&sim_fb.admin);
	pthread_mutex_lock(&sim_fb.mtx);
	if (sim_fb.running) {
		snprintf(err, errlen, "fboss: already running");
		goto out;
	}
	sim_fb.stopping = false;
	sim_fb.fault = SIM_FAULT_NONE;
	sim_fb.want_gen = sim_fb.done_gen = 0;
	tstrlcpy(sim_fb.bind_ip, o->bind_ip, sizeof(sim_fb.bind_ip));
	sim_fb.port = o->fboss_port;
	if (sim_fb.log == NULL)
		sim_fb.log = json_array();
	fboss_gobject_init();
	if (sim_fb.handler == NULL)
		sim_fb.handler = g_object_new(sim_fboss_handler_get_type(),
		    NULL);
	if (sim_fb_listen() == -1) {
		tstrlcpy(err, sim_fb.listen_err, errlen);
		goto out;
	}
	if (pipe2(sim_fb.wake, O_NONBLOCK | O_CLOEXEC) == -1) {
		snprintf(err, errlen, "fboss: pipe: %s", strerror(errno));
		goto fail;
	}
	if (pthread_create(&sim_fb.listener, NULL, sim_fb_listener_main,
	    NULL) != 0) {
		snprintf(err, errlen, "fboss: cannot start a thread");
		close(sim_fb.wake[0]);
		close(sim_fb.wake[1]);
		sim_fb.wake[0] = sim_fb.wake[1] = -1;
		goto fail;
	}
	sim_fb.running = true;
	log_info("fboss: FbossCtrl on %s:%d", sim_fb.bind_ip, sim_fb.port);
	rc = 0;
	goto out;
fail:
	close(sim_fb.lfd);
	sim_fb.lfd = -1;
out:
	pthread_mutex_unlock(&sim_fb.mtx);
	pthread_mutex_unlock(&sim_fb.admin);
	return rc;
}

int
sim_fboss_port(void)
{
	int port;

	pthread_mutex_lock(&sim_fb.mtx);
	port = sim_fb.running ? sim_fb.port : 0;
	pthread_mutex_unlock(&sim_fb.mtx);
	return port;
}

void
sim_fboss_stop(void)
{
	pthread_mutex_lock(&sim_fb.admin);
	pthread_mutex_lock(&sim_fb.mtx);
	if (!sim_fb.running) {
		pthread_mutex_unlock(&sim_fb.mtx);
		pthread_mutex_unlock(&sim_fb.admin);
		return;
	}
	sim_fb.stopping = true;
	pthread_cond_broadcast(&sim_fb.cv);
	(void)!write(sim_fb.wake[1], "x", 1);
	pthread_mutex_unlock(&sim_fb.mtx);
	pthread_join(sim_fb.listener, NULL);

	pthread_mutex_lock(&sim_fb.mtx);
	if (sim_fb.lfd >= 0)
		close(sim_fb.lfd);
	sim_fb.lfd = -1;
	sim_fb_shutdown_conns();
	sim_fb_reap(true);
	close(sim_fb.wake[0]);
	close(sim_fb.wake[1]);
	sim_fb.wake[0] = sim_fb.wake[1] = -1;
	sim_fb.running = false;
	pthread_mutex_unlock(&sim_fb.mtx);

	sim_fb_reset();
	pthread_mutex_lock(&sim_fb.mtx);
	free(sim_fb.routes);
	sim_fb.routes = NULL;
	sim_fb.cap = 0;
	json_decref(sim_fb.log);
	sim_fb.log = NULL;
	if (sim_fb.handler != NULL)
		g_object_unref(sim_fb.handler);
	sim_fb.handler = NULL;
	sim_fb.fault = SIM_FAULT_NONE;
	pthread_mutex_unlock(&sim_fb.mtx);
	pthread_mutex_unlock(&sim_fb.admin);
	log_info("fboss: stopped");
}
