/*
 * fake_schedd.c - torc-schedd's bus endpoints for tests (see the header).
 */
#include "fake_schedd.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>

#include "monotime.h"
#include "util.h"

struct fake_schedd {
	nng_socket	 rep;
	nng_socket	 pub;
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	volatile int	 stop;
	int		 silent;
	uint64_t	 seq;
	uint64_t	 instance;
	struct tmsg_service *svcs;
	uint32_t	 n_svcs;
	struct tmsg_node *nodes;
	uint32_t	 n_nodes;
	unsigned	 counts[64];
	char		 last_name[256];
	int		 ctl_code;
	char		 ctl_msg[256];
};

static void
send_msg(nng_socket s, const struct tmsg *m)
{
	char err[256];
	void *buf;
	size_t len;

	if (tmsg_encode(m, &buf, &len, err, sizeof(err)) != 0) {
		fprintf(stderr, "fake_schedd: encode: %s\n", err);
		return;
	}
	nng_send(s, buf, len, 0);
	free(buf);
}

static void
fill_status(struct fake_schedd *fs, struct tmsg_sched_status *st)
{
	memset(st, 0, sizeof(*st));
	st->instance = fs->instance;
	st->framework_id = "fake-0000";
	st->mesos_state = "subscribed";
	st->reconciled = true;
	st->master = "http://127.0.0.1:5050";
}

static void
answer(struct fake_schedd *fs, const struct tmsg *req)
{
	struct tmsg rep = { .seq = req->seq };

	if ((unsigned)req->type < nitems(fs->counts))
		fs->counts[req->type]++;
	switch (req->type) {
	case TMSG_SYNC_REQ:
		rep.type = TMSG_SYNC_REP;
		rep.u.snap.seq = fs->seq;
		fill_status(fs, &rep.u.snap.status);
		rep.u.snap.services = fs->svcs;
		rep.u.snap.n_services = fs->n_svcs;
		rep.u.snap.nodes = fs->nodes;
		rep.u.snap.n_nodes = fs->n_nodes;
		break;
	case TMSG_QUERY_REQ:
		rep.type = TMSG_QUERY_REP;
		if (req->u.query.what == TQUERY_NODES) {
			rep.u.query_rep.nodes = fs->nodes;
			rep.u.query_rep.n_nodes = fs->n_nodes;
		} else {
			rep.u.query_rep.services = fs->svcs;
			rep.u.query_rep.n_services = fs->n_svcs;
		}
		break;
	case TMSG_CTL_START_GROUP:
	case TMSG_CTL_KILL:
		tstrlcpy(fs->last_name, req->u.name.name, sizeof(fs->last_name));
		/* FALLTHROUGH */
	case TMSG_CTL_ANNOUNCE:
	case TMSG_CTL_FORGET_FRAMEWORK:
		rep.type = TMSG_CTL_RESULT;
		rep.u.result.code = fs->ctl_code;
		rep.u.result.message = fs->ctl_msg;
		break;
	default:
		rep.type = TMSG_ERROR;
		rep.u.error.code = 400;
		rep.u.error.message = "unexpected message type";
		break;
	}
	send_msg(fs->rep, &rep);
}

static void *
serve(void *arg)
{
	struct fake_schedd *fs = arg;

	while (!fs->stop) {
		char err[256];
		struct tmsg m;
		void *buf;
		size_t len;
		int rv = nng_recv(fs->rep, &buf, &len, NNG_FLAG_ALLOC);

		if (rv == NNG_ETIMEDOUT)
			continue;
		if (rv != 0)
			break;
		pthread_mutex_lock(&fs->mu);
		if (tmsg_decode(buf, len, &m, err, sizeof(err)) == 0) {
			if (!fs->silent)
				answer(fs, &m);
			tmsg_free(&m);
		} else if (!fs->silent) {
			struct tmsg rep = { .type = TMSG_ERROR };

			rep.u.error.code = 400;
			rep.u.error.message = err;
			send_msg(fs->rep, &rep);
		}
		pthread_mutex_unlock(&fs->mu);
		nng_free(buf, len);
	}
	return NULL;
}

struct fake_schedd *
fake_schedd_start(const char *run_dir)
{
	struct fake_schedd *fs = xcalloc(1, sizeof(*fs));
	char url[512];

	pthread_mutex_init(&fs->mu, NULL);
	/* Like a real schedd: another instance every start. */
	fs->instance = (uint64_t)mono_us() ^ ((uint64_t)getpid() << 40);
	fs->ctl_code = 200;
	tstrlcpy(fs->ctl_msg, "done", sizeof(fs->ctl_msg));
	if (nng_rep0_open(&fs->rep) != 0 || nng_pub0_open(&fs->pub) != 0)
		goto fail;
	nng_socket_set_ms(fs->rep, NNG_OPT_RECVTIMEO, 100);
	snprintf(url, sizeof(url), "ipc://%s/%s", run_dir, TMSG_SOCK_SCHEDD);
	if (nng_listen(fs->rep, url, NULL, 0) != 0)
		goto fail;
	snprintf(url, sizeof(url), "ipc://%s/%s", run_dir, TMSG_SOCK_EVENTS);
	if (nng_listen(fs->pub, url, NULL, 0) != 0)
		goto fail;
	if (pthread_create(&fs->thread, NULL, serve, fs) != 0)
		goto fail;
	return fs;
fail:
	nng_close(fs->rep);
	nng_close(fs->pub);
	free(fs);
	return NULL;
}

void
fake_schedd_stop(struct fake_schedd *fs)
{
	if (fs == NULL)
		return;
	fs->stop = 1;
	pthread_join(fs->thread, NULL);
	nng_close(fs->rep);
	nng_close(fs->pub);
	for (uint32_t i = 0; i < fs->n_svcs; i++)
		tmsg_service_free(&fs->svcs[i]);
	free(fs->svcs);
	for (uint32_t i = 0; i < fs->n_nodes; i++)
		tmsg_node_free(&fs->nodes[i]);
	free(fs->nodes);
	pthread_mutex_destroy(&fs->mu);
	free(fs);
}

static void
store_service(struct fake_schedd *fs, const struct tmsg_service *s)
{
	for (uint32_t i = 0; i < fs->n_svcs; i++) {
		if (strcmp(fs->svcs[i].name, s->name) == 0) {
			tmsg_service_free(&fs->svcs[i]);
			tmsg_service_copy(&fs->svcs[i], s);
			return;
		}
	}
	fs->svcs = xrealloc(fs->svcs, (fs->n_svcs + 1) * sizeof(*fs->svcs));
	tmsg_service_copy(&fs->svcs[fs->n_svcs++], s);
}

void
fake_schedd_put_service(struct fake_schedd *fs, const struct tmsg_service *s)
{
	struct tmsg m = { .type = TMSG_SVC_UPDATE };

	pthread_mutex_lock(&fs->mu);
	store_service(fs, s);
	m.seq = ++fs->seq;
	m.u.svc = *s;
	send_msg(fs->pub, &m);
	pthread_mutex_unlock(&fs->mu);
}

void
fake_schedd_put_service_silently(struct fake_schedd *fs,
    const struct tmsg_service *s)
{
	pthread_mutex_lock(&fs->mu);
	store_service(fs, s);
	++fs->seq;
	pthread_mutex_unlock(&fs->mu);
}

void
fake_schedd_remove_service(struct fake_schedd *fs, const char *name)
{
	struct tmsg m = { .type = TMSG_SVC_REMOVE };

	pthread_mutex_lock(&fs->mu);
	for (uint32_t i = 0; i < fs->n_svcs; i++) {
		if (strcmp(fs->svcs[i].name, name) == 0) {
			tmsg_service_free(&fs->svcs[i]);
			fs->svcs[i] = fs->svcs[--fs->n_svcs];
			break;
		}
	}
	m.seq = ++fs->seq;
	m.u.name.name = (char *)name;
	send_msg(fs->pub, &m);
	pthread_mutex_unlock(&fs->mu);
}

void
fake_schedd_put_node(struct fake_schedd *fs, const struct tmsg_node *n)
{
	struct tmsg m = { .type = TMSG_NODE_UPDATE };
	uint32_t i;

	pthread_mutex_lock(&fs->mu);
	for (i = 0; i < fs->n_nodes; i++)
		if (strcmp(fs->nodes[i].name, n->name) == 0)
			break;
	if (i == fs->n_nodes) {
		fs->nodes = xrealloc(fs->nodes,
		    (fs->n_nodes + 1) * sizeof(*fs->nodes));
		fs->n_nodes++;
	} else
		tmsg_node_free(&fs->nodes[i]);
	tmsg_node_copy(&fs->nodes[i], n);
	m.seq = ++fs->seq;
	m.u.node = *n;
	send_msg(fs->pub, &m);
	pthread_mutex_unlock(&fs->mu);
}

void
fake_schedd_publish_status(struct fake_schedd *fs)
{
	struct tmsg m = { .type = TMSG_SCHED_STATUS };

	pthread_mutex_lock(&fs->mu);
	m.seq = ++fs->seq;
	fill_status(fs, &m.u.status);
	send_msg(fs->pub, &m);
	pthread_mutex_unlock(&fs->mu);
}

unsigned
fake_schedd_count(struct fake_schedd *fs, enum tmsg_type type)
{
	unsigned n = 0;

	pthread_mutex_lock(&fs->mu);
	if ((unsigned)type < nitems(fs->counts))
		n = fs->counts[type];
	pthread_mutex_unlock(&fs->mu);
	return n;
}

void
fake_schedd_last_name(struct fake_schedd *fs, char *buf, size_t len)
{
	pthread_mutex_lock(&fs->mu);
	tstrlcpy(buf, fs->last_name, len);
	pthread_mutex_unlock(&fs->mu);
}

void
fake_schedd_set_ctl_result(struct fake_schedd *fs, int code,
    const char *message)
{
	pthread_mutex_lock(&fs->mu);
	fs->ctl_code = code;
	tstrlcpy(fs->ctl_msg, message, sizeof(fs->ctl_msg));
	pthread_mutex_unlock(&fs->mu);
}

void
fake_schedd_set_silent(struct fake_schedd *fs, int silent)
{
	pthread_mutex_lock(&fs->mu);
	fs->silent = silent;
	pthread_mutex_unlock(&fs->mu);
}
