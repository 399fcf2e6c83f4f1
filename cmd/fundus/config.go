package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/joho/godotenv"
	"github.com/shopspring/decimal"

	"fundus"
	"fundus/donations"
	"fundus/mail"
	"fundus/receipts"
	"fundus/web"
)

// config is Fundus's configuration. Only this package reads the
// environment; every other package gets plain values.
type config struct {
	FundName    string
	FundStart   time.Time
	Addr        string
	DatabaseURL string
	Quorum      int
	BankIBAN    string
	BankBIC     string
	BankHolder  string
	MaxAmount   decimal.Decimal
	MaxGrant    decimal.Decimal
	// Bands say who accepts a donation (FUNDUS_ACCEPT_ADMIN_MAX,
	// FUNDUS_ACCEPT_COMMITTEE_MAX), in cents.
	Bands          donations.Bands
	LogoURL        string
	ColorPrimary   string
	Operator       web.Operator
	RateLimit      int
	TrustedProxies []string
	SessionTTL     time.Duration
	PasswordHashes int
	StatementLimit int64
	// RetentionYears is how long a year's records are kept from the end of
	// the year its accounts were adopted (package retention).
	RetentionYears int
	// DonationPurpose, ReceiptMachineNote and ReceiptPlace are printed on
	// donation receipts (package receipts).
	DonationPurpose    string
	ReceiptMachineNote string
	ReceiptPlace       string
	LogLevel           slog.Level
	LogFormat          string
	DebugAddr          string
	BaseURL            string
	ResetTTL           time.Duration
	// RegistrationConfirm: a group confirms its address by mail before it
	// may submit.
	RegistrationConfirm bool
	SMTP                *mail.SMTP       // nil: mail is logged and kept
	MailFrom            *netmail.Address // required with SMTP
}

// The example account shown until FUNDUS_BANK_* are set. The IBAN is the
// well-known example IBAN from the German banking standards, which belongs
// to no one; the holder says so on every page that shows it.
const (
	exampleIBAN   = "DE89370400440532013000"
	exampleBIC    = "COBADEFFXXX"
	exampleHolder = "BEISPIELKONTO - nicht überweisen / EXAMPLE ACCOUNT - do not transfer"
)

// setting is one variable: its name, default, and how to take its value.
type setting struct {
	name  string
	def   string
	parse func(c *config, v string) error
}

// settings lists every variable, in the order of .env.example.
var settings = []setting{
	{"FUNDUS_FUND_NAME", "Integrationsfonds Osnabrück", func(c *config, v string) error {
		c.FundName = strings.TrimSpace(v)
		if c.FundName == "" || len([]rune(c.FundName)) > 100 {
			return errors.New("must have 1 to 100 characters")
		}
		return nil
	}},
	{"FUNDUS_FUND_START", donations.DefaultFundStart.Format(time.DateOnly), func(c *config, v string) error {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(v))
		if err != nil || t.After(time.Now()) {
			return errors.New("must be a date (YYYY-MM-DD) that is not in the future")
		}
		c.FundStart = t
		return nil
	}},
	{"FUNDUS_ADDR", "127.0.0.1:8080", func(c *config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return errors.New("must be host:port, such as 127.0.0.1:8080")
		}
		c.Addr = v
		return nil
	}},
	{"FUNDUS_DATABASE_URL", "sqlite://fundus.db", func(c *config, v string) error {
		if !strings.HasPrefix(v, "sqlite://") && !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
			return errors.New("must start with sqlite:// or postgres://")
		}
		c.DatabaseURL = v
		return nil
	}},
	{"FUNDUS_QUORUM", "3", func(c *config, v string) error {
		return positiveInt(&c.Quorum, v, 1)
	}},
	{"FUNDUS_BANK_IBAN", exampleIBAN, func(c *config, v string) error {
		c.BankIBAN = fundus.NormalizeIBAN(v)
		if !fundus.ValidIBAN(c.BankIBAN) {
			return errors.New("must be an IBAN with a valid checksum")
		}
		return nil
	}},
	{"FUNDUS_BANK_BIC", exampleBIC, func(c *config, v string) error {
		c.BankBIC = strings.ToUpper(strings.TrimSpace(v))
		if c.BankBIC != "" && !fundus.ValidBIC(c.BankBIC) {
			return errors.New("must be a BIC of 8 or 11 characters, or empty")
		}
		return nil
	}},
	{"FUNDUS_BANK_HOLDER", exampleHolder, func(c *config, v string) error {
		c.BankHolder = strings.TrimSpace(v)
		if c.BankHolder == "" || utf8.RuneCountInString(c.BankHolder) > 70 {
			return errors.New("must have 1 to 70 characters (the GiroCode's limit)")
		}
		return nil
	}},
	{"FUNDUS_MAX_AMOUNT", "1000000.00", func(c *config, v string) error {
		d, err := decimal.NewFromString(v)
		if err != nil || strings.ContainsAny(v, "eE") || !d.IsPositive() || d.Exponent() < -2 || d.GreaterThan(decimal.New(1, 13)) {
			return errors.New("must be a positive amount with at most two decimals and at most 10000000000000, such as 1000000.00")
		}
		c.MaxAmount = d
		return nil
	}},
	{"FUNDUS_MAX_GRANT", "5000.00", func(c *config, v string) error {
		d, err := decimal.NewFromString(v)
		if err != nil || strings.ContainsAny(v, "eE") || !d.IsPositive() || d.Exponent() < -2 || d.GreaterThan(c.MaxAmount) {
			return errors.New("must be a positive amount with at most two decimals, at most FUNDUS_MAX_AMOUNT, such as 5000.00")
		}
		c.MaxGrant = d
		return nil
	}},
	{"FUNDUS_ACCEPT_ADMIN_MAX", "100.00", func(c *config, v string) error {
		d, err := decimal.NewFromString(v)
		if err != nil || strings.ContainsAny(v, "eE") || !d.IsPositive() || d.Exponent() < -2 || d.GreaterThan(c.MaxAmount) {
			return errors.New("must be a positive amount with at most two decimals, at most FUNDUS_MAX_AMOUNT, such as 100.00")
		}
		c.Bands.AdminMax = d.Shift(2).IntPart()
		return nil
	}},
	{"FUNDUS_ACCEPT_COMMITTEE_MAX", "2000.00", func(c *config, v string) error {
		d, err := decimal.NewFromString(v)
		if err != nil || strings.ContainsAny(v, "eE") || d.Exponent() < -2 || d.Shift(2).IntPart() < c.Bands.AdminMax || d.GreaterThan(c.MaxAmount) {
			return errors.New("must be an amount with at most two decimals, at least FUNDUS_ACCEPT_ADMIN_MAX and at most FUNDUS_MAX_AMOUNT, such as 2000.00")
		}
		c.Bands.CommitteeMax = d.Shift(2).IntPart()
		return nil
	}},
	{"FUNDUS_LOGO_URL", "", func(c *config, v string) error {
		c.LogoURL = v
		return web.CheckLogoURL(v)
	}},
	{"FUNDUS_COLOR_PRIMARY", "", func(c *config, v string) error {
		c.ColorPrimary = v
		if v == "" {
			return nil
		}
		return web.CheckColor(v)
	}},
	operatorSetting("FUNDUS_OPERATOR_NAME", web.ExampleOperator.Name, true, func(o *web.Operator) *string { return &o.Name }),
	operatorSetting("FUNDUS_OPERATOR_ADDRESS", web.ExampleOperator.Address, true, func(o *web.Operator) *string { return &o.Address }),
	operatorSetting("FUNDUS_OPERATOR_EMAIL", web.ExampleOperator.Email, true, func(o *web.Operator) *string { return &o.Email }),
	operatorSetting("FUNDUS_OPERATOR_PHONE", web.ExampleOperator.Phone, false, func(o *web.Operator) *string { return &o.Phone }),
	operatorSetting("FUNDUS_OPERATOR_REPRESENTATIVE", web.ExampleOperator.Representative, false, func(o *web.Operator) *string { return &o.Representative }),
	operatorSetting("FUNDUS_OPERATOR_RESPONSIBLE", web.ExampleOperator.Responsible, false, func(o *web.Operator) *string { return &o.Responsible }),
	operatorSetting("FUNDUS_OPERATOR_DPO", web.ExampleOperator.DPO, true, func(o *web.Operator) *string { return &o.DPO }),
	operatorSetting("FUNDUS_OPERATOR_AUTHORITY", web.ExampleOperator.Authority, true, func(o *web.Operator) *string { return &o.Authority }),
	{"FUNDUS_RATE_LIMIT", "60", func(c *config, v string) error {
		return positiveInt(&c.RateLimit, v, 0)
	}},
	{"FUNDUS_TRUSTED_PROXIES", "", func(c *config, v string) error {
		c.TrustedProxies = nil
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if _, err := netip.ParsePrefix(p); err != nil {
				if _, err := netip.ParseAddr(p); err != nil {
					return fmt.Errorf("%q is not an IP address or CIDR", p)
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
		return nil
	}},
	{"FUNDUS_SESSION_TTL", "12h", func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			return errors.New("must be a duration of at least 1m, such as 12h")
		}
		c.SessionTTL = d
		return nil
	}},
	{"FUNDUS_PASSWORD_HASHES", "0", func(c *config, v string) error {
		if err := positiveInt(&c.PasswordHashes, v, 0); err != nil {
			return err
		}
		if c.PasswordHashes == 0 {
			c.PasswordHashes = runtime.GOMAXPROCS(0)
		}
		return nil
	}},
	{"FUNDUS_STATEMENT_LIMIT", "20MiB", func(c *config, v string) error {
		n, err := mebibytes(v)
		if err != nil {
			return err
		}
		c.StatementLimit = n
		return nil
	}},
	{"FUNDUS_RETENTION_YEARS", "10", func(c *config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > 100 {
			return errors.New("must be a whole number of years from 1 to 100, such as 10")
		}
		c.RetentionYears = n
		return nil
	}},
	{"FUNDUS_DONATION_PURPOSE", receipts.DefaultPurpose, func(c *config, v string) error {
		c.DonationPurpose = v
		if v == "" || utf8.RuneCountInString(v) > 500 || strings.ContainsAny(v, "\r\n\x00") {
			return errors.New("must be one line of 1 to 500 characters: the tax-privileged purpose printed on receipts")
		}
		return nil
	}},
	{"FUNDUS_RECEIPT_MACHINE_NOTE", "", func(c *config, v string) error {
		c.ReceiptMachineNote = v
		if utf8.RuneCountInString(v) > 500 || strings.ContainsAny(v, "\r\n\x00") {
			return errors.New("must be empty or one line of at most 500 characters naming the tax office's notice")
		}
		return nil
	}},
	{"FUNDUS_RECEIPT_PLACE", "", func(c *config, v string) error {
		c.ReceiptPlace = v
		if v == "" {
			c.ReceiptPlace = receipts.PlaceOf(c.Operator.Address)
		}
		if c.ReceiptPlace == "" || utf8.RuneCountInString(c.ReceiptPlace) > 100 || strings.ContainsAny(c.ReceiptPlace, "\r\n\x00") {
			return errors.New("must be a place of at most 100 characters; empty takes the city of FUNDUS_OPERATOR_ADDRESS, which has none")
		}
		return nil
	}},
	{"FUNDUS_LOG_LEVEL", "info", func(c *config, v string) error {
		return c.LogLevel.UnmarshalText([]byte(v))
	}},
	{"FUNDUS_LOG_FORMAT", "text", func(c *config, v string) error {
		if v != "text" && v != "json" {
			return errors.New("must be text or json")
		}
		c.LogFormat = v
		return nil
	}},
	{"FUNDUS_DEBUG_ADDR", "", func(c *config, v string) error {
		if v != "" {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return errors.New("must be empty or host:port, such as 127.0.0.1:6060")
			}
		}
		c.DebugAddr = v
		return nil
	}},
	{"FUNDUS_BASE_URL", "http://127.0.0.1:8080", func(c *config, v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return errors.New("must be the public http(s) address, such as https://foerderfonds.example.org")
		}
		c.BaseURL = strings.TrimRight(v, "/")
		return nil
	}},
	{"FUNDUS_RESET_TTL", "1h", func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 7*24*time.Hour {
			return errors.New("must be a duration from 1m to 168h, such as 1h")
		}
		c.ResetTTL = d
		return nil
	}},
	{"FUNDUS_REGISTRATION_CONFIRM", "false", func(c *config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be true or false")
		}
		c.RegistrationConfirm = b
		return nil
	}},
	{"FUNDUS_SMTP_URL", "", func(c *config, v string) error {
		c.SMTP = nil
		if v == "" {
			return nil
		}
		s, err := mail.ParseSMTPURL(v)
		c.SMTP = s
		return err
	}},
	{"FUNDUS_MAIL_FROM", "", func(c *config, v string) error {
		c.MailFrom = nil
		if v == "" {
			return nil
		}
		a, err := mail.ParseFrom(v)
		c.MailFrom = a
		return err
	}},
}

// operatorSetting is one of the operator's details (FUNDUS_OPERATOR_*):
// one line of at most 300 characters, required or not.
func operatorSetting(name, def string, required bool, field func(*web.Operator) *string) setting {
	return setting{name, def, func(c *config, v string) error {
		v = strings.TrimSpace(v)
		switch {
		case required && v == "":
			return errors.New("must not be empty: the Impressum and the privacy policy need it")
		case utf8.RuneCountInString(v) > 300 || strings.ContainsAny(v, "\r\n\x00"):
			return errors.New("must be one line of at most 300 characters")
		case name == "FUNDUS_OPERATOR_EMAIL" && (!strings.Contains(v, "@") || strings.ContainsAny(v, " <>\"")):
			return errors.New("must be an email address")
		}
		*field(&c.Operator) = v
		return nil
	}}
}

// exampleOperator says some of the operator's details are still the
// examples, so the trust pages warn.
func (c *config) exampleOperator() bool {
	e, o := web.ExampleOperator, c.Operator
	return o.Name == e.Name || o.Address == e.Address || o.Email == e.Email || o.Phone == e.Phone ||
		o.Representative == e.Representative || o.Responsible == e.Responsible || o.DPO == e.DPO
}

// maxGrantCents is FUNDUS_MAX_GRANT in cents.
func (c *config) maxGrantCents() int64 { return c.MaxGrant.Shift(2).IntPart() }

// secret names the settings whose values never appear in a message: they
// may hold a password.
var secret = map[string]bool{"FUNDUS_SMTP_URL": true}

// maxAmountCents is FUNDUS_MAX_AMOUNT in cents.
func (c *config) maxAmountCents() int64 { return c.MaxAmount.Shift(2).IntPart() }

// mebibytes reads a size such as "20MiB" (1 to 1024).
func mebibytes(v string) (int64, error) {
	var n int
	if err := positiveInt(&n, strings.TrimSuffix(v, "MiB"), 1); err != nil || !strings.HasSuffix(v, "MiB") || n > 1024 {
		return 0, errors.New("must be a size in MiB from 1MiB to 1024MiB, such as 20MiB")
	}
	return int64(n) << 20, nil
}

func positiveInt(dst *int, v string, min int) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		return fmt.Errorf("must be a whole number of at least %d", min)
	}
	*dst = n
	return nil
}

// loadConfig reads each variable from the environment, then from the .env
// file in the working directory (if there is one), then its default. The
// first bad value stops it with an error naming the variable.
func loadConfig(lookup func(string) (string, bool), dotenvPath string) (*config, error) {
	file := map[string]string{}
	if dotenvPath != "" {
		m, err := godotenv.Read(dotenvPath)
		switch {
		case err == nil:
			file = m
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("%s: %w", dotenvPath, err)
		}
	}
	c := &config{}
	for _, s := range settings {
		v, ok := lookup(s.name)
		if !ok {
			v, ok = file[s.name]
		}
		if !ok {
			v = s.def
		}
		if err := s.parse(c, strings.TrimSpace(v)); err != nil {
			if secret[s.name] {
				return nil, fmt.Errorf("%s: %v", s.name, err)
			}
			return nil, fmt.Errorf("%s=%q: %v", s.name, v, err)
		}
	}
	if c.SMTP != nil && c.MailFrom == nil {
		return nil, errors.New("FUNDUS_MAIL_FROM: must be set when FUNDUS_SMTP_URL is (the sender's address)")
	}
	return c, nil
}
