-- +goose Up
-- The decisions of the administrative committee and the council on
-- donations pending acceptance (§ 111 Abs. 8 NKomVG with § 26 KomHKVO):
-- the session that decided, and each donation's outcome. A donation is
-- decided at most once (acceptance_items' key); one struck from a session's
-- list has no item and stays pending.
CREATE TABLE acceptance_decisions (
    id           TEXT PRIMARY KEY,
    body         TEXT NOT NULL CHECK (body IN ('committee', 'council')),
    session_date TEXT NOT NULL,  -- YYYY-MM-DD
    session_ref  TEXT NOT NULL,
    decided_by   TEXT NOT NULL,  -- who recorded it
    created_at   DATETIME NOT NULL
);
CREATE TABLE acceptance_items (
    donation_id TEXT PRIMARY KEY REFERENCES donations (id),
    decision_id TEXT NOT NULL REFERENCES acceptance_decisions (id),
    outcome     TEXT NOT NULL CHECK (outcome IN ('accepted', 'declined'))
);
CREATE INDEX acceptance_items_decision ON acceptance_items (decision_id);

-- The public count of donations is of the fund's money: received and
-- accepted. A donation pending acceptance is counted once accepted.
DROP TRIGGER donation_totals_insert;
DROP TRIGGER donation_totals_received;
DROP TRIGGER donation_totals_unreceived;
-- +goose StatementBegin
CREATE TRIGGER donation_totals_insert AFTER INSERT ON donations
WHEN NEW.status = 'received' AND NEW.acceptance = 'accepted'
BEGIN UPDATE donation_totals SET received_count = received_count + 1, received = received + COALESCE(NEW.received_amount, NEW.amount) WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER donation_totals_received AFTER UPDATE OF status, acceptance ON donations
WHEN NEW.status = 'received' AND NEW.acceptance = 'accepted' AND NOT (OLD.status = 'received' AND OLD.acceptance = 'accepted')
BEGIN UPDATE donation_totals SET received_count = received_count + 1, received = received + COALESCE(NEW.received_amount, NEW.amount) WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER donation_totals_unreceived AFTER UPDATE OF status, acceptance ON donations
WHEN OLD.status = 'received' AND OLD.acceptance = 'accepted' AND NOT (NEW.status = 'received' AND NEW.acceptance = 'accepted')
BEGIN UPDATE donation_totals SET received_count = received_count - 1, received = received - COALESCE(OLD.received_amount, OLD.amount) WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
-- What arrived changes while the donation stays counted (PostgreSQL's
-- statement trigger follows every update).
CREATE TRIGGER donation_totals_amount AFTER UPDATE OF received_amount ON donations
WHEN OLD.status = 'received' AND OLD.acceptance = 'accepted' AND NEW.status = 'received' AND NEW.acceptance = 'accepted'
    AND COALESCE(OLD.received_amount, OLD.amount) <> COALESCE(NEW.received_amount, NEW.amount)
BEGIN UPDATE donation_totals SET received = received - COALESCE(OLD.received_amount, OLD.amount) + COALESCE(NEW.received_amount, NEW.amount) WHERE id = 1; END;
-- +goose StatementEnd
UPDATE donation_totals SET
    received_count = (SELECT count(*) FROM donations WHERE status = 'received' AND acceptance = 'accepted'),
    received = (SELECT COALESCE(SUM(COALESCE(received_amount, amount)), 0) FROM donations WHERE status = 'received' AND acceptance = 'accepted')
WHERE id = 1;

-- +goose Down
DROP TRIGGER donation_totals_amount;
DROP TRIGGER donation_totals_insert;
DROP TRIGGER donation_totals_received;
DROP TRIGGER donation_totals_unreceived;
-- +goose StatementBegin
CREATE TRIGGER donation_totals_insert AFTER INSERT ON donations WHEN NEW.status = 'received'
BEGIN UPDATE donation_totals SET received_count = received_count + 1, received = received + COALESCE(NEW.received_amount, NEW.amount) WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER donation_totals_received AFTER UPDATE OF status ON donations
WHEN NEW.status = 'received' AND OLD.status <> 'received'
BEGIN UPDATE donation_totals SET received_count = received_count + 1, received = received + COALESCE(NEW.received_amount, NEW.amount) WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER donation_totals_unreceived AFTER UPDATE OF status ON donations
WHEN OLD.status = 'received' AND NEW.status <> 'received'
BEGIN UPDATE donation_totals SET received_count = received_count - 1, received = received - COALESCE(OLD.received_amount, OLD.amount) WHERE id = 1; END;
-- +goose StatementEnd
DROP TABLE acceptance_items;
DROP TABLE acceptance_decisions;
