package fundus_test

import (
	"encoding/json"
	"testing"

	"fundus"
	"fundus/errs"
)

func TestParseAmountHostile(t *testing.T) {
	const max = 100000000 // 1,000,000.00 EUR
	cases := []struct {
		json string // the JSON value as sent
		sign fundus.Sign
		want int64 // 0: refused
	}{
		{`"25.00"`, fundus.Positive, 2500},
		{`"25"`, fundus.Positive, 2500},
		{`"25.5"`, fundus.Positive, 2550},
		{`"0.01"`, fundus.Positive, 1},
		{`25.50`, fundus.Positive, 2550}, // a JSON number, parsed from its text
		{`"1000000.00"`, fundus.Positive, 100000000},
		{`"-12.34"`, fundus.NonZero, -1234},
		{`"1.005"`, fundus.Positive, 0},
		{`"1e3"`, fundus.Positive, 0},
		{`1e3`, fundus.Positive, 0},
		{`1E3`, fundus.Positive, 0},
		{`1e400`, fundus.Positive, 0},
		{`"NaN"`, fundus.Positive, 0},
		{`"Infinity"`, fundus.Positive, 0},
		{`"-Infinity"`, fundus.NonZero, 0},
		{`" 5"`, fundus.Positive, 0},
		{`"5 "`, fundus.Positive, 0},
		{`"+5"`, fundus.Positive, 0},
		{`"5,00"`, fundus.Positive, 0},
		{`"1.000,00"`, fundus.Positive, 0},
		{`"1,000.00"`, fundus.Positive, 0},
		{`"0x10"`, fundus.Positive, 0},
		{`"٥"`, fundus.Positive, 0}, // Arabic-Indic five
		{`"５"`, fundus.Positive, 0}, // fullwidth five
		{`"𝟓"`, fundus.Positive, 0}, // mathematical bold five
		{`"1234567890123456789012345"`, fundus.Positive, 0},
		{`1234567890123456789012345`, fundus.Positive, 0},
		{`"99999999999999999999.99"`, fundus.NonZero, 0},
		{`"-0"`, fundus.NonZero, 0},
		{`-0`, fundus.NonZero, 0},
		{`"0"`, fundus.Positive, 0},
		{`"0.00"`, fundus.NonZero, 0},
		{`"-5"`, fundus.Positive, 0},
		{`"1000000.01"`, fundus.Positive, 0},
		{`"-1000000.01"`, fundus.NonZero, 0},
		{`"05"`, fundus.Positive, 0},
		{`".5"`, fundus.Positive, 0},
		{`"5."`, fundus.Positive, 0},
		{`""`, fundus.Positive, 0},
		{`true`, fundus.Positive, 0},
		{`{}`, fundus.Positive, 0},
		{`["5"]`, fundus.Positive, 0},
		{`null`, fundus.Positive, 0},
	}
	for _, c := range cases {
		var v struct {
			Amount fundus.AmountText `json:"amount"`
		}
		if err := json.Unmarshal([]byte(`{"amount":`+c.json+`}`), &v); err != nil {
			t.Errorf("%s: decoding failed: %v", c.json, err)
			continue
		}
		got, err := fundus.ParseAmount("amount", v.Amount, fundus.EUR, c.sign, max)
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
		if got := fundus.FormatMinor(minor, fundus.EUR); got != want {
			t.Errorf("FormatMinor(%d) = %s, want %s", minor, got, want)
		}
	}
	b, _ := json.Marshal(struct{ A fundus.Money }{fundus.EURCents(2500)})
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
		minor, err := fundus.ParseAmount("amount", fundus.Amount(s), fundus.EUR, fundus.NonZero, 100000000)
		if err != nil {
			return
		}
		back, err := fundus.ParseAmount("amount", fundus.Amount(fundus.FormatMinor(minor, fundus.EUR)), fundus.EUR, fundus.NonZero, 100000000)
		if err != nil || back != minor {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, minor, fundus.FormatMinor(minor, fundus.EUR), back, err)
		}
	})
}
