package db

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"fundus/errs"
)

// Sum is the result of an SQL SUM over cents. Neither engine wraps:
// PostgreSQL's SUM(bigint) is numeric (it comes as text), and SQLite's SUM
// fails with "integer overflow". Scan refuses a sum beyond int64 with
// InvalidState instead of failing as an internal error; SumError does the
// same for SQLite's failure.
type Sum int64

// Scan reads an integer, or its text.
func (s *Sum) Scan(v any) error {
	var text string
	switch v := v.(type) {
	case nil:
		*s = 0
		return nil
	case int64:
		*s = Sum(v)
		return nil
	case string:
		text = v
	case []byte:
		text = string(v)
	case float64: // SQLite's integer arithmetic (a trigger's a + b) overflowed into a real
		return errSumTooLarge("db.Sum", nil)
	default:
		return fmt.Errorf("db.Sum: cannot scan %T", v)
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(text, ".0"), 10, 64)
	var ne *strconv.NumError
	if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
		return errSumTooLarge("db.Sum", nil)
	}
	if err != nil {
		return fmt.Errorf("db.Sum: %w", err)
	}
	*s = Sum(n)
	return nil
}

func errSumTooLarge(op errs.Op, cause error) error {
	return errs.E(op, errs.InvalidState, "a sum of amounts does not fit in 64-bit cents; a ledger within its limits never needs one (run fundus verify)", cause)
}

// SumError turns SQLite's "integer overflow" of a SUM, and PostgreSQL's
// "bigint out of range" of a sum a trigger keeps, into the error of a sum
// beyond int64 (InvalidState); any other error is returned as it is.
func SumError(err error) error {
	var se *sqlite.Error
	var pe *pgconn.PgError
	if errors.As(err, &se) && strings.Contains(se.Error(), "integer overflow") ||
		errors.As(err, &pe) && pe.Code == "22003" {
		return errSumTooLarge("db.SumError", err)
	}
	return err
}
