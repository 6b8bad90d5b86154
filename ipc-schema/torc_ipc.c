/*
 * torc_ipc.c - the one codec of every inter-daemon message.
 *
 * Each payload struct is described once, by a table of field descriptors
 * (key, kind, offset); one walker per operation (encode, decode, free,
 * copy, JSON) interprets the tables, so every struct gets the same
 * validation and a new field is one line.  Keys go on the wire in table
 * order, which makes encoding deterministic: encode(decode(encode(m))) is
 * byte-identical to encode(m).
 *
 * This file never logs and never exits; failures are reported through
 * the caller's (err, errlen) buffer.  Allocation failure aborts (util.h).
 */
#include "torc_ipc.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#include "util.h"

/* Longest topic accepted in front of the envelope, dot included. */
#define TMSG_TOPIC_MAX	32

/* A pointer to the member at byte offset off of the struct at base. */
#define FIELD_PTR(base, off, type)	\
	((type *)(void *)((char *)(base) + (off)))
#define FIELD_CPTR(base, off, type)	\
	((type const *)(const void *)((const char *)(base) + (off)))

/*
 * Enum fields are read and written through an int; that is only sound
 * if the compiler gives these enums the size of an int.
 */
_Static_assert(sizeof(enum tmsg_svc_kind) == sizeof(int), "enum size");
_Static_assert(sizeof(enum tmsg_svc_state) == sizeof(int), "enum size");
_Static_assert(sizeof(enum tmsg_sla) == sizeof(int), "enum size");
_Static_assert(sizeof(enum tmsg_query_what) == sizeof(int), "enum size");

/*
 * Name tables.  Indexed by value; the names are what travels on the
 * wire, so they never change once published.
 */
static const char *const svc_kind_names[] = {
	[TSVC_KIND_SYSTEM] = "system",
	[TSVC_KIND_ONDEMAND] = "ondemand",
	[TSVC_KIND_ANNOUNCED] = "announced",
};

static const char *const svc_state_names[] = {
	[TSVC_PENDING] = "pending",
	[TSVC_LAUNCHING] = "launching",
	[TSVC_STARTING] = "starting",
	[TSVC_RUNNING] = "running",
	[TSVC_KILLING] = "killing",
	[TSVC_RESTARTING] = "restarting",
	[TSVC_FINISHED] = "finished",
	[TSVC_FAILED] = "failed",
	[TSVC_LOST] = "lost",
};

static const char *const sla_names[] = {
	[TSLA_NONE] = "none",
	[TSLA_SINGLETON_EACH_NODE] = "singleton_each_node",
	[TSLA_SINGLETON_EACH_SLAVE] = "singleton_each_slave",
};

static const char *const query_names[] = {
	[TQUERY_NODES] = "nodes",
	[TQUERY_SERVICES] = "services",
	[TQUERY_RUNNING] = "running",
	[TQUERY_METERED] = "metered",
	[TQUERY_PENDING] = "pending",
};

struct tmsg_enum {
	const char *const *names;
	int	 n;
};

static const struct tmsg_enum svc_kind_enum =
    { svc_kind_names, (int)nitems(svc_kind_names) };
static const struct tmsg_enum svc_state_enum =
    { svc_state_names, (int)nitems(svc_state_names) };
static const struct tmsg_enum sla_enum =
    { sla_names, (int)nitems(sla_names) };
static const struct tmsg_enum query_enum =
    { query_names, (int)nitems(query_names) };

/* Field descriptors. */
enum tmsg_kind {
	FK_STR,		/* char *, owned */
	FK_BOOL,	/* bool */
	FK_I32,		/* int32_t */
	FK_I64,		/* int64_t */
	FK_U32,		/* uint32_t */
	FK_U64,		/* uint64_t */
	FK_DBL,		/* double; integers accepted on decode */
	FK_ENUM,	/* enum as int; a string on the wire */
	FK_STRUCT,	/* embedded struct */
	FK_LIST,	/* struct array + uint32_t count */
	FK_STRLIST,	/* char ** + uint32_t count */
};

struct tmsg_desc;

struct tmsg_field {
	const char		*key;
	enum tmsg_kind		 kind;
	size_t			 off;
	size_t			 count_off;	/* FK_LIST, FK_STRLIST */
	const struct tmsg_desc	*sub;		/* FK_STRUCT, FK_LIST */
	const struct tmsg_enum	*en;		/* FK_ENUM */
};

struct tmsg_desc {
	const char		*name;		/* prefix of error paths */
	const struct tmsg_field	*fields;
	size_t			 nfields;
	size_t			 size;
};

#define F_SCALAR(t, m, k)	{ #m, k, offsetof(struct t, m), 0, NULL, NULL }
#define F_STR(t, m)		F_SCALAR(t, m, FK_STR)
#define F_BOOL(t, m)		F_SCALAR(t, m, FK_BOOL)
#define F_I32(t, m)		F_SCALAR(t, m, FK_I32)
#define F_I64(t, m)		F_SCALAR(t, m, FK_I64)
#define F_U32(t, m)		F_SCALAR(t, m, FK_U32)
#define F_U64(t, m)		F_SCALAR(t, m, FK_U64)
#define F_DBL(t, m)		F_SCALAR(t, m, FK_DBL)
#define F_ENUM(t, m, e)		\
	{ #m, FK_ENUM, offsetof(struct t, m), 0, NULL, &(e) }
#define F_STRUCT(t, m, d)	\
	{ #m, FK_STRUCT, offsetof(struct t, m), 0, &(d), NULL }
#define F_LIST(t, m, c, d)	\
	{ #m, FK_LIST, offsetof(struct t, m), offsetof(struct t, c), &(d), NULL }
#define F_STRLIST(t, m, c)	\
	{ #m, FK_STRLIST, offsetof(struct t, m), offsetof(struct t, c), \
	    NULL, NULL }
#define DESC(name, t, f)	\
	{ name, f, nitems(f), sizeof(struct t) }

static const struct tmsg_field volume_fields[] = {
	F_STR(tmsg_volume, host_path),
	F_STR(tmsg_volume, container_path),
	F_BOOL(tmsg_volume, read_only),
};
static const struct tmsg_desc volume_desc =
    DESC("volume", tmsg_volume, volume_fields);

static const struct tmsg_field service_fields[] = {
	F_STR(tmsg_service, name),
	F_STR(tmsg_service, group),
	F_STR(tmsg_service, controller),
	F_ENUM(tmsg_service, kind, svc_kind_enum),
	F_STR(tmsg_service, image),
	F_STR(tmsg_service, node_name),
	F_STR(tmsg_service, node_type),
	F_STR(tmsg_service, node_function),
	F_STR(tmsg_service, dependent_service),
	F_STR(tmsg_service, arguments),
	F_STR(tmsg_service, parameters),
	F_DBL(tmsg_service, memory),
	F_DBL(tmsg_service, cpu),
	F_LIST(tmsg_service, volumes, n_volumes, volume_desc),
	F_BOOL(tmsg_service, privileged),
	F_ENUM(tmsg_service, sla, sla_enum),
	F_BOOL(tmsg_service, is_metered),
	F_BOOL(tmsg_service, is_job),
	F_BOOL(tmsg_service, is_system_service),
	F_STR(tmsg_service, network_type),
	F_ENUM(tmsg_service, state, svc_state_enum),
	F_STR(tmsg_service, state_reason),
	F_STR(tmsg_service, task_id),
	F_STR(tmsg_service, agent_id),
	F_STR(tmsg_service, node),
	F_STR(tmsg_service, container_id),
	F_STR(tmsg_service, ip),
	F_I64(tmsg_service, last_update),
	F_U32(tmsg_service, restarts),
	F_STR(tmsg_service, last_failure),
};
static const struct tmsg_desc service_desc =
    DESC("svc", tmsg_service, service_fields);

static const struct tmsg_field node_fields[] = {
	F_STR(tmsg_node, name),
	F_STR(tmsg_node, ip),
	F_STR(tmsg_node, external_ip),
	F_STR(tmsg_node, management_ip),
	F_STR(tmsg_node, node_type),
	F_STR(tmsg_node, node_function),
	F_BOOL(tmsg_node, active),
	F_BOOL(tmsg_node, configured),
	F_STR(tmsg_node, agent_id),
	F_STR(tmsg_node, hostname),
	F_I64(tmsg_node, port_id),
	F_I64(tmsg_node, last_seen),
};
static const struct tmsg_desc node_desc =
    DESC("node", tmsg_node, node_fields);

static const struct tmsg_field sched_status_fields[] = {
	F_U64(tmsg_sched_status, instance),
	F_STR(tmsg_sched_status, framework_id),
	F_STR(tmsg_sched_status, mesos_state),
	F_STR(tmsg_sched_status, master),
	F_I64(tmsg_sched_status, connected_since),
	F_I64(tmsg_sched_status, last_reconcile),
	F_U64(tmsg_sched_status, offers_received),
	F_U64(tmsg_sched_status, offers_declined),
	F_U64(tmsg_sched_status, tasks_launched),
	F_U64(tmsg_sched_status, updates_received),
	F_U64(tmsg_sched_status, subscribes),
	F_BOOL(tmsg_sched_status, reconciled),
};
static const struct tmsg_desc sched_status_desc =
    DESC("status", tmsg_sched_status, sched_status_fields);

static const struct tmsg_field error_fields[] = {
	F_I32(tmsg_error, code),
	F_STR(tmsg_error, message),
};
static const struct tmsg_desc error_desc =
    DESC("error", tmsg_error, error_fields);

static const struct tmsg_field name_fields[] = {
	F_STR(tmsg_name, name),
};
static const struct tmsg_desc name_desc =
    DESC("name", tmsg_name, name_fields);

static const struct tmsg_field snapshot_fields[] = {
	F_U64(tmsg_snapshot, seq),
	F_STRUCT(tmsg_snapshot, status, sched_status_desc),
	F_LIST(tmsg_snapshot, nodes, n_nodes, node_desc),
	F_LIST(tmsg_snapshot, services, n_services, service_desc),
};
static const struct tmsg_desc snapshot_desc =
    DESC("snapshot", tmsg_snapshot, snapshot_fields);

static const struct tmsg_field query_fields[] = {
	F_ENUM(tmsg_query, what, query_enum),
};
static const struct tmsg_desc query_desc =
    DESC("query", tmsg_query, query_fields);

static const struct tmsg_field query_rep_fields[] = {
	F_LIST(tmsg_query_rep, nodes, n_nodes, node_desc),
	F_LIST(tmsg_query_rep, services, n_services, service_desc),
};
static const struct tmsg_desc query_rep_desc =
    DESC("query_rep", tmsg_query_rep, query_rep_fields);

static const struct tmsg_field ctl_result_fields[] = {
	F_I32(tmsg_ctl_result, code),
	F_STR(tmsg_ctl_result, message),
	F_STRLIST(tmsg_ctl_result, names, n_names),
};
static const struct tmsg_desc ctl_result_desc =
    DESC("result", tmsg_ctl_result, ctl_result_fields);

static const struct tmsg_field route_entry_fields[] = {
	F_STR(tmsg_route_entry, name),
	F_STR(tmsg_route_entry, key),
	F_STR(tmsg_route_entry, value),
	F_STR(tmsg_route_entry, status),
	F_STR(tmsg_route_entry, last_error),
	F_U32(tmsg_route_entry, attempts),
	F_I64(tmsg_route_entry, last_change),
};
static const struct tmsg_desc route_entry_desc =
    DESC("route", tmsg_route_entry, route_entry_fields);

static const struct tmsg_field system_status_fields[] = {
	F_STR(tmsg_system_status, name),
	F_BOOL(tmsg_system_status, reachable),
	F_I64(tmsg_system_status, last_success),
	F_STR(tmsg_system_status, last_error),
};
static const struct tmsg_desc system_status_desc =
    DESC("system", tmsg_system_status, system_status_fields);

static const struct tmsg_field routed_status_fields[] = {
	F_LIST(tmsg_routed_status, dns, n_dns, route_entry_desc),
	F_LIST(tmsg_routed_status, routes, n_routes, route_entry_desc),
	F_LIST(tmsg_routed_status, systems, n_systems, system_status_desc),
};
static const struct tmsg_desc routed_status_desc =
    DESC("routed", tmsg_routed_status, routed_status_fields);

/* The payload of SYNC_REQ, CTL_FORGET_FRAMEWORK, ROUTED_STATUS_REQ. */
static const struct tmsg_desc empty_desc = { "payload", NULL, 0, 0 };

/* Every message type: its name, its topic if published, its payload. */
struct tmsg_typeinfo {
	enum tmsg_type		 type;
	const char		*name;
	const char		*topic;
	const struct tmsg_desc	*desc;
};

static const struct tmsg_typeinfo typeinfo[] = {
	{ TMSG_ERROR, "ERROR", NULL, &error_desc },
	{ TMSG_SVC_UPDATE, "SVC_UPDATE", TMSG_TOPIC_SVC, &service_desc },
	{ TMSG_SVC_REMOVE, "SVC_REMOVE", TMSG_TOPIC_SVC, &name_desc },
	{ TMSG_NODE_UPDATE, "NODE_UPDATE", TMSG_TOPIC_NODE, &node_desc },
	{ TMSG_SCHED_STATUS, "SCHED_STATUS", TMSG_TOPIC_SCHED,
	    &sched_status_desc },
	{ TMSG_SYNC_REQ, "SYNC_REQ", NULL, &empty_desc },
	{ TMSG_SYNC_REP, "SYNC_REP", NULL, &snapshot_desc },
	{ TMSG_QUERY_REQ, "QUERY_REQ", NULL, &query_desc },
	{ TMSG_QUERY_REP, "QUERY_REP", NULL, &query_rep_desc },
	{ TMSG_CTL_START_GROUP, "CTL_START_GROUP", NULL, &name_desc },
	{ TMSG_CTL_KILL, "CTL_KILL", NULL, &name_desc },
	{ TMSG_CTL_ANNOUNCE, "CTL_ANNOUNCE", NULL, &service_desc },
	{ TMSG_CTL_FORGET_FRAMEWORK, "CTL_FORGET_FRAMEWORK", NULL,
	    &empty_desc },
	{ TMSG_CTL_RESULT, "CTL_RESULT", NULL, &ctl_result_desc },
	{ TMSG_ROUTED_STATUS_REQ, "ROUTED_STATUS_REQ", NULL, &empty_desc },
	{ TMSG_ROUTED_STATUS_REP, "ROUTED_STATUS_REP", NULL,
	    &routed_status_desc },
};

static const struct tmsg_typeinfo *
type_lookup(int type)
{
	size_t i;

	for (i = 0; i < nitems(typeinfo); i++)
		if ((int)typeinfo[i].type == type)
			return &typeinfo[i];
	return NULL;
}

/* Errors. */
static void seterr(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void fielderr(char *, size_t, const char *, const char *, int64_t,
    const char *, ...) __attribute__((format(printf, 6, 7)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * "path.key[idx]: message"; idx < 0 leaves out the index.  The path is
 * only put together on failure so that decoding stays cheap.
 */
static void
fielderr(char *err, size_t errlen, const char *path, const char *key,
    int64_t idx, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return;
	if (idx >= 0)
		n = snprintf(err, errlen, "%s.%s[%" PRId64 "]: ", path, key,
		    idx);
	else
		n = snprintf(err, errlen, "%s.%s: ", path, key);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static const char *
objtype_name(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return "nil";
	case MSGPACK_OBJECT_BOOLEAN:
		return "boolean";
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return "integer";
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return "float";
	case MSGPACK_OBJECT_STR:
		return "string";
	case MSGPACK_OBJECT_ARRAY:
		return "array";
	case MSGPACK_OBJECT_MAP:
		return "map";
	case MSGPACK_OBJECT_BIN:
		return "binary";
	case MSGPACK_OBJECT_EXT:
		return "extension";
	}
	return "unknown";
}

/*
 * Copy at most 32 bytes of an untrusted string into out for an error
 * message, replacing anything but printable ASCII with '?'.
 */
static void
safe_snippet(char *out, size_t outlen, const char *s, size_t len)
{
	size_t i, n = len < 32 ? len : 32;

	if (n >= outlen)
		n = outlen - 1;
	for (i = 0; i < n; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ?
		    s[i] : '?';
	out[n] = '\0';
}

/*
 * Length of the well-formed UTF-8 sequence at p (at most n bytes), or 0
 * if there is none: overlong forms, surrogates and code points past
 * U+10FFFF are refused, as JSON encoders refuse them.
 */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	uint32_t cp, min;
	size_t i, k;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		k = 2;
		cp = p[0] & 0x1f;
		min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		k = 3;
		cp = p[0] & 0x0f;
		min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		k = 4;
		cp = p[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

static bool
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k;

	while (len > 0) {
		if ((k = utf8_seq(p, len)) == 0)
			return false;
		p += k;
		len -= k;
	}
	return true;
}

/* Name tables, exported. */

static const char *
enum_name(const struct tmsg_enum *e, int v)
{
	if (v < 0 || v >= e->n || e->names[v] == NULL)
		return NULL;
	return e->names[v];
}

static int
enum_parse(const struct tmsg_enum *e, const char *s, size_t len)
{
	int i;

	for (i = 0; i < e->n; i++)
		if (e->names[i] != NULL && strlen(e->names[i]) == len &&
		    memcmp(e->names[i], s, len) == 0)
			return i;
	return -1;
}

const char *
tmsg_type_name(enum tmsg_type type)
{
	const struct tmsg_typeinfo *ti = type_lookup((int)type);

	return ti != NULL ? ti->name : "?";
}

bool
tmsg_type_valid(int type)
{
	return type_lookup(type) != NULL;
}

const char *
tmsg_topic(enum tmsg_type type)
{
	const struct tmsg_typeinfo *ti = type_lookup((int)type);

	return ti != NULL ? ti->topic : NULL;
}

const char *
tmsg_svc_state_name(enum tmsg_svc_state s)
{
	const char *n = enum_name(&svc_state_enum, (int)s);

	return n != NULL ? n : "?";
}

const char *
tmsg_svc_kind_name(enum tmsg_svc_kind k)
{
	const char *n = enum_name(&svc_kind_enum, (int)k);

	return n != NULL ? n : "?";
}

const char *
tmsg_sla_name(enum tmsg_sla s)
{
	const char *n = enum_name(&sla_enum, (int)s);

	return n != NULL ? n : "?";
}

const char *
tmsg_query_name(enum tmsg_query_what w)
{
	const char *n = enum_name(&query_enum, (int)w);

	return n != NULL ? n : "?";
}

int
tmsg_svc_state_parse(const char *s)
{
	return s != NULL ? enum_parse(&svc_state_enum, s, strlen(s)) : -1;
}

int
tmsg_svc_kind_parse(const char *s)
{
	return s != NULL ? enum_parse(&svc_kind_enum, s, strlen(s)) : -1;
}

int
tmsg_sla_parse(const char *s)
{
	return s != NULL ? enum_parse(&sla_enum, s, strlen(s)) : -1;
}

int
tmsg_query_parse(const char *s)
{
	return s != NULL ? enum_parse(&query_enum, s, strlen(s)) : -1;
}

/* Free and copy walkers. */

static void
struct_free(const struct tmsg_desc *d, void *base)
{
	const struct tmsg_field *f;
	size_t i;
	uint32_t j, n;

	for (i = 0; i < d->nfields; i++) {
		f = &d->fields[i];
		switch (f->kind) {
		case FK_STR:
			FREE_NULL(*FIELD_PTR(base, f->off, char *));
			break;
		case FK_STRUCT:
			struct_free(f->sub, FIELD_PTR(base, f->off, char));
			break;
		case FK_LIST: {
			char **arr = FIELD_PTR(base, f->off, char *);

			n = *FIELD_PTR(base, f->count_off, uint32_t);
			if (*arr != NULL)
				for (j = 0; j < n; j++)
					struct_free(f->sub,
					    *arr + (size_t)j * f->sub->size);
			FREE_NULL(*arr);
			*FIELD_PTR(base, f->count_off, uint32_t) = 0;
			break;
		}
		case FK_STRLIST: {
			char ***arr = FIELD_PTR(base, f->off, char **);

			n = *FIELD_PTR(base, f->count_off, uint32_t);
			if (*arr != NULL)
				for (j = 0; j < n; j++)
					free((*arr)[j]);
			FREE_NULL(*arr);
			*FIELD_PTR(base, f->count_off, uint32_t) = 0;
			break;
		}
		default:
			break;
		}
	}
}

/*
 * dst starts as a byte copy of src; then every owned pointer is replaced
 * by a fresh copy.  NULL strings become "", a NULL list becomes empty.
 */
static void
struct_copy(const struct tmsg_desc *d, void *dst, const void *src)
{
	const struct tmsg_field *f;
	size_t i;
	uint32_t j, n;

	if (d->size > 0)
		memcpy(dst, src, d->size);
	for (i = 0; i < d->nfields; i++) {
		f = &d->fields[i];
		switch (f->kind) {
		case FK_STR: {
			const char *s = *FIELD_CPTR(src, f->off, char *);

			*FIELD_PTR(dst, f->off, char *) =
			    xstrdup(s != NULL ? s : "");
			break;
		}
		case FK_STRUCT:
			struct_copy(f->sub, FIELD_PTR(dst, f->off, char),
			    FIELD_CPTR(src, f->off, char));
			break;
		case FK_LIST: {
			const char *sarr = *FIELD_CPTR(src, f->off, char *);
			char *darr = NULL;

			n = *FIELD_CPTR(src, f->count_off, uint32_t);
			if (sarr == NULL)
				n = 0;
			if (n > 0) {
				darr = xcalloc(n, f->sub->size);
				for (j = 0; j < n; j++)
					struct_copy(f->sub,
					    darr + (size_t)j * f->sub->size,
					    sarr + (size_t)j * f->sub->size);
			}
			*FIELD_PTR(dst, f->off, char *) = darr;
			*FIELD_PTR(dst, f->count_off, uint32_t) = n;
			break;
		}
		case FK_STRLIST: {
			char *const *sarr = *FIELD_CPTR(src, f->off, char **);
			char **darr = NULL;

			n = *FIELD_CPTR(src, f->count_off, uint32_t);
			if (sarr == NULL)
				n = 0;
			if (n > 0) {
				darr = xcalloc(n, sizeof(*darr));
				for (j = 0; j < n; j++)
					darr[j] = xstrdup(sarr[j] != NULL ?
					    sarr[j] : "");
			}
			*FIELD_PTR(dst, f->off, char **) = darr;
			*FIELD_PTR(dst, f->count_off, uint32_t) = n;
			break;
		}
		default:
			break;
		}
	}
}

/*
 * Packing: one allocation holding a struct, then its lists (each
 * aligned), then its strings.  Pass one counts, pass two copies.
 */
#define PACK_ALIGN(n)	(((n) + _Alignof(max_align_t) - 1) & \
			    ~(_Alignof(max_align_t) - 1))

struct pack_cursor {
	char	*arr;
	char	*str;
};

static void
pack_size(const struct tmsg_desc *d, const void *src, size_t *arr,
    size_t *str)
{
	for (size_t i = 0; i < d->nfields; i++) {
		const struct tmsg_field *f = &d->fields[i];
		uint32_t n;

		switch (f->kind) {
		case FK_STR: {
			const char *v = *FIELD_CPTR(src, f->off, char *);

			*str += (v != NULL ? strlen(v) : 0) + 1;
			break;
		}
		case FK_STRUCT:
			pack_size(f->sub, FIELD_CPTR(src, f->off, char), arr,
			    str);
			break;
		case FK_LIST: {
			const char *sarr = *FIELD_CPTR(src, f->off, char *);

			n = sarr != NULL ?
			    *FIELD_CPTR(src, f->count_off, uint32_t) : 0;
			*arr += PACK_ALIGN((size_t)n * f->sub->size);
			for (uint32_t j = 0; j < n; j++)
				pack_size(f->sub, sarr + (size_t)j *
				    f->sub->size, arr, str);
			break;
		}
		case FK_STRLIST: {
			char *const *sarr = *FIELD_CPTR(src, f->off, char **);

			n = sarr != NULL ?
			    *FIELD_CPTR(src, f->count_off, uint32_t) : 0;
			*arr += PACK_ALIGN((size_t)n * sizeof(char *));
			for (uint32_t j = 0; j < n; j++)
				*str += (sarr[j] != NULL ? strlen(sarr[j]) :
				    0) + 1;
			break;
		}
		default:
			break;
		}
	}
}

static char *
pack_str(struct pack_cursor *c, const char *v)
{
	size_t len = (v != NULL ? strlen(v) : 0) + 1;
	char *out = c->str;

	memcpy(out, v != NULL ? v : "", len);
	c->str += len;
	return out;
}

/* dst already holds src's bytes; give it the copies of what it points to. */
static void
pack_copy(const struct tmsg_desc *d, void *dst, const void *src,
    struct pack_cursor *c)
{
	for (size_t i = 0; i < d->nfields; i++) {
		const struct tmsg_field *f = &d->fields[i];
		uint32_t n;

		switch (f->kind) {
		case FK_STR:
			*FIELD_PTR(dst, f->off, char *) = pack_str(c,
			    *FIELD_CPTR(src, f->off, char *));
			break;
		case FK_STRUCT:
			pack_copy(f->sub, FIELD_PTR(dst, f->off, char),
			    FIELD_CPTR(src, f->off, char), c);
			break;
		case FK_LIST: {
			const char *sarr = *FIELD_CPTR(src, f->off, char *);
			char *darr = NULL;

			n = sarr != NULL ?
			    *FIELD_CPTR(src, f->count_off, uint32_t) : 0;
			if (n > 0) {
				darr = c->arr;
				c->arr += PACK_ALIGN((size_t)n * f->sub->size);
				memcpy(darr, sarr, (size_t)n * f->sub->size);
				for (uint32_t j = 0; j < n; j++)
					pack_copy(f->sub,
					    darr + (size_t)j * f->sub->size,
					    sarr + (size_t)j * f->sub->size, c);
			}
			*FIELD_PTR(dst, f->off, char *) = darr;
			*FIELD_PTR(dst, f->count_off, uint32_t) = n;
			break;
		}
		case FK_STRLIST: {
			char *const *sarr = *FIELD_CPTR(src, f->off, char **);
			char **darr = NULL;

			n = sarr != NULL ?
			    *FIELD_CPTR(src, f->count_off, uint32_t) : 0;
			if (n > 0) {
				darr = (char **)(void *)c->arr;
				c->arr += PACK_ALIGN((size_t)n *
				    sizeof(char *));
				for (uint32_t j = 0; j < n; j++)
					darr[j] = pack_str(c, sarr[j]);
			}
			*FIELD_PTR(dst, f->off, char **) = darr;
			*FIELD_PTR(dst, f->count_off, uint32_t) = n;
			break;
		}
		default:
			break;
		}
	}
}

struct tmsg_service *
tmsg_service_pack(const struct tmsg_service *src)
{
	size_t head = PACK_ALIGN(sizeof(*src)), arr = 0, str = 0;
	struct pack_cursor c;
	char *block;

	pack_size(&service_desc, src, &arr, &str);
	block = xmalloc(head + arr + str);
	memcpy(block, src, sizeof(*src));
	c.arr = block + head;
	c.str = c.arr + arr;
	pack_copy(&service_desc, block, src, &c);
	return (struct tmsg_service *)(void *)block;
}

void
tmsg_free(struct tmsg *m)
{
	const struct tmsg_typeinfo *ti;

	if (m == NULL)
		return;
	if ((ti = type_lookup((int)m->type)) != NULL)
		struct_free(ti->desc, &m->u);
	memset(m, 0, sizeof(*m));
}

void
tmsg_service_free(struct tmsg_service *s)
{
	if (s == NULL)
		return;
	struct_free(&service_desc, s);
	memset(s, 0, sizeof(*s));
}

void
tmsg_node_free(struct tmsg_node *n)
{
	if (n == NULL)
		return;
	struct_free(&node_desc, n);
	memset(n, 0, sizeof(*n));
}

void
tmsg_service_copy(struct tmsg_service *dst, const struct tmsg_service *src)
{
	struct_copy(&service_desc, dst, src);
}

void
tmsg_node_copy(struct tmsg_node *dst, const struct tmsg_node *src)
{
	struct_copy(&node_desc, dst, src);
}

/* Encoding. */

static int
enc_str(msgpack_packer *pk, const char *s, const char *path,
    const char *key, int64_t idx, char *err, size_t errlen)
{
	size_t len;

	if (s == NULL)
		s = "";
	len = strlen(s);
	if (len > TMSG_MAX_STR) {
		fielderr(err, errlen, path, key, idx,
		    "string of %zu bytes exceeds %d", len, TMSG_MAX_STR);
		return -1;
	}
	if (!utf8_valid(s, len)) {
		fielderr(err, errlen, path, key, idx, "invalid UTF-8");
		return -1;
	}
	if (msgpack_pack_str_with_body(pk, s, len) != 0) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int	enc_struct(msgpack_packer *, const struct tmsg_desc *,
		    const void *, const char *, char *, size_t);

static int
enc_field(msgpack_packer *pk, const struct tmsg_field *f, const void *base,
    const char *path, char *err, size_t errlen)
{
	char sub[256];
	const char *name;
	uint32_t j, n;
	int v, rc = 0;

	switch (f->kind) {
	case FK_STR:
		return enc_str(pk, *FIELD_CPTR(base, f->off, char *), path,
		    f->key, -1, err, errlen);
	case FK_BOOL:
		rc = *FIELD_CPTR(base, f->off, bool) ?
		    msgpack_pack_true(pk) : msgpack_pack_false(pk);
		break;
	case FK_I32:
		rc = msgpack_pack_int64(pk, *FIELD_CPTR(base, f->off,
		    int32_t));
		break;
	case FK_I64:
		rc = msgpack_pack_int64(pk, *FIELD_CPTR(base, f->off,
		    int64_t));
		break;
	case FK_U32:
		rc = msgpack_pack_uint64(pk, *FIELD_CPTR(base, f->off,
		    uint32_t));
		break;
	case FK_U64:
		rc = msgpack_pack_uint64(pk, *FIELD_CPTR(base, f->off,
		    uint64_t));
		break;
	case FK_DBL:
		rc = msgpack_pack_double(pk, *FIELD_CPTR(base, f->off,
		    double));
		break;
	case FK_ENUM:
		v = *FIELD_CPTR(base, f->off, int);
		if ((name = enum_name(f->en, v)) == NULL) {
			fielderr(err, errlen, path, f->key, -1,
			    "invalid value %d", v);
			return -1;
		}
		rc = msgpack_pack_str_with_body(pk, name, strlen(name));
		break;
	case FK_STRUCT:
		snprintf(sub, sizeof(sub), "%s.%s", path, f->key);
		return enc_struct(pk, f->sub, FIELD_CPTR(base, f->off, char),
		    sub, err, errlen);
	case FK_LIST: {
		const char *arr = *FIELD_CPTR(base, f->off, char *);

		n = *FIELD_CPTR(base, f->count_off, uint32_t);
		if (n > TMSG_MAX_LIST) {
			fielderr(err, errlen, path, f->key, -1,
			    "list of %" PRIu32 " entries exceeds %d", n,
			    TMSG_MAX_LIST);
			return -1;
		}
		if (n > 0 && arr == NULL) {
			fielderr(err, errlen, path, f->key, -1,
			    "NULL list with %" PRIu32 " entries", n);
			return -1;
		}
		if (msgpack_pack_array(pk, n) != 0)
			goto nomem;
		for (j = 0; j < n; j++) {
			snprintf(sub, sizeof(sub), "%s.%s[%" PRIu32 "]", path,
			    f->key, j);
			if (enc_struct(pk, f->sub,
			    arr + (size_t)j * f->sub->size, sub, err,
			    errlen) != 0)
				return -1;
		}
		return 0;
	}
	case FK_STRLIST: {
		char *const *arr = *FIELD_CPTR(base, f->off, char **);

		n = *FIELD_CPTR(base, f->count_off, uint32_t);
		if (n > TMSG_MAX_LIST) {
			fielderr(err, errlen, path, f->key, -1,
			    "list of %" PRIu32 " entries exceeds %d", n,
			    TMSG_MAX_LIST);
			return -1;
		}
		if (n > 0 && arr == NULL) {
			fielderr(err, errlen, path, f->key, -1,
			    "NULL list with %" PRIu32 " entries", n);
			return -1;
		}
		if (msgpack_pack_array(pk, n) != 0)
			goto nomem;
		for (j = 0; j < n; j++)
			if (enc_str(pk, arr[j], path, f->key, j, err,
			    errlen) != 0)
				return -1;
		return 0;
	}
	}
	if (rc != 0)
		goto nomem;
	return 0;

nomem:
	seterr(err, errlen, "out of memory");
	return -1;
}

static int
enc_struct(msgpack_packer *pk, const struct tmsg_desc *d, const void *base,
    const char *path, char *err, size_t errlen)
{
	const struct tmsg_field *f;
	size_t i;

	if (msgpack_pack_map(pk, d->nfields) != 0)
		goto nomem;
	for (i = 0; i < d->nfields; i++) {
		f = &d->fields[i];
		if (msgpack_pack_str_with_body(pk, f->key,
		    strlen(f->key)) != 0)
			goto nomem;
		if (enc_field(pk, f, base, path, err, errlen) != 0)
			return -1;
	}
	return 0;

nomem:
	seterr(err, errlen, "out of memory");
	return -1;
}

int
tmsg_encode(const struct tmsg *m, void **buf, size_t *len, char *err,
    size_t errlen)
{
	const struct tmsg_typeinfo *ti;
	msgpack_sbuffer sb;
	msgpack_packer pk;

	*buf = NULL;
	*len = 0;
	if ((ti = type_lookup((int)m->type)) == NULL) {
		seterr(err, errlen, "unknown message type %d", (int)m->type);
		return -1;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (ti->topic != NULL &&
	    msgpack_sbuffer_write(&sb, ti->topic, strlen(ti->topic)) != 0)
		goto nomem;
	if (msgpack_pack_array(&pk, 4) != 0 ||
	    msgpack_pack_uint64(&pk, TMSG_VERSION) != 0 ||
	    msgpack_pack_uint64(&pk, (uint64_t)ti->type) != 0 ||
	    msgpack_pack_uint64(&pk, m->seq) != 0)
		goto nomem;
	if (enc_struct(&pk, ti->desc, &m->u, ti->desc->name, err,
	    errlen) != 0)
		goto fail;
	if (sb.size > TMSG_MAX_SIZE) {
		seterr(err, errlen, "%s of %zu bytes exceeds %u", ti->name,
		    sb.size, TMSG_MAX_SIZE);
		goto fail;
	}
	*len = sb.size;
	*buf = msgpack_sbuffer_release(&sb);
	return 0;

nomem:
	seterr(err, errlen, "out of memory");
fail:
	msgpack_sbuffer_destroy(&sb);
	return -1;
}

/* Decoding. */

/*
 * Walk the msgpack bytes without building anything and check that they
 * are exactly one complete object nested at most TMSG_MAX_DEPTH deep.
 * Every pending object needs at least one byte, so a container declaring
 * more elements than bytes remain is refused here, before msgpack-c would
 * reserve memory for the declared count; after this pass the unpacker's
 * allocations are bounded by the input length, and its own nesting limit
 * (32) is never reached.
 */
#define TMSG_MAX_DEPTH	16

static int
scan_object(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	uint64_t left[TMSG_MAX_DEPTH];	/* elements left per open level */
	uint64_t pending = 1, n;
	size_t off = 0, skip, lenbytes, i;
	int top = 0;
	unsigned char c;

	left[0] = 1;
	while (top >= 0) {
		if (left[top] == 0) {
			top--;
			continue;
		}
		if (off >= len)
			goto truncated;
		c = p[off++];
		left[top]--;
		pending--;
		n = 0;
		skip = 0;
		lenbytes = 0;
		if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 ||
		    c == 0xc3)
			;			/* fixint, nil, bool */
		else if (c <= 0x8f)
			n = 2u * (c & 0x0f);	/* fixmap */
		else if (c <= 0x9f)
			n = c & 0x0f;		/* fixarray */
		else if (c <= 0xbf)
			skip = c & 0x1f;	/* fixstr */
		else {
			switch (c) {
			case 0xc4: case 0xd9:		/* bin8, str8 */
				lenbytes = 1;
				break;
			case 0xc5: case 0xda:		/* bin16, str16 */
				lenbytes = 2;
				break;
			case 0xc6: case 0xdb:		/* bin32, str32 */
				lenbytes = 4;
				break;
			case 0xc7:			/* ext8 */
				lenbytes = 1;
				skip = 1;
				break;
			case 0xc8:			/* ext16 */
				lenbytes = 2;
				skip = 1;
				break;
			case 0xc9:			/* ext32 */
				lenbytes = 4;
				skip = 1;
				break;
			case 0xcc: case 0xd0:
				skip = 1;
				break;
			case 0xcd: case 0xd1:
				skip = 2;
				break;
			case 0xca: case 0xce: case 0xd2:
				skip = 4;
				break;
			case 0xcb: case 0xcf: case 0xd3:
				skip = 8;
				break;
			case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
				skip = 1 + ((size_t)1 << (c - 0xd4));
				break;
			case 0xdc: case 0xde:		/* array16, map16 */
			case 0xdd: case 0xdf:		/* array32, map32 */
				lenbytes = (c == 0xdc || c == 0xde) ? 2 : 4;
				if (len - off < lenbytes)
					goto truncated;
				for (i = 0; i < lenbytes; i++)
					n = n << 8 | p[off + i];
				off += lenbytes;
				lenbytes = 0;
				if (c == 0xde || c == 0xdf)
					n *= 2;
				break;
			default:			/* 0xc1 */
				seterr(err, errlen, "malformed msgpack: "
				    "reserved byte 0xc1 at offset %zu",
				    off - 1);
				return -1;
			}
		}
		if (lenbytes > 0) {
			size_t blen = 0;

			if (len - off < lenbytes)
				goto truncated;
			for (i = 0; i < lenbytes; i++)
				blen = blen << 8 | p[off + i];
			off += lenbytes;
			if (blen > len)
				goto truncated;
			skip += blen;
		}
		if (len - off < skip)
			goto truncated;
		off += skip;
		if (n > 0) {
			pending += n;
			if (pending > len - off)
				goto truncated;
			if (top + 1 >= TMSG_MAX_DEPTH) {
				seterr(err, errlen, "malformed msgpack: "
				    "nested deeper than %d", TMSG_MAX_DEPTH);
				return -1;
			}
			left[++top] = n;
		}
	}
	if (off != len) {
		seterr(err, errlen, "%zu trailing bytes after the message",
		    len - off);
		return -1;
	}
	return 0;

truncated:
	seterr(err, errlen, "truncated message (%zu bytes)", len);
	return -1;
}

static int
dec_str(const msgpack_object *o, char **dst, const char *path,
    const char *key, int64_t idx, char *err, size_t errlen)
{
	const char *s;
	size_t len;

	if (o->type != MSGPACK_OBJECT_STR) {
		fielderr(err, errlen, path, key, idx,
		    "expected string, got %s", objtype_name(o));
		return -1;
	}
	s = o->via.str.ptr;
	len = o->via.str.size;
	if (len > TMSG_MAX_STR) {
		fielderr(err, errlen, path, key, idx,
		    "string of %zu bytes exceeds %d", len, TMSG_MAX_STR);
		return -1;
	}
	if (memchr(s, '\0', len) != NULL) {
		fielderr(err, errlen, path, key, idx,
		    "string contains a NUL byte");
		return -1;
	}
	if (!utf8_valid(s, len)) {
		fielderr(err, errlen, path, key, idx, "invalid UTF-8");
		return -1;
	}
	*dst = xmalloc(len + 1);
	memcpy(*dst, s, len);
	(*dst)[len] = '\0';
	return 0;
}

/* A signed integer in [min, max]. */
static int
dec_int(const msgpack_object *o, int64_t min, int64_t max, int64_t *v,
    const char *path, const char *key, char *err, size_t errlen)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (o->via.u64 > (uint64_t)max)
			goto range;
		*v = (int64_t)o->via.u64;
	} else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		if (o->via.i64 < min)
			goto range;
		*v = o->via.i64;
	} else {
		fielderr(err, errlen, path, key, -1,
		    "expected integer, got %s", objtype_name(o));
		return -1;
	}
	return 0;

range:
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		fielderr(err, errlen, path, key, -1,
		    "value %" PRIu64 " out of range", o->via.u64);
	else
		fielderr(err, errlen, path, key, -1,
		    "value %" PRId64 " out of range", o->via.i64);
	return -1;
}

/* An unsigned integer no larger than max. */
static int
dec_uint(const msgpack_object *o, uint64_t max, uint64_t *v,
    const char *path, const char *key, char *err, size_t errlen)
{
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		fielderr(err, errlen, path, key, -1,
		    "negative value %" PRId64 " for an unsigned field",
		    o->via.i64);
		return -1;
	}
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		fielderr(err, errlen, path, key, -1,
		    "expected unsigned integer, got %s", objtype_name(o));
		return -1;
	}
	if (o->via.u64 > max) {
		fielderr(err, errlen, path, key, -1,
		    "value %" PRIu64 " out of range", o->via.u64);
		return -1;
	}
	*v = o->via.u64;
	return 0;
}

static int	dec_struct(const struct tmsg_desc *, const msgpack_object *,
		    void *, const char *, char *, size_t);
static void	fill_defaults(const struct tmsg_desc *, void *);

/* Checks shared by both kinds of list: an array within the limit. */
static int
dec_list_head(const msgpack_object *o, const char *path, const char *key,
    char *err, size_t errlen)
{
	if (o->type != MSGPACK_OBJECT_ARRAY) {
		fielderr(err, errlen, path, key, -1,
		    "expected array, got %s", objtype_name(o));
		return -1;
	}
	if (o->via.array.size > TMSG_MAX_LIST) {
		fielderr(err, errlen, path, key, -1,
		    "list of %" PRIu32 " entries exceeds %d",
		    o->via.array.size, TMSG_MAX_LIST);
		return -1;
	}
	return 0;
}

static int
dec_field(const struct tmsg_field *f, const msgpack_object *o, void *base,
    const char *path, char *err, size_t errlen)
{
	char sub[256], snip[40];
	int64_t iv;
	uint64_t uv;
	uint32_t j, n;
	int ev;

	switch (f->kind) {
	case FK_STR:
		return dec_str(o, FIELD_PTR(base, f->off, char *), path,
		    f->key, -1, err, errlen);
	case FK_BOOL:
		if (o->type != MSGPACK_OBJECT_BOOLEAN) {
			fielderr(err, errlen, path, f->key, -1,
			    "expected boolean, got %s", objtype_name(o));
			return -1;
		}
		*FIELD_PTR(base, f->off, bool) = o->via.boolean;
		return 0;
	case FK_I32:
		if (dec_int(o, INT32_MIN, INT32_MAX, &iv, path, f->key, err,
		    errlen) != 0)
			return -1;
		*FIELD_PTR(base, f->off, int32_t) = (int32_t)iv;
		return 0;
	case FK_I64:
		if (dec_int(o, INT64_MIN, INT64_MAX, &iv, path, f->key, err,
		    errlen) != 0)
			return -1;
		*FIELD_PTR(base, f->off, int64_t) = iv;
		return 0;
	case FK_U32:
		if (dec_uint(o, UINT32_MAX, &uv, path, f->key, err,
		    errlen) != 0)
			return -1;
		*FIELD_PTR(base, f->off, uint32_t) = (uint32_t)uv;
		return 0;
	case FK_U64:
		if (dec_uint(o, UINT64_MAX, &uv, path, f->key, err,
		    errlen) != 0)
			return -1;
		*FIELD_PTR(base, f->off, uint64_t) = uv;
		return 0;
	case FK_DBL: {
		double *dp = FIELD_PTR(base, f->off, double);

		if (o->type == MSGPACK_OBJECT_FLOAT32 ||
		    o->type == MSGPACK_OBJECT_FLOAT64)
			*dp = o->via.f64;
		else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			*dp = (double)o->via.u64;
		else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
			*dp = (double)o->via.i64;
		else {
			fielderr(err, errlen, path, f->key, -1,
			    "expected number, got %s", objtype_name(o));
			return -1;
		}
		return 0;
	}
	case FK_ENUM:
		if (o->type != MSGPACK_OBJECT_STR) {
			fielderr(err, errlen, path, f->key, -1,
			    "expected string, got %s", objtype_name(o));
			return -1;
		}
		ev = enum_parse(f->en, o->via.str.ptr, o->via.str.size);
		if (ev < 0) {
			safe_snippet(snip, sizeof(snip), o->via.str.ptr,
			    o->via.str.size);
			fielderr(err, errlen, path, f->key, -1,
			    "unknown value \"%s\"", snip);
			return -1;
		}
		*FIELD_PTR(base, f->off, int) = ev;
		return 0;
	case FK_STRUCT:
		snprintf(sub, sizeof(sub), "%s.%s", path, f->key);
		return dec_struct(f->sub, o, FIELD_PTR(base, f->off, char),
		    sub, err, errlen);
	case FK_LIST: {
		char *arr;

		if (dec_list_head(o, path, f->key, err, errlen) != 0)
			return -1;
		n = o->via.array.size;
		if (n == 0)
			return 0;
		/*
		 * Count first, then elements: a failure half way leaves a
		 * zero-filled tail that struct_free() handles.
		 */
		arr = xcalloc(n, f->sub->size);
		*FIELD_PTR(base, f->off, char *) = arr;
		*FIELD_PTR(base, f->count_off, uint32_t) = n;
		for (j = 0; j < n; j++) {
			snprintf(sub, sizeof(sub), "%s.%s[%" PRIu32 "]", path,
			    f->key, j);
			if (dec_struct(f->sub, &o->via.array.ptr[j],
			    arr + (size_t)j * f->sub->size, sub, err,
			    errlen) != 0)
				return -1;
		}
		return 0;
	}
	case FK_STRLIST: {
		char **arr;

		if (dec_list_head(o, path, f->key, err, errlen) != 0)
			return -1;
		n = o->via.array.size;
		if (n == 0)
			return 0;
		arr = xcalloc(n, sizeof(*arr));
		*FIELD_PTR(base, f->off, char **) = arr;
		*FIELD_PTR(base, f->count_off, uint32_t) = n;
		for (j = 0; j < n; j++)
			if (dec_str(&o->via.array.ptr[j], &arr[j], path,
			    f->key, j, err, errlen) != 0)
				return -1;
		return 0;
	}
	}
	return 0;
}

/* Missing keys: strings become "", nested structs get the same. */
static void
fill_defaults(const struct tmsg_desc *d, void *base)
{
	const struct tmsg_field *f;
	size_t i;

	for (i = 0; i < d->nfields; i++) {
		f = &d->fields[i];
		if (f->kind == FK_STR &&
		    *FIELD_PTR(base, f->off, char *) == NULL)
			*FIELD_PTR(base, f->off, char *) = xstrdup("");
		else if (f->kind == FK_STRUCT)
			fill_defaults(f->sub, FIELD_PTR(base, f->off, char));
	}
}

static const struct tmsg_field *
field_lookup(const struct tmsg_desc *d, uint32_t hint, const char *key,
    size_t len, size_t *idx)
{
	size_t i;

	/* Encoders write keys in table order: try that slot first. */
	if (hint < d->nfields && strlen(d->fields[hint].key) == len &&
	    memcmp(d->fields[hint].key, key, len) == 0) {
		*idx = hint;
		return &d->fields[hint];
	}
	for (i = 0; i < d->nfields; i++)
		if (strlen(d->fields[i].key) == len &&
		    memcmp(d->fields[i].key, key, len) == 0) {
			*idx = i;
			return &d->fields[i];
		}
	return NULL;
}

static int
dec_struct(const struct tmsg_desc *d, const msgpack_object *o, void *base,
    const char *path, char *err, size_t errlen)
{
	const struct tmsg_field *f;
	const msgpack_object_kv *kv;
	uint64_t seen = 0;
	uint32_t i;
	size_t idx;

	_Static_assert(nitems(service_fields) <= 64, "seen mask too small");
	if (o->type != MSGPACK_OBJECT_MAP) {
		seterr(err, errlen, "%s: expected map, got %s", path,
		    objtype_name(o));
		return -1;
	}
	for (i = 0; i < o->via.map.size; i++) {
		kv = &o->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR) {
			seterr(err, errlen, "%s: key of type %s, expected "
			    "string", path, objtype_name(&kv->key));
			return -1;
		}
		f = field_lookup(d, i, kv->key.via.str.ptr,
		    kv->key.via.str.size, &idx);
		if (f == NULL)
			continue;	/* a newer sender's field */
		if (seen & ((uint64_t)1 << idx)) {
			fielderr(err, errlen, path, f->key, -1,
			    "duplicate key");
			return -1;
		}
		seen |= (uint64_t)1 << idx;
		if (dec_field(f, &kv->val, base, path, err, errlen) != 0)
			return -1;
	}
	fill_defaults(d, base);
	return 0;
}

int
tmsg_decode(const void *buf, size_t len, struct tmsg *m, char *err,
    size_t errlen)
{
	const unsigned char *p = buf;
	const struct tmsg_typeinfo *ti;
	const msgpack_object *env, *o;
	msgpack_unpacked res;
	msgpack_unpack_return ur;
	const char *topic = NULL;
	size_t tlen = 0, off = 0;
	char tbuf[TMSG_TOPIC_MAX + 1];

	memset(m, 0, sizeof(*m));
	if (len > TMSG_MAX_SIZE) {
		seterr(err, errlen, "message of %zu bytes exceeds %u", len,
		    TMSG_MAX_SIZE);
		return -1;
	}
	if (len == 0) {
		seterr(err, errlen, "empty message");
		return -1;
	}

	/*
	 * An envelope starts with an array header byte (0x90-0x9f, 0xdc,
	 * 0xdd), never with a lowercase letter: so a leading letter means
	 * a topic, which runs up to and including the first dot.
	 */
	if (p[0] >= 'a' && p[0] <= 'z') {
		/* The dot is at most the TMSG_TOPIC_MAXth byte. */
		for (tlen = 0; tlen < len && tlen < TMSG_TOPIC_MAX - 1;
		    tlen++) {
			if (p[tlen] == '.')
				break;
			if (!((p[tlen] >= 'a' && p[tlen] <= 'z') ||
			    (p[tlen] >= '0' && p[tlen] <= '9') ||
			    p[tlen] == '_'))
				break;
		}
		if (tlen == len || p[tlen] != '.') {
			seterr(err, errlen, "malformed topic");
			return -1;
		}
		tlen++;
		topic = (const char *)p;
		memcpy(tbuf, topic, tlen);
		tbuf[tlen] = '\0';
		p += tlen;
		len -= tlen;
	}

	if (scan_object(p, len, err, errlen) != 0)
		return -1;
	msgpack_unpacked_init(&res);
	ur = msgpack_unpack_next(&res, (const char *)p, len, &off);
	if (ur != MSGPACK_UNPACK_SUCCESS || off != len) {
		seterr(err, errlen, ur == MSGPACK_UNPACK_NOMEM_ERROR ?
		    "out of memory" : "malformed msgpack");
		goto fail;
	}

	env = &res.data;
	if (env->type != MSGPACK_OBJECT_ARRAY) {
		seterr(err, errlen, "envelope: expected array, got %s",
		    objtype_name(env));
		goto fail;
	}
	if (env->via.array.size != 4) {
		seterr(err, errlen, "envelope: expected 4 elements, got %"
		    PRIu32, env->via.array.size);
		goto fail;
	}

	o = &env->via.array.ptr[0];
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		seterr(err, errlen, "envelope version: expected unsigned "
		    "integer, got %s", objtype_name(o));
		goto fail;
	}
	if (o->via.u64 != TMSG_VERSION) {
		seterr(err, errlen, "unsupported version %" PRIu64,
		    o->via.u64);
		goto fail;
	}

	o = &env->via.array.ptr[1];
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		seterr(err, errlen, "envelope type: expected unsigned "
		    "integer, got %s", objtype_name(o));
		goto fail;
	}
	if (o->via.u64 > INT32_MAX ||
	    (ti = type_lookup((int)o->via.u64)) == NULL) {
		seterr(err, errlen, "unknown message type %" PRIu64,
		    o->via.u64);
		goto fail;
	}

	if (ti->topic != NULL && topic == NULL) {
		seterr(err, errlen, "missing topic \"%s\" for published type "
		    "%s", ti->topic, ti->name);
		goto fail;
	}
	if (ti->topic != NULL && strcmp(tbuf, ti->topic) != 0) {
		seterr(err, errlen, "topic \"%s\" does not match type %s "
		    "(expected \"%s\")", tbuf, ti->name, ti->topic);
		goto fail;
	}
	if (ti->topic == NULL && topic != NULL) {
		seterr(err, errlen, "unexpected topic \"%s\" on %s, which is "
		    "not published", tbuf, ti->name);
		goto fail;
	}

	o = &env->via.array.ptr[2];
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		seterr(err, errlen, "envelope seq: expected unsigned "
		    "integer, got %s", objtype_name(o));
		goto fail;
	}
	m->type = ti->type;
	m->seq = o->via.u64;

	if (dec_struct(ti->desc, &env->via.array.ptr[3], &m->u,
	    ti->desc->name, err, errlen) != 0)
		goto fail;
	msgpack_unpacked_destroy(&res);
	return 0;

fail:
	if (m->type != 0)
		tmsg_free(m);
	memset(m, 0, sizeof(*m));
	msgpack_unpacked_destroy(&res);
	return -1;
}

/* JSON rendering. */

/* A JSON string; bytes that are not UTF-8 become '?' (hand-built). */
static json_t *
json_str(const char *s)
{
	json_t *j;
	char *t;
	size_t len, i = 0, k;

	if (s == NULL)
		s = "";
	if ((j = json_string(s)) != NULL)
		return j;
	len = strlen(s);
	t = xstrdup(s);
	while (i < len) {
		k = utf8_seq((const unsigned char *)t + i, len - i);
		if (k == 0) {
			t[i] = '?';
			k = 1;
		}
		i += k;
	}
	j = json_string(t);
	free(t);
	return j;
}

/* uint64 values above what a JSON integer holds become strings. */
static json_t *
json_u64(uint64_t v)
{
	char b[24];

	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(b, sizeof(b), "%" PRIu64, v);
	return json_string(b);
}

static json_t	*json_struct(const struct tmsg_desc *, const void *);

static json_t *
json_field(const struct tmsg_field *f, const void *base)
{
	const char *name;
	json_t *a;
	uint32_t j, n;
	double dv;
	int v;

	switch (f->kind) {
	case FK_STR:
		return json_str(*FIELD_CPTR(base, f->off, char *));
	case FK_BOOL:
		return json_boolean(*FIELD_CPTR(base, f->off, bool));
	case FK_I32:
		return json_integer(*FIELD_CPTR(base, f->off, int32_t));
	case FK_I64:
		return json_integer(*FIELD_CPTR(base, f->off, int64_t));
	case FK_U32:
		return json_integer(*FIELD_CPTR(base, f->off, uint32_t));
	case FK_U64:
		return json_u64(*FIELD_CPTR(base, f->off, uint64_t));
	case FK_DBL:
		dv = *FIELD_CPTR(base, f->off, double);
		return isfinite(dv) ? json_real(dv) : json_null();
	case FK_ENUM:
		v = *FIELD_CPTR(base, f->off, int);
		name = enum_name(f->en, v);
		return name != NULL ? json_string(name) : json_integer(v);
	case FK_STRUCT:
		return json_struct(f->sub, FIELD_CPTR(base, f->off, char));
	case FK_LIST: {
		const char *arr = *FIELD_CPTR(base, f->off, char *);

		n = arr != NULL ? *FIELD_CPTR(base, f->count_off, uint32_t) : 0;
		if ((a = json_array()) == NULL)
			return NULL;
		for (j = 0; j < n; j++)
			if (json_array_append_new(a, json_struct(f->sub,
			    arr + (size_t)j * f->sub->size)) != 0)
				goto fail;
		return a;
	}
	case FK_STRLIST: {
		char *const *arr = *FIELD_CPTR(base, f->off, char **);

		n = arr != NULL ? *FIELD_CPTR(base, f->count_off, uint32_t) : 0;
		if ((a = json_array()) == NULL)
			return NULL;
		for (j = 0; j < n; j++)
			if (json_array_append_new(a, json_str(arr[j])) != 0)
				goto fail;
		return a;
	}
	}
	return NULL;

fail:
	json_decref(a);
	return NULL;
}

static json_t *
json_struct(const struct tmsg_desc *d, const void *base)
{
	json_t *o;
	size_t i;

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < d->nfields; i++)
		if (json_object_set_new(o, d->fields[i].key,
		    json_field(&d->fields[i], base)) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

char *
tmsg_to_json(const struct tmsg *m)
{
	const struct tmsg_typeinfo *ti = type_lookup((int)m->type);
	json_t *o;
	char *s = NULL;

	if ((o = json_object()) == NULL)
		return NULL;
	if (json_object_set_new(o, "topic", ti != NULL && ti->topic != NULL ?
	    json_string(ti->topic) : json_null()) != 0 ||
	    json_object_set_new(o, "type",
	    json_string(tmsg_type_name(m->type))) != 0 ||
	    json_object_set_new(o, "seq", json_u64(m->seq)) != 0 ||
	    json_object_set_new(o, "payload", ti != NULL ?
	    json_struct(ti->desc, &m->u) : json_object()) != 0)
		goto fail;
	s = json_dumps(o, JSON_COMPACT);
fail:
	json_decref(o);
	return s;
}
