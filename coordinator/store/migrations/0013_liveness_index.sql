-- The liveness sweep reads only these columns of the nodes expected to heartbeat: a covering
-- index answers it without touching the rows (whose inventories make the table large).
CREATE INDEX nodes_liveness ON nodes(state, power_state, id, last_seen, power_changed_at);
