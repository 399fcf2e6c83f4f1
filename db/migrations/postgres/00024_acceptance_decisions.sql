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
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE TABLE acceptance_items (
    donation_id TEXT PRIMARY KEY REFERENCES donations (id),
    decision_id TEXT NOT NULL REFERENCES acceptance_decisions (id),
    outcome     TEXT NOT NULL CHECK (outcome IN ('accepted', 'declined'))
);
CREATE INDEX acceptance_items_decision ON acceptance_items (decision_id);

-- The public count of donations is of the fund's money: received and
-- accepted. A donation pending acceptance is counted once accepted.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION donation_totals_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE donation_totals t SET received_count = t.received_count + d.n, received = t.received + d.amount
    FROM (SELECT count(*) AS n, COALESCE(SUM(COALESCE(received_amount, amount)), 0) AS amount FROM new_rows WHERE status = 'received' AND acceptance = 'accepted') d
    WHERE t.id = 1 AND d.n > 0;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION donation_totals_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE donation_totals t SET received_count = t.received_count + d.n, received = t.received + d.amount
    FROM (SELECT COALESCE(SUM((n.status = 'received' AND n.acceptance = 'accepted')::int - (o.status = 'received' AND o.acceptance = 'accepted')::int), 0) AS n,
                 COALESCE(SUM(CASE WHEN n.status = 'received' AND n.acceptance = 'accepted' THEN COALESCE(n.received_amount, n.amount) ELSE 0 END
                            - CASE WHEN o.status = 'received' AND o.acceptance = 'accepted' THEN COALESCE(o.received_amount, o.amount) ELSE 0 END), 0) AS amount
          FROM new_rows n JOIN old_rows o ON o.seq = n.seq) d
    WHERE t.id = 1 AND (d.n <> 0 OR d.amount <> 0);
    RETURN NULL;
END $$;
-- +goose StatementEnd
UPDATE donation_totals SET
    received_count = (SELECT count(*) FROM donations WHERE status = 'received' AND acceptance = 'accepted'),
    received = (SELECT COALESCE(SUM(COALESCE(received_amount, amount)), 0) FROM donations WHERE status = 'received' AND acceptance = 'accepted')
WHERE id = 1;

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION donation_totals_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE donation_totals t SET received_count = t.received_count + d.n, received = t.received + d.amount
    FROM (SELECT count(*) AS n, COALESCE(SUM(COALESCE(received_amount, amount)), 0) AS amount FROM new_rows WHERE status = 'received') d
    WHERE t.id = 1 AND d.n > 0;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION donation_totals_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE donation_totals t SET received_count = t.received_count + d.n, received = t.received + d.amount
    FROM (SELECT COALESCE(SUM((n.status = 'received')::int - (o.status = 'received')::int), 0) AS n,
                 COALESCE(SUM(CASE WHEN n.status = 'received' THEN COALESCE(n.received_amount, n.amount) ELSE 0 END
                            - CASE WHEN o.status = 'received' THEN COALESCE(o.received_amount, o.amount) ELSE 0 END), 0) AS amount
          FROM new_rows n JOIN old_rows o ON o.seq = n.seq) d
    WHERE t.id = 1 AND (d.n <> 0 OR d.amount <> 0);
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP TABLE acceptance_items;
DROP TABLE acceptance_decisions;
