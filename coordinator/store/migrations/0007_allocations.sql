-- 0007: hardware classes (rules over the inventory agents report), allocations
-- ("N nodes of class C for project P") with the history of their stages, and the
-- allocation each lease was made for.
CREATE TABLE hardware_classes (
  name           TEXT    PRIMARY KEY,
  min_gpus       INTEGER NOT NULL DEFAULT 0,
  gpu_model      TEXT    NOT NULL DEFAULT '',   -- substring of the GPU name, case-insensitive
  rdma           INTEGER NOT NULL DEFAULT 0,    -- 1: needs an RDMA (RoCE/InfiniBand) port
  min_memory_gib INTEGER NOT NULL DEFAULT 0,
  min_cpus       INTEGER NOT NULL DEFAULT 0,    -- logical CPUs
  created_at_ms  INTEGER NOT NULL
);

CREATE TABLE allocations (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  project       TEXT    NOT NULL,
  owner         TEXT    NOT NULL DEFAULT '',
  class         TEXT    NOT NULL DEFAULT '',
  count         INTEGER NOT NULL,
  network       TEXT    NOT NULL DEFAULT '',
  handover      TEXT    NOT NULL DEFAULT 'none',
  state         TEXT    NOT NULL,               -- running | ready | failed | releasing | released
  stage         TEXT    NOT NULL DEFAULT '',
  message       TEXT    NOT NULL DEFAULT '',
  operation_id  INTEGER NOT NULL DEFAULT 0,     -- the network operation of the "assigned" stage
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX allocations_project ON allocations(project, id);

CREATE TABLE allocation_stages (
  allocation_id INTEGER NOT NULL REFERENCES allocations(id) ON DELETE CASCADE,
  seq           INTEGER NOT NULL,
  stage         TEXT    NOT NULL,
  at_ms         INTEGER NOT NULL,
  detail        TEXT    NOT NULL DEFAULT '',
  PRIMARY KEY (allocation_id, seq)
);

ALTER TABLE leases ADD COLUMN allocation_id INTEGER NOT NULL DEFAULT 0;
