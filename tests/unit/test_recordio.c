/*
 * test_recordio.c - the RecordIO decoder and encoder (common/recordio.c)
 * and the wire layout of the Mesos protos (common/mesos/): the
 * mesos-go reader vectors, every input fed whole, byte by byte and in
 * random splits, and the reference hex vectors decoded and re-encoded
 * with protobuf-c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recordio.h"
#include "mesos/mesos.pb-c.h"
#include "mesos/scheduler.pb-c.h"

#define MAXREC	16

struct collect {
	char	*recs[MAXREC];
	size_t	 lens[MAXREC];
	int	 n;
};

static int
collect_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct collect *c = arg;

	if (c->n >= MAXREC)
		return -1;
	c->recs[c->n] = malloc(len + 1);
	assert_non_null(c->recs[c->n]);
	memcpy(c->recs[c->n], rec, len);
	c->recs[c->n][len] = '\0';
	c->lens[c->n] = len;
	c->n++;
	return 0;
}

static void
collect_free(struct collect *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->recs[i]);
	c->n = 0;
}

/* Split modes: 0 whole, 1 one byte at a time, 2+ random (seeded). */
static int
decode_split(const char *in, size_t inlen, uint64_t max, int mode,
    struct collect *c)
{
	struct recordio_decoder d;
	size_t off = 0;
	int rc = 0;
	unsigned seed = (unsigned)mode * 7919u;

	recordio_decoder_init(&d, max, collect_cb, c);
	while (off < inlen && rc == 0) {
		size_t n;

		if (mode == 0)
			n = inlen;
		else if (mode == 1)
			n = 1;
		else
			n = (size_t)(rand_r(&seed) % 7) + 1;
		if (n > inlen - off)
			n = inlen - off;
		rc = recordio_feed(&d, in + off, n);
		off += n;
	}
	if (rc == 0)
		rc = recordio_finish(&d);
	if (rc != 0)
		rc = recordio_error(&d);
	recordio_decoder_free(&d);
	return rc;
}

struct vector {
	const char *in;
	size_t	 inlen;		/* 0 = strlen */
	int	 err;
	int	 n;
	const char *out[4];
};

/* mesos-go recordio/reader_test.go cases and our edge cases. */
static const struct vector vectors[] = {
	{ "", 0, RECORDIO_OK, 0, { NULL } },
	{ "1\na0\n1\nb", 0, RECORDIO_OK, 2, { "a", "b" } },
	{ "5\nabcde3\nfgh", 0, RECORDIO_OK, 2, { "abcde", "fgh" } },
	{ "2\na", 0, RECORDIO_ERR_UNDERRUN, 0, { NULL } },
	{ "2", 0, RECORDIO_ERR_UNDERRUN, 0, { NULL } },
	{ "123456789012345678901\n", 0, RECORDIO_ERR_SIZE, 0, { NULL } },
	{ "a\n", 0, RECORDIO_ERR_SIZE, 0, { NULL } },
	{ "\nabc", 0, RECORDIO_ERR_SIZE, 0, { NULL } },
	{ "1\na-1\nb", 0, RECORDIO_ERR_SIZE, 1, { "a" } },
	{ "0003\nxyz", 0, RECORDIO_OK, 1, { "xyz" } },
	{ "00000000000000000003\nxyz", 0, RECORDIO_OK, 1, { "xyz" } },
	{ "000000000000000000003\nxyz", 0, RECORDIO_ERR_SIZE, 0, { NULL } },
	{ "0\n0\n0\n", 0, RECORDIO_OK, 0, { NULL } },
	{ "99999999999999999999\n", 0, RECORDIO_ERR_SIZE, 0, { NULL } },
	{ "18446744073709551615\n", 0, RECORDIO_ERR_TOOBIG, 0, { NULL } },
	{ "1025\n", 0, RECORDIO_ERR_TOOBIG, 0, { NULL } },
	{ "3\na\nb1\n\n", 0, RECORDIO_OK, 2, { "a\nb", "\n" } },
	{ "2\n\0\0001\nz", 7, RECORDIO_OK, 2, { "", "z" } },
};

static void
test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		size_t len = v->inlen ? v->inlen : strlen(v->in);

		for (int mode = 0; mode < 40; mode++) {
			struct collect c = { .n = 0 };
			int err = decode_split(v->in, len, 1024, mode, &c);

			if (err != v->err || c.n != v->n)
				fail_msg("vector %zu mode %d: err %d n %d",
				    i, mode, err, c.n);
			for (int k = 0; k < c.n; k++) {
				if (v->out[k][0] != '\0')
					assert_string_equal(c.recs[k],
					    v->out[k]);
				else
					assert_int_equal(c.lens[k], 2);
			}
			collect_free(&c);
		}
	}
}

static void
test_sticky_error(void **state)
{
	struct recordio_decoder d;
	struct collect c = { .n = 0 };

	(void)state;
	recordio_decoder_init(&d, 0, collect_cb, &c);
	assert_int_equal(recordio_feed(&d, "x", 1), -1);
	assert_int_equal(recordio_error(&d), RECORDIO_ERR_SIZE);
	assert_int_equal(recordio_feed(&d, "1\na", 3), -1);
	assert_int_equal(recordio_finish(&d), -1);
	assert_int_equal(c.n, 0);
	assert_string_equal(recordio_strerror(RECORDIO_ERR_SIZE),
	    "malformed record size");
	recordio_decoder_free(&d);
}

static int
stop_cb(void *arg, const uint8_t *rec, size_t len)
{
	(void)rec;
	(void)len;
	(*(int *)arg)++;
	return 1;
}

static void
test_callback_stop(void **state)
{
	struct recordio_decoder d;
	int calls = 0;

	(void)state;
	recordio_decoder_init(&d, 0, stop_cb, &calls);
	assert_int_equal(recordio_feed(&d, "1\na1\nb", 6), -1);
	assert_int_equal(recordio_error(&d), RECORDIO_ERR_CALLBACK);
	assert_int_equal(calls, 1);
	recordio_decoder_free(&d);
}

static void
test_pull_mode(void **state)
{
	struct recordio_decoder d;
	uint8_t *rec;
	size_t len;

	(void)state;
	recordio_decoder_init(&d, 0, NULL, NULL);
	assert_int_equal(recordio_feed(&d, "3\nabc2\nd", 8), 0);
	assert_int_equal(recordio_next(&d, &rec, &len), 1);
	assert_int_equal(len, 3);
	assert_memory_equal(rec, "abc", 3);
	free(rec);
	assert_int_equal(recordio_next(&d, &rec, &len), 0);
	assert_int_equal(recordio_feed(&d, "e", 1), 0);
	assert_int_equal(recordio_next(&d, &rec, &len), 1);
	assert_memory_equal(rec, "de", 2);
	free(rec);
	assert_int_equal(recordio_finish(&d), 0);
	/* Records left in the queue are released by free. */
	assert_int_equal(recordio_feed(&d, "1\nx1\ny", 6), 0);
	recordio_decoder_free(&d);
}

static void
test_encode_roundtrip(void **state)
{
	char hdr[RECORDIO_HDR_MAX];
	uint8_t big[3000];
	size_t outlen;
	uint8_t *enc;
	struct collect c = { .n = 0 };
	struct recordio_decoder d;

	(void)state;
	assert_int_equal(recordio_header(hdr, 0), 2);
	assert_string_equal(hdr, "0\n");
	assert_int_equal(recordio_header(hdr, UINT64_MAX), 21);
	assert_string_equal(hdr, "18446744073709551615\n");

	enc = recordio_encode("\x08\x08", 2, &outlen);
	assert_non_null(enc);
	assert_int_equal(outlen, 4);
	assert_memory_equal(enc, "2\n\x08\x08", 4);
	free(enc);

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31);
	enc = recordio_encode(big, sizeof(big), &outlen);
	assert_non_null(enc);
	assert_int_equal(outlen, 5 + sizeof(big));
	for (int mode = 0; mode < 10; mode++) {
		recordio_decoder_init(&d, 4096, collect_cb, &c);
		for (size_t off = 0; off < outlen;) {
			size_t n = mode == 0 ? outlen : (size_t)mode * 13;

			if (n > outlen - off)
				n = outlen - off;
			assert_int_equal(recordio_feed(&d, enc + off, n), 0);
			off += n;
		}
		assert_int_equal(recordio_finish(&d), 0);
		assert_int_equal(c.n, 1);
		assert_int_equal(c.lens[0], sizeof(big));
		assert_memory_equal(c.recs[0], big, sizeof(big));
		collect_free(&c);
		recordio_decoder_free(&d);
	}
	free(enc);
}

/* ---- wire vectors of the reference (protoc --encode, upstream protos) */

static const uint8_t hb_bytes[] = { 0x08, 0x08 };
static const uint8_t subscribed_bytes[] = {
	0x08, 0x01, 0x12, 0x13, 0x0a, 0x08, 0x0a, 0x06, 0x4d, 0x2d, 0x30,
	0x30, 0x30, 0x30, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2e,
	0x40 };
static const uint8_t subscribe_bytes[] = {
	0x10, 0x01, 0x1a, 0x1b, 0x0a, 0x19, 0x0a, 0x04, 0x72, 0x6f, 0x6f,
	0x74, 0x12, 0x02, 0x6d, 0x63, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x75, 0x22, 0x41, 0x28, 0x01, 0x32, 0x02, 0x6d, 0x63 };
static const uint8_t decline_bytes[] = {
	0x0a, 0x08, 0x0a, 0x06, 0x4d, 0x2d, 0x30, 0x30, 0x30, 0x30, 0x10,
	0x04, 0x2a, 0x13, 0x0a, 0x06, 0x0a, 0x04, 0x4d, 0x2d, 0x4f, 0x31,
	0x12, 0x09, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5e, 0x40 };

static void
assert_packed(const ProtobufCMessage *m, const uint8_t *want, size_t n)
{
	size_t sz = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(sz);

	assert_non_null(buf);
	assert_int_equal(sz, n);
	assert_int_equal(protobuf_c_message_pack(m, buf), n);
	assert_memory_equal(buf, want, n);
	free(buf);
}

static void
test_wire_heartbeat(void **state)
{
	Mesos__V1__Scheduler__Event *ev, out;
	char stream[] = "2\n\x08\x08";
	struct collect c = { .n = 0 };

	(void)state;
	assert_int_equal(decode_split(stream, 4, 0, 1, &c), 0);
	assert_int_equal(c.n, 1);
	ev = mesos__v1__scheduler__event__unpack(NULL, c.lens[0],
	    (const uint8_t *)c.recs[0]);
	assert_non_null(ev);
	assert_true(ev->has_type);
	assert_int_equal(ev->type, MESOS__V1__SCHEDULER__EVENT__TYPE__HEARTBEAT);
	mesos__v1__scheduler__event__free_unpacked(ev, NULL);
	collect_free(&c);

	mesos__v1__scheduler__event__init(&out);
	out.has_type = 1;
	out.type = MESOS__V1__SCHEDULER__EVENT__TYPE__HEARTBEAT;
	assert_packed(&out.base, hb_bytes, sizeof(hb_bytes));
}

static void
test_wire_subscribed(void **state)
{
	Mesos__V1__Scheduler__Event *ev, out;
	Mesos__V1__Scheduler__Event__Subscribed sub;
	Mesos__V1__FrameworkID fid;

	(void)state;
	ev = mesos__v1__scheduler__event__unpack(NULL,
	    sizeof(subscribed_bytes), subscribed_bytes);
	assert_non_null(ev);
	assert_int_equal(ev->type,
	    MESOS__V1__SCHEDULER__EVENT__TYPE__SUBSCRIBED);
	assert_non_null(ev->subscribed);
	assert_string_equal(ev->subscribed->framework_id->value, "M-0000");
	assert_true(ev->subscribed->has_heartbeat_interval_seconds);
	assert_true(ev->subscribed->heartbeat_interval_seconds == 15.0);
	mesos__v1__scheduler__event__free_unpacked(ev, NULL);

	mesos__v1__framework_id__init(&fid);
	fid.value = "M-0000";
	mesos__v1__scheduler__event__subscribed__init(&sub);
	sub.framework_id = &fid;
	sub.has_heartbeat_interval_seconds = 1;
	sub.heartbeat_interval_seconds = 15;
	mesos__v1__scheduler__event__init(&out);
	out.has_type = 1;
	out.type = MESOS__V1__SCHEDULER__EVENT__TYPE__SUBSCRIBED;
	out.subscribed = &sub;
	assert_packed(&out.base, subscribed_bytes, sizeof(subscribed_bytes));

	/* A required field missing: protobuf-c refuses the message. */
	ev = mesos__v1__scheduler__event__unpack(NULL, 4,
	    (const uint8_t *)"\x08\x01\x12\x00");
	assert_null(ev);
}

static void
test_wire_subscribe(void **state)
{
	Mesos__V1__Scheduler__Call *call, out;
	Mesos__V1__Scheduler__Call__Subscribe sub;
	Mesos__V1__FrameworkInfo fi;

	(void)state;
	call = mesos__v1__scheduler__call__unpack(NULL,
	    sizeof(subscribe_bytes), subscribe_bytes);
	assert_non_null(call);
	assert_int_equal(call->type, MESOS__V1__SCHEDULER__CALL__TYPE__SUBSCRIBE);
	assert_null(call->framework_id);
	assert_non_null(call->subscribe);
	fi = *call->subscribe->framework_info;
	assert_string_equal(fi.user, "root");
	assert_string_equal(fi.name, "mc");
	assert_true(fi.has_failover_timeout);
	assert_true(fi.failover_timeout == 604800.0);
	assert_true(fi.has_checkpoint && fi.checkpoint);
	assert_string_equal(fi.role, "mc");
	mesos__v1__scheduler__call__free_unpacked(call, NULL);

	mesos__v1__framework_info__init(&fi);
	fi.user = "root";
	fi.name = "mc";
	fi.has_failover_timeout = 1;
	fi.failover_timeout = 604800;
	fi.has_checkpoint = 1;
	fi.checkpoint = 1;
	fi.role = "mc";
	mesos__v1__scheduler__call__subscribe__init(&sub);
	sub.framework_info = &fi;
	mesos__v1__scheduler__call__init(&out);
	out.has_type = 1;
	out.type = MESOS__V1__SCHEDULER__CALL__TYPE__SUBSCRIBE;
	out.subscribe = &sub;
	assert_packed(&out.base, subscribe_bytes, sizeof(subscribe_bytes));
}

static void
test_wire_decline(void **state)
{
	Mesos__V1__Scheduler__Call *call, out;
	Mesos__V1__Scheduler__Call__Decline dec;
	Mesos__V1__FrameworkID fid;
	Mesos__V1__OfferID oid, *oids[1];
	Mesos__V1__Filters filt;

	(void)state;
	call = mesos__v1__scheduler__call__unpack(NULL,
	    sizeof(decline_bytes), decline_bytes);
	assert_non_null(call);
	assert_int_equal(call->type, MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE);
	assert_string_equal(call->framework_id->value, "M-0000");
	assert_int_equal(call->decline->n_offer_ids, 1);
	assert_string_equal(call->decline->offer_ids[0]->value, "M-O1");
	assert_true(call->decline->filters->has_refuse_seconds);
	assert_true(call->decline->filters->refuse_seconds == 120.0);
	mesos__v1__scheduler__call__free_unpacked(call, NULL);

	mesos__v1__framework_id__init(&fid);
	fid.value = "M-0000";
	mesos__v1__offer_id__init(&oid);
	oid.value = "M-O1";
	oids[0] = &oid;
	mesos__v1__filters__init(&filt);
	filt.has_refuse_seconds = 1;
	filt.refuse_seconds = 120;
	mesos__v1__scheduler__call__decline__init(&dec);
	dec.n_offer_ids = 1;
	dec.offer_ids = oids;
	dec.filters = &filt;
	mesos__v1__scheduler__call__init(&out);
	out.framework_id = &fid;
	out.has_type = 1;
	out.type = MESOS__V1__SCHEDULER__CALL__TYPE__DECLINE;
	out.decline = &dec;
	assert_packed(&out.base, decline_bytes, sizeof(decline_bytes));

	/* Defaults of the excerpt match upstream. */
	mesos__v1__filters__init(&filt);
	assert_true(filt.refuse_seconds == 5.0);
}

/* The four vectors as one stream, split every way: all decode. */
static void
test_wire_stream_splits(void **state)
{
	uint8_t stream[256];
	size_t n = 0;
	const struct {
		const uint8_t *b;
		size_t len;
	} recs[] = {
		{ subscribed_bytes, sizeof(subscribed_bytes) },
		{ hb_bytes, sizeof(hb_bytes) },
		{ hb_bytes, sizeof(hb_bytes) },
	};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		char hdr[RECORDIO_HDR_MAX];
		size_t hl = recordio_header(hdr, recs[i].len);

		memcpy(stream + n, hdr, hl);
		n += hl;
		memcpy(stream + n, recs[i].b, recs[i].len);
		n += recs[i].len;
	}
	for (int mode = 0; mode < 30; mode++) {
		struct collect c = { .n = 0 };

		assert_int_equal(decode_split((char *)stream, n, 0, mode, &c),
		    0);
		assert_int_equal(c.n, 3);
		for (int k = 0; k < 3; k++) {
			Mesos__V1__Scheduler__Event *ev =
			    mesos__v1__scheduler__event__unpack(NULL,
			    c.lens[k], (const uint8_t *)c.recs[k]);

			assert_non_null(ev);
			assert_int_equal(ev->type, k == 0 ?
			    MESOS__V1__SCHEDULER__EVENT__TYPE__SUBSCRIBED :
			    MESOS__V1__SCHEDULER__EVENT__TYPE__HEARTBEAT);
			mesos__v1__scheduler__event__free_unpacked(ev, NULL);
		}
		collect_free(&c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_sticky_error),
		cmocka_unit_test(test_callback_stop),
		cmocka_unit_test(test_pull_mode),
		cmocka_unit_test(test_encode_roundtrip),
		cmocka_unit_test(test_wire_heartbeat),
		cmocka_unit_test(test_wire_subscribed),
		cmocka_unit_test(test_wire_subscribe),
		cmocka_unit_test(test_wire_decline),
		cmocka_unit_test(test_wire_stream_splits),
	};

	return cmocka_run_group_tests_name("recordio", tests, NULL, NULL);
}
