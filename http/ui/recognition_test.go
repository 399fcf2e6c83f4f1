package ui_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/server"
	"fundus/ledger/ledgertest"
)

// TestRecognitionPages: the apply page says who may apply; the form takes
// the recognition and refuses an old notice beside its field and in the
// error summary, storing nothing; the group's page shows it; submitting
// without it is refused on the page; the committee is warned of an
// application without it, on its page and in its queue.
func TestRecognitionPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := publicServer(t, d, server.Config{})
		for lang, want := range map[string]string{"de": "Feststellungsbescheid nach § 60a AO", "en": "apply through a recognised sponsor"} {
			if apply := ts.Browser(t, lang).Do("GET", "/apply", nil).Body.String(); !strings.Contains(apply, want) {
				t.Fatalf("%s: the apply page does not say who may apply", lang)
			}
		}
		ts.MustUser("verein@example.org", auth.Applicant)
		ts.MustUser("m0@example.org", auth.Committee)
		b := ts.SignedIn("verein@example.org", "de")
		form := b.Do("GET", "/apply/new", nil).Body.String()
		if !strings.Contains(form, `id="recognition_kind-nonprofit"`) || !strings.Contains(form, `id="recognition_notice_date"`) {
			t.Fatalf("the form lacks the recognition:\n%s", form)
		}
		fields := url.Values{"csrf_token": {b.CSRF(form)}, "title": {"Sprachcafé"}, "organisation": {"Nachbarn"}, "summary": {"s"},
			"description": {"d"}, "starts_on": {"2027-01-01"}, "ends_on": {"2027-02-01"}, "budget_item_0": {"Miete"}, "budget_amount_0": {"100"},
			"payee_holder": {"Verein"}, "payee_iban": {"DE89370400440532013000"},
			"recognition_kind": {"nonprofit"}, "recognition_authority": {"Finanzamt Osnabrück-Stadt"}, "recognition_notice": {"Freistellungsbescheid"},
			"recognition_notice_date": {time.Now().AddDate(-6, 0, 0).Format(time.DateOnly)}, "recognition_sponsor": {"Nachbarschaftshilfe e.V."}}
		page := b.Do("POST", "/apply/new", fields)
		summary := regexp.MustCompile(`(?s)<div class="error-summary"[^>]*autofocus>.*?</div>`).FindString(page.Body.String())
		if page.Code != 422 || !strings.Contains(page.Body.String(), `id="recognition_notice_date-error"`) || !strings.Contains(summary, "älter als fünf Jahre") {
			t.Fatalf("an old notice: %d, summary %q\n%s", page.Code, summary, page.Body.String())
		}
		var n int
		d.Get(&n, `SELECT count(*) FROM applications`)
		if n != 0 {
			t.Fatalf("%d applications stored", n)
		}
		noticeDate := fundus.DayOf(time.Now().AddDate(-1, 0, 0))
		fields.Set("recognition_notice_date", noticeDate)
		if r := b.Do("POST", "/apply/new", fields); r.Code != 303 {
			t.Fatalf("saving: %d\n%s", r.Code, r.Body)
		}
		var id string
		d.Get(&id, `SELECT id FROM applications`)
		own := b.Do("GET", "/grants/"+id, nil).Body.String()
		for _, s := range []string{"Freistellungsbescheid", noticeDate[8:10] + "." + noticeDate[5:7] + "." + noticeDate[:4], "Nachbarschaftshilfe e.V.", "Finanzamt Osnabrück-Stadt"} {
			if !strings.Contains(own, s) {
				t.Fatalf("the group's page lacks %q", s)
			}
		}

		// A draft without it is saved, but not submitted.
		fields.Del("recognition_kind")
		for _, k := range []string{"recognition_authority", "recognition_notice", "recognition_notice_date", "recognition_sponsor"} {
			fields.Set(k, "")
		}
		if r := b.Do("POST", "/apply/new", fields); r.Code != 303 {
			t.Fatalf("saving without recognition: %d\n%s", r.Code, r.Body)
		}
		var bare string
		d.Get(&bare, `SELECT id FROM applications WHERE recognition_kind = ''`)
		page = b.Do("POST", "/grants/"+bare+"/submit", url.Values{"csrf_token": {b.CSRF(own)}})
		if page.Code != 422 || !strings.Contains(page.Body.String(), `id="submit-recognition-kind-error"`) || !strings.Contains(page.Body.String(), "gemeinnützig") {
			t.Fatalf("submitting without: %d\n%s", page.Code, page.Body.String())
		}

		// An application from before recognition was asked for.
		group := ts.SignIn("verein@example.org")
		ts.JSON("PATCH", "/api/v1/applications/"+bare, group, `{"recognition":{"kind":"public_body"}}`).WantStatus(t, 200)
		ts.JSON("POST", "/api/v1/applications/"+bare+"/submit", group, "").WantStatus(t, 200)
		ledgertest.Exec(t, ts.Ledger.Writer, `UPDATE applications SET recognition_kind = '' WHERE id = $1`, bare)
		c := ts.SignedIn("m0@example.org", "en")
		if p := c.Do("GET", "/grants/"+bare, nil).Body.String(); !strings.Contains(p, `id="recognition-warning"`) || !strings.Contains(p, "No recognition") {
			t.Fatalf("the committee is not warned:\n%s", p)
		}
		if q := c.Do("GET", "/committee", nil).Body.String(); !strings.Contains(q, "no proof of non-profit status") {
			t.Fatalf("the queue does not warn:\n%s", q)
		}
	})
}
