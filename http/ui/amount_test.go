package ui

import "testing"

// TestLocalAmount: the one reader of typed amounts, in both page
// languages, with the inputs that are ambiguous between them.
func TestLocalAmount(t *testing.T) {
	cases := []struct{ in, de, en string }{
		{"25", "25", "25"},
		{"25,5", "25.5", "25.5"},
		{"25,50", "25.50", "25.50"},
		{"25.50", "25.50", "25.50"},
		{"1,25", "1.25", "1.25"},
		{"1.250,50", "1250.50", "1250.50"},
		{"1,250.50", "1250.50", "1250.50"},
		{"1 250,50", "1250.50", "1250.50"},
		{"1\u00a0250,50 €", "1250.50", "1250.50"},
		{"€ 12", "12", "12"},
		{"1.250.000", "1250000", "1.250.000"},
		{"1,250,000", "1,250,000", "1250000"},
		// Ambiguous: a thousands separator in one language, a decimal
		// separator with three places in the other. The page decides;
		// the other reading is handed on as typed and refused.
		{"1.250", "1250", "1.250"},
		{"1,250", "1,250", "1250"},
		// Not amounts: handed on as typed for the strict parser to refuse.
		{"1.25.0", "1.25.0", "1.25.0"},
		{"12,3456", "12,3456", "12,3456"},
		{"1.2345,00", "1.2345,00", "1.2345,00"},
		{"1,250,50", "1,250,50", "1,250,50"},
		{"-5", "-5", "-5"},
		{"abc", "abc", "abc"},
		{"  ", "", ""},
	}
	for _, c := range cases {
		if got := localAmount("de", c.in); got != c.de {
			t.Errorf("de %q: got %q, want %q", c.in, got, c.de)
		}
		if got := localAmount("en", c.in); got != c.en {
			t.Errorf("en %q: got %q, want %q", c.in, got, c.en)
		}
	}
}
