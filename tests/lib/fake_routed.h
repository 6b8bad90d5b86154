/*
 * fake_routed.h - a stand-in for torc-routed's status socket in tests of
 * torc-apid: it listens on <run-dir>/routed.ipc (REP) and answers
 * ROUTED_STATUS_REQ with the DNS entries, routes and systems the test
 * set, or stays silent so the requester times out.
 *
 * It serves requests on its own thread; every function is thread-safe.
 */
#ifndef TORC_FAKE_ROUTED_H
#define TORC_FAKE_ROUTED_H

#include "torc_ipc.h"

struct fake_routed;

/* Bind in run_dir (which must exist); NULL on failure. */
struct fake_routed *fake_routed_start(const char *run_dir);
void	fake_routed_stop(struct fake_routed *fr);

/*
 * Add one entry to the status answered from now on (strings copied).
 * dns: a DNS entry (key = address), else a route (key = prefix,
 * value = next hop).
 */
void	fake_routed_add(struct fake_routed *fr, int dns, const char *name,
	    const char *key, const char *value, const char *status);
/* Add a system (consul, snaproute, fboss) with its reachability. */
void	fake_routed_add_system(struct fake_routed *fr, const char *name,
	    int reachable);
/* Requests answered or ignored so far. */
unsigned fake_routed_count(struct fake_routed *fr);
/* Stop answering (the requester times out) or resume. */
void	fake_routed_set_silent(struct fake_routed *fr, int silent);

#endif
