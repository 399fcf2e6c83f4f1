package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestRecognitionAPI: POST and PATCH take the recognition, GET shows it; a
// draft may lack it, submitting it may not; a notice older than five
// years or in the future is refused naming recognition.notice_date, and
// nothing is stored.
func TestRecognitionAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{FundName: "Integrationsfonds Osnabrück"})
		group := ts.MustUser("verein@example.org", auth.Applicant)
		without := func() map[string]any {
			var v map[string]any
			json.Unmarshal([]byte(testserver.ApplicationBody), &v)
			delete(v, "recognition")
			return v
		}
		body := func(v map[string]any) string { b, _ := json.Marshal(v); return string(b) }

		r := ts.JSON("POST", "/api/v1/applications", group, testserver.ApplicationBody).WantStatus(t, 201)
		rec, _ := r.JSON["recognition"].(map[string]any)
		if rec["kind"] != "nonprofit" || rec["notice"] != "Freistellungsbescheid, St.-Nr. 66/123/45678" || rec["notice_date"] != testserver.NoticeDate || rec["authority"] != "Finanzamt Osnabrück-Stadt" {
			t.Fatalf("recognition %v", r.JSON["recognition"])
		}

		id := ts.JSON("POST", "/api/v1/applications", group, body(without())).WantStatus(t, 201).JSON["id"].(string)
		A := "/api/v1/applications/" + id
		if got := ts.JSON("GET", A, group, "").WantStatus(t, 200).JSON; got["recognition"] != nil {
			t.Fatalf("draft without recognition shows %v", got["recognition"])
		}
		p := ts.JSON("POST", A+"/submit", group, "").WantProblem(t, 422, "validation")
		if f := p.FieldErrors(); len(f) != 1 || f[0] != "recognition.kind" {
			t.Fatalf("submit without: fields %v", f)
		}

		today, _ := time.Parse(time.DateOnly, fundus.DayOf(time.Now()))
		old := today.AddDate(-5, 0, -1).Format(time.DateOnly)
		future := today.AddDate(0, 0, 1).Format(time.DateOnly)
		for _, date := range []string{old, future} {
			p := ts.JSON("PATCH", A, group, `{"recognition":{"kind":"nonprofit","authority":"FA","notice":"Freistellungsbescheid","notice_date":"`+date+`"}}`).WantProblem(t, 422, "validation")
			if f := p.FieldErrors(); len(f) != 1 || f[0] != "recognition.notice_date" {
				t.Fatalf("notice of %s: fields %v", date, f)
			}
		}
		if !strings.Contains(ts.JSON("PATCH", A, group, `{"recognition":{"kind":"nonprofit","authority":"FA","notice":"F","notice_date":"`+old+`"}}`).Body.String(), "5 years") {
			t.Fatal("the message does not say why")
		}
		if got := ts.JSON("GET", A, group, "").JSON; got["recognition"] != nil {
			t.Fatalf("a refused PATCH stored %v", got["recognition"])
		}
		ts.JSON("PATCH", A, group, `{"recognition":{"kind":"public_body","authority":"Schulträger: Stadt Osnabrück","sponsor":"Gesamtschule Schinkel"}}`).WantStatus(t, 200)
		got := ts.JSON("POST", A+"/submit", group, "").WantStatus(t, 200).JSON
		if rec := got["recognition"].(map[string]any); rec["kind"] != "public_body" || rec["sponsor"] != "Gesamtschule Schinkel" || got["status"] != "submitted" {
			t.Fatalf("submitted %v", got)
		}
	})
}
