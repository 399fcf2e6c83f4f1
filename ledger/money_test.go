package ledger

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"fundus/errs"
)

func TestParseAmountHostile(t *testing.T) {
	const max = 100000000 // 1,000,000.00 EUR
	cases := []struct {
		json string // the JSON value as sent
		sign Sign
		want int64 // 0: refused
	}{
		{`"25.00"`, Positive, 2500},
		{`"25"`, Positive, 2500},
		{`"25.5"`, Positive, 2550},
		{`"0.01"`, Positive, 1},
		{`25.50`, Positive, 2550}, // a JSON number, parsed from its text
		{`"1000000.00"`, Positive, 100000000},
		{`"-12.34"`, NonZero, -1234},
		{`"1.005"`, Positive, 0},
		{`"1e3"`, Positive, 0},
		{`1e3`, Positive, 0},
		{`1E3`, Positive, 0},
		{`1e400`, Positive, 0},
		{`"NaN"`, Positive, 0},
		{`"Infinity"`, Positive, 0},
		{`"-Infinity"`, NonZero, 0},
		{`" 5"`, Positive, 0},
		{`"5 "`, Positive, 0},
		{`"+5"`, Positive, 0},
		{`"5,00"`, Positive, 0},
		{`"1.000,00"`, Positive, 0},
		{`"1,000.00"`, Positive, 0},
		{`"0x10"`, Positive, 0},
		{`"٥"`, Positive, 0}, // Arabic-Indic five
		{`"５"`, Positive, 0}, // fullwidth five
		{`"𝟓"`, Positive, 0}, // mathematical bold five
		{`"1234567890123456789012345"`, Positive, 0},
		{`1234567890123456789012345`, Positive, 0},
		{`"99999999999999999999.99"`, NonZero, 0},
		{`"-0"`, NonZero, 0},
		{`-0`, NonZero, 0},
		{`"0"`, Positive, 0},
		{`"0.00"`, NonZero, 0},
		{`"-5"`, Positive, 0},
		{`"1000000.01"`, Positive, 0},
		{`"-1000000.01"`, NonZero, 0},
		{`"05"`, Positive, 0},
		{`".5"`, Positive, 0},
		{`"5."`, Positive, 0},
		{`""`, Positive, 0},
		{`true`, Positive, 0},
		{`{}`, Positive, 0},
		{`["5"]`, Positive, 0},
		{`null`, Positive, 0},
	}
	for _, c := range cases {
		var v struct {
			Amount AmountText `json:"amount"`
		}
		if err := json.Unmarshal([]byte(`{"amount":`+c.json+`}`), &v); err != nil {
			t.Errorf("%s: decoding failed: %v", c.json, err)
			continue
		}
		got, err := ParseAmount("amount", v.Amount, EUR, c.sign, max)
		if c.want == 0 {
			f := errs.FieldsOf(err)
			if !errs.Is(errs.Invalid, err) || len(f) != 1 || f[0].Field != "amount" {
				t.Errorf("%s: got %d, %v; want a refusal naming amount", c.json, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: got %d, %v; want %d", c.json, got, err, c.want)
		}
	}
}

func TestFormatMinor(t *testing.T) {
	for minor, want := range map[int64]string{0: "0.00", 5: "0.05", -5: "-0.05", 2550: "25.50", 100000000: "1000000.00", -123456789: "-1234567.89"} {
		if got := FormatMinor(minor, EUR); got != want {
			t.Errorf("FormatMinor(%d) = %s, want %s", minor, got, want)
		}
	}
	b, _ := json.Marshal(struct{ A Money }{EURCents(2500)})
	if string(b) != `{"A":"25.00"}` {
		t.Errorf("Money JSON: %s", b)
	}
}

// FuzzParseAmount checks that whatever ParseAmount accepts formats back to
// the same value: nothing is rounded on the way.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"25.00", "1.005", "-0", "1e3", "0.01", "999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		minor, err := ParseAmount("amount", Amount(s), EUR, NonZero, 100000000)
		if err != nil {
			return
		}
		back, err := ParseAmount("amount", Amount(FormatMinor(minor, EUR)), EUR, NonZero, 100000000)
		if err != nil || back != minor {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, minor, FormatMinor(minor, EUR), back, err)
		}
	})
}

func TestEntryJSONTimeHasSixDigits(t *testing.T) {
	e := &Entry{ID: "x", Time: time.Date(2026, 11, 25, 13, 5, 14, 689990000, time.UTC), Postings: []Posting{}}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"time":"2026-11-25T13:05:14.689990Z"`) || strings.Count(string(b), `"time"`) != 1 {
		t.Fatalf("JSON %s", b)
	}
	if !strings.Contains(string(CanonicalBytes(e)), "\ntime=2026-11-25T13:05:14.689990Z\n") {
		t.Fatalf("canonical %q", CanonicalBytes(e))
	}
}
