/*
 * ev_curl.h - libcurl's multi interface driven by an ev loop: curl's
 * sockets are watched with ev_io_set() and its timeout is an ev_timer,
 * so transfers never block the loop.  After every
 * curl_multi_socket_action() the owner's `after` callback runs, to read
 * received data and finished transfers (curl_multi_info_read).
 *
 * Used by the HTTP client (torc-routed) and the Mesos connection
 * (torc-schedd).  Nothing here logs.
 */
#ifndef TORC_EV_CURL_H
#define TORC_EV_CURL_H

#include <curl/curl.h>

#include "ev.h"

struct ev_curl {
	struct ev_loop	*loop;
	CURLM		*multi;
	struct ev_timer	 timer;
	void		(*after)(void *arg);
	void		*arg;
	int		 depth;		/* within curl or `after` */
};

/* Create the multi handle on loop; -1 if curl could not. */
int	ev_curl_init(struct ev_curl *ec, struct ev_loop *loop,
	    void (*after)(void *arg), void *arg);
/*
 * Run now what curl has due now (a transfer just added: its request goes
 * out) rather than on the loop's next round, then `after`.  Only from
 * the top of a loop callback, never from within curl's callbacks or
 * `after` (there it does nothing: the watchers call it themselves once
 * `after` has returned, so a request queued while handling what curl
 * received goes out before the loop's other timers run).
 */
void	ev_curl_run_due(struct ev_curl *ec);
/* Stop the timer and free the multi handle (easy handles removed first). */
void	ev_curl_fini(struct ev_curl *ec);

#endif
