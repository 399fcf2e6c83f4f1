package figures_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"fundus"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/figures"
	"fundus/ledger"
)

// report is a year's report with a hostile project and a chain head.
func report() *figures.Report {
	r := &figures.Report{Year: 2026, Currency: "EUR", GrantsApproved: fundus.EURCents(40000), GrantsPaid: fundus.EURCents(-1250),
		AvailableAtYearEnd: fundus.EURCents(40000),
		Projects:           []figures.YearLine{{Title: `=HYPERLINK("x")`, Organisation: "Café, Lingua e.V.", Approved: fundus.EURCents(40000), Paid: fundus.EURCents(-1250)}},
		ChainHead:          &ledger.ChainHead{Seq: 2, Hash: "ab12"}}
	r.Donations.Count, r.Donations.Sum = 3, fundus.EURCents(80000)
	return r
}

// TestReportDocuments: the annual report's JSON and CSV, line by line; the
// CSV defuses text and keeps amounts numbers.
func TestReportDocuments(t *testing.T) {
	for _, tc := range []struct {
		name   string
		report func() *figures.Report
		json   string
		csv    string
	}{
		{name: "a year with a project and a chain head", report: report,
			json: `{"year":2026,"currency":"EUR","donations":{"count":3,"sum":"800.00"},"projects":[{"title":"=HYPERLINK(\"x\")","organisation":"Café, Lingua e.V.","approved":"400.00","paid":"-12.50"}],"grants_approved":"400.00","grants_paid":"-12.50","available_at_year_end":"400.00","chain_head":{"seq":2,"hash":"ab12"}}`,
			csv: "year,line,title,organisation,approved,paid,count,amount,seq,hash\n" +
				"2026,donations received,,,,,3,800.00,,\n" +
				"2026,project,\"'=HYPERLINK(\"\"x\"\")\",\"Café, Lingua e.V.\",400.00,-12.50,,,,\n" +
				"2026,grants total,,,400.00,-12.50,,,,\n" +
				"2026,available at year end,,,,,,400.00,,\n" +
				"2026,chain head,,,,,,,2,ab12\n"},
		{name: "an empty ledger", report: func() *figures.Report {
			return &figures.Report{Year: 2024, Currency: "EUR", Projects: []figures.YearLine{}}
		},
			json: `{"year":2024,"currency":"EUR","donations":{"count":0,"sum":"0.00"},"projects":[],"grants_approved":"0.00","grants_paid":"0.00","available_at_year_end":"0.00"}`,
			csv: "year,line,title,organisation,approved,paid,count,amount,seq,hash\n" +
				"2024,donations received,,,,,0,0.00,,\n" +
				"2024,grants total,,,0.00,0.00,,,,\n" +
				"2024,available at year end,,,,,,0.00,,\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.report())
			if err != nil || string(b) != tc.json {
				t.Errorf("JSON %s (%v), want\n%s", b, err, tc.json)
			}
			var w strings.Builder
			if err := tc.report().WriteCSV(&w); err != nil || w.String() != tc.csv {
				t.Errorf("CSV (%v)\n%s\nwant\n%s", err, w.String(), tc.csv)
			}
		})
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

// TestReportCSVReturnsWriteErrors: a report that could not be written says
// so.
func TestReportCSVReturnsWriteErrors(t *testing.T) {
	if err := report().WriteCSV(failingWriter{}); !errors.Is(err, errDiskFull) {
		t.Fatalf("WriteCSV to a failing writer: %v, want %v", err, errDiskFull)
	}
}

// TestSummaryDocument: the fund's published figures, in the order and
// under the names of GET /api/v1/fund.
func TestSummaryDocument(t *testing.T) {
	f := &figures.Fund{Received: fundus.EURCents(80000), DonationsCount: 3, Granted: fundus.EURCents(40000), Paid: fundus.EURCents(10000),
		Available: fundus.EURCents(70000), Projects: []figures.Project{{Title: "a"}, {Title: "b"}}, Head: ledger.ChainHead{Seq: 7, Hash: "cd34"}}
	b, err := json.Marshal(f.Summary("Integrationsfonds"))
	want := `{"name":"Integrationsfonds","currency":"EUR","donations_received":"800.00","grants_awarded":"400.00","grants_paid":"100.00","available":"700.00","donations_pending":"0.00","donations_count":3,"projects_funded":2,"chain_head":{"seq":7,"hash":"cd34"}}`
	if err != nil || string(b) != want {
		t.Fatalf("JSON %s (%v), want\n%s", b, err, want)
	}
}

// TestYearReportOfAnEmptyLedger: no projects (an empty list, not null) and
// no chain head.
func TestYearReportOfAnEmptyLedger(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		r, err := figures.YearReport(context.Background(), d, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if r.Year != 2025 || r.Currency != "EUR" || r.Projects == nil || len(r.Projects) != 0 || r.ChainHead != nil || r.Donations.Sum.Minor != 0 {
			t.Fatalf("report of an empty ledger: %+v", r)
		}
	})
}
