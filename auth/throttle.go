package auth

import (
	"context"
	"math"
	"time"

	"fundus/commit"
	"fundus/errs"
)

// Throttle slows down password guessing. Sign-in attempts are counted per
// account (the email tried, whether or not it exists) and per client
// address, before the password is checked, in one atomic step per key, so
// that parallel guesses cannot slip past the count. Past a number of free
// attempts every further attempt blocks that key for twice as long as the
// one before, up to Max; while a key is blocked, sign-in answers RateLimited
// without looking at the password and without counting. A success clears
// the account's count, not the address's. Counts live in the database, so
// several instances share them, and are forgotten after Forget without
// attempts.
//
// Whoever knows an account's email can keep it blocked for up to Max at a
// time; that is the price of slowing guesses per account.
type Throttle struct {
	AccountFree int
	AddressFree int
	Base        time.Duration
	Max         time.Duration
	Forget      time.Duration
}

// DefaultThrottle allows 5 failed attempts per account and 20 per address,
// then blocks for 1 s, 2 s, 4 s, ... up to 15 minutes.
var DefaultThrottle = Throttle{
	AccountFree: 5,
	AddressFree: 20,
	Base:        time.Second,
	Max:         15 * time.Minute,
	Forget:      time.Hour,
}

// attempt counts one sign-in attempt against every key, unless one of them
// is blocked: then it changes nothing and returns RateLimited.
func (t Throttle) attempt(ctx context.Context, w *commit.Writer, op errs.Op, now time.Time, keys []string) error {
	var wait time.Duration
	err := write(ctx, w, func(tx *commit.Tx) error {
		// A blocked attempt is refused before anything is written, so
		// that it has nothing to undo.
		wait = 0
		for _, key := range keys {
			until, err := blockedUntil(ctx, tx.Reader(), key)
			if err != nil {
				return err
			}
			if until.After(now) {
				wait = max(wait, until.Sub(now))
			}
		}
		if wait > 0 {
			return errBlocked
		}
		type counted struct {
			key  string
			n    int
			free int
		}
		var all []counted
		for i, key := range keys {
			n, blockedUntil, err := countAttempt(ctx, tx, key, now, now.Add(-t.Forget))
			if err != nil {
				return err
			}
			if blockedUntil.After(now) {
				wait = max(wait, blockedUntil.Sub(now))
			}
			free := t.AccountFree
			if i > 0 {
				free = t.AddressFree
			}
			all = append(all, counted{key, n, free})
		}
		if wait > 0 {
			return errBlocked // roll back: a blocked attempt is not counted
		}
		for _, c := range all {
			if c.n > c.free {
				if err := setBlockedUntil(ctx, tx, c.key, now.Add(t.delay(c.n-c.free))); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == errBlocked {
		return errs.E(op, errs.RateLimited, errs.RetryAfter(wait), "too many sign-in attempts; try again later")
	}
	if err != nil {
		return errs.E(op, err)
	}
	return nil
}

var errBlocked = errs.E(errs.RateLimited, "blocked")

// delay is how long the n-th attempt past the free ones blocks.
func (t Throttle) delay(n int) time.Duration {
	d := float64(t.Base) * math.Pow(2, float64(n-1))
	if d > float64(t.Max) {
		return t.Max
	}
	return time.Duration(d)
}

// succeed clears the account's count (keys[0]) and takes the successful
// attempt off the others, so that only failures count against an address.
func (t Throttle) succeed(ctx context.Context, tx *commit.Tx, keys []string) error {
	if err := clearFailures(ctx, tx, keys[0]); err != nil {
		return err
	}
	for _, k := range keys[1:] {
		if err := uncount(ctx, tx, k); err != nil {
			return err
		}
	}
	return nil
}

// uncount takes an attempt whose password was never checked off every key.
func (t Throttle) uncount(ctx context.Context, w *commit.Writer, keys []string) error {
	return write(ctx, w, func(tx *commit.Tx) error {
		for _, k := range keys {
			if err := uncount(ctx, tx, k); err != nil {
				return err
			}
		}
		return nil
	})
}
