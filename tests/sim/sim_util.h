/*
 * sim_util.h - helpers shared by torc-sim's HTTP parts (sim_fault.c):
 * one libmicrohttpd server with fault injection, an artificial delay and
 * a log of the requests it received; small JSON, time and random helpers.
 *
 * A part describes itself in a struct sim_httpd (name, address, port,
 * handler) and calls sim_httpd_start().  Every request is read whole,
 * logged, subjected to the current fault mode and delay, and only then
 * handed to the part's handler, which fills a struct sim_reply; the
 * server sends it.  Handlers run on libmicrohttpd's per-connection
 * threads, concurrently: a part guards its own state.
 */
#ifndef TORC_SIM_UTIL_H
#define TORC_SIM_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "sim.h"

#define SIM_BODY_MAX		(1024 * 1024)	/* larger bodies get 413 */
#define SIM_REQLOG_MAX		20000		/* oldest entries dropped */
#define SIM_REQLOG_BODY_MAX	(64 * 1024)	/* larger JSON logged as text */
#define SIM_REQLOG_TEXT_MAX	4096		/* text bodies cut here */
#define SIM_HANG_CAP_MS		(5 * 60 * 1000)	/* a hung request's limit */
#define SIM_DELAY_MAX_MS	(10 * 60 * 1000)

/* One request as a handler sees it (all pointers valid for the call). */
struct sim_request {
	struct MHD_Connection *conn;	/* for query arguments, headers */
	const char *method;
	const char *path;		/* without the query string */
	const char *body;		/* NUL-terminated, "" when none */
	size_t	 body_len;
	json_t	*json;			/* body parsed, NULL if not JSON */
};

/* The answer a handler fills; the server frees body and headers. */
struct sim_reply {
	unsigned status;
	const char *ctype;		/* static string */
	char	*body;			/* malloc'd, may be NULL (empty) */
	size_t	 body_len;
	char	*hdr_name[4];		/* extra headers, malloc'd */
	char	*hdr_value[4];
	int	 n_hdrs;
};

typedef void (*sim_handler_fn)(void *arg, const struct sim_request *req,
	    struct sim_reply *rep);

struct sim_httpd {
	/* Filled by the part before sim_httpd_start(). */
	const char *name;		/* "consul", used in logs */
	char	 bind_ip[64];
	int	 port;
	sim_handler_fn handler;
	void	*arg;
	bool	 faults;		/* fault modes, delay and request log */
	unsigned fault_status;		/* reply in SIM_FAULT_500, e.g. 500 */
	const char *fault_ctype;
	const char *fault_body;

	/* Private. */
	pthread_mutex_t mtx;		/* fault, delay, stopping, log */
	pthread_cond_t cv;		/* signalled when any of them changes */
	pthread_mutex_t admin;		/* serialises daemon start/stop */
	enum sim_fault fault;
	int	 delay_ms;
	bool	 stopping;
	struct MHD_Daemon *daemon;
	json_t	*log;			/* array of request records */
	uint64_t log_seq;
	uint64_t log_dropped;
	bool	 inited;
};

/*
 * Start listening; 0, or -1 with a message in err.  Stop closes the
 * listener, releases every held (hung or delayed) request and waits for
 * the connection threads.  Stop is idempotent and safe on a server whose
 * start failed.
 */
int	 sim_httpd_start(struct sim_httpd *h, char *err, size_t errlen);
void	 sim_httpd_stop(struct sim_httpd *h);

/*
 * Change the fault mode.  REFUSE closes the listener (connections in
 * flight are dropped); leaving REFUSE listens again on the same port.
 * Returns 0, or -1 with err when the listener cannot be reopened.
 */
int	 sim_httpd_set_fault(struct sim_httpd *h, enum sim_fault f,
	    char *err, size_t errlen);
enum sim_fault sim_httpd_get_fault(struct sim_httpd *h);
void	 sim_httpd_set_delay(struct sim_httpd *h, int ms);
int	 sim_httpd_get_delay(struct sim_httpd *h);

/* The request log: a JSON copy ({"requests":[...],"dropped":N}); clear. */
json_t	*sim_httpd_log_dump(struct sim_httpd *h);
void	 sim_httpd_log_clear(struct sim_httpd *h);

/*
 * The control routes every faultable part shares: POST fault, POST delay,
 * GET/DELETE requests.  Returns a reply (new reference) with *status set,
 * or NULL when path/method is not one of them.
 */
json_t	*sim_httpd_control(struct sim_httpd *h, const char *path,
	    const char *method, json_t *body, int *status);

/* Reply helpers for handlers; they take ownership of what they are given. */
void	 sim_reply_json(struct sim_reply *rep, unsigned status, json_t *j);
void	 sim_reply_text(struct sim_reply *rep, unsigned status,
	    const char *ctype, const char *text);
void	 sim_reply_header(struct sim_reply *rep, const char *name,
	    const char *value);

/* {"error": msg} with *status = code: the control API's error shape. */
json_t	*sim_ctl_error(int *status, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Case-insensitive object member lookup (Go's JSON decoding rule). */
json_t	*sim_json_iget(json_t *obj, const char *key);

/* Wall-clock time in seconds since the epoch. */
double	 sim_now(void);

/* Seeded generator shared by the parts (thread-safe); a v4-style UUID. */
void	 sim_rand_seed(uint64_t seed);
uint64_t sim_rand_u64(void);
void	 sim_uuid(char out[37]);

/* IPv4 helpers: dotted quad <-> host order; mask <-> prefix length. */
int	 sim_ip_parse(const char *s, uint32_t *out);
void	 sim_ip_format(uint32_t ip, char out[16]);
int	 sim_mask_len(uint32_t mask);		/* -1 if not contiguous */
uint32_t sim_len_mask(int len);

#endif
