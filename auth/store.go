package auth

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/db"
	"fundus/errs"
)

// This file holds all of the package's SQL.

type userRow struct {
	ID           string       `db:"id"`
	Email        string       `db:"email"`
	Name         string       `db:"name"`
	Organisation string       `db:"organisation"`
	PasswordHash string       `db:"password_hash"`
	Active       bool         `db:"active"`
	CreatedAt    time.Time    `db:"created_at"`
	Roles        string       `db:"roles"` // comma-separated, sorted
	LastSignIn   sql.NullTime `db:"last_sign_in_at"`
	Confirmed    sql.NullTime `db:"address_confirmed_at"`
	Lang         string       `db:"lang"`
}

func (r userRow) user() *User {
	return &User{ID: r.ID, Email: r.Email, Name: r.Name, Organisation: r.Organisation, Roles: splitRoles(r.Roles),
		Active: r.Active, CreatedAt: r.CreatedAt.UTC(), AddressConfirmed: r.Confirmed.Valid, Lang: r.Lang, LastSignInAt: db.TimeOrNil(r.LastSignIn)}
}

// splitRoles reads a comma-separated list; none is an empty list, never
// nil (the API answers [] for a user whose roles all wait for a grant).
func splitRoles(s string) []Role {
	roles := []Role{}
	if s != "" {
		for _, role := range strings.Split(s, ",") {
			roles = append(roles, Role(role))
		}
	}
	return roles
}

func joinRoles(roles []Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// userColumns read a user with its roles in one statement: every signed-in
// request reads its user, and a second statement for the roles was a
// second round trip to PostgreSQL.
const userColumns = `u.id, u.email, u.name, u.organisation, u.password_hash, u.active, u.created_at,
	u.last_sign_in_at, u.address_confirmed_at, u.lang,
	COALESCE((SELECT string_agg(r.role, ',' ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '') AS roles`

// insertUser stores u; createdBy is the admin who created it over the
// API, "" for none.
func insertUser(ctx context.Context, tx sqlx.ExtContext, u *User, passwordHash, createdBy string) error {
	var confirmed *time.Time
	if u.AddressConfirmed {
		confirmed = &u.CreatedAt
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, organisation, password_hash, created_at, created_by, address_confirmed_at, lang)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, u.ID, u.Email, u.Name, u.Organisation, passwordHash, u.CreatedAt, db.StringOrNull(createdBy), confirmed, u.Lang)
	if err != nil {
		return err
	}
	return insertRoles(ctx, tx, u.ID, u.Roles)
}

func insertRoles(ctx context.Context, tx sqlx.ExtContext, userID string, roles []Role) error {
	for _, r := range roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role) VALUES ($1, $2)`, userID, r); err != nil {
			return err
		}
	}
	return nil
}

// setRoles makes roles the user's roles.
func setRoles(ctx context.Context, tx sqlx.ExtContext, userID string, roles []Role) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_roles WHERE user_id = $1`, userID); err != nil {
		return err
	}
	return insertRoles(ctx, tx, userID, roles)
}

func setName(ctx context.Context, tx sqlx.ExtContext, userID, name string) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET name = $2 WHERE id = $1`, userID, name)
	return err
}

func setActive(ctx context.Context, tx sqlx.ExtContext, userID string, active bool) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET active = $2 WHERE id = $1`, userID, active)
	return err
}

func setPassword(ctx context.Context, tx sqlx.ExtContext, userID, hash string) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, hash)
	return err
}

func setLastSignIn(ctx context.Context, tx sqlx.ExtContext, userID string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET last_sign_in_at = $2 WHERE id = $1`, userID, at)
	return err
}

func setAddressConfirmed(ctx context.Context, tx sqlx.ExtContext, userID string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET address_confirmed_at = $2 WHERE id = $1 AND address_confirmed_at IS NULL`, userID, at)
	return err
}

// deleteOtherSessions ends every session of the user but the one of
// keepHash.
func deleteOtherSessions(ctx context.Context, tx sqlx.ExtContext, userID, keepHash string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, userID, keepHash)
	return err
}

// countAndDeleteSessions ends every session of the user and returns how
// many there were.
func countAndDeleteSessions(ctx context.Context, tx sqlx.ExtContext, userID string) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// countSessions returns how many sessions of the user are live at now.
func countSessions(ctx context.Context, q sqlx.QueryerContext, userID string, now time.Time) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM sessions WHERE user_id = $1 AND expires_at > $2`, userID, now)
	return n, err
}

// insertToken stores the hash of a mailed one-time token.
func insertToken(ctx context.Context, tx sqlx.ExtContext, hash, userID, purpose string, now, expires time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO user_tokens (token_hash, user_id, purpose, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, hash, userID, purpose, now, expires)
	return err
}

// findToken returns the user of a token for purpose live at now. Returns
// NotFound.
func findToken(ctx context.Context, q sqlx.QueryerContext, hash, purpose string, now time.Time) (string, error) {
	var userID string
	err := sqlx.GetContext(ctx, q, &userID, `SELECT user_id FROM user_tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3`,
		hash, purpose, now)
	if err != nil {
		return "", db.NotFoundOr("auth.findToken", err, "no such token")
	}
	return userID, nil
}

// takeToken deletes a token for purpose live at now and returns its user,
// in one statement. Returns NotFound.
func takeToken(ctx context.Context, tx sqlx.ExtContext, hash, purpose string, now time.Time) (string, error) {
	var userID string
	err := sqlx.GetContext(ctx, tx, &userID, `DELETE FROM user_tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3
		RETURNING user_id`, hash, purpose, now)
	if err != nil {
		return "", db.NotFoundOr("auth.takeToken", err, "no such token")
	}
	return userID, nil
}

// countTokens returns how many tokens for purpose the user has live at now.
func countTokens(ctx context.Context, q sqlx.QueryerContext, userID, purpose string, now time.Time) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM user_tokens WHERE user_id = $1 AND purpose = $2 AND expires_at > $3`,
		userID, purpose, now)
	return n, err
}

// deleteTokens deletes every token for purpose of the user.
func deleteTokens(ctx context.Context, tx sqlx.ExtContext, userID, purpose string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM user_tokens WHERE user_id = $1 AND purpose = $2`, userID, purpose)
	return err
}

func deleteExpiredTokens(ctx context.Context, tx sqlx.ExtContext, now time.Time) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM user_tokens WHERE expires_at <= $1`, now)
	return err
}

// deleteSessions ends every session of the user.
func deleteSessions(ctx context.Context, tx sqlx.ExtContext, userID string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return err
}

// lockRoles orders the transactions that change roles or deactivate users,
// so that two of them cannot each leave the other's admin the last one.
// SQLite's writer already holds the database lock.
func lockRoles(ctx context.Context, q sqlx.QueryerContext, engine db.Engine) error {
	if engine != db.Postgres {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('fundus.user_roles'))`)
	if err != nil {
		return err
	}
	return rows.Close()
}

// activeAdmins returns the ids of the active admins.
func activeAdmins(ctx context.Context, q sqlx.QueryerContext) ([]string, error) {
	var ids []string
	err := sqlx.SelectContext(ctx, q, &ids, `SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id
		WHERE r.role = 'admin' AND u.active`)
	return ids, err
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// findUsers returns the users holding role ("" for any) whose email or
// name contains text (lower-case; "" for any), by email.
func findUsers(ctx context.Context, q sqlx.QueryerContext, role Role, text string) ([]*User, error) {
	var rows []userRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+userColumns+` FROM users u
		WHERE ($1 = '' OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = $1))
		AND (lower(u.email) LIKE $2 ESCAPE '\' OR lower(u.name) LIKE $2 ESCAPE '\')
		ORDER BY u.email`, string(role), "%"+likeEscaper.Replace(text)+"%")
	if err != nil {
		return nil, err
	}
	out := make([]*User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
	}
	return out, nil
}

type roleGrantRow struct {
	ID          string         `db:"id"`
	UserID      string         `db:"user_id"`
	Roles       string         `db:"roles"`
	AskedBy     string         `db:"asked_by"`
	AskedAt     time.Time      `db:"asked_at"`
	Status      string         `db:"status"`
	ConfirmedBy sql.NullString `db:"confirmed_by"`
	ConfirmedAt sql.NullTime   `db:"confirmed_at"`
}

func (r roleGrantRow) grant() RoleGrant {
	return RoleGrant{ID: r.ID, UserID: r.UserID, Roles: splitRoles(r.Roles), AskedBy: r.AskedBy, AskedAt: r.AskedAt.UTC(),
		Status: r.Status, ConfirmedBy: r.ConfirmedBy.String, ConfirmedAt: db.TimeOrNil(r.ConfirmedAt)}
}

const roleGrantColumns = `id, user_id, roles, asked_by, asked_at, status, confirmed_by, confirmed_at`

func insertRoleGrant(ctx context.Context, tx sqlx.ExtContext, g *RoleGrant) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO role_grants (id, user_id, roles, asked_by, asked_at, status)
		VALUES ($1, $2, $3, $4, $5, $6)`, g.ID, g.UserID, joinRoles(g.Roles), g.AskedBy, g.AskedAt, g.Status)
	return err
}

// replacePendingGrants marks the user's pending grants replaced and
// returns their ids.
func replacePendingGrants(ctx context.Context, tx sqlx.ExtContext, userID string) ([]string, error) {
	var ids []string
	err := sqlx.SelectContext(ctx, tx, &ids, `UPDATE role_grants SET status = 'replaced'
		WHERE user_id = $1 AND status = 'pending' RETURNING id`, userID)
	return ids, err
}

// confirmRoleGrant stores g's confirmation and the roles it adds. Returns
// InvalidState when g is no longer pending.
func confirmRoleGrant(ctx context.Context, tx sqlx.ExtContext, g *RoleGrant, adds []Role) error {
	res, err := tx.ExecContext(ctx, `UPDATE role_grants SET status = 'confirmed', confirmed_by = $2, confirmed_at = $3, adds = $4
		WHERE id = $1 AND status = 'pending'`, g.ID, g.ConfirmedBy, g.ConfirmedAt, joinRoles(adds))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errs.E(errs.Op("auth.confirmRoleGrant"), errs.InvalidState, "this role grant is no longer pending", err)
	}
	return nil
}

// findRoleGrant returns a grant. Returns NotFound.
func findRoleGrant(ctx context.Context, q sqlx.QueryerContext, id string) (*RoleGrant, error) {
	var r roleGrantRow
	if err := sqlx.GetContext(ctx, q, &r, `SELECT `+roleGrantColumns+` FROM role_grants WHERE id = $1`, id); err != nil {
		return nil, db.NotFoundOr("auth.findRoleGrant", err, "no such role grant")
	}
	g := r.grant()
	return &g, nil
}

// findPendingGrant returns the user's pending grant. Returns NotFound.
func findPendingGrant(ctx context.Context, q sqlx.QueryerContext, userID string) (*RoleGrant, error) {
	var r roleGrantRow
	if err := sqlx.GetContext(ctx, q, &r, `SELECT `+roleGrantColumns+` FROM role_grants WHERE user_id = $1 AND status = 'pending'`, userID); err != nil {
		return nil, db.NotFoundOr("auth.findPendingGrant", err, "no pending role grant")
	}
	g := r.grant()
	return &g, nil
}

// findRoleGrants returns the grants with status ("" for all), oldest first.
func findRoleGrants(ctx context.Context, q sqlx.QueryerContext, status string) ([]RoleGrant, error) {
	var rows []roleGrantRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+roleGrantColumns+` FROM role_grants
		WHERE $1 = '' OR status = $1 ORDER BY asked_at, id`, status)
	if err != nil {
		return nil, err
	}
	out := make([]RoleGrant, len(rows))
	for i, r := range rows {
		out[i] = r.grant()
	}
	return out, nil
}

func findUser(ctx context.Context, q sqlx.QueryerContext, query string, args ...any) (*User, string, error) {
	var r userRow
	if err := sqlx.GetContext(ctx, q, &r, query, args...); err != nil {
		return nil, "", db.NotFoundOr("auth.findUser", err, "no such user")
	}
	return r.user(), r.PasswordHash, nil
}

// findUserByEmail returns the user and its password hash. Returns NotFound.
func findUserByEmail(ctx context.Context, q sqlx.QueryerContext, email string) (*User, string, error) {
	return findUser(ctx, q, `SELECT `+userColumns+` FROM users u WHERE u.email = $1`, email)
}

func findUserByID(ctx context.Context, q sqlx.QueryerContext, id string) (*User, error) {
	u, _, err := findUser(ctx, q, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id)
	return u, err
}

// maxSessionsPerQuery bounds the token hashes one query looks up.
const maxSessionsPerQuery = 100

// findUsersBySessions returns, by token hash, the users of the sessions
// among hashes that are live at now (a hash with no live session, or
// whose user is inactive, is missing).
func findUsersBySessions(ctx context.Context, q sqlx.QueryerContext, hashes []string, now time.Time) (map[string]*User, error) {
	out := make(map[string]*User, len(hashes))
	for chunk := range slices.Chunk(hashes, maxSessionsPerQuery) {
		var p db.Params
		in := make([]string, len(chunk))
		at := p.Add(now)
		for i, h := range chunk {
			in[i] = p.Add(h)
		}
		var rows []struct {
			TokenHash string `db:"token_hash"`
			userRow
		}
		if err := sqlx.SelectContext(ctx, q, &rows, `SELECT s.token_hash, `+userColumns+` FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE s.token_hash IN (`+strings.Join(in, ", ")+`) AND s.expires_at > `+at+` AND u.active`, p.Args()...); err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.TokenHash] = r.user()
		}
	}
	return out, nil
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

// blockedUntil returns the time key is blocked until (zero: never was).
func blockedUntil(ctx context.Context, q sqlx.QueryerContext, key string) (time.Time, error) {
	var until time.Time
	err := q.QueryRowxContext(ctx, `SELECT blocked_until FROM signin_failures WHERE key = $1`, key).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return until, err
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
