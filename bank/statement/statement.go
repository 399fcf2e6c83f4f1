package statement

import (
	"fmt"
	"io"

	"fundus/errs"
)

// File is what one uploaded bank file holds.
type File struct {
	// Format names what was read: "camt.053.001.08", "camt.052.001.02",
	// "csv-camt", or for a ZIP the formats of its entries in the order
	// they first occur, "zip(camt.053.001.08)".
	Format     string
	Statements []Statement
}

// Statement is one account's statement, report or notification (camt
// Stmt, Rpt or Ntfctn), or one account's rows of a CSV file.
type Statement struct {
	ID          string // the bank's Stmt/Rpt/Ntfctn Id; "" for CSV
	AccountIBAN string // Acct/Id/IBAN, else Acct/Id/Othr/Id; spaces removed, upper case
	Currency    string
	From, To    string // YYYY-MM-DD: FrToDt when given, else the lines' booking dates, else the balances' dates
	// Notification: a camt.054, which notifies single entries; a
	// statement or report (camt.053, camt.052, CSV-CAMT) shows all the
	// account's lines of its days, the pending ones too.
	Notification bool
	Opening      *Balance // nil when the file has none
	Closing      *Balance // nil when the file has none
	Lines        []Line
}

// Balance is a booked balance. Minor is signed: credit positive, debit negative.
type Balance struct {
	Date  string
	Minor int64
}

// Line is one movement of money on the account: one camt entry, or one
// transaction of a batch entry, or one CSV row.
type Line struct {
	BookingDate, ValueDate string // YYYY-MM-DD; ValueDate may be ""
	Minor                  int64  // hundredths of Currency, always positive
	Currency               string
	Direction              string // "credit" or "debit": the way the money moved on this account
	Reversal               bool   // RvslInd: the line undoes an earlier line of the other direction
	Booked                 bool   // BOOK / "Umsatz gebucht"; pending and information lines are false
	CounterpartyName       string // the debtor of a credit, the creditor of a debit
	CounterpartyIBAN       string
	Remittance             string
	EndToEndID             string // "" for NOTPROVIDED
	BankReference          string // AcctSvcrRef; "" for NONREF
	BankText               string // AddtlNtryInf / Buchungstext: not part of a line's identity
}

// Direction values.
const (
	Credit = "credit"
	Debit  = "debit"
)

// Error codes of Parse, given with errs.Code; the caller maps them to problems.
const (
	CodeUnsupported = errs.Code("unsupported_file")
	CodeMalformed   = errs.Code("malformed_file")
	CodeTooLarge    = errs.Code("file_too_large")
	CodeUnbalanced  = errs.Code("statement_unbalanced")
)

// Parse reads a bank file: camt.052, camt.053 or camt.054 (versions
// .001.02 to .001.08), a ZIP of such files, or a Sparkasse CSV-CAMT file.
// The format is found from the content, never from a file name.
//
// It returns errs.Invalid with CodeUnsupported (MT940, CSV-MT940, other
// content), CodeMalformed (broken XML, UTF-8, CSV, amounts, dates, batch
// entries whose transactions do not add up to the entry) or CodeUnbalanced
// (opening balance plus booked lines is not the closing balance), and
// errs.TooLarge with CodeTooLarge when a limit of lim is passed.
func Parse(r io.Reader, lim Limits) (*File, error) {
	const op errs.Op = "statement.Parse"
	lim = lim.orDefaults()
	data, err := readAll(r, lim.MaxBytes, "the file")
	if err != nil {
		return nil, errs.E(op, err)
	}
	p := &parser{lim: lim}
	f, err := p.parse(data, false)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return f, nil
}

// parser carries what several files of one upload share: the limits and
// how many lines were read so far.
type parser struct {
	lim      Limits
	lines    int
	unzipped int64
}

// addLine counts one line against MaxLines.
func (p *parser) addLine() error {
	p.lines++
	if p.lines > p.lim.MaxLines {
		return errs.E(errs.TooLarge, CodeTooLarge,
			fmt.Sprintf("the file has more than %d lines; ask the bank for shorter periods", p.lim.MaxLines))
	}
	return nil
}

// parse reads one file's bytes; inZip refuses a ZIP inside a ZIP.
func (p *parser) parse(data []byte, inZip bool) (*File, error) {
	switch kind, name := detect(data); kind {
	case kindZip:
		if inZip {
			return nil, unsupported("a ZIP inside a ZIP is not read; unpack the inner ZIP and upload it on its own")
		}
		return p.parseZip(data)
	case kindXML:
		return p.parseCamt(data)
	case kindCSV:
		return p.parseCSV(data)
	default:
		return nil, unsupported(name)
	}
}

func unsupported(msg string) error {
	return errs.E(errs.Invalid, CodeUnsupported, msg)
}

func malformed(format string, args ...any) error {
	return errs.E(errs.Invalid, CodeMalformed, fmt.Sprintf(format, args...))
}

// check verifies that the opening balance plus the booked lines is the
// closing balance, where the statement has both.
func (s *Statement) check() error {
	if s.Opening == nil || s.Closing == nil {
		return nil
	}
	sum := s.Opening.Minor
	for i, l := range s.Lines {
		if !l.Booked {
			continue
		}
		if l.Currency != s.Currency {
			return malformed("statement %q: line %d is in %s, the account in %s", s.ID, i+1, l.Currency, s.Currency)
		}
		v := l.Minor
		if l.Direction == Debit {
			v = -v
		}
		var ok bool
		if sum, ok = addMinor(sum, v); !ok {
			return malformed("statement %q: its lines add up to more than can be counted", s.ID)
		}
	}
	if sum != s.Closing.Minor {
		return errs.E(errs.Invalid, CodeUnbalanced, fmt.Sprintf(
			"statement %q does not add up: the opening balance %s plus the booked lines gives %s, but the closing balance is %s",
			s.ID, formatMinor(s.Opening.Minor), formatMinor(sum), formatMinor(s.Closing.Minor)))
	}
	return nil
}
