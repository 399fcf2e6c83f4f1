package web

import (
	"testing"
	"time"

	"fundus"
)

// TestLangChoice: the cookie first, then Accept-Language by quality, then
// English; German only for German speakers (and a request that names no
// language at all).
func TestLangChoice(t *testing.T) {
	for _, c := range []struct{ cookie, accept, want string }{
		{"", "", "de"},
		{"", "de-AT,de;q=0.9", "de"},
		{"", "en-US,en;q=0.9", "en"},
		{"", "fr-FR", "en"},
		{"", "fr-FR, de;q=0.8", "de"},
		{"", "tr-TR,tr;q=0.9,en;q=0.5", "tr"},
		{"", "en;q=0.5, tr", "tr"},
		{"", "ar-SY", "ar"},
		{"", "fa-AF", "fa"},
		{"", "prs", "fa"},
		{"", "uk-UA,ru;q=0.8", "uk"},
		{"", "ru;q=0.3,pl;q=0.9", "pl"},
		{"", "ku", "en"},           // Kurdish: not Turkish or Arabic
		{"", "ckb,ar;q=0.5", "ar"}, // unless the browser says so
		{"", "az", "en"},
		{"", "not a header", "en"},
		{"", "ar;q=0.9,xx-yyyyyyyyyyy", "ar"}, // one bad item costs nothing
		{"", "de;q=0.2,ar-SA;q=abc,uk;q=0.5", "uk"},
		{"", "pes", "fa"},
		{"uk", "de", "uk"},
		{"xx", "pl", "pl"},
	} {
		if got := Lang(c.cookie, c.accept); got != c.want {
			t.Errorf("Lang(%q, %q) = %s, want %s", c.cookie, c.accept, got, c.want)
		}
	}
}

func TestDirAndNames(t *testing.T) {
	want := map[string][2]string{
		"de": {"ltr", "Deutsch"}, "en": {"ltr", "English"}, "tr": {"ltr", "Türkçe"}, "ar": {"rtl", "العربية"},
		"ru": {"ltr", "Русский"}, "pl": {"ltr", "Polski"}, "uk": {"ltr", "Українська"}, "fa": {"rtl", "فارسی"},
	}
	for _, l := range Languages {
		w := want[l.String()]
		if Dir(l.String()) != w[0] || LangName(l.String()) != w[1] {
			t.Errorf("%s: dir %s name %s, want %v", l, Dir(l.String()), LangName(l.String()), w)
		}
	}
	if Isolate("ar", "FUND-AB12-CD34") != "\u2066FUND-AB12-CD34\u2069" || Isolate("de", "x") != "x" {
		t.Error("Isolate")
	}
}

// TestFormatsPerLanguage: amounts and dates as each language writes them
// (CLDR), with Latin digits everywhere (docs/languages.md says why).
func TestFormatsPerLanguage(t *testing.T) {
	day := time.Date(2026, 11, 25, 13, 5, 0, 0, fundus.Berlin)
	for _, c := range []struct{ lang, money, small, date, datetime string }{
		{"de", "1.250,50\u00a0€", "0,01\u00a0€", "25.11.2026", "25.11.2026, 13:05 Uhr"},
		{"en", "€1,250.50", "€0.01", "25 Nov 2026", "25 Nov 2026, 13:05"},
		{"tr", "1.250,50\u00a0€", "0,01\u00a0€", "25 Kas 2026", "25 Kas 2026, 13:05"},
		{"ar", "1.250,50\u00a0€", "0,01\u00a0€", "25\u200f/11\u200f/2026", "25\u200f/11\u200f/2026, 1:05 م"},
		{"ru", "1\u00a0250,50\u00a0€", "0,01\u00a0€", "25 нояб. 2026 г.", "25 нояб. 2026 г., 13:05"},
		{"pl", "1250,50\u00a0€", "0,01\u00a0€", "25 lis 2026", "25 lis 2026, 13:05"},
		{"uk", "1\u00a0250,50\u00a0€", "0,01\u00a0€", "25 лист. 2026 р.", "25 лист. 2026 р., 13:05"},
		{"fa", "1.250,50\u00a0€", "0,01\u00a0€", "25 نوامبر 2026", "25 نوامبر 2026, 13:05"},
	} {
		got := []string{FormatMoney(c.lang, fundus.EURCents(125050)), FormatMoney(c.lang, fundus.EURCents(1)), FormatDate(c.lang, day), FormatDateTime(c.lang, day)}
		want := []string{c.money, c.small, c.date, c.datetime}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: %q, want %q", c.lang, got[i], want[i])
			}
		}
	}
	// Polish groups from five digits on (CLDR's minimum grouping digits).
	if got := FormatMoney("pl", fundus.EURCents(1234567)); got != "12\u00a0345,67\u00a0€" {
		t.Errorf("pl: %q", got)
	}
	if got := FormatMoney("de", fundus.EURCents(100000000)); got != "1.000.000,00\u00a0€" {
		t.Errorf("de: %q", got)
	}
}

// TestBidiMarkup: on a right-to-left page the isolates become <bdi>
// elements in the text, and are dropped where markup cannot go.
func TestBidiMarkup(t *testing.T) {
	in := "<html><head><title>\u2066FUND-AB\u2069</title></head><body>" +
		`<p title="` + "\u20661 €\u2069" + `">` + "المبلغ \u20661.250,50 €\u2069 في \u206825 نوامبر 2026\u2069</p>" +
		"<textarea>\u2066x\u2069</textarea><script>let a = 1 < 2;</script></body></html>"
	want := "<html><head><title>FUND-AB</title></head><body>" +
		`<p title="1 €">المبلغ <bdi dir="ltr">1.250,50 €</bdi> في <bdi>25 نوامبر 2026</bdi></p>` +
		"<textarea>x</textarea><script>let a = 1 < 2;</script></body></html>"
	if got := string(textMarkup([]byte(in), "ar")); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	plain := "<p>nothing to do &amp; nothing changed</p>"
	if got := string(textMarkup([]byte(plain), "ar")); got != plain {
		t.Errorf("%q", got)
	}
}

// TestGermanTermsMarked: on a page in another language the German legal
// references and terms are marked lang="de"; not in attributes, not on a
// German page.
func TestGermanTermsMarked(t *testing.T) {
	in := `<p title="Zuwendungsbestätigung">Bağış makbuzu (Zuwendungsbestätigung), § 50 Abs. 4 EStDV, § 10b EStG; Art. 6 DSGVO; DSGVO.</p>`
	want := `<p title="Zuwendungsbestätigung">Bağış makbuzu (<span lang="de">Zuwendungsbestätigung</span>), <span lang="de">§ 50 Abs. 4 EStDV</span>, <span lang="de">§ 10b EStG</span>; <span lang="de">Art. 6 DSGVO</span>; <span lang="de">DSGVO</span>.</p>`
	if got := string(textMarkup([]byte(in), "tr")); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := string(textMarkup([]byte(in), "de")); got != in {
		t.Errorf("German page changed: %s", got)
	}
}
