package grants

import (
	"context"

	"fundus"
	"fundus/db"
	"fundus/errs"
)

// Pending is an instalment waiting for a second person to release it,
// with what the one who releases it must see: the grant, the payee and
// who prepared it. Blocked says why the actor who asked may not release
// it ("" when they may try): FourEyesMaker for the one who prepared it,
// FourEyesDecider for the one who approved the grant, OwnGrant for the
// group. Release checks these and the lines of account makers again.
type Pending struct {
	Disbursement  *Disbursement
	ApplicationID string
	Title         string
	Organisation  string
	Payee         Payee
	PreparedBy    string // the user's id
	Blocked       errs.Code
}

// PendingRelease returns the instalments waiting for release, oldest
// first. Returns Unauthenticated, Forbidden.
func (s *Service) PendingRelease(ctx context.Context, actor fundus.Actor) ([]Pending, error) {
	const op errs.Op = "grants.PendingRelease"
	if err := fundus.Authorize(op, actor, fundus.ReadAllApplications); err != nil {
		return nil, err
	}
	ds, err := queryRows(ctx, s.DB, db.Statement{Query: `SELECT ` + disbursementColumns + ` FROM disbursements WHERE status = 'pending' ORDER BY seq`}, readDisbursements)
	if err != nil {
		return nil, errs.E(op, err)
	}
	apps := map[string]*Application{}
	out := make([]Pending, 0, len(ds))
	for _, d := range ds {
		a := apps[d.ApplicationID]
		if a == nil {
			if a, err = findApplication(ctx, s.DB, d.ApplicationID); err != nil {
				return nil, errs.E(op, err)
			}
			apps[d.ApplicationID] = a
		}
		p := Pending{Disbursement: d, ApplicationID: a.ID, Title: a.Title, Organisation: a.Organisation, Payee: a.Payee, PreparedBy: d.CreatedBy}
		switch actor.ActorID() {
		case d.CreatedBy:
			p.Blocked = FourEyesMaker
		case a.decidedBy:
			p.Blocked = FourEyesDecider
		case a.ownerID:
			p.Blocked = OwnGrant
		}
		out = append(out, p)
	}
	return out, nil
}
