package auth

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// The lookups that arrive while a query runs go together in the next query,
// and each gets its own answer.
func TestSessionLookupsGoTogether(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var queries [][]string
	l := &sessionLookups{find: func(_ context.Context, hashes []string) (map[string]*User, error) {
		mu.Lock()
		queries = append(queries, hashes)
		first := len(queries) == 1
		mu.Unlock()
		if first {
			<-release // the first query runs until every other lookup waits
		}
		out := map[string]*User{}
		for _, h := range hashes {
			if h != "unknown" {
				out[h] = &User{ID: "user-" + h, Roles: []Role{Treasurer}}
			}
		}
		return out, nil
	}}
	ctx := context.Background()
	firstDone := make(chan struct{})
	go func() {
		defer close(firstDone)
		if u, err := l.user(ctx, "h0"); err != nil || u == nil || u.ID != "user-h0" {
			t.Errorf("h0: %+v, %v", u, err)
		}
	}()
	for { // wait until the first query runs
		mu.Lock()
		n := len(queries)
		mu.Unlock()
		if n == 1 {
			break
		}
	}
	var wg sync.WaitGroup
	for i := range 50 {
		hash := fmt.Sprintf("h%d", i%10)
		if i%7 == 0 {
			hash = "unknown"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, err := l.user(ctx, hash)
			switch {
			case err != nil:
				t.Errorf("%s: %v", hash, err)
			case hash == "unknown" && u != nil:
				t.Errorf("unknown: got user %+v", u)
			case hash != "unknown" && (u == nil || u.ID != "user-"+hash):
				t.Errorf("%s: got %+v", hash, u)
			case u != nil:
				u.Roles[0] = Admin // each caller's own copy
			}
		}()
	}
	for { // every lookup waits for the second query
		l.mu.Lock()
		n := 0
		if l.next != nil {
			n = l.next.n
		}
		l.mu.Unlock()
		if n == 50 {
			break
		}
	}
	close(release)
	wg.Wait()
	<-firstDone
	if len(queries) != 2 || len(queries[1]) != 11 {
		t.Fatalf("queries = %v, want [h0] and then the 11 hashes once each", queries)
	}
}
