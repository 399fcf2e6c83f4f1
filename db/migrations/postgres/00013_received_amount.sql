-- +goose Up
-- What really arrived for a pledge, where a treasurer assigned a bank line
-- of another amount to it (NULL: the pledged amount arrived). The donation
-- totals follow it.
ALTER TABLE donations ADD COLUMN received_amount BIGINT CHECK (received_amount > 0);
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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION donation_totals_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE donation_totals t SET received_count = t.received_count + d.n, received = t.received + d.amount
    FROM (SELECT count(*) AS n, COALESCE(SUM(amount), 0) AS amount FROM new_rows WHERE status = 'received') d
    WHERE t.id = 1 AND d.n > 0;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION donation_totals_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE donation_totals t SET received_count = t.received_count + d.n, received = t.received + d.amount
    FROM (SELECT COALESCE(SUM((n.status = 'received')::int - (o.status = 'received')::int), 0) AS n,
                 COALESCE(SUM(CASE WHEN n.status = 'received' THEN n.amount ELSE 0 END
                            - CASE WHEN o.status = 'received' THEN o.amount ELSE 0 END), 0) AS amount
          FROM new_rows n JOIN old_rows o ON o.seq = n.seq) d
    WHERE t.id = 1 AND (d.n <> 0 OR d.amount <> 0);
    RETURN NULL;
END $$;
-- +goose StatementEnd

ALTER TABLE donations DROP COLUMN received_amount;
