package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/auth"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
	"fundus/ledger/ledgertest"
	"fundus/mail"
	"fundus/web"
)

// The role walks: each role's day through the pages, in German and
// English, on a desktop (1280 px) and a phone (375 px); the donor's and the
// applicant's in every language of the pages on the phone. Every page a walk
// reaches is checked by axe-core in the real Chromium (every rule axe runs
// by default, none switched off), for sideways scrolling on the phone, for
// an error summary that links to every invalid field, for tables that keep
// their roles on the phone, and saved as a screenshot (FUNDUS_SCREENSHOTS,
// else a temporary directory). One server and one browser serve all walks;
// each walk has a browser context of its own (its own cookies).
//
// A new page is one step in the walk of the role that uses it: a path to
// open and the element that shows it is there ({name} in a path is a value
// the walk's setup made, such as an application's id). TestWalks fails for
// a page route (GET, not the API) no walk opened.

// size is a window size a walk runs at.
type size struct {
	name          string
	width, height int64
}

var walkSizes = []size{{"desktop", 1280, 900}, {"phone", 375, 812}}

// walk is one role's day: what its setup makes on the server (through the
// API, per run, so every run finds the same state) and the steps.
type walk struct {
	role  string
	setup func(f *fixture, t *testing.T, run string) map[string]string
	steps []step
}

// step is one page of a walk: open path (if set) and wait for wait (if
// set); then act (if set), which does what a person does there and waits
// for the page it leads to. The page then reached is checked and saved as
// name.
type step struct {
	name string
	path string
	wait string
	act  func(w *walker)
}

// visit is the step that opens path and waits for wait.
func visit(name, path, wait string) step { return step{name: name, path: path, wait: wait} }

// signIn is the step of signing in as email (a {name} of the setup, or an
// address).
func signIn(email string) step {
	return step{name: "login", path: "/login", wait: "#email", act: func(w *walker) {
		w.do(chromedp.SendKeys(`#email`, w.expand(email)), chromedp.SendKeys(`#password`, testserver.Password))
		w.submit(`main form button[type=submit]`)
	}}
}

// signOut is the step of signing out.
func signOut() step {
	return step{name: "logout", act: func(w *walker) { w.submit(`header form button`) }}
}

// localTyped is, per language, an amount as its people type it and as the
// page then writes it (isolated left-to-right on right-to-left pages).
var localTyped = map[string][2]string{
	"de": {"1.250,50", "1.250,50\u00a0€"}, "en": {"1,250.50", "€1,250.50"}, "tr": {"1.250,50 €", "1.250,50\u00a0€"},
	"ar": {"١٢٥٠٫٥٠", "1.250,50\u00a0€"}, "ru": {"1 250,50", "1\u00a0250,50\u00a0€"}, "pl": {"1250,50", "1250,50\u00a0€"},
	"uk": {"1 250,50 €", "1\u00a0250,50\u00a0€"}, "fa": {"۱۲۵۰٫۵", "1.250,50\u00a0€"},
}

// walks are the roles' days. The committee's queue, the admin's and the
// auditor's pages and the trust pages are one step each when they come.
var walks = []walk{
	{role: "donor", steps: []step{
		visit("fund", "/", "#total-received"),
		visit("donate", "/donate", "#amount_other"),
		{name: "donate-error", act: func(w *walker) {
			w.do(chromedp.SendKeys(`#amount_other`, "1.005"), chromedp.SendKeys(`#email`, "not an address"))
			w.submit(`main form button[type=submit]`)
			w.wait(`.error-summary`)
		}},
		{name: "donated", act: func(w *walker) { // the amount typed as people of the page's language type it
			typed := localTyped[w.lang]
			w.do(chromedp.SetValue(`#amount_other`, typed[0]), chromedp.SetValue(`#email`, "erika@example.org"))
			w.submit(`main form button[type=submit]`)
			w.wait(`#reference`)
			if lead := get(w.tab, chromedp.Evaluate[string](`document.querySelector('.lead').textContent`)); !strings.Contains(lead, typed[1]) {
				w.t.Errorf("%s: typed %q, the thank-you page says %q, want %q in it", w.run, typed[0], lead, typed[1])
			}
		}},
		{name: "thanks-other-language", act: func(w *walker) { // the thank-you page's own address keeps the reference
			w.submit(`.langs a`)
			w.wait(`#reference`)
		}},
		visit("report", "/report", "#report-count"),
		visit("impressum", "/impressum", "main h1"),
		visit("privacy", "/datenschutz", "main h1"),
		visit("contact", "/kontakt", "main h1"),
		visit("not-found", "/no-such-page", "#problem"),
	}},
	{role: "applicant", setup: setupApplicant, steps: []step{
		visit("apply", "/apply", "#password"),
		{name: "register-error", act: func(w *walker) {
			w.do(chromedp.SendKeys(`#name`, "Amina Yilmaz"), chromedp.SendKeys(`#email`, w.expand("new-{run}@example.org")),
				chromedp.SendKeys(`#password`, "short"))
			w.submit(`main form button[type=submit]`)
			w.wait(`.error-summary`)
		}},
		{name: "registered", act: func(w *walker) {
			w.do(chromedp.SendKeys(`#organisation`, "Café Lingua e.V."), chromedp.SendKeys(`#password`, testserver.Password))
			w.submit(`main form button[type=submit]`)
			w.wait(`a[href="/apply/new"]`)
		}},
		visit("new-application", "/apply/new", "#title"),
		{name: "application-errors", act: func(w *walker) {
			w.do(chromedp.SendKeys(`#title`, "Sprachcafé"), chromedp.SendKeys(`#budget_amount_0`, "zwölf"),
				chromedp.SendKeys(`#payee_iban`, "DE00 1234"))
			w.submit(`#save`)
			w.wait(`.error-summary`)
		}},
		{name: "application-row-added", act: func(w *walker) {
			w.submit(`#add-row`)
			w.wait(`#budget_item_1`)
		}},
		{name: "application-draft", act: func(w *walker) {
			w.do(chromedp.SendKeys(`#summary`, "A weekly language café"), chromedp.SendKeys(`#description`, "Volunteers meet newcomers every Thursday."),
				chromedp.SetValue(`#starts_on`, "2027-01-01"), chromedp.SetValue(`#ends_on`, "2027-06-30"),
				chromedp.SendKeys(`#budget_item_0`, "Rent"), chromedp.SetValue(`#budget_amount_0`, "300"),
				chromedp.SendKeys(`#budget_item_1`, "Material"), chromedp.SendKeys(`#budget_amount_1`, "200"),
				chromedp.SetValue(`#payee_iban`, "DE89 3704 0044 0532 0130 00"))
			w.submit(`#save`)
			w.wait(`#submit-application`)
		}},
		{name: "application-submitted", act: func(w *walker) {
			w.submit(`#submit-application`)
			w.wait(`#grant-status`)
		}},
		visit("my-applications", "/apply", "a[href=\"/apply/new\"]"),
		signOut(),
		visit("forgot", "/password-reset", "#email"),
		{name: "forgot-error", act: func(w *walker) { // no address typed
			w.submit(`main form button[type=submit]`)
			w.wait(`.error-summary`)
		}},
		{name: "forgot-sent", act: func(w *walker) {
			w.do(chromedp.SetValue(`#email`, w.expand("{group}")))
			w.submit(`main form button[type=submit]`)
			w.wait(`.notice`)
		}},
		{name: "new-password", act: func(w *walker) { // the link in the mail just sent
			w.must(chromedp.Navigate(w.f.url + "/password-reset/" + lastToken(w.t, w.f.ts, w.expand("{group}"), mail.PasswordReset)))
			w.wait(`#password_again`)
		}},
		{name: "new-password-error", act: func(w *walker) {
			w.do(chromedp.SendKeys(`#password`, testserver.Password), chromedp.SendKeys(`#password_again`, "another password"))
			w.submit(`main form button[type=submit]`)
			w.wait(`.error-summary`)
		}},
		{name: "new-password-set", act: func(w *walker) { // the same password again: the walk signs in with it
			w.do(chromedp.SetValue(`#password`, testserver.Password), chromedp.SetValue(`#password_again`, testserver.Password))
			w.submit(`main form button[type=submit]`)
			w.wait(`#email`)
		}},
		visit("confirm-address", "/confirm-address/{confirm}", "main form button[type=submit]"),
		{name: "address-confirmed", act: func(w *walker) {
			w.submit(`main form button[type=submit]`)
			w.wait(`.notice`)
		}},
		signIn("{group}"),
		visit("account", "/account", "#current_password"),
		{name: "account-error", act: func(w *walker) {
			w.do(chromedp.SendKeys(`#current_password`, "not my password"), chromedp.SendKeys(`#new_password`, "another long enough password"),
				chromedp.SendKeys(`#new_password_again`, "another long enough password"))
			w.submit(`form[action="/account/password"] button`)
			w.wait(`.error-summary`)
		}},
		visit("paid-grant", "/grants/{paid}", "#spent"),
		{name: "report-error", act: func(w *walker) {
			w.do(chromedp.SendKeys(`#spent`, "viel"))
			w.submit(`#send-report`)
			w.wait(`.error-summary`)
		}},
		{name: "reported", act: func(w *walker) {
			w.do(chromedp.SetValue(`#spent`, "480"), chromedp.SendKeys(`#report`, "Twelve meetings, thirty people."))
			w.submit(`#send-report`)
			w.wait(`#grant-status`)
		}},
		visit("draft", "/grants/{draft}", "#submit-application"),
		visit("edit", "/grants/{draft}/edit", "#title"),
		visit("withdraw", "/grants/{draft}/withdraw", "main form"),
	}},
	{role: "committee", setup: setupCommittee, steps: []step{
		signIn("m0@example.org"),
		visit("queue", "/committee", "main table"),
		visit("application", "/grants/{submitted}", "#send-review"),
		{name: "reviewed", act: func(w *walker) {
			w.do(chromedp.Click(`#score-4`), chromedp.SendKeys(`#review_comment`, "Well planned"))
			w.submit(`#send-review`)
			w.wait(`#send-vote`)
		}},
		{name: "voted", act: func(w *walker) {
			w.do(chromedp.Click(`#vote-approve`))
			w.submit(`#send-vote`)
			w.wait(`#send-decision`)
		}},
		{name: "decision-error", act: func(w *walker) {
			w.do(chromedp.SendKeys(`#amount`, "viel"))
			w.submit(`#send-decision`)
			w.wait(`.error-summary`)
		}},
		{name: "decision-confirm", act: func(w *walker) {
			w.do(chromedp.Click(`#decision-approved`), chromedp.SetValue(`#amount`, "450"))
			w.submit(`#send-decision`)
			w.wait(`#confirm-decision`)
		}},
		{name: "decided", act: func(w *walker) {
			w.submit(`#confirm-decision`)
			w.wait(`#grant-status`)
		}},
		visit("to-close", "/grants/{reported}", "#close-grant"),
		{name: "closed", act: func(w *walker) {
			w.do(chromedp.SendKeys(`#returned`, "0"))
			w.submit(`#close-grant`)
			w.wait(`#grant-status`)
		}},
	}},
	{role: "treasurer", setup: setupTreasurer, steps: []step{
		signIn("k1@example.org"),
		visit("donations", "/treasurer/donations?status=all", "#donation-{reference}"),
		visit("search", "/treasurer/donations?q={reference}", "#search-summary"),
		visit("confirm", "/treasurer/donations/{pledge}/confirm", "#amount"),
		{name: "confirm-error", act: func(w *walker) { // an amount that is none, received in the future
			w.do(chromedp.SendKeys(`#amount`, "viel"),
				chromedp.SetAttributeValue(`#received_at`, "max", "2999-12-31"), chromedp.SetValue(`#received_at`, "2999-01-01"))
			w.submit(`main form button[type=submit]`)
			w.wait(`.error-summary`)
		}},
		{name: "confirmed", act: func(w *walker) { // the amount the statement shows, as the page's language writes it
			w.do(chromedp.SetValue(`#amount`, map[string]string{"de": "25,00", "en": "25.00"}[w.lang]),
				chromedp.SetValue(`#received_at`, time.Now().In(fundus.Berlin).Format(time.DateOnly)))
			w.submit(`main form button[type=submit]`)
			w.wait(`.notice`)
		}},
		visit("refund", "/treasurer/donations/{pledge}/refund", "#reason"),
		visit("receipt-refused", "/treasurer/donations/{pledge}/receipt", "#receipt-refusal"),
		visit("receipt-step", "/treasurer/donations/{accepted}/receipt", `main form button[type=submit]`),
		visit("receipts", "/treasurer/receipts", "#receipt-{number}"),
		visit("receipt-cancel", "/treasurer/receipts/{receipt}/cancel", "#reason"),
		visit("cancel", "/treasurer/donations/{pledge2}/cancel", "main form"),
		visit("payouts", "/treasurer/grants", "main table"),
		visit("grant", "/grants/{approved}", "#instalment_amount"),
		{name: "instalment-error", act: func(w *walker) {
			w.do(chromedp.SendKeys(`#instalment_amount`, "viel"))
			w.submit(`#send-disbursement`)
			w.wait(`.error-summary`)
		}},
		{name: "instalment", act: func(w *walker) {
			w.do(chromedp.SetValue(`#instalment_amount`, "100"))
			w.submit(`#send-disbursement`)
			w.wait(`a.release-link`)
		}},
		visit("instalments", "/treasurer/instalments", "#instalment-{pending}"),
		visit("release", "/payouts/{pending}/release?application={approved}", "#release-iban"),
		{name: "released", act: func(w *walker) {
			w.submit(`button.release`)
			w.wait(`#grant-status`)
		}},
		visit("bank", "/treasurer/bank", "#file"),
		visit("bank-queue", "/treasurer/bank/queue", "#queue-summary"),
		visit("bank-line", "/treasurer/bank/lines/{line}", "#memo"),
		{name: "bank-line-error", act: func(w *walker) {
			get(w.tab, chromedp.Evaluate[bool](`document.querySelectorAll('main form').forEach(f => f.noValidate = true), true`))
			w.submit(`form[action$="/book"] button`)
			w.wait(`.error-summary`)
		}},
		visit("bank-confirm", "/treasurer/bank/lines/{line}/book?account=expenses:bank-fees&memo=Kontoführung", "#what"),
		visit("bank-assign", "/treasurer/bank/lines/{credit}/assign?reference={reference2}", "#what"),
		visit("reconciliation", "/treasurer/bank/reconciliation", "main h1"),
		visit("acceptance", "/admin/acceptance?body=committee", "#read-only"),
	}},
	{role: "admin", setup: setupAdmin, steps: []step{
		signIn("admin@example.org"),
		visit("fund", "/", "#total-received"),
		visit("forbidden", "/treasurer/donations", "#problem"),
		visit("users", "/admin/users", "#q"),
		{name: "users-found", act: func(w *walker) {
			w.do(chromedp.SendKeys(`#q`, w.expand("staff-{run}")))
			w.submit(`form[role=search] button`)
			w.wait(`main td a[href="/admin/users/{user}"]`)
		}},
		{name: "user", act: func(w *walker) {
			w.submit(w.expand(`main td a[href="/admin/users/{user}"]`))
			w.wait(`#roles-h`)
		}},
		visit("role-grants", "/admin/role-grants", `a[href="/admin/role-grants/{grant}/confirm"]`),
		visit("grant-confirm", "/admin/role-grants/{grant}/confirm", "main form button[type=submit]"),
		{name: "grant-confirmed", act: func(w *walker) {
			w.submit(`main form button[type=submit]`)
			w.wait(`.notice`)
		}},
		visit("roles-none", "/admin/users/{user}/roles", "main form button[type=submit]"),
		{name: "roles-refused", act: func(w *walker) { // a user keeps at least one role
			w.submit(`main form button[type=submit]`)
			w.wait(`.alert`)
		}},
		visit("roles", "/admin/users/{user}/roles?roles=committee", "main form button[type=submit]"),
		{name: "roles-changed", act: func(w *walker) { // a role taken away: at once
			w.submit(`main form button[type=submit]`)
			w.wait(`.notice`)
		}},
		visit("deactivate", "/admin/users/{user}/deactivate", "main form button[type=submit]"),
		{name: "deactivated", act: func(w *walker) {
			w.submit(`main form button[type=submit]`)
			w.wait(`.notice`)
		}},
		visit("donations", "/admin/donations?q={pledgeref}", `a[href="/admin/donations/{pledge}/erase"]`),
		visit("erase-confirm", "/admin/donations/{pledge}/erase", "main form button[type=submit]"),
		{name: "erased", act: func(w *walker) {
			w.submit(`main form button[type=submit]`)
			w.wait(`.notice`)
		}},
		// The council's list: this walk's two donations decided, every
		// other one (of the other walks) struck.
		visit("acceptance", "/admin/acceptance?body=council", "#choice-{council1}-accept"),
		{name: "acceptance-error", act: func(w *walker) { // no session date, no reference
			get(w.tab, chromedp.Evaluate[bool](`document.querySelectorAll('#decision-form input[value=strike]').forEach(r => r.checked = true), true`))
			w.do(chromedp.Click(w.expand(`#choice-{council1}-accept`)), chromedp.Click(w.expand(`#choice-{council2}-decline`)))
			w.submit(`#acceptance-next`)
			w.wait(`.error-summary`)
		}},
		{name: "acceptance-confirm", act: func(w *walker) {
			w.do(chromedp.SetValue(`#session_date`, fundus.DayOf(time.Now())), chromedp.SendKeys(`#session_ref`, w.expand("Rat 12/2026 ({run})")))
			w.submit(`#acceptance-next`)
			w.wait(`#confirm-acceptance`)
		}},
		{name: "acceptance-recorded", act: func(w *walker) {
			w.submit(`#confirm-acceptance`)
			w.wait(`#acceptance-done`)
		}},
		visit("acceptance-print", "/admin/acceptance/print?body=council", "#annex-heading"),
		visit("acceptance-report", "/admin/acceptance/report", "#acceptance-report"),
		visit("account", "/account", "#current_password"),
	}},
	{role: "auditor", setup: nil, steps: []step{
		signIn("auditor@example.org"),
		visit("fund", "/", "#total-received"),
		visit("report", "/report", "#report-count"),
		visit("ledger", "/auditor/ledger", "main table"),
		visit("ledger-error", "/auditor/ledger?from=gestern", ".error-summary"),
		visit("ledger-filtered", "/auditor/ledger?account=assets:bank", "main table"),
		{name: "entry", act: func(w *walker) {
			w.submit(`main td a[href^="/auditor/ledger/entries/"]`)
			w.wait(`#postings`)
		}},
		visit("trial-balance", "/auditor/ledger/trial-balance", "#trial-balance"),
		visit("trial-balance-error", "/auditor/ledger/trial-balance?at=morgen", ".error-summary"),
		visit("export", "/auditor/ledger/export", "#format-csv"),
		visit("export-error", "/auditor/ledger/export?format=xls&from=gestern", ".error-summary"),
		visit("verify", "/auditor/ledger/verify", "main form button"),
		{name: "verified", act: func(w *walker) {
			w.submit(`main form button`)
			w.wait(`#verify-result`)
		}},
		visit("audit", "/auditor/audit", "main table"),
		visit("audit-error", "/auditor/audit?from=gestern", ".error-summary"),
		// The table shows only once donations arrived this year, which the
		// other roles' walks make at their own pace: wait for the heading.
		visit("acceptance-report", "/admin/acceptance/report", "main h1"),
		visit("acceptance-report-error", "/admin/acceptance/report?year=zwanzig", ".error-summary"),
	}},
}

// notWalked are the page routes no walk needs to open: files, not pages.
var notWalked = []string{"/static/*filepath", "/theme.css", "/lang", "/treasurer/bank/payment-files/:id/pain.001.xml", "/grants/:id/receipts/:rid",
	"/treasurer/receipts/:id/pdf"}

// TestWalks runs every role's walk in German and English at both sizes,
// the donor's and the applicant's also in every other language on the
// phone, on one server and one browser, and fails for a page route no walk
// opened.
func TestWalks(t *testing.T) {
	axe := axeSource(t)
	ctx := browser(t, 1280, 900)
	f := newFixture(t)
	dir := os.Getenv("FUNDUS_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var pages atomic.Int64
	// Two walks at a time (go test's -parallel, the machine's cores): one
	// waits for the browser while the other's server works.
	t.Run("walks", func(t *testing.T) {
		for _, wk := range walks {
			for _, tag := range web.Languages {
				lang := tag.String()
				for _, sz := range walkSizes {
					// The donor's and the applicant's walks run in every
					// language on the phone; the staff's in theirs.
					staff := slices.Contains(web.StaffLanguages, lang)
					if !staff && (sz.name != "phone" || (wk.role != "donor" && wk.role != "applicant")) {
						continue
					}
					run := wk.role + "-" + lang + "-" + sz.name
					t.Run(run, func(t *testing.T) {
						t.Parallel()
						vars := map[string]string{"run": run}
						if wk.setup != nil {
							f.setup.Lock() // a setup's bank statements and payments are the bank's, not one walk's
							maps.Copy(vars, wk.setup(f, t, run))
							f.setup.Unlock()
						}
						w := newWalker(t, ctx, f, axe, dir, run, lang, sz, vars)
						for _, s := range wk.steps {
							w.step(s)
							pages.Add(1)
						}
					})
				}
			}
		}
	})
	t.Logf("%d pages walked and checked in %s; screenshots in %s", pages.Load(), time.Since(start).Round(time.Second), dir)
	t.Run("every page route walked", func(t *testing.T) {
		engine, ok := f.ts.H.(*gin.Engine)
		if !ok {
			t.Skip("the server is not a gin engine")
		}
		for _, r := range engine.Routes() {
			if r.Method != http.MethodGet || testserver.IsAPIRoute(r.Path) || slices.Contains(notWalked, r.Path) || r.Path == "/metrics" {
				continue
			}
			if !f.opened(r.Path) {
				t.Errorf("no walk opens %s: add a step to the walk of the role that uses it (walk_test.go)", r.Path)
			}
		}
	})
}

// fixture is the one server the walks share, with its users.
type fixture struct {
	ts      *testserver.Server
	url     string
	k1, k2  string // the treasurers' tokens
	admin2  string // the second admin's token
	members []string
	setup   sync.Mutex // one walk's setup at a time
	mu      sync.Mutex
	paths   map[string]bool // every path a browser opened
}

func newFixture(t *testing.T) *fixture {
	d := dbtest.Open(t, db.SQLite)
	ts := testserver.New(t, d, server.Config{})
	ts.SetBands(acceptanceBands) // donations above 100 EUR wait for the committee or the council
	f := &fixture{ts: ts, paths: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			f.mu.Lock()
			f.paths[r.URL.Path] = true
			f.mu.Unlock()
		}
		ts.H.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	f.k1 = ts.MustUser("k1@example.org", auth.Treasurer)
	f.k2 = ts.MustUser("k2@example.org", auth.Treasurer)
	for i := range 3 {
		f.members = append(f.members, ts.MustUser(fmt.Sprintf("m%d@example.org", i), auth.Committee))
	}
	ts.MustUser("admin@example.org", auth.Admin)
	f.admin2 = ts.MustUser("admin2@example.org", auth.Admin)
	ts.MustUser("auditor@example.org", auth.Auditor)
	ts.BankOpens(f.k1, 10000000, "") // money in the bank, as the bank loop brings it
	return f
}

// opened reports whether a browser opened a path the route pattern
// matches (":x" one segment, "*x" the rest).
func (f *fixture) opened(pattern string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	want := strings.Split(pattern, "/")
	for p := range f.paths {
		got := strings.Split(p, "/")
		if len(got) != len(want) && !strings.HasPrefix(want[len(want)-1], "*") {
			continue
		}
		ok := true
		for i, w := range want {
			if strings.HasPrefix(w, "*") {
				break
			}
			if i >= len(got) || (!strings.HasPrefix(w, ":") && w != got[i]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// api sends a JSON request as token and wants status.
func (f *fixture) api(t *testing.T, token, method, path, body string, status int) map[string]any {
	t.Helper()
	return f.ts.JSON(method, path, token, body).WantStatus(t, status).JSON
}

// application makes an application of group and takes it to state:
// draft, submitted, approved, paid or reported. It returns its id.
func (f *fixture) application(t *testing.T, group, state string) string {
	t.Helper()
	id := f.api(t, group, "POST", "/api/v1/applications", testserver.ApplicationBody, 201)["id"].(string)
	A := "/api/v1/applications/" + id
	steps := []string{"draft", "submitted", "approved", "paid", "reported"}
	for _, s := range steps[1 : slices.Index(steps, state)+1] {
		switch s {
		case "submitted":
			f.api(t, group, "POST", A+"/submit", ``, 200)
		case "approved":
			f.api(t, f.members[0], "POST", A+"/reviews", `{"score":4}`, 201)
			for _, m := range f.members {
				f.api(t, m, "POST", A+"/votes", `{"vote":"approve"}`, 201)
			}
			f.api(t, f.members[0], "POST", A+"/decision", `{"decision":"approved","amount":"500.00"}`, 200)
		case "paid":
			d := f.api(t, f.k1, "POST", A+"/disbursements", `{"amount":"500.00"}`, 201)
			f.api(t, f.k2, "POST", "/api/v1/disbursements/"+d["id"].(string)+"/release", ``, 200)
			f.ts.BankPays(f.k1)
		case "reported":
			f.api(t, group, "POST", A+"/report", `{"spent":"480.00","report":"Zwölf Treffen"}`, 200)
		}
	}
	return id
}

func setupApplicant(f *fixture, t *testing.T, run string) map[string]string {
	email := "group-" + run + "@example.org"
	group := f.ts.MustUser(email, auth.Applicant)
	// A group registered with its address to confirm: the link of its mail.
	confirm := "confirm-" + run + "@example.org"
	if err := f.ts.Auth.RegisterByMail(context.Background(), auth.Registration{Email: confirm, Name: "Lea", Password: testserver.Password, Lang: "de"}); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"group": email, "paid": f.application(t, group, "paid"), "draft": f.application(t, group, "draft"),
		"confirm": lastToken(t, f.ts, confirm, mail.ConfirmAddress)}
}

// setupAdmin makes a committee member whom a second admin asked to make
// an auditor too: the walking admin confirms that grant.
func setupAdmin(f *fixture, t *testing.T, run string) map[string]string {
	email := "staff-" + run + "@example.org"
	f.ts.MustUser(email, auth.Committee)
	users := f.api(t, f.admin2, "GET", "/api/v1/users?q="+url.QueryEscape(email), "", 200)["items"].([]any)
	id := users[0].(map[string]any)["id"].(string)
	u := f.api(t, f.admin2, "PATCH", "/api/v1/users/"+id, `{"roles":["committee","auditor"]}`, 200)
	// A cancelled pledge, whose donor asks to be erased.
	p := f.api(t, "", "POST", "/api/v1/donations", `{"amount":"20.00","donor":{"name":"Erika Mustermann","email":"erika@example.org"}}`, 201)
	f.api(t, f.k1, "POST", "/api/v1/donations/"+p["id"].(string)+"/cancel", "", 200)
	// Two donations for the council to accept or decline.
	council := func(amount, donor string) string {
		r := f.api(t, "", "POST", "/api/v1/donations", `{"amount":"`+amount+`","donor":{"name":"`+donor+`","city":"Osnabrück"}}`, 201)
		f.api(t, f.k1, "POST", "/api/v1/donations/"+r["id"].(string)+"/confirm", `{}`, 200)
		return r["id"].(string)
	}
	return map[string]string{"user": id, "grant": u["role_grant_id"].(string), "pledge": p["id"].(string), "pledgeref": p["reference"].(string),
		"council1": council("2500.00", "Stadtwerke Osnabrück AG"), "council2": council("3000.00", "Hans Huber")}
}

func setupCommittee(f *fixture, t *testing.T, run string) map[string]string {
	group := f.ts.MustUser("group-"+run+"@example.org", auth.Applicant)
	submitted := f.application(t, group, "submitted")
	A := "/api/v1/applications/" + submitted
	for _, m := range f.members[1:] {
		f.api(t, m, "POST", A+"/reviews", `{"score":3}`, 201)
		f.api(t, m, "POST", A+"/votes", `{"vote":"approve"}`, 201)
	}
	return map[string]string{"submitted": submitted, "reported": f.application(t, group, "reported")}
}

func setupTreasurer(f *fixture, t *testing.T, run string) map[string]string {
	group := f.ts.MustUser("group-"+run+"@example.org", auth.Applicant)
	donation := func(amount string) (id, ref string) {
		r := f.api(t, "", "POST", "/api/v1/donations", `{"amount":"`+amount+`","donor":{"name":"Erika Mustermann","email":"erika@example.org"}}`, 201)
		return r["id"].(string), r["reference"].(string)
	}
	pledge, ref := donation("25.00")
	pledge2, ref2 := donation("12.00")
	committee, _ := donation("150.00") // received, it waits for the committee's acceptance
	f.api(t, f.k1, "POST", "/api/v1/donations/"+committee+"/confirm", `{}`, 200)
	approved := f.application(t, group, "approved")
	d := f.api(t, f.k2, "POST", "/api/v1/applications/"+approved+"/disbursements", `{"amount":"50.00"}`, 201)
	day := fundus.DayOf(time.Now())
	st := f.ts.Do("POST", "/api/v1/bank/statements", f.k1, "application/xml", string(banktest.Camt053(banktest.Statement{
		ID: "S-" + run, IBAN: "DE89370400440532013000", From: day, To: day, NoBalances: true, Lines: []banktest.Line{
			{Date: day, Minor: 350, Debit: true, Name: "Sparkasse Osnabrück", Remittance: "Kontoführung " + run},
			{Date: day, Minor: 1200, Name: "Max Mustermann", IBAN: "DE02120300000000202051", Remittance: "Spende " + run},
		}}))).WantStatus(t, 201)
	if st.JSON["queued"] != 2.0 {
		t.Fatalf("statement %v", st.JSON)
	}
	lines := f.api(t, f.k1, "GET", "/api/v1/bank/transactions?status=queued", "", 200)["items"].([]any)
	vars := map[string]string{"pledge": pledge, "reference": ref, "pledge2": pledge2, "reference2": ref2, "approved": approved, "pending": d["id"].(string)}
	// Two received, accepted donations with the donor's address: one with
	// a receipt (the receipts page, the cancel step), one without (the
	// receipt step's button).
	for _, name := range []string{"accepted", "receipted"} {
		donor := `{"name":"Erika Mustermann","email":"erika@example.org","street":"Hauptstraße 1","postal_code":"49074","city":"Osnabrück"}`
		id := f.api(t, "", "POST", "/api/v1/donations", `{"amount":"30.00","receipt_requested":true,"donor":`+donor+`}`, 201)["id"].(string)
		f.api(t, f.k1, "POST", "/api/v1/donations/"+id+"/confirm", `{"received_at":"`+day+`"}`, 200)
		ledgertest.Exec(t, f.ts.Ledger.Writer, `UPDATE donations SET acceptance = 'accepted' WHERE id = $1`, id) // as the acceptance decision would
		vars[name] = id
	}
	r := f.api(t, f.k1, "POST", "/api/v1/donations/"+vars["receipted"]+"/receipt", "", 201)
	vars["receipt"], vars["number"] = r["id"].(string), r["number"].(string)
	for _, l := range lines {
		l := l.(map[string]any)
		if !strings.HasSuffix(fmt.Sprint(l["remittance"]), run) {
			continue
		}
		if l["direction"] == "debit" {
			vars["line"] = l["id"].(string)
		} else {
			vars["credit"] = l["id"].(string)
		}
	}
	return vars
}

// walker is one run of a walk: a browser context of its own in the shared
// browser, at one size, in one language.
type walker struct {
	tab
	f    *fixture
	axe  string
	dir  string
	run  string
	lang string
	size size
	vars map[string]string
	n    int
}

func newWalker(t *testing.T, browserCtx context.Context, f *fixture, axe, dir, run, lang string, sz size, vars map[string]string) *walker {
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // makes the tab; no timeout on this first call
		t.Fatal(err)
	}
	w := &walker{tab: tab{t, ctx}, f: f, axe: axe, dir: dir, run: run, lang: lang, size: sz, vars: vars}
	w.do(chromedp.EmulateViewport(sz.width, sz.height),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: axe})
			return err
		}),
		chromedp.Navigate(f.url+"/lang?to="+lang+"&back=/"), chromedp.WaitVisible(`main`))
	return w
}

var placeholder = regexp.MustCompile(`\{(\w+)\}`)

// expand replaces every {name} in s by the walk's value of name.
func (w *walker) expand(s string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		v, ok := w.vars[m[1:len(m)-1]]
		if !ok {
			w.t.Fatalf("the walk has no value %s", m)
		}
		return v
	})
}

func (w *walker) wait(sel string) {
	w.t.Helper()
	w.must(chromedp.WaitVisible(w.expand(sel)))
}

// must runs steps, and on an error saves the page as it is (…-failed.png)
// and fails the walk.
func (w *walker) must(steps ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		name := fmt.Sprintf("%s-%02d-failed", w.run, w.n+1)
		if png, err := chromedp.Run(w.ctx, chromedp.FullScreenshot(100)); err == nil {
			os.WriteFile(filepath.Join(w.dir, name+".png"), png, 0o644)
		}
		url, _ := chromedp.Run(w.ctx, chromedp.Location())
		w.t.Fatalf("%s (%s): %v", name, url, err)
	}
}

// submit clicks sel, which sends a form, and waits for the new page (the
// old one may hold the same elements).
func (w *walker) submit(sel string) {
	w.t.Helper()
	get(w.tab, chromedp.Evaluate[bool](`document.body.insertAdjacentHTML('beforeend', '<i id="stale-page"></i>'), true`))
	w.must(chromedp.Click(sel), chromedp.WaitNotPresent(`#stale-page`), chromedp.WaitVisible(`main`))
}

// step runs one step and checks the page it leads to.
func (w *walker) step(s step) {
	w.t.Helper()
	if s.path != "" {
		w.must(chromedp.Navigate(w.f.url + w.expand(s.path)))
	}
	if s.wait != "" {
		w.wait(s.wait)
	}
	if s.act != nil {
		s.act(w)
	}
	w.n++
	w.check(fmt.Sprintf("%s-%02d-%s", w.run, w.n, s.name))
}

// pageReport is what the checks in the page found.
type pageReport struct {
	Violations []struct {
		ID    string `json:"id"`
		Help  string `json:"help"`
		Nodes []struct {
			Target  []any  `json:"target"`
			Summary string `json:"failureSummary"`
		} `json:"nodes"`
	} `json:"violations"`
	ScrollWidth int      `json:"scrollWidth"`
	Width       int      `json:"width"`
	Summary     []string `json:"summary"`
	Unlinked    []string `json:"unlinked"`
	Focused     bool     `json:"focused"`
	Tables      []string `json:"tables"`
}

// pageChecks runs axe and the checks of what axe does not see.
const pageChecks = `(async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  const invalid = [...document.querySelectorAll('[aria-invalid=true]')].map(e => e.id);
  const summary = document.querySelector('.error-summary');
  const links = summary ? [...summary.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute('href').slice(1)) : [];
  const tables = [...document.querySelectorAll('table.cards')].filter(t => t.getAttribute('role') !== 'table' ||
      [...t.querySelectorAll('tr')].some(tr => tr.getAttribute('role') !== 'row') ||
      [...t.querySelectorAll('td')].some(td => td.getAttribute('role') !== 'cell') ||
      [...t.querySelectorAll('th')].some(th => !['columnheader', 'rowheader'].includes(th.getAttribute('role'))))
    .map(t => t.outerHTML.slice(0, 120));
  return {violations: r.violations, scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth,
    summary: links, unlinked: invalid.filter(id => !links.includes(id) || !document.getElementById(id)),
    focused: !summary || document.activeElement === summary, tables};
})()`

// check runs the page checks on the page the walk is on and saves its
// screenshot.
func (w *walker) check(name string) {
	w.t.Helper()
	png := get(w.tab, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(w.dir, name+".png"), png, 0o644); err != nil {
		w.t.Fatal(err)
	}
	var r pageReport
	raw := get(w.tab, chromedp.Evaluate[json.RawMessage](pageChecks, chromedp.EvalAwaitPromise))
	if err := json.Unmarshal(raw, &r); err != nil {
		w.t.Fatal(err)
	}
	url := get(w.tab, chromedp.Location())
	for _, v := range r.Violations {
		for _, n := range v.Nodes {
			w.t.Errorf("%s (%s): axe %s: %s at %v\n%s", name, url, v.ID, v.Help, n.Target, n.Summary)
		}
	}
	if r.ScrollWidth > r.Width {
		w.t.Errorf("%s (%s): the page is %d px wide in a %d px window (it scrolls sideways)", name, url, r.ScrollWidth, r.Width)
	}
	if len(r.Unlinked) > 0 {
		w.t.Errorf("%s (%s): the error summary does not link to the invalid fields %v (it links to %v)", name, url, r.Unlinked, r.Summary)
	}
	if !r.Focused {
		w.t.Errorf("%s (%s): the error summary does not have the focus", name, url)
	}
	for _, tbl := range r.Tables {
		w.t.Errorf("%s (%s): a card table without its roles (table, row, cell, columnheader), which a phone's layout would lose: %s", name, url, tbl)
	}
	if w.size.name == "phone" {
		w.cellRole(name, url)
	}
	if w.size.name == "desktop" && w.lang == "de" { // the rings are the same in English
		w.focusRings(name, url)
	}
}

// cellRole fails when Chromium's accessibility tree does not see a card
// table's cell as a table cell on the phone, where the cells are laid out
// as blocks. Chromium keeps a table's meaning under display:block on its
// own; Safari does not, which is why the card tables carry explicit roles
// and check (pageChecks) demands them.
func (w *walker) cellRole(name, url string) {
	w.t.Helper()
	td := get(w.tab, chromedp.Evaluate[*runtime.RemoteObject](`document.querySelector('table.cards tbody td')`))
	if td == nil || td.ObjectID == "" {
		return
	}
	nodes := get(w.tab, func(ctx context.Context, tg *chromedp.Target) ([]*accessibility.Node, error) {
		r, err := cdp.Call(ctx, tg, accessibility.GetPartialAXTree, accessibility.GetPartialAXTreeParams{ObjectID: td.ObjectID, FetchRelatives: new(false)})
		return r.Nodes, err
	})
	role := ""
	if len(nodes) > 0 && nodes[0].Role != nil {
		role = strings.Trim(string(nodes[0].Role.Value), `"`)
	}
	if role != "cell" && role != "gridcell" {
		w.t.Errorf("%s (%s): on the phone a card table's cell has the role %q for screen readers, not cell", name, url, role)
	}
}

// focusRing is how the focused element shows its focus: its outline and
// the outline's contrast to the background around it.
type focusRing struct {
	Element string  `json:"element"`
	Style   string  `json:"style"`
	Width   float64 `json:"width"`
	Ratio   float64 `json:"ratio"`
}

// focusRingOf measures the focused element's outline (WCAG 1.4.11: at least
// 3:1 against what is around it, here the nearest background colour).
const focusRingOf = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const lum = c => {
    const m = c.match(/[\d.]+/g).map(Number);
    if (m.length > 3 && m[3] === 0) return null;
    const [r, g, b] = m.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let bg = null;
  for (let e = el.parentElement; e && bg === null; e = e.parentElement) bg = lum(getComputedStyle(e).backgroundColor);
  if (bg === null) bg = 1;
  const cs = getComputedStyle(el), ol = lum(cs.outlineColor) ?? bg;
  return {element: el.tagName + (el.id ? '#' + el.id : '') + ' ' + (el.textContent || '').trim().slice(0, 30),
    style: cs.outlineStyle, width: parseFloat(cs.outlineWidth), ratio: (Math.max(ol, bg) + 0.05) / (Math.min(ol, bg) + 0.05)};
})()`

// focusRings tabs through the page, as a keyboard user does, and fails
// for a focused element whose ring is missing, thin or faint.
func (w *walker) focusRings(name, url string) {
	w.t.Helper()
	seen := map[string]bool{}
	for range 30 {
		w.do(chromedp.KeyEvent(kb.Tab))
		ring := get(w.tab, chromedp.Evaluate[*focusRing](focusRingOf))
		if ring == nil || seen[ring.Element] {
			continue
		}
		seen[ring.Element] = true
		if ring.Style == "none" || ring.Width < 2 || ring.Ratio < 3 {
			w.t.Errorf("%s (%s): the focus ring of %q is %s %.0fpx with a contrast of %.1f:1 (want at least 2px and 3:1)", name, url, ring.Element, ring.Style, ring.Width, ring.Ratio)
		}
	}
}

// axeSource is axe-core's script, installed by npm ci in testdata/axe
// (FUNDUS_AXE names another copy). Without it the walks skip, loudly, or
// fail where the browser tests are required (CI).
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("FUNDUS_AXE")
	if path == "" {
		path = filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("FUNDUS_TEST_REQUIRE_BROWSER") == "1" {
			t.Fatalf("no axe-core at %s (npm ci --prefix http/ui/testdata/axe), but FUNDUS_TEST_REQUIRE_BROWSER=1 requires the browser tests", path)
		}
		fmt.Fprintf(os.Stderr, "\n*** no axe-core at %s: the role walks are SKIPPED (npm ci --prefix http/ui/testdata/axe) ***\n", path)
		t.Skipf("role walks SKIPPED: no axe-core (npm ci --prefix http/ui/testdata/axe): %v", err)
	}
	return string(b)
}
