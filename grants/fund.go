package grants

import (
	"context"
	"time"

	"fundus/errs"
	"fundus/ledger"
)

// Project is a funded project as the public sees it.
type Project struct {
	Title          string       `json:"title"`
	Organisation   string       `json:"organisation"`
	ApprovedAmount ledger.Money `json:"approved_amount"`
	Status         Status       `json:"status"`
}

// Projects lists the approved projects (approved and everything after),
// newest first. It needs no role: these are published.
func (s *Service) Projects(ctx context.Context) ([]Project, error) {
	ps, err := findProjects(ctx, s.DB)
	if err != nil {
		return nil, errs.E(errs.Op("grants.Projects"), err)
	}
	return ps, nil
}

// PaidTotal returns what was paid out on grants, net of returns.
func (s *Service) PaidTotal(ctx context.Context) (ledger.Money, int64, error) {
	paid, n, err := paidTotal(ctx, s.DB)
	if err != nil {
		return ledger.Money{}, 0, errs.E(errs.Op("grants.PaidTotal"), err)
	}
	return ledger.EURCents(paid), n, nil
}

// YearLine is one project in a year's report: what was approved and what
// was paid to it in that year.
type YearLine struct {
	Title        string       `json:"title"`
	Organisation string       `json:"organisation"`
	Approved     ledger.Money `json:"approved"`
	Paid         ledger.Money `json:"paid"`
}

// Year returns the projects approved or paid in [from, to). Public.
func (s *Service) Year(ctx context.Context, from, to time.Time) ([]YearLine, error) {
	ls, err := yearLines(ctx, s.DB, from, to)
	if err != nil {
		return nil, errs.E(errs.Op("grants.Year"), err)
	}
	return ls, nil
}
