/*
 * cfg.c - the torc configuration loader: one YAML file, read with
 * libyaml's document API, checked against per-mapping key tables and
 * turned into one struct torc_config.  Every problem found is collected
 * as "FILE:LINE:COL: message"; nothing here logs or exits.
 */
#include "cfg.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "util.h"

#define CFG_MASTER_VAR		"$MASTER_IP"
#define CFG_MAX_FILE		(16u << 20)
/*
 * Aliases let a small file name one subtree many times.  The schema is
 * only a few levels deep, so the walk cannot recurse forever, but it
 * can be made very wide; past this many visited nodes we give up.
 */
#define CFG_MAX_VISITS		200000
/* Past this many errors the rest are noise; stop collecting. */
#define CFG_MAX_ERRORS		100
#define CFG_MAX_KEYS		32

/* One collected error, kept with its position so they sort by line. */
struct cfg_err {
	size_t	 line;
	size_t	 col;
	size_t	 seq;
	char	*msg;
};

/* A name with the position of its value, for duplicate checks. */
struct cfg_namepos {
	const char	*name;
	yaml_mark_t	 mark;
	size_t		 seq;
};

enum cfg_ref_kind {
	CFG_REF_NODE,
	CFG_REF_SERVICE,
};

/* A reference checked once the whole file has been read. */
struct cfg_ref {
	enum cfg_ref_kind	 kind;
	const char		*name;
	yaml_mark_t		 mark;
	const struct cfg_service *owner;
};

/* Loader state for one cfg_load_buffer() call. */
struct cfg_ld {
	const char		*file;
	const char		*master_ip;
	yaml_document_t		*doc;
	struct torc_config	*cfg;

	struct cfg_err		*errs;
	size_t			 n_errs;
	size_t			 cap_errs;
	bool			 too_many;

	size_t			 visits;
	bool			 over_budget;

	struct cfg_namepos	*svcs;		/* every service name */
	size_t			 n_svcs;
	size_t			 cap_svcs;
	struct cfg_ref		*refs;
	size_t			 n_refs;
	size_t			 cap_refs;
};

struct cfg_keydef;
typedef void cfg_key_fn(struct cfg_ld *, const struct cfg_keydef *,
    yaml_node_t *, void *);

#define KEY_REQUIRED	0x1

/*
 * One allowed key of one mapping.  Each mapping has a table of these
 * sorted by name (looked up with bsearch); a key not in the table is an
 * error.  fn stores the value into the object at offset off.
 */
struct cfg_keydef {
	const char	*name;
	cfg_key_fn	*fn;
	size_t		 off;
	unsigned	 flags;
};

/* Raw nodes of sections whose meaning depends on more than one key. */
struct cfg_agent_raw {
	yaml_node_t	*type;
	yaml_node_t	*connection;
	yaml_node_t	*transport;
};

struct cfg_conn_raw {
	yaml_node_t	*connection;
	yaml_node_t	*domain;
};

struct cfg_api_raw {
	yaml_node_t	*groups;
	yaml_node_t	*listen;
	yaml_node_t	*token;
};

struct cfg_hc_raw {
	yaml_node_t	*poll;
	yaml_node_t	*services;
};

/* ------------------------------------------------------------------ */
/* Errors */

static void
cfg_err_push(struct cfg_ld *ld, size_t line, size_t col, char *msg)
{
	if (ld->n_errs >= CFG_MAX_ERRORS) {
		ld->too_many = true;
		free(msg);
		return;
	}
	if (ld->n_errs == ld->cap_errs) {
		ld->cap_errs = ld->cap_errs ? ld->cap_errs * 2 : 8;
		ld->errs = xrealloc(ld->errs, ld->cap_errs * sizeof(*ld->errs));
	}
	ld->errs[ld->n_errs].line = line;
	ld->errs[ld->n_errs].col = col;
	ld->errs[ld->n_errs].seq = ld->n_errs;
	ld->errs[ld->n_errs].msg = msg;
	ld->n_errs++;
}

static void cfg_err_at(struct cfg_ld *, const yaml_mark_t *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* An error at a position in the file (libyaml marks are 0-based). */
static void
cfg_err_at(struct cfg_ld *ld, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL)
		abort();
	cfg_err_push(ld, m->line + 1, m->column + 1,
	    xasprintf("%s:%zu:%zu: %s", ld->file, m->line + 1,
	    m->column + 1, msg));
	free(msg);
}

static int
cfg_err_cmp(const void *a, const void *b)
{
	const struct cfg_err *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
cfg_errors_add(struct cfg_errors *errs, char *msg)
{
	errs->msgs = xrealloc(errs->msgs, (errs->n + 1) * sizeof(char *));
	errs->msgs[errs->n++] = msg;
}

/* Move the collected errors, in file order, to the caller's list. */
static void
cfg_err_flush(struct cfg_ld *ld, struct cfg_errors *errs)
{
	if (ld->n_errs > 1)
		qsort(ld->errs, ld->n_errs, sizeof(*ld->errs), cfg_err_cmp);
	for (size_t i = 0; i < ld->n_errs; i++)
		cfg_errors_add(errs, ld->errs[i].msg);
	if (ld->too_many)
		cfg_errors_add(errs, xasprintf("%s: more than %d errors, "
		    "the rest are not shown", ld->file, CFG_MAX_ERRORS));
	free(ld->errs);
	ld->errs = NULL;
	ld->n_errs = 0;
}

/* ------------------------------------------------------------------ */
/* Scalars */

static yaml_node_t *
cfg_node(struct cfg_ld *ld, int idx)
{
	return yaml_document_get_node(ld->doc, idx);
}

static const char *
cfg_sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* An untagged plain scalar that YAML reads as null: "", "~", "null". */
static bool
cfg_is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = cfg_sval(n);
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* "a mapping", "a list", or the scalar itself, for messages. */
static const char *
cfg_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return cfg_is_null(n) ? "nothing" : "a string";
	}
}

/*
 * A string value: any scalar (a plain 1024 is the string "1024"), but
 * not a mapping or a list, and no NUL bytes.  Returns NULL after
 * reporting the error.
 */
static const char *
cfg_string(struct cfg_ld *ld, const struct cfg_keydef *kd, yaml_node_t *v)
{
	if (v->type != YAML_SCALAR_NODE) {
		cfg_err_at(ld, &v->start_mark, "%s must be a string, got %s",
		    kd->name, cfg_kind(v));
		return NULL;
	}
	if (strlen(cfg_sval(v)) != v->data.scalar.length) {
		cfg_err_at(ld, &v->start_mark,
		    "%s must not contain a NUL character", kd->name);
		return NULL;
	}
	if (cfg_is_null(v))
		return "";
	return cfg_sval(v);
}

/*
 * Numbers are plain scalars in decimal notation, integer or real
 * ("1024" and "1024.0" alike); a quoted "1024" is a string.  No hex,
 * no inf/nan.
 */
static bool
cfg_parse_number(const yaml_node_t *v, double *out)
{
	const char *s, *p;
	char *end;
	bool digits = false;

	if (v->type != YAML_SCALAR_NODE ||
	    v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = p = cfg_sval(v);
	if (*p == '+' || *p == '-')
		p++;
	while (isdigit((unsigned char)*p)) {
		p++;
		digits = true;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			p++;
			digits = true;
		}
	}
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p != '\0')
		return false;
	*out = strtod(s, &end);
	return *end == '\0' && isfinite(*out);
}

/* What to quote after "got" in a message about a bad value. */
static const char *
cfg_got(const yaml_node_t *v, char *buf, size_t len)
{
	const char *s;
	size_t n;

	if (v->type != YAML_SCALAR_NODE)
		return cfg_kind(v);
	if (cfg_is_null(v))
		return "nothing";
	/*
	 * Long values are cut (on a UTF-8 character boundary): the
	 * position says where the rest is.
	 */
	s = cfg_sval(v);
	n = strlen(s);
	if (n > 60) {
		n = 60;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	snprintf(buf, len, "%s'%.*s%s'",
	    v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ?
	    "the quoted string " : "", (int)n, s, n < strlen(s) ? "..." : "");
	return buf;
}

/* Store a string into a char * field, replacing its default. */
static void
cfg_set_str(char **field, const char *s)
{
	free(*field);
	*field = xstrdup(s);
}

static char **
cfg_field_str(void *obj, size_t off)
{
	return (char **)(void *)((char *)obj + off);
}

/* ------------------------------------------------------------------ */
/* Mappings and lists */

static bool
cfg_visit(struct cfg_ld *ld, yaml_node_t *n)
{
	if (ld->over_budget)
		return false;
	if (++ld->visits > CFG_MAX_VISITS) {
		ld->over_budget = true;
		cfg_err_at(ld, &n->start_mark, "the document is too large "
		    "once its aliases are expanded (more than %d nodes)",
		    CFG_MAX_VISITS);
		return false;
	}
	return true;
}

static int
cfg_keydef_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct cfg_keydef *)elem)->name);
}

/* Edit distance of two short strings, for "did you mean". */
static size_t
cfg_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best;

			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/*
 * Report an unknown key, suggesting the closest allowed one (at most two
 * edits away).  Returns the index of the suggestion, or -1.
 */
static int
cfg_unknown_key(struct cfg_ld *ld, yaml_node_t *k, const char *name,
    const struct cfg_keydef *tab, size_t ntab, const char *what)
{
	size_t bestd = 3;
	int best = -1;

	for (size_t i = 0; i < ntab; i++) {
		size_t d = cfg_distance(name, tab[i].name);

		if (d < bestd) {
			bestd = d;
			best = (int)i;
		}
	}
	if (best >= 0)
		cfg_err_at(ld, &k->start_mark,
		    "unknown key '%s' in %s (did you mean '%s'?)", name, what,
		    tab[best].name);
	else
		cfg_err_at(ld, &k->start_mark, "unknown key '%s' in %s", name,
		    what);
	return best;
}

/*
 * Walk one mapping against its key table: every key must be a known,
 * non-repeated string; required keys must be present.  A null value
 * (an empty section) counts as an empty mapping when allow_null.
 * Returns false when the node is not a mapping at all.
 */
static bool
cfg_walk_map(struct cfg_ld *ld, yaml_node_t *map,
    const struct cfg_keydef *tab, size_t ntab, const char *what, void *obj,
    bool allow_null)
{
	yaml_mark_t first[CFG_MAX_KEYS];
	uint32_t seen = 0, suggested = 0;
	char buf[128];
	yaml_node_pair_t *p;

	if (ntab > CFG_MAX_KEYS)
		abort();	/* a key table outgrew the seen bitmask */
	if (!cfg_visit(ld, map))
		return false;
	if (allow_null && cfg_is_null(map))
		goto required;
	if (map->type != YAML_MAPPING_NODE) {
		cfg_err_at(ld, &map->start_mark,
		    "%s must be a mapping (key: value), got %s", what,
		    cfg_got(map, buf, sizeof(buf)));
		return false;
	}
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = cfg_node(ld, p->key);
		yaml_node_t *v = cfg_node(ld, p->value);
		const struct cfg_keydef *kd;
		const char *name;
		size_t i;

		if (k == NULL || v == NULL || !cfg_visit(ld, k))
			return true;
		if (k->type != YAML_SCALAR_NODE) {
			cfg_err_at(ld, &k->start_mark,
			    "keys in %s must be strings, got %s", what,
			    cfg_kind(k));
			continue;
		}
		name = cfg_sval(k);
		kd = bsearch(name, tab, ntab, sizeof(*tab), cfg_keydef_cmp);
		if (kd == NULL) {
			int sug = cfg_unknown_key(ld, k, name, tab, ntab, what);

			if (sug >= 0)
				suggested |= 1u << sug;
			continue;
		}
		i = (size_t)(kd - tab);
		if (seen & (1u << i)) {
			cfg_err_at(ld, &k->start_mark,
			    "duplicate key '%s' in %s (first at line %zu, "
			    "column %zu)", name, what, first[i].line + 1,
			    first[i].column + 1);
			continue;
		}
		seen |= 1u << i;
		first[i] = k->start_mark;
		kd->fn(ld, kd, v, obj);
	}
required:
	/* A misspelt required key is reported once, as the unknown key. */
	for (size_t i = 0; i < ntab; i++)
		if ((tab[i].flags & KEY_REQUIRED) &&
		    !((seen | suggested) & (1u << i)))
			cfg_err_at(ld, &map->start_mark,
			    "missing required key '%s' in %s", tab[i].name,
			    what);
	return true;
}

/*
 * Check that v is a list (null = empty when allow_null) and return its
 * item count, or -1 after reporting.
 */
static long
cfg_list(struct cfg_ld *ld, yaml_node_t *v, const char *name,
    bool allow_null)
{
	if (allow_null && cfg_is_null(v))
		return 0;
	char buf[128];

	if (v->type != YAML_SEQUENCE_NODE) {
		cfg_err_at(ld, &v->start_mark, "%s must be a list, got %s",
		    name, cfg_got(v, buf, sizeof(buf)));
		return -1;
	}
	return (long)(v->data.sequence.items.top -
	    v->data.sequence.items.start);
}

/* The value node of key name in a mapping, or NULL. */
static yaml_node_t *
cfg_map_get(struct cfg_ld *ld, yaml_node_t *map, const char *name)
{
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = cfg_node(ld, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp(cfg_sval(k), name) == 0)
			return cfg_node(ld, p->value);
	}
	return NULL;
}

static int
cfg_namepos_cmp(const void *a, const void *b)
{
	const struct cfg_namepos *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort v by name and report every repeated name at its later place. */
static void
cfg_check_dups(struct cfg_ld *ld, struct cfg_namepos *v, size_t n,
    const char *what)
{
	if (n < 2)
		return;
	qsort(v, n, sizeof(*v), cfg_namepos_cmp);
	for (size_t i = 1; i < n; i++) {
		size_t f = i - 1;

		if (strcmp(v[i].name, v[f].name) != 0)
			continue;
		while (f > 0 && strcmp(v[f - 1].name, v[i].name) == 0)
			f--;
		cfg_err_at(ld, &v[i].mark,
		    "duplicate %s name '%s' (first defined at line %zu, "
		    "column %zu)", what, v[i].name, v[f].mark.line + 1,
		    v[f].mark.column + 1);
	}
}

/* Record the name of an item (the value of its "name" key). */
static void
cfg_namepos_add(struct cfg_ld *ld, struct cfg_namepos **v, size_t *n,
    size_t *cap, yaml_node_t *map, const char *name)
{
	yaml_node_t *nv;

	if (*name == '\0' || (nv = cfg_map_get(ld, map, "name")) == NULL)
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[*n].name = name;
	(*v)[*n].mark = nv->start_mark;
	(*v)[*n].seq = *n;
	(*n)++;
}

static void
cfg_ref_add(struct cfg_ld *ld, enum cfg_ref_kind kind, const char *name,
    yaml_node_t *v, const struct cfg_service *owner)
{
	if (ld->n_refs == ld->cap_refs) {
		ld->cap_refs = ld->cap_refs ? ld->cap_refs * 2 : 16;
		ld->refs = xrealloc(ld->refs,
		    ld->cap_refs * sizeof(*ld->refs));
	}
	ld->refs[ld->n_refs].kind = kind;
	ld->refs[ld->n_refs].name = name;
	ld->refs[ld->n_refs].mark = v->start_mark;
	ld->refs[ld->n_refs].owner = owner;
	ld->n_refs++;
}

/* ------------------------------------------------------------------ */
/* Value handlers */

/*
 * Strings.  An absent, null or empty value keeps the default; for a
 * required key it is an error, since "required" means "must say
 * something".
 */
static void
cfg_h_str(struct cfg_ld *ld, const struct cfg_keydef *kd, yaml_node_t *v,
    void *obj)
{
	const char *s = cfg_string(ld, kd, v);

	if (s == NULL)
		return;
	if (*s == '\0') {
		if (kd->flags & KEY_REQUIRED)
			cfg_err_at(ld, &v->start_mark,
			    "%s must not be empty", kd->name);
		return;
	}
	cfg_set_str(cfg_field_str(obj, kd->off), s);
}

/* A string in which $MASTER_IP is replaced. */
static void
cfg_h_str_subst(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	const char *s = cfg_string(ld, kd, v);
	char **f = cfg_field_str(obj, kd->off);

	if (s == NULL || *s == '\0')
		return;
	free(*f);
	*f = str_replace_all(s, CFG_MASTER_VAR, ld->master_ip);
}

/* An IPv4 address after substitution; empty allowed unless required. */
static void
cfg_h_ipv4(struct cfg_ld *ld, const struct cfg_keydef *kd, yaml_node_t *v,
    void *obj)
{
	const char *s = cfg_string(ld, kd, v);
	char **f = cfg_field_str(obj, kd->off);
	char *ip;

	if (s == NULL)
		return;
	if (*s == '\0') {
		if (kd->flags & KEY_REQUIRED)
			cfg_err_at(ld, &v->start_mark,
			    "%s must not be empty", kd->name);
		return;
	}
	ip = str_replace_all(s, CFG_MASTER_VAR, ld->master_ip);
	if (!is_ipv4(ip)) {
		if (strcmp(ip, s) != 0)
			cfg_err_at(ld, &v->start_mark, "%s must be an IPv4 "
			    "address, got '%s' (from '%s')", kd->name, ip, s);
		else
			cfg_err_at(ld, &v->start_mark, "%s must be an IPv4 "
			    "address, got '%s'", kd->name, ip);
		free(ip);
		return;
	}
	free(*f);
	*f = ip;
}

/* An IPv4 address, no substitution (node management_ip). */
static void
cfg_h_ipv4_plain(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	const char *s = cfg_string(ld, kd, v);

	if (s == NULL || *s == '\0')
		return;
	if (!is_ipv4(s)) {
		cfg_err_at(ld, &v->start_mark,
		    "%s must be an IPv4 address, got '%s'", kd->name, s);
		return;
	}
	cfg_set_str(cfg_field_str(obj, kd->off), s);
}

/* Booleans: true/false/yes/no in any case, unquoted. */
static void
cfg_h_bool(struct cfg_ld *ld, const struct cfg_keydef *kd, yaml_node_t *v,
    void *obj)
{
	bool *f = (bool *)(void *)((char *)obj + kd->off);
	char buf[128];
	const char *s;

	if (cfg_is_null(v))
		return;
	if (v->type == YAML_SCALAR_NODE &&
	    v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		s = cfg_sval(v);
		if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0) {
			*f = true;
			return;
		}
		if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0) {
			*f = false;
			return;
		}
	}
	cfg_err_at(ld, &v->start_mark, "%s must be true or false "
	    "(or yes/no), got %s", kd->name, cfg_got(v, buf, sizeof(buf)));
}

/* Service memory in MB: (0, CFG_MAX_MEMORY_MB]. */
static void
cfg_h_memory(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	struct cfg_service *s = obj;
	char buf[128];
	double d;

	(void)kd;
	if (cfg_is_null(v))
		return;
	if (!cfg_parse_number(v, &d) || d <= 0 || d > CFG_MAX_MEMORY_MB) {
		cfg_err_at(ld, &v->start_mark, "memory must be a number "
		    "between 0 and %.0f (MB), got %s", CFG_MAX_MEMORY_MB,
		    cfg_got(v, buf, sizeof(buf)));
		return;
	}
	s->memory = d;
}

/* Service cpu share: (0, CFG_MAX_CPU]. */
static void
cfg_h_cpu(struct cfg_ld *ld, const struct cfg_keydef *kd, yaml_node_t *v,
    void *obj)
{
	struct cfg_service *s = obj;
	char buf[128];
	double d;

	(void)kd;
	if (cfg_is_null(v))
		return;
	if (!cfg_parse_number(v, &d) || d <= 0 || d > CFG_MAX_CPU) {
		cfg_err_at(ld, &v->start_mark, "cpu must be a number between "
		    "0 and %.0f, got %s", CFG_MAX_CPU,
		    cfg_got(v, buf, sizeof(buf)));
		return;
	}
	s->cpu = d;
}

/* A whole number (10 or 10.0) within [lo, hi], or -1 after reporting. */
static long
cfg_whole(struct cfg_ld *ld, const struct cfg_keydef *kd, yaml_node_t *v,
    long lo, long hi, const char *unit)
{
	char buf[128];
	double d;

	if (!cfg_parse_number(v, &d) || d != floor(d) || d < (double)lo ||
	    d > (double)hi) {
		cfg_err_at(ld, &v->start_mark, "%s must be a whole number%s "
		    "between %ld and %ld, got %s", kd->name, unit, lo, hi,
		    cfg_got(v, buf, sizeof(buf)));
		return -1;
	}
	return (long)d;
}

/* Polling intervals, timeouts and delays: whole seconds, 1..86400. */
static void
cfg_h_interval(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	int *f = (int *)(void *)((char *)obj + kd->off);
	long n;

	if (cfg_is_null(v))
		return;
	n = cfg_whole(ld, kd, v, 1, CFG_MAX_INTERVAL_S, " of seconds");
	if (n > 0)
		*f = (int)n;
}

/* The original's node port id: 0..65535, default 0. */
static void
cfg_h_port(struct cfg_ld *ld, const struct cfg_keydef *kd, yaml_node_t *v,
    void *obj)
{
	struct cfg_node *n = obj;
	long p;

	if (cfg_is_null(v))
		return;
	p = cfg_whole(ld, kd, v, 0, 65535, "");
	if (p >= 0)
		n->port = (int)p;
}

static void
cfg_h_node_type(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	struct cfg_node *n = obj;
	const char *s = cfg_string(ld, kd, v);

	if (s == NULL || *s == '\0')
		return;
	if (strcmp(s, "master") == 0)
		n->type = CFG_NODE_MASTER;
	else if (strcmp(s, "slave") == 0)
		n->type = CFG_NODE_SLAVE;
	else
		cfg_err_at(ld, &v->start_mark,
		    "node type must be master or slave, got '%s'", s);
}

static void
cfg_h_sla(struct cfg_ld *ld, const struct cfg_keydef *kd, yaml_node_t *v,
    void *obj)
{
	struct cfg_service *svc = obj;
	const char *s = cfg_string(ld, kd, v);

	if (s == NULL || *s == '\0')
		return;
	if (strcmp(s, "singleton_each_node") == 0)
		svc->sla = CFG_SLA_SINGLETON_EACH_NODE;
	else if (strcmp(s, "singleton_each_slave") == 0)
		svc->sla = CFG_SLA_SINGLETON_EACH_SLAVE;
	else
		cfg_err_at(ld, &v->start_mark, "unknown sla '%s' (expected "
		    "singleton_each_node or singleton_each_slave)", s);
}

/* node_name: a string that must name a configured node (checked later). */
static void
cfg_h_node_ref(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	struct cfg_service *svc = obj;

	cfg_h_str(ld, kd, v, obj);
	if (v->type == YAML_SCALAR_NODE && *svc->node_name != '\0')
		cfg_ref_add(ld, CFG_REF_NODE, svc->node_name, v, svc);
}

/* dependent_service: must name a defined service (checked later). */
static void
cfg_h_svc_ref(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	struct cfg_service *svc = obj;

	cfg_h_str(ld, kd, v, obj);
	if (v->type == YAML_SCALAR_NODE && *svc->dependent_service != '\0')
		cfg_ref_add(ld, CFG_REF_SERVICE, svc->dependent_service, v,
		    svc);
}

/* Keep the raw node for a section whose keys are checked together. */
static void
cfg_h_raw(struct cfg_ld *ld, const struct cfg_keydef *kd, yaml_node_t *v,
    void *obj)
{
	(void)ld;
	*(yaml_node_t **)(void *)((char *)obj + kd->off) = v;
}

/* ------------------------------------------------------------------ */
/* Volumes and services */

static const struct cfg_keydef cfg_volume_keys[] = {
	{ "container_path", cfg_h_str,
	    offsetof(struct cfg_volume, container_path), KEY_REQUIRED },
	{ "host_path", cfg_h_str,
	    offsetof(struct cfg_volume, host_path), KEY_REQUIRED },
	{ "read_only_mode", cfg_h_bool,
	    offsetof(struct cfg_volume, read_only), 0 },
};

static void
cfg_h_volumes(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	struct cfg_service *svc = obj;
	long n = cfg_list(ld, v, kd->name, true);

	if (n <= 0)
		return;
	svc->volumes = xcalloc((size_t)n, sizeof(*svc->volumes));
	for (long i = 0; i < n; i++) {
		yaml_node_t *it = cfg_node(ld, v->data.sequence.items.start[i]);
		struct cfg_volume *vol = &svc->volumes[svc->n_volumes];

		if (it == NULL)
			continue;
		vol->host_path = xstrdup("");
		vol->container_path = xstrdup("");
		svc->n_volumes++;
		cfg_walk_map(ld, it, cfg_volume_keys, nitems(cfg_volume_keys),
		    "volume", vol, false);
	}
}

static const struct cfg_keydef cfg_service_keys[] = {
	{ "arguments", cfg_h_str_subst,
	    offsetof(struct cfg_service, arguments), 0 },
	{ "cpu", cfg_h_cpu, 0, 0 },
	{ "dependent_service", cfg_h_svc_ref,
	    offsetof(struct cfg_service, dependent_service), 0 },
	{ "image_name", cfg_h_str,
	    offsetof(struct cfg_service, image_name), KEY_REQUIRED },
	{ "is_job", cfg_h_bool, offsetof(struct cfg_service, is_job), 0 },
	{ "is_metered", cfg_h_bool,
	    offsetof(struct cfg_service, is_metered), 0 },
	{ "memory", cfg_h_memory, 0, 0 },
	{ "name", cfg_h_str, offsetof(struct cfg_service, name),
	    KEY_REQUIRED },
	{ "network_type", cfg_h_str,
	    offsetof(struct cfg_service, network_type), 0 },
	{ "node_function", cfg_h_str,
	    offsetof(struct cfg_service, node_function), 0 },
	{ "node_name", cfg_h_node_ref,
	    offsetof(struct cfg_service, node_name), 0 },
	{ "node_type", cfg_h_str, offsetof(struct cfg_service, node_type), 0 },
	{ "parameters", cfg_h_str_subst,
	    offsetof(struct cfg_service, parameters), 0 },
	{ "privileged", cfg_h_bool,
	    offsetof(struct cfg_service, privileged), 0 },
	{ "sla", cfg_h_sla, 0, 0 },
	{ "volumes", cfg_h_volumes, 0, 0 },
};

static void
cfg_service_init(struct cfg_service *s, const yaml_node_t *n)
{
	memset(s, 0, sizeof(*s));
	s->name = xstrdup("");
	s->image_name = xstrdup("");
	s->node_name = xstrdup("");
	s->node_type = xstrdup("");
	s->node_function = xstrdup("");
	s->dependent_service = xstrdup("");
	s->arguments = xstrdup("");
	s->parameters = xstrdup("");
	s->network_type = xstrdup(CFG_DEFAULT_NETWORK_TYPE);
	s->memory = CFG_DEFAULT_MEMORY;
	s->cpu = CFG_DEFAULT_CPU;
	s->sla = CFG_SLA_NONE;
	s->line = n->start_mark.line + 1;
	s->col = n->start_mark.column + 1;
}

/* A list of service definitions (system services or a group's). */
static void
cfg_services(struct cfg_ld *ld, yaml_node_t *v, const char *name,
    bool allow_null, struct cfg_service **out, size_t *nout)
{
	long n = cfg_list(ld, v, name, allow_null);

	if (n <= 0)
		return;
	*out = xcalloc((size_t)n, sizeof(**out));
	for (long i = 0; i < n; i++) {
		yaml_node_t *it = cfg_node(ld, v->data.sequence.items.start[i]);
		struct cfg_service *s = &(*out)[*nout];

		if (it == NULL || ld->over_budget)
			continue;
		cfg_service_init(s, it);
		(*nout)++;
		if (cfg_walk_map(ld, it, cfg_service_keys,
		    nitems(cfg_service_keys), "service definition", s, false))
			cfg_namepos_add(ld, &ld->svcs, &ld->n_svcs,
			    &ld->cap_svcs, it, s->name);
	}
}

/* ------------------------------------------------------------------ */
/* Nodes and DNS addons */

static const struct cfg_keydef cfg_node_keys[] = {
	{ "external_ip", cfg_h_ipv4,
	    offsetof(struct cfg_node, external_ip), 0 },
	{ "ip", cfg_h_ipv4, offsetof(struct cfg_node, ip), KEY_REQUIRED },
	{ "management_ip", cfg_h_ipv4_plain,
	    offsetof(struct cfg_node, management_ip), 0 },
	{ "name", cfg_h_str, offsetof(struct cfg_node, name), KEY_REQUIRED },
	{ "port", cfg_h_port, 0, 0 },
	{ "type", cfg_h_node_type, 0, 0 },
};

static void
cfg_h_nodes(struct cfg_ld *ld, const struct cfg_keydef *kd, yaml_node_t *v,
    void *obj)
{
	struct torc_config *cfg = obj;
	struct cfg_namepos *names = NULL;
	size_t nn = 0, cap = 0;
	long n = cfg_list(ld, v, kd->name, false);

	if (n < 0)
		return;
	if (n == 0) {
		cfg_err_at(ld, &v->start_mark,
		    "nodes must list at least one node");
		return;
	}
	cfg->nodes = xcalloc((size_t)n, sizeof(*cfg->nodes));
	for (long i = 0; i < n; i++) {
		yaml_node_t *it = cfg_node(ld, v->data.sequence.items.start[i]);
		struct cfg_node *nd = &cfg->nodes[cfg->n_nodes];

		if (it == NULL || ld->over_budget)
			continue;
		nd->name = xstrdup("");
		nd->ip = xstrdup("");
		nd->external_ip = xstrdup("");
		nd->management_ip = xstrdup("");
		nd->type = CFG_NODE_SLAVE;
		cfg->n_nodes++;
		if (cfg_walk_map(ld, it, cfg_node_keys, nitems(cfg_node_keys),
		    "node", nd, false))
			cfg_namepos_add(ld, &names, &nn, &cap, it, nd->name);
	}
	cfg_check_dups(ld, names, nn, "node");
	free(names);
}

static const struct cfg_keydef cfg_addon_keys[] = {
	{ "ip", cfg_h_ipv4, offsetof(struct cfg_dns_addon, ip), KEY_REQUIRED },
	{ "name", cfg_h_str, offsetof(struct cfg_dns_addon, name),
	    KEY_REQUIRED },
};

static void
cfg_h_addons(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	struct torc_config *cfg = obj;
	struct cfg_namepos *names = NULL;
	size_t nn = 0, cap = 0;
	long n = cfg_list(ld, v, kd->name, true);

	if (n <= 0)
		return;
	cfg->dns_addons = xcalloc((size_t)n, sizeof(*cfg->dns_addons));
	for (long i = 0; i < n; i++) {
		yaml_node_t *it = cfg_node(ld, v->data.sequence.items.start[i]);
		struct cfg_dns_addon *a = &cfg->dns_addons[cfg->n_dns_addons];

		if (it == NULL || ld->over_budget)
			continue;
		a->name = xstrdup("");
		a->ip = xstrdup("");
		cfg->n_dns_addons++;
		if (cfg_walk_map(ld, it, cfg_addon_keys,
		    nitems(cfg_addon_keys), "dns-addon", a, false))
			cfg_namepos_add(ld, &names, &nn, &cap, it, a->name);
	}
	cfg_check_dups(ld, names, nn, "dns-addon");
	free(names);
}

/* ------------------------------------------------------------------ */
/* Sections */

/*
 * Parse "host:port" into the three fields.  A host containing '$' is a
 * variable we do not replace here (or a misspelt $MASTER_IP).
 */
static int
cfg_hostport(const char *s, int default_port, char **conn, char **host,
    int *port)
{
	char h[256], err[256];
	int p;

	if (parse_hostport(s, default_port, h, sizeof(h), &p, err,
	    sizeof(err)) != 0 || strchr(h, '$') != NULL)
		return -1;
	free(*conn);
	free(*host);
	*conn = xasprintf("%s:%d", h, p);
	*host = xstrdup(h);
	*port = p;
	return 0;
}

static const struct cfg_keydef cfg_agent_keys[] = {
	{ "connection", cfg_h_raw,
	    offsetof(struct cfg_agent_raw, connection), 0 },
	{ "transport", cfg_h_raw,
	    offsetof(struct cfg_agent_raw, transport), 0 },
	{ "type", cfg_h_raw, offsetof(struct cfg_agent_raw, type), 0 },
};

/*
 * network-agent: absent, null or {} means no agent (no routes are
 * programmed).  Otherwise type is required; connection defaults to
 * $MASTER_IP on the agent's usual port, and a bare host gets that port.
 */
static void
cfg_h_agent(struct cfg_ld *ld, const struct cfg_keydef *kd, yaml_node_t *v,
    void *obj)
{
	struct torc_config *cfg = obj;
	struct cfg_agent_raw raw = { 0 };
	const struct cfg_keydef tk = { "type", NULL, 0, 0 };
	const struct cfg_keydef ck = { "connection", NULL, 0, 0 };
	const struct cfg_keydef xk = { "transport", NULL, 0, 0 };
	const char *type = NULL, *conn = NULL, *tr = NULL;
	int defport;
	char *c;

	if (!cfg_walk_map(ld, v, cfg_agent_keys, nitems(cfg_agent_keys),
	    kd->name, &raw, true))
		return;
	if (raw.type != NULL && (type = cfg_string(ld, &tk, raw.type)) == NULL)
		return;
	if (raw.connection != NULL &&
	    (conn = cfg_string(ld, &ck, raw.connection)) == NULL)
		return;
	if (raw.transport != NULL &&
	    (tr = cfg_string(ld, &xk, raw.transport)) == NULL)
		return;
	if (type == NULL || *type == '\0') {
		if ((conn != NULL && *conn != '\0') ||
		    (tr != NULL && *tr != '\0'))
			cfg_err_at(ld, &v->start_mark, "missing required key "
			    "'type' in network-agent (snaproute or fboss)");
		return;
	}
	if (strcmp(type, "snaproute") == 0) {
		cfg->network_agent.type = CFG_AGENT_SNAPROUTE;
		defport = CFG_DEFAULT_SNAPROUTE_PORT;
	} else if (strcmp(type, "fboss") == 0) {
		cfg->network_agent.type = CFG_AGENT_FBOSS;
		defport = CFG_DEFAULT_FBOSS_PORT;
	} else {
		cfg_err_at(ld, &raw.type->start_mark, "unknown network-agent "
		    "type '%s' (expected snaproute or fboss)", type);
		return;
	}
	if (tr != NULL && *tr != '\0') {
		if (cfg->network_agent.type != CFG_AGENT_FBOSS)
			cfg_err_at(ld, &raw.transport->start_mark,
			    "transport applies only to network-agent type "
			    "fboss");
		else if (strcmp(tr, "buffered") == 0)
			cfg->network_agent.transport = CFG_FBOSS_BUFFERED;
		else if (strcmp(tr, "framed") == 0)
			cfg->network_agent.transport = CFG_FBOSS_FRAMED;
		else
			cfg_err_at(ld, &raw.transport->start_mark,
			    "unknown transport '%s' (expected buffered or "
			    "framed)", tr);
	}
	if (conn == NULL || *conn == '\0')
		c = xstrdup(ld->master_ip);
	else
		c = str_replace_all(conn, CFG_MASTER_VAR, ld->master_ip);
	if (cfg_hostport(c, defport, &cfg->network_agent.connection,
	    &cfg->network_agent.host, &cfg->network_agent.port) != 0) {
		if (raw.connection != NULL && conn != NULL && *conn != '\0')
			cfg_err_at(ld, &raw.connection->start_mark, "bad "
			    "network-agent connection '%s' (expected "
			    "host:port)", c);
		else
			cfg_err_at(ld, &v->start_mark, "network-agent has no "
			    "usable default connection (master IP '%s')", c);
	}
	free(c);
}

static const struct cfg_keydef cfg_statesync_keys[] = {
	{ "poll_interval_in_seconds", cfg_h_interval, 0, 0 },
};

static void
cfg_h_statesync(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	struct torc_config *cfg = obj;

	cfg_walk_map(ld, v, cfg_statesync_keys, nitems(cfg_statesync_keys),
	    kd->name, &cfg->statesync.poll_interval, true);
}

struct cfg_stateclean {
	int	poll;
	int	timeout;
	int	delay;
};

static const struct cfg_keydef cfg_stateclean_keys[] = {
	{ "poll_interval_in_seconds", cfg_h_interval,
	    offsetof(struct cfg_stateclean, poll), 0 },
	{ "restart_delay_in_seconds", cfg_h_interval,
	    offsetof(struct cfg_stateclean, delay), 0 },
	{ "timeout_in_seconds", cfg_h_interval,
	    offsetof(struct cfg_stateclean, timeout), 0 },
};

static void
cfg_h_stateclean(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	struct torc_config *cfg = obj;
	struct cfg_stateclean sc;

	sc.poll = cfg->stateclean.poll_interval;
	sc.timeout = cfg->stateclean.timeout;
	sc.delay = cfg->stateclean.restart_delay;
	cfg_walk_map(ld, v, cfg_stateclean_keys, nitems(cfg_stateclean_keys),
	    kd->name, &sc, true);
	cfg->stateclean.poll_interval = sc.poll;
	cfg->stateclean.timeout = sc.timeout;
	cfg->stateclean.restart_delay = sc.delay;
}

static const struct cfg_keydef cfg_hc_keys[] = {
	{ "poll_interval_in_seconds", cfg_h_raw,
	    offsetof(struct cfg_hc_raw, poll), 0 },
	{ "system_services", cfg_h_raw,
	    offsetof(struct cfg_hc_raw, services), 0 },
};

static void
cfg_h_healthcheck(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	struct torc_config *cfg = obj;
	struct cfg_hc_raw raw = { 0 };

	if (!cfg_walk_map(ld, v, cfg_hc_keys, nitems(cfg_hc_keys), kd->name,
	    &raw, true))
		return;
	if (raw.poll != NULL)
		cfg_h_interval(ld, &cfg_statesync_keys[0], raw.poll,
		    &cfg->healthcheck.poll_interval);
	if (raw.services != NULL)
		cfg_services(ld, raw.services, "system_services", true,
		    &cfg->healthcheck.system_services,
		    &cfg->healthcheck.n_system_services);
}

static void
cfg_h_group_services(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	struct cfg_group *g = obj;

	if (cfg_is_null(v) || (v->type == YAML_SEQUENCE_NODE &&
	    v->data.sequence.items.top == v->data.sequence.items.start)) {
		cfg_err_at(ld, &v->start_mark,
		    "services of a service group must list at least one "
		    "service");
		return;
	}
	cfg_services(ld, v, kd->name, false, &g->services, &g->n_services);
}

static const struct cfg_keydef cfg_group_keys[] = {
	{ "name", cfg_h_str, offsetof(struct cfg_group, name), KEY_REQUIRED },
	{ "services", cfg_h_group_services, 0, KEY_REQUIRED },
};

static void
cfg_groups(struct cfg_ld *ld, yaml_node_t *v, struct torc_config *cfg)
{
	struct cfg_namepos *names = NULL;
	size_t nn = 0, cap = 0;
	long n = cfg_list(ld, v, "service-groups", true);

	if (n <= 0)
		return;
	cfg->api.groups = xcalloc((size_t)n, sizeof(*cfg->api.groups));
	for (long i = 0; i < n; i++) {
		yaml_node_t *it = cfg_node(ld, v->data.sequence.items.start[i]);
		struct cfg_group *g = &cfg->api.groups[cfg->api.n_groups];

		if (it == NULL || ld->over_budget)
			continue;
		g->name = xstrdup("");
		cfg->api.n_groups++;
		if (cfg_walk_map(ld, it, cfg_group_keys,
		    nitems(cfg_group_keys), "service group", g, false))
			cfg_namepos_add(ld, &names, &nn, &cap, it, g->name);
	}
	cfg_check_dups(ld, names, nn, "service group");
	free(names);
}

static const struct cfg_keydef cfg_api_keys[] = {
	{ "listen", cfg_h_raw, offsetof(struct cfg_api_raw, listen), 0 },
	{ "service-groups", cfg_h_raw,
	    offsetof(struct cfg_api_raw, groups), 0 },
	{ "token", cfg_h_raw, offsetof(struct cfg_api_raw, token), 0 },
};

static void
cfg_h_api(struct cfg_ld *ld, const struct cfg_keydef *kd, yaml_node_t *v,
    void *obj)
{
	struct torc_config *cfg = obj;
	struct cfg_api_raw raw = { 0 };
	const struct cfg_keydef lk = { "listen", NULL, 0, 0 };
	const struct cfg_keydef tk = { "token", cfg_h_str,
	    offsetof(struct torc_config, api.token), 0 };

	if (!cfg_walk_map(ld, v, cfg_api_keys, nitems(cfg_api_keys), kd->name,
	    &raw, true))
		return;
	if (raw.groups != NULL)
		cfg_groups(ld, raw.groups, cfg);
	if (raw.token != NULL)
		cfg_h_str(ld, &tk, raw.token, cfg);
	if (raw.listen != NULL) {
		const char *s = cfg_string(ld, &lk, raw.listen);
		char *host = NULL, *conn = NULL;
		int port;

		if (s == NULL || *s == '\0')
			return;
		if (cfg_hostport(s, 0, &conn, &host, &port) != 0)
			cfg_err_at(ld, &raw.listen->start_mark, "bad api "
			    "listen address '%s' (expected address:port)", s);
		else {
			free(cfg->api.listen);
			cfg->api.listen = conn;
			conn = NULL;
		}
		free(conn);
		free(host);
	}
}

static const struct cfg_keydef cfg_consul_keys[] = {
	{ "connection", cfg_h_raw,
	    offsetof(struct cfg_conn_raw, connection), 0 },
	{ "domain", cfg_h_raw, offsetof(struct cfg_conn_raw, domain), 0 },
};

/* A DNS domain: dot-separated labels of letters, digits and '-'. */
static bool
cfg_is_domain(const char *s)
{
	size_t label = 0;

	if (*s == '\0' || *s == '.')
		return false;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*s) || *s == '-') {
			if (++label > 63)
				return false;
		} else
			return false;
	}
	return label > 0;
}

static void
cfg_h_consul(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	struct torc_config *cfg = obj;
	struct cfg_conn_raw raw = { 0 };
	const struct cfg_keydef ck = { "connection", NULL, 0, 0 };
	const struct cfg_keydef dk = { "domain", NULL, 0, 0 };
	const char *s;

	if (!cfg_walk_map(ld, v, cfg_consul_keys, nitems(cfg_consul_keys),
	    kd->name, &raw, true))
		return;
	if (raw.connection != NULL &&
	    (s = cfg_string(ld, &ck, raw.connection)) != NULL && *s != '\0') {
		char *c = str_replace_all(s, CFG_MASTER_VAR, ld->master_ip);

		if (cfg_hostport(c, CFG_DEFAULT_CONSUL_PORT,
		    &cfg->consul.connection, &cfg->consul.host,
		    &cfg->consul.port) != 0)
			cfg_err_at(ld, &raw.connection->start_mark, "bad "
			    "consul connection '%s' (expected host:port)", c);
		free(c);
	}
	if (raw.domain != NULL &&
	    (s = cfg_string(ld, &dk, raw.domain)) != NULL && *s != '\0') {
		if (!cfg_is_domain(s))
			cfg_err_at(ld, &raw.domain->start_mark, "consul "
			    "domain must be a DNS name such as 'torc', got "
			    "'%s'", s);
		else
			cfg_set_str(&cfg->consul.domain, s);
	}
}

static void
cfg_h_failover(struct cfg_ld *ld, const struct cfg_keydef *kd,
    yaml_node_t *v, void *obj)
{
	struct torc_config *cfg = obj;
	char buf[128];
	double d;

	if (cfg_is_null(v))
		return;
	if (!cfg_parse_number(v, &d) || d < 0) {
		cfg_err_at(ld, &v->start_mark, "%s must be a number of "
		    "seconds, 0 or more, got %s", kd->name,
		    cfg_got(v, buf, sizeof(buf)));
		return;
	}
	cfg->mesos.failover_timeout = d;
}

static const struct cfg_keydef cfg_mesos_keys[] = {
	{ "failover_timeout_in_seconds", cfg_h_failover, 0, 0 },
	{ "role", cfg_h_str, offsetof(struct torc_config, mesos.role), 0 },
	{ "user", cfg_h_str, offsetof(struct torc_config, mesos.user), 0 },
};

static void
cfg_h_mesos(struct cfg_ld *ld, const struct cfg_keydef *kd, yaml_node_t *v,
    void *obj)
{
	cfg_walk_map(ld, v, cfg_mesos_keys, nitems(cfg_mesos_keys), kd->name,
	    obj, true);
}

static const struct cfg_keydef cfg_top_keys[] = {
	{ "api", cfg_h_api, 0, 0 },
	{ "consul", cfg_h_consul, 0, 0 },
	{ "dns-addons", cfg_h_addons, 0, 0 },
	{ "healthcheck", cfg_h_healthcheck, 0, 0 },
	{ "ipmiproxy", cfg_h_str, offsetof(struct torc_config, ipmiproxy), 0 },
	{ "mesos", cfg_h_mesos, 0, 0 },
	{ "name", cfg_h_str, offsetof(struct torc_config, name), 0 },
	{ "network-agent", cfg_h_agent, 0, 0 },
	{ "nodes", cfg_h_nodes, 0, KEY_REQUIRED },
	{ "stateclean", cfg_h_stateclean, 0, 0 },
	{ "statesync", cfg_h_statesync, 0, 0 },
};

/* ------------------------------------------------------------------ */
/* Cross-references */

/* Compare by name only (bsearch over a list sorted by cfg_check_dups). */
static int
cfg_namepos_cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct cfg_namepos *)a)->name,
	    ((const struct cfg_namepos *)b)->name);
}

/* Is name one of the instances SLA expansion makes of a system service? */
static bool
cfg_is_instance(const struct torc_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->healthcheck.n_system_services; i++) {
		const struct cfg_service *s =
		    &cfg->healthcheck.system_services[i];
		size_t l = strlen(s->name);

		if (s->sla == CFG_SLA_NONE || l == 0 ||
		    strncmp(name, s->name, l) != 0 || name[l] != '-')
			continue;
		for (size_t j = 0; j < cfg->n_nodes; j++) {
			if (s->sla == CFG_SLA_SINGLETON_EACH_SLAVE &&
			    cfg->nodes[j].type != CFG_NODE_SLAVE)
				continue;
			if (strcmp(name + l + 1, cfg->nodes[j].name) == 0)
				return true;
		}
	}
	return false;
}

/*
 * Checks that need the whole file: service names are unique across the
 * system services and every group, also against the names SLA expansion
 * gives (<name>-<node>); node_name names a node; dependent_service names
 * a service or an SLA instance.
 */
static void
cfg_cross_check(struct cfg_ld *ld)
{
	struct torc_config *cfg = ld->cfg;
	struct cfg_namepos key;

	cfg_check_dups(ld, ld->svcs, ld->n_svcs, "service");

	for (size_t i = 0; i < cfg->healthcheck.n_system_services; i++) {
		const struct cfg_service *s =
		    &cfg->healthcheck.system_services[i];

		if (s->sla == CFG_SLA_NONE || *s->name == '\0')
			continue;
		for (size_t j = 0; j < cfg->n_nodes; j++) {
			const struct cfg_node *nd = &cfg->nodes[j];
			struct cfg_namepos *hit;
			char *inst;

			if (s->sla == CFG_SLA_SINGLETON_EACH_SLAVE &&
			    nd->type != CFG_NODE_SLAVE)
				continue;
			inst = xasprintf("%s-%s", s->name, nd->name);
			key.name = inst;
			key.seq = 0;
			hit = bsearch(&key, ld->svcs, ld->n_svcs,
			    sizeof(*ld->svcs), cfg_namepos_cmp_name);
			if (hit != NULL)
				cfg_err_at(ld, &hit->mark, "service name '%s' "
				    "clashes with the instance of '%s' that "
				    "sla %s starts on node %s", inst, s->name,
				    cfg_sla_name(s->sla), nd->name);
			free(inst);
		}
	}

	for (size_t i = 0; i < ld->n_refs; i++) {
		const struct cfg_ref *r = &ld->refs[i];

		if (r->kind == CFG_REF_NODE) {
			if (cfg->n_nodes > 0 &&
			    cfg_node_find(cfg, r->name) == NULL)
				cfg_err_at(ld, &r->mark, "node_name '%s' is "
				    "not a configured node", r->name);
			continue;
		}
		if (strcmp(r->name, r->owner->name) == 0) {
			cfg_err_at(ld, &r->mark, "service '%s' cannot depend "
			    "on itself", r->name);
			continue;
		}
		key.name = r->name;
		if ((ld->n_svcs == 0 || bsearch(&key, ld->svcs, ld->n_svcs,
		    sizeof(*ld->svcs), cfg_namepos_cmp_name) == NULL) &&
		    !cfg_is_instance(cfg, r->name))
			cfg_err_at(ld, &r->mark, "dependent_service '%s' is "
			    "not a defined service", r->name);
	}
}

/* ------------------------------------------------------------------ */
/* Loading */

static struct torc_config *
cfg_new(const char *name, const char *master_ip)
{
	struct torc_config *cfg = xcalloc(1, sizeof(*cfg));

	cfg->path = xstrdup(name);
	cfg->master_ip = xstrdup(master_ip);
	cfg->name = xstrdup(CFG_DEFAULT_NAME);
	cfg->ipmiproxy = xstrdup("");
	cfg->network_agent.type = CFG_AGENT_NONE;
	cfg->network_agent.connection = xstrdup("");
	cfg->network_agent.host = xstrdup("");
	cfg->network_agent.transport = CFG_FBOSS_BUFFERED;
	cfg->statesync.poll_interval = CFG_DEFAULT_STATESYNC_POLL;
	cfg->stateclean.poll_interval = CFG_DEFAULT_STATECLEAN_POLL;
	cfg->stateclean.timeout = CFG_DEFAULT_STATECLEAN_TIMEOUT;
	cfg->stateclean.restart_delay = CFG_DEFAULT_RESTART_DELAY;
	cfg->healthcheck.poll_interval = CFG_DEFAULT_HEALTHCHECK_POLL;
	cfg->api.listen = xstrdup(CFG_DEFAULT_API_LISTEN);
	cfg->api.token = xstrdup("");
	/*
	 * The default Consul agent is the one on the master.  It is not
	 * validated: without a usable master IP nothing else would load.
	 */
	cfg->consul.connection = xasprintf("%s:%d", master_ip,
	    CFG_DEFAULT_CONSUL_PORT);
	cfg->consul.host = xstrdup(master_ip);
	cfg->consul.port = CFG_DEFAULT_CONSUL_PORT;
	cfg->consul.domain = xstrdup(CFG_DEFAULT_CONSUL_DOMAIN);
	cfg->mesos.user = xstrdup(CFG_DEFAULT_MESOS_USER);
	cfg->mesos.failover_timeout = CFG_DEFAULT_FAILOVER_TIMEOUT;
	cfg->mesos.role = xstrdup(CFG_DEFAULT_MESOS_ROLE);
	return cfg;
}

/* One message for a parser failure, at the parser's position. */
static void
cfg_syntax_error(struct cfg_ld *ld, const yaml_parser_t *parser)
{
	const char *problem = parser->problem ? parser->problem : "unknown";

	switch (parser->error) {
	case YAML_MEMORY_ERROR:
		cfg_err_push(ld, 0, 0, xasprintf("%s: out of memory while "
		    "parsing", ld->file));
		break;
	case YAML_READER_ERROR:
		cfg_err_push(ld, 0, 0, xasprintf("%s: invalid input at byte "
		    "%zu: %s", ld->file, parser->problem_offset, problem));
		break;
	default:
		if (parser->context != NULL)
			cfg_err_at(ld, &parser->problem_mark, "YAML syntax "
			    "error: %s (%s at line %zu, column %zu)", problem,
			    parser->context, parser->context_mark.line + 1,
			    parser->context_mark.column + 1);
		else
			cfg_err_at(ld, &parser->problem_mark,
			    "YAML syntax error: %s", problem);
		break;
	}
}

int
cfg_load_buffer(const char *name, const char *buf, size_t len,
    const char *master_ip, struct torc_config **out, struct cfg_errors *errs)
{
	struct cfg_ld ld = { 0 };
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *root;
	char got[128];

	*out = NULL;
	if (master_ip == NULL)
		master_ip = "";
	ld.file = name;
	ld.master_ip = master_ip;
	ld.doc = &doc;
	ld.cfg = cfg_new(name, master_ip);

	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf,
	    len);
	if (!yaml_parser_load(&parser, &doc)) {
		cfg_syntax_error(&ld, &parser);
		yaml_parser_delete(&parser);
		goto done;
	}
	root = yaml_document_get_root_node(&doc);
	if (root == NULL)
		cfg_err_push(&ld, 0, 0, xasprintf("%s: the configuration is "
		    "empty", name));
	else if (root->type != YAML_MAPPING_NODE)
		cfg_err_at(&ld, &root->start_mark, "the configuration must "
		    "be a mapping (key: value), got %s",
		    cfg_got(root, got, sizeof(got)));
	else {
		cfg_walk_map(&ld, root, cfg_top_keys, nitems(cfg_top_keys),
		    "the top-level mapping", ld.cfg, false);
		if (!ld.over_budget)
			cfg_cross_check(&ld);
	}
	/* A second document is a mistake (or a stray "---"). */
	if (root != NULL) {
		if (!yaml_parser_load(&parser, &extra))
			cfg_syntax_error(&ld, &parser);
		else {
			yaml_node_t *r = yaml_document_get_root_node(&extra);

			if (r != NULL)
				cfg_err_at(&ld, &r->start_mark, "only one "
				    "YAML document is allowed per file");
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
done:
	free(ld.svcs);
	free(ld.refs);
	if (ld.n_errs > 0) {
		cfg_err_flush(&ld, errs);
		cfg_free(ld.cfg);
		return -1;
	}
	free(ld.errs);
	*out = ld.cfg;
	return 0;
}

int
cfg_load(const char *path, const char *master_ip, struct torc_config **out,
    struct cfg_errors *errs)
{
	char err[512];
	char *buf;
	size_t len;
	int rc;

	*out = NULL;
	if (read_file(path, CFG_MAX_FILE, &buf, &len, err, sizeof(err)) != 0) {
		cfg_errors_add(errs, xstrdup(err));
		return -1;
	}
	rc = cfg_load_buffer(path, buf, len, master_ip, out, errs);
	free(buf);
	return rc;
}

static void
cfg_service_free(struct cfg_service *s)
{
	free(s->name);
	free(s->image_name);
	free(s->node_name);
	free(s->node_type);
	free(s->node_function);
	free(s->dependent_service);
	free(s->arguments);
	free(s->parameters);
	free(s->network_type);
	for (size_t i = 0; i < s->n_volumes; i++) {
		free(s->volumes[i].host_path);
		free(s->volumes[i].container_path);
	}
	free(s->volumes);
}

void
cfg_free(struct torc_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->master_ip);
	free(cfg->name);
	free(cfg->ipmiproxy);
	for (size_t i = 0; i < cfg->n_nodes; i++) {
		free(cfg->nodes[i].name);
		free(cfg->nodes[i].ip);
		free(cfg->nodes[i].external_ip);
		free(cfg->nodes[i].management_ip);
	}
	free(cfg->nodes);
	for (size_t i = 0; i < cfg->n_dns_addons; i++) {
		free(cfg->dns_addons[i].name);
		free(cfg->dns_addons[i].ip);
	}
	free(cfg->dns_addons);
	free(cfg->network_agent.connection);
	free(cfg->network_agent.host);
	for (size_t i = 0; i < cfg->healthcheck.n_system_services; i++)
		cfg_service_free(&cfg->healthcheck.system_services[i]);
	free(cfg->healthcheck.system_services);
	for (size_t i = 0; i < cfg->api.n_groups; i++) {
		struct cfg_group *g = &cfg->api.groups[i];

		free(g->name);
		for (size_t j = 0; j < g->n_services; j++)
			cfg_service_free(&g->services[j]);
		free(g->services);
	}
	free(cfg->api.groups);
	free(cfg->api.listen);
	free(cfg->api.token);
	free(cfg->consul.connection);
	free(cfg->consul.host);
	free(cfg->consul.domain);
	free(cfg->mesos.user);
	free(cfg->mesos.role);
	free(cfg);
}

void
cfg_errors_free(struct cfg_errors *errs)
{
	if (errs == NULL)
		return;
	for (size_t i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

/* ------------------------------------------------------------------ */
/* Printing */

struct cfg_pr {
	yaml_emitter_t	em;
	bool		failed;
};

static void
cfg_pr_emit(struct cfg_pr *pr, yaml_event_t *ev)
{
	/* The emitter frees the event whether or not it succeeds. */
	if (!yaml_emitter_emit(&pr->em, ev))
		pr->failed = true;
}

static void
cfg_pr_scalar(struct cfg_pr *pr, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (pr->failed)
		return;
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL,
	    (yaml_char_t *)(uintptr_t)s, (int)strlen(s), 1, 1, style)) {
		pr->failed = true;
		return;
	}
	cfg_pr_emit(pr, &ev);
}

/*
 * Strings that a reader would take for null, a boolean or a number are
 * written quoted, so the printed file reads back as the same strings.
 */
static void
cfg_pr_str(struct cfg_pr *pr, const char *s)
{
	static const char *const special[] = {
		"", "~", "null", "true", "false", "yes", "no", "on", "off",
	};
	double d;
	bool quote = false;

	for (size_t i = 0; i < nitems(special); i++)
		if (strcasecmp(s, special[i]) == 0)
			quote = true;
	if (!quote) {
		yaml_node_t n = { 0 };

		n.type = YAML_SCALAR_NODE;
		n.data.scalar.value = (yaml_char_t *)(uintptr_t)s;
		n.data.scalar.length = strlen(s);
		n.data.scalar.style = YAML_PLAIN_SCALAR_STYLE;
		quote = cfg_parse_number(&n, &d);
	}
	cfg_pr_scalar(pr, s, quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE :
	    YAML_ANY_SCALAR_STYLE);
}

static void
cfg_pr_key(struct cfg_pr *pr, const char *key)
{
	cfg_pr_scalar(pr, key, YAML_PLAIN_SCALAR_STYLE);
}

static void
cfg_pr_kv(struct cfg_pr *pr, const char *key, const char *val)
{
	cfg_pr_key(pr, key);
	cfg_pr_str(pr, val);
}

static void
cfg_pr_int(struct cfg_pr *pr, const char *key, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	cfg_pr_key(pr, key);
	cfg_pr_scalar(pr, buf, YAML_PLAIN_SCALAR_STYLE);
}

/*
 * Whole numbers as integers ("1024"), others in the shortest decimal
 * form that reads back as the same double.
 */
static void
cfg_pr_double(struct cfg_pr *pr, const char *key, double v)
{
	char buf[64];

	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, sizeof(buf), "%.0f", v);
	} else {
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
	cfg_pr_key(pr, key);
	cfg_pr_scalar(pr, buf, YAML_PLAIN_SCALAR_STYLE);
}

static void
cfg_pr_bool(struct cfg_pr *pr, const char *key, bool v)
{
	cfg_pr_key(pr, key);
	cfg_pr_scalar(pr, v ? "true" : "false", YAML_PLAIN_SCALAR_STYLE);
}

static void
cfg_pr_map_start(struct cfg_pr *pr, bool flow)
{
	yaml_event_t ev;

	if (pr->failed)
		return;
	if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE)) {
		pr->failed = true;
		return;
	}
	cfg_pr_emit(pr, &ev);
}

static void
cfg_pr_map_end(struct cfg_pr *pr)
{
	yaml_event_t ev;

	if (pr->failed)
		return;
	if (!yaml_mapping_end_event_initialize(&ev)) {
		pr->failed = true;
		return;
	}
	cfg_pr_emit(pr, &ev);
}

/* Empty lists are written in flow style: "volumes: []". */
static void
cfg_pr_seq_start(struct cfg_pr *pr, size_t n)
{
	yaml_event_t ev;

	if (pr->failed)
		return;
	if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
	    n == 0 ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE)) {
		pr->failed = true;
		return;
	}
	cfg_pr_emit(pr, &ev);
}

static void
cfg_pr_seq_end(struct cfg_pr *pr)
{
	yaml_event_t ev;

	if (pr->failed)
		return;
	if (!yaml_sequence_end_event_initialize(&ev)) {
		pr->failed = true;
		return;
	}
	cfg_pr_emit(pr, &ev);
}

static void
cfg_pr_services(struct cfg_pr *pr, const char *key,
    const struct cfg_service *v, size_t n)
{
	cfg_pr_key(pr, key);
	cfg_pr_seq_start(pr, n);
	for (size_t i = 0; i < n; i++) {
		const struct cfg_service *s = &v[i];

		cfg_pr_map_start(pr, false);
		cfg_pr_kv(pr, "name", s->name);
		cfg_pr_kv(pr, "image_name", s->image_name);
		cfg_pr_kv(pr, "node_name", s->node_name);
		cfg_pr_kv(pr, "node_type", s->node_type);
		cfg_pr_kv(pr, "node_function", s->node_function);
		cfg_pr_kv(pr, "dependent_service", s->dependent_service);
		cfg_pr_double(pr, "memory", s->memory);
		cfg_pr_double(pr, "cpu", s->cpu);
		cfg_pr_kv(pr, "arguments", s->arguments);
		cfg_pr_kv(pr, "parameters", s->parameters);
		cfg_pr_bool(pr, "privileged", s->privileged);
		cfg_pr_kv(pr, "sla", s->sla == CFG_SLA_NONE ? "" :
		    cfg_sla_name(s->sla));
		cfg_pr_bool(pr, "is_metered", s->is_metered);
		cfg_pr_bool(pr, "is_job", s->is_job);
		cfg_pr_kv(pr, "network_type", s->network_type);
		cfg_pr_key(pr, "volumes");
		cfg_pr_seq_start(pr, s->n_volumes);
		for (size_t j = 0; j < s->n_volumes; j++) {
			cfg_pr_map_start(pr, false);
			cfg_pr_kv(pr, "host_path", s->volumes[j].host_path);
			cfg_pr_kv(pr, "container_path",
			    s->volumes[j].container_path);
			cfg_pr_bool(pr, "read_only_mode",
			    s->volumes[j].read_only);
			cfg_pr_map_end(pr);
		}
		cfg_pr_seq_end(pr);
		cfg_pr_map_end(pr);
	}
	cfg_pr_seq_end(pr);
}

static int
cfg_pr_write(void *data, unsigned char *buf, size_t len)
{
	return fwrite(buf, 1, len, data) == len;
}

int
cfg_print(FILE *fp, const struct torc_config *cfg)
{
	struct cfg_pr pr = { 0 };
	yaml_event_t ev;

	if (!yaml_emitter_initialize(&pr.em))
		return -1;
	yaml_emitter_set_output(&pr.em, cfg_pr_write, fp);
	yaml_emitter_set_unicode(&pr.em, 1);
	yaml_emitter_set_width(&pr.em, -1);
	yaml_emitter_set_indent(&pr.em, 2);

	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING))
		pr.failed = true;
	else
		cfg_pr_emit(&pr, &ev);
	if (!pr.failed) {
		if (!yaml_document_start_event_initialize(&ev, NULL, NULL,
		    NULL, 1))
			pr.failed = true;
		else
			cfg_pr_emit(&pr, &ev);
	}
	cfg_pr_map_start(&pr, false);
	cfg_pr_kv(&pr, "name", cfg->name);
	cfg_pr_kv(&pr, "ipmiproxy", cfg->ipmiproxy);

	cfg_pr_key(&pr, "nodes");
	cfg_pr_seq_start(&pr, cfg->n_nodes);
	for (size_t i = 0; i < cfg->n_nodes; i++) {
		const struct cfg_node *n = &cfg->nodes[i];

		cfg_pr_map_start(&pr, false);
		cfg_pr_kv(&pr, "name", n->name);
		cfg_pr_kv(&pr, "ip", n->ip);
		cfg_pr_kv(&pr, "external_ip", n->external_ip);
		cfg_pr_kv(&pr, "management_ip", n->management_ip);
		cfg_pr_kv(&pr, "type", cfg_node_type_name(n->type));
		cfg_pr_int(&pr, "port", n->port);
		cfg_pr_map_end(&pr);
	}
	cfg_pr_seq_end(&pr);

	cfg_pr_key(&pr, "dns-addons");
	cfg_pr_seq_start(&pr, cfg->n_dns_addons);
	for (size_t i = 0; i < cfg->n_dns_addons; i++) {
		cfg_pr_map_start(&pr, false);
		cfg_pr_kv(&pr, "name", cfg->dns_addons[i].name);
		cfg_pr_kv(&pr, "ip", cfg->dns_addons[i].ip);
		cfg_pr_map_end(&pr);
	}
	cfg_pr_seq_end(&pr);

	cfg_pr_key(&pr, "network-agent");
	if (cfg->network_agent.type == CFG_AGENT_NONE) {
		cfg_pr_map_start(&pr, true);
	} else {
		cfg_pr_map_start(&pr, false);
		cfg_pr_kv(&pr, "type",
		    cfg_agent_type_name(cfg->network_agent.type));
		cfg_pr_kv(&pr, "connection", cfg->network_agent.connection);
		if (cfg->network_agent.type == CFG_AGENT_FBOSS)
			cfg_pr_kv(&pr, "transport",
			    cfg->network_agent.transport == CFG_FBOSS_FRAMED ?
			    "framed" : "buffered");
	}
	cfg_pr_map_end(&pr);

	cfg_pr_key(&pr, "statesync");
	cfg_pr_map_start(&pr, false);
	cfg_pr_int(&pr, "poll_interval_in_seconds",
	    cfg->statesync.poll_interval);
	cfg_pr_map_end(&pr);

	cfg_pr_key(&pr, "stateclean");
	cfg_pr_map_start(&pr, false);
	cfg_pr_int(&pr, "poll_interval_in_seconds",
	    cfg->stateclean.poll_interval);
	cfg_pr_int(&pr, "timeout_in_seconds", cfg->stateclean.timeout);
	cfg_pr_int(&pr, "restart_delay_in_seconds",
	    cfg->stateclean.restart_delay);
	cfg_pr_map_end(&pr);

	cfg_pr_key(&pr, "healthcheck");
	cfg_pr_map_start(&pr, false);
	cfg_pr_int(&pr, "poll_interval_in_seconds",
	    cfg->healthcheck.poll_interval);
	cfg_pr_services(&pr, "system_services",
	    cfg->healthcheck.system_services,
	    cfg->healthcheck.n_system_services);
	cfg_pr_map_end(&pr);

	cfg_pr_key(&pr, "api");
	cfg_pr_map_start(&pr, false);
	cfg_pr_kv(&pr, "listen", cfg->api.listen);
	cfg_pr_kv(&pr, "token", cfg->api.token);
	cfg_pr_key(&pr, "service-groups");
	cfg_pr_seq_start(&pr, cfg->api.n_groups);
	for (size_t i = 0; i < cfg->api.n_groups; i++) {
		cfg_pr_map_start(&pr, false);
		cfg_pr_kv(&pr, "name", cfg->api.groups[i].name);
		cfg_pr_services(&pr, "services", cfg->api.groups[i].services,
		    cfg->api.groups[i].n_services);
		cfg_pr_map_end(&pr);
	}
	cfg_pr_seq_end(&pr);
	cfg_pr_map_end(&pr);

	cfg_pr_key(&pr, "consul");
	cfg_pr_map_start(&pr, false);
	cfg_pr_kv(&pr, "connection", cfg->consul.connection);
	cfg_pr_kv(&pr, "domain", cfg->consul.domain);
	cfg_pr_map_end(&pr);

	cfg_pr_key(&pr, "mesos");
	cfg_pr_map_start(&pr, false);
	cfg_pr_kv(&pr, "user", cfg->mesos.user);
	cfg_pr_double(&pr, "failover_timeout_in_seconds",
	    cfg->mesos.failover_timeout);
	cfg_pr_kv(&pr, "role", cfg->mesos.role);
	cfg_pr_map_end(&pr);

	cfg_pr_map_end(&pr);
	if (!pr.failed) {
		if (!yaml_document_end_event_initialize(&ev, 1))
			pr.failed = true;
		else
			cfg_pr_emit(&pr, &ev);
	}
	if (!pr.failed) {
		if (!yaml_stream_end_event_initialize(&ev))
			pr.failed = true;
		else
			cfg_pr_emit(&pr, &ev);
	}
	if (!pr.failed && !yaml_emitter_flush(&pr.em))
		pr.failed = true;
	yaml_emitter_delete(&pr.em);
	if (pr.failed || fflush(fp) != 0 || ferror(fp))
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Lookups and names */

const struct cfg_node *
cfg_node_find(const struct torc_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_nodes; i++)
		if (strcmp(cfg->nodes[i].name, name) == 0)
			return &cfg->nodes[i];
	return NULL;
}

const struct cfg_group *
cfg_group_find(const struct torc_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->api.n_groups; i++)
		if (strcmp(cfg->api.groups[i].name, name) == 0)
			return &cfg->api.groups[i];
	return NULL;
}

const char *
cfg_sla_name(enum cfg_sla sla)
{
	switch (sla) {
	case CFG_SLA_NONE:
		return "none";
	case CFG_SLA_SINGLETON_EACH_NODE:
		return "singleton_each_node";
	case CFG_SLA_SINGLETON_EACH_SLAVE:
		return "singleton_each_slave";
	}
	return "unknown";
}

const char *
cfg_node_type_name(enum cfg_node_type type)
{
	switch (type) {
	case CFG_NODE_MASTER:
		return "master";
	case CFG_NODE_SLAVE:
		return "slave";
	}
	return "unknown";
}

const char *
cfg_agent_type_name(enum cfg_agent_type type)
{
	switch (type) {
	case CFG_AGENT_NONE:
		return "none";
	case CFG_AGENT_SNAPROUTE:
		return "snaproute";
	case CFG_AGENT_FBOSS:
		return "fboss";
	}
	return "unknown";
}
