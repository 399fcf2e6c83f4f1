package web

import (
	"bytes"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// SummaryItem is one line of a form's error summary: the field (or, for an
// error of no single field, the message itself) it links to, the field's
// label and the message.
type SummaryItem struct {
	ID, Label, Message string
}

// errorSummary reads a rendered page for the fields its forms mark invalid
// (aria-invalid="true", each with its label and the message it is
// described by) and for error messages of no single field (an element of
// class "error" with an id that no invalid field points to, named by the
// legend of its fieldset), in the order the page shows them. The layout shows them as the error summary at the
// top of the page, which takes the focus (autofocus), so that every form
// with a field error gets one without its template listing its fields.
func errorSummary(page []byte) []SummaryItem {
	type invalid struct {
		id, describedBy string
		at              int
	}
	var fields []invalid
	labels := map[string]string{}
	messages := map[string]string{}
	messageAt := map[string]int{}
	// The legends of the fieldsets around the tokens: an error of a group
	// of fields (radio buttons) is named by its group's legend.
	var legends []*strings.Builder
	groupOf := map[string]*strings.Builder{}
	z := html.NewTokenizer(bytes.NewReader(page))
	// What the text tokens go to: the label for a field, or an error
	// message, until the element ends.
	var into *strings.Builder
	var intoTag, intoKey string
	var intoMap map[string]string
	depth := 0
	for at := 0; ; at++ {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			var out []SummaryItem
			pos := map[string]int{}
			linked := map[string]bool{}
			for _, f := range fields {
				if f.id == "" {
					continue
				}
				msg := ""
				for _, d := range strings.Fields(f.describedBy) {
					if m, ok := messages[d]; ok {
						msg, linked[d] = m, true
						break
					}
				}
				out = append(out, SummaryItem{ID: f.id, Label: labels[f.id], Message: msg})
				pos[f.id] = f.at
			}
			for id, m := range messages {
				if !linked[id] {
					label := ""
					if g := groupOf[id]; g != nil {
						label = strings.Join(strings.Fields(g.String()), " ")
					}
					out = append(out, SummaryItem{ID: id, Label: label, Message: m})
					pos[id] = messageAt[id]
				}
			}
			slices.SortFunc(out, func(a, b SummaryItem) int { return pos[a.ID] - pos[b.ID] })
			return out
		case html.TextToken:
			if into != nil {
				into.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			attrs := map[string]string{}
			for more := true; more; {
				var k, v []byte
				k, v, more = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			if attrs["aria-invalid"] == "true" {
				fields = append(fields, invalid{id: attrs["id"], describedBy: attrs["aria-describedby"], at: at})
			}
			if into != nil {
				if string(name) == intoTag && tt == html.StartTagToken {
					depth++
				}
				continue
			}
			switch {
			case string(name) == "fieldset" && tt == html.StartTagToken:
				legends = append(legends, &strings.Builder{})
			case string(name) == "legend" && tt == html.StartTagToken && len(legends) > 0:
				into, intoTag, intoKey, intoMap, depth = legends[len(legends)-1], "legend", "", nil, 0
			case string(name) == "label" && attrs["for"] != "":
				into, intoTag, intoKey, intoMap, depth = &strings.Builder{}, "label", attrs["for"], labels, 0
			case attrs["id"] != "" && slices.Contains(strings.Fields(attrs["class"]), "error") && tt == html.StartTagToken:
				into, intoTag, intoKey, intoMap, depth = &strings.Builder{}, string(name), attrs["id"], messages, 0
				messageAt[attrs["id"]] = at
				if len(legends) > 0 {
					groupOf[attrs["id"]] = legends[len(legends)-1]
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if into == nil && string(name) == "fieldset" && len(legends) > 0 {
				legends = legends[:len(legends)-1]
			}
			if into == nil || string(name) != intoTag {
				continue
			}
			if depth > 0 {
				depth--
				continue
			}
			if intoMap != nil {
				intoMap[intoKey] = strings.Join(strings.Fields(into.String()), " ")
			}
			into = nil
		}
	}
}
