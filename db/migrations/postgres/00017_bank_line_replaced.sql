-- +goose Up
-- The identity of the pending line a booked bank line replaced ('' none):
-- a pending line shown again after its booked line came (on another day
-- too) is that line, and a booked line answers for one pending line only.
ALTER TABLE bank_lines ADD COLUMN replaced TEXT NOT NULL DEFAULT '';
CREATE INDEX bank_lines_replaced ON bank_lines (replaced) WHERE replaced <> '';

-- +goose Down
SELECT 1;
