package bank

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"fundus"
	"fundus/bank/statement"
	"fundus/commit"
	"fundus/db"
	"fundus/donations"
	"fundus/errs"
	"fundus/mail"
)

// Import reads a bank file (the request's body) and imports its lines:
// each line once, however often it comes (identity); booked credits with
// a donation's reference and its exact amount confirm that donation;
// every other booked line is queued; pending lines wait. A file of
// another account is WrongAccount, one that does not add up
// StatementUnbalanced, one in no format it reads UnsupportedFile; they
// change nothing. Returns Unauthenticated, Forbidden, also Invalid and
// TooLarge for a file that breaks the limits.
func (s *Service) Import(ctx context.Context, actor fundus.Actor, body []byte) (commit.Outcome[*Statement], error) {
	const op errs.Op = "bank.Import"
	if err := fundus.Authorize(op, actor, fundus.HandleBank); err != nil {
		return commit.Outcome[*Statement]{}, err
	}
	lim := s.Limits
	if lim.MaxBytes == 0 {
		lim = statement.DefaultLimits
	}
	f, err := statement.Parse(bytes.NewReader(body), lim)
	if err != nil {
		return commit.Outcome[*Statement]{}, fileError(op, err)
	}
	st, lines, err := s.gather(op, f)
	if err != nil {
		return commit.Outcome[*Statement]{}, err
	}
	out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*Statement, error) {
		return importLines(tx, actor.ActorID(), s.Mail, s.Bands, st, lines)
	})
	if err != nil {
		return out, errs.E(op, err)
	}
	return out, nil
}

// fileError turns the parser's refusals into the problems of docs/api.md.
func fileError(op errs.Op, err error) error {
	switch errs.CodeOf(err) {
	case "unsupported_file":
		return errs.E(op, errs.UnsupportedFile, errs.Message(err), err)
	case "statement_unbalanced":
		return errs.E(op, errs.StatementUnbalanced, errs.Message(err), err)
	}
	return errs.E(op, err)
}

// gather checks the file's statements and returns what the import
// stores: the statement row (its counts still zero) and the lines, in
// file order.
func (s *Service) gather(op errs.Op, f *statement.File) (*Statement, []*Line, error) {
	if len(f.Statements) == 0 {
		return nil, nil, errs.E(op, errs.UnsupportedFile, "the file holds no statement")
	}
	own := fundus.NormalizeIBAN(s.IBAN)
	st := &Statement{ID: db.NewID(), Format: f.Format, AccountIBAN: own}
	var lines []*Line
	for i, fs := range f.Statements {
		if iban := fundus.NormalizeIBAN(fs.AccountIBAN); iban != own {
			return nil, nil, errs.Errorf(op, errs.WrongAccount, "statement %s is of account %s; the fund's account is %s", fs.ID, iban, own)
		}
		if i == 0 {
			st.From = fs.From
			if fs.Opening != nil {
				m := fundus.EURCents(fs.Opening.Minor)
				st.OpeningBalance, st.openingDate = &m, fs.Opening.Date
			}
		}
		st.To = fs.To
		st.periods = append(st.periods, period{fs.From, fs.To, fs.Notification})
		if fs.Closing != nil {
			m := fundus.EURCents(fs.Closing.Minor)
			st.ClosingBalance, st.closingDate = &m, fs.Closing.Date
		} else {
			st.ClosingBalance, st.closingDate = nil, ""
		}
		for _, fl := range fs.Lines {
			if fl.Currency != "" && fl.Currency != fundus.EUR.Code {
				return nil, nil, errs.Errorf(op, errs.Invalid, "statement %s holds a line in %s; the fund's account is in EUR", fs.ID, fl.Currency)
			}
			if s.MaxAmount > 0 && fl.Minor > s.MaxAmount {
				return nil, nil, errs.Errorf(op, errs.Invalid, "statement %s holds a line of %s EUR, above the fund's ceiling of any amount (%s EUR)",
					fs.ID, fundus.FormatMinor(fl.Minor, fundus.EUR), fundus.FormatMinor(s.MaxAmount, fundus.EUR))
			}
			if fl.Minor == 0 {
				continue // a notice of 0.00 (the quarter's "Abschluss") moves no money and needs no person
			}
			l := &Line{
				ID: db.NewID(), StatementID: st.ID, BookingDate: fl.BookingDate, ValueDate: fl.ValueDate,
				Amount: fundus.EURCents(fl.Minor), Currency: fundus.EUR.Code, Direction: fl.Direction,
				CounterpartyName: fl.CounterpartyName, CounterpartyIBAN: fundus.NormalizeIBAN(fl.CounterpartyIBAN),
				Remittance: fl.Remittance, EndToEndID: fl.EndToEndID, BankReference: fl.BankReference, BankText: fl.BankText,
				Status: Queued, part: i,
			}
			if !fl.Booked {
				l.Status = Pending
			}
			if l.ValueDate == "" {
				l.ValueDate = l.BookingDate
			}
			l.identity, l.account = identity(own, l), own
			lines = append(lines, l)
		}
	}
	st.Lines = len(lines)
	return st, lines, nil
}

// identity is what makes two lines the same line: the account, booking
// date, amount, direction, counterparty IBAN, remittance (without case or
// white space, which formats spell differently) and end-to-end id; not
// the bank's free text. A pending line's identity is apart from a booked
// one's, so that the booked line that follows replaces it.
func identity(account string, l *Line) string {
	remittance := normalRemittance(l.Remittance)
	h := sha256.New()
	for _, part := range []string{account, l.BookingDate, strconv.FormatInt(l.Amount.Minor, 10), l.Direction,
		l.CounterpartyIBAN, remittance, strings.ToUpper(l.EndToEndID)} {
		h.Write([]byte(part))
		h.Write([]byte{0x1f})
	}
	id := hex.EncodeToString(h.Sum(nil))
	if l.Status == Pending {
		return "pending:" + id
	}
	return id
}

// normalRemittance is a remittance text without case or white space,
// which formats spell differently.
func normalRemittance(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}

// bookedIdentity is the identity of l once the bank books it.
func bookedIdentity(l *Line) string { return strings.TrimPrefix(l.identity, "pending:") }

// Window is how many days a booked line's booking date may lie before or
// after the date of the pending line it replaces: banks book a line they
// showed as pending ("vorgemerkt") a day or a few later, over a weekend
// and holidays too.
const Window = 5

// importLines stores the statement and the lines not stored before, and
// matches the new booked credits, in the write path's transaction.
//
// Each statement of the file is counted as a file of its own, after the
// ones before it: a line two of them hold (a ZIP of one download saved
// twice, a day's reports at 10:00 and at 14:00) is one line. Within a
// statement, booked lines claim the stored ones first; a new one then
// replaces the pending line of the same identity, else the nearest
// pending line of the same content (identity but the date) booked up to
// Window days before or after it: one pending line each, so of two
// equal pending lines one booked line replaces one. A pending line is
// the stored one of its identity, or a booked line that came already (of
// its day, else the nearest of its content within the window): a report
// uploaded after its statement adds no line that would wait for ever. A
// statement that shows pending lines shows all that are pending in its
// period: a stored pending line dated in it that it neither shows nor
// books was withdrawn by the bank (an authorisation that lapsed, a
// payment taken back before booking) and goes; one of another account
// (the fund's before it moved to another bank) stays, and a notification
// (camt.054), which tells of single entries, withdraws none.
func importLines(tx *commit.Tx, by string, o *mail.Outbox, bands donations.Bands, st *Statement, lines []*Line) (*Statement, error) {
	ctx := tx.Context()
	var ids []string
	seen := map[string]bool{}
	for _, l := range lines {
		for _, id := range []string{bookedIdentity(l), "pending:" + bookedIdentity(l)} { // l's own is one of them
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	before, err := storedLines(ctx, tx.Reader(), ids)
	if err != nil {
		return nil, err
	}
	c := &counting{before: before, gone: map[string]bool{}, near: map[string][]*nearLine{}}
	if err := c.loadNear(ctx, tx, st, lines); err != nil {
		return nil, err
	}
	var fresh []*Line
	var gone []string // the stored pending lines replaced or withdrawn
	for start := 0; start < len(lines); {
		end := start
		for end < len(lines) && lines[end].part == lines[start].part {
			end++
		}
		part := lines[start:end]
		dup := c.count(part, st.periods[part[0].part])
		for i, l := range part {
			if dup[i] {
				st.DuplicateLines++
				continue
			}
			fresh = append(fresh, l)
			c.add(l)
		}
		start = end
	}
	st.NewLines = len(fresh)
	for id := range c.gone {
		if c.fresh[id] {
			continue
		}
		gone = append(gone, id)
	}
	slices.Sort(gone)
	fresh = slices.DeleteFunc(fresh, func(l *Line) bool { return c.gone[l.ID] }) // a pending line of an earlier statement of the file
	now := db.Time(tx.Now())
	st.ImportedAt, st.importedBy = now, by
	taken := map[string]bool{} // donations matched by a line of this file
	for _, l := range fresh {
		if l.Status != Queued {
			continue
		}
		matched, err := settleLine(tx, by, o, l)
		if err == nil && !matched {
			matched, err = matchLine(tx, by, o, bands, l, taken)
		}
		if err != nil {
			return nil, err
		}
		if matched {
			st.Matched++
		} else {
			st.Queued++
		}
	}
	if err := insertStatement(ctx, tx, st); err != nil {
		return nil, err
	}
	if err := deleteLines(ctx, tx, gone); err != nil {
		return nil, err
	}
	if err := insertLines(ctx, tx, fresh, by, now); err != nil {
		return nil, err
	}
	return st, nil
}

// period is the days a statement of a file covers; notification: it is a
// camt.054, which notifies single entries and so withdraws no pending
// line.
type period struct {
	from, to     string
	notification bool
}

// nearLine is a line, stored or of an earlier statement of the file, that
// a line of another day may be: the pending line a booked one replaces, or
// the booked line a pending one is.
type nearLine struct {
	stored
	date, account string
	pending       bool
}

// counting is what importLines knows of the lines stored and read so far.
type counting struct {
	before map[string][]stored    // by identity
	near   map[string][]*nearLine // by content (content)
	gone   map[string]bool        // pending lines replaced or withdrawn
	fresh  map[string]bool        // lines of this file
}

// loadNear loads the stored lines that lines of the file may be on
// another day: the pending lines within the window of its booked lines
// and in the periods of its statements, and the booked lines within the
// window of its pending lines.
func (c *counting) loadNear(ctx context.Context, tx *commit.Tx, st *Statement, lines []*Line) error {
	var pend, booked period
	widen := func(p *period, from, to string) {
		if from != "" && (p.from == "" || from < p.from) {
			p.from = from
		}
		if to != "" && to > p.to {
			p.to = to
		}
	}
	for _, l := range lines {
		from, to := addDays(l.BookingDate, -Window), addDays(l.BookingDate, Window)
		if l.Status == Pending {
			widen(&booked, from, to)
			widen(&pend, st.periods[l.part].from, st.periods[l.part].to)
		} else {
			widen(&pend, from, to)
		}
	}
	for _, p := range []struct {
		period
		pending bool
	}{{pend, true}, {booked, false}} {
		if p.from == "" {
			continue
		}
		rows, err := linesAround(ctx, tx.Reader(), p.from, p.to, p.pending)
		if err != nil {
			return err
		}
		for _, r := range rows {
			k := content(r.AccountIBAN, r.Amount, r.Direction, r.CounterpartyIBAN, r.Remittance, r.EndToEndID)
			c.near[k] = append(c.near[k], &nearLine{stored: r.stored, date: r.BookingDate, account: r.AccountIBAN, pending: p.pending})
		}
	}
	return nil
}

// add records a new line of the file for the statements after its own.
func (c *counting) add(l *Line) {
	if c.fresh == nil {
		c.fresh = map[string]bool{}
	}
	c.fresh[l.ID] = true
	r := stored{ID: l.ID, Identity: l.identity, BankReference: l.BankReference, Replaced: l.replaces}
	c.before[l.identity] = append(c.before[l.identity], r)
	if l.replaces != "" {
		c.before["replaced:"+l.replaces] = append(c.before["replaced:"+l.replaces], r)
	}
	k := l.content()
	c.near[k] = append(c.near[k], &nearLine{stored: r, date: l.BookingDate, account: l.account, pending: l.Status == Pending})
}

// count reports which lines of one statement (part, of period p) are
// lines stored or read before, and records the pending lines they
// replace or withdraw in c.gone.
func (c *counting) count(part []*Line, p period) []bool {
	dup := make([]bool, len(part))
	taken := map[string]bool{} // what this statement's lines are: equal lines in it stay two
	exact := func(identity, ref string) (stored, bool) {
		for _, r := range c.before[identity] {
			if !taken[r.ID] && !c.gone[r.ID] && agree(ref, r.BankReference) {
				taken[r.ID] = true
				return r, true
			}
		}
		return stored{}, false
	}
	nearest := func(l *Line, pending bool) (stored, bool) {
		var best *nearLine
		bestDays := Window + 1
		for _, n := range c.near[l.content()] {
			// A booked line that replaced a pending line answers for no other.
			if n.pending != pending || n.Replaced != "" || taken[n.ID] || c.gone[n.ID] || !agree(l.BankReference, n.BankReference) {
				continue
			}
			if d := daysApart(l.BookingDate, n.date); d < bestDays || d == bestDays && best != nil && n.date < best.date {
				best, bestDays = n, d
			}
		}
		if best == nil {
			return stored{}, false
		}
		taken[best.ID] = true
		return best.stored, true
	}
	replaced := make([]bool, len(part))
	for i, l := range part { // a booked line read before
		if l.Status != Pending {
			_, dup[i] = exact(l.identity, l.BankReference)
		}
	}
	for i, l := range part { // the pending line of its day
		if l.Status != Pending && !dup[i] {
			if r, ok := exact("pending:"+l.identity, l.BankReference); ok {
				c.gone[r.ID], replaced[i], l.replaces = true, true, r.Identity
			}
		}
	}
	for i, l := range part { // else the nearest of its content
		if l.Status != Pending && !dup[i] && !replaced[i] {
			if r, ok := nearest(l, true); ok {
				c.gone[r.ID], l.replaces = true, r.Identity
			}
		}
	}
	shows := false
	for i, l := range part { // a pending line shown before, or booked already
		if l.Status == Pending {
			shows = true
			_, dup[i] = exact(l.identity, l.BankReference)
			if !dup[i] {
				_, dup[i] = exact(bookedIdentity(l), l.BankReference)
			}
			if !dup[i] { // its booked line came on another day and replaced it
				_, dup[i] = exact("replaced:"+l.identity, "")
			}
		}
	}
	for i, l := range part { // its booked line came on another day, before it was shown
		if l.Status == Pending && !dup[i] {
			_, dup[i] = nearest(l, false)
		}
	}
	if shows && !p.notification { // the pending lines of its account and period that it does not show are withdrawn
		for _, ns := range c.near {
			for _, n := range ns {
				if n.pending && n.account == part[0].account && !taken[n.ID] && !c.gone[n.ID] && p.from <= n.date && n.date <= p.to {
					c.gone[n.ID] = true
				}
			}
		}
	}
	return dup
}

// agree reports whether two bank references allow two lines to be one:
// where both carry one, it must be the same.
func agree(a, b string) bool { return a == "" || b == "" || a == b }

// content is what makes a line of one day the same as a line of another:
// the identity without the booking date.
func content(account string, minor int64, direction, iban, remittance, e2e string) string {
	return strings.Join([]string{account, strconv.FormatInt(minor, 10), direction, iban, normalRemittance(remittance), strings.ToUpper(e2e)}, "\x1f")
}

func (l *Line) content() string {
	return content(l.account, l.Amount.Minor, l.Direction, l.CounterpartyIBAN, l.Remittance, l.EndToEndID)
}

// addDays returns day (YYYY-MM-DD) moved by n days.
func addDays(day string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// daysApart returns how many days lie between two days, or more than
// the window when one is no day.
func daysApart(a, b string) int {
	ta, errA := time.Parse(time.DateOnly, a)
	tb, errB := time.Parse(time.DateOnly, b)
	if errA != nil || errB != nil {
		return Window + 1
	}
	d := int(ta.Sub(tb).Hours() / 24)
	if d < 0 {
		d = -d
	}
	return d
}

// matchLine confirms the donation a booked credit pays, when its
// remittance holds the reference of a pledged donation of exactly its
// amount, or links it to one confirmed by hand with that amount (also
// when refunded since). It reports whether it matched; else the line
// stays queued.
func matchLine(tx *commit.Tx, by string, o *mail.Outbox, bands donations.Bands, l *Line, taken map[string]bool) (bool, error) {
	if l.Direction != "credit" {
		return false, nil
	}
	for _, ref := range References(l.Remittance) {
		d, err := donations.LookupReference(tx.Context(), tx.Reader(), ref)
		if errs.Is(errs.NotFound, err) {
			continue
		}
		if err != nil {
			return false, err
		}
		if taken[d.ID] || d.Arrived() != l.Amount.Minor {
			continue
		}
		if d.Status == donations.Received || d.Status == donations.Refunded {
			if linked, err := matched(tx.Context(), tx.Reader(), "donation", d.ID); err != nil || linked {
				return false, err
			}
		} else if d.Status != donations.Pledged {
			continue
		}
		entry, err := donations.Arrive(tx, d, donations.BankLine{ID: l.ID, BookingDate: l.BookingDate, Minor: l.Amount.Minor, Actor: by, Mail: o, Bands: bands}, false)
		if err != nil {
			return false, err
		}
		taken[d.ID] = true
		l.Status, l.Match, l.EntryID = Matched, &Match{Type: "donation", ID: d.ID}, entry
		return true, nil
	}
	return false, nil
}

// References returns the valid donation references in a remittance text
// (any case, with spaces or dashes anywhere, check character right), in
// the order they stand.
func References(remittance string) []string {
	t := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, remittance)
	var refs []string
	for i := strings.Index(t, "FUND"); i >= 0; {
		if end := i + 4 + 8; end <= len(t) {
			if ref, err := donations.ParseReference(t[i : i+12]); err == nil {
				refs = append(refs, ref)
			}
		}
		next := strings.Index(t[i+4:], "FUND")
		if next < 0 {
			break
		}
		i += 4 + next
	}
	return refs
}
