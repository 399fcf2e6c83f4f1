// Package fundus is the vocabulary every package of Fundus shares: the
// actor and the typed actions (actor.go), money and amounts (money.go), IBAN
// and BIC (iban.go) and the fund's days in Europe/Berlin (date.go). It does
// no I/O.
package fundus

import "fundus/errs"

// Actor is whoever asks for something: the signed-in user as auth knows it.
// Allowed applies auth's policy (auth/policy.go) to an action.
type Actor interface {
	ActorID() string
	Allowed(Action) bool
}

// Action is something an actor may be allowed to do. Every action is one of
// the constants below, and auth's policy gives each the roles that allow it
// (auth/policy_test.go fails otherwise).
type Action string

// The actions of every domain. Ownership (an applicant's own application) is
// checked by the domain that owns the object, after the action.
const (
	// auth
	ManageUsers Action = "users.manage"

	// ledger
	ReadLedger   Action = "ledger.read"
	PostLedger   Action = "ledger.post"
	ExportLedger Action = "ledger.export"
	VerifyLedger Action = "ledger.verify"
	ReadAudit    Action = "audit.read"

	// donations
	ReadDonations   Action = "donations.read"
	HandleDonations Action = "donations.handle" // confirm, cancel, refund
	EraseDonations  Action = "donations.erase"  // erase a donor's data, or restrict it

	// accepting donations (§ 111 Abs. 8 NKomVG)
	ReadAcceptance       Action = "acceptance.read"   // the lists for the sessions
	DecideAcceptance     Action = "acceptance.decide" // record a session's decision
	ReadAcceptanceReport Action = "acceptance.report" // the yearly report to the supervisory authority

	// grants
	ApplyForGrant       Action = "applications.apply"        // create, edit, submit, withdraw, report
	ReadApplications    Action = "applications.read"         // own ones; see ReadAllApplications
	ReadAllApplications Action = "applications.read-all"     // every group's
	ReviewApplications  Action = "applications.review"       // reviews, votes, decisions
	ReadReviews         Action = "applications.read-reviews" // the reviews and votes of an application
	CreateDisbursement  Action = "disbursements.create"
	ReleaseDisbursement Action = "disbursements.release"
	CloseApplication    Action = "applications.close"

	// bank
	ReadBank   Action = "bank.read"   // statements, bank lines, reconciliation, payment files
	HandleBank Action = "bank.handle" // import statements, resolve queued lines, make payment files
)

// Authorize returns nil when actor may do a; Unauthenticated without an actor
// (nil, or one without an id); Forbidden when its roles do not allow a.
func Authorize(op errs.Op, actor Actor, a Action) error {
	switch {
	case actor == nil || actor.ActorID() == "":
		return errs.E(op, errs.Unauthenticated, "sign in first")
	case !actor.Allowed(a):
		return errs.E(op, errs.Forbidden, "your role does not allow this")
	}
	return nil
}
