package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// client holds what the scenarios share: the base URLs, the users made
// for the run with their session tokens, and the pledges not yet confirmed.
type client struct {
	o     options
	bases []string
	rr    atomic.Uint64
	http  *http.Client
	run   string // unique to this run, in every name and key the tool makes

	admins     [2]string         // session tokens of -admin-email and -admin2-email
	users      map[string]string // email -> token
	mu         sync.Mutex
	pledgedIDs []string // pledges answered 201 and not yet confirmed
}

func newClient(o options) (*client, error) {
	var bases []string
	for _, u := range strings.Split(o.urls, ",") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			bases = append(bases, u)
		}
	}
	if len(bases) == 0 {
		return nil, fmt.Errorf("-url: give at least one base URL")
	}
	if o.clients < 1 {
		return nil, fmt.Errorf("-clients: must be at least 1")
	}
	if o.quorum < 1 {
		return nil, fmt.Errorf("-quorum: must be at least 1")
	}
	return &client{
		o:     o,
		bases: bases,
		http:  &http.Client{Timeout: o.timeout},
		run:   randomHex(4),
		users: map[string]string{},
	}, nil
}

// base returns the next base URL, round robin.
func (c *client) base() string {
	return c.bases[int(c.rr.Add(1)-1)%len(c.bases)]
}

// call sends one setup request and decodes a 2xx answer into out.
func (c *client) call(ctx context.Context, method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base()+path, rd)
	if err != nil {
		return err
	}
	req.Header = header(token)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

const benchPassword = "load test passphrase 2026"

// signIn returns a session token.
func (c *client) signIn(ctx context.Context, email, password string) (string, error) {
	var s struct {
		Token string `json:"token"`
	}
	err := c.call(ctx, http.MethodPost, "/api/v1/sessions", "", map[string]string{"email": email, "password": password}, &s)
	return s.Token, err
}

// user returns the token of the run's user with this name and role,
// asked for by the first admin (see userAskedBy).
func (c *client) user(ctx context.Context, name, role string) (string, error) {
	return c.userAskedBy(ctx, 0, name, role)
}

// userAskedBy returns the token of the run's user with this name and role,
// creating the user and signing in on first use: admin asker (0 for
// -admin-email, 1 for -admin2-email) creates it and the other admin
// confirms a privileged role. A release is refused when one admin asked
// for both the releaser and the decider or the maker, so the scenarios
// ask for the releasing treasurer through the second admin.
func (c *client) userAskedBy(ctx context.Context, asker int, name, role string) (string, error) {
	email := fmt.Sprintf("load-%s-%s@example.org", c.run, name)
	if t, ok := c.users[email]; ok {
		return t, nil
	}
	askerToken, err := c.adminToken(ctx, asker)
	if err != nil {
		return "", err
	}
	u := map[string]any{"email": email, "name": "Load " + name, "password": benchPassword, "roles": []string{role}}
	var created struct {
		RoleGrantID string `json:"role_grant_id"`
	}
	if err := c.call(ctx, http.MethodPost, "/api/v1/users", askerToken, u, &created); err != nil {
		return "", err
	}
	if created.RoleGrantID != "" {
		confirmer, err := c.adminToken(ctx, 1-asker)
		if err != nil {
			return "", err
		}
		if err := c.call(ctx, http.MethodPost, "/api/v1/role-grants/"+created.RoleGrantID+"/confirm", confirmer, nil, nil); err != nil {
			return "", err
		}
	}
	return c.signInAndKeep(ctx, email)
}

// adminToken returns the session token of admin i (0: -admin-email, 1:
// -admin2-email), signing in on first use.
func (c *client) adminToken(ctx context.Context, i int) (string, error) {
	if c.admins[i] != "" {
		return c.admins[i], nil
	}
	if c.o.adminPassword == "" {
		return "", fmt.Errorf("this scenario needs two admins: set FUNDUS_BENCH_ADMIN_PASSWORD (and -admin-email, -admin2-email)")
	}
	email := []string{c.o.adminEmail, c.o.admin2Email}[i]
	t, err := c.signIn(ctx, email, c.o.adminPassword)
	if err != nil {
		return "", fmt.Errorf("admin sign-in (%s): %w", email, err)
	}
	c.admins[i] = t
	return t, nil
}

// applicant registers a project group of the run and returns its token.
func (c *client) applicant(ctx context.Context, i int) (string, error) {
	email := fmt.Sprintf("load-%s-group%d@example.org", c.run, i)
	if t, ok := c.users[email]; ok {
		return t, nil
	}
	reg := map[string]string{"email": email, "name": fmt.Sprintf("Group %d", i), "organisation": fmt.Sprintf("Verein %d e.V.", i), "password": benchPassword}
	if err := c.call(ctx, http.MethodPost, "/api/v1/register", "", reg, nil); err != nil {
		return "", err
	}
	return c.signInAndKeep(ctx, email)
}

// signInAndKeep signs a user of the run in and keeps its token.
func (c *client) signInAndKeep(ctx context.Context, email string) (string, error) {
	t, err := c.signIn(ctx, email, benchPassword)
	if err != nil {
		return "", err
	}
	c.users[email] = t
	return t, nil
}

// takePledges removes up to n pledged ids from the pool.
func (c *client) takePledges(n int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	n = min(n, len(c.pledgedIDs))
	ids := c.pledgedIDs[:n:n]
	c.pledgedIDs = c.pledgedIDs[n:]
	return ids
}

func (c *client) addPledge(id string) {
	c.mu.Lock()
	c.pledgedIDs = append(c.pledgedIDs, id)
	c.mu.Unlock()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// idOf reads the "id" of a JSON answer.
func idOf(body []byte) string {
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	return v.ID
}

// since is the RFC 3339 time an export starts from: the run's own entries.
func since(t time.Time) string { return t.UTC().Format(time.RFC3339) }
