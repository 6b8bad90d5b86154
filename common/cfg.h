/*
 * cfg.h - the torc configuration: one YAML file (the format of the spec,
 * plus the original's extra keys and a few optional keys of ours) loaded
 * and validated once into one struct shared by every daemon.
 *
 * Ownership: cfg_load() returns a struct the caller frees with cfg_free();
 * every string in it is owned by the struct.  Strings are never NULL
 * (absent optional strings are "").
 */
#ifndef TORC_CFG_H
#define TORC_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Defaults (the original's, see docs/config.md). */
#define CFG_DEFAULT_NAME		"torc-controller"
#define CFG_DEFAULT_MEMORY		128.0
#define CFG_DEFAULT_CPU			0.2
#define CFG_DEFAULT_NETWORK_TYPE	"host"
#define CFG_DEFAULT_STATESYNC_POLL	10
#define CFG_DEFAULT_STATECLEAN_POLL	18
#define CFG_DEFAULT_STATECLEAN_TIMEOUT	30
#define CFG_DEFAULT_RESTART_DELAY	30
#define CFG_DEFAULT_HEALTHCHECK_POLL	12
#define CFG_DEFAULT_CONSUL_PORT		8500
#define CFG_DEFAULT_CONSUL_DOMAIN	"torc"
#define CFG_DEFAULT_MESOS_USER		"root"
#define CFG_DEFAULT_FAILOVER_TIMEOUT	604800.0	/* one week */
#define CFG_DEFAULT_MESOS_ROLE		"*"
#define CFG_DEFAULT_API_LISTEN		"0.0.0.0:3000"
#define CFG_DEFAULT_SNAPROUTE_PORT	8080
#define CFG_DEFAULT_FBOSS_PORT		5909

/* Limits enforced by the loader. */
#define CFG_MAX_MEMORY_MB		(1024.0 * 1024.0)	/* 1 TiB */
#define CFG_MAX_CPU			1024.0
#define CFG_MAX_INTERVAL_S		86400

enum cfg_sla {
	CFG_SLA_NONE = 0,
	CFG_SLA_SINGLETON_EACH_NODE,
	CFG_SLA_SINGLETON_EACH_SLAVE,
};

enum cfg_node_type {
	CFG_NODE_MASTER = 0,
	CFG_NODE_SLAVE,
};

enum cfg_agent_type {
	CFG_AGENT_NONE = 0,	/* network-agent absent or empty: no routes */
	CFG_AGENT_SNAPROUTE,
	CFG_AGENT_FBOSS,
};

enum cfg_fboss_transport {
	CFG_FBOSS_BUFFERED = 0,
	CFG_FBOSS_FRAMED,
};

struct cfg_volume {
	char	*host_path;
	char	*container_path;
	bool	 read_only;
};

/* One service definition (system service or member of a group). */
struct cfg_service {
	char	*name;
	char	*image_name;
	char	*node_name;		/* "" = any node */
	char	*node_type;		/* "" = any */
	char	*node_function;		/* "" = any */
	char	*dependent_service;	/* "" = none */
	char	*arguments;		/* $MASTER_IP resolved */
	char	*parameters;		/* $MASTER_IP resolved */
	char	*network_type;		/* "host", "none", or a network name */
	double	 memory;		/* MB */
	double	 cpu;
	bool	 privileged;
	bool	 is_metered;
	bool	 is_job;
	enum cfg_sla sla;
	struct cfg_volume *volumes;
	size_t	 n_volumes;
	size_t	 line;			/* position in the file, 1-based */
	size_t	 col;
};

struct cfg_node {
	char	*name;
	char	*ip;			/* $MASTER_IP resolved */
	char	*external_ip;		/* "" = no routes via this node */
	char	*management_ip;
	enum cfg_node_type type;
	int	 port;			/* the original's port id, default 0 */
};

struct cfg_dns_addon {
	char	*name;
	char	*ip;			/* $MASTER_IP resolved */
};

struct cfg_group {
	char	*name;
	struct cfg_service *services;
	size_t	 n_services;
};

struct torc_config {
	char	*path;			/* file it was loaded from */
	char	*master_ip;		/* what $MASTER_IP was replaced with */
	char	*name;			/* framework / scheduler name */
	char	*ipmiproxy;		/* accepted for compatibility; unused */

	struct cfg_node *nodes;
	size_t	 n_nodes;
	struct cfg_dns_addon *dns_addons;
	size_t	 n_dns_addons;

	struct {
		enum cfg_agent_type type;
		char	*connection;	/* "host:port", "" when type NONE */
		char	*host;
		int	 port;
		enum cfg_fboss_transport transport;	/* fboss only */
	} network_agent;

	struct {
		int	 poll_interval;		/* seconds */
	} statesync;

	struct {
		int	 poll_interval;		/* seconds */
		int	 timeout;		/* seconds */
		int	 restart_delay;		/* seconds */
	} stateclean;

	struct {
		int	 poll_interval;		/* seconds */
		struct cfg_service *system_services;
		size_t	 n_system_services;
	} healthcheck;

	struct {
		struct cfg_group *groups;
		size_t	 n_groups;
		char	*listen;	/* "addr:port", default 0.0.0.0:3000 */
		char	*token;		/* "" = no authentication */
	} api;

	struct {
		char	*connection;	/* "host:port", default $MASTER_IP:8500 */
		char	*host;
		int	 port;
		char	*domain;	/* default "torc" */
	} consul;

	struct {
		char	*user;
		double	 failover_timeout;	/* seconds */
		char	*role;
	} mesos;
};

/*
 * Errors collected while loading: each is "FILE:LINE:COL: message" (or
 * "FILE: message" when no position applies).  All are reported, not only
 * the first.
 */
struct cfg_errors {
	char	**msgs;
	size_t	  n;
};

/*
 * Load and validate path, replacing $MASTER_IP with master_ip.  On
 * success returns 0 and sets *out.  On failure returns -1, *out is NULL
 * and errs holds at least one message.  The caller frees errs with
 * cfg_errors_free() in both cases.  Messages are appended to errs, in
 * file order (start it as { 0 }); a file that cannot be read gives
 * "FILE: <strerror>".  A NULL master_ip counts as "".
 */
int	cfg_load(const char *path, const char *master_ip,
	    struct torc_config **out, struct cfg_errors *errs);
/* Same, from a buffer; name is used in messages in place of a path. */
int	cfg_load_buffer(const char *name, const char *buf, size_t len,
	    const char *master_ip, struct torc_config **out,
	    struct cfg_errors *errs);
void	cfg_free(struct torc_config *cfg);
void	cfg_errors_free(struct cfg_errors *errs);

/* Write the normalised config (defaults filled in) as YAML. */
int	cfg_print(FILE *fp, const struct torc_config *cfg);

/* Lookups; NULL when absent. */
const struct cfg_node *cfg_node_find(const struct torc_config *cfg,
	    const char *name);
const struct cfg_group *cfg_group_find(const struct torc_config *cfg,
	    const char *name);

const char *cfg_sla_name(enum cfg_sla sla);	/* "singleton_each_node" */
const char *cfg_node_type_name(enum cfg_node_type type);	/* "master" */
const char *cfg_agent_type_name(enum cfg_agent_type type);	/* "snaproute" */

#endif
