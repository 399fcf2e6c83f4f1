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

	"fundus/db"
)

// This file holds all of the package's SQL. Entries and postings are only
// ever inserted here.

// lockHead locks the chain head and reads it. The accounts must be read
// by a later statement: on PostgreSQL a statement that waits for the lock
// sees the locked row as committed since, but every other row as it was
// when the statement began, so accounts read together with the head
// would miss the balances of the transaction it waited for.
func lockHead(ctx context.Context, tx sqlx.QueryerContext, engine db.Engine) (head, error) {
	q := `SELECT seq, hash, last_time FROM ledger_head WHERE id = 1`
	if engine == db.Postgres {
		q += ` FOR UPDATE` // SQLite's writer already holds the database lock
	}
	var h head
	err := tx.QueryRowxContext(ctx, q).Scan(&h.seq, &h.hash, &h.lastTime)
	h.lastTime = h.lastTime.UTC()
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

func loadAccounts(ctx context.Context, q sqlx.QueryerContext) ([]Account, error) {
	var rows []accountRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT code, type, currency, name, balance FROM accounts ORDER BY code`); err != nil {
		return nil, err
	}
	out := make([]Account, len(rows))
	for i, r := range rows {
		out[i] = r.account()
	}
	return out, nil
}

// maxParams bounds the parameters of one multi-row insert: well under both
// engines' limits (SQLite 32766, PostgreSQL 65535), and small enough that
// modernc's SQLite, whose cost per statement grows faster than its size,
// stays quick (measured: 1,000-entry batches ran 5 times faster split so).
const maxParams = 2000

// insertRows inserts rows into table with as few statements as the limit
// on parameters allows.
func insertRows(ctx context.Context, q sqlx.ExecerContext, table string, cols []string, rows [][]any) error {
	for _, st := range insertStatements(table, cols, rows, "") {
		if _, err := q.ExecContext(ctx, st.Query, st.Args...); err != nil {
			return err
		}
	}
	return nil
}

// insertStatements returns the multi-row inserts of rows into table, as
// few as the limit on parameters allows, each followed by suffix (an ON
// CONFLICT or RETURNING clause).
func insertStatements(table string, cols []string, rows [][]any, suffix string) []db.Statement {
	var stmts []db.Statement
	for len(rows) > 0 {
		n := min(len(rows), maxParams/len(cols))
		var p db.Params
		stmts = append(stmts, db.Statement{
			Query: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + valuesSQL(&p, rows[:n]) + suffix,
			Args:  p.Args(),
		})
		rows = rows[n:]
	}
	return stmts
}

// valuesSQL returns the rows as "($1, $2), ($3, $4)", adding their values
// to p.
func valuesSQL(p *db.Params, rows [][]any) string {
	var b strings.Builder
	for i, row := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.Add(v))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// laterRows are the rows of one table that functions of a batch asked to
// insert at its end (Tx.InsertLater), each unless it conflicts on Conflict.
type laterRows struct {
	Table, Conflict string
	Columns         []string
	Rows            [][]any
}

// statements returns the inserts of the rows.
func (l *laterRows) statements() []db.Statement {
	return insertStatements(l.Table, l.Columns, l.Rows, " ON CONFLICT ("+l.Conflict+") DO NOTHING")
}

// batchEnd is what a batch writes at its end.
type batchEnd struct {
	later    []*laterRows
	entries  []*Entry
	audits   []*AuditRecord
	idems    []idemRecord
	balances map[string]int64 // changed balances
	head     *head            // the new chain head, if entries were posted
}

func (b *batchEnd) entryRows() (entries, postings [][]any) {
	for _, e := range b.entries {
		var refType, refID string
		if e.Ref != nil {
			refType, refID = e.Ref.Type, e.Ref.ID
		}
		var reverses *string
		if e.Reverses != "" {
			reverses = &e.Reverses
		}
		entries = append(entries, []any{e.ID, e.Seq, e.Time, e.Date, e.Kind, e.Memo, refType, refID, e.Actor, reverses, e.PrevHash, e.Hash})
		for i, p := range e.Postings {
			postings = append(postings, []any{e.ID, i + 1, p.Account, p.Amount.Minor, p.Currency})
		}
	}
	return entries, postings
}

func (b *batchEnd) auditRows() [][]any {
	rows := make([][]any, len(b.audits))
	for i, r := range b.audits {
		rows[i] = []any{r.ID, r.Time, r.Actor, r.Action, r.ObjectType, r.ObjectID, string(r.Details)}
	}
	return rows
}

var (
	entryInsertColumns = []string{"id", "seq", "time", "date", "kind", "memo", "ref_type", "ref_id", "actor", "reverses", "prev_hash", "hash"}
	postingColumns     = []string{"entry_id", "line", "account", "amount", "currency"}
	auditColumns       = []string{"id", "time", "actor", "action", "object_type", "object_id", "details"}
	idemColumns        = []string{"scope", "key", "request_hash", "status", "body", "created_at"}
)

// statements returns the statements that write it, a multi-row insert per
// table (or a few, within the limit on parameters), and for each the
// number of rows of b.later it inserts (0 for the others).
func (b *batchEnd) statements() (stmts []db.Statement, later []int) {
	add := func(s db.Statement, n int) {
		stmts, later = append(stmts, s), append(later, n)
	}
	for _, l := range b.later {
		for _, st := range l.statements() {
			add(st, len(st.Args)/len(l.Columns)) // the rows it inserts
		}
	}
	entries, postings := b.entryRows()
	for _, st := range insertStatements("entries", entryInsertColumns, entries, "") {
		add(st, 0)
	}
	for _, st := range insertStatements("postings", postingColumns, postings, "") {
		add(st, 0)
	}
	for _, st := range insertStatements("audit_log", auditColumns, b.auditRows(), "") {
		add(st, 0)
	}
	idems := make([][]any, len(b.idems))
	for i, r := range b.idems {
		idems[i] = []any{r.key.Scope, r.key.Name, r.key.RequestHash, r.status, r.body, r.at}
	}
	for _, st := range insertStatements("idempotency_keys", idemColumns, idems, " ON CONFLICT (scope, key) DO NOTHING RETURNING scope, key") {
		st.Rows = true
		add(st, 0)
	}
	for code, balance := range b.balances {
		add(db.Statement{Query: `UPDATE accounts SET balance = $1 WHERE code = $2`, Args: []any{balance, code}}, 0)
	}
	if b.head != nil {
		add(db.Statement{Query: `UPDATE ledger_head SET seq = $1, hash = $2, last_time = $3 WHERE id = 1`,
			Args: []any{b.head.seq, b.head.hash, b.head.lastTime}}, 0)
	}
	return stmts, later
}

// write writes it, in one round trip on PostgreSQL (db.RunStatements). It
// returns errIsolate when a row inserted later conflicted, and *keysTaken
// when idempotency keys were already stored (each is inserted only if it
// is not: looking every key up first would cost a statement per call, or
// per batch, to find what is nearly always not there).
func (b *batchEnd) write(ctx context.Context, engine db.Engine, conn *sql.Conn, q sqlx.ExtContext) error {
	stmts, later := b.statements()
	if len(stmts) == 0 {
		return nil
	}
	results, err := db.RunStatements(ctx, engine, conn, q, stmts)
	if err != nil {
		return err
	}
	stored := make(map[scopedKey]bool, len(b.idems))
	for i, r := range results {
		if later[i] > 0 && r.RowsAffected != int64(later[i]) {
			return errIsolate
		}
		for _, row := range r.Rows {
			scope, _ := row[0].(string)
			key, _ := row[1].(string)
			stored[scopedKey{scope, key}] = true
		}
	}
	var taken []scopedKey
	for _, r := range b.idems {
		if k := (scopedKey{r.key.Scope, r.key.Name}); !stored[k] {
			taken = append(taken, k)
		}
	}
	if len(taken) > 0 {
		return &keysTaken{keys: taken}
	}
	return nil
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
	AfterSeq int64
	Limit    int
}

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
	query := `SELECT ` + entryColumns + ` FROM entries e WHERE ` + strings.Join(where, " AND ") + ` ORDER BY e.seq LIMIT ` + arg(f.Limit)
	var rows []entryRow
	if err := sqlx.SelectContext(ctx, q, &rows, query, p.Args()...); err != nil {
		return nil, err
	}
	return withPostings(ctx, q, rows)
}

type idemRow struct {
	Scope       string `db:"scope"`
	Key         string `db:"key"`
	RequestHash string `db:"request_hash"`
	Status      int    `db:"status"`
	Body        []byte `db:"body"`
}

// scopedKey is an idempotency key with the caller it belongs to.
type scopedKey struct{ scope, key string }

// findIdempotencyKeys looks up keys one statement each: a lookup by the
// whole primary key is the one form whose plan is an index scan however
// small the table was when the statement was planned (a batch's keys in
// one statement was planned as a scan of the table while it was new, and
// stayed so). It runs only for keys known to be stored (batchEnd.write
// found them there).
func findIdempotencyKeys(ctx context.Context, q sqlx.QueryerContext, keys []scopedKey) (map[scopedKey]idemRow, error) {
	found := make(map[scopedKey]idemRow, len(keys))
	for _, k := range keys {
		var r idemRow
		err := sqlx.GetContext(ctx, q, &r, `SELECT scope, key, request_hash, status, body FROM idempotency_keys WHERE scope = $1 AND key = $2`, k.scope, k.key)
		if errors.Is(err, sql.ErrNoRows) {
			continue // forgotten since (older than 72 h)
		}
		if err != nil {
			return nil, err
		}
		found[k] = r
	}
	return found, nil
}

// keysTaken is the error of a batch whose idempotency keys were already
// stored: it runs again, looking them up first, so that their calls are
// replayed instead of done twice.
type keysTaken struct{ keys []scopedKey }

func (e *keysTaken) Error() string {
	return fmt.Sprintf("ledger: %d idempotency keys of the batch were already stored", len(e.keys))
}

// deleteIdempotencyKeysBefore forgets keys created before t.
func deleteIdempotencyKeysBefore(ctx context.Context, tx *sqlx.Tx, t time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, t)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// AuditFilter selects audit records; empty fields match everything.
type AuditFilter struct {
	Actor, Action, ObjectType, ObjectID string
	From, To                            time.Time
	AfterSeq                            int64
	Limit                               int
}

type auditRow struct {
	Seq        int64     `db:"seq"`
	ID         string    `db:"id"`
	Time       time.Time `db:"time"`
	Actor      string    `db:"actor"`
	Action     string    `db:"action"`
	ObjectType string    `db:"object_type"`
	ObjectID   string    `db:"object_id"`
	Details    string    `db:"details"`
}

func findAudit(ctx context.Context, q sqlx.QueryerContext, f AuditFilter) ([]AuditRecord, error) {
	var p db.Params
	arg := p.Add
	where := []string{"seq > " + arg(f.AfterSeq)}
	for col, v := range map[string]string{"actor": f.Actor, "action": f.Action, "object_type": f.ObjectType, "object_id": f.ObjectID} {
		if v != "" {
			where = append(where, col+" = "+arg(v))
		}
	}
	if !f.From.IsZero() {
		where = append(where, "time >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "time < "+arg(f.To))
	}
	var rows []auditRow
	query := `SELECT seq, id, time, actor, action, object_type, object_id, details FROM audit_log WHERE ` +
		strings.Join(where, " AND ") + ` ORDER BY seq LIMIT ` + arg(f.Limit)
	if err := sqlx.SelectContext(ctx, q, &rows, query, p.Args()...); err != nil {
		return nil, err
	}
	out := make([]AuditRecord, len(rows))
	for i, r := range rows {
		out[i] = AuditRecord{ID: r.ID, Time: r.Time.UTC(), Actor: r.Actor, Action: r.Action, ObjectType: r.ObjectType,
			ObjectID: r.ObjectID, Details: []byte(r.Details), seq: r.Seq}
	}
	return out, nil
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
