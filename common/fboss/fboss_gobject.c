/*
 * fboss_gobject.c - thrift 0.17's ThriftSocket, ThriftBufferedTransport
 * and ThriftFramedTransport free their own members in finalize and stop
 * there, without chaining up to GObject's finalize; the data GObject
 * keeps for every object (allocated while it is being destroyed) then
 * leaks, a few bytes per connection.  fboss_gobject_init() wraps their
 * finalize: the class's own runs first, then, if it did not chain up
 * (the object's GObject data is still there), GObject's.  A library that
 * chains up itself is left to do so.
 *
 * The generated classes are repaired at build time instead
 * (chain-finalize.awk).
 */
#include "fboss_gobject.h"

#include <pthread.h>

#include <thrift/c_glib/transport/thrift_buffered_transport.h>
#include <thrift/c_glib/transport/thrift_framed_transport.h>
#include <thrift/c_glib/transport/thrift_socket.h>

enum { FIX_SOCKET, FIX_BUFFERED, FIX_FRAMED, FIX_N };

static void	(*fix_orig[FIX_N])(GObject *);
static pthread_once_t fix_once = PTHREAD_ONCE_INIT;

static void
fix_finish(GObject *o, int which)
{
	fix_orig[which](o);
	if (o->qdata != NULL)
		G_OBJECT_CLASS(g_type_class_peek(G_TYPE_OBJECT))->finalize(o);
}

static void
fix_socket(GObject *o)
{
	fix_finish(o, FIX_SOCKET);
}

static void
fix_buffered(GObject *o)
{
	fix_finish(o, FIX_BUFFERED);
}

static void
fix_framed(GObject *o)
{
	fix_finish(o, FIX_FRAMED);
}

static void
fix_class(GType t, int which, void (*wrapper)(GObject *))
{
	/* Class references are kept: the classes stay as patched. */
	GObjectClass *c = G_OBJECT_CLASS(g_type_class_ref(t));

	fix_orig[which] = c->finalize;
	c->finalize = wrapper;
}

static void
fix_all(void)
{
	fix_class(THRIFT_TYPE_SOCKET, FIX_SOCKET, fix_socket);
	fix_class(THRIFT_TYPE_BUFFERED_TRANSPORT, FIX_BUFFERED, fix_buffered);
	fix_class(THRIFT_TYPE_FRAMED_TRANSPORT, FIX_FRAMED, fix_framed);
}

void
fboss_gobject_init(void)
{
	pthread_once(&fix_once, fix_all);
}
