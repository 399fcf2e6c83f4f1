package auth

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
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
			if !strings.HasPrefix(h, "unknown") {
				out[h] = &User{ID: "user-" + h}
			}
		}
		return out, nil
	}}
	ctx := context.Background()
	firstDone := make(chan struct{})
	go func() {
		defer close(firstDone)
		if u, err := l.user(ctx, "first"); err != nil || u == nil || u.ID != "user-first" {
			t.Errorf("first: %+v, %v", u, err)
		}
	}()
	waitFor := func(done func() bool) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); !done(); {
			if time.Now().After(deadline) { // not a timing: the lookups never got together
				t.Fatal("the lookups did not wait for one query together")
			}
			runtime.Gosched()
		}
	}
	waitFor(func() bool { mu.Lock(); defer mu.Unlock(); return len(queries) == 1 })
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		hash := fmt.Sprintf("h%d", i)
		if i%7 == 0 {
			hash = fmt.Sprintf("unknown%d", i)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, err := l.user(ctx, hash)
			switch {
			case err != nil:
				t.Errorf("%s: %v", hash, err)
			case strings.HasPrefix(hash, "unknown") && u != nil:
				t.Errorf("%s: got user %+v", hash, u)
			case !strings.HasPrefix(hash, "unknown") && (u == nil || u.ID != "user-"+hash):
				t.Errorf("%s: got %+v", hash, u)
			}
		}()
	}
	// Every lookup waits for the second query (each hash is another).
	waitFor(func() bool { l.mu.Lock(); defer l.mu.Unlock(); return l.next != nil && len(l.next.hashes) == n })
	close(release)
	wg.Wait()
	<-firstDone
	if len(queries) != 2 || len(queries[1]) != n {
		t.Fatalf("%d queries, the second of %d hashes; want 2, of %d", len(queries), len(queries[len(queries)-1]), n)
	}
}

// Each request gets a User of its own, even when the query's answer is
// shared: what one request does to it is not seen by another.
func TestSessionLookupsCopyTheUser(t *testing.T) {
	shared := &User{ID: "u", Roles: []Role{Treasurer}}
	l := &sessionLookups{find: func(context.Context, []string) (map[string]*User, error) {
		return map[string]*User{"h": shared}, nil
	}}
	u1, err := l.user(context.Background(), "h")
	if err != nil {
		t.Fatal(err)
	}
	u1.Roles[0], u1.Name = Admin, "changed"
	u2, err := l.user(context.Background(), "h")
	if err != nil || u2.Roles[0] != Treasurer || u2.Name != "" || shared.Roles[0] != Treasurer {
		t.Fatalf("a request's change was seen by the next: %+v, %v", u2, err)
	}
}
