package statement

import (
	"bytes"
	"fmt"
)

const fundIBAN = "DE02120300000000202051"

// genCamt053 writes a camt.053.001.08 message with one statement of n
// booked lines (every third a debit) whose balances add up, as a bank
// would deliver it for the fund's account.
func genCamt053(n int) []byte {
	var b bytes.Buffer
	const opening = 1_000_000_00
	var entries bytes.Buffer
	sum := int64(opening)
	for i := range n {
		minor := int64(i%5000+1)*100 + int64(i%100)
		cdi, party, partyAcct := "CRDT", "Dbtr", "DbtrAcct"
		if i%3 == 2 {
			cdi, party, partyAcct = "DBIT", "Cdtr", "CdtrAcct"
			sum -= minor
		} else {
			sum += minor
		}
		fmt.Fprintf(&entries, `      <Ntry>
        <Amt Ccy="EUR">%s</Amt>
        <CdtDbtInd>%s</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-05-%02d</Dt></BookgDt>
        <ValDt><Dt>2026-05-%02d</Dt></ValDt>
        <AcctSvcrRef>GEN%08d</AcctSvcrRef>
        <BkTxCd><Prtry><Cd>NTRF+166+9310</Cd><Issr>DK</Issr></Prtry></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs><EndToEndId>E2E-%08d</EndToEndId></Refs>
            <Amt Ccy="EUR">%s</Amt>
            <RltdPties>
              <%s><Pty><Nm>Spenderin Nummer %d</Nm></Pty></%s>
              <%s><Id><IBAN>DE89370400440532013000</IBAN></Id></%s>
            </RltdPties>
            <RmtInf><Ustrd>Spende FUND-%04d-%04d Jugendarbeit im Stadtteil</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
        <AddtlNtryInf>SEPA-GUTSCHRIFT</AddtlNtryInf>
      </Ntry>
`, formatMinor(minor), cdi, i%28+1, i%28+1, i, i, formatMinor(minor), party, i, party, partyAcct, partyAcct, i%10000, (i*7)%10000)
	}
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>GEN-%d</MsgId><CreDtTm>2026-06-01T06:00:00+02:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>GEN-2026-05</Id>
      <Acct><Id><IBAN>%s</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">%s</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-04-30</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">%s</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-05-31</Dt></Dt></Bal>
`, n, fundIBAN, formatMinor(opening), formatMinor(sum))
	b.Write(entries.Bytes())
	b.WriteString("    </Stmt>\n  </BkToCstmrStmt>\n</Document>\n")
	return b.Bytes()
}
