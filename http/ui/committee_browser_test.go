package ui_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestCommitteeInTheBrowser shows a committee member's day in Chromium,
// in German and English, at phone (375 px) and desktop (1280 px) width:
// the queue, an application with reviews, the tally and a quorum out of
// reach, the confirmation step of a decision, and the page of a member
// who declared a conflict. No page scrolls sideways. Screenshots go to
// FUNDUS_SCREENSHOTS when set.
func TestCommitteeInTheBrowser(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ts := testserver.New(t, d, server.Config{})
	srv := httptest.NewServer(ts.H)
	defer srv.Close()
	tokens := map[string]string{}
	for _, m := range [][2]string{{"anna@example.org", "Anna Adler"}, {"bernd@example.org", "Bernd Brandt"}, {"cem@example.org", "Cem Çelik"}} {
		if _, err := ts.Auth.CreateUserFromCommandLine(context.Background(), auth.NewUser{Email: m[0], Name: m[1], Password: testserver.Password, Roles: []auth.Role{auth.Committee}}); err != nil {
			t.Fatal(err)
		}
		tokens[m[0]] = ts.SignIn(m[0])
	}
	anna, bernd, cem := tokens["anna@example.org"], tokens["bernd@example.org"], tokens["cem@example.org"]
	group := ts.MustUser("verein@example.org", auth.Applicant)
	apply := func(title string) string {
		body := strings.Replace(testserver.ApplicationBody, `"title":"Sprachcafé"`, `"title":"`+title+`"`, 1)
		body = strings.Replace(body, `"description":"Treffen"`, `"description":"Jeden Donnerstag treffen sich Neue und Alteingesessene im Stadtteiltreff.\nEhrenamtliche begleiten die Gespräche."`, 1)
		id := ts.JSON("POST", "/api/v1/applications", group, body).WantStatus(t, 201).JSON["id"].(string)
		ts.JSON("POST", "/api/v1/applications/"+id+"/submit", group, "").WantStatus(t, 200)
		return id
	}
	A := func(id string) string { return "/api/v1/applications/" + id }
	earlier := apply("Nähkurs 2026")
	ts.JSON("POST", A(earlier)+"/withdraw", group, "").WantStatus(t, 200)
	id := apply("Sprachcafé Schinkel")
	ts.JSON("POST", A(id)+"/reviews", bernd, `{"score":2,"comment":"Der Raum ist zu klein für 30 Leute."}`).WantStatus(t, 201)
	ts.JSON("POST", A(id)+"/reviews", cem, `{"score":3,"conflict_of_interest":true}`).WantStatus(t, 201)
	ts.JSON("POST", A(id)+"/reviews", anna, `{"score":4,"comment":"Gut geplant, klarer Bedarf."}`).WantStatus(t, 201)
	ts.JSON("POST", A(id)+"/votes", anna, `{"vote":"approve"}`).WantStatus(t, 201)
	ts.JSON("POST", A(id)+"/votes", bernd, `{"vote":"reject"}`).WantStatus(t, 201)
	apply("Elterncafé")
	third := apply("Chor der Nachbarschaft")
	for _, m := range []string{anna, bernd, cem} {
		ts.JSON("POST", A(third)+"/reviews", m, `{"score":2}`).WantStatus(t, 201)
		ts.JSON("POST", A(third)+"/votes", m, `{"vote":"reject"}`).WantStatus(t, 201)
	}

	for _, width := range []int{375, 1280} {
		ctx := browser(t, width, 900)
		p := tab{t, ctx}
		// Chromium's window is at least 500 px wide; the phone's width is emulated.
		p.do(chromedp.EmulateViewport(int64(width), 900))
		for _, lang := range []string{"de", "en"} {
			shot := func(name string) {
				t.Helper()
				if w := get(p, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > width {
					t.Errorf("%s (%s, %d px) scrolls sideways: %d px wide", name, lang, width, w)
				}
				screenshot(t, ctx, fmt.Sprintf("committee-%s-%s-%d", name, lang, width))
			}
			login := func(email string) {
				p.do(chromedp.Navigate(srv.URL+"/lang?to="+lang+"&back=/login"), chromedp.WaitVisible(`#email`),
					chromedp.SendKeys(`#email`, email), chromedp.SendKeys(`#password`, testserver.Password),
					chromedp.Click(`form button[type=submit].button`), chromedp.WaitVisible(`#queue-summary`))
			}
			login("anna@example.org")
			shot("queue")
			p.do(chromedp.Navigate(srv.URL+"/grants/"+id), chromedp.WaitVisible(`#quorum`))
			shot("application")
			p.do(chromedp.Navigate(srv.URL+"/grants/"+third), chromedp.WaitVisible(`#send-decision`),
				chromedp.Click(`#decision-rejected`), chromedp.Click(`#send-decision`), chromedp.WaitVisible(`#confirm-decision`))
			shot("decide-confirm")
			p.do(chromedp.Click(`header form button`), chromedp.WaitVisible(`a[href="/login"]`))
			login("cem@example.org")
			p.do(chromedp.Navigate(srv.URL+"/grants/"+id), chromedp.WaitVisible(`#conflict-note`))
			shot("conflict")
			p.do(chromedp.Click(`header form button`), chromedp.WaitVisible(`a[href="/login"]`))
		}
	}
}
