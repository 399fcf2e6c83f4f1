package figures_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"fundus"
	"fundus/auth"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
	"fundus/receipts"
)

// gift is what the test expects of a donation.
type gift struct {
	id         string
	minor      int64
	year       int
	refunded   bool
	acceptance donations.Acceptance
	complete   bool // the donor's name and full address are known
	asked      bool // the donor asked for a receipt
	receipt    string
}

// TestAcceptanceProperties runs random donations (confirmed by hand,
// matched by a bank line, transfers without a pledge) of every band,
// sessions that accept, decline and strike, refunds, grants, receipts,
// cancellations and annual runs around the turn of a year, and checks
// after each step: available money and the pending account follow only
// accepted donations; no approval spends money that is not accepted;
// every valid receipt's amount is the sum of its donations, all received
// and accepted; receipt numbers are gapless per year; the chain verifies.
func TestAcceptanceProperties(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		if e == db.Postgres {
			dbtest.FewerChecks(t, 5) // each run migrates a schema of its own
		}
		rapid.Check(t, func(rt *rapid.T) {
			d := dbtest.Open(t, e)
			defer d.Close()
			w := newWorld(t, d)
			w.dons.Bands = donations.Bands{AdminMax: 10000, CommitteeMax: 200000}
			admin := &auth.User{ID: "user-admin", Roles: []auth.Role{auth.Admin}}
			rs := &receipts.Service{DB: d, Writer: w.dons.Writer, IssuerName: "Stadt Osnabrück", IssuerAddress: "Bierstraße 28, 49074 Osnabrück",
				Place: "Osnabrück", Purpose: receipts.DefaultPurpose, Now: func() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.now }}
			ctx := context.Background()
			var gifts []*gift
			var granted int64
			donors := []*donations.Donor{
				{Name: "Ada Lovelace", Street: "Hauptstraße 1", PostalCode: "49074", City: "Osnabrück"},
				{Name: "Emmy Noether", Street: "Am Markt 2", PostalCode: "49074", City: "Osnabrück"},
				{Name: "Nur Ein Name"},
			}
			available := func() int64 {
				var sum int64
				for _, g := range gifts {
					if !g.refunded && g.acceptance == donations.AcceptanceAccepted {
						sum += g.minor
					}
				}
				return sum - granted
			}
			byID := func(id string) *gift {
				for _, g := range gifts {
					if g.id == id {
						return g
					}
				}
				rt.Fatalf("no gift %s", id)
				return nil
			}
			for step := range rapid.IntRange(1, 30).Draw(rt, "steps") {
				w.mu.Lock()
				w.now = w.now.Add(time.Duration(rapid.IntRange(0, 120).Draw(rt, "minutes")) * time.Minute)
				now := w.now
				w.mu.Unlock()
				switch op := rapid.IntRange(0, 6).Draw(rt, "op"); op {
				case 0: // a donation of some band arrives
					minor := rapid.SampledFrom([]func() int64{
						func() int64 { return rapid.Int64Range(1, 10000).Draw(rt, "small") },
						func() int64 { return rapid.Int64Range(10001, 200000).Draw(rt, "mid") },
						func() int64 { return rapid.Int64Range(200001, 400000).Draw(rt, "big") },
					}).Draw(rt, "band")()
					donor := rapid.SampledFrom(donors).Draw(rt, "donor")
					g := &gift{minor: minor, year: now.In(berlin).Year(), complete: donor.Street != ""}
					g.asked = g.complete && rapid.Bool().Draw(rt, "asked")
					text := fundus.Amount(fundus.FormatMinor(minor, fundus.EUR))
					var got *donations.Donation
					var err error
					switch how := rapid.IntRange(0, 2).Draw(rt, "how"); how {
					case 0, 1:
						p, perr := ledgertest.Value(w.dons.Pledge(ctx, donations.Pledge{Amount: text, Donor: donor, ReceiptRequested: g.asked}))
						if perr != nil {
							rt.Fatal(perr)
						}
						if how == 0 {
							got, err = ledgertest.Value(w.dons.Confirm(ctx, w.k1, p.ID, donations.Confirmation{}))
						} else {
							got, err = ledgertest.Value(commit.Do(ctx, w.dons.Writer, func(tx *commit.Tx) (*donations.Donation, error) {
								dn, err := donations.Lookup(tx.Context(), tx.Reader(), p.ID)
								if err != nil {
									return nil, err
								}
								_, err = donations.Arrive(tx, dn, donations.BankLine{ID: db.NewID(), BookingDate: fundus.DayOf(tx.Now()), Minor: minor, Actor: "bank", Bands: w.dons.Bands}, false)
								return dn, err
							}))
						}
					case 2:
						g.complete, g.asked = false, false
						got, err = ledgertest.Value(commit.Do(ctx, w.dons.Writer, func(tx *commit.Tx) (*donations.Donation, error) {
							dn, _, err := donations.BookTransfer(tx, donations.BankLine{ID: db.NewID(), BookingDate: fundus.DayOf(tx.Now()), Minor: minor, Actor: "bank", Bands: w.dons.Bands}, donor.Name, false)
							return dn, err
						}))
					}
					if err != nil {
						rt.Fatalf("arrival of %d: %v", minor, err)
					}
					g.id, g.acceptance = got.ID, got.Acceptance
					want := donations.AcceptancePending
					if minor <= 10000 {
						want = donations.AcceptanceAccepted
					}
					if got.Acceptance != want {
						rt.Fatalf("%d cents arrived %s, want %s", minor, got.Acceptance, want)
					}
					gifts = append(gifts, g)
				case 1: // a session decides
					body := rapid.SampledFrom([]donations.Body{donations.BodyCommittee, donations.BodyCouncil}).Draw(rt, "body")
					list, err := w.dons.PendingAcceptance(ctx, admin, body)
					if err != nil {
						rt.Fatal(err)
					}
					in := donations.Decision{Body: body, SessionDate: berlinDay(now), SessionRef: fmt.Sprint("S", step)}
					for _, p := range list {
						switch rapid.IntRange(0, 2).Draw(rt, "outcome") {
						case 0:
							in.Accepted = append(in.Accepted, p.DonationID)
						case 1:
							in.Declined = append(in.Declined, p.DonationID)
						} // 2: struck
					}
					if len(in.Accepted)+len(in.Declined) == 0 {
						continue
					}
					if _, err := w.dons.Decide(ctx, admin, in); err != nil {
						rt.Fatalf("decision %+v: %v", in, err)
					}
					for _, id := range in.Accepted {
						byID(id).acceptance = donations.AcceptanceAccepted
					}
					for _, id := range in.Declined {
						g := byID(id)
						g.acceptance, g.refunded = donations.AcceptanceDeclined, true
					}
				case 2: // a refund asked for
					if len(gifts) == 0 {
						continue
					}
					g := rapid.SampledFrom(gifts).Draw(rt, "refund")
					_, err := w.dons.Refund(ctx, w.k1, g.id, donations.Refund{Reason: "asked back"})
					switch {
					case g.refunded || g.receipt != "":
						if !errs.Is(errs.InvalidState, err) {
							rt.Fatalf("refund of a refunded or receipted donation: %v", err)
						}
					case g.acceptance == donations.AcceptanceAccepted && g.minor > available():
						if !errs.Is(errs.InsufficientFunds, err) {
							rt.Fatalf("refund of %d with %d available: %v", g.minor, available(), err)
						}
					case err != nil:
						rt.Fatalf("refund: %v", err)
					default:
						g.refunded = true
					}
				case 3: // a grant: approved only from accepted money
					before, amount := available(), rapid.Int64Range(1, 300000).Draw(rt, "grant")
					n := len(w.apps)
					w.approve(rt, fundus.Amount(fundus.FormatMinor(amount, fundus.EUR)))
					approved := len(w.apps) > n
					if approved != (amount <= before) {
						rt.Fatalf("a grant of %d with %d accepted and available: approved %v", amount, before, approved)
					}
					if approved {
						granted += amount
					}
				case 4: // a single receipt
					if len(gifts) == 0 {
						continue
					}
					g := rapid.SampledFrom(gifts).Draw(rt, "receipt")
					r, err := ledgertest.Value(rs.Issue(ctx, w.k1, g.id))
					ok := !g.refunded && g.acceptance == donations.AcceptanceAccepted && g.complete && g.receipt == ""
					if ok != (err == nil) {
						rt.Fatalf("receipt for %+v: %v", g, err)
					}
					if err == nil {
						if r.Amount.Minor != g.minor {
							rt.Fatalf("receipt of %s for %d cents", r.Amount, g.minor)
						}
						g.receipt = r.ID
					}
				case 5: // a receipt cancelled
					var valid []*gift
					for _, g := range gifts {
						if g.receipt != "" {
							valid = append(valid, g)
						}
					}
					if len(valid) == 0 {
						continue
					}
					id := rapid.SampledFrom(valid).Draw(rt, "cancel").receipt
					if _, err := rs.Cancel(ctx, w.k1, id, receipts.Cancellation{Reason: "wrong address"}); err != nil {
						rt.Fatal(err)
					}
					for _, g := range gifts {
						if g.receipt == id {
							g.receipt = ""
						}
					}
				case 6: // the annual run
					year := now.In(berlin).Year() - rapid.IntRange(0, 1).Draw(rt, "year back")
					res, err := ledgertest.Value(rs.RunAnnual(ctx, w.k1, receipts.Annual{Year: year}))
					if err != nil {
						rt.Fatal(err)
					}
					for _, r := range res.Created {
						for _, it := range r.Items {
							byID(it.DonationID).receipt = r.ID
						}
					}
					for _, g := range gifts {
						if g.year == year && g.asked && !g.refunded && g.acceptance == donations.AcceptanceAccepted && g.receipt == "" {
							rt.Fatalf("the annual run of %d left out %+v", year, g)
						}
					}
				}
				checkAcceptance(rt, d, w, gifts, available())
			}
		})
	})
}

// checkAcceptance checks the books against what the test expects.
func checkAcceptance(rt *rapid.T, d *db.DB, w *world, gifts []*gift, available int64) {
	ctx := context.Background()
	got, err := ledgertest.Value(commit.Do(ctx, w.l.Writer, func(tx *commit.Tx) (int64, error) { return ledger.Available(tx) }))
	if err != nil || got != available {
		rt.Fatalf("available %d (%v), want %d: accepted, not refunded, less grants", got, err, available)
	}
	var pending int64
	for _, g := range gifts {
		if !g.refunded && g.acceptance == donations.AcceptancePending {
			pending += g.minor
		}
	}
	var stored int64
	if err := d.Get(&stored, `SELECT COALESCE(-SUM(amount), 0) FROM postings WHERE account = $1`, ledger.DonationsPending); err != nil || stored != pending {
		rt.Fatalf("liabilities:donations-pending %d (%v), want %d", stored, err, pending)
	}
	// Every valid receipt is the sum of its donations, each received and
	// accepted, and the test's model agrees on which.
	var rows []struct {
		Receipt    string `db:"receipt_id"`
		Amount     int64  `db:"amount"`
		Sum        int64  `db:"sum"`
		Bad        int64  `db:"bad"`
		Donations  int64  `db:"donations"`
		Acceptance string `db:"acceptance"`
	}
	if err := d.Select(&rows, `SELECT r.id AS receipt_id, r.amount, SUM(COALESCE(dn.received_amount, dn.amount)) AS sum,
		SUM(CASE WHEN dn.status = 'received' AND dn.acceptance = 'accepted' THEN 0 ELSE 1 END) AS bad, count(*) AS donations, MIN(dn.acceptance) AS acceptance
		FROM receipts r JOIN receipt_donations rd ON rd.receipt_id = r.id JOIN donations dn ON dn.id = rd.donation_id
		WHERE r.status = 'valid' GROUP BY r.id, r.amount`); err != nil {
		rt.Fatal(err)
	}
	valid := map[string]bool{}
	for _, g := range gifts {
		if g.receipt != "" {
			valid[g.receipt] = true
		}
	}
	for _, r := range rows {
		if r.Amount != r.Sum || r.Bad != 0 {
			rt.Fatalf("receipt %s of %d cents for %d cents of donations, %d not received and accepted", r.Receipt, r.Amount, r.Sum, r.Bad)
		}
		if !valid[r.Receipt] {
			rt.Fatalf("receipt %s is valid; the test cancelled it or never issued it", r.Receipt)
		}
	}
	if len(rows) != len(valid) {
		rt.Fatalf("%d valid receipts, want %d", len(rows), len(valid))
	}
	var nums []struct {
		Year int   `db:"year"`
		Seq  int64 `db:"year_seq"`
	}
	if err := d.Select(&nums, `SELECT year, year_seq FROM receipts ORDER BY year, year_seq`); err != nil {
		rt.Fatal(err)
	}
	next := map[int]int64{}
	for _, n := range nums {
		if n.Seq != next[n.Year]+1 {
			rt.Fatalf("receipt numbers of %d: %d after %d", n.Year, n.Seq, next[n.Year])
		}
		next[n.Year] = n.Seq
	}
	if r, err := ledger.VerifyDB(ctx, d); err != nil || !r.OK {
		rt.Fatalf("verify %+v %v", r, err)
	}
}
