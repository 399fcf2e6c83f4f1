package bank

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
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
		return importLines(tx, actor.ActorID(), s.Mail, st, lines)
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
			l.identity = identity(own, l)
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
	remittance := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, l.Remittance)
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

// bookedIdentity is the identity of l once the bank books it.
func bookedIdentity(l *Line) string { return strings.TrimPrefix(l.identity, "pending:") }

// importLines stores the statement and the lines not stored before, and
// matches the new booked credits, in the write path's transaction.
func importLines(tx *commit.Tx, by string, o *mail.Outbox, st *Statement, lines []*Line) (*Statement, error) {
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
	// Each statement of the file is counted as a file of its own, after
	// the ones before it: a line two of them hold (a ZIP of one download
	// saved twice, a day's reports at 10:00 and at 14:00) is one line.
	// Within a statement, booked lines claim the stored ones first, a new
	// one also the pending line it replaces (deleted below); then a pending
	// line whose booked line is stored (a report of the day uploaded after
	// its statement) is that line, not a new one that would wait for ever.
	var fresh []*Line
	var replaced []string // the pending lines that booked lines of the file replace
	for start := 0; start < len(lines); {
		end := start
		for end < len(lines) && lines[end].part == lines[start].part {
			end++
		}
		part := lines[start:end]
		known := map[string][]stored{} // what this statement's lines may be: a copy, so that equal lines in it stay two
		for _, l := range part {
			for _, id := range []string{bookedIdentity(l), "pending:" + bookedIdentity(l)} {
				if _, ok := known[id]; !ok {
					known[id] = slices.Clone(before[id])
				}
			}
		}
		seen := make([]bool, len(part))
		for i, l := range part {
			if l.Status != Pending {
				pending := *l
				pending.identity = "pending:" + l.identity
				if _, seen[i] = claim(known, l); !seen[i] {
					if r, ok := claim(known, &pending); ok {
						replaced = append(replaced, r.ID)
					}
				}
			}
		}
		for i, l := range part {
			if l.Status == Pending {
				booked := *l
				booked.identity = bookedIdentity(l)
				_, found := claim(known, l)
				if !found {
					_, found = claim(known, &booked)
				}
				seen[i] = found
			}
		}
		for i, l := range part {
			if seen[i] {
				st.DuplicateLines++
				continue
			}
			fresh = append(fresh, l)
			before[l.identity] = append(before[l.identity], stored{ID: l.ID, Identity: l.identity, BankReference: l.BankReference})
		}
		start = end
	}
	st.NewLines = len(fresh)
	now := db.Time(tx.Now())
	st.ImportedAt, st.importedBy = now, by
	taken := map[string]bool{} // donations matched by a line of this file
	for _, l := range fresh {
		if l.Status != Queued {
			continue
		}
		matched, err := settleLine(tx, by, o, l)
		if err == nil && !matched {
			matched, err = matchLine(tx, by, o, l, taken)
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
	// Before the new lines are stored: a pending line of this file stays.
	if err := deleteLines(ctx, tx, replaced); err != nil {
		return nil, err
	}
	if err := insertLines(ctx, tx, fresh, by, now); err != nil {
		return nil, err
	}
	return st, nil
}

// claim reports whether l is a line stored before, and takes that stored
// line (and returns it) so that it answers for no other line of the file:
// two equal lines are two. Where both carry the bank's reference, it must
// agree.
func claim(before map[string][]stored, l *Line) (stored, bool) {
	rows := before[l.identity]
	for i, r := range rows {
		if l.BankReference != "" && r.BankReference != "" && r.BankReference != l.BankReference {
			continue
		}
		before[l.identity] = append(rows[:i:i], rows[i+1:]...)
		return r, true
	}
	return stored{}, false
}

// matchLine confirms the donation a booked credit pays, when its
// remittance holds the reference of a pledged donation of exactly its
// amount, or links it to one confirmed by hand with that amount (also
// when refunded since). It reports whether it matched; else the line
// stays queued.
func matchLine(tx *commit.Tx, by string, o *mail.Outbox, l *Line, taken map[string]bool) (bool, error) {
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
		entry, err := donations.Arrive(tx, d, donations.BankLine{ID: l.ID, BookingDate: l.BookingDate, Minor: l.Amount.Minor, Actor: by, Mail: o}, false)
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
