// Package banktest writes bank statements for tests: camt.053.001.08
// files of the lines a test names, with balances that add up.
package banktest

import (
	"fmt"
	"html"
	"strings"

	"fundus"
)

// Line is one line of a generated statement.
type Line struct {
	Date       string // booking date, YYYY-MM-DD
	Minor      int64  // cents, positive
	Debit      bool
	Pending    bool
	Name, IBAN string // the counterparty
	Remittance string
	EndToEndID string
	BankRef    string
}

// Statement is one statement of a generated file.
type Statement struct {
	ID         string
	IBAN       string // the account
	From, To   string
	Opening    int64 // cents, signed
	NoBalances bool
	// Closing is Opening plus the booked lines unless set (to make a file
	// that does not add up).
	Closing *int64
	Lines   []Line
}

// Closing returns the closing balance of s as a bank would state it.
func (s Statement) closing() int64 {
	if s.Closing != nil {
		return *s.Closing
	}
	c := s.Opening
	for _, l := range s.Lines {
		if l.Pending {
			continue
		}
		if l.Debit {
			c -= l.Minor
		} else {
			c += l.Minor
		}
	}
	return c
}

// Camt053 returns a camt.053.001.08 message holding the statements.
func Camt053(sts ...Statement) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>TEST</MsgId><CreDtTm>2026-03-31T20:00:00</CreDtTm></GrpHdr>
`)
	for _, s := range sts {
		fmt.Fprintf(&b, `<Stmt><Id>%s</Id><CreDtTm>%sT20:00:00</CreDtTm><FrToDt><FrDtTm>%sT00:00:00</FrDtTm><ToDtTm>%sT23:59:59</ToDtTm></FrToDt>
<Acct><Id><IBAN>%s</IBAN></Id><Ccy>EUR</Ccy></Acct>
`, s.ID, s.To, s.From, s.To, s.IBAN)
		if !s.NoBalances {
			balance(&b, "OPBD", s.Opening, s.From)
			balance(&b, "CLBD", s.closing(), s.To)
		}
		for _, l := range s.Lines {
			cdi, party, acct := "CRDT", "Dbtr", "DbtrAcct"
			if l.Debit {
				cdi, party, acct = "DBIT", "Cdtr", "CdtrAcct"
			}
			sts := "BOOK"
			if l.Pending {
				sts = "PDNG"
			}
			e2e := l.EndToEndID
			if e2e == "" {
				e2e = "NOTPROVIDED"
			}
			fmt.Fprintf(&b, `<Ntry><Amt Ccy="EUR">%s</Amt><CdtDbtInd>%s</CdtDbtInd><Sts><Cd>%s</Cd></Sts><BookgDt><Dt>%s</Dt></BookgDt><ValDt><Dt>%s</Dt></ValDt>`,
				fundus.FormatMinor(l.Minor, fundus.EUR), cdi, sts, l.Date, l.Date)
			if l.BankRef != "" {
				fmt.Fprintf(&b, `<AcctSvcrRef>%s</AcctSvcrRef>`, html.EscapeString(l.BankRef))
			}
			fmt.Fprintf(&b, `<BkTxCd/><NtryDtls><TxDtls><Refs><EndToEndId>%s</EndToEndId></Refs><RltdPties><%s><Pty><Nm>%s</Nm></Pty></%s>`,
				html.EscapeString(e2e), party, html.EscapeString(l.Name), party)
			if l.IBAN != "" {
				fmt.Fprintf(&b, `<%s><Id><IBAN>%s</IBAN></Id></%s>`, acct, l.IBAN, acct)
			}
			fmt.Fprintf(&b, `</RltdPties><RmtInf><Ustrd>%s</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
`, html.EscapeString(l.Remittance))
		}
		b.WriteString("</Stmt>\n")
	}
	b.WriteString("</BkToCstmrStmt></Document>\n")
	return []byte(b.String())
}

func balance(b *strings.Builder, code string, minor int64, day string) {
	cdi := "CRDT"
	if minor < 0 {
		cdi, minor = "DBIT", -minor
	}
	fmt.Fprintf(b, `<Bal><Tp><CdOrPrtry><Cd>%s</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">%s</Amt><CdtDbtInd>%s</CdtDbtInd><Dt><Dt>%s</Dt></Dt></Bal>
`, code, fundus.FormatMinor(minor, fundus.EUR), cdi, day)
}

// CSVCAMT returns the lines of s as a Sparkasse CSV-CAMT export (no
// balances: the format has none).
func CSVCAMT(s Statement) []byte {
	var b strings.Builder
	b.WriteString(`"Auftragskonto";"Buchungstag";"Valutadatum";"Buchungstext";"Verwendungszweck";"Glaeubiger ID";"Mandatsreferenz";"Kundenreferenz (End-to-End)";"Sammlerreferenz";"Lastschrift Ursprungsbetrag";"Auslagenersatz Ruecklastschrift";"Beguenstigter/Zahlungspflichtiger";"Kontonummer/IBAN";"BIC (SWIFT-Code)";"Betrag";"Waehrung";"Info"` + "\n")
	for _, l := range s.Lines {
		day := l.Date[8:10] + "." + l.Date[5:7] + "." + l.Date[2:4]
		amount := strings.ReplaceAll(fundus.FormatMinor(l.Minor, fundus.EUR), ".", ",")
		if l.Debit {
			amount = "-" + amount
		}
		info := "Umsatz gebucht"
		if l.Pending {
			info = "Umsatz vorgemerkt"
		}
		fmt.Fprintf(&b, "%q;%q;%q;%q;%q;\"\";\"\";%q;\"\";\"\";\"\";%q;%q;\"\";%q;\"EUR\";%q\n",
			s.IBAN, day, day, "GUTSCHRIFT", l.Remittance, l.EndToEndID, l.Name, l.IBAN, amount, info)
	}
	return []byte(b.String())
}
