/*
 * routed_harness.c - see routed_harness.h.  Only 127.0.0.1 is ever
 * contacted; addresses such as 10.250.3.21 are data.
 */
#include "routed_harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "monotime.h"
#include "torc_ipc.h"
#include "util.h"

static void
rh_nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

bool
rh_wait_every(int ms, int every_ms, bool (*fn)(struct rh *, void *),
    struct rh *h, void *arg)
{
	int64_t end = mono_ms() + ms;

	for (;;) {
		if (fn(h, arg))
			return true;
		if (mono_ms() >= end)
			return false;
		rh_nap(every_ms);
	}
}

bool
rh_wait(int ms, bool (*fn)(struct rh *, void *), struct rh *h, void *arg)
{
	return rh_wait_every(ms, 5, fn, h, arg);
}

/* n ports free for TCP and UDP on 127.0.0.1, held until all are found. */
static int
rh_free_ports(int *out, int n)
{
	int held[32], nh = 0, got = 0;

	while (got < n && nh + 2 <= (int)nitems(held)) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t al = sizeof(a);
		int t = socket(AF_INET, SOCK_STREAM, 0), u;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (t < 0 || bind(t, (struct sockaddr *)&a, sizeof(a)) != 0 ||
		    getsockname(t, (struct sockaddr *)&a, &al) != 0) {
			if (t >= 0)
				close(t);
			break;
		}
		u = socket(AF_INET, SOCK_DGRAM, 0);
		if (u < 0 || bind(u, (struct sockaddr *)&a, sizeof(a)) != 0) {
			close(t);
			if (u >= 0)
				close(u);
			continue;
		}
		held[nh++] = t;
		held[nh++] = u;
		out[got++] = ntohs(a.sin_port);
	}
	for (int i = 0; i < nh; i++)
		close(held[i]);
	return got == n ? 0 : -1;
}

static pid_t
rh_spawn(const char *log, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		/* Never outlive the test, even when it is killed. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int
rh_reap(pid_t pid, int ms, bool kill9)
{
	int64_t end = mono_ms() + ms;
	int st;

	kill(pid, kill9 ? SIGKILL : SIGTERM);
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st);
		if (r < 0)
			return -1;
		if (mono_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		rh_nap(5);
	}
}

static bool
sim_up(struct rh *h, void *arg)
{
	(void)arg;
	return rh_ctl(h, "GET", "/health", NULL, NULL) == 200;
}

static int
rh_write_config(struct rh *h, bool with_agent)
{
	FILE *fp;

	snprintf(h->config, sizeof(h->config), "%s/torc.yml", h->dir);
	if ((fp = fopen(h->config, "w")) == NULL)
		return -1;
	fprintf(fp,
	    "name: torc-scheduler\n"
	    "nodes:\n"
	    "  - name: wedge\n"
	    "    ip: $MASTER_IP\n"
	    "    type: master\n"
	    "  - name: bladerunner1\n"
	    "    ip: 10.250.3.21\n"
	    "    external_ip: 10.250.3.21\n"
	    "    type: slave\n"
	    "  - name: bladerunner2\n"
	    "    ip: 10.250.3.22\n"
	    "    external_ip: 10.250.3.22\n"
	    "    type: slave\n"
	    "dns-addons:\n"
	    "  - name: etcd\n"
	    "    ip: $MASTER_IP\n"
	    "  - name: mesos-master\n"
	    "    ip: $MASTER_IP\n");
	if (with_agent)
		fprintf(fp,
		    "network-agent:\n"
		    "  type: snaproute\n"
		    "  connection: 127.0.0.1:%d\n", h->switch_port);
	fprintf(fp,
	    "consul:\n"
	    "  connection: 127.0.0.1:%d\n"
	    "statesync:\n"
	    "  poll_interval_in_seconds: %d\n"
	    "stateclean:\n"
	    "  poll_interval_in_seconds: 18\n"
	    "  timeout_in_seconds: 30\n"
	    "  restart_delay_in_seconds: 30\n"
	    "healthcheck:\n"
	    "  poll_interval_in_seconds: 12\n"
	    "  system_services: []\n", h->consul_port, h->poll_s);
	return fclose(fp);
}

int
rh_init(struct rh *h, int poll_s, bool with_agent)
{
	const char *b = getenv("TORC_BUILD");
	char path[600], p[5][16], log[600];
	int ports[5];

	memset(h, 0, sizeof(*h));
	h->poll_s = poll_s;
	snprintf(h->build, sizeof(h->build), "%s", b != NULL ? b : "build");
	snprintf(h->dir, sizeof(h->dir), "%s/torc-routed-test.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(h->dir) == NULL || rh_free_ports(ports, 5) != 0) {
		fprintf(stderr, "harness: temp dir or ports: %s\n",
		    strerror(errno));
		return -1;
	}
	h->mesos_port = ports[0];
	h->consul_port = ports[1];
	h->dns_port = ports[2];
	h->switch_port = ports[3];
	h->control_port = ports[4];
	snprintf(path, sizeof(path), "%s/run", h->dir);
	mkdir_p(path, 0700, NULL, 0);
	snprintf(path, sizeof(path), "%s/state", h->dir);
	mkdir_p(path, 0755, NULL, 0);
	if (rh_write_config(h, with_agent) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/run", h->dir);
	if ((h->fs = fake_schedd_start(path)) == NULL) {
		fprintf(stderr, "harness: fake_schedd did not start\n");
		return -1;
	}
	for (int i = 0; i < 5; i++)
		snprintf(p[i], sizeof(p[i]), "%d", ports[i]);
	snprintf(path, sizeof(path), "%s/tests/sim/torc-sim", h->build);
	snprintf(log, sizeof(log), "%s/sim.log", h->dir);
	{
		char *argv[] = { path, "--config", h->config,
		    "--mesos-port", p[0], "--consul-port", p[1],
		    "--dns-port", p[2], "--switch-port", p[3],
		    "--control-port", p[4], "--seed", "1", NULL };

		h->sim_pid = rh_spawn(log, argv);
	}
	if (h->sim_pid < 0 || !rh_wait(10000, sim_up, h, NULL)) {
		fprintf(stderr, "harness: torc-sim did not come up (%s)\n",
		    log);
		return -1;
	}
	return 0;
}

void
rh_done(struct rh *h, bool keep)
{
	char cmd[400];

	if (h->routed_pid > 0)
		rh_routed_stop(h, false);
	if (h->req_open)
		nng_close(h->req);
	h->req_open = false;
	if (h->sim_pid > 0)
		rh_reap(h->sim_pid, 5000, false);
	h->sim_pid = 0;
	fake_schedd_stop(h->fs);
	h->fs = NULL;
	if (keep || h->dir[0] == '\0') {
		fprintf(stderr, "harness: kept %s\n", h->dir);
		return;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "harness: could not remove %s\n", h->dir);
}

int
rh_routed_start(struct rh *h)
{
	char bin[600], run[300], state[300], log[300];
	static char wrap[512];
	const char *lvl = getenv("RH_LOG_LEVEL"), *w = getenv("RH_WRAP");
	char *argv[24], *tok, *save = NULL;
	int n = 0;

	/* RH_WRAP: a command routed runs under, split at spaces
	 * (profiling by hand, e.g. "valgrind --tool=massif"). */
	if (w != NULL) {
		snprintf(wrap, sizeof(wrap), "%s", w);
		for (tok = strtok_r(wrap, " ", &save); tok != NULL && n < 12;
		    tok = strtok_r(NULL, " ", &save))
			argv[n++] = tok;
	}
	argv[n++] = bin;
	argv[n++] = "--master";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--config";
	argv[n++] = h->config;
	argv[n++] = "--run-dir";
	argv[n++] = run;
	argv[n++] = "--state-dir";
	argv[n++] = state;
	argv[n++] = "--log-level";
	argv[n++] = (char *)(lvl != NULL ? lvl : "debug");
	argv[n] = NULL;
	snprintf(bin, sizeof(bin), "%s/bin/torc-routed", h->build);
	snprintf(run, sizeof(run), "%s/run", h->dir);
	snprintf(state, sizeof(state), "%s/state", h->dir);
	snprintf(log, sizeof(log), "%s/routed.log", h->dir);
	h->routed_pid = rh_spawn(log, argv);
	return h->routed_pid > 0 ? 0 : -1;
}

int
rh_routed_stop(struct rh *h, bool kill9)
{
	if (h->routed_pid <= 0)
		return -1;
	h->routed_status = rh_reap(h->routed_pid, 10000, kill9);
	h->routed_pid = 0;
	return h->routed_status;
}

bool
rh_routed_alive(struct rh *h)
{
	int st;

	return h->routed_pid > 0 && waitpid(h->routed_pid, &st, WNOHANG) == 0;
}

int
rh_schedd_restart(struct rh *h)
{
	char path[300];

	fake_schedd_stop(h->fs);
	snprintf(path, sizeof(path), "%s/run", h->dir);
	h->fs = fake_schedd_start(path);
	return h->fs != NULL ? 0 : -1;
}

struct rh_buf {
	char	*p;
	size_t	 n;
};

static size_t
rh_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct rh_buf *b = arg;
	size_t n = size * nmemb;

	b->p = xrealloc(b->p, b->n + n + 1);
	memcpy(b->p + b->n, ptr, n);
	b->n += n;
	b->p[b->n] = '\0';
	return n;
}

long
rh_ctl(struct rh *h, const char *method, const char *path, const char *body,
    json_t **out)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hd = NULL;
	struct rh_buf b = { NULL, 0 };
	char url[600];
	long status = 0;

	if (out != NULL)
		*out = NULL;
	if (c == NULL)
		return 0;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", h->control_port,
	    path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, rh_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (body != NULL) {
		hd = curl_slist_append(hd, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hd);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (out != NULL && b.p != NULL)
		*out = json_loads(b.p, 0, NULL);
	free(b.p);
	curl_slist_free_all(hd);
	curl_easy_cleanup(c);
	return status;
}

int
rh_fault(struct rh *h, const char *sys, const char *mode)
{
	char path[64], body[64];

	snprintf(path, sizeof(path), "/%s/fault", sys);
	snprintf(body, sizeof(body), "{\"mode\":\"%s\"}", mode);
	return rh_ctl(h, "POST", path, body, NULL) == 200 ? 0 : -1;
}

static json_t *
rh_consul_entry(struct rh *h, const char *id, json_t **root)
{
	json_t *svcs, *s;
	size_t i;

	if (rh_ctl(h, "GET", "/consul/services", NULL, root) != 200 ||
	    *root == NULL)
		return NULL;
	svcs = json_object_get(*root, "services");
	json_array_foreach(svcs, i, s) {
		const char *sid = json_string_value(json_object_get(s, "ID"));

		if (sid != NULL && strcmp(sid, id) == 0)
			return s;
	}
	return NULL;
}

void
rh_consul_addr(struct rh *h, const char *id, char *buf, size_t len)
{
	json_t *root = NULL, *s = rh_consul_entry(h, id, &root), *t;
	bool tagged = false;
	size_t i;

	buf[0] = '\0';
	if (s != NULL) {
		json_array_foreach(json_object_get(s, "Tags"), i, t)
			if (strcmp(json_string_value(t), "torc") == 0)
				tagged = true;
		if (tagged)
			tstrlcpy(buf, json_string_value(json_object_get(s,
			    "Address")), len);
	}
	json_decref(root);
}

bool
rh_consul_has(struct rh *h, const char *id)
{
	json_t *root = NULL;
	bool r = rh_consul_entry(h, id, &root) != NULL;

	json_decref(root);
	return r;
}

void
rh_route(struct rh *h, const char *prefix, char *nh, size_t len,
    char *origin, size_t olen)
{
	json_t *root = NULL, *r;
	size_t i;

	nh[0] = '\0';
	if (origin != NULL)
		origin[0] = '\0';
	if (rh_ctl(h, "GET", "/switch/routes", NULL, &root) != 200) {
		json_decref(root);
		return;
	}
	json_array_foreach(json_object_get(root, "routes"), i, r) {
		const char *p = json_string_value(json_object_get(r,
		    "prefix"));

		if (p == NULL || strcmp(p, prefix) != 0)
			continue;
		tstrlcpy(nh, json_string_value(json_object_get(r,
		    "nexthop")), len);
		if (origin != NULL)
			tstrlcpy(origin, json_string_value(json_object_get(r,
			    "origin")), olen);
	}
	json_decref(root);
}

int
rh_count_requests(struct rh *h, const char *sys, const char *method,
    const char *needle)
{
	json_t *root = NULL, *r;
	char path[64];
	size_t i;
	int n = 0;

	snprintf(path, sizeof(path), "/%s/requests", sys);
	if (rh_ctl(h, "GET", path, NULL, &root) != 200) {
		json_decref(root);
		return -1;
	}
	json_array_foreach(json_object_get(root, "requests"), i, r) {
		const char *m = json_string_value(json_object_get(r, "method"));
		const char *p = json_string_value(json_object_get(r, "path"));
		char *body = json_dumps(json_object_get(r, "body"),
		    JSON_ENCODE_ANY);
		bool hit = m != NULL && strcmp(m, method) == 0 &&
		    (needle == NULL || (p != NULL && strstr(p, needle)) ||
		    (body != NULL && strstr(body, needle)));

		free(body);
		if (hit)
			n++;
	}
	json_decref(root);
	return n;
}

void
rh_put_node(struct rh *h, const char *name, const char *ext_ip)
{
	struct tmsg_node n = { 0 };

	n.name = (char *)name;
	n.external_ip = (char *)ext_ip;
	n.ip = (char *)ext_ip;
	n.active = true;
	n.configured = true;
	fake_schedd_put_node(h->fs, &n);
}

static void
rh_fill_service(struct tmsg_service *s, const char *name, const char *ip,
    const char *node, const char *net, bool running, char *task,
    size_t tlen)
{
	memset(s, 0, sizeof(*s));
	snprintf(task, tlen, "%s.%s", name, ip);
	s->name = (char *)name;
	s->ip = (char *)ip;
	s->node = (char *)node;
	s->network_type = (char *)net;
	s->state = running ? TSVC_RUNNING : TSVC_KILLING;
	s->task_id = task;
	s->controller = "torc-scheduler";
	s->image = "test";
}

void
rh_put_service(struct rh *h, const char *name, const char *ip,
    const char *node, const char *net, bool running)
{
	struct tmsg_service s;
	char task[128];

	rh_fill_service(&s, name, ip, node, net, running, task, sizeof(task));
	fake_schedd_put_service(h->fs, &s);
}

void
rh_put_service_silently(struct rh *h, const char *name, const char *ip,
    const char *node, const char *net)
{
	struct tmsg_service s;
	char task[128];

	rh_fill_service(&s, name, ip, node, net, true, task, sizeof(task));
	fake_schedd_put_service_silently(h->fs, &s);
}

int
rh_routed_request(struct rh *h, const void *buf, size_t len, void *rep_msg)
{
	struct tmsg *rep = rep_msg;
	char url[400], err[256];
	void *in = NULL;
	size_t inlen = 0;
	int rv = -1;

	memset(rep, 0, sizeof(*rep));
	if (!h->req_open) {
		if (nng_req0_open(&h->req) != 0)
			return -1;
		nng_socket_set_ms(h->req, NNG_OPT_RECVTIMEO, 5000);
		nng_socket_set_ms(h->req, NNG_OPT_SENDTIMEO, 5000);
		nng_socket_set_size(h->req, NNG_OPT_RECVMAXSZ, TMSG_MAX_SIZE);
		snprintf(url, sizeof(url), "ipc://%s/run/%s", h->dir,
		    TMSG_SOCK_ROUTED);
		if (nng_dial(h->req, url, NULL, NNG_FLAG_NONBLOCK) != 0) {
			nng_close(h->req);
			return -1;
		}
		h->req_open = true;
	}
	if (nng_send(h->req, (void *)buf, len, 0) != 0)
		goto out;
	if (nng_recv(h->req, &in, &inlen, NNG_FLAG_ALLOC) != 0)
		goto out;
	if (tmsg_decode(in, inlen, rep, err, sizeof(err)) != 0) {
		fprintf(stderr, "harness: routed reply: %s\n", err);
		goto out;
	}
	rv = 0;
out:
	if (in != NULL)
		nng_free(in, inlen);
	return rv;
}
