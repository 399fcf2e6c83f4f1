// Package auth holds users and their roles, password hashing, sign-in
// sessions, the slowing of repeated failed sign-ins, and the policy of who
// may do what (policy.go).
//
// A session token is 256 random bits, given to the client once and stored
// only as its SHA-256, so a copy of the database signs nobody in. It expires
// after the configured lifetime and dies on sign-out.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/check"
	"fundus/db"
	"fundus/errs"
	"fundus/ledger"
)

// User is a person who can sign in.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Organisation string    `json:"organisation,omitempty"`
	Roles        []Role    `json:"roles"`
	CreatedAt    time.Time `json:"-"`
}

// HasRole reports whether u holds r.
func (u *User) HasRole(r Role) bool { return u != nil && slices.Contains(u.Roles, r) }

// NewUser is what an admin (or the command line) gives to create a user.
type NewUser struct {
	Email        string `json:"email" validate:"required,max=254,text,email"`
	Name         string `json:"name" validate:"required,max=200,text"`
	Password     string `json:"password" validate:"required,min=12,max=1024"`
	Organisation string `json:"organisation" validate:"max=200,text"`
	Roles        []Role `json:"roles" validate:"required,min=1,unique,dive,oneof=admin committee treasurer auditor applicant"`
}

// Registration is what a project group gives to register itself. It has no
// roles: self-registration only ever gives the applicant role.
type Registration struct {
	Email        string `json:"email" validate:"required,max=254,text,email"`
	Name         string `json:"name" validate:"required,max=200,text"`
	Password     string `json:"password" validate:"required,min=12,max=1024"`
	Organisation string `json:"organisation" validate:"max=200,text"`
}

// Credentials are what a user signs in with.
type Credentials struct {
	Email    string `json:"email" validate:"required,max=254,text"`
	Password string `json:"password" validate:"required,max=1024"`
}

// Session is a sign-in: the token is shown once, here, and never stored.
type Session struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      *User     `json:"user"`
}

// Service runs the use cases of this package.
type Service struct {
	DB *db.DB
	// SessionTTL is how long a session lives after sign-in.
	SessionTTL time.Duration
	// Throttle slows repeated failed sign-ins.
	Throttle Throttle
	// Now is the clock; tests set it.
	Now func() time.Time
}

// NewService returns a Service with the default throttle and clock.
func NewService(d *db.DB, sessionTTL time.Duration) *Service {
	return &Service{DB: d, SessionTTL: sessionTTL, Throttle: DefaultThrottle, Now: time.Now}
}

func (s *Service) now() time.Time { return db.Time(s.Now()) }

// CreateUser creates a user with the given roles. actor must be an admin.
// Returns Unauthenticated, Forbidden, Invalid (also for an email already
// registered).
func (s *Service) CreateUser(ctx context.Context, actor *User, nu NewUser) (*User, error) {
	const op errs.Op = "auth.CreateUser"
	if err := Authorize(op, actor, ManageUsers); err != nil {
		return nil, err
	}
	return s.createUser(ctx, op, actor.ID, nu)
}

// CreateUserFromCommandLine creates a user with any roles, the first admin
// included: whoever runs the command line already controls the server. The
// audit trail names the actor "cli". Returns Invalid.
func (s *Service) CreateUserFromCommandLine(ctx context.Context, nu NewUser) (*User, error) {
	return s.createUser(ctx, "auth.CreateUserFromCommandLine", "cli", nu)
}

func (s *Service) createUser(ctx context.Context, op errs.Op, actorID string, nu NewUser) (*User, error) {
	nu.Email, nu.Name, nu.Organisation = normEmail(nu.Email), strings.TrimSpace(nu.Name), strings.TrimSpace(nu.Organisation)
	if err := check.Struct(op, nu); err != nil {
		return nil, err
	}
	return s.insertUser(ctx, op, actorID, "user.create", nu)
}

// Register creates an applicant from a self-registration.
// Returns Invalid (also for an email already registered).
func (s *Service) Register(ctx context.Context, r Registration) (*User, error) {
	const op errs.Op = "auth.Register"
	r.Email, r.Name, r.Organisation = normEmail(r.Email), strings.TrimSpace(r.Name), strings.TrimSpace(r.Organisation)
	if err := check.Struct(op, r); err != nil {
		return nil, err
	}
	return s.insertUser(ctx, op, "", "user.register", NewUser{
		Email: r.Email, Name: r.Name, Password: r.Password, Organisation: r.Organisation,
		Roles: []Role{Applicant},
	})
}

// insertUser stores a new user and its audit record. actorID "" means the
// user registered itself.
func (s *Service) insertUser(ctx context.Context, op errs.Op, actorID, action string, nu NewUser) (*User, error) {
	u := &User{
		ID:           db.NewID(),
		Email:        nu.Email,
		Name:         nu.Name,
		Organisation: nu.Organisation,
		Roles:        slices.Sorted(slices.Values(nu.Roles)),
		CreatedAt:    s.now(),
	}
	hash := hashPassword(nu.Password)
	if actorID == "" {
		actorID = u.ID
	}
	err := db.InTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		if err := insertUser(ctx, tx, u, hash); err != nil {
			return err
		}
		// Names and emails stay out of the audit trail (they may have to be
		// erased); the id leads to them while they exist.
		return ledger.Audit(ctx, tx, u.CreatedAt, actorID, action, "user", u.ID, map[string]any{"roles": u.Roles})
	})
	if db.IsUniqueViolation(err) {
		return nil, errs.FieldCode(op, "email", "taken", "", "is already registered")
	}
	if err != nil {
		return nil, errs.E(op, err)
	}
	return u, nil
}

// SignIn checks the credentials and opens a session. addr is the client's
// address, for slowing down guessing.
// Returns Invalid for a missing email or password, Unauthenticated for a
// wrong one (without saying which), RateLimited while the account or address
// is slowed down.
func (s *Service) SignIn(ctx context.Context, cred Credentials, addr string) (*Session, error) {
	const op errs.Op = "auth.SignIn"
	if err := check.Struct(op, cred); err != nil {
		return nil, err
	}
	email, password := normEmail(cred.Email), cred.Password
	keys := []string{"account:" + email, "address:" + addr}
	now := s.now()
	if err := s.Throttle.attempt(ctx, s.DB, op, now, keys); err != nil {
		return nil, err
	}
	u, hash, err := findUserByEmail(ctx, s.DB, email)
	if errs.Is(errs.NotFound, err) {
		hash = dummyHash() // the same work as a wrong password
		u = nil
	} else if err != nil {
		return nil, errs.E(op, err)
	}
	ok, err := checkPasswordLimited(ctx, hash, password)
	if err != nil {
		return nil, errs.E(op, err)
	}
	if !ok || u == nil {
		return nil, errs.E(op, errs.Unauthenticated, "wrong email or password")
	}
	token, tokenHash := newToken()
	sess := &Session{Token: token, ExpiresAt: now.Add(s.SessionTTL), User: u}
	err = db.InTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		if err := s.Throttle.succeed(ctx, tx, keys); err != nil {
			return err
		}
		if err := deleteExpiredSessions(ctx, tx, u.ID, now); err != nil {
			return err
		}
		if err := insertSession(ctx, tx, tokenHash, u.ID, now, sess.ExpiresAt); err != nil {
			return err
		}
		return ledger.Audit(ctx, tx, now, u.ID, "session.create", "user", u.ID, map[string]any{"expires_at": sess.ExpiresAt, "address": addr})
	})
	if err != nil {
		return nil, errs.E(op, err)
	}
	return sess, nil
}

// Authenticate returns the user whose live session token is given.
// Returns Unauthenticated for an unknown, expired or ended session.
func (s *Service) Authenticate(ctx context.Context, token string) (*User, error) {
	const op errs.Op = "auth.Authenticate"
	if token == "" {
		return nil, errs.E(op, errs.Unauthenticated, "sign in first")
	}
	u, err := findUserBySession(ctx, s.DB, hashToken(token), s.now())
	if errs.Is(errs.NotFound, err) {
		return nil, errs.E(op, errs.Unauthenticated, "the session is unknown or has expired")
	}
	if err != nil {
		return nil, errs.E(op, err)
	}
	return u, nil
}

// SignOut ends the session of token.
// Returns Unauthenticated when there is no such live session.
func (s *Service) SignOut(ctx context.Context, token string) error {
	const op errs.Op = "auth.SignOut"
	err := db.InTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		userID, err := deleteSession(ctx, tx, hashToken(token))
		if err != nil {
			return err
		}
		return ledger.Audit(ctx, tx, s.now(), userID, "session.delete", "user", userID, map[string]any{})
	})
	if errs.Is(errs.NotFound, err) {
		return errs.E(op, errs.Unauthenticated, "the session is unknown or has ended")
	}
	if err != nil {
		return errs.E(op, err)
	}
	return nil
}

// FindUserByID returns the user with id. Returns NotFound.
func (s *Service) FindUserByID(ctx context.Context, id string) (*User, error) {
	u, err := findUserByID(ctx, s.DB, id)
	if err != nil {
		return nil, errs.E(errs.Op("auth.FindUserByID"), err)
	}
	return u, nil
}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// newToken returns a fresh session token and the hash under which it is
// stored.
func newToken() (token, hash string) {
	var b [32]byte
	rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
