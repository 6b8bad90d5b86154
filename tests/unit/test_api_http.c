/*
 * test_api_http.c - torc-apid end to end over HTTP: the real binary
 * against a stand-in schedd (fake_schedd) and routed (fake_routed) in a
 * temp run dir, driven with libcurl on 127.0.0.1.  Every route, every
 * error case, the JSON shapes, commands reaching schedd, 503 when a
 * sibling is silent, SSE, /metrics as Prometheus text, a restart, and
 * malformed requests that must not take apid down.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "fake_routed.h"
#include "fake_schedd.h"
#include "monotime.h"
#include "util.h"

struct env {
	char	 dir[64];
	char	 log[128];
	char	 token_cfg[128];
	int	 port;
	pid_t	 pid;
	struct fake_schedd *fs;
	struct fake_routed *fr;
};

static struct env E;

struct http {
	long	 status;
	char	*body;
	size_t	 len;
	char	*headers;
	size_t	 hlen;
};

static size_t
grow(char **buf, size_t *len, const void *p, size_t n)
{
	*buf = xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
	return n;
}

static size_t
body_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct http *h = arg;

	return grow(&h->body, &h->len, p, sz * n);
}

static size_t
header_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct http *h = arg;

	return grow(&h->headers, &h->hlen, p, sz * n);
}

static void
http_free(struct http *h)
{
	free(h->body);
	free(h->headers);
	memset(h, 0, sizeof(*h));
}

/*
 * One request to apid; extra is a NULL-terminated list of header lines.
 * Returns the curl result; h holds status, body and headers.
 */
static CURLcode
http_do(struct http *h, int port, const char *method, const char *path,
    const char *body, const char *const *extra)
{
	struct curl_slist *hdrs = NULL;
	char url[512];
	CURLcode rc;
	CURL *c;

	memset(h, 0, sizeof(*h));
	h->body = xstrdup("");
	h->headers = xstrdup("");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
		hdrs = curl_slist_append(hdrs, extra[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return rc;
}

static long
http_get(struct http *h, const char *path)
{
	http_do(h, E.port, "GET", path, NULL, NULL);
	return h->status;
}

/* The error message of an error answer, "" if there is none. */
static int
has_error(const struct http *h, const char *needle)
{
	json_t *j = json_loads(h->body, 0, NULL);
	const char *msg = json_string_value(json_object_get(j, "error"));
	int ok = msg != NULL && strstr(msg, needle) != NULL;

	if (!ok)
		fprintf(stderr, "# body: %s\n", h->body);
	json_decref(j);
	return ok;
}

static int
has_header(const struct http *h, const char *line)
{
	return strcasestr(h->headers, line) != NULL;
}

static int
free_port(void)
{
	struct sockaddr_in sin = { 0 };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		port = -1;
	else
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static const char *
build_dir(void)
{
	const char *b = getenv("TORC_BUILD");

	return b != NULL ? b : "build";
}

static pid_t
start_apid(int port, const char *config)
{
	char bin[512], listen[64];
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/bin/torc-apid", build_dir());
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	if ((pid = fork()) == 0) {
		int fd = open(E.log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, 2);
		dup2(fd, 1);
		execl(bin, bin, "--master", "127.0.0.1", "--config", config,
		    "--run-dir", E.dir, "--listen", listen, "--log-level",
		    "debug", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Poll until path answers want (bounded); returns the last status. */
static long
wait_status(int port, const char *path, long want, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;
	struct http h;
	long st;

	for (;;) {
		http_do(&h, port, "GET", path, NULL, NULL);
		st = h.status;
		http_free(&h);
		if (st == want || mono_ms() > deadline)
			return st;
		usleep(20000);
	}
}

static int
stop_apid(pid_t pid)
{
	int64_t deadline = mono_ms() + 5000;
	int status;

	kill(pid, SIGTERM);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (mono_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(10000);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
	    WTERMSIG(status);
}

static void
put_svc(const char *name, enum tmsg_svc_state st, bool job, bool metered,
    const char *cid, const char *reason)
{
	static struct tmsg_volume vols[] = {
		{ "/sys", "/sys", true },
		{ "/run", "/run", false },
	};
	struct tmsg_service s = { 0 };

	s.name = (char *)name;
	s.controller = "torc-scheduler";
	s.kind = TSVC_KIND_SYSTEM;
	s.image = "attinnovate/charmander-pcp";
	s.node_name = "wedge";
	s.parameters = "--ipc=host";
	s.memory = 128.0;
	s.cpu = 0.2;
	s.volumes = vols;
	s.n_volumes = 2;
	s.privileged = true;
	s.sla = TSLA_SINGLETON_EACH_NODE;
	s.is_metered = metered;
	s.is_job = job;
	s.network_type = "host";
	s.state = st;
	s.state_reason = (char *)reason;
	s.task_id = "pcp-wedge.1";
	s.agent_id = "5b3f-S0";
	s.node = st == TSVC_RUNNING ? "wedge" : "";
	s.container_id = (char *)cid;
	s.ip = "10.250.3.20";
	s.last_update = 1475270123;
	fake_schedd_put_service(E.fs, &s);
}

static int
group_setup(void **state)
{
	struct tmsg_node n = { 0 };
	char *cfg, *with_token, err[256];
	size_t len;

	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tstrlcpy(E.dir, "/tmp/torc-apid-XXXXXX", sizeof(E.dir));
	if (mkdtemp(E.dir) == NULL)
		return -1;
	snprintf(E.log, sizeof(E.log), "%s/apid.log", E.dir);
	if ((E.fs = fake_schedd_start(E.dir)) == NULL ||
	    (E.fr = fake_routed_start(E.dir)) == NULL)
		return -1;
	n.name = "wedge";
	n.ip = "10.250.3.20";
	n.external_ip = "10.250.3.20";
	n.node_type = "master";
	n.node_function = "controller";
	n.active = true;
	n.configured = true;
	n.agent_id = "5b3f-S0";
	n.hostname = "wedge";
	n.last_seen = 1475270123;
	fake_schedd_put_node(E.fs, &n);
	n.name = "bladerunner1";
	n.ip = "10.250.3.21";
	n.node_type = "slave";
	n.active = false;
	n.agent_id = "";
	fake_schedd_put_node(E.fs, &n);
	put_svc("pcp-wedge", TSVC_RUNNING, false, false,
	    "4f1c2d3e4f5a6b7c8d9e", "");
	put_svc("dns-sl1", TSVC_RUNNING, false, true, "9a9b9c9d", "");
	put_svc("a-job", TSVC_RUNNING, true, false, "77aa", "");
	put_svc("influxdb", TSVC_PENDING, false, false, "",
	    "no offer with 1024 MB on bladerunner3");
	fake_routed_add(E.fr, 1, "dns.service.torc", "10.250.3.20", "",
	    "programmed");
	fake_routed_add(E.fr, 0, "dns-sl1", "192.168.1.7/32", "10.250.3.21",
	    "pending");
	fake_routed_add(E.fr, 0, "other", "192.168.1.8/32", "10.250.3.22",
	    "failed");
	fake_routed_add_system(E.fr, "consul", 1);
	/* A config like the demo's, with an API token. */
	if (read_file("scripts/config/torc.yml", 1 << 20, &cfg, &len, err,
	    sizeof(err)) != 0)
		return -1;
	with_token = str_replace_all(cfg, "\napi:\n", "\napi:\n  token: s3cret\n");
	snprintf(E.token_cfg, sizeof(E.token_cfg), "%s/token.yml", E.dir);
	if (atomic_write_file(E.token_cfg, with_token, strlen(with_token),
	    err, sizeof(err)) != 0)
		return -1;
	free(cfg);
	free(with_token);
	if ((E.port = free_port()) < 0)
		return -1;
	E.pid = start_apid(E.port, "scripts/config/torc.yml");
	if (wait_status(E.port, "/services", 200, 10000) != 200) {
		fprintf(stderr, "# apid did not come up; log in %s\n", E.log);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (E.pid > 0)
		stop_apid(E.pid);
	fake_routed_stop(E.fr);
	fake_schedd_stop(E.fs);
	if (getenv("TORC_KEEP_TMP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", E.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "# cannot remove %s\n", E.dir);
	} else
		fprintf(stderr, "# kept %s\n", E.dir);
	curl_global_cleanup();
	return 0;
}

/* Keys of object j, in order, must start with want[]. */
static void
assert_keys(const json_t *j, const char *const *want, size_t n)
{
	const char *key;
	json_t *v;
	size_t i = 0;

	json_object_foreach((json_t *)j, key, v) {
		(void)v;
		if (i < n)
			assert_string_equal(key, want[i]);
		i++;
	}
	assert_true(i >= n);
}

static const char *const task_keys[] = {
	"name", "controller", "id", "image", "node_name", "node_type",
	"node_function", "dependent_service", "arguments", "parameters",
	"memory", "cpu", "volumes", "privileged", "sla", "is_metered",
	"is_system_service", "is_job", "network_type", "ip", "slave_id",
	"state", "last_update", "task_id", "agent_id", "group", "kind",
	"state_reason", "restarts", "last_failure",
};

static const char *const node_keys[] = {
	"name", "ip", "external_ip", "management_ip", "node_type",
	"node_function", "active", "slave_id", "port_id", "last_seen",
	"hostname", "configured",
};

/* ---- reads ----------------------------------------------------------- */

static void
ping_answers_pong(void **state)
{
	struct http h;

	(void)state;
	assert_int_equal(http_get(&h, "/admin/ping"), 200);
	assert_string_equal(h.body, "pong");
	http_free(&h);
}

static void
nodes_have_the_original_fields_in_order(void **state)
{
	struct http h;
	json_t *j;

	(void)state;
	assert_int_equal(http_get(&h, "/nodes"), 200);
	assert_true(has_header(&h, "Content-Type: application/json"));
	j = json_loads(h.body, 0, NULL);
	assert_true(json_is_array(j));
	assert_int_equal(json_array_size(j), 2);
	/* Sorted by name: bladerunner1, wedge. */
	assert_keys(json_array_get(j, 1), node_keys, nitems(node_keys));
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(j, 1), "slave_id")), "5b3f-S0");
	assert_true(json_is_true(json_object_get(json_array_get(j, 1),
	    "active")));
	json_decref(j);
	http_free(&h);
}

static void
running_lists_running_services_but_not_jobs(void **state)
{
	struct http h;
	json_t *j, *t;

	(void)state;
	assert_int_equal(http_get(&h, "/services/running"), 200);
	j = json_loads(h.body, 0, NULL);
	assert_int_equal(json_array_size(j), 2);
	t = json_array_get(j, 1);
	assert_string_equal(json_string_value(json_object_get(t, "name")),
	    "pcp-wedge");
	assert_keys(t, task_keys, nitems(task_keys));
	assert_string_equal(json_string_value(json_object_get(t, "state")),
	    "Running");
	assert_string_equal(json_string_value(json_object_get(t, "sla")),
	    "SingletonEachNode");
	/* Floats carry a decimal point, as the original printed them. */
	assert_non_null(strstr(h.body, "\"memory\":128.0,\"cpu\":0.2,"));
	assert_non_null(strstr(h.body, "\"volumes\":[{\"host_path\":\"/sys\","
	    "\"container_path\":\"/sys\",\"read_only_mode\":true}"));
	assert_null(strstr(h.body, "a-job"));
	json_decref(j);
	http_free(&h);
}

static void
metered_lists_running_metered_services(void **state)
{
	struct http h;
	json_t *j;

	(void)state;
	assert_int_equal(http_get(&h, "/services/metered"), 200);
	j = json_loads(h.body, 0, NULL);
	assert_int_equal(json_array_size(j), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(j, 0), "name")), "dns-sl1");
	json_decref(j);
	http_free(&h);
}

static void
pending_lists_services_with_their_reason(void **state)
{
	struct http h;
	json_t *j, *t;

	(void)state;
	assert_int_equal(http_get(&h, "/services/pending"), 200);
	j = json_loads(h.body, 0, NULL);
	assert_int_equal(json_array_size(j), 1);
	t = json_array_get(j, 0);
	assert_string_equal(json_string_value(json_object_get(t, "name")),
	    "influxdb");
	assert_string_equal(json_string_value(json_object_get(t,
	    "state_reason")), "no offer with 1024 MB on bladerunner3");
	assert_string_equal(json_string_value(json_object_get(t, "state")),
	    "Pending");
	json_decref(j);
	http_free(&h);
}

static void
services_lists_every_service_in_any_state(void **state)
{
	struct http h;
	json_t *j;

	(void)state;
	assert_int_equal(http_get(&h, "/services"), 200);
	j = json_loads(h.body, 0, NULL);
	assert_int_equal(json_array_size(j), 4);
	json_decref(j);
	http_free(&h);
}

static void
head_answers_like_get_without_a_body(void **state)
{
	struct http h;

	(void)state;
	http_do(&h, E.port, "HEAD", "/services", NULL, NULL);
	assert_int_equal(h.status, 200);
	assert_int_equal(h.len, 0);
	http_free(&h);
}

static void
service_by_container_id_prefix_has_cors(void **state)
{
	struct http h;

	(void)state;
	assert_int_equal(http_get(&h, "/service?id=4f1c2d"), 200);
	assert_string_equal(h.body, "{\"result\":\"pcp-wedge\"}");
	assert_true(has_header(&h, "Access-Control-Allow-Origin: *"));
	http_free(&h);
	assert_int_equal(http_get(&h, "/service?id=ffff"), 200);
	assert_string_equal(h.body, "{\"result\":\"\"}");
	http_free(&h);
	assert_int_equal(http_get(&h, "/service"), 400);
	assert_true(has_error(&h, "'id'"));
	http_free(&h);
}

/* ---- writes ---------------------------------------------------------- */

static void
start_group_reaches_schedd_with_the_decoded_name(void **state)
{
	unsigned before = fake_schedd_count(E.fs, TMSG_CTL_START_GROUP);
	char name[128];
	struct http h;
	json_t *j;

	(void)state;
	/* Several parameters, any order, %-encoded and '+'. */
	assert_int_equal(http_get(&h,
	    "/start/group?x=1&name=torc%2Ddns-scheduler&y=a+b"), 200);
	j = json_loads(h.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "result")),
	    "done");
	json_decref(j);
	http_free(&h);
	assert_int_equal(fake_schedd_count(E.fs, TMSG_CTL_START_GROUP),
	    before + 1);
	fake_schedd_last_name(E.fs, name, sizeof(name));
	assert_string_equal(name, "torc-dns-scheduler");
	http_do(&h, E.port, "POST", "/start/group?name=dns-sl", NULL, NULL);
	assert_int_equal(h.status, 200);
	http_free(&h);
	fake_schedd_last_name(E.fs, name, sizeof(name));
	assert_string_equal(name, "dns-sl");
}

static void
schedd_refusals_keep_their_status(void **state)
{
	struct http h;

	(void)state;
	fake_schedd_set_ctl_result(E.fs, 404, "no such group: nope");
	assert_int_equal(http_get(&h, "/start/group?name=nope"), 404);
	assert_true(has_error(&h, "no such group: nope"));
	http_free(&h);
	fake_schedd_set_ctl_result(E.fs, 200, "done");
}

static void
delete_service_sends_a_kill(void **state)
{
	unsigned before = fake_schedd_count(E.fs, TMSG_CTL_KILL);
	char name[128];
	struct http h;

	(void)state;
	http_do(&h, E.port, "DELETE", "/service?name=torc-dns-scheduler",
	    NULL, NULL);
	assert_int_equal(h.status, 200);
	http_free(&h);
	assert_int_equal(fake_schedd_count(E.fs, TMSG_CTL_KILL), before + 1);
	fake_schedd_last_name(E.fs, name, sizeof(name));
	assert_string_equal(name, "torc-dns-scheduler");
	http_do(&h, E.port, "DELETE", "/service", NULL, NULL);
	assert_int_equal(h.status, 400);
	assert_true(has_error(&h, "'name'"));
	http_free(&h);
}

static const char announce_body[] =
    "{\"name\":\"dns-sl2\",\"controller\":\"torc-dns-scheduler\","
    "\"id\":\"abc\",\"image\":\"bind9\",\"node_name\":\"bladerunner1\","
    "\"node_type\":\"\",\"node_function\":\"\",\"dependent_service\":\"\","
    "\"arguments\":\"\",\"parameters\":\"\",\"memory\":128.0,\"cpu\":0.2,"
    "\"volumes\":[],\"privileged\":false,\"sla\":\"None\","
    "\"is_metered\":true,\"is_system_service\":true,\"is_job\":false,"
    "\"network_type\":\"torc\",\"ip\":\"192.168.1.9\",\"slave_id\":\"S1\","
    "\"state\":\"Running\",\"last_update\":1475270123}";

static void
announce_forwards_a_valid_task_and_refuses_bad_ones(void **state)
{
	unsigned before = fake_schedd_count(E.fs, TMSG_CTL_ANNOUNCE);
	struct http h;

	(void)state;
	http_do(&h, E.port, "POST", "/service/announce", announce_body, NULL);
	assert_int_equal(h.status, 200);
	http_free(&h);
	assert_int_equal(fake_schedd_count(E.fs, TMSG_CTL_ANNOUNCE),
	    before + 1);
	http_do(&h, E.port, "POST", "/service/announce", "{\"name\":", NULL);
	assert_int_equal(h.status, 400);
	assert_true(has_error(&h, "invalid JSON"));
	http_free(&h);
	http_do(&h, E.port, "POST", "/service/announce",
	    "{\"name\":\"x\",\"node_name\":\"wedge\",\"memory\":\"lots\"}",
	    NULL);
	assert_int_equal(h.status, 400);
	assert_true(has_error(&h, "memory: expected number, got string"));
	http_free(&h);
	http_do(&h, E.port, "POST", "/service/announce", "", NULL);
	assert_int_equal(h.status, 400);
	http_free(&h);
	assert_int_equal(fake_schedd_count(E.fs, TMSG_CTL_ANNOUNCE),
	    before + 1);
}

static void
a_silent_schedd_gives_503_in_bounded_time(void **state)
{
	int64_t t0;
	struct http h;

	(void)state;
	fake_schedd_set_silent(E.fs, 1);
	t0 = mono_ms();
	assert_int_equal(http_get(&h, "/start/group?name=dns-sl"), 503);
	assert_true(has_error(&h, "torc-schedd"));
	assert_true(mono_ms() - t0 < 5000);
	http_free(&h);
	/* Reads keep working from the replica. */
	assert_int_equal(http_get(&h, "/services/running"), 200);
	http_free(&h);
	fake_schedd_set_silent(E.fs, 0);
	assert_int_equal(http_get(&h, "/start/group?name=dns-sl"), 200);
	http_free(&h);
}

/* ---- errors ---------------------------------------------------------- */

static void
unknown_paths_get_404(void **state)
{
	struct http h;

	(void)state;
	assert_int_equal(http_get(&h, "/no/such/thing"), 404);
	assert_true(has_error(&h, "no such path"));
	http_free(&h);
}

static void
wrong_methods_get_405_with_allow(void **state)
{
	struct http h;

	(void)state;
	http_do(&h, E.port, "PUT", "/services/running", NULL, NULL);
	assert_int_equal(h.status, 405);
	assert_true(has_header(&h, "Allow: GET, HEAD"));
	http_free(&h);
	http_do(&h, E.port, "PUT", "/service", NULL, NULL);
	assert_int_equal(h.status, 405);
	assert_true(has_header(&h, "Allow: GET, HEAD, DELETE"));
	http_free(&h);
	http_do(&h, E.port, "GET", "/service/announce", NULL, NULL);
	assert_int_equal(h.status, 405);
	assert_true(has_header(&h, "Allow: POST"));
	http_free(&h);
}

static void
bad_query_encoding_gets_400(void **state)
{
	struct http h;

	(void)state;
	assert_int_equal(http_get(&h, "/start/group?name=%zz"), 400);
	assert_true(has_error(&h, "%-encoding"));
	http_free(&h);
	assert_int_equal(http_get(&h, "/start/group?name=a%00b"), 400);
	http_free(&h);
	assert_int_equal(http_get(&h, "/start/group?name="), 400);
	assert_true(has_error(&h, "empty"));
	http_free(&h);
	assert_int_equal(http_get(&h, "/start/group?name=a&name=b"), 400);
	assert_true(has_error(&h, "twice"));
	http_free(&h);
}

static void
oversize_bodies_get_413(void **state)
{
	size_t n = 300 * 1024;
	char *big = xmalloc(n + 1);
	struct http h;

	(void)state;
	memset(big, ' ', n);
	big[n] = '\0';
	http_do(&h, E.port, "POST", "/service/announce", big, NULL);
	assert_int_equal(h.status, 413);
	http_free(&h);
	free(big);
	assert_int_equal(http_get(&h, "/admin/ping"), 200);
	http_free(&h);
}

/* Send raw bytes; return what came back before close (bounded). */
static char *
raw_exchange(const char *req, size_t len)
{
	struct sockaddr_in sin = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *out = xstrdup(""), buf[4096];
	size_t olen = 0;
	int64_t deadline = mono_ms() + 3000;

	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)E.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return out;
	}
	if (write(fd, req, len) < 0)
		goto done;
	shutdown(fd, SHUT_WR);
	while (mono_ms() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			break;
		grow(&out, &olen, buf, (size_t)n);
	}
done:
	close(fd);
	return out;
}

static void
malformed_requests_get_clear_errors_and_apid_stays_up(void **state)
{
	static const char garbage[] = "\x01\x02 not http at all\r\n\r\n";
	static const char no_version[] = "GET /admin/ping\r\n\r\n";
	static const char bad_chunk[] = "POST /service/announce HTTP/1.1\r\n"
	    "Host: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
	char *out;
	struct http h;

	(void)state;
	out = raw_exchange(garbage, sizeof(garbage) - 1);
	assert_non_null(strstr(out, "400"));
	free(out);
	free(raw_exchange(no_version, sizeof(no_version) - 1));
	free(raw_exchange(bad_chunk, sizeof(bad_chunk) - 1));
	assert_int_equal(http_get(&h, "/admin/ping"), 200);
	http_free(&h);
	assert_int_equal(kill(E.pid, 0), 0);
}

static void
a_token_guards_mutating_requests(void **state)
{
	static const char *const good[] = { "Authorization: Bearer s3cret",
	    NULL };
	static const char *const bad[] = { "Authorization: Bearer nope",
	    NULL };
	int port = free_port();
	pid_t pid = start_apid(port, E.token_cfg);
	struct http h;

	(void)state;
	assert_int_equal(wait_status(port, "/services", 200, 10000), 200);
	http_do(&h, port, "GET", "/start/group?name=dns-sl", NULL, NULL);
	assert_int_equal(h.status, 401);
	assert_true(has_error(&h, "token"));
	http_free(&h);
	http_do(&h, port, "DELETE", "/service?name=x", NULL, bad);
	assert_int_equal(h.status, 401);
	http_free(&h);
	http_do(&h, port, "POST", "/service/announce", announce_body, NULL);
	assert_int_equal(h.status, 401);
	http_free(&h);
	http_do(&h, port, "GET", "/start/group?name=dns-sl", NULL, good);
	assert_int_equal(h.status, 200);
	http_free(&h);
	/* Reads need no token. */
	http_do(&h, port, "GET", "/services/running", NULL, NULL);
	assert_int_equal(h.status, 200);
	http_free(&h);
	assert_int_equal(stop_apid(pid), 0);
}

/* ---- routed ---------------------------------------------------------- */

static void
routes_and_dns_show_routed_status(void **state)
{
	struct http h;
	json_t *j;

	(void)state;
	assert_int_equal(http_get(&h, "/routes"), 200);
	j = json_loads(h.body, 0, NULL);
	assert_int_equal(json_array_size(j), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(j, 0), "prefix")), "192.168.1.7/32");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(j, 0), "status")), "pending");
	json_decref(j);
	http_free(&h);
	assert_int_equal(http_get(&h, "/dns"), 200);
	j = json_loads(h.body, 0, NULL);
	assert_int_equal(json_array_size(j), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(j, 0), "address")), "10.250.3.20");
	json_decref(j);
	http_free(&h);
}

/* Every line: a comment, or name{labels} value. */
static int
prometheus_line_ok(const char *l)
{
	const char *p = l;

	if (strncmp(l, "# HELP ", 7) == 0 || strncmp(l, "# TYPE ", 7) == 0)
		return 1;
	if (!(*p == '_' || *p == ':' || (*p >= 'a' && *p <= 'z') ||
	    (*p >= 'A' && *p <= 'Z')))
		return 0;
	while (*p == '_' || *p == ':' || (*p >= 'a' && *p <= 'z') ||
	    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
		p++;
	if (*p == '{') {
		while (*p != '}') {
			p++;
			while ((*p >= 'a' && *p <= 'z') || *p == '_')
				p++;
			if (*p++ != '=' || *p++ != '"')
				return 0;
			while (*p != '"' && *p != '\0')
				p += (*p == '\\') ? 2 : 1;
			if (*p++ != '"' || (*p != ',' && *p != '}'))
				return 0;
		}
		p++;
	}
	if (*p++ != ' ')
		return 0;
	{
		char *end;

		strtod(p, &end);
		return end != p && *end == '\0';
	}
}

static void
metrics_parse_as_prometheus_text(void **state)
{
	struct http h;
	char *line, *save = NULL;
	int n = 0;

	(void)state;
	assert_int_equal(http_get(&h, "/metrics"), 200);
	assert_true(has_header(&h, "Content-Type: text/plain; version=0.0.4"));
	for (line = strtok_r(h.body, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), n++)
		if (!prometheus_line_ok(line))
			fail_msg("bad metrics line: %s", line);
	assert_true(n > 20);
	http_free(&h);
	http_get(&h, "/metrics");
	assert_non_null(strstr(h.body, "torc_services{state=\"running\"} 3\n"));
	assert_non_null(strstr(h.body, "torc_routed_up 1\n"));
	assert_non_null(strstr(h.body, "torc_routes{status=\"failed\"} 1\n"));
	assert_non_null(strstr(h.body, "torc_mesos_connected 1\n"));
	/* The silent schedd above left its mark. */
	{
		const char *t = strstr(h.body,
		    "torc_ipc_timeouts_total{peer=\"torc-schedd\"} ");

		assert_non_null(t);
		assert_true(atoi(t + strlen("torc_ipc_timeouts_total{peer="
		    "\"torc-schedd\"} ")) >= 1);
	}
	assert_non_null(strstr(h.body,
	    "torc_http_requests_total{route=\"/nodes\",code=\"200\"}"));
	assert_non_null(strstr(h.body,
	    "torc_http_request_duration_seconds_bucket{route=\"/admin/ping\","
	    "le=\"+Inf\"}"));
	http_free(&h);
}

static void
a_silent_routed_gives_503_and_metrics_without_it(void **state)
{
	struct http h;

	(void)state;
	fake_routed_set_silent(E.fr, 1);
	assert_int_equal(http_get(&h, "/routes"), 503);
	assert_true(has_error(&h, "torc-routed"));
	http_free(&h);
	assert_int_equal(http_get(&h, "/metrics"), 200);
	assert_non_null(strstr(h.body, "torc_routed_up 0\n"));
	http_free(&h);
	fake_routed_set_silent(E.fr, 0);
	assert_int_equal(http_get(&h, "/dns"), 200);
	http_free(&h);
}

/* ---- live state ------------------------------------------------------ */

struct sse {
	char	*buf;
	size_t	 len;
};

static size_t
sse_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct sse *s = arg;

	return grow(&s->buf, &s->len, p, sz * n);
}

/* Run m until needle is in s (bounded). */
static int
sse_wait(CURLM *m, struct sse *s, const char *needle, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;
	int running;

	while (mono_ms() < deadline) {
		curl_multi_perform(m, &running);
		if (s->buf != NULL && strstr(s->buf, needle) != NULL)
			return 1;
		curl_multi_poll(m, NULL, 0, 50, NULL);
	}
	fprintf(stderr, "# stream so far: %s\n", s->buf ? s->buf : "");
	return 0;
}

static void
events_deliver_a_published_change(void **state)
{
	struct sse s = { xstrdup(""), 0 };
	char url[128];
	CURLM *m = curl_multi_init();
	CURL *c = curl_easy_init();

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/events", E.port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sse_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_multi_add_handle(m, c);
	assert_true(sse_wait(m, &s, "retry: 2000", 5000));
	put_svc("sse-probe", TSVC_RUNNING, false, false, "5e5e", "");
	assert_true(sse_wait(m, &s, "event: service\ndata: {\"name\":"
	    "\"sse-probe\"", 5000));
	fake_schedd_remove_service(E.fs, "sse-probe");
	assert_true(sse_wait(m, &s, "event: service_removed\ndata: "
	    "{\"name\":\"sse-probe\"}", 5000));
	curl_multi_remove_handle(m, c);
	curl_easy_cleanup(c);
	curl_multi_cleanup(m);
	free(s.buf);
}

static void
a_missed_event_makes_apid_resync(void **state)
{
	struct tmsg_service s = { 0 };
	int64_t deadline = mono_ms() + 5000;
	struct http h;
	int found = 0;

	(void)state;
	s.name = "silent-one";
	s.state = TSVC_RUNNING;
	fake_schedd_put_service_silently(E.fs, &s);
	put_svc("loud-one", TSVC_RUNNING, false, false, "1010", "");
	while (!found && mono_ms() < deadline) {
		http_get(&h, "/services/running");
		found = strstr(h.body, "silent-one") != NULL &&
		    strstr(h.body, "loud-one") != NULL;
		http_free(&h);
		if (!found)
			usleep(20000);
	}
	assert_true(found);
	fake_schedd_remove_service(E.fs, "silent-one");
	fake_schedd_remove_service(E.fs, "loud-one");
}


static void
a_burst_of_commands_is_answered_one_by_one(void **state)
{
	enum { N = 20 };
	unsigned before = fake_schedd_count(E.fs, TMSG_CTL_START_GROUP);
	CURLM *m = curl_multi_init();
	CURL *c[N];
	struct http h[N];
	char url[128];
	int64_t deadline = mono_ms() + 10000;
	int running = 1;

	(void)state;
	snprintf(url, sizeof(url),
	    "http://127.0.0.1:%d/start/group?name=dns-sl", E.port);
	for (int i = 0; i < N; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		h[i].body = xstrdup("");
		c[i] = curl_easy_init();
		curl_easy_setopt(c[i], CURLOPT_URL, url);
		curl_easy_setopt(c[i], CURLOPT_WRITEFUNCTION, body_cb);
		curl_easy_setopt(c[i], CURLOPT_WRITEDATA, &h[i]);
		curl_easy_setopt(c[i], CURLOPT_NOPROXY, "*");
		curl_multi_add_handle(m, c[i]);
	}
	while (running > 0 && mono_ms() < deadline) {
		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 50, NULL);
	}
	assert_int_equal(running, 0);
	for (int i = 0; i < N; i++) {
		long st = 0;

		curl_easy_getinfo(c[i], CURLINFO_RESPONSE_CODE, &st);
		if (st != 200)
			fail_msg("request %d: %ld %s", i, st, h[i].body);
		curl_multi_remove_handle(m, c[i]);
		curl_easy_cleanup(c[i]);
		http_free(&h[i]);
	}
	curl_multi_cleanup(m);
	/* One request in flight at a time, none lost. */
	assert_int_equal(fake_schedd_count(E.fs, TMSG_CTL_START_GROUP),
	    before + N);
}

static void
a_restarted_schedd_is_followed_again(void **state)
{
	int64_t deadline = mono_ms() + 10000;
	struct tmsg_service s = { 0 };
	struct http h;
	int found = 0;

	(void)state;
	fake_schedd_stop(E.fs);
	E.fs = fake_schedd_start(E.dir);
	assert_non_null(E.fs);
	/* A new schedd starts its sequence again at 1. */
	s.name = "after-restart";
	s.state = TSVC_RUNNING;
	s.memory = 64.0;
	while (!found && mono_ms() < deadline) {
		fake_schedd_put_service(E.fs, &s);
		http_get(&h, "/services");
		found = strstr(h.body, "after-restart") != NULL &&
		    strstr(h.body, "pcp-wedge") == NULL;
		http_free(&h);
		if (!found)
			usleep(50000);
	}
	assert_true(found);
}

static void
apid_restarts_and_answers_the_same(void **state)
{
	struct http before, after;
	int64_t deadline = mono_ms() + 5000;

	(void)state;
	/* Wait for the removals above to reach apid before comparing. */
	for (;;) {
		http_get(&before, "/services/running");
		if (strstr(before.body, "loud-one") == NULL ||
		    mono_ms() > deadline)
			break;
		http_free(&before);
		usleep(20000);
	}
	assert_null(strstr(before.body, "loud-one"));
	assert_int_equal(stop_apid(E.pid), 0);
	E.pid = start_apid(E.port, "scripts/config/torc.yml");
	assert_int_equal(wait_status(E.port, "/services/running", 200, 10000),
	    200);
	http_get(&after, "/services/running");
	assert_string_equal(before.body, after.body);
	http_free(&before);
	http_free(&after);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ping_answers_pong),
		cmocka_unit_test(nodes_have_the_original_fields_in_order),
		cmocka_unit_test(running_lists_running_services_but_not_jobs),
		cmocka_unit_test(metered_lists_running_metered_services),
		cmocka_unit_test(pending_lists_services_with_their_reason),
		cmocka_unit_test(services_lists_every_service_in_any_state),
		cmocka_unit_test(head_answers_like_get_without_a_body),
		cmocka_unit_test(service_by_container_id_prefix_has_cors),
		cmocka_unit_test(start_group_reaches_schedd_with_the_decoded_name),
		cmocka_unit_test(schedd_refusals_keep_their_status),
		cmocka_unit_test(delete_service_sends_a_kill),
		cmocka_unit_test(announce_forwards_a_valid_task_and_refuses_bad_ones),
		cmocka_unit_test(a_silent_schedd_gives_503_in_bounded_time),
		cmocka_unit_test(unknown_paths_get_404),
		cmocka_unit_test(wrong_methods_get_405_with_allow),
		cmocka_unit_test(bad_query_encoding_gets_400),
		cmocka_unit_test(oversize_bodies_get_413),
		cmocka_unit_test(malformed_requests_get_clear_errors_and_apid_stays_up),
		cmocka_unit_test(a_token_guards_mutating_requests),
		cmocka_unit_test(routes_and_dns_show_routed_status),
		cmocka_unit_test(metrics_parse_as_prometheus_text),
		cmocka_unit_test(a_silent_routed_gives_503_and_metrics_without_it),
		cmocka_unit_test(events_deliver_a_published_change),
		cmocka_unit_test(a_missed_event_makes_apid_resync),
		cmocka_unit_test(a_burst_of_commands_is_answered_one_by_one),
		cmocka_unit_test(a_restarted_schedd_is_followed_again),
		cmocka_unit_test(apid_restarts_and_answers_the_same),
	};

	return cmocka_run_group_tests_name("torc-apid over HTTP", tests,
	    group_setup, group_teardown);
}
