/*
 * sched_ipc.c - answers to the requests on schedd.ipc, built from the
 * scheduling core.  No sockets here: schedd.c receives, calls
 * sched_ipc_handle and sends what it returns.
 *
 * Receives: SYNC_REQ, QUERY_REQ, CTL_START_GROUP, CTL_KILL, CTL_ANNOUNCE,
 * CTL_FORGET_FRAMEWORK.  Replies: SYNC_REP, QUERY_REP, CTL_RESULT, ERROR.
 *
 * Every command states a desired state and is idempotent (nng REQ may
 * resend): starting a started group starts nothing, killing a killed
 * service kills nothing more, announcing again refreshes.  Commands
 * always answer CTL_RESULT with an HTTP-like code (200, 400, 404, 409,
 * 500, 503); ERROR 400 is for a request of a type schedd does not take.
 */
#include "sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void
status_copy(const struct sched *s, struct tmsg_sched_status *dst)
{
	struct tmsg_sched_status st;

	sched_status(s, &st);
	*dst = st;
	dst->framework_id = xstrdup(st.framework_id ? st.framework_id : "");
	dst->mesos_state = xstrdup(st.mesos_state ? st.mesos_state : "");
	dst->master = xstrdup(st.master ? st.master : "");
}

static struct tmsg_node *
nodes_copy(const struct sched *s, uint32_t *n)
{
	struct tmsg_node *v = xcalloc(s->st.n_nodes + 1, sizeof(*v));

	for (size_t i = 0; i < s->st.n_nodes; i++)
		tmsg_node_copy(&v[i], &s->st.nodes[i]->t);
	*n = (uint32_t)s->st.n_nodes;
	return v;
}

static bool
svc_selected(const struct sched_svc *svc, enum tmsg_query_what what)
{
	switch (what) {
	case TQUERY_SERVICES:
		return true;
	case TQUERY_RUNNING:
		return svc->t.state == TSVC_RUNNING && !svc->t.is_job;
	case TQUERY_METERED:
		return svc->t.state == TSVC_RUNNING && svc->t.is_metered;
	case TQUERY_PENDING:
		return svc->t.state == TSVC_PENDING ||
		    svc->t.state == TSVC_RESTARTING;
	case TQUERY_NODES:
	default:
		return false;
	}
}

static struct tmsg_service *
svcs_copy(const struct sched *s, enum tmsg_query_what what, uint32_t *n)
{
	struct tmsg_service *v = xcalloc(s->st.n_svcs + 1, sizeof(*v));
	uint32_t k = 0;

	for (size_t i = 0; i < s->st.n_svcs; i++)
		if (svc_selected(s->st.svcs[i], what))
			tmsg_service_copy(&v[k++], &s->st.svcs[i]->t);
	*n = k;
	return v;
}

static void
result(struct tmsg *rep, int code, const char *msg, char **names,
    size_t n_names)
{
	rep->type = TMSG_CTL_RESULT;
	rep->u.result.code = code;
	rep->u.result.message = xstrdup(msg);
	rep->u.result.names = names;
	rep->u.result.n_names = (uint32_t)n_names;
}

static void
error(struct tmsg *rep, int code, const char *msg)
{
	rep->type = TMSG_ERROR;
	rep->u.error.code = code;
	rep->u.error.message = xstrdup(msg);
}

void
sched_ipc_handle(struct sched *s, const struct tmsg *req, struct tmsg *rep,
    const struct sched_now *now)
{
	char msg[512];
	char **names = NULL;
	size_t n_names = 0;
	int code;

	memset(rep, 0, sizeof(*rep));
	rep->seq = req->seq;
	switch (req->type) {
	case TMSG_SYNC_REQ:
		/* Publish what is pending first, so seq covers it all. */
		sched_flush(s);
		rep->type = TMSG_SYNC_REP;
		rep->u.snap.seq = s->seq;
		status_copy(s, &rep->u.snap.status);
		rep->u.snap.nodes = nodes_copy(s, &rep->u.snap.n_nodes);
		rep->u.snap.services = svcs_copy(s, TQUERY_SERVICES,
		    &rep->u.snap.n_services);
		break;
	case TMSG_QUERY_REQ:
		rep->type = TMSG_QUERY_REP;
		if (req->u.query.what == TQUERY_NODES)
			rep->u.query_rep.nodes = nodes_copy(s,
			    &rep->u.query_rep.n_nodes);
		else
			rep->u.query_rep.services = svcs_copy(s,
			    req->u.query.what, &rep->u.query_rep.n_services);
		break;
	case TMSG_CTL_START_GROUP:
		if (req->u.name.name == NULL || *req->u.name.name == '\0') {
			result(rep, 400, "start group: missing name", NULL, 0);
			break;
		}
		code = sched_start_group(s, req->u.name.name, now, msg,
		    sizeof(msg), &names, &n_names);
		result(rep, code, msg, names, n_names);
		break;
	case TMSG_CTL_KILL:
		if (req->u.name.name == NULL || *req->u.name.name == '\0') {
			result(rep, 400, "kill: missing name", NULL, 0);
			break;
		}
		code = sched_kill(s, req->u.name.name, now, msg, sizeof(msg));
		names = xcalloc(1, sizeof(*names));
		names[0] = xstrdup(req->u.name.name);
		result(rep, code, msg, names, 1);
		break;
	case TMSG_CTL_ANNOUNCE:
		code = sched_announce(s, &req->u.svc, now, msg, sizeof(msg));
		result(rep, code, msg, NULL, 0);
		break;
	case TMSG_CTL_FORGET_FRAMEWORK:
		code = sched_forget_framework(s, msg, sizeof(msg));
		result(rep, code, msg, NULL, 0);
		break;
	default:
		snprintf(msg, sizeof(msg), "schedd.ipc does not take %s",
		    tmsg_type_name(req->type));
		error(rep, 400, msg);
		break;
	}
}
