package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestCommitteePages walks the committee's rules on the pages, on both
// engines: the whole application on the member's page, no preselected
// score, vote or decision, other reviews only after one's own, no forms
// after a declared conflict, the tally by name, the quorum that three
// members with one conflict cannot reach (and what to do), the
// confirmation step before a decision, and the member's queue.
func TestCommitteePages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		member := func(email, name string) string {
			t.Helper()
			if _, err := ts.Auth.CreateUserFromCommandLine(context.Background(), auth.NewUser{Email: email, Name: name, Password: testserver.Password, Roles: []auth.Role{auth.Committee}}); err != nil {
				t.Fatal(err)
			}
			return ts.SignIn(email)
		}
		anna, bernd, cem := member("anna@example.org", "Anna Adler"), member("bernd@example.org", "Bernd Brandt"), member("cem@example.org", "Cem Çelik")
		group := ts.MustUser("verein@example.org", auth.Applicant)
		apply := func(title string) string {
			t.Helper()
			body := strings.Replace(testserver.ApplicationBody, `"title":"Sprachcafé"`, `"title":"`+title+`"`, 1)
			body = strings.Replace(body, `"description":"Treffen"`, `"description":"Jeden Donnerstag treffen sich Neue und Alteingesessene."`, 1)
			id := ts.JSON("POST", "/api/v1/applications", group, body).WantStatus(t, 201).JSON["id"].(string)
			ts.JSON("POST", "/api/v1/applications/"+id+"/submit", group, "").WantStatus(t, 200)
			return id
		}
		earlier := apply("Nähkurs 2026")
		ts.JSON("POST", "/api/v1/applications/"+earlier+"/withdraw", group, "").WantStatus(t, 200)
		id := apply("Sprachcafé Schinkel")
		page := "/grants/" + id

		login := func(email string) *testserver.Browserless { return ts.SignedIn(email, "en") }
		get := func(b *testserver.Browserless, path string) string {
			t.Helper()
			r := b.Do("GET", path, nil)
			if r.Code != 200 {
				t.Fatalf("GET %s: %d", path, r.Code)
			}
			return r.Body.String()
		}
		post := func(b *testserver.Browserless, action string, form url.Values) *http.Response {
			t.Helper()
			form.Set("csrf_token", b.CSRF(get(b, page)))
			return b.Do("POST", page+"/"+action, form).Result()
		}
		a, b, c := login("anna@example.org"), login("bernd@example.org"), login("cem@example.org")

		t.Run("the member signs in to the queue", func(t *testing.T) {
			x := ts.Browser(t, "en")
			form := x.Do("GET", "/login", nil)
			r := x.Do("POST", "/login", url.Values{"csrf_token": {x.CSRF(form.Body.String())}, "email": {"anna@example.org"}, "password": {testserver.Password}})
			if loc := r.Header().Get("Location"); r.Code != http.StatusSeeOther || loc != "/committee" {
				t.Fatalf("after sign-in: %d %s", r.Code, loc)
			}
			if !strings.Contains(get(x, "/"), `href="/committee"`) {
				t.Fatal("no committee entry in the menu")
			}
		})

		t.Run("the whole application, nothing preselected", func(t *testing.T) {
			body := get(a, page)
			for _, want := range []string{"Jeden Donnerstag treffen sich Neue und Alteingesessene.", `id="budget-total">€500.00`, "Miete", "€300.00",
				"DE89370400440532013000", "Café Lingua e.V.", "1 Jan 2027", "Nähkurs 2026", "withdrawn", `id="score-1"`, `id="send-review"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the member's page lacks %q", want)
				}
			}
			if strings.Contains(body, "checked") || strings.Contains(body, "selected") {
				t.Errorf("an input is preselected:\n%s", body)
			}
		})

		// Bernd reviews first; Anna does not see his review before hers.
		ts.JSON("POST", "/api/v1/applications/"+id+"/reviews", bernd, `{"score":2,"comment":"Bernds eigene Begründung"}`).WantStatus(t, 201)
		t.Run("other reviews only after one's own", func(t *testing.T) {
			if body := get(a, page); strings.Contains(body, "Bernds eigene Begründung") || !strings.Contains(body, `id="reviews-hidden"`) {
				t.Fatal("Anna sees Bernd's review before writing her own")
			}
			if r := post(a, "review", url.Values{"comment": {"Gut geplant"}}); r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("a review without a score: %d", r.StatusCode)
			}
			r := post(a, "review", url.Values{"score": {"4"}, "comment": {"Gut geplant"}})
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("review: %d", r.StatusCode)
			}
			body := get(a, r.Header.Get("Location"))
			if !strings.Contains(body, "Bernds eigene Begründung") || !strings.Contains(body, "Bernd Brandt") || !strings.Contains(body, "Your review is saved.") {
				t.Fatal("after her review, Anna does not see Bernd's by name, or no message says what happened")
			}
			if strings.Contains(body, "checked") {
				t.Fatal("the forms after a review preselect an input")
			}
		})

		t.Run("a declared conflict leaves no forms", func(t *testing.T) {
			if r := post(c, "review", url.Values{"score": {"3"}, "conflict_of_interest": {"1"}}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != page+"?done=conflict" {
				t.Fatalf("conflict: %d %s", r.StatusCode, r.Header.Get("Location"))
			}
			body := get(c, page+"?done=conflict")
			if !strings.Contains(body, "Your conflict of interest is recorded.") {
				t.Error("no message says the conflict is recorded")
			}
			for _, form := range []string{"/review\"", "/vote\"", "/decide\"", `id="send-vote"`, `id="send-review"`} {
				if strings.Contains(body, form) {
					t.Errorf("Cem, with a conflict, sees %s", form)
				}
			}
			if !strings.Contains(body, `id="conflict-note"`) || strings.Contains(body, "Bernds eigene Begründung") {
				t.Fatal("Cem lacks the note of his conflict, or sees the others' reviews")
			}
			// The rule holds behind the page too.
			if r := post(c, "vote", url.Values{"vote": {"approve"}}); r.StatusCode != http.StatusForbidden {
				t.Fatalf("Cem voted: %d", r.StatusCode)
			}
		})

		t.Run("the tally by name and a quorum out of reach", func(t *testing.T) {
			if r := post(a, "vote", url.Values{}); r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("a vote without a choice: %d", r.StatusCode)
			}
			for _, v := range []struct {
				b    *testserver.Browserless
				vote string
			}{{a, "approve"}, {b, "reject"}} {
				if r := post(v.b, "vote", url.Values{"vote": {v.vote}}); r.StatusCode != http.StatusSeeOther {
					t.Fatalf("vote: %d", r.StatusCode)
				}
			}
			body := get(a, page)
			tally := regexp.MustCompile(`(?s)<table id="tally">.*?</table>`).FindString(body)
			if !regexp.MustCompile(`Anna Adler(</bdi>)?</td><td>approve`).MatchString(tally) || !regexp.MustCompile(`Bernd Brandt(</bdi>)?</td><td>reject`).MatchString(tally) {
				t.Fatalf("tally without names: %s", tally)
			}
			quorum := regexp.MustCompile(`(?s)<div class="alert" id="quorum".*?</div>`).FindString(body)
			for _, want := range []string{"The quorum of 3 votes cannot be reached", "of 3 committee members, 1 declared", "ask an admin to add a committee member", "FUNDUS_QUORUM"} {
				if !strings.Contains(quorum, want) {
					t.Errorf("the quorum note lacks %q: %q", want, quorum)
				}
			}
			if strings.Contains(body, `id="send-decision"`) {
				t.Fatal("a decision form without the quorum")
			}
			de := ts.SignedIn("anna@example.org", "de-DE")
			if q := get(de, page); !strings.Contains(q, "Die nötigen 3 Stimmen sind nicht erreichbar") || !strings.Contains(q, "weiteres Ausschussmitglied") {
				t.Fatal("no German quorum note")
			}
		})

		// A second application waits for everyone's review; a third is
		// rejected by all three with the confirmation step.
		next := apply("Elterncafé")
		third := apply("Chor")
		for _, m := range []string{anna, bernd, cem} {
			ts.JSON("POST", "/api/v1/applications/"+third+"/reviews", m, `{"score":1}`).WantStatus(t, 201)
			ts.JSON("POST", "/api/v1/applications/"+third+"/votes", m, `{"vote":"reject"}`).WantStatus(t, 201)
		}

		t.Run("the queue", func(t *testing.T) {
			body := get(a, "/committee")
			section := func(id string) string {
				return regexp.MustCompile(`(?s)id="` + id + `".*?(</table>|</p>)`).FindString(body)
			}
			for id, want := range map[string]string{"to-review": next, "to-decide": third, "waiting": id} {
				if !strings.Contains(section(id), want) {
					t.Errorf("%s lacks %s:\n%s", id, want, section(id))
				}
			}
			for _, want := range []string{"Waiting for your review (1)", "Waiting for your vote (0)", "waiting for a decision (1)", "Open, nothing to do for you now (1)",
				"quorum cannot be reached", "Applications waiting for your review, vote or decision: 2."} {
				if !strings.Contains(body, want) {
					t.Errorf("the queue lacks %q", want)
				}
			}
			if cq := get(c, "/committee"); !strings.Contains(cq, "you declared a conflict of interest") {
				t.Error("Cem's queue does not say he declared a conflict")
			}
		})

		t.Run("a decision with its confirmation step", func(t *testing.T) {
			p := "/grants/" + third
			r := a.Do("POST", p+"/decide", url.Values{"csrf_token": {a.CSRF(get(a, p))}, "conditions": {"x"}})
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), `id="decision-error"`) {
				t.Fatalf("a decision without a choice: %d", r.Code)
			}
			r = a.Do("POST", p+"/decide", url.Values{"csrf_token": {a.CSRF(get(a, p))}, "decision": {"rejected"}, "conditions": {"Bitte neu einreichen"}})
			if r.Code != 200 || !strings.Contains(r.Body.String(), `id="confirm-decision"`) {
				t.Fatalf("no confirmation step: %d", r.Code)
			}
			if body := get(a, p); !strings.Contains(body, `id="grant-status">in review`) {
				t.Fatal("the first step decided")
			}
			form := url.Values{"csrf_token": {a.CSRF(r.Body.String())}, "confirmed": {"1"}}
			for _, f := range []string{"decision", "amount", "conditions"} {
				form.Set(f, regexp.MustCompile(`name="` + f + `" value="([^"]*)"`).FindStringSubmatch(r.Body.String())[1])
			}
			r = a.Do("POST", p+"/decide", form)
			if r.Code != http.StatusSeeOther {
				t.Fatalf("confirmed decision: %d", r.Code)
			}
			body := get(a, r.Header().Get("Location"))
			if !strings.Contains(body, `id="grant-status">rejected`) || !strings.Contains(body, "The decision is recorded: rejected.") {
				t.Fatal("after the decision the page does not say what happened")
			}
			if q := get(a, "/committee"); !strings.Contains(regexp.MustCompile(`(?s)id="decided".*?</table>`).FindString(q), third) {
				t.Fatal("the decided application is not listed as decided")
			}
		})
	})
}
