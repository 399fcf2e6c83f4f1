-- +goose Up
-- Separation of duties (README, "No one pays alone"): who created each
-- account, whether it may sign in, and the role grants that a second admin
-- confirms before they take effect.
ALTER TABLE users ADD COLUMN created_by TEXT; -- the admin who created it over the API; NULL: the command line or self-registration
ALTER TABLE users ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;

-- A grant asks for the whole set of roles the user will hold once a second
-- admin confirms it. A newer ask for the same user replaces a pending one.
CREATE TABLE role_grants (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    roles        TEXT NOT NULL,                 -- comma-separated, sorted
    asked_by     TEXT NOT NULL REFERENCES users (id),
    asked_at     TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'replaced')),
    adds         TEXT NOT NULL DEFAULT '',      -- on confirmation: the roles it gave that the user lacked
    confirmed_by TEXT REFERENCES users (id),
    confirmed_at TIMESTAMPTZ
);
CREATE INDEX role_grants_user ON role_grants (user_id);
CREATE INDEX role_grants_status ON role_grants (status);

-- +goose Down
DROP TABLE role_grants;
ALTER TABLE users DROP COLUMN active;
ALTER TABLE users DROP COLUMN created_by;
