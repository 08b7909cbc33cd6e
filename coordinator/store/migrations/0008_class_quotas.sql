-- 0008: per-project node quotas for one hardware class ("at most 4 gpu-h100x8 nodes").
-- Counted over the project's active leases made by allocations of that class.
CREATE TABLE project_class_quotas (
  project   TEXT    NOT NULL,
  class     TEXT    NOT NULL,
  max_nodes INTEGER NOT NULL,
  PRIMARY KEY (project, class)
);

-- The chassis id a switch sends in LLDP (usually its MAC): a NIC that hears it is
-- cabled to that switch even when the LLDP system name is not the switch's bmf name.
ALTER TABLE switches ADD COLUMN lldp_chassis_id TEXT NOT NULL DEFAULT '';
