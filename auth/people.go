package auth

import (
	"context"

	"github.com/jmoiron/sqlx"

	"fundus"
	"fundus/errs"
)

// Person is a user as the audit trail and the lists of instalments name
// them: id and name (the email where the name is empty), nothing else.
type Person struct {
	ID   string
	Name string
}

// People returns every user, active or not, by name, so that pages show
// who did something by name rather than by id. Those who read the audit
// trail or handle money may see them. Returns Unauthenticated, Forbidden.
func (s *Service) People(ctx context.Context, actor fundus.Actor) ([]Person, error) {
	const op errs.Op = "auth.People"
	if err := fundus.Authorize(op, actor, fundus.ReadAudit); err != nil {
		if err2 := fundus.Authorize(op, actor, fundus.ReleaseDisbursement); err2 != nil {
			return nil, err
		}
	}
	var rows []struct {
		ID    string `db:"id"`
		Name  string `db:"name"`
		Email string `db:"email"`
	}
	if err := sqlx.SelectContext(ctx, s.DB, &rows, `SELECT id, name, email FROM users ORDER BY lower(name), email`); err != nil {
		return nil, errs.E(op, err)
	}
	out := make([]Person, len(rows))
	for i, r := range rows {
		out[i] = Person{ID: r.ID, Name: r.Name}
		if out[i].Name == "" {
			out[i].Name = r.Email
		}
	}
	return out, nil
}
