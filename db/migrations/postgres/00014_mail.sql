-- +goose Up
-- Mail: the outbox and the language each recipient reads.
--
-- A mail is rendered (subject, plain text, HTML, attachments) and inserted
-- here in the same transaction as the change that causes it, so a change
-- rolled back leaves no mail, and sent afterwards by the sender (package
-- mail), which claims a row (claimed_by, claimed_until) before sending so
-- that two instances never send one mail twice while both run.
-- The recipients' language: users from the page language at registration
-- or creation, donors from the donation form's page language. Rows before
-- this migration read German, the fund's language.
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'de';
ALTER TABLE donations ADD COLUMN lang TEXT NOT NULL DEFAULT 'de';

CREATE TABLE mail_outbox (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- sending order
    id              TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    lang            TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    to_name         TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    attachments     TEXT NOT NULL DEFAULT '[]',         -- JSON: [{name, content_type, data (base64)}]
    created_at      TIMESTAMPTZ NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_by      TEXT NOT NULL DEFAULT '',
    claimed_until   TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    failed_at       TIMESTAMPTZ,                           -- given up: the server refused it for good
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- +goose Down
DROP TABLE mail_outbox;
ALTER TABLE donations DROP COLUMN lang;
ALTER TABLE users DROP COLUMN lang;
