package auth

import (
	"slices"

	"fundus"
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

// policy is the one rule of who may do what: the roles that allow each
// action, as docs/api.md gives them. Every action has a row
// (policy_test.go).
var policy = map[fundus.Action][]Role{
	fundus.ManageUsers:          {Admin},
	fundus.ReadLedger:           {Treasurer, Auditor, Admin},
	fundus.PostLedger:           {Treasurer},
	fundus.ExportLedger:         {Auditor, Treasurer, Admin},
	fundus.VerifyLedger:         {Auditor, Admin},
	fundus.ReadAudit:            {Auditor, Admin},
	fundus.ReadDonations:        {Treasurer, Auditor, Admin},
	fundus.HandleDonations:      {Treasurer},
	fundus.EraseDonations:       {Admin},
	fundus.ReadAcceptance:       {Admin, Treasurer},
	fundus.DecideAcceptance:     {Admin},
	fundus.ReadAcceptanceReport: {Admin, Auditor},
	fundus.ApplyForGrant:        {Applicant},
	fundus.ReadApplications:     {Applicant, Committee, Treasurer, Auditor, Admin},
	fundus.ReadAllApplications:  {Committee, Treasurer, Auditor, Admin},
	fundus.ReviewApplications:   {Committee},
	fundus.ReadReviews:          {Committee, Auditor},
	fundus.CreateDisbursement:   {Treasurer},
	fundus.ReleaseDisbursement:  {Treasurer, Admin},
	fundus.CloseApplication:     {Committee, Treasurer},
	fundus.ReadBank:             {Treasurer, Auditor, Admin},
	fundus.HandleBank:           {Treasurer},
}

// Allowed reports whether u holds a role that allows a; for fundus.Actor.
// A nil user is allowed nothing.
func (u *User) Allowed(a fundus.Action) bool {
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

// ActorID returns the user's id ("" for nil), for fundus.Actor.
func (u *User) ActorID() string {
	if u == nil {
		return ""
	}
	return u.ID
}
