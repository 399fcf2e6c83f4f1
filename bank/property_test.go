package bank_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"pgregory.net/rapid"

	"fundus"
	"fundus/auth"
	"fundus/bank"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/errs"
	"fundus/grants"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// What a line of a random bank history is.
const (
	payment            = iota // a transfer with a pledge's reference (any spelling)
	typo                      // a transfer with a pledge's reference mistyped
	noReference               // a transfer without a reference
	fee                       // a debit of the bank
	interest                  // a credit of the bank
	opening                   // the money the fund started with
	instalmentPaid            // the bank's debit of an instalment of a payment file
	instalmentReturned        // the payee's bank sends a paid instalment back
	refundPaid                // the bank's debit of a refund owed to a donor
	refundReturned            // the donor's bank sends a paid refund back
	payBack                   // a group pays back money of a closed grant
)

// propLine is a line of the history and what it is.
type propLine struct {
	banktest.Line
	kind       int
	pledge     *propPledge     // of a payment or a typo
	instalment *propInstalment // of an instalment's debit or return; a pay-back is assigned to it
	refundOf   string          // the refunded donation a refund's debit pays or its return brings back
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
	pending       bool // the rest of the last day is in it as pending lines
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
			for i, l := range h.lines[day] {
				bl := l.Line
				if !f.bankRefs {
					bl.BankRef = ""
				}
				switch {
				case i < h.upTo(f, day):
					st.Lines = append(st.Lines, bl)
				case f.pending:
					bl.Pending = true
					st.Lines = append(st.Lines, bl)
				}
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
	h := &history{pledges: drawPledges(rt, w, 12)}
	first := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	h.days = make([]string, rapid.IntRange(7, 24).Draw(rt, "days"))
	h.lines = make([][]*propLine, len(h.days))
	var fees int64
	paid := map[*propPledge]bool{}
	for day := range h.days {
		h.days[day] = first.AddDate(0, 0, day).Format(time.DateOnly)
		for n := range rapid.IntRange(0, 3).Draw(rt, "lines") {
			if l := h.drawLine(rt, day, n, paid); l.kind == fee {
				fees += l.Minor
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

// drawPledges pledges one to most random donations.
func drawPledges(rt *rapid.T, w *world, most int) []*propPledge {
	var out []*propPledge
	for range rapid.IntRange(1, most).Draw(rt, "pledges") {
		in := donations.Pledge{
			Amount: fundus.Amount(fundus.FormatMinor(rapid.Int64Range(100, 50000).Draw(rt, "pledged"), fundus.EUR)),
			Donor:  &donations.Donor{Name: rapid.SampledFrom(donorNames).Draw(rt, "donor")},
		}
		p, err := ledgertest.Value(w.dons.Pledge(context.Background(), in))
		if err != nil {
			rt.Fatalf("pledge %+v: %v", in, err)
		}
		out = append(out, &propPledge{Donation: p.Donation, iban: rapid.SampledFrom(donorIBANs).Draw(rt, "iban"), confirmAt: -1})
	}
	return out
}

// drawLine draws the n-th line the bank books on day, of the kinds of
// TestImportProperties, appends it to the day (twice, when a standing
// order doubles) and returns it. paid holds the pledges paid so far.
func (h *history) drawLine(rt *rapid.T, day, n int, paid map[*propPledge]bool) *propLine {
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
	return l
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
		propertyChecks(t, e, 1)
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
	stored := h.storedAsSeen(rt, w, seen, nil)

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

// storedAsSeen returns the stored lines after checking that each line of
// the history imported so far is stored as often as it occurs there, and
// no other; and so is each line shown as pending (pending) that has not
// come booked.
func (h *history) storedAsSeen(rt *rapid.T, w *world, seen []int, pending map[lineAt]bool) []*bank.Line {
	want := map[string]int{}
	for day, ls := range h.lines {
		for i, l := range ls {
			switch {
			case i < seen[day]:
				want[l.key()]++
			case pending[lineAt{day, i}]:
				want["pending "+l.key()]++
			}
		}
	}
	stored := allLines(rt, w, "")
	got := map[string]int{}
	for _, l := range stored {
		if l.Status == bank.Pending {
			got["pending "+storedKey(l)]++
		} else {
			got[storedKey(l)]++
		}
	}
	for k, n := range want {
		if got[k] != n {
			rt.Fatalf("line %s is stored %d times, the history holds it %d times", k, got[k], n)
		}
	}
	if len(got) != len(want) {
		rt.Fatalf("%d distinct lines stored, the history holds %d", len(got), len(want))
	}
	return stored
}

func donationAmount(l *propLine) string {
	if l.pledge == nil {
		return "no pledge"
	}
	return l.pledge.Amount.String()
}

// propApplication is an approved application of a payout history.
type propApplication struct {
	id          string
	approved    int64 // at the closing: what was paid (the rest is released)
	payee       grants.Payee
	instalments []*propInstalment
	closed      bool
	// owedBack is what the group said at closing it returns and whose
	// credit line has not been drawn yet.
	owedBack int64
}

// propInstalment is an instalment of a payout history: what the
// treasurers did with it, and the bank's lines that paid it and sent it
// back (nil: none yet).
type propInstalment struct {
	id, e2e        string
	app            *propApplication
	minor          int64
	maker          int    // the treasurer who prepared it (0 or 1); the other releases it
	status         string // pending, released or sent
	paid, sentBack *lineAt
	// returned says the line sending it back is matched: at import when
	// the debit came before, else once the treasurer assigns it.
	returned bool
}

// propRefund is a refund the treasurer decided and where its payment
// stands: owed, sent (in a payment file), paid (its debit line is
// matched), returned (the donor's bank sent it back; it waits for an
// account).
type propRefund struct {
	id, e2e string
	minor   int64
	state   donations.RefundStatus
	// debit is the bank's line paying it that is not matched yet, back the
	// line sending it back (nil: none drawn).
	debit, back *lineAt
	payerIBAN   string // of the line that brought the donation
	setBy       int    // the treasurer who set its account (-1: none)
	returns     int    // how often it came back
	// paidLines and backLines count the lines matched to it each way.
	paidLines, backLines int
}

// lineAt is where a line stands in the history: the i-th of its day.
type lineAt struct{ day, i int }

// maxPayoutDays bounds a payout history; feeReserve is the most the
// bank's fees over it can come to (three lines a day of at most 15 EUR).
const (
	maxPayoutDays = 16
	feeReserve    = maxPayoutDays * 3 * 1500
)

// payouts is a run of TestPayoutProperties: the bank's history so far,
// what the fund's people did, and the money that must be available.
type payouts struct {
	h           *history
	w           *world
	g           *grants.Service
	applicant   *auth.User
	members     []*auth.User
	kasse       []*auth.User // two treasurers: one prepares, the other releases
	apps        []*propApplication
	instalments []*propInstalment
	refunds     []*propRefund
	paid        map[*propPledge]bool // pledges the bank's history paid
	seen        []int                // lines of each day imported so far
	pending     map[lineAt]bool      // lines a file showed as pending
	available   int64                // what available money must be
	// reserve is what the fees not yet booked may come to: approvals and
	// refunds leave it, so that available money never goes below zero.
	reserve int64
}

// TestPayoutProperties runs random histories of the whole bank loop: pledges
// paid as in TestImportProperties; applications approved within the money
// available; instalments prepared by one treasurer and released by the
// other; payment files made at random points; the bank's debit lines for
// their instalments (with the end-to-end ids) in later files, and
// sometimes a payee's bank sending one back; refunds decided at random and
// paid by a debit line the treasurer assigns to them. Statements arrive in
// files of a few days each, in any order, some days twice; a report taken
// during a day may show the day's other lines as pending, and a return may
// come before its debit (it waits, and is assigned once the debit came).
// After every step available money is what approvals, refunds
// and the lines of donations, fees and interest made it, and never below
// zero; after every import and at the end no instalment is paid twice,
// each paid one has exactly one debit line, an application's paid amount
// is the sum of its paid instalments, every line books one entry, the
// statement's balance differs from the ledger's by the queued lines only,
// and the ledger verifies; once the queue is resolved the difference is 0.
func TestPayoutProperties(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		propertyChecks(t, e, 2)
		clear(outcomes)
		rapid.Check(t, func(rt *rapid.T) {
			d := dbtest.Open(t, e)
			defer d.Close()
			w := newWorld(t, d)
			defer w.bank.Writer.Close()
			newPayouts(t, rt, w).run(rt)
		})
		t.Logf("outcomes of all runs: %v", outcomes)
	})
}

// propertyChecks divides rapid's number of checks by n, by four more on
// PostgreSQL and four more under the race detector, which each slow a run
// several times.
func propertyChecks(t *testing.T, e db.Engine, n int) {
	if e == db.Postgres {
		n *= 4
	}
	if raceDetector {
		n *= 4
	}
	dbtest.FewerChecks(t, n)
}

func newPayouts(t *testing.T, rt *rapid.T, w *world) *payouts {
	w.bank.Holder, w.bank.BIC = "Integrationsfonds Osnabrück", "COBADEFFXXX"
	p := &payouts{h: &history{}, w: w, g: &grants.Service{DB: w.d, Writer: w.bank.Writer, MaxAmount: 100000000, Quorum: 3},
		paid: map[*propPledge]bool{}, pending: map[lineAt]bool{}, reserve: feeReserve}
	// Users are inserted directly, as in package grants' tests: nobody signs in.
	user := func(name string, role auth.Role) *auth.User {
		u := &auth.User{ID: "user-" + name, Email: name + "@example.org", Name: name, Roles: []auth.Role{role}}
		ledgertest.Exec(t, w.bank.Writer, `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, 'none', $4)`, u.ID, u.Email, u.Name, db.Now())
		ledgertest.Exec(t, w.bank.Writer, `INSERT INTO user_roles (user_id, role) VALUES ($1, $2)`, u.ID, role)
		return u
	}
	p.applicant = user("verein", auth.Applicant)
	for i := range 3 {
		p.members = append(p.members, user(fmt.Sprint("member", i), auth.Committee))
	}
	p.kasse = []*auth.User{user("kasse1", auth.Treasurer), user("kasse2", auth.Treasurer)}
	p.h.pledges = drawPledges(rt, w, 8)
	return p
}

// run draws the steps of the history and checks after each.
func (p *payouts) run(rt *rapid.T) {
	p.bankDay(rt) // the money the fund starts with
	p.importFile(rt, propFile{cut: len(p.h.lines[0])})
	p.resolve(rt)
	// Rounds in which the committee, the treasurers and the bank each may
	// act, and the treasurer may fetch a statement.
	for range rapid.IntRange(3, 14).Draw(rt, "rounds") {
		steps := []func(*rapid.T){p.approve, p.prepare, p.release, p.paymentFile, p.refund, p.refundAccount, p.closeApp, p.bankDay, p.fetch, p.resolve}
		for i, step := range steps {
			for range rapid.IntRange(0, 2).Draw(rt, fmt.Sprint("step ", i)) {
				step(rt)
				p.checkAvailable(rt)
			}
		}
	}
	// The rest of the statements comes and the treasurer works through the queue.
	last := len(p.h.days) - 1
	from := 0
	for from < last && p.seen[from] == len(p.h.lines[from]) {
		from++
	}
	p.importFile(rt, propFile{from: max(0, from), to: last, cut: len(p.h.lines[last]), bankRefs: true})
	p.resolve(rt)
	rec, err := p.w.bank.Reconcile(context.Background(), auditor)
	if err != nil {
		rt.Fatal(err)
	}
	if closing := p.h.balance(last + 1); rec.StatementDate != p.h.days[last] || rec.StatementBalance.Minor != closing || rec.Difference.Minor != 0 || rec.QueuedLines != 0 {
		rt.Fatalf("reconciliation %+v, want %s on %s and no difference", rec, fundus.FormatMinor(closing, fundus.EUR), p.h.days[last])
	}
}

// bankDay draws the lines the bank books on the next day: debits of
// instalments sent in payment files, now and then one sent back, debits
// of refunds, and the lines of TestImportProperties.
func (p *payouts) bankDay(rt *rapid.T) {
	h := p.h
	day := len(h.days)
	if day == maxPayoutDays {
		return
	}
	h.days = append(h.days, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).AddDate(0, 0, day).Format(time.DateOnly))
	h.lines = append(h.lines, nil)
	p.seen = append(p.seen, 0)
	add := func(kind int, minor int64, debit bool, name, iban, remittance, e2e string) *propLine {
		l := &propLine{kind: kind, Line: banktest.Line{Date: h.days[day], Minor: minor, Debit: debit, Name: name, IBAN: iban, Remittance: remittance, EndToEndID: e2e}}
		l.BankRef = fmt.Sprintf("BR%s-p%d", h.days[day], len(h.lines[day]))
		h.lines[day] = append(h.lines[day], l)
		return l
	}
	if day == 0 {
		add(opening, feeReserve+rapid.Int64Range(100000, 2000000).Draw(rt, "opening"), false, "Stadt Osnabrück", "", "Anfangsbestand Integrationsfonds", "")
	}
	for _, in := range p.instalments {
		switch {
		case in.app.closed:
			// Closed only with every instalment paid and nothing in flight; a
			// return after the closing is package grants' test.
		case in.status == grants.DisbursementSent && in.paid == nil && rapid.IntRange(0, 2).Draw(rt, "the bank pays?") > 0:
			in.paid = &lineAt{day, len(h.lines[day])}
			add(instalmentPaid, in.minor, true, in.app.payee.Holder, in.app.payee.IBAN, "Integrationsfonds Zuschuss", in.e2e).instalment = in
		case in.paid != nil && in.paid.day < day && in.sentBack == nil && rapid.IntRange(0, 5).Draw(rt, "sent back?") == 0:
			in.sentBack = &lineAt{day, len(h.lines[day])}
			add(instalmentReturned, in.minor, false, in.app.payee.Holder, in.app.payee.IBAN, "Rücküberweisung: Konto erloschen", in.e2e).instalment = in
		}
	}
	for _, r := range p.refunds {
		switch {
		case r.debit == nil && r.returns == 0 && (r.state == donations.RefundOwed || r.state == donations.RefundSent) && rapid.Bool().Draw(rt, "refund paid?"):
			// Paid the first time: the treasurer assigns the debit line.
			r.debit = &lineAt{day, len(h.lines[day])}
			add(refundPaid, r.minor, true, "Erika Mustermann", donorIBANs[1], "Erstattung Spende "+r.id, "").refundOf = r.id
		case r.debit == nil && r.returns > 0 && r.state == donations.RefundSent && rapid.IntRange(0, 3).Draw(rt, "paid again?") > 0:
			// Paid again from a payment file: its end-to-end id finds it.
			r.debit = &lineAt{day, len(h.lines[day])}
			add(refundPaid, r.minor, true, "Erika Mustermann", donorIBANs[3], "Rueckerstattung Spende "+r.id, r.e2e).refundOf = r.id
		case r.back == nil && r.state == donations.RefundPaid && r.returns < 2 && rapid.IntRange(0, 1).Draw(rt, "refund sent back?") == 0:
			r.back = &lineAt{day, len(h.lines[day])}
			e2e := ""
			if rapid.Bool().Draw(rt, "return with its end-to-end id?") {
				e2e = r.e2e
			}
			add(refundReturned, r.minor, false, "Erika Mustermann", donorIBANs[1], "Retoure: Konto erloschen "+r.id, e2e).refundOf = r.id
		}
	}
	for _, a := range p.apps {
		if a.owedBack > 0 && rapid.Bool().Draw(rt, "the group pays back?") {
			minor := rapid.Int64Range(1, a.owedBack).Draw(rt, "paid back")
			a.owedBack -= minor
			var paid []*propInstalment
			for _, in := range a.instalments {
				if !in.returned {
					paid = append(paid, in)
				}
			}
			add(payBack, minor, false, a.payee.Holder, a.payee.IBAN, "Rueckzahlung Zuschuss "+a.id, "").instalment = rapid.SampledFrom(paid).Draw(rt, "assigned to")
		}
	}
	for n := range rapid.IntRange(0, 3).Draw(rt, "lines") {
		h.drawLine(rt, day, n, p.paid)
	}
}

// fetch imports a file of some days of the history so far, the last of
// them maybe only in part (a camt.052), in any order: a line may come
// before or after others of the days before it.
func (p *payouts) fetch(rt *rapid.T) {
	to := rapid.IntRange(0, len(p.h.days)-1).Draw(rt, "to")
	f := propFile{from: rapid.IntRange(max(0, to-6), to).Draw(rt, "from"), to: to, cut: len(p.h.lines[to]),
		perDay: rapid.IntRange(0, 3).Draw(rt, "per day?") == 0, bankRefs: rapid.Bool().Draw(rt, "bank refs?")}
	if rapid.IntRange(0, 2).Draw(rt, "during the day?") == 0 {
		f.cut = rapid.IntRange(0, f.cut).Draw(rt, "lines so far")
		f.pending = rapid.Bool().Draw(rt, "pending lines?")
	}
	p.importFile(rt, f)
}

// importFile imports f and checks what it did.
func (p *payouts) importFile(rt *rapid.T, f propFile) {
	h, ctx := p.h, context.Background()
	var sentBack []*propInstalment // whose line sending it back comes with f
	for _, in := range p.instalments {
		if in.sentBack != nil && !p.arrived(in.sentBack) {
			sentBack = append(sentBack, in)
		}
	}
	var lines, fresh, booked int
	if f.pending {
		// A pending line is new unless it waits already or came booked.
		for i := f.cut; i < len(h.lines[f.to]); i++ {
			at := lineAt{f.to, i}
			lines++
			if !p.pending[at] && !p.arrived(&at) {
				fresh++
			}
			p.pending[at] = true
		}
	}
	for day := f.from; day <= f.to; day++ {
		n := h.upTo(f, day)
		lines += n
		booked += max(0, n-p.seen[day])
		p.seen[day] = max(p.seen[day], n)
	}
	fresh += booked
	for _, in := range sentBack {
		// Its debit came before, or earlier in f: a day before.
		in.returned = p.arrived(in.sentBack) && p.arrived(in.paid)
	}
	before := map[string]bool{}
	for _, l := range allLines(rt, p.w, bank.Matched) {
		before[l.ID] = true
	}
	st, err := ledgertest.Value(p.w.bank.Import(ctx, treasurer, h.file(f)))
	if err != nil {
		rt.Fatalf("import of days %s..%s: %v", h.days[f.from], h.days[f.to], err)
	}
	if st.Lines != lines || st.NewLines != fresh || st.DuplicateLines != lines-fresh || st.Matched+st.Queued != booked {
		rt.Fatalf("import of days %s..%s (%d lines, %d new, %d booked): %+v", h.days[f.from], h.days[f.to], lines, fresh, booked, st)
	}
	// Of what an import matches, only a pledge's money makes money available.
	for _, l := range allLines(rt, p.w, bank.Matched) {
		if before[l.ID] {
			continue
		}
		switch {
		case l.Match.Type == "donation":
			p.available += l.Amount.Minor
			outcomes["confirmed at import"]++
		case l.Match.Type == "refund":
			// Only a line with the refund's end-to-end id: a debit of a refund
			// in a payment file, a credit of a paid one.
			r := p.refundOf(l.Match.ID)
			if l.EndToEndID != r.e2e {
				rt.Fatalf("a refund's line without its end-to-end id matched at import: %+v", l)
			}
			p.refundLine(rt, r, l, "at import")
		case l.Direction == "debit":
			outcomes["instalment paid at import"]++
		default:
			outcomes["instalment returned at import"]++
		}
	}
	p.check(rt, false)
}

// resolve works through the queue as in TestImportProperties; a refund's
// debit is assigned to its donation.
func (p *payouts) resolve(rt *rapid.T) {
	ctx := context.Background()
	keys := p.h.byKey()
	queued := allLines(rt, p.w, bank.Queued)
	// A refund's return after its debit, whatever order they came in.
	slices.SortStableFunc(queued, func(a, b *bank.Line) int {
		return b2i(keys[storedKey(a)].kind == refundReturned) - b2i(keys[storedKey(b)].kind == refundReturned)
	})
	for _, l := range queued {
		hl := keys[storedKey(l)]
		var err error
		resolved, adds := "booked to an account", hl.signed()
		switch {
		case hl.kind == opening:
			_, err = p.w.bank.Book(ctx, treasurer, l.ID, bank.Booking{Account: ledger.OpeningBalance, Memo: "Anfangsbestand"})
		case hl.kind == fee:
			_, err = p.w.bank.Book(ctx, treasurer, l.ID, bank.Booking{Account: ledger.BankFees, Memo: "Kontoführung"})
			p.reserve -= hl.Minor
		case hl.kind == interest:
			_, err = p.w.bank.Book(ctx, treasurer, l.ID, bank.Booking{Account: "income:interest", Memo: "Zinsen"})
		case hl.kind == instalmentReturned && !p.arrived(hl.instalment.paid):
			// Sent back before the file with its debit came: it waits.
			if _, err := p.w.bank.Assign(ctx, treasurer, l.ID, bank.Assignment{DisbursementID: hl.instalment.id}); !errs.Is(errs.InvalidState, err) {
				rt.Fatalf("assigning the return of %s before its debit came: %v", hl.instalment.e2e, err)
			}
			outcomes["return waiting for its debit"]++
			continue
		case hl.kind == instalmentReturned:
			_, err = p.w.bank.Assign(ctx, treasurer, l.ID, bank.Assignment{DisbursementID: hl.instalment.id})
			hl.instalment.returned = true
			resolved, adds = "return assigned to its instalment", 0 // owed to the group again
		case hl.kind == refundPaid || hl.kind == refundReturned:
			r := p.refundOf(hl.refundOf)
			var got *bank.Line
			got, err = ledgertest.Value(p.w.bank.Assign(ctx, p.kasse[rapid.IntRange(0, 1).Draw(rt, "who assigns")], l.ID, bank.Assignment{DonationID: hl.refundOf}))
			if err == nil {
				p.refundLine(rt, r, got, "assigned")
			}
			resolved, adds = "assigned to its refund", 0 // the money was owed since the refund, and is again after a return
			if hl.kind == refundReturned {
				resolved = "refund's return assigned"
			}
		case hl.kind == payBack:
			_, err = p.w.bank.Assign(ctx, treasurer, l.ID, bank.Assignment{DisbursementID: hl.instalment.id})
			resolved = "pay-back assigned to an instalment of the closed grant" // the fund spent that much less
		case hl.kind == typo && hl.exact() && find(rt, p.w, hl.pledge.ID).Status == donations.Pledged:
			_, err = p.w.bank.Assign(ctx, treasurer, l.ID, bank.Assignment{DonationID: hl.pledge.ID})
			resolved = "assigned to its pledge"
		case hl.kind == payment || hl.kind == typo || hl.kind == noReference:
			_, err = p.w.bank.BookDonation(ctx, treasurer, l.ID, bank.DonationBooking{})
			resolved = "booked as a donation without a pledge"
		default:
			rt.Fatalf("the bank's line %s %s %q for an instalment waits in the queue", l.BookingDate, l.Amount, l.Remittance)
		}
		if err != nil {
			rt.Fatalf("resolving %s %s %q: %v", l.BookingDate, l.Amount, l.Remittance, err)
		}
		p.available += adds
		outcomes[resolved]++
	}
	p.check(rt, true)
}

// approve has the committee approve an application within the money
// available; now and then it tries more than that, which is refused.
func (p *payouts) approve(rt *rapid.T) {
	ctx := context.Background()
	room := p.available - p.reserve
	tooMuch := rapid.IntRange(0, 4).Draw(rt, "too much?") == 0
	if room < 1000 && !tooMuch {
		return
	}
	var amount int64
	if tooMuch {
		amount = p.available + rapid.Int64Range(1, 50000).Draw(rt, "beyond")
	} else {
		amount = rapid.Int64Range(1000, min(room, 300000)).Draw(rt, "approved")
	}
	text := fundus.Amount(fundus.FormatMinor(amount, fundus.EUR))
	payee := grants.Payee{Holder: rapid.SampledFrom(donorNames).Draw(rt, "payee"), IBAN: rapid.SampledFrom(donorIBANs[1:]).Draw(rt, "payee iban")}
	a, err := ledgertest.Value(p.g.Create(ctx, p.applicant, grants.Input{Title: "Sprachcafé Schinkel", Organisation: "Café Lingua e.V.",
		Summary: "Wöchentliches Sprachcafé", Description: "Ehrenamtliche treffen Neuankömmlinge.", RequestedAmount: text,
		Budget: []grants.BudgetInput{{Item: "Miete", Amount: text}}, StartsOn: "2027-01-01", EndsOn: "2027-06-30", Payee: payee,
		Recognition: &grants.Recognition{Kind: grants.PublicBody}}))
	if err != nil {
		rt.Fatal(err)
	}
	if _, err := p.g.Submit(ctx, p.applicant, a.ID); err != nil {
		rt.Fatal(err)
	}
	if _, err := p.g.AddReview(ctx, p.members[0], a.ID, grants.ReviewInput{Score: 4, Comment: "gut"}); err != nil {
		rt.Fatal(err)
	}
	for _, m := range p.members {
		if _, err := p.g.CastVote(ctx, m, a.ID, grants.VoteInput{Vote: "approve"}); err != nil {
			rt.Fatal(err)
		}
	}
	_, err = p.g.Decide(ctx, p.members[1], a.ID, grants.DecisionInput{Decision: "approved", Amount: text})
	if tooMuch {
		if !errs.Is(errs.InsufficientFunds, err) {
			rt.Fatalf("approving %s with %s available: %v", text.Text, fundus.FormatMinor(p.available, fundus.EUR), err)
		}
		outcomes["approval beyond the money refused"]++
		return
	}
	if err != nil {
		rt.Fatalf("approving %s with %s available: %v", text.Text, fundus.FormatMinor(p.available, fundus.EUR), err)
	}
	p.available -= amount
	p.apps = append(p.apps, &propApplication{id: a.ID, approved: amount, payee: payee})
	outcomes["approved"]++
}

// prepare has a treasurer prepare an instalment of what is left of an
// application (an instalment sent back is owed again).
func (p *payouts) prepare(rt *rapid.T) {
	var open []*propApplication
	for _, a := range p.apps {
		if p.left(a) > 0 {
			open = append(open, a)
		}
	}
	if len(open) == 0 {
		return
	}
	a := rapid.SampledFrom(open).Draw(rt, "application")
	minor := p.left(a)
	if rapid.Bool().Draw(rt, "part?") {
		minor = rapid.Int64Range(1, minor).Draw(rt, "instalment")
	}
	in := &propInstalment{app: a, minor: minor, maker: rapid.IntRange(0, 1).Draw(rt, "maker"), status: grants.DisbursementPending}
	d, err := ledgertest.Value(p.g.CreateDisbursement(context.Background(), p.kasse[in.maker], a.id, grants.DisbursementInput{Amount: fundus.Amount(fundus.FormatMinor(minor, fundus.EUR))}))
	if err != nil {
		rt.Fatalf("instalment of %d of %d left: %v", minor, p.left(a), err)
	}
	in.id, in.e2e = d.ID, d.EndToEndID
	a.instalments = append(a.instalments, in)
	p.instalments = append(p.instalments, in)
}

// left is what may still be prepared of a's approved amount: an
// instalment is owed again once its return is imported.
func (p *payouts) left(a *propApplication) int64 {
	left := a.approved
	for _, in := range a.instalments {
		if !in.returned {
			left -= in.minor
		}
	}
	return left
}

// arrived reports whether the line at l was imported.
func (p *payouts) arrived(l *lineAt) bool { return l != nil && l.i < p.seen[l.day] }

// release has the other treasurer release a pending instalment; its
// maker may not.
func (p *payouts) release(rt *rapid.T) {
	ctx := context.Background()
	in := p.pick(rt, grants.DisbursementPending)
	if in == nil {
		return
	}
	if rapid.IntRange(0, 3).Draw(rt, "maker releases?") == 0 {
		if _, err := p.g.Release(ctx, p.kasse[in.maker], in.id); !errs.Is(errs.Forbidden, err) {
			rt.Fatalf("the maker released %s: %v", in.e2e, err)
		}
	}
	if _, err := p.g.Release(ctx, p.kasse[1-in.maker], in.id); err != nil {
		rt.Fatal(err)
	}
	in.status = grants.DisbursementReleased
}

// pick returns an instalment in status, or nil.
func (p *payouts) pick(rt *rapid.T, status string) *propInstalment {
	var ins []*propInstalment
	for _, in := range p.instalments {
		if in.status == status {
			ins = append(ins, in)
		}
	}
	if len(ins) == 0 {
		return nil
	}
	return rapid.SampledFrom(ins).Draw(rt, "instalment")
}

// paymentFile has a treasurer make a payment file of some released
// instalments, or of all there are and the refunds owed (none to pay is
// refused). A refund whose account this treasurer set is left out; when
// nothing else is due the file is refused for separation of duties.
func (p *payouts) paymentFile(rt *rapid.T) {
	ctx := context.Background()
	maker := rapid.IntRange(0, 1).Draw(rt, "file maker")
	var want []*propInstalment
	var ids []string
	for _, in := range p.instalments {
		if in.status == grants.DisbursementReleased && rapid.Bool().Draw(rt, "in the file?") {
			want, ids = append(want, in), append(ids, in.id)
		}
	}
	var due, held []string // refunds the file must pay, and leave out
	if len(want) == 0 {    // all there are
		for _, in := range p.instalments {
			if in.status == grants.DisbursementReleased {
				want = append(want, in)
			}
		}
		for _, r := range p.refunds {
			switch {
			case r.state != donations.RefundOwed || r.setBy < 0 && r.payerIBAN == "":
			case r.setBy == maker:
				held = append(held, r.id)
			default:
				due = append(due, r.id)
			}
		}
	}
	f, err := ledgertest.Value(p.w.bank.CreatePaymentFile(ctx, p.kasse[maker], bank.PaymentFileInput{DisbursementIDs: ids}))
	switch {
	case len(want) == 0 && len(due) == 0 && len(held) > 0:
		if !errs.Is(errs.Forbidden, err) {
			rt.Fatalf("the treasurer who set the account of the only refunds due made a file: %+v, %v", f, err)
		}
		outcomes["payment file refused to the refund account's setter"]++
		return
	case len(want) == 0 && len(due) == 0:
		if !errs.Is(errs.InvalidState, err) {
			rt.Fatalf("a payment file of nothing: %+v, %v", f, err)
		}
		return
	case err != nil:
		rt.Fatal(err)
	}
	doc, err := p.w.bank.PaymentFileDocument(ctx, p.kasse[maker], f.ID)
	if err != nil {
		rt.Fatal(err)
	}
	slices.Sort(due)
	slices.Sort(held)
	got, gotHeld := slices.Sorted(slices.Values(f.RefundDonationIDs)), slices.Sorted(slices.Values(f.HeldBackRefundIDs))
	if len(f.DisbursementIDs) != len(want) || f.Count != len(want)+len(due) || !slices.Equal(got, due) || !slices.Equal(gotHeld, held) {
		rt.Fatalf("payment file %+v, want %d instalments, refunds %v, held back %v", f, len(want), due, held)
	}
	for _, in := range want {
		if !slices.Contains(f.DisbursementIDs, in.id) || !strings.Contains(string(doc), "<EndToEndId>"+in.e2e+"</EndToEndId>") {
			rt.Fatalf("payment file %v lacks %s", f.DisbursementIDs, in.e2e)
		}
		in.status = grants.DisbursementSent
	}
	for _, id := range due {
		r := p.refundOf(id)
		if !strings.Contains(string(doc), "<EndToEndId>"+r.e2e+"</EndToEndId>") {
			rt.Fatalf("payment file lacks the refund %s", r.e2e)
		}
		if r.returns > 0 && !strings.Contains(string(doc), newIBAN) {
			rt.Fatalf("a returned refund is paid again, but not to the account set for it:\n%s", doc)
		}
		if r.returns > 0 {
			outcomes["returned refunds in payment files"]++
		}
		r.state = donations.RefundSent
		outcomes["refunds in payment files"]++
	}
	if len(held) > 0 {
		outcomes["payment files leaving out the maker's refund accounts"]++
	}
	outcomes["payment files"]++
}

// refundOf returns the refund of the donation id.
func (p *payouts) refundOf(id string) *propRefund {
	for _, r := range p.refunds {
		if r.id == id {
			return r
		}
	}
	panic("no refund of " + id)
}

// refundLine follows a line matched to refund r (at import or assigned):
// a debit pays it, a credit brings it back.
func (p *payouts) refundLine(rt *rapid.T, r *propRefund, l *bank.Line, how string) {
	switch {
	case l.Direction == "debit" && r.state != donations.RefundPaid:
		r.state, r.debit = donations.RefundPaid, nil
		r.paidLines++
		if r.returns > 0 {
			outcomes["refund paid again "+how]++
		}
	case l.Direction == "credit" && r.state == donations.RefundPaid:
		r.state, r.back = donations.RefundReturned, nil
		r.backLines++
		r.returns++
		outcomes["refund returned "+how]++
	default:
		rt.Fatalf("a %s line matched %s to the refund of %s, which is %s", l.Direction, how, r.id, r.state)
	}
}

// refundAccount has a treasurer set the account of a refund that came
// back (or of one whose donor's IBAN no line named); one in a payment
// file or paid is refused.
func (p *payouts) refundAccount(rt *rapid.T) {
	ctx := context.Background()
	var open, closed []*propRefund
	for _, r := range p.refunds {
		switch {
		case r.state == donations.RefundReturned, r.state == donations.RefundOwed && r.payerIBAN == "" && r.setBy < 0:
			open = append(open, r)
		case r.state == donations.RefundSent, r.state == donations.RefundPaid:
			closed = append(closed, r)
		}
	}
	who := rapid.IntRange(0, 1).Draw(rt, "who sets the account")
	account := donations.RefundAccount{Name: "Erika Mustermann", IBAN: newIBAN}
	if len(closed) > 0 && rapid.IntRange(0, 3).Draw(rt, "an account for a refund in a file?") == 0 {
		if _, err := p.w.dons.SetRefundAccount(ctx, p.kasse[who], rapid.SampledFrom(closed).Draw(rt, "refund").id, account); !errs.Is(errs.InvalidState, err) {
			rt.Fatalf("an account for a refund in a file or paid: %v", err)
		}
	}
	if len(open) == 0 {
		return
	}
	r := rapid.SampledFrom(open).Draw(rt, "refund")
	if _, err := p.w.dons.SetRefundAccount(ctx, p.kasse[who], r.id, account); err != nil {
		rt.Fatal(err)
	}
	if r.state == donations.RefundReturned {
		outcomes["refund accounts set after a return"]++
	} else {
		outcomes["refund accounts set (no IBAN known)"]++
	}
	r.state, r.setBy = donations.RefundOwed, who
}

// closeApp has the group report on a grant whose instalments were all
// paid (or came back) and a treasurer close it, saying what the group
// returns: the part not paid is released (available again), and what it
// returns comes as a credit line, assigned to an instalment of the closed
// grant.
func (p *payouts) closeApp(rt *rapid.T) {
	ctx := context.Background()
	var done []*propApplication
	for _, a := range p.apps {
		paid := false
		ok := !a.closed
		for _, in := range a.instalments {
			switch {
			case in.returned:
			case p.arrived(in.paid) && in.sentBack == nil:
				paid = true
			default:
				ok = false
			}
		}
		if ok && paid {
			done = append(done, a)
		}
	}
	if len(done) == 0 {
		return
	}
	a := rapid.SampledFrom(done).Draw(rt, "closed")
	var paid int64
	for _, in := range a.instalments {
		if !in.returned {
			paid += in.minor
		}
	}
	if _, err := p.g.Report(ctx, p.applicant, a.id, grants.ReportInput{Spent: fundus.Amount(fundus.FormatMinor(paid, fundus.EUR)), Report: "Zwölf Treffen."}); err != nil {
		rt.Fatal(err)
	}
	returned := rapid.Int64Range(0, paid).Draw(rt, "returned")
	if _, err := p.g.Close(ctx, p.kasse[rapid.IntRange(0, 1).Draw(rt, "who closes")], a.id, grants.CloseInput{Returned: fundus.Amount(fundus.FormatMinor(returned, fundus.EUR))}); err != nil {
		rt.Fatal(err)
	}
	p.available += a.approved - paid // released
	a.approved, a.closed, a.owedBack = paid, true, returned
	outcomes["grants closed"]++
}

// refund has the treasurer refund a received donation, when the money
// is there.
func (p *payouts) refund(rt *rapid.T) {
	var ids []string
	payer := map[string]string{}
	for _, l := range allLines(rt, p.w, bank.Matched) {
		if l.Match.Type == "donation" && !slices.Contains(ids, l.Match.ID) && find(rt, p.w, l.Match.ID).Status == donations.Received {
			ids = append(ids, l.Match.ID)
			payer[l.Match.ID] = l.CounterpartyIBAN
		}
	}
	if len(ids) == 0 {
		return
	}
	d := find(rt, p.w, rapid.SampledFrom(ids).Draw(rt, "refunded"))
	if p.available-d.Amount.Minor < p.reserve {
		return
	}
	r, err := ledgertest.Value(p.w.dons.Refund(context.Background(), treasurer, d.ID, donations.Refund{Reason: "Die Spenderin bittet darum"}))
	if err != nil {
		rt.Fatal(err)
	}
	p.available -= d.Amount.Minor
	p.refunds = append(p.refunds, &propRefund{id: d.ID, e2e: r.EndToEndID, minor: d.Amount.Minor, state: donations.RefundOwed, payerIBAN: payer[d.ID], setBy: -1})
	outcomes["refunds"]++
}

// checkAvailable compares available money with what it must be.
func (p *payouts) checkAvailable(rt *rapid.T) map[string]int64 {
	b := ledgertest.Balances(rt, p.w.l)
	if got := b[ledger.Bank] + b[ledger.Clearing] + b[ledger.GrantsPayable] + b[ledger.RefundsPayable]; got != p.available || got < 0 {
		rt.Fatalf("%s EUR available, want %s", fundus.FormatMinor(got, fundus.EUR), fundus.FormatMinor(p.available, fundus.EUR))
	}
	return b
}

// check compares the stored lines, instalments, applications, refunds
// and the ledger with the history imported so far; resolved says whether
// the treasurer has just worked through the queue.
func (p *payouts) check(rt *rapid.T, resolved bool) {
	ctx := context.Background()
	keys := p.h.byKey()
	lineOf := map[string]string{}                                                                                   // entry → the line that booked it
	debits, credits, refunds, refundBacks := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{} // lines matched to an instalment, a refund
	donationsMatched := map[string]int{}
	for _, l := range p.h.storedAsSeen(rt, p.w, p.seen, p.pending) {
		hl := keys[storedKey(l)]
		if l.Status == bank.Pending {
			continue
		}
		if l.Status == bank.Queued {
			// Only a return whose debit has not come may wait in a resolved queue.
			waits := hl.kind == instalmentReturned && !p.arrived(hl.instalment.paid)
			if resolved && !waits || l.Match != nil || l.EntryID != "" || hl.kind == instalmentPaid || hl.kind == instalmentReturned && hl.instalment.returned {
				rt.Fatalf("queued line %s %s %q: match %+v, entry %q", l.BookingDate, l.Amount, l.Remittance, l.Match, l.EntryID)
			}
			continue
		}
		if l.EntryID == "" || lineOf[l.EntryID] != "" {
			rt.Fatalf("%s line %s %s %q books entry %q, which line %q books too", l.Status, l.BookingDate, l.Amount, l.Remittance, l.EntryID, lineOf[l.EntryID])
		}
		lineOf[l.EntryID] = l.ID
		var want lineIs
		switch hl.kind {
		case instalmentPaid, instalmentReturned:
			want = lineIs{bank.Matched, "disbursement", hl.instalment.id}
			if hl.kind == instalmentPaid {
				debits[hl.instalment.id]++
			} else {
				credits[hl.instalment.id]++
			}
		case refundPaid, refundReturned:
			want = lineIs{bank.Matched, "refund", hl.refundOf}
			if hl.kind == refundPaid {
				refunds[hl.refundOf]++
			} else {
				refundBacks[hl.refundOf]++
			}
		case payBack:
			want = lineIs{bank.Matched, "disbursement", hl.instalment.id}
		case opening, fee, interest:
			want = lineIs{bank.Booked, "entry", l.EntryID}
		default:
			want = lineIs{bank.Matched, "donation", l.Match.ID}
			donationsMatched[l.Match.ID]++
		}
		if got := (lineIs{l.Status, l.Match.Type, l.Match.ID}); got != want {
			rt.Fatalf("line %s %s %q is %+v, want %+v", l.BookingDate, l.Amount, l.Remittance, got, want)
		}
	}
	for id, n := range donationsMatched {
		if n > 1 {
			rt.Fatalf("%d lines matched to donation %s", n, id)
		}
	}

	var approved, paid int64
	for _, a := range p.apps {
		got, err := p.g.Find(ctx, p.kasse[0], a.id)
		if err != nil {
			rt.Fatal(err)
		}
		if len(got.Disbursements) != len(a.instalments) {
			rt.Fatalf("application %s has %d instalments, want %d", a.id, len(got.Disbursements), len(a.instalments))
		}
		var paidHere int64
		for _, in := range a.instalments {
			want := in.status
			switch {
			case in.returned:
				want = grants.DisbursementReturned
			case p.arrived(in.paid):
				want = grants.DisbursementPaid
				paidHere += in.minor
			}
			i := slices.IndexFunc(got.Disbursements, func(d *grants.Disbursement) bool { return d.ID == in.id })
			if i < 0 || got.Disbursements[i].Status != want {
				rt.Fatalf("instalment %s is %+v, want %s", in.e2e, got.Disbursements, want)
			}
			if debits[in.id] != b2i(p.arrived(in.paid)) || credits[in.id] != b2i(in.returned) {
				rt.Fatalf("instalment %s (%s): %d debit lines, %d credit lines matched to it", in.e2e, want, debits[in.id], credits[in.id])
			}
		}
		status := grants.PartiallyPaid
		switch paidHere {
		case 0:
			status = grants.Approved
		case a.approved:
			status = grants.Paid
		}
		if a.closed {
			status = grants.Closed
		}
		if got.PaidAmount.Minor != paidHere || got.Status != status {
			rt.Fatalf("application %s is %s with %s paid, want %s with %s", a.id, got.Status, got.PaidAmount, status, fundus.FormatMinor(paidHere, fundus.EUR))
		}
		approved, paid = approved+a.approved, paid+paidHere
	}
	var booked []struct {
		ID string `db:"ref_id"`
		N  int    `db:"n"`
	}
	if err := p.w.d.Select(&booked, `SELECT ref_id, count(*) AS n FROM entries WHERE ref_type = 'disbursement' GROUP BY ref_id`); err != nil {
		rt.Fatal(err)
	}
	for _, e := range booked {
		if e.N != debits[e.ID]+credits[e.ID] {
			rt.Fatalf("instalment %s has %d entries; %d lines paid it, %d brought it back", e.ID, e.N, debits[e.ID], credits[e.ID])
		}
	}

	var owed int64
	for _, r := range p.refunds {
		// No refund paid twice: each line paying it after the first follows
		// a line bringing it back.
		paid := refunds[r.id] - refundBacks[r.id]
		if paid != b2i(r.state == donations.RefundPaid) || refunds[r.id] != r.paidLines || refundBacks[r.id] != r.backLines {
			rt.Fatalf("refund of %s (%s): %d lines paid it, %d brought it back; %d and %d were matched", r.id, r.state, refunds[r.id], refundBacks[r.id], r.paidLines, r.backLines)
		}
		if got := find(rt, p.w, r.id); got.RefundStatus != r.state {
			rt.Fatalf("refund of %s is %s, want %s", r.id, got.RefundStatus, r.state)
		}
		owed += r.minor * int64(1-paid)
	}
	b := p.checkAvailable(rt)
	if b[ledger.GrantsPayable] != paid-approved || b[ledger.RefundsPayable] != -owed {
		rt.Fatalf("grants payable %d (approved %d, paid %d), refunds payable %d (owed %d)", b[ledger.GrantsPayable], approved, paid, b[ledger.RefundsPayable], owed)
	}
	if r, err := ledger.VerifyDB(ctx, p.w.d); err != nil || !r.OK {
		rt.Fatalf("the ledger does not verify: %+v, %v", r, err)
	}
	rec, err := p.w.bank.Reconcile(ctx, auditor)
	if err != nil {
		rt.Fatal(err)
	}
	// Once every line up to the last statement's day came, its balance is
	// the history's, and the queued lines explain the difference.
	day := slices.Index(p.h.days, rec.StatementDate)
	for d := range day + 1 {
		if p.seen[d] < len(p.h.lines[d]) {
			return
		}
	}
	if rec.StatementBalance.Minor != p.h.balance(day+1) || rec.Difference.Minor != rec.QueuedAmount.Minor {
		rt.Fatalf("reconciliation %+v: want the balance %s, and the queued lines to explain the difference", rec, fundus.FormatMinor(p.h.balance(day+1), fundus.EUR))
	}
	outcomes["reconciliations checked"]++
}

// lineIs is a stored line's status and what it is matched to.
type lineIs struct{ Status, Type, ID string }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
