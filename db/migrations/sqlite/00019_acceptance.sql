-- +goose Up
-- Accepting donations (§ 111 Abs. 8 NKomVG with § 26 KomHKVO): a city may
-- keep a donation only once the body the law names has accepted it.
-- acceptance: '' while not received (a pledge, a cancelled pledge);
-- 'pending' received and waiting for the committee or the council;
-- 'accepted' (accepting_body says who: administration, committee,
-- council); 'declined' (refunded through the refund path).
ALTER TABLE donations ADD COLUMN acceptance TEXT NOT NULL DEFAULT ''
    CHECK (acceptance IN ('', 'pending', 'accepted', 'declined'));
ALTER TABLE donations ADD COLUMN accepting_body TEXT NOT NULL DEFAULT ''
    CHECK (accepting_body IN ('', 'administration', 'committee', 'council'));
ALTER TABLE donations ADD COLUMN accepted_at DATETIME;
-- Donations received before acceptance was recorded were booked to
-- income:donations at once: they count as accepted, by no recorded body.
UPDATE donations SET acceptance = 'accepted' WHERE status IN ('received', 'refunded');
CREATE INDEX donations_acceptance ON donations (acceptance, seq) WHERE acceptance = 'pending';
-- Received money that is not yet the fund's: it waits here until the body
-- accepts it (to income:donations) or declines it (to
-- liabilities:refunds-payable, owed back to the donor).
INSERT INTO accounts (code, type, currency, name) VALUES
    ('liabilities:donations-pending', 'liability', 'EUR', 'received donations waiting for acceptance by the body the law names');

-- +goose Down
DELETE FROM accounts WHERE code = 'liabilities:donations-pending';
DROP INDEX donations_acceptance;
ALTER TABLE donations DROP COLUMN accepted_at;
ALTER TABLE donations DROP COLUMN accepting_body;
ALTER TABLE donations DROP COLUMN acceptance;
