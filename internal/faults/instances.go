package faults

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"fundus"
	"fundus/db"
	"fundus/internal/apiclient"
)

// InstancesConfig sizes a two-instance run.
type InstancesConfig struct {
	Applications int // decided at once, half on each instance; the money covers an eighth of them
	Donations    int // pledged and confirmed meanwhile, spread over both
	Out          io.Writer
}

// InstancesReport is what a two-instance run saw.
type InstancesReport struct {
	Approved, Refused int
	AvailableCents    int64
	Donations         int
	VerifyOutput      string
}

// TwoInstances runs two `fundus serve` on one database and checks what
// several instances must share through it: a session made on one is valid
// on the other; an idempotency key sent to both at once has one effect and
// one answer; decisions taken on both at once approve exactly what the
// money covers; pledges and confirms spread over both are each booked once
// and the chain verifies.
func TwoInstances(ctx context.Context, f Fundus, cfg InstancesConfig) (InstancesReport, error) {
	var rep InstancesReport
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	for i := 1; i <= 3; i++ {
		if err := f.addUser(ctx, fmt.Sprintf("ausschuss%d@example.org", i), "committee"); err != nil {
			return rep, err
		}
	}
	if err := f.addUser(ctx, "kasse@example.org", "treasurer"); err != nil {
		return rep, err
	}
	var servers [2]*Server
	for i := range servers {
		s, err := f.Start(ctx)
		if err != nil {
			return rep, err
		}
		defer s.Kill()
		servers[i] = s
	}
	a, b := servers[0].URL, servers[1].URL
	c := newClient()

	// A session made on A is valid on B.
	kasse, err := c.signIn(ctx, a, "kasse@example.org")
	if err != nil {
		return rep, err
	}
	me, err := c.at(b).GetMeWithResponse(ctx, apiclient.Bearer(kasse))
	if err := apiclient.Expect(me, err, http.StatusOK); err != nil {
		return rep, fmt.Errorf("a session from instance A on instance B: %w", err)
	}
	// Signing out on B ends the session on A too.
	other, err := c.signIn(ctx, a, "ausschuss1@example.org")
	if err != nil {
		return rep, err
	}
	signedOut, err := c.at(b).SignOutWithResponse(ctx, apiclient.Bearer(other))
	if err := apiclient.Expect(signedOut, err, http.StatusNoContent); err != nil {
		return rep, err
	}
	me, err = c.at(a).GetMeWithResponse(ctx, apiclient.Bearer(other))
	if err := apiclient.Expect(me, err, http.StatusUnauthorized); err != nil {
		return rep, fmt.Errorf("a session ended on instance B, used on instance A: %w", err)
	}
	fmt.Fprintln(out, "a session made on instance A is valid on instance B; signed out on B, it is refused on A")

	// One idempotency key sent to both at once: one effect, one answer.
	p, err := c.at(a).PledgeWithResponse(ctx, nil, apiclient.Pledge{Amount: apiclient.AmountOf("1000.00"), Anonymous: ptr(true)})
	if err := apiclient.Expect(p, err, http.StatusCreated); err != nil {
		return rep, err
	}
	var answers [2]*apiclient.ConfirmDonationResponse
	var wg sync.WaitGroup
	for i, base := range []string{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], _ = confirm(ctx, c, base, kasse, &pledge{id: p.JSON201.Id, key: "both-" + p.JSON201.Id})
		}()
	}
	wg.Wait()
	for _, r := range answers {
		if r == nil {
			return rep, fmt.Errorf("one key on both instances: no answer")
		}
		if err := apiclient.Expect(r, nil, http.StatusOK); err != nil {
			return rep, fmt.Errorf("one key on both instances: %w", err)
		}
	}
	if !bytes.Equal(answers[0].Body, answers[1].Body) {
		return rep, fmt.Errorf("one key on both instances, two bodies: %s / %s", answers[0].Body, answers[1].Body)
	}
	fmt.Fprintln(out, "one confirm key sent to both instances at once: both 200 with the same body")

	// Applications for an eighth of the money each, decided on both at once.
	group, err := registerGroup(ctx, c, a)
	if err != nil {
		return rep, err
	}
	var members []string
	for i := 1; i <= 3; i++ {
		t, err := c.signIn(ctx, b, fmt.Sprintf("ausschuss%d@example.org", i))
		if err != nil {
			return rep, err
		}
		members = append(members, t)
	}
	ids := make([]string, cfg.Applications)
	for i := range ids {
		base := servers[i%2].URL
		if ids[i], err = readyApplication(ctx, c, base, group, members, "125.00"); err != nil {
			return rep, err
		}
	}
	var approved, refused atomic.Int64
	var firstErr error
	var mu sync.Mutex
	start := make(chan struct{})
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			amount := apiclient.AmountOf("125.00")
			r, err := c.at(servers[i%2].URL).DecideApplicationWithResponse(ctx, id, nil,
				apiclient.DecideApplicationJSONRequestBody{Decision: apiclient.DecideApplicationJSONBodyDecisionApproved, Amount: &amount}, apiclient.Bearer(members[i%3]))
			switch {
			case err == nil && r.StatusCode() == http.StatusOK:
				approved.Add(1)
			case err == nil && r.StatusCode() == http.StatusConflict:
				refused.Add(1)
			default:
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("decision: %w", apiclient.Expect(r, err, http.StatusOK))
				}
				mu.Unlock()
			}
		}()
	}
	// Meanwhile, donations are pledged on one instance and confirmed on the
	// other; their money arrives after the decisions are counted.
	donations := make(chan string, cfg.Donations)
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-start
		for i := range cfg.Donations {
			d, err := c.at(servers[i%2].URL).PledgeWithResponse(ctx, nil, apiclient.Pledge{Amount: apiclient.AmountOf("10.00"), Anonymous: ptr(true)})
			if err := apiclient.Expect(d, err, http.StatusCreated); err != nil {
				mu.Lock()
				firstErr = err
				mu.Unlock()
				return
			}
			donations <- d.JSON201.Id
		}
	}()
	close(start)
	wg.Wait()
	close(donations)
	if firstErr != nil {
		return rep, firstErr
	}
	rep.Approved, rep.Refused = int(approved.Load()), int(refused.Load())
	r, err := c.at(b).GetFundWithResponse(ctx)
	if err := apiclient.Expect(r, err, http.StatusOK); err != nil {
		return rep, err
	}
	fund := r.JSON200
	cents, err := fundus.ParseAmount("available", fundus.AmountText{Text: fund.Available, Set: true, Quoted: true}, fundus.EUR, fundus.NotNegative, 1<<62)
	if err != nil {
		return rep, err
	}
	rep.AvailableCents = cents
	fmt.Fprintf(out, "%d applications of 125.00 EUR decided at once on both instances with 1000.00 EUR: %d approved, %d refused, %s EUR left\n",
		len(ids), rep.Approved, rep.Refused, fund.Available)
	if want := min(len(ids), 8); rep.Approved != want || rep.Refused != len(ids)-want || cents != int64(1000_00-want*125_00) {
		return rep, fmt.Errorf("want %d approved and the rest refused", want)
	}

	// The donations, each confirmed on the instance it was not pledged on.
	i := 0
	for id := range donations {
		r, err := confirm(ctx, c, servers[(i+1)%2].URL, kasse, &pledge{id: id, key: "two-" + id})
		if err := apiclient.Expect(r, err, http.StatusOK); err != nil {
			return rep, err
		}
		i++
	}
	rep.Donations = i
	for _, s := range servers {
		if err := s.Stop(); err != nil {
			return rep, err
		}
	}
	if rep.VerifyOutput, err = f.Run(ctx, "", "verify"); err != nil {
		return rep, err
	}
	fmt.Fprintf(out, "%d donations pledged on one instance, confirmed on the other; fundus verify: %s", rep.Donations, rep.VerifyOutput)
	return rep, checkOnce(ctx, f.DatabaseURL)
}

// registerGroup registers a project group and returns its token.
func registerGroup(ctx context.Context, c *client, base string) (string, error) {
	reg := apiclient.Registration{Email: "verein@example.org", Name: "Amina Yilmaz", Organisation: ptr("Café Lingua e.V."), Password: password}
	r, err := c.at(base).RegisterWithResponse(ctx, reg)
	if err := apiclient.Expect(r, err, http.StatusCreated); err != nil {
		return "", err
	}
	return c.signIn(ctx, base, "verein@example.org")
}

// readyApplication makes an application for amount, submits it, and has
// each member review it and vote for it: it waits for a decision.
func readyApplication(ctx context.Context, c *client, base, group string, members []string, amount string) (string, error) {
	api, as := c.at(base), apiclient.Bearer(group)
	app, err := api.CreateApplicationWithResponse(ctx, nil, apiclient.ApplicationInput{
		Title: "Sprachcafé", Organisation: "Café Lingua e.V.", Summary: "Wöchentliches Sprachcafé",
		Description: "Ehrenamtliche treffen Neuankömmlinge.", RequestedAmount: apiclient.AmountOf(amount),
		Budget:   []apiclient.BudgetItemInput{{Item: "Miete", Amount: apiclient.AmountOf(amount)}},
		StartsOn: apiclient.DateOf(2027, time.January, 1), EndsOn: apiclient.DateOf(2027, time.June, 30),
		Payee:       apiclient.PayeeInput{Holder: "Café Lingua e.V.", Iban: "DE89370400440532013000"},
		Recognition: &apiclient.RecognitionInput{Kind: apiclient.RecognitionInputKindPublicBody},
	}, as)
	if err := apiclient.Expect(app, err, http.StatusCreated); err != nil {
		return "", err
	}
	id := app.JSON201.Id
	submitted, err := api.SubmitApplicationWithResponse(ctx, id, nil, as)
	if err := apiclient.Expect(submitted, err, http.StatusOK); err != nil {
		return "", err
	}
	for _, m := range members {
		review := apiclient.AddReviewJSONRequestBody{Score: 4, Comment: ptr("gut"), ConflictOfInterest: ptr(false)}
		reviewed, err := api.AddReviewWithResponse(ctx, id, nil, review, apiclient.Bearer(m))
		if err := apiclient.Expect(reviewed, err, http.StatusCreated); err != nil {
			return "", err
		}
		vote := apiclient.CastVoteJSONRequestBody{Vote: apiclient.CastVoteJSONBodyVoteApprove}
		voted, err := api.CastVoteWithResponse(ctx, id, nil, vote, apiclient.Bearer(m))
		if err := apiclient.Expect(voted, err, http.StatusCreated); err != nil {
			return "", err
		}
	}
	return id, nil
}

// checkOnce checks that nothing is booked twice for the same thing (no
// donation confirmed twice, no application approved twice) and that every
// stored balance is the sum of its postings.
func checkOnce(ctx context.Context, url string) error {
	d, err := db.Open(ctx, url, db.Options{MaxReadConns: 2})
	if err != nil {
		return err
	}
	defer d.Close()
	var twice []string
	err = d.SelectContext(ctx, &twice, `SELECT ref_type || ' ' || ref_id || ' ' || kind FROM entries
		WHERE ref_id IS NOT NULL GROUP BY ref_type, ref_id, kind HAVING count(*) > 1`)
	if err != nil {
		return err
	}
	if len(twice) > 0 {
		return fmt.Errorf("booked twice: %v", twice)
	}
	return checkBalances(ctx, d)
}
