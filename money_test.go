package fundus_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"

	"fundus"
	"fundus/errs"
)

func TestParseAmountHostile(t *testing.T) {
	const max = 100000000 // 1,000,000.00 EUR
	cases := []struct {
		json string // the JSON value as sent
		sign fundus.Sign
		want int64  // 0: refused
		code string // for a refusal: the rule that refuses it
	}{
		{`"25.00"`, fundus.Positive, 2500, ""},
		{`"25"`, fundus.Positive, 2500, ""},
		{`"25.5"`, fundus.Positive, 2550, ""},
		{`"0.01"`, fundus.Positive, 1, ""},
		{`25.50`, fundus.Positive, 2550, ""}, // a JSON number, parsed from its text
		{`"1000000.00"`, fundus.Positive, 100000000, ""},
		{`"-12.34"`, fundus.NonZero, -1234, ""},
		{`"1.005"`, fundus.Positive, 0, "amount_decimals"},
		{`"1e3"`, fundus.Positive, 0, "amount_format"},
		{`1e3`, fundus.Positive, 0, "amount_format"},
		{`1E3`, fundus.Positive, 0, "amount_format"},
		{`1e400`, fundus.Positive, 0, "amount_format"},
		{`"NaN"`, fundus.Positive, 0, "amount_format"},
		{`"Infinity"`, fundus.Positive, 0, "amount_format"},
		{`"-Infinity"`, fundus.NonZero, 0, "amount_format"},
		{`" 5"`, fundus.Positive, 0, "amount_format"},
		{`"5 "`, fundus.Positive, 0, "amount_format"},
		{`"+5"`, fundus.Positive, 0, "amount_format"},
		{`"5,00"`, fundus.Positive, 0, "amount_format"},
		{`"1.000,00"`, fundus.Positive, 0, "amount_format"},
		{`"1,000.00"`, fundus.Positive, 0, "amount_format"},
		{`"0x10"`, fundus.Positive, 0, "amount_format"},
		{`"٥"`, fundus.Positive, 0, "amount_format"}, // Arabic-Indic five
		{`"５"`, fundus.Positive, 0, "amount_format"}, // fullwidth five
		{`"𝟓"`, fundus.Positive, 0, "amount_format"}, // mathematical bold five
		{`"1234567890123456789012345"`, fundus.Positive, 0, "amount_format"},
		{`1234567890123456789012345`, fundus.Positive, 0, "amount_format"},
		{`"99999999999999999999.99"`, fundus.NonZero, 0, "amount_format"},
		{`"-0"`, fundus.NonZero, 0, "amount_format"},
		{`-0`, fundus.NonZero, 0, "amount_format"},
		{`"0"`, fundus.Positive, 0, "amount_zero"},
		{`"0.00"`, fundus.NonZero, 0, "amount_zero"},
		{`"-5"`, fundus.Positive, 0, "amount_positive"},
		{`"1000000.01"`, fundus.Positive, 0, "amount_max"},
		{`"-1000000.01"`, fundus.NonZero, 0, "amount_max"},
		{`"05"`, fundus.Positive, 0, "amount_format"},
		{`".5"`, fundus.Positive, 0, "amount_format"},
		{`"5."`, fundus.Positive, 0, "amount_format"},
		{`""`, fundus.Positive, 0, "amount_format"},
		{`true`, fundus.Positive, 0, "amount_format"},
		{`{}`, fundus.Positive, 0, "amount_format"},
		{`["5"]`, fundus.Positive, 0, "amount_format"},
		{`null`, fundus.Positive, 0, "required"},
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
			want := errs.E(errs.Invalid, errs.FieldError{Field: "amount", Code: c.code})
			if !errs.Match(want, err) || len(errs.FieldsOf(err)) != 1 {
				t.Errorf("%s: got %d, %v %+v; want a refusal naming only amount (%s)", c.json, got, err, errs.FieldsOf(err), c.code)
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

// FormatMinor works in integers; it writes what the decimal library
// writes, for every digit count and the extremes of int64.
func TestFormatMinorAsDecimal(t *testing.T) {
	values := []int64{0, 1, -1, 9, 10, 99, 100, -100, 12345, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		values = append(values, r.Int64()>>r.IntN(63))
		values = append(values, -r.Int64()>>r.IntN(63))
	}
	for digits := int32(0); digits <= 20; digits++ {
		cur := fundus.Currency{Code: "X", Digits: digits}
		for _, v := range values {
			want := decimal.New(v, -digits).StringFixed(digits)
			if got := fundus.FormatMinor(v, cur); got != want {
				t.Fatalf("FormatMinor(%d, %d digits) = %s, want %s", v, digits, got, want)
			}
		}
	}
}
