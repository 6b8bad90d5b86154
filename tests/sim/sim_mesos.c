/*
 * sim_mesos.c - torc-sim's Mesos master and its simulated agents.
 *
 * Serves the v1 scheduler HTTP API (POST /api/v1/scheduler) the way the
 * real master does (docs: ../shared reference "Mesos v1 scheduler API",
 * cited below as "ref §x"), plus read-only GET /master/state (/state),
 * GET /redirect, and the control handler sim_mesos_control() that the
 * control server reaches under /mesos/.
 *
 * Agents.  By default one agent per node of the torc config: hostname =
 * node name, IP = node ip, 16 cpus, 65536 MiB mem, 102400 MiB disk,
 * ports 31000-32000, TEXT attributes node_name, node_type,
 * node_function, machine-name, machine-type, machine-function (function
 * "controller" for the master-type node, "compute" otherwise).
 * --agents-count N generates N agents sim-agent-0001.. on 10.250.x.y.
 * --agents FILE (YAML) replaces both:
 *
 *	- name: node1			# required
 *	  ip: 10.250.3.21		# required
 *	  hostname: node1.rack		# default: name
 *	  attributes: {node_type: slave, rack: r1}	# TEXT attributes
 *	  cpus: 16
 *	  mem: 65536			# MiB
 *	  disk: 102400			# MiB
 *	  ports: "31000-32000"		# one range, or "a-b,c-d"
 *
 * Threads: libmicrohttpd runs one thread per connection; a SUBSCRIBE
 * connection's thread stays in stream_reader() for the life of the
 * stream.  One timer thread drives heartbeats, allocation cycles, task
 * start delays, status-update retransmission, filter expiry, agent
 * ping timeouts and failover timeouts.  All state sits behind one mutex
 * (M.mu); M.cv wakes stream readers and the timer.
 *
 * Encodings: protobuf bodies and streams are complete.  JSON bodies and
 * JSON streams use a generic protobuf <-> JSON mapping (field names as in
 * the .proto, enums by name, bytes in base64), enough for the calls and
 * events torc uses; it is not the full proto3 JSON mapping.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <yaml.h>

#include "cfg.h"
#include "recordio.h"
#include "sim.h"
#include "mesos/mesos.pb-c.h"
#include "mesos/scheduler.pb-c.h"

#define SM_BODY_MAX		(4u << 20)
#define SM_CALLS_MAX		10000
#define SM_ACK_RETRY_MAX_MS	(10 * 60 * 1000)	/* ref §2.1: 10 min */
#define SM_REFUSE_MAX_S		(365.0 * 86400.0)
#define SM_TICK_MS		10

#define CT_PROTOBUF	"application/x-protobuf"
#define CT_JSON		"application/json"

typedef Mesos__V1__Scheduler__Call	Call;
typedef Mesos__V1__Scheduler__Event	Event;
typedef Mesos__V1__TaskStatus		TaskStatus;

enum sm_split { SPLIT_NONE = 0, SPLIT_SPLIT, SPLIT_PACK };
enum sm_leader { LEAD_SELF = 0, LEAD_STANDBY, LEAD_NONE };

/* A set of port ranges [b, e], sorted, disjoint. */
struct rset {
	uint64_t (*r)[2];
	size_t	 n;
};

struct agent {
	char	*id;
	char	*name;
	char	*hostname;
	char	*ip;
	json_t	*attrs;		/* object name -> string */
	double	 cpus, mem, disk;
	struct rset ports;
	/* free (neither offered nor used) */
	double	 fcpus, fmem, fdisk;
	struct rset fports;
	bool	 removed;	/* agent/remove: gone by operator */
	bool	 partitioned;	/* agent/partition: pings fail */
	int64_t	 part_at;
	bool	 unreachable;	/* ping timeout passed */
	bool	 recovering;	/* after master failover */
	int64_t	 rereg_at;
	bool	 disconnected;	/* agent/disconnect: TCP link down */
	int64_t	 disc_at;
	double	 reg_ts;	/* registered_time, wall clock */
};

struct upd {
	struct upd *next;
	int	 state;
	int	 reason;	/* -1: none */
	int	 source;
	char	*message;
	bool	 has_uuid;
	uint8_t	 uuid[16];
	bool	 with_data;	/* docker inspect output */
	bool	 has_healthy, healthy;
	bool	 noted;		/* in the task's statuses (/tasks) */
	double	 ts;
};

struct task {
	struct task *next;
	char	*id;
	char	*name;
	char	*fw_id;
	int	 agent;
	int	 state;		/* latest state on the agent */
	bool	 known;		/* the master knows it (failover) */
	bool	 unreachable;
	int64_t	 unreachable_ns;
	struct upd *qh, *qt;	/* agent's status update FIFO */
	bool	 head_sent;
	int64_t	 next_send;
	int64_t	 backoff;
	int64_t	 run_at;	/* STARTING -> RUNNING, 0 = none */
	int64_t	 kill_at;	/* -> KILLED, 0 = none */
	bool	 kill_pending;
	char	*cid;		/* container id */
	char	*ip;
	char	*net;		/* network name, "" = none */
	char	*data;		/* docker inspect JSON, NULL if none */
	double	 cpus, mem, disk;
	struct rset ports;
	char	*role;		/* the offers' allocation role */
	bool	 checkpoint;	/* its framework's, for agent recovery */
	bool	 has_healthy, healthy;	/* the latest health check */
	json_t	*statuses;	/* updates the master saw, for /tasks */
	json_t	*container;	/* TaskInfo.container, JSON, or NULL */
	json_t	*discovery;	/* TaskInfo.discovery, JSON, or NULL */
};

struct stream {
	int	 refs;
	bool	 closed;	/* no more events, end it */
	bool	 dead;		/* the response is gone */
	bool	 json;
	int	 fd;
	uint8_t	*buf;		/* framed events not yet sent */
	size_t	 len, off, cap;
	size_t	 nrec;		/* records in buf (pack mode) */
	int64_t	 pack_since;
};

struct framework {
	struct framework *next;
	char	*id;
	char	*name;
	char	*user;
	char	*role;		/* roles[0], or "*" */
	json_t	*roles;		/* names: [role] unless MULTI_ROLE */
	json_t	*supp;		/* suppressed role names */
	unsigned role_rr;	/* next role to offer to (MULTI_ROLE) */
	char	*principal;
	double	 failover_timeout;
	bool	 checkpoint;
	bool	 cap_killing, cap_partition, cap_multi_role;
	bool	 cap_refinement;
	json_t	*caps;		/* names */
	bool	 connected;
	bool	 active;
	bool	 recovered_only;	/* known from agents, never subscribed */
	char	 stream_id[40];
	struct stream *stream;
	int64_t	 failover_at;	/* disconnected: removal time, 0 none */
	int64_t	 next_hb;
	/*
	 * Offer filters (ref §2.1 DECLINE): the expiry time of the filter
	 * of (role index r, agent a) at filt[a * nroles + r]; nfilt
	 * entries, those beyond are unfiltered.
	 */
	int64_t	*filt;
	size_t	 nfilt;
};

struct offer {
	struct offer *next;
	char	*id;
	char	*fw_id;
	int	 agent;
	bool	 sent;
	char	*role;		/* allocation role */
	int64_t	 created;
	double	 cpus, mem, disk;
	struct rset ports;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* stream readers */
	pthread_cond_t tcv;	/* the timer: stop and timer_kick() */
	/*
	 * While an HTTP request is handled (sm_access), events only mark
	 * the readers due, and they are woken once M.mu is released: woken
	 * at once, they would only wait for the lock.
	 */
	bool	 in_request, readers_due;
	bool	 running;
	bool	 stopping;
	struct MHD_Daemon *mhd;
	pthread_t timer;
	int	 port;
	char	*master_ip;
	char	*bind_ip;
	uint64_t rng;
	char	 master_id[40];
	unsigned fw_seq;
	unsigned offer_seq;
	unsigned agent_seq;
	enum sm_leader leader;
	char	*leader_addr;	/* standby: "host:port" */
	bool	 hb_stopped;
	bool	 muted;		/* nothing at all on the streams */
	bool	 recovering;	/* 503 "Master has not finished recovery" */
	int64_t	 recover_until;	/* ... until then (0: until turned off) */
	char	*auth_user;	/* HTTP Basic credentials, NULL: no auth */
	char	*auth_pass;
	enum sm_split split;
	/* timers */
	double	 hb_interval;		/* s */
	int64_t	 start_delay_ms;
	int64_t	 kill_delay_ms;
	int64_t	 ack_retry_ms;
	int64_t	 alloc_ms;
	int64_t	 ping_timeout_ms;
	double	 refuse_default_s;
	int64_t	 offer_timeout_ms;	/* 0: offers never time out */
	int64_t	 next_alloc;
	/* state */
	struct agent *agents;
	size_t	 n_agents;
	struct framework *fws;
	struct task *tasks;
	struct offer *offers;
	json_t	*removed_fws;	/* ids torn down or timed out */
	json_t	*calls;		/* decoded calls received */
	json_t	*completed;	/* /tasks entries of forgotten tasks */
	uint32_t ip_next;
} M = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.tcv = PTHREAD_COND_INITIALIZER,
};

/* ---- small helpers ----------------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *
sm_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

static char *
sm_strdup(const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		abort();
	return p;
}

static char *
sm_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
sm_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

/* splitmix64: deterministic for a given --seed. */
static uint64_t
rng_next(void)
{
	uint64_t z = (M.rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_bytes(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(rng_next() >> 24);
}

/* A version-4 UUID in text form (36 chars + NUL). */
static void
rng_uuid_str(char out[40])
{
	uint8_t u[16];

	rng_bytes(u, sizeof(u));
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
	    u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* ---- port range sets --------------------------------------------------- */

static void
rset_free(struct rset *s)
{
	free(s->r);
	s->r = NULL;
	s->n = 0;
}

static void
rset_copy(struct rset *dst, const struct rset *src)
{
	dst->n = src->n;
	dst->r = sm_alloc(sizeof(*dst->r) * (src->n + 1));
	memcpy(dst->r, src->r, sizeof(*src->r) * src->n);
}

/* Add [b, e], merging neighbours. */
static void
rset_add(struct rset *s, uint64_t b, uint64_t e)
{
	size_t i, j, k;
	uint64_t (*nr)[2];

	if (b > e)
		return;
	nr = sm_alloc(sizeof(*nr) * (s->n + 1));
	for (i = 0, k = 0; i < s->n && s->r[i][1] + 1 < b; i++)
		memcpy(nr[k++], s->r[i], sizeof(nr[0]));
	for (j = i; j < s->n && s->r[j][0] <= e + 1; j++) {
		if (s->r[j][0] < b)
			b = s->r[j][0];
		if (s->r[j][1] > e)
			e = s->r[j][1];
	}
	nr[k][0] = b;
	nr[k][1] = e;
	k++;
	for (; j < s->n; j++)
		memcpy(nr[k++], s->r[j], sizeof(nr[0]));
	free(s->r);
	s->r = nr;
	s->n = k;
}

static void
rset_add_set(struct rset *s, const struct rset *o)
{
	for (size_t i = 0; i < o->n; i++)
		rset_add(s, o->r[i][0], o->r[i][1]);
}

static bool
rset_contains(const struct rset *s, uint64_t b, uint64_t e)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i][0] <= b && e <= s->r[i][1])
			return true;
	return false;
}

/* Remove [b, e] (need not be contained). */
static void
rset_sub(struct rset *s, uint64_t b, uint64_t e)
{
	struct rset out = { NULL, 0 };

	for (size_t i = 0; i < s->n; i++) {
		uint64_t rb = s->r[i][0], re = s->r[i][1];

		if (re < b || rb > e) {
			rset_add(&out, rb, re);
			continue;
		}
		if (rb < b)
			rset_add(&out, rb, b - 1);
		if (re > e)
			rset_add(&out, e + 1, re);
	}
	free(s->r);
	*s = out;
}

/* "31000-32000,33000-33010" or "[31000-32000]"; -1 if malformed. */
static int
rset_parse(struct rset *s, const char *str)
{
	const char *p = str;

	while (*p != '\0') {
		char *end;
		unsigned long long b, e;

		while (*p == ' ' || *p == ',' || *p == '[' || *p == ']')
			p++;
		if (*p == '\0')
			break;
		b = strtoull(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
		e = b;
		if (*p == '-') {
			p++;
			e = strtoull(p, &end, 10);
			if (end == p)
				return -1;
			p = end;
		}
		if (e < b || e > 65535)
			return -1;
		rset_add(s, b, e);
	}
	return 0;
}

static char *
rset_str(const struct rset *s)
{
	size_t cap = 16 + s->n * 24, len = 0;
	char *out = sm_alloc(cap);

	out[len++] = '[';
	for (size_t i = 0; i < s->n; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%" PRIu64
		    "-%" PRIu64, i ? ", " : "", s->r[i][0], s->r[i][1]);
	snprintf(out + len, cap - len, "]");
	return out;
}

/* ---- protobuf <-> JSON ------------------------------------------------- */

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *
b64_encode(const uint8_t *in, size_t n)
{
	char *out = sm_alloc(4 * ((n + 2) / 3) + 1), *o = out;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		*o++ = b64chars[(v >> 18) & 63];
		*o++ = b64chars[(v >> 12) & 63];
		*o++ = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? b64chars[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int
b64_decode(const char *in, uint8_t **out, size_t *outlen)
{
	size_t n = strlen(in), k = 0;
	uint8_t *o = sm_alloc(n / 4 * 3 + 3);
	uint32_t v = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p;

		if (in[i] == '=')
			break;
		if ((p = strchr(b64chars, in[i])) == NULL || in[i] == '\0') {
			free(o);
			return -1;
		}
		v = (v << 6) | (uint32_t)(p - b64chars);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[k++] = (uint8_t)(v >> bits);
		}
	}
	*out = o;
	*outlen = k;
	return 0;
}

static json_t *pb_to_json(const ProtobufCMessage *m);

static json_t *
pb_value_json(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_integer(*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return json_integer(*(const int64_t *)p);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return json_integer((json_int_t)*(const uint64_t *)p);
	case PROTOBUF_C_TYPE_FLOAT:
		return json_real(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return json_real(*(const double *)p);
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *ev =
		    protobuf_c_enum_descriptor_get_value(f->descriptor,
		    *(const int *)p);

		return ev != NULL ? json_string(ev->name) :
		    json_integer(*(const int *)p);
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;

		return json_string(s != NULL ? s : "");
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *bd = p;
		char *s = b64_encode(bd->data, bd->len);
		json_t *j = json_string(s);

		free(s);
		return j;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;

		return sub != NULL ? pb_to_json(sub) : json_object();
	}
	}
	return json_null();
}

static size_t
pb_elem_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	default:
		return 4;
	}
}

/* Fields as named in the .proto; enums by name; bytes in base64. */
static json_t *
pb_to_json(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	json_t *o = json_object();

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m;
		const void *p = base + f->offset;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			const char *arr = *(char *const *)p;
			json_t *a;

			if (n == 0)
				continue;
			a = json_array();
			for (size_t k = 0; k < n; k++)
				json_array_append_new(a, pb_value_json(f,
				    arr + k * pb_elem_size(f)));
			json_object_set_new(o, f->name, a);
			continue;
		}
		if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
			if (f->type == PROTOBUF_C_TYPE_MESSAGE ||
			    f->type == PROTOBUF_C_TYPE_STRING) {
				const void *ptr = *(void *const *)p;

				if (ptr == NULL || ptr == f->default_value)
					continue;
			} else if (!*(const protobuf_c_boolean *)(base +
			    f->quantifier_offset))
				continue;
		}
		json_object_set_new(o, f->name, pb_value_json(f, p));
	}
	return o;
}

static int json_to_pb_fill(ProtobufCMessage *m, json_t *j, char *err,
	    size_t errlen);

/* Store JSON value v as one element of field f at p (zeroed memory). */
static int
json_value_pb(const ProtobufCFieldDescriptor *f, json_t *v, void *p,
    char *err, size_t errlen)
{
	double num = json_is_number(v) ? json_number_value(v) : 0;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if (!json_is_number(v))
			goto bad;
		*(int32_t *)p = (int32_t)(int64_t)num;
		return 0;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		if (json_is_integer(v))
			*(int64_t *)p = json_integer_value(v);
		else if (json_is_string(v))
			*(int64_t *)p = strtoll(json_string_value(v), NULL, 10);
		else if (json_is_number(v))
			*(int64_t *)p = (int64_t)num;
		else
			goto bad;
		return 0;
	case PROTOBUF_C_TYPE_FLOAT:
		if (!json_is_number(v))
			goto bad;
		*(float *)p = (float)num;
		return 0;
	case PROTOBUF_C_TYPE_DOUBLE:
		if (!json_is_number(v))
			goto bad;
		*(double *)p = num;
		return 0;
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_is_boolean(v))
			goto bad;
		*(protobuf_c_boolean *)p = json_is_true(v);
		return 0;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *ev = NULL;

		if (json_is_string(v))
			ev = protobuf_c_enum_descriptor_get_value_by_name(
			    f->descriptor, json_string_value(v));
		else if (json_is_integer(v))
			ev = protobuf_c_enum_descriptor_get_value(
			    f->descriptor, (int)json_integer_value(v));
		if (ev == NULL)
			goto bad;
		*(int *)p = ev->value;
		return 0;
	}
	case PROTOBUF_C_TYPE_STRING:
		if (!json_is_string(v))
			goto bad;
		*(char **)p = sm_strdup(json_string_value(v));
		return 0;
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData *bd = p;

		if (!json_is_string(v) ||
		    b64_decode(json_string_value(v), &bd->data, &bd->len) != 0)
			goto bad;
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessageDescriptor *sd = f->descriptor;
		ProtobufCMessage *sub;

		if (!json_is_object(v))
			goto bad;
		sub = sm_alloc(sd->sizeof_message);
		sd->message_init(sub);
		*(ProtobufCMessage **)p = sub;
		return json_to_pb_fill(sub, v, err, errlen);
	}
	}
bad:
	snprintf(err, errlen, "Invalid value for field '%s'", f->name);
	return -1;
}

static int
json_to_pb_fill(ProtobufCMessage *m, json_t *j, char *err, size_t errlen)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *key;
	json_t *v;

	json_object_foreach(j, key, v) {
		const ProtobufCFieldDescriptor *f =
		    protobuf_c_message_descriptor_get_field_by_name(d, key);
		char *base = (char *)m;

		if (f == NULL)
			continue;	/* unknown fields are ignored */
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n, es = pb_elem_size(f);
			char *arr;

			if (!json_is_array(v)) {
				snprintf(err, errlen, "Field '%s' must be an "
				    "array", f->name);
				return -1;
			}
			n = json_array_size(v);
			arr = sm_alloc(n * es);
			*(char **)(base + f->offset) = arr;
			*(size_t *)(base + f->quantifier_offset) = 0;
			for (size_t k = 0; k < n; k++) {
				int rc = json_value_pb(f, json_array_get(v, k),
				    arr + k * es, err, errlen);

				/* Count first so a failure frees it too. */
				*(size_t *)(base + f->quantifier_offset) = k + 1;
				if (rc != 0)
					return -1;
			}
			continue;
		}
		if (f->type == PROTOBUF_C_TYPE_STRING ||
		    f->type == PROTOBUF_C_TYPE_MESSAGE) {
			void **slot = (void **)(base + f->offset);

			if (*slot != NULL && *slot != f->default_value)
				continue;	/* duplicate key: first wins */
			*slot = NULL;
		}
		if (json_value_pb(f, v, base + f->offset, err, errlen) != 0)
			return -1;
		if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
		    f->type != PROTOBUF_C_TYPE_STRING &&
		    f->type != PROTOBUF_C_TYPE_MESSAGE)
			*(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
	}
	return 0;
}

/* Parse a JSON Call; NULL with err on failure. */
static Call *
json_to_call(const char *body, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = json_loadb(body, len, 0, &je);
	Call *c;

	if (j == NULL || !json_is_object(j)) {
		snprintf(err, errlen, "Malformed JSON: %s",
		    j == NULL ? je.text : "not an object");
		json_decref(j);
		return NULL;
	}
	c = sm_alloc(sizeof(*c));
	mesos__v1__scheduler__call__init(c);
	if (json_to_pb_fill(&c->base, j, err, errlen) != 0 ||
	    !protobuf_c_message_check(&c->base)) {
		if (err[0] == '\0')
			snprintf(err, errlen, "Missing required fields");
		protobuf_c_message_free_unpacked(&c->base, NULL);
		json_decref(j);
		return NULL;
	}
	json_decref(j);
	return c;
}

/* ---- agents ------------------------------------------------------------ */

static struct agent *
agent_new(const char *name, const char *hostname, const char *ip)
{
	struct agent *a;

	M.agents = realloc(M.agents, sizeof(*M.agents) * (M.n_agents + 1));
	if (M.agents == NULL)
		abort();
	a = &M.agents[M.n_agents++];
	memset(a, 0, sizeof(*a));
	a->id = sm_printf("%s-S%u", M.master_id, M.agent_seq++);
	a->name = sm_strdup(name);
	a->hostname = sm_strdup(hostname != NULL ? hostname : name);
	a->ip = sm_strdup(ip);
	a->reg_ts = wall_now();
	a->attrs = json_object();
	a->cpus = 16;
	a->mem = 65536;
	a->disk = 102400;
	rset_add(&a->ports, 31000, 32000);
	return a;
}

/* Call after the resources are set: everything starts free. */
static void
agent_ready(struct agent *a)
{
	a->fcpus = a->cpus;
	a->fmem = a->mem;
	a->fdisk = a->disk;
	rset_free(&a->fports);
	rset_copy(&a->fports, &a->ports);
}

static void
agent_text_attrs(struct agent *a, const char *type, const char *function)
{
	json_object_set_new(a->attrs, "node_name", json_string(a->name));
	json_object_set_new(a->attrs, "node_type", json_string(type));
	json_object_set_new(a->attrs, "node_function", json_string(function));
	json_object_set_new(a->attrs, "machine-name", json_string(a->name));
	json_object_set_new(a->attrs, "machine-type", json_string(type));
	json_object_set_new(a->attrs, "machine-function",
	    json_string(function));
}

static const char *
yaml_scalar(yaml_document_t *doc, yaml_node_t *n)
{
	(void)doc;
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static int
agents_load_yaml(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int rc = -1;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu: %s", path,
		    parser.problem_mark.line + 1,
		    parser.problem ? parser.problem : "YAML error");
		yaml_parser_delete(&parser);
		fclose(fp);
		return -1;
	}
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || root->type != YAML_SEQUENCE_NODE) {
		snprintf(err, errlen, "%s: expected a list of agents", path);
		goto out;
	}
	for (yaml_node_item_t *it = root->data.sequence.items.start;
	    it < root->data.sequence.items.top; it++) {
		yaml_node_t *n = yaml_document_get_node(&doc, *it);
		const char *name = NULL, *ip = NULL, *host = NULL;
		const char *cpus = NULL, *mem = NULL, *disk = NULL;
		const char *ports = NULL;
		yaml_node_t *attrs = NULL;
		struct agent *a;

		if (n == NULL || n->type != YAML_MAPPING_NODE) {
			snprintf(err, errlen, "%s:%zu: an agent must be a "
			    "mapping", path, n ? n->start_mark.line + 1 : 0);
			goto out;
		}
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		    p < n->data.mapping.pairs.top; p++) {
			const char *k = yaml_scalar(&doc,
			    yaml_document_get_node(&doc, p->key));
			yaml_node_t *vn = yaml_document_get_node(&doc,
			    p->value);
			const char *v = yaml_scalar(&doc, vn);

			if (k == NULL)
				continue;
			if (strcmp(k, "name") == 0)
				name = v;
			else if (strcmp(k, "ip") == 0)
				ip = v;
			else if (strcmp(k, "hostname") == 0)
				host = v;
			else if (strcmp(k, "cpus") == 0)
				cpus = v;
			else if (strcmp(k, "mem") == 0)
				mem = v;
			else if (strcmp(k, "disk") == 0)
				disk = v;
			else if (strcmp(k, "ports") == 0)
				ports = v;
			else if (strcmp(k, "attributes") == 0)
				attrs = vn;
			else {
				snprintf(err, errlen, "%s:%zu: unknown key "
				    "'%s'", path, vn->start_mark.line + 1, k);
				goto out;
			}
		}
		if (name == NULL || ip == NULL) {
			snprintf(err, errlen, "%s:%zu: an agent needs name "
			    "and ip", path, n->start_mark.line + 1);
			goto out;
		}
		a = agent_new(name, host, ip);
		if (cpus != NULL)
			a->cpus = strtod(cpus, NULL);
		if (mem != NULL)
			a->mem = strtod(mem, NULL);
		if (disk != NULL)
			a->disk = strtod(disk, NULL);
		if (ports != NULL) {
			rset_free(&a->ports);
			if (rset_parse(&a->ports, ports) != 0) {
				snprintf(err, errlen, "%s: agent %s: bad "
				    "ports '%s'", path, name, ports);
				goto out;
			}
		}
		if (attrs != NULL && attrs->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *p = attrs->data.mapping.pairs.start;
			    p < attrs->data.mapping.pairs.top; p++) {
				const char *k = yaml_scalar(&doc,
				    yaml_document_get_node(&doc, p->key));
				const char *v = yaml_scalar(&doc,
				    yaml_document_get_node(&doc, p->value));

				if (k != NULL && v != NULL)
					json_object_set_new(a->attrs, k,
					    json_string(v));
			}
		}
		agent_ready(a);
	}
	rc = 0;
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(fp);
	return rc;
}

static int
agents_setup(const struct sim_opts *o, char *err, size_t errlen)
{
	if (o->agents_file != NULL && o->agents_file[0] != '\0')
		return agents_load_yaml(o->agents_file, err, errlen);
	if (o->agents_count > 0) {
		for (int i = 0; i < o->agents_count; i++) {
			char name[32], ip[32];
			struct agent *a;

			snprintf(name, sizeof(name), "sim-agent-%04d", i + 1);
			snprintf(ip, sizeof(ip), "10.250.%d.%d",
			    (i / 250) % 256, i % 250 + 1);
			a = agent_new(name, NULL, ip);
			agent_text_attrs(a, "slave", "compute");
			agent_ready(a);
		}
		return 0;
	}
	if (o->cfg != NULL) {
		for (size_t i = 0; i < o->cfg->n_nodes; i++) {
			const struct cfg_node *n = &o->cfg->nodes[i];
			struct agent *a = agent_new(n->name, NULL, n->ip);
			bool master = n->type == CFG_NODE_MASTER;

			agent_text_attrs(a, cfg_node_type_name(n->type),
			    master ? "controller" : "compute");
			agent_ready(a);
		}
	}
	return 0;
}

static int
agent_find(const char *name_or_id)
{
	for (size_t i = 0; i < M.n_agents; i++)
		if (strcmp(M.agents[i].name, name_or_id) == 0 ||
		    strcmp(M.agents[i].id, name_or_id) == 0)
			return (int)i;
	return -1;
}

/* The agent can talk to the master right now. */
static bool
agent_connected(const struct agent *a)
{
	return !a->removed && !a->partitioned && !a->unreachable &&
	    !a->recovering && !a->disconnected;
}

/* ---- protobuf builders (malloc'ed trees, freed with free_unpacked) ---- */

#define SM_ID_NEW(fn, T, init)						\
static T *								\
fn(const char *v)							\
{									\
	T *id = sm_alloc(sizeof(*id));					\
									\
	init(id);							\
	id->value = sm_strdup(v);					\
	return id;							\
}
SM_ID_NEW(mk_fwid, Mesos__V1__FrameworkID, mesos__v1__framework_id__init)
SM_ID_NEW(mk_agentid, Mesos__V1__AgentID, mesos__v1__agent_id__init)
SM_ID_NEW(mk_taskid, Mesos__V1__TaskID, mesos__v1__task_id__init)
SM_ID_NEW(mk_offerid, Mesos__V1__OfferID, mesos__v1__offer_id__init)
SM_ID_NEW(mk_execid, Mesos__V1__ExecutorID, mesos__v1__executor_id__init)
SM_ID_NEW(mk_contid, Mesos__V1__ContainerID, mesos__v1__container_id__init)

static Event *
ev_new(Mesos__V1__Scheduler__Event__Type type)
{
	Event *e = sm_alloc(sizeof(*e));

	mesos__v1__scheduler__event__init(e);
	e->has_type = 1;
	e->type = type;
	return e;
}

static Mesos__V1__Resource *
mk_scalar_res(const char *name, double v)
{
	Mesos__V1__Resource *r = sm_alloc(sizeof(*r));

	mesos__v1__resource__init(r);
	r->name = sm_strdup(name);
	r->type = MESOS__V1__VALUE__TYPE__SCALAR;
	r->scalar = sm_alloc(sizeof(*r->scalar));
	mesos__v1__value__scalar__init(r->scalar);
	r->scalar->value = v;
	return r;
}

static Mesos__V1__Resource *
mk_ranges_res(const char *name, const struct rset *s)
{
	Mesos__V1__Resource *r = sm_alloc(sizeof(*r));

	mesos__v1__resource__init(r);
	r->name = sm_strdup(name);
	r->type = MESOS__V1__VALUE__TYPE__RANGES;
	r->ranges = sm_alloc(sizeof(*r->ranges));
	mesos__v1__value__ranges__init(r->ranges);
	r->ranges->n_range = s->n;
	r->ranges->range = sm_alloc(sizeof(*r->ranges->range) * s->n);
	for (size_t i = 0; i < s->n; i++) {
		Mesos__V1__Value__Range *rg = sm_alloc(sizeof(*rg));

		mesos__v1__value__range__init(rg);
		rg->begin = s->r[i][0];
		rg->end = s->r[i][1];
		r->ranges->range[i] = rg;
	}
	return r;
}

/* The master-side view of one status update (ref §2.1, §3.3). */
static TaskStatus *
status_build(const struct task *t, const struct upd *u, bool reconcile)
{
	TaskStatus *s = sm_alloc(sizeof(*s));

	mesos__v1__task_status__init(s);
	s->task_id = mk_taskid(t->id);
	s->state = u->state;
	if (t->agent >= 0)
		s->agent_id = mk_agentid(M.agents[t->agent].id);
	if (t->cid != NULL)
		s->executor_id = mk_execid(t->id);
	s->has_timestamp = 1;
	s->timestamp = u->ts;
	s->has_source = 1;
	s->source = u->source;
	/* Reconciliation replies carry the latest health (ref §3.3). */
	if (reconcile ? t->has_healthy : u->has_healthy) {
		s->has_healthy = 1;
		s->healthy = reconcile ? t->healthy : u->healthy;
	}
	if (reconcile) {
		/* No uuid, data, message or labels; reason RECONCILIATION. */
		s->source = MESOS__V1__TASK_STATUS__SOURCE__SOURCE_MASTER;
		s->has_reason = 1;
		s->reason = MESOS__V1__TASK_STATUS__REASON__REASON_RECONCILIATION;
	} else {
		if (u->reason >= 0) {
			s->has_reason = 1;
			s->reason = u->reason;
		}
		if (u->message != NULL)
			s->message = sm_strdup(u->message);
		if (u->has_uuid) {
			s->has_uuid = 1;
			s->uuid.len = 16;
			s->uuid.data = sm_alloc(16);
			memcpy(s->uuid.data, u->uuid, 16);
		}
		if (u->with_data && t->data != NULL) {
			s->has_data = 1;
			s->data.len = strlen(t->data);
			s->data.data = (uint8_t *)sm_strdup(t->data);
		}
	}
	if (t->unreachable && t->unreachable_ns != 0) {
		s->unreachable_time = sm_alloc(sizeof(*s->unreachable_time));
		mesos__v1__time_info__init(s->unreachable_time);
		s->unreachable_time->nanoseconds = t->unreachable_ns;
	}
	if (t->ip != NULL && (u->state == MESOS__V1__TASK_STATE__TASK_RUNNING ||
	    u->state == MESOS__V1__TASK_STATE__TASK_KILLING || reconcile ||
	    u->with_data)) {
		Mesos__V1__ContainerStatus *cs = sm_alloc(sizeof(*cs));
		Mesos__V1__NetworkInfo *ni = sm_alloc(sizeof(*ni));
		Mesos__V1__NetworkInfo__IPAddress *ip = sm_alloc(sizeof(*ip));

		mesos__v1__container_status__init(cs);
		mesos__v1__network_info__init(ni);
		mesos__v1__network_info__ipaddress__init(ip);
		ip->ip_address = sm_strdup(t->ip);
		ni->n_ip_addresses = 1;
		ni->ip_addresses = sm_alloc(sizeof(*ni->ip_addresses));
		ni->ip_addresses[0] = ip;
		if (t->net != NULL && t->net[0] != '\0')
			ni->name = sm_strdup(t->net);
		cs->n_network_infos = 1;
		cs->network_infos = sm_alloc(sizeof(*cs->network_infos));
		cs->network_infos[0] = ni;
		cs->container_id = mk_contid(t->cid);
		s->container_status = cs;
	}
	return s;
}

/* ---- streams ----------------------------------------------------------- */

static void
stream_unref(struct stream *s)
{
	if (--s->refs > 0)
		return;
	free(s->buf);
	free(s);
}

static void
stream_append(struct stream *s, const void *data, size_t len)
{
	if (s->len + len > s->cap) {
		size_t ncap = (s->len + len) * 2 + 256;

		if ((s->buf = realloc(s->buf, ncap)) == NULL)
			abort();
		s->cap = ncap;
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
}

/* Wake the stream readers (caller holds M.mu); see M.in_request. */
static void
readers_wake(void)
{
	if (M.in_request)
		M.readers_due = true;
	else
		pthread_cond_broadcast(&M.cv);
}

/* Frame one event on stream s (caller holds M.mu); frees e. */
static void
emit_stream(struct stream *s, Event *e)
{
	char hdr[RECORDIO_HDR_MAX];
	uint8_t *body;
	size_t len;

	if (s == NULL || s->closed || s->dead) {
		protobuf_c_message_free_unpacked(&e->base, NULL);
		return;
	}
	if (s->json) {
		json_t *j = pb_to_json(&e->base);

		body = (uint8_t *)json_dumps(j, JSON_COMPACT);
		len = strlen((char *)body);
		json_decref(j);
	} else {
		len = protobuf_c_message_get_packed_size(&e->base);
		body = sm_alloc(len);
		protobuf_c_message_pack(&e->base, body);
	}
	protobuf_c_message_free_unpacked(&e->base, NULL);
	stream_append(s, hdr, recordio_header(hdr, len));
	stream_append(s, body, len);
	free(body);
	if (s->nrec++ == 0)
		s->pack_since = now_ms();
	readers_wake();
}

/* Frame one event on fw's stream, if it has one. */
static void
emit(struct framework *fw, Event *e)
{
	emit_stream(fw != NULL ? fw->stream : NULL, e);
}

/* End the stream from the master's side. */
static void
stream_close(struct stream *s)
{
	s->closed = true;
	readers_wake();
}

static bool
peer_closed(int fd)
{
	char c;
	ssize_t n;

	if (fd < 0)
		return false;
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0)
		return true;
	return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR;
}

/*
 * libmicrohttpd's content reader for a SUBSCRIBE response: each return
 * is one HTTP chunk.  "none" sends what is queued, "split" at most 1-7
 * bytes per chunk (records cut anywhere), "pack" waits until three
 * records or 50 ms have piled up and sends them in one chunk.
 */
static ssize_t
stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	ssize_t ret;

	(void)pos;
	pthread_mutex_lock(&M.mu);
	for (;;) {
		size_t avail = s->len - s->off;

		if (M.stopping || s->dead) {
			ret = MHD_CONTENT_READER_END_WITH_ERROR;
			break;
		}
		if (avail > 0 && !M.muted && (M.split != SPLIT_PACK ||
		    s->closed || s->nrec >= 3 ||
		    now_ms() - s->pack_since >= 50)) {
			size_t n = avail < max ? avail : max;

			if (M.split == SPLIT_SPLIT) {
				size_t k = (size_t)(rng_next() % 7) + 1;

				if (n > k)
					n = k;
			}
			memcpy(buf, s->buf + s->off, n);
			s->off += n;
			if (s->off == s->len) {
				s->off = s->len = 0;
				s->nrec = 0;
			}
			ret = (ssize_t)n;
			break;
		}
		if (s->closed) {
			ret = MHD_CONTENT_READER_END_OF_STREAM;
			break;
		}
		{
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 20 * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&M.cv, &M.mu, &ts);
		}
		if (peer_closed(s->fd)) {
			ret = MHD_CONTENT_READER_END_WITH_ERROR;
			break;
		}
	}
	pthread_mutex_unlock(&M.mu);
	return ret;
}

static void fw_disconnected(struct framework *fw);

/* The response is gone (sent to the end, or the client went away). */
static void
stream_free(void *cls)
{
	struct stream *s = cls;

	pthread_mutex_lock(&M.mu);
	s->dead = true;
	for (struct framework *fw = M.fws; fw != NULL; fw = fw->next) {
		if (fw->stream == s) {
			fw->stream = NULL;
			stream_unref(s);
			fw_disconnected(fw);
			break;
		}
	}
	stream_unref(s);
	readers_wake();
	pthread_mutex_unlock(&M.mu);
}

/* ---- frameworks, offers, tasks ---------------------------------------- */

static bool
state_terminal(int st)
{
	switch (st) {
	case MESOS__V1__TASK_STATE__TASK_FINISHED:
	case MESOS__V1__TASK_STATE__TASK_FAILED:
	case MESOS__V1__TASK_STATE__TASK_KILLED:
	case MESOS__V1__TASK_STATE__TASK_LOST:
	case MESOS__V1__TASK_STATE__TASK_ERROR:
	case MESOS__V1__TASK_STATE__TASK_DROPPED:
	case MESOS__V1__TASK_STATE__TASK_GONE:
	case MESOS__V1__TASK_STATE__TASK_GONE_BY_OPERATOR:
		return true;
	}
	return false;
}

static const char *
state_name(int st)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
	    &mesos__v1__task_state__descriptor, st);

	return v != NULL ? v->name : "TASK_UNKNOWN";
}

static struct framework *
fw_find(const char *id)
{
	for (struct framework *fw = M.fws; fw != NULL; fw = fw->next)
		if (strcmp(fw->id, id) == 0)
			return fw;
	return NULL;
}

static bool
fw_was_removed(const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach(M.removed_fws, i, v)
		if (strcmp(json_string_value(v), id) == 0)
			return true;
	return false;
}

static struct task *
task_find(const char *fw_id, const char *id)
{
	for (struct task *t = M.tasks; t != NULL; t = t->next)
		if (strcmp(t->id, id) == 0 && strcmp(t->fw_id, fw_id) == 0)
			return t;
	return NULL;
}

static void
offer_free(struct offer *o, bool give_back)
{
	if (give_back && o->agent >= 0 && (size_t)o->agent < M.n_agents) {
		struct agent *a = &M.agents[o->agent];

		a->fcpus += o->cpus;
		a->fmem += o->mem;
		a->fdisk += o->disk;
		rset_add_set(&a->fports, &o->ports);
	}
	rset_free(&o->ports);
	free(o->id);
	free(o->fw_id);
	free(o->role);
	free(o);
}

/* RESCIND an (unlinked) offer and give its resources back. */
static void
offer_rescind(struct offer *o)
{
	Event *e = ev_new(MESOS__V1__SCHEDULER__EVENT__TYPE__RESCIND);

	e->rescind = sm_alloc(sizeof(*e->rescind));
	mesos__v1__scheduler__event__rescind__init(e->rescind);
	e->rescind->offer_id = mk_offerid(o->id);
	emit(fw_find(o->fw_id), e);
	offer_free(o, true);
}

/* Recover (no RESCIND) or rescind the offers of fw and/or agent. */
static void
offers_drop(const char *fw_id, int agent, bool rescind)
{
	struct offer **pp = &M.offers, *o;

	while ((o = *pp) != NULL) {
		if ((fw_id != NULL && strcmp(o->fw_id, fw_id) != 0) ||
		    (agent >= 0 && o->agent != agent)) {
			pp = &o->next;
			continue;
		}
		*pp = o->next;
		if (rescind)
			offer_rescind(o);
		else
			offer_free(o, true);
	}
}

/* --offer-timeout (ref §5.3 item 7): RESCIND, no filter. */
static void
offers_expire(int64_t now)
{
	struct offer **pp = &M.offers, *o;

	if (M.offer_timeout_ms <= 0)
		return;
	while ((o = *pp) != NULL) {
		if (o->sent && now >= o->created + M.offer_timeout_ms) {
			*pp = o->next;
			offer_rescind(o);
			continue;
		}
		pp = &o->next;
	}
}

static void
upd_free(struct upd *u)
{
	free(u->message);
	free(u);
}

static void
task_free(struct task *t)
{
	struct upd *u, *n;

	for (u = t->qh; u != NULL; u = n) {
		n = u->next;
		upd_free(u);
	}
	rset_free(&t->ports);
	free(t->id);
	free(t->name);
	free(t->fw_id);
	free(t->cid);
	free(t->ip);
	free(t->net);
	free(t->data);
	free(t->role);
	json_decref(t->statuses);
	json_decref(t->container);
	json_decref(t->discovery);
	free(t);
}

/* Unlink t, give its resources back to the agent, free it. */
static void
task_remove(struct task *t)
{
	struct task **pp;

	for (pp = &M.tasks; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	if (t->agent >= 0) {
		struct agent *a = &M.agents[t->agent];

		a->fcpus += t->cpus;
		a->fmem += t->mem;
		a->fdisk += t->disk;
		rset_add_set(&a->fports, &t->ports);
	}
	task_free(t);
}

/* The /tasks entry of a task (ref §5.3 item 13). */
static json_t *
task_api_json(const struct task *t)
{
	const struct agent *a = t->agent >= 0 ? &M.agents[t->agent] : NULL;
	json_t *j, *res;

	res = json_pack("{s:f, s:f, s:f, s:f}", "cpus", t->cpus, "mem",
	    t->mem, "disk", t->disk, "gpus", 0.0);
	if (t->ports.n > 0) {
		char *p = rset_str(&t->ports);

		json_object_set_new(res, "ports", json_string(p));
		free(p);
	}
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s}",
	    "id", t->id, "name", t->name != NULL ? t->name : "",
	    "framework_id", t->fw_id, "executor_id", "",
	    "slave_id", a != NULL ? a->id : "", "state", state_name(t->state),
	    "resources", res, "role", t->role != NULL ? t->role : "*");
	json_object_set_new(j, "statuses", t->statuses != NULL ?
	    json_deep_copy(t->statuses) : json_array());
	if (t->container != NULL)
		json_object_set(j, "container", t->container);
	if (t->discovery != NULL)
		json_object_set(j, "discovery", t->discovery);
	return j;
}

/*
 * The master forgets a task (terminal and acknowledged, or lost with
 * its agent): /tasks keeps showing it among the last 1000 completed.
 */
static void
task_complete(struct task *t)
{
	if (t->known) {
		if (json_array_size(M.completed) >= 1000)
			json_array_remove(M.completed, 0);
		json_array_append_new(M.completed, task_api_json(t));
	}
	task_remove(t);
}

/*
 * An agent-originated update: it gets a fresh 16-byte uuid and joins
 * the task's FIFO; only the head is ever forwarded (ref §2.1).
 */
static struct upd *
upd_push(struct task *t, int state, int reason, int source,
    const char *message, bool with_data)
{
	struct upd *u = sm_alloc(sizeof(*u));

	u->state = state;
	u->reason = reason;
	u->source = source;
	u->message = sm_strdup(message);
	u->has_uuid = true;
	rng_bytes(u->uuid, sizeof(u->uuid));
	u->with_data = with_data;
	u->ts = wall_now();
	if (t->qt != NULL)
		t->qt->next = u;
	else
		t->qh = u;
	t->qt = u;
	t->state = state;
	return u;
}

/*
 * The status history the master keeps per task (the /tasks endpoint's
 * "statuses", ref §5.3 item 13): no data, no message.
 */
static void
task_note_status(struct task *t, const struct upd *u)
{
	json_t *j;

	if (t->statuses == NULL)
		t->statuses = json_array();
	j = json_pack("{s:s, s:f}", "state", state_name(u->state),
	    "timestamp", u->ts);
	if (u->has_healthy) {
		json_object_set_new(j, "healthy", json_boolean(u->healthy));
		/* Reconciliation answers with the latest one (ref §3.3). */
		t->has_healthy = true;
		t->healthy = u->healthy;
	}
	if (t->ip != NULL && t->cid != NULL &&
	    (u->state == MESOS__V1__TASK_STATE__TASK_RUNNING ||
	    u->state == MESOS__V1__TASK_STATE__TASK_KILLING || u->with_data)) {
		json_t *ni = json_pack("{s:[{s:s}]}", "ip_addresses",
		    "ip_address", t->ip);

		if (t->net != NULL && t->net[0] != '\0')
			json_object_set_new(ni, "name", json_string(t->net));
		json_object_set_new(j, "container_status", json_pack(
		    "{s:{s:s}, s:[o]}", "container_id", "value", t->cid,
		    "network_infos", ni));
	}
	json_array_append_new(t->statuses, j);
}

/*
 * A master-generated update (reconciliation, invalid offers, TASK_ERROR,
 * agent removal): sent once, never retried, no uuid (ref §2.1).
 */
static void
master_update(struct framework *fw, struct task *t, int state,
    int reason, const char *message, bool reconcile)
{
	struct upd u;
	Event *e;

	memset(&u, 0, sizeof(u));
	u.state = state;
	u.reason = reason;
	u.source = MESOS__V1__TASK_STATUS__SOURCE__SOURCE_MASTER;
	u.message = (char *)(uintptr_t)message;
	u.ts = wall_now();
	/* The master records what it generates for a task it knows. */
	if (!reconcile && t->fw_id != NULL)
		task_note_status(t, &u);
	if (fw == NULL || fw->stream == NULL)
		return;
	e = ev_new(MESOS__V1__SCHEDULER__EVENT__TYPE__UPDATE);
	e->update = sm_alloc(sizeof(*e->update));
	mesos__v1__scheduler__event__update__init(e->update);
	e->update->status = status_build(t, &u, reconcile);
	emit(fw, e);
}

/* Same, for a task the master has no record of. */
static void
master_update_id(struct framework *fw, const char *task_id, int agent,
    int state, int reason, const char *message)
{
	struct task tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.id = (char *)(uintptr_t)task_id;
	tmp.agent = agent;
	master_update(fw, &tmp, state, reason, message, false);
}

/* Forward the head of t's FIFO if it is due (caller holds M.mu). */
static void
task_pump(struct task *t, int64_t now)
{
	struct framework *fw;
	Event *e;

	if (t->qh == NULL || !t->known || t->agent < 0 ||
	    !agent_connected(&M.agents[t->agent]))
		return;
	fw = fw_find(t->fw_id);
	if (fw == NULL || fw->stream == NULL || !fw->connected)
		return;
	if (t->head_sent && now < t->next_send)
		return;
	e = ev_new(MESOS__V1__SCHEDULER__EVENT__TYPE__UPDATE);
	e->update = sm_alloc(sizeof(*e->update));
	mesos__v1__scheduler__event__update__init(e->update);
	e->update->status = status_build(t, t->qh, false);
	emit(fw, e);
	if (!t->head_sent && !t->qh->noted) {
		task_note_status(t, t->qh);
		t->qh->noted = true;
	}
	if (!t->head_sent)
		t->backoff = M.ack_retry_ms;
	else if ((t->backoff *= 2) > SM_ACK_RETRY_MAX_MS)
		t->backoff = SM_ACK_RETRY_MAX_MS;
	t->head_sent = true;
	t->next_send = now + t->backoff;
}

static void
fw_free(struct framework *fw)
{
	free(fw->id);
	free(fw->name);
	free(fw->user);
	free(fw->role);
	free(fw->principal);
	json_decref(fw->caps);
	json_decref(fw->roles);
	json_decref(fw->supp);
	free(fw->filt);
	free(fw);
}

/*
 * Remove a framework: its tasks are killed (they vanish with it), its
 * offers recovered, its stream closed; a later SUBSCRIBE with its id
 * gets ERROR "Framework has been removed" (ref §1.8).
 */
static void
fw_remove(struct framework *fw)
{
	struct framework **pp;
	struct task *t, *next;

	for (t = M.tasks; t != NULL; t = next) {
		next = t->next;
		if (strcmp(t->fw_id, fw->id) == 0)
			task_remove(t);
	}
	offers_drop(fw->id, -1, false);
	if (fw->stream != NULL) {
		stream_close(fw->stream);
		stream_unref(fw->stream);
		fw->stream = NULL;
	}
	json_array_append_new(M.removed_fws, json_string(fw->id));
	for (pp = &M.fws; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == fw) {
			*pp = fw->next;
			break;
		}
	}
	fw_free(fw);
}

static void fw_clear_filters(struct framework *fw, int r);
static void timer_kick(void);

/*
 * The subscription connection broke: deactivate, recover the offers
 * (no RESCIND), start the failover timer; 0 removes at once (ref §1.8).
 */
static void
fw_disconnected(struct framework *fw)
{
	fw->connected = false;
	fw->active = false;
	offers_drop(fw->id, -1, false);
	fw_clear_filters(fw, -1);	/* deactivation drops them */
	if (fw->failover_timeout <= 0) {
		fw_remove(fw);
		return;
	}
	fw->failover_at = now_ms() + (int64_t)(fw->failover_timeout * 1000);
}

/* Index of role in fw's roles, or -1. */
static int
fw_role_index(const struct framework *fw, const char *role)
{
	size_t i;
	json_t *v;

	json_array_foreach(fw->roles, i, v)
		if (strcmp(json_string_value(v), role) == 0)
			return (int)i;
	return -1;
}

static bool
fw_role_suppressed(const struct framework *fw, const char *role)
{
	size_t i;
	json_t *v;

	json_array_foreach(fw->supp, i, v)
		if (strcmp(json_string_value(v), role) == 0)
			return true;
	return false;
}

/* Every role suppressed (the old single "suppressed" flag). */
static bool
fw_all_suppressed(const struct framework *fw)
{
	size_t i;
	json_t *v;

	if (json_array_size(fw->roles) == 0)
		return false;
	json_array_foreach(fw->roles, i, v)
		if (!fw_role_suppressed(fw, json_string_value(v)))
			return false;
	return true;
}

static bool
fw_filtered(const struct framework *fw, int agent, int r, int64_t now)
{
	size_t k = (size_t)agent * json_array_size(fw->roles) + (size_t)r;

	return k < fw->nfilt && fw->filt[k] > now;
}

static void
fw_add_filter(struct framework *fw, int agent, const char *role,
    double refuse_s)
{
	size_t nr = json_array_size(fw->roles), k, n;
	int r = role != NULL ? fw_role_index(fw, role) : -1;

	if (!(refuse_s > 0) || r < 0)
		return;
	if (refuse_s > SM_REFUSE_MAX_S)
		refuse_s = SM_REFUSE_MAX_S;
	k = (size_t)agent * nr + (size_t)r;
	if (k >= fw->nfilt) {
		n = (M.n_agents > (size_t)agent ? M.n_agents :
		    (size_t)agent + 1) * nr;
		fw->filt = realloc(fw->filt, n * sizeof(*fw->filt));
		if (fw->filt == NULL)
			abort();
		memset(fw->filt + fw->nfilt, 0,
		    (n - fw->nfilt) * sizeof(*fw->filt));
		fw->nfilt = n;
	}
	fw->filt[k] = now_ms() + (int64_t)(refuse_s * 1000);
}

/* Drop the filters of role index r (-1: all of them). */
static void
fw_clear_filters(struct framework *fw, int r)
{
	size_t nr = json_array_size(fw->roles);

	if (r < 0 || nr == 0) {
		free(fw->filt);
		fw->filt = NULL;
		fw->nfilt = 0;
		return;
	}
	for (size_t k = (size_t)r; k < fw->nfilt; k += nr)
		fw->filt[k] = 0;
}

/*
 * The role fw gets an offer for agent in: the next of its roles, round
 * robin, neither suppressed nor filtering the agent; NULL if none.
 */
static const char *
fw_pick_role(struct framework *fw, int agent, int64_t now)
{
	size_t nr = json_array_size(fw->roles);

	for (size_t j = 0; j < nr; j++) {
		size_t r = (fw->role_rr + j) % nr;
		const char *role = json_string_value(json_array_get(fw->roles,
		    r));

		if (fw_role_suppressed(fw, role) ||
		    fw_filtered(fw, agent, (int)r, now))
			continue;
		fw->role_rr = (unsigned)(r + 1);
		return role;
	}
	return NULL;
}

static Mesos__V1__Offer *
offer_build(const struct offer *o, const struct framework *fw)
{
	const struct agent *a = &M.agents[o->agent];
	Mesos__V1__Offer *po = sm_alloc(sizeof(*po));
	size_t n = 0, na;
	const char *k;
	json_t *v;

	mesos__v1__offer__init(po);
	po->id = mk_offerid(o->id);
	po->framework_id = mk_fwid(fw->id);
	po->agent_id = mk_agentid(a->id);
	po->hostname = sm_strdup(a->hostname);
	po->url = sm_alloc(sizeof(*po->url));
	mesos__v1__url__init(po->url);
	po->url->scheme = sm_strdup("http");
	po->url->address = sm_alloc(sizeof(*po->url->address));
	mesos__v1__address__init(po->url->address);
	po->url->address->hostname = sm_strdup(a->hostname);
	po->url->address->ip = sm_strdup(a->ip);
	po->url->address->port = 5051;
	po->url->path = sm_strdup("/slave(1)");
	po->resources = sm_alloc(sizeof(*po->resources) * 4);
	po->resources[n++] = mk_scalar_res("cpus", o->cpus);
	po->resources[n++] = mk_scalar_res("mem", o->mem);
	po->resources[n++] = mk_scalar_res("disk", o->disk);
	if (o->ports.n > 0)
		po->resources[n++] = mk_ranges_res("ports", &o->ports);
	po->n_resources = n;
	/*
	 * Without RESERVATION_REFINEMENT the master sends resources in the
	 * old format: unreserved ones carry role "*".
	 */
	if (!fw->cap_refinement)
		for (size_t i = 0; i < n; i++)
			po->resources[i]->role = sm_strdup("*");
	if (fw->cap_multi_role) {
		for (size_t i = 0; i < n; i++) {
			Mesos__V1__Resource__AllocationInfo *ai =
			    sm_alloc(sizeof(*ai));

			mesos__v1__resource__allocation_info__init(ai);
			ai->role = sm_strdup(o->role);
			po->resources[i]->allocation_info = ai;
		}
		po->allocation_info = sm_alloc(sizeof(*po->allocation_info));
		mesos__v1__resource__allocation_info__init(
		    po->allocation_info);
		po->allocation_info->role = sm_strdup(o->role);
	}
	na = json_object_size(a->attrs);
	po->attributes = sm_alloc(sizeof(*po->attributes) * (na + 1));
	json_object_foreach(a->attrs, k, v) {
		Mesos__V1__Attribute *at = sm_alloc(sizeof(*at));

		mesos__v1__attribute__init(at);
		at->name = sm_strdup(k);
		at->type = MESOS__V1__VALUE__TYPE__TEXT;
		at->text = sm_alloc(sizeof(*at->text));
		mesos__v1__value__text__init(at->text);
		at->text->value = sm_strdup(json_string_value(v));
		po->attributes[po->n_attributes++] = at;
	}
	return po;
}

/*
 * One allocation cycle: every connected agent's unallocated resources
 * go, whole, to the first eligible framework (active, with a role that
 * is neither suppressed nor filtering the agent), round robin; one
 * OFFERS event per framework per cycle.
 */
static void
allocate(int64_t now)
{
	static unsigned rr;
	size_t nfw = 0;
	struct framework *fw;

	for (fw = M.fws; fw != NULL; fw = fw->next)
		nfw++;
	if (nfw == 0)
		return;
	for (size_t i = 0; i < M.n_agents; i++) {
		struct agent *a = &M.agents[i];

		if (!agent_connected(a))
			continue;
		if (a->fcpus < 0.01 && a->fmem < 32)
			continue;
		for (size_t k = 0; k < nfw; k++) {
			size_t pick = (rr + k) % nfw, j = 0;
			const char *role;
			struct offer *o;

			for (fw = M.fws; fw != NULL && j < pick; fw = fw->next)
				j++;
			if (fw == NULL || !fw->active || !fw->connected ||
			    fw->stream == NULL ||
			    (role = fw_pick_role(fw, (int)i, now)) == NULL)
				continue;
			o = sm_alloc(sizeof(*o));
			o->id = sm_printf("%s-O%u", M.master_id, M.offer_seq++);
			o->fw_id = sm_strdup(fw->id);
			o->role = sm_strdup(role);
			o->created = now;
			o->agent = (int)i;
			o->cpus = a->fcpus;
			o->mem = a->fmem;
			o->disk = a->fdisk;
			o->ports = a->fports;
			a->fcpus = a->fmem = a->fdisk = 0;
			a->fports.r = NULL;
			a->fports.n = 0;
			o->next = M.offers;
			M.offers = o;
			rr++;
			break;
		}
	}
	for (fw = M.fws; fw != NULL; fw = fw->next) {
		Event *e = NULL;

		for (struct offer *o = M.offers; o != NULL; o = o->next) {
			Mesos__V1__Scheduler__Event__Offers *eo;

			if (strcmp(o->fw_id, fw->id) != 0 || o->sent)
				continue;
			if (e == NULL) {
				e = ev_new(
				    MESOS__V1__SCHEDULER__EVENT__TYPE__OFFERS);
				e->offers = sm_alloc(sizeof(*e->offers));
				mesos__v1__scheduler__event__offers__init(
				    e->offers);
			}
			eo = e->offers;
			eo->offers = realloc(eo->offers,
			    sizeof(*eo->offers) * (eo->n_offers + 1));
			if (eo->offers == NULL)
				abort();
			eo->offers[eo->n_offers++] = offer_build(o, fw);
			o->sent = true;
		}
		if (e != NULL)
			emit(fw, e);
	}
}

/* ---- task emulation ---------------------------------------------------- */

/* ID rules of the master's validation (ref §2.1 LAUNCH). */
static bool
id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 255 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static char *
alloc_user_ip(void)
{
	for (;;) {
		uint32_t x = M.ip_next++ & 0xffff;

		if ((x & 0xff) == 0 || (x & 0xff) == 255)
			continue;
		return sm_printf("192.168.%u.%u", x >> 8, x & 0xff);
	}
}

/*
 * Docker containerizer emulation (ref §3.5): the container's IP is the
 * agent's for HOST (and NONE: the agent inserts its own address when
 * the inspect output has none), 172.17.x.y for BRIDGE, and an address
 * from 192.168.0.0/16 for a USER network (named by the task's
 * ContainerInfo.network_infos[0]).  data is a docker-inspect-like JSON
 * array.  Returns an error message for TASK_ERROR, or NULL.
 */
static const char *
task_container(struct task *t, const Mesos__V1__TaskInfo *ti,
    const struct agent *a)
{
	const Mesos__V1__ContainerInfo *ci = ti->container;
	char cid[40], id64[65];
	const char *mode = "host", *hostname = a->hostname;
	json_t *j, *nets, *net;
	uint8_t rb[32];

	rng_uuid_str(cid);
	t->cid = sm_strdup(cid);
	t->net = sm_strdup("");
	if (ci == NULL || ci->type != MESOS__V1__CONTAINER_INFO__TYPE__DOCKER ||
	    ci->docker == NULL) {
		t->ip = sm_strdup(a->ip);
		return NULL;
	}
	switch (ci->docker->has_network ? ci->docker->network :
	    MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__HOST) {
	case MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__USER:
		if (ci->n_network_infos != 1 ||
		    ci->network_infos[0]->name == NULL)
			return "Expecting exactly one NetworkInfo with a name "
			    "for a USER network";
		mode = ci->network_infos[0]->name;
		free(t->net);
		t->net = sm_strdup(mode);
		t->ip = alloc_user_ip();
		break;
	case MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__BRIDGE:
		mode = "bridge";
		t->ip = sm_printf("172.17.%u.%u",
		    (unsigned)(rng_next() % 255), (unsigned)(rng_next() % 253) + 2);
		break;
	case MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__NONE:
		mode = "none";
		t->ip = sm_strdup(a->ip);
		break;
	default:
		if (ci->hostname != NULL)
			return "Docker container hostname is not allowed with "
			    "HOST networking";
		t->ip = sm_strdup(a->ip);
		break;
	}
	rng_bytes(rb, sizeof(rb));
	for (size_t i = 0; i < sizeof(rb); i++)
		snprintf(id64 + 2 * i, 3, "%02x", rb[i]);
	if (strcmp(mode, "host") != 0)
		hostname = ci->hostname != NULL ? ci->hostname : NULL;
	net = json_pack("{s:s, s:s, s:s}", "IPAddress",
	    strcmp(mode, "host") == 0 || strcmp(mode, "none") == 0 ? "" :
	    t->ip, "GlobalIPv6Address", "", "NetworkID", cid);
	nets = json_object();
	json_object_set_new(nets, mode, net);
	j = json_pack("[{s:s, s:s, s:{s:b, s:i}, s:{s:s%, s:s, s:s}, "
	    "s:{s:s}, s:{s:s, s:o}}]",
	    "Id", id64,
	    "Name", t->name,
	    "State", "Running", 1, "Pid", (int)(rng_next() % 30000) + 1000,
	    "Config", "Hostname", hostname != NULL ? hostname : id64,
	    hostname != NULL ? strlen(hostname) : (size_t)12,
	    "Image", ci->docker->image, "Domainname", "",
	    "HostConfig", "NetworkMode", mode,
	    "NetworkSettings", "IPAddress",
	    strcmp(mode, "bridge") == 0 ? t->ip : "", "Networks", nets);
	if (j != NULL) {
		t->data = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
	return NULL;
}

/* Resource sums of a TaskInfo; -1 with msg if a resource is malformed. */
static int
task_resources(const Mesos__V1__TaskInfo *ti, double *cpus, double *mem,
    double *disk, struct rset *ports, const char **msg)
{
	*cpus = *mem = *disk = 0;
	for (size_t i = 0; i < ti->n_resources; i++) {
		const Mesos__V1__Resource *r = ti->resources[i];

		if (r->type == MESOS__V1__VALUE__TYPE__SCALAR) {
			double v;

			if (r->scalar == NULL || !(r->scalar->value >= 0)) {
				*msg = "Invalid scalar resource";
				return -1;
			}
			v = r->scalar->value;
			if (strcmp(r->name, "cpus") == 0)
				*cpus += v;
			else if (strcmp(r->name, "mem") == 0)
				*mem += v;
			else if (strcmp(r->name, "disk") == 0)
				*disk += v;
		} else if (r->type == MESOS__V1__VALUE__TYPE__RANGES &&
		    strcmp(r->name, "ports") == 0 && r->ranges != NULL) {
			for (size_t k = 0; k < r->ranges->n_range; k++) {
				uint64_t b = r->ranges->range[k]->begin;
				uint64_t e = r->ranges->range[k]->end;

				if (b > e) {
					*msg = "Invalid ports range";
					return -1;
				}
				if (rset_contains(ports, b, b) ||
				    rset_contains(ports, e, e)) {
					*msg = "Duplicate ports in the task";
					return -1;
				}
				rset_add(ports, b, e);
			}
		}
	}
	return 0;
}

/*
 * One LAUNCH task against the pool of the accepted offers (ref §2.1,
 * §5.3 item 8): TASK_ERROR for an invalid task, else the task starts
 * (STARTING now, RUNNING after the start delay).
 */
static void
launch_task(struct framework *fw, const Mesos__V1__TaskInfo *ti, int agent,
    const char *role, double *pcpus, double *pmem, double *pdisk,
    struct rset *pports)
{
	const struct agent *a = &M.agents[agent];
	const char *msg = NULL;
	double cpus, mem, disk;
	struct rset ports = { NULL, 0 };
	struct task *t;

	if ((ti->command != NULL) == (ti->executor != NULL))
		msg = "Task should have at least one (but not both) of "
		    "CommandInfo or ExecutorInfo present";
	else if (!id_valid(ti->task_id->value))
		msg = "TaskID contains invalid characters or is too long";
	else if ((t = task_find(fw->id, ti->task_id->value)) != NULL &&
	    !state_terminal(t->state))
		msg = "Task has duplicate ID";
	else if (strcmp(ti->agent_id->value, a->id) != 0)
		msg = "Task uses invalid agent";
	else if (task_resources(ti, &cpus, &mem, &disk, &ports, &msg) != 0) {
		/* msg is set */
	} else if (cpus > *pcpus + 1e-9 || mem > *pmem + 1e-9 ||
	    disk > *pdisk + 1e-9)
		msg = "Task uses more resources than available in the offers";
	else {
		for (size_t i = 0; i < ports.n; i++)
			if (!rset_contains(pports, ports.r[i][0],
			    ports.r[i][1]))
				msg = "Task uses ports not in the offers";
	}
	if (msg != NULL) {
		rset_free(&ports);
		master_update_id(fw, ti->task_id->value, agent,
		    MESOS__V1__TASK_STATE__TASK_ERROR,
		    MESOS__V1__TASK_STATUS__REASON__REASON_TASK_INVALID, msg);
		return;
	}
	/* A terminal task with the same id is forgotten. */
	if ((t = task_find(fw->id, ti->task_id->value)) != NULL)
		task_remove(t);
	t = sm_alloc(sizeof(*t));
	t->id = sm_strdup(ti->task_id->value);
	t->name = sm_strdup(ti->name);
	t->fw_id = sm_strdup(fw->id);
	t->agent = -1;		/* resources come from the pool, not free */
	t->known = true;
	t->role = sm_strdup(role);
	t->checkpoint = fw->checkpoint;
	if (ti->container != NULL)
		t->container = pb_to_json(&ti->container->base);
	if (ti->discovery != NULL)
		t->discovery = pb_to_json(&ti->discovery->base);
	t->cpus = cpus;
	t->mem = mem;
	t->disk = disk;
	t->ports = ports;
	if ((msg = task_container(t, ti, a)) != NULL) {
		rset_free(&t->ports);
		t->ports.n = 0;
		task_free(t);
		master_update_id(fw, ti->task_id->value, agent,
		    MESOS__V1__TASK_STATE__TASK_ERROR,
		    MESOS__V1__TASK_STATUS__REASON__REASON_TASK_INVALID, msg);
		return;
	}
	*pcpus -= cpus;
	*pmem -= mem;
	*pdisk -= disk;
	for (size_t i = 0; i < ports.n; i++)
		rset_sub(pports, ports.r[i][0], ports.r[i][1]);
	t->agent = agent;
	t->state = MESOS__V1__TASK_STATE__TASK_STAGING;
	t->next = M.tasks;
	M.tasks = t;
	upd_push(t, MESOS__V1__TASK_STATE__TASK_STARTING, -1,
	    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR, NULL, false);
	task_pump(t, now_ms());		/* the agent forwards it at once */
	t->run_at = now_ms() + M.start_delay_ms;
	if (t->run_at == 0)
		t->run_at = 1;
	if (M.start_delay_ms == 0)
		timer_kick();
}

static struct offer *
offer_lookup(const char *id)
{
	for (struct offer *o = M.offers; o != NULL; o = o->next)
		if (strcmp(o->id, id) == 0)
			return o;
	return NULL;
}

static void
do_accept(struct framework *fw, Mesos__V1__OfferID **ids, size_t n_ids,
    Mesos__V1__Offer__Operation **ops, size_t n_ops,
    const Mesos__V1__Filters *filters)
{
	const char *bad = NULL, *role = NULL;
	char *arole;
	struct offer *offs[64], *o;
	size_t n = 0, i, k;
	int agent = -1, first = -1;
	double cpus = 0, mem = 0, disk = 0;
	struct rset ports = { NULL, 0 };
	char msg[1024];

	/*
	 * The master's validators, each over all the offers in turn
	 * (ref §2.1 ACCEPT, §5.3 item 8): unique ids, every offer still
	 * valid, every offer this framework's, one allocation role (one of
	 * the framework's), one agent.
	 */
	if (n_ids == 0)
		bad = "No offers specified";
	else if (n_ids > sizeof(offs) / sizeof(offs[0]))
		bad = "Too many offers";
	for (i = 0; bad == NULL && i < n_ids; i++)
		for (k = 0; bad == NULL && k < i; k++)
			if (strcmp(ids[i]->value, ids[k]->value) == 0) {
				snprintf(msg, sizeof(msg), "Duplicate offer %s",
				    ids[i]->value);
				bad = msg;
			}
	for (i = 0; i < n_ids && i < sizeof(offs) / sizeof(offs[0]); i++)
		offs[n++] = offer_lookup(ids[i]->value);
	for (i = 0; bad == NULL && i < n; i++)
		if (offs[i] == NULL) {
			snprintf(msg, sizeof(msg), "Offer %s is no longer "
			    "valid", ids[i]->value);
			bad = msg;
		}
	for (i = 0; bad == NULL && i < n; i++)
		if (strcmp(offs[i]->fw_id, fw->id) != 0) {
			snprintf(msg, sizeof(msg), "Offer %s has invalid "
			    "framework %s while framework %s is expected",
			    ids[i]->value, offs[i]->fw_id, fw->id);
			bad = msg;
		}
	for (i = 0; bad == NULL && i < n; i++) {
		if (fw_role_index(fw, offs[i]->role) < 0) {
			snprintf(msg, sizeof(msg), "Offer %s is allocated to "
			    "role %s which framework %s is not subscribed to",
			    ids[i]->value, offs[i]->role, fw->id);
			bad = msg;
		} else if (role == NULL)
			role = offs[i]->role;
		else if (strcmp(offs[i]->role, role) != 0) {
			snprintf(msg, sizeof(msg), "Aggregated offers must be "
			    "allocated to the same role. Offer %s uses role %s "
			    "and another offer uses role %s", ids[i]->value,
			    offs[i]->role, role);
			bad = msg;
		}
	}
	for (i = 0; bad == NULL && i < n; i++) {
		if (first < 0)
			first = (int)i;
		if (agent < 0)
			agent = offs[i]->agent;
		else if (offs[i]->agent != agent) {
			snprintf(msg, sizeof(msg), "Aggregated offers must "
			    "belong to one single agent. Offer %s uses agent "
			    "%s and offer %s uses agent %s", ids[i]->value,
			    M.agents[offs[i]->agent].id, ids[first]->value,
			    M.agents[agent].id);
			bad = msg;
		}
	}
	/*
	 * This framework's offers among them are used up either way; on
	 * failure their resources go back without a filter.
	 */
	arole = bad == NULL ? sm_strdup(role) : NULL;
	for (i = 0; i < n; i++) {
		struct offer **pp;

		if ((o = offs[i]) == NULL || strcmp(o->fw_id, fw->id) != 0)
			continue;
		for (k = 0; k < i && offs[k] != o; k++)
			;
		if (k < i)
			continue;	/* a duplicate, handled once */
		for (pp = &M.offers; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == o) {
				*pp = o->next;
				break;
			}
		}
		cpus += o->cpus;
		mem += o->mem;
		disk += o->disk;
		rset_add_set(&ports, &o->ports);
		offer_free(o, bad != NULL);
	}
	if (bad != NULL) {
		/* ref §2.1: LOST, or DROPPED if partition-aware. */
		for (i = 0; i < n_ops; i++) {
			const Mesos__V1__Offer__Operation *op = ops[i];
			Mesos__V1__TaskInfo **tis = NULL;
			size_t nt = 0;

			if (op->launch != NULL) {
				tis = op->launch->task_infos;
				nt = op->launch->n_task_infos;
			} else if (op->launch_group != NULL &&
			    op->launch_group->task_group != NULL) {
				tis = op->launch_group->task_group->tasks;
				nt = op->launch_group->task_group->n_tasks;
			}
			for (k = 0; k < nt; k++)
				master_update_id(fw, tis[k]->task_id->value,
				    -1, fw->cap_partition ?
				    MESOS__V1__TASK_STATE__TASK_DROPPED :
				    MESOS__V1__TASK_STATE__TASK_LOST,
				    MESOS__V1__TASK_STATUS__REASON__REASON_INVALID_OFFERS,
				    bad);
		}
		rset_free(&ports);
		return;
	}
	for (i = 0; i < n_ops; i++) {
		const Mesos__V1__Offer__Operation *op = ops[i];

		if (op->type == MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH &&
		    op->launch != NULL) {
			for (k = 0; k < op->launch->n_task_infos; k++)
				launch_task(fw, op->launch->task_infos[k],
				    agent, arole, &cpus, &mem, &disk, &ports);
		} else if (op->type ==
		    MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH_GROUP &&
		    op->launch_group != NULL &&
		    op->launch_group->task_group != NULL) {
			Mesos__V1__TaskGroupInfo *g =
			    op->launch_group->task_group;

			for (k = 0; k < g->n_tasks; k++)
				master_update_id(fw, g->tasks[k]->task_id->value,
				    agent, MESOS__V1__TASK_STATE__TASK_ERROR,
				    MESOS__V1__TASK_STATUS__REASON__REASON_TASK_GROUP_INVALID,
				    "LAUNCH_GROUP is not emulated by torc-sim");
		}
		/* Other operations give no feedback without an id. */
	}
	/* Unused resources are declined with the call's filters. */
	{
		struct agent *a = &M.agents[agent];

		a->fcpus += cpus;
		a->fmem += mem;
		a->fdisk += disk;
		rset_add_set(&a->fports, &ports);
		rset_free(&ports);
		fw_add_filter(fw, agent, arole, filters != NULL &&
		    filters->has_refuse_seconds ? filters->refuse_seconds :
		    M.refuse_default_s);
	}
	free(arole);
}

static void
do_decline(struct framework *fw, Mesos__V1__OfferID **ids, size_t n_ids,
    const Mesos__V1__Filters *filters)
{
	double refuse = filters != NULL && filters->has_refuse_seconds ?
	    filters->refuse_seconds : M.refuse_default_s;

	for (size_t i = 0; i < n_ids; i++) {
		struct offer **pp, *o;

		for (pp = &M.offers; (o = *pp) != NULL; pp = &o->next)
			if (strcmp(o->id, ids[i]->value) == 0 &&
			    strcmp(o->fw_id, fw->id) == 0)
				break;
		if (o == NULL)
			continue;	/* unknown offers are ignored */
		*pp = o->next;
		fw_add_filter(fw, o->agent, o->role, refuse);
		offer_free(o, true);
	}
}

/*
 * Explicit reconciliation of one task (ref §3.3 table).  The answer, if
 * any, is master-generated: no uuid, reason RECONCILIATION.
 */
static void
reconcile_one(struct framework *fw, const char *task_id, const char *agent_id)
{
	struct task *t = task_find(fw->id, task_id);
	int ai = agent_id != NULL ? agent_find(agent_id) : -1;
	int state;
	struct task tmp;

	if (t != NULL && t->known && !t->unreachable) {
		master_update(fw, t, t->qh != NULL ? t->qh->state : t->state,
		    -1, NULL, true);
		return;
	}
	if (ai >= 0 && M.agents[ai].recovering)
		return;
	if (agent_id == NULL)
		for (size_t i = 0; i < M.n_agents; i++)
			if (M.agents[i].recovering)
				return;
	memset(&tmp, 0, sizeof(tmp));
	tmp.id = (char *)(uintptr_t)task_id;
	tmp.agent = ai;
	if (ai < 0)
		state = fw->cap_partition ?
		    MESOS__V1__TASK_STATE__TASK_UNKNOWN :
		    MESOS__V1__TASK_STATE__TASK_LOST;
	else if (M.agents[ai].removed)
		state = fw->cap_partition ?
		    MESOS__V1__TASK_STATE__TASK_GONE_BY_OPERATOR :
		    MESOS__V1__TASK_STATE__TASK_LOST;
	else if (M.agents[ai].unreachable) {
		state = fw->cap_partition ?
		    MESOS__V1__TASK_STATE__TASK_UNREACHABLE :
		    MESOS__V1__TASK_STATE__TASK_LOST;
		tmp.unreachable = true;
		tmp.unreachable_ns = t != NULL ? t->unreachable_ns :
		    (int64_t)(wall_now() * 1e9);
	} else
		state = fw->cap_partition ?
		    MESOS__V1__TASK_STATE__TASK_GONE :
		    MESOS__V1__TASK_STATE__TASK_LOST;
	master_update(fw, &tmp, state, -1, NULL, true);
}

static void
do_kill(struct framework *fw, const char *task_id, const char *agent_id)
{
	struct task *t = task_find(fw->id, task_id);

	if (t == NULL || !t->known) {
		/* ref §2.1 KILL: unknown task -> reconciliation. */
		reconcile_one(fw, task_id, agent_id);
		return;
	}
	if (state_terminal(t->state) || t->kill_at != 0)
		return;
	if (!agent_connected(&M.agents[t->agent])) {
		t->kill_pending = true;	/* retried on re-registration */
		return;
	}
	t->run_at = 0;
	if (fw->cap_killing)
		upd_push(t, MESOS__V1__TASK_STATE__TASK_KILLING, -1,
		    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR, NULL,
		    false);
	task_pump(t, now_ms());
	t->kill_at = now_ms() + M.kill_delay_ms;
	if (t->kill_at == 0)
		t->kill_at = 1;
	if (M.kill_delay_ms == 0)
		timer_kick();
}

static void
do_ack(struct framework *fw, const char *agent_id, const char *task_id,
    const ProtobufCBinaryData *uuid)
{
	struct task *t = task_find(fw->id, task_id);
	struct upd *u;

	if (t == NULL || t->agent < 0 ||
	    strcmp(M.agents[t->agent].id, agent_id) != 0 ||
	    !agent_connected(&M.agents[t->agent]))
		return;		/* dropped; the agent will resend */
	u = t->qh;
	if (u == NULL || uuid->len != 16 || memcmp(u->uuid, uuid->data, 16))
		return;		/* a wrong uuid is ignored */
	t->qh = u->next;
	if (t->qh == NULL)
		t->qt = NULL;
	t->head_sent = false;
	if (state_terminal(u->state) && t->qh == NULL) {
		upd_free(u);
		task_complete(t);	/* the master forgets it */
		return;
	}
	upd_free(u);
	/* The agent's update manager forwards the next one at once. */
	if (t->qh != NULL)
		task_pump(t, now_ms());
	readers_wake();
}

/* ---- agents: partition, removal, re-registration ----------------------- */

static void
failure_event_all(int agent)
{
	for (struct framework *fw = M.fws; fw != NULL; fw = fw->next) {
		Event *e = ev_new(MESOS__V1__SCHEDULER__EVENT__TYPE__FAILURE);

		e->failure = sm_alloc(sizeof(*e->failure));
		mesos__v1__scheduler__event__failure__init(e->failure);
		e->failure->agent_id = mk_agentid(M.agents[agent].id);
		emit(fw, e);
	}
}

/*
 * Ping timeout passed (ref §3.4): offers rescinded, tasks LOST
 * (REASON_AGENT_REMOVED) or UNREACHABLE for partition-aware frameworks,
 * a FAILURE event; the tasks stay on the agent and may come back.
 */
static void
agent_unreachable(int i)
{
	struct agent *a = &M.agents[i];
	int64_t ns = (int64_t)(wall_now() * 1e9);

	a->unreachable = true;
	offers_drop(NULL, i, true);
	for (struct task *t = M.tasks; t != NULL; t = t->next) {
		struct framework *fw;

		if (t->agent != i || !t->known || t->unreachable)
			continue;
		t->unreachable = true;
		t->unreachable_ns = ns;
		fw = fw_find(t->fw_id);
		if (fw == NULL)
			continue;
		master_update(fw, t, fw->cap_partition ?
		    MESOS__V1__TASK_STATE__TASK_UNREACHABLE :
		    MESOS__V1__TASK_STATE__TASK_LOST,
		    MESOS__V1__TASK_STATUS__REASON__REASON_AGENT_REMOVED,
		    "Agent is unreachable", false);
	}
	failure_event_all(i);
}

/*
 * The agent (re-)registers: after a partition its tasks come back and
 * partition-aware frameworks get their current state with
 * REASON_AGENT_REREGISTERED (ref §3.4); after a master failover the
 * master learns its tasks again (ref §1.10).  Pending updates are
 * resent at once.
 */
static void
agent_reregister(int i)
{
	struct agent *a = &M.agents[i];

	a->partitioned = false;
	a->recovering = false;
	a->disconnected = false;
	for (struct task *t = M.tasks; t != NULL; t = t->next) {
		struct framework *fw;

		if (t->agent != i)
			continue;
		t->head_sent = false;
		if (!t->known) {
			t->known = true;
			if (fw_find(t->fw_id) == NULL &&
			    !fw_was_removed(t->fw_id)) {
				fw = sm_alloc(sizeof(*fw));
				fw->id = sm_strdup(t->fw_id);
				fw->name = sm_strdup("");
				fw->user = sm_strdup("");
				fw->role = sm_strdup("*");
				fw->principal = sm_strdup("");
				fw->caps = json_array();
				fw->roles = json_pack("[s]", t->role != NULL ?
				    t->role : "*");
				fw->supp = json_array();
				fw->checkpoint = t->checkpoint;
				fw->recovered_only = true;
				fw->next = M.fws;
				M.fws = fw;
			}
		}
		if (a->unreachable && t->unreachable) {
			t->unreachable = false;
			t->unreachable_ns = 0;
			fw = fw_find(t->fw_id);
			if (fw != NULL && fw->cap_partition)
				master_update(fw, t, t->state,
				    MESOS__V1__TASK_STATUS__REASON__REASON_AGENT_REREGISTERED,
				    "Agent reregistered", false);
		}
	}
	a->unreachable = false;
	readers_wake();
}

/*
 * The agent's connection breaks, as when its process crashes (ref
 * §3.4, §5.3 item 11): the agent is deactivated and its offers are
 * rescinded.  The tasks of frameworks without checkpointing are lost at
 * once: TASK_LOST with REASON_AGENT_DISCONNECTED from the master, no
 * uuid, even for partition-aware frameworks, and the master forgets
 * them.  Those of checkpointing frameworks stay: the agent recovers
 * their executors when it re-registers (agent/restore); if it does not
 * within the ping timeout, it is unreachable like a partitioned one.
 */
static void
agent_disconnect(int i)
{
	struct agent *a = &M.agents[i];
	struct task *t, *next;
	char msg[300];

	if (a->disconnected)
		return;
	a->disconnected = true;
	a->disc_at = now_ms();
	offers_drop(NULL, i, true);
	snprintf(msg, sizeof(msg), "Agent %s disconnected", a->hostname);
	for (t = M.tasks; t != NULL; t = next) {
		struct framework *fw = fw_find(t->fw_id);

		next = t->next;
		if (t->agent != i || !t->known ||
		    (fw != NULL ? fw->checkpoint : t->checkpoint))
			continue;
		if (!state_terminal(t->state))
			master_update(fw, t, MESOS__V1__TASK_STATE__TASK_LOST,
			    MESOS__V1__TASK_STATUS__REASON__REASON_AGENT_DISCONNECTED,
			    msg, false);
		task_complete(t);
	}
}

/* Operator removal: GONE_BY_OPERATOR (partition-aware) or LOST. */
static void
agent_remove(int i)
{
	struct task *t, *next;

	M.agents[i].removed = true;
	offers_drop(NULL, i, true);
	for (t = M.tasks; t != NULL; t = next) {
		struct framework *fw;

		next = t->next;
		if (t->agent != i)
			continue;
		fw = fw_find(t->fw_id);
		if (fw != NULL && t->known)
			master_update(fw, t, fw->cap_partition ?
			    MESOS__V1__TASK_STATE__TASK_GONE_BY_OPERATOR :
			    MESOS__V1__TASK_STATE__TASK_LOST,
			    MESOS__V1__TASK_STATUS__REASON__REASON_AGENT_REMOVED_BY_OPERATOR,
			    "Agent was removed", false);
		task_complete(t);
	}
	M.agents[i].fcpus = M.agents[i].fmem = M.agents[i].fdisk = 0;
	rset_free(&M.agents[i].fports);
	failure_event_all(i);
}

/* ---- timer ------------------------------------------------------------- */

static void
tick(int64_t now)
{
	struct framework *fw, *fwn;

	for (size_t i = 0; i < M.n_agents; i++) {
		struct agent *a = &M.agents[i];

		if (a->removed)
			continue;
		if (a->recovering && now >= a->rereg_at)
			agent_reregister((int)i);
		if (a->partitioned && !a->unreachable &&
		    now >= a->part_at + M.ping_timeout_ms)
			agent_unreachable((int)i);
		/* A crashed agent stops answering pings too (ref §3.4). */
		if (a->disconnected && !a->unreachable &&
		    now >= a->disc_at + M.ping_timeout_ms)
			agent_unreachable((int)i);
	}
	offers_expire(now);
	for (struct task *t = M.tasks; t != NULL; t = t->next) {
		if (t->run_at != 0 && now >= t->run_at) {
			t->run_at = 0;
			upd_push(t, MESOS__V1__TASK_STATE__TASK_RUNNING, -1,
			    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR,
			    NULL, true);
		}
		if (t->kill_at != 0 && now >= t->kill_at) {
			t->kill_at = 0;
			upd_push(t, MESOS__V1__TASK_STATE__TASK_KILLED, -1,
			    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR,
			    "Container killed", false);
		}
		if (t->kill_pending && agent_connected(&M.agents[t->agent]) &&
		    (fw = fw_find(t->fw_id)) != NULL) {
			t->kill_pending = false;
			if (!state_terminal(t->state) && t->kill_at == 0) {
				t->run_at = 0;
				if (fw->cap_killing)
					upd_push(t,
					    MESOS__V1__TASK_STATE__TASK_KILLING,
					    -1, MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR,
					    NULL, false);
				t->kill_at = now + M.kill_delay_ms + 1;
			}
		}
		task_pump(t, now);
	}
	for (fw = M.fws; fw != NULL; fw = fwn) {
		fwn = fw->next;
		if (!fw->connected && fw->failover_at != 0 &&
		    now >= fw->failover_at) {
			fw_remove(fw);
			continue;
		}
		if (fw->connected && fw->stream != NULL && !M.hb_stopped &&
		    now >= fw->next_hb) {
			emit(fw, ev_new(
			    MESOS__V1__SCHEDULER__EVENT__TYPE__HEARTBEAT));
			fw->next_hb = now + (int64_t)(M.hb_interval * 1000);
		}
	}
	if (now >= M.next_alloc) {
		allocate(now);
		M.next_alloc = now + M.alloc_ms;
	}
}

/*
 * Something is due now (a task that starts or stops with no delay): wake
 * the timer.  Callers hold M.mu, as the timer
 * does through a whole tick, so a kick always finds it waiting or about
 * to wait, and kicks that come meanwhile fold into one tick.
 */
static void
timer_kick(void)
{
	pthread_cond_signal(&M.tcv);
}

/*
 * Every SM_TICK_MS, and at once when kicked.  The timer has its own
 * condition variable, which only sim_mesos_stop() and timer_kick()
 * signal: other events and calls do not wake it, and kicks fold, so a
 * burst of them costs one tick, not one tick each.
 */
static void *
timer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&M.mu);
	while (!M.stopping) {
		struct timespec ts;

		tick(now_ms());
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += SM_TICK_MS * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&M.tcv, &M.mu, &ts);
	}
	pthread_mutex_unlock(&M.mu);
	return NULL;
}

/* ---- HTTP -------------------------------------------------------------- */

struct req {
	char	*body;
	size_t	 len;
	bool	 too_big;
};

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *ctype,
    const char *body, const char *hname, const char *hvalue)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len = body != NULL ? strlen(body) : 0;

	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)
	    (body != NULL ? body : ""), MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	if (ctype != NULL && len > 0)
		MHD_add_response_header(r, "Content-Type", ctype);
	if (hname != NULL)
		MHD_add_response_header(r, hname, hvalue);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
reply_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);
	enum MHD_Result ret = reply(c, status, CT_JSON, s, NULL, NULL);

	free(s);
	json_decref(j);
	return ret;
}

/* Does the Accept value admit type?  A missing header admits all. */
static bool
accepts(const char *acc, const char *type)
{
	const char *p = acc;

	if (acc == NULL)
		return true;
	while (*p != '\0') {
		const char *end = strchr(p, ','), *semi;
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		char item[256], *q, *mr;
		size_t ml;

		if (n >= sizeof(item))
			n = sizeof(item) - 1;
		memcpy(item, p, n);
		item[n] = '\0';
		p = end != NULL ? end + 1 : p + strlen(p);
		mr = item;
		while (*mr == ' ' || *mr == '\t')
			mr++;
		semi = strchr(mr, ';');
		ml = semi != NULL ? (size_t)(semi - mr) : strlen(mr);
		while (ml > 0 && (mr[ml - 1] == ' ' || mr[ml - 1] == '\t'))
			ml--;
		if ((q = strstr(mr, "q=")) != NULL && strtod(q + 2, NULL) <= 0)
			continue;
		if ((ml == 3 && strncmp(mr, "*/*", 3) == 0) ||
		    (ml == strlen(type) && strncasecmp(mr, type, ml) == 0) ||
		    (ml == 13 && strncasecmp(mr, "application/*", 13) == 0))
			return true;
	}
	return false;
}

static const char *
call_type_name(int type)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
	    &mesos__v1__scheduler__call__type__descriptor, type);

	return v != NULL ? v->name : "UNKNOWN";
}

/* Call validation (ref §1.6 row 5); NULL when valid. */
static const char *
call_validate(const Call *c)
{
	/* An enum value the .proto does not know is an absent field. */
	if (!c->has_type || protobuf_c_enum_descriptor_get_value(
	    &mesos__v1__scheduler__call__type__descriptor, c->type) == NULL)
		return "Expecting 'type' to be present";
	if (c->type == MESOS__V1__SCHEDULER__CALL__TYPE__SUBSCRIBE) {
		const Mesos__V1__FrameworkInfo *fi;
		const char *a, *b;

		if (c->subscribe == NULL)
			return "Expecting 'subscribe' to be present";
		fi = c->subscribe->framework_info;
		a = c->framework_id != NULL ? c->framework_id->value : NULL;
		b = fi->id != NULL ? fi->id->value : NULL;
		if ((a == NULL) != (b == NULL) ||
		    (a != NULL && strcmp(a, b) != 0))
			return "'framework_id' differs from "
			    "'subscribe.framework_info.id'";
		return NULL;
	}
	if (c->framework_id == NULL)
		return "Expecting 'framework_id' to be present";
	switch (c->type) {
	case MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT:
		return c->accept == NULL ? "Expecting 'accept' to be present" :
		    NULL;
	case MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE:
		return c->decline == NULL ?
		    "Expecting 'decline' to be present" : NULL;
	case MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT_INVERSE_OFFERS:
		return c->accept_inverse_offers == NULL ?
		    "Expecting 'accept_inverse_offers' to be present" : NULL;
	case MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE_INVERSE_OFFERS:
		return c->decline_inverse_offers == NULL ?
		    "Expecting 'decline_inverse_offers' to be present" : NULL;
	case MESOS__V1__SCHEDULER__CALL__TYPE__KILL:
		return c->kill == NULL ? "Expecting 'kill' to be present" :
		    NULL;
	case MESOS__V1__SCHEDULER__CALL__TYPE__SHUTDOWN:
		return c->shutdown == NULL ?
		    "Expecting 'shutdown' to be present" : NULL;
	case MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE:
		if (c->acknowledge == NULL)
			return "Expecting 'acknowledge' to be present";
		if (c->acknowledge->uuid.len != 16)
			return "Not a valid UUID";
		return NULL;
	case MESOS__V1__SCHEDULER__CALL__TYPE__RECONCILE:
		return c->reconcile == NULL ?
		    "Expecting 'reconcile' to be present" : NULL;
	case MESOS__V1__SCHEDULER__CALL__TYPE__MESSAGE:
		return c->message == NULL ?
		    "Expecting 'message' to be present" : NULL;
	case MESOS__V1__SCHEDULER__CALL__TYPE__REQUEST:
		return c->request == NULL ?
		    "Expecting 'request' to be present" : NULL;
	/* Payloads this excerpt does not declare are never "present". */
	case MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE_OPERATION_STATUS:
		return "Expecting 'acknowledge_operation_status' to be present";
	case MESOS__V1__SCHEDULER__CALL__TYPE__RECONCILE_OPERATIONS:
		return "Expecting 'reconcile_operations' to be present";
	case MESOS__V1__SCHEDULER__CALL__TYPE__UPDATE_FRAMEWORK:
		return "Expecting 'update_framework' to be present";
	default:
		return NULL;
	}
}

static void
log_call(const Call *c, const char *ctype, const char *sid, unsigned status)
{
	json_t *j = json_object();

	json_object_set_new(j, "type", json_string(c->has_type ?
	    call_type_name(c->type) : "NONE"));
	if (c->framework_id != NULL)
		json_object_set_new(j, "framework_id",
		    json_string(c->framework_id->value));
	json_object_set_new(j, "content_type", json_string(ctype));
	if (sid != NULL)
		json_object_set_new(j, "stream_id", json_string(sid));
	json_object_set_new(j, "status", json_integer(status));
	json_object_set_new(j, "time", json_real(wall_now()));
	json_object_set_new(j, "call", pb_to_json(&c->base));
	if (json_array_size(M.calls) >= SM_CALLS_MAX)
		json_array_remove(M.calls, 0);
	json_array_append_new(M.calls, j);
}

static void
caps_from(struct framework *fw, const Mesos__V1__FrameworkInfo *fi)
{
	json_decref(fw->caps);
	fw->caps = json_array();
	fw->cap_killing = fw->cap_partition = fw->cap_multi_role = false;
	fw->cap_refinement = false;
	for (size_t i = 0; i < fi->n_capabilities; i++) {
		const ProtobufCEnumValue *v;
		int type = fi->capabilities[i]->type;

		if (type == MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__TASK_KILLING_STATE)
			fw->cap_killing = true;
		else if (type == MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__PARTITION_AWARE)
			fw->cap_partition = true;
		else if (type == MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__MULTI_ROLE)
			fw->cap_multi_role = true;
		else if (type == MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__RESERVATION_REFINEMENT)
			fw->cap_refinement = true;
		v = protobuf_c_enum_descriptor_get_value(
		    &mesos__v1__framework_info__capability__type__descriptor,
		    type);
		json_array_append_new(fw->caps, json_string(v != NULL ?
		    v->name : "UNKNOWN"));
	}
}

static bool
caps_has_multi_role(const Mesos__V1__FrameworkInfo *fi)
{
	for (size_t i = 0; i < fi->n_capabilities; i++)
		if (fi->capabilities[i]->type ==
		    MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__MULTI_ROLE)
			return true;
	return false;
}

/* "FrameworkInfo.role" set (not the default "*" of an unset field). */
static bool
fi_has_role(const Mesos__V1__FrameworkInfo *fi)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field_by_name(
	    &mesos__v1__framework_info__descriptor, "role");

	return fi->role != NULL && (f == NULL || fi->role != f->default_value);
}

/* The master's role name rules ("a/b" hierarchies, "*" alone). */
static bool
role_valid(const char *role)
{
	const char *p = role, *e;

	if (strcmp(role, "*") == 0)
		return true;
	for (;;) {
		size_t n;

		e = strchr(p, '/');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.') || p[0] == '-' ||
		    (n == 1 && p[0] == '*'))
			return false;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] <= 0x20 || p[i] == 0x7f)
				return false;
		if (e == NULL)
			return true;
		p = e + 1;
	}
}

/*
 * FrameworkInfo checks made once the stream is open (ref §1.3): an
 * error message for the ERROR event, or NULL.  The roles the framework
 * subscribes to go to *roles.
 */
static const char *
fi_check_roles(const Mesos__V1__FrameworkInfo *fi,
    const Mesos__V1__Scheduler__Call__Subscribe *sb, json_t *roles,
    char *msg, size_t msglen)
{
	bool multi = caps_has_multi_role(fi);

	if (fi->n_roles > 0 && !multi)
		return "'FrameworkInfo.roles' is set but MULTI_ROLE capability "
		    "is not";
	if (multi && fi_has_role(fi))
		return "'FrameworkInfo.role' must not be set when MULTI_ROLE "
		    "capability is set";
	if (multi)
		for (size_t i = 0; i < fi->n_roles; i++)
			json_array_append_new(roles,
			    json_string(fi->roles[i]));
	else
		json_array_append_new(roles, json_string(fi_has_role(fi) ?
		    fi->role : "*"));
	for (size_t i = 0; i < json_array_size(roles); i++) {
		const char *r = json_string_value(json_array_get(roles, i));

		if (!role_valid(r)) {
			snprintf(msg, msglen, "Role '%s' is invalid", r);
			return msg;
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(r, json_string_value(json_array_get(roles,
			    k))) == 0)
				return "'FrameworkInfo.roles' contains "
				    "duplicate items";
	}
	for (size_t i = 0; i < sb->n_suppressed_roles; i++) {
		size_t k;

		for (k = 0; k < json_array_size(roles); k++)
			if (strcmp(sb->suppressed_roles[i], json_string_value(
			    json_array_get(roles, k))) == 0)
				break;
		if (k == json_array_size(roles)) {
			snprintf(msg, msglen, "Suppressed role '%s' is not "
			    "contained in the list of roles",
			    sb->suppressed_roles[i]);
			return msg;
		}
	}
	return NULL;
}

/*
 * SUBSCRIBE accepted at the HTTP level (ref §1.3, §1.4, §1.8).
 * principal: the authenticated one, NULL without authentication.
 */
static enum MHD_Result
subscribe(struct MHD_Connection *c, const Call *call, bool json,
    const char *principal)
{
	const Mesos__V1__FrameworkInfo *fi = call->subscribe->framework_info;
	const char *fid = fi->id != NULL ? fi->id->value : NULL;
	const char *fprin;
	json_t *roles = json_array();
	char emsg[512];
	const union MHD_ConnectionInfo *ci;
	struct MHD_Response *r;
	struct stream *s = sm_alloc(sizeof(*s));
	struct framework *fw = NULL;
	const char *err = NULL;
	char sid[40];
	enum MHD_Result ret;
	int64_t now = now_ms();

	s->refs = 1;
	s->json = json;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	s->fd = ci != NULL ? ci->connect_fd : -1;
	rng_uuid_str(sid);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
	    stream_reader, s, stream_free);
	if (r == NULL) {
		free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", json ? CT_JSON :
	    CT_PROTOBUF);
	MHD_add_response_header(r, "Mesos-Stream-Id", sid);
	MHD_add_response_header(r, "Cache-Control", "no-cache");

	/*
	 * An authenticated framework that names no principal gets the
	 * authenticated one.
	 */
	fprin = fi->principal != NULL ? fi->principal :
	    (principal != NULL ? principal : "");
	if (fid != NULL)
		fw = fw_find(fid);
	/* Validation after the stream opens: ERROR, then close. */
	if (fid != NULL && fw_was_removed(fid))
		err = "Framework has been removed";
	else if ((err = fi_check_roles(fi, call->subscribe, roles, emsg,
	    sizeof(emsg))) != NULL) {
		/* err is set */
	} else if (fi->has_failover_timeout && !(fi->failover_timeout >= 0 &&
	    fi->failover_timeout < 1e13))
		err = "Invalid 'FrameworkInfo.failover_timeout'";
	else if (fw != NULL && !fw->recovered_only &&
	    strcmp(fw->principal, fprin) != 0)
		err = "Changing framework's principal is not allowed";
	if (err != NULL) {
		json_decref(roles);
		Event *e = ev_new(MESOS__V1__SCHEDULER__EVENT__TYPE__ERROR);

		e->error = sm_alloc(sizeof(*e->error));
		mesos__v1__scheduler__event__error__init(e->error);
		e->error->message = sm_strdup(err);
		emit_stream(s, e);
		stream_close(s);
		ret = MHD_queue_response(c, MHD_HTTP_OK, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (fw != NULL && fw->stream != NULL) {
		/* ref §1.8: the old subscription is failed over. */
		Event *e = ev_new(MESOS__V1__SCHEDULER__EVENT__TYPE__ERROR);

		e->error = sm_alloc(sizeof(*e->error));
		mesos__v1__scheduler__event__error__init(e->error);
		e->error->message = sm_strdup("Framework failed over");
		emit(fw, e);
		stream_close(fw->stream);
		stream_unref(fw->stream);
		fw->stream = NULL;
	}
	if (fw == NULL) {
		fw = sm_alloc(sizeof(*fw));
		fw->id = fid != NULL ? sm_strdup(fid) :
		    sm_printf("%s-%04u", M.master_id, M.fw_seq++);
		fw->user = sm_strdup(fi->user);
		fw->checkpoint = fi->has_checkpoint && fi->checkpoint;
		fw->principal = sm_strdup(fprin);
		fw->next = M.fws;
		M.fws = fw;
	} else if (fw->recovered_only) {
		/* First subscribe to this master: take user/checkpoint. */
		free(fw->user);
		fw->user = sm_strdup(fi->user);
		fw->checkpoint = fi->has_checkpoint && fi->checkpoint;
		free(fw->principal);
		fw->principal = sm_strdup(fprin);
	}
	/* user and checkpoint are immutable (ref §1.3); the rest updates. */
	fw->recovered_only = false;
	free(fw->name);
	fw->name = sm_strdup(fi->name);
	/* Filters are kept per role: a new role list starts afresh. */
	if (fw->roles == NULL || !json_equal(fw->roles, roles))
		fw_clear_filters(fw, -1);
	json_decref(fw->roles);
	fw->roles = roles;
	free(fw->role);
	fw->role = sm_strdup(json_array_size(roles) > 0 ?
	    json_string_value(json_array_get(roles, 0)) : "*");
	fw->failover_timeout = fi->has_failover_timeout ?
	    fi->failover_timeout : 0;
	caps_from(fw, fi);
	fw->connected = fw->active = true;
	fw->failover_at = 0;
	/* ref §1.8: the suppressed roles are replaced, not merged. */
	json_decref(fw->supp);
	fw->supp = json_array();
	for (size_t i = 0; i < call->subscribe->n_suppressed_roles; i++)
		json_array_append_new(fw->supp,
		    json_string(call->subscribe->suppressed_roles[i]));
	snprintf(fw->stream_id, sizeof(fw->stream_id), "%s", sid);
	s->refs++;
	fw->stream = s;
	/* ref §1.8: outstanding offers vanish without RESCIND. */
	offers_drop(fw->id, -1, false);
	{
		Event *e = ev_new(MESOS__V1__SCHEDULER__EVENT__TYPE__SUBSCRIBED);
		Mesos__V1__MasterInfo *mi = sm_alloc(sizeof(*mi));
		struct in_addr ia;

		e->subscribed = sm_alloc(sizeof(*e->subscribed));
		mesos__v1__scheduler__event__subscribed__init(e->subscribed);
		e->subscribed->framework_id = mk_fwid(fw->id);
		e->subscribed->has_heartbeat_interval_seconds = 1;
		e->subscribed->heartbeat_interval_seconds = M.hb_interval;
		mesos__v1__master_info__init(mi);
		mi->id = sm_strdup(M.master_id);
		mi->ip = inet_pton(AF_INET, M.master_ip, &ia) == 1 ?
		    ia.s_addr : 0;
		mi->port = (uint32_t)M.port;
		mi->pid = sm_printf("master@%s:%d", M.master_ip, M.port);
		mi->hostname = sm_strdup(M.master_ip);
		mi->version = sm_strdup("1.11.0");
		mi->address = sm_alloc(sizeof(*mi->address));
		mesos__v1__address__init(mi->address);
		mi->address->hostname = sm_strdup(M.master_ip);
		mi->address->ip = sm_strdup(M.master_ip);
		mi->address->port = M.port;
		e->subscribed->master_info = mi;
		emit(fw, e);
	}
	/* ref §1.4: the first HEARTBEAT right away. */
	if (!M.hb_stopped)
		emit(fw, ev_new(MESOS__V1__SCHEDULER__EVENT__TYPE__HEARTBEAT));
	fw->next_hb = now + (int64_t)(M.hb_interval * 1000);
	/* ref §1.8: agents resend unacknowledged updates at once. */
	for (struct task *t = M.tasks; t != NULL; t = t->next)
		if (strcmp(t->fw_id, fw->id) == 0)
			t->head_sent = false;
	readers_wake();
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* A validated, authorised non-SUBSCRIBE call; returns the HTTP status. */
static unsigned
call_dispatch(struct framework *fw, const Call *c, const char **msg)
{
	switch (c->type) {
	case MESOS__V1__SCHEDULER__CALL__TYPE__TEARDOWN:
		fw_remove(fw);
		break;
	case MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT:
		do_accept(fw, c->accept->offer_ids, c->accept->n_offer_ids,
		    c->accept->operations, c->accept->n_operations,
		    c->accept->filters);
		break;
	case MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE:
		do_decline(fw, c->decline->offer_ids, c->decline->n_offer_ids,
		    c->decline->filters);
		break;
	case MESOS__V1__SCHEDULER__CALL__TYPE__REVIVE:
		/*
		 * Un-suppress the roles (all if none given) and clear
		 * their filters (ref §2.1).  Like Mesos's allocator, which
		 * ends reviveOffers() with allocate(), offer at once rather
		 * than at the next allocation interval.
		 */
		if (c->revive == NULL || c->revive->n_roles == 0) {
			json_array_clear(fw->supp);
			fw_clear_filters(fw, -1);
		}
		for (size_t i = 0; c->revive != NULL &&
		    i < c->revive->n_roles; i++) {
			const char *r = c->revive->roles[i];
			size_t k;
			json_t *v;

			json_array_foreach(fw->supp, k, v)
				if (strcmp(json_string_value(v), r) == 0) {
					json_array_remove(fw->supp, k);
					break;
				}
			if (fw_role_index(fw, r) >= 0)
				fw_clear_filters(fw, fw_role_index(fw, r));
		}
		allocate(now_ms());
		break;
	case MESOS__V1__SCHEDULER__CALL__TYPE__SUPPRESS: {
		/* The roles given (all if none) get no offers (ref §2.1). */
		json_t *which = json_array();
		size_t k;
		json_t *v;

		if (c->suppress == NULL || c->suppress->n_roles == 0)
			json_array_extend(which, fw->roles);
		else
			for (size_t i = 0; i < c->suppress->n_roles; i++) {
				const char *r = c->suppress->roles[i];

				if (fw_role_index(fw, r) >= 0)
					json_array_append_new(which,
					    json_string(r));
			}
		json_array_foreach(which, k, v)
			if (!fw_role_suppressed(fw, json_string_value(v)))
				json_array_append(fw->supp, v);
		json_decref(which);
		break;
	}
	case MESOS__V1__SCHEDULER__CALL__TYPE__KILL:
		do_kill(fw, c->kill->task_id->value, c->kill->agent_id != NULL ?
		    c->kill->agent_id->value : NULL);
		break;
	case MESOS__V1__SCHEDULER__CALL__TYPE__ACKNOWLEDGE:
		do_ack(fw, c->acknowledge->agent_id->value,
		    c->acknowledge->task_id->value, &c->acknowledge->uuid);
		break;
	case MESOS__V1__SCHEDULER__CALL__TYPE__RECONCILE:
		if (c->reconcile->n_tasks == 0) {
			for (struct task *t = M.tasks; t != NULL; t = t->next)
				if (strcmp(t->fw_id, fw->id) == 0 &&
				    t->known && !t->unreachable)
					master_update(fw, t, t->qh != NULL ?
					    t->qh->state : t->state, -1, NULL,
					    true);
		} else {
			for (size_t i = 0; i < c->reconcile->n_tasks; i++) {
				Mesos__V1__Scheduler__Call__Reconcile__Task *rt
				    = c->reconcile->tasks[i];

				reconcile_one(fw, rt->task_id->value,
				    rt->agent_id != NULL ?
				    rt->agent_id->value : NULL);
			}
		}
		break;
	case MESOS__V1__SCHEDULER__CALL__TYPE__SHUTDOWN:
	case MESOS__V1__SCHEDULER__CALL__TYPE__MESSAGE:
	case MESOS__V1__SCHEDULER__CALL__TYPE__REQUEST:
	case MESOS__V1__SCHEDULER__CALL__TYPE__ACCEPT_INVERSE_OFFERS:
	case MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE_INVERSE_OFFERS:
		/* No custom executors, no maintenance: nothing happens. */
		break;
	default:
		*msg = "Received an unexpected call";
		return MHD_HTTP_NOT_IMPLEMENTED;
	}
	readers_wake();
	return MHD_HTTP_ACCEPTED;
}

/*
 * HTTP Basic authentication (ref §1.1): true if the Authorization
 * header carries the configured credentials.
 */
static bool
auth_ok(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Authorization");
	uint8_t *dec;
	size_t n, ul = strlen(M.auth_user), pl = strlen(M.auth_pass);
	bool ok;

	if (h == NULL || strncasecmp(h, "Basic ", 6) != 0)
		return false;
	for (h += 6; *h == ' '; h++)
		;
	if (b64_decode(h, &dec, &n) != 0)
		return false;
	ok = n == ul + 1 + pl && memcmp(dec, M.auth_user, ul) == 0 &&
	    dec[ul] == ':' && memcmp(dec + ul + 1, M.auth_pass, pl) == 0;
	free(dec);
	return ok;
}

/*
 * POST /api/v1/scheduler, checks in the real master's order (ref §1.6):
 * authentication (401), leadership (307/503), recovery (503), method
 * (405), Content-Type (400), body (400), type (415), validation
 * (400, with the SUBSCRIBE principal check), Accept (406), stream id on
 * SUBSCRIBE (400); then framework unknown (400), principal (400), not
 * subscribed (403), stream id missing or wrong (400), 202.
 */
static enum MHD_Result
handle_scheduler(struct MHD_Connection *c, const char *method, struct req *rq)
{
	const char *ctype, *sid, *vmsg, *msg = NULL, *principal = NULL;
	char err[1024], loc[300], *text;
	Call *call = NULL;
	bool is_json;
	unsigned status;
	enum MHD_Result ret;
	struct framework *fw;

	if (M.auth_user != NULL) {
		if (!auth_ok(c))
			return reply(c, MHD_HTTP_UNAUTHORIZED, NULL, NULL,
			    "WWW-Authenticate",
			    "Basic realm=\"mesos-master-scheduler\"");
		principal = M.auth_user;
	}
	if (M.leader == LEAD_STANDBY) {
		snprintf(loc, sizeof(loc), "//%s/api/v1/scheduler",
		    M.leader_addr != NULL ? M.leader_addr : "");
		return reply(c, MHD_HTTP_TEMPORARY_REDIRECT, NULL, NULL,
		    "Location", loc);
	}
	if (M.leader == LEAD_NONE)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
		    "No leader elected", NULL, NULL);
	if (M.recovering && M.recover_until != 0 &&
	    now_ms() >= M.recover_until)
		M.recovering = false;
	if (M.recovering)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
		    "Master has not finished recovery", NULL, NULL);
	if (strcmp(method, "POST") != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
		    "Expecting 'POST'", "Allow", "POST");
	ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Content-Type");
	if (ctype == NULL)
		return reply(c, MHD_HTTP_BAD_REQUEST, "text/plain",
		    "Expecting 'Content-Type' to be present", NULL, NULL);
	if (rq->too_big)
		return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "text/plain",
		    "Request body too large", NULL, NULL);
	err[0] = '\0';
	is_json = strcmp(ctype, CT_JSON) == 0;
	if (is_json) {
		if ((call = json_to_call(rq->body != NULL ? rq->body : "",
		    rq->len, err, sizeof(err))) == NULL) {
			text = sm_printf("Failed to convert JSON into Call "
			    "protobuf: %s", err);
			ret = reply(c, MHD_HTTP_BAD_REQUEST, "text/plain",
			    text, NULL, NULL);
			free(text);
			return ret;
		}
	} else if (strcmp(ctype, CT_PROTOBUF) == 0) {
		call = mesos__v1__scheduler__call__unpack(NULL, rq->len,
		    (const uint8_t *)rq->body);
		if (call == NULL)
			return reply(c, MHD_HTTP_BAD_REQUEST, "text/plain",
			    "Failed to parse body into Call protobuf", NULL,
			    NULL);
	} else {
		text = sm_printf("Expecting 'Content-Type' of %s or %s",
		    CT_JSON, CT_PROTOBUF);
		ret = reply(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "text/plain",
		    text, NULL, NULL);
		free(text);
		return ret;
	}
	sid = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Mesos-Stream-Id");
	vmsg = call_validate(call);
	if (vmsg == NULL && principal != NULL &&
	    call->type == MESOS__V1__SCHEDULER__CALL__TYPE__SUBSCRIBE &&
	    call->subscribe->framework_info->principal != NULL &&
	    strcmp(call->subscribe->framework_info->principal,
	    principal) != 0) {
		snprintf(err, sizeof(err), "Authenticated principal '%s' does "
		    "not match principal '%s' set in `FrameworkInfo`",
		    principal, call->subscribe->framework_info->principal);
		vmsg = err;
	}
	if (vmsg != NULL) {
		log_call(call, ctype, sid, MHD_HTTP_BAD_REQUEST);
		text = sm_printf("Failed to validate scheduler::Call: %s",
		    vmsg);
		ret = reply(c, MHD_HTTP_BAD_REQUEST, "text/plain", text, NULL,
		    NULL);
		free(text);
		goto out;
	}
	if (call->type == MESOS__V1__SCHEDULER__CALL__TYPE__SUBSCRIBE) {
		const char *acc = MHD_lookup_connection_value(c,
		    MHD_HEADER_KIND, "Accept");
		bool json;

		/* JSON is checked first: no Accept, or a wildcard -> JSON. */
		if (accepts(acc, CT_JSON))
			json = true;
		else if (accepts(acc, CT_PROTOBUF))
			json = false;
		else {
			log_call(call, ctype, sid, MHD_HTTP_NOT_ACCEPTABLE);
			text = sm_printf("Expecting 'Accept' to allow %s or %s",
			    CT_JSON, CT_PROTOBUF);
			ret = reply(c, MHD_HTTP_NOT_ACCEPTABLE, "text/plain",
			    text, NULL, NULL);
			free(text);
			goto out;
		}
		if (sid != NULL) {
			log_call(call, ctype, sid, MHD_HTTP_BAD_REQUEST);
			ret = reply(c, MHD_HTTP_BAD_REQUEST, "text/plain",
			    "Subscribe calls should not include the "
			    "'Mesos-Stream-Id' header", NULL, NULL);
			goto out;
		}
		log_call(call, ctype, sid, MHD_HTTP_OK);
		ret = subscribe(c, call, json, principal);
		goto out;
	}
	fw = fw_find(call->framework_id->value);
	if (fw == NULL) {
		status = MHD_HTTP_BAD_REQUEST;
		msg = "Framework cannot be found";
	} else if (principal != NULL && strcmp(principal,
	    fw->principal) != 0) {
		status = MHD_HTTP_BAD_REQUEST;
		snprintf(err, sizeof(err), "Authenticated principal '%s' does "
		    "not match principal '%s' set in `FrameworkInfo`",
		    principal, fw->principal);
		msg = err;
	} else if (!fw->connected || fw->stream == NULL) {
		status = MHD_HTTP_FORBIDDEN;
		msg = "Framework is not subscribed";
	} else if (sid == NULL) {
		status = MHD_HTTP_BAD_REQUEST;
		msg = "All non-subscribe calls should include the "
		    "'Mesos-Stream-Id' header";
	} else if (strcmp(sid, fw->stream_id) != 0) {
		status = MHD_HTTP_BAD_REQUEST;
		snprintf(err, sizeof(err), "The stream ID '%s' included in "
		    "this request didn't match the stream ID currently "
		    "associated with framework ID %s", sid, fw->id);
		msg = err;
	} else
		status = call_dispatch(fw, call, &msg);
	log_call(call, ctype, sid, status);
	ret = reply(c, status, "text/plain", msg, NULL, NULL);
out:
	protobuf_c_message_free_unpacked(&call->base, NULL);
	return ret;
}

/* ---- state, control ---------------------------------------------------- */

static json_t *
fw_json(const struct framework *fw)
{
	size_t ntask = 0, noffer = 0;
	json_t *j;

	for (struct task *t = M.tasks; t != NULL; t = t->next)
		ntask += strcmp(t->fw_id, fw->id) == 0;
	for (struct offer *o = M.offers; o != NULL; o = o->next)
		noffer += strcmp(o->fw_id, fw->id) == 0;
	j = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:f, s:O, "
	    "s:b, s:s, s:I, s:I, s:s}",
	    "id", fw->id, "name", fw->name, "user", fw->user,
	    "role", fw->role, "active", fw->active,
	    "connected", fw->connected, "suppressed", fw_all_suppressed(fw),
	    "failover_timeout", fw->failover_timeout,
	    "capabilities", fw->caps, "checkpoint", fw->checkpoint,
	    "stream_id", fw->stream_id, "tasks", (json_int_t)ntask,
	    "offers", (json_int_t)noffer, "principal", fw->principal);
	json_object_set_new(j, "roles", fw->roles != NULL ?
	    json_deep_copy(fw->roles) : json_array());
	json_object_set_new(j, "suppressed_roles", fw->supp != NULL ?
	    json_deep_copy(fw->supp) : json_array());
	return j;
}

static json_t *
agent_json(const struct agent *a)
{
	char *p = rset_str(&a->ports), *fp = rset_str(&a->fports);
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:O, "
	    "s:{s:f, s:f, s:f, s:s}, s:{s:f, s:f, s:f, s:s}, "
	    "s:b, s:b, s:b, s:b, s:b}",
	    "id", a->id, "name", a->name, "hostname", a->hostname,
	    "ip", a->ip, "attributes", a->attrs,
	    "resources", "cpus", a->cpus, "mem", a->mem, "disk", a->disk,
	    "ports", p,
	    "unallocated", "cpus", a->fcpus, "mem", a->fmem, "disk", a->fdisk,
	    "ports", fp,
	    "active", agent_connected(a), "removed", a->removed,
	    "partitioned", a->partitioned, "unreachable", a->unreachable,
	    "recovering", a->recovering);

	json_object_set_new(j, "disconnected", json_boolean(a->disconnected));

	free(p);
	free(fp);
	return j;
}

static json_t *
task_json(const struct task *t)
{
	const struct agent *a = t->agent >= 0 ? &M.agents[t->agent] : NULL;
	size_t nq = 0;

	for (struct upd *u = t->qh; u != NULL; u = u->next)
		nq++;
	return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, "
	    "s:s?, s:b, s:b, s:I, s:s?, s:f, s:f}",
	    "id", t->id, "name", t->name, "framework_id", t->fw_id,
	    "state", state_name(t->state),
	    "agent_id", a != NULL ? a->id : NULL,
	    "agent", a != NULL ? a->name : NULL,
	    "ip", t->ip, "container_id", t->cid, "network", t->net,
	    "known", t->known, "unreachable", t->unreachable,
	    "pending_updates", (json_int_t)nq,
	    "head_state", t->qh != NULL ? state_name(t->qh->state) : NULL,
	    "cpus", t->cpus, "mem", t->mem);
}

static json_t *
state_json(void)
{
	json_t *fws = json_array(), *agents = json_array(), *tasks = json_array();
	json_t *offers = json_array();
	char leader[300];

	for (struct framework *fw = M.fws; fw != NULL; fw = fw->next)
		json_array_append_new(fws, fw_json(fw));
	for (size_t i = 0; i < M.n_agents; i++)
		json_array_append_new(agents, agent_json(&M.agents[i]));
	for (struct task *t = M.tasks; t != NULL; t = t->next)
		json_array_append_new(tasks, task_json(t));
	for (struct offer *o = M.offers; o != NULL; o = o->next)
		json_array_append_new(offers, json_pack("{s:s, s:s, s:s}",
		    "id", o->id, "framework_id", o->fw_id,
		    "agent_id", M.agents[o->agent].id));
	if (M.leader == LEAD_SELF)
		snprintf(leader, sizeof(leader), "master@%s:%d", M.master_ip,
		    M.port);
	else if (M.leader == LEAD_STANDBY)
		snprintf(leader, sizeof(leader), "master@%s",
		    M.leader_addr != NULL ? M.leader_addr : "");
	else
		leader[0] = '\0';
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:o, s:o, s:o, s:o, "
	    "s:O, s:f}",
	    "id", M.master_id, "version", "1.11.0", "leader", leader,
	    "hostname", M.master_ip, "port", M.port, "pid", leader,
	    "frameworks", fws, "agents", agents, "tasks", tasks,
	    "offers", offers, "completed_framework_ids", M.removed_fws,
	    "heartbeat_interval", M.hb_interval);
}

static json_t *
ctl_err(int *status, int code, const char *msg)
{
	*status = code;
	return json_pack("{s:s}", "error", msg);
}

static json_t *
ctl_ok(int *status)
{
	*status = 200;
	return json_pack("{s:b}", "ok", 1);
}

/* A task by id (any framework) for the task/ controls. */
static struct task *
ctl_task(json_t *body)
{
	const char *id = json_string_value(json_object_get(body, "task_id"));
	const char *fid = json_string_value(json_object_get(body,
	    "framework_id"));

	if (id == NULL)
		return NULL;
	for (struct task *t = M.tasks; t != NULL; t = t->next)
		if (strcmp(t->id, id) == 0 &&
		    (fid == NULL || strcmp(t->fw_id, fid) == 0))
			return t;
	return NULL;
}

static void
master_failover(int64_t delay_ms)
{
	struct framework *fw, *next;

	for (fw = M.fws; fw != NULL; fw = next) {
		next = fw->next;
		if (fw->stream != NULL) {
			stream_close(fw->stream);
			stream_unref(fw->stream);
		}
		fw_free(fw);
	}
	M.fws = NULL;
	offers_drop(NULL, -1, false);
	json_array_clear(M.removed_fws);
	json_array_clear(M.completed);
	rng_uuid_str(M.master_id);
	M.fw_seq = 0;
	for (struct task *t = M.tasks; t != NULL; t = t->next) {
		t->known = false;
		t->head_sent = false;
	}
	for (size_t i = 0; i < M.n_agents; i++) {
		if (M.agents[i].removed)
			continue;
		M.agents[i].recovering = true;
		M.agents[i].rereg_at = now_ms() + delay_ms;
	}
	M.leader = LEAD_SELF;
}

static double
jnum(json_t *body, const char *key, double dflt)
{
	json_t *v = json_object_get(body, key);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

static json_t *
control_locked(const char *path, const char *method, json_t *body,
    int *status)
{
	bool get = strcmp(method, "GET") == 0;
	const char *name = json_string_value(json_object_get(body, "name"));
	struct task *t;
	int ai;

	if (strcmp(path, "state") == 0 || strcmp(path, "") == 0) {
		*status = 200;
		return state_json();
	}
	if (strcmp(path, "info") == 0) {
		*status = 200;
		return json_pack("{s:i, s:s, s:s}", "port", M.port,
		    "master_id", M.master_id, "master_ip", M.master_ip);
	}
	if (strcmp(path, "agents") == 0) {
		json_t *a = json_array();

		for (size_t i = 0; i < M.n_agents; i++)
			json_array_append_new(a, agent_json(&M.agents[i]));
		*status = 200;
		return json_pack("{s:o}", "agents", a);
	}
	if (strcmp(path, "tasks") == 0) {
		json_t *a = json_array();

		for (t = M.tasks; t != NULL; t = t->next)
			json_array_append_new(a, task_json(t));
		*status = 200;
		return json_pack("{s:o}", "tasks", a);
	}
	if (strcmp(path, "frameworks") == 0) {
		json_t *a = json_array();

		for (struct framework *fw = M.fws; fw != NULL; fw = fw->next)
			json_array_append_new(a, fw_json(fw));
		*status = 200;
		return json_pack("{s:o}", "frameworks", a);
	}
	if (strcmp(path, "calls") == 0) {
		*status = 200;
		if (strcmp(method, "DELETE") == 0) {
			json_array_clear(M.calls);
			return json_pack("{s:b}", "ok", 1);
		}
		return json_pack("{s:O}", "calls", M.calls);
	}
	if (get)
		return ctl_err(status, 405, "use POST");
	if (strcmp(path, "agent/add") == 0) {
		const char *ip = json_string_value(json_object_get(body, "ip"));
		const char *ports = json_string_value(json_object_get(body,
		    "ports"));
		json_t *attrs = json_object_get(body, "attributes"), *v;
		const char *k;
		struct agent *a;

		if (name == NULL || ip == NULL)
			return ctl_err(status, 400, "name and ip required");
		if (agent_find(name) >= 0)
			return ctl_err(status, 409, "agent exists");
		a = agent_new(name, json_string_value(json_object_get(body,
		    "hostname")), ip);
		agent_text_attrs(a, "slave", "compute");
		json_object_foreach(attrs, k, v)
			if (json_is_string(v))
				json_object_set(a->attrs, k, v);
		a->cpus = jnum(body, "cpus", a->cpus);
		a->mem = jnum(body, "mem", a->mem);
		a->disk = jnum(body, "disk", a->disk);
		if (ports != NULL) {
			rset_free(&a->ports);
			if (rset_parse(&a->ports, ports) != 0)
				rset_add(&a->ports, 31000, 32000);
		}
		agent_ready(a);
		*status = 200;
		return agent_json(a);
	}
	if (strncmp(path, "agent/", 6) == 0) {
		if (name == NULL || (ai = agent_find(name)) < 0)
			return ctl_err(status, 404, "no such agent");
		if (M.agents[ai].removed)
			return ctl_err(status, 409, "agent was removed");
		if (strcmp(path, "agent/remove") == 0)
			agent_remove(ai);
		else if (strcmp(path, "agent/partition") == 0) {
			if (!M.agents[ai].partitioned) {
				M.agents[ai].partitioned = true;
				M.agents[ai].part_at = now_ms();
			}
		} else if (strcmp(path, "agent/restore") == 0)
			agent_reregister(ai);
		else if (strcmp(path, "agent/disconnect") == 0)
			agent_disconnect(ai);
		else
			return ctl_err(status, 404, "unknown agent control");
		return ctl_ok(status);
	}
	if (strncmp(path, "task/", 5) == 0) {
		const char *m = json_string_value(json_object_get(body,
		    "message"));

		if ((t = ctl_task(body)) == NULL)
			return ctl_err(status, 404, "no such task");
		if (strcmp(path, "task/fail") == 0) {
			t->run_at = t->kill_at = 0;
			upd_push(t, MESOS__V1__TASK_STATE__TASK_FAILED, -1,
			    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR,
			    m != NULL ? m : "Container exited with status 1",
			    false);
		} else if (strcmp(path, "task/finish") == 0) {
			t->run_at = t->kill_at = 0;
			upd_push(t, MESOS__V1__TASK_STATE__TASK_FINISHED, -1,
			    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR,
			    m != NULL ? m : "Container exited with status 0",
			    false);
		} else if (strcmp(path, "task/health") == 0) {
			/* A health check changed (ref §3.1, §5.3 item 9). */
			json_t *h = json_object_get(body, "healthy");
			struct upd *u;

			if (!json_is_boolean(h))
				return ctl_err(status, 400,
				    "healthy (true or false) required");
			if (t->state != MESOS__V1__TASK_STATE__TASK_RUNNING)
				return ctl_err(status, 409,
				    "the task is not running");
			u = upd_push(t, MESOS__V1__TASK_STATE__TASK_RUNNING,
			    MESOS__V1__TASK_STATUS__REASON__REASON_TASK_HEALTH_CHECK_STATUS_UPDATED,
			    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR, m,
			    false);
			u->has_healthy = true;
			u->healthy = json_is_true(h);
		} else if (strcmp(path, "task/lose") == 0) {
			/* As an agent crash for a non-checkpointing one. */
			struct framework *fw = fw_find(t->fw_id);

			if (fw != NULL)
				master_update(fw, t,
				    MESOS__V1__TASK_STATE__TASK_LOST,
				    MESOS__V1__TASK_STATUS__REASON__REASON_AGENT_DISCONNECTED,
				    m != NULL ? m : "Agent disconnected", false);
			task_complete(t);
		} else
			return ctl_err(status, 404, "unknown task control");
		return ctl_ok(status);
	}
	if (strcmp(path, "heartbeats/stop") == 0) {
		M.hb_stopped = true;
		if (json_is_true(json_object_get(body, "all_events")))
			M.muted = true;
		return ctl_ok(status);
	}
	if (strcmp(path, "heartbeats/start") == 0) {
		M.hb_stopped = false;
		M.muted = false;
		return ctl_ok(status);
	}
	if (strcmp(path, "stream/close") == 0) {
		const char *fid = json_string_value(json_object_get(body,
		    "framework_id"));

		for (struct framework *fw = M.fws; fw != NULL; fw = fw->next)
			if (fw->stream != NULL &&
			    (fid == NULL || strcmp(fw->id, fid) == 0))
				stream_close(fw->stream);
		return ctl_ok(status);
	}
	/*
	 * Bad input from a master, for the scheduler's robustness tests:
	 * raw bytes (hex) written into the open stream(s) as they are, e.g.
	 * a record whose protobuf is truncated, or an absurd record size.
	 */
	if (strcmp(path, "stream/inject") == 0) {
		const char *hex = json_string_value(json_object_get(body,
		    "hex"));
		const char *fid = json_string_value(json_object_get(body,
		    "framework_id"));
		size_t n = hex != NULL ? strlen(hex) : 0, hit = 0;
		uint8_t *raw;

		if (hex == NULL || n == 0 || n % 2 != 0 || n > 2 * 65536) {
			*status = 400;
			return json_pack("{s:s}", "error",
			    "hex: an even number of hex digits expected");
		}
		raw = sm_alloc(n / 2);
		for (size_t i = 0; i < n / 2; i++) {
			unsigned v;

			if (sscanf(hex + 2 * i, "%2x", &v) != 1 ||
			    !isxdigit((unsigned char)hex[2 * i]) ||
			    !isxdigit((unsigned char)hex[2 * i + 1])) {
				free(raw);
				*status = 400;
				return json_pack("{s:s}", "error",
				    "hex: not a hex digit");
			}
			raw[i] = (uint8_t)v;
		}
		for (struct framework *fw = M.fws; fw != NULL; fw = fw->next) {
			struct stream *st = fw->stream;

			if (st == NULL || st->closed || st->dead ||
			    (fid != NULL && strcmp(fw->id, fid) != 0))
				continue;
			stream_append(st, raw, n / 2);
			if (st->nrec++ == 0)
				st->pack_since = now_ms();
			hit++;
		}
		free(raw);
		readers_wake();
		*status = 200;
		return json_pack("{s:I}", "streams", (json_int_t)hit);
	}
	if (strcmp(path, "failover") == 0) {
		master_failover((int64_t)jnum(body, "reregister_delay_ms",
		    1000));
		/* The new leader may first recover its registry. */
		if (jnum(body, "recovery_ms", 0) > 0) {
			M.recovering = true;
			M.recover_until = now_ms() +
			    (int64_t)jnum(body, "recovery_ms", 0);
		}
		*status = 200;
		return json_pack("{s:s}", "master_id", M.master_id);
	}
	if (strcmp(path, "standby") == 0) {
		const char *l = json_string_value(json_object_get(body,
		    "leader"));

		if (l == NULL)
			return ctl_err(status, 400, "leader required");
		free(M.leader_addr);
		M.leader_addr = sm_strdup(l);
		M.leader = LEAD_STANDBY;
		return ctl_ok(status);
	}
	if (strcmp(path, "noleader") == 0) {
		M.leader = LEAD_NONE;
		return ctl_ok(status);
	}
	if (strcmp(path, "recovering") == 0) {
		/* ref §1.6 row 2; "ms": recovery ends by itself. */
		M.recovering = json_is_true(json_object_get(body, "on"));
		M.recover_until = M.recovering && jnum(body, "ms", 0) > 0 ?
		    now_ms() + (int64_t)jnum(body, "ms", 0) : 0;
		return ctl_ok(status);
	}
	if (strcmp(path, "auth") == 0) {
		/* {"user", "password"}: Basic auth on; {}: off. */
		const char *u = json_string_value(json_object_get(body,
		    "user"));
		const char *pw = json_string_value(json_object_get(body,
		    "password"));

		if (u != NULL && (u[0] == '\0' || strchr(u, ':') != NULL))
			return ctl_err(status, 400, "bad user");
		free(M.auth_user);
		free(M.auth_pass);
		M.auth_user = sm_strdup(u);
		M.auth_pass = u != NULL ? sm_strdup(pw != NULL ? pw : "") :
		    NULL;
		return ctl_ok(status);
	}
	if (strcmp(path, "leader") == 0) {
		M.leader = LEAD_SELF;
		return ctl_ok(status);
	}
	if (strcmp(path, "timers") == 0) {
		M.hb_interval = jnum(body, "heartbeat_interval", M.hb_interval);
		if (M.hb_interval < 0.01)
			M.hb_interval = 0.01;
		M.start_delay_ms = (int64_t)jnum(body, "task_start_delay_ms",
		    (double)M.start_delay_ms);
		M.kill_delay_ms = (int64_t)jnum(body, "kill_delay_ms",
		    (double)M.kill_delay_ms);
		M.ack_retry_ms = (int64_t)jnum(body, "ack_retry_ms",
		    (double)M.ack_retry_ms);
		M.alloc_ms = (int64_t)jnum(body, "allocation_interval_ms",
		    (double)M.alloc_ms);
		if (M.alloc_ms < 1)
			M.alloc_ms = 1;
		M.ping_timeout_ms = (int64_t)jnum(body, "agent_ping_timeout_ms",
		    (double)M.ping_timeout_ms);
		M.refuse_default_s = jnum(body, "refuse_default_s",
		    M.refuse_default_s);
		M.offer_timeout_ms = (int64_t)(jnum(body, "offer_timeout_s",
		    (double)M.offer_timeout_ms / 1000.0) * 1000.0);
		if (M.offer_timeout_ms < 0)
			M.offer_timeout_ms = 0;
		M.next_alloc = 0;
		for (struct framework *fw = M.fws; fw != NULL; fw = fw->next)
			fw->next_hb = now_ms() +
			    (int64_t)(M.hb_interval * 1000);
		*status = 200;
		return json_pack("{s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:f}",
		    "offer_timeout_s", (double)M.offer_timeout_ms / 1000.0,
		    "heartbeat_interval", M.hb_interval,
		    "task_start_delay_ms", (json_int_t)M.start_delay_ms,
		    "kill_delay_ms", (json_int_t)M.kill_delay_ms,
		    "ack_retry_ms", (json_int_t)M.ack_retry_ms,
		    "allocation_interval_ms", (json_int_t)M.alloc_ms,
		    "agent_ping_timeout_ms", (json_int_t)M.ping_timeout_ms,
		    "refuse_default_s", M.refuse_default_s);
	}
	if (strcmp(path, "reset") == 0) {
		/* Faults off: leader, heartbeats, chunking, call log. */
		M.leader = LEAD_SELF;
		M.recovering = false;
		M.hb_stopped = M.muted = false;
		M.split = SPLIT_NONE;
		json_array_clear(M.calls);
		return ctl_ok(status);
	}
	if (strcmp(path, "split") == 0) {
		const char *m = json_string_value(json_object_get(body, "mode"));

		if (m == NULL)
			return ctl_err(status, 400, "mode required");
		if (strcmp(m, "none") == 0)
			M.split = SPLIT_NONE;
		else if (strcmp(m, "split") == 0)
			M.split = SPLIT_SPLIT;
		else if (strcmp(m, "pack") == 0)
			M.split = SPLIT_PACK;
		else
			return ctl_err(status, 400, "mode: none|split|pack");
		return ctl_ok(status);
	}
	return ctl_err(status, 404, "unknown control path");
}

json_t *
sim_mesos_control(const char *path, const char *method, json_t *body,
    int *status)
{
	json_t *j;

	pthread_mutex_lock(&M.mu);
	if (!M.running) {
		pthread_mutex_unlock(&M.mu);
		return ctl_err(status, 503, "mesos master not running");
	}
	j = control_locked(path != NULL ? path : "", method != NULL ?
	    method : "GET", body, status);
	readers_wake();
	pthread_mutex_unlock(&M.mu);
	return j;
}

/* ---- read-only master endpoints (ref §3.5, §5.3 item 13) ------------- */

/*
 * libprocess routes a path to the longest matching endpoint: "/tasks",
 * "/tasks/anything", the "/master/" forms and the old ".json" names.
 */
static bool
route_is(const char *url, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(url, "/master/", 8) == 0)
		url += 7;
	if (url[0] != '/' || strncmp(url + 1, name, n) != 0)
		return false;
	url += 1 + n;
	return *url == '\0' || *url == '/' || strcmp(url, ".json") == 0;
}

static const char *
query(struct MHD_Connection *c, const char *key)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

struct tsort {
	json_t	*j;
	double	 ts;	/* first status' timestamp; -1 without status */
};

static int
tsort_cmp(const void *a, const void *b)
{
	const struct tsort *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x->j, "id")),
	    json_string_value(json_object_get(y->j, "id")));
}

/*
 * GET or POST /tasks[?task_id=&framework_id=&limit=100&offset=0&
 * order=des]: active, unreachable and completed tasks, sorted by their
 * first status' time, newest first unless order=asc.
 */
static json_t *
tasks_api(struct MHD_Connection *c)
{
	const char *tid = query(c, "task_id"), *fid = query(c, "framework_id");
	const char *ls = query(c, "limit"), *os = query(c, "offset");
	const char *ord = query(c, "order");
	long limit = ls != NULL ? strtol(ls, NULL, 10) : 100;
	long offset = os != NULL ? strtol(os, NULL, 10) : 0;
	bool asc = ord != NULL && strcmp(ord, "asc") == 0;
	json_t *all = json_array(), *out = json_array(), *v;
	struct tsort *ts;
	size_t i, n;

	for (struct task *t = M.tasks; t != NULL; t = t->next)
		if (t->known && (tid == NULL || strcmp(t->id, tid) == 0) &&
		    (fid == NULL || strcmp(t->fw_id, fid) == 0))
			json_array_append_new(all, task_api_json(t));
	json_array_foreach(M.completed, i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		const char *f = json_string_value(json_object_get(v,
		    "framework_id"));

		if ((tid == NULL || strcmp(id, tid) == 0) &&
		    (fid == NULL || strcmp(f, fid) == 0))
			json_array_append(all, v);
	}
	n = json_array_size(all);
	ts = sm_alloc(sizeof(*ts) * (n + 1));
	json_array_foreach(all, i, v) {
		json_t *st = json_array_get(json_object_get(v, "statuses"), 0);

		ts[i].j = v;
		ts[i].ts = st != NULL ? json_number_value(json_object_get(st,
		    "timestamp")) : -1;
	}
	qsort(ts, n, sizeof(*ts), tsort_cmp);
	if (limit < 0)
		limit = 100;
	if (offset < 0)
		offset = 0;
	for (i = (size_t)offset; i < n && i < (size_t)offset + (size_t)limit;
	    i++)
		json_array_append(out, ts[asc ? i : n - 1 - i].j);
	free(ts);
	json_decref(all);
	return json_pack("{s:o}", "tasks", out);
}

static json_t *
res_api(double cpus, double mem, double disk, const struct rset *ports)
{
	json_t *j = json_pack("{s:f, s:f, s:f, s:f}", "cpus", cpus, "mem",
	    mem, "disk", disk, "gpus", 0.0);

	if (ports != NULL && ports->n > 0) {
		char *p = rset_str(ports);

		json_object_set_new(j, "ports", json_string(p));
		free(p);
	}
	return j;
}

/*
 * GET or POST /slaves[?slave_id=]: the registered agents (active false
 * while disconnected), and those a new master has not heard from yet
 * under "recovered_slaves".  As libprocess routes by prefix,
 * /slaves/<id> lists them all, as a real master does.
 */
static json_t *
slaves_api(struct MHD_Connection *c)
{
	const char *sid = query(c, "slave_id");
	json_t *out = json_array(), *rec = json_array();

	for (size_t i = 0; i < M.n_agents; i++) {
		const struct agent *a = &M.agents[i];
		double uc = 0, um = 0, ud = 0, oc = 0, om = 0, od = 0;
		struct rset up = { NULL, 0 }, op = { NULL, 0 };
		json_t *attrs, *j;
		char pid[128];

		if (a->removed || a->unreachable ||
		    (sid != NULL && strcmp(a->id, sid) != 0))
			continue;
		snprintf(pid, sizeof(pid), "slave(1)@%s:5051", a->ip);
		if (a->recovering) {
			json_array_append_new(rec, json_pack("{s:s, s:s, "
			    "s:i, s:O, s:o}", "id", a->id, "hostname",
			    a->hostname, "port", 5051, "attributes", a->attrs,
			    "resources", res_api(a->cpus, a->mem, a->disk,
			    &a->ports)));
			continue;
		}
		for (struct task *t = M.tasks; t != NULL; t = t->next) {
			if (t->agent != (int)i || state_terminal(t->state))
				continue;
			uc += t->cpus;
			um += t->mem;
			ud += t->disk;
			rset_add_set(&up, &t->ports);
		}
		for (struct offer *o = M.offers; o != NULL; o = o->next) {
			if (o->agent != (int)i)
				continue;
			oc += o->cpus;
			om += o->mem;
			od += o->disk;
			rset_add_set(&op, &o->ports);
		}
		attrs = json_deep_copy(a->attrs);
		j = json_pack("{s:s, s:s, s:i, s:s, s:f, s:o, s:o, s:o, s:o, "
		    "s:o, s:{}, s:b, s:s, s:[s, s, s, s]}",
		    "id", a->id, "hostname", a->hostname, "port", 5051,
		    "pid", pid, "registered_time", a->reg_ts,
		    "attributes", attrs,
		    "resources", res_api(a->cpus, a->mem, a->disk, &a->ports),
		    "used_resources", res_api(uc, um, ud, &up),
		    "offered_resources", res_api(oc, om, od, &op),
		    "unreserved_resources", res_api(a->cpus, a->mem, a->disk,
		    &a->ports),
		    "reserved_resources",
		    "active", agent_connected(a), "version", "1.11.0",
		    "capabilities", "MULTI_ROLE", "HIERARCHICAL_ROLE",
		    "RESERVATION_REFINEMENT", "AGENT_DRAINING");
		rset_free(&up);
		rset_free(&op);
		json_array_append_new(out, j);
	}
	return json_pack("{s:o, s:o}", "slaves", out, "recovered_slaves",
	    rec);
}

/* ---- server ------------------------------------------------------------ */

static enum MHD_Result
sm_access(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct req *rq = *con_cls;
	enum MHD_Result ret;
	bool due;

	(void)cls;
	(void)version;
	if (rq == NULL) {
		*con_cls = sm_alloc(sizeof(*rq));
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		if (!rq->too_big && rq->len + n <= SM_BODY_MAX) {
			char *nb = realloc(rq->body, rq->len + n + 1);

			if (nb == NULL)
				abort();
			rq->body = nb;
			memcpy(rq->body + rq->len, upload_data, n);
			rq->len += n;
			rq->body[rq->len] = '\0';
		} else
			rq->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&M.mu);
	if (M.stopping) {
		pthread_mutex_unlock(&M.mu);
		return MHD_NO;
	}
	M.in_request = true;
	if (strcmp(url, "/api/v1/scheduler") == 0)
		ret = handle_scheduler(c, method, rq);
	else if (strcmp(url, "/master/state") == 0 ||
	    strcmp(url, "/state") == 0 || strcmp(url, "/state.json") == 0 ||
	    strcmp(url, "/master/state.json") == 0)
		ret = reply_json(c, MHD_HTTP_OK, state_json());
	else if (strcmp(url, "/redirect") == 0 ||
	    strcmp(url, "/master/redirect") == 0) {
		char loc[300];

		if (M.leader == LEAD_NONE)
			ret = reply(c, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "text/plain", "No leader elected", NULL, NULL);
		else {
			if (M.leader == LEAD_STANDBY)
				snprintf(loc, sizeof(loc), "//%s",
				    M.leader_addr);
			else
				snprintf(loc, sizeof(loc), "//%s:%d",
				    M.master_ip, M.port);
			ret = reply(c, MHD_HTTP_TEMPORARY_REDIRECT, NULL,
			    NULL, "Location", loc);
		}
	} else if (route_is(url, "tasks"))
		ret = reply_json(c, MHD_HTTP_OK, tasks_api(c));
	else if (route_is(url, "slaves"))
		ret = reply_json(c, MHD_HTTP_OK, slaves_api(c));
	else if (strcmp(url, "/health") == 0 ||
	    strcmp(url, "/master/health") == 0)
		ret = reply(c, MHD_HTTP_OK, NULL, NULL, NULL, NULL);
	else
		ret = reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "Not found",
		    NULL, NULL);
	M.in_request = false;
	due = M.readers_due;
	M.readers_due = false;
	pthread_mutex_unlock(&M.mu);
	/* Safe unlocked: readers test for data under M.mu before waiting. */
	if (due)
		pthread_cond_broadcast(&M.cv);
	return ret;
}

static void
sm_done(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq != NULL) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

static void
sm_free_state(void)
{
	struct task *t, *tn;
	struct offer *o, *on;

	while (M.fws != NULL) {
		struct framework *fw = M.fws;

		M.fws = fw->next;
		if (fw->stream != NULL)
			stream_unref(fw->stream);
		fw_free(fw);
	}
	for (t = M.tasks; t != NULL; t = tn) {
		tn = t->next;
		task_free(t);
	}
	M.tasks = NULL;
	for (o = M.offers; o != NULL; o = on) {
		on = o->next;
		offer_free(o, false);
	}
	M.offers = NULL;
	for (size_t i = 0; i < M.n_agents; i++) {
		struct agent *a = &M.agents[i];

		free(a->id);
		free(a->name);
		free(a->hostname);
		free(a->ip);
		json_decref(a->attrs);
		rset_free(&a->ports);
		rset_free(&a->fports);
	}
	free(M.agents);
	M.agents = NULL;
	M.n_agents = 0;
	json_decref(M.removed_fws);
	json_decref(M.calls);
	json_decref(M.completed);
	M.removed_fws = M.calls = M.completed = NULL;
	free(M.auth_user);
	free(M.auth_pass);
	M.auth_user = M.auth_pass = NULL;
	free(M.master_ip);
	free(M.bind_ip);
	free(M.leader_addr);
	M.master_ip = M.bind_ip = M.leader_addr = NULL;
}

int
sim_mesos_start(const struct sim_opts *o, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *di;

	pthread_mutex_lock(&M.mu);
	if (M.running) {
		pthread_mutex_unlock(&M.mu);
		snprintf(err, errlen, "mesos master already running");
		return -1;
	}
	M.stopping = false;
	M.rng = o->seed ^ 0x6d65736f73ULL;
	rng_uuid_str(M.master_id);
	M.fw_seq = M.offer_seq = M.agent_seq = 0;
	M.leader = LEAD_SELF;
	M.hb_stopped = M.muted = false;
	M.split = SPLIT_NONE;
	M.hb_interval = o->heartbeat_interval > 0 ? o->heartbeat_interval :
	    15.0;
	M.start_delay_ms = o->task_start_delay_ms >= 0 ?
	    o->task_start_delay_ms : 1000;
	M.kill_delay_ms = 100;
	M.ack_retry_ms = 10000;
	M.alloc_ms = 100;
	M.ping_timeout_ms = 75000;
	M.refuse_default_s = 5.0;
	M.next_alloc = 0;
	M.ip_next = (uint32_t)(rng_next() & 0xff00) + 0x0102;
	M.master_ip = sm_strdup(o->master_ip != NULL && o->master_ip[0] ?
	    o->master_ip : "127.0.0.1");
	M.bind_ip = sm_strdup(o->bind_ip != NULL && o->bind_ip[0] ?
	    o->bind_ip : "127.0.0.1");
	M.removed_fws = json_array();
	M.calls = json_array();
	M.completed = json_array();
	M.recovering = false;
	M.recover_until = 0;
	M.offer_timeout_ms = o->offer_timeout > 0 ?
	    (int64_t)(o->offer_timeout * 1000.0) : 0;
	if (o->mesos_auth != NULL && o->mesos_auth[0] != '\0') {
		const char *colon = strchr(o->mesos_auth, ':');

		if (colon == NULL || colon == o->mesos_auth) {
			snprintf(err, errlen, "mesos auth: expected "
			    "USER:PASSWORD");
			goto fail;
		}
		M.auth_user = sm_printf("%.*s", (int)(colon - o->mesos_auth),
		    o->mesos_auth);
		M.auth_pass = sm_strdup(colon + 1);
	}
	if (agents_setup(o, err, errlen) != 0)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)o->mesos_port);
	if (inet_pton(AF_INET, M.bind_ip, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "bad bind address '%s'", M.bind_ip);
		goto fail;
	}
	M.mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)o->mesos_port, NULL,
	    NULL, sm_access, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, sm_done, NULL,
	    MHD_OPTION_END);
	if (M.mhd == NULL) {
		snprintf(err, errlen, "cannot listen on %s:%d", M.bind_ip,
		    o->mesos_port);
		goto fail;
	}
	di = MHD_get_daemon_info(M.mhd, MHD_DAEMON_INFO_BIND_PORT);
	M.port = di != NULL && di->port != 0 ? di->port : o->mesos_port;
	if (pthread_create(&M.timer, NULL, timer_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the timer thread");
		MHD_stop_daemon(M.mhd);
		M.mhd = NULL;
		goto fail;
	}
	M.running = true;
	pthread_mutex_unlock(&M.mu);
	return 0;
fail:
	sm_free_state();
	pthread_mutex_unlock(&M.mu);
	return -1;
}

void
sim_mesos_stop(void)
{
	pthread_mutex_lock(&M.mu);
	if (!M.running) {
		pthread_mutex_unlock(&M.mu);
		return;
	}
	M.stopping = true;
	for (struct framework *fw = M.fws; fw != NULL; fw = fw->next)
		if (fw->stream != NULL)
			stream_close(fw->stream);
	readers_wake();
	pthread_cond_broadcast(&M.tcv);
	pthread_mutex_unlock(&M.mu);
	MHD_stop_daemon(M.mhd);
	pthread_join(M.timer, NULL);
	pthread_mutex_lock(&M.mu);
	M.mhd = NULL;
	sm_free_state();
	M.running = false;
	pthread_mutex_unlock(&M.mu);
}
