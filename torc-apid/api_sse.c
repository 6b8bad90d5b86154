/*
 * api_sse.c - GET /events: Server-Sent Events.  Every change the replica
 * applies (from SVC_UPDATE, SVC_REMOVE, NODE_UPDATE, SCHED_STATUS on
 * events.ipc) becomes one event to every client, as it happens.
 *
 * Each client is an MHD response from a callback.  Text waiting for a
 * client is kept in its buffer; when the buffer is empty the callback
 * suspends the connection and a new event resumes it, so nothing busy
 * waits.  A client that falls API_SSE_MAX_PENDING bytes behind is cut off.
 */
#include "apid.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

struct api_sse_client {
	TAILQ_ENTRY(api_sse_client) entry;
	struct apid	*ad;
	struct MHD_Connection *conn;
	char		*buf;		/* pending text: buf[off, len) */
	size_t		 off;
	size_t		 len;
	size_t		 cap;
	bool		 suspended;
	bool		 dead;		/* too slow or shutting down */
};

static void
sse_append(struct api_sse_client *c, const char *s, size_t n)
{
	if (c->dead)
		return;
	if (c->len - c->off + n > API_SSE_MAX_PENDING) {
		log_warnx("events: client too slow, %zu bytes pending: "
		    "disconnecting it", c->len - c->off);
		c->dead = true;
		return;
	}
	if (c->off > 0 && c->off == c->len)
		c->off = c->len = 0;
	if (c->len + n > c->cap) {
		if (c->off > 0) {	/* compact first */
			memmove(c->buf, c->buf + c->off, c->len - c->off);
			c->len -= c->off;
			c->off = 0;
		}
		while (c->len + n > c->cap)
			c->cap = c->cap ? c->cap * 2 : 4096;
		c->buf = xrealloc(c->buf, c->cap);
	}
	memcpy(c->buf + c->len, s, n);
	c->len += n;
}

static void
sse_wake(struct api_sse_client *c)
{
	if (c->suspended) {
		c->suspended = false;
		MHD_resume_connection(c->conn);
		apid_kick(c->ad);
	}
}

static ssize_t
sse_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct api_sse_client *c = cls;
	size_t n;

	(void)pos;
	if (c->dead)
		return c->ad->quitting ? MHD_CONTENT_READER_END_OF_STREAM :
		    MHD_CONTENT_READER_END_WITH_ERROR;
	if (c->off == c->len) {
		/* Nothing to send: sleep until the next event. */
		c->suspended = true;
		MHD_suspend_connection(c->conn);
		return 0;
	}
	n = c->len - c->off;
	if (n > max)
		n = max;
	memcpy(out, c->buf + c->off, n);
	c->off += n;
	return (ssize_t)n;
}

static void
sse_free(void *cls)
{
	struct api_sse_client *c = cls;

	TAILQ_REMOVE(&c->ad->sse, c, entry);
	c->ad->stats.sse_clients--;
	free(c->buf);
	free(c);
}

void
api_sse_open(struct api_req *r)
{
	static const char hello[] = ": torc-apid events\nretry: 2000\n\n";
	struct api_sse_client *c = xcalloc(1, sizeof(*c));
	struct MHD_Response *resp;

	c->ad = r->ad;
	c->conn = r->conn;
	sse_append(c, hello, sizeof(hello) - 1);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384,
	    sse_reader, c, sse_free);
	if (resp == NULL) {
		free(c->buf);
		free(c);
		api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "cannot create the event stream");
		return;
	}
	TAILQ_INSERT_TAIL(&r->ad->sse, c, entry);
	r->ad->stats.sse_clients++;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/event-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-cache");
	api_reply_resp(r, MHD_HTTP_OK, resp, true);
}

void
api_sse_broadcast(struct apid *ad, const char *event, uint64_t id,
    const char *data)
{
	struct api_sse_client *c;
	char *text;
	size_t n;

	if (TAILQ_EMPTY(&ad->sse))
		return;
	/* data is one line of compact JSON: no newline to split. */
	text = xasprintf("id: %llu\nevent: %s\ndata: %s\n\n",
	    (unsigned long long)id, event, data);
	n = strlen(text);
	TAILQ_FOREACH(c, &ad->sse, entry) {
		sse_append(c, text, n);
		sse_wake(c);
	}
	free(text);
}

void
api_sse_keepalive(struct apid *ad)
{
	static const char ping[] = ": keepalive\n\n";
	struct api_sse_client *c;

	/* Also how a client that left is noticed: the write fails. */
	TAILQ_FOREACH(c, &ad->sse, entry) {
		sse_append(c, ping, sizeof(ping) - 1);
		sse_wake(c);
	}
}

void
api_sse_close_all(struct apid *ad)
{
	struct api_sse_client *c;

	TAILQ_FOREACH(c, &ad->sse, entry) {
		c->dead = true;
		sse_wake(c);
	}
}
