/*
 * fboss_ctrl.thrift - the part of the FBOSS agent's control service
 * (FbossCtrl, TCP port 5909) that torc uses: unicast routes per client
 * id.  Written for torc from FBOSS's published interface; field ids,
 * types and method names are what goes on the wire and must match the
 * agent's, names of fields and arguments do not.
 *
 * Differences from the agent's own IDL, none of them visible on the wire:
 *   - FbossCtrl there extends fb303's FacebookService; torc calls none
 *     of its methods, and inheritance does not change method names.
 *   - The exception arguments are called "error" there.  The c_glib
 *     generator would then give a method two parameters named error (the
 *     exception and the GError), and it mangles camelCase exception
 *     names, so they are called ex and fibex here.
 *   - Only the fields torc reads or writes are declared; a reader skips
 *     unknown field ids, so routes from a newer agent still decode.
 *
 * Generated into $(BUILD)/gen/fboss by common/fboss/module.mk.
 */

namespace c_glib fboss

/* The agent's default control port. */
const i32 DEFAULT_CTRL_PORT = 5909

/* What the agent throws for any failure it reports. */
exception FbossBaseError {
	1: string message
}

/*
 * A route update the agent could not apply (newer agents).  Its fields
 * (maps of failed prefixes per VRF, MPLS labels) are skipped: that it
 * was thrown is all torc needs, and c_glib cannot generate a map of
 * lists of structs.
 */
exception FbossFibUpdateError {
}

/*
 * An address in network byte order: 4 bytes (IPv4) or 16 (IPv6).  port
 * is unused for routes (0); ifName only for link-local next hops.
 */
struct BinaryAddress {
	1: required binary addr
	2: optional i64 port
	3: optional string ifName
}

struct IpPrefix {
	1: required BinaryAddress ip
	2: required i16 prefixLength
}

/* Newer agents report next hops here as well (weight 0 = ECMP). */
struct NextHopThrift {
	1: BinaryAddress address
	2: i32 weight
}

struct UnicastRoute {
	1: required IpPrefix dest
	2: list<BinaryAddress> nextHopAddrs
	4: optional list<NextHopThrift> nextHops
}

service FbossCtrl {
	/* Add or replace the route of clientId for r.dest. */
	void addUnicastRoute(1: i16 clientId, 2: UnicastRoute r)
	    throws (1: FbossBaseError ex,
	    2: FbossFibUpdateError fibex)

	/* Remove clientId's route for the prefix. */
	void deleteUnicastRoute(1: i16 clientId, 2: IpPrefix r)
	    throws (1: FbossBaseError ex)

	/* Make clientId's routes exactly routes (all others removed). */
	void syncFib(1: i16 clientId, 2: list<UnicastRoute> routes)
	    throws (1: FbossBaseError ex,
	    2: FbossFibUpdateError fibex)

	/* Every route in the FIB, whichever client added it. */
	list<UnicastRoute> getRouteTable()
	    throws (1: FbossBaseError ex)

	/* The routes one client added. */
	list<UnicastRoute> getRouteTableByClient(1: i16 clientId)
	    throws (1: FbossBaseError ex)
}
