package auth_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/ledger/ledgertest"
)

const goodPassword = "correct horse battery"

func mustService(t *testing.T, d *db.DB) (*auth.Service, *time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s := auth.NewService(d, ledgertest.Writer(t, d, nil), time.Hour)
	s.Now = func() time.Time { return now }
	return s, &now
}

func mustCreateUser(t *testing.T, s *auth.Service, email string, roles ...auth.Role) *auth.User {
	t.Helper()
	u, err := s.CreateUserFromCommandLine(context.Background(), auth.NewUser{Email: email, Name: "Test", Password: goodPassword, Roles: roles})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

func TestSessions(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, now := mustService(t, d)
		u := mustCreateUser(t, s, "Kasse@Example.org", auth.Treasurer, auth.Auditor)
		if u.Email != "kasse@example.org" {
			t.Errorf("email not normalised: %q", u.Email)
		}

		sess, err := s.SignIn(ctx, auth.Credentials{Email: " KASSE@example.org", Password: goodPassword}, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if len(sess.Token) < 22 { // 128 bits in base64
			t.Fatalf("token %q is too short", sess.Token)
		}
		var stored int
		d.Get(&stored, `SELECT count(*) FROM sessions WHERE token_hash = $1`, sess.Token)
		if stored != 0 {
			t.Fatal("the token itself is stored")
		}
		got, err := s.Authenticate(ctx, sess.Token)
		if err != nil || got.ID != u.ID || !got.HasRole(auth.Treasurer) || !got.HasRole(auth.Auditor) {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}

		t.Run("ErrGarbageToken", func(t *testing.T) {
			if _, err := s.Authenticate(ctx, "garbage"); !errs.Is(errs.Unauthenticated, err) {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("ErrExpired", func(t *testing.T) {
			*now = now.Add(2 * time.Hour)
			defer func() { *now = now.Add(-2 * time.Hour) }()
			if _, err := s.Authenticate(ctx, sess.Token); !errs.Is(errs.Unauthenticated, err) {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("SignOut", func(t *testing.T) {
			if err := s.SignOut(ctx, sess.Token); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Authenticate(ctx, sess.Token); !errs.Is(errs.Unauthenticated, err) {
				t.Fatalf("token works after sign-out: %v", err)
			}
			if err := s.SignOut(ctx, sess.Token); !errs.Is(errs.Unauthenticated, err) {
				t.Fatalf("second sign-out: %v", err)
			}
			var actions []string
			d.Select(&actions, `SELECT action FROM audit_log WHERE object_id = $1 ORDER BY seq`, u.ID)
			if strings.Join(actions, ",") != "user.create,session.create,session.delete" {
				t.Fatalf("audit trail of the user: %v", actions)
			}
		})
		t.Run("ErrWrongPassword", func(t *testing.T) {
			for _, c := range []struct{ email, password string }{
				{"kasse@example.org", "wrong password!"},
				{"nobody@example.org", goodPassword},
			} {
				if _, err := s.SignIn(ctx, auth.Credentials{Email: c.email, Password: c.password}, "192.0.2.2"); !errs.Is(errs.Unauthenticated, err) {
					t.Fatalf("SignIn(%s) = %v", c.email, err)
				}
			}
		})
	})
}

// Many requests at once, each with its own session or none, each get their
// own answer (the lookups of concurrent requests share queries), and a
// sign-out or a deactivation holds for every request that comes after it.
func TestAuthenticateConcurrently(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := mustService(t, d)
		tokens := map[string]string{} // token -> user ID, "" for none
		for _, email := range []string{"a@example.org", "b@example.org", "c@example.org"} {
			u := mustCreateUser(t, s, email, auth.Treasurer)
			sess, err := s.SignIn(ctx, auth.Credentials{Email: email, Password: goodPassword}, "192.0.2.1")
			if err != nil {
				t.Fatal(err)
			}
			tokens[sess.Token] = u.ID
			if email == "c@example.org" {
				if err := s.SignOut(ctx, sess.Token); err != nil {
					t.Fatal(err)
				}
				tokens[sess.Token] = ""
			}
		}
		tokens["garbage"] = ""
		var wg sync.WaitGroup
		for range 20 {
			for token, want := range tokens {
				wg.Add(1)
				go func() {
					defer wg.Done()
					u, err := s.Authenticate(ctx, token)
					switch {
					case want == "" && !errs.Is(errs.Unauthenticated, err):
						t.Errorf("a token with no live session: %+v, %v", u, err)
					case want != "" && (err != nil || u.ID != want):
						t.Errorf("user %s: %+v, %v", want, u, err)
					}
				}()
			}
		}
		wg.Wait()
	})
}

func TestCreateUserValidation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := mustService(t, d)
		admin := mustCreateUser(t, s, "admin@example.org", auth.Admin)
		ok := auth.NewUser{Email: "a@example.org", Name: "A", Password: goodPassword, Roles: []auth.Role{auth.Committee}}
		for name, c := range map[string]struct {
			edit func(*auth.NewUser)
			want errs.FieldError // the only field refused
		}{
			"short password":  {func(n *auth.NewUser) { n.Password = "elevenchars" }, errs.FieldError{Field: "password", Code: "min"}},
			"bad email":       {func(n *auth.NewUser) { n.Email = "not-an-email" }, errs.FieldError{Field: "email", Code: "email"}},
			"blank name":      {func(n *auth.NewUser) { n.Name = "   " }, errs.FieldError{Field: "name", Code: "required"}},
			"no roles":        {func(n *auth.NewUser) { n.Roles = nil }, errs.FieldError{Field: "roles", Code: "required"}},
			"unknown role":    {func(n *auth.NewUser) { n.Roles = []auth.Role{"root"} }, errs.FieldError{Field: "roles[0]", Code: "oneof"}},
			"duplicate email": {func(n *auth.NewUser) { n.Email = "ADMIN@example.org" }, errs.FieldError{Field: "email", Code: "taken"}},
		} {
			t.Run(name, func(t *testing.T) {
				nu := ok
				c.edit(&nu)
				_, err := s.CreateUser(ctx, admin, nu)
				if !errs.Match(errs.E(errs.Invalid, c.want), err) || len(errs.FieldsOf(err)) != 1 {
					t.Fatalf("err = %v %+v, want Invalid naming only %s (%s)", err, errs.FieldsOf(err), c.want.Field, c.want.Code)
				}
			})
		}
		t.Run("twelve characters suffice", func(t *testing.T) {
			nu := ok
			nu.Password = "äöüäöüäöüäöü" // 12 characters, 24 bytes
			if _, err := s.CreateUser(ctx, admin, nu); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			clerk := mustCreateUser(t, s, "clerk@example.org", auth.Treasurer)
			nu := ok
			nu.Email = "b@example.org"
			if _, err := s.CreateUser(ctx, clerk, nu); !errs.Is(errs.Forbidden, err) {
				t.Fatalf("err = %v, want Forbidden", err)
			}
		})
	})
}

func TestRegisterGivesApplicant(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s, _ := mustService(t, d)
		u, err := s.Register(context.Background(), auth.Registration{Email: "verein@example.org", Name: "Verein", Password: goodPassword, Organisation: "Café Lingua e.V."})
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Roles) != 1 || u.Roles[0] != auth.Applicant {
			t.Fatalf("roles = %v", u.Roles)
		}
	})
}

// A user's mails are written in the language of the page they registered
// on, or were created from; one mails are not written in falls back to
// German.
func TestUsersKeepTheirLanguage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s, _ := mustService(t, d)
		ctx := context.Background()
		if _, err := s.Register(ctx, auth.Registration{Email: "en@example.org", Name: "En", Password: goodPassword, Lang: "en"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Register(ctx, auth.Registration{Email: "tr@example.org", Name: "Tr", Password: goodPassword, Lang: "tr"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Register(ctx, auth.Registration{Email: "fr@example.org", Name: "Fr", Password: goodPassword, Lang: "fr"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUserFromCommandLine(ctx, auth.NewUser{Email: "cli@example.org", Name: "Cli", Password: goodPassword, Roles: []auth.Role{auth.Auditor}}); err != nil {
			t.Fatal(err)
		}
		for email, want := range map[string]string{"en@example.org": "en", "tr@example.org": "tr", "fr@example.org": "de", "cli@example.org": "de"} {
			var lang string
			if err := d.Get(&lang, `SELECT lang FROM users WHERE email = $1`, email); err != nil || lang != want {
				t.Errorf("%s: lang %q (%v), want %q", email, lang, err, want)
			}
		}
	})
}

func TestThrottle(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, now := mustService(t, d)
		mustCreateUser(t, s, "x@example.org", auth.Auditor)
		free := auth.DefaultThrottle.AccountFree
		for i := 0; i < free; i++ {
			if _, err := s.SignIn(ctx, auth.Credentials{Email: "x@example.org", Password: "wrong password!"}, "192.0.2.1"); !errs.Is(errs.Unauthenticated, err) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		// One more failure blocks the account, even with the right password
		// and from another address.
		if _, err := s.SignIn(ctx, auth.Credentials{Email: "x@example.org", Password: "wrong password!"}, "192.0.2.1"); !errs.Is(errs.Unauthenticated, err) {
			t.Fatal(err)
		}
		_, err := s.SignIn(ctx, auth.Credentials{Email: "x@example.org", Password: goodPassword}, "198.51.100.7")
		if !errs.Is(errs.RateLimited, err) || errs.RetryAfterOf(err) <= 0 {
			t.Fatalf("blocked sign-in: %v (retry after %v)", err, errs.RetryAfterOf(err))
		}
		// After the block, the right password works and clears the count.
		*now = now.Add(auth.DefaultThrottle.Base)
		if _, err := s.SignIn(ctx, auth.Credentials{Email: "x@example.org", Password: goodPassword}, "198.51.100.7"); err != nil {
			t.Fatalf("after the block: %v", err)
		}
		if _, err := s.SignIn(ctx, auth.Credentials{Email: "x@example.org", Password: "wrong password!"}, "198.51.100.7"); !errs.Is(errs.Unauthenticated, err) {
			t.Fatalf("count not cleared: %v", err)
		}

		// Per address: many accounts guessed from one address.
		addrFree := auth.DefaultThrottle.AddressFree
		for i := 0; i <= addrFree; i++ {
			email := strings.Repeat("y", i+1) + "@example.org"
			if _, err := s.SignIn(ctx, auth.Credentials{Email: email, Password: "wrong password!"}, "203.0.113.9"); !errs.Is(errs.Unauthenticated, err) {
				t.Fatalf("address failure %d: %v", i+1, err)
			}
		}
		if _, err := s.SignIn(ctx, auth.Credentials{Email: "x@example.org", Password: goodPassword}, "203.0.113.9"); !errs.Is(errs.RateLimited, err) {
			t.Fatalf("address not blocked: %v", err)
		}
		if _, err := s.SignIn(ctx, auth.Credentials{Email: "x@example.org", Password: goodPassword}, "192.0.2.200"); err != nil {
			t.Fatalf("another address is blocked too: %v", err)
		}
	})
}

func TestPolicy(t *testing.T) {
	u := &auth.User{ID: "user-treasurer", Roles: []auth.Role{auth.Treasurer}}
	for a, want := range map[fundus.Action]bool{
		fundus.PostLedger: true, fundus.HandleDonations: true, fundus.ReadLedger: true,
		fundus.ManageUsers: false, fundus.VerifyLedger: false, fundus.ReviewApplications: false,
	} {
		if got := u.Allowed(a); got != want {
			t.Errorf("treasurer Allowed(%s) = %v, want %v", a, got, want)
		}
	}
	var nobody *auth.User
	if nobody.Allowed(fundus.ReadLedger) {
		t.Error("a nil user can read the ledger")
	}
	if err := fundus.Authorize("test", nobody, fundus.ReadLedger); !errs.Is(errs.Unauthenticated, err) {
		t.Errorf("nil user: %v", err)
	}
	if err := fundus.Authorize("test", u, fundus.ManageUsers); !errs.Is(errs.Forbidden, err) {
		t.Errorf("treasurer managing users: %v", err)
	}
}

// TestThrottleHoldsUnderParallelGuesses fires 40 wrong guesses at once:
// only the free ones (and the one that crosses the line) reach the
// password check; the rest are refused.
func TestThrottleHoldsUnderParallelGuesses(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s, _ := mustService(t, d)
		mustCreateUser(t, s, "z@example.org", auth.Auditor)
		var wg sync.WaitGroup
		var mu sync.Mutex
		checked, limited := 0, 0
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.SignIn(context.Background(), auth.Credentials{Email: "z@example.org", Password: "wrong password!"}, "192.0.2.50")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case errs.Is(errs.Unauthenticated, err):
					checked++
				case errs.Is(errs.RateLimited, err):
					limited++
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if checked > auth.DefaultThrottle.AccountFree+1 || checked+limited != 40 {
			t.Fatalf("%d guesses were checked, %d refused; at most %d may be checked", checked, limited, auth.DefaultThrottle.AccountFree+1)
		}
	})
}

func TestCreateUserNeedsAnAdmin(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s, _ := mustService(t, d)
		_, err := s.CreateUser(context.Background(), nil, auth.NewUser{Email: "a@example.org", Name: "A", Password: goodPassword, Roles: []auth.Role{auth.Admin}})
		if !errs.Is(errs.Unauthenticated, err) {
			t.Fatalf("err = %v, want Unauthenticated", err)
		}
	})
}
