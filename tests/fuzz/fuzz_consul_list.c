/*
 * fuzz_consul_list.c - torc-routed's reading of Consul's service listing
 * (GET /v1/agent/services) over arbitrary bytes: never a crash or a
 * leak; on success every observation has a key, and one is ours only
 * when its ID has torc's prefix.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "torc-routed/routed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_obs *obs = NULL;
	size_t n = 0, bad_at = 0;

	if (route_consul_parse_list((const char *)data, size, &obs, &n,
	    &bad_at) != 0) {
		if (obs != NULL || n != 0 || bad_at > size)
			abort();
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (obs[i].key == NULL)
			abort();
		if (obs[i].ours && strncmp(obs[i].key, ROUTE_DNS_ID_PREFIX,
		    strlen(ROUTE_DNS_ID_PREFIX)) != 0)
			abort();
	}
	route_obs_free(obs, n);
	return 0;
}
