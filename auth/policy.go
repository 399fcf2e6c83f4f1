package auth

import (
	"slices"

	"fundus/errs"
	"fundus/ledger"
)

// Role is what a user may act as. A user holds one or more.
type Role string

// The roles of docs/api.md.
const (
	Admin     Role = "admin"
	Committee Role = "committee"
	Treasurer Role = "treasurer"
	Auditor   Role = "auditor"
	Applicant Role = "applicant"
)

// Roles lists every role, in a fixed order.
var Roles = []Role{Admin, Committee, Treasurer, Auditor, Applicant}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Action is something a signed-in user may be allowed to do.
type Action string

// The actions that need a role. Ownership (an applicant's own application)
// is checked by the domain that owns the object, after the role.
const (
	ManageUsers         Action = "users.manage"
	ReadLedger          Action = ledger.ActionRead
	PostLedger          Action = ledger.ActionPost
	ExportLedger        Action = ledger.ActionExport
	VerifyLedger        Action = ledger.ActionVerify
	ReadAudit           Action = ledger.ActionReadAudit
	ReadDonations       Action = "donations.read"
	HandleDonations     Action = "donations.handle" // confirm, cancel, refund
	Apply               Action = "applications.apply"
	ReadApplications    Action = "applications.read"     // own ones; see ReadAllApplications
	ReadAllApplications Action = "applications.read-all" // every group's
	Review              Action = "applications.review"   // reviews, votes, decisions
	ReadReviews         Action = "applications.read-reviews"
	CreateDisbursement  Action = "disbursements.create"
	ReleaseDisbursement Action = "disbursements.release"
	CloseApplication    Action = "applications.close"
)

// policy is the one rule of who may do what: the roles that allow each
// action, as docs/api.md gives them.
var policy = map[Action][]Role{
	ManageUsers:         {Admin},
	ReadLedger:          {Treasurer, Auditor, Admin},
	PostLedger:          {Treasurer},
	ExportLedger:        {Auditor, Treasurer, Admin},
	VerifyLedger:        {Auditor, Admin},
	ReadAudit:           {Auditor, Admin},
	ReadDonations:       {Treasurer, Auditor, Admin},
	HandleDonations:     {Treasurer},
	Apply:               {Applicant},
	ReadApplications:    {Applicant, Committee, Treasurer, Auditor, Admin},
	ReadAllApplications: {Committee, Treasurer, Auditor, Admin},
	Review:              {Committee},
	ReadReviews:         {Committee, Auditor},
	CreateDisbursement:  {Treasurer},
	ReleaseDisbursement: {Treasurer, Admin},
	CloseApplication:    {Committee, Treasurer},
}

// Can reports whether u holds a role that allows a. A nil user can do
// nothing.
func (u *User) Can(a Action) bool {
	if u == nil {
		return false
	}
	for _, r := range policy[a] {
		if u.HasRole(r) {
			return true
		}
	}
	return false
}

// ActorID returns the user's id ("" for nil), for ledger.Actor.
func (u *User) ActorID() string {
	if u == nil {
		return ""
	}
	return u.ID
}

// Allowed reports whether u may do the named action, for ledger.Actor and
// the domain packages, which name their actions without importing auth.
func (u *User) Allowed(action string) bool { return u.Can(Action(action)) }

// Authorize returns nil when u may do a; Unauthenticated when there is no
// user; Forbidden when u lacks the role.
func Authorize(op errs.Op, u *User, a Action) error {
	switch {
	case u == nil:
		return errs.E(op, errs.Unauthenticated, "sign in first")
	case !u.Can(a):
		return errs.E(op, errs.Forbidden, "your role does not allow this")
	}
	return nil
}
