-- 0010: the node lifecycle (docs/node-lifecycle.md): the states of the full
-- machine (allocated, active, releasing, cleaning, maintenance, failed), why a
-- node is in its state, its power state beside it, and the hotpool's per-class
-- bounds and history.
ALTER TABLE nodes ADD COLUMN state_reason     TEXT    NOT NULL DEFAULT '';
ALTER TABLE nodes ADD COLUMN state_changed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN power_state      TEXT    NOT NULL DEFAULT 'unknown';  -- unknown | on | off
ALTER TABLE nodes ADD COLUMN power_changed_at INTEGER NOT NULL DEFAULT 0;
-- Nodes leased before 0010 are handed over.
UPDATE nodes SET state = 'active' WHERE id IN (SELECT node_id FROM leases WHERE ended_at_ms = 0);
CREATE INDEX nodes_state ON nodes(state);
CREATE INDEX allocations_created ON allocations(created_at_ms);

-- Per hardware class: the operator's bounds on the hot tier and what the pool saw.
CREATE TABLE hotpool (
  class          TEXT    PRIMARY KEY,
  min_hot        INTEGER NOT NULL DEFAULT 0,
  max_hot        INTEGER NOT NULL DEFAULT -1,    -- -1: no upper bound
  last_empty_at  INTEGER NOT NULL DEFAULT 0,     -- when the class last had no free node
  boot_ms        INTEGER NOT NULL DEFAULT 0      -- measured power-on -> agent heartbeat (moving average)
);
