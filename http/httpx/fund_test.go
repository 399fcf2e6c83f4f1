package httpx

import (
	"context"
	"testing"
	"time"

	"fundus/figures"
)

func TestFundCacheReloadsAfterACommitOrWhenOld(t *testing.T) {
	var commits int64
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	loads := 0
	c := &FundCache{
		commits: func() int64 { return commits },
		now:     func() time.Time { return now },
		load: func(context.Context) (*PublicFund, error) {
			loads++
			return &PublicFund{Figures: figures.Summary{DonationsCount: int64(loads)}}, nil
		},
	}
	get := func() int64 {
		t.Helper()
		f, err := c.Get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return f.Figures.DonationsCount
	}
	first, second := get(), get()
	if first != 1 || second != 1 {
		t.Fatalf("a second read without a commit loaded again: %d loads", loads)
	}
	commits++ // this instance committed: its own change shows at once
	if got := get(); got != 2 {
		t.Fatalf("after a commit: load %d, want 2", got)
	}
	now = now.Add(publicFiguresMaxAge - time.Millisecond)
	if got := get(); got != 2 {
		t.Fatalf("before the maximum age: load %d, want 2", got)
	}
	now = now.Add(time.Millisecond) // another instance's change shows by now
	if got := get(); got != 3 {
		t.Fatalf("at the maximum age: load %d, want 3", got)
	}
}
