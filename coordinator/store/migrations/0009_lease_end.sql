-- 0009: a lease may end by itself: at ends_at_ms (0: held until released) the
-- coordinator releases it (and its allocation) as if the user had.
ALTER TABLE leases ADD COLUMN ends_at_ms INTEGER NOT NULL DEFAULT 0;
