/*
 * fuzz_cfg.c - the configuration loader on arbitrary bytes: load, print
 * what loads, free.  Run by libFuzzer with FUZZ=1, otherwise replayed
 * over tests/fuzz/corpus/cfg by the standalone driver.
 */
#include <stdint.h>
#include <stdio.h>

#include "cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_errors errs = { 0 };
	struct torc_config *cfg = NULL;

	if (cfg_load_buffer("fuzz.yml", (const char *)data, size, "10.0.0.1",
	    &cfg, &errs) == 0) {
		FILE *fp = fopen("/dev/null", "w");

		if (fp != NULL) {
			(void)cfg_print(fp, cfg);
			fclose(fp);
		}
		cfg_free(cfg);
	}
	cfg_errors_free(&errs);
	return 0;
}
