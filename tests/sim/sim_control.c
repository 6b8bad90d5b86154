/*
 * sim_control.c - torc-sim's control API for tests: a JSON HTTP server on
 * --control-port that injects faults into and inspects the simulated
 * systems.  GET /health answers {"ok":true}; /mesos/<rest>,
 * /consul/<rest>, /switch/<rest> and /fboss/<rest> go to the parts'
 * control handlers with <rest> as their path; POST /reset resets every
 * part that has a reset.
 * Every answer is JSON; errors are {"error": "..."}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sim.h"
#include "sim_util.h"
#include "util.h"

static struct sim_httpd sim_control_http;

typedef json_t *(*sim_control_fn)(const char *, const char *, json_t *,
	    int *);

static const struct {
	const char	*name;
	const char	*prefix;
	sim_control_fn	 fn;
} sim_control_parts[] = {
	{ "mesos", "/mesos/", sim_mesos_control },
	{ "consul", "/consul/", sim_consul_control },
	{ "switch", "/switch/", sim_switch_control },
	{ "fboss", "/fboss/", sim_fboss_control },
};

static json_t *
sim_control_reset(int *status)
{
	json_t *r, *out = json_object();
	int st;
	size_t i;

	*status = 200;
	for (i = 0; i < nitems(sim_control_parts); i++) {
		st = 0;
		r = sim_control_parts[i].fn("reset", "POST", NULL, &st);
		/* A part without a reset answers 404/501: not an error. */
		if (st >= 500 && st != 501)
			*status = 500;
		json_object_set_new(out, sim_control_parts[i].name,
		    r != NULL ? r : json_null());
	}
	json_object_set_new(out, "ok", json_boolean(*status == 200));
	return out;
}

static void
sim_control_handle(void *arg, const struct sim_request *req,
    struct sim_reply *rep)
{
	json_t *r = NULL;
	size_t i, n;
	int status = 0;

	(void)arg;
	if (req->body_len > 0 && req->json == NULL) {
		sim_reply_json(rep, 400, json_pack("{s:s}", "error",
		    "request body is not JSON"));
		return;
	}
	if (strcmp(req->path, "/health") == 0) {
		sim_reply_json(rep, 200, json_pack("{s:b}", "ok", 1));
		return;
	}
	if (strcmp(req->path, "/reset") == 0) {
		if (strcmp(req->method, "POST") != 0)
			r = sim_ctl_error(&status, 405, "use POST");
		else
			r = sim_control_reset(&status);
		sim_reply_json(rep, (unsigned)status, r);
		return;
	}
	for (i = 0; i < nitems(sim_control_parts); i++) {
		n = strlen(sim_control_parts[i].prefix);
		if (strncmp(req->path, sim_control_parts[i].prefix, n) != 0)
			continue;
		r = sim_control_parts[i].fn(req->path + n, req->method,
		    req->json, &status);
		break;
	}
	if (i == nitems(sim_control_parts))
		r = sim_ctl_error(&status, 404, "no such control endpoint: "
		    "%s %s", req->method, req->path);
	if (r == NULL)
		r = json_null();
	if (status < 100 || status > 599)
		status = 500;
	log_debug("control: %s %s -> %d", req->method, req->path, status);
	sim_reply_json(rep, (unsigned)status, r);
}

int
sim_control_start(const struct sim_opts *o, char *err, size_t errlen)
{
	memset(&sim_control_http, 0, sizeof(sim_control_http));
	sim_control_http.name = "control";
	tstrlcpy(sim_control_http.bind_ip, o->bind_ip,
	    sizeof(sim_control_http.bind_ip));
	sim_control_http.port = o->control_port;
	sim_control_http.handler = sim_control_handle;
	sim_control_http.faults = false;
	return sim_httpd_start(&sim_control_http, err, errlen);
}

void
sim_control_stop(void)
{
	sim_httpd_stop(&sim_control_http);
}
