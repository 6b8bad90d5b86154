/*
 * route_sys.c - the engine that drives one outward system (Consul, the
 * switch): hands due changes from its route_table to the driver, feeds
 * outcomes and listings back, keeps the retry and reconcile timers and
 * the system's health, and persists the owned-route set.  No bus
 * messages: routed.c feeds it desired state, route_status.c reads it.
 *
 * Health: a system that stops answering sensibly (no answer, 5xx,
 * garbage) is marked unreachable and gets one change at a time, so a
 * dead Consul is probed by one request rather than hammered by
 * thousands; the first sensible answer restores the full window.
 */
#include "routed.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "monotime.h"
#include "util.h"

/*
 * Write the owned set whole: durable (fsync'd) within ROUTED_FLUSH_DELAY_MS
 * of a change, and releases only ever take that path.  Before a create
 * goes out its route is claimed by an append (route_sys_claim), or by
 * this without the fsync when the append fails.
 */
static void
route_sys_save(struct route_sys *sys, bool durable)
{
	char err[512];

	if (sys->state_path[0] == '\0')
		return;
	if (!sys->table.owned_dirty && !(durable && sys->sync_pending))
		return;
	if (route_state_save(&sys->table, sys->state_path, durable, err,
	    sizeof(err)) != 0) {
		if (!sys->save_failed)
			log_error("%s: cannot save owned routes: %s",
			    sys->name, err);
		sys->save_failed = true;
		return;
	}
	if (sys->save_failed)
		log_info("%s: owned routes saved again", sys->name);
	sys->save_failed = false;
	sys->table.owned_dirty = false;
	sys->sync_pending = !durable;
	if (sys->sync_pending && !ev_timer_active(&sys->flush_timer))
		ev_timer_start(sys->rd->loop, &sys->flush_timer,
		    ROUTED_FLUSH_DELAY_MS);
}

/*
 * Claim the routes of the creates in batch before they are sent: their
 * lines are appended to the file (no rename, no fsync: a create must not
 * wait for the disk), and the whole durable write follows.
 */
static void
route_sys_claim(struct route_sys *sys, const struct route_action *batch,
    size_t n)
{
	struct route_entry *v[ROUTED_MAX_INFLIGHT];
	size_t k = 0;
	char err[512];

	if (sys->state_path[0] == '\0')
		return;
	for (size_t i = 0; i < n && k < nitems(v); i++)
		if (batch[i].op == ROUTE_OP_PUT && batch[i].e->owned)
			v[k++] = batch[i].e;
	if (k > 0 && route_state_append(sys->state_path, v, k, err,
	    sizeof(err)) != 0) {
		log_warnx("%s: %s; replacing the file instead", sys->name,
		    err);
		route_sys_save(sys, false);
	}
	if (sys->table.owned_dirty && !ev_timer_active(&sys->flush_timer))
		ev_timer_start(sys->rd->loop, &sys->flush_timer,
		    ROUTED_FLUSH_DELAY_MS);
}

static void
route_sys_flush_cb(struct ev_loop *loop, void *arg)
{
	(void)loop;
	route_sys_save(arg, true);
}

static void
route_sys_retry_cb(struct ev_loop *loop, void *arg)
{
	(void)loop;
	route_sys_dispatch(arg);
}

static void
route_sys_reconcile_cb(struct ev_loop *loop, void *arg)
{
	(void)loop;
	route_sys_reconcile(arg);
}

static void
route_sys_health(struct route_sys *sys, bool ok, const char *err)
{
	if (ok) {
		sys->last_success = wall_s();
		if (!sys->reachable)
			log_info("%s: reachable", sys->name);
		sys->reachable = true;
		return;
	}
	tstrlcpy(sys->last_error, err != NULL ? err : "failed",
	    sizeof(sys->last_error));
	if (sys->reachable)
		log_warnx("%s: unreachable: %s", sys->name, sys->last_error);
	sys->reachable = false;
}

void
route_sys_dispatch(struct route_sys *sys)
{
	struct route_action batch[ROUTED_MAX_INFLIGHT];
	size_t n = 0, slots, i;
	int64_t now = mono_ms(), due;
	bool creates = false;

	if (!sys->enabled)
		return;
	route_table_tick(&sys->table, now);
	slots = sys->reachable ? sys->max_inflight : 1;
	while (sys->inflight + n < slots && n < nitems(batch) &&
	    route_table_next(&sys->table, now, &batch[n]) == 1) {
		if (batch[n].op == ROUTE_OP_PUT)
			creates = true;
		n++;
	}
	/* A route is claimed on disk before its create is sent. */
	if (sys->table.owned_dirty) {
		if (creates && sys->table.kind == ROUTE_KIND_ROUTE)
			route_sys_claim(sys, batch, n);
		else if (!ev_timer_active(&sys->flush_timer))
			ev_timer_start(sys->rd->loop, &sys->flush_timer,
			    ROUTED_FLUSH_DELAY_MS);
	}
	for (i = 0; i < n; i++) {
		char err[256];

		sys->inflight++;
		if (sys->drv->apply(sys, &batch[i], err, sizeof(err)) != 0) {
			sys->inflight--;
			route_table_done(&sys->table, batch[i].e,
			    ROUTE_RES_FAIL, err, now);
		}
	}
	due = route_table_next_due(&sys->table);
	if (due >= 0) {
		int64_t d = due - mono_ms();

		ev_timer_start(sys->rd->loop, &sys->retry_timer, d > 0 ? d : 0);
	} else
		ev_timer_stop(sys->rd->loop, &sys->retry_timer);
}

void
route_sys_done(struct route_sys *sys, struct route_entry *e,
    enum route_result res, const char *err, bool sys_ok)
{
	if (sys->inflight > 0)
		sys->inflight--;
	if (res == ROUTE_RES_OK || res == ROUTE_RES_GONE)
		sys->ops_ok++;
	else
		sys->ops_failed++;
	route_sys_health(sys, sys_ok, err);
	route_table_done(&sys->table, e, res, err, mono_ms());
	route_sys_dispatch(sys);
}

void
route_sys_reconcile(struct route_sys *sys)
{
	char err[256];

	if (!sys->enabled)
		return;
	ev_timer_start(sys->rd->loop, &sys->reconcile_timer, sys->poll_ms);
	if (sys->listing)
		return;
	sys->list_stamp = route_table_observe_begin(&sys->table);
	sys->listing = true;
	if (sys->drv->list(sys, err, sizeof(err)) != 0) {
		sys->listing = false;
		route_sys_list_done(sys, false, NULL, 0, err);
	}
}

void
route_sys_list_done(struct route_sys *sys, bool ok,
    const struct route_obs *obs, size_t n, const char *err)
{
	struct route_table *t = &sys->table;
	int64_t now = mono_ms();
	bool first = !t->observed;
	size_t before = 0;

	sys->listing = false;
	route_sys_health(sys, ok, err);
	if (!ok) {
		sys->lists_failed++;
		if (sys->list_retry_ms == 0)
			log_warnx("%s: listing failed: %s", sys->name, err);
		sys->list_retry_ms = sys->list_retry_ms == 0 ? 500 :
		    sys->list_retry_ms * 2;
		if (sys->list_retry_ms > sys->poll_ms)
			sys->list_retry_ms = sys->poll_ms;
		ev_timer_start(sys->rd->loop, &sys->reconcile_timer,
		    sys->list_retry_ms);
		return;
	}
	sys->lists_ok++;
	if (sys->list_retry_ms != 0)
		log_info("%s: listing works again", sys->name);
	sys->list_retry_ms = 0;
	for (size_t i = 0; i < n; i++)
		route_table_observe(t, sys->list_stamp, obs[i].key,
		    &obs[i].val, obs[i].ours, now);
	before = route_table_count(t, ROUTE_ST_PROGRAMMED);
	route_table_observe_end(t, sys->list_stamp, now);
	if (first)
		log_info("%s: first listing: %zu entries seen, %zu of ours "
		    "programmed, %zu to change", sys->name, n, before,
		    t->n - route_table_count(t, ROUTE_ST_PROGRAMMED));
	else
		log_debug("%s: reconciled: %zu entries seen", sys->name, n);
	route_sys_dispatch(sys);
#ifdef __GLIBC__
	/* A listing's JSON tree is large and short-lived: give it back. */
	if (n > 1000)
		malloc_trim(0);
#endif
}

void
route_obs_free(struct route_obs *obs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(obs[i].key);
		route_val_free(&obs[i].val);
	}
	free(obs);
}

void
route_sys_allow_delete(struct route_sys *sys, bool allow)
{
	if (!sys->enabled || sys->table.allow_delete == allow)
		return;
	sys->table.allow_delete = allow;
	/* Deletions parked meanwhile go out now. */
	if (allow)
		route_table_requeue_all(&sys->table, mono_ms());
}

int
route_sys_init(struct route_sys *sys, struct routed *rd, const char *name,
    const struct route_driver *drv, const char *base_url,
    enum route_kind kind, const char *state_path, int poll_seconds)
{
	char err[512];
	size_t skipped = 0;

	memset(sys, 0, sizeof(*sys));
	sys->name = name;
	sys->rd = rd;
	sys->drv = drv;
	sys->max_inflight = ROUTED_MAX_INFLIGHT;
	sys->reachable = true;
	sys->poll_ms = (int64_t)(poll_seconds > 0 ? poll_seconds : 10) * 1000;
	tstrlcpy(sys->base_url, base_url, sizeof(sys->base_url));
	route_table_init(&sys->table, kind);
	sys->table.on_change = route_status_log_change;
	sys->table.arg = sys;
	ev_timer_init(&sys->retry_timer, route_sys_retry_cb, sys);
	ev_timer_init(&sys->reconcile_timer, route_sys_reconcile_cb, sys);
	ev_timer_init(&sys->flush_timer, route_sys_flush_cb, sys);
	if (state_path != NULL) {
		tstrlcpy(sys->state_path, state_path, sizeof(sys->state_path));
		if (route_state_load(&sys->table, state_path, &skipped, err,
		    sizeof(err)) != 0) {
			log_error("%s: %s", name, err);
			return -1;
		}
		if (skipped > 0)
			log_warnx("%s: %s: %zu malformed lines ignored", name,
			    state_path, skipped);
		log_info("%s: %zu owned routes from %s", name, sys->table.n,
		    state_path);
	}
	sys->enabled = true;
	return 0;
}

void
route_sys_shutdown(struct route_sys *sys)
{
	if (sys->rd == NULL)
		return;
	if (sys->enabled) {
		sys->drv->close(sys);
		route_sys_save(sys, true);
	}
	ev_timer_stop(sys->rd->loop, &sys->retry_timer);
	ev_timer_stop(sys->rd->loop, &sys->reconcile_timer);
	ev_timer_stop(sys->rd->loop, &sys->flush_timer);
	sys->table.on_change = NULL;
	route_table_free(&sys->table);
	sys->enabled = false;
}
