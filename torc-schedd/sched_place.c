/*
 * sched_place.c - placement: which pending services to launch on the
 * offers of one agent, and why the others wait.  Pure: it reads the
 * model and the pooled offers, writes pending reasons, and returns the
 * launch list; the caller builds the tasks and talks to Mesos.
 */
#include "sched.h"

#include <stdio.h>
#include <string.h>

/*
 * Policy.
 *
 * Offers are handled one agent at a time, and all the offers of an agent
 * in one event are pooled: a launch may use resources from several of
 * them (one ACCEPT names them all).  Every task placed in the pool takes
 * its cpu and memory out of it, so the pool is never oversubscribed.
 *
 * A pending service can go to an agent when
 *   1. its node constraints hold: node_name equals the agent's node name,
 *      node_type and node_function equal the agent's attributes (an empty
 *      constraint matches anything);
 *   2. its dependent_service (if any) is running.  An SLA instance that
 *      depends on an SLA-expanded service ("pcp") may name the plain
 *      service: then "<dep>-<node>" on the same node must be running;
 *   3. the pool still has its cpu and its memory.
 * Only pending services are considered, and a service holds at most one
 * task, so no service is ever launched twice.
 *
 * The order is fixed, so the same offers and state always give the same
 * launches: system services before on-demand ones, and by name within
 * each kind.
 *
 * Every pending service carries a reason a person can act on:
 *   "waiting for dependent service influxdb"
 *   "no active node matches node_function=controller"
 *   "needs 1024 MB, largest offer has 512 MB" (or cpus)
 *   "waiting for an offer from a matching node"
 * sched_place sets the reasons it learns from this agent (dependency,
 * resources) only for services this agent could have taken;
 * sched_place_explain looks at the whole rack (active nodes).
 */

/* Sums of decimal fractions (0.1 + 0.2) are not exact in binary. */
#define SCHED_PLACE_EPSILON	1e-6

static bool
match_str(const char *want, const char *have)
{
	return want == NULL || *want == '\0' ||
	    (have != NULL && strcmp(want, have) == 0);
}

bool
sched_place_matches(const struct sched_svc *svc, const struct sched_node *n)
{
	return match_str(svc->t.node_name, n->t.name) &&
	    match_str(svc->t.node_type, n->t.node_type) &&
	    match_str(svc->t.node_function, n->t.node_function);
}

bool
sched_place_dep_ok(const struct sched_state *st, const struct sched_svc *svc,
    const struct sched_node *n, const char **dep)
{
	const struct sched_svc *d;
	char name[512];

	*dep = svc->t.dependent_service;
	if (**dep == '\0')
		return true;
	d = sched_svc_find(st, *dep);
	if (d == NULL && n != NULL) {
		snprintf(name, sizeof(name), "%s-%s", *dep, n->t.name);
		d = sched_svc_find(st, name);
	}
	return d != NULL && d->t.state == TSVC_RUNNING;
}

static void
place_kind(struct sched_state *st, const struct sched_place_agent *a,
    enum tmsg_svc_kind kind, double *cpus, double *mem,
    struct sched_svc **launch, size_t cap, size_t *n)
{
	for (size_t i = 0; i < st->n_svcs && *n < cap; i++) {
		struct sched_svc *svc = st->svcs[i];
		const char *dep;

		if (svc->t.kind != kind || svc->t.state != TSVC_PENDING)
			continue;
		if (!sched_place_matches(svc, a->node))
			continue;
		if (!sched_place_dep_ok(st, svc, a->node, &dep)) {
			sched_svc_reason(svc,
			    "waiting for dependent service %s", dep);
			continue;
		}
		if (svc->t.memory > *mem + SCHED_PLACE_EPSILON) {
			sched_svc_reason(svc,
			    "needs %.0f MB, largest offer has %.0f MB",
			    svc->t.memory, *mem);
			continue;
		}
		if (svc->t.cpu > *cpus + SCHED_PLACE_EPSILON) {
			sched_svc_reason(svc,
			    "needs %.2f cpus, largest offer has %.2f cpus",
			    svc->t.cpu, *cpus);
			continue;
		}
		*mem -= svc->t.memory;
		*cpus -= svc->t.cpu;
		sched_svc_reason(svc, "placed on %s", a->node->t.name);
		launch[(*n)++] = svc;
	}
}

size_t
sched_place(struct sched_state *st, const struct sched_place_agent *a,
    struct sched_svc **launch, size_t cap)
{
	double cpus = a->cpus, mem = a->mem;
	size_t n = 0;

	if (a->node == NULL)
		return 0;
	place_kind(st, a, TSVC_KIND_SYSTEM, &cpus, &mem, launch, cap, &n);
	place_kind(st, a, TSVC_KIND_ONDEMAND, &cpus, &mem, launch, cap, &n);
	return n;
}

/* "node_name=x, node_function=y" for the constraints that apply. */
static void
constraints_str(const struct sched_svc *svc, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	if (*svc->t.node_name != '\0')
		off += (size_t)snprintf(buf + off, len - off, "node_name=%s",
		    svc->t.node_name);
	if (*svc->t.node_type != '\0' && off < len)
		off += (size_t)snprintf(buf + off, len - off, "%snode_type=%s",
		    off ? ", " : "", svc->t.node_type);
	if (*svc->t.node_function != '\0' && off < len)
		snprintf(buf + off, len - off, "%snode_function=%s",
		    off ? ", " : "", svc->t.node_function);
}

static bool
reason_is_global(const char *r)
{
	return *r == '\0' || strncmp(r, "no active node", 14) == 0 ||
	    strncmp(r, "waiting for", 11) == 0 ||
	    strncmp(r, "placed on", 9) == 0 ||
	    strncmp(r, "restart", 7) == 0 ||
	    strncmp(r, "recovered", 9) == 0 ||
	    strncmp(r, "not connected", 13) == 0;
}

void
sched_place_explain(struct sched_state *st, struct sched_svc *svc)
{
	const struct sched_node *match = NULL;
	const char *dep;
	char cons[128];

	if (svc->t.state != TSVC_PENDING)
		return;
	for (size_t i = 0; i < st->n_nodes; i++) {
		const struct sched_node *n = st->nodes[i];

		if (n->t.active && sched_place_matches(svc, n)) {
			match = n;
			break;
		}
	}
	if (!sched_place_dep_ok(st, svc, match, &dep)) {
		sched_svc_reason(svc, "waiting for dependent service %s", dep);
		return;
	}
	if (match == NULL) {
		constraints_str(svc, cons, sizeof(cons));
		if (*cons == '\0')
			sched_svc_reason(svc, "no active node");
		else
			sched_svc_reason(svc, "no active node matches %s",
			    cons);
		return;
	}
	if (reason_is_global(svc->t.state_reason))
		sched_svc_reason(svc, "waiting for an offer from a matching "
		    "node");
}
