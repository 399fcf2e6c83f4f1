package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
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
		return c.getScenario(name, "/api/v1/fund"), nil
	case "fund-page":
		return c.getScenario(name, "/"), nil
	case "mixed":
		return c.mixedScenario(ctx)
	}
	return scenario{}, fmt.Errorf("-scenario: unknown %q (pledge, confirm, fund, fund-page, mixed, all)", name)
}

// pledgeTarget is one public pledge of 5 to 500 euros with an idempotency
// key, as the donation form sends it.
func (c *client) pledgeTarget(t *vegeta.Target) {
	cents := 500 + rand.IntN(49501)
	t.Method = http.MethodPost
	t.URL = c.base() + "/api/v1/donations"
	t.Body = fmt.Appendf(nil, `{"amount":"%d.%02d","anonymous":true,"message":"load %s"}`, cents/100, cents%100, c.run)
	t.Header = header("")
	t.Header.Set("Idempotency-Key", "pledge-"+randomHex(12))
}

func (c *client) pledgeScenario() scenario {
	return scenario{
		next: func(t *vegeta.Target) error { c.pledgeTarget(t); return nil },
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
			t.Method = http.MethodPost
			t.URL = c.base() + "/api/v1/donations/" + id + "/confirm"
			t.Body = []byte(`{}`)
			t.Header = header(treasurer)
			t.Header.Set("Idempotency-Key", "confirm-"+id)
			return nil
		},
		seen: func(*vegeta.Result) string { return "confirm" },
	}, nil
}

// getScenario reads one public path, as a German visitor would.
func (c *client) getScenario(name, path string) scenario {
	return scenario{
		next: func(t *vegeta.Target) error {
			t.Method = http.MethodGet
			t.URL = c.base() + path
			t.Header = http.Header{"Accept-Language": {"de-DE,de;q=0.9"}}
			return nil
		},
		seen: func(*vegeta.Result) string { return name },
	}
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
	d.target(t, s)
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

func (d *day) target(t *vegeta.Target, s step) {
	c := d.c
	t.Method = http.MethodPost
	t.Body = []byte(`{}`)
	t.Header = header("")
	switch s.op {
	case "fund-page":
		t.Method, t.URL, t.Body = http.MethodGet, c.base()+"/", nil
		t.Header = http.Header{"Accept-Language": {"de-DE,de;q=0.9"}}
	case "fund":
		t.Method, t.URL, t.Body = http.MethodGet, c.base()+"/api/v1/fund", nil
	case "pledge":
		c.pledgeTarget(t)
	case "confirm":
		id := pop(&d.toConfirm)
		t.URL = c.base() + "/api/v1/donations/" + id + "/confirm"
		t.Header = header(d.treasurers[0])
		t.Header.Set("Idempotency-Key", "confirm-"+id)
	case "apply":
		cents := 10000 + rand.IntN(30001)
		s.app.amount = fmt.Sprintf("%d.%02d", cents/100, cents%100)
		half := cents / 2
		t.URL = c.base() + "/api/v1/applications"
		t.Header = header(d.groups[s.app.owner])
		t.Body = fmt.Appendf(nil, `{"title":"Sprachcafé %[1]s","organisation":"Verein e.V.","summary":"Ein Treffen pro Woche","description":"Ehrenamtliche treffen Neuankömmlinge.","requested_amount":"%[2]s","budget":[{"item":"Miete","amount":"%[3]d.%02[4]d"},{"item":"Material","amount":"%[5]d.%02[6]d"}],"starts_on":"2027-01-01","ends_on":"2027-06-30","payee":{"holder":"Verein e.V.","iban":"DE89370400440532013000"}}`,
			c.run, s.app.amount, half/100, half%100, (cents-half)/100, (cents-half)%100)
	case "submit":
		t.URL = c.base() + "/api/v1/applications/" + s.app.id + "/submit"
		t.Header = header(d.groups[s.app.owner])
	case "review":
		t.URL = c.base() + "/api/v1/applications/" + s.app.id + "/reviews"
		t.Header = header(d.members[0])
		t.Body = []byte(`{"score":4,"comment":"gut geplant","conflict_of_interest":false}`)
	case "vote":
		t.URL = c.base() + "/api/v1/applications/" + s.app.id + "/votes"
		t.Header = header(d.members[s.member])
		t.Body = []byte(`{"vote":"approve"}`)
	case "decide":
		t.URL = c.base() + "/api/v1/applications/" + s.app.id + "/decision"
		t.Header = header(d.members[0])
		t.Header.Set("Idempotency-Key", "decide-"+s.app.id)
		t.Body = fmt.Appendf(nil, `{"decision":"approved","amount":"%s"}`, s.app.amount)
	case "payout":
		t.URL = c.base() + "/api/v1/applications/" + s.app.id + "/disbursements"
		t.Header = header(d.treasurers[0])
		t.Header.Set("Idempotency-Key", "payout-"+s.app.id)
		t.Body = fmt.Appendf(nil, `{"amount":"%s"}`, s.app.amount)
	case "release":
		id := pop(&d.toRelease)
		t.URL = c.base() + "/api/v1/disbursements/" + id + "/release"
		t.Header = header(d.treasurers[1])
		t.Header.Set("Idempotency-Key", "release-"+id)
	case "export":
		t.Method, t.Body = http.MethodGet, nil
		t.URL = c.base() + "/api/v1/ledger/export?format=csv&from=" + url.QueryEscape(since(d.start))
		t.Header = header(d.auditor)
	}
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
