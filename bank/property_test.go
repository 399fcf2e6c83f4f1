package bank_test

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"pgregory.net/rapid"

	"fundus"
	"fundus/bank"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// What a line of a random bank history is.
const (
	payment     = iota // a transfer with a pledge's reference (any spelling)
	typo               // a transfer with a pledge's reference mistyped
	noReference        // a transfer without a reference
	fee                // a debit of the bank
	interest           // a credit of the bank
	opening            // the money the fund started with
)

// propLine is a line of the history and what it is.
type propLine struct {
	banktest.Line
	kind   int
	pledge *propPledge // of a payment or a typo
}

// exact reports whether the line brings its pledge's amount.
func (l *propLine) exact() bool { return l.pledge != nil && l.Minor == l.pledge.Amount.Minor }

func (l *propLine) signed() int64 {
	if l.Debit {
		return -l.Minor
	}
	return l.Minor
}

// propPledge is a pledge of the history and what the treasurer does with it.
type propPledge struct {
	*donations.Donation
	iban       string // the donor's account, or none
	confirmAt  int    // confirmed by hand before this import (-1: never)
	receivedAt string // the day the treasurer confirms
	byHand     bool   // confirmed by hand
}

// propFile is a file the treasurer uploads: days from..to of the
// history, of the last day only the first cut lines (then it is the
// bank's report during that day, a camt.052).
type propFile struct {
	from, to, cut int
	perDay        bool // one statement per day, else one for all
	bankRefs      bool // the bank's references of the lines are in it
}

// history is what the bank books over some days and how the treasurer
// gets to see it.
type history struct {
	days    []string
	lines   [][]*propLine // by day
	pledges []*propPledge
	files   []propFile
}

// lineKey is what makes two lines the same line (bank.identity): booking
// date, amount, direction, counterparty IBAN, remittance without case or
// white space, end-to-end id.
func lineKey(date string, minor int64, debit bool, iban, remittance, e2e string) string {
	r := strings.Map(func(c rune) rune {
		if unicode.IsSpace(c) {
			return -1
		}
		return unicode.ToUpper(c)
	}, remittance)
	return fmt.Sprintf("%s|%d|%t|%s|%s|%s", date, minor, debit, fundus.NormalizeIBAN(iban), r, strings.ToUpper(e2e))
}

func (l *propLine) key() string {
	return lineKey(l.Date, l.Minor, l.Debit, l.IBAN, l.Remittance, l.EndToEndID)
}

func storedKey(l *bank.Line) string {
	return lineKey(l.BookingDate, l.Amount.Minor, l.Direction == "debit", l.CounterpartyIBAN, l.Remittance, l.EndToEndID)
}

// balance returns the account's balance after the days before day.
func (h *history) balance(day int) int64 {
	var b int64
	for _, ls := range h.lines[:day] {
		for _, l := range ls {
			b += l.signed()
		}
	}
	return b
}

// upTo returns how many lines of day the file f holds.
func (h *history) upTo(f propFile, day int) int {
	if day == f.to {
		return f.cut
	}
	return len(h.lines[day])
}

// file writes f as a camt.053 file (a camt.052 when it ends during a
// day) whose balances add up.
func (h *history) file(f propFile) []byte {
	statement := func(from, to int) banktest.Statement {
		st := banktest.Statement{ID: "S" + h.days[from] + "-" + h.days[to], IBAN: fundIBAN, From: h.days[from], To: h.days[to], Opening: h.balance(from)}
		for day := from; day <= to; day++ {
			for _, l := range h.lines[day][:h.upTo(f, day)] {
				bl := l.Line
				if !f.bankRefs {
					bl.BankRef = ""
				}
				st.Lines = append(st.Lines, bl)
			}
		}
		return st
	}
	var sts []banktest.Statement
	if !f.perDay {
		sts = append(sts, statement(f.from, f.to))
	} else {
		for day := f.from; day <= f.to; day++ {
			sts = append(sts, statement(day, day))
		}
	}
	if f.cut < len(h.lines[f.to]) {
		return intraday(banktest.Camt053(sts...))
	}
	return banktest.Camt053(sts...)
}

// intraday rewrites a camt.053 file as the bank's report (camt.052) taken
// during its last day: its balances are interim ones.
func intraday(camt053 []byte) []byte {
	return []byte(strings.NewReplacer("camt.053.001.08", "camt.052.001.08", "BkToCstmrStmt>", "BkToCstmrAcctRpt>",
		"<Stmt>", "<Rpt>", "</Stmt>", "</Rpt>", ">OPBD<", ">ITBD<", ">CLBD<", ">ITBD<").Replace(string(camt053)))
}

var (
	donorNames = []string{"Erika Mustermann", "Hans Meier", "Ayşe Yılmaz", "Jürgen Groß", "Zoë O'Brien", "Li Wei", "Ørsted & Söhne GbR"}
	donorIBANs = []string{"", "DE02120300000000202051", "DE02500105170137075030", "DE02100100100006820101", "DE12500105170648489890"}
	refAround  = []string{"", "Spende ", "Spende für den Integrationsfonds, Ref. ", "Verwendungszweck: ", "Danke! "}
	refAfter   = []string{"", " danke", " / Integrationsfonds", ", herzliche Grüße"}
	plainTexts = []string{"Spende", "für den Fonds", "Weihnachtsspende", ""}
	alphabet   = "34679ACDEFGHJKMNPQRTUWXY" // of the references (donations)
)

// spell writes a reference as a donor might: any case, spaces or dashes
// or nothing between its groups, inside other text.
func spell(rt *rapid.T, ref string) string {
	var b strings.Builder
	b.WriteString(rapid.SampledFrom(refAround).Draw(rt, "before"))
	lower := rapid.IntRange(0, 2).Draw(rt, "case") // upper, lower, mixed
	for _, c := range ref {
		switch {
		case c == '-':
			b.WriteString(rapid.SampledFrom([]string{"-", " ", "", " - "}).Draw(rt, "dash"))
		case lower == 1 || lower == 2 && rapid.Bool().Draw(rt, "lower"):
			b.WriteRune(unicode.ToLower(c))
		default:
			b.WriteRune(c)
		}
	}
	b.WriteString(rapid.SampledFrom(refAfter).Draw(rt, "after"))
	return b.String()
}

// mistype changes one character of the reference's body, or swaps two
// neighbours, so that its check character no longer matches.
func mistype(rt *rapid.T, ref string) string {
	body := []byte(strings.ReplaceAll(strings.TrimPrefix(ref, "FUND-"), "-", ""))
	i := rapid.IntRange(0, len(body)-2).Draw(rt, "typo at")
	t := append([]byte{}, body...)
	if rapid.Bool().Draw(rt, "swap") {
		t[i], t[i+1] = t[i+1], t[i]
	}
	// A swap of equal neighbours (or of "3" and "Y", which the check
	// character misses) is no typo: change one character instead.
	for k := 1; string(t) == string(body) || valid(t); k++ {
		t = append(t[:0], body...)
		t[i] = alphabet[(strings.IndexByte(alphabet, body[i])+k)%len(alphabet)]
	}
	s := string(t)
	return "FUND-" + s[:4] + "-" + s[4:]
}

func valid(body []byte) bool {
	_, err := donations.ParseReference(string(body))
	return err == nil
}

// drawHistory pledges random donations and draws a bank history that
// pays them (or not quite), the files it comes in, and when the
// treasurer confirms some pledges by hand.
func drawHistory(rt *rapid.T, w *world) *history {
	ctx := context.Background()
	h := &history{}
	for range rapid.IntRange(1, 12).Draw(rt, "pledges") {
		in := donations.Pledge{
			Amount: fundus.Amount(fundus.FormatMinor(rapid.Int64Range(100, 50000).Draw(rt, "pledged"), fundus.EUR)),
			Donor:  &donations.Donor{Name: rapid.SampledFrom(donorNames).Draw(rt, "donor")},
		}
		p, err := ledgertest.Value(w.dons.Pledge(ctx, in))
		if err != nil {
			rt.Fatalf("pledge %+v: %v", in, err)
		}
		h.pledges = append(h.pledges, &propPledge{Donation: p.Donation, iban: rapid.SampledFrom(donorIBANs).Draw(rt, "iban"), confirmAt: -1})
	}
	first := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	h.days = make([]string, rapid.IntRange(7, 24).Draw(rt, "days"))
	h.lines = make([][]*propLine, len(h.days))
	var fees int64
	paid := map[*propPledge]bool{}
	for day := range h.days {
		h.days[day] = first.AddDate(0, 0, day).Format(time.DateOnly)
		for n := range rapid.IntRange(0, 3).Draw(rt, "lines") {
			l := &propLine{kind: rapid.SampledFrom([]int{payment, payment, payment, typo, noReference, fee, interest}).Draw(rt, "kind")}
			l.Date = h.days[day]
			switch l.kind {
			case payment, typo:
				// Mostly a pledge not paid yet, sometimes one paid again.
				var unpaid []*propPledge
				for _, p := range h.pledges {
					if !paid[p] {
						unpaid = append(unpaid, p)
					}
				}
				if len(unpaid) == 0 || rapid.IntRange(0, 3).Draw(rt, "again?") == 0 {
					unpaid = h.pledges
				}
				l.pledge = rapid.SampledFrom(unpaid).Draw(rt, "pays")
				paid[l.pledge] = true
				l.Minor = l.pledge.Amount.Minor
				if rapid.IntRange(0, 3).Draw(rt, "partial or over?") == 0 {
					l.Minor = rapid.Int64Range(1, l.Minor+5000).Filter(func(m int64) bool { return m != l.Minor }).Draw(rt, "paid")
				}
				l.Name, l.IBAN = l.pledge.Donor.Name, l.pledge.iban
				ref := l.pledge.Reference
				if l.kind == typo {
					ref = mistype(rt, ref)
				}
				l.Remittance = spell(rt, ref)
			case noReference:
				l.Minor = rapid.Int64Range(1, 50000).Draw(rt, "gift")
				l.Name = rapid.SampledFrom(donorNames).Draw(rt, "payer")
				l.IBAN = rapid.SampledFrom(donorIBANs).Draw(rt, "iban")
				l.Remittance = rapid.SampledFrom(plainTexts).Draw(rt, "remittance")
			case fee:
				l.Minor, l.Debit, l.Name, l.Remittance = rapid.Int64Range(1, 1500).Draw(rt, "fee"), true, "Bank", "Kontoführung"
				fees += l.Minor
			case interest:
				l.Minor, l.Name, l.Remittance = rapid.Int64Range(1, 900).Draw(rt, "interest"), "Bank", "Zinsen"
			}
			l.BankRef = fmt.Sprintf("BR%s-%d", h.days[day], n)
			if l.kind != fee && l.kind != interest && rapid.Bool().Draw(rt, "end-to-end id?") {
				l.EndToEndID = fmt.Sprintf("E2E-%s-%d", h.days[day], n)
			}
			h.lines[day] = append(h.lines[day], l)
			// The same donor pays the same amount twice on one day
			// (a standing order doubled): two equal lines, no ids.
			if l.kind != fee && l.kind != interest && rapid.IntRange(0, 5).Draw(rt, "twice?") == 0 {
				l.EndToEndID = ""
				again := *l
				again.BankRef += "b"
				h.lines[day] = append(h.lines[day], &again)
			}
		}
	}
	// The money the fund started with covers the fees, whenever they are booked.
	start := &propLine{kind: opening}
	start.Date, start.Name, start.Remittance = h.days[0], "Stadt Osnabrück", "Anfangsbestand Integrationsfonds"
	start.Minor, start.BankRef = fees+rapid.Int64Range(1, 500000).Draw(rt, "opening"), "BR-opening"
	h.lines[0] = append([]*propLine{start}, h.lines[0]...)

	// Windows of consecutive days that overlap and cover every day, a few
	// more anywhere, some uploaded twice, in random order.
	var files []propFile
	window := func(from, to int, mayCut bool) propFile {
		f := propFile{from: from, to: to, cut: len(h.lines[to]), perDay: rapid.IntRange(0, 3).Draw(rt, "per day?") == 0, bankRefs: rapid.Bool().Draw(rt, "bank refs?")}
		if mayCut && rapid.IntRange(0, 2).Draw(rt, "during the day?") == 0 {
			f.cut = rapid.IntRange(0, f.cut).Draw(rt, "lines so far")
		}
		return f
	}
	for from := 0; ; {
		to := min(from+rapid.IntRange(0, 9).Draw(rt, "window"), len(h.days)-1)
		// The statement of the history's last day closes it.
		f := window(from, to, to > from && to < len(h.days)-1)
		files = append(files, f)
		if to == len(h.days)-1 {
			break
		}
		next := to + 1
		if f.cut < len(h.lines[to]) { // the next file holds the rest of the day
			next = to
		}
		from = rapid.IntRange(from+1, next).Draw(rt, "next from")
	}
	for range rapid.IntRange(0, 2).Draw(rt, "more windows") {
		from := rapid.IntRange(0, len(h.days)-1).Draw(rt, "from")
		files = append(files, window(from, rapid.IntRange(from, min(from+9, len(h.days)-1)).Draw(rt, "to"), true))
	}
	for _, f := range files {
		if rapid.IntRange(0, 3).Draw(rt, "twice?") == 0 {
			files = append(files, f)
		}
	}
	h.files = rapid.Permutation(files).Draw(rt, "order")

	// The treasurer confirms by hand some pledges whose money comes, on a
	// day of the history, before some import.
	for _, p := range h.pledges {
		if h.paidExactly(p) && rapid.Bool().Draw(rt, "by hand?") {
			p.confirmAt = rapid.IntRange(0, len(h.files)-1).Draw(rt, "confirm before")
			p.receivedAt = rapid.SampledFrom(h.days).Draw(rt, "received at")
		}
	}
	return h
}

// paidExactly reports whether a line of the history brings p's amount
// for p, with its reference right or mistyped.
func (h *history) paidExactly(p *propPledge) bool {
	for _, ls := range h.lines {
		for _, l := range ls {
			if l.pledge == p && l.exact() {
				return true
			}
		}
	}
	return false
}

// fewerChecks divides rapid's number of checks by n for the rest of t: a
// run on PostgreSQL takes several times as long as one on SQLite.
func fewerChecks(t *testing.T, n int) {
	f := flag.Lookup("rapid.checks")
	was := f.Value.String()
	checks, err := strconv.Atoi(was)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Value.Set(strconv.Itoa(max(1, checks/n))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Value.Set(was) })
}

// TestImportProperties imports a random bank history of a few weeks
// (pledges paid with their reference in any spelling, mistyped, partly or
// over, twice on one day; gifts without a reference; fees, interest and
// the money the fund started with) in overlapping files uploaded in any
// order, some twice, while the treasurer confirms some pledges by hand.
// After each import every line of the history is stored as often as it
// occurs, a pledge is confirmed by a line only when reference and amount
// are right, a line books at most one entry and a pledge at most one, and
// the ledger verifies. Once the treasurer has resolved the queue, nothing
// is queued and assets:bank equals the last statement's closing balance.
func TestImportProperties(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		if e == db.Postgres {
			fewerChecks(t, 4)
		}
		clear(outcomes)
		rapid.Check(t, func(rt *rapid.T) {
			d := dbtest.Open(t, e)
			defer d.Close() // each run its own database; do not hoard connections
			w := newWorld(t, d)
			defer w.bank.Writer.Close()
			ctx := context.Background()
			h := drawHistory(rt, w)
			seen := make([]int, len(h.days)) // lines of each day imported so far
			for n, f := range h.files {
				for _, p := range h.pledges {
					if p.confirmAt != n {
						continue
					}
					// Its line may have come already: then it is no longer pledged.
					if got := find(rt, w, p.ID); got.Status == donations.Pledged {
						if _, err := w.dons.Confirm(ctx, treasurer, p.ID, donations.Confirmation{ReceivedAt: p.receivedAt}); err != nil {
							rt.Fatalf("confirm %s by hand: %v", p.Reference, err)
						}
						p.byHand = true
						outcomes["confirmed by hand"]++
					}
				}
				var lines, fresh int
				for day := f.from; day <= f.to; day++ {
					n := h.upTo(f, day)
					lines += n
					fresh += max(0, n-seen[day])
					seen[day] = max(seen[day], n)
				}
				st, err := ledgertest.Value(w.bank.Import(ctx, treasurer, h.file(f)))
				if err != nil {
					rt.Fatalf("import of days %s..%s: %v", h.days[f.from], h.days[f.to], err)
				}
				if st.Lines != lines || st.NewLines != fresh || st.DuplicateLines != lines-fresh || st.Matched+st.Queued != fresh {
					rt.Fatalf("import of days %s..%s (%d lines, %d new): %+v", h.days[f.from], h.days[f.to], lines, fresh, st)
				}
				h.check(rt, w, seen, false)
				outcomes["confirmed at import"] += st.Matched
				if f.cut < len(h.lines[f.to]) {
					outcomes["files ending during a day"]++
				}
			}
			h.resolve(rt, w)
			h.check(rt, w, seen, true)

			rec, err := w.bank.Reconcile(ctx, auditor)
			if err != nil {
				rt.Fatal(err)
			}
			closing := h.balance(len(h.days))
			if rec.StatementDate != h.days[len(h.days)-1] || rec.StatementBalance.Minor != closing || rec.Difference.Minor != 0 || rec.QueuedLines != 0 {
				rt.Fatalf("reconciliation %+v, want %s on %s and no difference", rec, fundus.FormatMinor(closing, fundus.EUR), h.days[len(h.days)-1])
			}
			if bank := ledgertest.Balances(rt, w.l)[ledger.Bank]; bank != closing {
				rt.Fatalf("assets:bank is %d, the statement closes with %d", bank, closing)
			}
		})
		t.Logf("outcomes of all runs: %v", outcomes)
	})
}

// outcomes counts what the runs did, to show that the random histories
// reach every way a line goes (logged with -v).
var outcomes = map[string]int{}

func find(rt *rapid.T, w *world, id string) *donations.Donation {
	d, err := w.dons.Find(context.Background(), treasurer, id)
	if err != nil {
		rt.Fatal(err)
	}
	return d
}

func allLines(rt *rapid.T, w *world, status string) []*bank.Line {
	ls, _, err := w.bank.Lines(context.Background(), auditor, bank.LineFilter{Status: status, Limit: 1000})
	if err != nil {
		rt.Fatal(err)
	}
	return ls
}

// byKey returns the lines of the history by their key.
func (h *history) byKey() map[string]*propLine {
	out := map[string]*propLine{}
	for _, ls := range h.lines {
		for _, l := range ls {
			out[l.key()] = l
		}
	}
	return out
}

// resolve works through the queue as a treasurer would: a mistyped
// reference with the right amount is assigned to its pledge, other
// credits from people are donations without a pledge, the bank's fees
// and interest and the money the fund started with are booked to their
// accounts; the starting money first and the fees last, so that the
// account never runs below zero.
func (h *history) resolve(rt *rapid.T, w *world) {
	ctx := context.Background()
	keys := h.byKey()
	queued := allLines(rt, w, bank.Queued)
	linked := map[string]bool{} // donations that have their line
	for _, l := range allLines(rt, w, bank.Matched) {
		linked[l.Match.ID] = true
	}
	for _, pass := range []int{opening, payment, fee} {
		for _, l := range queued {
			hl := keys[storedKey(l)]
			if (pass == opening) != (hl.kind == opening) || (pass == fee) != (hl.kind == fee) {
				continue
			}
			var err error
			resolved := "booked to an account"
			switch {
			case hl.kind == opening:
				_, err = w.bank.Book(ctx, treasurer, l.ID, bank.Booking{Account: ledger.OpeningBalance, Memo: "Anfangsbestand"})
			case hl.kind == fee:
				_, err = w.bank.Book(ctx, treasurer, l.ID, bank.Booking{Account: ledger.BankFees, Memo: "Kontoführung"})
			case hl.kind == interest:
				_, err = w.bank.Book(ctx, treasurer, l.ID, bank.Booking{Account: "income:interest", Memo: "Zinsen"})
			case hl.kind == typo && hl.exact() && !linked[hl.pledge.ID]:
				_, err = w.bank.Assign(ctx, treasurer, l.ID, bank.Assignment{DonationID: hl.pledge.ID})
				linked[hl.pledge.ID], resolved = true, "assigned to its pledge"
			default:
				_, err = w.bank.BookDonation(ctx, treasurer, l.ID, bank.DonationBooking{Anonymous: rapid.Bool().Draw(rt, "anonymous")})
				resolved = "booked as a donation without a pledge"
			}
			if err != nil {
				rt.Fatalf("resolving %s %s %q: %v", l.BookingDate, l.Amount, l.Remittance, err)
			}
			outcomes[resolved]++
		}
	}
}

// check compares the stored lines, entries and donations with the
// history imported so far (the first seen lines of each day); resolved
// says whether the treasurer has worked through the queue.
func (h *history) check(rt *rapid.T, w *world, seen []int, resolved bool) {
	keys := h.byKey()
	want := map[string]int{}
	for day, ls := range h.lines {
		for _, l := range ls[:seen[day]] {
			want[l.key()]++
		}
	}
	stored := allLines(rt, w, "")
	got := map[string]int{}
	for _, l := range stored {
		got[storedKey(l)]++
	}
	for k, n := range want {
		if got[k] != n {
			rt.Fatalf("line %s is stored %d times, the history holds it %d times", k, got[k], n)
		}
	}
	if len(got) != len(want) {
		rt.Fatalf("%d distinct lines stored, the history holds %d", len(got), len(want))
	}

	var refs []struct {
		ID    string `db:"id"`
		RefID string `db:"ref_id"`
	}
	if err := w.d.Select(&refs, `SELECT id, ref_id FROM entries WHERE ref_type = 'bank_line'`); err != nil {
		rt.Fatal(err)
	}
	entriesOf := map[string][]string{}
	for _, r := range refs {
		entriesOf[r.RefID] = append(entriesOf[r.RefID], r.ID)
	}
	matchedTo := map[string]int{}
	for _, l := range stored {
		hl := keys[storedKey(l)]
		es := entriesOf[l.ID]
		delete(entriesOf, l.ID)
		switch l.Status {
		case bank.Queued:
			if resolved || len(es) != 0 || l.Match != nil {
				rt.Fatalf("queued line %s %s %q: match %+v, entries %v", l.BookingDate, l.Amount, l.Remittance, l.Match, es)
			}
			continue
		case bank.Matched:
			matchedTo[l.Match.ID]++
			switch {
			case l.Match.Type != "donation":
				rt.Fatalf("line %s %q matched to a %s", l.Amount, l.Remittance, l.Match.Type)
			case !resolved && (hl.kind != payment || !hl.exact() || l.Match.ID != hl.pledge.ID):
				rt.Fatalf("line %s %q confirmed %s (of %s) at import", l.Amount, l.Remittance, l.Match.ID, donationAmount(hl))
			case hl.pledge != nil && l.Match.ID == hl.pledge.ID && hl.pledge.byHand:
				// It links the donation confirmed by hand: its one entry moves
				// the money from assets:clearing to assets:bank (checked below,
				// one entry per line), and no income is booked again (the
				// memo count below).
				if resolved {
					outcomes["linked to a confirmation by hand"]++
				}
			}
		case bank.Booked:
			if !resolved || l.Match == nil || l.Match.Type != "entry" {
				rt.Fatalf("booked line %s %q: %+v", l.Amount, l.Remittance, l.Match)
			}
		default:
			rt.Fatalf("line %s %q is %s", l.Amount, l.Remittance, l.Status)
		}
		if len(es) != 1 || es[0] != l.EntryID {
			rt.Fatalf("%s line %s %q (entry %q) booked entries %v", l.Status, l.Amount, l.Remittance, l.EntryID, es)
		}
	}
	if len(entriesOf) != 0 {
		rt.Fatalf("entries caused by no stored line: %v", entriesOf)
	}

	var memos []struct {
		Memo string `db:"memo"`
		N    int    `db:"n"`
	}
	if err := w.d.Select(&memos, `SELECT memo, count(*) AS n FROM entries GROUP BY memo`); err != nil {
		rt.Fatal(err)
	}
	booked := map[string]int{}
	for _, m := range memos {
		booked[m.Memo] = m.N
	}
	for _, p := range h.pledges {
		var arrived, assigned bool // a line with its reference and amount came; a mistyped one with its amount was assigned
		for day, ls := range h.lines {
			for _, l := range ls[:seen[day]] {
				arrived = arrived || l.kind == payment && l.exact() && l.pledge == p
				assigned = assigned || resolved && l.kind == typo && l.exact() && l.pledge == p
			}
		}
		status := find(rt, w, p.ID).Status
		received := p.byHand || arrived || assigned
		switch {
		case matchedTo[p.ID] > 1:
			rt.Fatalf("%d lines matched to %s", matchedTo[p.ID], p.Reference)
		case (arrived || assigned) != (matchedTo[p.ID] == 1):
			rt.Fatalf("%s: its line came (%t) or was assigned (%t), but %d lines are matched to it", p.Reference, arrived, assigned, matchedTo[p.ID])
		case received != (status == donations.Received):
			rt.Fatalf("%s is %s; confirmed by hand %t, its line came %t", p.Reference, status, p.byHand, arrived)
		case received != (booked["Donation "+p.Reference] == 1) || booked["Donation "+p.Reference] > 1:
			rt.Fatalf("%s is booked %d times", p.Reference, booked["Donation "+p.Reference])
		}
	}
	if r, err := ledger.VerifyDB(context.Background(), w.d); err != nil || !r.OK {
		rt.Fatalf("the ledger does not verify: %+v, %v", r, err)
	}
}

func donationAmount(l *propLine) string {
	if l.pledge == nil {
		return "no pledge"
	}
	return l.pledge.Amount.String()
}
