package pain

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Latin converts s to the SEPA character set (a-z A-Z 0-9 / - ? : ( ) . , '
// + and space) so that a person can still read it: umlauts become ae, oe,
// ue; other accented Latin letters lose their marks; Cyrillic, Greek and
// Arabic-script letters are transliterated; punctuation becomes its nearest
// SEPA sign; what none of that covers becomes one '.' per run. Whitespace
// is collapsed to single spaces and trimmed. doc.go lists the tables and
// their limits.
func Latin(s string) string {
	in := decompose(s)
	t := transliterator{in: in, ukrainian: strings.ContainsAny(s, "іїєґІЇЄҐ"), wordStart: true}
	for i := range in {
		t.next(i)
	}
	return strings.Join(strings.Fields(t.out.String()), " ")
}

// isSEPA reports whether r is in the SEPA character set.
func isSEPA(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return true
	}
	return strings.ContainsRune("/-?:().,'+ ", r)
}

// decompose puts s in NFC, then splits every rune that no table names into
// its compatibility decomposition (NFKD: "é" is "e" and a mark, "ﬁ" is
// "fi", a full-width "Ａ" is "A") and drops the marks. Arabic vowel marks
// stay: they carry the short vowels.
func decompose(s string) []rune {
	var out []rune
	for _, r := range norm.NFC.String(s) {
		if tabled(r) || isArabicMark(r) {
			out = append(out, r)
			continue
		}
		for _, d := range norm.NFKD.String(string(r)) {
			if unicode.Is(unicode.Mn, d) && !isArabicMark(d) {
				continue
			}
			out = append(out, d)
		}
	}
	return out
}

// tabled reports whether a table names r, so that decompose keeps it
// whole (ä is "ae", not "a"; й is "i", not "и").
func tabled(r rune) bool {
	l := unicode.ToLower(r)
	_, lat := latinLetters[l]
	_, cyr := cyrillic[l]
	_, ara := arabic[r]
	return lat || cyr || ara
}

// latinLetters are the Latin letters that do not decompose into a base
// letter and marks, and the German umlauts, which do but are written ae,
// oe, ue. Keys are lower case.
var latinLetters = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss",
	'æ': "ae", 'ø': "oe", 'œ': "oe", 'å': "a",
	'ł': "l", 'ŀ': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ħ': "h", 'ı': "i", 'ŧ': "t",
	'ŋ': "ng", 'ĸ': "k", 'ƒ': "f", 'ə': "e", 'ǝ': "e", 'ɛ': "e", 'ɔ': "o",
	'ɓ': "b", 'ɗ': "d", 'ƴ': "y", 'ʃ': "sh",
}

// cyrillic is Russian after ICAO Doc 9303 (the Latin names in passports
// since 2013), with the letters of Ukrainian, Belarusian, Serbian and
// Macedonian that Russian lacks. Keys are lower case.
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh",
	'з': "z", 'и': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o",
	'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts",
	'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "ie", 'ы': "y", 'ь': "", 'э': "e", 'ю': "iu",
	'я': "ia",
	'і': "i", 'ї': "i", 'є': "ie", 'ґ': "g", 'ў': "u",
	'ђ': "dj", 'ћ': "c", 'џ': "dz", 'љ': "lj", 'њ': "nj", 'ј': "j", 'ѓ': "gj", 'ќ': "kj", 'ѕ': "dz",
}

// ukrainian overrides cyrillic in a text with a letter only Ukrainian has
// (і ї є ґ), after the national system of 2010 (KMU resolution 55) that
// Ukrainian passports use; ukrainianInitial is its spelling at the start
// of a word.
var (
	ukrainian        = map[rune]string{'г': "h", 'и': "y", 'щ': "shch", 'ъ': ""}
	ukrainianInitial = map[rune]string{'є': "ye", 'ї': "yi", 'й': "y", 'ю': "yu", 'я': "ya"}
)

// greek is ELOT 743 (ISO 843) as Greek passports write names, without its
// rules for αυ/ευ before voiced sounds beyond the one in greekLetter. Keys
// are lower case; accented letters decompose to these.
var greek = map[rune]string{
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "th",
	'ι': "i", 'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x", 'ο': "o", 'π': "p",
	'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t", 'υ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps",
	'ω': "o",
}

// arabic covers the letters of Arabic, Farsi, Kurdish (Sorani) and Urdu.
// Short vowels are not written in these scripts, so a name comes out as
// its consonants and long vowels ("محمد" is "Mhmd") unless the text carries
// vowel marks (arabicMarks). و and ی are decided by arabicLetter.
var arabic = map[rune]string{
	'ا': "a", 'أ': "a", 'إ': "i", 'آ': "a", 'ٱ': "a", 'ء': "", 'ئ': "i", 'ؤ': "u",
	'ب': "b", 'پ': "p", 'ت': "t", 'ٹ': "t", 'ث': "th", 'ج': "j", 'چ': "ch", 'ح': "h",
	'خ': "kh", 'د': "d", 'ڈ': "d", 'ذ': "dh", 'ر': "r", 'ڑ': "r", 'ڕ': "r", 'ز': "z",
	'ژ': "zh", 'س': "s", 'ش': "sh", 'ص': "s", 'ض': "d", 'ط': "t", 'ظ': "z", 'ع': "a",
	'غ': "gh", 'ف': "f", 'ڤ': "v", 'ق': "q", 'ك': "k", 'ک': "k", 'گ': "g", 'ل': "l",
	'ڵ': "l", 'م': "m", 'ن': "n", 'ں': "n", 'ه': "h", 'ہ': "h", 'ھ': "h", 'ة': "a",
	'ى': "a", 'ے': "e", 'ۓ': "e", 'ە': "e", 'ێ': "e", 'ۆ': "o", 'ۇ': "u", 'ۋ': "v",
	'و': "u", 'ي': "i", 'ی': "i", 'ـ': "",
	'،': ",", '؛': ",", '؟': "?", '٫': ",", '٬': "", '۔': ".",
}

// arabicMarks are the vowel marks; the shadda (U+0651), which doubles its
// consonant, and the sukun (U+0652), which says "no vowel", write nothing
// themselves.
var arabicMarks = map[rune]string{
	'\u064B': "an", '\u064C': "un", '\u064D': "in", '\u064E': "a", '\u064F': "u", '\u0650': "i",
	'\u0651': "", '\u0652': "", '\u0670': "a",
}

func isArabicMark(r rune) bool { _, ok := arabicMarks[r]; return ok }

// punctuation maps signs outside the SEPA set to the nearest one inside.
var punctuation = map[rune]string{
	'&': "+", '<': "(", '>': ")", '[': "(", ']': ")", '{': "(", '}': ")",
	'"': "'", '`': "'", '´': "'", 'ʼ': "'", 'ʻ': "'", '_': "-", ';': ",", '!': ".",
	'\\': "/", '|': "/", '~': "-", '⁄': "/", '∕': "/", '×': "x", '@': "(at)",
	'„': "'", '‚': "'", '€': "EUR", '£': "GBP", '·': ".", '•': ".",
}

// transliterator writes the SEPA text of in, one rune at a time, looking
// at its neighbours where the spelling depends on them.
type transliterator struct {
	in        []rune
	ukrainian bool
	out       strings.Builder
	wordStart bool // nothing of the current word is written yet
	unknown   bool // the last thing written was the '.' of an unknown rune
}

func (t *transliterator) at(i int) rune {
	if i < 0 || i >= len(t.in) {
		return 0
	}
	return t.in[i]
}

// inWord reports whether the rune at i belongs to a word: a letter or a mark.
func (t *transliterator) inWord(i int) bool {
	r := t.at(i)
	return unicode.IsLetter(r) || unicode.IsMark(r)
}

func (t *transliterator) write(s string) {
	if s == "" {
		return
	}
	t.out.WriteString(s)
	t.unknown = false
	last := s[len(s)-1]
	t.wordStart = !(unicode.IsLetter(rune(last)) || unicode.IsDigit(rune(last)))
}

// writeUnknown writes the '.' that stands for a run of runes no table knows.
func (t *transliterator) writeUnknown() {
	if !t.unknown {
		t.write(".")
		t.unknown = true
	}
}

// next writes the rune at i.
func (t *transliterator) next(i int) {
	r := t.in[i]
	_, arabicSign := arabic[r]
	switch {
	case isApostrophe(r) && unicode.Is(unicode.Cyrillic, t.at(i-1)) && unicode.Is(unicode.Cyrillic, t.at(i+1)):
		// Ukrainian writes an apostrophe inside words (Мар'яна); transliterations drop it
	case r < 0x80 && isSEPA(r):
		t.write(string(r))
	case unicode.IsSpace(r):
		t.write(" ")
	case unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r):
		// invisible: control and format characters (ZWNJ, soft hyphen, bidi marks)
	case punctuation[r] != "":
		t.write(punctuation[r])
	case unicode.Is(unicode.Pd, r):
		t.write("-")
	case unicode.In(r, unicode.Pi, unicode.Pf) || isApostrophe(r):
		t.write("'")
	case unicode.Is(unicode.Ps, r):
		t.write("(")
	case unicode.Is(unicode.Pe, r):
		t.write(")")
	case '\u0660' <= r && r <= '\u0669':
		t.write(string('0' + r - '\u0660'))
	case '\u06F0' <= r && r <= '\u06F9':
		t.write(string('0' + r - '\u06F0'))
	case arabicSign || isArabicMark(r) || unicode.Is(unicode.Arabic, r):
		// the vowel marks are of no script, the comma and question mark
		// of all; the table names them
		t.arabic(i)
	default:
		s, ok := t.letter(i)
		if !ok {
			t.writeUnknown()
			return
		}
		t.write(s)
	}
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' || r == '‘' }

// letter spells the Latin, Cyrillic or Greek letter at i in the case it
// has: an upper-case letter written as several (Ш as "Sh") is all upper
// case inside an upper-case word ("ШЕВЧЕНКО" is "SHEVCHENKO").
func (t *transliterator) letter(i int) (string, bool) {
	r := t.in[i]
	l := unicode.ToLower(r)
	var s string
	var ok bool
	switch {
	case unicode.Is(unicode.Cyrillic, r):
		s, ok = t.cyrillicLetter(i, l)
	case unicode.Is(unicode.Greek, r):
		s, ok = t.greekLetter(i, l)
	default:
		s, ok = latinLetters[l]
	}
	if !ok {
		return "", false
	}
	upperWord := unicode.IsUpper(t.at(i+1)) || (!unicode.IsLetter(t.at(i+1)) && unicode.IsUpper(t.at(i-1)))
	switch {
	case unicode.IsUpper(r) && upperWord:
		return strings.ToUpper(s), true
	case unicode.IsUpper(r) && s != "":
		return strings.ToUpper(s[:1]) + s[1:], true
	case r == 'ß' && unicode.IsUpper(t.at(i-1)) && upperWord:
		return "SS", true // GROßE
	}
	return s, true
}

func (t *transliterator) cyrillicLetter(i int, l rune) (string, bool) {
	if t.ukrainian {
		afterApostrophe := isApostrophe(t.at(i-1)) && unicode.Is(unicode.Cyrillic, t.at(i-2))
		if s, ok := ukrainianInitial[l]; ok && !t.inWord(i-1) && !afterApostrophe {
			return s, true
		}
		if l == 'г' && unicode.ToLower(t.at(i-1)) == 'з' {
			return "gh", true // зг is "zgh", not "zh"
		}
		if s, ok := ukrainian[l]; ok {
			return s, true
		}
	}
	s, ok := cyrillic[l]
	return s, ok
}

func (t *transliterator) greekLetter(i int, l rune) (string, bool) {
	prev, next := unicode.ToLower(t.at(i-1)), unicode.ToLower(t.at(i+1))
	switch {
	case l == 'υ' && prev == 'ο':
		return "u", true
	case l == 'υ' && (prev == 'α' || prev == 'ε' || prev == 'η'):
		if !unicode.IsLetter(next) || strings.ContainsRune("θκξπσςτφχψ", next) {
			return "f", true
		}
		return "v", true
	case l == 'γ' && strings.ContainsRune("γξχ", next):
		return "n", true
	}
	s, ok := greek[l]
	return s, ok
}

// arabic writes the Arabic-script letter or mark at i, capitalising the
// first letter of a word.
func (t *transliterator) arabic(i int) {
	r := t.in[i]
	if v, ok := arabicMarks[r]; ok {
		t.write(v)
		return
	}
	s, ok := t.arabicLetter(i)
	if !ok {
		t.writeUnknown()
		return
	}
	for j := i + 1; isArabicMark(t.at(j)); j++ {
		if t.at(j) == '\u0651' {
			s += s // shadda: the consonant is doubled
			break
		}
	}
	if t.wordStart && s != "" && unicode.IsLetter(rune(s[0])) {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	t.write(s)
}

// arabicLetter spells the letter at i. و and ی are consonants (w, y) at
// the start of a word, next to a long vowel, and before ا; otherwise the
// long vowels u and i. وو is one u.
func (t *transliterator) arabicLetter(i int) (string, bool) {
	r := t.in[i]
	start := !t.inWord(i - 1)
	prev, next := t.at(i-1), t.at(i+1)
	vowel := func(r rune) bool { return r == 'ا' || r == 'آ' || r == 'ى' }
	switch r {
	case 'و':
		if prev == 'و' {
			if s, _ := t.arabicLetter(i - 1); s == "u" {
				return "", true
			}
		}
		if start || vowel(prev) || next == 'ا' {
			return "w", true
		}
		return "u", true
	case 'ي', 'ی':
		if start || vowel(prev) || prev == 'و' || next == 'ا' || next == 'و' {
			return "y", true
		}
		return "i", true
	}
	s, ok := arabic[r]
	return s, ok
}
