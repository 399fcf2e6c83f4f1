package ledger

import (
	"fundus"

	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/commit"
	"fundus/db"
)

// This file holds all of the package's SQL. Entries and postings are only
// ever inserted here.

// lockHeadAndAccounts locks the chain head, then reads the accounts, sent
// together with the batch's BEGIN in one round trip on PostgreSQL
// (commit.Tx.ReadTogether). The accounts must be read by a later statement
// than the lock: on PostgreSQL a statement that waits for the lock sees the
// locked row as committed since, but every other row as it was when the
// statement began, so accounts read together with the head would miss the
// balances of the transaction it waited for.
func lockHeadAndAccounts(tx *commit.Tx) (head, []Account, error) {
	q := `SELECT seq, hash, last_time FROM ledger_head WHERE id = 1`
	if tx.Engine() == db.Postgres {
		q += ` FOR UPDATE` // SQLite's writer already holds the database lock
	}
	res, err := tx.ReadTogether(db.Statement{Query: q}, db.Statement{Query: accountsQuery})
	if err != nil {
		return head{}, nil, err
	}
	if len(res[0].Rows) != 1 {
		return head{}, nil, fmt.Errorf("ledger: %d chain heads, want 1", len(res[0].Rows))
	}
	var h head
	r := res[0].Rows[0]
	if err := db.ScanValues(r, &h.seq, &h.hash, &h.lastTime); err != nil {
		return head{}, nil, err
	}
	h.lastTime = h.lastTime.UTC()
	accts := make([]Account, len(res[1].Rows))
	for i, r := range res[1].Rows {
		var a accountRow
		if err := db.ScanValues(r, &a.Code, &a.Type, &a.Currency, &a.Name, &a.Balance); err != nil {
			return head{}, nil, err
		}
		accts[i] = a.account()
	}
	return h, accts, nil
}

// readHead reads the chain head without locking it.
func readHead(ctx context.Context, q sqlx.QueryerContext) (ChainHead, error) {
	var h ChainHead
	err := q.QueryRowxContext(ctx, `SELECT seq, hash FROM ledger_head WHERE id = 1`).Scan(&h.Seq, &h.Hash)
	return h, err
}

type accountRow struct {
	Code     string `db:"code"`
	Type     string `db:"type"`
	Currency string `db:"currency"`
	Name     string `db:"name"`
	Balance  int64  `db:"balance"`
}

func (r accountRow) account() Account {
	cur, _ := fundus.KnownCurrency(r.Currency)
	return Account{Code: r.Code, Type: r.Type, Currency: r.Currency, Name: r.Name, Balance: fundus.Money{Minor: r.Balance, Currency: cur}}
}

const accountsQuery = `SELECT code, type, currency, name, balance FROM accounts ORDER BY code`

func loadAccounts(ctx context.Context, q sqlx.QueryerContext) ([]Account, error) {
	var rows []accountRow
	if err := sqlx.SelectContext(ctx, q, &rows, accountsQuery); err != nil {
		return nil, err
	}
	out := make([]Account, len(rows))
	for i, r := range rows {
		out[i] = r.account()
	}
	return out, nil
}

// writeBatch returns the statements that write a batch's entries and their
// postings (multi-row inserts), the changed balances and the new chain
// head.
func writeBatch(entries []*Entry, balances map[string]int64, h head) []db.Statement {
	var entryRows, postingRows [][]any
	for _, e := range entries {
		var refType, refID string
		if e.Ref != nil {
			refType, refID = e.Ref.Type, e.Ref.ID
		}
		var reverses *string
		if e.Reverses != "" {
			reverses = &e.Reverses
		}
		entryRows = append(entryRows, []any{e.ID, e.Seq, e.Time, e.Date, e.Kind, e.Memo, refType, refID, e.Actor, reverses, e.PrevHash, e.Hash})
		for i, p := range e.Postings {
			postingRows = append(postingRows, []any{e.ID, i + 1, p.Account, p.Amount.Minor, p.Currency})
		}
	}
	stmts := db.InsertRows("entries", []string{"id", "seq", "time", "date", "kind", "memo", "ref_type", "ref_id", "actor", "reverses", "prev_hash", "hash"}, entryRows, "")
	stmts = append(stmts, db.InsertRows("postings", []string{"entry_id", "line", "account", "amount", "currency"}, postingRows, "")...)
	for code, balance := range balances {
		stmts = append(stmts, db.Statement{Query: `UPDATE accounts SET balance = $1 WHERE code = $2`, Args: []any{balance, code}})
	}
	return append(stmts, db.Statement{Query: `UPDATE ledger_head SET seq = $1, hash = $2, last_time = $3 WHERE id = 1`,
		Args: []any{h.seq, h.hash, h.lastTime}})
}

type entryRow struct {
	ID       string         `db:"id"`
	Seq      int64          `db:"seq"`
	Time     time.Time      `db:"time"`
	Date     string         `db:"date"`
	Kind     string         `db:"kind"`
	Memo     string         `db:"memo"`
	RefType  string         `db:"ref_type"`
	RefID    string         `db:"ref_id"`
	Actor    string         `db:"actor"`
	Reverses sql.NullString `db:"reverses"`
	PrevHash string         `db:"prev_hash"`
	Hash     string         `db:"hash"`
}

func (r entryRow) entry() *Entry {
	e := &Entry{ID: r.ID, Seq: r.Seq, Time: r.Time.UTC(), Date: r.Date, Kind: r.Kind, Memo: r.Memo, Actor: r.Actor,
		Reverses: r.Reverses.String, PrevHash: r.PrevHash, Hash: r.Hash, Postings: []Posting{}}
	if r.RefType != "" || r.RefID != "" {
		e.Ref = &Ref{Type: r.RefType, ID: r.RefID}
	}
	return e
}

type postingRow struct {
	EntryID  string `db:"entry_id"`
	Line     int    `db:"line"`
	Account  string `db:"account"`
	Amount   int64  `db:"amount"`
	Currency string `db:"currency"`
}

const entryColumns = `e.id, e.seq, e.time, e.date, e.kind, e.memo, e.ref_type, e.ref_id, e.actor, e.reverses, e.prev_hash, e.hash`

// withPostings loads the postings of entries (which come in sequence
// order), in line order. It asks for the postings of the sequence range the
// entries span, joined through the entries' seq index, which stays fast
// however large the ledger (an IN list of ids made PostgreSQL scan all
// postings); postings of entries in the range that the caller filtered
// out are skipped.
func withPostings(ctx context.Context, q sqlx.QueryerContext, rows []entryRow) ([]*Entry, error) {
	out := make([]*Entry, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	byID := make(map[string]*Entry, len(rows))
	lo, hi := rows[0].Seq, rows[0].Seq
	for i, r := range rows {
		out[i] = r.entry()
		byID[r.ID] = out[i]
		lo, hi = min(lo, r.Seq), max(hi, r.Seq)
	}
	var ps []postingRow
	if err := sqlx.SelectContext(ctx, q, &ps, `SELECT p.entry_id, p.line, p.account, p.amount, p.currency
		FROM entries e JOIN postings p ON p.entry_id = e.id
		WHERE e.seq >= $1 AND e.seq <= $2 ORDER BY e.seq, p.line`, lo, hi); err != nil {
		return nil, err
	}
	for _, p := range ps {
		if e, ok := byID[p.EntryID]; ok {
			e.Postings = append(e.Postings, Posting{Account: p.Account, Amount: fundus.Money{Minor: p.Amount, Currency: currencyOf(p.Currency)}, Currency: p.Currency})
		}
	}
	return out, nil
}

// currencyOf returns the currency with code, or one with two digits for a
// code the fund does not know (so that verification can still read it).
func currencyOf(code string) fundus.Currency {
	if c, ok := fundus.KnownCurrency(code); ok {
		return c
	}
	return fundus.Currency{Code: code, Digits: 2}
}

func findEntry(ctx context.Context, q sqlx.QueryerContext, id string) (*Entry, error) {
	var r entryRow
	if err := sqlx.GetContext(ctx, q, &r, `SELECT `+entryColumns+` FROM entries e WHERE e.id = $1`, id); err != nil {
		return nil, db.NotFoundOr("ledger.findEntry", err, "no such entry")
	}
	es, err := withPostings(ctx, q, []entryRow{r})
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

// findReversalOf returns the entry that reverses id, or nil.
func findReversalOf(ctx context.Context, q sqlx.QueryerContext, id string) (*Entry, error) {
	var r entryRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+entryColumns+` FROM entries e WHERE e.reverses = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return r.entry(), nil
}

// EntryFilter selects entries by their date: From and To are days
// (YYYY-MM-DD), both included (empty: open), Account (empty: any), after
// the sequence number AfterSeq.
type EntryFilter struct {
	From, To string
	Account  string
	// Text finds entries whose memo, kind or cause (ref type or id)
	// contains it, in any case; at most MaxQuery characters.
	Text     string
	AfterSeq int64
	Limit    int
}

// likeEscaper escapes the wildcards of LIKE (with ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func findEntries(ctx context.Context, q sqlx.QueryerContext, f EntryFilter) ([]*Entry, error) {
	var p db.Params
	arg := p.Add
	where := []string{"e.seq > " + arg(f.AfterSeq)}
	if f.From != "" {
		where = append(where, "e.date >= "+arg(f.From))
	}
	if f.To != "" {
		where = append(where, "e.date <= "+arg(f.To))
	}
	if f.Account != "" {
		where = append(where, "EXISTS (SELECT 1 FROM postings p WHERE p.entry_id = e.id AND p.account = "+arg(f.Account)+")")
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		like := arg("%" + likeEscaper.Replace(strings.ToLower(t)) + "%")
		var alts []string
		for _, col := range []string{"e.memo", "e.kind", "e.ref_type", "e.ref_id"} {
			alts = append(alts, "LOWER(COALESCE("+col+", '')) LIKE "+like+` ESCAPE '\'`)
		}
		where = append(where, "("+strings.Join(alts, " OR ")+")")
	}
	query := `SELECT ` + entryColumns + ` FROM entries e WHERE ` + strings.Join(where, " AND ") + ` ORDER BY e.seq LIMIT ` + arg(f.Limit)
	var rows []entryRow
	if err := sqlx.SelectContext(ctx, q, &rows, query, p.Args()...); err != nil {
		return nil, err
	}
	return withPostings(ctx, q, rows)
}

// balancesBefore sums the postings of each account of the entries dated
// before day (YYYY-MM-DD).
func balancesBefore(ctx context.Context, q sqlx.QueryerContext, day string) (map[string]int64, error) {
	return SumPostings(ctx, q, `e.date < $1`, day)
}

// balancesThrough sums the postings of each account of the entries dated
// day or before: the balances at the end of that day, whatever the order
// in which the entries were written.
func balancesThrough(ctx context.Context, q sqlx.QueryerContext, day string) (map[string]int64, error) {
	return SumPostings(ctx, q, `e.date <= $1`, day)
}

// SumPostings sums the postings of each account over the entries (e) that
// cond selects: the one place that adds postings up (the ledger's ranges,
// the published figures). A sum beyond ±MaxBalance, which only a tampered
// ledger holds, is InvalidState, never a wrapped number, so figures made of
// a few such sums cannot wrap either.
func SumPostings(ctx context.Context, q sqlx.QueryerContext, cond string, args ...any) (map[string]int64, error) {
	rows, err := q.QueryxContext(ctx, `SELECT p.account, SUM(p.amount) FROM postings p JOIN entries e ON e.id = p.entry_id
		WHERE `+cond+` GROUP BY p.account`, args...)
	if err != nil {
		return nil, db.SumError(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var code string
		var sum db.Sum
		if err := rows.Scan(&code, &sum); err != nil {
			return nil, db.SumError(err)
		}
		if err := CheckBalance(code, int64(sum)); err != nil {
			return nil, err
		}
		out[code] = int64(sum)
	}
	return out, db.SumError(rows.Err())
}

// StoredBalances returns every account's stored balance; InvalidState when
// one is beyond ±MaxBalance.
func StoredBalances(ctx context.Context, q sqlx.QueryerContext) (map[string]int64, error) {
	accts, err := loadAccounts(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := checkBalances("ledger.StoredBalances", accts); err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(accts))
	for _, a := range accts {
		out[a.Code] = a.Balance.Minor
	}
	return out, nil
}

// Touches reports whether the stored entry has a posting on account.
func Touches(ctx context.Context, q sqlx.QueryerContext, entryID, account string) (bool, error) {
	var n int
	err := q.QueryRowxContext(ctx, `SELECT count(*) FROM postings WHERE entry_id = $1 AND account = $2`, entryID, account).Scan(&n)
	return n > 0, err
}
