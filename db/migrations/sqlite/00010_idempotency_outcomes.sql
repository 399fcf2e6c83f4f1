-- +goose Up
-- An idempotency record's status no longer holds an HTTP status but what its
-- body is (ledger/idempotency.go): 0 the JSON of the result, 1 a refusal as
-- its kind, message and fields. Successes stored before keep their bodies
-- (the JSON of the result, as now); refusals stored before were problem
-- documents, which cannot be read back as errors: they are forgotten, so a
-- repeat of such a request runs again and is refused again by the same rules.
DELETE FROM idempotency_keys WHERE status >= 400;
-- The donation form's records held the whole answer, the donor's data
-- included; now they hold the donation's id alone. The old ones go.
DELETE FROM idempotency_keys WHERE scope LIKE 'anonymous:%' AND key LIKE 'form:%';
UPDATE idempotency_keys SET status = 0;

-- +goose Down
-- The meaning cannot be restored; the records are forgotten.
DELETE FROM idempotency_keys;
