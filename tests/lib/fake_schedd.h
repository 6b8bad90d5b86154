/*
 * fake_schedd.h - a stand-in for torc-schedd's bus endpoints in tests of
 * torc-routed and torc-apid: it listens on <run-dir>/schedd.ipc (REP) and
 * <run-dir>/events.ipc (PUB), answers SYNC_REQ with its current state and
 * QUERY_REQ from it, records CTL_* requests (answering them with a
 * configurable result), and publishes SVC_UPDATE / SVC_REMOVE /
 * NODE_UPDATE / SCHED_STATUS when the test changes its state.
 *
 * It serves requests on its own thread; every function is thread-safe.
 */
#ifndef TORC_FAKE_SCHEDD_H
#define TORC_FAKE_SCHEDD_H

#include <stdint.h>

#include "torc_ipc.h"

struct fake_schedd;

/* Bind in run_dir (which must exist); NULL on failure. */
struct fake_schedd *fake_schedd_start(const char *run_dir);
void	fake_schedd_stop(struct fake_schedd *fs);

/* Change state and publish the change (copies s / n). */
void	fake_schedd_put_service(struct fake_schedd *fs,
	    const struct tmsg_service *s);
void	fake_schedd_remove_service(struct fake_schedd *fs, const char *name);
void	fake_schedd_put_node(struct fake_schedd *fs, const struct tmsg_node *n);
void	fake_schedd_publish_status(struct fake_schedd *fs);

/* Change state WITHOUT publishing, consuming a seq: subscribers see a
 * gap at the next message. */
void	fake_schedd_put_service_silently(struct fake_schedd *fs,
	    const struct tmsg_service *s);

/* Requests of a type received so far. */
unsigned fake_schedd_count(struct fake_schedd *fs, enum tmsg_type type);
/* Name carried by the last CTL_START_GROUP/CTL_KILL, "" if none (copy). */
void	fake_schedd_last_name(struct fake_schedd *fs, char *buf, size_t len);
/* Reply to CTL_* requests with this code and message (default 200). */
void	fake_schedd_set_ctl_result(struct fake_schedd *fs, int code,
	    const char *message);
/* Stop answering requests (they time out at the requester) or resume. */
void	fake_schedd_set_silent(struct fake_schedd *fs, int silent);

#endif
