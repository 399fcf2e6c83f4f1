// Package figures computes every figure Fundus publishes (the fund page,
// GET /api/v1/fund and its projects, the annual report) in one place, from
// the ledger's postings, so that no two places can say different things,
// and composes the documents that publish them: the fund's Summary and the
// annual Report (JSON and CSV).
//
// What the figures mean:
//
//   - received: the donations the fund has, net of refunds: the credit
//     balance of income:donations.
//   - granted (the fund's grants_awarded, a project's approved_amount, the
//     report's approved and grants_approved): what the fund has spent on
//     grants, the balance of expenses:grants. An approval adds the approved
//     amount; closing a grant takes off the commitment it released (the
//     part never paid) and the money the group returned.
//   - paid: the money that went to the projects, net of what they returned:
//     granted less what is still owed on liabilities:grants-payable.
//   - available: assets:bank + assets:clearing - liabilities:grants-payable
//   - liabilities:refunds-payable - liabilities:donations-pending (received
//     donations the body the law names has not accepted yet).
//
// A project's figures are the same sums over the entries that belong to
// it (its approval and closing, its instalments). A year's figures are the
// same sums over the entries of that year; the years add up to the fund's
// figures.
package figures

import (
	"context"
	"fmt"

	"fundus"
	"fundus/db"
	"fundus/donations"
	"fundus/errs"
	"fundus/ledger"
)

// Currency is the currency of every figure.
const Currency = "EUR"

// Fund is what the fund page and GET /api/v1/fund show.
type Fund struct {
	Received fundus.Money
	// Pending is received money waiting for acceptance by the body the
	// law names: not the fund's yet, not available (donations.Bands).
	Pending        fundus.Money
	DonationsCount int64 // donations received and not refunded
	Granted        fundus.Money
	Paid           fundus.Money
	Available      fundus.Money
	Projects       []Project        // newest decision first
	Head           ledger.ChainHead // the newest entry these figures include
}

// Summary is the fund's figures as published (GET /api/v1/fund), without
// the projects.
type Summary struct {
	Name              string       `json:"name"`
	Currency          string       `json:"currency"`
	DonationsReceived fundus.Money `json:"donations_received"`
	GrantsAwarded     fundus.Money `json:"grants_awarded"`
	GrantsPaid        fundus.Money `json:"grants_paid"`
	Available         fundus.Money `json:"available"`
	DonationsPending  fundus.Money `json:"donations_pending"`
	DonationsCount    int64        `json:"donations_count"`
	ProjectsFunded    int64        `json:"projects_funded"`
	// ChainHead is the newest entry the ledger figures include, read with
	// them in one snapshot.
	ChainHead ledger.ChainHead `json:"chain_head"`
}

// Summary returns f as published by the fund named name.
func (f *Fund) Summary(name string) Summary {
	return Summary{Name: name, Currency: Currency, DonationsReceived: f.Received, GrantsAwarded: f.Granted,
		GrantsPaid: f.Paid, Available: f.Available, DonationsPending: f.Pending, DonationsCount: f.DonationsCount, ProjectsFunded: int64(len(f.Projects)),
		ChainHead: f.Head}
}

// Project is a funded project as the public sees it.
type Project struct {
	Title          string       `json:"title"`
	Organisation   string       `json:"organisation"`
	ApprovedAmount fundus.Money `json:"approved_amount"` // granted, as the package documentation says
	Status         string       `json:"status"`
}

// Year is the annual report's figures.
type Year struct {
	DonationsCount     int64        // donations received in the year less those refunded in it
	DonationsSum       fundus.Money // received in the year, net of refunds in it
	Projects           []YearLine   // in order of application
	GrantsApproved     fundus.Money // granted in the year, all grant entries
	GrantsPaid         fundus.Money // paid in the year, all grant entries
	AvailableAtYearEnd fundus.Money
	Head               ledger.ChainHead // the newest entry when the figures were read (Seq 0: none)
}

// YearLine is one project in a year's report.
type YearLine struct {
	Title        string       `json:"title"`
	Organisation string       `json:"organisation"`
	Approved     fundus.Money `json:"approved"`
	Paid         fundus.Money `json:"paid"`
}

// OfFund returns the fund's figures, read in one snapshot.
func OfFund(ctx context.Context, d *db.DB) (*Fund, error) {
	const op errs.Op = "figures.OfFund"
	tx, err := db.ReadTx(ctx, d)
	if err != nil {
		return nil, errs.E(op, err)
	}
	defer tx.Rollback()
	b, err := ledger.StoredBalances(ctx, tx)
	if err != nil {
		return nil, errs.E(op, err)
	}
	head, err := ledger.ReadChainHead(ctx, tx)
	if err != nil {
		return nil, errs.E(op, err)
	}
	f := &Fund{
		Head:      head,
		Received:  fundus.EURCents(-b[ledger.Donations]),
		Pending:   fundus.EURCents(-b[ledger.DonationsPending]),
		Granted:   fundus.EURCents(granted(b)),
		Paid:      fundus.EURCents(paid(b)),
		Available: fundus.EURCents(available(b)),
		Projects:  []Project{},
	}
	tot, err := donations.ReceivedTotals(ctx, tx)
	if err != nil {
		return nil, errs.E(op, err)
	}
	f.DonationsCount = tot.ReceivedCount
	ps, err := projectSums(ctx, tx, span{}, `a.decided_at DESC, a.seq DESC`)
	if err != nil {
		return nil, errs.E(op, err)
	}
	for _, p := range ps {
		f.Projects = append(f.Projects, Project{Title: p.title, Organisation: p.organisation,
			ApprovedAmount: fundus.EURCents(granted(p.sums)), Status: p.status})
	}
	return f, nil
}

// OfYear returns the figures of a year, from the entries dated in it (days
// in Europe/Berlin, as the ledger's export goes by them), read in one
// snapshot.
func OfYear(ctx context.Context, d *db.DB, year int) (*Year, error) {
	const op errs.Op = "figures.OfYear"
	tx, err := db.ReadTx(ctx, d)
	if err != nil {
		return nil, errs.E(op, err)
	}
	defer tx.Rollback()
	head, err := ledger.ReadChainHead(ctx, tx)
	if err != nil {
		return nil, errs.E(op, err)
	}
	in := yearSpan(year)
	b, err := postingSums(ctx, tx, in)
	if err != nil {
		return nil, errs.E(op, err)
	}
	y := &Year{
		Head:           head,
		DonationsSum:   fundus.EURCents(-b[ledger.Donations]),
		GrantsApproved: fundus.EURCents(granted(b)),
		GrantsPaid:     fundus.EURCents(paid(b)),
		Projects:       []YearLine{},
	}
	if y.DonationsCount, err = donationsCount(ctx, tx, in); err != nil {
		return nil, errs.E(op, err)
	}
	ps, err := projectSums(ctx, tx, in, `a.seq`)
	if err != nil {
		return nil, errs.E(op, err)
	}
	for _, p := range ps {
		y.Projects = append(y.Projects, YearLine{Title: p.title, Organisation: p.organisation,
			Approved: fundus.EURCents(granted(p.sums)), Paid: fundus.EURCents(paid(p.sums))})
	}
	untilEnd, err := postingSums(ctx, tx, span{to: in.to})
	if err != nil {
		return nil, errs.E(op, err)
	}
	y.AvailableAtYearEnd = fundus.EURCents(available(untilEnd))
	return y, nil
}

// The figures from balances (debit positive), whole or of a span.

func granted(b map[string]int64) int64 { return b[ledger.GrantsExpense] }
func paid(b map[string]int64) int64    { return b[ledger.GrantsExpense] + b[ledger.GrantsPayable] }
func available(b map[string]int64) int64 {
	return b[ledger.Bank] + b[ledger.Clearing] + b[ledger.GrantsPayable] + b[ledger.RefundsPayable] + b[ledger.DonationsPending]
}

// span is a range of entries by their dates: days (YYYY-MM-DD), both
// included; empty: open.
type span struct{ from, to string }

// yearSpan is the year: its entries are those dated in it.
func yearSpan(year int) span {
	return span{from: fmt.Sprintf("%04d-01-01", year), to: fmt.Sprintf("%04d-12-31", year)}
}

// where returns the conditions on entries e that select s, adding the
// arguments to p.
func (s span) where(p *db.Params) string {
	w := "1 = 1"
	if s.from != "" {
		w += " AND e.date >= " + p.Add(s.from)
	}
	if s.to != "" {
		w += " AND e.date <= " + p.Add(s.to)
	}
	return w
}
