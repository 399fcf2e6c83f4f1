package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The tool stops at -count, counts every answer by status, and writes its
// CSV.
func TestPledgeScenarioStopsAtTheCountAndReports(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/donations" || r.Header.Get("Idempotency-Key") == "" {
			http.Error(w, "unexpected", http.StatusBadRequest)
			return
		}
		i := n.Add(1)
		if i%10 == 0 {
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":"d%d"}`, i)
	}))
	defer srv.Close()
	csvPath := filepath.Join(t.TempDir(), "r.csv")
	o := options{urls: srv.URL, scenario: "pledge", clients: 4, count: 50, duration: time.Minute, timeout: 5 * time.Second, quorum: 3, csvPath: csvPath, label: "test"}
	var out bytes.Buffer
	if err := run(context.Background(), o, &out); err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got != 50 {
		t.Fatalf("the server got %d requests, want 50", got)
	}
	if !strings.Contains(out.String(), "== pledge: 50 requests") || !strings.Contains(out.String(), "201:45 429:5") {
		t.Fatalf("report:\n%s", out.String())
	}
	b, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], ",test,pledge,total,4,50,") {
		t.Fatalf("csv:\n%s", b)
	}
}
