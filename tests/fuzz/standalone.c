/*
 * standalone.c - replay driver for the fuzz targets in ordinary builds:
 * feeds every file named on the command line (directories are walked one
 * level deep) to LLVMFuzzerTestOneInput, so `make test` runs each decoder
 * over its corpus under the sanitizers.  `make fuzz` links the same
 * targets against libFuzzer instead.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path, int *count)
{
	char err[256];
	char *buf;
	size_t len;

	if (read_file(path, 16u << 20, &buf, &len, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	(*count)++;
	return 0;
}

int
main(int argc, char **argv)
{
	int count = 0, rc = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *de;

			if (d == NULL) {
				perror(argv[i]);
				return 1;
			}
			while ((de = readdir(d)) != NULL) {
				char p[4096];

				if (de->d_name[0] == '.')
					continue;
				snprintf(p, sizeof(p), "%s/%s", argv[i],
				    de->d_name);
				if (run_file(p, &count) != 0)
					rc = 1;
			}
			closedir(d);
		} else if (run_file(argv[i], &count) != 0)
			rc = 1;
	}
	printf("%s: %d inputs replayed\n", argv[0], count);
	if (count == 0) {
		fprintf(stderr, "no inputs\n");
		return 1;
	}
	return rc;
}
