package ledger

import (
	"fundus"

	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
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
	if err := db.ScanValues(r, &h.seq, hashColumn{&h.hash}, &h.lastTime); err != nil {
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
	err := q.QueryRowxContext(ctx, `SELECT seq, hash FROM ledger_head WHERE id = 1`).Scan(&h.Seq, hashColumn{&h.Hash})
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
// head, for engine.
func writeBatch(engine db.Engine, entries []*Entry, balances map[string]int64, h head) []db.Statement {
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
		entryRows = append(entryRows, []any{e.ID, e.Seq, e.Time, e.Date, e.Kind, e.Memo, refType, refID, e.Actor, reverses, storedHash(engine, e.PrevHash), storedHash(engine, e.Hash)})
		for i, p := range e.Postings {
			postingRows = append(postingRows, []any{e.Seq, i + 1, p.Account, p.Amount.Minor, p.Currency})
		}
	}
	stmts := db.InsertRows("entries", []string{"id", "seq", "time", "date", "kind", "memo", "ref_type", "ref_id", "actor", "reverses", "prev_hash", "hash"}, entryRows, "")
	stmts = append(stmts, db.InsertRows("postings", []string{"seq", "line", "account", "amount", "currency"}, postingRows, "")...)
	for code, balance := range balances {
		stmts = append(stmts, db.Statement{Query: `UPDATE accounts SET balance = $1 WHERE code = $2`, Args: []any{balance, code}})
	}
	return append(stmts, db.Statement{Query: `UPDATE ledger_head SET seq = $1, hash = $2, last_time = $3 WHERE id = 1`,
		Args: []any{h.seq, storedHash(engine, h.hash), h.lastTime}})
}

// storedHash is a chain hash (64 lowercase hex characters, as Hash returns
// it) as engine stores it: PostgreSQL its 32 bytes (bytea, migration
// 00028), SQLite its text. Text that is not hex is stored as its bytes,
// so that it reads back as something else and verification finds it (the
// ledger only writes hashes it computed).
func storedHash(engine db.Engine, h string) any {
	if engine != db.Postgres {
		return h
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return []byte(h)
	}
	return b
}

// hashColumn scans a chain hash as either engine stores it (storedHash)
// into its hex text: bytes (PostgreSQL) as lowercase hex, text (SQLite) as
// it is.
type hashColumn struct{ hash *string }

func (c hashColumn) Scan(v any) error {
	switch v := v.(type) {
	case []byte:
		if len(v) == sha256.Size { // the one allocation of the result: verify reads two per entry
			var b [2 * sha256.Size]byte
			hex.Encode(b[:], v)
			*c.hash = string(b[:])
			return nil
		}
		*c.hash = hex.EncodeToString(v)
	case string:
		*c.hash = v
	default:
		return fmt.Errorf("ledger: a chain hash stored as %T", v)
	}
	return nil
}

// ScanBytes is Scan for pgx, which hands a bytea's bytes over without
// copying them first (pgtype.BytesScanner); v is valid during the call.
func (c hashColumn) ScanBytes(v []byte) error {
	if v == nil {
		return errors.New("ledger: a chain hash is NULL")
	}
	return c.Scan(v)
}

// internedText scans a text column that holds few distinct values (a
// posting's account and currency) into one string per distinct value,
// shared through seen, so that a walk over the ledger allocates no string
// per posting. Past maxInterned distinct values (only a tampered ledger
// has so many accounts) each new one gets a string of its own, so seen
// stays small.
type internedText struct {
	dst  *string
	seen map[string]string
}

const maxInterned = 1024

// ScanBytes is for pgx (pgtype.BytesScanner), which hands the value's
// bytes over without copying them; v is valid during the call.
func (t *internedText) ScanBytes(v []byte) error {
	if v == nil {
		return errors.New("ledger: NULL where text was expected")
	}
	if s, ok := t.seen[string(v)]; ok {
		*t.dst = s
		return nil
	}
	*t.dst = string(v)
	if len(t.seen) < maxInterned {
		t.seen[*t.dst] = *t.dst
	}
	return nil
}

// Scan is for database/sql.
func (t *internedText) Scan(v any) error {
	switch v := v.(type) {
	case string:
		*t.dst = v
	case []byte:
		return t.ScanBytes(v)
	default:
		return fmt.Errorf("ledger: %T where text was expected", v)
	}
	return nil
}

// entryColumns are an entry's columns, scanned by scanEntries. The time
// comes through COALESCE, an expression without a declared type on
// SQLite, so that it is read by db.TimeColumn (the same value on PostgreSQL).
const entryColumns = `e.id, e.seq, COALESCE(e.time, e.time) AS time, e.date, e.kind, e.memo, e.ref_type, e.ref_id, e.actor, e.reverses, e.prev_hash, e.hash`

// queryEntries reads the entries that entries, a query of entryColumns
// from entries e, selects, in sequence order, with their postings in line
// order: first the entries, then their postings, so that an entry's columns
// come once, not once per posting.
func queryEntries(ctx context.Context, q db.Querier, entries string, args ...any) ([]*Entry, error) {
	es, err := entriesOf(ctx, q, entries, args...)
	if err == nil {
		err = addPostings(ctx, q, es, entries, args...)
	}
	if err != nil {
		return nil, err
	}
	return es, nil
}

// entriesOf reads the entries that entries, a query of entryColumns from
// entries e, selects, in sequence order, without their postings.
func entriesOf(ctx context.Context, q db.Querier, entries string, args ...any) ([]*Entry, error) {
	return scanEntries(ctx, q, `SELECT `+entryColumns+` FROM (`+entries+`) e ORDER BY e.seq`, args...)
}

// addPostings reads the postings of es, the entries that entries selects
// (read by entriesOf), in line order. When the entries are about
// consecutive, as in every walk over the ledger, their postings are one
// range of the postings' primary key (seq, line); else they are found
// through the same selection of entries. A posting of an entry es does not
// hold (in the range but not selected, or written between the two reads
// outside a transaction) is left out; verification looks for postings
// without an entry by itself. An entry without postings stays without them.
func addPostings(ctx context.Context, q db.Querier, es []*Entry, entries string, args ...any) error {
	if len(es) == 0 {
		return nil
	}
	postings := `SELECT p.seq, p.account, p.amount, p.currency FROM (` + entries + `) e JOIN postings p ON p.seq = e.seq ORDER BY p.seq, p.line`
	// es is in order, so last-first is the true distance as unsigned, even
	// for the extreme numbers of a tampered ledger.
	if first, last := es[0].Seq, es[len(es)-1].Seq; uint64(last-first) < 2*uint64(len(es)) {
		postings = `SELECT seq, account, amount, currency FROM postings WHERE seq >= $1 AND seq <= $2 ORDER BY seq, line`
		args = []any{first, last}
	}
	rows, err := q.Query(ctx, postings, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		i                 int // es[i] is the entry of the posting, or after it
		seq               int64
		account, currency string
		amount            int64
		seen              = map[string]string{}
		dest              = []any{&seq, &internedText{&account, seen}, &amount, &internedText{&currency, seen}}
	)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i < len(es) && es[i].Seq < seq {
			i++
		}
		if i == len(es) {
			break
		}
		if e := es[i]; e.Seq == seq {
			e.Postings = append(e.Postings, Posting{Account: account, Currency: currency,
				Amount: fundus.Money{Minor: amount, Currency: currencyOf(currency)}})
		}
	}
	return rows.Err()
}

// scanEntries reads the entries of query, of entryColumns, without their
// postings.
func scanEntries(ctx context.Context, q db.Querier, query string, args ...any) ([]*Entry, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		es             []*Entry
		refType, refID string
		reverses       sql.NullString
		dest           = make([]any, 12)
		slab           []Entry // entries and two postings each, allocated a block at a time
		postings       []Posting
	)
	for rows.Next() {
		if len(slab) == 0 { // 1, 1, 2, 4 … slabSize entries: a lookup of one entry allocates one
			n := min(max(len(es), 1), slabSize)
			slab, postings = make([]Entry, n), make([]Posting, 2*n)
		}
		e := &slab[0]
		e.Postings, slab, postings = postings[:0:2], slab[1:], postings[2:]
		dest[0], dest[1], dest[2], dest[3], dest[4], dest[5] = &e.ID, &e.Seq, db.TimeColumn{T: &e.Time}, &e.Date, &e.Kind, &e.Memo
		dest[6], dest[7], dest[8], dest[9], dest[10], dest[11] = &refType, &refID, &e.Actor, &reverses, hashColumn{&e.PrevHash}, hashColumn{&e.Hash}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		e.Time = e.Time.UTC()
		e.Reverses = reverses.String
		if refType != "" || refID != "" {
			e.Ref = &Ref{Type: refType, ID: refID}
		}
		es = append(es, e)
	}
	return es, rows.Err()
}

// slabSize is how many entries scanEntries allocates at a time at most:
// the entries of a chunk of a walk live and die together.
const slabSize = 64

// currencyOf returns the currency with code, or one with two digits for a
// code the fund does not know (so that verification can still read it).
func currencyOf(code string) fundus.Currency {
	if c, ok := fundus.KnownCurrency(code); ok {
		return c
	}
	return fundus.Currency{Code: code, Digits: 2}
}

// findEntry returns the entry id, or NotFound.
func findEntry(ctx context.Context, q sqlx.QueryerContext, id string) (*Entry, error) {
	if !isEntryID(id) {
		return nil, db.NotFoundOr("ledger.findEntry", sql.ErrNoRows, "no such entry")
	}
	return findOneEntry(ctx, q, `e.id = $1`, id)
}

// isEntryID reports whether id can name an entry: entries' ids are UUIDs
// in lowercase canonical text (db.NewID). PostgreSQL stores them as uuids
// (migration 00028) and would refuse to compare one with other text, and
// find an entry by its id in capitals, which SQLite does not.
func isEntryID(id string) bool {
	return len(id) == 36 && uuid.Validate(id) == nil && strings.ToLower(id) == id
}

// findEntryBySeq returns the entry numbered seq.
func findEntryBySeq(ctx context.Context, q sqlx.QueryerContext, seq int64) (*Entry, error) {
	return findOneEntry(ctx, q, `e.seq = $1`, seq)
}

// findOneEntry returns the entry that where (a condition on entries e, of
// one parameter) selects, or NotFound.
func findOneEntry(ctx context.Context, q sqlx.QueryerContext, where string, arg any) (*Entry, error) {
	es, err := queryEntries(ctx, db.SQL(q), `SELECT `+entryColumns+` FROM entries e WHERE `+where, arg)
	if err == nil && len(es) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return nil, db.NotFoundOr("ledger.findEntry", err, "no such entry")
	}
	return es[0], nil
}

// findReversalOf returns the entry that reverses id (an entry's, found by
// findEntry), or nil.
func findReversalOf(ctx context.Context, q sqlx.QueryerContext, id string) (*Entry, error) {
	es, err := queryEntries(ctx, db.SQL(q), `SELECT `+entryColumns+` FROM entries e WHERE e.reverses = $1`, id)
	if err != nil || len(es) == 0 {
		return nil, err
	}
	return es[0], nil
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

// findEntries returns the entries f selects, with their postings.
func findEntries(ctx context.Context, q db.Querier, f EntryFilter) ([]*Entry, error) {
	query, args := f.query()
	return queryEntries(ctx, q, query, args...)
}

// query is the query of entryColumns from entries e that f selects, and
// its arguments.
func (f EntryFilter) query() (string, []any) {
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
		where = append(where, "EXISTS (SELECT 1 FROM postings p WHERE p.seq = e.seq AND p.account = "+arg(f.Account)+")")
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		like := arg("%" + likeEscaper.Replace(strings.ToLower(t)) + "%")
		var alts []string
		for _, col := range []string{"e.memo", "e.kind", "e.ref_type", "e.ref_id"} {
			alts = append(alts, "LOWER(COALESCE("+col+", '')) LIKE "+like+` ESCAPE '\'`)
		}
		where = append(where, "("+strings.Join(alts, " OR ")+")")
	}
	return `SELECT ` + entryColumns + ` FROM entries e WHERE ` + strings.Join(where, " AND ") + ` ORDER BY e.seq LIMIT ` + arg(f.Limit), p.Args()
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
	rows, err := q.QueryxContext(ctx, `SELECT p.account, SUM(p.amount) FROM postings p JOIN entries e ON e.seq = p.seq
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
	err := q.QueryRowxContext(ctx, `SELECT count(*) FROM postings p JOIN entries e ON e.seq = p.seq WHERE e.id = $1 AND p.account = $2`, entryID, account).Scan(&n)
	return n > 0, err
}

// readChunk is how many entries a walk over the ledger (verification, the
// exports) reads at a time; its memory does not grow with the ledger.
var readChunk = 2000

// eachChunk calls fn with the entries f selects in tx, a read transaction
// of d, in sequence order, a chunk of up to readChunk at a time (f.Limit is
// not used). It reads through db.WithSnapshot: on PostgreSQL pgx's own rows
// on up to readers (1 or 2) more connections in tx's snapshot; with two, a
// chunk's postings are read on the second while the next chunk's entries
// are read on the first. The next chunk is read while fn handles this one.
// An error of fn ends the walk, and eachChunk returns it. fn must not use tx.
func eachChunk(ctx context.Context, d *db.DB, tx *sqlx.Tx, f EntryFilter, readers int, fn func([]*Entry) error) error {
	return db.WithSnapshot(ctx, d, tx, readers, func(qs []db.Querier) error { return eachChunkOf(ctx, qs, f, fn) })
}

// eachChunkOf is eachChunk through qs, which nothing else may use until it
// returns: the entries through the first, their postings through the last
// (with one Querier, one read after the other).
func eachChunkOf(ctx context.Context, qs []db.Querier, f EntryFilter, fn func([]*Entry) error) error {
	ctx, cancel := context.WithCancel(ctx)
	// chunk is a chunk's entries, the query and args that select them (for
	// addPostings), and the error that ended the walk there.
	type chunk struct {
		es    []*Entry
		query string
		args  []any
		err   error
	}
	chunks := make(chan chunk, 1)
	f.Limit = readChunk
	entries := func(after int64) chunk { // the chunk after entry after, without its postings
		f.AfterSeq = after
		query, args := f.query()
		es, err := entriesOf(ctx, qs[0], query, args...)
		return chunk{es, query, args, err}
	}
	go func() {
		defer close(chunks)
		r := entries(f.AfterSeq)
		for {
			more := r.err == nil && len(r.es) == readChunk
			var next chunk
			if r.err == nil {
				r.err = meanwhile(len(qs) > 1, func() error {
					return addPostings(ctx, qs[len(qs)-1], r.es, r.query, r.args...)
				}, func() {
					if more {
						next = entries(r.es[len(r.es)-1].Seq)
					}
				})
			}
			select {
			case chunks <- r:
			case <-ctx.Done():
				return
			}
			if r.err != nil || !more {
				return
			}
			r = next
		}
	}()
	defer func() { // the reader has stopped using qs when eachChunkOf returns
		cancel()
		for range chunks {
		}
	}()
	for c := range chunks {
		if c.err != nil {
			return c.err
		}
		if err := fn(c.es); err != nil {
			return err
		}
	}
	return ctx.Err() // the reader stops without a word when ctx ends
}

// meanwhile runs read and, when apart, other at the same time (read in a
// goroutine of its own); else other after read, unless read failed. It
// returns read's error when both are done.
func meanwhile(apart bool, read func() error, other func()) error {
	if !apart {
		if err := read(); err != nil {
			return err
		}
		other()
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- read() }()
	other()
	return <-done
}
