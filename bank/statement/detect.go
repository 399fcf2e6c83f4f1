package statement

import (
	"bytes"
)

type kind int

const (
	kindUnknown kind = iota
	kindZip
	kindXML
	kindCSV
)

var bom = []byte("\xef\xbb\xbf")

// detect tells from the first bytes what a file is. For content it does
// not read it also returns the message that says so.
func detect(data []byte) (kind, string) {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")) {
		return kindZip, ""
	}
	head := data[:min(len(data), 4096)]
	head = bytes.TrimPrefix(head, bom)
	head = bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(head) == 0:
		return kindUnknown, "the file is empty"
	case head[0] == '<':
		return kindXML, ""
	case isMT940(head):
		return kindUnknown, "MT940 statements are no longer read (German banks ended MT940 in November 2025); download the statement as camt.053, camt.052 or CSV-CAMT instead"
	}
	first, _, _ := bytes.Cut(head, []byte("\n"))
	if bytes.Contains(first, []byte("Auftragskonto")) && bytes.Contains(first, []byte(";")) {
		if bytes.Contains(first, []byte(`"BLZ"`)) || bytes.Contains(first, []byte(";BLZ;")) {
			return kindUnknown, "CSV-MT940 files are not read; download the statement as CSV-CAMT or camt instead"
		}
		return kindCSV, ""
	}
	return kindUnknown, "this is not a bank statement Fundus reads: upload camt.053, camt.052 or camt.054 (XML), a ZIP of them, or a Sparkasse CSV-CAMT file"
}

// isMT940 spots a SWIFT MT940 statement: a ":20:" line followed by the
// account (":25:") or balance (":60F:") lines, or a SWIFT block header.
func isMT940(head []byte) bool {
	if bytes.HasPrefix(head, []byte("{1:")) {
		return true
	}
	for _, start := range [][]byte{[]byte(":20:"), []byte("-\r\n:20:"), []byte("-\n:20:")} {
		if bytes.HasPrefix(head, start) {
			return bytes.Contains(head, []byte("\n:25:")) || bytes.Contains(head, []byte("\n:60F:"))
		}
	}
	return false
}
