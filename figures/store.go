package figures

import (
	"context"
	"errors"

	"github.com/jmoiron/sqlx"

	"fundus/db"
	"fundus/donations"
	"fundus/ledger"
)

// This file holds all of the package's SQL.

// postingSums sums the postings of each account over the entries of s.
func postingSums(ctx context.Context, q sqlx.QueryerContext, s span) (map[string]int64, error) {
	var p db.Params
	return ledger.SumPostings(ctx, q, s.where(&p), p.Args()...)
}

// donationsCount counts the donations received in s less those refunded
// in s.
func donationsCount(ctx context.Context, q sqlx.QueryerContext, s span) (int64, error) {
	var p db.Params
	query := `SELECT COALESCE(SUM(CASE WHEN e.kind = ` + p.Add(donations.KindDonation) + ` THEN 1 ELSE -1 END), 0)
		FROM entries e WHERE e.kind IN (` + p.Add(donations.KindDonation) + `, ` + p.Add(donations.KindRefund) + `) AND ` + s.where(&p)
	var n int64
	err := q.QueryRowxContext(ctx, query, p.Args()...).Scan(&n)
	return n, err
}

// projectTotals are a project's sums of postings per account.
type projectTotals struct {
	title, organisation, status string
	sums                        map[string]int64
}

// projectSums sums, per application, the postings on the grant accounts
// of the entries of s that belong to it: those that point at it (approval,
// closing) and those that point at one of its instalments. Applications
// with no such entry in s are left out.
func projectSums(ctx context.Context, q sqlx.QueryerContext, s span, order string) ([]projectTotals, error) {
	var p db.Params
	expense, payable := p.Add(ledger.GrantsExpense), p.Add(ledger.GrantsPayable)
	where := s.where(&p)
	rows, err := q.QueryxContext(ctx, `SELECT a.title, a.organisation, a.status,
			COALESCE(SUM(CASE WHEN p.account = `+expense+` THEN p.amount ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN p.account = `+payable+` THEN p.amount ELSE 0 END), 0)
		FROM (SELECT e.seq, e.ref_id AS application_id FROM entries e WHERE e.ref_type = 'application' AND `+where+`
			UNION ALL
			SELECT e.seq, d.application_id FROM entries e JOIN disbursements d ON d.id = e.ref_id
			WHERE e.ref_type = 'disbursement' AND `+where+`) x
		JOIN applications a ON a.id = x.application_id
		JOIN postings p ON p.seq = x.seq
		GROUP BY a.id, a.seq, a.title, a.organisation, a.status, a.decided_at
		ORDER BY `+order, p.Args()...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []projectTotals
	for rows.Next() {
		var t projectTotals
		var expenses, owed db.Sum
		if err := rows.Scan(&t.title, &t.organisation, &t.status, &expenses, &owed); err != nil {
			return nil, db.SumError(err)
		}
		if err := errors.Join(ledger.CheckBalance(ledger.GrantsExpense, int64(expenses)), ledger.CheckBalance(ledger.GrantsPayable, int64(owed))); err != nil {
			return nil, err
		}
		t.sums = map[string]int64{ledger.GrantsExpense: int64(expenses), ledger.GrantsPayable: int64(owed)}
		out = append(out, t)
	}
	return out, db.SumError(rows.Err())
}
