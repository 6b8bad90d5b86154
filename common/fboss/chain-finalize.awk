# chain-finalize.awk - make every finalize function thrift's c_glib
# generator writes end by chaining up to the parent class, as GObject
# requires.  Thrift 0.17's generated finalizers free the struct's members
# and stop, so GObject's own finalize never runs and every object
# destroyed leaks the data GObject attached to it.  A finalizer that
# already chains is left as it is.
#
#   awk -f chain-finalize.awk generated.c > fixed.c

/^[a-z0-9_]+_finalize \(GObject \*object\)$/ {
	name = $1
	sub(/_finalize$/, "", name)
	infin = 1
	chained = 0
}
infin && /->finalize/ {
	chained = 1
}
infin && /^}$/ {
	if (!chained)
		printf("  G_OBJECT_CLASS (g_type_class_peek_parent (" \
		    "g_type_class_peek (%s_get_type ())))->finalize " \
		    "(object);\n", name)
	infin = 0
}
{ print }
