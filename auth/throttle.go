package auth

import (
	"context"
	"math"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/db"
	"fundus/errs"
)

// Throttle slows down password guessing. Failed sign-ins are counted per
// account (the email tried, whether or not it exists) and per client
// address; past a number of free failures every further failure blocks that
// key for twice as long as the one before, up to Max. While a key is blocked,
// sign-in answers RateLimited without looking at the password. A success
// clears the account's count, not the address's. Counts live in the
// database, so several instances share them, and are forgotten after Forget
// without failures.
type Throttle struct {
	AccountFree int
	AddressFree int
	Base        time.Duration
	Max         time.Duration
	Forget      time.Duration
}

// DefaultThrottle allows 5 failures per account and 20 per address, then
// blocks for 1 s, 2 s, 4 s, ... up to 15 minutes.
var DefaultThrottle = Throttle{
	AccountFree: 5,
	AddressFree: 20,
	Base:        time.Second,
	Max:         15 * time.Minute,
	Forget:      time.Hour,
}

// check returns RateLimited while any of keys is blocked.
func (t Throttle) check(ctx context.Context, q sqlx.QueryerContext, op errs.Op, now time.Time, keys []string) error {
	until, err := blockedUntil(ctx, q, keys)
	if err != nil {
		return errs.E(op, err)
	}
	if until.After(now) {
		wait := until.Sub(now)
		return errs.E(op, errs.RateLimited, errs.RetryAfter(wait), "too many failed sign-ins; try again later")
	}
	return nil
}

// fail counts a failed sign-in against every key.
func (t Throttle) fail(ctx context.Context, d *db.DB, now time.Time, keys []string) error {
	return db.InTx(ctx, d, func(tx *sqlx.Tx) error {
		for i, key := range keys {
			free := t.AccountFree
			if i > 0 {
				free = t.AddressFree
			}
			n, err := countFailure(ctx, tx, key, now, now.Add(-t.Forget))
			if err != nil {
				return err
			}
			if n > free {
				if err := setBlockedUntil(ctx, tx, key, now.Add(t.delay(n-free))); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// delay is how long the n-th failure past the free ones blocks.
func (t Throttle) delay(n int) time.Duration {
	d := float64(t.Base) * math.Pow(2, float64(n-1))
	if d > float64(t.Max) {
		return t.Max
	}
	return time.Duration(d)
}

// succeed clears key's count.
func (t Throttle) succeed(ctx context.Context, tx *sqlx.Tx, key string) error {
	return clearFailures(ctx, tx, key)
}
