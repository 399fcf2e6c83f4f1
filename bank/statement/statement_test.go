package statement

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fundus/errs"

	"golang.org/x/text/encoding/charmap"
)

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustParse(t *testing.T, data []byte) *File {
	t.Helper()
	f, err := Parse(bytes.NewReader(data), DefaultLimits)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("Parse succeeded, want %s", code)
	}
	if errs.CodeOf(err) != code {
		t.Fatalf("error %q has code %q, want %q", err, errs.CodeOf(err), code)
	}
	if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
		t.Fatalf("error %q has kind %v", err, k)
	}
}

func bal(date string, minor int64) *Balance { return &Balance{Date: date, Minor: minor} }

// TestParseSamples reads every statement sample: what account, statements
// and lines each gives, or why it is refused.
func TestParseSamples(t *testing.T) {
	type stmt struct {
		id, iban, from, to string
		lines, booked      int
		opening, closing   *Balance
	}
	for _, tc := range []struct {
		file   string
		format string
		stmts  []stmt
		code   errs.Code
	}{
		{file: "camt.053.001.02_ing-nl_example.xml", format: "camt.053.001.02", stmts: []stmt{
			{"201401030009999", "NL08INGB0000001234", "2014-01-03", "2014-01-03", 9, 9, bal("2014-01-03", 100000), bal("2014-01-03", 160500)}}},
		{file: "camt.052.001.02_vr-bank-rottal-inn.xml", format: "camt.052.001.02", stmts: []stmt{
			{"0352C5220131227110203", "DE58740618130100033626", "2013-12-27", "2013-12-27", 2, 2, bal("2013-12-27", 850), bal("2013-12-27", 1350)}}},
		{file: "own_camt.052.001.02_dk-style.xml", format: "camt.052.001.02", stmts: []stmt{
			{"camt052_FUNDUS_1", fundIBAN, "2026-03-02", "2026-03-03", 3, 2, bal("2026-03-01", 25000), bal("2026-03-02", 27550)}}},
		{file: "own_camt.052.001.08_intraday.xml", format: "camt.052.001.08", stmts: []stmt{
			{"camt0528_FUNDUS", fundIBAN, "2026-03-10", "2026-03-10", 2, 1, bal("2026-03-09", 10000), bal("2026-03-10", 6600)}}},
		{file: "own_camt.053.001.08_sub-account.xml", format: "camt.053.001.08", stmts: []stmt{
			{"7", "UDEEURFUNDUSDEFFXXX1SCL1", "2026-07-08", "2026-07-08", 3, 3, bal("2026-07-08", 0), bal("2026-07-08", 0)}}},
		{file: "own_camt.053.001.08_two-statements-batch.xml", format: "camt.053.001.08", stmts: []stmt{
			{"2026-04-01", fundIBAN, "2026-04-01", "2026-04-01", 1, 1, bal("2026-03-31", 100000), bal("2026-04-01", 105000)},
			{"2026-04-02", fundIBAN, "2026-04-02", "2026-04-02", 4, 4, bal("2026-04-01", 105000), bal("2026-04-02", 109500)}}},
		{file: "csv-camt_sparkasse_beancount-sparkasse.csv", format: "csv-camt", stmts: []stmt{
			{"", "DE17123456780000000001", "2026-01-28", "2026-03-12", 4, 3, nil, nil},
			{"", "DE87123456780000000099", "2026-02-03", "2026-02-03", 1, 1, nil, nil}}},
		// genkgo's synthetic statements close at -27.00 (DBIT, in SEK) after 18.15 + 8.85.
		{file: "camt.053.001.02_genkgo_minimal.xml", code: CodeUnbalanced},
		{file: "camt.053.001.08_genkgo_v8.xml", code: CodeUnbalanced},
		// genkgo's batch debits 200000 SEK and itemises 9.50 CHF.
		{file: "camt.054.001.08_genkgo_v8.xml", code: CodeMalformed},
		{file: "mt940_sparkasse-buxtehude.sta", code: CodeUnsupported},
		{file: "own_mt940.sta", code: CodeUnsupported},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := Parse(bytes.NewReader(mustRead(t, tc.file)), DefaultLimits)
			if tc.code != "" {
				wantCode(t, err, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Format != tc.format || len(f.Statements) != len(tc.stmts) {
				t.Fatalf("format %s with %d statements, want %s with %d", f.Format, len(f.Statements), tc.format, len(tc.stmts))
			}
			for i, want := range tc.stmts {
				s := f.Statements[i]
				booked := 0
				for _, l := range s.Lines {
					if l.Booked {
						booked++
					}
					if l.Direction != Credit && l.Direction != Debit || l.Minor < 0 || l.Currency == "" {
						t.Errorf("line %+v", l)
					}
				}
				got := stmt{s.ID, s.AccountIBAN, s.From, s.To, len(s.Lines), booked, s.Opening, s.Closing}
				if got.id != want.id || got.iban != want.iban || got.from != want.from || got.to != want.to ||
					got.lines != want.lines || got.booked != want.booked ||
					!sameBalance(got.opening, want.opening) || !sameBalance(got.closing, want.closing) {
					t.Errorf("statement %d:\n got %+v %v %v\nwant %+v %v %v", i, got, got.opening, got.closing, want, want.opening, want.closing)
				}
			}
		})
	}
}

func sameBalance(a, b *Balance) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func TestParseLines(t *testing.T) {
	t.Run("ING reversal keeps its direction", func(t *testing.T) {
		s := mustParse(t, mustRead(t, "camt.053.001.02_ing-nl_example.xml")).Statements[0]
		rev := s.Lines[8]
		if !rev.Reversal || rev.Direction != Debit || rev.Minor != 3000 || rev.ValueDate != "2013-12-20" {
			t.Errorf("reversal %+v", rev)
		}
		if unitemised := s.Lines[3]; unitemised.Minor != 27000 || unitemised.CounterpartyName != "" || unitemised.BankReference != "3102766686999" {
			t.Errorf("batch without details %+v", unitemised)
		}
	})
	t.Run("batch, split remittance, reversal", func(t *testing.T) {
		f := mustParse(t, mustRead(t, "own_camt.053.001.08_two-statements-batch.xml"))
		want := []Line{
			{BookingDate: "2026-04-01", ValueDate: "2026-04-01", Minor: 5000, Currency: "EUR", Direction: Credit, Booked: true,
				CounterpartyName: "Anna Apfel", CounterpartyIBAN: "DE89370400440532013000",
				Remittance: "Spende Jugendzentrum FUND-7K3M-Q9TX danke", BankReference: "REF-0401-1", BankText: "SEPA-GUTSCHRIFT"},
			{BookingDate: "2026-04-02", ValueDate: "2026-04-02", Minor: 1000, Currency: "EUR", Direction: Credit, Booked: true,
				CounterpartyName: "Berta Birne", CounterpartyIBAN: "DE75512108001245126199", Remittance: "FUND-AAAA-BBBB",
				EndToEndID: "E2E-A", BankReference: "REF-0402-1-A", BankText: "SAMMLER-GUTSCHRIFT"},
			{BookingDate: "2026-04-02", ValueDate: "2026-04-02", Minor: 2500, Currency: "EUR", Direction: Credit, Booked: true,
				CounterpartyName: "Carl Cassis", Remittance: "RF18539007547034",
				EndToEndID: "E2E-B", BankReference: "REF-0402-1-B", BankText: "SAMMLER-GUTSCHRIFT"},
			{BookingDate: "2026-04-02", ValueDate: "2026-04-02", Minor: 3000, Currency: "EUR", Direction: Credit, Booked: true,
				CounterpartyName: "Dora Dattel", Remittance: "Spende",
				EndToEndID: "E2E-C", BankReference: "REF-0402-1-C", BankText: "SAMMLER-GUTSCHRIFT"},
			{BookingDate: "2026-04-02", ValueDate: "2026-03-30", Minor: 2000, Currency: "EUR", Direction: Debit, Reversal: true, Booked: true,
				CounterpartyName: "Emil Eile", CounterpartyIBAN: "DE44500105175407324931", Remittance: "Rueckbuchung",
				EndToEndID: "E2E-R", BankReference: "REF-0402-2", BankText: "STORNO"},
		}
		got := append(f.Statements[0].Lines, f.Statements[1].Lines...)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("line %d:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
	})
	t.Run("FinTS report", func(t *testing.T) {
		lines := mustParse(t, mustRead(t, "own_camt.052.001.02_dk-style.xml")).Statements[0].Lines
		want := Line{BookingDate: "2026-03-02", ValueDate: "2026-03-02", Minor: 2500, Currency: "EUR", Direction: Credit, Booked: true,
			CounterpartyName: "Jürgen Müßig", CounterpartyIBAN: "DE89370400440532013000", Remittance: "Spende FUND-7K3M-Q9TX",
			BankText: "GUTSCHR. UEBERWEISUNG"}
		if lines[0] != want {
			t.Errorf("got %+v\nwant %+v", lines[0], want)
		}
		if p := lines[2]; p.Booked || p.BookingDate != "2026-03-03" {
			t.Errorf("pending line %+v", p)
		}
	})
	t.Run("direct debit in v08", func(t *testing.T) {
		l := mustParse(t, mustRead(t, "own_camt.052.001.08_intraday.xml")).Statements[0].Lines[0]
		if l.Direction != Debit || l.CounterpartyName != "Stadtwerke Musterstadt" || l.CounterpartyIBAN != "DE33123456780000000004" ||
			l.EndToEndID != "FUNDUS-E2E-0001" || l.BankText != "FOLGELASTSCHRIFT" {
			t.Errorf("%+v", l)
		}
	})
	t.Run("intraday report between two ITBD", func(t *testing.T) {
		data := bytes.Replace(mustRead(t, "own_camt.052.001.08_intraday.xml"), []byte("<Cd>PRCD</Cd>"), []byte("<Cd>ITBD</Cd>"), 1)
		s := mustParse(t, data).Statements[0]
		if !sameBalance(s.Opening, bal("2026-03-09", 10000)) || !sameBalance(s.Closing, bal("2026-03-10", 6600)) {
			t.Errorf("opening %v, closing %v", s.Opening, s.Closing)
		}
	})
	t.Run("ITBD does not close an end-of-day statement", func(t *testing.T) {
		data := bytes.ReplaceAll(mustRead(t, "own_camt.052.001.08_intraday.xml"), []byte("camt.052.001.08"), []byte("camt.053.001.08"))
		data = bytes.ReplaceAll(data, []byte("BkToCstmrAcctRpt>"), []byte("BkToCstmrStmt>"))
		data = bytes.ReplaceAll(data, []byte("Rpt>"), []byte("Stmt>"))
		s := mustParse(t, data).Statements[0]
		if s.Opening == nil || s.Closing != nil {
			t.Errorf("opening %v, closing %v", s.Opening, s.Closing)
		}
	})
	t.Run("CSV-CAMT", func(t *testing.T) {
		lines := mustParse(t, mustRead(t, "csv-camt_sparkasse_beancount-sparkasse.csv")).Statements[0].Lines
		want := []Line{
			{BookingDate: "2026-02-15", ValueDate: "2026-02-15", Minor: 4217, Currency: "EUR", Direction: Debit, Booked: true,
				CounterpartyName: "Supermarkt GmbH", CounterpartyIBAN: "DE87123456780000000002", Remittance: "SUPERMARKT SAGT DANKE   1234567", BankText: "KARTENZAHLUNG"},
			{BookingDate: "2026-01-28", ValueDate: "2026-01-28", Minor: 250050, Currency: "EUR", Direction: Credit, Booked: true,
				CounterpartyName: "Arbeitgeber GmbH", CounterpartyIBAN: "DE60123456780000000003", Remittance: "Gehalt Januar 2026", BankText: "LOHN  GEHALT"},
			{BookingDate: "2026-03-12", ValueDate: "2026-03-12", Minor: 6800, Currency: "EUR", Direction: Debit, Booked: true,
				CounterpartyName: "Stadtwerke Musterstadt", CounterpartyIBAN: "DE33123456780000000004", Remittance: "Stromabschlag März", EndToEndID: "E2E-8891", BankText: "LASTSCHRIFT"},
			{BookingDate: "2026-02-16", Minor: 912, Currency: "EUR", Direction: Debit,
				CounterpartyName: "F000000123456", Remittance: "EC 12345678 160226101500 06", BankText: "SONSTIGER EINZUG"},
		}
		for i := range want {
			if lines[i] != want[i] {
				t.Errorf("line %d:\n got %+v\nwant %+v", i, lines[i], want[i])
			}
		}
	})
}

// latin1Camt is a camt.053.001.02 statement as an older export writes it,
// in ISO-8859-1.
const latin1Camt = `<?xml version="1.0" encoding="ISO-8859-1"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>L1</MsgId><CreDtTm>2026-02-01T06:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>Kontoauszug 2/2026</Id>
   <Acct><Id><IBAN>DE02120300000000202051</IBAN></Id><Ccy>EUR</Ccy></Acct>
   <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Dt><Dt>2026-01-31</Dt></Dt></Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1224.56</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-02-01</Dt></Dt></Bal>
   <Ntry>
    <Amt Ccy="EUR">1234.56</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-02-01</Dt></BookgDt><ValDt><Dt>2026-02-01</Dt></ValDt>
    <NtryDtls><TxDtls>
     <RltdPties><Dbtr><Nm>Gärtnerei Öztürk &amp; Söhne</Nm></Dbtr></RltdPties>
     <RmtInf><Ustrd>Spende für die Straßenfeste, Grüße</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
    <AddtlNtryInf>Überweisungsgutschr.</AddtlNtryInf>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>
`

func TestParseLatin1(t *testing.T) {
	data, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(latin1Camt))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(data, []byte(latin1Camt)) {
		t.Fatal("the fixture has no character outside ASCII")
	}
	s := mustParse(t, data).Statements[0]
	l := s.Lines[0]
	if l.CounterpartyName != "Gärtnerei Öztürk & Söhne" || l.Remittance != "Spende für die Straßenfeste, Grüße" ||
		l.BankText != "Überweisungsgutschr." || l.Minor != 123456 || *s.Opening != *bal("2026-01-31", -1000) {
		t.Errorf("%+v %+v", l, s.Opening)
	}

	t.Run("undeclared Latin-1 is broken UTF-8", func(t *testing.T) {
		undeclared := bytes.Replace(data, []byte(` encoding="ISO-8859-1"`), nil, 1)
		_, err := Parse(bytes.NewReader(undeclared), DefaultLimits)
		wantCode(t, err, CodeMalformed)
		if !strings.Contains(errs.Message(err), "UTF-8") {
			t.Errorf("message %q does not say what is wrong", errs.Message(err))
		}
	})
}

func TestParseCSVWindows1252(t *testing.T) {
	utf := mustRead(t, "csv-camt_sparkasse_beancount-sparkasse.csv")
	cp, err := charmap.Windows1252.NewEncoder().Bytes(utf)
	if err != nil {
		t.Fatal(err)
	}
	a, b := mustParse(t, utf), mustParse(t, cp)
	if a.Statements[0].Lines[2].Remittance != "Stromabschlag März" || b.Statements[0].Lines[2] != a.Statements[0].Lines[2] {
		t.Errorf("Windows-1252 gives %+v, UTF-8 %+v", b.Statements[0].Lines[2], a.Statements[0].Lines[2])
	}
}

func makeZip(t testing.TB, files map[string][]byte, order ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range order {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseZip(t *testing.T) {
	files := map[string][]byte{
		"2026-04-02_C53_DE02120300000000202051_EUR_000001.xml": mustRead(t, "own_camt.053.001.08_two-statements-batch.xml"),
		"2026-04-03_C53_DE02120300000000202051_EUR_000002.xml": genCamt053(3),
		"ing.xml": mustRead(t, "camt.053.001.02_ing-nl_example.xml"),
		"folder/": nil,
	}
	f := mustParse(t, makeZip(t, files, "folder/", "2026-04-02_C53_DE02120300000000202051_EUR_000001.xml", "2026-04-03_C53_DE02120300000000202051_EUR_000002.xml"))
	if f.Format != "zip(camt.053.001.08)" || len(f.Statements) != 3 || len(f.Statements[2].Lines) != 3 {
		t.Errorf("got %s with %d statements", f.Format, len(f.Statements))
	}
	f = mustParse(t, makeZip(t, files, "2026-04-02_C53_DE02120300000000202051_EUR_000001.xml", "ing.xml"))
	if f.Format != "zip(camt.053.001.08,camt.053.001.02)" || len(f.Statements) != 3 {
		t.Errorf("got %s with %d statements", f.Format, len(f.Statements))
	}
}

func TestParseUnbalanced(t *testing.T) {
	t.Run("closing balance", func(t *testing.T) {
		data := bytes.Replace(mustRead(t, "own_camt.053.001.08_two-statements-batch.xml"), []byte(">1095.00<"), []byte(">1095.01<"), 1)
		_, err := Parse(bytes.NewReader(data), DefaultLimits)
		wantCode(t, err, CodeUnbalanced)
		if msg := errs.Message(err); !strings.Contains(msg, `"2026-04-02"`) || !strings.Contains(msg, "1095.00") || !strings.Contains(msg, "1095.01") {
			t.Errorf("message %q names neither the statement nor both sums", msg)
		}
	})
	t.Run("pending lines do not count", func(t *testing.T) {
		data := bytes.Replace(mustRead(t, "own_camt.052.001.02_dk-style.xml"), []byte("<Sts>PDNG</Sts>"), []byte("<Sts>BOOK</Sts>"), 1)
		_, err := Parse(bytes.NewReader(data), DefaultLimits)
		wantCode(t, err, CodeUnbalanced)
	})
	t.Run("batch parts", func(t *testing.T) {
		data := bytes.Replace(mustRead(t, "own_camt.053.001.08_two-statements-batch.xml"), []byte(`<Amt Ccy="EUR">30.00</Amt>`), []byte(`<Amt Ccy="EUR">30.01</Amt>`), 1)
		_, err := Parse(bytes.NewReader(data), DefaultLimits)
		wantCode(t, err, CodeUnbalanced)
	})
}

func TestParseGenerated(t *testing.T) {
	f := mustParse(t, genCamt053(1000))
	if _, err := Parse(bytes.NewReader(genCamt053(11)), Limits{MaxLines: 10}); errs.CodeOf(err) != CodeTooLarge {
		t.Errorf("11 lines with MaxLines 10: %v", err)
	}
	if _, err := Parse(bytes.NewReader(genCamt053(11)), Limits{}); err != nil {
		t.Errorf("zero Limits do not take the defaults: %v", err)
	}
	if f.Format != "camt.053.001.08" || len(f.Statements[0].Lines) != 1000 {
		t.Fatalf("got %s with %d lines", f.Format, len(f.Statements[0].Lines))
	}
	if l := f.Statements[0].Lines[2]; l.Direction != Debit || l.Minor != 302 || l.CounterpartyName != "Spenderin Nummer 2" {
		t.Errorf("%+v", l)
	}
}

func BenchmarkParse10000Lines(b *testing.B) {
	data := genCamt053(10_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Parse(bytes.NewReader(data), DefaultLimits)
		if err != nil || len(f.Statements[0].Lines) != 10_000 {
			b.Fatal(err)
		}
	}
}
