package faults

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fundus"
	"fundus/db"
	"fundus/internal/apiclient"
	"fundus/ledger"
)

// CrashConfig sizes a crash run.
type CrashConfig struct {
	Pledges int       // pledges made, then confirmed
	Clients int       // confirms sent at once
	Kills   int       // times the server is killed with SIGKILL while confirming
	Out     io.Writer // progress lines
}

// CrashReport is what a crash run saw and checked.
type CrashReport struct {
	Pledges       int
	Kills         int
	NoAnswer      int   // confirms that got no answer and were sent again with their key
	CommittedLost int   // of those, committed before the kill: the retry got the stored answer
	Replayed      int   // answered confirms sent again: each got its first answer back
	Entries       int64 // donation entries in the ledger
	ClearingCents int64 // assets:clearing: confirmed by hand, waiting for their bank lines
	PledgedCents  int64
	VerifyOutput  string
	AnsweredFirst int // confirms answered 200 in the rounds that ended with a kill
}

// pledge is one pledge and what its confirm got.
type pledge struct {
	id    string
	cents int64
	key   string
	entry string // ledger_entry_id of the 200 answer; "" while unanswered
}

// Crash makes cfg.Pledges pledges, confirms them with idempotency keys from
// cfg.Clients clients, kills the server cfg.Kills times in the middle, and
// after each restart sends every confirm that got no answer again with its
// key. Then it checks: every confirm answered 200 is in the ledger exactly
// once with the entry its answer named, none is doubled, repeats with a key
// get the first answer, assets:clearing holds exactly the pledged money, every
// stored balance is the sum of its postings, and `fundus verify` passes.
func Crash(ctx context.Context, f Fundus, cfg CrashConfig) (CrashReport, error) {
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	rep := CrashReport{Pledges: cfg.Pledges, Kills: cfg.Kills}
	if err := f.addUser(ctx, "kasse@example.org", "treasurer"); err != nil {
		return rep, err
	}
	c := newClient()
	srv, err := f.Start(ctx)
	if err != nil {
		return rep, err
	}
	defer func() {
		if srv != nil {
			srv.Kill()
		}
	}()
	// One session for the whole run: it lives in the database, so it
	// outlives every crash.
	token, err := c.signIn(ctx, srv.URL, "kasse@example.org")
	if err != nil {
		return rep, err
	}
	pledges, err := makePledges(ctx, c, srv.URL, cfg)
	if err != nil {
		return rep, err
	}
	for _, p := range pledges {
		rep.PledgedCents += p.cents
	}
	fmt.Fprintf(out, "%d pledges made (%s EUR)\n", len(pledges), fundus.FormatMinor(rep.PledgedCents, fundus.EUR))

	for round := 0; round <= cfg.Kills; round++ {
		if srv == nil {
			if srv, err = f.Start(ctx); err != nil {
				return rep, fmt.Errorf("restart after kill %d: %w", round, err)
			}
		}
		var open []*pledge
		for _, p := range pledges {
			if p.entry == "" {
				open = append(open, p)
			}
		}
		kill := round < cfg.Kills
		answered, noAnswer, replayed, err := confirmRound(ctx, c, srv, token, open, cfg.Clients, kill)
		if err != nil {
			return rep, fmt.Errorf("round %d: %w", round, err)
		}
		rep.NoAnswer += noAnswer
		rep.CommittedLost += replayed
		if kill {
			rep.AnsweredFirst += answered
			srv = nil // killed
			fmt.Fprintf(out, "round %d: %d of %d confirms answered 200, then SIGKILL; %d got no answer\n", round+1, answered, len(open), noAnswer)
		} else {
			fmt.Fprintf(out, "round %d (after %d kills): %d of %d confirms answered 200 (%d of them committed before a kill: the stored answer), %d without answer\n",
				round+1, cfg.Kills, answered, len(open), rep.CommittedLost, noAnswer)
			if noAnswer > 0 || answered != len(open) {
				return rep, fmt.Errorf("the last round, with no kill, left %d confirms unanswered", len(open)-answered)
			}
		}
	}

	// Repeats of answered confirms get their first answer back.
	rand.Shuffle(len(pledges), func(i, j int) { pledges[i], pledges[j] = pledges[j], pledges[i] })
	for _, p := range pledges[:min(len(pledges), 50)] {
		r, err := confirm(ctx, c, srv.URL, token, p)
		if err := apiclient.Expect(r, err, http.StatusOK); err != nil {
			return rep, fmt.Errorf("repeat: %w", err)
		}
		if entry := deref(r.JSON200.LedgerEntryId); entry != p.entry {
			return rep, fmt.Errorf("repeat of confirm %s answered entry %s, first answer was %s", p.key, entry, p.entry)
		}
		rep.Replayed++
	}
	if err := srv.Stop(); err != nil {
		return rep, err
	}
	srv = nil

	if rep.VerifyOutput, err = f.Run(ctx, "", "verify"); err != nil {
		return rep, err
	}
	rep.VerifyOutput = strings.TrimSpace(rep.VerifyOutput)
	return rep, checkBooks(ctx, f.DatabaseURL, pledges, &rep)
}

func makePledges(ctx context.Context, c *client, base string, cfg CrashConfig) ([]*pledge, error) {
	pledges := make([]*pledge, cfg.Pledges)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	next := make(chan int)
	for range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				cents := int64(100 + rand.IntN(100000))
				r, err := c.at(base).PledgeWithResponse(ctx, nil, apiclient.Pledge{Amount: apiclient.AmountOf(fundus.FormatMinor(cents, fundus.EUR)), Anonymous: ptr(true)})
				err = apiclient.Expect(r, err, http.StatusCreated)
				var id string
				if err == nil {
					id = r.JSON201.Id
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				pledges[i] = &pledge{id: id, cents: cents, key: "crash-confirm-" + id}
				mu.Unlock()
			}
		}()
	}
	for i := range pledges {
		next <- i
	}
	close(next)
	wg.Wait()
	return pledges, firstErr
}

// confirmRound sends a confirm for each of open. With kill, it kills the
// server with SIGKILL once about half of them are answered; the confirms in
// flight then and those not yet sent get no answer. It returns how many got
// 200, how many of those were stored answers (committed in an earlier
// round that never answered), and how many got no answer; any other answer
// is an error.
func confirmRound(ctx context.Context, c *client, srv *Server, token string, open []*pledge, clients int, kill bool) (answered, noAnswer, replayed int, err error) {
	var ok, none, replays atomic.Int64
	var mu sync.Mutex
	var firstErr error
	killAt := int64(len(open) / 2)
	var killOnce sync.Once
	next := make(chan *pledge)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				r, err := confirm(ctx, c, srv.URL, token, p)
				if err != nil {
					none.Add(1) // sent again with its key in the next round
					continue
				}
				if r.StatusCode() != http.StatusOK || r.JSON200.Status != apiclient.DonationStatusReceived || deref(r.JSON200.LedgerEntryId) == "" {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("confirm %s: %d %s", p.key, r.StatusCode(), r.Body)
					}
					mu.Unlock()
					continue
				}
				if wasReplayed(r.HTTPResponse) {
					replays.Add(1)
				}
				mu.Lock()
				p.entry = *r.JSON200.LedgerEntryId
				mu.Unlock()
				if ok.Add(1) >= killAt && kill {
					// A moment later, at no particular point of a commit.
					time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
					killOnce.Do(srv.Kill)
				}
			}
		}()
	}
	for _, p := range open {
		next <- p
	}
	close(next)
	wg.Wait()
	if kill {
		killOnce.Do(srv.Kill) // a round too small to reach killAt
	}
	return int(ok.Load()), int(none.Load()), int(replays.Load()), firstErr
}

// confirm confirms a pledge with its idempotency key.
func confirm(ctx context.Context, c *client, base, token string, p *pledge) (*apiclient.ConfirmDonationResponse, error) {
	return c.at(base).ConfirmDonationWithResponse(ctx, p.id, &apiclient.ConfirmDonationParams{IdempotencyKey: apiclient.Key(p.key)},
		apiclient.ConfirmDonationJSONRequestBody{}, apiclient.Bearer(token))
}

func ptr[T any](v T) *T { return &v }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// checkBooks reads the database the servers wrote.
func checkBooks(ctx context.Context, url string, pledges []*pledge, rep *CrashReport) error {
	d, err := db.Open(ctx, url, db.Options{MaxReadConns: 2})
	if err != nil {
		return err
	}
	defer d.Close()
	byID := map[string]*pledge{}
	for _, p := range pledges {
		byID[p.id] = p
	}
	rows, err := d.QueryxContext(ctx, `SELECT ref_id, id FROM entries WHERE ref_type = 'donation'`)
	if err != nil {
		return err
	}
	seen := map[string]string{}
	for rows.Next() {
		var ref, id string
		if err := rows.Scan(&ref, &id); err != nil {
			rows.Close()
			return err
		}
		if first, twice := seen[ref]; twice {
			rows.Close()
			return fmt.Errorf("donation %s is in the ledger twice: entries %s and %s", ref, first, id)
		}
		seen[ref] = id
		rep.Entries++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range pledges {
		if seen[p.id] != p.entry {
			return fmt.Errorf("confirm of %s was answered with entry %s; the ledger has %q", p.id, p.entry, seen[p.id])
		}
	}
	if rep.Entries != int64(len(pledges)) {
		return fmt.Errorf("%d donation entries for %d confirmed pledges", rep.Entries, len(pledges))
	}
	if err := d.GetContext(ctx, &rep.ClearingCents, `SELECT balance FROM accounts WHERE code = $1`, ledger.Clearing); err != nil {
		return err
	}
	if rep.ClearingCents != rep.PledgedCents {
		return fmt.Errorf("assets:clearing holds %d cents; the confirmed pledges are %d", rep.ClearingCents, rep.PledgedCents)
	}
	return checkBalances(ctx, d)
}

// checkBalances compares every stored balance with the sum of its postings.
func checkBalances(ctx context.Context, d *db.DB) error {
	var bad []struct {
		Code    string `db:"code"`
		Balance int64  `db:"balance"`
		Sum     int64  `db:"sum"`
	}
	err := d.SelectContext(ctx, &bad, `SELECT a.code, a.balance, COALESCE(SUM(p.amount), 0) AS sum
		FROM accounts a LEFT JOIN postings p ON p.account = a.code
		GROUP BY a.code, a.balance HAVING a.balance <> COALESCE(SUM(p.amount), 0)`)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("stored balances differ from the sums of their postings: %+v", bad)
	}
	return nil
}
