package ledger

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"fundus/internal/safecsv"

	"fundus"
	"fundus/check"
	"fundus/db"
	"fundus/errs"
)

// Export formats.
const (
	FormatCSV       = "csv"
	FormatJSONL     = "jsonl"
	FormatHledger   = "hledger"
	FormatBeancount = "beancount"
)

// ExportFormats lists the formats, with their file extension and media type.
var ExportFormats = map[string]struct{ Ext, ContentType string }{
	FormatCSV:       {"csv", "text/csv; charset=utf-8"},
	FormatJSONL:     {"jsonl", "application/x-ndjson"},
	FormatHledger:   {"journal", "text/plain; charset=utf-8"},
	FormatBeancount: {"beancount", "text/plain; charset=utf-8"},
}

// Export writes the entries dated from from to to (days, YYYY-MM-DD, both
// included; empty: open) in format. Returns Unauthenticated, Forbidden,
// Invalid.
func (s *Service) Export(ctx context.Context, actor fundus.Actor, w io.Writer, format string, from, to string) error {
	const op errs.Op = "ledger.Export"
	if err := fundus.Authorize(op, actor, fundus.ExportLedger); err != nil {
		return err
	}
	return ExportDB(ctx, s.DB, w, format, from, to)
}

// ExportDB writes the ledger of d in format, reading it in chunks from one
// consistent snapshot, so memory does not grow with the ledger.
//
// A range that does not start at the beginning opens with the balances as
// they stood before it (in hledger and Beancount as an opening transaction,
// so the range alone balances; in CSV and JSONL the entries carry seq and
// prev_hash instead). hledger and Beancount end with a balance assertion
// per account, so those programs re-check Fundus's own balances. Every
// entry is dated by its date, and the range goes by it; JSONL ends with its
// Trailer, so that VerifyFile notices a file cut short.
func ExportDB(ctx context.Context, d *db.DB, w io.Writer, format string, from, to string) error {
	const op errs.Op = "ledger.Export"
	var invalid check.Fields
	if _, ok := ExportFormats[format]; !ok {
		invalid.Add("format", "oneof", "", "must be csv, jsonl, hledger or beancount")
	}
	if err := invalid.Err(op); err != nil {
		return err
	}
	tx, err := db.ReadTx(ctx, d)
	if err != nil {
		return errs.E(op, err)
	}
	defer tx.Rollback()
	accts, err := loadAccounts(ctx, tx)
	if err != nil {
		return errs.E(op, err)
	}
	opening := map[string]int64{}
	if from != "" {
		if opening, err = balancesBefore(ctx, tx, from); err != nil {
			return errs.E(op, err)
		}
	}
	// The balances to assert at the end come from the database, not from
	// the postings written, so hledger and Beancount check the one against
	// the other: the stored balances for an open end, else the sums before to.
	closing := map[string]int64{}
	if to == "" {
		for _, a := range accts {
			closing[a.Code] = a.Balance.Minor
		}
	} else if closing, err = balancesThrough(ctx, tx, to); err != nil {
		return errs.E(op, err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	x := newExporter(format, bw, accts, opening, from)
	x.closing, x.to = closing, to
	if err := x.begin(); err != nil {
		return err
	}
	err = eachChunk(ctx, d, tx, EntryFilter{From: from, To: to}, 1, func(es []*Entry) error {
		for _, e := range es {
			if err := x.entry(e); err != nil {
				return err
			}
		}
		return bw.Flush() // let the bytes go out as they come
	})
	if err != nil {
		return errs.E(op, err)
	}
	if err := x.end(); err != nil {
		return err
	}
	return bw.Flush()
}

// Trailer is the last line of a JSONL export, {"trailer": {...}}: what the
// file holds. It carries no time, so the same ledger always exports the
// same bytes. For a range (from/to) it describes the entries of the range
// and names the range; without From the file claims to start at entry 1.
// HeadHash is the hash of the last entry in the file (of a whole export:
// the chain head), GenesisHash when it holds none.
type Trailer struct {
	Entries  int64  `json:"entries"`
	FirstSeq int64  `json:"first_seq"`
	LastSeq  int64  `json:"last_seq"`
	HeadHash string `json:"head_hash"`
	From     string `json:"from,omitempty"` // the range's first and last day (YYYY-MM-DD, both
	To       string `json:"to,omitempty"`   // included, Europe/Berlin), when limited
}

// exporter writes one format.
type exporter struct {
	format   string
	w        *bufio.Writer
	csv      *safecsv.Writer
	accts    []Account
	balances map[string]int64 // the opening balances
	closing  map[string]int64 // to assert at the end
	from, to string           // the first and last day, or empty
	last     string           // the latest date of an entry written
	trailer  Trailer          // of the entries written
}

func newExporter(format string, w *bufio.Writer, accts []Account, opening map[string]int64, from string) *exporter {
	x := &exporter{format: format, w: w, accts: accts, balances: map[string]int64{}, from: from}
	for k, v := range opening {
		x.balances[k] = v
	}
	return x
}

func (x *exporter) begin() error {
	switch x.format {
	case FormatCSV:
		var err error
		x.csv, err = safecsv.New(x.w, []string{"entry_id", "seq", "time", "date", "kind", "memo", "account", "debit", "credit", "currency", "hash"},
			"seq", "debit", "credit")
		return err
	case FormatHledger:
		fmt.Fprintf(x.w, "; Fundus ledger export for hledger. Amounts are exact; the last transaction asserts every balance.\n")
		fmt.Fprintf(x.w, "commodity 1000.00 EUR\n\n")
		for _, a := range x.accts {
			fmt.Fprintf(x.w, "account %s  ; type: %s\n", a.Code, hledgerType(a.Type))
		}
		fmt.Fprintln(x.w)
		return x.opening()
	case FormatBeancount:
		fmt.Fprintf(x.w, "; Fundus ledger export for Beancount. Amounts are exact; balance directives re-check every account.\n")
		fmt.Fprintf(x.w, "option \"title\" \"Fundus\"\noption \"operating_currency\" \"EUR\"\n\n")
		openOn := "1970-01-01"
		if x.from != "" {
			openOn = x.from
		}
		for _, a := range x.accts {
			fmt.Fprintf(x.w, "%s open %s %s\n", openOn, beancountAccount(a.Code), a.Currency)
		}
		fmt.Fprintln(x.w)
		return x.opening()
	}
	return nil
}

// opening writes the balances before the range as one transaction.
func (x *exporter) opening() error {
	if x.from == "" {
		return nil
	}
	var lines []string
	for _, a := range x.accts {
		if v := x.balances[a.Code]; v != 0 {
			lines = append(lines, x.posting(a.Code, v))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	switch x.format {
	case FormatHledger:
		fmt.Fprintf(x.w, "%s Opening balances  ; balances before %s\n", x.from, x.from)
	case FormatBeancount:
		fmt.Fprintf(x.w, "%s * \"Opening balances\"\n", x.from)
	}
	for _, l := range lines {
		fmt.Fprintln(x.w, l)
	}
	fmt.Fprintln(x.w)
	return nil
}

func (x *exporter) posting(account string, minor int64) string {
	amount := fundus.FormatMinor(minor, fundus.EUR) + " EUR"
	if x.format == FormatBeancount {
		return fmt.Sprintf("  %-32s %16s", beancountAccount(account), amount)
	}
	return fmt.Sprintf("    %-32s %16s", account, amount)
}

func (x *exporter) entry(e *Entry) error {
	x.last = max(x.last, e.Date)
	if x.trailer.Entries == 0 {
		x.trailer.FirstSeq = e.Seq
	}
	x.trailer.Entries++
	x.trailer.LastSeq, x.trailer.HeadHash = e.Seq, e.Hash
	switch x.format {
	case FormatCSV:
		for _, p := range e.Postings {
			debit, credit := "", ""
			if p.Amount.Minor > 0 {
				debit = p.Amount.String()
			} else {
				credit = fundus.Money{Minor: -p.Amount.Minor, Currency: p.Amount.Currency}.String()
			}
			if err := x.csv.Write([]string{e.ID, strconv.FormatInt(e.Seq, 10), e.Time.UTC().Format(TimeLayout), e.Date, e.Kind, e.Memo,
				p.Account, debit, credit, p.Currency, e.Hash}); err != nil {
				return err
			}
		}
		return x.csv.Flush()
	case FormatJSONL:
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		x.w.Write(b)
		return x.w.WriteByte('\n')
	case FormatHledger:
		fmt.Fprintf(x.w, "%s (%d) %s  ; id:%s, kind:%s, hash:%s\n", e.Date, e.Seq, strings.ReplaceAll(e.Memo, ";", ","), e.ID, e.Kind, e.Hash)
	case FormatBeancount:
		fmt.Fprintf(x.w, "%s * %s\n  seq: %d\n  id: %s\n  hash: %s\n", e.Date, strconv.Quote(e.Memo), e.Seq, strconv.Quote(e.ID), strconv.Quote(e.Hash))
	}
	for _, p := range e.Postings {
		fmt.Fprintln(x.w, x.posting(p.Account, p.Amount.Minor))
	}
	_, err := fmt.Fprintln(x.w)
	return err
}

// end writes the balance assertions: hledger checks them after the last
// transaction (dated the latest date, since both programs order
// transactions by date), Beancount at the start of the day after it.
func (x *exporter) end() error {
	at := cmp.Or(x.last, x.from, "1970-01-01")
	codes := make([]string, 0, len(x.accts))
	for _, a := range x.accts {
		codes = append(codes, a.Code)
	}
	sort.Strings(codes)
	switch x.format {
	case FormatJSONL:
		tr := x.trailer
		if tr.Entries == 0 {
			tr.HeadHash = GenesisHash
		}
		tr.From, tr.To = x.from, x.to
		b, err := json.Marshal(map[string]Trailer{"trailer": tr})
		if err != nil {
			return err
		}
		x.w.Write(b)
		return x.w.WriteByte('\n')
	case FormatHledger:
		fmt.Fprintf(x.w, "%s Closing balances, as Fundus stores them  ; balance assertions\n", at)
		for _, c := range codes {
			fmt.Fprintf(x.w, "    %-32s %16s = %s EUR\n", c, "0.00 EUR", fundus.FormatMinor(x.closing[c], fundus.EUR))
		}
	case FormatBeancount:
		next, _ := time.Parse(time.DateOnly, at)
		for _, c := range codes {
			fmt.Fprintf(x.w, "%s balance %-32s %16s EUR\n", next.AddDate(0, 0, 1).Format(time.DateOnly), beancountAccount(c), fundus.FormatMinor(x.closing[c], fundus.EUR))
		}
	}
	return nil
}

func hledgerType(t string) string {
	return map[string]string{"asset": "A", "liability": "L", "equity": "E", "income": "R", "expense": "X"}[t]
}

// beancountAccount maps an account code to Beancount's rules: the first
// component is one of its five types, every component starts with a
// capital letter ("liabilities:grants-payable" -> "Liabilities:Grants-Payable").
func beancountAccount(code string) string {
	parts := strings.Split(code, ":")
	for i, p := range parts {
		words := strings.Split(p, "-")
		for j, w := range words {
			if w != "" {
				words[j] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		parts[i] = strings.Join(words, "-")
	}
	if parts[0] == "Expense" {
		parts[0] = "Expenses"
	}
	return strings.Join(parts, ":")
}
