package mail

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTP is where mail goes: a server, how to reach it and who signs in.
type SMTP struct {
	Host     string
	Port     int
	Implicit bool // TLS from the start (smtps://); otherwise STARTTLS when offered
	User     string
	Password string
}

// ParseSMTPURL reads FUNDUS_SMTP_URL: smtp://[user:pass@]host[:port]
// (STARTTLS when the server offers it, required when credentials are
// given; port 587 by default) or smtps://[user:pass@]host[:port] (TLS
// from the start; port 465).
func ParseSMTPURL(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("must be a URL such as smtp://user:pass@mail.example.org:587")
	}
	s := &SMTP{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		s.Port = 587
	case "smtps":
		s.Port, s.Implicit = 465, true
	default:
		return nil, errors.New("must start with smtp:// or smtps://")
	}
	if s.Host == "" {
		return nil, errors.New("must name a host, such as smtp://mail.example.org:587")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, errors.New("must have a port from 1 to 65535")
		}
		s.Port = n
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("must be only scheme, credentials, host and port")
	}
	if u.User != nil {
		s.User = u.User.Username()
		s.Password, _ = u.User.Password()
		if s.User == "" {
			return nil, errors.New("names credentials without a user")
		}
	}
	return s, nil
}

// String writes the server without its password, for the log.
func (s *SMTP) String() string {
	scheme := "smtp"
	if s.Implicit {
		scheme = "smtps"
	}
	user := ""
	if s.User != "" {
		user = url.User(s.User).String() + ":***@"
	}
	return fmt.Sprintf("%s://%s%s:%d", scheme, user, s.Host, s.Port)
}

// ParseFrom reads FUNDUS_MAIL_FROM: an address, with a name or without
// ("Integrationsfonds <fonds@example.org>").
func ParseFrom(raw string) (*netmail.Address, error) {
	a, err := netmail.ParseAddress(raw)
	if err != nil {
		return nil, errors.New(`must be a mail address, such as "Integrationsfonds <fonds@example.org>"`)
	}
	return a, nil
}

// client returns a go-mail client for s: STARTTLS when offered (required
// when credentials are given), or TLS from the start; tlsConfig (nil: the
// system's roots) checks the server's certificate.
func (s *SMTP) client(timeout time.Duration, tlsConfig *tls.Config) (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTimeout(timeout)}
	switch {
	case s.Implicit:
		opts = append(opts, gomail.WithSSL())
	case s.User != "":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.User), gomail.WithPassword(s.Password))
	}
	if tlsConfig == nil {
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tlsConfig = tlsConfig.Clone()
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = s.Host
	}
	opts = append(opts, gomail.WithTLSConfig(tlsConfig))
	return gomail.NewClient(s.Host, opts...)
}

// message builds the MIME message of r: a plain-text and an HTML part,
// then the attachments; its Message-ID is the mail's id, so a mail sent
// twice (a sender that died before marking it) reads as one.
func message(r row, from *netmail.Address) (*gomail.Msg, error) {
	m := gomail.NewMsg()
	// The addresses go in as parsed values, written with net/mail's
	// quoting: go-mail's FromFormat and AddToFormat paste the name between
	// quotes and parse the result again, so a name with a quote in it (a
	// group called `Verein "Brücke" e.V.`) made every attempt fail.
	to, err := netmail.ParseAddress(r.To)
	if err != nil {
		return nil, unsendable{err}
	}
	m.FromMailAddress(from)
	m.ToMailAddress(&netmail.Address{Name: r.Name, Address: to.Address})
	m.Subject(r.Subject)
	domain := "fundus.invalid"
	if _, d, ok := strings.Cut(from.Address, "@"); ok {
		domain = d
	}
	m.SetMessageIDWithValue(r.ID + "@" + domain)
	m.SetDateWithValue(r.CreatedAt)
	m.SetGenHeader(gomail.HeaderContentLang, r.Lang)
	m.SetBodyString(gomail.TypeTextPlain, r.Text)
	m.AddAlternativeString(gomail.TypeTextHTML, r.HTML)
	atts, err := decodeAttachments(r.Attachments)
	if err != nil {
		return nil, err
	}
	for _, a := range atts {
		if err := m.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// permanent reports whether err is the server refusing a mail for good
// (a 5xx answer to it), rather than a failure worth trying again.
func permanent(err error) bool {
	var u unsendable
	if errors.As(err, &u) {
		return true
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		return !se.IsTemp() && se.ErrorCode() >= 500
	}
	return false
}

// unsendable is a mail that cannot be built (its address is malformed):
// trying again cannot help.
type unsendable struct{ err error }

func (u unsendable) Error() string { return "mail: cannot be sent: " + u.err.Error() }
func (u unsendable) Unwrap() error { return u.err }
