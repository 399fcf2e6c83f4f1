-- +goose Up
-- Accounts (issue 15): when each user last signed in, when a group
-- confirmed its address by mail (NULL: not confirmed), and the one-time
-- tokens of a mailed link (a password reset, an address confirmation),
-- each known only by the SHA-256 of the token, as sessions are.
ALTER TABLE users ADD COLUMN last_sign_in_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN address_confirmed_at TIMESTAMPTZ;

CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    purpose    TEXT NOT NULL CHECK (purpose IN ('password-reset', 'confirm-address')),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);
CREATE INDEX user_tokens_expiry ON user_tokens (expires_at);

-- +goose Down
DROP TABLE user_tokens;
ALTER TABLE users DROP COLUMN address_confirmed_at;
ALTER TABLE users DROP COLUMN last_sign_in_at;
