/*
 * api_metrics.c - GET /metrics in the Prometheus text format (0.0.4):
 * services by state, restarts, Mesos figures from schedd's SCHED_STATUS,
 * reconciliation age, DNS and route status from torc-routed's
 * ROUTED_STATUS_REP, and apid's own request counts and latencies.
 * Rendering is pure: the caller passes the state, the counters and now.
 */
#include "apid.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Upper bounds of the latency buckets, in seconds (+Inf is implied). */
static const double lat_bounds[API_LAT_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1.0, 2.5,
};

void
api_stats_init(struct api_stats *st, size_t n_routes)
{
	memset(st, 0, sizeof(*st));
	st->n_routes = n_routes + 1;
	st->routes = xcalloc(st->n_routes, sizeof(*st->routes));
}

void
api_stats_free(struct api_stats *st)
{
	free(st->routes);
	memset(st, 0, sizeof(*st));
}

void
api_stats_record(struct api_stats *st, int idx, int status, int64_t usec)
{
	struct api_route_stats *rs;
	double sec = (double)usec / 1e6;
	size_t i;

	if (st->routes == NULL)
		return;
	if (idx < 0 || (size_t)idx >= st->n_routes - 1)
		idx = (int)st->n_routes - 1;
	rs = &st->routes[idx];
	for (i = 0; i < API_CODES_MAX; i++) {
		if (rs->codes[i].code == status || rs->codes[i].code == 0) {
			rs->codes[i].code = status;
			rs->codes[i].n++;
			break;
		}
	}
	/* More distinct codes than slots: count them in the last one. */
	if (i == API_CODES_MAX)
		rs->codes[API_CODES_MAX - 1].n++;
	for (i = 0; i < API_LAT_BUCKETS; i++)
		if (sec <= lat_bounds[i]) {
			rs->lat_bucket[i]++;
			break;
		}
	rs->lat_count++;
	rs->lat_sum += sec;
}

/* A label value with \, " and newline escaped. */
static void
label(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(fp, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

static void
head(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static const char *
route_name(const struct api_stats *st, size_t i)
{
	return i < st->n_routes - 1 && i < api_n_routes ?
	    api_routes[i].path : "other";
}

static void
write_services(FILE *fp, const struct replica *r)
{
	uint64_t by_state[TSVC_LOST + 1] = { 0 }, restarts = 0;
	size_t active = 0;

	for (size_t i = 0; i < r->n_services; i++) {
		const struct tmsg_service *s = r->services[i];

		if ((unsigned)s->state <= TSVC_LOST)
			by_state[s->state]++;
		restarts += s->restarts;
	}
	head(fp, "torc_services", "gauge", "Services by state.");
	for (int s = 0; s <= TSVC_LOST; s++)
		fprintf(fp, "torc_services{state=\"%s\"} %llu\n",
		    tmsg_svc_state_name((enum tmsg_svc_state)s),
		    (unsigned long long)by_state[s]);
	head(fp, "torc_service_restarts", "gauge",
	    "Restarts of each service that restarted.");
	for (size_t i = 0; i < r->n_services; i++) {
		const struct tmsg_service *s = r->services[i];

		if (s->restarts == 0)
			continue;
		fputs("torc_service_restarts{service=\"", fp);
		label(fp, s->name);
		fprintf(fp, "\"} %u\n", s->restarts);
	}
	head(fp, "torc_service_restarts_sum", "gauge",
	    "Restarts of all services.");
	fprintf(fp, "torc_service_restarts_sum %llu\n",
	    (unsigned long long)restarts);
	for (size_t i = 0; i < r->n_nodes; i++)
		if (r->nodes[i]->active)
			active++;
	head(fp, "torc_nodes", "gauge", "Known nodes.");
	fprintf(fp, "torc_nodes %zu\n", r->n_nodes);
	head(fp, "torc_nodes_active", "gauge", "Nodes with an agent.");
	fprintf(fp, "torc_nodes_active %zu\n", active);
}

static void
write_mesos(FILE *fp, const struct replica *r, int64_t now)
{
	static const char *const states[] = { "disconnected", "subscribing",
	    "subscribed" };
	const struct tmsg_sched_status *st = &r->status;
	const char *cur = st->mesos_state ? st->mesos_state : "";

	head(fp, "torc_schedd_synced", "gauge",
	    "1 while apid follows torc-schedd's state.");
	fprintf(fp, "torc_schedd_synced %d\n", r->synced ? 1 : 0);
	head(fp, "torc_mesos_connected", "gauge",
	    "1 while subscribed to the Mesos master.");
	fprintf(fp, "torc_mesos_connected %d\n",
	    strcmp(cur, "subscribed") == 0 ? 1 : 0);
	head(fp, "torc_mesos_state", "gauge",
	    "The Mesos connection state (1 for the current one).");
	for (size_t i = 0; i < nitems(states); i++)
		fprintf(fp, "torc_mesos_state{state=\"%s\"} %d\n", states[i],
		    strcmp(cur, states[i]) == 0 ? 1 : 0);
	head(fp, "torc_mesos_offers_received_total", "counter",
	    "Offers received since torc-schedd started.");
	fprintf(fp, "torc_mesos_offers_received_total %llu\n",
	    (unsigned long long)st->offers_received);
	head(fp, "torc_mesos_offers_declined_total", "counter",
	    "Offers declined since torc-schedd started.");
	fprintf(fp, "torc_mesos_offers_declined_total %llu\n",
	    (unsigned long long)st->offers_declined);
	head(fp, "torc_mesos_tasks_launched_total", "counter",
	    "Tasks launched since torc-schedd started.");
	fprintf(fp, "torc_mesos_tasks_launched_total %llu\n",
	    (unsigned long long)st->tasks_launched);
	head(fp, "torc_mesos_updates_received_total", "counter",
	    "Status updates received since torc-schedd started.");
	fprintf(fp, "torc_mesos_updates_received_total %llu\n",
	    (unsigned long long)st->updates_received);
	head(fp, "torc_mesos_subscribes_total", "counter",
	    "Subscriptions made since torc-schedd started.");
	fprintf(fp, "torc_mesos_subscribes_total %llu\n",
	    (unsigned long long)st->subscribes);
	head(fp, "torc_reconcile_last_timestamp_seconds", "gauge",
	    "When the last reconciliation ran (0: never).");
	fprintf(fp, "torc_reconcile_last_timestamp_seconds %lld\n",
	    (long long)st->last_reconcile);
	if (st->last_reconcile > 0) {
		head(fp, "torc_reconcile_age_seconds", "gauge",
		    "Seconds since the last reconciliation.");
		fprintf(fp, "torc_reconcile_age_seconds %lld\n",
		    (long long)(now - st->last_reconcile));
	}
}

static void
write_entries(FILE *fp, const char *name, const char *help,
    const struct tmsg_route_entry *e, size_t n)
{
	static const char *const sts[] = { "programmed", "pending", "failed",
	    "removing" };
	size_t count[nitems(sts)] = { 0 };

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < nitems(sts); k++)
			if (e[i].status != NULL &&
			    strcmp(e[i].status, sts[k]) == 0)
				count[k]++;
	head(fp, name, "gauge", help);
	for (size_t k = 0; k < nitems(sts); k++)
		fprintf(fp, "%s{status=\"%s\"} %zu\n", name, sts[k], count[k]);
}

static void
write_routed(FILE *fp, const struct tmsg_routed_status *rs)
{
	head(fp, "torc_routed_up", "gauge",
	    "1 if torc-routed answered this scrape.");
	fprintf(fp, "torc_routed_up %d\n", rs != NULL ? 1 : 0);
	if (rs == NULL)
		return;
	write_entries(fp, "torc_dns_entries", "DNS entries by status.",
	    rs->dns, rs->n_dns);
	write_entries(fp, "torc_routes", "Switch routes by status.",
	    rs->routes, rs->n_routes);
	head(fp, "torc_routed_system_reachable", "gauge",
	    "1 if torc-routed reaches the system (Consul, switch agent).");
	for (uint32_t i = 0; i < rs->n_systems; i++) {
		fputs("torc_routed_system_reachable{system=\"", fp);
		label(fp, rs->systems[i].name);
		fprintf(fp, "\"} %d\n", rs->systems[i].reachable ? 1 : 0);
	}
}

/*
 * Sum the rows [i, j) that share api_routes[i].path (they are adjacent in
 * the table) into one; the last row ("other") stands alone.
 */
static size_t
route_group(const struct api_stats *st, size_t i, struct api_route_stats *sum)
{
	size_t j = i + 1;

	*sum = st->routes[i];
	if (i >= api_n_routes)
		return j;
	for (; j < api_n_routes && strcmp(api_routes[j].path,
	    api_routes[i].path) == 0; j++) {
		const struct api_route_stats *o = &st->routes[j];

		for (size_t k = 0; k < API_CODES_MAX && o->codes[k].code; k++) {
			size_t m;

			for (m = 0; m < API_CODES_MAX; m++)
				if (sum->codes[m].code == o->codes[k].code ||
				    sum->codes[m].code == 0)
					break;
			if (m == API_CODES_MAX)
				m = API_CODES_MAX - 1;
			sum->codes[m].code = o->codes[k].code;
			sum->codes[m].n += o->codes[k].n;
		}
		for (int b = 0; b < API_LAT_BUCKETS; b++)
			sum->lat_bucket[b] += o->lat_bucket[b];
		sum->lat_count += o->lat_count;
		sum->lat_sum += o->lat_sum;
	}
	return j;
}

static void
write_http(FILE *fp, const struct api_stats *st)
{
	struct api_route_stats sum;
	size_t i, next;

	head(fp, "torc_http_requests_total", "counter",
	    "HTTP requests answered, by route and status.");
	for (i = 0; i < st->n_routes; i = next) {
		next = route_group(st, i, &sum);
		for (size_t k = 0; k < API_CODES_MAX && sum.codes[k].code; k++)
			fprintf(fp, "torc_http_requests_total{route=\"%s\","
			    "code=\"%d\"} %llu\n", route_name(st, i),
			    sum.codes[k].code,
			    (unsigned long long)sum.codes[k].n);
	}
	head(fp, "torc_http_request_duration_seconds", "histogram",
	    "Time from request line to response sent.");
	for (i = 0; i < st->n_routes; i = next) {
		uint64_t cum = 0;

		next = route_group(st, i, &sum);
		if (sum.lat_count == 0)
			continue;
		for (int b = 0; b < API_LAT_BUCKETS; b++) {
			cum += sum.lat_bucket[b];
			fprintf(fp, "torc_http_request_duration_seconds_bucket"
			    "{route=\"%s\",le=\"%g\"} %llu\n",
			    route_name(st, i), lat_bounds[b],
			    (unsigned long long)cum);
		}
		fprintf(fp, "torc_http_request_duration_seconds_bucket"
		    "{route=\"%s\",le=\"+Inf\"} %llu\n", route_name(st, i),
		    (unsigned long long)sum.lat_count);
		fprintf(fp, "torc_http_request_duration_seconds_sum"
		    "{route=\"%s\"} %.6f\n", route_name(st, i), sum.lat_sum);
		fprintf(fp, "torc_http_request_duration_seconds_count"
		    "{route=\"%s\"} %llu\n", route_name(st, i),
		    (unsigned long long)sum.lat_count);
	}
	head(fp, "torc_ipc_timeouts_total", "counter",
	    "Requests to a sibling daemon that got no answer in time.");
	fprintf(fp, "torc_ipc_timeouts_total{peer=\"torc-schedd\"} %llu\n",
	    (unsigned long long)st->schedd_timeouts);
	fprintf(fp, "torc_ipc_timeouts_total{peer=\"torc-routed\"} %llu\n",
	    (unsigned long long)st->routed_timeouts);
	head(fp, "torc_sse_clients", "gauge", "Clients of GET /events.");
	fprintf(fp, "torc_sse_clients %llu\n",
	    (unsigned long long)st->sse_clients);
}

void
api_metrics_write(FILE *fp, const struct replica *r,
    const struct api_stats *st, const struct tmsg_routed_status *rs,
    int64_t now)
{
	write_services(fp, r);
	write_mesos(fp, r, now);
	write_routed(fp, rs);
	write_http(fp, st);
}
