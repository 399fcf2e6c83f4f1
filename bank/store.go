package bank

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus"
	"fundus/db"
	"fundus/donations"
	"fundus/grants"
)

// This file holds all of the package's SQL, in the order an import runs
// it: the lines stored before, the statement, its lines, the pending
// lines the booked ones replace; then what the queue and the
// reconciliation read.

// stored is a line already stored, as counting needs it.
type stored struct {
	ID            string `db:"id"`
	Identity      string `db:"identity"`
	BankReference string `db:"bank_reference"`
	Replaced      string `db:"replaced"` // the identity of the pending line it replaced
}

// storedLines returns the stored lines of the identities, by identity, in
// the order they were stored; and under "replaced:" and a pending line's
// identity, the booked lines that replaced a pending line of it.
func storedLines(ctx context.Context, q sqlx.QueryerContext, identities []string) (map[string][]stored, error) {
	out := map[string][]stored{}
	for len(identities) > 0 {
		n := min(len(identities), 500)
		var p db.Params
		in := make([]string, n)
		for i, id := range identities[:n] {
			in[i] = p.Add(id)
		}
		list := strings.Join(in, ", ")
		asked := map[string]bool{}
		for _, id := range identities[:n] {
			asked[id] = true
		}
		// Two selects, each on its own index: with one "identity IN (…)
		// OR replaced IN (…)" PostgreSQL scanned the whole table (replaced
		// is '' on nearly every line) and compared each row with the whole
		// list, a third of a second per 500 identities.
		var rows []stored
		if err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, identity, bank_reference, replaced FROM bank_lines
			WHERE identity IN (`+list+`) ORDER BY seq`, p.Args()...); err != nil {
			return nil, err
		}
		for _, r := range rows {
			if asked[r.Identity] {
				out[r.Identity] = append(out[r.Identity], r)
			}
		}
		rows = nil
		if err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, identity, bank_reference, replaced FROM bank_lines
			WHERE replaced <> '' AND replaced IN (`+list+`) ORDER BY seq`, p.Args()...); err != nil {
			return nil, err
		}
		for _, r := range rows {
			if asked[r.Replaced] {
				out["replaced:"+r.Replaced] = append(out["replaced:"+r.Replaced], r)
			}
		}
		identities = identities[n:]
	}
	return out, nil
}

// aroundRow is a stored line with what makes it the same as a line of
// another day (content).
type aroundRow struct {
	stored
	BookingDate      string `db:"booking_date"`
	Amount           int64  `db:"amount"`
	Direction        string `db:"direction"`
	CounterpartyIBAN string `db:"counterparty_iban"`
	Remittance       string `db:"remittance"`
	EndToEndID       string `db:"end_to_end_id"`
	AccountIBAN      string `db:"account_iban"`
}

// linesAround returns the stored pending lines (pending) or the other
// stored lines booked from from to to, in the order they were stored.
// Pending lines are few: they are replaced or withdrawn.
func linesAround(ctx context.Context, q sqlx.QueryerContext, from, to string, pending bool) ([]aroundRow, error) {
	status := "l.status = 'pending'"
	if !pending {
		status = "l.status <> 'pending'"
	}
	var rows []aroundRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT l.id, l.identity, l.bank_reference, l.replaced, l.booking_date, l.amount, l.direction,
		l.counterparty_iban, l.remittance, l.end_to_end_id, s.account_iban
		FROM bank_lines l JOIN bank_statements s ON s.id = l.statement_id
		WHERE `+status+` AND l.booking_date >= $1 AND l.booking_date <= $2 ORDER BY l.seq`, from, to)
	return rows, err
}

func insertStatement(ctx context.Context, q sqlx.ExecerContext, s *Statement) error {
	var opening, closing *int64
	if s.OpeningBalance != nil {
		opening = &s.OpeningBalance.Minor
	}
	if s.ClosingBalance != nil {
		closing = &s.ClosingBalance.Minor
	}
	_, err := q.ExecContext(ctx, `INSERT INTO bank_statements (id, account_iban, format, from_date, to_date,
		opening_balance, opening_date, closing_balance, closing_date, lines, new_lines, duplicate_lines, matched, queued,
		imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		s.ID, s.AccountIBAN, s.Format, s.From, s.To, opening, nullDay(s.openingDate), closing, nullDay(s.closingDate),
		s.Lines, s.NewLines, s.DuplicateLines, s.Matched, s.Queued, s.importedBy, s.ImportedAt)
	return err
}

func nullDay(d string) *string {
	if d == "" {
		return nil
	}
	return &d
}

var lineColumns = []string{"id", "statement_id", "identity", "booking_date", "value_date", "amount", "currency", "direction",
	"counterparty_name", "counterparty_iban", "remittance", "end_to_end_id", "bank_reference", "bank_text", "status",
	"match_type", "match_id", "entry_id", "resolved_by", "resolved_at", "replaced"}

// insertLines inserts lines with as few statements as the limit on
// parameters allows.
func insertLines(ctx context.Context, q sqlx.ExecerContext, lines []*Line, by string, at time.Time) error {
	rows := make([][]any, len(lines))
	for i, l := range lines {
		var matchType, matchID, resolvedBy string
		var resolvedAt *time.Time
		if l.Match != nil {
			matchType, matchID, resolvedBy, resolvedAt = l.Match.Type, l.Match.ID, by, &at
		}
		rows[i] = []any{l.ID, l.StatementID, l.identity, l.BookingDate, l.ValueDate, l.Amount.Minor, l.Currency, l.Direction,
			l.CounterpartyName, l.CounterpartyIBAN, l.Remittance, l.EndToEndID, l.BankReference, l.BankText, l.Status,
			matchType, matchID, db.StringOrNull(l.EntryID), resolvedBy, resolvedAt, l.replaces}
	}
	for _, st := range db.InsertRows("bank_lines", lineColumns, rows, "") {
		if _, err := q.ExecContext(ctx, st.Query, st.Args...); err != nil {
			return err
		}
	}
	return nil
}

// deleteLines deletes the pending lines of ids (the booked lines that
// follow replace them, or the bank withdrew them), a few hundred a
// statement.
func deleteLines(ctx context.Context, q sqlx.ExecerContext, ids []string) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		var p db.Params
		in := make([]string, n)
		for i, id := range ids[:n] {
			in[i] = p.Add(id)
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM bank_lines WHERE status = 'pending' AND id IN (`+strings.Join(in, ", ")+`)`, p.Args()...); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// resolveLine stores what a person did with a queued line.
func resolveLine(ctx context.Context, q sqlx.ExecerContext, l *Line, by string, at time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE bank_lines SET status = $2, match_type = $3, match_id = $4, entry_id = $5,
		resolved_by = $6, resolved_at = $7 WHERE id = $1 AND status = 'queued'`,
		l.ID, l.Status, l.Match.Type, l.Match.ID, db.StringOrNull(l.EntryID), by, at)
	return err
}

// matched reports whether a bank line is already matched to the object
// (a "donation" its money, a "refund" its payment).
func matched(ctx context.Context, q sqlx.QueryerContext, matchType, id string) (bool, error) {
	var n int
	err := q.QueryRowxContext(ctx, `SELECT count(*) FROM bank_lines WHERE match_type = $1 AND match_id = $2`, matchType, id).Scan(&n)
	return n > 0, err
}

const statementColumns = `seq, id, account_iban, format, from_date, to_date, opening_balance, opening_date,
	closing_balance, closing_date, lines, new_lines, duplicate_lines, matched, queued, imported_by, imported_at`

type statementRow struct {
	Seq            int64          `db:"seq"`
	ID             string         `db:"id"`
	AccountIBAN    string         `db:"account_iban"`
	Format         string         `db:"format"`
	From           string         `db:"from_date"`
	To             string         `db:"to_date"`
	OpeningBalance sql.NullInt64  `db:"opening_balance"`
	OpeningDate    sql.NullString `db:"opening_date"`
	ClosingBalance sql.NullInt64  `db:"closing_balance"`
	ClosingDate    sql.NullString `db:"closing_date"`
	Lines          int            `db:"lines"`
	NewLines       int            `db:"new_lines"`
	DuplicateLines int            `db:"duplicate_lines"`
	Matched        int            `db:"matched"`
	Queued         int            `db:"queued"`
	ImportedBy     string         `db:"imported_by"`
	ImportedAt     time.Time      `db:"imported_at"`
}

func (r statementRow) statement() *Statement {
	s := &Statement{ID: r.ID, AccountIBAN: r.AccountIBAN, Format: r.Format, From: r.From, To: r.To,
		Lines: r.Lines, NewLines: r.NewLines, DuplicateLines: r.DuplicateLines, Matched: r.Matched, Queued: r.Queued,
		ImportedAt: r.ImportedAt.UTC(), openingDate: r.OpeningDate.String, closingDate: r.ClosingDate.String,
		importedBy: r.ImportedBy, seq: r.Seq}
	if r.OpeningBalance.Valid {
		m := fundus.EURCents(r.OpeningBalance.Int64)
		s.OpeningBalance = &m
	}
	if r.ClosingBalance.Valid {
		m := fundus.EURCents(r.ClosingBalance.Int64)
		s.ClosingBalance = &m
	}
	return s
}

func findStatements(ctx context.Context, q sqlx.QueryerContext, afterSeq int64, limit int) ([]*Statement, error) {
	var rows []statementRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+statementColumns+` FROM bank_statements WHERE seq > $1 ORDER BY seq LIMIT $2`, afterSeq, limit); err != nil {
		return nil, err
	}
	out := make([]*Statement, len(rows))
	for i, r := range rows {
		out[i] = r.statement()
	}
	return out, nil
}

// lastClosing returns the statement with the latest closing balance, or
// nil when none has one. Of one day, a statement (camt.053) closes the
// day, while a report (camt.052) may have been taken during it, whenever
// it was imported.
func lastClosing(ctx context.Context, q sqlx.QueryerContext) (*Statement, error) {
	var r statementRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+statementColumns+` FROM bank_statements
		WHERE closing_date IS NOT NULL
		ORDER BY closing_date DESC, CASE WHEN format LIKE 'camt.052%' THEN 1 ELSE 0 END, seq DESC LIMIT 1`)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return r.statement(), nil
}

const lineSelect = `SELECT seq, id, statement_id, identity, booking_date, value_date, amount, currency, direction,
	counterparty_name, counterparty_iban, remittance, end_to_end_id, bank_reference, bank_text, status, match_type,
	match_id, entry_id FROM bank_lines`

type lineRow struct {
	Seq              int64          `db:"seq"`
	ID               string         `db:"id"`
	StatementID      string         `db:"statement_id"`
	Identity         string         `db:"identity"`
	BookingDate      string         `db:"booking_date"`
	ValueDate        string         `db:"value_date"`
	Amount           int64          `db:"amount"`
	Currency         string         `db:"currency"`
	Direction        string         `db:"direction"`
	CounterpartyName string         `db:"counterparty_name"`
	CounterpartyIBAN string         `db:"counterparty_iban"`
	Remittance       string         `db:"remittance"`
	EndToEndID       string         `db:"end_to_end_id"`
	BankReference    string         `db:"bank_reference"`
	BankText         string         `db:"bank_text"`
	Status           string         `db:"status"`
	MatchType        string         `db:"match_type"`
	MatchID          string         `db:"match_id"`
	EntryID          sql.NullString `db:"entry_id"`
}

func (r lineRow) line() *Line {
	l := &Line{ID: r.ID, StatementID: r.StatementID, BookingDate: r.BookingDate, ValueDate: r.ValueDate,
		Amount: fundus.EURCents(r.Amount), Currency: r.Currency, Direction: r.Direction, CounterpartyName: r.CounterpartyName,
		CounterpartyIBAN: r.CounterpartyIBAN, Remittance: r.Remittance, EndToEndID: r.EndToEndID, BankReference: r.BankReference,
		BankText: r.BankText, Status: r.Status, EntryID: r.EntryID.String, identity: r.Identity, seq: r.Seq}
	if r.MatchType != "" {
		l.Match = &Match{Type: r.MatchType, ID: r.MatchID}
	}
	return l
}

func findLine(ctx context.Context, q sqlx.QueryerContext, id string) (*Line, error) {
	var r lineRow
	if err := sqlx.GetContext(ctx, q, &r, lineSelect+` WHERE id = $1`, id); err != nil {
		return nil, db.NotFoundOr("bank.findLine", err, "no such bank line")
	}
	return r.line(), nil
}

// LineFilter selects bank lines; empty fields match everything.
type LineFilter struct {
	Status, StatementID string
	From, To            string // booking dates, YYYY-MM-DD, inclusive
	AfterSeq            int64
	Limit               int
}

func findLines(ctx context.Context, q sqlx.QueryerContext, f LineFilter) ([]*Line, error) {
	var p db.Params
	where := []string{"seq > " + p.Add(f.AfterSeq)}
	if f.Status != "" {
		where = append(where, "status = "+p.Add(f.Status))
	}
	if f.StatementID != "" {
		where = append(where, "statement_id = "+p.Add(f.StatementID))
	}
	if f.From != "" {
		where = append(where, "booking_date >= "+p.Add(f.From))
	}
	if f.To != "" {
		where = append(where, "booking_date <= "+p.Add(f.To))
	}
	var rows []lineRow
	if err := sqlx.SelectContext(ctx, q, &rows, lineSelect+` WHERE `+strings.Join(where, " AND ")+` ORDER BY seq LIMIT `+p.Add(f.Limit), p.Args()...); err != nil {
		return nil, err
	}
	out := make([]*Line, len(rows))
	for i, r := range rows {
		out[i] = r.line()
	}
	return out, nil
}

// queuedThrough counts the queued lines booked on or before day and sums
// them as they change the account (credits add).
func queuedThrough(ctx context.Context, q sqlx.QueryerContext, day string) (int, int64, error) {
	var n int
	var sum db.Sum
	err := q.QueryRowxContext(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN direction = 'credit' THEN amount ELSE -amount END), 0)
		FROM bank_lines WHERE status = 'queued' AND booking_date <= $1`, day).Scan(&n, &sum)
	return n, int64(sum), err
}

func insertPaymentFile(ctx context.Context, q sqlx.ExecerContext, f *PaymentFile) error {
	_, err := q.ExecContext(ctx, `INSERT INTO payment_files (id, message_id, created_by, created_at, execution_date, count, total, document)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, f.ID, f.MessageID, f.createdBy, f.CreatedAt, f.ExecutionDate, f.Count, f.Total.Minor, f.document)
	return err
}

type paymentFileRow struct {
	Seq           int64     `db:"seq"`
	ID            string    `db:"id"`
	MessageID     string    `db:"message_id"`
	CreatedBy     string    `db:"created_by"`
	CreatedAt     time.Time `db:"created_at"`
	ExecutionDate string    `db:"execution_date"`
	Count         int       `db:"count"`
	Total         int64     `db:"total"`
	Document      string    `db:"document"`
}

func (r paymentFileRow) file() *PaymentFile {
	return &PaymentFile{ID: r.ID, MessageID: r.MessageID, CreatedAt: r.CreatedAt.UTC(), ExecutionDate: r.ExecutionDate,
		Count: r.Count, Total: fundus.EURCents(r.Total), createdBy: r.CreatedBy, document: r.Document, seq: r.Seq}
}

const paymentFileColumns = `seq, id, message_id, created_by, created_at, execution_date, count, total, document`

func findPaymentFile(ctx context.Context, q sqlx.QueryerContext, id string) (*PaymentFile, error) {
	var r paymentFileRow
	if err := sqlx.GetContext(ctx, q, &r, `SELECT `+paymentFileColumns+` FROM payment_files WHERE id = $1`, id); err != nil {
		return nil, db.NotFoundOr("bank.findPaymentFile", err, "no such payment file")
	}
	f := r.file()
	return f, withDisbursementIDs(ctx, q, []*PaymentFile{f})
}

func findPaymentFiles(ctx context.Context, q sqlx.QueryerContext, afterSeq int64, limit int) ([]*PaymentFile, error) {
	var rows []paymentFileRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+paymentFileColumns+` FROM payment_files WHERE seq > $1 ORDER BY seq LIMIT $2`, afterSeq, limit); err != nil {
		return nil, err
	}
	out := make([]*PaymentFile, len(rows))
	for i, r := range rows {
		out[i] = r.file()
	}
	return out, withDisbursementIDs(ctx, q, out)
}

// withDisbursementIDs fills in the instalments and refunds each file holds.
func withDisbursementIDs(ctx context.Context, q sqlx.QueryerContext, fs []*PaymentFile) error {
	for _, f := range fs {
		var err error
		if f.DisbursementIDs, err = grants.InPaymentFile(ctx, q, f.ID); err != nil {
			return err
		}
		if f.RefundDonationIDs, err = donations.RefundsInPaymentFile(ctx, q, f.ID); err != nil {
			return err
		}
		f.DisbursementIDs, f.RefundDonationIDs = orEmpty(f.DisbursementIDs), orEmpty(f.RefundDonationIDs)
	}
	return nil
}

// payerOf returns the name and IBAN of whoever paid the donation, from the
// bank line matched to it ("" when none named an IBAN).
func payerOf(ctx context.Context, q sqlx.QueryerContext, donationID string) (string, string, error) {
	var p struct {
		Name string `db:"counterparty_name"`
		IBAN string `db:"counterparty_iban"`
	}
	err := sqlx.GetContext(ctx, q, &p, `SELECT counterparty_name, counterparty_iban FROM bank_lines
		WHERE match_type = 'donation' AND match_id = $1 AND counterparty_iban <> '' ORDER BY seq LIMIT 1`, donationID)
	if err == sql.ErrNoRows {
		return "", "", nil
	}
	return p.Name, p.IBAN, err
}

// orEmpty is ids, or an empty list (JSON [], not null).
func orEmpty(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
