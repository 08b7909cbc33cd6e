-- SLURM clusters a project hands its nodes to (handover "slurm"). The munge key is the
-- cluster's shared secret: sent to the project's nodes on join, never returned by the API.
CREATE TABLE slurm_clusters (
  name        TEXT    PRIMARY KEY,
  project     TEXT    NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
  controller  TEXT    NOT NULL,            -- HOST:PORT of slurmctld, as the nodes reach it
  munge_key   TEXT    NOT NULL,            -- hex
  partition   TEXT    NOT NULL DEFAULT '', -- informational: where bmf's nodes land (by Feature)
  network     TEXT    NOT NULL DEFAULT '', -- the network its nodes go on when an allocation names none
  created_at  INTEGER NOT NULL
);
CREATE INDEX slurm_clusters_project ON slurm_clusters(project);
