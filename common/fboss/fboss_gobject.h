/*
 * fboss_gobject.h - repairs to thrift 0.17's c_glib classes that torc's
 * FBOSS code (torc-routed's client, torc-sim's agent) needs before it
 * creates any Thrift object.
 */
#ifndef TORC_FBOSS_GOBJECT_H
#define TORC_FBOSS_GOBJECT_H

/*
 * Make the socket and the buffered and framed transports finish their
 * objects as GObject requires (see fboss_gobject.c).  Idempotent and
 * thread-safe; never fails.
 */
void	fboss_gobject_init(void);

#endif
