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
//   - "1 250,50" and "1 250.50": a space (also a non-breaking or thin one)
//     groups thousands, as Russian, Polish and Ukrainian write it, only
//     between groups of exactly three digits ("12 50" is refused).
//   - A euro sign before or after the amount and direction marks are
//     dropped.
//   - Arabic-Indic and Persian digits (١٢٥٠ / ۱۲۵۰) are read as 0–9. With
//     them come the Arabic separators, each only where it cannot mean
//     anything else: "٫" as the decimal separator before one or two
//     digits, "٬" between groups of exactly three digits ("١٬٢٥٠٫٥٠" is
//     1250.50; "١٢٬٥٠" is refused). They are not mixed with "." or ",".
//
// The page's language decides only an amount whose one kind of separator
// is followed by exactly three digits, which is a thousands separator in
// one language and a decimal separator with too many places in another:
//   - "1.250" (and "1.250.000") is 1250 on a German or Turkish page, whose
//     amounts are written so; elsewhere it is handed on as typed (1.250
//     with three decimal places, which EUR refuses). The Arabic and Persian
//     pages write amounts as German statements do, but there a point is a
//     decimal point to many readers, so the ambiguous form is refused.
//   - "1,250" (and "1,250,000") is 1250 on an English page; elsewhere it is
//     handed on as typed.
//
// Whatever is not read by these rules is handed on as typed, and the
// domain's parser refuses it naming the field: an amount is never guessed.
var (
	plainAmount   = regexp.MustCompile(`^[0-9]+([.,][0-9]{1,2})?$`)
	groupedPoint  = regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{3})+(,[0-9]{1,2})?$`)
	groupedComma  = regexp.MustCompile(`^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]{1,2})?$`)
	groupedSpace  = regexp.MustCompile(`^[0-9]{1,3}( [0-9]{3})+([.,][0-9]{1,2})?$`)
	arabicAmount  = regexp.MustCompile(`^[0-9]+(٫[0-9]{1,2})?$`)
	groupedArabic = regexp.MustCompile(`^[0-9]{1,3}(٬[0-9]{3})+(٫[0-9]{1,2})?$`)
)

// pointGroups: the languages where "1.250" is read as 1250.
var pointGroups = map[string]bool{"de": true, "tr": true}

// localDigits maps Arabic-Indic and Persian digits to 0–9, drops direction
// marks, and makes every kind of space a plain one.
var localDigits = strings.NewReplacer(
	"٠", "0", "١", "1", "٢", "2", "٣", "3", "٤", "4", "٥", "5", "٦", "6", "٧", "7", "٨", "8", "٩", "9",
	"۰", "0", "۱", "1", "۲", "2", "۳", "3", "۴", "4", "۵", "5", "۶", "6", "۷", "7", "۸", "8", "۹", "9",
	"\u200e", "", "\u200f", "", "\u2066", "", "\u2067", "", "\u2068", "", "\u2069", "",
	"\u00a0", " ", "\u202f", " ", "\u2009", " ",
)

// localAmount reads an amount typed on a page in lang (one of
// web.Languages). It returns the plain decimal ("1250.50") or, when the
// text is no amount under the rules above, the text as typed (trimmed).
func localAmount(lang, s string) string {
	s = strings.TrimSpace(s)
	t := strings.TrimSpace(localDigits.Replace(s))
	t = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(t, "€"), "€"))
	switch {
	case t == "":
		return s
	case strings.ContainsAny(t, "٫٬"):
		if !arabicAmount.MatchString(t) && !groupedArabic.MatchString(t) {
			return s
		}
		whole, frac, hasFrac := strings.Cut(t, "٫")
		return joinAmount(strings.ReplaceAll(whole, "٬", ""), frac, hasFrac)
	case strings.Contains(t, " "):
		if !groupedSpace.MatchString(t) {
			return s
		}
		return strings.Replace(strings.ReplaceAll(t, " ", ""), ",", ".", 1)
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
