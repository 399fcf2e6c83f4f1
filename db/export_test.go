package db

import "github.com/jmoiron/sqlx"

// WriterPool is the writer's pool, for the tests of its settings.
func WriterPool(d *DB) *sqlx.DB { return d.writer }

// ParseSQLiteTime and ParseUTC are for the tests of TimeColumn.
var (
	ParseSQLiteTime = parseSQLiteTime
	ParseUTC        = parseUTC
)
