package web

import (
	"bytes"
	"strings"
	"testing"

	"fundus"
)

func TestFormatMoney(t *testing.T) {
	for _, c := range []struct {
		lang  string
		minor int64
		want  string
	}{
		{"de", 123450, "1.234,50\u00a0€"}, {"en", 123450, "€1,234.50"},
		{"de", 5, "0,05\u00a0€"}, {"en", 100000000, "€1,000,000.00"},
		{"de", -2500, "-25,00\u00a0€"}, {"en", 99, "€0.99"},
	} {
		if got := FormatMoney(c.lang, fundus.EURCents(c.minor)); got != c.want {
			t.Errorf("FormatMoney(%s, %d) = %q, want %q", c.lang, c.minor, got, c.want)
		}
	}
}

func TestPlurals(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		lang string
		n    int64
		want string
	}{{"de", 1, "aus 1 Spende"}, {"de", 2, "aus 2 Spenden"}, {"en", 1, "from 1 donation"}, {"en", 0, "from 0 donations"}} {
		if got := r.T(c.lang, "fund.received_count", "Count", c.n); got != c.want {
			t.Errorf("%s %d: %q", c.lang, c.n, got)
		}
	}
	var b bytes.Buffer
	if err := r.Render(&b, "error", Page{Lang: "en", Title: "error.title", Data: map[string]string{"Title": "<x>", "Detail": "d"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "&lt;x&gt;") {
		t.Fatal("not escaped")
	}
}
