/*
 * sched_taskinfo.h - a service definition (struct mesos_task_spec) turned
 * into a Mesos v1 TaskInfo for the Docker containerizer, and the two
 * small parsers it needs: docker flags ("parameters") and a command line
 * split like a POSIX shell would ("arguments").
 *
 * Pure code: no I/O, no logging, no global state.  Errors are reported in
 * the caller's (err, errlen) buffer.
 */
#ifndef TORC_SCHED_TASKINFO_H
#define TORC_SCHED_TASKINFO_H

#include <stddef.h>

#include "sched_mesos.h"
#include "mesos/mesos.pb-c.h"

/* Labels put on every task. */
#define SCHED_TASKINFO_LABEL_SERVICE	"torc.service"
#define SCHED_TASKINFO_LABEL_GROUP	"torc.group"

/* One docker flag: "--key=value" or "--key value". */
struct sched_param {
	char	*key;
	char	*value;
};

/*
 * Build the TaskInfo of spec (rules in sched_taskinfo.c).  Returns a
 * tree the caller frees with sched_taskinfo_free(), or NULL with a
 * message in err when spec is invalid.  Nothing in the tree points into
 * spec.
 */
Mesos__V1__TaskInfo *sched_taskinfo_build(const struct mesos_task_spec *spec,
	    char *err, size_t errlen);
/* Free a tree of sched_taskinfo_build(); NULL is a no-op. */
void	sched_taskinfo_free(Mesos__V1__TaskInfo *ti);

/* Validate spec as sched_taskinfo_build() would: 0, or -1 with err. */
int	sched_taskinfo_check(const struct mesos_task_spec *spec, char *err,
	    size_t errlen);

/*
 * Parse docker flags.  s may be NULL or blank (no flags).  On success
 * returns 0 and sets *out (caller frees with sched_params_free) and *n;
 * on failure returns -1, *out is NULL and err says what is wrong.
 */
int	sched_params_parse(const char *s, struct sched_param **out, size_t *n,
	    char *err, size_t errlen);
void	sched_params_free(struct sched_param *p, size_t n);

/*
 * Split a command line into words like a POSIX shell (quotes and
 * backslashes; no expansion).  s may be NULL or blank (no words).  On
 * success returns 0 and sets *out (NULL-terminated vector, caller frees
 * with sched_args_free) and *n; on failure -1 with err.
 */
int	sched_args_split(const char *s, char ***out, size_t *n, char *err,
	    size_t errlen);
void	sched_args_free(char **argv);

#endif
