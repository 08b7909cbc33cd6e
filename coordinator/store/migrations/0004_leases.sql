-- 0004: leases. A lease gives one project (tenant) one node for a while; the BMC
-- proxy lets a tenant reach exactly the nodes it holds an active lease on.
-- `revision` grows on every create/end so watchers can ask "anything new?".
CREATE TABLE leases (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  node_id       INTEGER NOT NULL REFERENCES nodes(id),
  project       TEXT    NOT NULL,
  owner         TEXT    NOT NULL DEFAULT '',
  created_at_ms INTEGER NOT NULL,
  ended_at_ms   INTEGER NOT NULL DEFAULT 0,   -- 0 while active
  revision      INTEGER NOT NULL
);
-- At most one active lease per node.
CREATE UNIQUE INDEX leases_one_active_per_node ON leases(node_id) WHERE ended_at_ms = 0;
CREATE INDEX leases_by_revision ON leases(revision);
