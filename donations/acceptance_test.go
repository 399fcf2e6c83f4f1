package donations_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fundus"
	"fundus/auth"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

var admin = &auth.User{ID: "user-admin", Roles: []auth.Role{auth.Admin}}

// bandService is a service with the bands of § 26 KomHKVO: 100 EUR for
// the administration, 2,000 EUR for the committee.
func bandService(t testing.TB, d *db.DB) (*donations.Service, *ledger.Service) {
	s, l := mustService(t, d)
	s.Bands = donations.Bands{AdminMax: 10000, CommitteeMax: 200000}
	return s, l
}

func confirmed(t *testing.T, s *donations.Service, amount string) *donations.Donation {
	t.Helper()
	p := mustPledge(t, s, amount)
	got, err := ledgertest.Value(s.Confirm(context.Background(), treasurer, p.ID, donations.Confirmation{}))
	if err != nil {
		t.Fatalf("confirm %s: %v", amount, err)
	}
	return got
}

func TestBands(t *testing.T) {
	b := donations.Bands{AdminMax: 10000, CommitteeMax: 200000}
	for _, c := range []struct {
		minor int64
		want  donations.Body
	}{{1, donations.BodyAdministration}, {10000, donations.BodyAdministration}, {10001, donations.BodyCommittee},
		{200000, donations.BodyCommittee}, {200001, donations.BodyCouncil}} {
		if got := b.BodyFor(c.minor); got != c.want {
			t.Errorf("%d cents: %s, want %s", c.minor, got, c.want)
		}
	}
	if got := (donations.Bands{AdminMax: 10000, CommitteeMax: 10000}).BodyFor(10001); got != donations.BodyCouncil {
		t.Errorf("equal bands: %s, want council", got)
	}
	if got := (donations.Bands{}).BodyFor(1 << 40); got != donations.BodyAdministration {
		t.Errorf("no bands: %s", got)
	}
}

// TestAcceptance walks donations of each band from receipt to the
// session's decision: the money waits apart, is not available, and each
// refusal changes nothing.
func TestAcceptance(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, l := bandService(t, d)
		small := confirmed(t, s, "100.00")
		if small.Acceptance != donations.AcceptanceAccepted || small.AcceptingBody != donations.BodyAdministration || small.AcceptedAt == nil {
			t.Fatalf("100.00: %+v", small)
		}
		mid := confirmed(t, s, "100.01")
		mid2 := confirmed(t, s, "2000.00")
		big := confirmed(t, s, "2500.00")
		for _, dn := range []*donations.Donation{mid, mid2, big} {
			if dn.Acceptance != donations.AcceptancePending || dn.AcceptingBody != "" || dn.AcceptedAt != nil {
				t.Fatalf("%s: %+v", dn.Amount, dn)
			}
		}
		if got := balance(t, l, ledger.DonationsPending); got != -(10001 + 200000 + 250000) {
			t.Fatalf("pending %d", got)
		}
		if got := balance(t, l, ledger.Donations); got != -10000 {
			t.Fatalf("income %d", got)
		}
		available := func() int64 {
			t.Helper()
			v, err := ledgertest.Value(commit.Do(ctx, s.Writer, func(tx *commit.Tx) (int64, error) { return ledger.Available(tx) }))
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if a := available(); a != 10000 {
			t.Fatalf("available %d, want only the accepted 100.00", a)
		}
		if tot, err := donations.ReceivedTotals(ctx, d); err != nil || tot.ReceivedCount != 1 {
			t.Fatalf("public count %+v %v, want the accepted one", tot, err)
		}

		committee, err := s.PendingAcceptance(ctx, admin, donations.BodyCommittee)
		if err != nil || len(committee) != 2 || committee[0].DonationID != mid.ID || committee[1].DonationID != mid2.ID || committee[0].Band != donations.BodyCommittee {
			t.Fatalf("committee list %+v %v", committee, err)
		}
		council, err := s.PendingAcceptance(ctx, treasurer, donations.BodyCouncil)
		if err != nil || len(council) != 1 || council[0].Amount.String() != "2500.00" || council[0].Purpose == "" {
			t.Fatalf("council list %+v %v", council, err)
		}
		if _, err := s.PendingAcceptance(ctx, auditor, donations.BodyCouncil); !errs.Is(errs.Forbidden, err) {
			t.Fatalf("auditor reads the list: %v", err)
		}
		if _, err := s.PendingAcceptance(ctx, admin, "administration"); !errs.Match(errs.E(errs.Invalid, errs.FieldError{Field: "body"}), err) {
			t.Fatalf("list of the administration: %v", err)
		}
		var csv strings.Builder
		if err := donations.WritePendingCSV(&csv, council); err != nil || !strings.Contains(csv.String(), ",2500.00,EUR,council,"+big.ID) {
			t.Fatalf("csv %q %v", csv.String(), err)
		}

		today := fundus.DayOf(db.Now())
		refused := []struct {
			name  string
			who   *auth.User
			in    donations.Decision
			field string
			kind  errs.Kind
		}{
			{"treasurer", treasurer, donations.Decision{Body: donations.BodyCouncil, SessionDate: today, SessionRef: "R/1", Accepted: []string{big.ID}}, "", errs.Forbidden},
			{"other band", admin, donations.Decision{Body: donations.BodyCommittee, SessionDate: today, SessionRef: "VA/1", Accepted: []string{mid.ID, big.ID}}, "accepted[1]", errs.Invalid},
			{"not pending", admin, donations.Decision{Body: donations.BodyCommittee, SessionDate: today, SessionRef: "VA/1", Declined: []string{small.ID}}, "declined[0]", errs.Invalid},
			{"no such donation", admin, donations.Decision{Body: donations.BodyCouncil, SessionDate: today, SessionRef: "R/1", Accepted: []string{"nope"}}, "accepted[0]", errs.Invalid},
			{"twice", admin, donations.Decision{Body: donations.BodyCouncil, SessionDate: today, SessionRef: "R/1", Accepted: []string{big.ID}, Declined: []string{big.ID}}, "declined[0]", errs.Invalid},
			{"future session", admin, donations.Decision{Body: donations.BodyCouncil, SessionDate: "2999-01-01", SessionRef: "R/1", Accepted: []string{big.ID}}, "session_date", errs.Invalid},
			{"session before the money", admin, donations.Decision{Body: donations.BodyCouncil, SessionDate: "2020-01-01", SessionRef: "R/1", Accepted: []string{big.ID}}, "accepted[0]", errs.Invalid},
			{"no reference", admin, donations.Decision{Body: donations.BodyCouncil, SessionDate: today, Accepted: []string{big.ID}}, "session_ref", errs.Invalid},
			{"no body", admin, donations.Decision{SessionDate: today, SessionRef: "x", Accepted: []string{big.ID}}, "body", errs.Invalid},
			{"too many", admin, donations.Decision{Body: donations.BodyCouncil, SessionDate: today, SessionRef: "x", Accepted: slices.Repeat([]string{big.ID}, donations.MaxDecisionItems+1)}, "accepted", errs.Invalid},
			{"nothing", admin, donations.Decision{Body: donations.BodyCouncil, SessionDate: today, SessionRef: "x"}, "accepted", errs.Invalid},
		}
		for _, c := range refused {
			_, err := s.Decide(ctx, c.who, c.in)
			want := errs.E(c.kind)
			if c.field != "" {
				want = errs.E(c.kind, errs.FieldError{Field: c.field})
			}
			if !errs.Match(want, err) {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		var n int
		if err := d.Get(&n, `SELECT count(*) FROM acceptance_decisions`); err != nil || n != 0 {
			t.Fatalf("%d decisions after refusals (%v)", n, err)
		}
		if got := balance(t, l, ledger.DonationsPending); got != -(10001 + 200000 + 250000) {
			t.Fatalf("pending after refusals %d", got)
		}

		// The committee accepts one, declines none, strikes the other.
		rec, err := ledgertest.Value(s.Decide(ctx, admin, donations.Decision{Body: donations.BodyCommittee, SessionDate: today, SessionRef: "VA/2026/11", Accepted: []string{mid2.ID}}))
		if err != nil || rec.Body != donations.BodyCommittee || len(rec.Accepted) != 1 || len(rec.Declined) != 0 {
			t.Fatalf("committee: %+v %v", rec, err)
		}
		if a := available(); a != 10000+200000 {
			t.Fatalf("available after acceptance %d", a)
		}
		if got, _ := s.Find(ctx, treasurer, mid2.ID); got.Acceptance != donations.AcceptanceAccepted || got.AcceptingBody != donations.BodyCommittee {
			t.Fatalf("accepted: %+v", got)
		}
		if got, _ := s.Find(ctx, treasurer, mid.ID); got.Acceptance != donations.AcceptancePending {
			t.Fatalf("struck: %+v", got)
		}
		if _, err := s.Decide(ctx, admin, donations.Decision{Body: donations.BodyCommittee, SessionDate: today, SessionRef: "VA/3", Declined: []string{mid2.ID}}); !errs.Match(errs.E(errs.Invalid, errs.FieldError{Field: "declined[0]"}), err) {
			t.Fatalf("deciding twice: %v", err)
		}

		// The council declines: the money is owed back at once.
		if _, err := ledgertest.Value(s.Decide(ctx, admin, donations.Decision{Body: donations.BodyCouncil, SessionDate: today, SessionRef: "Rat 12/2026", Declined: []string{big.ID}})); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Find(ctx, treasurer, big.ID)
		if got.Status != donations.Refunded || got.RefundStatus != donations.RefundOwed || got.Acceptance != donations.AcceptanceDeclined || got.AcceptingBody != donations.BodyCouncil {
			t.Fatalf("declined: %+v", got)
		}
		due, err := donations.RefundsDue(ctx, d)
		if err != nil || len(due) != 1 || due[0].ID != big.ID {
			t.Fatalf("refunds due %v %v", due, err)
		}
		if got := balance(t, l, ledger.RefundsPayable); got != -250000 {
			t.Fatalf("refunds payable %d", got)
		}
		if a := available(); a != 10000+200000 {
			t.Fatalf("available after the decline %d", a)
		}
		if tot, err := donations.ReceivedTotals(ctx, d); err != nil || tot.ReceivedCount != 2 {
			t.Fatalf("public count %+v %v", tot, err)
		}

		// A pending donation refunded before any session leaves the list.
		if _, err := s.Refund(ctx, treasurer, mid.ID, donations.Refund{Reason: "the donor asked"}); err != nil {
			t.Fatal(err)
		}
		if got := balance(t, l, ledger.DonationsPending); got != 0 {
			t.Fatalf("pending at the end %d", got)
		}

		// Bands raised after a donation arrived: it stays pending and goes
		// to the committee, not to no list at all.
		late := confirmed(t, s, "150.00")
		s.Bands = donations.Bands{AdminMax: 20000, CommitteeMax: 200000}
		if list, _ := s.PendingAcceptance(ctx, admin, donations.BodyCommittee); len(list) != 1 || list[0].DonationID != late.ID {
			t.Fatalf("committee list after raising the bands: %+v", list)
		}
		if _, err := ledgertest.Value(s.Decide(ctx, admin, donations.Decision{Body: donations.BodyCommittee, SessionDate: today, SessionRef: "VA/4", Accepted: []string{late.ID}})); err != nil {
			t.Fatalf("accepting after raising the bands: %v", err)
		}
		s.Bands = donations.Bands{AdminMax: 10000, CommitteeMax: 200000}
		if list, _ := s.PendingAcceptance(ctx, admin, donations.BodyCommittee); len(list) != 0 {
			t.Fatalf("committee list after the refund: %+v", list)
		}

		report, err := s.AcceptanceReport(ctx, auditor, db.Now().In(fundus.Berlin).Year())
		if err != nil || len(report) != 5 {
			t.Fatalf("report %+v %v", report, err)
		}
		outcomes := map[string]string{}
		for _, r := range report {
			outcomes[r.DonationID] = string(r.Body) + "/" + r.Outcome + "/" + r.SessionRef
		}
		for id, want := range map[string]string{small.ID: "administration/accepted/", mid.ID: "committee/refunded/",
			mid2.ID: "committee/accepted/VA/2026/11", big.ID: "council/declined/Rat 12/2026"} {
			if outcomes[id] != want {
				t.Errorf("report line %s = %q, want %q", id, outcomes[id], want)
			}
		}
		if _, err := s.AcceptanceReport(ctx, treasurer, 2026); !errs.Is(errs.Forbidden, err) {
			t.Fatalf("treasurer reads the report: %v", err)
		}
		var audits int
		if err := d.Get(&audits, `SELECT count(*) FROM audit_log WHERE action IN ('acceptance.decide', 'donation.accept', 'donation.decline')`); err != nil || audits != 6 {
			t.Fatalf("%d audit records (%v), want 3 decisions and 3 outcomes", audits, err)
		}
		if r, err := ledger.VerifyDB(ctx, d); err != nil || !r.OK {
			t.Fatalf("verify %+v %v", r, err)
		}
	})
}

// TestBandOfWhatArrived: a bank line of another amount assigned to a
// pledge, and a transfer without a pledge, take the band of the amount
// that arrived.
func TestBandOfWhatArrived(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, l := bandService(t, d)
		p := mustPledge(t, s, "50.00")
		got, err := ledgertest.Value(commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*donations.Donation, error) {
			dn, err := donations.Lookup(tx.Context(), tx.Reader(), p.ID)
			if err != nil {
				return nil, err
			}
			_, err = donations.Arrive(tx, dn, donations.BankLine{ID: db.NewID(), BookingDate: fundus.DayOf(tx.Now()), Minor: 15000, Actor: "bank", Bands: s.Bands}, true)
			return dn, err
		}))
		if err != nil || got.Acceptance != donations.AcceptancePending || s.Bands.BodyFor(got.Arrived()) != donations.BodyCommittee {
			t.Fatalf("a 50.00 pledge that brought 150.00: %+v %v", got, err)
		}
		transfer, err := ledgertest.Value(commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*donations.Donation, error) {
			dn, _, err := donations.BookTransfer(tx, donations.BankLine{ID: db.NewID(), BookingDate: fundus.DayOf(tx.Now()), Minor: 250000, Actor: "bank", Bands: s.Bands}, "Erika Mustermann", false)
			return dn, err
		}))
		if err != nil || transfer.Acceptance != donations.AcceptancePending {
			t.Fatalf("a transfer of 2500.00: %+v %v", transfer, err)
		}
		small, err := ledgertest.Value(commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*donations.Donation, error) {
			dn, _, err := donations.BookTransfer(tx, donations.BankLine{ID: db.NewID(), BookingDate: fundus.DayOf(tx.Now()), Minor: 2000, Actor: "bank", Bands: s.Bands}, "", true)
			return dn, err
		}))
		if err != nil || small.Acceptance != donations.AcceptanceAccepted || small.AcceptingBody != donations.BodyAdministration {
			t.Fatalf("a transfer of 20.00: %+v %v", small, err)
		}
		if got := balance(t, l, ledger.DonationsPending); got != -(15000 + 250000) {
			t.Fatalf("pending %d", got)
		}
		if got := balance(t, l, ledger.Bank); got != 15000+250000+2000 {
			t.Fatalf("bank %d", got)
		}
		list, err := s.PendingAcceptance(ctx, admin, donations.BodyCouncil)
		if err != nil || len(list) != 1 || list[0].DonorName != "Erika Mustermann" || list[0].Amount.Minor != 250000 {
			t.Fatalf("council list %+v %v", list, err)
		}
		if tot, err := donations.ReceivedTotals(ctx, d); err != nil || tot.ReceivedCount != 1 || tot.Received != 2000 {
			t.Fatalf("public totals %+v %v", tot, err)
		}
	})
}
