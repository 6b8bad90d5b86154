/*
 * monotime.h - clocks.  Pure logic takes "now" as a parameter; only the
 * event loops read these.
 */
#ifndef TORC_MONOTIME_H
#define TORC_MONOTIME_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC: for timers and intervals. */
int64_t	mono_ms(void);
/* Microseconds on CLOCK_MONOTONIC: for latency measurements. */
int64_t	mono_us(void);
/* Seconds since the Unix epoch: for timestamps shown to people. */
int64_t	wall_s(void);
/* Milliseconds since the Unix epoch. */
int64_t	wall_ms(void);

#endif
