-- The loops that run every second (hotpool, cleaning, metrics) and each allocation read every
-- node's brief row (Store::list_nodes_brief). At site scale nearly all of those reads return what
-- the last one did: this number moves whenever a column of the brief rows changes (not on a
-- last-seen write), so the store hands back the rows it read last while it stays the same.
CREATE TABLE nodes_generation (gen INTEGER NOT NULL);
INSERT INTO nodes_generation (gen) VALUES (0);
CREATE TRIGGER nodes_generation_insert AFTER INSERT ON nodes
BEGIN
  UPDATE nodes_generation SET gen = gen + 1;
END;
CREATE TRIGGER nodes_generation_delete AFTER DELETE ON nodes
BEGIN
  UPDATE nodes_generation SET gen = gen + 1;
END;
CREATE TRIGGER nodes_generation_update AFTER UPDATE OF id, state, power_state, power_changed_at, hardware_rev ON nodes
  WHEN old.id IS NOT new.id OR old.state IS NOT new.state OR old.power_state IS NOT new.power_state
    OR old.power_changed_at IS NOT new.power_changed_at OR old.hardware_rev IS NOT new.hardware_rev
BEGIN
  UPDATE nodes_generation SET gen = gen + 1;
END;
