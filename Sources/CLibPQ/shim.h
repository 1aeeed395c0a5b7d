// libpq, for the one thing postgres-nio does not speak: the logical replication protocol
// (a `replication=database` connection and START_REPLICATION's CopyBoth stream).
#include <libpq-fe.h>
