package web

import (
	"time"

	"github.com/bojanz/currency"
	"github.com/go-playground/locales"
	"github.com/go-playground/locales/ar"
	"github.com/go-playground/locales/de"
	"github.com/go-playground/locales/en_GB"
	"github.com/go-playground/locales/fa"
	"github.com/go-playground/locales/pl"
	"github.com/go-playground/locales/ru"
	"github.com/go-playground/locales/tr"
	"github.com/go-playground/locales/uk"

	"fundus"
)

// Amounts and dates per language, from CLDR data: amounts through
// github.com/bojanz/currency (which formats the exact decimal string, never
// a float), dates through github.com/go-playground/locales.
//
// Two choices go beyond a language's own CLDR locale (docs/languages.md):
//   - Amounts are written in Latin digits in every language, also Arabic and
//     Persian: the donor compares them with a German bank statement and
//     types them into a German banking app.
//   - Turkish, Arabic and Persian pages write amounts as German statements
//     do ("1.250,50 €"; CLDR's Turkish puts the sign first, "€1.250,50",
//     and its Arabic uses "1,250.50"). On the right-to-left pages every
//     amount is isolated left-to-right (Isolate), so it reads as on the
//     statement; CLDR's right-to-left mark before it is left out, as
//     inside that isolation it would move a minus sign behind the number.
//   - English dates are European ("25 Nov 2026", CLDR en_GB): the fund is
//     in Germany.

// amountLocale is the CLDR locale whose pattern writes amounts in a
// language.
var amountLocale = map[string]string{
	"de": "de", "en": "en", "ru": "ru", "pl": "pl", "uk": "uk",
	"tr": "de", "ar": "de", "fa": "de",
}

var amountFormatters = func() map[string]*currency.Formatter {
	m := map[string]*currency.Formatter{}
	for lang, loc := range amountLocale {
		m[lang] = currency.NewFormatter(currency.NewLocale(loc))
	}
	return m
}()

var dateLocales = map[string]locales.Translator{
	"de": de.New(), "en": en_GB.New(), "tr": tr.New(), "ar": ar.New(),
	"ru": ru.New(), "pl": pl.New(), "uk": uk.New(), "fa": fa.New(),
}

// FormatMoney writes an amount as people of lang read it: "1.234,50 €" in
// German, "€1,234.50" in English, "1 234,50 €" in Russian and Ukrainian.
// It works on the exact decimal string, never on a float.
func FormatMoney(lang string, m fundus.Money) string {
	f, ok := amountFormatters[lang]
	if !ok {
		f, lang = amountFormatters[Fallback], Fallback
	}
	a, err := currency.NewAmount(m.String(), "EUR")
	if err != nil { // fundus.Money is always a valid decimal
		panic("web: " + err.Error())
	}
	return f.Format(a)
}

func dateLocale(lang string) locales.Translator {
	if l, ok := dateLocales[lang]; ok {
		return l
	}
	return dateLocales[Fallback]
}

// FormatDate writes a date (its day in Berlin) as people of lang read it:
// "25.11.2026", "25 Nov 2026", "25 нояб. 2026 г.".
func FormatDate(lang string, t time.Time) string {
	return dateLocale(lang).FmtDateMedium(t.In(fundus.Berlin))
}

// FormatDay writes a calendar day (YYYY-MM-DD, as bank lines carry it)
// as FormatDate does; anything else as it is.
func FormatDay(lang, day string) string {
	t, err := time.ParseInLocation(time.DateOnly, day, fundus.Berlin)
	if err != nil {
		return day
	}
	return FormatDate(lang, t)
}

// FormatDateTime writes a date and time (Berlin time) as people of lang
// read it; German adds "Uhr", as German letters do.
func FormatDateTime(lang string, t time.Time) string {
	t = t.In(fundus.Berlin)
	s := FormatDate(lang, t) + ", " + dateLocale(lang).FmtTimeShort(t)
	if lang == "de" {
		s += " Uhr"
	}
	return s
}
