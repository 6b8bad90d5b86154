/*
 * bench_trio.h - the whole trio (torc-schedd, torc-routed, torc-apid)
 * against torc-sim for the end-to-end benchmarks (bench_e2e.c,
 * bench_scale.c): a temp dir, free ports, a generated config, the
 * processes and their cleanup (also on SIGINT/SIGTERM), HTTP to apid and
 * to the simulator's control API, req/rep on schedd.ipc, /proc figures
 * and the JSON lines tests/bench/run.sh reads.
 *
 * Included by one benchmark each (benchmarks are single files linked
 * against the torc libraries); every function is static.
 */
#ifndef TORC_BENCH_TRIO_H
#define TORC_BENCH_TRIO_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>

#include "bench_log.h"
#include "monotime.h"
#include "torc_ipc.h"
#include "util.h"

#define BT_FN	static __attribute__((unused))

struct trio {
	const char	*tag;		/* bench name, for messages */
	char		 dir[64];	/* temp dir */
	char		 build[512];
	char		 cfg[128];
	char		 run[128];
	int		 mesos_port, consul_port, dns_port, switch_port,
			 control_port, api_port;
	pid_t		 sim, schedd, routed, apid;
	CURL		*ctl;		/* keep-alive handle: control API */
	CURL		*api;		/* keep-alive handle: REST */
	nng_socket	 req;
	bool		 req_open;
	uint64_t	 req_id;
};

static struct trio *bt_current;

/* ---- figures ------------------------------------------------------- */

BT_FN int
bt_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * CPU steal (the time this virtual machine's CPUs were runnable while the
 * host ran something else) and all CPU time so far, in clock ticks, from
 * /proc/stat; bt_steal_pct gives the steal share between two readings.
 */
struct bt_cpu {
	unsigned long long	steal, total;
};

BT_FN void
bt_cpu_read(struct bt_cpu *c)
{
	unsigned long long v[8] = { 0 };
	FILE *fp = fopen("/proc/stat", "r");

	c->steal = c->total = 0;
	if (fp == NULL)
		return;
	if (fscanf(fp, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
		c->steal = v[7];
		for (int i = 0; i < 8; i++)
			c->total += v[i];
	}
	fclose(fp);
}

BT_FN double
bt_steal_pct(const struct bt_cpu *a, const struct bt_cpu *b)
{
	if (b->total <= a->total)
		return 0;
	return 100.0 * (double)(b->steal - a->steal) /
	    (double)(b->total - a->total);
}

/* The p-th percentile (0..100) of v[0..n) (sorts v). */
BT_FN double
bt_pct(double *v, int n, double p)
{
	int i;

	if (n <= 0)
		return -1;
	qsort(v, (size_t)n, sizeof(*v), bt_cmp_double);
	i = (int)(p / 100.0 * n);
	if (i >= n)
		i = n - 1;
	return v[i];
}

/*
 * One JSON line: median, min and max of v[0..n) (one value per run); a
 * target > 0 adds target and pass (lower_better: median <= target).
 */
BT_FN void
bt_report(const char *name, const char *unit, double *v, int n,
    double target, bool lower_better)
{
	double med;

	if (n <= 0) {
		printf("{\"name\":\"%s\",\"error\":\"no sample\"}\n", name);
		fflush(stdout);
		return;
	}
	qsort(v, (size_t)n, sizeof(*v), bt_cmp_double);
	med = v[n / 2];
	printf("{\"name\":\"%s\",\"unit\":\"%s\",\"median\":%.3f,"
	    "\"min\":%.3f,\"max\":%.3f,\"runs\":%d", name, unit, med, v[0],
	    v[n - 1], n);
	if (target > 0)
		printf(",\"target\":%.3f,\"pass\":%s", target,
		    (lower_better ? med <= target : med >= target) ?
		    "true" : "false");
	printf("}\n");
	fflush(stdout);
}

BT_FN void
bt_error(const char *name, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			*p = ' ';
	printf("{\"name\":\"%s\",\"error\":\"%s\"}\n", name, msg);
	fflush(stdout);
	fprintf(stderr, "%s: %s\n", name, msg);
}

BT_FN double
bt_wall(void)
{
	return bench_wall();
}

/* ---- /proc ------------------------------------------------------------ */

/* CPU seconds (user + system) pid has used so far; -1 if gone. */
BT_FN double
bt_cpu_s(pid_t pid)
{
	unsigned long long ut = 0, st = 0;
	char path[64], buf[1024], *p;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* After ") state": fields 4..13, then utime and stime. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* A /proc/<pid>/status field in kB ("VmRSS:", "VmHWM:") as MB. */
BT_FN double
bt_status_mb(pid_t pid, const char *field)
{
	char path[64], line[256];
	double kb = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, field, strlen(field)) == 0)
			kb = strtod(line + strlen(field), NULL);
	fclose(fp);
	return kb < 0 ? -1 : kb / 1024.0;
}

/* ---- processes -------------------------------------------------------- */

/* n ports free for TCP and UDP on 127.0.0.1, held until all are found. */
BT_FN int
bt_free_ports(int *out, int n)
{
	int fds[16][2], got = 0, rc = 0;

	for (int tries = 0; got < n && tries < 200; tries++) {
		struct sockaddr_in sin = { 0 };
		socklen_t len = sizeof(sin);
		int t = socket(AF_INET, SOCK_STREAM, 0);
		int u = socket(AF_INET, SOCK_DGRAM, 0);

		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (t < 0 || u < 0 ||
		    bind(t, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
		    getsockname(t, (struct sockaddr *)&sin, &len) != 0 ||
		    bind(u, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
			if (t >= 0)
				close(t);
			if (u >= 0)
				close(u);
			continue;
		}
		fds[got][0] = t;
		fds[got][1] = u;
		out[got++] = ntohs(sin.sin_port);
	}
	if (got < n)
		rc = -1;
	for (int i = 0; i < got; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	return rc;
}

/* Fork and exec argv with stdout and stderr to log; the pid or -1. */
BT_FN pid_t
bt_spawn(const char *log, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		/* Not the benchmark's terminal signals: it stops us itself. */
		setpgid(0, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* SIGTERM, wait up to ms, then SIGKILL; always reaps. */
BT_FN void
bt_stop(pid_t *pid, int ms)
{
	int64_t end;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	end = mono_ms() + ms;
	while (mono_ms() < end) {
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = 0;
			return;
		}
		usleep(10000);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = 0;
}

BT_FN bool
bt_alive(pid_t pid)
{
	return pid > 0 && waitpid(pid, NULL, WNOHANG) == 0;
}

/* Stop the daemons, then the simulator; remove the temp dir. */
BT_FN void
bt_done(struct trio *t, bool keep)
{
	char cmd[128];

	if (t->req_open) {
		nng_close(t->req);
		t->req_open = false;
	}
	bt_stop(&t->apid, 5000);
	bt_stop(&t->routed, 5000);
	bt_stop(&t->schedd, 5000);
	bt_stop(&t->sim, 5000);
	if (t->ctl != NULL)
		curl_easy_cleanup(t->ctl);
	if (t->api != NULL)
		curl_easy_cleanup(t->api);
	t->ctl = t->api = NULL;
	if (t->dir[0] != '\0') {
		if (keep)
			fprintf(stderr, "%s: logs kept in %s\n", t->tag,
			    t->dir);
		else {
			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
			if (system(cmd) != 0)
				fprintf(stderr, "%s: cannot remove %s\n",
				    t->tag, t->dir);
		}
		t->dir[0] = '\0';
	}
	bt_current = NULL;
}

static void
bt_on_signal(int sig)
{
	/* Best effort: kill what we started and leave. */
	struct trio *t = bt_current;

	if (t != NULL) {
		pid_t p[4] = { t->apid, t->routed, t->schedd, t->sim };

		for (int i = 0; i < 4; i++)
			if (p[i] > 0)
				kill(p[i], SIGKILL);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Temp dir, ports and the build dir (TORC_BUILD, else three levels above
 * argv0: BUILD/tests/bench/bench_x).
 */
BT_FN int
bt_init(struct trio *t, const char *tag, const char *argv0)
{
	const char *b = getenv("TORC_BUILD");
	int ports[6];

	memset(t, 0, sizeof(*t));
	t->tag = tag;
	if (b != NULL)
		tstrlcpy(t->build, b, sizeof(t->build));
	else if (strchr(argv0, '/') != NULL) {
		char *s;

		tstrlcpy(t->build, argv0, sizeof(t->build));
		for (int i = 0; i < 3 && (s = strrchr(t->build, '/')) != NULL;
		    i++)
			*s = '\0';
	} else
		tstrlcpy(t->build, "build", sizeof(t->build));
	/* $TMPDIR if set (a tmpfs there shows what the disk costs). */
	snprintf(t->dir, sizeof(t->dir), "%s/torc-bench-XXXXXX",
	    getenv("TMPDIR") != NULL && *getenv("TMPDIR") != '\0' ?
	    getenv("TMPDIR") : "/tmp");
	if (mkdtemp(t->dir) == NULL) {
		t->dir[0] = '\0';
		return -1;
	}
	snprintf(t->cfg, sizeof(t->cfg), "%s/torc.yml", t->dir);
	snprintf(t->run, sizeof(t->run), "%s/run", t->dir);
	mkdir(t->run, 0700);
	{
		char st[160];

		snprintf(st, sizeof(st), "%s/state", t->dir);
		mkdir(st, 0700);
	}
	if (bt_free_ports(ports, 6) != 0)
		return -1;
	t->mesos_port = ports[0];
	t->consul_port = ports[1];
	t->dns_port = ports[2];
	t->switch_port = ports[3];
	t->control_port = ports[4];
	t->api_port = ports[5];
	t->ctl = curl_easy_init();
	t->api = curl_easy_init();
	bt_current = t;
	signal(SIGINT, bt_on_signal);
	signal(SIGTERM, bt_on_signal);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* ---- HTTP --------------------------------------------------------------- */

struct bt_buf {
	char	*p;
	size_t	 len;
};

static size_t
bt_collect(char *p, size_t sz, size_t n, void *arg)
{
	struct bt_buf *b = arg;

	b->p = xrealloc(b->p, b->len + sz * n + 1);
	memcpy(b->p + b->len, p, sz * n);
	b->len += sz * n;
	b->p[b->len] = '\0';
	return sz * n;
}

/*
 * method url on the handle (kept alive between calls); the status (0 on
 * a transport failure) and, when out is not NULL, the body (caller frees).
 */
BT_FN long
bt_http(CURL *c, const char *method, const char *url, const char *body,
    char **out)
{
	struct bt_buf b = { NULL, 0 };
	struct curl_slist *hdr = NULL;
	long st = 0;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bt_collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	if (body != NULL) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_slist_free_all(hdr);
	if (out != NULL)
		*out = b.p;
	else
		free(b.p);
	return st;
}

/* The control API; the parsed answer in *out when not NULL. */
BT_FN long
bt_ctl(struct trio *t, const char *method, const char *path,
    const char *body, json_t **out)
{
	char url[512], *s = NULL;
	long st;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", t->control_port,
	    path);
	st = bt_http(t->ctl, method, url, body, out != NULL ? &s : NULL);
	if (out != NULL) {
		*out = s != NULL ? json_loads(s, 0, NULL) : NULL;
		free(s);
	}
	return st;
}

/* The REST API; the body in *out when not NULL. */
BT_FN long
bt_api(struct trio *t, const char *method, const char *path, char **out)
{
	char url[512];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", t->api_port,
	    path);
	return bt_http(t->api, method, url, NULL, out);
}

/* ---- req/rep on schedd.ipc ---------------------------------------------- */

/* Send req to schedd, decode the answer into rep (tmsg_free it). */
BT_FN int
bt_schedd(struct trio *t, struct tmsg *req, struct tmsg *rep)
{
	char url[200], err[256];
	void *buf = NULL;
	size_t len;
	nng_msg *m = NULL;
	int rc;

	if (!t->req_open) {
		snprintf(url, sizeof(url), "ipc://%s/%s", t->run,
		    TMSG_SOCK_SCHEDD);
		if (nng_req0_open(&t->req) != 0)
			return -1;
		nng_socket_set_ms(t->req, NNG_OPT_RECVTIMEO, 10000);
		nng_socket_set_ms(t->req, NNG_OPT_SENDTIMEO, 10000);
		if (nng_dial(t->req, url, NULL, 0) != 0) {
			nng_close(t->req);
			return -1;
		}
		t->req_open = true;
	}
	req->seq = ++t->req_id;
	if (tmsg_encode(req, &buf, &len, err, sizeof(err)) != 0)
		return -1;
	rc = nng_send(t->req, buf, len, 0);
	free(buf);
	if (rc != 0 || nng_recvmsg(t->req, &m, 0) != 0)
		return -1;
	rc = tmsg_decode(nng_msg_body(m), nng_msg_len(m), rep, err,
	    sizeof(err));
	nng_msg_free(m);
	return rc;
}

/* ---- the processes -------------------------------------------------------- */

/* torc-sim with the config and extra arguments (NULL-terminated). */
BT_FN int
bt_sim_start(struct trio *t, const char *const *extra)
{
	char bin[600], log[128], p[6][16], health[64];
	char *argv[40];
	int n = 0;
	int64_t end;

	snprintf(bin, sizeof(bin), "%s/tests/sim/torc-sim", t->build);
	snprintf(log, sizeof(log), "%s/sim.log", t->dir);
	snprintf(p[0], sizeof(p[0]), "%d", t->mesos_port);
	snprintf(p[1], sizeof(p[1]), "%d", t->consul_port);
	snprintf(p[2], sizeof(p[2]), "%d", t->dns_port);
	snprintf(p[3], sizeof(p[3]), "%d", t->switch_port);
	snprintf(p[4], sizeof(p[4]), "%d", t->control_port);
	argv[n++] = bin;
	argv[n++] = "--config";
	argv[n++] = t->cfg;
	argv[n++] = "--mesos-port";
	argv[n++] = p[0];
	argv[n++] = "--consul-port";
	argv[n++] = p[1];
	argv[n++] = "--dns-port";
	argv[n++] = p[2];
	argv[n++] = "--switch-port";
	argv[n++] = p[3];
	argv[n++] = "--control-port";
	argv[n++] = p[4];
	argv[n++] = "--fboss-port";
	argv[n++] = "0";
	argv[n++] = "--log-level";
	argv[n++] = "warn";
	for (int i = 0; extra != NULL && extra[i] != NULL && n < 38; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	if ((t->sim = bt_spawn(log, argv)) < 0)
		return -1;
	snprintf(health, sizeof(health), "/health");
	end = mono_ms() + 30000;
	while (mono_ms() < end) {
		if (!bt_alive(t->sim)) {
			t->sim = 0;
			return -1;
		}
		if (bt_ctl(t, "GET", health, NULL, NULL) == 200)
			return 0;
		usleep(20000);
	}
	return -1;
}

/* One daemon: name is schedd, routed or apid. */
BT_FN pid_t
bt_daemon(struct trio *t, const char *name, const char *level)
{
	char bin[600], log[128], master[32], st[160], listen[32];
	char *argv[32];
	int n = 0;

	snprintf(bin, sizeof(bin), "%s/bin/torc-%s", t->build, name);
	snprintf(log, sizeof(log), "%s/%s.log", t->dir, name);
	snprintf(master, sizeof(master), "127.0.0.1:%d", t->mesos_port);
	snprintf(st, sizeof(st), "%s/state", t->dir);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", t->api_port);
	/*
	 * BENCH_WRAP_SCHEDD (ROUTED, APID): a command the daemon runs
	 * under, split at spaces (profiling by hand, e.g. "valgrind
	 * --tool=callgrind --instr-atstart=no").
	 */
	{
		static char wrap[3][512];
		char var[32], *w, *tok, *save = NULL;
		int k = name[0] == 's' ? 0 : name[0] == 'r' ? 1 : 2;

		snprintf(var, sizeof(var), "BENCH_WRAP_%s",
		    k == 0 ? "SCHEDD" : k == 1 ? "ROUTED" : "APID");
		if ((w = getenv(var)) != NULL) {
			tstrlcpy(wrap[k], w, sizeof(wrap[k]));
			for (tok = strtok_r(wrap[k], " ", &save);
			    tok != NULL && n < 10;
			    tok = strtok_r(NULL, " ", &save))
				argv[n++] = tok;
		}
	}
	argv[n++] = bin;
	argv[n++] = "--master";
	argv[n++] = master;
	argv[n++] = "--config";
	argv[n++] = t->cfg;
	argv[n++] = "--run-dir";
	argv[n++] = t->run;
	if (strcmp(name, "apid") == 0) {
		argv[n++] = "--listen";
		argv[n++] = listen;
	} else {
		argv[n++] = "--state-dir";
		argv[n++] = st;
	}
	argv[n++] = "--log-level";
	argv[n++] = (char *)level;
	argv[n] = NULL;
	return bt_spawn(log, argv);
}

/* true once the run directory holds socket name (within ms). */
BT_FN bool
bt_sock_wait(struct trio *t, const char *name, pid_t pid, int ms)
{
	char path[256];
	int64_t end = mono_ms() + ms;

	snprintf(path, sizeof(path), "%s/%s", t->run, name);
	while (access(path, F_OK) != 0) {
		if (mono_ms() >= end || !bt_alive(pid))
			return false;
		usleep(5000);
	}
	return true;
}

/*
 * The three daemons; 0 once apid answers /admin/ping and routed listens.
 * routed and apid are started once schedd listens, so that they subscribe
 * at their first dial rather than after nng's redial delay, and a bench's
 * own subscriber, opened after this returns, is the last of schedd's
 * subscribers: a publication reaches the daemons before the observer,
 * whose wake-ups would otherwise sit on the path measured, and each
 * invocation measures the same order.
 */
BT_FN int
bt_trio_start(struct trio *t, const char *level)
{
	int64_t end;

	t->schedd = bt_daemon(t, "schedd", level);
	if (t->schedd < 0 || !bt_sock_wait(t, TMSG_SOCK_EVENTS, t->schedd,
	    30000))
		return -1;
	t->routed = bt_daemon(t, "routed", level);
	t->apid = bt_daemon(t, "apid", level);
	if (t->routed < 0 || t->apid < 0)
		return -1;
	end = mono_ms() + 30000;
	while (mono_ms() < end) {
		if (!bt_alive(t->schedd) || !bt_alive(t->routed) ||
		    !bt_alive(t->apid))
			return -1;
		if (bt_api(t, "GET", "/admin/ping", NULL) == 200)
			return bt_sock_wait(t, TMSG_SOCK_ROUTED, t->routed,
			    (int)(end - mono_ms())) ? 0 : -1;
		usleep(20000);
	}
	return -1;
}

/* ---- the config ----------------------------------------------------------- */

/* The parts every bench config shares: ports of the simulated systems. */
BT_FN void
bt_cfg_tail(struct trio *t, FILE *fp, int statesync, int clean_poll,
    int clean_timeout, int restart)
{
	fprintf(fp,
	    "network-agent:\n  type: snaproute\n  connection: 127.0.0.1:%d\n"
	    "consul:\n  connection: 127.0.0.1:%d\n"
	    "statesync:\n  poll_interval_in_seconds: %d\n"
	    "stateclean:\n  poll_interval_in_seconds: %d\n"
	    "  timeout_in_seconds: %d\n  restart_delay_in_seconds: %d\n",
	    t->switch_port, t->consul_port, statesync, clean_poll,
	    clean_timeout, restart);
}

/* ---- events.ipc: when each service state was published ------------------ */

#define BT_EV_MAX	4096

struct bt_event {
	char	 name[48];
	char	 ip[48];	/* the service's address, if any */
	int	 state;		/* enum tmsg_svc_state; -1: SVC_REMOVE */
	double	 when;		/* wall clock at receipt */
};

struct bt_sub {
	nng_socket	 sock;
	pthread_t	 thr;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* broadcast on each event */
	struct bt_event	 ev[BT_EV_MAX];
	size_t		 n;		/* ring: ev[n % BT_EV_MAX] next */
	uint64_t	 count, last_seq, gaps;
	double		 first, last;	/* receipt of the first, last message */
	bool		 running;
	bool		 stopping;	/* under mu: the thread is to end */
};

static void *
bt_sub_main(void *arg)
{
	struct bt_sub *s = arg;

	for (;;) {
		nng_msg *m = NULL;
		struct tmsg msg;
		char err[128];
		double now;

		int rv;

		pthread_mutex_lock(&s->mu);
		rv = s->stopping;
		pthread_mutex_unlock(&s->mu);
		if (rv)
			break;
		if ((rv = nng_recvmsg(s->sock, &m, 0)) == NNG_ETIMEDOUT)
			continue;
		if (rv != 0)
			break;
		now = bt_wall();
		if (tmsg_decode(nng_msg_body(m), nng_msg_len(m), &msg, err,
		    sizeof(err)) == 0) {
			pthread_mutex_lock(&s->mu);
			if (s->count == 0)
				s->first = now;
			s->last = now;
			s->count++;
			if (s->last_seq != 0 && msg.seq != s->last_seq + 1)
				s->gaps++;
			s->last_seq = msg.seq;
			if (msg.type == TMSG_SVC_UPDATE ||
			    msg.type == TMSG_SVC_REMOVE) {
				struct bt_event *e = &s->ev[s->n % BT_EV_MAX];

				tstrlcpy(e->name, msg.type == TMSG_SVC_UPDATE ?
				    msg.u.svc.name : msg.u.name.name,
				    sizeof(e->name));
				e->state = msg.type == TMSG_SVC_UPDATE ?
				    (int)msg.u.svc.state : -1;
				tstrlcpy(e->ip, msg.type == TMSG_SVC_UPDATE &&
				    msg.u.svc.ip != NULL ? msg.u.svc.ip : "",
				    sizeof(e->ip));
				e->when = now;
				s->n++;
				pthread_cond_broadcast(&s->cv);
			}
			pthread_mutex_unlock(&s->mu);
			tmsg_free(&msg);
		}
		nng_msg_free(m);
	}
	return NULL;
}

/* Subscribe to every topic of events.ipc in a thread of our own. */
BT_FN int
bt_sub_start(struct trio *t, struct bt_sub *s)
{
	char url[200];

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	snprintf(url, sizeof(url), "ipc://%s/%s", t->run, TMSG_SOCK_EVENTS);
	if (nng_sub0_open(&s->sock) != 0)
		return -1;
	nng_socket_set(s->sock, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	/* A burst of 10,000 services must not overflow our side. */
	nng_socket_set_int(s->sock, NNG_OPT_RECVBUF, 8192);
	/*
	 * The thread ends on its own (stopping, checked between receives)
	 * before the socket is closed: nng_close() while another thread
	 * sits in nng_recvmsg() on the socket has been seen to hang.
	 */
	nng_socket_set_ms(s->sock, NNG_OPT_RECVTIMEO, 100);
	if (nng_dial(s->sock, url, NULL, NNG_FLAG_NONBLOCK) != 0 ||
	    pthread_create(&s->thr, NULL, bt_sub_main, s) != 0) {
		nng_close(s->sock);
		return -1;
	}
	s->running = true;
	return 0;
}

BT_FN void
bt_sub_stop(struct bt_sub *s)
{
	if (!s->running)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thr, NULL);
	nng_close(s->sock);
	s->running = false;
}

/* Under s->mu: the first matching event at or after since, or NULL. */
static const struct bt_event *
bt_sub_find(struct bt_sub *s, const char *name, int state, double since)
{
	for (size_t i = s->n > BT_EV_MAX ? s->n - BT_EV_MAX : 0; i < s->n;
	    i++) {
		struct bt_event *e = &s->ev[i % BT_EV_MAX];

		if (e->when >= since && e->state == state &&
		    strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

/*
 * When service name was first published in state (-1: removed) at or
 * after since; -1 if not (yet).
 */
BT_FN double
bt_sub_when(struct bt_sub *s, const char *name, int state, double since)
{
	const struct bt_event *e;
	double when;

	pthread_mutex_lock(&s->mu);
	e = bt_sub_find(s, name, state, since);
	when = e != NULL ? e->when : -1;
	pthread_mutex_unlock(&s->mu);
	return when;
}

/*
 * As bt_sub_when, but sleep until that event comes (woken by the
 * subscriber thread, not polling: the bench must not load the machine it
 * measures), at most timeout_ms.  ip (if not NULL, ipsz bytes) gets the
 * address the event carried.
 */
BT_FN double
bt_sub_wait(struct bt_sub *s, const char *name, int state, double since,
    int timeout_ms, char *ip, size_t ipsz)
{
	const struct bt_event *e;
	struct timespec ts;
	double when = -1;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->mu);
	while ((e = bt_sub_find(s, name, state, since)) == NULL)
		if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) != 0)
			break;
	if (e != NULL) {
		when = e->when;
		if (ip != NULL)
			tstrlcpy(ip, e->ip, ipsz);
	}
	pthread_mutex_unlock(&s->mu);
	return when;
}

#endif
