package web

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Languages are the languages of the pages and mails, in the order the
// switcher shows them: German (the city's), English (the staff's second
// language and the fallback), then the languages of the largest groups the
// fund serves in Osnabrück (docs/languages.md). The first is the default.
var Languages = []language.Tag{
	language.German, language.English, language.Turkish, language.Arabic,
	language.Russian, language.Polish, language.Ukrainian, language.Persian,
}

// StaffLanguages are complete on every page, the staff's included. In the
// other Languages the public and applicant pages and every mail are
// complete; a staff page's texts that are not translated fall back to
// English.
var StaffLanguages = []string{"de", "en"}

// staffPages are the templates only the fund's staff see (committee,
// treasurer, admin, auditor). In a language beyond StaffLanguages they are
// rendered in Fallback as a whole, marked lang="en", rather than as a
// Turkish page with English paragraphs in it.
var staffPages = regexp.MustCompile(`^(admin_|auditor_|bank|treasurer|committee$|grant_decide_confirm$|release_confirm$|grants_list$)`)

// IsStaffPage reports whether the template name (without .html) is a
// staff page.
func IsStaffPage(name string) bool { return staffPages.MatchString(name) }

// StaffLang is the language of a staff page for a visitor of lang: lang
// if it is one of StaffLanguages, else Fallback.
func StaffLang(lang string) string {
	if slices.Contains(StaffLanguages, lang) {
		return lang
	}
	return Fallback
}

// pageLang is the language page name is rendered in for a visitor of lang.
func pageLang(name, lang string) string {
	if IsStaffPage(name) {
		return StaffLang(lang)
	}
	return lang
}

// Fallback is the language of any text a language lacks, and of visitors
// whose browser names none of Languages.
const Fallback = "en"

// Lang picks the page language: the cookie's choice if it names one of
// Languages; else the first language of Accept-Language (by quality) whose
// base language is one of Languages; else English. A request with no
// Accept-Language at all gets German, the city's language.
//
// Only the base language counts: a browser set to Kurdish gets English, not
// Turkish or Arabic, which a matcher by "nearby" languages would pick and
// which many Kurdish speakers would not choose.
func Lang(cookie, acceptLanguage string) string {
	if supported(cookie) {
		return cookie
	}
	if strings.TrimSpace(acceptLanguage) == "" {
		return Languages[0].String()
	}
	for _, t := range acceptedTags(acceptLanguage) { // by quality, highest first
		base, _ := t.Base()
		b := base.String()
		switch b {
		case "prs", "pes": // Dari and Iranian Persian: Persian
			b = "fa"
		}
		if supported(b) {
			return b
		}
	}
	return Fallback
}

// acceptedTags are the languages of an Accept-Language header, by quality.
// A header x/text cannot read as a whole (one malformed item) is read item
// by item, skipping what it cannot read, so one bad item does not cost the
// visitor their language.
func acceptedTags(header string) []language.Tag {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err == nil {
		return tags
	}
	type weighted struct {
		tag language.Tag
		q   float32
	}
	var ws []weighted
	for _, item := range strings.Split(header, ",") {
		t, q, err := language.ParseAcceptLanguage(item)
		if err != nil || len(t) == 0 {
			continue
		}
		ws = append(ws, weighted{t[0], q[0]})
	}
	slices.SortStableFunc(ws, func(a, b weighted) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	out := make([]language.Tag, len(ws))
	for i, w := range ws {
		out[i] = w.tag
	}
	return out
}

func supported(l string) bool {
	for _, t := range Languages {
		if t.String() == l {
			return true
		}
	}
	return false
}

// Dir is the writing direction of lang: "rtl" for Arabic and Persian.
func Dir(lang string) string {
	if rtl[lang] {
		return "rtl"
	}
	return "ltr"
}

// rtl holds the Languages written right to left: those in Arabic script.
var rtl = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range Languages {
		if s, _ := t.Script(); s.String() == "Arab" {
			m[t.String()] = true
		}
	}
	return m
}()

// LangName is lang's name in lang itself (the switcher's label: a visitor
// looks for their own language written as they write it), from CLDR, with
// its first letter capitalised as a menu item is.
func LangName(lang string) string {
	name := display.Self.Name(language.Make(lang))
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[n:]
}

// IsolateText keeps s (a date with its month's name) apart from the text
// around it on right-to-left pages, in the direction of its own first
// letter (U+2068 … U+2069): "25 نوامبر 2026" reads right to left as a
// whole, and no neighbouring number joins it.
func IsolateText(lang, s string) string {
	if Dir(lang) != "rtl" || s == "" {
		return s
	}
	return "\u2068" + s + "\u2069"
}

// Isolate keeps s (an amount, an IBAN, a payment reference) in
// left-to-right order inside a right-to-left text, with the Unicode
// isolates U+2066 and U+2069 (what <bdi dir="ltr"> does in HTML, but also
// inside translated sentences, attributes and plain-text mails). In a
// left-to-right language s is returned as it is.
func Isolate(lang, s string) string {
	if Dir(lang) != "rtl" || s == "" {
		return s
	}
	return "\u2066" + s + "\u2069"
}

// SwitcherLang is one entry of the language switcher.
type SwitcherLang struct {
	Code, Name, Dir string
}

// switcher is the language switcher's entries, one per language.
var switcher = func() []SwitcherLang {
	out := make([]SwitcherLang, len(Languages))
	for i, t := range Languages {
		l := t.String()
		out[i] = SwitcherLang{Code: l, Name: LangName(l), Dir: Dir(l)}
	}
	return out
}()

// unreviewed holds the languages some of whose texts no native speaker has
// read yet, by web/i18n/review.json: per language, the keys a native
// speaker has read (with who and when).
var unreviewed = func() map[string]bool {
	b, err := files.ReadFile("i18n/review.json")
	if err != nil {
		panic(err)
	}
	var review map[string]json.RawMessage
	if err := json.Unmarshal(b, &review); err != nil {
		panic("web: i18n/review.json: " + err.Error())
	}
	out := map[string]bool{}
	for l, raw := range review {
		if l == "_about" {
			continue
		}
		var r struct {
			By       string   `json:"by"`
			Reviewed []string `json:"reviewed"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			panic("web: i18n/review.json: " + l + ": " + err.Error())
		}
		var keys map[string]json.RawMessage
		if b, err := files.ReadFile("i18n/" + l + ".json"); err != nil || json.Unmarshal(b, &keys) != nil {
			panic("web: i18n/" + l + ".json unreadable")
		}
		out[l] = len(r.Reviewed) < len(keys)
	}
	return out
}()

// Unreviewed reports whether some texts of lang were not yet read by a
// native speaker; the pages then say so in their footer. German and
// English are the team's own languages.
func Unreviewed(lang string) bool { return unreviewed[lang] }
