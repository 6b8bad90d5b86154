/*
 * bench_log.h - reading torc-sim's request logs (GET /<system>/requests
 * on the control API): when a request reached the simulator, by its own
 * clock (CLOCK_REALTIME seconds), so a bench that looks later loses no
 * resolution and need not poll hard.
 */
#ifndef TORC_BENCH_LOG_H
#define TORC_BENCH_LOG_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

/* The wall clock in seconds, as the simulator's records give it. */
static inline double
bench_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * In a parsed /<system>/requests answer, the time of the first request
 * with this method whose path or serialized body contains needle; -1 if
 * none.
 */
static inline double
bench_request_time(json_t *root, const char *method, const char *needle)
{
	json_t *it;
	size_t i;

	json_array_foreach(json_object_get(root, "requests"), i, it) {
		const char *m = json_string_value(json_object_get(it,
		    "method"));
		const char *p = json_string_value(json_object_get(it, "path"));
		char *body;
		bool hit;

		if (m == NULL || strcmp(m, method) != 0)
			continue;
		body = json_dumps(json_object_get(it, "body"),
		    JSON_ENCODE_ANY | JSON_COMPACT);
		hit = (p != NULL && strstr(p, needle) != NULL) ||
		    (body != NULL && strstr(body, needle) != NULL);
		free(body);
		if (hit)
			return json_real_value(json_object_get(it, "time"));
	}
	return -1;
}

#endif
