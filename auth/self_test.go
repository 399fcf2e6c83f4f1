package auth_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fundus/auth"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/mail"
)

// recorder is an auth.Mailer that keeps the mails.
type recorder struct {
	mu    sync.Mutex
	mails []mail.Message
}

func (r *recorder) Queue(tx *commit.Tx, m mail.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mails = append(r.mails, m)
	return nil
}

func (r *recorder) lastToken(t *testing.T) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.mails) == 0 {
		t.Fatal("no mail")
	}
	p := r.mails[len(r.mails)-1].Data["Path"].(string)
	return p[strings.LastIndex(p, "/")+1:]
}

// TestResetTokenWorksOnceAtOnce: of many uses of one reset token at the
// same moment, exactly one sets the password.
func TestResetTokenWorksOnceAtOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := mustService(t, d)
		s.AnswerFloor = time.Millisecond
		rec := &recorder{}
		s.Mailer = rec
		mustCreateUser(t, s, "ada@example.org", auth.Applicant)
		if err := s.RequestPasswordReset(ctx, auth.PasswordReset{Email: "ada@example.org"}); err != nil {
			t.Fatal(err)
		}
		token := rec.lastToken(t)
		const n = 6
		errc := make(chan error, n)
		for i := range n {
			go func() {
				errc <- s.ResetPassword(ctx, token, auth.NewPassword{Password: "new password number " + string(rune('a'+i))})
			}()
		}
		ok := 0
		for range n {
			err := <-errc
			switch {
			case err == nil:
				ok++
			case !errs.Is(errs.NotFound, err):
				t.Fatalf("a use failed otherwise: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d uses of one token succeeded, want 1", ok)
		}
	})
}

// TestResetExpires: a token works until its time, not after.
func TestResetExpires(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, now := mustService(t, d)
		s.AnswerFloor, s.ResetTTL = time.Millisecond, 10*time.Minute
		rec := &recorder{}
		s.Mailer = rec
		mustCreateUser(t, s, "ada@example.org", auth.Applicant)
		s.RequestPasswordReset(ctx, auth.PasswordReset{Email: "ada@example.org"})
		token := rec.lastToken(t)
		*now = now.Add(10 * time.Minute)
		if err := s.ResetPassword(ctx, token, auth.NewPassword{Password: "a brand new password"}); !errs.Is(errs.NotFound, err) {
			t.Fatalf("at expiry: %v, want NotFound", err)
		}
		*now = now.Add(-time.Second)
		if err := s.ResetPassword(ctx, token, auth.NewPassword{Password: "a brand new password"}); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
	})
}
