/*
 * replica.h - a subscriber's copy of torc-schedd's state, kept from one
 * snapshot plus the published changes after it (torc-routed and
 * torc-apid both hold one).
 *
 * The rule (nng pub/sub may drop messages, schedd may restart): every
 * published message carries the publisher's sequence number.  A message
 * whose seq is not last + 1, or a SCHED_STATUS from another schedd
 * instance, is a gap: the owner must fetch a new snapshot.  While a
 * snapshot is on its way, messages are held and replayed after it (those
 * the snapshot already covers are dropped).
 *
 * Pure logic: no I/O, no logging.  Services and nodes are kept sorted by
 * name for lookups.
 */
#ifndef TORC_REPLICA_H
#define TORC_REPLICA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "torc_ipc.h"

#define REPLICA_MAX_HELD	65536	/* held messages before giving up */

struct replica {
	bool		 synced;	/* a snapshot was applied, no gap since */
	bool		 syncing;	/* snapshot requested, holding messages */
	uint64_t	 last_seq;
	uint64_t	 version;	/* bumped on every applied change */
	struct tmsg_sched_status status;
	struct tmsg_node **nodes;	/* sorted by name */
	size_t		 n_nodes;
	struct tmsg_service **services;	/* sorted by name */
	size_t		 n_services;
	struct tmsg	*held;		/* messages received while syncing */
	size_t		 n_held;
	void		(*trim)(struct tmsg_service *);	/* see below */
};

enum replica_result {
	REPLICA_APPLIED = 0,	/* the change is in the replica */
	REPLICA_HELD,		/* kept until the snapshot arrives */
	REPLICA_IGNORED,	/* not synced and not syncing: dropped */
	REPLICA_GAP,		/* resync needed (replica now unsynced) */
};

/* What one applied message changed (for the owner's reaction). */
struct replica_change {
	enum tmsg_type	 type;		/* SVC_UPDATE, SVC_REMOVE, ... */
	const char	*name;		/* service or node name */
};

void	replica_init(struct replica *r);
/*
 * Every service is passed to trim (when not NULL) before the replica
 * keeps it: an owner that reads few fields frees and NULLs the others
 * (they read back as "") and holds that much less per service.
 */
void	replica_set_trim(struct replica *r,
	    void (*trim)(struct tmsg_service *));
void	replica_free(struct replica *r);

/* The owner asked schedd for a snapshot: hold messages from now on. */
void	replica_begin_sync(struct replica *r);

/*
 * Apply a snapshot (its contents are moved out of snap, which is left
 * empty but still needs tmsg_free).  Held messages with a higher seq are
 * replayed; each change is reported through cb (may be NULL).  Returns
 * REPLICA_APPLIED, or REPLICA_GAP if the held messages do not follow on.
 */
typedef void replica_change_cb(const struct replica_change *c, void *arg);
enum replica_result replica_load_snapshot(struct replica *r,
	    struct tmsg_snapshot *snap, replica_change_cb *cb, void *arg);

/*
 * Apply one published message (moved out of m on APPLIED or HELD; m
 * still needs tmsg_free).  Reports the change through cb when applied.
 */
enum replica_result replica_apply(struct replica *r, struct tmsg *m,
	    replica_change_cb *cb, void *arg);

const struct tmsg_service *replica_service(const struct replica *r,
	    const char *name);
const struct tmsg_node *replica_node(const struct replica *r,
	    const char *name);

#endif
