package statement

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"fundus/errs"

	"golang.org/x/text/encoding/charmap"
)

// maxText bounds one element's text; camt's longest fields have 140 characters.
const maxText = 4096

// camtContainers names, per message, the element under Document and the
// element of one statement, report or notification.
var camtContainers = map[string][2]string{
	"052": {"BkToCstmrAcctRpt", "Rpt"},
	"053": {"BkToCstmrStmt", "Stmt"},
	"054": {"BkToCstmrDbtCdtNtfctn", "Ntfctn"},
}

// camtReader walks a camt document token by token, so that no statement
// is held in memory as more than its lines, and the line limit is checked
// as the lines arrive.
type camtReader struct {
	p       *parser
	d       *xml.Decoder
	msg     string // "052", "053", "054"
	stack   []string
	text    []byte
	amtCcy  string
	stmtAt  int // depth of the open Stmt/Rpt/Ntfctn, or -1; likewise below
	balAt   int
	ntryAt  int
	txAt    int
	stmt    *Statement
	ids     camtHeader
	bals    []camtBalance
	entry   camtEntry
	file    File
	entries int // entries of the open statement, for messages
}

// camtHeader is what a statement says of its account and period.
type camtHeader struct {
	iban, othr, ccy, from, to string
}

type camtAmount struct {
	minor int64
	ccy   string
	set   bool
}

type camtBalance struct {
	code string
	amt  camtAmount
	cdi  string
	date string
}

type camtEntry struct {
	amt                   camtAmount
	cdi, rvsl, sts        string
	bookg, val, ref, info string
	txs                   []camtTx
}

type camtTx struct {
	amt, txAmt, cntrAmt camtAmount
	e2e, ref, addtl     string
	dbtrNm, dbtrIBAN    string
	cdtrNm, cdtrIBAN    string
	ustrd               []string
	refs                []string
}

func (p *parser) parseCamt(data []byte) (*File, error) {
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, bom)))
	d.CharsetReader = charsetReader
	c := &camtReader{p: p, d: d, stmtAt: -1, balAt: -1, ntryAt: -1, txAt: -1}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, malformed("the XML is broken at line %d: %s", se.Line, se.Msg)
			}
			return nil, errs.E(errs.Invalid, CodeMalformed, err, "the XML file could not be read")
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, malformed("the XML declares a DOCTYPE or entities, which bank statements never do; the file is refused")
		case xml.StartElement:
			if err := c.start(t); err != nil {
				return nil, err
			}
		case xml.CharData:
			if len(c.text)+len(t) > maxText {
				return nil, c.errorf("a field is longer than %d characters", maxText)
			}
			c.text = append(c.text, t...)
		case xml.EndElement:
			if err := c.end(); err != nil {
				return nil, err
			}
		}
	}
	if c.msg == "" {
		return nil, malformed("the XML file holds no camt document")
	}
	return &c.file, nil
}

// charsetReader decodes the encodings banks declare besides UTF-8.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1":
		return charmap.ISO8859_1.NewDecoder().Reader(in), nil
	case "iso-8859-15", "iso8859-15", "latin-9":
		return charmap.ISO8859_15.NewDecoder().Reader(in), nil
	case "windows-1252", "cp1252":
		return charmap.Windows1252.NewDecoder().Reader(in), nil
	case "us-ascii", "ascii", "utf8":
		return in, nil
	}
	return nil, fmt.Errorf("the encoding %q is not read; banks deliver UTF-8 or ISO-8859-1", label)
}

func (c *camtReader) errorf(format string, args ...any) error {
	line, _ := c.d.InputPos()
	return malformed("line %d: %s", line, fmt.Sprintf(format, args...))
}

func (c *camtReader) start(t xml.StartElement) error {
	name := t.Name.Local
	depth := len(c.stack)
	c.stack = append(c.stack, name)
	c.text = c.text[:0]
	switch {
	case depth == 0 && c.msg != "":
		return c.errorf("the file holds a second XML document")
	case depth == 0:
		return c.root(t)
	case depth == 1:
		if name != camtContainers[c.msg][0] {
			return c.errorf("a camt.%s document must hold %s, not %s", c.msg, camtContainers[c.msg][0], name)
		}
	case depth == 2 && name == camtContainers[c.msg][1]:
		c.stmt = &Statement{}
		c.stmtAt, c.ids, c.bals, c.entries = depth, camtHeader{}, c.bals[:0], 0
	case c.stmtAt < 0:
	case depth == c.stmtAt+1 && name == "Bal":
		c.balAt = depth
		c.bals = append(c.bals, camtBalance{})
	case depth == c.stmtAt+1 && name == "Ntry":
		c.ntryAt = depth
		c.entry = camtEntry{txs: c.entry.txs[:0]}
		c.entries++
	case c.ntryAt >= 0 && depth == c.ntryAt+2 && name == "TxDtls" && c.stack[c.ntryAt+1] == "NtryDtls":
		if err := c.p.addLine(); err != nil {
			return err
		}
		c.txAt = depth
		c.entry.txs = append(c.entry.txs, camtTx{})
	}
	if name == "Amt" {
		c.amtCcy = ""
		for _, a := range t.Attr {
			if a.Name.Local == "Ccy" {
				c.amtCcy = a.Value
			}
		}
	}
	return nil
}

// root reads the message and version from the namespace of Document.
func (c *camtReader) root(t xml.StartElement) error {
	ns := t.Name.Space
	id, ok := strings.CutPrefix(ns, "urn:iso:std:iso:20022:tech:xsd:")
	if t.Name.Local != "Document" || !ok {
		return unsupported("this XML file is not an ISO 20022 bank statement (camt.052, camt.053 or camt.054)")
	}
	if strings.HasPrefix(id, "pain.") {
		return unsupported(fmt.Sprintf("this is a payment message (%s), not a bank statement", id))
	}
	// camt.053.001.08: the versions 02 to 08 keep every field read here at
	// the same place (08 moved Sts to Sts/Cd and names to Pty/Nm, both read).
	parts := strings.Split(id, ".")
	if len(parts) != 4 || parts[0] != "camt" || parts[2] != "001" {
		return unsupported(fmt.Sprintf("%s is not a bank statement Fundus reads", id))
	}
	v, err := strconv.Atoi(parts[3])
	if _, known := camtContainers[parts[1]]; !known || err != nil || v < 2 || v > 8 || len(parts[3]) != 2 {
		return unsupported(fmt.Sprintf("%s is not read; Fundus reads camt.052, camt.053 and camt.054 in versions 001.02 to 001.08", id))
	}
	c.msg = parts[1]
	c.file.Format = id
	return nil
}

func (c *camtReader) end() error {
	depth := len(c.stack) - 1
	if depth < 0 {
		return c.errorf("an element closes that was never opened")
	}
	text := string(c.text)
	c.text = c.text[:0]
	var err error
	switch {
	case c.txAt >= 0:
		err = c.txField(strings.Join(c.stack[c.txAt+1:], "/"), text)
		if depth == c.txAt {
			c.txAt = -1
		}
	case c.ntryAt >= 0:
		if depth == c.ntryAt {
			err = c.endEntry()
			c.ntryAt = -1
		} else {
			err = c.entryField(strings.Join(c.stack[c.ntryAt+1:], "/"), text)
		}
	case c.balAt >= 0:
		if depth == c.balAt {
			c.balAt = -1
			if b := c.bals[len(c.bals)-1]; b.cdi != "CRDT" && b.cdi != "DBIT" {
				err = c.errorf("balance %s of statement %q: credit/debit indicator %q is neither CRDT nor DBIT", b.code, c.stmt.ID, b.cdi)
			}
		} else {
			err = c.balanceField(strings.Join(c.stack[c.balAt+1:], "/"), text)
		}
	case c.stmtAt >= 0:
		if depth == c.stmtAt {
			err = c.endStatement()
			c.stmtAt = -1
		} else {
			c.statementField(strings.Join(c.stack[c.stmtAt+1:], "/"), text)
		}
	}
	c.stack = c.stack[:depth]
	return err
}

func (c *camtReader) amount(text string) (camtAmount, error) {
	v, err := parseAmount(text)
	if err != nil {
		return camtAmount{}, c.errorf("%v", err)
	}
	if c.amtCcy == "" {
		return camtAmount{}, c.errorf("the amount %s has no currency", text)
	}
	return camtAmount{minor: v, ccy: c.amtCcy, set: true}, nil
}

func (c *camtReader) date(text string) (string, error) {
	d, err := isoDate(text)
	if err != nil {
		return "", c.errorf("%v", err)
	}
	return d, nil
}

func (c *camtReader) statementField(path, text string) {
	text = strings.TrimSpace(text)
	switch path {
	case "Id":
		c.stmt.ID = text
	case "Acct/Id/IBAN":
		c.ids.iban = text
	case "Acct/Id/Othr/Id":
		c.ids.othr = text
	case "Acct/Ccy":
		c.ids.ccy = text
	case "FrToDt/FrDtTm":
		c.ids.from = text
	case "FrToDt/ToDtTm":
		c.ids.to = text
	}
}

func (c *camtReader) balanceField(path, text string) (err error) {
	b := &c.bals[len(c.bals)-1]
	text = strings.TrimSpace(text)
	switch path {
	case "Tp/CdOrPrtry/Cd":
		b.code = text
	case "Amt":
		b.amt, err = c.amount(text)
	case "CdtDbtInd":
		b.cdi = text
	case "Dt/Dt", "Dt/DtTm":
		b.date, err = c.date(text)
	}
	return err
}

func (c *camtReader) entryField(path, text string) (err error) {
	e := &c.entry
	if path != "AddtlNtryInf" {
		text = strings.TrimSpace(text)
	}
	switch path {
	case "Amt":
		e.amt, err = c.amount(text)
	case "CdtDbtInd":
		e.cdi = text
	case "RvslInd":
		e.rvsl = text
	case "Sts", "Sts/Cd": // v02 text, v08 code; the v08 Sts closes with no text of its own
		if text != "" {
			e.sts = text
		}
	case "BookgDt/Dt", "BookgDt/DtTm":
		e.bookg, err = c.date(text)
	case "ValDt/Dt", "ValDt/DtTm":
		e.val, err = c.date(text)
	case "AcctSvcrRef":
		e.ref = text
	case "AddtlNtryInf":
		e.info = strings.TrimSpace(text)
	}
	return err
}

func (c *camtReader) txField(path, text string) (err error) {
	tx := &c.entry.txs[len(c.entry.txs)-1]
	if path != "RmtInf/Ustrd" {
		text = strings.TrimSpace(text)
	}
	switch path {
	case "Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/CntrValAmt/Amt":
		a, err := c.amount(text)
		if err != nil {
			return err
		}
		switch path {
		case "Amt":
			tx.amt = a
		case "AmtDtls/TxAmt/Amt":
			tx.txAmt = a
		default:
			tx.cntrAmt = a
		}
	case "Refs/EndToEndId":
		tx.e2e = text
	case "Refs/AcctSvcrRef":
		tx.ref = text
	case "AddtlTxInf":
		tx.addtl = text
	case "RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm":
		tx.dbtrNm = text
	case "RltdPties/DbtrAcct/Id/IBAN":
		tx.dbtrIBAN = normalIBAN(text)
	case "RltdPties/Cdtr/Nm", "RltdPties/Cdtr/Pty/Nm":
		tx.cdtrNm = text
	case "RltdPties/CdtrAcct/Id/IBAN":
		tx.cdtrIBAN = normalIBAN(text)
	case "RmtInf/Ustrd":
		tx.ustrd = append(tx.ustrd, text)
	case "RmtInf/Strd/CdtrRefInf/Ref":
		if text != "" {
			tx.refs = append(tx.refs, text)
		}
	}
	return nil
}

func normalIBAN(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// endEntry turns the entry into lines: one for a plain entry, one per
// transaction of a batch, each with its own amount.
func (c *camtReader) endEntry() error {
	e := &c.entry
	at := fmt.Sprintf("entry %d of statement %q", c.entries, c.stmt.ID)
	if !e.amt.set {
		return c.errorf("%s has no amount", at)
	}
	var dir string
	switch e.cdi {
	case "CRDT":
		dir = Credit
	case "DBIT":
		dir = Debit
	default:
		return c.errorf("%s: credit/debit indicator %q is neither CRDT nor DBIT", at, e.cdi)
	}
	reversal := e.rvsl == "true" || e.rvsl == "1"
	if e.sts == "" {
		return c.errorf("%s has no status", at)
	}
	booking := e.bookg
	if booking == "" {
		booking = e.val
	}
	if booking == "" {
		return c.errorf("%s has no booking date", at)
	}
	base := Line{
		BookingDate: booking, ValueDate: e.val,
		Minor: e.amt.minor, Currency: e.amt.ccy,
		Direction: dir, Reversal: reversal, Booked: e.sts == "BOOK",
		BankReference: bankRef(e.ref), BankText: e.info,
	}
	if len(e.txs) == 0 {
		if err := c.p.addLine(); err != nil {
			return err
		}
		c.stmt.Lines = append(c.stmt.Lines, base)
		return nil
	}
	var sum int64
	var ok bool
	for i := range e.txs {
		tx := &e.txs[i]
		l := base
		if len(e.txs) > 1 {
			var a int64
			a, ok = tx.partAmount(e.amt.ccy)
			if !ok {
				return c.errorf("%s is a batch of %d transactions, and transaction %d has no amount in %s", at, len(e.txs), i+1, e.amt.ccy)
			}
			l.Minor = a
			if sum, ok = addMinor(sum, a); !ok {
				return c.errorf("%s: its transactions add up to more than can be counted", at)
			}
		}
		c.fill(&l, tx)
		c.stmt.Lines = append(c.stmt.Lines, l)
	}
	if len(e.txs) > 1 && sum != e.amt.minor {
		return errs.E(errs.Invalid, CodeUnbalanced, fmt.Sprintf(
			"%s (booked %s) is a batch of %s %s, but its %d transactions add up to %s %s",
			at, booking, formatMinor(e.amt.minor), e.amt.ccy, len(e.txs), formatMinor(sum), e.amt.ccy))
	}
	return nil
}

// partAmount is a batch transaction's amount in the entry's currency.
func (tx *camtTx) partAmount(ccy string) (int64, bool) {
	for _, a := range []camtAmount{tx.amt, tx.txAmt, tx.cntrAmt} {
		if a.set && a.ccy == ccy {
			return a.minor, true
		}
	}
	return 0, false
}

// fill sets a line's details from its transaction. The counterparty is
// the debtor of a credit and the creditor of a debit; a reversal carries
// the parties of the entry it reverses, so the roles swap. A side that
// names nobody gives way to the other, unless that is the account itself.
func (c *camtReader) fill(l *Line, tx *camtTx) {
	debtorSide := (l.Direction == Credit) != l.Reversal
	name, iban, otherName, otherIBAN := tx.cdtrNm, tx.cdtrIBAN, tx.dbtrNm, tx.dbtrIBAN
	if debtorSide {
		name, iban, otherName, otherIBAN = otherName, otherIBAN, name, iban
	}
	if name == "" && iban == "" && otherIBAN != normalIBAN(c.ids.iban) {
		name, iban = otherName, otherIBAN
	}
	l.CounterpartyName, l.CounterpartyIBAN = name, iban
	l.Remittance = strings.TrimSpace(strings.Join(tx.ustrd, ""))
	for _, r := range tx.refs {
		l.Remittance = strings.TrimSpace(l.Remittance + " " + r)
	}
	if tx.e2e != "NOTPROVIDED" {
		l.EndToEndID = tx.e2e
	}
	if ref := bankRef(tx.ref); ref != "" {
		l.BankReference = ref
	}
	if l.BankText == "" {
		l.BankText = tx.addtl
	}
}

func bankRef(s string) string {
	if s == "NONREF" {
		return ""
	}
	return s
}

func (c *camtReader) endStatement() error {
	s := c.stmt
	s.AccountIBAN = normalIBAN(c.ids.iban)
	if s.AccountIBAN == "" {
		s.AccountIBAN = normalIBAN(c.ids.othr)
	}
	if s.AccountIBAN == "" {
		return c.errorf("statement %q names no account", s.ID)
	}
	s.Opening, s.Closing = c.balances()
	s.Notification = c.msg == "054"
	s.Currency = c.ids.ccy
	if s.Currency == "" && len(c.bals) > 0 {
		s.Currency = c.bals[0].amt.ccy
	}
	if s.Currency == "" && len(s.Lines) > 0 {
		s.Currency = s.Lines[0].Currency
	}
	var err error
	if c.ids.from != "" && c.ids.to != "" {
		if s.From, err = c.date(c.ids.from); err != nil {
			return err
		}
		if s.To, err = c.date(c.ids.to); err != nil {
			return err
		}
	} else {
		s.From, s.To = dateRange(s.Lines)
		if s.From == "" && s.Opening != nil && s.Closing != nil {
			s.From, s.To = s.Opening.Date, s.Closing.Date
		}
	}
	if err := s.check(); err != nil {
		return err
	}
	c.file.Statements = append(c.file.Statements, *s)
	c.stmt = nil
	return nil
}

// balances picks the opening balance (OPBD, else PRCD, else the first
// ITBD) and the closing one (CLBD; in an intraday camt.052 without one,
// the last ITBD that is not the opening). Available balances (OPAV, CLAV)
// count value dates, not bookings, and are not used.
func (c *camtReader) balances() (opening, closing *Balance) {
	pick := func(code string, last bool, skip int) int {
		found := -1
		for i, b := range c.bals {
			if b.code == code && i != skip && b.amt.set {
				found = i
				if !last {
					break
				}
			}
		}
		return found
	}
	open := -1
	for _, code := range []string{"OPBD", "PRCD", "ITBD"} {
		if open = pick(code, false, -1); open >= 0 {
			break
		}
	}
	closeAt := pick("CLBD", false, -1)
	if closeAt < 0 && c.msg == "052" {
		closeAt = pick("ITBD", true, open)
	}
	return c.balance(open), c.balance(closeAt)
}

func (c *camtReader) balance(i int) *Balance {
	if i < 0 {
		return nil
	}
	b := c.bals[i]
	v := b.amt.minor
	if b.cdi == "DBIT" {
		v = -v
	}
	return &Balance{Date: b.date, Minor: v}
}

func dateRange(lines []Line) (from, to string) {
	for _, l := range lines {
		if from == "" || l.BookingDate < from {
			from = l.BookingDate
		}
		if l.BookingDate > to {
			to = l.BookingDate
		}
	}
	return from, to
}
