package fundus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/shopspring/decimal"

	"fundus/errs"
)

// Currency is an ISO 4217 currency with its number of fraction digits.
type Currency struct {
	Code   string
	Digits int32
}

// EUR is the fund's currency.
var EUR = Currency{Code: "EUR", Digits: 2}

var currencies = map[string]Currency{"EUR": EUR}

// KnownCurrency returns the currency with code and whether the fund keeps it.
func KnownCurrency(code string) (Currency, bool) {
	c, ok := currencies[code]
	return c, ok
}

// LookupCurrency returns the currency with the given code ("" means EUR).
// Returns Invalid naming field for a currency the fund does not keep.
func LookupCurrency(field, code string) (Currency, error) {
	if code == "" {
		return EUR, nil
	}
	c, ok := currencies[code]
	if !ok {
		return Currency{}, errs.Field("fundus.LookupCurrency", field, "must be EUR")
	}
	return c, nil
}

// AmountText is an amount as a client sent it: the text of a JSON string or
// number, kept as text so that it never passes through float64. ParseAmount
// turns it into minor units under the rules of the currency and the ceiling.
type AmountText struct {
	Text   string
	Set    bool // the field was present and not null
	Quoted bool // it came as a JSON string
	bad    bool // it came as another JSON type
}

// UnmarshalJSON keeps the literal; it never fails, so that ParseAmount can
// name the field in its error.
func (a *AmountText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*a = AmountText{Set: true}
	switch {
	case bytes.Equal(b, []byte("null")):
		a.Set = false
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			a.bad = true
			return nil
		}
		a.Text, a.Quoted = s, true
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		a.Text = string(b)
	default:
		a.bad = true
	}
	return nil
}

// MarshalJSON writes the text back as a JSON string.
func (a AmountText) MarshalJSON() ([]byte, error) {
	if !a.Set {
		return []byte("null"), nil
	}
	return json.Marshal(a.Text)
}

// Amount returns the text of a decimal amount, as a test or the command
// line would send it.
func Amount(s string) AmountText { return AmountText{Text: s, Set: true, Quoted: true} }

// amountPattern is the one shape an amount may have: an optional minus,
// ASCII digits without leading zeros, an optional fraction. No plus sign,
// spaces, exponent, comma, hex or non-ASCII digits.
var amountPattern = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?$`)

// Sign says which amounts a field accepts.
type Sign int

const (
	// Positive accepts amounts above zero.
	Positive Sign = iota
	// NonZero accepts amounts above or below zero (signed postings).
	NonZero
	// NotNegative accepts zero and amounts above it.
	NotNegative
)

// ParseAmount turns the text of an amount into minor units of cur. It
// refuses, naming field: a missing amount, anything but a plain decimal,
// more fraction digits than cur has (never rounds), zero, a sign where sign
// does not allow one, and an absolute value above max (in minor units).
func ParseAmount(field string, a AmountText, cur Currency, sign Sign, max int64) (int64, error) {
	const op errs.Op = "fundus.ParseAmount"
	fail := func(code, param, msg string) (int64, error) { return 0, errs.FieldCode(op, field, code, param, msg) }
	switch {
	case !a.Set:
		return fail("required", "", "is required")
	case a.bad:
		return fail("amount_format", "", "must be a decimal amount such as \"25.00\"")
	}
	t := a.Text
	if !amountPattern.MatchString(t) {
		return fail("amount_format", "", fmt.Sprintf("must be a decimal amount such as \"25.%0*d\", with a dot and without sign, spaces, exponent or thousands separators", cur.Digits, 0))
	}
	d, err := decimal.NewFromString(t)
	if err != nil {
		return fail("amount_format", "", "must be a decimal amount")
	}
	if -d.Exponent() > cur.Digits {
		return fail("amount_decimals", fmt.Sprint(cur.Digits), fmt.Sprintf("must have at most %d decimal places for %s", cur.Digits, cur.Code))
	}
	switch {
	case d.IsZero() && t[0] == '-':
		return fail("amount_format", "", "must not be -0")
	case d.IsZero() && sign == NotNegative:
		return 0, nil
	case d.IsZero():
		return fail("amount_zero", "", "must not be zero")
	case t[0] == '-' && sign != NonZero:
		return fail("amount_positive", "", "must be positive")
	}
	minor := d.Shift(cur.Digits)
	if minor.Abs().GreaterThan(decimal.New(max, 0)) {
		return fail("amount_max", FormatMinor(max, cur), fmt.Sprintf("must not exceed %s", FormatMinor(max, cur)))
	}
	return minor.IntPart(), nil
}

// FormatMinor writes minor units of cur as a decimal with the currency's
// fraction digits: 2550 EUR is "25.50", -5 is "-0.05".
func FormatMinor(minor int64, cur Currency) string {
	return string(AppendMinor(nil, minor, cur))
}

// AppendMinor appends FormatMinor(minor, cur) to b. It works in integers:
// the exports and verification write every posting through it.
func AppendMinor(b []byte, minor int64, cur Currency) []byte {
	digits := int(cur.Digits)
	if digits < 0 || digits > 18 {
		return append(b, decimal.New(minor, -cur.Digits).StringFixed(cur.Digits)...)
	}
	u := uint64(minor) // the magnitude, also of math.MinInt64
	if minor < 0 {
		b = append(b, '-')
		u = -u
	}
	var buf [40]byte // 18 fraction digits, the point, a uint64's 20 digits
	i := len(buf)
	for range digits {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
	}
	if digits > 0 {
		i--
		buf[i] = '.'
	}
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	return append(b, buf[i:]...)
}

// Money is an amount in minor units of a currency. It is written to JSON as
// a decimal string with the currency's fraction digits ("25.00").
type Money struct {
	Minor    int64
	Currency Currency
}

// EURCents is Money in euro cents.
func EURCents(minor int64) Money { return Money{Minor: minor, Currency: EUR} }

func (m Money) String() string { return FormatMinor(m.Minor, m.Unit()) }

// Unit returns the currency of m: EUR when m has none (the zero Money).
func (m Money) Unit() Currency {
	if m.Currency.Code == "" {
		return EUR
	}
	return m.Currency
}

// MarshalJSON writes the decimal string.
func (m Money) MarshalJSON() ([]byte, error) { return json.Marshal(m.String()) }

// UnmarshalJSON reads the decimal string MarshalJSON writes, exactly, as
// euros (the one currency Fundus keeps): a stored result read back.
func (m *Money) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	d, err := decimal.NewFromString(s)
	if err != nil || -d.Exponent() > EUR.Digits || !d.Shift(EUR.Digits).IsInteger() {
		return fmt.Errorf("fundus: %q is not an amount in euros", s)
	}
	*m = EURCents(d.Shift(EUR.Digits).IntPart())
	return nil
}

// DefaultDonationPurpose is the tax-privileged purpose donations are
// given for, printed on receipts and the acceptance lists, when
// FUNDUS_DONATION_PURPOSE is not set.
const DefaultDonationPurpose = "Förderung der internationalen Gesinnung, der Toleranz auf allen Gebieten der Kultur und des Völkerverständigungsgedankens sowie der Hilfe für Flüchtlinge (§ 52 Abs. 2 Satz 1 Nr. 10 und 13 AO): Integrationsprojekte des Integrationsfonds"
