// Package receipts issues donation receipts (Zuwendungsbestätigungen,
// § 10b EStG, § 50 EStDV) for received, accepted donations: a single
// receipt for one donation by the treasurer's action, collective receipts
// (Sammelbestätigungen) for a year by the annual run; never automatically.
//
// Numbers are gapless per year (ZB-2026-00001): a counter per year is
// taken in the receipt's own transaction. A donation has at most one valid
// receipt (a partial unique index on receipt_donations). Cancelling keeps
// the receipt, its number and PDF, marked cancelled; the donation may then
// get a new receipt with a new number.
//
// A receipt's year is the year of its donations' days in Europe/Berlin: a
// single receipt's, the day its donation was received; a collective
// receipt's, the year asked for (it lists only donations received then).
//
// A receipt keeps its own copy of the donor's name and address and its
// PDF, so erasing a donation's personal data leaves what the receipt must
// keep until its own period ends (EraseDue).
package receipts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"fundus"
	"fundus/commit"
	"fundus/db"
	"fundus/mail"
	"fundus/receipts/pdf"
)

// Status is where a receipt stands.
type Status string

// The states: valid -> cancelled.
const (
	Valid     Status = "valid"
	Cancelled Status = "cancelled"
)

// The kinds of receipt.
const (
	Single     = pdf.Single
	Collective = pdf.Collective
)

// Donor is who a receipt is made out to, as printed on it.
type Donor struct {
	Name       string `json:"name"`
	Street     string `json:"street"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
}

// Item is a donation a receipt confirms, with its day (YYYY-MM-DD, Europe/
// Berlin) and the amount that arrived.
type Item struct {
	DonationID string       `json:"donation_id"`
	Date       string       `json:"date"`
	Amount     fundus.Money `json:"amount"`
}

// Receipt is an issued donation receipt.
type Receipt struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	Year   int    `json:"year"`
	Kind   string `json:"kind"`
	Status Status `json:"status"`
	// DonationID is a single receipt's donation.
	DonationID string       `json:"donation_id,omitempty"`
	Donor      Donor        `json:"donor"`
	Amount     fundus.Money `json:"amount"`
	// Date is a single receipt's donation day; PeriodFrom and PeriodTo a
	// collective receipt's period (YYYY-MM-DD).
	Date         string     `json:"date,omitempty"`
	PeriodFrom   string     `json:"period_from,omitempty"`
	PeriodTo     string     `json:"period_to,omitempty"`
	Items        []Item     `json:"items"`
	IssuedAt     time.Time  `json:"issued_at"`
	IssuedBy     string     `json:"issued_by"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	CancelledBy  string     `json:"cancelled_by,omitempty"`
	CancelReason string     `json:"cancel_reason,omitempty"`
	PDFSHA256    string     `json:"pdf_sha256"`
	Lang         string     `json:"lang"`
	// Erased says the donor's name, address and the PDF were erased at the
	// end of the receipt's retention period (EraseDue).
	Erased bool `json:"erased,omitempty"`
}

// Service runs the use cases of this package.
type Service struct {
	DB     *db.DB
	Writer *commit.Writer
	Mail   *mail.Outbox // the donors' mails (nil: none)
	// The issuer printed on receipts: FUNDUS_OPERATOR_NAME and _ADDRESS.
	IssuerName, IssuerAddress string
	// Place is where receipts are issued (FUNDUS_RECEIPT_PLACE, else the
	// city of the operator's address: PlaceOf).
	Place string
	// Purpose is the tax-privileged purpose (FUNDUS_DONATION_PURPOSE).
	Purpose string
	// MachineNote names the tax office's notice of the machine procedure
	// (FUNDUS_RECEIPT_MACHINE_NOTE); empty: receipts carry a signature line.
	MachineNote string
	// Now is the clock for the issue day and the annual run's checks; nil:
	// time.Now.
	Now func() time.Time
}

// DefaultPurpose is the purpose printed when FUNDUS_DONATION_PURPOSE is
// not set.
const DefaultPurpose = fundus.DefaultDonationPurpose

// ProofLimit is the largest donation to a public-law body for which the
// bank statement is proof enough (§ 50 Abs. 4 EStDV), in cents: such a
// donation gets a receipt only when asked for.
const ProofLimit = 30000

// PlaceOf returns the city of a one-line address ("Markt 1, 49074
// Osnabrück" → "Osnabrück"): the part after the last comma, without a
// leading postal code. Empty if there is none.
func PlaceOf(address string) string {
	lines := strings.FieldsFunc(address, func(r rune) bool { return r == ',' || r == '\n' })
	if len(lines) == 0 {
		return ""
	}
	last := strings.Fields(lines[len(lines)-1])
	if len(last) > 1 && strings.ContainsAny(last[0], "0123456789") {
		last = last[1:]
	}
	return strings.Join(last, " ")
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// number formats a receipt's number.
func number(year int, seq int64) string { return fmt.Sprintf("ZB-%04d-%05d", year, seq) }

// document is what r's PDF shows; cancelled stamps it.
func (s *Service) document(r *Receipt, cancelled bool) pdf.Document {
	var addr []string
	for _, l := range []string{r.Donor.Street, strings.TrimSpace(r.Donor.PostalCode + " " + r.Donor.City)} {
		if l != "" {
			addr = append(addr, l)
		}
	}
	d := pdf.Document{
		Kind: r.Kind, Number: r.Number, IssuerName: s.IssuerName, IssuerAddress: s.IssuerAddress,
		DonorName: r.Donor.Name, DonorAddress: addr, Amount: r.Amount.Minor,
		Purpose: s.Purpose, MachineNote: s.MachineNote, Place: s.Place,
		IssuedOn: fundus.DayOf(r.IssuedAt), Cancelled: cancelled,
	}
	if d.Purpose == "" {
		d.Purpose = DefaultPurpose
	}
	if r.Kind == Single {
		d.Date = r.Date
	} else {
		d.PeriodFrom, d.PeriodTo = r.PeriodFrom, r.PeriodTo
		for _, it := range r.Items {
			d.Items = append(d.Items, pdf.Item{Date: it.Date, Amount: it.Amount.Minor})
		}
	}
	return d
}

// render makes r's PDF and returns it with its SHA-256 (hex).
func (s *Service) render(r *Receipt, cancelled bool) ([]byte, string, error) {
	b, err := pdf.Render(s.document(r, cancelled))
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:]), nil
}
