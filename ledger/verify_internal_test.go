package ledger

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"fundus"
)

// TestUnbalanced: the sum of an entry's postings per currency, added
// without allocating where one currency's sum fits 64 bits, is the sum in
// math/big, also where 64 bits would wrap and with several currencies.
func TestUnbalanced(t *testing.T) {
	p := func(cur string, minor int64) Posting {
		return Posting{Currency: cur, Amount: fundus.Money{Minor: minor}}
	}
	for _, c := range []struct {
		name string
		ps   []Posting
		cur  string
		sum  string // "" when balanced
	}{
		{"balanced", []Posting{p("EUR", 300), p("EUR", -300)}, "", ""},
		{"unbalanced", []Posting{p("EUR", 300), p("EUR", -299)}, "EUR", "1"},
		{"wraps to zero in 64 bits", []Posting{p("EUR", math.MaxInt64), p("EUR", math.MaxInt64), p("EUR", 2)}, "EUR", "18446744073709551616"},
		{"balanced beyond 64 bits", []Posting{p("EUR", math.MaxInt64), p("EUR", 1), p("EUR", -math.MaxInt64), p("EUR", -1)}, "", ""},
		{"below 64 bits", []Posting{p("EUR", math.MinInt64), p("EUR", -1)}, "EUR", "-9223372036854775809"},
		{"each currency balanced", []Posting{p("EUR", 5), p("USD", 7), p("EUR", -5), p("USD", -7)}, "", ""},
		{"one of two currencies unbalanced", []Posting{p("EUR", 5), p("USD", 7), p("EUR", -5), p("USD", -6)}, "USD", "1"},
		{"balanced across currencies only", []Posting{p("EUR", 5), p("USD", -5)}, "EUR", "5"},
	} {
		cur, sum := unbalanced(c.ps)
		got := ""
		if sum != nil {
			got = sum.String()
		}
		if cur != c.cur || got != c.sum {
			t.Errorf("%s: %q %s, want %q %s", c.name, cur, got, c.cur, c.sum)
		}
	}
	// Random entries: the same as adding each currency in math/big.
	r := rand.New(rand.NewPCG(1, 2))
	amounts := []int64{math.MaxInt64, math.MinInt64, 1, -1, 1 << 62, -(1 << 62), 100, -100}
	for i := 0; i < 100000; i++ {
		ps := make([]Posting, 2+r.IntN(4))
		for j := range ps {
			cur := "EUR"
			if r.IntN(8) == 0 {
				cur = "USD"
			}
			ps[j] = p(cur, amounts[r.IntN(len(amounts))])
		}
		if r.IntN(2) == 0 { // balance the first currency with the last posting
			ps[len(ps)-1].Currency = ps[0].Currency
			var s big.Int
			for _, q := range ps[:len(ps)-1] {
				if q.Currency == ps[0].Currency {
					s.Sub(&s, big.NewInt(q.Amount.Minor))
				}
			}
			if !s.IsInt64() {
				continue
			}
			ps[len(ps)-1].Amount.Minor = s.Int64()
		}
		cur, sum := unbalanced(ps)
		wantCur, wantSum := unbalancedBig(ps)
		if cur != wantCur || (sum == nil) != (wantSum == nil) || (sum != nil && sum.Cmp(wantSum) != 0) {
			t.Fatalf("%v: %q %v, want %q %v", ps, cur, sum, wantCur, wantSum)
		}
	}
}
