package auth_test

import (
	"context"
	"slices"
	"testing"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
)

func TestSeparationOfDuties(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := mustService(t, d)
		admin := mustCreateUser(t, s, "admin@example.org", auth.Admin)
		kasse := mustCreateUser(t, s, "kasse@example.org", auth.Treasurer)
		wantRoles := func(t *testing.T, err error) {
			t.Helper()
			want := errs.E(errs.Invalid, errs.FieldError{Field: "roles", Code: "duties"})
			if !errs.Match(want, err) || len(errs.FieldsOf(err)) != 1 {
				t.Fatalf("err = %v %+v, want Invalid naming only roles", err, errs.FieldsOf(err))
			}
		}
		for _, other := range []auth.Role{auth.Treasurer, auth.Committee} {
			roles := []auth.Role{other, auth.Admin}
			t.Run("command line "+string(other), func(t *testing.T) {
				_, err := s.CreateUserFromCommandLine(ctx, auth.NewUser{Email: "both@example.org", Name: "B", Password: goodPassword, Roles: roles})
				wantRoles(t, err)
			})
			t.Run("create "+string(other), func(t *testing.T) {
				_, err := s.CreateUser(ctx, admin, auth.NewUser{Email: "both@example.org", Name: "B", Password: goodPassword, Roles: roles})
				wantRoles(t, err)
			})
			t.Run("update "+string(other), func(t *testing.T) {
				_, err := s.UpdateUser(ctx, admin, kasse.ID, auth.UserUpdate{Roles: roles})
				wantRoles(t, err)
				_, err = s.UpdateUser(ctx, admin, admin.ID, auth.UserUpdate{Roles: roles})
				wantRoles(t, err)
			})
		}
		var users, grants int
		d.Get(&users, `SELECT count(*) FROM users`)
		d.Get(&grants, `SELECT count(*) FROM role_grants`)
		if users != 2 || grants != 0 {
			t.Fatalf("refused requests left %d users, %d grants", users, grants)
		}
		// An admin may be auditor too.
		mustCreateUser(t, s, "pruefer@example.org", auth.Admin, auth.Auditor)
	})
}

func TestRoleGrants(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := mustService(t, d)
		ada := mustCreateUser(t, s, "ada@example.org", auth.Admin)
		bob := mustCreateUser(t, s, "bob@example.org", auth.Admin)

		acct, err := s.CreateUser(ctx, ada, auth.NewUser{Email: "kasse@example.org", Name: "K", Password: goodPassword, Roles: []auth.Role{auth.Treasurer, auth.Applicant}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(acct.Roles, []auth.Role{auth.Applicant}) || !slices.Equal(acct.PendingRoles, []auth.Role{auth.Applicant, auth.Treasurer}) || acct.RoleGrantID == "" {
			t.Fatalf("created %+v: treasurer must wait for a second admin", acct)
		}
		if sess, err := s.SignIn(ctx, auth.Credentials{Email: "kasse@example.org", Password: goodPassword}, "192.0.2.1"); err != nil || sess.User.HasRole(auth.Treasurer) {
			t.Fatalf("before the confirmation: %+v, %v", sess, err)
		}
		pending, err := s.RoleGrants(ctx, bob, auth.GrantPending)
		if err != nil || len(pending) != 1 || pending[0].ID != acct.RoleGrantID || pending[0].AskedBy != ada.ID || pending[0].UserID != acct.ID {
			t.Fatalf("pending grants: %+v, %v", pending, err)
		}

		t.Run("ErrSameAdmin", func(t *testing.T) {
			if _, err := s.ConfirmRoleGrant(ctx, ada, acct.RoleGrantID); !errs.Is(errs.Forbidden, err) {
				t.Fatalf("the asker confirms: %v", err)
			}
		})
		t.Run("ErrNotAnAdmin", func(t *testing.T) {
			kasse := mustCreateUser(t, s, "kasse2@example.org", auth.Treasurer)
			if _, err := s.ConfirmRoleGrant(ctx, kasse, acct.RoleGrantID); !errs.Is(errs.Forbidden, err) {
				t.Fatalf("a treasurer confirms: %v", err)
			}
			if _, err := s.RoleGrants(ctx, kasse, ""); !errs.Is(errs.Forbidden, err) {
				t.Fatalf("a treasurer lists grants: %v", err)
			}
		})
		g, err := s.ConfirmRoleGrant(ctx, bob, acct.RoleGrantID)
		if err != nil || g.Status != auth.GrantConfirmed || g.ConfirmedBy != bob.ID {
			t.Fatalf("confirm: %+v, %v", g, err)
		}
		if u, _ := s.FindUserByID(ctx, acct.ID); !u.HasRole(auth.Treasurer) {
			t.Fatalf("roles after the confirmation: %v", u.Roles)
		}
		t.Run("ErrAlreadyConfirmed", func(t *testing.T) {
			if _, err := s.ConfirmRoleGrant(ctx, bob, acct.RoleGrantID); !errs.Is(errs.InvalidState, err) {
				t.Fatalf("second confirmation: %v", err)
			}
		})
		t.Run("ApplicantNeedsNoGrant", func(t *testing.T) {
			a, err := s.CreateUser(ctx, ada, auth.NewUser{Email: "verein@example.org", Name: "V", Password: goodPassword, Roles: []auth.Role{auth.Applicant}})
			if err != nil || !slices.Equal(a.Roles, []auth.Role{auth.Applicant}) || len(a.PendingRoles) != 0 || a.RoleGrantID != "" {
				t.Fatalf("applicant: %+v, %v", a, err)
			}
		})
		t.Run("ErrOwnGrant", func(t *testing.T) {
			a, err := s.UpdateUser(ctx, bob, ada.ID, auth.UserUpdate{Roles: []auth.Role{auth.Admin, auth.Auditor}})
			if err != nil || a.RoleGrantID == "" {
				t.Fatalf("ask: %+v, %v", a, err)
			}
			if _, err := s.ConfirmRoleGrant(ctx, ada, a.RoleGrantID); !errs.Is(errs.Forbidden, err) {
				t.Fatalf("an admin confirms a grant of their own roles: %v", err)
			}
		})
		t.Run("ANewAskReplacesThePendingOne", func(t *testing.T) {
			first, err := s.UpdateUser(ctx, ada, acct.ID, auth.UserUpdate{Roles: []auth.Role{auth.Auditor, auth.Treasurer}})
			if err != nil || !slices.Equal(first.Roles, []auth.Role{auth.Applicant, auth.Treasurer}) {
				t.Fatalf("ask: %+v, %v", first, err)
			}
			second, err := s.UpdateUser(ctx, ada, acct.ID, auth.UserUpdate{Roles: []auth.Role{auth.Committee}})
			if err != nil || !slices.Equal(second.PendingRoles, []auth.Role{auth.Committee}) {
				t.Fatalf("second ask: %+v, %v", second, err)
			}
			if _, err := s.ConfirmRoleGrant(ctx, bob, first.RoleGrantID); !errs.Is(errs.InvalidState, err) {
				t.Fatalf("the replaced grant was confirmed: %v", err)
			}
			if _, err := s.ConfirmRoleGrant(ctx, bob, second.RoleGrantID); err != nil {
				t.Fatal(err)
			}
			if u, _ := s.FindUserByID(ctx, acct.ID); !slices.Equal(u.Roles, []auth.Role{auth.Committee}) {
				t.Fatalf("roles: %v", u.Roles)
			}
		})
		t.Run("TakingAwayNeedsNoGrant", func(t *testing.T) {
			a, err := s.UpdateUser(ctx, ada, acct.ID, auth.UserUpdate{Roles: []auth.Role{auth.Applicant}})
			if err != nil || !slices.Equal(a.Roles, []auth.Role{auth.Applicant}) || len(a.PendingRoles) != 0 {
				t.Fatalf("%+v, %v", a, err)
			}
		})

		var actions []string
		d.Select(&actions, `SELECT action FROM audit_log WHERE action LIKE 'role-grant.%' OR (action LIKE 'user.%' AND object_id = $1) ORDER BY seq`, acct.ID)
		want := []string{"user.create", "role-grant.ask", "role-grant.confirm", "role-grant.ask", // ErrOwnGrant
			"role-grant.ask", "role-grant.replace", "role-grant.ask", "role-grant.confirm", "user.update"}
		if !slices.Equal(actions, want) {
			t.Fatalf("audit trail:\n%v\nwant\n%v", actions, want)
		}
	})
}

func TestUpdateUser(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := mustService(t, d)
		ada := mustCreateUser(t, s, "ada@example.org", auth.Admin)
		kasse := mustCreateUser(t, s, "kasse@example.org", auth.Treasurer)
		sess, err := s.SignIn(ctx, auth.Credentials{Email: "kasse@example.org", Password: goodPassword}, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		name, off, on := "Kim Kasse", false, true
		a, err := s.UpdateUser(ctx, ada, kasse.ID, auth.UserUpdate{Name: &name, Active: &off})
		if err != nil || a.Name != name || a.Active {
			t.Fatalf("update: %+v, %v", a, err)
		}
		if _, err := s.Authenticate(ctx, sess.Token); !errs.Is(errs.Unauthenticated, err) {
			t.Fatalf("a deactivated user's session lives on: %v", err)
		}
		if _, err := s.SignIn(ctx, auth.Credentials{Email: "kasse@example.org", Password: goodPassword}, "192.0.2.1"); !errs.Is(errs.Unauthenticated, err) {
			t.Fatalf("a deactivated user signs in: %v", err)
		}
		if _, err := s.UpdateUser(ctx, ada, kasse.ID, auth.UserUpdate{Active: &on}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SignIn(ctx, auth.Credentials{Email: "kasse@example.org", Password: goodPassword}, "192.0.2.1"); err != nil {
			t.Fatalf("reactivated: %v", err)
		}

		t.Run("ErrLastAdmin", func(t *testing.T) {
			if _, err := s.UpdateUser(ctx, ada, ada.ID, auth.UserUpdate{Active: &off}); !errs.Is(errs.InvalidState, err) {
				t.Fatalf("the last admin deactivated: %v", err)
			}
			if _, err := s.UpdateUser(ctx, ada, ada.ID, auth.UserUpdate{Roles: []auth.Role{auth.Applicant}}); !errs.Is(errs.InvalidState, err) {
				t.Fatalf("the last admin lost the role: %v", err)
			}
			// With a second admin, the first may go.
			mustCreateUser(t, s, "bob@example.org", auth.Admin)
			if _, err := s.UpdateUser(ctx, ada, ada.ID, auth.UserUpdate{Roles: []auth.Role{auth.Applicant}}); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			bob, _ := s.SignIn(ctx, auth.Credentials{Email: "bob@example.org", Password: goodPassword}, "192.0.2.1")
			if _, err := s.UpdateUser(ctx, bob.User, "no-such-user", auth.UserUpdate{Name: &name}); !errs.Is(errs.NotFound, err) {
				t.Fatalf("err = %v", err)
			}
		})
	})
}

// TestUpdateUserReportsEveryBadField: an empty name and an empty list of
// roles are refused together, each with its own code.
func TestUpdateUserReportsEveryBadField(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s, _ := mustService(t, d)
		ada := mustCreateUser(t, s, "ada@example.org", auth.Admin)
		kasse := mustCreateUser(t, s, "kasse@example.org", auth.Treasurer)
		name := " "
		_, err := s.UpdateUser(context.Background(), ada, kasse.ID, auth.UserUpdate{Name: &name, Roles: []auth.Role{}})
		want := errs.E(errs.Invalid, []errs.FieldError{{Field: "name", Code: "required"}, {Field: "roles", Code: "min"}})
		if !errs.Match(want, err) {
			t.Fatalf("%v %+v", err, errs.FieldsOf(err))
		}
	})
}
