/*
 * http_client.h - asynchronous HTTP requests driven by an ev loop:
 * libcurl's multi interface with its sockets and timer handed to the
 * loop, so no request ever blocks it.  Connections to a host are kept
 * and reused between requests.
 *
 * Everything runs on the loop's thread.  A request's callback runs from
 * the loop (never from inside http_client_send), exactly once, unless
 * the request is cancelled or the client freed first.  Nothing here logs.
 */
#ifndef TORC_HTTP_CLIENT_H
#define TORC_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ev.h"

struct http_client;
struct http_req;

enum http_outcome {
	HTTP_ANSWERED = 0,	/* a complete HTTP answer (any status) */
	HTTP_NOT_SENT,		/* connection refused, no route...: nothing
				   reached the server */
	HTTP_TIMEOUT,		/* no complete answer in time */
	HTTP_FAILED,		/* connection lost, bad answer, too large */
};

struct http_response {
	enum http_outcome outcome;
	long		 status;	/* HTTP status when ANSWERED, else 0 */
	const char	*body;		/* NUL-terminated; valid during the cb */
	size_t		 body_len;
	const char	*error;		/* "" when ANSWERED */
	int64_t		 elapsed_us;
};

typedef void http_done_cb(const struct http_response *r, void *arg);

struct http_opts {
	const char	*method;	/* "GET", "PUT", "POST", "DELETE" */
	const char	*url;
	const char	*content_type;	/* NULL: no body header */
	const void	*body;		/* copied; NULL: none */
	size_t		 body_len;
	long		 timeout_ms;	/* whole request; 0: 10 s */
	long		 connect_timeout_ms; /* 0: min(timeout, 2 s) */
	size_t		 max_response;	/* 0: 64 MiB; larger answers fail */
};

/* A client on loop; NULL with err on failure.  Free with http_client_free. */
struct http_client *http_client_new(struct ev_loop *loop, char *err,
	    size_t errlen);
/* Cancels every request in flight (their callbacks are not called). */
void	http_client_free(struct http_client *hc);

/*
 * Start a request; cb runs when it ends.  Returns a handle (valid until
 * cb starts or the request is cancelled), or NULL with err.
 */
struct http_req *http_client_send(struct http_client *hc,
	    const struct http_opts *o, http_done_cb *cb, void *arg,
	    char *err, size_t errlen);
/* Abandon a request: its callback will not run. */
void	http_req_cancel(struct http_req *req);
/* Requests in flight. */
size_t	http_client_active(const struct http_client *hc);

#endif
