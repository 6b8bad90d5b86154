/*
 * torcctl - look at and poke the torc bus with Debian's nngcat.
 *
 *   torcctl decode            messages on stdin -> one JSON line each.
 *                             Input is either a stream of msgpack bin
 *                             frames (nngcat --msgpack) or one raw message
 *                             (nngcat --raw with --count 1, a reply).
 *   torcctl encode REQUEST    write one request message to stdout, for
 *                             nngcat --req --file:
 *       sync | query nodes|services|running|metered|pending |
 *       start-group NAME | kill NAME | forget-framework | routed-status
 *
 * Examples (default run dir /run/torc):
 *   nngcat --sub --connect ipc:///run/torc/events.ipc --subscribe "" \
 *       --msgpack | torcctl decode
 *   torcctl encode query running > /tmp/q
 *   nngcat --req --connect ipc:///run/torc/schedd.ipc --file /tmp/q \
 *       --raw | torcctl decode
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "torc_ipc.h"
#include "util.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: torcctl decode\n"
	    "       torcctl encode sync | query WHAT | start-group NAME |"
	    " kill NAME |\n"
	    "                      forget-framework | routed-status\n"
	    "WHAT: nodes, services, running, metered, pending\n");
}

static uint8_t *
read_all(size_t *lenp)
{
	size_t cap = 65536, len = 0;
	uint8_t *buf = xmalloc(cap);
	size_t n;

	while ((n = fread(buf + len, 1, cap - len, stdin)) > 0) {
		len += n;
		if (len == cap) {
			if (cap >= TMSG_MAX_SIZE * 2) {
				fprintf(stderr, "torcctl: input too large\n");
				exit(1);
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
	}
	*lenp = len;
	return buf;
}

static int
decode_one(const uint8_t *p, size_t len)
{
	struct tmsg m;
	char err[512];
	char *json;

	if (tmsg_decode(p, len, &m, err, sizeof(err)) != 0) {
		printf("{\"error\":\"undecodable message (%zu bytes)\"}\n", len);
		fprintf(stderr, "torcctl: %s\n", err);
		return -1;
	}
	json = tmsg_to_json(&m);
	printf("%s\n", json);
	fflush(stdout);
	free(json);
	tmsg_free(&m);
	return 0;
}

/* A msgpack bin8/16/32 header: returns header size, or 0 if not one. */
static size_t
bin_header(const uint8_t *p, size_t len, size_t *body)
{
	if (len >= 2 && p[0] == 0xc4) {
		*body = p[1];
		return 2;
	}
	if (len >= 3 && p[0] == 0xc5) {
		*body = (size_t)p[1] << 8 | p[2];
		return 3;
	}
	if (len >= 5 && p[0] == 0xc6) {
		*body = (size_t)p[1] << 24 | (size_t)p[2] << 16 |
		    (size_t)p[3] << 8 | p[4];
		return 5;
	}
	return 0;
}

static int
cmd_decode(void)
{
	size_t len, body = 0, h;
	uint8_t *buf;
	int rc = 0;

	/*
	 * nngcat --msgpack frames each message as a msgpack bin; a torc
	 * message never starts with a bin header (it starts with a topic
	 * letter or the envelope's fixarray), so the two are told apart.
	 * Streaming: frames are decoded as they arrive.
	 */
	buf = xmalloc(5);
	for (;;) {
		size_t got = fread(buf, 1, 1, stdin);

		if (got == 0) {
			free(buf);
			return rc;
		}
		if (buf[0] < 0xc4 || buf[0] > 0xc6)
			break;
		h = buf[0] == 0xc4 ? 2 : buf[0] == 0xc5 ? 3 : 5;
		if (fread(buf + 1, 1, h - 1, stdin) != h - 1)
			goto truncated;
		if (bin_header(buf, h, &body) != h || body > TMSG_MAX_SIZE) {
			fprintf(stderr, "torcctl: frame of %zu bytes\n", body);
			free(buf);
			return 1;
		}
		{
			uint8_t *msg = xmalloc(body ? body : 1);

			if (fread(msg, 1, body, stdin) != body) {
				free(msg);
				goto truncated;
			}
			if (decode_one(msg, body) != 0)
				rc = 1;
			free(msg);
		}
	}
	/* One raw message: the byte read so far plus the rest of stdin. */
	{
		uint8_t first = buf[0];
		uint8_t *rest = read_all(&len);
		uint8_t *all = xmalloc(len + 1);

		all[0] = first;
		memcpy(all + 1, rest, len);
		free(rest);
		free(buf);
		rc = decode_one(all, len + 1) == 0 ? 0 : 1;
		free(all);
		return rc;
	}
truncated:
	fprintf(stderr, "torcctl: truncated frame on input\n");
	free(buf);
	return 1;
}

static int
cmd_encode(int argc, char **argv)
{
	struct tmsg m = { 0 };
	char err[256];
	void *buf;
	size_t len;
	int what;

	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	/* Request ids only need to differ between requests. */
	m.seq = ((uint64_t)time(NULL) << 20 | (uint64_t)getpid()) & 0xffffffff;
	if (m.seq == 0)
		m.seq = 1;
	if (strcmp(argv[0], "sync") == 0 && argc == 1)
		m.type = TMSG_SYNC_REQ;
	else if (strcmp(argv[0], "query") == 0 && argc == 2) {
		if ((what = tmsg_query_parse(argv[1])) < 0) {
			fprintf(stderr, "torcctl: unknown query '%s'\n", argv[1]);
			return 2;
		}
		m.type = TMSG_QUERY_REQ;
		m.u.query.what = (enum tmsg_query_what)what;
	} else if (strcmp(argv[0], "start-group") == 0 && argc == 2) {
		m.type = TMSG_CTL_START_GROUP;
		m.u.name.name = argv[1];
	} else if (strcmp(argv[0], "kill") == 0 && argc == 2) {
		m.type = TMSG_CTL_KILL;
		m.u.name.name = argv[1];
	} else if (strcmp(argv[0], "forget-framework") == 0 && argc == 1)
		m.type = TMSG_CTL_FORGET_FRAMEWORK;
	else if (strcmp(argv[0], "routed-status") == 0 && argc == 1)
		m.type = TMSG_ROUTED_STATUS_REQ;
	else {
		usage(stderr);
		return 2;
	}
	if (tmsg_encode(&m, &buf, &len, err, sizeof(err)) != 0) {
		fprintf(stderr, "torcctl: %s\n", err);
		return 1;
	}
	if (fwrite(buf, 1, len, stdout) != len) {
		free(buf);
		return 1;
	}
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "decode") == 0 && argc == 2)
		return cmd_decode();
	if (argc >= 2 && strcmp(argv[1], "encode") == 0)
		return cmd_encode(argc - 2, argv + 2);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
