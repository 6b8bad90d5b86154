/*
 * sched_state.c - torc-schedd's model: the nodes (configured ones joined
 * with what Mesos agents report) and the service instances (system
 * services after SLA expansion, started on-demand services, announced
 * tasks), kept sorted by name.  Pure: no I/O, no clock, no logging.
 */
#include "sched.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static char *
dup0(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

void
sched_strv_free(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

size_t
sched_sla_expand(const struct torc_config *cfg, const struct cfg_service *def,
    char ***names, char ***nodes)
{
	size_t n = 0;

	*names = xcalloc(cfg->n_nodes + 1, sizeof(char *));
	*nodes = xcalloc(cfg->n_nodes + 1, sizeof(char *));
	if (def->sla == CFG_SLA_NONE) {
		(*names)[0] = xstrdup(def->name);
		(*nodes)[0] = xstrdup(def->node_name);
		return 1;
	}
	for (size_t i = 0; i < cfg->n_nodes; i++) {
		const struct cfg_node *cn = &cfg->nodes[i];

		if (def->sla == CFG_SLA_SINGLETON_EACH_SLAVE &&
		    cn->type != CFG_NODE_SLAVE)
			continue;
		(*names)[n] = xasprintf("%s-%s", def->name, cn->name);
		(*nodes)[n] = xstrdup(cn->name);
		n++;
	}
	return n;
}

static enum tmsg_sla
sla_of(enum cfg_sla s)
{
	switch (s) {
	case CFG_SLA_SINGLETON_EACH_NODE:
		return TSLA_SINGLETON_EACH_NODE;
	case CFG_SLA_SINGLETON_EACH_SLAVE:
		return TSLA_SINGLETON_EACH_SLAVE;
	case CFG_SLA_NONE:
	default:
		return TSLA_NONE;
	}
}

struct sched_svc *
sched_svc_new(const struct torc_config *cfg, const struct cfg_service *def,
    const char *name, const char *node, enum tmsg_svc_kind kind,
    const char *group, const struct sched_now *now)
{
	struct sched_svc *svc = xcalloc(1, sizeof(*svc));
	struct tmsg_service *t = &svc->t;

	t->name = xstrdup(name);
	t->group = dup0(group);
	t->controller = dup0(cfg->name);
	t->kind = kind;
	t->image = dup0(def->image_name);
	t->node_name = dup0(node);
	t->node_type = dup0(def->node_type);
	t->node_function = dup0(def->node_function);
	t->dependent_service = dup0(def->dependent_service);
	t->arguments = dup0(def->arguments);
	t->parameters = dup0(def->parameters);
	t->memory = def->memory;
	t->cpu = def->cpu;
	if (def->n_volumes > 0) {
		t->volumes = xcalloc(def->n_volumes, sizeof(*t->volumes));
		for (size_t i = 0; i < def->n_volumes; i++) {
			t->volumes[i].host_path =
			    dup0(def->volumes[i].host_path);
			t->volumes[i].container_path =
			    dup0(def->volumes[i].container_path);
			t->volumes[i].read_only = def->volumes[i].read_only;
		}
		t->n_volumes = (uint32_t)def->n_volumes;
	}
	t->privileged = def->privileged;
	t->sla = sla_of(def->sla);
	t->is_metered = def->is_metered;
	t->is_job = def->is_job;
	t->is_system_service = kind == TSVC_KIND_SYSTEM;
	t->network_type = dup0(def->network_type);
	t->state = TSVC_PENDING;
	t->state_reason = xstrdup("");
	t->task_id = xstrdup("");
	t->agent_id = xstrdup("");
	t->node = xstrdup("");
	t->container_id = xstrdup("");
	t->ip = xstrdup("");
	t->last_update = now->wall_s;
	t->last_failure = xstrdup("");
	svc->last_update_ms = now->mono_ms;
	svc->state_since_ms = now->mono_ms;
	svc->dirty = true;
	return svc;
}

void
sched_svc_free(struct sched_svc *svc)
{
	if (svc == NULL)
		return;
	tmsg_service_free(&svc->t);
	free(svc->ended_task);
	free(svc);
}

static size_t
svc_lower_bound(const struct sched_state *st, const char *name, bool *found)
{
	size_t lo = 0, hi = st->n_svcs;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(st->svcs[mid]->t.name, name);

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

struct sched_svc *
sched_svc_find(const struct sched_state *st, const char *name)
{
	bool found;
	size_t i;

	if (name == NULL)
		return NULL;
	i = svc_lower_bound(st, name, &found);
	return found ? st->svcs[i] : NULL;
}

/*
 * Task ids are "<service>.<uuid>": the service name is everything before
 * the last dot, so the lookup is a binary search, not a scan.
 */
struct sched_svc *
sched_svc_by_task(const struct sched_state *st, const char *task_id)
{
	const char *dot;
	char name[512];
	struct sched_svc *svc;
	size_t n;

	if (task_id == NULL || *task_id == '\0')
		return NULL;
	dot = strrchr(task_id, '.');
	if (dot == NULL)
		return NULL;
	n = (size_t)(dot - task_id);
	if (n == 0 || n >= sizeof(name))
		return NULL;
	memcpy(name, task_id, n);
	name[n] = '\0';
	svc = sched_svc_find(st, name);
	if (svc != NULL && strcmp(svc->t.task_id, task_id) == 0)
		return svc;
	return NULL;
}

int
sched_svc_insert(struct sched_state *st, struct sched_svc *svc)
{
	bool found;
	size_t i = svc_lower_bound(st, svc->t.name, &found);

	if (found)
		return -1;
	if (st->n_svcs == st->cap_svcs) {
		st->cap_svcs = st->cap_svcs ? st->cap_svcs * 2 : 16;
		st->svcs = xrealloc(st->svcs,
		    st->cap_svcs * sizeof(*st->svcs));
	}
	memmove(&st->svcs[i + 1], &st->svcs[i],
	    (st->n_svcs - i) * sizeof(*st->svcs));
	st->svcs[i] = svc;
	st->n_svcs++;
	return 0;
}

void
sched_svc_remove(struct sched_state *st, struct sched_svc *svc)
{
	bool found;
	size_t i = svc_lower_bound(st, svc->t.name, &found);

	if (found && st->svcs[i] == svc) {
		memmove(&st->svcs[i], &st->svcs[i + 1],
		    (st->n_svcs - i - 1) * sizeof(*st->svcs));
		st->n_svcs--;
	}
	sched_svc_free(svc);
}

bool
sched_svc_set(struct sched_svc *svc, char **field, const char *val)
{
	if (val == NULL)
		val = "";
	if (*field != NULL && strcmp(*field, val) == 0)
		return false;
	free(*field);
	*field = xstrdup(val);
	svc->dirty = true;
	return true;
}

bool
sched_svc_reason(struct sched_svc *svc, const char *fmt, ...)
{
	char buf[SCHED_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return sched_svc_set(svc, &svc->t.state_reason, buf);
}

bool
sched_svc_live(const struct sched_svc *svc)
{
	switch (svc->t.state) {
	case TSVC_LAUNCHING:
	case TSVC_STARTING:
	case TSVC_RUNNING:
	case TSVC_KILLING:
	case TSVC_LOST:
		return true;
	default:
		return false;
	}
}

static struct sched_node *
node_add(struct sched_state *st, const char *name)
{
	struct sched_node *n = xcalloc(1, sizeof(*n));

	n->t.name = xstrdup(name);
	n->t.ip = xstrdup("");
	n->t.external_ip = xstrdup("");
	n->t.management_ip = xstrdup("");
	n->t.node_type = xstrdup("");
	n->t.node_function = xstrdup("none");
	n->t.agent_id = xstrdup("");
	n->t.hostname = xstrdup("");
	n->dirty = true;
	if (st->n_nodes == st->cap_nodes) {
		st->cap_nodes = st->cap_nodes ? st->cap_nodes * 2 : 8;
		st->nodes = xrealloc(st->nodes,
		    st->cap_nodes * sizeof(*st->nodes));
	}
	st->nodes[st->n_nodes++] = n;
	return n;
}

void
sched_state_init(struct sched_state *st, const struct torc_config *cfg,
    const struct sched_now *now)
{
	memset(st, 0, sizeof(*st));
	st->cfg = cfg;
	for (size_t i = 0; i < cfg->n_nodes; i++) {
		const struct cfg_node *cn = &cfg->nodes[i];
		struct sched_node *n = node_add(st, cn->name);

		free(n->t.ip);
		n->t.ip = dup0(cn->ip);
		free(n->t.external_ip);
		n->t.external_ip = dup0(cn->external_ip);
		free(n->t.management_ip);
		n->t.management_ip = dup0(cn->management_ip);
		free(n->t.node_type);
		n->t.node_type = xstrdup(cfg_node_type_name(cn->type));
		n->t.configured = true;
		n->t.port_id = cn->port;
		n->t.last_seen = now->wall_s;
	}
	for (size_t i = 0; i < cfg->healthcheck.n_system_services; i++) {
		const struct cfg_service *def =
		    &cfg->healthcheck.system_services[i];
		char **names, **nodes;
		size_t n = sched_sla_expand(cfg, def, &names, &nodes);

		for (size_t j = 0; j < n; j++) {
			struct sched_svc *svc = sched_svc_new(cfg, def,
			    names[j], nodes[j], TSVC_KIND_SYSTEM, "", now);

			/* The loader rejects duplicate names; an SLA
			 * instance may still collide with a plain name. */
			if (sched_svc_insert(st, svc) != 0)
				sched_svc_free(svc);
		}
		sched_strv_free(names, n);
		sched_strv_free(nodes, n);
	}
}

void
sched_state_free(struct sched_state *st)
{
	for (size_t i = 0; i < st->n_svcs; i++)
		sched_svc_free(st->svcs[i]);
	free(st->svcs);
	for (size_t i = 0; i < st->n_nodes; i++) {
		tmsg_node_free(&st->nodes[i]->t);
		free(st->nodes[i]);
	}
	free(st->nodes);
	memset(st, 0, sizeof(*st));
}

struct sched_node *
sched_node_find(const struct sched_state *st, const char *name)
{
	if (name == NULL || *name == '\0')
		return NULL;
	for (size_t i = 0; i < st->n_nodes; i++)
		if (strcmp(st->nodes[i]->t.name, name) == 0)
			return st->nodes[i];
	return NULL;
}

struct sched_node *
sched_node_by_agent(const struct sched_state *st, const char *agent_id)
{
	if (agent_id == NULL || *agent_id == '\0')
		return NULL;
	for (size_t i = 0; i < st->n_nodes; i++)
		if (strcmp(st->nodes[i]->t.agent_id, agent_id) == 0)
			return st->nodes[i];
	return NULL;
}

static void
node_set(struct sched_node *n, char **field, const char *val)
{
	if (val == NULL || *val == '\0')
		return;		/* an absent attribute keeps what we know */
	if (strcmp(*field, val) == 0)
		return;
	free(*field);
	*field = xstrdup(val);
	n->dirty = true;
}

struct sched_node *
sched_node_seen(struct sched_state *st, const char *agent_id,
    const char *hostname, const char *node_name, const char *node_type,
    const char *node_function, const struct sched_now *now, bool *added)
{
	struct sched_node *n = NULL;
	const char *name = node_name;

	*added = false;
	if (name == NULL || *name == '\0')
		name = hostname;
	if (name != NULL && *name != '\0')
		n = sched_node_find(st, name);
	if (n == NULL)
		n = sched_node_by_agent(st, agent_id);
	if (n == NULL) {
		n = node_add(st, name != NULL && *name != '\0' ? name :
		    agent_id != NULL && *agent_id != '\0' ? agent_id : "?");
		*added = true;
	}
	node_set(n, &n->t.agent_id, agent_id);
	node_set(n, &n->t.hostname, hostname);
	node_set(n, &n->t.node_type, node_type);
	node_set(n, &n->t.node_function, node_function);
	if (!n->t.configured && *n->t.ip == '\0')
		node_set(n, &n->t.ip, hostname);
	if (!n->t.active) {
		n->t.active = true;
		n->dirty = true;
	}
	n->t.last_seen = now->wall_s;
	n->last_seen_ms = now->mono_ms;
	return n;
}
