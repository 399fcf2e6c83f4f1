package pdf

import (
	"math"
	"strings"
	"testing"
)

func TestWords(t *testing.T) {
	for _, c := range []struct {
		cents int64
		want  string
	}{
		{0, "null Euro"},
		{1, "null Euro und ein Cent"},
		{21, "null Euro und einundzwanzig Cent"},
		{100, "ein Euro"},
		{101, "ein Euro und ein Cent"},
		{150, "ein Euro und fünfzig Cent"},
		{1700, "siebzehn Euro"},
		{2100, "einundzwanzig Euro"},
		{3011, "dreißig Euro und elf Cent"},
		{7100, "einundsiebzig Euro"},
		{9900, "neunundneunzig Euro"},
		{10000, "einhundert Euro"},
		{10110, "einhunderteins Euro und zehn Cent"},
		{11200, "einhundertzwölf Euro"},
		{99999, "neunhundertneunundneunzig Euro und neunundneunzig Cent"},
		{100000, "eintausend Euro"},
		{100100, "eintausendeins Euro"},
		{124600, "eintausendzweihundertsechsundvierzig Euro"},
		{250000, "zweitausendfünfhundert Euro"},
		{2100000, "einundzwanzigtausend Euro"},
		{10100000, "einhunderteintausend Euro"},
		{10100100, "einhunderteintausendeins Euro"},
		{10110100, "einhunderteintausendeinhunderteins Euro"},
		{100000000, "eine Million Euro"},
		{100000100, "eine Million eins Euro"},
		{100100000, "eine Million eintausend Euro"},
		{123456789, "eine Million zweihundertvierunddreißigtausendfünfhundertsiebenundsechzig Euro und neunundachtzig Cent"},
		{200000000, "zwei Millionen Euro"},
		{2100000000, "einundzwanzig Millionen Euro"},
		{10100000000, "einhunderteins Millionen Euro"},
		{100000000000, "eine Milliarde Euro"},
		{300000050000, "drei Milliarden fünfhundert Euro"},
		{9999999999999, "neunundneunzig Milliarden neunhundertneunundneunzig Millionen neunhundertneunundneunzigtausendneunhundertneunundneunzig Euro und neunundneunzig Cent"},
		{100000000000000, "eine Billion Euro"},
		{MaxAmount, "neun Billionen neunhundertneunundneunzig Milliarden neunhundertneunundneunzig Millionen neunhundertneunundneunzigtausendneunhundertneunundneunzig Euro und neunundneunzig Cent"},
		{MaxAmount + 1, "zehn Billionen Euro"},
		{math.MaxInt64, "zweiundneunzig Billiarden zweihundertdreiunddreißig Billionen siebenhundertzwanzig Milliarden dreihundertachtundsechzig Millionen fünfhundertsiebenundvierzigtausendsiebenhundertachtundfünfzig Euro und sieben Cent"},
		{-150, "minus ein Euro und fünfzig Cent"},
		{math.MinInt64, "minus zweiundneunzig Billiarden zweihundertdreiunddreißig Billionen siebenhundertzwanzig Milliarden dreihundertachtundsechzig Millionen fünfhundertsiebenundvierzigtausendsiebenhundertachtundfünfzig Euro und acht Cent"},
	} {
		if got := Words(c.cents); got != c.want {
			t.Errorf("Words(%d) = %q, want %q", c.cents, got, c.want)
		}
	}
}

// TestWordsDistinct checks that no two amounts read alike, over all cents
// up to 3.000 € and over sampled large amounts, and that the spelling has
// no doubled spaces or stray forms.
func TestWordsDistinct(t *testing.T) {
	seen := map[string]int64{}
	check := func(n int64) {
		w := Words(n)
		if prev, ok := seen[w]; ok && prev != n {
			t.Fatalf("Words(%d) = Words(%d) = %q", n, prev, w)
		}
		seen[w] = n
		for _, bad := range []string{"  ", "einsund", "einshundert", "einstausend", "eins Million", "eins Milliarde", "eine Millionen", "einund Euro", "null Cent", "nullhundert", "zehnund"} {
			if strings.Contains(w, bad) {
				t.Fatalf("Words(%d) = %q contains %q", n, w, bad)
			}
		}
	}
	for n := int64(0); n <= 300000; n++ {
		check(n)
	}
	for n := int64(1); n < MaxAmount/7; n = n*7 + 13 {
		check(n)
		check(n * 100)
	}
}

func TestFigures(t *testing.T) {
	for _, c := range []struct {
		cents int64
		want  string
	}{
		{0, "0,00 €"},
		{1, "0,01 €"},
		{10110, "101,10 €"},
		{124600, "1.246,00 €"},
		{250000, "2.500,00 €"},
		{100000000, "1.000.000,00 €"},
		{9999999999999, "99.999.999.999,99 €"},
		{MaxAmount, "9.999.999.999.999,99 €"},
		{-250000, "-2.500,00 €"},
	} {
		if got := Figures(c.cents); got != c.want {
			t.Errorf("Figures(%d) = %q, want %q", c.cents, got, c.want)
		}
	}
}
