// Package faults runs Fundus as real processes and does to them what
// production does: kills them with SIGKILL in the middle of confirms and
// retries what got no answer (Crash), and runs two of them on one
// PostgreSQL at once (TwoInstances). It then checks the books from the
// database and with `fundus verify`. bench/faults runs it at full size, the
// tests of this package small, on both engines.
package faults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"fundus/internal/apiclient"
)

// Build compiles the fundus command into dir and returns its path.
func Build(ctx context.Context, moduleDir, dir string) (string, error) {
	bin := filepath.Join(dir, "fundus")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/fundus")
	cmd.Dir = moduleDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v: %s", err, out)
	}
	return bin, nil
}

// Fundus is how to run the binary against one database.
type Fundus struct {
	Binary      string
	DatabaseURL string
	Log         io.Writer // the servers' output; nil discards it
}

func (f Fundus) env(addr string) []string {
	return append(os.Environ(),
		"FUNDUS_DATABASE_URL="+f.DatabaseURL,
		"FUNDUS_ADDR="+addr,
		"FUNDUS_RATE_LIMIT=0",
		// Every donation is the fund's at once: these runs are about
		// crashes and concurrency; acceptance is tested on its own.
		"FUNDUS_ACCEPT_ADMIN_MAX=1000000.00", "FUNDUS_ACCEPT_COMMITTEE_MAX=1000000.00",
		"FUNDUS_LOG_LEVEL=warn",
	)
}

// Run runs a command of the binary (user add, verify) and returns its
// output; stdin is its input.
func (f Fundus) Run(ctx context.Context, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, f.Binary, args...)
	cmd.Env = f.env("127.0.0.1:0")
	cmd.Stdin = bytes.NewBufferString(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("fundus %v: %v: %s", args, err, out)
	}
	return string(out), nil
}

// Server is a running `fundus serve`.
type Server struct {
	URL     string
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has ended
	waitErr error
}

// Start starts a server on a free port and waits until it is ready.
func (f Fundus) Start(ctx context.Context) (*Server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(f.Binary, "serve")
	cmd.Env = f.env(addr)
	if f.Log != nil {
		cmd.Stdout, cmd.Stderr = f.Log, f.Log
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + addr, cmd: cmd, done: make(chan struct{})}
	ready, err := apiclient.NewClientWithResponses(s.URL)
	if err != nil {
		return nil, err
	}
	go func() { s.waitErr = cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-s.done:
			return nil, fmt.Errorf("fundus serve stopped before it was ready: %v", s.waitErr)
		default:
		}
		if r, err := ready.ReadyzWithResponse(ctx); err == nil && r.StatusCode() == http.StatusOK {
			return s, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.Kill()
			return nil, fmt.Errorf("fundus serve was not ready after 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill stops the server with SIGKILL: no shutdown, no flushing, as when
// the machine loses power or the kernel's OOM killer strikes. A server that
// has ended already is left as it is.
func (s *Server) Kill() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// Stop stops the server gracefully (SIGTERM) and reports how it ended.
func (s *Server) Stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return s.waitErr
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		return errors.New("fundus serve did not stop within 30 s of SIGTERM")
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// client reaches the servers through the API client generated from the
// contract (internal/apiclient), one per base URL, over one connection pool.
type client struct {
	http   *http.Client
	mu     sync.Mutex
	byBase map[string]*apiclient.ClientWithResponses
}

func newClient() *client {
	return &client{
		http: &http.Client{
			Timeout:   30 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 64},
		},
		byBase: map[string]*apiclient.ClientWithResponses{},
	}
}

// at returns the client of the server at base.
func (c *client) at(base string) *apiclient.ClientWithResponses {
	c.mu.Lock()
	defer c.mu.Unlock()
	api, ok := c.byBase[base]
	if !ok {
		api, _ = apiclient.NewClientWithResponses(base, apiclient.WithHTTPClient(c.http)) // fails only on a bad URL
		c.byBase[base] = api
	}
	return api
}

// wasReplayed tells whether a response is the stored answer of an earlier
// request with its idempotency key.
func wasReplayed(r *http.Response) bool {
	return r != nil && r.Header.Get("Idempotent-Replayed") == "true"
}

const password = "faults test passphrase"

// signIn returns a session token.
func (c *client) signIn(ctx context.Context, base, email string) (string, error) {
	r, err := c.at(base).SignInWithResponse(ctx, apiclient.Credentials{Email: email, Password: password})
	if err := apiclient.Expect(r, err, http.StatusCreated); err != nil {
		return "", fmt.Errorf("sign-in of %s: %w", email, err)
	}
	return r.JSON201.Token, nil
}

// addUser creates a user with the command line, before or while servers run.
func (f Fundus) addUser(ctx context.Context, email, role string) error {
	_, err := f.Run(ctx, password+"\n", "user", "add", "--email", email, "--name", role+" "+email, "--role", role)
	return err
}
