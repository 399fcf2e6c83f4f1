package pain_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"fundus"
	"fundus/bank/pain"
	"fundus/errs"
	"fundus/internal/testtool"
)

var created = time.Date(2026, 11, 30, 10, 15, 30, 0, time.UTC)

// fund is the debtor: the fund's account (a valid test IBAN of Commerzbank).
var fund = pain.Party{Name: "Bürgerfonds Köln e.V.", IBAN: "DE89 3704 0044 0532 0130 00", BIC: "COBADEFFXXX"}

func message(payments ...pain.Payment) pain.Message {
	return pain.Message{MessageID: "FUNDUS-PF-0001", CreatedAt: created, Debtor: fund, ExecutionDate: "2026-12-01", Payments: payments}
}

// payments to groups named in the languages of the city, with IBANs of
// several SEPA countries, some without a BIC.
var payments = []pain.Payment{
	{EndToEndID: "FUNDUS-D-0001-1", Minor: 150000, Payee: pain.Party{Name: "Türkisch-Deutscher Kulturverein Çağrı Yılmaz", IBAN: "DE02120300000000202051", BIC: "BYLADEM1001"}, Remittance: "Förderung 1. Rate – Projekt „Sommerfest“"},
	{EndToEndID: "FUNDUS-D-0002-1", Minor: 1, Payee: pain.Party{Name: "محمد رضایی", IBAN: "DE02500105170137075030"}, Remittance: "کمک هزینه FUND-AB12-CD34"},
	{EndToEndID: "FUNDUS-D-0003-2", Minor: 99999999999, Payee: pain.Party{Name: "Олександр Шевченко", IBAN: "AT611904300234573201", BIC: "BKAUATWW"}, Remittance: "Допомога"},
	{EndToEndID: "FUNDUS-D-0004-1", Minor: 2550, Payee: pain.Party{Name: "Łukasz Żółć", IBAN: "PL61109010140000071219812874"}, Remittance: ""},
	{EndToEndID: "FUNDUS-D-0005-1", Minor: 10, Payee: pain.Party{Name: "Jürgen Groß & Söhne <GmbH>", IBAN: "DE75512108001245126199", BIC: "SOGEDEFFXXX"}, Remittance: "Rechnung <42> & \"Rest\""},
	{EndToEndID: "FUNDUS-D-0006-1", Minor: 70000, Payee: pain.Party{Name: "Seán O'Brien", IBAN: "IE29AIBK93115212345678"}, Remittance: strings.Repeat("Ü", 100)},
}

func write(t *testing.T, m pain.Message) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := pain.Write(&b, m); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return b.Bytes()
}

// xmllint validates doc against the XSD and returns its complaint, if any.
func xmllint(t *testing.T, doc []byte) error {
	t.Helper()
	bin := testtool.Require(t, "xmllint", "libxml2-utils")
	file := filepath.Join(t.TempDir(), "pain.xml")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--noout", "--schema", "testdata/pain.001.001.09.xsd", file).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

func TestWriteValidatesAgainstXSD(t *testing.T) {
	ibanOnly := message(payments...)
	ibanOnly.Debtor.BIC = ""
	for name, m := range map[string]pain.Message{
		"all payments":              message(payments...),
		"one payment":               message(payments[0]),
		"debtor known by IBAN only": ibanOnly,
	} {
		t.Run(name, func(t *testing.T) {
			doc := write(t, m)
			if err := xmllint(t, doc); err != nil {
				t.Fatalf("the file does not validate: %v\n%s", err, doc)
			}
		})
	}
	// The check can fail: a charge bearer the schema does not know is refused.
	broken := bytes.Replace(write(t, message(payments...)), []byte("<ChrgBr>SLEV<"), []byte("<ChrgBr>SEPA<"), 1)
	if err := xmllint(t, broken); err == nil {
		t.Fatal("xmllint accepted a file with ChrgBr SEPA")
	}
}

// parsed is what a bank reads from the file, declared apart from the
// package's own structs.
type parsed struct {
	XMLName xml.Name `xml:"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09 Document"`
	GrpHdr  struct {
		MsgID    string `xml:"MsgId"`
		CreDtTm  string `xml:"CreDtTm"`
		NbOfTxs  string `xml:"NbOfTxs"`
		CtrlSum  string `xml:"CtrlSum"`
		InitgPty string `xml:"InitgPty>Nm"`
	} `xml:"CstmrCdtTrfInitn>GrpHdr"`
	PmtInf struct {
		PmtInfID  string `xml:"PmtInfId"`
		PmtMtd    string `xml:"PmtMtd"`
		BtchBookg string `xml:"BtchBookg"`
		NbOfTxs   string `xml:"NbOfTxs"`
		CtrlSum   string `xml:"CtrlSum"`
		SvcLvl    string `xml:"PmtTpInf>SvcLvl>Cd"`
		Date      string `xml:"ReqdExctnDt>Dt"`
		Dbtr      string `xml:"Dbtr>Nm"`
		IBAN      string `xml:"DbtrAcct>Id>IBAN"`
		BIC       string `xml:"DbtrAgt>FinInstnId>BICFI"`
		Othr      string `xml:"DbtrAgt>FinInstnId>Othr>Id"`
		ChrgBr    string `xml:"ChrgBr"`
		Txs       []struct {
			EndToEndID string `xml:"PmtId>EndToEndId"`
			Amt        struct {
				Ccy   string `xml:"Ccy,attr"`
				Value string `xml:",chardata"`
			} `xml:"Amt>InstdAmt"`
			BIC   string `xml:"CdtrAgt>FinInstnId>BICFI"`
			Name  string `xml:"Cdtr>Nm"`
			IBAN  string `xml:"CdtrAcct>Id>IBAN"`
			Ustrd string `xml:"RmtInf>Ustrd"`
		} `xml:"CdtTrfTxInf"`
	} `xml:"CstmrCdtTrfInitn>PmtInf"`
}

func parse(t interface{ Fatalf(string, ...any) }, doc []byte) parsed {
	var p parsed
	if err := xml.Unmarshal(doc, &p); err != nil {
		t.Fatalf("the file does not parse: %v\n%s", err, doc)
	}
	return p
}

func TestWriteParsesBack(t *testing.T) {
	doc := write(t, message(payments...))
	p := parse(t, doc)
	h, pi := p.GrpHdr, p.PmtInf
	if h.MsgID != "FUNDUS-PF-0001" || h.CreDtTm != "2026-11-30T10:15:30Z" || h.InitgPty != "Buergerfonds Koeln e.V." {
		t.Errorf("group header %+v", h)
	}
	var want int64
	for _, pay := range payments {
		want += pay.Minor
	}
	total := fundus.FormatMinor(want, fundus.EUR)
	if h.NbOfTxs != "6" || pi.NbOfTxs != "6" || h.CtrlSum != total || pi.CtrlSum != total {
		t.Errorf("NbOfTxs %s/%s, CtrlSum %s/%s, want 6 and %s", h.NbOfTxs, pi.NbOfTxs, h.CtrlSum, pi.CtrlSum, total)
	}
	if total != "1000002225.60" {
		t.Errorf("the payments sum to %s, want 1000002275.60", total)
	}
	if pi.PmtInfID != h.MsgID || pi.PmtMtd != "TRF" || pi.BtchBookg != "false" || pi.SvcLvl != "SEPA" || pi.ChrgBr != "SLEV" ||
		pi.Date != "2026-12-01" || pi.Dbtr != h.InitgPty || pi.IBAN != "DE89370400440532013000" || pi.BIC != "COBADEFFXXX" || pi.Othr != "" {
		t.Errorf("payment information %+v", pi)
	}
	if len(pi.Txs) != len(payments) {
		t.Fatalf("%d transactions, want %d", len(pi.Txs), len(payments))
	}
	wantNames := []string{"Tuerkisch-Deutscher Kulturverein Cagri Yilmaz", "Mhmd Rdayi", "Oleksandr Shevchenko", "Lukasz Zolc", "Juergen Gross + Soehne (GmbH)", "Sean O'Brien"}
	wantAmounts := []string{"1500.00", "0.01", "999999999.99", "25.50", "0.10", "700.00"}
	for i, tx := range pi.Txs {
		pay := payments[i]
		if tx.EndToEndID != pay.EndToEndID || tx.Amt.Value != wantAmounts[i] || tx.Amt.Ccy != "EUR" || tx.Name != wantNames[i] || tx.IBAN != pay.Payee.IBAN || tx.BIC != pay.Payee.BIC {
			t.Errorf("transaction %d: %+v, want %s %s %s %s", i, tx, pay.EndToEndID, wantAmounts[i], wantNames[i], pay.Payee.IBAN)
		}
	}
	if got := pi.Txs[0].Ustrd; got != "Foerderung 1. Rate - Projekt 'Sommerfest'" {
		t.Errorf("remittance %q", got)
	}
	if got := pi.Txs[3].Ustrd; got != "" {
		t.Errorf("empty remittance written as %q", got)
	}
	if got := pi.Txs[5].Ustrd; got != strings.Repeat("UE", 70) {
		t.Errorf("remittance not cut to 140: %q (%d)", got, len(got))
	}
	if bytes.Contains(doc, []byte("<RmtInf></RmtInf>")) || bytes.Contains(doc, []byte("<RmtInf/>")) {
		t.Error("an empty RmtInf was written")
	}

	ibanOnly := message(payments[3])
	ibanOnly.Debtor.BIC = ""
	if pi := parse(t, write(t, ibanOnly)).PmtInf; pi.BIC != "" || pi.Othr != "NOTPROVIDED" || pi.Txs[0].BIC != "" {
		t.Errorf("IBAN only: debtor BIC %q, Othr %q, payee BIC %q", pi.BIC, pi.Othr, pi.Txs[0].BIC)
	}
}

// TestWriteEscapes: & < > in names are SEPA signs (+ ( )) by the time they
// are written, the apostrophe, which SEPA allows, is escaped, and nothing
// a name holds can open an element.
func TestWriteEscapes(t *testing.T) {
	m := message(pain.Payment{EndToEndID: "E2E-1", Minor: 100,
		Payee:      pain.Party{Name: `Ben & Jerry's <Cdtr><Nm>Mallory</Nm></Cdtr> "x"`, IBAN: "DE02120300000000202051"},
		Remittance: "]]><RmtInf>&amp;"})
	doc := write(t, m)
	for _, raw := range []string{"<Nm>Mallory", "&amp;amp;", "<RmtInf>&", "]]>", "Jerry's"} {
		if bytes.Contains(doc, []byte(raw)) {
			t.Errorf("the file holds %q unescaped:\n%s", raw, doc)
		}
	}
	if !bytes.Contains(doc, []byte("Ben + Jerry&#39;s (Cdtr)(Nm)Mallory(/Nm)(/Cdtr) &#39;x&#39;")) {
		t.Errorf("name not written as expected:\n%s", doc)
	}
	tx := parse(t, doc).PmtInf.Txs[0]
	if tx.Name != "Ben + Jerry's (Cdtr)(Nm)Mallory(/Nm)(/Cdtr) 'x'" || tx.Ustrd != ")))(RmtInf)+amp," {
		t.Errorf("parsed back %q, %q", tx.Name, tx.Ustrd)
	}
	if err := xmllint(t, doc); err != nil {
		t.Fatalf("the file does not validate: %v\n%s", err, doc)
	}
}

func TestWriteCutsNames(t *testing.T) {
	long := strings.Repeat("Groß ", 20) // "Gross " is 6 characters: the 70th is a space
	doc := write(t, message(pain.Payment{EndToEndID: "E2E-1", Minor: 100, Payee: pain.Party{Name: long, IBAN: "DE02120300000000202051"}}))
	p := parse(t, doc)
	if got := p.PmtInf.Txs[0].Name; got != strings.TrimSpace(strings.Repeat("Gross ", 12)[:70]) || len(got) > pain.MaxNameLen {
		t.Errorf("name %q (%d)", got, len(got))
	}
}

func TestWriteRefuses(t *testing.T) {
	ok := payments[0]
	with := func(f func(*pain.Message)) pain.Message {
		m := message(ok, payments[1])
		f(&m)
		return m
	}
	for _, c := range []struct {
		name  string
		m     pain.Message
		field string
	}{
		{"no payments", message(), "payments"},
		{"no message id", with(func(m *pain.Message) { m.MessageID = "" }), "message_id"},
		{"message id too long", with(func(m *pain.Message) { m.MessageID = strings.Repeat("A", 36) }), "message_id"},
		{"message id with an umlaut", with(func(m *pain.Message) { m.MessageID = "Zahlläufe-1" }), "message_id"},
		{"message id with an underscore", with(func(m *pain.Message) { m.MessageID = "PF_1" }), "message_id"},
		{"message id starting with a slash", with(func(m *pain.Message) { m.MessageID = "/PF1" }), "message_id"},
		{"message id with two slashes", with(func(m *pain.Message) { m.MessageID = "PF//1" }), "message_id"},
		{"no creation time", with(func(m *pain.Message) { m.CreatedAt = time.Time{} }), "created_at"},
		{"no execution date", with(func(m *pain.Message) { m.ExecutionDate = "" }), "execution_date"},
		{"execution date not a date", with(func(m *pain.Message) { m.ExecutionDate = "2026-02-30" }), "execution_date"},
		{"execution date in the past", with(func(m *pain.Message) { m.ExecutionDate = "2026-11-29" }), "execution_date"},
		{"debtor IBAN checksum", with(func(m *pain.Message) { m.Debtor.IBAN = "DE89370400440532013001" }), "debtor.iban"},
		{"debtor BIC", with(func(m *pain.Message) { m.Debtor.BIC = "COBADE" }), "debtor.bic"},
		{"debtor without a name", with(func(m *pain.Message) { m.Debtor.Name = " " }), "debtor.name"},
		{"end-to-end id empty", with(func(m *pain.Message) { m.Payments[1].EndToEndID = "" }), "payments[1].end_to_end_id"},
		{"end-to-end id 36 long", with(func(m *pain.Message) { m.Payments[1].EndToEndID = strings.Repeat("1", 36) }), "payments[1].end_to_end_id"},
		{"end-to-end id with &", with(func(m *pain.Message) { m.Payments[1].EndToEndID = "A&B" }), "payments[1].end_to_end_id"},
		{"end-to-end id twice", with(func(m *pain.Message) { m.Payments[1].EndToEndID = ok.EndToEndID }), "payments[1].end_to_end_id"},
		{"amount zero", with(func(m *pain.Message) { m.Payments[1].Minor = 0 }), "payments[1].amount"},
		{"amount negative", with(func(m *pain.Message) { m.Payments[1].Minor = -100 }), "payments[1].amount"},
		{"amount over the SEPA limit", with(func(m *pain.Message) { m.Payments[1].Minor = pain.MaxMinor + 1 }), "payments[1].amount"},
		{"payee IBAN", with(func(m *pain.Message) { m.Payments[1].Payee.IBAN = "DE0212030000000020205" }), "payments[1].payee.iban"},
		{"payee BIC", with(func(m *pain.Message) { m.Payments[1].Payee.BIC = "BYLA-DEM" }), "payments[1].payee.bic"},
		{"payee name in Chinese only", with(func(m *pain.Message) { m.Payments[1].Payee.Name = "李小龙" }), "payments[1].payee.name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			err := pain.Write(&b, c.m)
			if !errs.Match(errs.E(errs.Invalid, errs.FieldError{Field: c.field}), err) {
				t.Fatalf("Write = %v, want Invalid on %s", err, c.field)
			}
			if b.Len() != 0 {
				t.Errorf("a refused file wrote %d bytes", b.Len())
			}
		})
	}
}

// TestWriteProperty: for any payments, the file says how many there are
// and what they sum to, and gives back each id and amount.
func TestWriteProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 30).Draw(rt, "n")
		var ps []pain.Payment
		var sum int64
		for i := range n {
			minor := rapid.OneOf(rapid.Int64Range(1, 1000), rapid.Int64Range(1, pain.MaxMinor)).Draw(rt, "minor")
			sum += minor
			ps = append(ps, pain.Payment{EndToEndID: fmt.Sprintf("E2E %d/%d", i, n), Minor: minor,
				Payee: pain.Party{Name: "x" + rapid.String().Draw(rt, "name"), IBAN: "DE02120300000000202051"}, Remittance: rapid.String().Draw(rt, "remittance")})
		}
		var b bytes.Buffer
		if err := pain.Write(&b, message(ps...)); err != nil {
			rt.Fatalf("Write: %v", err)
		}
		p := parse(rt, b.Bytes())
		total := fundus.FormatMinor(sum, fundus.EUR)
		if p.GrpHdr.CtrlSum != total || p.PmtInf.CtrlSum != total || p.GrpHdr.NbOfTxs != fmt.Sprint(n) || len(p.PmtInf.Txs) != n {
			rt.Fatalf("CtrlSum %s/%s NbOfTxs %s, %d transactions; want %s, %d", p.GrpHdr.CtrlSum, p.PmtInf.CtrlSum, p.GrpHdr.NbOfTxs, len(p.PmtInf.Txs), total, n)
		}
		for i, tx := range p.PmtInf.Txs {
			if tx.EndToEndID != ps[i].EndToEndID || tx.Amt.Value != fundus.FormatMinor(ps[i].Minor, fundus.EUR) {
				rt.Fatalf("transaction %d: %s %s, want %s %d", i, tx.EndToEndID, tx.Amt.Value, ps[i].EndToEndID, ps[i].Minor)
			}
			if len(tx.Name) > pain.MaxNameLen || len(tx.Ustrd) > pain.MaxRemittanceLen {
				rt.Fatalf("transaction %d: name %d, remittance %d characters", i, len(tx.Name), len(tx.Ustrd))
			}
		}
	})
}
