package auth

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// sessionLookups finds the users of session tokens, many requests with one
// query: while a query runs, the lookups that arrive meanwhile wait and go
// together in the next one. A busy server so asks the database once per
// group of requests instead of once per request (on the peers' benchmark,
// the session query was a sixth of Fundus's CPU and a round trip per
// request). Every query starts after the requests it answers arrived, so
// each sees every sign-out, deactivation and role change committed before
// its request came; with one request at a time nothing waits.
type sessionLookups struct {
	find func(ctx context.Context, hashes []string) (map[string]*User, error)

	mu      sync.Mutex
	next    *lookupRound // collects the lookups that arrive while a query runs
	running bool
}

// lookupRound is one query's lookups and their answer.
type lookupRound struct {
	hashes map[string]bool
	done   chan struct{}
	users  map[string]*User // by token hash; missing: no live session
	err    error
}

// lookupTimeout bounds one query, so that a database that does not answer
// cannot hold the lookups forever (each request also stops waiting when
// its own context ends).
const lookupTimeout = 30 * time.Second

// user returns the user of the live session whose token hash is hash, or
// nil when there is none.
func (l *sessionLookups) user(ctx context.Context, hash string) (*User, error) {
	l.mu.Lock()
	if l.next == nil {
		l.next = &lookupRound{hashes: map[string]bool{}, done: make(chan struct{})}
	}
	r := l.next
	r.hashes[hash] = true
	if !l.running {
		l.running, l.next = true, nil
		go l.run(r)
	}
	l.mu.Unlock()
	select {
	case <-r.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if r.err != nil {
		return nil, r.err
	}
	u, ok := r.users[hash]
	if !ok {
		return nil, nil
	}
	own := *u // each request its own User, as if it had been read for it alone
	own.Roles = slices.Clone(u.Roles)
	if u.LastSignInAt != nil {
		t := *u.LastSignInAt
		own.LastSignInAt = &t
	}
	return &own, nil
}

// run queries round after round until no lookup waits.
func (l *sessionLookups) run(r *lookupRound) {
	for r != nil {
		r.users, r.err = l.query(r)
		close(r.done)
		l.mu.Lock()
		r, l.next = l.next, nil
		l.running = r != nil
		l.mu.Unlock()
	}
}

// query runs one round's query; a panic in it fails the round's lookups,
// not the process.
func (l *sessionLookups) query(r *lookupRound) (users map[string]*User, err error) {
	defer func() {
		if p := recover(); p != nil {
			users, err = nil, fmt.Errorf("auth: session lookup: panic: %v", p)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	return l.find(ctx, slices.Collect(maps.Keys(r.hashes)))
}
