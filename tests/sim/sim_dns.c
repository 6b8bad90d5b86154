/*
 * sim_dns.c - torc-sim's Consul DNS interface: a UDP responder (RFC 1035)
 * on --dns-port answering from the Consul part's service table.
 *
 * Names: "<name>.service.<domain>", "<tag>.<name>.service.<domain>" and
 * the same with the datacenter ("<name>.service.dc1.<domain>"), ASCII
 * case ignored.  A (and ANY) queries get one A record per instance, TTL 0,
 * at most SIM_DNS_ANSWER_LIMIT of them in random order (Consul's
 * udp_answer_limit default).  An unknown name in the domain gets NXDOMAIN
 * with the zone's SOA in the authority section; another type for a known
 * name (AAAA, ...) gets NOERROR with no answer and the SOA.  Names outside
 * the domain and classes other than IN get REFUSED.  A query with a
 * QDCOUNT other than 1, a compressed or overlong question, or a truncated
 * packet gets FORMERR; other opcodes get NOTIMP; responses and packets
 * shorter than a header are ignored.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sim.h"
#include "sim_util.h"
#include "util.h"

#define SIM_DNS_ANSWER_LIMIT	3
#define SIM_DNS_UDP_MAX		512
#define SIM_DNS_MAX_LABELS	128

#define DNS_RCODE_NOERROR	0
#define DNS_RCODE_FORMERR	1
#define DNS_RCODE_NXDOMAIN	3
#define DNS_RCODE_NOTIMP	4
#define DNS_RCODE_REFUSED	5

#define DNS_TYPE_A		1
#define DNS_TYPE_SOA		6
#define DNS_TYPE_ANY		255
#define DNS_CLASS_IN		1
#define DNS_CLASS_ANY		255

static struct {
	int	 fd;
	int	 wake[2];		/* self-pipe: stop */
	pthread_t thread;
	bool	 running;
	char	 domain[256];		/* lower case, no trailing dot */
	uint64_t queries;
} sim_dns = { .fd = -1, .wake = { -1, -1 } };

/* A parsed question: labels as (offset, length) into the packet. */
struct sim_dns_q {
	size_t	 lab_off[SIM_DNS_MAX_LABELS];
	size_t	 lab_len[SIM_DNS_MAX_LABELS];
	size_t	 n_labels;
	size_t	 end;			/* offset after QTYPE/QCLASS */
	uint16_t qtype;
	uint16_t qclass;
};

struct sim_dns_buf {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;
	bool	 overflow;
};

static void
sim_dns_put(struct sim_dns_buf *b, const void *data, size_t n)
{
	if (b->overflow || b->len + n > b->cap) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void
sim_dns_put16(struct sim_dns_buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	sim_dns_put(b, x, 2);
}

static void
sim_dns_put32(struct sim_dns_buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	sim_dns_put(b, x, 4);
}

/* Parse the single question at offset 12; -1 when malformed. */
static int
sim_dns_parse_q(const uint8_t *pkt, size_t len, struct sim_dns_q *q)
{
	size_t off = 12, total = 0;
	uint8_t l;

	q->n_labels = 0;
	for (;;) {
		if (off >= len)
			return -1;
		l = pkt[off];
		if (l == 0) {
			off++;
			break;
		}
		if ((l & 0xc0) != 0 || l > 63)
			return -1;	/* no compression in a question */
		if (off + 1 + l > len || q->n_labels == SIM_DNS_MAX_LABELS)
			return -1;
		total += (size_t)l + 1;
		if (total > 254)
			return -1;
		q->lab_off[q->n_labels] = off + 1;
		q->lab_len[q->n_labels] = l;
		q->n_labels++;
		off += 1 + (size_t)l;
	}
	if (off + 4 > len)
		return -1;
	q->qtype = (uint16_t)(pkt[off] << 8 | pkt[off + 1]);
	q->qclass = (uint16_t)(pkt[off + 2] << 8 | pkt[off + 3]);
	q->end = off + 4;
	return 0;
}

/* Copy label i of the question, lower-cased, into out (64 bytes). */
static void
sim_dns_label(const uint8_t *pkt, const struct sim_dns_q *q, size_t i,
    char out[64])
{
	size_t k;
	char c;

	for (k = 0; k < q->lab_len[i]; k++) {
		c = (char)pkt[q->lab_off[i] + k];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out[k] = c;
	}
	out[q->lab_len[i]] = '\0';
}

/*
 * How many trailing labels of the question form the domain; 0 when the
 * name is not inside it.
 */
static size_t
sim_dns_in_domain(const uint8_t *pkt, const struct sim_dns_q *q)
{
	char lab[64], dom[256], *save = NULL, *tok;
	char *labels[SIM_DNS_MAX_LABELS];
	size_t nd = 0, i;

	tstrlcpy(dom, sim_dns.domain, sizeof(dom));
	for (tok = strtok_r(dom, ".", &save); tok != NULL && nd <
	    SIM_DNS_MAX_LABELS; tok = strtok_r(NULL, ".", &save))
		labels[nd++] = tok;
	if (nd == 0 || nd > q->n_labels)
		return 0;
	for (i = 0; i < nd; i++) {
		sim_dns_label(pkt, q, q->n_labels - nd + i, lab);
		if (strcmp(lab, labels[i]) != 0)
			return 0;
	}
	return nd;
}

/* The SOA of the zone: owner is the domain part of the question. */
static void
sim_dns_put_soa(struct sim_dns_buf *b, const struct sim_dns_q *q,
    size_t nd)
{
	size_t dom_off = q->lab_off[q->n_labels - nd] - 1;
	uint16_t ptr = (uint16_t)(0xc000 | dom_off);
	size_t rdlen_at;
	uint16_t rdlen;

	sim_dns_put16(b, ptr);
	sim_dns_put16(b, DNS_TYPE_SOA);
	sim_dns_put16(b, DNS_CLASS_IN);
	sim_dns_put32(b, 0);
	rdlen_at = b->len;
	sim_dns_put16(b, 0);
	sim_dns_put(b, "\002ns", 3);
	sim_dns_put16(b, ptr);
	sim_dns_put(b, "\012hostmaster", 11);
	sim_dns_put16(b, ptr);
	sim_dns_put32(b, (uint32_t)time(NULL));
	sim_dns_put32(b, 3600);
	sim_dns_put32(b, 600);
	sim_dns_put32(b, 86400);
	sim_dns_put32(b, 0);
	if (!b->overflow) {
		rdlen = (uint16_t)(b->len - rdlen_at - 2);
		b->p[rdlen_at] = (uint8_t)(rdlen >> 8);
		b->p[rdlen_at + 1] = (uint8_t)rdlen;
	}
}

/* Header-only answer with rcode (FORMERR, NOTIMP). */
static size_t
sim_dns_bare(const uint8_t *pkt, uint8_t *out, int rcode)
{
	memset(out, 0, 12);
	out[0] = pkt[0];
	out[1] = pkt[1];
	out[2] = (uint8_t)(0x80 | (pkt[2] & 0x79));	/* QR, opcode, RD */
	out[3] = (uint8_t)rcode;
	return 12;
}

/*
 * Build the answer to one query packet into out (cap bytes); returns its
 * length, or 0 when the packet is to be ignored.
 */
static size_t
sim_dns_answer(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap)
{
	struct sim_dns_q q;
	struct sim_dns_buf b = { out, 0, cap, false };
	char tag[64], name[64], lab[64], *addrs = NULL, *tok, *save = NULL;
	uint32_t ips[SIM_DNS_ANSWER_LIMIT * 8], ip, t;
	size_t nd, r, nips = 0, nans = 0, i, j;
	bool have_tag = false, soa = false;
	int rcode = DNS_RCODE_NOERROR;

	if (len < 12 || cap < 12)
		return 0;
	if (pkt[2] & 0x80)
		return 0;				/* a response */
	if (((pkt[2] >> 3) & 0x0f) != 0)
		return sim_dns_bare(pkt, out, DNS_RCODE_NOTIMP);
	if (pkt[4] != 0 || pkt[5] != 1 || sim_dns_parse_q(pkt, len, &q) == -1)
		return sim_dns_bare(pkt, out, DNS_RCODE_FORMERR);
	if (q.end - 12 + 12 > cap)
		return sim_dns_bare(pkt, out, DNS_RCODE_FORMERR);

	nd = sim_dns_in_domain(pkt, &q);
	if (nd == 0 || (q.qclass != DNS_CLASS_IN &&
	    q.qclass != DNS_CLASS_ANY)) {
		rcode = DNS_RCODE_REFUSED;
		goto build;
	}
	/* Labels before the domain: [tag.]name.service[.dc1] */
	r = q.n_labels - nd;
	if (r >= 3) {
		sim_dns_label(pkt, &q, r - 1, lab);
		sim_dns_label(pkt, &q, r - 2, name);
		if (strcmp(lab, "dc1") == 0 && strcmp(name, "service") == 0)
			r--;
	}
	soa = true;
	if (r < 2 || r > 3) {
		rcode = DNS_RCODE_NXDOMAIN;
		goto build;
	}
	sim_dns_label(pkt, &q, r - 1, lab);
	if (strcmp(lab, "service") != 0) {
		rcode = DNS_RCODE_NXDOMAIN;
		goto build;
	}
	sim_dns_label(pkt, &q, r - 2, name);
	if (r == 3) {
		sim_dns_label(pkt, &q, 0, tag);
		have_tag = true;
	}
	if (memchr(name, '\0', q.lab_len[r - 2]) != NULL ||
	    (have_tag && memchr(tag, '\0', q.lab_len[0]) != NULL))
		addrs = NULL;		/* an embedded NUL names nothing */
	else
		addrs = sim_consul_lookup_tagged(name, have_tag ? tag : NULL);
	if (addrs == NULL) {
		rcode = DNS_RCODE_NXDOMAIN;
		goto build;
	}
	if (q.qtype == DNS_TYPE_A || q.qtype == DNS_TYPE_ANY) {
		for (tok = strtok_r(addrs, ",", &save); tok != NULL &&
		    nips < nitems(ips); tok = strtok_r(NULL, ",", &save))
			if (sim_ip_parse(tok, &ip) == 0)
				ips[nips++] = ip;
		/* Fisher-Yates, then keep the first few. */
		for (i = nips; i > 1; i--) {
			j = (size_t)(sim_rand_u64() % i);
			t = ips[i - 1];
			ips[i - 1] = ips[j];
			ips[j] = t;
		}
		nans = nips < SIM_DNS_ANSWER_LIMIT ? nips :
		    SIM_DNS_ANSWER_LIMIT;
		soa = nans == 0;
	}
	free(addrs);

build:
	sim_dns_put16(&b, (uint16_t)(pkt[0] << 8 | pkt[1]));
	sim_dns_put16(&b, (uint16_t)(0x8400 | (pkt[2] & 0x01) << 8 | rcode));
	sim_dns_put16(&b, 1);
	sim_dns_put16(&b, (uint16_t)nans);
	sim_dns_put16(&b, soa ? 1 : 0);
	sim_dns_put16(&b, 0);
	sim_dns_put(&b, pkt + 12, q.end - 12);
	for (i = 0; i < nans; i++) {
		sim_dns_put16(&b, 0xc00c);
		sim_dns_put16(&b, DNS_TYPE_A);
		sim_dns_put16(&b, DNS_CLASS_IN);
		sim_dns_put32(&b, 0);
		sim_dns_put16(&b, 4);
		sim_dns_put32(&b, ips[i]);
	}
	if (soa)
		sim_dns_put_soa(&b, &q, nd);
	if (b.overflow)
		return sim_dns_bare(pkt, out, DNS_RCODE_FORMERR);
	return b.len;
}

static void *
sim_dns_loop(void *arg)
{
	struct sockaddr_storage from;
	struct pollfd pfd[2];
	uint8_t in[4096], out[SIM_DNS_UDP_MAX];
	socklen_t fromlen;
	ssize_t n;
	size_t m;

	(void)arg;
	pfd[0].fd = sim_dns.fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sim_dns.wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("dns: poll");
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if ((pfd[0].revents & POLLIN) == 0)
			continue;
		fromlen = sizeof(from);
		n = recvfrom(sim_dns.fd, in, sizeof(in), 0,
		    (struct sockaddr *)&from, &fromlen);
		if (n <= 0)
			continue;
		sim_dns.queries++;
		m = sim_dns_answer(in, (size_t)n, out, sizeof(out));
		if (m > 0 && sendto(sim_dns.fd, out, m, 0,
		    (struct sockaddr *)&from, fromlen) == -1)
			log_debug("dns: sendto: %s", strerror(errno));
	}
	return NULL;
}

int
sim_dns_start(const struct sim_opts *o, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	const char *d;
	size_t k;
	int one = 1;

	d = o->domain != NULL && o->domain[0] != '\0' ? o->domain : "torc";
	tstrlcpy(sim_dns.domain, d, sizeof(sim_dns.domain));
	for (k = 0; sim_dns.domain[k] != '\0'; k++)
		if (sim_dns.domain[k] >= 'A' && sim_dns.domain[k] <= 'Z')
			sim_dns.domain[k] = (char)(sim_dns.domain[k] - 'A' +
			    'a');
	while (k > 0 && sim_dns.domain[k - 1] == '.')
		sim_dns.domain[--k] = '\0';

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)o->dns_port);
	if (o->dns_port <= 0 || o->dns_port > 65535 ||
	    inet_pton(AF_INET, o->bind_ip, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "dns: bad address %s:%d", o->bind_ip,
		    o->dns_port);
		return -1;
	}
	if ((sim_dns.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) ==
	    -1) {
		snprintf(err, errlen, "dns: socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(sim_dns.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(sim_dns.fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		snprintf(err, errlen, "dns: cannot listen on %s:%d (udp): %s",
		    o->bind_ip, o->dns_port, strerror(errno));
		goto fail;
	}
	if (pipe2(sim_dns.wake, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "dns: pipe: %s", strerror(errno));
		goto fail;
	}
	if (pthread_create(&sim_dns.thread, NULL, sim_dns_loop, NULL) != 0) {
		snprintf(err, errlen, "dns: cannot start thread");
		goto fail;
	}
	sim_dns.running = true;
	return 0;
fail:
	sim_dns_stop();
	return -1;
}

void
sim_dns_stop(void)
{
	if (sim_dns.running) {
		(void)!write(sim_dns.wake[1], "x", 1);
		pthread_join(sim_dns.thread, NULL);
		sim_dns.running = false;
	}
	if (sim_dns.fd != -1)
		close(sim_dns.fd);
	if (sim_dns.wake[0] != -1)
		close(sim_dns.wake[0]);
	if (sim_dns.wake[1] != -1)
		close(sim_dns.wake[1]);
	sim_dns.fd = sim_dns.wake[0] = sim_dns.wake[1] = -1;
}
