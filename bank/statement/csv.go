package statement

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"fundus/errs"

	"golang.org/x/text/encoding/charmap"
)

// The CSV-CAMT columns read; the others (Glaeubiger ID, Mandatsreferenz,
// Sammlerreferenz, Lastschrift Ursprungsbetrag, Auslagenersatz
// Ruecklastschrift, BIC) say nothing a line needs.
const (
	colAccount    = "Auftragskonto"
	colBooking    = "Buchungstag"
	colValue      = "Valutadatum"
	colText       = "Buchungstext"
	colRemittance = "Verwendungszweck"
	colEndToEnd   = "Kundenreferenz (End-to-End)"
	colName       = "Beguenstigter/Zahlungspflichtiger"
	colIBAN       = "Kontonummer/IBAN"
	colAmount     = "Betrag"
	colCurrency   = "Waehrung"
	colInfo       = "Info"
)

// parseCSV reads a Sparkasse CSV-CAMT export: one statement per
// Auftragskonto, in the order the accounts first appear, without balances.
// A file that is not UTF-8 is read as Windows-1252, which Sparkassen write
// (ISO-8859-1 with the printable characters in 0x80-0x9F).
func (p *parser) parseCSV(data []byte) (*File, error) {
	data = bytes.TrimPrefix(data, bom)
	if !utf8.Valid(data) {
		var err error
		if data, err = charmap.Windows1252.NewDecoder().Bytes(data); err != nil {
			return nil, malformed("the CSV file is neither UTF-8 nor Windows-1252")
		}
	}
	// A NUL is in no bank's file, and PostgreSQL refuses it in text.
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, malformed("the CSV file holds a NUL character (line %d); it is not a bank statement", 1+bytes.Count(data[:i], []byte("\n")))
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = ';'
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, csvError(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{colAccount, colBooking, colAmount, colCurrency} {
		if _, ok := col[need]; !ok {
			return nil, malformed("the CSV file has no column %q; export the statement as CSV-CAMT", need)
		}
	}
	r.FieldsPerRecord = len(header)
	f := &File{Format: "csv-camt"}
	byAccount := map[string]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		if err := p.addLine(); err != nil {
			return nil, err
		}
		row, _ := r.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		l, err := csvLine(get)
		if err != nil {
			return nil, malformed("CSV line %d: %v", row, err)
		}
		account := normalIBAN(get(colAccount))
		i, ok := byAccount[account]
		if !ok {
			i = len(f.Statements)
			byAccount[account] = i
			f.Statements = append(f.Statements, Statement{AccountIBAN: account, Currency: l.Currency})
		}
		f.Statements[i].Lines = append(f.Statements[i].Lines, l)
	}
	for i := range f.Statements {
		s := &f.Statements[i]
		s.From, s.To = dateRange(s.Lines)
	}
	return f, nil
}

func csvLine(get func(string) string) (Line, error) {
	var l Line
	var err error
	if l.BookingDate, err = germanDate(get(colBooking)); err != nil {
		return l, err
	}
	if v := get(colValue); v != "" {
		if l.ValueDate, err = germanDate(v); err != nil {
			return l, err
		}
	}
	minor, negative, err := parseGermanAmount(get(colAmount))
	if err != nil {
		return l, err
	}
	l.Minor, l.Direction = minor, Credit
	if negative {
		l.Direction = Debit
	}
	if l.Currency = get(colCurrency); l.Currency == "" {
		return l, errors.New("the currency is missing")
	}
	switch info := get(colInfo); info {
	case "", "Umsatz gebucht":
		l.Booked = true
	case "Umsatz vorgemerkt":
	default:
		return l, errors.New("the Info " + info + " is neither \"Umsatz gebucht\" nor \"Umsatz vorgemerkt\"")
	}
	l.CounterpartyName = get(colName)
	l.CounterpartyIBAN = normalIBAN(get(colIBAN))
	l.Remittance = get(colRemittance)
	if e2e := get(colEndToEnd); e2e != "NOTPROVIDED" {
		l.EndToEndID = e2e
	}
	l.BankText = get(colText)
	return l, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return malformed("the CSV file is broken at line %d: %v", pe.Line, pe.Err)
	}
	if err == io.EOF {
		return malformed("the CSV file is empty")
	}
	return errs.E(errs.Invalid, CodeMalformed, err, "the CSV file could not be read")
}
