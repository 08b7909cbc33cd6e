-- 0001: nodes, their MACs (for re-registration matching) and the audit events.
CREATE TABLE nodes (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  system_uuid     TEXT    NOT NULL DEFAULT '',
  serial          TEXT    NOT NULL DEFAULT '',
  vendor          TEXT    NOT NULL DEFAULT '',
  product         TEXT    NOT NULL DEFAULT '',
  bmc_address     TEXT    NOT NULL DEFAULT '',
  hostname        TEXT    NOT NULL DEFAULT '',
  inventory       TEXT    NOT NULL DEFAULT '{}',
  state           TEXT    NOT NULL,
  agent_version   TEXT    NOT NULL DEFAULT '',
  secret_sha256   TEXT    NOT NULL DEFAULT '',
  registered_at   INTEGER NOT NULL DEFAULT 0,
  last_seen       INTEGER NOT NULL DEFAULT 0,
  registrations   INTEGER NOT NULL DEFAULT 0,
  peer_address    TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX nodes_system_uuid ON nodes(system_uuid) WHERE system_uuid <> '';

CREATE TABLE node_macs (
  mac     TEXT    PRIMARY KEY,
  node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE
);
CREATE INDEX node_macs_node ON node_macs(node_id);

CREATE TABLE events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  time    INTEGER NOT NULL,
  actor   TEXT    NOT NULL,
  node_id INTEGER NOT NULL DEFAULT 0,
  kind    TEXT    NOT NULL,
  message TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX events_node ON events(node_id, id);
