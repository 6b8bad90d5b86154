/*
 * recordio.h - the RecordIO framing of the Mesos v1 scheduler event
 * stream: records = *record; record = size LF data, where size is the
 * decimal byte count of data and no LF follows the data.
 *
 * The decoder is incremental: feed it the bytes as they arrive, in
 * chunks of any size and with any split (a record may span many chunks,
 * a chunk may hold many records).  Each complete record is handed to a
 * callback, or queued for recordio_next() when no callback is given.
 * Pure code: no I/O, no logging, no global state.
 *
 * Accepted sizes: 1 to RECORDIO_MAX_DIGITS decimal digits, leading zeros
 * allowed, value at most the decoder's max_record.  A zero-length record
 * is tolerated and skipped (never delivered).  Errors are sticky: once
 * recordio_feed() has failed, every later call fails with the same code.
 */
#ifndef TORC_RECORDIO_H
#define TORC_RECORDIO_H

#include <stddef.h>
#include <stdint.h>

#define RECORDIO_MAX_DIGITS	20
/* Longest header: 20 digits, LF, NUL. */
#define RECORDIO_HDR_MAX	(RECORDIO_MAX_DIGITS + 2)

enum recordio_err {
	RECORDIO_OK = 0,
	RECORDIO_ERR_SIZE,	/* empty size, non-digit, > 20 digits */
	RECORDIO_ERR_TOOBIG,	/* size above max_record */
	RECORDIO_ERR_UNDERRUN,	/* stream ended inside a record */
	RECORDIO_ERR_NOMEM,
	RECORDIO_ERR_CALLBACK,	/* the callback asked to stop */
};

/*
 * Called once per complete, non-empty record.  rec is valid only during
 * the call.  Return 0 to go on, non-zero to stop decoding (the decoder
 * then fails with RECORDIO_ERR_CALLBACK).
 */
typedef int (*recordio_cb)(void *arg, const uint8_t *rec, size_t len);

struct recordio_qent;

struct recordio_decoder {
	recordio_cb	 cb;
	void		*cb_arg;
	uint64_t	 max_record;
	int		 err;		/* enum recordio_err, sticky */
	int		 in_data;	/* 0: reading the size, 1: the data */
	int		 ndigits;
	uint64_t	 want;		/* size of the current record */
	uint8_t		*buf;		/* partial record */
	size_t		 len;
	size_t		 cap;
	uint64_t	 nrecords;	/* records delivered or queued */
	struct recordio_qent *qhead;	/* pull mode queue */
	struct recordio_qent *qtail;
};

/*
 * Prepare d.  max_record caps a record's size (0 means 64 MiB).  With
 * cb NULL, records are queued for recordio_next().
 */
void	 recordio_decoder_init(struct recordio_decoder *d,
	    uint64_t max_record, recordio_cb cb, void *arg);
/* Release the partial record and any queued records. */
void	 recordio_decoder_free(struct recordio_decoder *d);

/* Feed len bytes.  0 on success, -1 on error (see recordio_error()). */
int	 recordio_feed(struct recordio_decoder *d, const void *data,
	    size_t len);
/*
 * The stream has ended: 0 if it ended on a record boundary, -1 with
 * RECORDIO_ERR_UNDERRUN if inside a record (or the sticky error).
 */
int	 recordio_finish(struct recordio_decoder *d);

/*
 * Pull mode: take the oldest queued record.  Returns 1 and sets *rec
 * (caller frees) and *len, or 0 when the queue is empty.
 */
int	 recordio_next(struct recordio_decoder *d, uint8_t **rec,
	    size_t *len);

int	 recordio_error(const struct recordio_decoder *d);
const char *recordio_strerror(int err);

/*
 * Encoder.  recordio_header() writes "<len>\n" (NUL-terminated) into
 * hdr and returns its length without the NUL.  recordio_encode()
 * returns a malloc'ed "<len>\n<data>" and its size in *outlen, or NULL
 * if out of memory.
 */
size_t	 recordio_header(char hdr[RECORDIO_HDR_MAX], uint64_t len);
uint8_t	*recordio_encode(const void *data, size_t len, size_t *outlen);

#endif
