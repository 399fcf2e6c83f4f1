package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"fundus/internal/apiclient"
)

// scenario returns the named scenario, after its setup (users, pledges to
// confirm), which is not measured.
func (c *client) scenario(ctx context.Context, name string) (scenario, error) {
	switch name {
	case "pledge":
		return c.pledgeScenario(), nil
	case "confirm":
		return c.confirmScenario(ctx)
	case "fund":
		return getScenario(name, c.fundTarget), nil
	case "fund-page":
		return getScenario(name, c.fundPageTarget), nil
	case "mixed":
		return c.mixedScenario(ctx)
	}
	return scenario{}, fmt.Errorf("-scenario: unknown %q (pledge, confirm, fund, fund-page, mixed, all)", name)
}

// pledgeTarget is one public pledge of 5 to 500 euros with an idempotency
// key, as the donation form sends it.
func (c *client) pledgeTarget(t *vegeta.Target) error {
	cents := 500 + rand.IntN(49501)
	anonymous, message := true, "load "+c.run
	req, err := apiclient.NewPledgeRequest(c.base(), &apiclient.PledgeParams{IdempotencyKey: apiclient.Key("pledge-" + randomHex(12))},
		apiclient.Pledge{Amount: apiclient.AmountOf(fmt.Sprintf("%d.%02d", cents/100, cents%100)), Anonymous: &anonymous, Message: &message})
	return target(t, req, err, "")
}

func (c *client) pledgeScenario() scenario {
	return scenario{
		next: c.pledgeTarget,
		seen: func(r *vegeta.Result) string {
			if r.Code == http.StatusCreated {
				if id := idOf(r.Body); id != "" {
					c.addPledge(id)
				}
			}
			return "pledge"
		},
	}
}

// confirmScenario confirms pledges, each once, with its idempotency key. It
// makes the pledges it needs first, unmeasured, when the pledge scenario
// has not left enough.
func (c *client) confirmScenario(ctx context.Context) (scenario, error) {
	treasurer, err := c.user(ctx, "treasurer", "treasurer")
	if err != nil {
		return scenario{}, err
	}
	c.mu.Lock()
	have := len(c.pledgedIDs)
	c.mu.Unlock()
	want := c.o.pledges
	switch {
	case want > 0:
	case c.o.count > 0:
		want = c.o.count
	case have > 0:
		want = have // what the pledge scenario left
	default:
		want = 40000
	}
	missing := want - have
	if missing > 0 {
		p := c.pledgeScenario()
		a := vegeta.NewAttacker(vegeta.Workers(uint64(c.o.clients)), vegeta.MaxWorkers(uint64(c.o.clients)), vegeta.KeepAlive(true))
		go func() { <-ctx.Done(); a.Stop() }()
		for r := range a.Attack(limit(p.next, missing), vegeta.Rate{Freq: 0}, 0, "prepare") {
			p.seen(r)
		}
	}
	ids := c.takePledges(want)
	var mu sync.Mutex
	return scenario{
		budget: len(ids),
		next: func(t *vegeta.Target) error {
			mu.Lock()
			if len(ids) == 0 {
				mu.Unlock()
				return vegeta.ErrNoTargets
			}
			id := ids[0]
			ids = ids[1:]
			mu.Unlock()
			req, err := confirmRequest(c.base(), id)
			return target(t, req, err, treasurer)
		},
		seen: func(*vegeta.Result) string { return "confirm" },
	}, nil
}

// confirmRequest is a treasurer's confirm of a pledge, with its key.
func confirmRequest(base, id string) (*http.Request, error) {
	return apiclient.NewConfirmDonationRequest(base, id, &apiclient.ConfirmDonationParams{IdempotencyKey: apiclient.Key("confirm-" + id)},
		apiclient.ConfirmDonationJSONRequestBody{})
}

// fundPageTarget is the public fund page, as a German visitor reads it (a
// page, not part of the API).
func (c *client) fundPageTarget(t *vegeta.Target) error {
	t.Method, t.URL, t.Body = http.MethodGet, c.base()+"/", nil
	t.Header = http.Header{"Accept-Language": {"de-DE,de;q=0.9"}}
	return nil
}

// fundTarget is GET /api/v1/fund.
func (c *client) fundTarget(t *vegeta.Target) error {
	req, err := apiclient.NewGetFundRequest(c.base())
	return target(t, req, err, "")
}

// getScenario repeats one public read.
func getScenario(name string, next vegeta.Targeter) scenario {
	return scenario{next: next, seen: func(*vegeta.Result) string { return name }}
}

// The mixed day. Most requests read the fund's figures; a fifth are
// pledges, an eighth confirms; the rest move applications along: apply,
// submit, review, one vote per member of the quorum, decide, pay out,
// release (by the other treasurer), and now and then an auditor exports
// the day's ledger. Each request carries an X-Request-ID that Fundus
// echoes, so its answer finds its step.
type application struct {
	id     string
	owner  int
	amount string
	votes  int
}

type step struct {
	op     string
	app    *application
	member int
}

type day struct {
	c          *client
	start      time.Time
	treasurers [2]string
	members    []string
	auditor    string
	groups     []string

	// The queues of work waiting for its next step.
	mu                           sync.Mutex
	seq                          int
	inFlight                     map[string]step // by X-Request-ID
	toSubmit, toReview, toDecide []*application
	toPay                        []*application
	votes                        []step
	toRelease                    []string // disbursement ids
	toConfirm                    []string // donation ids
}

func (c *client) mixedScenario(ctx context.Context) (scenario, error) {
	d := &day{c: c, start: time.Now(), inFlight: map[string]step{}}
	var err error
	for i := range d.treasurers {
		// treasurers[1] releases what treasurers[0] prepares: asked for
		// by the other admin than the committee (see userAskedBy).
		if d.treasurers[i], err = c.userAskedBy(ctx, i, fmt.Sprintf("treasurer%d", i+1), "treasurer"); err != nil {
			return scenario{}, err
		}
	}
	for i := 0; i < c.o.quorum; i++ {
		t, err := c.user(ctx, fmt.Sprintf("member%d", i+1), "committee")
		if err != nil {
			return scenario{}, err
		}
		d.members = append(d.members, t)
	}
	if d.auditor, err = c.user(ctx, "auditor", "auditor"); err != nil {
		return scenario{}, err
	}
	for i := 0; i < 8; i++ {
		t, err := c.applicant(ctx, i)
		if err != nil {
			return scenario{}, err
		}
		d.groups = append(d.groups, t)
	}
	return scenario{next: d.next, seen: d.seen}, nil
}

func (d *day) next(t *vegeta.Target) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.pick()
	d.seq++
	rid := "load-" + d.c.run + "-" + strconv.Itoa(d.seq)
	d.inFlight[rid] = s
	if err := d.target(t, s); err != nil {
		return err
	}
	t.Header.Set("X-Request-ID", rid)
	return nil
}

// pick chooses the next step; the grant steps furthest along go first, so
// applications flow through rather than pile up at the start.
func (d *day) pick() step {
	r := rand.IntN(1000)
	switch {
	case r < 300:
		return step{op: "fund-page"}
	case r < 500:
		return step{op: "fund"}
	case r < 700:
		return step{op: "pledge"}
	case r < 820:
		if len(d.toConfirm) > 0 {
			return step{op: "confirm"}
		}
		return step{op: "pledge"}
	case r < 998:
		return d.grantStep()
	default:
		return step{op: "export"}
	}
}

func (d *day) grantStep() step {
	switch {
	case len(d.toRelease) > 0:
		return step{op: "release"}
	case len(d.toPay) > 0:
		return step{op: "payout", app: pop(&d.toPay)}
	case len(d.toDecide) > 0:
		return step{op: "decide", app: pop(&d.toDecide)}
	case len(d.votes) > 0:
		return pop(&d.votes)
	case len(d.toReview) > 0:
		return step{op: "review", app: pop(&d.toReview)}
	case len(d.toSubmit) > 0:
		return step{op: "submit", app: pop(&d.toSubmit)}
	}
	return step{op: "apply", app: &application{owner: rand.IntN(len(d.groups))}}
}

func pop[T any](q *[]T) T {
	v := (*q)[0]
	*q = (*q)[1:]
	return v
}

// target builds the request of a step with the generated client's request
// builders.
func (d *day) target(t *vegeta.Target, s step) error {
	c := d.c
	base := c.base()
	switch s.op {
	case "fund-page":
		return c.fundPageTarget(t)
	case "fund":
		return c.fundTarget(t)
	case "pledge":
		return c.pledgeTarget(t)
	case "confirm":
		req, err := confirmRequest(base, pop(&d.toConfirm))
		return target(t, req, err, d.treasurers[0])
	case "apply":
		cents := 10000 + rand.IntN(30001)
		s.app.amount = fmt.Sprintf("%d.%02d", cents/100, cents%100)
		half := cents / 2
		req, err := apiclient.NewCreateApplicationRequest(base, nil, apiclient.ApplicationInput{
			Title: "Sprachcafé " + c.run, Organisation: "Verein e.V.", Summary: "Ein Treffen pro Woche",
			Description: "Ehrenamtliche treffen Neuankömmlinge.", RequestedAmount: apiclient.AmountOf(s.app.amount),
			Budget: []apiclient.BudgetItemInput{
				{Item: "Miete", Amount: apiclient.AmountOf(fmt.Sprintf("%d.%02d", half/100, half%100))},
				{Item: "Material", Amount: apiclient.AmountOf(fmt.Sprintf("%d.%02d", (cents-half)/100, (cents-half)%100))},
			},
			StartsOn: apiclient.DateOf(2027, time.January, 1), EndsOn: apiclient.DateOf(2027, time.June, 30),
			Payee:       apiclient.PayeeInput{Holder: "Verein e.V.", Iban: "DE89370400440532013000"},
			Recognition: &apiclient.RecognitionInput{Kind: apiclient.RecognitionInputKindPublicBody},
		})
		return target(t, req, err, d.groups[s.app.owner])
	case "submit":
		req, err := apiclient.NewSubmitApplicationRequest(base, s.app.id, nil)
		return target(t, req, err, d.groups[s.app.owner])
	case "review":
		comment, conflict := "gut geplant", false
		req, err := apiclient.NewAddReviewRequest(base, s.app.id, nil, apiclient.AddReviewJSONRequestBody{Score: 4, Comment: &comment, ConflictOfInterest: &conflict})
		return target(t, req, err, d.members[0])
	case "vote":
		req, err := apiclient.NewCastVoteRequest(base, s.app.id, nil, apiclient.CastVoteJSONRequestBody{Vote: apiclient.CastVoteJSONBodyVoteApprove})
		return target(t, req, err, d.members[s.member])
	case "decide":
		amount := apiclient.AmountOf(s.app.amount)
		req, err := apiclient.NewDecideApplicationRequest(base, s.app.id, &apiclient.DecideApplicationParams{IdempotencyKey: apiclient.Key("decide-" + s.app.id)},
			apiclient.DecideApplicationJSONRequestBody{Decision: apiclient.DecideApplicationJSONBodyDecisionApproved, Amount: &amount})
		return target(t, req, err, d.members[0])
	case "payout":
		req, err := apiclient.NewCreateDisbursementRequest(base, s.app.id, &apiclient.CreateDisbursementParams{IdempotencyKey: apiclient.Key("payout-" + s.app.id)},
			apiclient.CreateDisbursementJSONRequestBody{Amount: apiclient.AmountOf(s.app.amount)})
		return target(t, req, err, d.treasurers[0])
	case "release":
		id := pop(&d.toRelease)
		req, err := apiclient.NewReleaseDisbursementRequest(base, id, &apiclient.ReleaseDisbursementParams{IdempotencyKey: apiclient.Key("release-" + id)})
		return target(t, req, err, d.treasurers[1])
	case "export":
		from := since(d.start)
		req, err := apiclient.NewExportLedgerRequest(base, &apiclient.ExportLedgerParams{Format: apiclient.ExportLedgerParamsFormatCsv, From: &from})
		return target(t, req, err, d.auditor)
	}
	return fmt.Errorf("unknown step %q", s.op)
}

// seen moves the application of an answered step to its next queue.
func (d *day) seen(r *vegeta.Result) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	rid := r.Headers.Get("X-Request-ID")
	s, ok := d.inFlight[rid]
	if !ok {
		return "unanswered"
	}
	delete(d.inFlight, rid)
	if r.Code/100 != 2 {
		return s.op // a refused step goes no further
	}
	switch s.op {
	case "pledge":
		if id := idOf(r.Body); id != "" {
			d.toConfirm = append(d.toConfirm, id)
		}
	case "apply":
		s.app.id = idOf(r.Body)
		d.toSubmit = append(d.toSubmit, s.app)
	case "submit":
		d.toReview = append(d.toReview, s.app)
	case "review":
		for m := range d.members {
			d.votes = append(d.votes, step{op: "vote", app: s.app, member: m})
		}
	case "vote":
		if s.app.votes++; s.app.votes == len(d.members) {
			d.toDecide = append(d.toDecide, s.app)
		}
	case "decide":
		d.toPay = append(d.toPay, s.app)
	case "payout":
		if id := idOf(r.Body); id != "" {
			d.toRelease = append(d.toRelease, id)
		}
	}
	return s.op
}
