-- 0008: per-project node quotas for one hardware class ("at most 4 gpu-h100x8 nodes").
-- Counted over the project's active leases made by allocations of that class.
CREATE TABLE project_class_quotas (
  project   TEXT    NOT NULL,
  class     TEXT    NOT NULL,
  max_nodes INTEGER NOT NULL,
  PRIMARY KEY (project, class)
);
