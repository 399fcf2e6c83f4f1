// Package auth holds users and their roles, the role grants a second admin
// confirms and the separation of duties (accounts.go), password hashing
// under one bound (password.go), sign-in sessions, the slowing of repeated
// failed sign-ins, and the policy of who may do what (policy.go).
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
	"runtime"
	"slices"
	"strings"
	"time"

	"fundus"
	"fundus/audit"
	"fundus/check"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
	"fundus/mail"
)

// User is a person who can sign in.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Organisation string    `json:"organisation,omitempty"`
	Roles        []Role    `json:"roles"`
	Active       bool      `json:"-"` // false: cannot sign in
	CreatedAt    time.Time `json:"-"`
	// AddressConfirmed says the user followed a mailed confirmation link,
	// or was created by an admin or the command line.
	AddressConfirmed bool `json:"-"`
	// Lang is the language the user's mails are written in: the page
	// language at registration or creation.
	Lang         string     `json:"-"`
	LastSignInAt *time.Time `json:"-"`
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
	// Lang is the language of the new user's mails (the creating page's
	// or request's language; another falls back to German).
	Lang string `json:"-"`
}

// Registration is what a project group gives to register itself. It has no
// roles: self-registration only ever gives the applicant role.
type Registration struct {
	Email        string `json:"email" validate:"required,max=254,text,email"`
	Name         string `json:"name" validate:"required,max=200,text"`
	Password     string `json:"password" validate:"required,min=12,max=1024"`
	Organisation string `json:"organisation" validate:"max=200,text"`
	// Lang is the language of the group's mails: the page language at
	// registration.
	Lang string `json:"-"`
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
	DB     *db.DB
	Writer *commit.Writer
	// SessionTTL is how long a session lives after sign-in.
	SessionTTL time.Duration
	// Throttle slows repeated failed sign-ins.
	Throttle Throttle
	// Hasher runs every password hash under one bound.
	Hasher *Hasher
	// Now is the clock; tests set it.
	Now func() time.Time
	// Mailer queues the mails of password resets and address
	// confirmations (their links start with the outbox's base URL).
	Mailer Mailer
	// ResetTTL is how long a password reset link works (0: DefaultResetTTL).
	ResetTTL time.Duration
	// AnswerFloor is the least time the answers that must not tell which
	// addresses are registered take (0: the package's AnswerFloor; tests
	// set less).
	AnswerFloor time.Duration
	// ConfirmAddresses: a self-registered group confirms its address by a
	// mailed link before it may submit (FUNDUS_REGISTRATION_CONFIRM).
	ConfirmAddresses bool

	lookups *sessionLookups // Authenticate's queries
}

// NewService returns a Service on d and the write path w, with the default throttle and clock, and a
// Hasher with one slot per CPU.
func NewService(d *db.DB, w *commit.Writer, sessionTTL time.Duration) *Service {
	s := &Service{DB: d, Writer: w, SessionTTL: sessionTTL, Throttle: DefaultThrottle, Now: time.Now,
		Hasher: NewHasher(runtime.GOMAXPROCS(0), HashWait)}
	s.lookups = &sessionLookups{find: func(ctx context.Context, hashes []string) (map[string]*User, error) {
		return findUsersBySessions(ctx, s.DB, hashes, s.now())
	}}
	return s
}

// write runs fn in the write path (commit.Do): auth's changes commit, and
// are undone, like every other.
func write(ctx context.Context, w *commit.Writer, fn func(tx *commit.Tx) error) error {
	_, err := commit.Do(ctx, w, func(tx *commit.Tx) (struct{}, error) { return struct{}{}, fn(tx) })
	return err
}

func (s *Service) now() time.Time { return db.Time(s.Now()) }

// CreateUser creates a user. A role that needs no grant (applicant) takes
// effect at once; privileged ones become a pending role grant that a second
// admin confirms (ConfirmRoleGrant). actor must be an admin.
// Returns Unauthenticated, Forbidden, Invalid (also for an email already
// registered, and for roles against the separation of duties), RateLimited
// when the server is too busy hashing.
func (s *Service) CreateUser(ctx context.Context, actor *User, nu NewUser) (*Account, error) {
	const op errs.Op = "auth.CreateUser"
	if err := fundus.Authorize(op, actor, fundus.ManageUsers); err != nil {
		return nil, err
	}
	nu, err := checkNewUser(op, nu)
	if err != nil {
		return nil, err
	}
	u := s.newUser(nu, unprivileged(nu.Roles))
	u.AddressConfirmed = true // an admin gave it
	var g *RoleGrant
	if grantNeeded(u.Roles, nu.Roles) {
		g = &RoleGrant{ID: db.NewID(), UserID: u.ID, Roles: nu.Roles, AskedBy: actor.ID, AskedAt: u.CreatedAt, Status: GrantPending}
	}
	if err := s.insertUser(ctx, op, u, nu.Password, actor.ID, "user.create", g); err != nil {
		return nil, err
	}
	return account(u, g), nil
}

// CreateUserFromCommandLine creates a user with any roles at once, the
// first admins included: whoever runs the command line already controls the
// server. The audit trail names the actor "cli". Returns Invalid (also for
// roles against the separation of duties).
func (s *Service) CreateUserFromCommandLine(ctx context.Context, nu NewUser) (*User, error) {
	const op errs.Op = "auth.CreateUserFromCommandLine"
	nu, err := checkNewUser(op, nu)
	if err != nil {
		return nil, err
	}
	u := s.newUser(nu, nu.Roles)
	u.AddressConfirmed = true
	if err := s.insertUser(ctx, op, u, nu.Password, "cli", "user.create", nil); err != nil {
		return nil, err
	}
	return u, nil
}

// checkNewUser normalises and checks nu, its roles sorted.
func checkNewUser(op errs.Op, nu NewUser) (NewUser, error) {
	nu.Email, nu.Name, nu.Organisation = normEmail(nu.Email), strings.TrimSpace(nu.Name), strings.TrimSpace(nu.Organisation)
	var f check.Fields
	f.Struct(nu)
	nu.Roles = slices.Sorted(slices.Values(nu.Roles))
	checkDuties(&f, nu.Roles)
	return nu, f.Err(op)
}

// Register creates an applicant from a self-registration.
// Returns Invalid (also for an email already registered), RateLimited when
// the server is too busy hashing.
func (s *Service) Register(ctx context.Context, r Registration) (*User, error) {
	const op errs.Op = "auth.Register"
	r.Email, r.Name, r.Organisation = normEmail(r.Email), strings.TrimSpace(r.Name), strings.TrimSpace(r.Organisation)
	if err := check.Struct(op, r); err != nil {
		return nil, err
	}
	u := s.newUser(NewUser{Email: r.Email, Name: r.Name, Organisation: r.Organisation, Lang: r.Lang}, []Role{Applicant})
	if err := s.insertUser(ctx, op, u, r.Password, "", "user.register", nil); err != nil {
		return nil, err
	}
	return u, nil
}

func (s *Service) newUser(nu NewUser, roles []Role) *User {
	return &User{ID: db.NewID(), Email: nu.Email, Name: nu.Name, Organisation: nu.Organisation,
		Roles: roles, Active: true, CreatedAt: s.now(), Lang: mail.Lang(nu.Lang)}
}

// insertUser stores a new user, the role grant g it waits for (if any) and
// their audit records. createdBy is the admin who created it over the API,
// "cli" for the command line, "" for a self-registration.
func (s *Service) insertUser(ctx context.Context, op errs.Op, u *User, password, createdBy, action string, g *RoleGrant) error {
	hash, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		return errs.E(op, err)
	}
	actorID, creator := createdBy, createdBy
	switch createdBy {
	case "":
		actorID = u.ID
	case "cli":
		creator = ""
	}
	err = write(ctx, s.Writer, func(tx *commit.Tx) error {
		if err := insertUser(ctx, tx, u, hash, creator); err != nil {
			return err
		}
		// Names and emails stay out of the audit trail (they may have to be
		// erased); the id leads to them while they exist.
		change := map[string]any{"roles": u.Roles}
		if g == nil {
			return audit.Add(tx, actorID, action, "user", u.ID, change)
		}
		change["pending_roles"] = g.Roles
		if err := audit.Add(tx, actorID, action, "user", u.ID, change); err != nil {
			return err
		}
		if err := insertRoleGrant(ctx, tx, g); err != nil {
			return err
		}
		return audit.Add(tx, actorID, "role-grant.ask", "role_grant", g.ID, map[string]any{"user_id": u.ID, "from": u.Roles, "roles": g.Roles})
	})
	if db.IsUniqueViolation(err) {
		return errs.FieldCode(op, "email", "taken", "", "is already registered")
	}
	if err != nil {
		return errs.E(op, err)
	}
	return nil
}

// SignIn checks the credentials and opens a session. addr is the client's
// address, for slowing down guessing.
// Returns Invalid for a missing email or password, Unauthenticated for a
// wrong one (without saying which), RateLimited while the account or address
// is slowed down or the server is too busy hashing.
func (s *Service) SignIn(ctx context.Context, cred Credentials, addr string) (*Session, error) {
	const op errs.Op = "auth.SignIn"
	if err := check.Struct(op, cred); err != nil {
		return nil, err
	}
	email, password := normEmail(cred.Email), cred.Password
	keys := []string{"account:" + email, "address:" + addr}
	now := s.now()
	if err := s.Throttle.attempt(ctx, s.Writer, op, now, keys); err != nil {
		return nil, err
	}
	u, hash, err := findUserByEmail(ctx, s.DB, email)
	if errs.Is(errs.NotFound, err) {
		hash = dummyHash() // the same work as a wrong password
		u = nil
	} else if err != nil {
		return nil, errs.E(op, err)
	}
	ok, err := s.Hasher.Check(ctx, hash, password)
	if err != nil {
		// The password was not looked at: the attempt does not count.
		if err := s.Throttle.uncount(ctx, s.Writer, keys); err != nil {
			return nil, errs.E(op, err)
		}
		return nil, errs.E(op, err)
	}
	// While addresses are confirmed by mail, an account whose address is
	// not confirmed yet does not sign in: the password of a registration
	// would otherwise open a new account at once but fail on a known
	// address, telling which addresses are registered.
	if !ok || u == nil || !u.Active || (s.ConfirmAddresses && !u.AddressConfirmed) {
		return nil, errs.E(op, errs.Unauthenticated, "wrong email or password")
	}
	token, tokenHash := newToken()
	sess := &Session{Token: token, ExpiresAt: now.Add(s.SessionTTL), User: u}
	err = write(ctx, s.Writer, func(tx *commit.Tx) error {
		if err := s.Throttle.succeed(ctx, tx, keys); err != nil {
			return err
		}
		if err := deleteExpiredSessions(ctx, tx, u.ID, now); err != nil {
			return err
		}
		if err := insertSession(ctx, tx, tokenHash, u.ID, now, sess.ExpiresAt); err != nil {
			return err
		}
		if err := setLastSignIn(ctx, tx, u.ID, now); err != nil {
			return err
		}
		return audit.Add(tx, u.ID, "session.create", "user", u.ID, map[string]any{"expires_at": sess.ExpiresAt, "address": addr})
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
	u, err := s.lookups.user(ctx, hashToken(token))
	if err != nil {
		return nil, errs.E(op, err)
	}
	if u == nil {
		return nil, errs.E(op, errs.Unauthenticated, "the session is unknown or has expired")
	}
	return u, nil
}

// SignOut ends the session of token.
// Returns Unauthenticated when there is no such live session.
func (s *Service) SignOut(ctx context.Context, token string) error {
	const op errs.Op = "auth.SignOut"
	var unknown bool
	err := write(ctx, s.Writer, func(tx *commit.Tx) error {
		userID, err := deleteSession(ctx, tx, hashToken(token))
		// An unknown session deleted nothing: the function succeeds, since
		// one that fails after a write makes its whole batch run again.
		if unknown = errs.Is(errs.NotFound, err); unknown {
			return nil
		}
		if err != nil {
			return err
		}
		return audit.Add(tx, userID, "session.delete", "user", userID, map[string]any{})
	})
	if err != nil {
		return errs.E(op, err)
	}
	if unknown {
		return errs.E(op, errs.Unauthenticated, "the session is unknown or has ended")
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
