/*
 * test_sched_taskinfo.c - the TaskInfo builder (torc-schedd/
 * sched_taskinfo.c): tables for the docker-flag and argument parsers,
 * then the TaskInfo of every service of the demo config
 * (scripts/config/torc.yml), encoded, decoded again and checked field by
 * field, and the specs it refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg.h"
#include "torc-schedd/sched_taskinfo.h"
#include "mesos/mesos.pb-c.h"

/* ---- arguments -------------------------------------------------------- */

struct args_case {
	const char *in;
	const char *out[8];	/* NULL-terminated; ignored if err */
	const char *err;	/* substring of the error, or NULL */
};

static const struct args_case args_cases[] = {
	{ NULL, { NULL }, NULL },
	{ "", { NULL }, NULL },
	{ "   \t\n ", { NULL }, NULL },
	{ "-p 9091", { "-p", "9091", NULL }, NULL },
	{ "  --master 10.0.0.1   --config config.yml ",
	    { "--master", "10.0.0.1", "--config", "config.yml", NULL }, NULL },
	{ "-bind=10.0.0.1", { "-bind=10.0.0.1", NULL }, NULL },
	{ "'a b' c", { "a b", "c", NULL }, NULL },
	{ "\"a b\" c", { "a b", "c", NULL }, NULL },
	{ "a\"b c\"'d e'f", { "ab cd ef", NULL }, NULL },
	{ "\"\" x ''", { "", "x", "", NULL }, NULL },
	{ "a\\ b", { "a b", NULL }, NULL },
	{ "\\'x\\'", { "'x'", NULL }, NULL },
	{ "'it\\'s'", { NULL }, "unterminated single quote" },
	{ "\"say \\\"hi\\\"\"", { "say \"hi\"", NULL }, NULL },
	{ "\"a\\nb\"", { "a\\nb", NULL }, NULL },
	{ "'$HOME \\ x'", { "$HOME \\ x", NULL }, NULL },
	{ "$MASTER", { "$MASTER", NULL }, NULL },
	{ "a\\\nb", { "ab", NULL }, NULL },
	{ "--label=k=v --opt=a-b", { "--label=k=v", "--opt=a-b", NULL },
	    NULL },
	{ "'unterminated", { NULL }, "unterminated single quote" },
	{ "x \"unterminated", { NULL }, "unterminated double quote" },
	{ "trailing\\", { NULL }, "trailing backslash" },
	{ "a | b", { NULL }, "unquoted '|'" },
	{ "a; b", { NULL }, "unquoted ';'" },
	{ "a && b", { NULL }, "unquoted '&'" },
	{ "a > f", { NULL }, "unquoted '>'" },
	{ "`id`", { NULL }, "unquoted '`'" },
	{ "echo $(id)", { NULL }, "unquoted '('" },
	{ "'a | b' \"c;d\"", { "a | b", "c;d", NULL }, NULL },
	{ "a\x01" "b", { NULL }, "control character" },
};

static void
test_args_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(args_cases) / sizeof(args_cases[0]);
	    i++) {
		const struct args_case *c = &args_cases[i];
		char **v = NULL, err[256] = "";
		size_t n = 0, want = 0;
		int rc = sched_args_split(c->in, &v, &n, err, sizeof(err));

		if (c->err != NULL) {
			if (rc == 0 || strstr(err, c->err) == NULL)
				fail_msg("case %zu '%s': want error '%s', got "
				    "rc %d '%s'", i, c->in, c->err, rc, err);
			assert_null(v);
			continue;
		}
		if (rc != 0)
			fail_msg("case %zu '%s': %s", i, c->in, err);
		while (c->out[want] != NULL)
			want++;
		if (n != want)
			fail_msg("case %zu '%s': %zu words, want %zu", i,
			    c->in, n, want);
		for (size_t k = 0; k < n; k++)
			if (strcmp(v[k], c->out[k]) != 0)
				fail_msg("case %zu word %zu: '%s', want '%s'",
				    i, k, v[k], c->out[k]);
		assert_null(v[n]);
		sched_args_free(v);
	}
}

/* ---- parameters ------------------------------------------------------- */

struct params_case {
	const char *in;
	const char *kv[12];	/* key, value, ..., NULL */
	const char *err;
};

static const struct params_case params_cases[] = {
	{ NULL, { NULL }, NULL },
	{ " ", { NULL }, NULL },
	{ "--ipc=host", { "ipc", "host", NULL }, NULL },
	{ "--ipc=host --pid=host", { "ipc", "host", "pid", "host", NULL },
	    NULL },
	{ "--ipc host", { "ipc", "host", NULL }, NULL },
	/* What the original split on '-' and '=' and mangled. */
	{ "--cap-add=NET_ADMIN", { "cap-add", "NET_ADMIN", NULL }, NULL },
	{ "--cap-add NET_ADMIN --cap-add=SYS_TIME",
	    { "cap-add", "NET_ADMIN", "cap-add", "SYS_TIME", NULL }, NULL },
	{ "--log-opt max-size=10m", { "log-opt", "max-size=10m", NULL },
	    NULL },
	{ "--add-host=a-b:10.0.0.1", { "add-host", "a-b:10.0.0.1", NULL },
	    NULL },
	{ "--label=k=v", { "label", "k=v", NULL }, NULL },
	{ "--label \"a b=c d\"", { "label", "a b=c d", NULL }, NULL },
	{ "--label='x=y z'", { "label", "x=y z", NULL }, NULL },
	{ "--env=A=1 --env B=-2", { "env", "A=1", "env", "B=-2", NULL },
	    NULL },
	{ "--cpu-shares -1", { "cpu-shares", "-1", NULL }, NULL },
	{ "--entrypoint=", { "entrypoint", "", NULL }, NULL },
	{ "--entrypoint \"\"", { "entrypoint", "", NULL }, NULL },
	{ "--init=true", { "init", "true", NULL }, NULL },
	{ "--ulimit nofile=1024:2048 --shm-size=1g",
	    { "ulimit", "nofile=1024:2048", "shm-size", "1g", NULL }, NULL },
	{ "--log.opt_x=1", { "log.opt_x", "1", NULL }, NULL },
	{ "--init", { NULL }, "flag --init has no value" },
	{ "--init --ipc=host", { NULL }, "flag --init has no value" },
	{ "--privileged", { NULL }, "write --privileged=true" },
	{ "ipc=host", { NULL }, "unexpected 'ipc=host'" },
	{ "--ipc=host garbage here", { NULL }, "unexpected 'garbage'" },
	{ "-e A=1", { NULL }, "short flag '-e'" },
	{ "--", { NULL }, "bad flag name" },
	{ "--=x", { NULL }, "bad flag name" },
	{ "---x=1", { NULL }, "bad flag name" },
	{ "--a$b=1", { NULL }, "bad flag name" },
	{ "--net=torc", { NULL }, "set network_type instead" },
	{ "--network host", { NULL }, "set network_type instead" },
	{ "--label='x", { NULL }, "unterminated single quote" },
	{ "--ipc=host;", { NULL }, "unquoted ';'" },
};

static void
test_params_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(params_cases) /
	    sizeof(params_cases[0]); i++) {
		const struct params_case *c = &params_cases[i];
		struct sched_param *p = NULL;
		char err[256] = "";
		size_t n = 0, want = 0;
		int rc = sched_params_parse(c->in, &p, &n, err, sizeof(err));

		if (c->err != NULL) {
			if (rc == 0 || strstr(err, c->err) == NULL)
				fail_msg("case %zu '%s': want error '%s', got "
				    "rc %d '%s'", i, c->in, c->err, rc, err);
			assert_null(p);
			assert_true(strncmp(err, "parameters: ", 12) == 0);
			continue;
		}
		if (rc != 0)
			fail_msg("case %zu '%s': %s", i, c->in, err);
		while (c->kv[want] != NULL)
			want += 2;
		if (n * 2 != want)
			fail_msg("case %zu '%s': %zu flags, want %zu", i,
			    c->in, n, want / 2);
		for (size_t k = 0; k < n; k++) {
			if (strcmp(p[k].key, c->kv[2 * k]) != 0 ||
			    strcmp(p[k].value, c->kv[2 * k + 1]) != 0)
				fail_msg("case %zu flag %zu: %s=%s, want %s=%s",
				    i, k, p[k].key, p[k].value, c->kv[2 * k],
				    c->kv[2 * k + 1]);
		}
		sched_params_free(p, n);
	}
}

/* ---- TaskInfo of the demo config ------------------------------------- */

static struct torc_config *demo;

static int
load_demo(void **state)
{
	struct cfg_errors errs = { NULL, 0 };
	const char *root = getenv("TORC_ROOT");
	char path[1024];

	(void)state;
	snprintf(path, sizeof(path), "%s/scripts/config/torc.yml",
	    root != NULL ? root : ".");
	if (cfg_load(path, "10.0.0.1", &demo, &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		cfg_errors_free(&errs);
		return -1;
	}
	cfg_errors_free(&errs);
	return 0;
}

static int
free_demo(void **state)
{
	(void)state;
	cfg_free(demo);
	demo = NULL;
	return 0;
}

static const struct cfg_service *
demo_service(const char *name, const char **group)
{
	*group = NULL;
	for (size_t i = 0; i < demo->healthcheck.n_system_services; i++)
		if (strcmp(demo->healthcheck.system_services[i].name,
		    name) == 0)
			return &demo->healthcheck.system_services[i];
	for (size_t g = 0; g < demo->api.n_groups; g++) {
		const struct cfg_group *gr = &demo->api.groups[g];

		for (size_t i = 0; i < gr->n_services; i++)
			if (strcmp(gr->services[i].name, name) == 0) {
				*group = gr->name;
				return &gr->services[i];
			}
	}
	fail_msg("no service %s in the demo config", name);
	abort();
}

/*
 * The spec the core would make of a service, then the TaskInfo built,
 * packed and unpacked: what the master would read.
 */
static Mesos__V1__TaskInfo *
demo_taskinfo(const char *name, struct mesos_volume *vols)
{
	const char *group;
	const struct cfg_service *s = demo_service(name, &group);
	struct mesos_task_spec sp;
	Mesos__V1__TaskInfo *ti, *back;
	char err[256], tid[128];
	uint8_t *buf;
	size_t len;

	snprintf(tid, sizeof(tid), "%s.0c5a2d61-8f7e-4f0b-9a53-21b4c3d2e1f0",
	    name);
	memset(&sp, 0, sizeof(sp));
	sp.task_id = tid;
	sp.name = s->name;
	sp.agent_id = "a49a6f78-be84-4473-bc7a-94d0864671bd-S3";
	sp.image = s->image_name;
	sp.privileged = s->privileged;
	sp.network_type = s->network_type;
	sp.parameters = s->parameters;
	sp.arguments = s->arguments;
	for (size_t i = 0; i < s->n_volumes; i++) {
		vols[i].host_path = s->volumes[i].host_path;
		vols[i].container_path = s->volumes[i].container_path;
		vols[i].read_only = s->volumes[i].read_only;
	}
	sp.volumes = vols;
	sp.n_volumes = s->n_volumes;
	sp.cpus = s->cpu;
	sp.mem = s->memory;
	sp.label_service = s->name;
	sp.label_group = group;
	ti = sched_taskinfo_build(&sp, err, sizeof(err));
	if (ti == NULL)
		fail_msg("%s: %s", name, err);
	assert_true(protobuf_c_message_check(&ti->base));
	assert_int_equal(sched_taskinfo_check(&sp, err, sizeof(err)), 0);
	len = mesos__v1__task_info__get_packed_size(ti);
	buf = malloc(len);
	assert_non_null(buf);
	mesos__v1__task_info__pack(ti, buf);
	sched_taskinfo_free(ti);
	back = mesos__v1__task_info__unpack(NULL, len, buf);
	free(buf);
	assert_non_null(back);
	assert_string_equal(back->task_id->value, tid);
	assert_string_equal(back->name, name);
	assert_string_equal(back->agent_id->value,
	    "a49a6f78-be84-4473-bc7a-94d0864671bd-S3");
	/* Resources: cpus and mem, scalar, role "*". */
	assert_int_equal(back->n_resources, 2);
	assert_string_equal(back->resources[0]->name, "cpus");
	assert_string_equal(back->resources[1]->name, "mem");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(back->resources[i]->type,
		    MESOS__V1__VALUE__TYPE__SCALAR);
		assert_string_equal(back->resources[i]->role, "*");
	}
	assert_true(back->resources[0]->scalar->value == s->cpu);
	assert_true(back->resources[1]->scalar->value == s->memory);
	/* Command: shell false, no value; no executor. */
	assert_non_null(back->command);
	assert_true(back->command->has_shell);
	assert_false(back->command->shell);
	assert_null(back->command->value);
	assert_null(back->executor);
	/* Docker container. */
	assert_non_null(back->container);
	assert_int_equal(back->container->type,
	    MESOS__V1__CONTAINER_INFO__TYPE__DOCKER);
	assert_non_null(back->container->docker);
	assert_string_equal(back->container->docker->image, s->image_name);
	assert_true(back->container->docker->has_privileged);
	assert_int_equal(back->container->docker->privileged, s->privileged);
	assert_true(back->container->docker->has_network);
	/* Labels. */
	assert_non_null(back->labels);
	assert_int_equal(back->labels->n_labels, group != NULL ? 2 : 1);
	assert_string_equal(back->labels->labels[0]->key, "torc.service");
	assert_string_equal(back->labels->labels[0]->value, name);
	if (group != NULL) {
		assert_string_equal(back->labels->labels[1]->key,
		    "torc.group");
		assert_string_equal(back->labels->labels[1]->value, group);
	}
	return back;
}

static void
check_args(const Mesos__V1__TaskInfo *ti, const char *const *want)
{
	size_t n = 0;

	while (want[n] != NULL)
		n++;
	assert_int_equal(ti->command->n_arguments, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(ti->command->arguments[i], want[i]);
}

static void
check_host_network(const Mesos__V1__TaskInfo *ti)
{
	assert_int_equal(ti->container->docker->network,
	    MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__HOST);
	assert_int_equal(ti->container->n_network_infos, 0);
}

/* dns, vector: host network, arguments, nothing else. */
static void
test_demo_host_services(void **state)
{
	struct mesos_volume v[8];
	Mesos__V1__TaskInfo *ti;
	static const char *const dns_args[] = { "-bind=10.0.0.1", NULL };
	static const char *const vector_args[] = { "-p", "9091", NULL };
	static const char *const dc_args[] = { "-influxdb_name=torc", NULL };
	static const char *const none[] = { NULL };

	(void)state;
	ti = demo_taskinfo("dns", v);
	check_host_network(ti);
	check_args(ti, dns_args);
	assert_int_equal(ti->container->docker->n_parameters, 0);
	assert_int_equal(ti->container->n_volumes, 0);
	assert_true(ti->resources[0]->scalar->value == 0.2);
	assert_true(ti->resources[1]->scalar->value == 128.0);
	mesos__v1__task_info__free_unpacked(ti, NULL);

	ti = demo_taskinfo("vector", v);
	check_host_network(ti);
	check_args(ti, vector_args);
	mesos__v1__task_info__free_unpacked(ti, NULL);

	ti = demo_taskinfo("influxdb", v);
	check_host_network(ti);
	check_args(ti, none);
	assert_true(ti->resources[1]->scalar->value == 1024.0);
	mesos__v1__task_info__free_unpacked(ti, NULL);

	ti = demo_taskinfo("datacollector", v);
	check_host_network(ti);
	check_args(ti, dc_args);
	assert_true(ti->resources[1]->scalar->value == 40.0);
	mesos__v1__task_info__free_unpacked(ti, NULL);
}

/* pcp: privileged, --ipc=host, six volumes RO and RW. */
static void
test_demo_pcp(void **state)
{
	struct mesos_volume v[8];
	Mesos__V1__TaskInfo *ti;
	static const struct {
		const char *path;
		int mode;
	} want[] = {
		{ "/sys", MESOS__V1__VOLUME__MODE__RO },
		{ "/etc/localtime", MESOS__V1__VOLUME__MODE__RO },
		{ "/var/lib/docker", MESOS__V1__VOLUME__MODE__RO },
		{ "/run", MESOS__V1__VOLUME__MODE__RW },
		{ "/var/log", MESOS__V1__VOLUME__MODE__RW },
		{ "/dev/log", MESOS__V1__VOLUME__MODE__RW },
	};

	(void)state;
	ti = demo_taskinfo("pcp", v);
	check_host_network(ti);
	assert_true(ti->container->docker->privileged);
	assert_int_equal(ti->container->docker->n_parameters, 1);
	assert_string_equal(ti->container->docker->parameters[0]->key, "ipc");
	assert_string_equal(ti->container->docker->parameters[0]->value,
	    "host");
	assert_int_equal(ti->container->n_volumes, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(ti->container->volumes[i]->host_path,
		    want[i].path);
		assert_string_equal(ti->container->volumes[i]->container_path,
		    want[i].path);
		assert_int_equal(ti->container->volumes[i]->mode, want[i].mode);
	}
	mesos__v1__task_info__free_unpacked(ti, NULL);
}

/* The group services: a host one and one on the torc network. */
static void
test_demo_group_services(void **state)
{
	struct mesos_volume v[8];
	Mesos__V1__TaskInfo *ti;
	static const char *const sched_args[] = { "--master", "10.0.0.1",
	    "--config", "config.yml", NULL };

	(void)state;
	ti = demo_taskinfo("torc-dns-scheduler", v);
	check_host_network(ti);
	check_args(ti, sched_args);
	mesos__v1__task_info__free_unpacked(ti, NULL);

	ti = demo_taskinfo("dns-sl1", v);
	assert_int_equal(ti->container->docker->network,
	    MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__USER);
	assert_int_equal(ti->container->n_network_infos, 1);
	assert_string_equal(ti->container->network_infos[0]->name, "torc");
	assert_int_equal(ti->container->docker->n_parameters, 0);
	mesos__v1__task_info__free_unpacked(ti, NULL);
}

static const struct mesos_task_spec base_spec = {
	.task_id = "svc.1",
	.name = "svc",
	.agent_id = "S1",
	.image = "busybox",
	.cpus = 0.5,
	.mem = 64,
};

static int
net_of(const char *network_type, char *name, size_t namelen)
{
	struct mesos_task_spec sp = base_spec;
	Mesos__V1__TaskInfo *ti;
	char err[256];
	int net;

	sp.network_type = network_type;
	ti = sched_taskinfo_build(&sp, err, sizeof(err));
	assert_non_null(ti);
	net = ti->container->docker->network;
	name[0] = '\0';
	if (ti->container->n_network_infos > 0)
		snprintf(name, namelen, "%s",
		    ti->container->network_infos[0]->name);
	sched_taskinfo_free(ti);
	return net;
}

static void
test_networks(void **state)
{
	char name[64];

	(void)state;
	assert_int_equal(net_of(NULL, name, sizeof(name)),
	    MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__HOST);
	assert_int_equal(net_of("", name, sizeof(name)),
	    MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__HOST);
	assert_int_equal(net_of("host", name, sizeof(name)),
	    MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__HOST);
	assert_string_equal(name, "");
	assert_int_equal(net_of("none", name, sizeof(name)),
	    MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__NONE);
	assert_string_equal(name, "");
	assert_int_equal(net_of("bridge", name, sizeof(name)),
	    MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__BRIDGE);
	assert_string_equal(name, "");
	assert_int_equal(net_of("torc", name, sizeof(name)),
	    MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__USER);
	assert_string_equal(name, "torc");
	assert_int_equal(net_of("calico-net_2.x", name, sizeof(name)),
	    MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__USER);
	assert_string_equal(name, "calico-net_2.x");
}

struct bad_case {
	const char *what;
	struct mesos_task_spec sp;
	const char *err;
};

static const struct mesos_volume rel_vol = { "/a", "rel", false };
static const struct mesos_volume empty_vol = { "", "/b", true };

static void
test_invalid_specs(void **state)
{
	struct bad_case cases[] = {
		{ "no task id", base_spec, "not a valid Mesos id" },
		{ "slash in id", base_spec, "not a valid Mesos id" },
		{ "dot id", base_spec, "not a valid Mesos id" },
		{ "no name", base_spec, "no name" },
		{ "no agent", base_spec, "agent id" },
		{ "no image", base_spec, "no image" },
		{ "zero cpus", base_spec, "cpus must be positive" },
		{ "nan mem", base_spec, "mem must be positive" },
		{ "bad network", base_spec, "not a docker network name" },
		{ "relative volume", base_spec, "not absolute" },
		{ "empty volume", base_spec, "needs a host and a container" },
		{ "bad parameters", base_spec, "svc.1: parameters: flag --rm" },
		{ "bad arguments", base_spec, "svc.1: arguments: unterminated" },
	};
	char longid[300];

	(void)state;
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	cases[0].sp.task_id = longid;
	cases[1].sp.task_id = "a/b";
	cases[2].sp.task_id = "..";
	cases[3].sp.name = "";
	cases[4].sp.agent_id = NULL;
	cases[5].sp.image = NULL;
	cases[6].sp.cpus = 0;
	cases[7].sp.mem = 0.0 / 0.0;
	cases[8].sp.network_type = "my net";
	cases[9].sp.volumes = &rel_vol;
	cases[9].sp.n_volumes = 1;
	cases[10].sp.volumes = &empty_vol;
	cases[10].sp.n_volumes = 1;
	cases[11].sp.parameters = "--rm";
	cases[12].sp.arguments = "\"x";
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "";

		if (sched_taskinfo_build(&cases[i].sp, err, sizeof(err)) !=
		    NULL)
			fail_msg("%s: accepted", cases[i].what);
		if (strstr(err, cases[i].err) == NULL)
			fail_msg("%s: error '%s' lacks '%s'", cases[i].what,
			    err, cases[i].err);
		assert_int_equal(sched_taskinfo_check(&cases[i].sp, err,
		    sizeof(err)), -1);
	}
	sched_taskinfo_free(NULL);
}

/* Nothing in the tree points into the spec. */
static void
test_owns_its_strings(void **state)
{
	struct mesos_task_spec sp = base_spec;
	char params[] = "--label=a=b", args[] = "x 'y z'", img[] = "img";
	struct mesos_volume v = { NULL, NULL, true };
	char hp[] = "/h", cp[] = "/c";
	Mesos__V1__TaskInfo *ti;
	char err[256];

	(void)state;
	v.host_path = hp;
	v.container_path = cp;
	sp.parameters = params;
	sp.arguments = args;
	sp.image = img;
	sp.volumes = &v;
	sp.n_volumes = 1;
	ti = sched_taskinfo_build(&sp, err, sizeof(err));
	assert_non_null(ti);
	memset(params, 'Z', sizeof(params) - 1);
	memset(args, 'Z', sizeof(args) - 1);
	memset(img, 'Z', sizeof(img) - 1);
	hp[1] = cp[1] = 'Z';
	assert_string_equal(ti->container->docker->parameters[0]->value,
	    "a=b");
	assert_string_equal(ti->command->arguments[1], "y z");
	assert_string_equal(ti->container->docker->image, "img");
	assert_string_equal(ti->container->volumes[0]->host_path, "/h");
	assert_int_equal(ti->container->volumes[0]->mode,
	    MESOS__V1__VOLUME__MODE__RO);
	sched_taskinfo_free(ti);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_table),
		cmocka_unit_test(test_params_table),
		cmocka_unit_test(test_demo_host_services),
		cmocka_unit_test(test_demo_pcp),
		cmocka_unit_test(test_demo_group_services),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_invalid_specs),
		cmocka_unit_test(test_owns_its_strings),
	};

	return cmocka_run_group_tests_name("sched_taskinfo", tests,
	    load_demo, free_demo);
}
