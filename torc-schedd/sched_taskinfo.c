/*
 * sched_taskinfo.c - builds the Mesos v1 TaskInfo of one service launch
 * (Docker containerizer) and parses the two free-text fields of a
 * service definition: docker flags and the command's arguments.
 *
 * Pure: no I/O, no logging.  The tree returned by sched_taskinfo_build()
 * is plain malloc'ed protobuf-c, freed with protobuf-c's free_unpacked.
 */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_mesos_wire.h"
#include "sched_taskinfo.h"
#include "util.h"

/*
 * The TaskInfo (reference "Mesos v1 scheduler API" §2.1 LAUNCH, §3.5):
 *
 *  - task_id is the core's "<service>.<uuid>" (never reused), name is the
 *    service name, agent_id the agent of the offers being accepted.  IDs
 *    follow the master's rules: 1-255 bytes, no '/', '\', control
 *    characters, not "." or "..".
 *  - resources: "cpus" and "mem" (MB), SCALAR, role "*".  Both must be
 *    positive and finite.
 *  - command: CommandInfo with shell = false and no value; the words of
 *    `arguments` go to the image's ENTRYPOINT (split as a POSIX shell
 *    would, see sched_args_split).  A task always carries a CommandInfo:
 *    the master requires exactly one of command or executor.
 *  - container: ContainerInfo DOCKER with the image, `privileged`, the
 *    docker flags of `parameters`, and the volumes (RO when read_only,
 *    else RW; both paths required, the container path absolute).
 *    Network: "host" (or empty) -> HOST, "none" -> NONE, "bridge" ->
 *    BRIDGE, any other name (e.g. "torc") -> USER with
 *    network_infos[0].name = that name, which the docker executor turns
 *    into `--net <name>`.  A --net/--network flag in `parameters` would
 *    silently override this, so it is refused: set network_type instead.
 *  - labels: torc.service = the service, torc.group = its group (when
 *    the service belongs to one).
 */

static bool
ti_empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* Docker network names: [A-Za-z0-9][A-Za-z0-9_.-]*. */
static bool
ti_netname_valid(const char *s)
{
	if (!isalnum((unsigned char)s[0]))
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' &&
		    *p != '-')
			return false;
	return true;
}

/* ---- arguments: words as a POSIX shell splits them ------------------- */

/*
 * The rules of sched_args_split(), a subset of POSIX sh token
 * recognition (XCU 2.2-2.3) without any expansion:
 *
 *  - blanks (space, tab, newline) separate words; runs of blanks count
 *    once and leading/trailing blanks are ignored;
 *  - '...' keeps everything up to the next ' literally;
 *  - "..." keeps everything literally except that a backslash escapes
 *    \, ", $, ` and newline;
 *  - a backslash outside quotes makes the next character literal; a
 *    backslash-newline is removed;
 *  - quoted parts join the word they touch: a"b c"'d' is one word, and
 *    "" alone is one empty word;
 *  - unterminated quotes and a trailing backslash are errors;
 *  - unquoted | ; & < > ( ) ` are errors: nothing runs a shell
 *    (CommandInfo.shell is false), so an operator would reach the
 *    program as a plain word.  Quote it to mean it literally.
 *    $ is kept as is ($MASTER_IP is resolved when the config is read).
 */

struct ti_words {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

static void
ti_words_push(struct ti_words *w, const char *s, size_t len)
{
	char *word;

	if (w->n + 2 > w->cap) {
		w->cap = w->cap ? w->cap * 2 : 8;
		w->v = xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	word = xmalloc(len + 1);
	memcpy(word, s, len);
	word[len] = '\0';
	w->v[w->n++] = word;
	w->v[w->n] = NULL;
}

void
sched_args_free(char **argv)
{
	if (argv == NULL)
		return;
	for (char **p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

int
sched_args_split(const char *s, char ***out, size_t *n, char *err,
    size_t errlen)
{
	struct ti_words w = { NULL, 0, 0 };
	const char *p;
	char *buf;
	size_t len = 0;
	bool inword = false;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		s = "";
	/* A word is never longer than the input. */
	buf = xmalloc(strlen(s) + 1);
	for (p = s; *p != '\0'; p++) {
		char ch = *p;

		switch (ch) {
		case ' ':
		case '\t':
		case '\n':
			if (inword)
				ti_words_push(&w, buf, len);
			inword = false;
			len = 0;
			continue;
		case '\\':
			if (p[1] == '\0') {
				snprintf(err, errlen, "trailing backslash");
				goto fail;
			}
			p++;
			if (*p == '\n')
				continue;
			buf[len++] = *p;
			inword = true;
			continue;
		case '\'': {
			const char *q = strchr(p + 1, '\'');

			if (q == NULL) {
				snprintf(err, errlen, "unterminated single "
				    "quote at offset %zu", (size_t)(p - s));
				goto fail;
			}
			memcpy(buf + len, p + 1, (size_t)(q - p - 1));
			len += (size_t)(q - p - 1);
			p = q;
			inword = true;
			continue;
		}
		case '"': {
			const char *start = p;

			for (p++; *p != '"'; p++) {
				if (*p == '\0') {
					snprintf(err, errlen, "unterminated "
					    "double quote at offset %zu",
					    (size_t)(start - s));
					goto fail;
				}
				if (*p == '\\' && p[1] != '\0' &&
				    strchr("\\\"$`\n", p[1]) != NULL) {
					p++;
					if (*p == '\n')
						continue;
				}
				buf[len++] = *p;
			}
			inword = true;
			continue;
		}
		case '|':
		case ';':
		case '&':
		case '<':
		case '>':
		case '(':
		case ')':
		case '`':
			snprintf(err, errlen, "unquoted '%c' at offset %zu: "
			    "arguments are not run by a shell; quote it to "
			    "pass it literally", ch, (size_t)(p - s));
			goto fail;
		default:
			if ((unsigned char)ch < 0x20 || ch == 0x7f) {
				snprintf(err, errlen, "control character "
				    "0x%02x at offset %zu", (unsigned char)ch,
				    (size_t)(p - s));
				goto fail;
			}
			buf[len++] = ch;
			inword = true;
			continue;
		}
	}
	if (inword)
		ti_words_push(&w, buf, len);
	free(buf);
	if (w.v == NULL)
		w.v = xcalloc(1, sizeof(*w.v));
	*out = w.v;
	*n = w.n;
	return 0;
fail:
	free(buf);
	sched_args_free(w.v);
	return -1;
}

/* ---- parameters: docker flags ---------------------------------------- */

/*
 * The rules of sched_params_parse().  The text is first split into words
 * exactly as `arguments` is (so quotes work: --label="a b"), then read
 * as a list of long docker flags, each becoming one DockerInfo parameter
 * (key without the dashes), in order; a key may repeat (--cap-add twice):
 *
 *  - "--key=value": the value is everything after the first '=', and may
 *    itself contain '=' and '-' (--label=a=b, --add-host=a-b:10.0.0.1);
 *  - "--key value": the next word is the value, unless it starts with
 *    "--" (then it is the next flag: write --key=--x for such values);
 *    "--key=" and --key "" give an empty value;
 *  - a flag without a value (--init at the end, or followed by another
 *    flag) is an error, not a guess: Mesos passes every parameter to
 *    docker as --key=value, so a boolean flag must be written
 *    --init=true;
 *  - keys are [A-Za-z0-9][A-Za-z0-9._-]*;
 *  - short flags (-e, -v) are refused: Mesos would pass them as --e=...,
 *    which docker does not know; use the long names (--env, --volume);
 *  - a word that is not a flag where a flag is expected is an error;
 *  - --net and --network are refused: network_type says the network.
 */

void
sched_params_free(struct sched_param *p, size_t n)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(p[i].key);
		free(p[i].value);
	}
	free(p);
}

static bool
ti_key_valid(const char *k, size_t len)
{
	if (len == 0 || !isalnum((unsigned char)k[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)k[i]) && k[i] != '-' &&
		    k[i] != '_' && k[i] != '.')
			return false;
	return true;
}

int
sched_params_parse(const char *s, struct sched_param **out, size_t *n,
    char *err, size_t errlen)
{
	struct sched_param *pv = NULL;
	char **w = NULL, e[256];
	size_t nw = 0, np = 0;

	*out = NULL;
	*n = 0;
	if (sched_args_split(s, &w, &nw, e, sizeof(e)) != 0) {
		snprintf(err, errlen, "parameters: %s", e);
		return -1;
	}
	if (nw > 0)
		pv = xcalloc(nw, sizeof(*pv));
	for (size_t i = 0; i < nw; i++) {
		const char *t = w[i], *key, *eq, *value;
		size_t klen;

		if (t[0] != '-') {
			snprintf(err, errlen, "parameters: unexpected '%s': "
			    "expected a docker flag (--key=value or --key "
			    "value)", t);
			goto fail;
		}
		if (t[1] != '-') {
			snprintf(err, errlen, "parameters: short flag '%s': "
			    "use the long form (e.g. --env, --volume)", t);
			goto fail;
		}
		key = t + 2;
		eq = strchr(key, '=');
		klen = eq != NULL ? (size_t)(eq - key) : strlen(key);
		if (!ti_key_valid(key, klen)) {
			snprintf(err, errlen, "parameters: bad flag name in "
			    "'%s'", t);
			goto fail;
		}
		if (eq != NULL)
			value = eq + 1;
		else if (i + 1 < nw && strncmp(w[i + 1], "--", 2) != 0)
			value = w[++i];
		else {
			snprintf(err, errlen, "parameters: flag --%.*s has no "
			    "value (write --%.*s=true for a boolean flag)",
			    (int)klen, key, (int)klen, key);
			goto fail;
		}
		if ((klen == 3 && strncmp(key, "net", 3) == 0) ||
		    (klen == 7 && strncmp(key, "network", 7) == 0)) {
			snprintf(err, errlen, "parameters: --%.*s is not "
			    "allowed: set network_type instead", (int)klen,
			    key);
			goto fail;
		}
		pv[np].key = xmalloc(klen + 1);
		memcpy(pv[np].key, key, klen);
		pv[np].key[klen] = '\0';
		pv[np].value = xstrdup(value);
		np++;
	}
	sched_args_free(w);
	*out = pv;
	*n = np;
	return 0;
fail:
	sched_args_free(w);
	sched_params_free(pv, np);
	return -1;
}

/* ---- the TaskInfo ---------------------------------------------------- */

static Mesos__V1__Resource *
ti_scalar(const char *name, double v)
{
	Mesos__V1__Resource *r = xcalloc(1, sizeof(*r));

	mesos__v1__resource__init(r);
	r->name = xstrdup(name);
	r->type = MESOS__V1__VALUE__TYPE__SCALAR;
	r->scalar = xcalloc(1, sizeof(*r->scalar));
	mesos__v1__value__scalar__init(r->scalar);
	r->scalar->value = v;
	r->role = xstrdup("*");
	return r;
}

static Mesos__V1__Label *
ti_label(const char *key, const char *value)
{
	Mesos__V1__Label *l = xcalloc(1, sizeof(*l));

	mesos__v1__label__init(l);
	l->key = xstrdup(key);
	l->value = xstrdup(value);
	return l;
}

/* Everything but the parsing: the checks on the plain fields. */
static int
ti_check_fields(const struct mesos_task_spec *sp, char *err, size_t errlen)
{
	if (!mesos_id_valid(sp->task_id)) {
		snprintf(err, errlen, "task id '%.64s' is not a valid Mesos "
		    "id", sp->task_id != NULL ? sp->task_id : "");
		return -1;
	}
	if (ti_empty(sp->name)) {
		snprintf(err, errlen, "%s: no name", sp->task_id);
		return -1;
	}
	if (!mesos_id_valid(sp->agent_id)) {
		snprintf(err, errlen, "%s: agent id '%.64s' is not a valid "
		    "Mesos id", sp->task_id, sp->agent_id != NULL ?
		    sp->agent_id : "");
		return -1;
	}
	if (ti_empty(sp->image)) {
		snprintf(err, errlen, "%s: no image", sp->task_id);
		return -1;
	}
	if (!isfinite(sp->cpus) || sp->cpus <= 0) {
		snprintf(err, errlen, "%s: cpus must be positive",
		    sp->task_id);
		return -1;
	}
	if (!isfinite(sp->mem) || sp->mem <= 0) {
		snprintf(err, errlen, "%s: mem must be positive", sp->task_id);
		return -1;
	}
	if (!ti_empty(sp->network_type) &&
	    !ti_netname_valid(sp->network_type)) {
		snprintf(err, errlen, "%s: network_type '%s' is not a docker "
		    "network name", sp->task_id, sp->network_type);
		return -1;
	}
	if (sp->n_volumes > 0 && sp->volumes == NULL) {
		snprintf(err, errlen, "%s: volumes missing", sp->task_id);
		return -1;
	}
	for (size_t i = 0; i < sp->n_volumes; i++) {
		const struct mesos_volume *v = &sp->volumes[i];

		if (ti_empty(v->host_path) || ti_empty(v->container_path)) {
			snprintf(err, errlen, "%s: volume %zu needs a host "
			    "and a container path", sp->task_id, i + 1);
			return -1;
		}
		if (v->container_path[0] != '/') {
			snprintf(err, errlen, "%s: volume %zu: container path "
			    "'%s' is not absolute", sp->task_id, i + 1,
			    v->container_path);
			return -1;
		}
	}
	return 0;
}

int
sched_taskinfo_check(const struct mesos_task_spec *sp, char *err,
    size_t errlen)
{
	Mesos__V1__TaskInfo *ti = sched_taskinfo_build(sp, err, errlen);

	if (ti == NULL)
		return -1;
	sched_taskinfo_free(ti);
	return 0;
}

static Mesos__V1__CommandInfo *
ti_command(char **argv, size_t argc)
{
	Mesos__V1__CommandInfo *ci = xcalloc(1, sizeof(*ci));

	mesos__v1__command_info__init(ci);
	ci->has_shell = 1;
	ci->shell = 0;
	/* The vector is taken over: its words become the arguments. */
	if (argc > 0) {
		ci->arguments = argv;
		ci->n_arguments = argc;
	} else
		free(argv);
	return ci;
}

static Mesos__V1__ContainerInfo *
ti_container(const struct mesos_task_spec *sp, struct sched_param *pv,
    size_t np)
{
	Mesos__V1__ContainerInfo *ci = xcalloc(1, sizeof(*ci));
	Mesos__V1__ContainerInfo__DockerInfo *di = xcalloc(1, sizeof(*di));
	const char *net = ti_empty(sp->network_type) ? "host" :
	    sp->network_type;

	mesos__v1__container_info__init(ci);
	mesos__v1__container_info__docker_info__init(di);
	ci->type = MESOS__V1__CONTAINER_INFO__TYPE__DOCKER;
	ci->docker = di;
	di->image = xstrdup(sp->image);
	di->has_privileged = 1;
	di->privileged = sp->privileged;
	di->has_network = 1;
	if (strcmp(net, "host") == 0)
		di->network = MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__HOST;
	else if (strcmp(net, "none") == 0)
		di->network = MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__NONE;
	else if (strcmp(net, "bridge") == 0)
		di->network =
		    MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__BRIDGE;
	else {
		Mesos__V1__NetworkInfo *ni = xcalloc(1, sizeof(*ni));

		di->network = MESOS__V1__CONTAINER_INFO__DOCKER_INFO__NETWORK__USER;
		mesos__v1__network_info__init(ni);
		ni->name = xstrdup(net);
		ci->network_infos = xcalloc(1, sizeof(*ci->network_infos));
		ci->network_infos[0] = ni;
		ci->n_network_infos = 1;
	}
	if (np > 0) {
		di->parameters = xcalloc(np, sizeof(*di->parameters));
		for (size_t i = 0; i < np; i++) {
			Mesos__V1__Parameter *p = xcalloc(1, sizeof(*p));

			mesos__v1__parameter__init(p);
			/* Taken over from the parsed list. */
			p->key = pv[i].key;
			p->value = pv[i].value;
			pv[i].key = pv[i].value = NULL;
			di->parameters[i] = p;
		}
		di->n_parameters = np;
	}
	if (sp->n_volumes > 0) {
		ci->volumes = xcalloc(sp->n_volumes, sizeof(*ci->volumes));
		for (size_t i = 0; i < sp->n_volumes; i++) {
			const struct mesos_volume *v = &sp->volumes[i];
			Mesos__V1__Volume *mv = xcalloc(1, sizeof(*mv));

			mesos__v1__volume__init(mv);
			mv->host_path = xstrdup(v->host_path);
			mv->container_path = xstrdup(v->container_path);
			mv->mode = v->read_only ? MESOS__V1__VOLUME__MODE__RO :
			    MESOS__V1__VOLUME__MODE__RW;
			ci->volumes[i] = mv;
		}
		ci->n_volumes = sp->n_volumes;
	}
	return ci;
}

Mesos__V1__TaskInfo *
sched_taskinfo_build(const struct mesos_task_spec *sp, char *err,
    size_t errlen)
{
	Mesos__V1__TaskInfo *ti;
	struct sched_param *pv = NULL;
	char **argv = NULL, e[256];
	size_t np = 0, argc = 0, nl = 0;

	if (ti_check_fields(sp, err, errlen) != 0)
		return NULL;
	if (sched_params_parse(sp->parameters, &pv, &np, e, sizeof(e)) != 0) {
		snprintf(err, errlen, "%s: %s", sp->task_id, e);
		return NULL;
	}
	if (sched_args_split(sp->arguments, &argv, &argc, e, sizeof(e)) != 0) {
		snprintf(err, errlen, "%s: arguments: %s", sp->task_id, e);
		sched_params_free(pv, np);
		return NULL;
	}

	ti = xcalloc(1, sizeof(*ti));
	mesos__v1__task_info__init(ti);
	ti->name = xstrdup(sp->name);
	ti->task_id = xcalloc(1, sizeof(*ti->task_id));
	mesos__v1__task_id__init(ti->task_id);
	ti->task_id->value = xstrdup(sp->task_id);
	ti->agent_id = xcalloc(1, sizeof(*ti->agent_id));
	mesos__v1__agent_id__init(ti->agent_id);
	ti->agent_id->value = xstrdup(sp->agent_id);

	ti->resources = xcalloc(2, sizeof(*ti->resources));
	ti->resources[0] = ti_scalar("cpus", sp->cpus);
	ti->resources[1] = ti_scalar("mem", sp->mem);
	ti->n_resources = 2;

	ti->command = ti_command(argv, argc);
	ti->container = ti_container(sp, pv, np);
	sched_params_free(pv, np);

	ti->labels = xcalloc(1, sizeof(*ti->labels));
	mesos__v1__labels__init(ti->labels);
	ti->labels->labels = xcalloc(2, sizeof(*ti->labels->labels));
	ti->labels->labels[nl++] = ti_label(SCHED_TASKINFO_LABEL_SERVICE,
	    ti_empty(sp->label_service) ? sp->name : sp->label_service);
	if (!ti_empty(sp->label_group))
		ti->labels->labels[nl++] = ti_label(SCHED_TASKINFO_LABEL_GROUP,
		    sp->label_group);
	ti->labels->n_labels = nl;
	return ti;
}

void
sched_taskinfo_free(Mesos__V1__TaskInfo *ti)
{
	if (ti != NULL)
		protobuf_c_message_free_unpacked(&ti->base, NULL);
}
