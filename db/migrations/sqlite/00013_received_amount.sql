-- +goose Up
-- What really arrived for a pledge, where a treasurer assigned a bank line
-- of another amount to it (NULL: the pledged amount arrived). The donation
-- totals follow it.
ALTER TABLE donations ADD COLUMN received_amount BIGINT CHECK (received_amount > 0);
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

-- +goose Down
SELECT 1;
