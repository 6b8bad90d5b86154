/*
 * test_util.c - address parsing (--master forms, host:port), IPv4
 * checks, string replacement, atomic files and directory creation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

static void
master_accepts_ip_hostport_and_url(void **state)
{
	static const struct {
		const char *in;
		const char *host;
		int port;
	} ok[] = {
		{ "10.0.0.1", "10.0.0.1", 5050 },
		{ "10.0.0.1:5051", "10.0.0.1", 5051 },
		{ "http://10.0.0.1:5050", "10.0.0.1", 5050 },
		{ "http://10.0.0.1:5050/", "10.0.0.1", 5050 },
		{ "http://master", "master", 5050 },
		{ "mesos-master.service.torc:5050",
		    "mesos-master.service.torc", 5050 },
	};
	static const char *const bad[] = {
		"", ":5050", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:65536",
		"10.0.0.1:50a", "https://10.0.0.1:5050", "zk://h:2181/mesos",
		"ho st:1",
	};
	char host[256], err[256];
	int port;

	(void)state;
	for (size_t i = 0; i < nitems(ok); i++) {
		assert_int_equal(cli_parse_master(ok[i].in, host, sizeof(host),
		    &port, err, sizeof(err)), 0);
		assert_string_equal(host, ok[i].host);
		assert_int_equal(port, ok[i].port);
	}
	for (size_t i = 0; i < nitems(bad); i++) {
		err[0] = '\0';
		assert_int_equal(cli_parse_master(bad[i], host, sizeof(host),
		    &port, err, sizeof(err)), -1);
		assert_true(strlen(err) > 0);
	}
}

static void
hostport_without_default_port_requires_one(void **state)
{
	char host[64], err[128];
	int port;

	(void)state;
	assert_int_equal(parse_hostport("0.0.0.0:3000", 0, host, sizeof(host),
	    &port, err, sizeof(err)), 0);
	assert_string_equal(host, "0.0.0.0");
	assert_int_equal(port, 3000);
	assert_int_equal(parse_hostport("0.0.0.0", 0, host, sizeof(host),
	    &port, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "host:port"));
}

static void
ipv4_check_is_strict(void **state)
{
	(void)state;
	assert_true(is_ipv4("10.250.3.20"));
	assert_true(is_ipv4("0.0.0.0"));
	assert_true(is_ipv4("255.255.255.255"));
	assert_false(is_ipv4("256.1.1.1"));
	assert_false(is_ipv4("1.2.3"));
	assert_false(is_ipv4("1.2.3.4.5"));
	assert_false(is_ipv4("1.2.3."));
	assert_false(is_ipv4("1..3.4"));
	assert_false(is_ipv4("a.b.c.d"));
	assert_false(is_ipv4("1.2.3.4 "));
	assert_false(is_ipv4("1234.1.1.1"));
	assert_false(is_ipv4(""));
}

static void
replace_all_replaces_every_occurrence(void **state)
{
	char *s;

	(void)state;
	s = str_replace_all("--master $MASTER_IP -b=$MASTER_IP", "$MASTER_IP",
	    "10.0.0.1");
	assert_string_equal(s, "--master 10.0.0.1 -b=10.0.0.1");
	free(s);
	s = str_replace_all("no placeholder", "$MASTER_IP", "x");
	assert_string_equal(s, "no placeholder");
	free(s);
	s = str_replace_all("$MASTER_IP", "$MASTER_IP", "");
	assert_string_equal(s, "");
	free(s);
}

static void
atomic_write_then_read_round_trips(void **state)
{
	char dir[] = "/tmp/torc-util-XXXXXX", path[600], sub[512], err[256];
	char *buf;
	size_t len;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/a/b/c", dir);
	assert_int_equal(mkdir_p(sub, 0700, err, sizeof(err)), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/state", sub);
	assert_int_equal(atomic_write_file(path, "one", 3, err, sizeof(err)), 0);
	assert_int_equal(atomic_write_file(path, "two!", 4, err, sizeof(err)), 0);
	assert_int_equal(read_file(path, 100, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 4);
	assert_string_equal(buf, "two!");
	free(buf);
	assert_int_equal(read_file(path, 3, &buf, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than"));
	unlink(path);
	assert_int_equal(read_file(path, 100, &buf, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/a", dir);
	rmdir(sub);
	rmdir(dir);
}

static void
strlcpy_truncates_and_terminates(void **state)
{
	char b[4];

	(void)state;
	assert_int_equal(tstrlcpy(b, "abcdef", sizeof(b)), 6);
	assert_string_equal(b, "abc");
	assert_int_equal(tstrlcpy(b, "ab", sizeof(b)), 2);
	assert_string_equal(b, "ab");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(master_accepts_ip_hostport_and_url),
		cmocka_unit_test(hostport_without_default_port_requires_one),
		cmocka_unit_test(ipv4_check_is_strict),
		cmocka_unit_test(replace_all_replaces_every_occurrence),
		cmocka_unit_test(atomic_write_then_read_round_trips),
		cmocka_unit_test(strlcpy_truncates_and_terminates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
