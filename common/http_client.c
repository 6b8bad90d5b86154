/*
 * http_client.c - libcurl multi on an ev loop (see http_client.h).
 *
 * curl tells us which sockets to watch (socket callback) and when to call
 * it back (timer callback); we translate both into ev watchers and feed
 * events back with curl_multi_socket_action().  Finished transfers are
 * collected with curl_multi_info_read() after every such call, outside
 * any curl callback, so completion callbacks may start new requests.
 */
#include "http_client.h"

#include "ev_curl.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monotime.h"
#include "util.h"

#define HTTP_DEFAULT_TIMEOUT_MS		10000
#define HTTP_DEFAULT_CONNECT_MS		2000
#define HTTP_DEFAULT_MAX_RESPONSE	(64u * 1024 * 1024)

struct http_req {
	struct http_client *hc;
	CURL		*easy;
	struct curl_slist *hdrs;
	char		*reqbody;
	char		*resp;
	size_t		 resp_len, resp_cap, resp_max;
	bool		 too_large;
	http_done_cb	*cb;
	void		*arg;
	int64_t		 start_us;
	char		 errbuf[CURL_ERROR_SIZE];
	struct http_req	*prev, *next;
};

struct http_client {
	struct ev_loop	*loop;
	struct ev_curl	 curl;
	struct http_req	*reqs;
	size_t		 n_active;
};

static void http_check_done(struct http_client *hc);

/* ev_curl's `after`: finished transfers. */
static void
http_after(void *arg)
{
	http_check_done(arg);
}

static size_t
http_write_fn(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_req *r = userdata;
	size_t n = size * nmemb;

	if (r->resp_len + n > r->resp_max) {
		r->too_large = true;
		return 0;
	}
	if (r->resp_len + n + 1 > r->resp_cap) {
		size_t cap = r->resp_cap ? r->resp_cap : 1024;

		while (cap < r->resp_len + n + 1)
			cap *= 2;
		r->resp = xrealloc(r->resp, cap);
		r->resp_cap = cap;
	}
	memcpy(r->resp + r->resp_len, ptr, n);
	r->resp_len += n;
	r->resp[r->resp_len] = '\0';
	return n;
}

struct http_client *
http_client_new(struct ev_loop *loop, char *err, size_t errlen)
{
	struct http_client *hc;

	hc = xcalloc(1, sizeof(*hc));
	hc->loop = loop;
	if (ev_curl_init(&hc->curl, loop, http_after, hc) != 0) {
		snprintf(err, errlen, "curl initialisation failed");
		free(hc);
		return NULL;
	}
	/* Keep a few idle connections per host for reuse. */
	curl_multi_setopt(hc->curl.multi, CURLMOPT_MAXCONNECTS, 64L);
	return hc;
}

static void
http_req_free(struct http_req *r)
{
	struct http_client *hc = r->hc;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		hc->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	hc->n_active--;
	curl_multi_remove_handle(hc->curl.multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	free(r->reqbody);
	free(r->resp);
	free(r);
}

void
http_client_free(struct http_client *hc)
{
	if (hc == NULL)
		return;
	while (hc->reqs != NULL)
		http_req_free(hc->reqs);
	ev_curl_fini(&hc->curl);
	free(hc);
}

void
http_req_cancel(struct http_req *req)
{
	if (req != NULL)
		http_req_free(req);
}

size_t
http_client_active(const struct http_client *hc)
{
	return hc->n_active;
}

struct http_req *
http_client_send(struct http_client *hc, const struct http_opts *o,
    http_done_cb *cb, void *arg, char *err, size_t errlen)
{
	struct http_req *r = xcalloc(1, sizeof(*r));
	long tmo = o->timeout_ms > 0 ? o->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
	long ctmo = o->connect_timeout_ms > 0 ? o->connect_timeout_ms :
	    (tmo < HTTP_DEFAULT_CONNECT_MS ? tmo : HTTP_DEFAULT_CONNECT_MS);
	CURL *e;

	if ((e = r->easy = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		free(r);
		return NULL;
	}
	r->hc = hc;
	r->cb = cb;
	r->arg = arg;
	r->resp_max = o->max_response ? o->max_response :
	    HTTP_DEFAULT_MAX_RESPONSE;
	curl_easy_setopt(e, CURLOPT_URL, o->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, tmo);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ctmo);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_fn);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	r->hdrs = curl_slist_append(r->hdrs, "Expect:");
	if (o->content_type != NULL) {
		char h[128];

		snprintf(h, sizeof(h), "Content-Type: %s", o->content_type);
		r->hdrs = curl_slist_append(r->hdrs, h);
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	if (o->body != NULL) {
		r->reqbody = xmalloc(o->body_len + 1);
		memcpy(r->reqbody, o->body, o->body_len);
		r->reqbody[o->body_len] = '\0';
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)o->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->reqbody);
	}
	if (strcmp(o->method, "GET") == 0 && o->body == NULL)
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	else if (strcmp(o->method, "POST") != 0 || o->body == NULL)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, o->method);
	r->start_us = mono_us();
	if (curl_multi_add_handle(hc->curl.multi, e) != CURLM_OK) {
		snprintf(err, errlen, "curl_multi_add_handle failed");
		curl_slist_free_all(r->hdrs);
		curl_easy_cleanup(e);
		free(r->reqbody);
		free(r);
		return NULL;
	}
	r->next = hc->reqs;
	if (hc->reqs != NULL)
		hc->reqs->prev = r;
	hc->reqs = r;
	hc->n_active++;
	return r;
}

static void
http_finish(struct http_req *r, CURLcode rc)
{
	struct http_response res = { 0 };

	res.elapsed_us = mono_us() - r->start_us;
	res.body = r->resp != NULL ? r->resp : "";
	res.body_len = r->resp_len;
	res.error = "";
	if (rc == CURLE_OK) {
		res.outcome = HTTP_ANSWERED;
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &res.status);
	} else {
		res.error = r->errbuf[0] != '\0' ? r->errbuf :
		    curl_easy_strerror(rc);
		switch (rc) {
		case CURLE_COULDNT_CONNECT:
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_RESOLVE_PROXY:
		case CURLE_URL_MALFORMAT:
		case CURLE_UNSUPPORTED_PROTOCOL:
			res.outcome = HTTP_NOT_SENT;
			break;
		case CURLE_OPERATION_TIMEDOUT:
			res.outcome = HTTP_TIMEOUT;
			break;
		default:
			res.outcome = HTTP_FAILED;
			if (r->too_large)
				res.error = "answer too large";
			break;
		}
	}
	if (r->cb != NULL)
		r->cb(&res, r->arg);
}

static void
http_check_done(struct http_client *hc)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(hc->curl.multi, &left)) != NULL) {
		struct http_req *r = NULL;
		CURLcode rc;

		if (msg->msg != CURLMSG_DONE)
			continue;
		rc = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &r);
		if (r == NULL)
			continue;
		/*
		 * Detach first: the callback may start requests or cancel
		 * others, but r is ours until freed below.
		 */
		curl_multi_remove_handle(hc->curl.multi, r->easy);
		http_finish(r, rc);
		http_req_free(r);
	}
}
