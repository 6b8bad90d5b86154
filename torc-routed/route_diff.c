/*
 * route_diff.c - desired versus programmed versus observed, per entry:
 * which change to make next, what its answer means, when to retry.
 * Pure: no I/O, no logging, time passed in (mono ms).
 *
 * Reconciliation policy
 * ---------------------
 * Every DNS entry (keyed by its Consul ID) and every route (keyed by its
 * prefix) is one route_entry holding three things: what schedd's state
 * says should exist (want, des), what torc believes is on the outside
 * (prog, cur), and the change in flight if any.  The next change is
 * always computed from the latest desired state at the moment it is
 * handed out, never queued in advance: if a service moves three times
 * while Consul is down, only its final address is registered once
 * Consul answers again.  Intermediate steps are never replayed.
 *
 * An entry that is wanted and not there (or there with another value) is
 * created; Consul replaces an entry in place, but the switch keys routes
 * by prefix, so a route whose next hop changed is deleted first and
 * created again once the delete is confirmed.  An entry that is not
 * wanted and may be there is deleted.  An entry that is neither wanted
 * nor there is forgotten.
 *
 * Ownership: torc only ever deletes or rewrites what it owns.  A Consul
 * entry is ours when its ID starts with "torc-" and it carries the tag
 * "torc" (the driver decides).  A route is ours when its prefix is in the
 * owned set, which the daemon persists: a prefix is claimed before the
 * first create is sent, and released once a delete of an unwanted route
 * is confirmed or an observation shows it gone.  A key that is wanted
 * but held by something torc does not own is "foreign": it is reported
 * failed and left alone until an observation shows it gone.  A create
 * answered "exists" means the prefix was foreign, unless an earlier
 * create of ours had an unknown outcome (then it was probably ours).
 *
 * Failures: each failed change counts an attempt and sets a retry time
 * min(cap, base * 2^(attempts-1)) for that entry alone; other entries go
 * on.  A new desired value resets the count: it is a new target.  An
 * answer-less failure (timeout, connection lost) marks the entry
 * uncertain: the change may have happened, which matters for the
 * "exists" rule above and makes an unwanted, uncertain entry get a
 * delete rather than be forgotten.
 *
 * Observation (the periodic reconcile) replaces prog/cur with what the
 * listing shows, for every entry torc did not touch since the listing
 * started (an entry changed later, or in flight, knows better).  Keys of
 * ours that are listed but not wanted are added as unwanted and so get
 * deleted: this is how stale entries from before a restart go away.
 *
 * Gates: nothing is handed out before the first observation of a system,
 * so a restarted daemon does not act on guesses (a route that is already
 * there is not created again, and nothing flaps); deletions wait until
 * the desired state is complete (allow_delete, set once schedd's
 * snapshot is in), so entries are not removed merely because routed has
 * not heard of them yet.
 */
#include "route.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Every entry without an error shares this one (never freed). */
static char route_no_error[] = "";

/* --- route_map: open addressing, linear probing, tombstones --- */

/*
 * 16 bytes a slot (four maps of up to 32,768 slots at 10,000 services):
 * no stored hash, and a tombstone is this key.
 */
struct route_map_slot {
	char		*key;		/* NULL: empty; route_map_tomb: deleted */
	void		*val;
};

static char route_map_tomb[] = "";

static bool
slot_live(const struct route_map_slot *s)
{
	return s->key != NULL && s->key != route_map_tomb;
}

static uint32_t
route_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void
route_map_init(struct route_map *m)
{
	memset(m, 0, sizeof(*m));
}

void
route_map_init_borrowed(struct route_map *m)
{
	memset(m, 0, sizeof(*m));
	m->borrow = true;
}

void
route_map_free(struct route_map *m)
{
	for (size_t i = 0; i < m->cap && !m->borrow; i++)
		if (slot_live(&m->slots[i]))
			free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static struct route_map_slot *
route_map_lookup(const struct route_map *m, const char *key, uint32_t h)
{
	size_t mask, i;

	if (m->cap == 0)
		return NULL;
	mask = m->cap - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		struct route_map_slot *s = &m->slots[i];

		if (s->key == NULL)
			return NULL;
		if (s->key != route_map_tomb && strcmp(s->key, key) == 0)
			return s;
	}
}

static void
route_map_grow(struct route_map *m)
{
	struct route_map_slot *old = m->slots;
	size_t oldcap = m->cap, ncap = m->cap ? m->cap : 16;

	while (ncap < (m->n + 1) * 2)
		ncap *= 2;
	m->slots = xcalloc(ncap, sizeof(*m->slots));
	m->cap = ncap;
	m->used = m->n;
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (!slot_live(&old[i]))
			continue;
		for (j = route_hash(old[i].key) & (ncap - 1);
		    m->slots[j].key != NULL; j = (j + 1) & (ncap - 1))
			;
		m->slots[j] = old[i];
	}
	free(old);
}

void *
route_map_get(const struct route_map *m, const char *key)
{
	struct route_map_slot *s = route_map_lookup(m, key, route_hash(key));

	return s != NULL ? s->val : NULL;
}

void
route_map_put(struct route_map *m, const char *key, void *val)
{
	uint32_t h = route_hash(key);
	struct route_map_slot *s = route_map_lookup(m, key, h);
	size_t i, mask;

	if (s != NULL) {
		/* A borrowed key belongs to the value: take the new one's. */
		if (m->borrow)
			s->key = (char *)key;
		s->val = val;
		return;
	}
	if ((m->used + 1) * 4 >= m->cap * 3)
		route_map_grow(m);
	mask = m->cap - 1;
	for (i = h & mask; slot_live(&m->slots[i]); i = (i + 1) & mask)
		;
	if (m->slots[i].key == NULL)
		m->used++;
	m->slots[i].key = m->borrow ? (char *)key : xstrdup(key);
	m->slots[i].val = val;
	m->n++;
}

void *
route_map_del(struct route_map *m, const char *key)
{
	struct route_map_slot *s = route_map_lookup(m, key, route_hash(key));
	void *v;

	if (s == NULL)
		return NULL;
	v = s->val;
	if (!m->borrow)
		free(s->key);
	s->key = route_map_tomb;
	s->val = NULL;
	m->n--;
	return v;
}

void *
route_map_at(const struct route_map *m, size_t i)
{
	return i < m->cap && slot_live(&m->slots[i]) ? m->slots[i].val : NULL;
}

/* --- values --- */

static bool
streq0(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/*
 * A value's strings are packed, in field order, into one block that
 * starts at its first non-NULL field, behind a reference count: one
 * malloc instead of five, and a copy of a value (des -> sent -> cur, an
 * observation equal to what is wanted) is the same block, not another.
 * Values are never changed in place, so sharing is safe.
 */
struct route_val_hdr {
	uint32_t	refs;
	uint32_t	pad;
};

static struct route_val_hdr *
route_val_hdr(const struct route_val *v)
{
	char *first = v->name != NULL ? v->name : v->addr != NULL ? v->addr :
	    v->task_id != NULL ? v->task_id : v->node != NULL ? v->node :
	    v->origin;

	return first != NULL ? (struct route_val_hdr *)(void *)(first -
	    sizeof(struct route_val_hdr)) : NULL;
}

void
route_val_free(struct route_val *v)
{
	struct route_val_hdr *h = route_val_hdr(v);

	if (h != NULL && --h->refs == 0)
		free(h);
	memset(v, 0, sizeof(*v));
}

static void
route_val_build(struct route_val *out, const char *name, const char *addr,
    const char *task_id, const char *node, const char *origin)
{
	const char *src[5] = { name, addr, task_id, node, origin };
	char **dst[5] = { &out->name, &out->addr, &out->task_id, &out->node,
	    &out->origin };
	size_t len[5], total = 0;
	struct route_val_hdr *h;
	char *p;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 5; i++) {
		len[i] = src[i] != NULL ? strlen(src[i]) + 1 : 0;
		total += len[i];
	}
	if (total == 0)
		return;
	h = xmalloc(sizeof(*h) + total);
	h->refs = 1;
	h->pad = 0;
	p = (char *)(h + 1);
	for (int i = 0; i < 5; i++) {
		if (src[i] == NULL)
			continue;
		memcpy(p, src[i], len[i]);
		*dst[i] = p;
		p += len[i];
	}
}

void
route_val_set(struct route_val *v, const char *name, const char *addr,
    const char *task_id, const char *node, const char *origin)
{
	struct route_val nv;

	route_val_build(&nv, name, addr, task_id, node, origin);
	route_val_free(v);	/* after: the arguments may point into v */
	*v = nv;
}

void
route_val_copy(struct route_val *dst, const struct route_val *src)
{
	route_val_build(dst, src->name, src->addr, src->task_id, src->node,
	    src->origin);
}

/*
 * dst becomes src with one more reference: only between values an entry
 * holds (des, sent, cur), which route_val_copy() or route_val_set()
 * built.  Values from outside (wants, observations) are copied in.
 */
static void
route_val_share(struct route_val *dst, const struct route_val *src)
{
	struct route_val_hdr *h = route_val_hdr(src);

	*dst = *src;
	if (h != NULL)
		h->refs++;
}

bool
route_val_equal(const struct route_val *a, const struct route_val *b)
{
	return streq0(a->name, b->name) && streq0(a->addr, b->addr) &&
	    streq0(a->task_id, b->task_id) && streq0(a->node, b->node) &&
	    streq0(a->origin, b->origin);
}

/* Does the outside's value match?  The switch only holds the next hop. */
static bool
route_outside_equal(const struct route_table *t, const struct route_val *a,
    const struct route_val *b)
{
	if (t->kind == ROUTE_KIND_ROUTE)
		return streq0(a->addr, b->addr);
	return route_val_equal(a, b);
}

const char *
route_status_name(enum route_status st)
{
	switch (st) {
	case ROUTE_ST_PENDING:
		return "pending";
	case ROUTE_ST_PROGRAMMED:
		return "programmed";
	case ROUTE_ST_FAILED:
		return "failed";
	case ROUTE_ST_REMOVING:
		return "removing";
	case ROUTE_ST_GONE:
		return "gone";
	}
	return "?";
}

/* --- the waiting heap (by next_try); heap_idx is index + 1 --- */

static void
heap_set(struct route_table *t, size_t i, struct route_entry *e)
{
	t->heap[i] = e;
	e->heap_idx = (uint32_t)(i + 1);
}

static void
heap_up(struct route_table *t, size_t i)
{
	struct route_entry *e = t->heap[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (t->heap[p]->next_try <= e->next_try)
			break;
		heap_set(t, i, t->heap[p]);
		i = p;
	}
	heap_set(t, i, e);
}

static void
heap_down(struct route_table *t, size_t i)
{
	struct route_entry *e = t->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= t->n_heap)
			break;
		if (c + 1 < t->n_heap &&
		    t->heap[c + 1]->next_try < t->heap[c]->next_try)
			c++;
		if (e->next_try <= t->heap[c]->next_try)
			break;
		heap_set(t, i, t->heap[c]);
		i = c;
	}
	heap_set(t, i, e);
}

static void
heap_push(struct route_table *t, struct route_entry *e)
{
	if (t->n_heap == t->cap_heap) {
		t->cap_heap = t->cap_heap ? t->cap_heap * 2 : 64;
		t->heap = xrealloc(t->heap, t->cap_heap * sizeof(*t->heap));
	}
	t->heap[t->n_heap++] = e;
	heap_up(t, t->n_heap - 1);
}

static void
heap_remove(struct route_table *t, struct route_entry *e)
{
	size_t i = e->heap_idx - 1;
	struct route_entry *last = t->heap[--t->n_heap];

	e->heap_idx = 0;
	if (i == t->n_heap)
		return;
	heap_set(t, i, last);
	heap_up(t, i);
	heap_down(t, last->heap_idx - 1);
}

/* --- queues --- */

static void
queue_remove(struct route_table *t, struct route_entry *e)
{
	if (e->q == ROUTE_Q_READY) {
		if (e->qprev != NULL)
			e->qprev->qnext = e->qnext;
		else
			t->rhead = e->qnext;
		if (e->qnext != NULL)
			e->qnext->qprev = e->qprev;
		else
			t->rtail = e->qprev;
		e->qprev = e->qnext = NULL;
	} else if (e->q == ROUTE_Q_WAIT)
		heap_remove(t, e);
	e->q = ROUTE_Q_NONE;
}

static void
queue_ready(struct route_table *t, struct route_entry *e)
{
	queue_remove(t, e);
	e->q = ROUTE_Q_READY;
	e->qnext = NULL;
	e->qprev = t->rtail;
	if (t->rtail != NULL)
		t->rtail->qnext = e;
	else
		t->rhead = e;
	t->rtail = e;
}

static void
queue_wait(struct route_table *t, struct route_entry *e)
{
	queue_remove(t, e);
	e->q = ROUTE_Q_WAIT;
	heap_push(t, e);
}

/* --- entries --- */

void
route_table_init(struct route_table *t, enum route_kind kind)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	route_map_init_borrowed(&t->index);	/* keys: e->key */
	route_map_init_borrowed(&t->owners);	/* keys: e->owner */
	t->backoff_base_ms = 100;
	t->backoff_cap_ms = 5000;
}

static void
entry_set_owner(struct route_table *t, struct route_entry *e,
    const char *owner)
{
	if (e->owner != NULL &&
	    route_map_get(&t->owners, e->owner) == e)
		route_map_del(&t->owners, e->owner);
	FREE_NULL(e->owner);
	if (owner != NULL) {
		e->owner = xstrdup(owner);
		route_map_put(&t->owners, e->owner, e);
	}
}

static void
entry_free(struct route_entry *e)
{
	free(e->owner);
	route_val_free(&e->des);
	route_val_free(&e->cur);
	route_val_free(&e->sent);
	if (e->last_error != route_no_error)
		free(e->last_error);
	free(e);
}

static void
entry_unlink(struct route_table *t, struct route_entry *e)
{
	queue_remove(t, e);
	entry_set_owner(t, e, NULL);
	route_map_del(&t->index, e->key);
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		t->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		t->tail = e->prev;
	t->n--;
	entry_free(e);
}

void
route_table_free(struct route_table *t)
{
	struct route_entry *e, *next;

	for (e = t->head; e != NULL; e = next) {
		next = e->next;
		entry_free(e);
	}
	route_map_free(&t->index);
	route_map_free(&t->owners);
	free(t->heap);
	memset(t, 0, sizeof(*t));
}

struct route_entry *
route_table_find(const struct route_table *t, const char *key)
{
	return route_map_get(&t->index, key);
}

static struct route_entry *
entry_get(struct route_table *t, const char *key, int64_t now)
{
	struct route_entry *e = route_map_get(&t->index, key);

	if (e != NULL)
		return e;
	/* The key lives in the entry's own block. */
	e = xcalloc(1, sizeof(*e) + strlen(key) + 1);
	e->key = memcpy(e + 1, key, strlen(key) + 1);
	e->last_error = route_no_error;
	e->status = ROUTE_ST_GONE;	/* settle() reports the first status */
	e->last_change = now;
	route_map_put(&t->index, e->key, e);
	e->prev = t->tail;
	if (t->tail != NULL)
		t->tail->next = e;
	else
		t->head = e;
	t->tail = e;
	t->n++;
	return e;
}

static void
entry_set_error(struct route_entry *e, const char *err)
{
	if (e->last_error != route_no_error)
		free(e->last_error);
	e->last_error = err != NULL && *err != '\0' ? xstrdup(err) :
	    route_no_error;
}

int64_t
route_backoff(const struct route_table *t, uint32_t n)
{
	int64_t d = t->backoff_base_ms;

	if (n == 0)
		return 0;
	while (--n > 0 && d < t->backoff_cap_ms)
		d *= 2;
	return d < t->backoff_cap_ms ? d : t->backoff_cap_ms;
}

/* Could the entry be on the outside (so an unwanted one needs a delete)? */
static bool
maybe_present(const struct route_table *t, const struct route_entry *e)
{
	if (e->foreign)
		return false;
	if (t->kind == ROUTE_KIND_ROUTE && !e->owned)
		return false;
	return e->prog == ROUTE_PROG_PRESENT || e->uncertain ||
	    (e->prog == ROUTE_PROG_UNKNOWN && t->kind == ROUTE_KIND_ROUTE);
}

static enum route_status
entry_status(const struct route_table *t, const struct route_entry *e)
{
	if (e->want) {
		if (e->foreign)
			return ROUTE_ST_FAILED;
		if (e->prog == ROUTE_PROG_PRESENT &&
		    route_outside_equal(t, &e->cur, &e->des) && !e->inflight)
			return ROUTE_ST_PROGRAMMED;
		return e->attempts > 0 ? ROUTE_ST_FAILED : ROUTE_ST_PENDING;
	}
	if (!e->inflight && !maybe_present(t, e))
		return ROUTE_ST_GONE;
	return e->attempts > 0 ? ROUTE_ST_FAILED : ROUTE_ST_REMOVING;
}

/* The change e needs now, if any (ignoring gates and backoff). */
static bool
entry_action(const struct route_table *t, const struct route_entry *e,
    enum route_op *op, const struct route_val **val)
{
	if (e->want) {
		if (e->foreign)
			return false;
		if (e->prog == ROUTE_PROG_PRESENT &&
		    route_outside_equal(t, &e->cur, &e->des))
			return false;
		if (t->kind == ROUTE_KIND_ROUTE &&
		    e->prog == ROUTE_PROG_PRESENT) {
			/* Keyed by prefix: move = delete, then create. */
			*op = ROUTE_OP_DEL;
			*val = &e->cur;
			return true;
		}
		*op = ROUTE_OP_PUT;
		*val = &e->des;
		return true;
	}
	if (!maybe_present(t, e))
		return false;
	*op = ROUTE_OP_DEL;
	*val = e->prog == ROUTE_PROG_PRESENT ? &e->cur : &e->sent;
	return true;
}

/*
 * After any change to e: report a new status, free it if it is gone,
 * otherwise put it in the queue its state calls for.
 */
static void
settle(struct route_table *t, struct route_entry *e, int64_t now)
{
	enum route_status st = entry_status(t, e), old = e->status;
	enum route_op op;
	const struct route_val *val;

	if (st != old) {
		e->status = st;
		e->last_change = now;
		if (t->on_change != NULL)
			t->on_change(t, e, old, t->arg);
	}
	if (st == ROUTE_ST_GONE) {
		entry_unlink(t, e);
		return;
	}
	if (e->inflight || !entry_action(t, e, &op, &val)) {
		queue_remove(t, e);
		return;
	}
	if (e->attempts > 0 && e->next_try > now) {
		if (e->q != ROUTE_Q_WAIT)
			queue_wait(t, e);
	} else if (e->q != ROUTE_Q_READY)
		queue_ready(t, e);
}

/* Set what e should be; a new target resets its failure count. */
static void
entry_want(struct route_table *t, struct route_entry *e,
    const struct route_want *w, int64_t now)
{
	if (!e->want || !route_val_equal(&e->des, &w->val)) {
		route_val_free(&e->des);
		route_val_copy(&e->des, &w->val);
		e->want = true;
		e->attempts = 0;
		e->next_try = 0;
	}
	if (!streq0(e->owner, w->owner) || (e->owner == NULL) !=
	    (w->owner == NULL))
		entry_set_owner(t, e, w->owner);
	settle(t, e, now);
}

static void
entry_unwant(struct route_table *t, struct route_entry *e, int64_t now)
{
	entry_set_owner(t, e, NULL);
	if (e->want) {
		e->want = false;
		route_val_free(&e->des);
		e->attempts = 0;
		e->next_try = 0;
	}
	settle(t, e, now);
}

int
route_table_set_owner(struct route_table *t, const char *owner,
    const struct route_want *w, int64_t now)
{
	struct route_entry *old = route_map_get(&t->owners, owner), *e;
	bool conflict = false;

	if (w != NULL) {
		e = route_map_get(&t->index, w->key);
		if (e != NULL && e == old) {
			entry_want(t, e, w, now);
			return 0;
		}
		if (e != NULL && e->want &&
		    (e->owner == NULL || strcmp(e->owner, owner) != 0))
			conflict = true;
	}
	if (old != NULL)
		entry_unwant(t, old, now);
	if (w == NULL)
		return 0;
	if (conflict)
		return -1;
	e = entry_get(t, w->key, now);
	e->gen = t->gen;
	entry_want(t, e, w, now);
	return 0;
}

void
route_table_begin(struct route_table *t)
{
	t->gen++;
}

int
route_table_want(struct route_table *t, const struct route_want *w,
    int64_t now)
{
	struct route_entry *e = route_map_get(&t->index, w->key);

	if (e != NULL && e->want && e->gen == t->gen)
		return -1;
	e = entry_get(t, w->key, now);
	e->gen = t->gen;
	entry_want(t, e, w, now);
	return 0;
}

void
route_table_end(struct route_table *t, int64_t now)
{
	struct route_entry *e, *next;

	for (e = t->head; e != NULL; e = next) {
		next = e->next;
		if (e->want && e->gen != t->gen)
			entry_unwant(t, e, now);
	}
}

int
route_table_next(struct route_table *t, int64_t now, struct route_action *a)
{
	struct route_entry *e;
	enum route_op op;
	const struct route_val *val;

	if (!t->observed)
		return 0;
	while ((e = t->rhead) != NULL) {
		queue_remove(t, e);
		if (!entry_action(t, e, &op, &val)) {
			settle(t, e, now);
			continue;
		}
		if (op == ROUTE_OP_DEL && !t->allow_delete)
			continue;	/* parked until requeue_all */
		if (t->kind == ROUTE_KIND_ROUTE && op == ROUTE_OP_PUT &&
		    !e->owned) {
			/* Claim the whole burst: one write of the set. */
			route_table_claim_ready(t);
			e->owned = true;
			e->fresh_claim = true;
			t->owned_dirty = true;
		}
		if (val != &e->sent) {
			route_val_free(&e->sent);
			route_val_share(&e->sent, val);
		}
		e->inflight = true;
		e->op = op;
		e->stamp = ++t->opseq;
		a->e = e;
		a->op = op;
		a->val = &e->sent;
		return 1;
	}
	return 0;
}

void
route_table_done(struct route_table *t, struct route_entry *e,
    enum route_result res, const char *err, int64_t now)
{
	bool ok = false;

	e->inflight = false;
	e->stamp = ++t->opseq;
	switch (res) {
	case ROUTE_RES_OK:
	case ROUTE_RES_GONE:
		if (e->op == ROUTE_OP_PUT && res == ROUTE_RES_OK) {
			e->prog = ROUTE_PROG_PRESENT;
			route_val_free(&e->cur);
			route_val_share(&e->cur, &e->sent);
			ok = true;
		} else if (e->op == ROUTE_OP_DEL) {
			e->prog = ROUTE_PROG_ABSENT;
			route_val_free(&e->cur);
			if (t->kind == ROUTE_KIND_ROUTE && !e->want &&
			    e->owned) {
				e->owned = false;
				t->owned_dirty = true;
			}
			ok = true;
		}
		break;
	case ROUTE_RES_EXISTS:
		if (e->op == ROUTE_OP_PUT && (e->uncertain ||
		    e->prog == ROUTE_PROG_PRESENT || !e->fresh_claim)) {
			/*
			 * Ours: an earlier create got through after all, or
			 * the prefix was ours before this create (a listing
			 * taken while routes moved can miss one).
			 */
			e->prog = ROUTE_PROG_PRESENT;
			route_val_free(&e->cur);
			route_val_share(&e->cur, &e->sent);
			ok = true;
		} else if (e->op == ROUTE_OP_PUT) {
			e->foreign = true;
			if (t->kind == ROUTE_KIND_ROUTE && e->owned) {
				e->owned = false;
				t->owned_dirty = true;
			}
		}
		break;
	case ROUTE_RES_UNKNOWN:
		e->uncertain = true;
		break;
	case ROUTE_RES_FAIL:
		break;
	}
	if (ok || res == ROUTE_RES_UNKNOWN)
		e->fresh_claim = false;	/* it may be ours from now on */
	if (ok) {
		e->attempts = 0;
		e->next_try = 0;
		e->uncertain = false;
		entry_set_error(e, "");
		route_val_free(&e->sent);	/* only needed in flight */
	} else {
		if (e->attempts < UINT32_MAX)
			e->attempts++;
		e->next_try = now + route_backoff(t, e->attempts);
		entry_set_error(e, err != NULL ? err : "failed");
	}
	settle(t, e, now);
}

void
route_table_claim_ready(struct route_table *t)
{
	if (t->kind != ROUTE_KIND_ROUTE)
		return;
	for (struct route_entry *e = t->rhead; e != NULL; e = e->qnext) {
		if (e->want && !e->foreign && !e->owned) {
			e->owned = true;
			e->fresh_claim = true;
			t->owned_dirty = true;
		}
	}
}

void
route_table_tick(struct route_table *t, int64_t now)
{
	while (t->n_heap > 0 && t->heap[0]->next_try <= now)
		queue_ready(t, t->heap[0]);
}

int64_t
route_table_next_due(const struct route_table *t)
{
	return t->n_heap > 0 ? t->heap[0]->next_try : -1;
}

void
route_table_requeue_all(struct route_table *t, int64_t now)
{
	struct route_entry *e, *next;

	for (e = t->head; e != NULL; e = next) {
		next = e->next;
		settle(t, e, now);
	}
}

uint64_t
route_table_observe_begin(struct route_table *t)
{
	return ++t->opseq;
}

void
route_table_observe(struct route_table *t, uint64_t stamp, const char *key,
    const struct route_val *val, bool ours, int64_t now)
{
	struct route_entry *e = route_map_get(&t->index, key);

	if (t->kind == ROUTE_KIND_ROUTE)
		ours = e != NULL && e->owned;
	if (e != NULL) {
		e->seen = stamp;
		if (e->inflight || e->stamp > stamp)
			return;
	}
	if (!ours) {
		if (e != NULL && e->want && !e->foreign) {
			e->foreign = true;
			settle(t, e, now);
		}
		return;
	}
	if (e == NULL) {
		/* Ours but unknown to us: stale, from before a restart. */
		e = entry_get(t, key, now);
		e->seen = stamp;
	}
	e->foreign = false;
	e->uncertain = false;
	e->prog = ROUTE_PROG_PRESENT;
	route_val_free(&e->cur);
	/* As wanted (the usual case): share the wanted value's block. */
	if (e->want && route_val_equal(val, &e->des))
		route_val_share(&e->cur, &e->des);
	else
		route_val_copy(&e->cur, val);
	settle(t, e, now);
}

void
route_table_observe_end(struct route_table *t, uint64_t stamp, int64_t now)
{
	struct route_entry *e, *next;

	t->observed = true;
	for (e = t->head; e != NULL; e = next) {
		next = e->next;
		if (e->seen == stamp || e->inflight || e->stamp > stamp)
			continue;
		e->foreign = false;
		e->uncertain = false;
		e->prog = ROUTE_PROG_ABSENT;
		route_val_free(&e->cur);
		if (t->kind == ROUTE_KIND_ROUTE && e->owned && !e->want) {
			e->owned = false;
			t->owned_dirty = true;
		}
		settle(t, e, now);
	}
}

size_t
route_table_count(const struct route_table *t, enum route_status st)
{
	size_t n = 0;

	for (const struct route_entry *e = t->head; e != NULL; e = e->next)
		if (e->status == st)
			n++;
	return n;
}

bool
route_table_converged(const struct route_table *t)
{
	enum route_op op;
	const struct route_val *val;

	for (const struct route_entry *e = t->head; e != NULL; e = e->next)
		if (e->inflight || entry_action(t, e, &op, &val))
			return false;
	return true;
}

void
route_table_load_owned(struct route_table *t, const char *prefix,
    const char *nexthop)
{
	struct route_entry *e = entry_get(t, prefix, 0);

	e->owned = true;
	e->prog = ROUTE_PROG_UNKNOWN;
	route_val_set(&e->sent, NULL, nexthop, NULL, NULL, NULL);
	settle(t, e, 0);
}
