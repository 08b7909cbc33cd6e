-- 0005: tenancy. Users (site role: member, admin, or service for bmf's own daemons),
-- projects with quotas, memberships, API and session tokens (stored as SHA-256 only),
-- and the project each audit event belongs to, so tenants read only their own.
CREATE TABLE users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  name          TEXT    NOT NULL UNIQUE,
  role          TEXT    NOT NULL DEFAULT 'member',   -- member | admin | service
  password_hash TEXT    NOT NULL DEFAULT '',         -- '' : no password login
  created_at_ms INTEGER NOT NULL
);

CREATE TABLE projects (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  name           TEXT    NOT NULL UNIQUE,
  quota_nodes    INTEGER NOT NULL DEFAULT -1,        -- -1: unlimited
  quota_networks INTEGER NOT NULL DEFAULT -1,
  created_at_ms  INTEGER NOT NULL
);

CREATE TABLE memberships (
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, project_id)
);

CREATE TABLE tokens (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  sha256        TEXT    NOT NULL UNIQUE,
  kind          TEXT    NOT NULL,                    -- api | session
  description   TEXT    NOT NULL DEFAULT '',
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL DEFAULT 0,          -- 0: never
  revoked_at_ms INTEGER NOT NULL DEFAULT 0           -- 0: not revoked
);
CREATE INDEX tokens_user ON tokens(user_id);

ALTER TABLE events ADD COLUMN project TEXT NOT NULL DEFAULT '';
CREATE INDEX events_project ON events(project, id);
