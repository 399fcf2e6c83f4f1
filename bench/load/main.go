// Command load drives a running Fundus with many concurrent clients and
// reports what it held: requests per second, status codes and latency
// percentiles per operation. It is built on vegeta's attacker (closed
// model: a fixed number of clients, each sending its next request when the
// last one is answered) and always stops, after -duration or -count.
//
//	go run ./bench/load -url http://127.0.0.1:8080 -scenario pledge -duration 10s
//
// Scenarios:
//
//	pledge     public pledges (POST /api/v1/donations, each with an idempotency key)
//	confirm    the treasurer confirms pledges made beforehand, with idempotency keys
//	fund       GET /api/v1/fund
//	fund-page  GET / (the public fund page, in German)
//	mixed      a day: fund page and figure reads, pledges, confirms, applications,
//	           submissions, reviews, votes, decisions, payouts with releases, exports
//	all        pledge, confirm, fund, fund-page, mixed, one after the other
//
// Scenarios that act as treasurer, committee or auditor need two admins'
// sign-ins (-admin-email, -admin2-email, and their one password in
// FUNDUS_BENCH_ADMIN_PASSWORD): the tool creates the users it needs, with
// names unique to the run, one admin asking for the roles and the other
// confirming them.
// Several comma-separated -url values spread the requests over several
// instances, round robin. -csv appends one row per scenario and operation.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func main() {
	var o options
	flag.StringVar(&o.urls, "url", "http://127.0.0.1:8080", "Fundus base URL; several, comma-separated, are used round robin")
	flag.StringVar(&o.scenario, "scenario", "all", "pledge, confirm, fund, fund-page, mixed, several comma-separated, or all")
	flag.IntVar(&o.clients, "clients", 64, "concurrent clients (each waits for its answer before the next request)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long each scenario runs")
	flag.IntVar(&o.count, "count", 0, "requests per scenario; when > 0 it replaces -duration")
	flag.IntVar(&o.pledges, "pledges", 0, "pledges made before the confirm scenario (default: enough for -count, or 40000)")
	flag.StringVar(&o.adminEmail, "admin-email", "admin@example.org", "an admin's email, to create the users the scenarios need")
	flag.StringVar(&o.admin2Email, "admin2-email", "admin2@example.org", "a second admin's email, to confirm their roles (same password)")
	flag.StringVar(&o.csvPath, "csv", "", "append one CSV row per scenario and operation to this file")
	flag.StringVar(&o.label, "label", "", "a label for the CSV rows, such as the engine")
	flag.IntVar(&o.quorum, "quorum", 3, "the server's FUNDUS_QUORUM: committee members who vote on each application")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "per-request timeout")
	flag.Parse()
	o.adminPassword = os.Getenv("FUNDUS_BENCH_ADMIN_PASSWORD")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type options struct {
	urls, scenario          string
	clients, count, pledges int
	duration, timeout       time.Duration
	adminEmail, admin2Email string
	adminPassword           string
	csvPath, label          string
	quorum                  int
}

// report is what one scenario measured, per operation and in total.
type report struct {
	scenario string
	ops      map[string]*vegeta.Metrics
	total    *vegeta.Metrics
}

func run(ctx context.Context, o options, out io.Writer) error {
	scenarios := strings.Split(o.scenario, ",")
	if o.scenario == "all" {
		scenarios = []string{"pledge", "confirm", "fund", "fund-page", "mixed"}
	}
	c, err := newClient(o)
	if err != nil {
		return err
	}
	var reports []*report
	for _, name := range scenarios {
		if ctx.Err() != nil {
			break
		}
		sc, err := c.scenario(ctx, name)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		r := c.attack(ctx, name, sc)
		printReport(out, r)
		reports = append(reports, r)
	}
	if o.csvPath != "" {
		return writeCSV(o.csvPath, o, reports)
	}
	return nil
}

// scenario is one kind of load: a targeter, and a function that sees every
// result (to learn ids for later steps) and names the operation it was.
type scenario struct {
	next   vegeta.Targeter
	seen   func(r *vegeta.Result) (op string)
	budget int // requests available (0: unlimited)
}

// attack runs sc with o.clients workers until the duration, the count or
// the scenario's own supply of work ends.
func (c *client) attack(ctx context.Context, name string, sc scenario) *report {
	count := c.o.count
	if sc.budget > 0 && (count == 0 || sc.budget < count) {
		count = sc.budget
	}
	duration := c.o.duration
	if c.o.count > 0 {
		duration = 0
	}
	next := sc.next
	if count > 0 {
		next = limit(next, count)
	}
	a := vegeta.NewAttacker(
		vegeta.Workers(uint64(c.o.clients)),
		vegeta.MaxWorkers(uint64(c.o.clients)),
		vegeta.Connections(c.o.clients),
		vegeta.MaxConnections(c.o.clients),
		vegeta.KeepAlive(true),
		vegeta.Timeout(c.o.timeout),
		vegeta.MaxBody(1<<20),
	)
	go func() { <-ctx.Done(); a.Stop() }()
	r := &report{scenario: name, ops: map[string]*vegeta.Metrics{}, total: &vegeta.Metrics{}}
	for res := range a.Attack(next, vegeta.Rate{Freq: 0}, duration, name) {
		if res.Error == vegeta.ErrNoTargets.Error() {
			continue // the count is reached: a worker found no more work, sent nothing
		}
		op := name
		if sc.seen != nil {
			op = sc.seen(res)
		}
		m := r.ops[op]
		if m == nil {
			m = &vegeta.Metrics{}
			r.ops[op] = m
		}
		res.Body = nil // keep memory flat; seen has had it
		m.Add(res)
		r.total.Add(res)
	}
	r.total.Close()
	for _, m := range r.ops {
		m.Close()
	}
	return r
}

// limit stops a targeter after n targets.
func limit(t vegeta.Targeter, n int) vegeta.Targeter {
	var given int
	var mu sync.Mutex
	return func(tgt *vegeta.Target) error {
		mu.Lock()
		defer mu.Unlock()
		if given >= n {
			return vegeta.ErrNoTargets
		}
		if err := t(tgt); err != nil {
			return err
		}
		given++
		return nil
	}
}

func printReport(w io.Writer, r *report) {
	fmt.Fprintf(w, "== %s: %d requests in %s, %.0f requests/s answered\n",
		r.scenario, r.total.Requests, r.total.Duration.Round(time.Millisecond), throughput(r.total))
	fmt.Fprintf(w, "%-16s %8s %9s %8s %8s %8s %8s  %s\n", "operation", "requests", "req/s", "p50", "p90", "p99", "max", "status codes")
	for _, op := range sortedOps(r) {
		m := r.ops[op]
		fmt.Fprintf(w, "%-16s %8d %9.0f %8s %8s %8s %8s  %s\n", op, m.Requests, throughput(m),
			ms(m.Latencies.P50), ms(m.Latencies.P90), ms(m.Latencies.P99), ms(m.Latencies.Max), codes(m))
		for _, e := range firstErrors(m, 3) {
			fmt.Fprintf(w, "%16s error: %s\n", "", e)
		}
	}
}

// throughput is answered requests per second over the whole attack, every
// status counted: a refusal is an answer too, and the codes say which.
func throughput(m *vegeta.Metrics) float64 {
	d := m.Duration + m.Wait
	if d <= 0 {
		return 0
	}
	return float64(m.Requests) / d.Seconds()
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + "ms"
}

func codes(m *vegeta.Metrics) string {
	keys := make([]string, 0, len(m.StatusCodes))
	for k := range m.StatusCodes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%d", k, m.StatusCodes[k])
	}
	return strings.Join(parts, " ")
}

func firstErrors(m *vegeta.Metrics, n int) []string {
	if len(m.Errors) > n {
		return m.Errors[:n]
	}
	return m.Errors
}

func sortedOps(r *report) []string {
	ops := make([]string, 0, len(r.ops))
	for op := range r.ops {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool { return r.ops[ops[i]].Requests > r.ops[ops[j]].Requests })
	return ops
}

func writeCSV(path string, o options, reports []*report) error {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if errors.Is(statErr, os.ErrNotExist) {
		w.Write([]string{"time", "label", "scenario", "operation", "clients", "requests", "seconds", "requests_per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "success_ratio", "status_codes"})
	}
	now := time.Now().UTC().Format(time.RFC3339)
	row := func(scenario, op string, m *vegeta.Metrics) {
		w.Write([]string{now, o.label, scenario, op, strconv.Itoa(o.clients), strconv.FormatUint(m.Requests, 10),
			strconv.FormatFloat((m.Duration + m.Wait).Seconds(), 'f', 3, 64),
			strconv.FormatFloat(throughput(m), 'f', 1, 64),
			msNum(m.Latencies.P50), msNum(m.Latencies.P90), msNum(m.Latencies.P99), msNum(m.Latencies.Max),
			strconv.FormatFloat(m.Success, 'f', 4, 64), codes(m)})
	}
	for _, r := range reports {
		row(r.scenario, "total", r.total)
		for _, op := range sortedOps(r) {
			if len(r.ops) > 1 {
				row(r.scenario, op, r.ops[op])
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func msNum(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64)
}
