/*
 * route_status.c - what torc-routed reports: the TMSG_ROUTED_STATUS_REP
 * payload (dns[], routes[], systems[]) answered on routed.ipc, and the
 * log line for every entry whose status changes.
 */
#include "routed.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "monotime.h"
#include "util.h"

/* The message borrows our strings; NULL is sent as "". */
static char *
nz(char *s)
{
	static char empty[1];

	return s != NULL ? s : empty;
}

/* The value shown for an entry: what is wanted, else what is there. */
static const struct route_val *
shown_val(const struct route_entry *e)
{
	if (e->want)
		return &e->des;
	if (e->prog == ROUTE_PROG_PRESENT)
		return &e->cur;
	return &e->sent;
}

static void
fill_entries(const struct route_table *t, struct tmsg_route_entry **out,
    uint32_t *n_out, int64_t mono_now, int64_t wall_now)
{
	struct tmsg_route_entry *v;
	uint32_t n = 0;

	v = xcalloc(t->n + 1, sizeof(*v));
	for (const struct route_entry *e = t->head; e != NULL; e = e->next) {
		const struct route_val *val = shown_val(e);
		struct tmsg_route_entry *r;

		if (e->status == ROUTE_ST_GONE)
			continue;
		r = &v[n++];
		if (t->kind == ROUTE_KIND_DNS) {
			r->name = nz(val->name);
			r->key = nz(val->addr);
			r->value = nz(NULL);
		} else {
			r->name = nz(val->name);
			r->key = e->key;
			r->value = nz(val->addr);
		}
		r->status = (char *)route_status_name(e->status);
		r->last_error = nz(e->last_error);
		r->attempts = e->attempts;
		r->last_change = wall_now - (mono_now - e->last_change) / 1000;
	}
	*out = v;
	*n_out = n;
}

void
route_status_fill(struct routed *rd, struct tmsg_routed_status *st)
{
	int64_t mono_now = mono_ms(), wall_now = wall_s();
	struct route_sys *systems[] = { &rd->dns, &rd->net };
	uint32_t n = 0;

	memset(st, 0, sizeof(*st));
	if (rd->dns.enabled)
		fill_entries(&rd->dns.table, &st->dns, &st->n_dns, mono_now,
		    wall_now);
	if (rd->net.enabled)
		fill_entries(&rd->net.table, &st->routes, &st->n_routes,
		    mono_now, wall_now);
	st->systems = xcalloc(nitems(systems), sizeof(*st->systems));
	for (size_t i = 0; i < nitems(systems); i++) {
		struct route_sys *sys = systems[i];
		struct tmsg_system_status *s;

		if (!sys->enabled)
			continue;
		s = &st->systems[n++];
		s->name = (char *)sys->name;
		s->reachable = sys->reachable;
		s->last_success = sys->last_success;
		s->last_error = sys->last_error;
	}
	st->n_systems = n;
}

void
route_status_release(struct tmsg_routed_status *st)
{
	free(st->dns);
	free(st->routes);
	free(st->systems);
	memset(st, 0, sizeof(*st));
}

void
route_status_log_change(struct route_table *t, const struct route_entry *e,
    enum route_status old, void *arg)
{
	struct route_sys *sys = arg;
	const struct route_val *v = shown_val(e);
	const char *what = t->kind == ROUTE_KIND_DNS ? "dns" : "route";

	switch (e->status) {
	case ROUTE_ST_PROGRAMMED:
		if (t->kind == ROUTE_KIND_DNS)
			log_info("%s: %s %s programmed: %s -> %s", sys->name,
			    what, e->key, nz(v->name), nz(v->addr));
		else
			log_info("%s: %s %s programmed: via %s (%s)",
			    sys->name, what, e->key, nz(v->addr),
			    nz(v->name));
		break;
	case ROUTE_ST_FAILED:
		log_warnx("%s: %s %s failed (attempt %u): %s", sys->name, what,
		    e->key, e->attempts, e->last_error);
		break;
	case ROUTE_ST_GONE:
		if (old != ROUTE_ST_PENDING)
			log_info("%s: %s %s removed", sys->name, what, e->key);
		break;
	case ROUTE_ST_PENDING:
	case ROUTE_ST_REMOVING:
		log_debug("%s: %s %s %s (was %s)", sys->name, what, e->key,
		    route_status_name(e->status), route_status_name(old));
		break;
	}
}
