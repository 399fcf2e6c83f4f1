// Package web holds Fundus's pages: HTML templates, CSS, a little
// JavaScript and the translations, embedded in the binary. Render writes a
// page in one language; every text comes from the translation files
// (i18n/*.json), none from the templates. Amounts and dates are formatted
// per language.
package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"fundus"
)

//go:embed templates/*.html i18n/*.json static
var files embed.FS

// Static returns the static files (CSS, JS), served under /static/.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err)
	}
	return sub
}

// Renderer renders pages.
type Renderer struct {
	// Site is the fund's name, logo and operator, shown on every page.
	Site   Site
	bundle *i18n.Bundle
	locs   map[string]localizers                    // by language, made once
	pages  map[string]map[string]*template.Template // by language, then page
}

// New parses the templates and translations.
func New() (*Renderer, error) {
	bundle := i18n.NewBundle(language.German)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, l := range Languages {
		if _, err := bundle.LoadMessageFileFS(files, "i18n/"+l.String()+".json"); err != nil {
			return nil, fmt.Errorf("web: translations: %w", err)
		}
	}
	r := &Renderer{bundle: bundle, pages: map[string]map[string]*template.Template{}, locs: map[string]localizers{}}
	for _, l := range Languages {
		r.locs[l.String()] = newLocalizers(bundle, l.String())
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	// Each page is parsed once per language, with that language's
	// functions bound, so rendering only executes it.
	for _, l := range Languages {
		lang := l.String()
		r.pages[lang] = map[string]*template.Template{}
		for _, name := range names {
			page := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
			if page == "layout" {
				continue
			}
			t, err := template.New("layout.html").Funcs(r.funcs(lang)).ParseFS(files, "templates/layout.html", name)
			if err != nil {
				return nil, fmt.Errorf("web: %s: %w", name, err)
			}
			r.pages[lang][page] = t
		}
	}
	return r, nil
}

// funcs are the template functions of one language.
func (r *Renderer) funcs(lang string) template.FuncMap {
	loc := r.localizer(lang)
	return template.FuncMap{
		"t": func(id string, args ...any) string { return translate(loc, id, args...) },
		// tde is the German text of id on any page: the legal texts
		// (Impressum, privacy policy) are binding in German.
		"tde": func(id string, args ...any) string { return translate(r.localizer("de"), id, args...) },
		// Amounts, IBANs and references (ltr) are isolated left-to-right
		// on right-to-left pages (Isolate), dates in their own direction
		// (IsolateText).
		"money":      func(m fundus.Money) string { return Isolate(lang, FormatMoney(lang, m)) },
		"date":       func(t time.Time) string { return IsolateText(lang, FormatDate(lang, t)) },
		"datetime":   func(t time.Time) string { return IsolateText(lang, FormatDateTime(lang, t)) },
		"day":        func(d string) string { return IsolateText(lang, FormatDay(lang, d)) },
		"iban":       func(s string) string { return Isolate(lang, FormatIBAN(s)) },
		"ltr":        func(s string) string { return Isolate(lang, s) },
		"lang":       func() string { return lang },
		"dir":        func() string { return Dir(lang) },
		"langs":      func() []SwitcherLang { return switcher },
		"unreviewed": func() bool { return Unreviewed(lang) },
		"fieldError": func(errs map[string]string, field string) string { return errs[field] },
		"fieldArgs":  fieldArgs,
		// tin translates id into the language l, for a page that shows a
		// text in two languages (the trust pages).
		"tin": func(l, id string, args ...any) string {
			return translate(r.localizer(l), id, args...)
		},
	}
}

// Field is what the "field" template needs for one input.
type Field struct {
	ID, Label, Value, Error, Autocomplete, Type string
}

// fieldArgs bundles an input's parts for the "field" template: the input's
// id (and name), the domain's field name its errors come under, its label
// and value, the page's errors, the autocomplete token and the input type.
func fieldArgs(id, field, label, value string, errors map[string]string, autocomplete, typ string) Field {
	return Field{ID: id, Label: label, Value: value, Error: errors[field], Autocomplete: autocomplete, Type: typ}
}

// FormatIBAN writes an IBAN in groups of four, as it is printed and read.
func FormatIBAN(iban string) string {
	var b strings.Builder
	for i, r := range iban {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Page is what every page gets: its language, the signed-in user's name
// (if any), the CSRF token for forms, and the page's own data.
type Page struct {
	Lang        string
	Path        string // the page's path, for the language switcher
	Title       string // a translation id
	User        string // the signed-in user's name, or ""
	IsTreasurer bool
	IsCommittee bool
	IsAdmin     bool
	IsAuditor   bool // may read the ledger and the audit trail (auditors, admins)
	CSRFToken   string
	Data        any
	// Site is the Renderer's Site, set by Render.
	Site *Site
	// ErrorSummary is what the page's forms say is wrong, shown at the top
	// of the page; Render fills it in (errorSummary).
	ErrorSummary []SummaryItem
}

// Render writes the page named name in p.Lang.
func (r *Renderer) Render(w io.Writer, name string, p Page) error {
	p.Lang = pageLang(name, p.Lang)
	t, ok := r.pages[p.Lang][name]
	if !ok {
		return fmt.Errorf("web: no page %q in %q", name, p.Lang)
	}
	p.Site = &r.Site
	var b bytes.Buffer // render fully before writing, so an error leaves no half page
	if err := t.ExecuteTemplate(&b, "layout.html", p); err != nil {
		return err
	}
	// A page whose forms mark fields invalid (or show an error of a group
	// of fields) is rendered once more, with the error summary that lists
	// and links them.
	if p.ErrorSummary == nil && (bytes.Contains(b.Bytes(), []byte(`aria-invalid="true"`)) || bytes.Contains(b.Bytes(), []byte(`class="error"`))) {
		if p.ErrorSummary = errorSummary(b.Bytes()); len(p.ErrorSummary) > 0 {
			b.Reset()
			if err := t.ExecuteTemplate(&b, "layout.html", p); err != nil {
				return err
			}
		}
	}
	page := textMarkup(b.Bytes(), p.Lang)
	_, err := w.Write(page)
	return err
}

// T translates one message outside a template (for error messages).
func (r *Renderer) T(lang, id string, args ...any) string {
	return translate(r.localizer(lang), id, args...)
}

// localizers look a message up in a language and, where the language
// lacks it (a staff page's text beyond StaffLanguages), in Fallback.
type localizers []*i18n.Localizer

func (r *Renderer) localizer(lang string) localizers {
	if locs, ok := r.locs[lang]; ok {
		return locs
	}
	return r.locs[Fallback]
}

func newLocalizers(b *i18n.Bundle, lang string) localizers {
	if lang == Fallback {
		return localizers{i18n.NewLocalizer(b, lang)}
	}
	return localizers{i18n.NewLocalizer(b, lang), i18n.NewLocalizer(b, Fallback)}
}

// translate looks id up; args are name/value pairs for the message's
// template. A missing message shows its id, which a test catches.
func translate(locs localizers, id string, args ...any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		data[fmt.Sprint(args[i])] = args[i+1]
	}
	cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if n, ok := data["Count"]; ok { // "1 Spende", "2 Spenden"
		cfg.PluralCount = n
	}
	for _, loc := range locs {
		if s, err := loc.Localize(cfg); err == nil {
			return s
		}
	}
	return id
}
