-- 0006: networks as objects. A tenant network takes a VLAN from the site's pool; an
-- imported (external) network names an existing VLAN that listed projects may use.
-- A VLAN belongs to at most one network. NIC -> switch port overrides (LLDP gives the
-- rest), which networks each NIC is on, and the journal of operations.
CREATE TABLE networks (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  name          TEXT    NOT NULL,
  project       TEXT    NOT NULL DEFAULT '',         -- owner; '' for an imported site network
  vlan          INTEGER NOT NULL UNIQUE,
  kind          TEXT    NOT NULL,                    -- tenant | external
  created_at_ms INTEGER NOT NULL,
  UNIQUE (project, name)
);

CREATE TABLE network_shares (
  network_id INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
  project    TEXT    NOT NULL,
  PRIMARY KEY (network_id, project)
);

CREATE TABLE nic_port_overrides (
  node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
  nic     TEXT    NOT NULL,                          -- interface name
  switch  TEXT    NOT NULL,
  port    TEXT    NOT NULL,
  PRIMARY KEY (node_id, nic)
);

CREATE TABLE attachments (
  node_id    INTEGER NOT NULL REFERENCES nodes(id),
  nic        TEXT    NOT NULL,
  network_id INTEGER NOT NULL REFERENCES networks(id),
  tagged     INTEGER NOT NULL,                       -- 0: untagged (access, or a trunk's native); 1: tagged
  project    TEXT    NOT NULL,
  PRIMARY KEY (node_id, nic, network_id)
);
CREATE INDEX attachments_network ON attachments(network_id);

CREATE TABLE operations (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  kind          TEXT    NOT NULL,                    -- network-attach | network-detach | switch-sync | ...
  project       TEXT    NOT NULL DEFAULT '',
  target        TEXT    NOT NULL DEFAULT '',
  state         TEXT    NOT NULL,                    -- pending | running | succeeded | failed
  stage         TEXT    NOT NULL DEFAULT '',
  message       TEXT    NOT NULL DEFAULT '',
  detail        TEXT    NOT NULL DEFAULT '',         -- per-switch outcome lines
  actor         TEXT    NOT NULL DEFAULT '',
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
