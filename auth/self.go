package auth

import (
	"context"
	"net/url"
	"time"

	"fundus/audit"
	"fundus/check"
	"fundus/commit"
	"fundus/errs"
	"fundus/mail"
)

// What a user does with their own account: reset a forgotten password by a
// mailed link, change it, end every session, confirm the address a group
// registered with. A mailed link carries a one-time token of 256 random
// bits, stored (like a session) only as its SHA-256, for one purpose, until
// it expires or is used.

// The purposes of a mailed token.
const (
	PurposeReset   = "password-reset"
	PurposeConfirm = "confirm-address"
)

// DefaultResetTTL is how long a password reset link works (FUNDUS_RESET_TTL).
const DefaultResetTTL = time.Hour

// ConfirmTTL is how long an address confirmation link works.
const ConfirmTTL = 7 * 24 * time.Hour

// maxAsks is how many reset links (or confirmation links) an address gets
// an hour; asking for more sends nothing, so nobody can fill a mailbox
// with them.
const maxAsks = 3

// Mailer queues a mail in the transaction of the change that causes it, so
// a rolled-back change sends nothing: a *mail.Outbox.
type Mailer interface {
	Queue(tx *commit.Tx, m mail.Message) error
}

// The pages the mailed links lead to, each followed by "/" and the token.
const (
	ResetPath   = "/password-reset"
	ConfirmPath = "/confirm-address"
)

// PasswordReset is the body of POST /api/v1/password-resets.
type PasswordReset struct {
	Email string `json:"email" validate:"required,max=254,text"`
}

// NewPassword is the body of POST /api/v1/password-resets/{token}.
type NewPassword struct {
	Password string `json:"password" validate:"required,min=12,max=1024"`
}

// PasswordChange is the body of POST /api/v1/me/password.
type PasswordChange struct {
	CurrentPassword string `json:"current_password" validate:"required,max=1024"`
	NewPassword     string `json:"new_password" validate:"required,min=12,max=1024"`
}

func (s *Service) queue(tx *commit.Tx, m mail.Message) error {
	if s.Mailer == nil {
		return errs.E(errs.Op("auth.queue"), errs.Internal, "no mailer is configured")
	}
	return s.Mailer.Queue(tx, m)
}

// RequestPasswordReset mails a one-time link to reset the password, valid
// ResetTTL, to the active user with email, in the user's language, at most
// maxAsks an hour. It answers the same whether or not the address belongs
// to anyone, so that it tells nobody which addresses are registered: the
// same write for both (one transaction counting the ask), and no answer
// before AnswerFloor, which hides the rest (the mail rendered, the token
// stored). Returns Invalid for a missing or malformed email.
func (s *Service) RequestPasswordReset(ctx context.Context, req PasswordReset) error {
	const op errs.Op = "auth.RequestPasswordReset"
	req.Email = normEmail(req.Email)
	if err := check.Struct(op, req); err != nil {
		return err
	}
	defer s.floor(ctx, time.Now())
	now := s.now()
	token, hash := newToken()
	err := write(ctx, s.Writer, func(tx *commit.Tx) error {
		if err := deleteExpiredTokens(ctx, tx, now); err != nil {
			return err
		}
		// Every ask is counted per address, known or not: the same write
		// for both (a transaction that writes nothing commits faster, and
		// would tell), and no more than maxAsks mails an hour to anyone.
		asks, _, err := countAttempt(ctx, tx, "reset:"+req.Email, now, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		u, _, err := findUserByEmail(ctx, tx.Reader(), req.Email)
		if errs.Is(errs.NotFound, err) {
			return nil
		}
		if err != nil {
			return err
		}
		if !u.Active {
			return nil // a deactivated user gets no link: it could not sign in anyway
		}
		if asks > maxAsks {
			return nil
		}
		expires := now.Add(s.resetTTL())
		if err := insertToken(ctx, tx, hash, u.ID, PurposeReset, now, expires); err != nil {
			return err
		}
		if err := s.queue(tx, mail.Message{To: u.Email, Name: u.Name, Lang: u.Lang, Kind: mail.PasswordReset, Data: map[string]any{
			"Path": ResetPath + "/" + url.PathEscape(token), "Expires": expires,
		}}); err != nil {
			return err
		}
		return audit.Add(tx, u.ID, "password-reset.ask", "user", u.ID, map[string]any{"expires_at": expires})
	})
	if err != nil {
		return errs.E(op, err)
	}
	return nil
}

// AnswerFloor is the least time a password reset ask or a registration
// by mail takes to answer, whatever the address (Service.AnswerFloor: 0
// means this).
const AnswerFloor = 150 * time.Millisecond

// floor waits until the answer floor has passed since start.
func (s *Service) floor(ctx context.Context, start time.Time) {
	d := s.AnswerFloor
	if d == 0 {
		d = AnswerFloor
	}
	t := time.NewTimer(d - time.Since(start))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// ResetLinkTTL is how long a password reset link works.
func (s *Service) ResetLinkTTL() time.Duration { return s.resetTTL() }

func (s *Service) resetTTL() time.Duration {
	if s.ResetTTL <= 0 {
		return DefaultResetTTL
	}
	return s.ResetTTL
}

// CheckResetToken reports whether token is a live reset link, for the page
// that asks for the new password. Returns NotFound for an unknown, used or
// expired one.
func (s *Service) CheckResetToken(ctx context.Context, token string) error {
	const op errs.Op = "auth.CheckResetToken"
	if _, err := findToken(ctx, s.DB, hashToken(token), PurposeReset, s.now()); err != nil {
		return errs.E(op, errs.NotFound, LinkDead, "this link is unknown, used or expired; ask for a new one", err)
	}
	return nil
}

// ResetPassword sets the password of the user a live reset token belongs
// to. The token dies (and every other reset link of the user), every
// session of the user ends, and the sign-in slowdown of the account is
// lifted. Returns NotFound for an unknown, used or expired token (checked
// first), Invalid for a bad password, RateLimited when the server is too
// busy hashing.
func (s *Service) ResetPassword(ctx context.Context, token string, np NewPassword) error {
	const op errs.Op = "auth.ResetPassword"
	if err := s.CheckResetToken(ctx, token); err != nil {
		return errs.E(op, err)
	}
	if err := check.Struct(op, np); err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(ctx, np.Password)
	if err != nil {
		return errs.E(op, err)
	}
	var used bool
	err = write(ctx, s.Writer, func(tx *commit.Tx) error {
		// Taking the token and checking it is one statement: of two uses
		// at once, one finds it gone.
		userID, err := takeToken(ctx, tx, hashToken(token), PurposeReset, s.now())
		if used = errs.Is(errs.NotFound, err); used {
			return nil
		}
		if err != nil {
			return err
		}
		u, err := findUserByID(ctx, tx.Reader(), userID)
		if err != nil {
			return err
		}
		if !u.Active {
			used = true
			return nil
		}
		if err := setPassword(ctx, tx, u.ID, hash); err != nil {
			return err
		}
		// The link reached the address: it is confirmed (so that a group
		// registered before FUNDUS_REGISTRATION_CONFIRM was turned on, or
		// whose confirmation links expired, gets in this way).
		if err := setAddressConfirmed(ctx, tx, u.ID, s.now()); err != nil {
			return err
		}
		if err := deleteTokens(ctx, tx, u.ID, PurposeReset); err != nil {
			return err
		}
		if err := deleteSessions(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := clearFailures(ctx, tx, "account:"+u.Email); err != nil {
			return err
		}
		return audit.Add(tx, u.ID, "user.password-reset", "user", u.ID, map[string]any{"sessions": "ended"})
	})
	if err != nil {
		return errs.E(op, err)
	}
	if used {
		return errs.E(op, errs.NotFound, LinkDead, "this link is unknown, used or expired; ask for a new one")
	}
	return nil
}

// ChangePassword sets a signed-in user's password after checking the
// current one; every other session of the user ends, the one of
// keepToken stays. A wrong current password counts as a failed sign-in
// against the account and addr. Returns Invalid (a wrong current password
// names current_password), RateLimited.
func (s *Service) ChangePassword(ctx context.Context, actor *User, keepToken string, pc PasswordChange, addr string) error {
	const op errs.Op = "auth.ChangePassword"
	if actor == nil {
		return errs.E(op, errs.Unauthenticated, "sign in first")
	}
	if err := check.Struct(op, pc); err != nil {
		return err
	}
	keys := []string{"account:" + actor.Email, "address:" + addr}
	if err := s.Throttle.attempt(ctx, s.Writer, op, s.now(), keys); err != nil {
		return err
	}
	_, current, err := findUserByEmail(ctx, s.DB, actor.Email)
	if err != nil {
		return errs.E(op, err)
	}
	ok, err := s.Hasher.Check(ctx, current, pc.CurrentPassword)
	if err != nil {
		if err := s.Throttle.uncount(ctx, s.Writer, keys); err != nil {
			return errs.E(op, err)
		}
		return errs.E(op, err)
	}
	if !ok {
		return errs.FieldCode(op, "current_password", "wrong", "", "is not your current password")
	}
	hash, err := s.Hasher.Hash(ctx, pc.NewPassword)
	if err != nil {
		return errs.E(op, err)
	}
	err = write(ctx, s.Writer, func(tx *commit.Tx) error {
		if err := s.Throttle.succeed(ctx, tx, keys); err != nil {
			return err
		}
		if err := setPassword(ctx, tx, actor.ID, hash); err != nil {
			return err
		}
		if err := deleteTokens(ctx, tx, actor.ID, PurposeReset); err != nil {
			return err
		}
		if err := deleteOtherSessions(ctx, tx, actor.ID, hashToken(keepToken)); err != nil {
			return err
		}
		return audit.Add(tx, actor.ID, "user.password-change", "user", actor.ID, map[string]any{"other_sessions": "ended"})
	})
	if err != nil {
		return errs.E(op, err)
	}
	return nil
}

// SignOutEverywhere ends every session of the user, this one included.
// Returns Unauthenticated without a user.
func (s *Service) SignOutEverywhere(ctx context.Context, actor *User) error {
	const op errs.Op = "auth.SignOutEverywhere"
	if actor == nil {
		return errs.E(op, errs.Unauthenticated, "sign in first")
	}
	err := write(ctx, s.Writer, func(tx *commit.Tx) error {
		n, err := countAndDeleteSessions(ctx, tx, actor.ID)
		if err != nil {
			return err
		}
		return audit.Add(tx, actor.ID, "session.delete-all", "user", actor.ID, map[string]any{"sessions": n})
	})
	if err != nil {
		return errs.E(op, err)
	}
	return nil
}

// Sessions returns how many live sessions the user has.
func (s *Service) Sessions(ctx context.Context, userID string) (int, error) {
	n, err := countSessions(ctx, s.DB, userID, s.now())
	if err != nil {
		return 0, errs.E(errs.Op("auth.Sessions"), err)
	}
	return n, nil
}
