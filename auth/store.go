package auth

import (
	"context"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/db"
)

// This file holds all of the package's SQL.

type userRow struct {
	ID           string    `db:"id"`
	Email        string    `db:"email"`
	Name         string    `db:"name"`
	Organisation string    `db:"organisation"`
	PasswordHash string    `db:"password_hash"`
	CreatedAt    time.Time `db:"created_at"`
	Roles        string    `db:"roles"` // comma-separated, sorted
}

func (r userRow) user(roles []Role) *User {
	return &User{ID: r.ID, Email: r.Email, Name: r.Name, Organisation: r.Organisation, Roles: roles, CreatedAt: r.CreatedAt}
}

// userColumns read a user with its roles in one statement: every signed-in
// request reads its user, and a second statement for the roles was a
// second round trip to PostgreSQL.
const userColumns = `u.id, u.email, u.name, u.organisation, u.password_hash, u.created_at,
	COALESCE((SELECT string_agg(r.role, ',' ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '') AS roles`

func insertUser(ctx context.Context, tx sqlx.ExtContext, u *User, passwordHash string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, organisation, password_hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, u.ID, u.Email, u.Name, u.Organisation, passwordHash, u.CreatedAt)
	if err != nil {
		return err
	}
	for _, r := range u.Roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role) VALUES ($1, $2)`, u.ID, r); err != nil {
			return err
		}
	}
	return nil
}

func findUser(ctx context.Context, q sqlx.QueryerContext, query string, args ...any) (*User, string, error) {
	var r userRow
	if err := sqlx.GetContext(ctx, q, &r, query, args...); err != nil {
		return nil, "", db.NotFoundOr("auth.findUser", err, "no such user")
	}
	var roles []Role
	if r.Roles != "" {
		for _, role := range strings.Split(r.Roles, ",") {
			roles = append(roles, Role(role))
		}
	}
	return r.user(roles), r.PasswordHash, nil
}

// findUserByEmail returns the user and its password hash. Returns NotFound.
func findUserByEmail(ctx context.Context, q sqlx.QueryerContext, email string) (*User, string, error) {
	return findUser(ctx, q, `SELECT `+userColumns+` FROM users u WHERE u.email = $1`, email)
}

func findUserByID(ctx context.Context, q sqlx.QueryerContext, id string) (*User, error) {
	u, _, err := findUser(ctx, q, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id)
	return u, err
}

// findUserBySession returns the user of a session that is live at now.
// Returns NotFound.
func findUserBySession(ctx context.Context, q sqlx.QueryerContext, tokenHash string, now time.Time) (*User, error) {
	u, _, err := findUser(ctx, q, `SELECT `+userColumns+` FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2`, tokenHash, now)
	return u, err
}

func insertSession(ctx context.Context, tx sqlx.ExtContext, tokenHash, userID string, now, expires time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		tokenHash, userID, now, expires)
	return err
}

// deleteSession ends a session and returns whose it was. Returns NotFound.
func deleteSession(ctx context.Context, tx sqlx.ExtContext, tokenHash string) (string, error) {
	var userID string
	err := sqlx.GetContext(ctx, tx, &userID, `DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id`, tokenHash)
	if err != nil {
		return "", db.NotFoundOr("auth.deleteSession", err, "no such session")
	}
	return userID, nil
}

func deleteExpiredSessions(ctx context.Context, tx sqlx.ExtContext, userID string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2`, userID, now)
	return err
}

// countAttempt adds one attempt to key, starting again from one when the
// last was before forgetBefore, and returns the new count and the time the
// key was blocked until before this attempt. One statement, so that
// concurrent attempts are counted one by one.
func countAttempt(ctx context.Context, tx sqlx.ExtContext, key string, now, forgetBefore time.Time) (int, time.Time, error) {
	var n int
	var blockedUntil time.Time
	err := tx.QueryRowxContext(ctx, `INSERT INTO signin_failures (key, failures, last_at, blocked_until)
		VALUES ($1, 1, $2, $2)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN signin_failures.last_at < $3 THEN 1 ELSE signin_failures.failures + 1 END,
			last_at = $2
		RETURNING failures, blocked_until`, key, now, forgetBefore).Scan(&n, &blockedUntil)
	return n, blockedUntil, err
}

func setBlockedUntil(ctx context.Context, tx sqlx.ExtContext, key string, until time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE signin_failures SET blocked_until = $2 WHERE key = $1`, key, until)
	return err
}

func clearFailures(ctx context.Context, tx sqlx.ExtContext, key string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM signin_failures WHERE key = $1`, key)
	return err
}

func uncount(ctx context.Context, tx sqlx.ExecerContext, key string) error {
	_, err := tx.ExecContext(ctx, `UPDATE signin_failures SET failures = failures - 1 WHERE key = $1 AND failures > 0`, key)
	return err
}
