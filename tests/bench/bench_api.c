/*
 * bench_api.c - B3: GET /services/running with 100 running services,
 * under `wrk -t2 -c64 --latency`, against the real torc-apid fed by a
 * stand-in schedd.  Reports requests/s, p99 latency and apid's RSS, each
 * the median of several runs with min and max, one JSON object per line.
 *
 * Beside it, the floor: the same response bytes served by a minimal
 * single-threaded epoll server in the same run (alternating with apid's
 * runs), and apid's ratio to it.
 *
 * Environment: BENCH_API_RUNS (default 5), BENCH_API_SECONDS (default 5),
 * BENCH_API_LOG_LEVEL (apid's --log-level, default info: one access log
 * line per request, as in production).  BENCH_API_HOLD=N sets everything
 * up, prints the URL and keeps apid serving for N seconds instead of
 * running wrk (for profiling by hand).
 */
#include <sys/epoll.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "monotime.h"
#include "torc_ipc.h"
#include "util.h"

#include "fake_schedd.h"

#define N_SERVICES	100

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
report(const char *name, const char *unit, double *v, int n, double target,
    bool lower_better)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("{\"name\":\"%s\",\"unit\":\"%s\",\"median\":%.3f,"
	    "\"min\":%.3f,\"max\":%.3f", name, unit, v[n / 2], v[0], v[n - 1]);
	if (target > 0)
		printf(",\"target\":%.3f,\"pass\":%s", target,
		    (lower_better ? v[n / 2] <= target : v[n / 2] >= target) ?
		    "true" : "false");
	printf("}\n");
	fflush(stdout);
}

static void
fail_line(const char *why)
{
	printf("{\"name\":\"api.services_running\",\"error\":\"%s\"}\n", why);
}

static int
free_port(void)
{
	struct sockaddr_in sin = { 0 };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static size_t
discard(char *p, size_t sz, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return sz * n;
}

static long
get_status(const char *url)
{
	CURL *c = curl_easy_init();
	long st = 0;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_easy_cleanup(c);
	return st;
}

static void
fill(struct fake_schedd *fs)
{
	static struct tmsg_volume vols[] = {
		{ "/sys", "/sys", true },
		{ "/var/log", "/var/log", false },
	};
	static const char *const nodes[] = { "wedge", "bladerunner1",
	    "bladerunner2", "bladerunner3", "bladerunner4" };
	struct tmsg_service s = { 0 };
	struct tmsg_node n = { 0 };
	char name[32], cid[80], ip[32];

	for (size_t i = 0; i < nitems(nodes); i++) {
		snprintf(ip, sizeof(ip), "10.250.3.%zu", 20 + i);
		n.name = (char *)nodes[i];
		n.ip = n.external_ip = ip;
		n.node_type = i == 0 ? "master" : "slave";
		n.node_function = i == 0 ? "controller" : "lab";
		n.active = n.configured = true;
		n.agent_id = "a49a6f78-be84-4473-bc7a-94d0864671bd-S1";
		n.hostname = (char *)nodes[i];
		n.last_seen = 1764000000;
		fake_schedd_put_node(fs, &n);
	}
	for (int i = 0; i < N_SERVICES; i++) {
		snprintf(name, sizeof(name), "svc-%03d", i);
		snprintf(cid, sizeof(cid), "%08x4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c"
		    "0d1e2f3a4b5c6d7e8f9a0b1c", (unsigned)i);
		snprintf(ip, sizeof(ip), "192.168.13.%d", i + 1);
		s.name = name;
		s.group = "group-a";
		s.controller = "torc-scheduler";
		s.kind = TSVC_KIND_ONDEMAND;
		s.image = "attinnovate/charmander-pcp";
		s.node_name = (char *)nodes[i % nitems(nodes)];
		s.arguments = "--master 10.250.3.20 --config config.yml";
		s.parameters = "--ipc=host";
		s.memory = 128.0;
		s.cpu = 0.2;
		s.volumes = vols;
		s.n_volumes = nitems(vols);
		s.sla = TSLA_NONE;
		s.network_type = "torc";
		s.state = TSVC_RUNNING;
		s.task_id = "svc.3f2b7c1e-8d4a-4b6f-9e2d-1a5c7b9d0e3f";
		s.agent_id = "a49a6f78-be84-4473-bc7a-94d0864671bd-S3";
		s.node = s.node_name;
		s.container_id = cid;
		s.ip = ip;
		s.last_update = 1764000000;
		fake_schedd_put_service(fs, &s);
	}
}

/* wrk's latency figure ("1.23ms", "850.00us", "1.01s") in ms. */
static double
wrk_ms(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (strncmp(end, "us", 2) == 0)
		return v / 1000.0;
	if (strncmp(end, "ms", 2) == 0)
		return v;
	if (*end == 's')
		return v * 1000.0;
	if (*end == 'm')
		return v * 60000.0;
	return v;
}

/* CPU seconds (user + system) pid has used so far. */
static double
cpu_seconds(pid_t pid)
{
	unsigned long long ut = 0, st = 0;
	char path[64], buf[1024], *p;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), fp) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		/* After ") state": fields 4..13, then utime and stime. */
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		    "%llu %llu", &ut, &st);
	fclose(fp);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/*
 * One wrk run: requests/s, p99 in ms and the number of requests; -1 when
 * wrk failed.
 */
static int
run_wrk(const char *url, int seconds, double *rps, double *p99,
    double *total)
{
	char cmd[512], line[512];
	FILE *p;
	int got = 0;

	snprintf(cmd, sizeof(cmd), "wrk -t2 -c64 -d%ds --latency %s 2>&1",
	    seconds, url);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL) {
		char *s = line + strspn(line, " \t");

		if (strncmp(s, "99%", 3) == 0) {
			*p99 = wrk_ms(s + 3 + strspn(s + 3, " \t"));
			got |= 1;
		} else if (strstr(s, " requests in ") != NULL) {
			*total = strtod(s, NULL);
			got |= 4;
		} else if (strncmp(s, "Requests/sec:", 13) == 0) {
			*rps = strtod(s + 13, NULL);
			got |= 2;
		} else if (strstr(s, "Non-2xx") != NULL ||
		    strstr(s, "Socket errors") != NULL)
			fprintf(stderr, "bench_api: wrk: %s", s);
	}
	return pclose(p) == 0 && got == 7 ? 0 : -1;
}

/* ---- the floor: the same bytes from a minimal server --------------- */

struct fetch {
	char	*buf;
	size_t	 len;
};

static size_t
fetch_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct fetch *f = arg;

	f->buf = xrealloc(f->buf, f->len + sz * n + 1);
	memcpy(f->buf + f->len, p, sz * n);
	f->len += sz * n;
	return sz * n;
}

/*
 * Serve resp (a whole HTTP response) to every request on port with one
 * thread, epoll and keep-alive, and nothing else: no parsing beyond the
 * end of the headers, no logging.  What apid costs above this is apid's.
 */
static void
floor_serve(int port, const char *resp, size_t len)
{
	struct sockaddr_in sin = { 0 };
	struct epoll_event ev, evs[64];
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	int ep = epoll_create1(0);
	char buf[8192];

	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(lfd, 128) != 0)
		_exit(1);
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			ssize_t r;

			if (fd == lfd) {
				int c;

				while ((c = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK)) >= 0) {
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY,
					    &one, sizeof(one));
					ev.events = EPOLLIN;
					ev.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			r = read(fd, buf, sizeof(buf));
			if (r <= 0) {
				close(fd);
				continue;
			}
			/* One request per read (wrk does not pipeline). */
			for (size_t off = 0; off < len;) {
				ssize_t w = send(fd, resp + off, len - off,
				    MSG_NOSIGNAL);

				if (w > 0)
					off += (size_t)w;
				else if (w < 0 && errno != EAGAIN)
					break;
			}
		}
	}
}

static pid_t
floor_start(const char *url, int *port)
{
	struct fetch f = { xstrdup(""), 0 };
	char *resp;
	int len;
	pid_t pid;
	CURL *c = curl_easy_init();

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_perform(c);
	curl_easy_cleanup(c);
	len = asprintf(&resp, "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\n\r\n%.*s", f.len,
	    (int)f.len, f.buf);
	free(f.buf);
	if (len < 0)
		return -1;
	*port = free_port();
	if ((pid = fork()) == 0)
		floor_serve(*port, resp, (size_t)len);
	free(resp);
	return pid;
}

static double
rss_mb(pid_t pid, const char *field)
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
	return kb / 1024.0;
}

int
main(int argc, char **argv)
{
	const char *build = getenv("TORC_BUILD");
	const char *lvl = getenv("BENCH_API_LOG_LEVEL");
	int runs = getenv("BENCH_API_RUNS") ? atoi(getenv("BENCH_API_RUNS")) : 5;
	int secs = getenv("BENCH_API_SECONDS") ?
	    atoi(getenv("BENCH_API_SECONDS")) : 5;
	char dir[64], bin[600], listen[64], url[128], log[128], cmd[160];
	double rps[32], p99[32], rss[32], cpu[32], frps[32], fp99[32], ratio[32];
	char furl[128];
	int fport = 0, nf = 0;
	pid_t fpid;
	struct fake_schedd *fs;
	int port, n = 0, st = 1;
	int64_t deadline;
	pid_t pid;

	(void)argc;
	if (runs < 1 || runs > 32)
		runs = 5;
	if (system("command -v wrk >/dev/null 2>&1") != 0) {
		fail_line("wrk not installed (scripts/deps.sh installs it)");
		return 0;
	}
	if (build == NULL) {
		/* Run from BUILD/tests/bench/: the build dir is three up. */
		static char b[512];
		char *s;

		tstrlcpy(b, argv[0], sizeof(b));
		for (int i = 0; i < 3 && (s = strrchr(b, '/')) != NULL; i++)
			*s = '\0';
		build = strchr(argv[0], '/') ? b : "build";
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tstrlcpy(dir, "/tmp/torc-bench-api-XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL || (fs = fake_schedd_start(dir)) == NULL) {
		fail_line("cannot start the stand-in schedd");
		return 0;
	}
	fill(fs);
	port = free_port();
	snprintf(bin, sizeof(bin), "%s/bin/torc-apid", build);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(log, sizeof(log), "%s/apid.log", dir);
	if ((pid = fork()) == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 2);
		execl(bin, bin, "--master", "127.0.0.1", "--config",
		    "scripts/config/torc.yml", "--run-dir", dir, "--listen",
		    listen, "--log-level", lvl ? lvl : "info", (char *)NULL);
		_exit(127);
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/services/running",
	    port);
	deadline = mono_ms() + 10000;
	while (get_status(url) != 200 && mono_ms() < deadline)
		usleep(20000);
	if (get_status(url) != 200) {
		fail_line("torc-apid did not answer");
		goto out;
	}
	if (getenv("BENCH_API_HOLD") != NULL) {
		fprintf(stderr, "bench_api: apid pid %d serving %s\n", (int)pid,
		    url);
		sleep((unsigned)atoi(getenv("BENCH_API_HOLD")));
		goto out;
	}
	if ((fpid = floor_start(url, &fport)) < 0) {
		fail_line("cannot start the floor server");
		goto out;
	}
	snprintf(furl, sizeof(furl), "http://127.0.0.1:%d/services/running",
	    fport);
	/* Alternate apid and floor runs so both see the same noise. */
	for (int r = 0; r < runs; r++) {
		double c0 = cpu_seconds(pid), total = 0, fc0, ftotal = 0;

		if (run_wrk(url, secs, &rps[n], &p99[n], &total) != 0 ||
		    total <= 0) {
			fprintf(stderr, "bench_api: wrk run %d failed\n", r);
			continue;
		}
		/* CPU per request: steadier than req/s on a shared machine. */
		cpu[n] = (cpu_seconds(pid) - c0) * 1e6 / total;
		rss[n] = rss_mb(pid, "VmHWM:");
		fprintf(stderr, "bench_api: run %d: %.0f req/s, p99 %.3f ms, "
		    "%.1f us CPU/request, peak RSS %.1f MB\n", r + 1, rps[n],
		    p99[n], cpu[n], rss[n]);
		n++;
		fc0 = cpu_seconds(fpid);
		if (run_wrk(furl, secs, &frps[nf], &fp99[nf], &ftotal) == 0 &&
		    ftotal > 0) {
			fprintf(stderr, "bench_api: floor %d: %.0f req/s, p99 "
			    "%.3f ms, %.1f us CPU/request\n", r + 1, frps[nf],
			    fp99[nf], (cpu_seconds(fpid) - fc0) * 1e6 / ftotal);
			ratio[nf] = rps[n - 1] / frps[nf];
			nf++;
		}
	}
	kill(fpid, SIGKILL);
	waitpid(fpid, NULL, 0);
	if (n == 0) {
		fail_line("every wrk run failed");
		goto out;
	}
	report("api.services_running_rps", "req/s", rps, n, 20000, false);
	report("api.services_running_p99", "ms", p99, n, 5, true);
	report("api.services_running_cpu", "us/req", cpu, n, 0, true);
	if (nf > 0) {
		report("api.floor_rps", "req/s", frps, nf, 0, false);
		report("api.floor_p99", "ms", fp99, nf, 0, true);
		report("api.rps_vs_floor", "ratio", ratio, nf, 0, false);
	}
	report("api.apid_peak_rss", "MB", rss, n, 32, true);
	st = 0;
out:
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	fake_schedd_stop(fs);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_api: cannot remove %s\n", dir);
	curl_global_cleanup();
	(void)st;
	return 0;
}
