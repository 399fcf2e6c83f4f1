package httpx

import (
	"context"
	"sync"
	"time"

	"fundus/figures"
	"fundus/ledger"
)

// publicFiguresMaxAge is how old the public figures may be when another
// instance changed them. This instance's own writes show at once.
const publicFiguresMaxAge = time.Second

// PublicFund is what the fund page and GET /api/v1/fund show.
type PublicFund struct {
	Figures  figures.Summary
	Projects []figures.Project

	pages sync.Map // language -> the fund page as anonymous visitors see it
}

// Page returns the fund page in lang for anonymous visitors, rendering it
// on first use: they all see the same page until the figures change.
func (f *PublicFund) Page(lang string, render func() ([]byte, error)) ([]byte, error) {
	if b, ok := f.pages.Load(lang); ok {
		return b.([]byte), nil
	}
	b, err := render()
	if err != nil {
		return nil, err
	}
	f.pages.Store(lang, b)
	return b, nil
}

// FundCache keeps the public figures, so that a crowd reading the fund page
// costs a few queries a second instead of a few per view. An entry is used
// while no commit of this process's writer came after it was read, and for
// at most publicFiguresMaxAge (for changes made by other instances). One
// caller reloads while the others wait for its result. The chain head is
// part of the figures and as fresh: this instance's own commits show at
// once, other instances' within publicFiguresMaxAge.
type FundCache struct {
	commits func() int64
	load    func(ctx context.Context) (*PublicFund, error)
	now     func() time.Time

	mu     sync.Mutex
	cur    *PublicFund
	commit int64
	readAt time.Time
}

// NewFundCache keeps the public figures of the fund called fundName, read
// from the ledger l; its writer's commits make it read them again.
func NewFundCache(l *ledger.Service, fundName string) *FundCache {
	load := func(ctx context.Context) (*PublicFund, error) {
		f, err := figures.OfFund(ctx, l.DB)
		if err != nil {
			return nil, err
		}
		return &PublicFund{Figures: f.Summary(fundName), Projects: f.Projects}, nil
	}
	return &FundCache{commits: l.Writer.Commits, load: load, now: time.Now}
}

// Get returns the public figures, read again when they may have changed.
func (c *FundCache) Get(ctx context.Context) (*PublicFund, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	commit, now := c.commits(), c.now()
	if c.cur != nil && commit == c.commit && now.Sub(c.readAt) < publicFiguresMaxAge {
		return c.cur, nil
	}
	// The commit count and time are taken before reading, so a commit made
	// while reading makes the next caller read again.
	readAt := now
	f, err := c.load(ctx)
	if err != nil {
		return nil, err
	}
	c.cur, c.commit, c.readAt = f, commit, readAt
	return f, nil
}
