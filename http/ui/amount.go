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
// The rules, for every page's language:
//   - "1250", "1250.5", "1250.50" and "1250,50": one separator followed by
//     one or two digits is the decimal separator, point or comma.
//   - "1.250,50" and "1,250.50": with both separators, the last one is the
//     decimal separator and the other groups thousands (groups of exactly
//     three digits); both forms are read on every page.
//   - Spaces (also non-breaking and thin ones) group thousands too and are
//     dropped ("1 250,50", as Russian, Polish and Ukrainian write it), as is
//     a euro sign before or after the amount and any direction mark.
//   - Arabic-Indic and Persian digits (١٢٥٠ / ۱۲۵۰) are read as 0–9, the
//     Arabic decimal separator "٫" as the decimal separator, and the Arabic
//     thousands separator "٬" is dropped.
//
// The page's language decides only an amount whose one kind of separator
// is followed by exactly three digits, which is a thousands separator in
// one language and a decimal separator with too many places in another:
//   - "1.250" is 1250 where a point groups thousands (German, Turkish, and
//     the Arabic and Persian pages, which write amounts as German
//     statements do); elsewhere it is handed on as typed (1.250 with three
//     decimal places, which EUR refuses).
//   - "1,250" is 1250 on an English page; elsewhere it is handed on as typed.
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

// pointGroups: the languages whose pages group thousands with a point.
var pointGroups = map[string]bool{"de": true, "tr": true, "ar": true, "fa": true}

// localDigits maps what is typed in Arabic script to what the rules read.
var localDigits = strings.NewReplacer(
	"٠", "0", "١", "1", "٢", "2", "٣", "3", "٤", "4", "٥", "5", "٦", "6", "٧", "7", "٨", "8", "٩", "9",
	"۰", "0", "۱", "1", "۲", "2", "۳", "3", "۴", "4", "۵", "5", "۶", "6", "۷", "7", "۸", "8", "۹", "9",
	"٬", "", "\u200e", "", "\u200f", "", "\u2066", "", "\u2067", "", "\u2068", "", "\u2069", "",
)

// localAmount reads an amount typed on a page in lang (one of web.Languages). It
// returns the plain decimal ("1250.50") or, when the text is no amount
// under the rules above, the text as typed (trimmed).
func localAmount(lang, s string) string {
	s = strings.TrimSpace(s)
	t := strings.TrimSpace(localDigits.Replace(s))
	// "٫" is always a decimal separator: it becomes the one this page's
	// language writes, so that the rules below read it as one.
	if lang == "en" {
		t = strings.ReplaceAll(t, "٫", ".")
	} else {
		t = strings.ReplaceAll(t, "٫", ",")
	}
	t = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(t, "€"), "€"))
	t = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "\u2009", "").Replace(t)
	switch {
	case t == "":
		return s
	case plainAmount.MatchString(t):
		return strings.Replace(t, ",", ".", 1)
	case groupedPoint.MatchString(t):
		whole, frac, hasFrac := strings.Cut(t, ",")
		if !hasFrac && !pointGroups[lang] { // "1.250" on an English page
			return s
		}
		return joinAmount(strings.ReplaceAll(whole, ".", ""), frac, hasFrac)
	case groupedComma.MatchString(t):
		whole, frac, hasFrac := strings.Cut(t, ".")
		if !hasFrac && lang != "en" { // "1,250" on a German or Russian page
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
