package auth

import (
	"context"
	"net/url"
	"strings"
	"time"

	"fundus/audit"
	"fundus/check"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
	"fundus/mail"
)

// Address confirmation (FUNDUS_REGISTRATION_CONFIRM): a group that registers
// itself gets a mailed link and may submit an application only once it has
// followed it. Registration then answers alike for a new and a known
// address: a new one gets the link, a known one a mail saying that someone
// tried to register with it. Accounts that an admin or the command line
// creates count as confirmed: an admin gave the address.

// RegisterByMail registers a project group whose address is confirmed by a
// mailed link, in its language (r.Lang). It answers the same, and does
// nearly the same work (a password hashed, one write transaction, one
// mail), whether or not the address is already registered, and not before
// AnswerFloor. Returns Invalid for a bad field (never for
// a taken address), RateLimited when the server is too busy hashing.
func (s *Service) RegisterByMail(ctx context.Context, r Registration) error {
	const op errs.Op = "auth.RegisterByMail"
	r.Email, r.Name, r.Organisation = normEmail(r.Email), strings.TrimSpace(r.Name), strings.TrimSpace(r.Organisation)
	if err := check.Struct(op, r); err != nil {
		return err
	}
	defer s.floor(ctx, time.Now())
	hash, err := s.Hasher.Hash(ctx, r.Password)
	if err != nil {
		return errs.E(op, err)
	}
	u := s.newUser(NewUser{Email: r.Email, Name: r.Name, Organisation: r.Organisation, Lang: r.Lang}, []Role{Applicant})
	token, tokenHash := newToken()
	err = write(ctx, s.Writer, func(tx *commit.Tx) error {
		// Every registration is counted per address, known or not (the
		// same write for both): a known address gets at most maxAsks
		// mails an hour, so nobody can fill its mailbox by registering.
		now := s.now()
		asks, _, err := countAttempt(ctx, tx, "register:"+r.Email, now, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		known, _, err := findUserByEmail(ctx, tx.Reader(), r.Email)
		if err == nil && asks > maxAsks {
			return nil
		}
		if err == nil && known.Active && !known.AddressConfirmed {
			// Not confirmed yet (and so unable to sign in): a new link,
			// while fewer than maxAsks are live.
			n, err := countTokens(ctx, tx.Reader(), known.ID, PurposeConfirm, s.now())
			if err != nil || n >= maxAsks {
				return err
			}
			if err := s.insertConfirmation(ctx, tx, known, tokenHash, token); err != nil {
				return err
			}
			return audit.Add(tx, known.ID, "user.confirm-address-ask", "user", known.ID, map[string]any{})
		}
		if err == nil {
			if err := s.queue(tx, mail.Message{To: known.Email, Name: known.Name, Lang: known.Lang, Kind: mail.AddressTaken, Data: map[string]any{
				"Path": ResetPath,
			}}); err != nil {
				return err
			}
			return audit.Add(tx, known.ID, "user.register-again", "user", known.ID, map[string]any{})
		}
		if !errs.Is(errs.NotFound, err) {
			return err
		}
		if err := insertUser(ctx, tx, u, hash, ""); err != nil {
			return err
		}
		if err := s.insertConfirmation(ctx, tx, u, tokenHash, token); err != nil {
			return err
		}
		return audit.Add(tx, u.ID, "user.register", "user", u.ID, map[string]any{"roles": u.Roles, "address_confirmed": false})
	})
	if db.IsUniqueViolation(err) {
		return nil // registered at this moment by another request: the same answer
	}
	if err != nil {
		return errs.E(op, err)
	}
	return nil
}

// insertConfirmation stores a confirmation token for u and queues its mail.
func (s *Service) insertConfirmation(ctx context.Context, tx *commit.Tx, u *User, tokenHash, token string) error {
	now := s.now()
	expires := now.Add(ConfirmTTL)
	if err := insertToken(ctx, tx, tokenHash, u.ID, PurposeConfirm, now, expires); err != nil {
		return err
	}
	return s.queue(tx, mail.Message{To: u.Email, Name: u.Name, Lang: u.Lang, Kind: mail.ConfirmAddress, Data: map[string]any{
		"Path": ConfirmPath + "/" + url.PathEscape(token), "Expires": expires,
	}})
}

// ConfirmAddress marks the address of the user a live confirmation token
// belongs to as confirmed; the token dies. Returns NotFound for an unknown,
// used or expired token.
func (s *Service) ConfirmAddress(ctx context.Context, token string) error {
	const op errs.Op = "auth.ConfirmAddress"
	var used bool
	err := write(ctx, s.Writer, func(tx *commit.Tx) error {
		now := s.now()
		userID, err := takeToken(ctx, tx, hashToken(token), PurposeConfirm, now)
		if used = errs.Is(errs.NotFound, err); used {
			return nil
		}
		if err != nil {
			return err
		}
		if err := deleteTokens(ctx, tx, userID, PurposeConfirm); err != nil {
			return err
		}
		if err := setAddressConfirmed(ctx, tx, userID, now); err != nil {
			return err
		}
		return audit.Add(tx, userID, "user.confirm-address", "user", userID, map[string]any{})
	})
	if err != nil {
		return errs.E(op, err)
	}
	if used {
		return errs.E(op, errs.NotFound, LinkDead, "this link is unknown, used or expired; ask for a new one")
	}
	return nil
}

// ResendConfirmation mails the signed-in user a new confirmation link, in
// the user's language.
// Returns Unauthenticated, InvalidState when the address is confirmed
// already or several links are still live.
func (s *Service) ResendConfirmation(ctx context.Context, actor *User) error {
	const op errs.Op = "auth.ResendConfirmation"
	if actor == nil {
		return errs.E(op, errs.Unauthenticated, "sign in first")
	}
	token, tokenHash := newToken()
	err := write(ctx, s.Writer, func(tx *commit.Tx) error {
		u, err := findUserByID(ctx, tx.Reader(), actor.ID)
		if err != nil {
			return err
		}
		if u.AddressConfirmed {
			return errs.E(op, errs.InvalidState, "your address is confirmed already")
		}
		n, err := countTokens(ctx, tx.Reader(), u.ID, PurposeConfirm, s.now())
		if err != nil {
			return err
		}
		if n >= maxAsks {
			return errs.E(op, errs.InvalidState, "several confirmation links are on their way already; look in your mailbox (and its spam folder)")
		}
		if err := s.insertConfirmation(ctx, tx, u, tokenHash, token); err != nil {
			return err
		}
		return audit.Add(tx, u.ID, "user.confirm-address-ask", "user", u.ID, map[string]any{})
	})
	if err != nil {
		return errs.E(op, err)
	}
	return nil
}

// MaySubmit refuses, while addresses must be confirmed, a group whose
// address is not; for grants.Service. Returns InvalidState, NotFound.
func (s *Service) MaySubmit(ctx context.Context, userID string) error {
	const op errs.Op = "auth.MaySubmit"
	if !s.ConfirmAddresses {
		return nil
	}
	u, err := findUserByID(ctx, s.DB, userID)
	if err != nil {
		return errs.E(op, err)
	}
	if !u.AddressConfirmed {
		return errs.E(op, errs.InvalidState, AddressUnconfirmed,
			"confirm your email address first: follow the link we mailed you when you registered (your account page sends a new one)")
	}
	return nil
}
