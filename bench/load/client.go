package main

import (
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

	openapi_types "github.com/oapi-codegen/runtime/types"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"fundus/internal/apiclient"
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

// api returns the generated client (internal/apiclient) of the next base
// URL, for the setup requests, which are not measured.
func (c *client) api() *apiclient.ClientWithResponses {
	api, _ := apiclient.NewClientWithResponses(c.base(), apiclient.WithHTTPClient(c.http)) // fails only on a bad URL
	return api
}

// target fills t with a request that the generated client's request builder
// made (apiclient.New<Op>Request), signed in with token (none when empty).
// Vegeta sends requests of its own making, so the measured requests take
// their method, URL, headers and body from the builder.
func target(t *vegeta.Target, req *http.Request, err error, token string) error {
	if err != nil {
		return err
	}
	t.Method, t.URL, t.Header, t.Body = req.Method, req.URL.String(), req.Header, nil
	if token != "" {
		t.Header.Set("Authorization", "Bearer "+token)
	}
	if req.Body != nil {
		if t.Body, err = io.ReadAll(req.Body); err != nil {
			return err
		}
	}
	return nil
}

const benchPassword = "load test passphrase 2026"

// signIn returns a session token.
func (c *client) signIn(ctx context.Context, email, password string) (string, error) {
	r, err := c.api().SignInWithResponse(ctx, apiclient.Credentials{Email: email, Password: password})
	if err := apiclient.Expect(r, err, http.StatusCreated); err != nil {
		return "", fmt.Errorf("sign-in of %s: %w", email, err)
	}
	return r.JSON201.Token, nil
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
	u := apiclient.NewUser{Email: openapi_types.Email(email), Name: "Load " + name, Password: benchPassword, Roles: []apiclient.Role{apiclient.Role(role)}}
	r, err := c.api().CreateUserWithResponse(ctx, u, apiclient.Bearer(askerToken))
	if err := apiclient.Expect(r, err, http.StatusCreated); err != nil {
		return "", fmt.Errorf("POST /api/v1/users: %w", err)
	}
	if grant := r.JSON201.RoleGrantId; grant != nil && *grant != "" {
		confirmer, err := c.adminToken(ctx, 1-asker)
		if err != nil {
			return "", err
		}
		cr, err := c.api().ConfirmRoleGrantWithResponse(ctx, *grant, apiclient.Bearer(confirmer))
		if err := apiclient.Expect(cr, err, http.StatusOK); err != nil {
			return "", fmt.Errorf("POST /api/v1/role-grants/%s/confirm: %w", *grant, err)
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
	organisation := fmt.Sprintf("Verein %d e.V.", i)
	reg := apiclient.Registration{Email: openapi_types.Email(email), Name: fmt.Sprintf("Group %d", i), Organisation: &organisation, Password: benchPassword}
	r, err := c.api().RegisterWithResponse(ctx, reg)
	if err := apiclient.Expect(r, err, http.StatusCreated); err != nil {
		return "", fmt.Errorf("POST /api/v1/register: %w", err)
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
