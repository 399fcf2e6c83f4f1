package db

import (
	"database/sql"
	"time"
)

// TimeOrNil turns a nullable column into a *time.Time in UTC.
func TimeOrNil(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// StringOrNull stores "" as NULL (for optional references).
func StringOrNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
