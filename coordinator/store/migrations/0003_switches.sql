-- 0003: the switch table (how to reach each switch; secrets stay in files) and the
-- desired configuration of each switch port, which `bmfctl switch sync` enforces.
CREATE TABLE switches (
  name               TEXT    PRIMARY KEY,
  address            TEXT    NOT NULL,
  port               INTEGER NOT NULL DEFAULT 830,
  username           TEXT    NOT NULL,
  password_file      TEXT    NOT NULL DEFAULT '',
  private_key_file   TEXT    NOT NULL DEFAULT '',
  known_hosts_file   TEXT    NOT NULL,
  trust_on_first_use INTEGER NOT NULL DEFAULT 0,
  driver             TEXT    NOT NULL DEFAULT 'openconfig',
  network_instance   TEXT    NOT NULL DEFAULT 'default',
  unused_ports       TEXT    NOT NULL DEFAULT 'keep',   -- keep | park | shutdown
  parking_vlan       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE switch_ports (
  switch      TEXT    NOT NULL REFERENCES switches(name) ON DELETE CASCADE,
  port        TEXT    NOT NULL,
  mode        TEXT    NOT NULL,                      -- access | trunk | shutdown
  access_vlan INTEGER NOT NULL DEFAULT 0,
  native_vlan INTEGER NOT NULL DEFAULT 0,
  trunk_vlans TEXT    NOT NULL DEFAULT '',           -- comma separated
  PRIMARY KEY (switch, port)
);
