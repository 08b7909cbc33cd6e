-- A node's hardware changes rarely, yet the hotpool, cleaning and allocation loops need each
-- node's classes every second. They read the rows without the (large) hardware JSON and keep
-- the parsed inventory while this number stays the same; the trigger bumps it on every write
-- that changes the hardware, whoever makes it.
ALTER TABLE nodes ADD COLUMN hardware_rev INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER nodes_hardware_rev AFTER UPDATE OF hardware ON nodes
  WHEN old.hardware IS NOT new.hardware
BEGIN
  UPDATE nodes SET hardware_rev = old.hardware_rev + 1 WHERE id = new.id;
END;
-- ...and they read only these columns (Store::list_nodes_brief), which this index covers: without
-- it each row's columns after the hardware JSON sit on its overflow pages.
CREATE INDEX nodes_brief ON nodes(id, state, power_state, power_changed_at, hardware_rev);
