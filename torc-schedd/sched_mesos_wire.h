/*
 * sched_mesos_wire.h - the bytes of the Mesos v1 scheduler API as
 * torc-schedd speaks them: every Call it sends, encoded as protobuf, and
 * every Event it receives, decoded and checked into the plain structs of
 * sched_mesos.h.
 *
 * Pure code: no I/O, no logging, no clock.  The connection
 * (sched_mesos.c) decides when to send what; this file only says how.
 */
#ifndef TORC_SCHED_MESOS_WIRE_H
#define TORC_SCHED_MESOS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched_mesos.h"

/* A Mesos id: 1-255 bytes (ref §1.9), plus NUL. */
#define MESOS_ID_MAX		256

/* An id the master accepts (ref §1.9): 1-255 bytes, not "." or "..",
 * no '/', '\\' or control characters. */
bool	mesos_id_valid(const char *id);
/* ACKNOWLEDGE echoes the 16 raw bytes of TaskStatus.uuid. */
#define MESOS_UUID_LEN		16

/* An encoded Call.  Free data with free(). */
struct mesos_buf {
	uint8_t	*data;
	size_t	 len;
};

/* What goes into FrameworkInfo on SUBSCRIBE. */
struct mesos_fwinfo {
	const char *user;
	const char *name;
	const char *hostname;		/* NULL or "" = not sent */
	const char *role;		/* NULL or "" = "*" */
	double	 failover_timeout;	/* seconds */
};

/*
 * Call encoders.  framework_id may be NULL or "" only for SUBSCRIBE (a
 * new framework); when set there it goes into both Call.framework_id
 * and FrameworkInfo.id (ref §1.3).  All return 0, or -1 with err (an
 * argument the master would refuse, or a task spec that does not
 * build).
 */
int	mesos_wire_subscribe(struct mesos_buf *out, const char *framework_id,
	    const struct mesos_fwinfo *fw, char *err, size_t errlen);
/* ACCEPT: one LAUNCH operation with every task; filters.refuse_seconds. */
int	mesos_wire_accept(struct mesos_buf *out, const char *framework_id,
	    const char *const *offer_ids, size_t n_offers,
	    const struct mesos_task_spec *tasks, size_t n_tasks,
	    double refuse_seconds, char *err, size_t errlen);
int	mesos_wire_decline(struct mesos_buf *out, const char *framework_id,
	    const char *const *offer_ids, size_t n, double refuse_seconds,
	    char *err, size_t errlen);
int	mesos_wire_decline_inverse(struct mesos_buf *out,
	    const char *framework_id, const char *const *ids, size_t n,
	    char *err, size_t errlen);
/* agent_id NULL or "" = not sent. */
int	mesos_wire_kill(struct mesos_buf *out, const char *framework_id,
	    const char *task_id, const char *agent_id, char *err,
	    size_t errlen);
int	mesos_wire_acknowledge(struct mesos_buf *out,
	    const char *framework_id, const char *agent_id,
	    const char *task_id, const uint8_t *uuid, size_t uuid_len,
	    char *err, size_t errlen);
/* n == 0: implicit reconciliation. */
int	mesos_wire_reconcile(struct mesos_buf *out, const char *framework_id,
	    const struct mesos_task_ref *tasks, size_t n, char *err,
	    size_t errlen);
/* TEARDOWN, SUPPRESS, REVIVE (no roles: all of the framework's). */
int	mesos_wire_teardown(struct mesos_buf *out, const char *framework_id,
	    char *err, size_t errlen);
int	mesos_wire_suppress(struct mesos_buf *out, const char *framework_id,
	    char *err, size_t errlen);
int	mesos_wire_revive(struct mesos_buf *out, const char *framework_id,
	    char *err, size_t errlen);

/* Name of a Call.Type value ("ACCEPT"), "UNKNOWN" if not one. */
const char *mesos_wire_call_name(int type);
/* Call.Type of an encoded call, -1 if it does not decode. */
int	mesos_wire_call_type(const uint8_t *data, size_t len);

/* Event.Type values torc-schedd acts on (same numbers as Mesos). */
enum mesos_event_type {
	MESOS_EV_SUBSCRIBED = 1,
	MESOS_EV_OFFERS = 2,
	MESOS_EV_RESCIND = 3,
	MESOS_EV_UPDATE = 4,
	MESOS_EV_MESSAGE = 5,
	MESOS_EV_FAILURE = 6,
	MESOS_EV_ERROR = 7,
	MESOS_EV_HEARTBEAT = 8,
	MESOS_EV_INVERSE_OFFERS = 9,
	MESOS_EV_RESCIND_INVERSE_OFFER = 10,
	MESOS_EV_UPDATE_OPERATION_STATUS = 11,
};

const char *mesos_wire_event_name(int type);	/* "OFFERS" */

/*
 * A decoded event.  Every string is owned by the struct (never NULL
 * where the comment says ""), freed by mesos_event_clear().
 */
struct mesos_event {
	int	 type;			/* enum mesos_event_type */
	/* SUBSCRIBED */
	char	*framework_id;
	double	 heartbeat_interval;	/* seconds; 0 if absent */
	char	*master_id;		/* MasterInfo.id or "" */
	/* OFFERS */
	struct mesos_offer *offers;
	size_t	 n_offers;
	/* INVERSE_OFFERS: their ids */
	char	**inverse_ids;
	size_t	 n_inverse;
	/* RESCIND, RESCIND_INVERSE_OFFER */
	char	*offer_id;
	/* UPDATE: status points into the strings below */
	struct mesos_status status;
	uint8_t	 uuid[MESOS_UUID_LEN];
	/* FAILURE: agent_id, executor_id ("" if absent), status (-1) */
	char	*agent_id;
	char	*executor_id;
	int	 failure_status;
	/* ERROR, MESSAGE (data as text, cut at 200 bytes) */
	char	*message;
	/* Owned strings behind status (internal). */
	char	*s_own[8];
};

/*
 * Decode and check one RecordIO record.  0 on success (ev filled; clear
 * it with mesos_event_clear), -1 with err on input that is malformed or
 * that torc-schedd cannot act on safely: not a protobuf Event, a missing
 * type or required payload, an unknown Event.Type or TaskState, an
 * ACKNOWLEDGE-able update (uuid set) whose uuid is not 16 bytes or that
 * has no agent id, ids longer than 255 bytes.  Unknown TaskStatus.Reason
 * or Source values are accepted (reason_name "").
 */
int	mesos_event_decode(const uint8_t *rec, size_t len,
	    struct mesos_event *ev, char *err, size_t errlen);
void	mesos_event_clear(struct mesos_event *ev);

/*
 * What the docker inspect JSON in TaskStatus.data says about the
 * container (used by mesos_event_decode, exposed for tests): the IP from
 * NetworkSettings.Networks.<net>.IPAddress (the network named by
 * HostConfig.NetworkMode first, then any other), else the deprecated
 * NetworkSettings.IPAddress; the container "Id"; Config.Hostname.  The
 * output is an array of one object, or that object.  Each result is a
 * malloc'ed string, "" when absent or when data is not such JSON; data
 * may be NULL.
 */
void	mesos_inspect_parse(const uint8_t *data, size_t len, char **ip,
	    char **container_id, char **hostname);

#endif
