/*
 * route.h - torc-routed's pure logic: the desired DNS entries and routes
 * derived from schedd's state (route_desired.c), the per-entry
 * reconciliation tables with their backoff (route_diff.c) and the format
 * of the owned-routes file (route_state.c).
 *
 * Nothing declared here does I/O or logs; time is always a parameter
 * (monotonic milliseconds).  The daemon (routed.h) drives these.
 */
#ifndef TORC_ROUTE_H
#define TORC_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "replica.h"
#include "torc_ipc.h"

/* Consul IDs torc owns start with this and carry the tag below. */
#define ROUTE_DNS_ID_PREFIX	"torc-"
#define ROUTE_DNS_TAG		"torc"

/* --- route_map: string -> pointer hash map (route_diff.c) --- */

struct route_map_slot;

struct route_map {
	struct route_map_slot	*slots;
	size_t			 cap;		/* power of two, or 0 */
	size_t			 n;		/* live keys */
	size_t			 used;		/* live + tombstones */
	bool			 borrow;	/* keys are the caller's */
};

/*
 * The map copies keys; values are the caller's.  A map initialised with
 * route_map_init_borrowed() keeps the key pointers it is given instead:
 * each must stay valid and unchanged until its key is deleted (a key
 * that lives in the value, e.g. an entry's own key).
 */
void	 route_map_init(struct route_map *m);
void	 route_map_init_borrowed(struct route_map *m);
void	 route_map_free(struct route_map *m);
void	*route_map_get(const struct route_map *m, const char *key);
/* Insert or replace. */
void	 route_map_put(struct route_map *m, const char *key, void *val);
/* Remove; returns the value that was stored, or NULL. */
void	*route_map_del(struct route_map *m, const char *key);
/* Iteration: the value in slot i (0 <= i < cap), NULL if none. */
void	*route_map_at(const struct route_map *m, size_t i);

/* --- desired state (route_desired.c) --- */

/*
 * One value an entry should have on the outside.  For a DNS entry: the
 * Consul name, address, and meta (task id, node, origin).  For a route:
 * name = the service, addr = the next hop, node = the node it runs on.
 *
 * The strings of one value share one reference-counted allocation, and
 * the values an entry holds (wanted, sent, present: usually equal) share
 * one (20,000 entries hold two or three values each).  Build the values
 * an entry or an observation keeps only with route_val_set() or
 * route_val_copy(), never by assigning a field, never change one in
 * place, and read the fields freely.  A value only passed in (a want, an
 * observation) may be plain strings: it is copied.
 */
struct route_val {
	char	*name;
	char	*addr;
	char	*task_id;
	char	*node;
	char	*origin;	/* "service", "addon", "self" */
};

/* A desired entry: key (Consul ID or a.b.c.d/32) and its value. */
struct route_want {
	char		*key;
	char		*owner;		/* service name; NULL for config */
	struct route_val val;
};

/* Why a running service has no route (or no DNS entry). */
struct route_note {
	char	*service;
	char	*reason;
};

struct route_desired_params {
	const char	*self_name;	/* config `name` */
	const char	*self_ip;	/* --myip */
	const struct cfg_dns_addon *addons;
	size_t		 n_addons;
	/* Fallback for a node schedd has not described (config nodes). */
	const struct cfg_node *nodes;
	size_t		 n_nodes;
	bool		 routes;	/* a network agent is configured */
};

struct route_desired {
	struct route_want *dns;
	size_t		 n_dns;
	struct route_want *routes;
	size_t		 n_routes;
	struct route_note *notes;
	size_t		 n_notes;
	size_t		 n_dup;		/* keys claimed twice (first wins) */
};

/*
 * Derive everything that should exist from the replica and the config:
 * the self entry, the dns-addons, then one DNS entry and (on a routable
 * network) one route per running service, in name order.  out is
 * overwritten; free it with route_desired_free().  Never fails.
 */
void	route_desired_build(const struct replica *r,
	    const struct route_desired_params *p, struct route_desired *out);

/*
 * The same for one service (the event path): at most one DNS entry and
 * one route, plus a note when it is running without one.  svc may be
 * NULL (removed) and out is then empty.
 */
void	route_desired_service(const struct tmsg_service *svc,
	    const struct replica *r, const struct route_desired_params *p,
	    struct route_desired *out);
void	route_desired_free(struct route_desired *d);

/* True when network_type carries a routable address (not host/none). */
bool	route_network_routable(const char *network_type);

void	route_val_free(struct route_val *v);
/* Replace v (freed first) by these strings; NULL fields stay NULL.  The
 * arguments may point into v itself. */
void	route_val_set(struct route_val *v, const char *name, const char *addr,
	    const char *task_id, const char *node, const char *origin);
/* Deep copy into dst, whose old contents are not freed; NULL fields stay
 * NULL. */
void	route_val_copy(struct route_val *dst, const struct route_val *src);
/* Field-wise equality (NULL equals ""). */
bool	route_val_equal(const struct route_val *a, const struct route_val *b);

/* --- reconciliation tables (route_diff.c) --- */

enum route_kind {
	ROUTE_KIND_DNS = 0,	/* PUT replaces in place */
	ROUTE_KIND_ROUTE,	/* keyed by prefix: a change is DEL then PUT */
};

/* What torc believes is on the outside for one key. */
enum route_prog {
	ROUTE_PROG_UNKNOWN = 0,	/* not observed yet */
	ROUTE_PROG_ABSENT,
	ROUTE_PROG_PRESENT,	/* with the value in cur */
};

enum route_status {
	ROUTE_ST_PENDING = 0,	/* wanted, not there yet, no failure */
	ROUTE_ST_PROGRAMMED,	/* there, as wanted */
	ROUTE_ST_FAILED,	/* last attempt failed (or key held by another) */
	ROUTE_ST_REMOVING,	/* not wanted, still there */
	ROUTE_ST_GONE,		/* not wanted, not there: about to be freed */
};

enum route_op {
	ROUTE_OP_PUT = 0,	/* register / create */
	ROUTE_OP_DEL,		/* deregister / delete */
};

/* How one change ended, as the driver classifies the answer. */
enum route_result {
	ROUTE_RES_OK = 0,
	ROUTE_RES_GONE,		/* delete of something already absent */
	ROUTE_RES_EXISTS,	/* create of a key that exists (routes) */
	ROUTE_RES_FAIL,		/* refused: nothing changed */
	ROUTE_RES_UNKNOWN,	/* no usable answer: it may have happened */
};

enum route_queue {
	ROUTE_Q_NONE = 0,	/* converged, in flight or parked */
	ROUTE_Q_READY,
	ROUTE_Q_WAIT,		/* backing off until next_try */
};

struct route_entry {
	/* Laid out widest first: 20,000 of these at 10,000 services. */
	char		*key;
	char		*owner;		/* service wanting it, NULL for config */
	char		*last_error;	/* "" when none */
	struct route_val des;		/* valid when want */
	struct route_val cur;		/* valid when prog == PRESENT */
	struct route_val sent;		/* the value of the change in flight */
	int64_t		 next_try;	/* mono ms */
	int64_t		 last_change;	/* mono ms of the last status change */
	uint64_t	 stamp;		/* table op counter at last change */
	uint64_t	 gen;		/* build generation that wanted it */
	uint64_t	 seen;		/* observation stamp that saw it */
	struct route_entry *prev, *next;	/* all entries */
	struct route_entry *qprev, *qnext;	/* ready queue */
	enum route_prog	 prog;
	enum route_op	 op;		/* the change in flight */
	enum route_status status;
	enum route_queue q;
	uint32_t	 attempts;	/* failures since the target last changed */
	uint32_t	 heap_idx;	/* waiting heap index + 1, 0 if not in */
	bool		 want;
	bool		 inflight;
	bool		 uncertain;	/* an earlier change may have applied */
	bool		 foreign;	/* key held by an entry torc does not own */
	bool		 owned;		/* routes: in the owned set */
	bool		 fresh_claim;	/* owned only for the create in flight */
};

/* A change to make: op on e with val (pointers into e, valid until done). */
struct route_action {
	struct route_entry	*e;
	enum route_op		 op;
	const struct route_val	*val;
};

struct route_table;
/* Called on every status change (old != new), before e may be freed. */
typedef void route_change_fn(struct route_table *t, const struct route_entry *e,
	    enum route_status old, void *arg);

struct route_table {
	enum route_kind	 kind;
	struct route_map index;		/* key -> entry */
	struct route_map owners;	/* owner -> entry, per table */
	struct route_entry *head, *tail;
	size_t		 n;
	struct route_entry *rhead, *rtail;	/* ready queue */
	struct route_entry **heap;	/* waiting, by next_try */
	size_t		 n_heap, cap_heap;
	uint64_t	 opseq;		/* bumped by every dispatch and end */
	uint64_t	 gen;
	bool		 observed;	/* an observation completed (or gave up) */
	bool		 allow_delete;	/* the desired state is complete */
	bool		 owned_dirty;	/* routes: the owned set changed */
	int64_t		 backoff_base_ms;
	int64_t		 backoff_cap_ms;
	route_change_fn	*on_change;
	void		*arg;
};

void	route_table_init(struct route_table *t, enum route_kind kind);
void	route_table_free(struct route_table *t);

/* Backoff after n failures: min(cap, base * 2^(n-1)); 0 for n == 0. */
int64_t	route_backoff(const struct route_table *t, uint32_t n);

/*
 * Desired state, event path: owner (a service) now wants w (NULL: none).
 * Whatever the owner wanted before under another key becomes unwanted.
 * Returns 0, or -1 if w's key is already wanted by another owner (the
 * first claimant keeps it).
 */
int	route_table_set_owner(struct route_table *t, const char *owner,
	    const struct route_want *w, int64_t now);

/*
 * Desired state, full rebuild: begin, want every entry, end.  Entries
 * not wanted in the rebuild become unwanted at end.  want returns -1 on
 * a key already wanted in this rebuild.
 */
void	route_table_begin(struct route_table *t);
int	route_table_want(struct route_table *t, const struct route_want *w,
	    int64_t now);
void	route_table_end(struct route_table *t, int64_t now);

/*
 * The next change to make now, or 0 when nothing is due.  The entry is
 * in flight until route_table_done().  Deletions wait until
 * allow_delete; nothing is handed out before the first observation
 * (observed), so a restart does not act on guesses.  A route created on
 * an unowned prefix is claimed first (owned_dirty is set: the caller
 * persists the owned set before sending).
 */
int	route_table_next(struct route_table *t, int64_t now,
	    struct route_action *a);

/* The change handed out for e ended with res (err: why, may be NULL). */
void	route_table_done(struct route_table *t, struct route_entry *e,
	    enum route_result res, const char *err, int64_t now);

/*
 * Claim every route waiting to be created, so one write of the owned set
 * covers a burst.  Sets owned_dirty when something was claimed.
 */
void	route_table_claim_ready(struct route_table *t);

/* Move entries whose backoff has expired to the ready queue. */
void	route_table_tick(struct route_table *t, int64_t now);
/* Earliest next_try among backing-off entries, or -1. */
int64_t	route_table_next_due(const struct route_table *t);
/* Re-evaluate every entry now (after a gate opened). */
void	route_table_requeue_all(struct route_table *t, int64_t now);

/*
 * Observation (the periodic reconcile).  begin returns a stamp that goes
 * with one listing; observe reports one key found outside (ours: the
 * driver's ownership test for DNS; routes are ours when the key is in
 * the owned set, whatever ours says); end marks every key not reported
 * as absent.  Entries changed by torc after the listing started, or in
 * flight, are left as they are: the listing is older than what we know.
 */
uint64_t route_table_observe_begin(struct route_table *t);
void	route_table_observe(struct route_table *t, uint64_t stamp,
	    const char *key, const struct route_val *val, bool ours,
	    int64_t now);
void	route_table_observe_end(struct route_table *t, uint64_t stamp,
	    int64_t now);

struct route_entry *route_table_find(const struct route_table *t,
	    const char *key);
/* Counts for status and tests. */
size_t	route_table_count(const struct route_table *t,
	    enum route_status st);
/* True when nothing is wanted-but-missing, unwanted-but-present or in flight. */
bool	route_table_converged(const struct route_table *t);

const char *route_status_name(enum route_status st);	/* "programmed" */

/*
 * Load an owned route (from the state file) into the table: an entry not
 * wanted, owned, in an unknown state until the first observation.
 */
void	route_table_load_owned(struct route_table *t, const char *prefix,
	    const char *nexthop);

/* --- owned-routes file (route_state.c) --- */

/*
 * The file is text: a comment line, then "prefix nexthop" per line.
 * route_state_format returns a malloc'd buffer of the owned entries in
 * key order (*len bytes).  route_state_parse calls cb for every valid
 * line and returns the number of lines it skipped as malformed.
 */
char	*route_state_format(const struct route_table *t, size_t *len);
typedef void route_state_cb(const char *prefix, const char *nexthop,
	    void *arg);
size_t	route_state_parse(const char *buf, size_t len, route_state_cb *cb,
	    void *arg);

/*
 * Save the owned set to path (atomically; durable: also fsync'd) / load
 * it into t.  Return 0, or -1 with err.  A missing file loads as empty.
 * *skipped (may be NULL) receives the number of malformed lines.
 */
int	route_state_save(const struct route_table *t, const char *path,
	    bool durable, char *err, size_t errlen);
int	route_state_load(struct route_table *t, const char *path,
	    size_t *skipped, char *err, size_t errlen);
/*
 * Append "prefix nexthop" lines for the n entries of v to path (created
 * 0600 if missing), in one write, without waiting for the disk: a claim
 * that survives a crash of routed, made durable by the next whole
 * (durable) save.  0, or -1 with err (a partial line is cut back).
 */
int	route_state_append(const char *path, struct route_entry *const *v,
	    size_t n, char *err, size_t errlen);

#endif
