package pdf

import "strings"

var (
	ones = [...]string{"null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
		"zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn", "neunzehn"}
	tens = [...]string{"", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"}
	// large are the units written as separate words, from 10^6 up.
	large = [...]struct{ one, many string }{
		{"Million", "Millionen"}, {"Milliarde", "Milliarden"}, {"Billion", "Billionen"},
		{"Billiarde", "Billiarden"}, {"Trillion", "Trillionen"},
	}
)

// Words writes an amount of cents out in German words, as the "in
// Buchstaben" field of a receipt wants it. The form:
//
//   - whole euros, then " und " and the cents if there are any:
//     101,10 € is "einhunderteins Euro und zehn Cent", 2.500,00 € is
//     "zweitausendfünfhundert Euro", 0,01 € is "null Euro und ein Cent";
//   - hundreds and thousands are always counted ("einhundert",
//     "eintausend"), so no digit can be read out of them;
//   - a number that is exactly one is "ein" before its unit ("ein Euro",
//     "ein Cent", "eintausend"); a final one after others is "eins"
//     ("einhunderteins Euro", "eine Million eins Euro");
//   - millions and above are separate words with their number in front:
//     "eine Million Euro", "zwei Millionen Euro", "einundzwanzig Millionen",
//     "einhunderteins Millionen" (the number's cardinal form, like
//     "einhunderteins Euro").
//
// Every int64 is covered (up to Billiarden of euros); a negative amount is
// written with "minus " in front.
func Words(cents int64) string {
	var u uint64
	prefix := ""
	if cents < 0 {
		prefix = "minus "
		u = uint64(-(cents + 1)) + 1 // also right for math.MinInt64
	} else {
		u = uint64(cents)
	}
	euros, rest := u/100, u%100
	s := prefix + unit(euros, "Euro")
	if rest > 0 {
		s += " und " + unit(rest, "Cent")
	}
	return s
}

// unit is n in words followed by the unit name, "ein" for exactly one.
func unit(n uint64, name string) string {
	if n == 1 {
		return "ein " + name
	}
	return number(n) + " " + name
}

// number is the cardinal n in words ("eins" for one).
func number(n uint64) string {
	if n == 0 {
		return "null"
	}
	// groups of three digits, least significant first
	var groups []uint64
	for m := n; m > 0; m /= 1000 {
		groups = append(groups, m%1000)
	}
	var parts []string
	for i := len(groups) - 1; i >= 2; i-- {
		g := groups[i]
		if g == 0 {
			continue
		}
		l := large[i-2]
		if g == 1 {
			parts = append(parts, "eine "+l.one)
		} else {
			parts = append(parts, belowThousand(g, true)+" "+l.many)
		}
	}
	// thousands and the last group are written as one word
	var tail string
	if len(groups) > 1 && groups[1] > 0 {
		tail = belowThousand(groups[1], false) + "tausend"
	}
	if groups[0] > 0 {
		tail += belowThousand(groups[0], true)
	}
	if tail != "" {
		parts = append(parts, tail)
	}
	return strings.Join(parts, " ")
}

// belowThousand writes 1..999; a trailing one is "eins" when final is
// set and "ein" otherwise (as in "eintausend", "einhundertein|tausend").
func belowThousand(n uint64, final bool) string {
	var b strings.Builder
	if h := n / 100; h > 0 {
		b.WriteString(oneWord(h, false))
		b.WriteString("hundert")
	}
	r := n % 100
	switch {
	case r == 0:
	case r < 20:
		b.WriteString(oneWord(r, final))
	default:
		if o := r % 10; o > 0 {
			b.WriteString(oneWord(o, false))
			b.WriteString("und")
		}
		b.WriteString(tens[r/10])
	}
	return b.String()
}

// oneWord is 1..19 in words, "ein" for one unless final.
func oneWord(n uint64, final bool) string {
	if n == 1 && !final {
		return "ein"
	}
	return ones[n]
}
