package ui_test

import (
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
	"fundus/web"
)

func readMessages(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

var msgPlaceholder = regexp.MustCompile(`{{[^}]*}}`)

func placeholders(s string) []string {
	p := msgPlaceholder.FindAllString(s, -1)
	slices.Sort(p)
	return p
}

// TestEveryLanguageComplete: every language beyond the staff's has the same
// messages, among them every message a public or applicant template asks
// for, each with the English message's placeholders; every mail text is in
// every language; review.json names each such language.
func TestEveryLanguageComplete(t *testing.T) {
	en := readMessages(t, "../../web/i18n/en.json")
	var public []string
	files, _ := os.ReadDir("../../web/templates")
	used := regexp.MustCompile(`\b(?:t|tin \S+) "([a-z_.0-9]+)"`)
	for _, f := range files {
		// Staff pages are complete in German and English
		// (web.StaffLanguages) and shown in English to the others; every
		// other page is complete in every language.
		if web.IsStaffPage(strings.TrimSuffix(f.Name(), ".html")) {
			continue
		}
		b, err := os.ReadFile("../../web/templates/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			public = append(public, m[1])
		}
	}
	if len(public) < 200 {
		t.Fatalf("only %d messages found on the public pages", len(public))
	}
	var first map[string]any
	for _, tag := range web.Languages {
		lang := tag.String()
		if slices.Contains(web.StaffLanguages, lang) {
			continue
		}
		msgs := readMessages(t, "../../web/i18n/"+lang+".json")
		if first == nil {
			first = msgs
		}
		for k := range first {
			if _, ok := msgs[k]; !ok {
				t.Errorf("%s.json lacks %s", lang, k)
			}
		}
		for _, k := range public {
			if _, ok := msgs[k]; !ok {
				t.Errorf("%s.json lacks %s, which a public page uses", lang, k)
			}
		}
		for k, v := range msgs {
			e, ok := en[k]
			if !ok {
				t.Errorf("%s.json has %s, which en.json has not", lang, k)
				continue
			}
			switch e := e.(type) {
			case string:
				s, _ := v.(string)
				if s == "" && e != "" {
					t.Errorf("%s %s: empty or not a string", lang, k)
				} else if !slices.Equal(placeholders(s), placeholders(e)) {
					t.Errorf("%s %s: placeholders %v, English has %v", lang, k, placeholders(s), placeholders(e))
				}
			case map[string]any:
				forms, ok := v.(map[string]any)
				if !ok {
					t.Errorf("%s %s: not a plural message", lang, k)
					continue
				}
				for form, s := range forms {
					for _, p := range placeholders(s.(string)) {
						if !slices.Contains(placeholders(e["other"].(string)), p) {
							t.Errorf("%s %s.%s: placeholder %s not in the English", lang, k, form, p)
						}
					}
				}
			}
		}
	}
	mailEN := readMessages(t, "../../web/i18n/mail.en.json")
	for _, tag := range web.Languages {
		m := readMessages(t, "../../web/i18n/mail."+tag.String()+".json")
		for k, e := range mailEN {
			s, ok := m[k].(string)
			if !ok || s == "" {
				t.Errorf("mail.%s.json lacks %s", tag, k)
			} else if !slices.Equal(placeholders(s), placeholders(e.(string))) {
				t.Errorf("mail.%s %s: placeholders %v, English has %v", tag, k, placeholders(s), placeholders(e.(string)))
			}
		}
	}
	review := readMessages(t, "../../web/i18n/review.json")
	for _, tag := range web.Languages {
		lang := tag.String()
		if slices.Contains(web.StaffLanguages, lang) {
			continue
		}
		r, ok := review[lang].(map[string]any)
		if !ok {
			t.Errorf("review.json does not say which %s texts a native speaker read", lang)
			continue
		}
		msgs := readMessages(t, "../../web/i18n/"+lang+".json")
		for _, k := range r["reviewed"].([]any) {
			if _, ok := msgs[k.(string)]; !ok && mailEN[k.(string)] == nil {
				t.Errorf("review.json: %s lists %s, which is no message", lang, k)
			}
		}
	}
}

// TestPluralsEveryLanguage: every plural message has, in every language,
// the forms its CLDR rule asks for (a missing form would show the
// message's id), for the numbers that pick each form.
func TestPluralsEveryLanguage(t *testing.T) {
	r, err := web.New()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range readMessages(t, "../../web/i18n/en.json") {
		if _, ok := v.(map[string]any); !ok {
			continue
		}
		for _, tag := range web.Languages {
			for _, n := range []int{0, 1, 2, 3, 4, 5, 11, 12, 14, 21, 22, 25, 100, 101, 102, 103, 111, 1000, 1001} {
				if got := r.T(tag.String(), k, "Count", n); got == k || strings.Contains(got, "{{") {
					t.Errorf("%s %s for %d: %q", tag, k, n, got)
				}
			}
		}
	}
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{"ru", 1, "1 "}, {"ru", 3, "3 "}, {"ru", 5, "5 "}, {"pl", 22, "22 "}, {"uk", 11, "11 "}, {"tr", 2, "2 "}, {"fa", 7, "7 "},
	} {
		if got := r.T(c.lang, "fund.received_count", "Count", c.n); !strings.Contains(got, c.want) {
			t.Errorf("%s %d: %q", c.lang, c.n, got)
		}
	}
}

// TestNoEnglishLeft renders every public and applicant page in every
// language and looks for English: a text (or a label an assistive
// technology reads) that the page has in English, but not in German, is an
// English text left untranslated. Texts the same in English and German are
// names and data (the fund's name, IBANs, the applicant's title).
func TestNoEnglishLeft(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ts := testserver.New(t, d, server.Config{})
	group := ts.MustUser("verein@example.org", auth.Applicant)
	id := ts.JSON("POST", "/api/v1/applications", group, testserver.ApplicationBody).WantStatus(t, 201).JSON["id"].(string)
	ts.JSON("POST", "/api/v1/applications/"+id+"/submit", group, "").WantStatus(t, 200)
	draft := ts.JSON("POST", "/api/v1/applications", group, testserver.ApplicationBody).WantStatus(t, 201).JSON["id"].(string)

	pages := func(lang string) map[string]string {
		out := map[string]string{}
		b := ts.Browser(t, lang)
		for _, p := range []string{"/", "/donate", "/report", "/impressum", "/datenschutz", "/kontakt", "/login", "/password-reset", "/apply", "/no-such-page"} {
			out[p] = b.Do("GET", p, nil).Body.String()
		}
		form := b.Do("GET", "/donate", nil).Body.String()
		out["/donate (errors)"] = b.Do("POST", "/donate", url.Values{"csrf_token": {b.CSRF(form)}, "amount_other": {"zwölf"}, "email": {"no"}}).Body.String()
		thanks := b.Do("POST", "/donate", url.Values{"csrf_token": {b.CSRF(form)}, "amount_other": {"25"}, "receipt_requested": {"1"}, "name": {"Ada"}, "street": {"Weg 1"}, "postal_code": {"49074"}, "city": {"Osnabrück"}})
		if thanks.Code != 200 || !strings.Contains(thanks.Body.String(), `id="reference"`) {
			t.Fatalf("%s: donation %d\n%s", lang, thanks.Code, thanks.Body)
		}
		out["/donate (thanks)"] = thanks.Body.String()
		s := ts.SignedIn("verein@example.org", lang)
		for _, p := range []string{"/apply", "/apply/new", "/grants/" + id, "/grants/" + draft, "/account"} {
			out["signed in "+p] = s.Do("GET", p, nil).Body.String()
		}
		return out
	}
	en, de := pages("en"), pages("de")
	for _, tag := range web.Languages {
		lang := tag.String()
		if lang == "en" || lang == "de" {
			continue
		}
		for p, body := range pages(lang) {
			if !strings.Contains(body, `<html lang="`+lang+`" dir="`+web.Dir(lang)+`">`) {
				t.Errorf("%s %s: not marked as %s (%s)", lang, p, lang, web.Dir(lang))
			}
			// What a reader copies from a right-to-left page (an amount,
			// the IBAN, the reference) carries no invisible isolates: they
			// are <bdi> elements there.
			if web.Dir(lang) == "rtl" && strings.ContainsAny(body, "\u2066\u2067\u2068\u2069") {
				t.Errorf("%s %s: Unicode isolates in the page", lang, p)
			}
			if p == "/impressum" && !strings.Contains(body, `<span lang="de">§ 5 DDG</span>`) {
				t.Errorf("%s %s: the German legal reference is not marked lang=de", lang, p)
			}
			if web.Dir(lang) == "rtl" && p == "/donate (thanks)" && !strings.Contains(body, `<bdi dir="ltr">DE89 3704 0044 0532 0130 00</bdi>`) {
				t.Errorf("%s %s: the IBAN is not isolated left-to-right", lang, p)
			}
			english, german := texts(en[p]), texts(de[p])
			for _, s := range texts(body) {
				if slices.Contains(english, s) && !slices.Contains(german, s) && !names[s] {
					t.Errorf("%s %s: English left: %q", lang, p, s)
				}
			}
		}
	}
}

// names are texts that are the same in every language: the switcher's
// language names, each in its own language.
var names = func() map[string]bool {
	m := map[string]bool{}
	for _, tag := range web.Languages {
		m[web.LangName(tag.String())] = true
	}
	return m
}()

// germanSpan is how a page of another language marks a German term; the
// comparison of texts reads through it.
var germanSpan = regexp.MustCompile(`<span lang="de">([^<]*)</span>`)

// texts are a page's texts and the attributes people read (labels for
// assistive technology, alternative texts, placeholders) with letters in
// them, trimmed.
func texts(page string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(germanSpan.ReplaceAllString(page, "$1")))
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) == "script" || string(name) == "style" {
				skip++
			}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "aria-label", "alt", "placeholder", "title", "data-copied":
					out = appendText(out, string(v))
				}
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "script" || string(name) == "style" {
				skip--
			}
		case html.TextToken:
			if skip == 0 {
				out = appendText(out, string(z.Text()))
			}
		}
	}
}

var letters = regexp.MustCompile(`\pL{2}`)

func appendText(out []string, s string) []string {
	s = strings.Join(strings.Fields(s), " ")
	if letters.MatchString(s) {
		out = append(out, s)
	}
	return out
}

// TestStaffPagesInEnglish: a committee member or treasurer whose language
// is Turkish gets the staff pages in English as a whole (lang="en"), and
// the public pages in Turkish.
func TestStaffPagesInEnglish(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ts := testserver.New(t, d, server.Config{})
	ts.MustUser("kasse@example.org", auth.Treasurer, auth.Committee)
	b := ts.SignedIn("kasse@example.org", "tr")
	for _, p := range []string{"/committee", "/treasurer/donations", "/treasurer/bank", "/treasurer/receipts"} {
		if body := b.Do("GET", p, nil).Body.String(); !strings.Contains(body, `<html lang="en" dir="ltr">`) {
			t.Errorf("%s for a Turkish reader is not an English page", p)
		}
	}
	if body := b.Do("GET", "/donate", nil).Body.String(); !strings.Contains(body, `<html lang="tr" dir="ltr">`) {
		t.Error("/donate for a Turkish reader is not Turkish")
	}
	if body := ts.SignedIn("kasse@example.org", "de").Do("GET", "/committee", nil).Body.String(); !strings.Contains(body, `<html lang="de" dir="ltr">`) {
		t.Error("/committee for a German reader is not German")
	}
}
