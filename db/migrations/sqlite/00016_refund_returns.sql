-- +goose Up
-- A refund is paid like an instalment and may come back like one: its
-- state (owed: waits for a payment file or a debit line; sent: in a payment
-- file; paid: the bank's debit was seen; returned: the donor's bank sent it
-- back, it is owed again and waits for a payee account), the account a
-- treasurer set for it (where the donation's own bank line named none, or
-- after a return) and who set it (that person may not make the payment
-- file that pays it), and how often the donor's bank sent it back. The payment files a refund went into, one row each:
-- a returned refund goes into another.
ALTER TABLE donations ADD COLUMN refund_status TEXT CHECK (refund_status IN ('owed', 'sent', 'paid', 'returned'));
ALTER TABLE donations ADD COLUMN refund_payee_name TEXT NOT NULL DEFAULT '';
ALTER TABLE donations ADD COLUMN refund_payee_iban TEXT NOT NULL DEFAULT '';
ALTER TABLE donations ADD COLUMN refund_payee_set_by TEXT NOT NULL DEFAULT '';
ALTER TABLE donations ADD COLUMN refund_returns INTEGER NOT NULL DEFAULT 0 CHECK (refund_returns >= 0);
UPDATE donations SET refund_status = CASE
    WHEN EXISTS (SELECT 1 FROM bank_lines WHERE match_type = 'refund' AND match_id = donations.id) THEN 'paid'
    WHEN refund_payment_file_id IS NOT NULL THEN 'sent'
    ELSE 'owed' END
WHERE status = 'refunded';
CREATE TABLE refund_payments (
    payment_file_id TEXT NOT NULL REFERENCES payment_files (id),
    donation_id     TEXT NOT NULL REFERENCES donations (id),
    PRIMARY KEY (payment_file_id, donation_id)
);
CREATE INDEX refund_payments_donation ON refund_payments (donation_id);
INSERT INTO refund_payments (payment_file_id, donation_id)
SELECT refund_payment_file_id, id FROM donations WHERE refund_payment_file_id IS NOT NULL;
CREATE INDEX donations_refunds_owed ON donations (seq) WHERE refund_status = 'owed';

-- +goose Down
SELECT 1;
