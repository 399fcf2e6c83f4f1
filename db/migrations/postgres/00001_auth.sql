-- +goose Up
-- Users, their roles, sign-in sessions, and the counters that slow down
-- repeated failed sign-ins. Kept in the database so that several Fundus
-- instances share them.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,          -- lower-cased
    name          TEXT NOT NULL,
    organisation  TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,                 -- PHC string, argon2id
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id),
    role    TEXT NOT NULL CHECK (role IN ('admin', 'committee', 'treasurer', 'auditor', 'applicant')),
    PRIMARY KEY (user_id, role)
);

-- A session is known only by the SHA-256 of its token.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- One row per throttled key ("account:<email>" or "address:<ip>").
CREATE TABLE signin_failures (
    key           TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    last_at       TIMESTAMPTZ NOT NULL,
    blocked_until TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE signin_failures;
DROP TABLE sessions;
DROP TABLE user_roles;
DROP TABLE users;
