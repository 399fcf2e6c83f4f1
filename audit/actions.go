package audit

import (
	"context"

	"github.com/jmoiron/sqlx"

	"fundus"
	"fundus/errs"
)

// Actions returns the actions the trail holds, in order, for a filter to
// choose from. Returns Unauthenticated, Forbidden.
func (s *Service) Actions(ctx context.Context, actor fundus.Actor) ([]string, error) {
	const op errs.Op = "audit.Actions"
	if err := fundus.Authorize(op, actor, fundus.ReadAudit); err != nil {
		return nil, err
	}
	var out []string
	if err := sqlx.SelectContext(ctx, s.DB, &out, `SELECT DISTINCT action FROM audit_log ORDER BY action`); err != nil {
		return nil, errs.E(op, err)
	}
	return out, nil
}
