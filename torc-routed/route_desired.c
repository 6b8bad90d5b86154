/*
 * route_desired.c - what should exist outside, derived from schedd's
 * state (the replica) and the config; never from looking outside.
 * Pure: no I/O, no logging.
 *
 * DNS (Consul ID "torc-<name>", resolving as <name>.service.<domain>):
 *   - the scheduler itself: config `name` -> --myip;
 *   - every dns-addons entry: name -> ip;
 *   - every running service with an IPv4 address: name -> its address,
 *     with the task id and node as meta.
 * Routes (<ip>/32 -> next hop): every running service on a routable
 * network (network_type neither host nor none) whose node has an
 * external_ip; the next hop is that external_ip.  A running service that
 * gets no route (or no DNS entry) gets a note saying why, for the daemon
 * to log once.
 *
 * A key wanted twice (a dns-addon named like a service, two services
 * with one address) goes to the first claimant in the order above, then
 * by service name; the others get a note.
 */
#include "route.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

bool
route_network_routable(const char *nt)
{
	if (nt == NULL || *nt == '\0')
		return false;
	return strcasecmp(nt, "host") != 0 && strcasecmp(nt, "none") != 0;
}

static void
add_note(struct route_desired *d, const char *svc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
add_note(struct route_desired *d, const char *svc, const char *fmt, ...)
{
	struct route_note *n;
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	d->notes = xrealloc(d->notes, (d->n_notes + 1) * sizeof(*d->notes));
	n = &d->notes[d->n_notes++];
	n->service = xstrdup(svc);
	n->reason = xstrdup(buf);
}

static struct route_want *
add_want(struct route_want **arr, size_t *n)
{
	struct route_want *w;

	/* Grow in steps: a snapshot may hold thousands of services. */
	if ((*n & (*n - 1)) == 0 || *n == 0)
		*arr = xrealloc(*arr, (*n == 0 ? 1 : *n * 2) * sizeof(**arr));
	w = &(*arr)[(*n)++];
	memset(w, 0, sizeof(*w));
	return w;
}

static void
add_dns(struct route_desired *d, const char *owner, const char *name,
    const char *addr, const char *task_id, const char *node,
    const char *origin)
{
	struct route_want *w = add_want(&d->dns, &d->n_dns);

	w->key = xasprintf("%s%s", ROUTE_DNS_ID_PREFIX, name);
	w->owner = xstrdup_null(owner);
	route_val_set(&w->val, name, addr, task_id != NULL ? task_id : "",
	    node != NULL ? node : "", origin);
}

/* The next hop for a service on node, or NULL with a note. */
static const char *
next_hop(const struct tmsg_service *s, const struct replica *r,
    const struct route_desired_params *p, struct route_desired *d)
{
	const struct tmsg_node *n = NULL;
	const char *ext = NULL;

	if (s->node == NULL || *s->node == '\0') {
		add_note(d, s->name, "no route: not on any node");
		return NULL;
	}
	if (r != NULL)
		n = replica_node(r, s->node);
	if (n != NULL)
		ext = n->external_ip;
	else {
		for (size_t i = 0; i < p->n_nodes; i++)
			if (strcmp(p->nodes[i].name, s->node) == 0)
				ext = p->nodes[i].external_ip;
		if (ext == NULL) {
			add_note(d, s->name, "no route: node %s is unknown",
			    s->node);
			return NULL;
		}
	}
	if (ext == NULL || *ext == '\0') {
		add_note(d, s->name, "no route: node %s has no external_ip",
		    s->node);
		return NULL;
	}
	if (!is_ipv4(ext)) {
		add_note(d, s->name, "no route: node %s external_ip \"%.64s\" "
		    "is not an IPv4 address", s->node, ext);
		return NULL;
	}
	return ext;
}

static void
service_wants(const struct tmsg_service *s, const struct replica *r,
    const struct route_desired_params *p, struct route_desired *d)
{
	const char *nh;
	struct route_want *w;

	if (s == NULL || s->state != TSVC_RUNNING || s->name == NULL ||
	    *s->name == '\0')
		return;
	if (s->ip == NULL || !is_ipv4(s->ip)) {
		add_note(d, s->name, "no DNS entry and no route: address "
		    "\"%.64s\" is not IPv4", s->ip != NULL ? s->ip : "");
		return;
	}
	add_dns(d, s->name, s->name, s->ip, s->task_id, s->node, "service");
	if (!p->routes || !route_network_routable(s->network_type))
		return;
	if ((nh = next_hop(s, r, p, d)) == NULL)
		return;
	w = add_want(&d->routes, &d->n_routes);
	w->key = xasprintf("%s/32", s->ip);
	w->owner = xstrdup(s->name);
	route_val_set(&w->val, s->name, nh,
	    s->task_id != NULL ? s->task_id : "", s->node, "service");
}

void
route_desired_service(const struct tmsg_service *svc, const struct replica *r,
    const struct route_desired_params *p, struct route_desired *out)
{
	memset(out, 0, sizeof(*out));
	service_wants(svc, r, p, out);
}

static void
want_free(struct route_want *w)
{
	free(w->key);
	free(w->owner);
	route_val_free(&w->val);
}

/* Drop wants whose key came earlier; note them. */
static void
dedup(struct route_desired *d, struct route_want *arr, size_t *n,
    const char *what)
{
	struct route_map seen;
	size_t i, j;

	route_map_init_borrowed(&seen);	/* keys: arr[j].key */
	for (i = j = 0; i < *n; i++) {
		struct route_want *first = route_map_get(&seen, arr[i].key);

		if (first != NULL) {
			add_note(d, arr[i].val.name, "no %s: %s already used "
			    "by %s", what, arr[i].key, first->val.name);
			want_free(&arr[i]);
			d->n_dup++;
			continue;
		}
		if (i != j)
			arr[j] = arr[i];
		route_map_put(&seen, arr[j].key, &arr[j]);
		j++;
	}
	*n = j;
	route_map_free(&seen);
}

void
route_desired_build(const struct replica *r,
    const struct route_desired_params *p, struct route_desired *out)
{
	memset(out, 0, sizeof(*out));
	if (p->self_name != NULL && *p->self_name != '\0' &&
	    p->self_ip != NULL && is_ipv4(p->self_ip))
		add_dns(out, NULL, p->self_name, p->self_ip, NULL, NULL,
		    "self");
	for (size_t i = 0; i < p->n_addons; i++)
		if (is_ipv4(p->addons[i].ip) && *p->addons[i].name != '\0')
			add_dns(out, NULL, p->addons[i].name, p->addons[i].ip,
			    NULL, NULL, "addon");
	if (r != NULL)
		for (size_t i = 0; i < r->n_services; i++)
			service_wants(r->services[i], r, p, out);
	dedup(out, out->dns, &out->n_dns, "DNS entry");
	dedup(out, out->routes, &out->n_routes, "route");
}

void
route_desired_free(struct route_desired *d)
{
	for (size_t i = 0; i < d->n_dns; i++)
		want_free(&d->dns[i]);
	free(d->dns);
	for (size_t i = 0; i < d->n_routes; i++)
		want_free(&d->routes[i]);
	free(d->routes);
	for (size_t i = 0; i < d->n_notes; i++) {
		free(d->notes[i].service);
		free(d->notes[i].reason);
	}
	free(d->notes);
	memset(d, 0, sizeof(*d));
}
