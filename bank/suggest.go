package bank

import (
	"context"
	"strings"
	"unicode"

	"github.com/jmoiron/sqlx"

	"fundus/donations"
	"fundus/errs"
)

// maxCandidates bounds the pledges of one amount a suggestion looks at.
const maxCandidates = 500

// suggest returns what a queued credit may belong to: a pledge of the same
// amount whose reference the remittance holds with one character wrong or
// two swapped, or whose donor's name is like the payer's; and a donation
// whose reference the line holds, but pledged with another amount.
func suggest(ctx context.Context, q sqlx.QueryerContext, l *Line) ([]*Suggestion, error) {
	if l.Direction != "credit" || l.Status != Queued {
		return nil, nil
	}
	var out []*Suggestion
	seen := map[string]bool{}
	add := func(id, code, reason string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, &Suggestion{Type: "donation", ID: id, Reason: reason, Code: code})
		}
	}
	for _, ref := range References(l.Remittance) {
		d, err := donations.LookupReference(ctx, q, ref)
		if errs.Is(errs.NotFound, err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if d.Status == donations.Pledged && d.Amount.Minor != l.Amount.Minor {
			add(d.ID, "other_amount", "the reference "+d.Reference+" is in the remittance; the pledge was of "+d.Amount.String()+" EUR")
		}
	}
	pledges, err := donations.PledgedOfAmount(ctx, q, l.Amount.Minor, maxCandidates)
	if err != nil {
		return nil, err
	}
	words := candidates(l.Remittance)
	payer := nameWords(l.CounterpartyName)
	for _, d := range pledges {
		body := strings.ReplaceAll(strings.TrimPrefix(d.Reference, "FUND-"), "-", "")
		for _, w := range words {
			if oneTypo(w, body) {
				add(d.ID, "typo", "the remittance holds "+w+", one character or two neighbours off the reference "+d.Reference+"; same amount")
				break
			}
		}
		if d.Donor != nil && len(payer) > 0 && sharesName(payer, nameWords(d.Donor.Name)) {
			add(d.ID, "name", "same amount, and the payer "+l.CounterpartyName+" is like the donor "+d.Donor.Name)
		}
	}
	return out, nil
}

// candidates returns every run of 8 letters and digits in the remittance
// (after FUND, dashes and spaces taken out) that may be a mistyped
// reference body.
func candidates(remittance string) []string {
	t := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, remittance)
	var out []string
	for i := strings.Index(t, "FUND"); i >= 0 && i+12 <= len(t); {
		out = append(out, t[i+4:i+12])
		next := strings.Index(t[i+4:], "FUND")
		if next < 0 {
			break
		}
		i += 4 + next
	}
	return out
}

// oneTypo reports whether a and b (of equal length) differ in exactly one
// character, or by two neighbours swapped.
func oneTypo(a, b string) bool {
	if len(a) != len(b) || a == b {
		return false
	}
	var diff []int
	for i := range a {
		if a[i] != b[i] {
			diff = append(diff, i)
		}
	}
	switch len(diff) {
	case 1:
		return true
	case 2:
		i, j := diff[0], diff[1]
		return j == i+1 && a[i] == b[j] && a[j] == b[i]
	}
	return false
}

// nameWords returns a name's words of three letters or more, lower case.
func nameWords(name string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if len([]rune(w)) >= 3 {
			out = append(out, w)
		}
	}
	return out
}

// sharesName reports whether two names share a word.
func sharesName(a, b []string) bool {
	for _, w := range a {
		for _, v := range b {
			if w == v {
				return true
			}
		}
	}
	return false
}
