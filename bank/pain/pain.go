package pain

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"fundus"
	"fundus/errs"
)

// Namespace is the XML namespace of a pain.001.001.09 document.
const Namespace = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"

// Lengths and limits of the SEPA credit transfer rulebook.
const (
	MaxNameLen       = 70
	MaxRemittanceLen = 140
	MaxIDLen         = 35
	MaxMinor         = 99999999999        // 999999999.99 EUR, the largest SEPA amount
	maxSum           = 999999999999999999 // a CtrlSum has at most 18 digits
)

// Party is an account holder: the fund as debtor, or a payee. Name is
// passed through Latin and cut to MaxNameLen. The BIC may be empty (SEPA
// needs only the IBAN).
type Party struct {
	Name, IBAN, BIC string
}

// Payment is one credit transfer. EndToEndID comes back on the bank's
// statement line of the debit; Remittance is the unstructured text the
// payee sees, passed through Latin and cut to MaxRemittanceLen.
type Payment struct {
	EndToEndID string
	Minor      int64 // euro cents, > 0
	Payee      Party
	Remittance string
}

// Message is one payment file: the fund pays every payment from the
// Debtor's account on ExecutionDate (YYYY-MM-DD).
type Message struct {
	MessageID     string
	CreatedAt     time.Time
	Debtor        Party
	ExecutionDate string
	Payments      []Payment
}

// The document's elements, in the order the XSD's sequences require.
type (
	document struct {
		XMLName    xml.Name   `xml:"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09 Document"`
		Initiation initiation `xml:"CstmrCdtTrfInitn"`
	}
	initiation struct {
		GrpHdr groupHeader `xml:"GrpHdr"`
		PmtInf paymentInfo `xml:"PmtInf"`
	}
	groupHeader struct {
		MsgID    string `xml:"MsgId"`
		CreDtTm  string `xml:"CreDtTm"`
		NbOfTxs  string `xml:"NbOfTxs"`
		CtrlSum  string `xml:"CtrlSum"`
		InitgPty party  `xml:"InitgPty"`
	}
	paymentInfo struct {
		PmtInfID    string        `xml:"PmtInfId"`
		PmtMtd      string        `xml:"PmtMtd"`
		BtchBookg   bool          `xml:"BtchBookg"`
		NbOfTxs     string        `xml:"NbOfTxs"`
		CtrlSum     string        `xml:"CtrlSum"`
		SvcLvl      string        `xml:"PmtTpInf>SvcLvl>Cd"`
		ReqdExctnDt string        `xml:"ReqdExctnDt>Dt"`
		Dbtr        party         `xml:"Dbtr"`
		DbtrAcct    account       `xml:"DbtrAcct"`
		DbtrAgt     agent         `xml:"DbtrAgt"`
		ChrgBr      string        `xml:"ChrgBr"`
		CdtTrfTxInf []transaction `xml:"CdtTrfTxInf"`
	}
	transaction struct {
		EndToEndID string      `xml:"PmtId>EndToEndId"`
		InstdAmt   amount      `xml:"Amt>InstdAmt"`
		CdtrAgt    *agent      `xml:"CdtrAgt,omitempty"`
		Cdtr       party       `xml:"Cdtr"`
		CdtrAcct   account     `xml:"CdtrAcct"`
		RmtInf     *remittance `xml:"RmtInf,omitempty"`
	}
	remittance struct {
		Ustrd string `xml:"Ustrd"`
	}
	party struct {
		Nm string `xml:"Nm"`
	}
	account struct {
		IBAN string `xml:"Id>IBAN"`
	}
	// agent is a bank by its BIC, or NOTPROVIDED, as the EPC rulebook
	// writes a debtor's bank that is known by the IBAN alone.
	agent struct {
		BICFI string `xml:"FinInstnId>BICFI,omitempty"`
		Othr  *other `xml:"FinInstnId>Othr,omitempty"`
	}
	other struct {
		ID string `xml:"Id"`
	}
	amount struct {
		Ccy   string `xml:"Ccy,attr"`
		Value string `xml:",chardata"`
	}
)

// Write writes m as a pain.001.001.09 CustomerCreditTransferInitiationV09
// document: one payment information block, service level SEPA, charges
// shared (SLEV), no batch booking (each payment its own statement line),
// amounts in EUR. The payment information id is the message id.
//
// Write refuses, with Invalid naming every wrong field, a message that
// would make a file the bank rejects: no payments, an IBAN or BIC that is
// not one, an id outside the SEPA id characters or longer than MaxIDLen,
// an end-to-end id used twice, an amount not in 0.01..999999999.99, a name
// with no Latin letter or digit, an execution date before the creation day.
func Write(w io.Writer, m Message) error {
	const op errs.Op = "pain.Write"
	doc, fields := build(m)
	if len(fields) > 0 {
		msgs := make([]string, len(fields))
		for i, f := range fields {
			msgs[i] = f.Field + ": " + f.Message
		}
		return errs.E(op, errs.Invalid, fields, "the payment file would be refused: "+strings.Join(msgs, "; "))
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return errs.E(op, err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return errs.E(op, err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return errs.E(op, err)
	}
	return nil
}

// build checks m and turns it into the document, or lists what is wrong.
func build(m Message) (document, []errs.FieldError) {
	var fields []errs.FieldError
	bad := func(field, msg string) { fields = append(fields, errs.FieldError{Field: field, Message: msg}) }

	checkID(bad, "message_id", m.MessageID)
	if m.CreatedAt.IsZero() {
		bad("created_at", "is required")
	}
	if !fundus.IsDay(m.ExecutionDate) {
		bad("execution_date", "must be a date YYYY-MM-DD")
	} else if !m.CreatedAt.IsZero() && m.ExecutionDate < fundus.DayOf(m.CreatedAt) {
		bad("execution_date", "must not be before the day the file is created")
	}
	debtor := checkParty(bad, "debtor", m.Debtor)
	if len(m.Payments) == 0 {
		bad("payments", "a payment file needs at least one payment")
	}

	var sum int64
	seen := make(map[string]int)
	txs := make([]transaction, 0, len(m.Payments))
	for i, p := range m.Payments {
		field := fmt.Sprintf("payments[%d]", i)
		checkID(bad, field+".end_to_end_id", p.EndToEndID)
		if j, ok := seen[p.EndToEndID]; ok && p.EndToEndID != "" {
			bad(field+".end_to_end_id", fmt.Sprintf("is the end-to-end id of payments[%d] too", j))
		}
		seen[p.EndToEndID] = i
		if p.Minor <= 0 || p.Minor > MaxMinor {
			bad(field+".amount", "must be from 0.01 to "+fundus.FormatMinor(MaxMinor, fundus.EUR))
		} else if sum > maxSum-p.Minor {
			bad("payments", "the sum has more than 18 digits")
		} else {
			sum += p.Minor
		}
		payee := checkParty(bad, field+".payee", p.Payee)
		tx := transaction{
			EndToEndID: p.EndToEndID,
			InstdAmt:   amount{Ccy: fundus.EUR.Code, Value: fundus.FormatMinor(p.Minor, fundus.EUR)},
			Cdtr:       party{Nm: payee.Name},
			CdtrAcct:   account{IBAN: payee.IBAN},
		}
		if ustrd := cut(Latin(p.Remittance), MaxRemittanceLen); ustrd != "" {
			tx.RmtInf = &remittance{Ustrd: ustrd}
		}
		if payee.BIC != "" {
			tx.CdtrAgt = &agent{BICFI: payee.BIC}
		}
		txs = append(txs, tx)
	}

	n, total := strconv.Itoa(len(txs)), fundus.FormatMinor(sum, fundus.EUR)
	doc := document{Initiation: initiation{
		GrpHdr: groupHeader{
			MsgID:    m.MessageID,
			CreDtTm:  m.CreatedAt.Truncate(time.Second).Format(time.RFC3339),
			NbOfTxs:  n,
			CtrlSum:  total,
			InitgPty: party{Nm: debtor.Name},
		},
		PmtInf: paymentInfo{
			PmtInfID:    m.MessageID,
			PmtMtd:      "TRF",
			BtchBookg:   false,
			NbOfTxs:     n,
			CtrlSum:     total,
			SvcLvl:      "SEPA",
			ReqdExctnDt: m.ExecutionDate,
			Dbtr:        party{Nm: debtor.Name},
			DbtrAcct:    account{IBAN: debtor.IBAN},
			DbtrAgt:     agent{BICFI: debtor.BIC},
			ChrgBr:      "SLEV",
			CdtTrfTxInf: txs,
		},
	}}
	if debtor.BIC == "" {
		doc.Initiation.PmtInf.DbtrAgt = agent{Othr: &other{ID: "NOTPROVIDED"}}
	}
	return doc, fields
}

// checkParty returns p as the file writes it: the name in the SEPA
// characters and cut, the IBAN without spaces and in upper case, the BIC
// in upper case.
func checkParty(bad func(field, msg string), field string, p Party) Party {
	out := Party{
		Name: cut(Latin(p.Name), MaxNameLen),
		IBAN: fundus.NormalizeIBAN(p.IBAN),
		BIC:  strings.ToUpper(strings.TrimSpace(p.BIC)),
	}
	if !strings.ContainsFunc(out.Name, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		bad(field+".name", "needs Latin letters: give the name as the bank knows it")
	}
	if !fundus.ValidIBAN(out.IBAN) {
		bad(field+".iban", "is not a valid IBAN")
	}
	if out.BIC != "" && !fundus.ValidBIC(out.BIC) {
		bad(field+".bic", "is not a valid BIC")
	}
	return out
}

// checkID refuses an id that is empty, longer than MaxIDLen, has a
// character outside the SEPA set, or a slash at its start or end or two
// together (the EPC rulebook's rule for references).
func checkID(bad func(field, msg string), field, id string) {
	switch {
	case id == "":
		bad(field, "is required")
	case len(id) > MaxIDLen:
		bad(field, fmt.Sprintf("must be at most %d characters", MaxIDLen))
	case strings.ContainsFunc(id, func(r rune) bool { return !isSEPA(r) }):
		bad(field, "may only hold a-z A-Z 0-9 / - ? : ( ) . , ' + and space")
	case strings.HasPrefix(id, "/") || strings.HasSuffix(id, "/") || strings.Contains(id, "//"):
		bad(field, "must not start or end with / or hold //")
	}
}

// cut shortens s, which Latin made ASCII, to at most n characters, and
// drops the space the cut may leave at its end.
func cut(s string, n int) string {
	if len(s) > n {
		s = strings.TrimRight(s[:n], " ")
	}
	return s
}
