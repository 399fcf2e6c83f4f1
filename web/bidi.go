package web

import (
	"bytes"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// Two rewrites of a rendered page's text (textMarkup).
//
// On right-to-left pages the template functions (money, iban, ltr, date…)
// mark what must keep its own direction with the Unicode isolates, which
// work inside translated sentences and attributes alike. In a page's text
// they become <bdi> elements (bidiMarkup), which do the same without
// putting invisible characters into what a reader copies: an IBAN or a
// reference copied from the page is exactly what the bank expects. In
// attributes and in <title> they are dropped.

const (
	lri = "\u2066" // left-to-right isolate
	rli = "\u2067" // right-to-left isolate
	fsi = "\u2068" // first-strong isolate
	pdi = "\u2069" // pop directional isolate
)

var (
	isolatesToMarkup = strings.NewReplacer(lri, `<bdi dir="ltr">`, rli, `<bdi dir="rtl">`, fsi, `<bdi>`, pdi, `</bdi>`)
	isolatesDropped  = strings.NewReplacer(lri, "", rli, "", fsi, "", pdi, "")
)

// germanTerm finds what stays German in a page of another language: the
// legal references ("§ 50 Abs. 4 EStDV") and the German terms a reader
// meets on paper, given beside their translation ("Zuwendungsbestätigung").
// germanMarkup marks them lang="de", so that a screen reader speaks them
// as German (WCAG 3.1.2).
var germanTerm = regexp.MustCompile(`Art\. ?[0-9]+(?: Abs\. ?[0-9]+)?(?: (?:lit\.|Buchst\.) ?[a-z])? DSGVO\b|§{1,2} ?[0-9]+[a-z]?(?:\(\d+\))?(?: Abs\. ?[0-9]+)?(?: (?:Satz|S\.) ?[0-9]+)?(?: Nr\. ?[0-9]+)?(?: Buchst\. ?[a-z])? (?:EStDV|EStG|NKomVG|KomHKVO|AO|HGB|BGB|DSGVO|MStV|TMG|DDG|BDSG)\b|` +
	`\b(?:Zuwendungsbestätigung|Sammelbestätigung|Freistellungsbescheid|Feststellungsbescheid|Verwendungszweck|Verwaltungsausschuss|Kommunalaufsicht|Gemeinnützigkeit|Finanzamt|Impressum|Datenschutzerklärung|DSGVO)\b`)

// stripIsolates drops the isolates from s (a mail's subject).
func stripIsolates(s string) string { return isolatesDropped.Replace(s) }

// textMarkup rewrites a page rendered in lang. On a right-to-left page,
// isolates in the text become <bdi> elements, and isolates elsewhere
// (attributes, <title>, <textarea>, scripts) are dropped. On a page in
// another language than German, the German terms in its text are marked
// lang="de". A page with nothing to do is returned as it is.
func textMarkup(page []byte, lang string) []byte {
	rtl := Dir(lang) == "rtl" && (bytes.Contains(page, []byte(lri)) || bytes.Contains(page, []byte(fsi)) || bytes.Contains(page, []byte(rli)) || bytes.Contains(page, []byte(pdi)))
	german := lang != "de" && germanTerm.Match(page)
	if !rtl && !german {
		return page
	}
	var out bytes.Buffer
	out.Grow(len(page) + 512)
	z := html.NewTokenizer(bytes.NewReader(page))
	raw := "" // the raw-text element the tokenizer is in (title, textarea, script, style)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out.Bytes()
		}
		b := string(z.Raw())
		switch tt {
		case html.TextToken:
			if raw != "" {
				out.WriteString(isolatesDropped.Replace(b))
				continue
			}
			if german {
				b = germanTerm.ReplaceAllString(b, `<span lang="de">$0</span>`)
			}
			if rtl {
				b = isolatesToMarkup.Replace(b)
			}
			out.WriteString(b)
			continue
		case html.StartTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "title", "textarea", "script", "style":
				raw = string(name)
			}
		case html.EndTagToken:
			raw = ""
		}
		out.WriteString(isolatesDropped.Replace(b))
	}
}
