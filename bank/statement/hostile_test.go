package statement

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"fundus/errs"
)

// endless reads as a file that claims to be far larger than any limit.
type endless struct {
	prefix []byte
	fill   byte
	read   int64
}

func (e *endless) Read(p []byte) (int, error) {
	n := copy(p, e.prefix)
	e.prefix = e.prefix[n:]
	for i := n; i < len(p); i++ {
		p[i] = e.fill
	}
	e.read += int64(len(p))
	return len(p), nil
}

// rows reads as a CSV-CAMT file of n rows, made while it is read.
type rows struct {
	n, i int
	buf  bytes.Buffer
}

func (r *rows) Read(p []byte) (int, error) {
	for r.buf.Len() < len(p) && r.i <= r.n {
		if r.i == 0 {
			r.buf.WriteString(`"Auftragskonto";"Buchungstag";"Valutadatum";"Buchungstext";"Verwendungszweck";"Kundenreferenz (End-to-End)";"Beguenstigter/Zahlungspflichtiger";"Kontonummer/IBAN";"Betrag";"Waehrung";"Info"` + "\r\n")
		} else {
			fmt.Fprintf(&r.buf, "\"%s\";\"01.03.26\";\"01.03.26\";\"\";\"\";\"\";\"\";\"\";\"1,00\";\"EUR\";\"Umsatz gebucht\"\r\n", fundIBAN)
		}
		r.i++
	}
	if r.buf.Len() == 0 {
		return 0, io.EOF
	}
	return r.buf.Read(p)
}

// refusedFast parses r and checks that it is refused with code, in little
// time and memory.
func refusedFast(t *testing.T, r io.Reader, lim Limits, code errs.Code) error {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Parse(r, lim)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	wantCode(t, err, code)
	if took > 5*time.Second {
		t.Errorf("refusing took %v", took)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
		t.Errorf("refusing allocated %d MiB", alloc>>20)
	}
	return err
}

func TestParseHostile(t *testing.T) {
	t.Run("entity expansion", func(t *testing.T) {
		doc := `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Id>&lol3;</Id></Stmt></BkToCstmrStmt></Document>`
		refusedFast(t, strings.NewReader(doc), DefaultLimits, CodeMalformed)
	})
	t.Run("external entity", func(t *testing.T) {
		doc := `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>`
		refusedFast(t, strings.NewReader(doc), DefaultLimits, CodeMalformed)
	})
	t.Run("undeclared entity", func(t *testing.T) {
		doc := `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>`
		refusedFast(t, strings.NewReader(doc), DefaultLimits, CodeMalformed)
	})
	t.Run("2 GB claim", func(t *testing.T) {
		r := &endless{prefix: []byte(`<?xml version="1.0"?><Document>`), fill: ' '}
		refusedFast(t, r, DefaultLimits, CodeTooLarge)
		if r.read > DefaultLimits.MaxBytes+1<<20 {
			t.Errorf("read %d bytes", r.read)
		}
	})
	t.Run("a million CSV lines", func(t *testing.T) {
		refusedFast(t, &rows{n: 1_000_000}, DefaultLimits, CodeTooLarge)
	})
	t.Run("more lines than MaxLines", func(t *testing.T) {
		err := refusedFast(t, &rows{n: DefaultLimits.MaxLines + 1}, DefaultLimits, CodeTooLarge)
		if !strings.Contains(errs.Message(err), "100000 lines") {
			t.Errorf("message %q", errs.Message(err))
		}
	})
	t.Run("a million transactions in one entry", func(t *testing.T) {
		doc := `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Id>1</Id>` +
			`<Ntry><Amt Ccy="EUR">1.00</Amt><NtryDtls>` + strings.Repeat("<TxDtls/>", 1_000_000) + `</NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>`
		err := refusedFast(t, strings.NewReader(doc), DefaultLimits, CodeTooLarge)
		if !strings.Contains(errs.Message(err), "lines") {
			t.Errorf("message %q", errs.Message(err))
		}
	})
	t.Run("broken UTF-8", func(t *testing.T) {
		data := bytes.Replace(mustRead(t, "own_camt.052.001.02_dk-style.xml"), []byte("Jürgen"), []byte("J\xfcrgen"), 1)
		refusedFast(t, bytes.NewReader(data), DefaultLimits, CodeMalformed)
	})
	t.Run("ZIP bomb", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "bomb.xml", Method: zip.Deflate})
		zeros := make([]byte, 1<<20)
		copy(zeros, `<?xml version="1.0"?>`)
		w.Write(zeros)
		for range 199 {
			w.Write(make([]byte, 1<<20))
		}
		zw.Close()
		if buf.Len() > 1<<20 {
			t.Fatalf("the bomb is %d bytes", buf.Len())
		}
		refusedFast(t, bytes.NewReader(buf.Bytes()), DefaultLimits, CodeTooLarge)
	})
	t.Run("ZIP lying about its sizes", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "a.xml", Method: zip.Deflate})
		w.Write(genCamt053(200))
		zw.Close()
		data := buf.Bytes()
		cd := bytes.Index(data, []byte("PK\x01\x02"))
		binary.LittleEndian.PutUint32(data[cd+24:], 100) // uncompressed size
		refusedFast(t, bytes.NewReader(data), DefaultLimits, CodeMalformed)
	})
	t.Run("unzipped total", func(t *testing.T) {
		one := genCamt053(1000)
		lim := DefaultLimits
		lim.MaxUnzipped = int64(len(one))*2 + 10
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for i := range 3 {
			w, _ := zw.Create(fmt.Sprintf("%d.xml", i))
			w.Write(one)
		}
		zw.Close()
		err := refusedFast(t, bytes.NewReader(buf.Bytes()), lim, CodeTooLarge)
		if !strings.Contains(errs.Message(err), "unpacks to more than") {
			t.Errorf("message %q", errs.Message(err))
		}
	})
	t.Run("thousands of ZIP entries", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for i := range 5000 {
			zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprint(i), Method: zip.Store})
		}
		zw.Close()
		refusedFast(t, bytes.NewReader(buf.Bytes()), DefaultLimits, CodeTooLarge)
	})
	t.Run("nested ZIP", func(t *testing.T) {
		inner := makeZip(t, map[string][]byte{"a.xml": genCamt053(1)}, "a.xml")
		outer := makeZip(t, map[string][]byte{"inner.zip": inner}, "inner.zip")
		err := refusedFast(t, bytes.NewReader(outer), DefaultLimits, CodeUnsupported)
		if !strings.Contains(errs.Message(err), "inner.zip") {
			t.Errorf("message %q does not name the entry", errs.Message(err))
		}
	})
	t.Run("MT940 in a ZIP", func(t *testing.T) {
		refusedFast(t, bytes.NewReader(makeZip(t, map[string][]byte{"a.sta": mustRead(t, "own_mt940.sta")}, "a.sta")), DefaultLimits, CodeUnsupported)
	})
	t.Run("empty ZIP", func(t *testing.T) {
		refusedFast(t, bytes.NewReader(makeZip(t, nil)), DefaultLimits, CodeMalformed)
	})
}

func TestParseRefused(t *testing.T) {
	ntry := func(amt string) string {
		return `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Id>1</Id>` +
			`<Acct><Id><IBAN>` + fundIBAN + `</IBAN></Id></Acct><Ntry><Amt Ccy="EUR">` + amt + `</Amt><CdtDbtInd>CRDT</CdtDbtInd>` +
			`<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-01-01</Dt></BookgDt></Ntry></Stmt></BkToCstmrStmt></Document>`
	}
	csvRow := func(amount, info string) string {
		return `"Auftragskonto";"Buchungstag";"Betrag";"Waehrung";"Info"` + "\n" + `"` + fundIBAN + `";"01.03.26";"` + amount + `";"EUR";"` + info + `"` + "\n"
	}
	if _, err := Parse(strings.NewReader(ntry("12.30")), DefaultLimits); err != nil {
		t.Fatalf("the template itself is refused: %v", err)
	}
	if _, err := Parse(strings.NewReader(csvRow("-1.234,50", "Umsatz vorgemerkt")), DefaultLimits); err != nil {
		t.Fatalf("the CSV template itself is refused: %v", err)
	}
	for _, tc := range []struct {
		name, data string
		code       errs.Code
		says       string // a part of the message, where the code alone does not tell why
	}{
		{"empty", "", CodeUnsupported, ""},
		{"text", "Kontoauszug vom 1. Maerz", CodeUnsupported, ""},
		{"CSV-MT940", `"Auftragskonto";"Buchungstag";"Valutadatum";"Buchungstext";"Verwendungszweck";"Beguenstigter/Zahlungspflichtiger";"Kontonummer";"BLZ";"Betrag";"Waehrung";"Info"` + "\n", CodeUnsupported, ""},
		{"pain.001", `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>`, CodeUnsupported, ""},
		{"camt.053.001.13", `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.13"/>`, CodeUnsupported, ""},
		{"no namespace", `<Document><BkToCstmrStmt/></Document>`, CodeUnsupported, ""},
		{"wrong message element", `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrAcctRpt/></Document>`, CodeMalformed, ""},
		{"two documents", ntry("1.00") + ntry("1.00"), CodeMalformed, "second XML document"},
		{"line in another currency", strings.Replace(strings.Replace(latin1Camt, `encoding="ISO-8859-1"`, "", 1), `<Amt Ccy="EUR">1234.56`, `<Amt Ccy="USD">1234.56`, 1), CodeMalformed, "in USD"},
		{"unclosed XML", `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>`, CodeMalformed, ""},
		{"UTF-16", `<?xml version="1.0" encoding="UTF-16"?><Document/>`, CodeMalformed, ""},
		{"three decimals", ntry("12.345"), CodeMalformed, "more than two decimals"},
		{"negative", ntry("-12.30"), CodeMalformed, ""},
		{"exponent", ntry("1E3"), CodeMalformed, ""},
		{"absurd", ntry("100000000000.00"), CodeMalformed, "too large"},
		{"no currency", strings.Replace(ntry("1.00"), ` Ccy="EUR"`, "", 1), CodeMalformed, ""},
		{"no status", strings.Replace(ntry("1.00"), `<Sts><Cd>BOOK</Cd></Sts>`, "", 1), CodeMalformed, "no status"},
		{"bad date", strings.Replace(ntry("1.00"), `2026-01-01`, "2026-02-30", 1), CodeMalformed, ""},
		{"bad indicator", strings.Replace(ntry("1.00"), `CRDT`, "CRED", 1), CodeMalformed, ""},
		{"no account", strings.Replace(ntry("1.00"), fundIBAN, "", 1), CodeMalformed, ""},
		{"CSV amount", csvRow("1,234", "Umsatz gebucht"), CodeMalformed, ""},
		{"CSV grouping", csvRow("12.34,00", "Umsatz gebucht"), CodeMalformed, ""},
		{"CSV info", csvRow("1,00", "Umsatz storniert"), CodeMalformed, "Umsatz storniert"},
		{"CSV date", strings.Replace(csvRow("1,00", ""), "01.03.26", "2026-03-01", 1), CodeMalformed, ""},
		{"CSV columns", csvRow("1,00", "") + `"x";"y"` + "\n", CodeMalformed, ""},
		{"CSV without amount", `"Auftragskonto";"Buchungstag";"Waehrung"` + "\n", CodeMalformed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.data), DefaultLimits)
			wantCode(t, err, tc.code)
			if msg := errs.Message(err); msg == "" || !strings.Contains(msg, tc.says) {
				t.Errorf("message %q, want one saying %q", msg, tc.says)
			}
		})
	}
}

func TestAmounts(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "0.00": 0, "8.85": 885, "1605": 160500, "3.1": 310, "007.5": 750, "99999999999.99": maxMinor} {
		if got, err := parseAmount(in); err != nil || got != want {
			t.Errorf("parseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", ".5", "5.", "1.005", "-1", "+1", "1,00", "1e2", "NaN", "100000000000.00", "1 000"} {
		if got, err := parseAmount(in); err == nil {
			t.Errorf("parseAmount(%q) = %d, want an error", in, got)
		}
	}
	type signed struct {
		minor int64
		neg   bool
	}
	for in, want := range map[string]signed{"-42,17": {4217, true}, "2500,5": {250050, false}, "-68": {6800, true}, "1.234.567,89": {123456789, false}, "0,01": {1, false}} {
		if m, neg, err := parseGermanAmount(in); err != nil || (signed{m, neg}) != want {
			t.Errorf("parseGermanAmount(%q) = %d %v %v; want %v", in, m, neg, err, want)
		}
	}
	for _, in := range []string{"", "-", "1.5", "12.34,5", "1,234", "--1", "1,", "1.2345,00"} {
		if _, _, err := parseGermanAmount(in); err == nil {
			t.Errorf("parseGermanAmount(%q) succeeded", in)
		}
	}
	for in, want := range map[int64]string{0: "0.00", 5: "0.05", -2700: "-27.00", 123456: "1234.56"} {
		if got := formatMinor(in); got != want {
			t.Errorf("formatMinor(%d) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"own_camt.053.001.08_two-statements-batch.xml", "own_camt.052.001.02_dk-style.xml",
		"camt.054.001.08_genkgo_v8.xml", "csv-camt_sparkasse_beancount-sparkasse.csv", "own_mt940.sta"} {
		f.Add(mustRead(f, name))
	}
	f.Add(makeZip(f, map[string][]byte{"a.xml": genCamt053(2)}, "a.xml"))
	lim := Limits{MaxBytes: 1 << 20, MaxLines: 1000, MaxZipEntries: 10, MaxUnzipped: 4 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(bytes.NewReader(data), lim)
		if err != nil {
			if errs.CodeOf(err) == "" || errs.Message(err) == "" {
				t.Fatalf("error without code or message: %v", err)
			}
			return
		}
		for _, s := range file.Statements {
			for _, l := range s.Lines {
				if l.Minor < 0 || (l.Direction != Credit && l.Direction != Debit) || len(l.BookingDate) != 10 {
					t.Fatalf("line %+v", l)
				}
			}
		}
	})
}
