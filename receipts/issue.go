package receipts

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jmoiron/sqlx"

	"fundus"
	"fundus/audit"
	"fundus/check"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
	"fundus/mail"
)

// Annual asks for the annual run of a year.
type Annual struct {
	Year int `json:"year"`
}

// AnnualResult is what the annual run issued.
type AnnualResult struct {
	Created []*Receipt `json:"created"`
}

// Cancellation says why a receipt is cancelled.
type Cancellation struct {
	Reason string `json:"reason"`
}

// Issue issues a single receipt for a donation, numbered in the year of
// the day it was received (Europe/Berlin), for the amount that arrived,
// and mails it to a donor with an email address. The donation must be
// received (not refunded), accepted, and carry the donor's name and full
// address, and have no valid receipt.
// Returns Unauthenticated, Forbidden, NotFound, InvalidState (not
// received, not accepted, already receipted), Invalid (naming the missing
// donor fields: donor.name, donor.street, donor.postal_code, donor.city).
func (s *Service) Issue(ctx context.Context, actor fundus.Actor, donationID string) (commit.Outcome[*Receipt], error) {
	const op errs.Op = "receipts.Issue"
	if err := fundus.Authorize(op, actor, fundus.HandleDonations); err != nil {
		return commit.Outcome[*Receipt]{}, err
	}
	out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*Receipt, error) {
		d, err := findDonation(tx.Context(), tx.Reader(), donationID)
		if err != nil {
			return nil, err
		}
		if err := refusal(op, tx.Context(), tx.Reader(), d, s.now()); err != nil {
			return nil, err
		}
		day := fundus.DayOf(d.ReceivedAt.Time)
		r := &Receipt{
			Kind: Single, DonationID: d.ID, Donor: d.donor(), Amount: fundus.EURCents(d.arrived()), Date: day,
			Items: []Item{{DonationID: d.ID, Date: day, Amount: fundus.EURCents(d.arrived())}},
		}
		if err := s.issue(tx, actor, r, d.Email, d.Lang, yearOf(day)); err != nil {
			return nil, err
		}
		return r, nil
	})
	if err != nil {
		return out, errs.E(op, err)
	}
	return out, nil
}

// refusal says why d cannot get a single receipt now; nil if it can.
func refusal(op errs.Op, ctx context.Context, q sqlx.QueryerContext, d *donation, now time.Time) error {
	switch {
	case d.Status != "received":
		return errs.E(op, errs.InvalidState, errs.Code("receipt_not_received"), "only a received donation gets a receipt; this one is "+d.Status)
	case d.Acceptance != "accepted":
		state := d.Acceptance
		if state == "" {
			state = "not decided"
		}
		return errs.E(op, errs.InvalidState, errs.Code("receipt_not_accepted"), "only an accepted donation gets a receipt; this one's acceptance is "+state)
	case !d.ReceivedAt.Valid || fundus.DayOf(d.ReceivedAt.Time) > fundus.DayOf(now):
		return errs.E(op, errs.InvalidState, errs.Code("receipt_future"), "the donation's day of arrival lies in the future")
	}
	var f check.Fields
	for _, field := range []struct{ name, v string }{{"donor.name", d.Name}, {"donor.street", d.Street}, {"donor.postal_code", d.PostalCode}, {"donor.city", d.City}} {
		if strings.TrimSpace(field.v) == "" {
			f.Add(field.name, "required_for_receipt", "", "is required for a donation receipt")
		}
	}
	if err := f.Err(op); err != nil {
		return err
	}
	n, err := validReceiptOf(ctx, q, d.ID)
	if err != nil {
		return err
	}
	if n != "" {
		return errs.E(op, errs.InvalidState, errs.Code("receipt_exists"), "the donation already has the valid receipt "+n+"; cancel it first")
	}
	return nil
}

// Refusal says why the donation cannot get a single receipt now (the error
// Issue would return), or nil: for the treasurer's donation page.
// Returns Unauthenticated, Forbidden, NotFound as errors of its own.
func (s *Service) Refusal(ctx context.Context, actor fundus.Actor, donationID string) (refused error, err error) {
	const op errs.Op = "receipts.Refusal"
	if err := fundus.Authorize(op, actor, fundus.ReadDonations); err != nil {
		return nil, err
	}
	tx, err := db.ReadTx(ctx, s.DB)
	if err != nil {
		return nil, errs.E(op, err)
	}
	defer tx.Rollback()
	d, err := findDonation(ctx, tx, donationID)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return refusal(op, ctx, tx, d, s.now()), nil
}

func yearOf(day string) int {
	t, _ := time.Parse(time.DateOnly, day)
	return t.Year()
}

// issue numbers r in year, renders and stores it with its PDF, audits it
// and mails it to email (if any) in lang: in tx, the receipt's
// transaction, so the number is given only with the receipt.
func (s *Service) issue(tx *commit.Tx, actor fundus.Actor, r *Receipt, email, lang string, year int) error {
	seq, err := nextNumber(tx.Context(), tx, year)
	if err != nil {
		return err
	}
	r.ID, r.Number, r.Year, r.Status = db.NewID(), number(year, seq), year, Valid
	r.IssuedAt, r.IssuedBy, r.Lang = db.Time(tx.Now()), actor.ActorID(), mail.Lang(lang)
	body, sum, err := s.render(r, false)
	if err != nil {
		return errs.E(errs.Internal, err)
	}
	r.PDFSHA256 = sum
	if err := insertReceipt(tx.Context(), tx, r, seq, body); err != nil {
		if db.IsUniqueViolation(err) {
			return errs.E(errs.InvalidState, errs.Code("receipt_exists"), "a donation of this receipt already has a valid receipt")
		}
		return err
	}
	if email != "" && s.Mail != nil {
		if err := s.Mail.Queue(tx, mail.Message{
			To: email, Name: r.Donor.Name, Lang: r.Lang, Kind: mail.DonationReceipt,
			Data:        map[string]any{"Number": r.Number, "Amount": r.Amount, "Collective": r.Kind == Collective, "Year": r.Year},
			Attachments: []mail.Attachment{{Name: "Zuwendungsbestaetigung-" + r.Number + ".pdf", ContentType: "application/pdf", Data: body}},
		}); err != nil {
			return err
		}
	}
	donations := make([]string, len(r.Items))
	for i, it := range r.Items {
		donations[i] = it.DonationID
	}
	return audit.Add(tx, actor.ActorID(), "receipt.issue", "receipt", r.ID, map[string]any{
		"number": r.Number, "kind": r.Kind, "amount": r.Amount, "donations": donations, "pdf_sha256": r.PDFSHA256, "mailed": email != "" && s.Mail != nil,
	})
}

// RunAnnual issues, for a year, a receipt to each donor who asked for one
// and has received, accepted donations that year without a valid receipt:
// a collective receipt listing them when there are several, a single
// receipt when there is one (the donor asked, and the run is when the
// treasurer issues what was asked for). A donor is recognised by name,
// street, postal code and city, each compared without case, with runs of
// spaces as one and without spaces in the postal code; the receipt carries
// the address and mail language of the donor's latest donation and is
// mailed to its email address. Donations without a full name and address
// are left out (the treasurer's donation page says why). The period of a
// collective receipt is the year, up to today for the current year. All
// receipts are issued in one transaction, or none.
// Returns Unauthenticated, Forbidden, Invalid (year: missing, before
// 2000 or after this year).
func (s *Service) RunAnnual(ctx context.Context, actor fundus.Actor, in Annual) (commit.Outcome[*AnnualResult], error) {
	const op errs.Op = "receipts.RunAnnual"
	if err := fundus.Authorize(op, actor, fundus.HandleDonations); err != nil {
		return commit.Outcome[*AnnualResult]{}, err
	}
	now := s.now()
	today := fundus.DayOf(now)
	thisYear := yearOf(today)
	switch {
	case in.Year == 0:
		return commit.Outcome[*AnnualResult]{}, errs.FieldCode(op, "year", "required", "", "is required")
	case in.Year < 2000 || in.Year > thisYear:
		return commit.Outcome[*AnnualResult]{}, errs.FieldCode(op, "year", "receipt_year", "", "must be a year from 2000 to this year")
	}
	from, _ := fundus.DayStart(time.Date(in.Year, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
	lastDay := time.Date(in.Year, 12, 31, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	if lastDay > today {
		lastDay = today
	}
	to, _ := fundus.DayStart(lastDay)
	to = to.AddDate(0, 0, 1)
	out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*AnnualResult, error) {
		ds, err := annualCandidates(tx.Context(), tx.Reader(), from, to)
		if err != nil {
			return nil, err
		}
		var order []string
		groups := map[string][]*donation{}
		for _, d := range ds {
			if d.Name == "" || d.Street == "" || d.PostalCode == "" || d.City == "" {
				continue
			}
			k := donorKey(d)
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], d)
		}
		res := &AnnualResult{Created: []*Receipt{}}
		for _, k := range order {
			g := groups[k]
			last := g[len(g)-1]
			r := &Receipt{Kind: Collective, Donor: last.donor(), PeriodFrom: fundus.DayOf(from), PeriodTo: lastDay}
			var total int64
			for _, d := range g {
				day := fundus.DayOf(d.ReceivedAt.Time)
				r.Items = append(r.Items, Item{DonationID: d.ID, Date: day, Amount: fundus.EURCents(d.arrived())})
				total += d.arrived()
			}
			r.Amount = fundus.EURCents(total)
			if len(g) == 1 {
				r.Kind, r.DonationID, r.Date, r.PeriodFrom, r.PeriodTo = Single, g[0].ID, r.Items[0].Date, "", ""
			}
			if err := s.issue(tx, actor, r, last.Email, last.Lang, in.Year); err != nil {
				return nil, err
			}
			res.Created = append(res.Created, r)
		}
		numbers := make([]string, len(res.Created))
		for i, r := range res.Created {
			numbers[i] = r.Number
		}
		return res, audit.Add(tx, actor.ActorID(), "receipt.annual", "receipts", strconv.Itoa(in.Year), map[string]any{"year": in.Year, "created": numbers})
	})
	if err != nil {
		return out, errs.E(op, err)
	}
	return out, nil
}

// donorKey recognises a donor: name, street, postal code and city without
// case, runs of spaces as one, the postal code without spaces.
func donorKey(d *donation) string {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	pc := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, d.PostalCode)
	return norm(d.Name) + "\x00" + norm(d.Street) + "\x00" + pc + "\x00" + norm(d.City)
}

// Cancel cancels a valid receipt: it stays, with its number and PDF,
// marked cancelled (a copy stamped so is what its download gives), and
// its donations may get a new receipt with a new number. The donor gets
// no mail: the treasurer tells them with the new receipt or in person.
// Returns Unauthenticated, Forbidden, Invalid (reason), NotFound,
// InvalidState (already cancelled).
func (s *Service) Cancel(ctx context.Context, actor fundus.Actor, id string, in Cancellation) (commit.Outcome[*Receipt], error) {
	const op errs.Op = "receipts.Cancel"
	if err := fundus.Authorize(op, actor, fundus.HandleDonations); err != nil {
		return commit.Outcome[*Receipt]{}, err
	}
	reason := strings.TrimSpace(in.Reason)
	var f check.Fields
	if f.Required("reason", reason) {
		f.Text("reason", reason, 400, false)
	}
	if err := f.Err(op); err != nil {
		return commit.Outcome[*Receipt]{}, err
	}
	out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*Receipt, error) {
		r, err := findReceipt(tx.Context(), tx.Reader(), id)
		if err != nil {
			return nil, err
		}
		if r.Status != Valid {
			return nil, errs.E(op, errs.InvalidState, errs.Code("receipt_cancelled"), "only a valid receipt can be cancelled; "+r.Number+" is "+string(r.Status))
		}
		var stamped []byte
		if !r.Erased {
			if stamped, _, err = s.render(r, true); err != nil {
				return nil, errs.E(errs.Internal, err)
			}
		}
		at := db.Time(tx.Now())
		r.Status, r.CancelledAt, r.CancelledBy, r.CancelReason = Cancelled, &at, actor.ActorID(), reason
		if err := cancelReceipt(tx.Context(), tx, r, stamped); err != nil {
			return nil, err
		}
		return r, audit.Add(tx, actor.ActorID(), "receipt.cancel", "receipt", r.ID, map[string]any{
			"number": r.Number, "from": Valid, "to": Cancelled, "reason": reason,
		})
	})
	if err != nil {
		return out, errs.E(op, err)
	}
	return out, nil
}

// Find returns a receipt. Returns Unauthenticated, Forbidden, NotFound.
func (s *Service) Find(ctx context.Context, actor fundus.Actor, id string) (*Receipt, error) {
	const op errs.Op = "receipts.Find"
	if err := fundus.Authorize(op, actor, fundus.ReadDonations); err != nil {
		return nil, err
	}
	r, err := findReceipt(ctx, s.DB, id)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return r, nil
}

// List returns the receipts f selects, the latest number first.
// Returns Unauthenticated, Forbidden, Invalid (status, year).
func (s *Service) List(ctx context.Context, actor fundus.Actor, f Filter) ([]*Receipt, error) {
	const op errs.Op = "receipts.List"
	if err := fundus.Authorize(op, actor, fundus.ReadDonations); err != nil {
		return nil, err
	}
	var invalid check.Fields
	if f.Status != "" && f.Status != Valid && f.Status != Cancelled {
		invalid.Add("status", "oneof", "valid cancelled", "must be valid or cancelled")
	}
	if f.Year != 0 && (f.Year < 2000 || f.Year > 2100) {
		invalid.Add("year", "year", "", "must be a year from 2000 to 2100")
	}
	if err := invalid.Err(op); err != nil {
		return nil, err
	}
	rs, err := findReceipts(ctx, s.DB, f)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return rs, nil
}

// PDF returns a receipt's number and PDF: as issued, or the copy stamped
// cancelled once cancelled. Returns Unauthenticated, Forbidden, NotFound,
// InvalidState once erased (EraseDue).
func (s *Service) PDF(ctx context.Context, actor fundus.Actor, id string) (string, []byte, error) {
	const op errs.Op = "receipts.PDF"
	if err := fundus.Authorize(op, actor, fundus.ReadDonations); err != nil {
		return "", nil, err
	}
	n, body, err := receiptPDF(ctx, s.DB, id)
	if err != nil {
		return "", nil, errs.E(op, err)
	}
	if body == nil {
		return "", nil, errs.E(op, errs.InvalidState, "the receipt's PDF was erased at the end of its retention period")
	}
	return n, body, nil
}
