package db

import (
	"crypto/sha256"
	"database/sql/driver"
	"fmt"

	"modernc.org/sqlite"
)

// SQLite has no SHA-256 of its own, PostgreSQL has sha256(bytea). The same
// function is registered for SQLite's connections, so that a migration can
// hash in SQL on both engines (00027 stores an idempotency record under the
// SHA-256 of its caller and key).
func init() {
	if err := sqlite.RegisterDeterministicScalarFunction("sha256", 1, sqliteSHA256); err != nil {
		panic(err)
	}
}

// sqliteSHA256 is SHA-256 of a blob or of a text's bytes, as a blob;
// NULL for NULL, as SQL's functions do.
func sqliteSHA256(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	var b []byte
	switch v := args[0].(type) {
	case nil:
		return nil, nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return nil, fmt.Errorf("sha256: wants a blob or a text, got %T", v)
	}
	sum := sha256.Sum256(b)
	return sum[:], nil
}
