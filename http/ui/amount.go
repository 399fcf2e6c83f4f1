package ui

import (
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"
)

// Amounts typed on a page. Every form that takes an amount, and the
// treasurer's search, reads it with localAmount (through formAmount): one
// reader, one set of rules. It turns what a person typed into the plain
// decimal the domain's strict parser (fundus.ParseAmount) reads; what it
// cannot read it hands on as typed, so that parser refuses it naming the
// field.
//
// The rules, for German ("de") and English ("en") pages alike:
//   - "1250", "1250.5", "1250.50" and "1250,50": one separator followed by
//     one or two digits is the decimal separator, point or comma.
//   - "1.250,50" and "1,250.50": with both separators, the last one is the
//     decimal separator and the other groups thousands (groups of exactly
//     three digits); both forms are read on both pages.
//   - Spaces (also non-breaking and thin ones) group thousands too and are
//     dropped, as is a euro sign before or after the amount.
//
// The page's language decides only an amount whose one kind of separator
// is followed by exactly three digits, which is a thousands separator in
// one language and a decimal separator with too many places in the other:
//   - "1.250" is 1250 on a German page; on an English page it is handed on
//     as typed (1.250 with three decimal places, which EUR refuses).
//   - "1,250" is 1250 on an English page; on a German page it is handed on
//     as typed (refused: a German "1,250" is not a euro amount).
//
// Several separators of one kind ("1.250.000" de, "1,250,000" en) group
// thousands in the language whose grouping separator they are.
var (
	// groupedAmount: thousands grouped by g, then an optional decimal
	// part after d.
	plainAmount  = regexp.MustCompile(`^[0-9]+([.,][0-9]{1,2})?$`)
	groupedPoint = regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{3})+(,[0-9]{1,2})?$`)
	groupedComma = regexp.MustCompile(`^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]{1,2})?$`)
)

// localAmount reads an amount typed on a page in lang ("de" or "en"). It
// returns the plain decimal ("1250.50") or, when the text is no amount
// under the rules above, the text as typed (trimmed).
func localAmount(lang, s string) string {
	s = strings.TrimSpace(s)
	t := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "€"), "€"))
	t = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "\u2009", "").Replace(t)
	switch {
	case t == "":
		return s
	case plainAmount.MatchString(t):
		return strings.Replace(t, ",", ".", 1)
	case groupedPoint.MatchString(t):
		whole, frac, hasFrac := strings.Cut(t, ",")
		if !hasFrac && lang != "de" { // "1.250" on an English page
			return s
		}
		return joinAmount(strings.ReplaceAll(whole, ".", ""), frac, hasFrac)
	case groupedComma.MatchString(t):
		whole, frac, hasFrac := strings.Cut(t, ".")
		if !hasFrac && lang == "de" { // "1,250" on a German page
			return s
		}
		return joinAmount(strings.ReplaceAll(whole, ",", ""), frac, hasFrac)
	}
	return s
}

func joinAmount(whole, frac string, hasFrac bool) string {
	if hasFrac {
		return whole + "." + frac
	}
	return whole
}

// formAmount reads an amount typed on a form of this page (localAmount in
// the page's language). The API takes only the plain decimal with a point.
func (h *Handler) formAmount(c *gin.Context, v string) string {
	return localAmount(pageLang(c), v)
}
