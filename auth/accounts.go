package auth

import (
	"context"
	"slices"
	"strings"
	"time"

	"fundus"
	"fundus/audit"
	"fundus/check"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
)

// Separation of duties (README, "No one pays alone"):
//
//   - an account holding admin holds neither treasurer nor committee, so the
//     one who makes accounts never decides on or pays a grant;
//   - a privileged role given over the API takes effect only when a second
//     admin confirms the grant; the command line (the first accounts) gives
//     roles at once;
//   - the grants package refuses a release whose two sides one person stands
//     behind, reading who made each account from what this file records.

// The rules of this package that pages name (errs.Code).
const (
	LastAdmin          errs.Code = "last_admin"          // the last active admin would go
	GrantAskedByYou    errs.Code = "grant_asked_by_you"  // a second admin confirms
	GrantOwnRoles      errs.Code = "grant_own_roles"     // not one's own roles
	AddressUnconfirmed errs.Code = "address_unconfirmed" // FUNDUS_REGISTRATION_CONFIRM
	LinkDead           errs.Code = "link_dead"           // a mailed link unknown, used or expired
)

// Privileged reports whether granting r over the API needs a second admin.
func (r Role) Privileged() bool { return r != Applicant }

// Account is a user as admins manage it: its effective roles, the roles a
// pending grant would give it, and whether it may sign in.
type Account struct {
	User
	Active       bool      `json:"active"`
	CreatedAt    time.Time `json:"created_at"`
	PendingRoles []Role    `json:"pending_roles"`
	// LastSignInAt is the last successful sign-in (none yet: nil).
	LastSignInAt *time.Time `json:"last_sign_in_at,omitempty"`
	// RoleGrantID names the pending grant, for the second admin.
	RoleGrantID string `json:"role_grant_id,omitempty"`
}

// RoleGrant is a change of a user's roles that waits for a second admin.
// Roles is the whole set the user holds once it is confirmed.
type RoleGrant struct {
	ID          string     `json:"id"`
	UserID      string     `json:"user_id"`
	Roles       []Role     `json:"roles"`
	AskedBy     string     `json:"asked_by"`
	AskedAt     time.Time  `json:"asked_at"`
	Status      string     `json:"status"` // pending, confirmed, replaced
	ConfirmedBy string     `json:"confirmed_by,omitempty"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
}

// The states of a RoleGrant.
const (
	GrantPending   = "pending"
	GrantConfirmed = "confirmed"
	GrantReplaced  = "replaced" // a newer ask for the same user came first
)

// UserUpdate is the body of PATCH /api/v1/users/{id}; a field left out
// stays as it is.
type UserUpdate struct {
	Name   *string `json:"name" validate:"omitempty,max=200"`
	Roles  []Role  `json:"roles" validate:"omitempty,min=1,unique,dive,oneof=admin committee treasurer auditor applicant"`
	Active *bool   `json:"active"`
}

// UserFilter narrows ListUsers: Role held, and Q found in the email or name.
type UserFilter struct {
	Role Role
	Q    string
}

// checkDuties records in f roles that break the separation of duties.
func checkDuties(f *check.Fields, roles []Role) {
	if slices.Contains(roles, Admin) && (slices.Contains(roles, Treasurer) || slices.Contains(roles, Committee)) {
		f.Add("roles", "duties", "", "an admin cannot also be treasurer or committee member")
	}
}

// grantNeeded reports whether going from roles to want gives a privileged
// role the user does not hold yet.
func grantNeeded(roles, want []Role) bool {
	for _, r := range want {
		if r.Privileged() && !slices.Contains(roles, r) {
			return true
		}
	}
	return false
}

// unprivileged returns the roles of rs that need no grant.
func unprivileged(rs []Role) []Role {
	var out []Role
	for _, r := range rs {
		if !r.Privileged() {
			out = append(out, r)
		}
	}
	return out
}

// UpdateUser changes a user's name, roles or whether it may sign in. Roles
// that add a privileged role become a pending grant (replacing one pending
// already); roles that only take away take effect at once, as do name and
// active. A deactivated user's sessions end. The last active admin cannot
// lose the role or be deactivated.
// Returns Unauthenticated, Forbidden, Invalid, NotFound, InvalidState.
func (s *Service) UpdateUser(ctx context.Context, actor *User, id string, up UserUpdate) (*Account, error) {
	const op errs.Op = "auth.UpdateUser"
	if err := fundus.Authorize(op, actor, fundus.ManageUsers); err != nil {
		return nil, err
	}
	var f check.Fields
	if up.Name != nil {
		name := strings.TrimSpace(*up.Name)
		up.Name = &name
		if f.Required("name", name) && check.HasControl(name, false) {
			f.Add("name", "control", "", "must not contain control characters")
		}
	}
	if up.Roles != nil && len(up.Roles) == 0 {
		f.Add("roles", "min", "1", "must have at least 1 item")
	}
	f.Struct(up)
	want := slices.Sorted(slices.Values(up.Roles))
	checkDuties(&f, want)
	if err := f.Err(op); err != nil {
		return nil, err
	}
	now := s.now()
	err := write(ctx, s.Writer, func(tx *commit.Tx) error {
		if err := lockRoles(ctx, tx.Reader(), tx.Engine()); err != nil {
			return err
		}
		u, err := findUserByID(ctx, tx.Reader(), id)
		if err != nil {
			return err
		}
		change := map[string]any{}
		if up.Name != nil && *up.Name != u.Name {
			if err := setName(ctx, tx, u.ID, *up.Name); err != nil {
				return err
			}
			change["name"] = "changed" // names stay out of the audit trail
		}
		if up.Roles != nil {
			// A new ask replaces one pending, also when it asks for the
			// roles the user holds (which withdraws the pending one).
			if err := s.replacePendingGrants(ctx, tx, actor.ID, u.ID); err != nil {
				return err
			}
		}
		// Activating an account again gives back what it held: its
		// privileged roles wait for a second admin, as giving them would.
		reactivates := up.Active != nil && *up.Active && !u.Active
		if reactivates && slices.ContainsFunc(u.Roles, Role.Privileged) && (up.Roles == nil || slices.Equal(want, u.Roles)) {
			if up.Roles == nil {
				if err := s.replacePendingGrants(ctx, tx, actor.ID, u.ID); err != nil {
					return err
				}
			}
			up.Roles, want = u.Roles, u.Roles
			u.Roles = slices.DeleteFunc(slices.Clone(u.Roles), Role.Privileged)
			if err := setRoles(ctx, tx, u.ID, u.Roles); err != nil {
				return err
			}
			change["roles"] = map[string]any{"from": want, "to": u.Roles, "why": "activated again"}
		} else if reactivates && up.Roles != nil && slices.ContainsFunc(u.Roles, Role.Privileged) {
			// New roles asked with the activation: the held ones are set
			// aside, the new ones wait or apply below.
			held := u.Roles
			u.Roles = slices.DeleteFunc(slices.Clone(u.Roles), Role.Privileged)
			if err := setRoles(ctx, tx, u.ID, u.Roles); err != nil {
				return err
			}
			change["roles"] = map[string]any{"from": held, "to": u.Roles, "why": "activated again"}
		}
		if up.Roles != nil && !slices.Equal(want, u.Roles) {
			if grantNeeded(u.Roles, want) {
				g := &RoleGrant{ID: db.NewID(), UserID: u.ID, Roles: want, AskedBy: actor.ID, AskedAt: now, Status: GrantPending}
				if err := insertRoleGrant(ctx, tx, g); err != nil {
					return err
				}
				if err := audit.Add(tx, actor.ID, "role-grant.ask", "role_grant", g.ID, map[string]any{"user_id": u.ID, "from": u.Roles, "roles": want}); err != nil {
					return err
				}
			} else {
				if err := setRoles(ctx, tx, u.ID, want); err != nil {
					return err
				}
				change["roles"] = map[string]any{"from": u.Roles, "to": want}
			}
		}
		active := u.Active
		if up.Active != nil && *up.Active != u.Active {
			active = *up.Active
			if err := setActive(ctx, tx, u.ID, active); err != nil {
				return err
			}
			if !active {
				if err := deleteSessions(ctx, tx, u.ID); err != nil {
					return err
				}
			}
			change["active"] = map[string]any{"from": u.Active, "to": active}
		}
		// Asking to take admin away is refused at once too, not only when
		// confirmed.
		losesAdmin := up.Roles != nil && !slices.Contains(want, Admin)
		if u.Active && u.HasRole(Admin) && (!active || losesAdmin) {
			if err := keepAnAdmin(ctx, tx, op, u.ID); err != nil {
				return err
			}
		}
		if len(change) == 0 {
			return nil
		}
		return audit.Add(tx, actor.ID, "user.update", "user", u.ID, change)
	})
	if err != nil {
		return nil, errs.E(op, err)
	}
	return s.FindAccount(ctx, id)
}

// replacePendingGrants marks the user's pending grant replaced, with its
// audit record.
func (s *Service) replacePendingGrants(ctx context.Context, tx *commit.Tx, actorID, userID string) error {
	ids, err := replacePendingGrants(ctx, tx, userID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := audit.Add(tx, actorID, "role-grant.replace", "role_grant", id, map[string]any{"user_id": userID, "to": GrantReplaced}); err != nil {
			return err
		}
	}
	return nil
}

// keepAnAdmin refuses a change that leaves no active admin but userID.
// The caller holds lockRoles.
func keepAnAdmin(ctx context.Context, tx *commit.Tx, op errs.Op, userID string) error {
	admins, err := activeAdmins(ctx, tx.Reader())
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(admins, func(id string) bool { return id != userID }) {
		return errs.E(op, errs.InvalidState, LastAdmin, "this is the last active admin")
	}
	return nil
}

// RoleGrants lists the role grants with the given status ("" for all),
// oldest first. Returns Unauthenticated, Forbidden, Invalid.
func (s *Service) RoleGrants(ctx context.Context, actor *User, status string) ([]RoleGrant, error) {
	const op errs.Op = "auth.RoleGrants"
	if err := fundus.Authorize(op, actor, fundus.ManageUsers); err != nil {
		return nil, err
	}
	var f check.Fields
	switch status {
	case "", GrantPending, GrantConfirmed, GrantReplaced:
	default:
		f.Add("status", "oneof", "pending confirmed replaced", "must be pending, confirmed or replaced")
	}
	if err := f.Err(op); err != nil {
		return nil, err
	}
	gs, err := findRoleGrants(ctx, s.DB, status)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return gs, nil
}

// ConfirmRoleGrant gives the user the roles of a pending grant. The admin
// who confirms is neither the one who asked nor the user itself.
// Returns Unauthenticated, Forbidden, NotFound, InvalidState (a grant
// already confirmed or replaced).
func (s *Service) ConfirmRoleGrant(ctx context.Context, actor *User, id string) (*RoleGrant, error) {
	const op errs.Op = "auth.ConfirmRoleGrant"
	if err := fundus.Authorize(op, actor, fundus.ManageUsers); err != nil {
		return nil, err
	}
	var g *RoleGrant
	err := write(ctx, s.Writer, func(tx *commit.Tx) error {
		if err := lockRoles(ctx, tx.Reader(), tx.Engine()); err != nil {
			return err
		}
		var err error
		if g, err = findRoleGrant(ctx, tx.Reader(), id); err != nil {
			return err
		}
		switch {
		case g.Status != GrantPending:
			return errs.Errorf(op, errs.InvalidState, "this role grant is %s", g.Status)
		case g.AskedBy == actor.ID:
			return errs.E(op, errs.Forbidden, GrantAskedByYou, "a second admin confirms a role grant, not the one who asked")
		case g.UserID == actor.ID:
			return errs.E(op, errs.Forbidden, GrantOwnRoles, "an admin cannot confirm a grant of their own roles")
		}
		u, err := findUserByID(ctx, tx.Reader(), g.UserID)
		if err != nil {
			return err
		}
		if u.Active && u.HasRole(Admin) && !slices.Contains(g.Roles, Admin) {
			if err := keepAnAdmin(ctx, tx, op, u.ID); err != nil {
				return err
			}
		}
		now := s.now()
		g.Status, g.ConfirmedBy, g.ConfirmedAt = GrantConfirmed, actor.ID, &now
		var adds []Role
		for _, r := range g.Roles {
			if !u.HasRole(r) {
				adds = append(adds, r)
			}
		}
		if err := confirmRoleGrant(ctx, tx, g, adds); err != nil {
			return err
		}
		if err := setRoles(ctx, tx, u.ID, g.Roles); err != nil {
			return err
		}
		return audit.Add(tx, actor.ID, "role-grant.confirm", "role_grant", g.ID, map[string]any{
			"user_id": u.ID, "asked_by": g.AskedBy, "from": u.Roles, "to": g.Roles,
		})
	})
	if err != nil {
		return nil, errs.E(op, err)
	}
	return g, nil
}

// Users lists the users, by email. Returns Unauthenticated, Forbidden,
// Invalid.
func (s *Service) Users(ctx context.Context, actor *User, f UserFilter) ([]*Account, error) {
	const op errs.Op = "auth.Users"
	if err := fundus.Authorize(op, actor, fundus.ManageUsers); err != nil {
		return nil, err
	}
	var invalid check.Fields
	if f.Role != "" && !f.Role.Valid() {
		invalid.Add("role", "oneof", "", "is not a role")
	}
	if len([]rune(f.Q)) > 200 || check.HasControl(f.Q, false) {
		invalid.Add("q", "max", "200", "must have at most 200 characters")
	}
	if err := invalid.Err(op); err != nil {
		return nil, err
	}
	us, err := findUsers(ctx, s.DB, f.Role, strings.ToLower(strings.TrimSpace(f.Q)))
	if err != nil {
		return nil, errs.E(op, err)
	}
	pending, err := findRoleGrants(ctx, s.DB, GrantPending)
	if err != nil {
		return nil, errs.E(op, err)
	}
	out := make([]*Account, len(us))
	for i, u := range us {
		out[i] = account(u, nil)
		for _, g := range pending {
			if g.UserID == u.ID {
				out[i] = account(u, &g)
			}
		}
	}
	return out, nil
}

// FindAccount returns the user with id as admins see it. Returns NotFound.
func (s *Service) FindAccount(ctx context.Context, id string) (*Account, error) {
	const op errs.Op = "auth.FindAccount"
	u, err := findUserByID(ctx, s.DB, id)
	if err != nil {
		return nil, errs.E(op, err)
	}
	g, err := findPendingGrant(ctx, s.DB, id)
	if errs.Is(errs.NotFound, err) {
		return account(u, nil), nil
	}
	if err != nil {
		return nil, errs.E(op, err)
	}
	return account(u, g), nil
}

func account(u *User, pending *RoleGrant) *Account {
	a := &Account{User: *u, Active: u.Active, CreatedAt: u.CreatedAt, PendingRoles: []Role{}, LastSignInAt: u.LastSignInAt}
	if a.Roles == nil {
		a.Roles = []Role{}
	}
	if pending != nil {
		a.PendingRoles, a.RoleGrantID = pending.Roles, pending.ID
	}
	return a
}
