package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"fundus"
)

// The mails' templates and texts. Each kind of mail has a plain-text
// template mail/KIND.txt, which also defines its "subject", and an HTML
// template mail/KIND.html, set in mail/layout.html. Every text comes from
// i18n/mail.LANG.json (a language is added with that file and LANG.json);
// none from the templates.
//
//go:embed mail/*.txt mail/*.html i18n/mail.*.json
var mailFiles embed.FS

// Mail is one rendered mail: its subject, plain-text and HTML parts.
type Mail struct {
	Subject, Text, HTML string
}

// MailRenderer renders mails.
type MailRenderer struct {
	text  map[string]map[string]*texttemplate.Template // by language, then kind
	html  map[string]map[string]*htmltemplate.Template
	kinds []string
	loc   map[string]localizers // by language
}

// NewMailRenderer parses the mails' templates and texts.
func NewMailRenderer() (*MailRenderer, error) {
	bundle := i18n.NewBundle(language.German)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, l := range Languages {
		if _, err := bundle.LoadMessageFileFS(mailFiles, "i18n/mail."+l.String()+".json"); err != nil {
			return nil, fmt.Errorf("web: mail translations: %w", err)
		}
	}
	names, err := fs.Glob(mailFiles, "mail/*.txt")
	if err != nil {
		return nil, err
	}
	r := &MailRenderer{text: map[string]map[string]*texttemplate.Template{}, html: map[string]map[string]*htmltemplate.Template{}, loc: map[string]localizers{}}
	for _, name := range names {
		r.kinds = append(r.kinds, strings.TrimSuffix(strings.TrimPrefix(name, "mail/"), ".txt"))
	}
	for _, l := range Languages {
		lang := l.String()
		loc := newLocalizers(bundle, lang)
		r.loc[lang] = loc
		funcs := map[string]any{
			"t":        func(id string, args ...any) string { return translate(loc, id, args...) },
			"money":    func(m fundus.Money) string { return Isolate(lang, FormatMoney(lang, m)) },
			"date":     func(t time.Time) string { return IsolateText(lang, FormatDate(lang, t)) },
			"datetime": func(t time.Time) string { return IsolateText(lang, FormatDateTime(lang, t)) },
			// An IBAN and a reference stand on their own line in the
			// mails, where they need no isolation, and a reader copies
			// them into the banking app: no invisible characters.
			"iban": FormatIBAN,
			"ltr":  func(s string) string { return s },
			"lang": func() string { return lang },
			"dir":  func() string { return Dir(lang) },
		}
		r.text[lang], r.html[lang] = map[string]*texttemplate.Template{}, map[string]*htmltemplate.Template{}
		for _, kind := range r.kinds {
			tt, err := texttemplate.New(kind+".txt").Option("missingkey=error").Funcs(funcs).ParseFS(mailFiles, "mail/"+kind+".txt")
			if err != nil {
				return nil, fmt.Errorf("web: mail %s: %w", kind, err)
			}
			if tt.Lookup("subject") == nil {
				return nil, fmt.Errorf("web: mail %s.txt defines no subject", kind)
			}
			ht, err := htmltemplate.New("layout.html").Option("missingkey=error").Funcs(funcs).ParseFS(mailFiles, "mail/layout.html", "mail/"+kind+".html")
			if err != nil {
				return nil, fmt.Errorf("web: mail %s: %w", kind, err)
			}
			r.text[lang][kind], r.html[lang][kind] = tt, ht
		}
	}
	return r, nil
}

// T is the mails' text id in lang (one of Languages), for what goes with a
// mail but is not one: the note a GiroCode shows the payer.
func (r *MailRenderer) T(lang, id string) string {
	loc, ok := r.loc[lang]
	if !ok {
		loc = r.loc[Fallback]
	}
	return translate(loc, id)
}

// Kinds returns the kinds of mail there are templates for.
func (r *MailRenderer) Kinds() []string { return r.kinds }

// Render renders the mail of kind in lang (one of Languages) with data.
func (r *MailRenderer) Render(lang, kind string, data any) (Mail, error) {
	tt, ok := r.text[lang][kind]
	if !ok {
		return Mail{}, fmt.Errorf("web: no mail %q in %q", kind, lang)
	}
	var subject, text, html bytes.Buffer
	if err := tt.ExecuteTemplate(&subject, "subject", data); err != nil {
		return Mail{}, err
	}
	if err := tt.Execute(&text, data); err != nil {
		return Mail{}, err
	}
	if err := r.html[lang][kind].Execute(&html, data); err != nil {
		return Mail{}, err
	}
	return Mail{
		Subject: stripIsolates(strings.Join(strings.Fields(subject.String()), " ")),
		Text:    strings.TrimSpace(text.String()) + "\n",
		HTML:    html.String(),
	}, nil
}
