/*
 * replica.c - snapshot + sequenced deltas -> a local copy of schedd's
 * state (see replica.h for the rules).
 */
#include "replica.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void
replica_init(struct replica *r)
{
	memset(r, 0, sizeof(*r));
}

void
replica_set_trim(struct replica *r, void (*trim)(struct tmsg_service *))
{
	r->trim = trim;
}

static void
drop_held(struct replica *r)
{
	for (size_t i = 0; i < r->n_held; i++)
		tmsg_free(&r->held[i]);
	free(r->held);
	r->held = NULL;
	r->n_held = 0;
}

static void
clear_state(struct replica *r)
{
	for (size_t i = 0; i < r->n_nodes; i++) {
		tmsg_node_free(r->nodes[i]);
		free(r->nodes[i]);
	}
	free(r->nodes);
	r->nodes = NULL;
	r->n_nodes = 0;
	for (size_t i = 0; i < r->n_services; i++) {
		free(r->services[i]);	/* packed */
	}
	free(r->services);
	r->services = NULL;
	r->n_services = 0;
}

static void
status_free(struct tmsg_sched_status *st)
{
	free(st->framework_id);
	free(st->mesos_state);
	free(st->master);
	memset(st, 0, sizeof(*st));
}

/* Take the strings of src (a decoded message's status) into dst. */
static void
status_move(struct tmsg_sched_status *dst, struct tmsg_sched_status *src)
{
	status_free(dst);
	*dst = *src;
	src->framework_id = NULL;
	src->mesos_state = NULL;
	src->master = NULL;
}

void
replica_free(struct replica *r)
{
	clear_state(r);
	drop_held(r);
	status_free(&r->status);
	memset(r, 0, sizeof(*r));
}

void
replica_begin_sync(struct replica *r)
{
	r->syncing = true;
	r->synced = false;
	drop_held(r);
}

/* Binary search by name: index of the match, or the insertion point. */
static size_t
find_idx(void *const *arr, size_t n, size_t name_off, const char *name,
    bool *found)
{
	size_t lo = 0, hi = n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = *(char *const *)((const char *)arr[mid] +
		    name_off);
		int c = strcmp(k, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
put_service(struct replica *r, struct tmsg_service *s)
{
	bool found;
	size_t i = find_idx((void *const *)r->services, r->n_services,
	    offsetof(struct tmsg_service, name), s->name, &found);
	struct tmsg_service *copy;

	if (r->trim != NULL)
		r->trim(s);
	/* Packed: a rack's thousands of services, one block each. */
	copy = tmsg_service_pack(s);

	tmsg_service_free(s);
	if (found) {
		free(r->services[i]);
		r->services[i] = copy;
		return;
	}
	r->services = xrealloc(r->services,
	    (r->n_services + 1) * sizeof(*r->services));
	memmove(&r->services[i + 1], &r->services[i],
	    (r->n_services - i) * sizeof(*r->services));
	r->services[i] = copy;
	r->n_services++;
}

static void
del_service(struct replica *r, const char *name)
{
	bool found;
	size_t i = find_idx((void *const *)r->services, r->n_services,
	    offsetof(struct tmsg_service, name), name, &found);

	if (!found)
		return;
	free(r->services[i]);	/* packed */
	memmove(&r->services[i], &r->services[i + 1],
	    (r->n_services - i - 1) * sizeof(*r->services));
	r->n_services--;
}

static void
put_node(struct replica *r, struct tmsg_node *n)
{
	bool found;
	size_t i = find_idx((void *const *)r->nodes, r->n_nodes,
	    offsetof(struct tmsg_node, name), n->name, &found);
	struct tmsg_node *copy = xmalloc(sizeof(*copy));

	*copy = *n;
	memset(n, 0, sizeof(*n));
	if (found) {
		tmsg_node_free(r->nodes[i]);
		free(r->nodes[i]);
		r->nodes[i] = copy;
		return;
	}
	r->nodes = xrealloc(r->nodes, (r->n_nodes + 1) * sizeof(*r->nodes));
	memmove(&r->nodes[i + 1], &r->nodes[i],
	    (r->n_nodes - i) * sizeof(*r->nodes));
	r->nodes[i] = copy;
	r->n_nodes++;
}

const struct tmsg_service *
replica_service(const struct replica *r, const char *name)
{
	bool found;
	size_t i = find_idx((void *const *)r->services, r->n_services,
	    offsetof(struct tmsg_service, name), name, &found);

	return found ? r->services[i] : NULL;
}

const struct tmsg_node *
replica_node(const struct replica *r, const char *name)
{
	bool found;
	size_t i = find_idx((void *const *)r->nodes, r->n_nodes,
	    offsetof(struct tmsg_node, name), name, &found);

	return found ? r->nodes[i] : NULL;
}

static void
gap(struct replica *r)
{
	r->synced = false;
	r->syncing = false;
	drop_held(r);
}

/* Apply m, known to follow on (seq == last_seq + 1). */
static void
apply_now(struct replica *r, struct tmsg *m, replica_change_cb *cb, void *arg)
{
	struct replica_change c = { .type = m->type };
	char *name = NULL;

	r->last_seq = m->seq;
	switch (m->type) {
	case TMSG_SVC_UPDATE:
		name = xstrdup(m->u.svc.name);
		put_service(r, &m->u.svc);
		break;
	case TMSG_SVC_REMOVE:
		name = xstrdup(m->u.name.name);
		del_service(r, name);
		break;
	case TMSG_NODE_UPDATE:
		name = xstrdup(m->u.node.name);
		put_node(r, &m->u.node);
		break;
	case TMSG_SCHED_STATUS:
		status_move(&r->status, &m->u.status);
		break;
	default:
		return;
	}
	r->version++;
	c.name = name;
	if (cb != NULL)
		cb(&c, arg);
	free(name);
}

static bool
is_published(enum tmsg_type t)
{
	return t == TMSG_SVC_UPDATE || t == TMSG_SVC_REMOVE ||
	    t == TMSG_NODE_UPDATE || t == TMSG_SCHED_STATUS;
}

enum replica_result
replica_apply(struct replica *r, struct tmsg *m, replica_change_cb *cb,
    void *arg)
{
	if (!is_published(m->type))
		return REPLICA_IGNORED;
	if (r->syncing) {
		if (r->n_held >= REPLICA_MAX_HELD) {
			gap(r);
			return REPLICA_GAP;
		}
		r->held = xrealloc(r->held, (r->n_held + 1) * sizeof(*r->held));
		r->held[r->n_held++] = *m;
		memset(m, 0, sizeof(*m));
		m->type = TMSG_SYNC_REQ;	/* empty payload: free is a no-op */
		return REPLICA_HELD;
	}
	if (!r->synced)
		return REPLICA_IGNORED;
	if (m->seq != r->last_seq + 1 || (m->type == TMSG_SCHED_STATUS &&
	    r->status.instance != 0 &&
	    m->u.status.instance != r->status.instance)) {
		gap(r);
		return REPLICA_GAP;
	}
	apply_now(r, m, cb, arg);
	return REPLICA_APPLIED;
}

enum replica_result
replica_load_snapshot(struct replica *r, struct tmsg_snapshot *snap,
    replica_change_cb *cb, void *arg)
{
	struct tmsg *held = r->held;
	size_t n_held = r->n_held;
	enum replica_result res = REPLICA_APPLIED;

	r->held = NULL;
	r->n_held = 0;
	clear_state(r);
	status_move(&r->status, &snap->status);
	for (uint32_t i = 0; i < snap->n_nodes; i++)
		put_node(r, &snap->nodes[i]);
	for (uint32_t i = 0; i < snap->n_services; i++)
		put_service(r, &snap->services[i]);
	r->last_seq = snap->seq;
	r->synced = true;
	r->syncing = false;
	r->version++;
	for (size_t i = 0; i < n_held; i++) {
		if (res == REPLICA_APPLIED && held[i].seq > r->last_seq) {
			if (held[i].seq != r->last_seq + 1 ||
			    (held[i].type == TMSG_SCHED_STATUS &&
			    held[i].u.status.instance != r->status.instance)) {
				gap(r);
				res = REPLICA_GAP;
			} else
				apply_now(r, &held[i], cb, arg);
		}
		tmsg_free(&held[i]);
	}
	free(held);
	return res;
}
