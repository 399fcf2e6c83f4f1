// Package mailtest runs a real SMTP server for tests (Debian's
// python3-aiosmtpd, with the handler in testdata/smtpd.py) and reads the
// messages it received. Without python3-aiosmtpd a test skips loudly, or
// fails where FUNDUS_TEST_REQUIRE_TOOLS=1 (CI).
package mailtest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"fundus/internal/testtool"
)

//go:embed testdata/smtpd.py
var script []byte

// Options shape the server.
type Options struct {
	// TLS makes the server offer STARTTLS and require it, and require
	// signing in as User/Password.
	TLS            bool
	User, Password string
	// Reject is an address the server refuses with 550.
	Reject string
}

// Server is a running SMTP server.
type Server struct {
	Port int
	Dir  string // where the messages are stored
	// CertPool holds the certificate of a TLS server, for the client.
	CertPool *x509.CertPool

	t      testing.TB
	python string
	args   []string
	cmd    *exec.Cmd
}

// python returns a python3 that has aiosmtpd, or skips t loudly.
func python(t testing.TB) string {
	t.Helper()
	var candidates []string
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/python3") // a pyenv shim may come first in PATH
	for _, p := range candidates {
		if exec.Command(p, "-c", "import aiosmtpd").Run() == nil {
			return p
		}
	}
	if os.Getenv(testtool.RequireVar) == "1" {
		t.Fatalf("python3 with aiosmtpd is missing (apt-get install python3-aiosmtpd), but %s=1", testtool.RequireVar)
	}
	fmt.Fprintf(os.Stderr, "\n*** python3 with aiosmtpd not found: %s is SKIPPED (apt-get install python3-aiosmtpd) ***\n", t.Name())
	t.Skip("python3 with aiosmtpd not found: SKIPPED (apt-get install python3-aiosmtpd)")
	return ""
}

// Start starts an SMTP server on a free port of 127.0.0.1, stopped when
// the test ends.
func Start(t testing.TB, opt Options) *Server {
	t.Helper()
	s := &Server{t: t, python: python(t), Dir: t.TempDir()}
	dir := t.TempDir()
	path := filepath.Join(dir, "smtpd.py")
	if err := os.WriteFile(path, script, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	s.args = []string{path, strconv.Itoa(s.Port), s.Dir}
	if opt.TLS {
		cert, key, pool := selfSigned(t, dir)
		s.CertPool = pool
		s.args = append(s.args, "--tls", cert, key, "--user", opt.User, "--password", opt.Password)
	}
	if opt.Reject != "" {
		s.args = append(s.args, "--reject", opt.Reject)
	}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's FUNDUS_SMTP_URL, with user and password if given.
func (s *Server) URL(user, password string) string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))}
	if user != "" {
		u.User = url.UserPassword(user, password)
	}
	return u.String()
}

// TLSConfig trusts the server's certificate (a TLS server's).
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.CertPool, MinVersion: tls.VersionTLS12, ServerName: "127.0.0.1"}
}

// Start starts the server (again, after Stop) and waits until it listens.
func (s *Server) Start() {
	s.t.Helper()
	if s.cmd != nil {
		s.t.Fatal("mailtest: the server is running")
	}
	cmd := exec.Command(s.python, s.args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(out).ReadString('\n')
		if err == nil && strings.TrimSpace(line) != "ready" {
			err = fmt.Errorf("said %q", line)
		}
		ready <- err
		io.Copy(io.Discard, out)
	}()
	select {
	case err := <-ready:
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			s.t.Fatalf("mailtest: the SMTP server did not start: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		s.t.Fatalf("mailtest: the SMTP server did not start within 30 s\n%s", stderr.String())
	}
	s.cmd = cmd
}

// Stop stops the server; the messages it stored stay.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// Messages returns the messages received so far, in the order received.
func (s *Server) Messages() []*Message {
	s.t.Helper()
	names, err := filepath.Glob(filepath.Join(s.Dir, "*.eml"))
	if err != nil {
		s.t.Fatal(err)
	}
	sort.Strings(names)
	out := make([]*Message, 0, len(names))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			s.t.Fatal(err)
		}
		m, err := Parse(b)
		if err != nil {
			s.t.Fatalf("%s: %v", n, err)
		}
		out = append(out, m)
	}
	return out
}

// Wait waits until the server has received at least n messages and
// returns them; it fails the test after timeout.
func (s *Server) Wait(n int, timeout time.Duration) []*Message {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ms := s.Messages()
		if len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("mailtest: %d messages received within %s, want %d", len(ms), timeout, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Message is a received mail, decoded.
type Message struct {
	Raw         []byte
	Header      mail.Header
	EnvelopeTo  []string
	Subject     string // decoded
	Text, HTML  string // the plain-text and HTML parts, decoded
	Attachments []Attachment
}

// Attachment is a file attached to a message.
type Attachment struct {
	Name, ContentType string
	Data              []byte
}

// Parse decodes a stored message.
func Parse(raw []byte) (*Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	m := &Message{Raw: raw, Header: msg.Header}
	for _, a := range strings.Split(msg.Header.Get("X-Envelope-To"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			m.EnvelopeTo = append(m.EnvelopeTo, a)
		}
	}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return nil, err
	}
	err = m.walk(msg.Header, msg.Body)
	return m, err
}

// header is a message's or a part's header.
type header interface{ Get(string) string }

// walk reads one MIME part, descending into multiparts.
func (m *Message) walk(h header, body io.Reader) error {
	ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		ct, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(ct, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := m.walk(p.Header, p); err != nil {
				return err
			}
		}
	}
	var data []byte
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		data, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, body))
	case "quoted-printable":
		data, err = io.ReadAll(quotedprintable.NewReader(body))
	default:
		data, err = io.ReadAll(body)
	}
	if err != nil {
		return err
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	switch {
	case disp == "attachment" || dparams["filename"] != "":
		m.Attachments = append(m.Attachments, Attachment{Name: dparams["filename"], ContentType: ct, Data: data})
	case ct == "text/plain":
		m.Text = string(data)
	case ct == "text/html":
		m.HTML = string(data)
	default:
		m.Attachments = append(m.Attachments, Attachment{Name: params["name"], ContentType: ct, Data: data})
	}
	return nil
}

// selfSigned writes a self-signed certificate for 127.0.0.1 into dir.
func selfSigned(t testing.TB, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
