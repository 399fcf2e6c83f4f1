package web

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
)

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

// stripIsolates drops the isolates from s (a mail's subject).
func stripIsolates(s string) string { return isolatesDropped.Replace(s) }

// bidiMarkup rewrites a rendered page: isolates in text become <bdi>
// elements, isolates elsewhere (attributes, <title>, <textarea>, scripts)
// are dropped. A page without isolates is returned as it is.
func bidiMarkup(page []byte) []byte {
	if !bytes.Contains(page, []byte(lri)) && !bytes.Contains(page, []byte(fsi)) && !bytes.Contains(page, []byte(rli)) && !bytes.Contains(page, []byte(pdi)) {
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
			if raw == "" {
				out.WriteString(isolatesToMarkup.Replace(b))
			} else {
				out.WriteString(isolatesDropped.Replace(b))
			}
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
