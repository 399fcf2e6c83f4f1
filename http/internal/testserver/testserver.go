// Package testserver is what the tests of the HTTP layer share: a server
// built as cmd/fundus builds it (http/server) on a test database, clients
// for the API and for the pages, and the check of every API response
// against the contract, openapi.json (CheckContract).
package testserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fundus"

	"fundus/audit"
	"fundus/auth"
	"fundus/bank"
	"fundus/bank/banktest"
	"fundus/commit"
	"fundus/db"
	"fundus/donations"
	"fundus/grants"
	"fundus/http/server"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
	"fundus/mail"
)

// Password is the password of every user the tests make.
const Password = "a long enough password"

// NoticeDate is the date of the test groups' tax notice: a year ago, so it
// never grows too old for the five-year rule (grants.NoticeLimit).
var NoticeDate = fundus.DayOf(time.Now().AddDate(-1, 0, 0))

// ApplicationBody is a valid body of a new application.
var ApplicationBody = `{"title":"Sprachcafé","organisation":"Café Lingua e.V.","summary":"Wöchentlich","description":"Treffen",
	"requested_amount":"500.00","budget":[{"item":"Miete","amount":"300.00"},{"item":"Material","amount":"200.00"}],
	"starts_on":"2027-01-01","ends_on":"2027-06-30","payee":{"holder":"Café Lingua e.V.","iban":"DE89370400440532013000"},
	"recognition":{"kind":"nonprofit","authority":"Finanzamt Osnabrück-Stadt","notice":"Freistellungsbescheid, St.-Nr. 66/123/45678","notice_date":"` + NoticeDate + `"}}`

// Server is the HTTP layer on a test database, with the services behind it.
type Server struct {
	T      *testing.T
	H      http.Handler
	DB     *db.DB
	Auth   *auth.Service
	Ledger *ledger.Service

	opened    int // lines BankOpens uploaded
	Grants    *grants.Service
	Donations *donations.Service
	Bank      *bank.Service
	acceptor  string // the admin ReceivedDonation records acceptances as
	// Mail is the outbox the services queue their mails in (links on
	// MailBaseURL); mail.Sender sends them.
	Mail *mail.Outbox
	// Mails records the mails auth asks for (queued in Mail).
	Mails *Mails
}

// Mails queues mails in the test server's outbox (rendered, so a template
// that lacks its data fails the request) and records them, in order, for
// tests to read the links.
type Mails struct {
	Outbox *mail.Outbox
	mu     sync.Mutex
	list   []mail.Message
}

// Queue queues m in the outbox and records it.
func (m *Mails) Queue(tx *commit.Tx, msg mail.Message) error {
	if err := m.Outbox.Queue(tx, msg); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.list = append(m.list, msg)
	return nil
}

// Sent returns the mails queued so far (also by transactions that rolled
// back; the outbox holds only the committed ones).
func (m *Mails) Sent() []mail.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mail.Message(nil), m.list...)
}

// MailBaseURL is the public address in the test server's mails.
const MailBaseURL = "https://fundus.test"

// New builds the server on d with cfg.
func New(t *testing.T, d *db.DB, cfg server.Config) *Server {
	t.Helper()
	w := writerOf(t, d)
	fundName := cfg.FundName
	if fundName == "" {
		fundName = "Integrationsfonds Osnabrück"
	}
	o, err := mail.NewOutbox(MailBaseURL, fundName)
	if err != nil {
		t.Fatal(err)
	}
	a := auth.NewService(d, w, time.Hour)
	mails := &Mails{Outbox: o}
	a.Mailer = mails
	l := &ledger.Service{DB: d, Writer: w, MaxAmount: 100000000}
	dons := &donations.Service{DB: d, Writer: w, MaxAmount: 100000000, Mail: o,
		Bank: donations.BankAccount{IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX", Holder: "Integrationsfonds Osnabrück"}}
	g := &grants.Service{DB: d, Writer: w, MaxAmount: 100000000, Quorum: 3, Mail: o, MaySubmit: a.MaySubmit}
	b := &bank.Service{DB: d, Writer: w, IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX", Holder: "Integrationsfonds Osnabrueck", MaxAmount: 100000000, Mail: o}
	h, err := server.New(cfg, d, server.Services{Auth: a, Ledger: l, Audit: &audit.Service{DB: d}, Donations: dons, Grants: g, Bank: b}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &Server{T: t, H: h, DB: d, Auth: a, Ledger: l, Grants: g, Donations: dons, Bank: b, Mails: mails, Mail: o}
}

// Bands are the acceptance bands of § 26 KomHKVO as configured by
// default (100 and 2,000 EUR). The test server leaves its services
// without bands (the administration accepts every donation) unless a
// test sets them with SetBands.
var Bands = donations.Bands{AdminMax: 10000, CommitteeMax: 200000}

// SetBands sets who accepts a donation (FUNDUS_ACCEPT_ADMIN_MAX,
// FUNDUS_ACCEPT_COMMITTEE_MAX) on the donations and the bank service, as
// cmd/fundus sets them from its configuration.
func (ts *Server) SetBands(b donations.Bands) {
	ts.Donations.Bands, ts.Bank.Bands = b, b
}

// writers holds the write path of each database: a database has one, and
// a test may start several servers on it.
var writers sync.Map

func writerOf(t *testing.T, d *db.DB) *commit.Writer {
	if w, ok := writers.Load(d); ok {
		return w.(*commit.Writer)
	}
	w := ledgertest.Writer(t, d, nil)
	writers.Store(d, w)
	t.Cleanup(func() { writers.Delete(d) })
	return w
}

// Response is an answer, with its JSON body decoded (nil if it has none).
type Response struct {
	*httptest.ResponseRecorder
	JSON map[string]any
}

// Do sends a request with a body of contentType, signed in with token
// (none if empty).
func (ts *Server) Do(method, path, token, contentType, body string) *Response {
	ts.T.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return ts.Serve(req)
}

// DoWithHeaders is Do of JSON with extra request headers.
func (ts *Server) DoWithHeaders(method, path, token, body string, headers map[string]string) *Response {
	ts.T.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return ts.Serve(req)
}

// Serve sends req to the server and checks the response against the
// contract, openapi.json: an API response that it does not describe (its
// route, status, headers or body) fails the test.
func (ts *Server) Serve(req *http.Request) *Response {
	ts.T.Helper()
	rec := httptest.NewRecorder()
	ts.H.ServeHTTP(rec, req)
	if err := CheckContract(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		ts.T.Errorf("%s %s answered %d, which openapi.json does not allow: %v\nbody: %.2000s", req.Method, req.URL, rec.Code, err, rec.Body)
	}
	return Decode(rec)
}

// Decode is rec with its JSON body decoded.
func Decode(rec *httptest.ResponseRecorder) *Response {
	r := &Response{ResponseRecorder: rec}
	json.Unmarshal(rec.Body.Bytes(), &r.JSON)
	return r
}

// JSON is Do with a JSON body.
func (ts *Server) JSON(method, path, token, body string) *Response {
	ts.T.Helper()
	return ts.Do(method, path, token, "application/json", body)
}

// WantProblem checks that r is a problem document with the given status and
// slug, and returns it.
func (r *Response) WantProblem(t *testing.T, status int, slug string) *Response {
	t.Helper()
	if r.Code != status {
		t.Fatalf("status %d, want %d; body %s", r.Code, status, r.Body)
	}
	if ct := r.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	if r.JSON["type"] != "/problems/"+slug || r.JSON["status"] != float64(status) || r.JSON["title"] == "" {
		t.Fatalf("problem %v, want slug %s", r.JSON, slug)
	}
	return r
}

// WantStatus checks r's status and returns it.
func (r *Response) WantStatus(t *testing.T, status int) *Response {
	t.Helper()
	if r.Code != status {
		t.Fatalf("status %d, want %d; body %s", r.Code, status, r.Body)
	}
	return r
}

// FieldErrors returns the field names of a validation problem.
func (r *Response) FieldErrors() []string {
	var out []string
	list, _ := r.JSON["errors"].([]any)
	for _, e := range list {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

// MustUser makes a user with roles and returns a session token of theirs.
func (ts *Server) MustUser(email string, roles ...auth.Role) string {
	ts.T.Helper()
	if _, err := ts.Auth.CreateUserFromCommandLine(context.Background(), auth.NewUser{Email: email, Name: "N", Password: Password, Roles: roles}); err != nil {
		ts.T.Fatal(err)
	}
	return ts.SignIn(email)
}

// BankPays pays every released instalment as the bank loop does: the
// treasurer (token) makes a payment file, and uploads the bank's statement
// with a debit line for each instalment, which finds it by its end-to-end
// id.
func (ts *Server) BankPays(token string) {
	ts.T.Helper()
	ts.JSON("POST", "/api/v1/payment-files", token, "").WantStatus(ts.T, http.StatusCreated)
	var sent []struct {
		E2E    string `db:"end_to_end_id"`
		Amount int64  `db:"amount"`
	}
	if err := ts.DB.Select(&sent, `SELECT end_to_end_id, amount FROM disbursements WHERE status = 'sent' ORDER BY seq`); err != nil {
		ts.T.Fatal(err)
	}
	day := fundus.DayOf(time.Now())
	st := banktest.Statement{ID: "PAY-" + day, IBAN: "DE89370400440532013000", From: day, To: day, NoBalances: true}
	for _, d := range sent {
		st.Lines = append(st.Lines, banktest.Line{Date: day, Minor: d.Amount, Debit: true, Name: "Payee", EndToEndID: d.E2E, Remittance: "Zuschuss"})
	}
	r := ts.Do("POST", "/api/v1/bank/statements", token, "application/xml", string(banktest.Camt053(st))).WantStatus(ts.T, http.StatusCreated)
	if r.JSON["matched"] != float64(len(sent)) {
		ts.T.Fatalf("the bank's debit lines paid %v of %d instalments: %v", r.JSON["matched"], len(sent), r.JSON)
	}
}

// BankOpens funds the fund's bank account as the bank loop does: the
// treasurer (token) uploads the bank's statement with one credit of minor
// cents on day (YYYY-MM-DD, "" today) and books its line to
// equity:opening-balance. It returns the ledger entry the line booked.
// Money enters assets:bank only with a bank line; tests that need money in
// the bank get it this way, never by a manual entry.
func (ts *Server) BankOpens(token string, minor int64, day string) string {
	ts.T.Helper()
	if day == "" {
		day = fundus.DayOf(time.Now())
	}
	ts.opened++
	remittance := fmt.Sprintf("Anfangsbestand %d", ts.opened) // each call its own line, however equal the amount
	st := banktest.Statement{ID: "OPEN-" + day, IBAN: "DE89370400440532013000", From: day, To: day, NoBalances: true,
		Lines: []banktest.Line{{Date: day, Minor: minor, Name: "Stadtkasse", Remittance: remittance}}}
	r := ts.Do("POST", "/api/v1/bank/statements", token, "application/xml", string(banktest.Camt053(st))).WantStatus(ts.T, http.StatusCreated)
	if r.JSON["queued"] != 1.0 {
		ts.T.Fatalf("the opening line is not queued: %v", r.JSON)
	}
	var line string
	if err := ts.DB.Get(&line, `SELECT id FROM bank_lines WHERE status = 'queued' AND remittance = $1`, remittance); err != nil {
		ts.T.Fatal(err)
	}
	b := ts.JSON("POST", "/api/v1/bank/transactions/"+line+"/book", token, `{"account":"equity:opening-balance","memo":"Anfangsbestand"}`).WantStatus(ts.T, http.StatusOK)
	return b.JSON["entry_id"].(string)
}

// BankDonation brings a donation of amount ("800.00") into the fund as
// the bank loop does: a pledge, and the bank's statement (uploaded by the
// treasurer, token) with its credit, which confirms it by its reference.
// It returns the donation's id.
func (ts *Server) BankDonation(token, amount string) string {
	ts.T.Helper()
	p := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"`+amount+`"}`).WantStatus(ts.T, http.StatusCreated)
	minor, err := fundus.ParseAmount("amount", fundus.Amount(amount), fundus.EUR, fundus.Positive, 1<<50)
	if err != nil {
		ts.T.Fatal(err)
	}
	day := fundus.DayOf(time.Now())
	st := banktest.Statement{ID: "GIFT-" + day, IBAN: "DE89370400440532013000", From: day, To: day, NoBalances: true,
		Lines: []banktest.Line{{Date: day, Minor: minor, Name: "Spender", Remittance: "Spende " + p.JSON["reference"].(string)}}}
	r := ts.Do("POST", "/api/v1/bank/statements", token, "application/xml", string(banktest.Camt053(st))).WantStatus(ts.T, http.StatusCreated)
	if r.JSON["matched"] != 1.0 {
		ts.T.Fatalf("the donation's line did not confirm it: %v", r.JSON)
	}
	return p.JSON["id"].(string)
}

// ReceivedDonation pledges amount ("250.00") from donor (a JSON object;
// asking for a receipt when it has a street), confirms it as received
// today by the treasurer (token) under the default acceptance bands
// (Bands), and, for acceptance "accepted" above the administration's band,
// records the acceptance by its body as an admin does. acceptance
// "pending" needs an amount above the administration's band. It returns
// the donation's id.
func (ts *Server) ReceivedDonation(token, donor, amount, acceptance string) string {
	ts.T.Helper()
	saved := ts.Donations.Bands
	ts.SetBands(Bands)
	defer ts.SetBands(saved)
	requested := strconv.FormatBool(strings.Contains(donor, `"street"`))
	id := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"`+amount+`","receipt_requested":`+requested+`,"donor":`+donor+`}`).WantStatus(ts.T, http.StatusCreated).JSON["id"].(string)
	got := ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", token, `{"received_at":"`+fundus.DayOf(time.Now())+`"}`).WantStatus(ts.T, http.StatusOK).JSON
	switch {
	case got["acceptance"] == acceptance:
	case acceptance == "accepted" && got["acceptance"] == "pending":
		if ts.acceptor == "" {
			ts.acceptor = ts.MustUser("annahme@example.org", auth.Admin)
		}
		minor, err := fundus.ParseAmount("amount", fundus.Amount(amount), fundus.EUR, fundus.Positive, 1<<50)
		if err != nil {
			ts.T.Fatal(err)
		}
		ts.JSON("POST", "/api/v1/acceptance/decisions", ts.acceptor, `{"body":"`+string(Bands.BodyFor(minor))+`","session_date":"`+fundus.DayOf(time.Now())+
			`","session_ref":"Sitzung","accepted":["`+id+`"]}`).WantStatus(ts.T, http.StatusCreated)
	default:
		ts.T.Fatalf("a donation of %s cannot be %s under the bands %+v: it is %v", amount, acceptance, Bands, got["acceptance"])
	}
	return id
}

// SignIn signs email in through the API and returns the session token.
func (ts *Server) SignIn(email string) string {
	ts.T.Helper()
	r := ts.JSON("POST", "/api/v1/sessions", "", `{"email":"`+email+`","password":"`+Password+`"}`).WantStatus(ts.T, http.StatusCreated)
	return r.JSON["token"].(string)
}

// TableCounts returns the row count of every table, to check that a refused
// request changed nothing.
func (ts *Server) TableCounts() map[string]int {
	ts.T.Helper()
	out := map[string]int{}
	for _, table := range []string{"users", "user_roles", "sessions", "signin_failures"} {
		var n int
		if err := ts.DB.Get(&n, "SELECT count(*) FROM "+table); err != nil {
			ts.T.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// Browserless is a cookie-keeping client for page tests without Chromium.
type Browserless struct {
	T       *testing.T
	H       http.Handler
	Cookies map[string]string
	Lang    string
}

// Browser is a new Browserless client of the server in lang.
func (ts *Server) Browser(t *testing.T, lang string) *Browserless {
	return &Browserless{T: t, H: ts.H, Cookies: map[string]string{}, Lang: lang}
}

// Do sends a request, with form as its body if not nil, and keeps the
// cookies it sets.
func (b *Browserless) Do(method, path string, form url.Values) *httptest.ResponseRecorder {
	b.T.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.send(req)
}

// Upload posts a multipart form, as a browser sends a form with a file:
// fields, and data as the file named filename in the field file.
func (b *Browserless) Upload(path string, fields url.Values, file, filename string, data []byte) *httptest.ResponseRecorder {
	b.T.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	part, err := w.CreateFormFile(file, filename)
	if err != nil {
		b.T.Fatal(err)
	}
	part.Write(data)
	w.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.send(req)
}

// send sends req with the client's language and cookies, and keeps the
// cookies the answer sets.
func (b *Browserless) send(req *http.Request) *httptest.ResponseRecorder {
	req.Header.Set("Accept-Language", b.Lang)
	for k, v := range b.Cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	rec := httptest.NewRecorder()
	b.H.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		b.Cookies[c.Name] = c.Value
	}
	return rec
}

// SignedIn returns a Browserless client in lang signed in as email through
// the login form (its CSRF pair included).
func (ts *Server) SignedIn(email, lang string) *Browserless {
	ts.T.Helper()
	b := ts.Browser(ts.T, lang)
	page := b.Do("GET", "/login", nil)
	if r := b.Do("POST", "/login", url.Values{"csrf_token": {b.CSRF(page.Body.String())}, "email": {email}, "password": {Password}}); r.Code != http.StatusSeeOther {
		ts.T.Fatalf("sign-in of %s: %d", email, r.Code)
	}
	return b
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// CSRF is the csrf_token of the form on page.
func (b *Browserless) CSRF(page string) string {
	b.T.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.T.Fatal("no csrf_token in the page")
	}
	return m[1]
}
