package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
	"fundus/ledger"
)

// approveHostileProject has a project whose title and organisation are
// formulas approved for 400.00, and returns its year.
func approveHostileProject(t *testing.T, ts *testserver.Server, title, organisation string) int {
	t.Helper()
	group := ts.MustUser("verein@example.org", auth.Applicant)
	var m []string
	for i := 0; i < 3; i++ {
		m = append(m, ts.MustUser(fmt.Sprintf("m%d@example.org", i), auth.Committee))
	}
	ts.BankDonation(ts.MustUser("kasse@example.org", auth.Treasurer), "800.00") // money enters the bank with its bank line
	body := strings.Replace(testserver.ApplicationBody, `"title":"Sprachcafé","organisation":"Café Lingua e.V."`,
		`"title":`+strconv.Quote(title)+`,"organisation":`+strconv.Quote(organisation), 1)
	A := "/api/v1/applications/" + ts.JSON("POST", "/api/v1/applications", group, body).WantStatus(t, 201).JSON["id"].(string)
	ts.JSON("POST", A+"/submit", group, ``).WantStatus(t, 200)
	for _, who := range m {
		ts.JSON("POST", A+"/reviews", who, `{"score":4,"comment":"gut"}`).WantStatus(t, 201)
		ts.JSON("POST", A+"/votes", who, `{"vote":"approve"}`).WantStatus(t, 201)
	}
	ts.JSON("POST", A+"/decision", m[0], `{"decision":"approved","amount":"400.00"}`).WantStatus(t, 200)
	return time.Now().In(fundus.Berlin).Year()
}

// TestReportCSVIsSpreadsheetSafe: the annual report's CSV defuses a project
// title and organisation that are formulas, and its amounts stay numbers.
func TestReportCSVIsSpreadsheetSafe(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		title, org := `=HYPERLINK("http://evil.example","Bericht")`, "@SUM(1+1)"
		year := approveHostileProject(t, ts, title, org)
		r := ts.Do("GET", fmt.Sprintf("/api/v1/fund/report?year=%d&format=csv", year), "", "", "").WantStatus(t, 200)
		rows, err := csv.NewReader(bytes.NewReader(r.Body.Bytes())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		numbers := map[string]bool{"year": true, "approved": true, "paid": true, "count": true, "amount": true}
		found := false
		for _, row := range rows[1:] {
			for i, cell := range row {
				if numbers[rows[0][i]] {
					if _, err := decimal.NewFromString(cell); cell != "" && err != nil {
						t.Errorf("%s %q is not a number", rows[0][i], cell)
					}
				} else if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("%s %q starts a formula", rows[0][i], cell)
				}
			}
			if row[1] == "project" {
				found = row[2] == "'"+title && row[3] == "'"+org && row[4] == "400.00"
			}
		}
		if !found {
			t.Fatalf("no defused project line in\n%s", r.Body)
		}
	})
}

// TestChainHeadIsPublished: GET /api/v1/fund, the fund page (both
// languages), the annual report's JSON, CSV and page all carry the chain
// head: the newest entry's sequence number and full hash.
func TestChainHeadIsPublished(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		r := ts.JSON("GET", "/api/v1/fund", "", "").WantStatus(t, 200)
		if h := r.JSON["chain_head"].(map[string]any); h["seq"] != float64(0) || h["hash"] != ledger.GenesisHash {
			t.Fatalf("empty ledger: chain_head %v", h)
		}
		year := approveHostileProject(t, ts, "Sprachcafé", "Café Lingua e.V.")
		head, err := ledger.ReadChainHead(context.Background(), ts.DB)
		if err != nil || head.Seq != 2 {
			t.Fatalf("head %+v %v", head, err)
		}

		r = ts.JSON("GET", "/api/v1/fund", "", "").WantStatus(t, 200)
		if h := r.JSON["chain_head"].(map[string]any); h["seq"] != float64(head.Seq) || h["hash"] != head.Hash {
			t.Fatalf("GET /api/v1/fund: chain_head %v, want %+v", h, head)
		}
		for _, lang := range []string{"de", "en"} {
			page := ts.DoWithHeaders("GET", "/", "", "", map[string]string{"Accept-Language": lang}).WantStatus(t, 200).Body.String()
			if !strings.Contains(page, `id="chain-head" data-seq="2">`+head.Hash+"</code>") || !strings.Contains(page, "--head 2:HASH") {
				t.Fatalf("the fund page (%s) lacks the chain head %s:\n%s", lang, head, page)
			}
		}

		r = ts.JSON("GET", fmt.Sprintf("/api/v1/fund/report?year=%d", year), "", "").WantStatus(t, 200)
		if h, _ := r.JSON["chain_head"].(map[string]any); h == nil || h["seq"] != float64(head.Seq) || h["hash"] != head.Hash {
			t.Fatalf("report: chain_head %v, want %+v", r.JSON["chain_head"], head)
		}
		csvBody := ts.Do("GET", fmt.Sprintf("/api/v1/fund/report?year=%d&format=csv", year), "", "", "").WantStatus(t, 200).Body.String()
		if !strings.Contains(csvBody, fmt.Sprintf("%d,chain head,,,,,,,2,%s\n", year, head.Hash)) {
			t.Fatalf("report CSV lacks the chain head:\n%s", csvBody)
		}
		page := ts.Do("GET", fmt.Sprintf("/report?year=%d", year), "", "", "").WantStatus(t, 200).Body.String()
		if !strings.Contains(page, `data-seq="2">`+head.Hash+"</code>") {
			t.Fatalf("the report page lacks the chain head:\n%s", page)
		}
	})
}

// TestBalanceBeyondTheLimitIs422: with FUNDUS_MAX_AMOUNT at its largest, a
// manual entry that would take a balance beyond ±ledger.MaxBalance is a
// validation problem naming the posting, not a wrapped balance.
func TestBalanceBeyondTheLimitIs422(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		ts.Ledger.MaxAmount = ledger.MaxBalance
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		entry := `{"memo":"fees","postings":[{"account":"expenses:bank-fees","amount":"10000000000000.00"},{"account":"equity:opening-balance","amount":"-10000000000000.00"}]}`
		ts.JSON("POST", "/api/v1/ledger/entries", kasse, entry).WantStatus(t, 201)
		r := ts.JSON("POST", "/api/v1/ledger/entries", kasse, entry).WantProblem(t, 422, "validation")
		if f := r.FieldErrors(); len(f) != 1 || f[0] != "postings[0].amount" {
			t.Fatalf("fields %v, want postings[0].amount", f)
		}
	})
}
