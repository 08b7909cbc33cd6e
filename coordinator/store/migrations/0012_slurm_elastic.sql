-- SLURM elastic mode (Slurm's ResumeProgram asks for nodes by name) and who is in which cluster.
-- handover_names: the SLURM node names an allocation's nodes join as, comma-separated ('' : bmf names them).
ALTER TABLE allocations ADD COLUMN handover_names TEXT NOT NULL DEFAULT '';
-- handover_target: where the handover takes the nodes (the SLURM cluster's name; '' : none).
ALTER TABLE allocations ADD COLUMN handover_target TEXT NOT NULL DEFAULT '';
-- A node handed to a SLURM cluster, under which name; written when the join is sent, removed when it left.
CREATE TABLE slurm_members (
  node_id       INTEGER PRIMARY KEY REFERENCES nodes(id) ON DELETE CASCADE,
  cluster       TEXT    NOT NULL,
  slurm_name    TEXT    NOT NULL,
  allocation_id INTEGER NOT NULL,
  power_saving  INTEGER NOT NULL DEFAULT 0,  -- a State=CLOUD node of slurm.conf: kept there on leave (not deleted)
  joined_at     INTEGER NOT NULL
);
CREATE INDEX slurm_members_name ON slurm_members(cluster, slurm_name);
