-- +goose Up
-- Grants go only to bodies that may receive money a donation receipt
-- promises for the stated purpose: bodies recognised as non-profit (a
-- notice of their tax office) or public bodies. recognition_kind is ''
-- on drafts without it and on applications from before it was asked for
-- (the committee's page warns of those); recognition_sponsor names the
-- recognised body a group without recognition applies through.
ALTER TABLE applications ADD COLUMN recognition_kind TEXT NOT NULL DEFAULT ''
    CHECK (recognition_kind IN ('', 'nonprofit', 'public_body'));
ALTER TABLE applications ADD COLUMN recognition_authority TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN recognition_notice TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN recognition_notice_date TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN recognition_sponsor TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE applications DROP COLUMN recognition_sponsor;
ALTER TABLE applications DROP COLUMN recognition_notice_date;
ALTER TABLE applications DROP COLUMN recognition_notice;
ALTER TABLE applications DROP COLUMN recognition_authority;
ALTER TABLE applications DROP COLUMN recognition_kind;
