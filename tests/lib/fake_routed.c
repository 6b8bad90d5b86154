/*
 * fake_routed.c - torc-routed's status socket for tests (see the header).
 * Receives ROUTED_STATUS_REQ, sends ROUTED_STATUS_REP (ERROR for any
 * other type).
 */
#include "fake_routed.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "util.h"

struct fake_routed {
	nng_socket	 rep;
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	volatile int	 stop;
	int		 silent;
	unsigned	 count;
	struct tmsg	 status;	/* type ROUTED_STATUS_REP, owned */
};

static void
send_msg(nng_socket s, const struct tmsg *m)
{
	char err[256];
	void *buf;
	size_t len;

	if (tmsg_encode(m, &buf, &len, err, sizeof(err)) != 0) {
		fprintf(stderr, "fake_routed: encode: %s\n", err);
		return;
	}
	nng_send(s, buf, len, 0);
	free(buf);
}

static void *
serve(void *arg)
{
	struct fake_routed *fr = arg;

	while (!fr->stop) {
		char err[256];
		struct tmsg m;
		void *buf;
		size_t len;
		int rv = nng_recv(fr->rep, &buf, &len, NNG_FLAG_ALLOC);

		if (rv == NNG_ETIMEDOUT)
			continue;
		if (rv != 0)
			break;
		pthread_mutex_lock(&fr->mu);
		fr->count++;
		if (tmsg_decode(buf, len, &m, err, sizeof(err)) == 0) {
			if (!fr->silent && m.type == TMSG_ROUTED_STATUS_REQ) {
				fr->status.seq = m.seq;
				send_msg(fr->rep, &fr->status);
			} else if (!fr->silent) {
				struct tmsg rep = { .type = TMSG_ERROR };

				rep.seq = m.seq;
				rep.u.error.code = 400;
				rep.u.error.message = "unexpected message type";
				send_msg(fr->rep, &rep);
			}
			tmsg_free(&m);
		}
		pthread_mutex_unlock(&fr->mu);
		nng_free(buf, len);
	}
	return NULL;
}

struct fake_routed *
fake_routed_start(const char *run_dir)
{
	struct fake_routed *fr = xcalloc(1, sizeof(*fr));
	char url[512];

	pthread_mutex_init(&fr->mu, NULL);
	fr->status.type = TMSG_ROUTED_STATUS_REP;
	if (nng_rep0_open(&fr->rep) != 0)
		goto fail;
	nng_socket_set_ms(fr->rep, NNG_OPT_RECVTIMEO, 100);
	snprintf(url, sizeof(url), "ipc://%s/%s", run_dir, TMSG_SOCK_ROUTED);
	if (nng_listen(fr->rep, url, NULL, 0) != 0)
		goto fail;
	if (pthread_create(&fr->thread, NULL, serve, fr) != 0)
		goto fail;
	return fr;
fail:
	nng_close(fr->rep);
	pthread_mutex_destroy(&fr->mu);
	free(fr);
	return NULL;
}

void
fake_routed_stop(struct fake_routed *fr)
{
	if (fr == NULL)
		return;
	fr->stop = 1;
	pthread_join(fr->thread, NULL);
	nng_close(fr->rep);
	tmsg_free(&fr->status);
	pthread_mutex_destroy(&fr->mu);
	free(fr);
}

void
fake_routed_add(struct fake_routed *fr, int dns, const char *name,
    const char *key, const char *value, const char *status)
{
	struct tmsg_routed_status *st = &fr->status.u.routed;
	struct tmsg_route_entry **list = dns ? &st->dns : &st->routes;
	uint32_t *n = dns ? &st->n_dns : &st->n_routes;
	struct tmsg_route_entry *e;

	pthread_mutex_lock(&fr->mu);
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	e = &(*list)[(*n)++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->status = xstrdup(status);
	e->last_error = xstrdup(strcmp(status, "failed") == 0 ?
	    "connection refused" : "");
	e->attempts = 1;
	e->last_change = 1764000000;
	pthread_mutex_unlock(&fr->mu);
}

void
fake_routed_add_system(struct fake_routed *fr, const char *name,
    int reachable)
{
	struct tmsg_routed_status *st = &fr->status.u.routed;
	struct tmsg_system_status *s;

	pthread_mutex_lock(&fr->mu);
	st->systems = xrealloc(st->systems,
	    (st->n_systems + 1) * sizeof(*st->systems));
	s = &st->systems[st->n_systems++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->reachable = reachable != 0;
	s->last_error = xstrdup("");
	pthread_mutex_unlock(&fr->mu);
}

unsigned
fake_routed_count(struct fake_routed *fr)
{
	unsigned n;

	pthread_mutex_lock(&fr->mu);
	n = fr->count;
	pthread_mutex_unlock(&fr->mu);
	return n;
}

void
fake_routed_set_silent(struct fake_routed *fr, int silent)
{
	pthread_mutex_lock(&fr->mu);
	fr->silent = silent;
	pthread_mutex_unlock(&fr->mu);
}
