-- +goose Up
-- PostgreSQL stores the chain's hashes as bytes and the audit records' ids
-- as uuids from here on (see its migration). SQLite keeps the text: it
-- writes whole pages per commit, so 85 bytes fewer in a row change what it
-- writes per entry by nothing measurable, and its append-only entries
-- table could only be changed by a rebuild (docs/performance.md, "Binary
-- hashes and audit ids"). Nothing to do here.
SELECT 1;

-- +goose Down
SELECT 1;
