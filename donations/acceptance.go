package donations

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"fundus"
	"fundus/audit"
	"fundus/check"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
	"fundus/internal/safecsv"
	"fundus/ledger"
)

// Bands say which body accepts a donation, by the amount that arrived
// (FUNDUS_ACCEPT_ADMIN_MAX, FUNDUS_ACCEPT_COMMITTEE_MAX; § 26 KomHKVO):
// up to AdminMax the administration, on receipt; up to CommitteeMax the
// administrative committee; above, the council. Each donation on its own:
// a donor's donations are not summed. The zero Bands leave every donation
// to the administration (a fund under no such rule); the configuration
// always sets them.
type Bands struct {
	AdminMax     int64 // cents
	CommitteeMax int64 // cents
}

// BodyFor returns the body that accepts a donation of minor cents.
func (b Bands) BodyFor(minor int64) Body {
	switch {
	case b == Bands{} || minor <= b.AdminMax:
		return BodyAdministration
	case minor <= b.CommitteeMax:
		return BodyCommittee
	default:
		return BodyCouncil
	}
}

// decidingBody is the body that decides on a pending donation of minor
// cents: that of its band, and the committee for one whose band became the
// administration's after it arrived (the bands were raised), so that no
// donation waits on no list.
func (b Bands) decidingBody(minor int64) Body {
	if body := b.BodyFor(minor); body != BodyAdministration {
		return body
	}
	return BodyCommittee
}

// adminMax is the largest amount the administration accepts on receipt.
func (b Bands) adminMax() int64 {
	if b == (Bands{}) {
		return math.MaxInt64
	}
	return b.AdminMax
}

// receive records d's acceptance as its money arrives at now: in the
// first band accepted by the administration at once, else pending. It
// returns the account the money is booked to: income:donations, or
// liabilities:donations-pending until the body accepts it.
func (b Bands) receive(d *Donation, now time.Time) string {
	if b.BodyFor(d.Arrived()) == BodyAdministration {
		at := db.Time(now)
		d.Acceptance, d.AcceptingBody, d.AcceptedAt = AcceptanceAccepted, BodyAdministration, &at
	} else {
		d.Acceptance, d.AcceptingBody, d.AcceptedAt = AcceptancePending, "", nil
	}
	return b.AccountFor(d.Arrived())
}

// AccountFor returns the account a donation of minor cents is booked to
// when it arrives: income:donations in the first band, else
// liabilities:donations-pending. For pages that say what a line will book.
func (b Bands) AccountFor(minor int64) string {
	if b.BodyFor(minor) == BodyAdministration {
		return ledger.Donations
	}
	return ledger.DonationsPending
}

// incomeAccount is where d's received money stands: income:donations once
// accepted, liabilities:donations-pending while pending.
func incomeAccount(d *Donation) string {
	if d.Acceptance == AcceptancePending {
		return ledger.DonationsPending
	}
	return ledger.Donations
}

// KindAccept is the entry that moves an accepted donation's money from
// liabilities:donations-pending to income:donations.
const KindAccept = "donation-accept"

// Pending is a donation on a body's list for its next session. It names
// the donor also where they asked to be anonymous on public pages: the
// list is for the session's non-public annex.
type Pending struct {
	DonationID string       `json:"donation_id"`
	Reference  string       `json:"reference"`
	ReceivedAt time.Time    `json:"received_at"`
	Amount     fundus.Money `json:"amount"`
	DonorName  string       `json:"donor_name"`
	Purpose    string       `json:"purpose"`
	Band       Body         `json:"band"`
}

// PendingAcceptance returns the donations waiting for body (committee or
// council), the oldest first: the list for its next session. The band is
// that of the bands now configured.
// Returns Unauthenticated, Forbidden, Invalid (body).
func (s *Service) PendingAcceptance(ctx context.Context, actor fundus.Actor, body Body) ([]Pending, error) {
	const op errs.Op = "donations.PendingAcceptance"
	if err := fundus.Authorize(op, actor, fundus.ReadAcceptance); err != nil {
		return nil, err
	}
	if body != BodyCommittee && body != BodyCouncil {
		return nil, errs.FieldCode(op, "body", "oneof", "committee council", "must be committee or council")
	}
	ds, err := findPendingAcceptance(ctx, s.DB)
	if err != nil {
		return nil, errs.E(op, err)
	}
	out := []Pending{}
	for _, d := range ds {
		if s.Bands.decidingBody(d.Arrived()) != body {
			continue
		}
		out = append(out, Pending{DonationID: d.ID, Reference: d.Reference, ReceivedAt: *d.ReceivedAt,
			Amount: fundus.EURCents(d.Arrived()), DonorName: donorName(d), Purpose: s.purpose(), Band: body})
	}
	return out, nil
}

func donorName(d *Donation) string {
	if d.Donor == nil {
		return ""
	}
	return d.Donor.Name
}

// purpose is what donations are given for (FUNDUS_DONATION_PURPOSE).
func (s *Service) purpose() string {
	if s.Purpose == "" {
		return fundus.DefaultDonationPurpose
	}
	return s.Purpose
}

// MaxDecisionItems is the most donations one decision names: a session's
// list, recorded in one commit.
const MaxDecisionItems = 1000

// Decision is a session's decision on donations pending acceptance.
// Donations on the session's list in neither list were struck: they stay
// pending for a later session.
type Decision struct {
	Body        Body     `json:"body"`
	SessionDate string   `json:"session_date"`
	SessionRef  string   `json:"session_ref"`
	Accepted    []string `json:"accepted"`
	Declined    []string `json:"declined"`
}

// RecordedDecision is a decision as recorded.
type RecordedDecision struct {
	ID          string    `json:"id"`
	Body        Body      `json:"body"`
	SessionDate string    `json:"session_date"`
	SessionRef  string    `json:"session_ref"`
	Accepted    []string  `json:"accepted"`
	Declined    []string  `json:"declined"`
	DecidedBy   string    `json:"decided_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// Decide records a session's decision: each accepted donation's money
// moves from liabilities:donations-pending to income:donations and is
// available for grants; each declined one is owed back at once
// (liabilities:donations-pending / liabilities:refunds-payable) and paid
// by payment file like any refund. All in one commit: a donation not
// pending, of another band, or received after the session refuses the
// whole decision, naming it, and nothing is recorded.
// Returns Unauthenticated, Forbidden, Invalid, NotFound (a donation id
// names no donation: as Invalid, naming it).
func (s *Service) Decide(ctx context.Context, actor fundus.Actor, in Decision) (commit.Outcome[*RecordedDecision], error) {
	const op errs.Op = "donations.Decide"
	if err := fundus.Authorize(op, actor, fundus.DecideAcceptance); err != nil {
		return commit.Outcome[*RecordedDecision]{}, err
	}
	in.SessionRef = strings.TrimSpace(in.SessionRef)
	var f check.Fields
	if in.Body != BodyCommittee && in.Body != BodyCouncil {
		f.Add("body", "oneof", "committee council", "must be committee or council")
	}
	if f.Required("session_ref", in.SessionRef) {
		f.Text("session_ref", in.SessionRef, 100, false)
	}
	switch {
	case in.SessionDate == "":
		f.Add("session_date", "required", "", "is required")
	case !fundus.IsDay(in.SessionDate) || in.SessionDate < fundus.DayOf(s.fundStart()):
		f.Add("session_date", "date", "", "must be a date (2026-01-31)")
	case in.SessionDate > fundus.DayOf(time.Now()):
		f.Add("session_date", "not_future", "", "must not be in the future: record a session's decision after it")
	}
	switch n := len(in.Accepted) + len(in.Declined); {
	case n == 0:
		f.Add("accepted", "required", "", "name at least one donation accepted or declined")
	case n > MaxDecisionItems:
		f.Add("accepted", "max", strconv.Itoa(MaxDecisionItems), fmt.Sprintf("a decision names at most %d donations", MaxDecisionItems))
	}
	seen := map[string]bool{}
	for _, l := range []struct {
		name string
		ids  []string
	}{{"accepted", in.Accepted}, {"declined", in.Declined}} {
		for i, id := range l.ids {
			if seen[id] {
				f.Add(fmt.Sprintf("%s[%d]", l.name, i), "unique", "", "names a donation twice")
			}
			seen[id] = true
		}
	}
	if err := f.Err(op); err != nil {
		return commit.Outcome[*RecordedDecision]{}, err
	}
	out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*RecordedDecision, error) {
		r := &RecordedDecision{ID: db.NewID(), Body: in.Body, SessionDate: in.SessionDate, SessionRef: in.SessionRef,
			Accepted: nonNil(in.Accepted), Declined: nonNil(in.Declined), DecidedBy: actor.ActorID(), CreatedAt: db.Time(tx.Now())}
		// Every donation is checked before anything is written.
		var bad check.Fields
		var accept, decline []*Donation
		for _, l := range []struct {
			name string
			ids  []string
			into *[]*Donation
		}{{"accepted", in.Accepted, &accept}, {"declined", in.Declined, &decline}} {
			for i, id := range l.ids {
				field := fmt.Sprintf("%s[%d]", l.name, i)
				d, err := findDonation(tx.Context(), tx.Reader(), id)
				switch {
				case errs.Is(errs.NotFound, err):
					bad.Add(field, "exists", "", "names no donation")
					continue
				case err != nil:
					return nil, err
				case d.Status != Received || d.Acceptance != AcceptancePending:
					bad.Add(field, "pending", "", fmt.Sprintf("the donation %s is not pending acceptance (%s, %s)", d.Reference, d.Status, orDash(string(d.Acceptance))))
					continue
				case s.Bands.decidingBody(d.Arrived()) != in.Body:
					bad.Add(field, "band", "", fmt.Sprintf("the donation %s of %s EUR is for the %s", d.Reference, fundus.FormatMinor(d.Arrived(), fundus.EUR), s.Bands.decidingBody(d.Arrived())))
					continue
				case fundus.DayOf(*d.ReceivedAt) > in.SessionDate:
					bad.Add(field, "after_session", "", fmt.Sprintf("the donation %s arrived after the session", d.Reference))
					continue
				}
				*l.into = append(*l.into, d)
			}
		}
		if err := bad.Err(op); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(tx.Context(), `INSERT INTO acceptance_decisions (id, body, session_date, session_ref, decided_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, r.ID, r.Body, r.SessionDate, r.SessionRef, r.DecidedBy, r.CreatedAt); err != nil {
			return nil, err
		}
		session := fmt.Sprintf("%s, session of %s (%s)", r.Body, r.SessionDate, r.SessionRef)
		for _, d := range accept {
			e, err := ledger.Post(tx, ledger.NewEntry{
				Kind: KindAccept, Memo: "Donation " + d.Reference + " accepted by the " + session, Actor: r.DecidedBy,
				Ref:      &ledger.Ref{Type: "donation", ID: d.ID},
				Postings: []ledger.NewPosting{{Account: ledger.DonationsPending, Amount: d.Arrived()}, {Account: ledger.Donations, Amount: -d.Arrived()}},
			})
			if err != nil {
				return nil, err
			}
			d.Acceptance, d.AcceptingBody, d.AcceptedAt = AcceptanceAccepted, in.Body, &r.CreatedAt
			if err := s.decided(tx, r, d, e.ID); err != nil {
				return nil, err
			}
		}
		for _, d := range decline {
			e, err := ledger.Post(tx, ledger.NewEntry{
				Kind: KindRefund, Memo: "Refund of donation " + d.Reference + ", declined by the " + session, Actor: r.DecidedBy,
				Ref:      &ledger.Ref{Type: "donation", ID: d.ID},
				Postings: []ledger.NewPosting{{Account: ledger.DonationsPending, Amount: d.Arrived()}, {Account: ledger.RefundsPayable, Amount: -d.Arrived()}},
			})
			if err != nil {
				return nil, err
			}
			d.Acceptance, d.AcceptingBody = AcceptanceDeclined, in.Body
			d.Status, d.RefundedAt, d.RefundReason, d.RefundEntryID = Refunded, &r.CreatedAt, "declined by the "+session, e.ID
			d.EndToEndID, d.RefundStatus = refundEndToEndID(d.ID), RefundOwed
			if err := s.decided(tx, r, d, e.ID); err != nil {
				return nil, err
			}
		}
		return r, audit.Add(tx, r.DecidedBy, "acceptance.decide", "acceptance_decision", r.ID, map[string]any{
			"body": r.Body, "session_date": r.SessionDate, "session_ref": r.SessionRef, "accepted": r.Accepted, "declined": r.Declined,
		})
	})
	if err != nil {
		return out, errs.E(op, err)
	}
	return out, nil
}

// decided stores d's outcome of decision r and audits it.
func (s *Service) decided(tx *commit.Tx, r *RecordedDecision, d *Donation, entryID string) error {
	if err := updateDonation(tx.Context(), tx, d); err != nil {
		return err
	}
	if _, err := tx.ExecContext(tx.Context(), `INSERT INTO acceptance_items (donation_id, decision_id, outcome) VALUES ($1, $2, $3)`,
		d.ID, r.ID, string(d.Acceptance)); err != nil {
		return err
	}
	action := "donation.accept"
	if d.Acceptance == AcceptanceDeclined {
		action = "donation.decline"
	}
	return audit.Add(tx, r.DecidedBy, action, "donation", d.ID, map[string]any{
		"from": AcceptancePending, "to": d.Acceptance, "body": r.Body, "decision_id": r.ID, "ledger_entry_id": entryID,
	})
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return slices.Clone(ids)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ReportLine is a donation of the yearly report to the supervisory
// authority (§ 26 Abs. 4 KomHKVO): donor, amount, purpose, when it was
// received, who decided, the session and the outcome.
type ReportLine struct {
	DonationID  string       `json:"donation_id"`
	Reference   string       `json:"reference"`
	DonorName   string       `json:"donor_name"`
	DonorCity   string       `json:"donor_city"`
	Amount      fundus.Money `json:"amount"`
	Purpose     string       `json:"purpose"`
	ReceivedAt  time.Time    `json:"received_at"`
	Body        Body         `json:"body"`
	SessionDate string       `json:"session_date,omitempty"`
	SessionRef  string       `json:"session_ref,omitempty"`
	// Outcome: accepted, declined, pending (not decided yet), or
	// refunded (given back before any decision, or after it: Body says
	// who had accepted it).
	Outcome string `json:"outcome"`
}

// AcceptanceReport returns every donation received in year (its day in
// Europe/Berlin), the oldest first. A donation accepted on receipt names
// the administration, one received before acceptance was recorded no body.
// Returns Unauthenticated, Forbidden, Invalid (year).
func (s *Service) AcceptanceReport(ctx context.Context, actor fundus.Actor, year int) ([]ReportLine, error) {
	const op errs.Op = "donations.AcceptanceReport"
	if err := fundus.Authorize(op, actor, fundus.ReadAcceptanceReport); err != nil {
		return nil, err
	}
	if year < 1999 || year > 9999 {
		return nil, errs.FieldCode(op, "year", "range", "", "must be a year from 1999")
	}
	from, _ := fundus.DayStart(fmt.Sprintf("%04d-01-01", year))
	to := from.AddDate(1, 0, 0)
	rows, err := findReceivedIn(ctx, s.DB, from, to)
	if err != nil {
		return nil, errs.E(op, err)
	}
	out := []ReportLine{}
	for _, r := range rows {
		d := r.donation()
		l := ReportLine{DonationID: d.ID, Reference: d.Reference, DonorName: donorName(d), Amount: fundus.EURCents(d.Arrived()),
			Purpose: s.purpose(), ReceivedAt: *d.ReceivedAt, Body: d.AcceptingBody, SessionDate: r.SessionDate.String, SessionRef: r.SessionRef.String,
			Outcome: string(d.Acceptance)}
		if d.Donor != nil {
			l.DonorCity = d.Donor.City
		}
		if d.Acceptance == AcceptancePending {
			l.Body = s.Bands.decidingBody(d.Arrived())
		}
		if d.Status == Refunded && d.Acceptance != AcceptanceDeclined {
			l.Outcome = "refunded" // given back, before a decision or after it
		}
		out = append(out, l)
	}
	return out, nil
}

// WritePendingCSV writes a session's list as CSV, for the session's
// papers.
func WritePendingCSV(w io.Writer, list []Pending) error {
	cw, err := safecsv.New(w, []string{"reference", "received", "donor", "purpose", "amount", "currency", "band", "donation_id"}, "amount")
	if err != nil {
		return err
	}
	for _, p := range list {
		if err := cw.Write([]string{p.Reference, fundus.DayOf(p.ReceivedAt), p.DonorName, p.Purpose,
			fundus.FormatMinor(p.Amount.Minor, fundus.EUR), "EUR", string(p.Band), p.DonationID}); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// WriteReportCSV writes the yearly report as CSV.
func WriteReportCSV(w io.Writer, lines []ReportLine) error {
	cw, err := safecsv.New(w, []string{"reference", "received", "donor", "donor_city", "amount", "currency", "purpose", "body", "session_date", "session_ref", "outcome"}, "amount")
	if err != nil {
		return err
	}
	for _, l := range lines {
		if err := cw.Write([]string{l.Reference, fundus.DayOf(l.ReceivedAt), l.DonorName, l.DonorCity,
			fundus.FormatMinor(l.Amount.Minor, fundus.EUR), "EUR", l.Purpose, string(l.Body), l.SessionDate, l.SessionRef, l.Outcome}); err != nil {
			return err
		}
	}
	return cw.Flush()
}
