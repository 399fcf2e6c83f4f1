// Package bank closes the loop with the fund's bank account: it imports
// the bank's statements (camt.052/053/054, CSV-CAMT; read by package
// bank/statement), keeps each bank line once however often a file comes,
// matches credits to pledged donations, queues every other line for a
// treasurer, and compares the ledger's assets:bank with the statement's
// balance (reconciliation). Every line that books money books it once, in
// the write path, dated its booking day and named as the entry's cause.
package bank

import (
	"time"

	"fundus"
	"fundus/bank/statement"
	"fundus/commit"
	"fundus/db"
	"fundus/donations"
	"fundus/mail"
)

// The states of a bank line.
const (
	Pending = "pending" // the bank has not booked it yet: it books nothing and waits in no queue
	Queued  = "queued"  // booked by the bank, waiting for a person
	Matched = "matched" // it confirmed or was assigned to a donation (or an instalment)
	Booked  = "booked"  // a person booked it to an account (fees, interest, a return)
)

// Statement is one imported file: what it held and what its import did.
// A file with several statements answers for all of them: From of the
// first, To of the last, the opening balance of the first and the
// closing balance of the last, counts summed.
type Statement struct {
	ID             string        `json:"id"`
	AccountIBAN    string        `json:"account_iban"`
	Format         string        `json:"format"`
	From           string        `json:"from"`
	To             string        `json:"to"`
	OpeningBalance *fundus.Money `json:"opening_balance,omitempty"`
	ClosingBalance *fundus.Money `json:"closing_balance,omitempty"`
	Lines          int           `json:"lines"`
	NewLines       int           `json:"new_lines"`
	DuplicateLines int           `json:"duplicate_lines"`
	Matched        int           `json:"matched"`
	Queued         int           `json:"queued"`
	ImportedAt     time.Time     `json:"imported_at"`

	openingDate, closingDate string
	importedBy               string
	periods                  []period // of each statement of the file (import)
	seq                      int64
}

// Line is one bank line.
type Line struct {
	ID               string        `json:"id"`
	StatementID      string        `json:"statement_id"`
	BookingDate      string        `json:"booking_date"`
	ValueDate        string        `json:"value_date"`
	Amount           fundus.Money  `json:"amount"` // positive; Direction says which way
	Currency         string        `json:"currency"`
	Direction        string        `json:"direction"` // "credit" or "debit"
	CounterpartyName string        `json:"counterparty_name"`
	CounterpartyIBAN string        `json:"counterparty_iban"`
	Remittance       string        `json:"remittance"`
	EndToEndID       string        `json:"end_to_end_id"`
	BankReference    string        `json:"bank_reference"`
	BankText         string        `json:"bank_text,omitempty"`
	Status           string        `json:"status"`
	Match            *Match        `json:"match,omitempty"`
	EntryID          string        `json:"entry_id,omitempty"`
	Suggestions      []*Suggestion `json:"suggestions,omitempty"`

	identity string
	account  string // the fund's IBAN (import)
	replaces string // the identity of the pending line it replaced (import)
	part     int    // which statement of its file it came in (import)
	seq      int64
}

// Match is what a line was matched to or booked as.
type Match struct {
	Type string `json:"type"` // "donation", "disbursement", "refund" or "entry"
	ID   string `json:"id"`
}

// Suggestion is something a queued line may belong to, and why.
type Suggestion struct {
	Type   string `json:"type"` // "donation" (or "disbursement")
	ID     string `json:"id"`
	Reason string `json:"reason"`
	Code   string `json:"code"` // what Reason says, for pages to say it in their language: typo, other_amount, name
}

// signed is the line's amount as it changes the account: credits add.
func (l *Line) signed() int64 {
	if l.Direction == "debit" {
		return -l.Amount.Minor
	}
	return l.Amount.Minor
}

// Reconciliation compares the last statement's closing balance with the
// ledger's assets:bank on that day; the queued lines up to that day
// explain a difference.
type Reconciliation struct {
	StatementDate    string       `json:"statement_date"`
	StatementBalance fundus.Money `json:"statement_balance"`
	LedgerBalance    fundus.Money `json:"ledger_balance"`
	Difference       fundus.Money `json:"difference"` // statement - ledger
	QueuedLines      int          `json:"queued_lines"`
	QueuedAmount     fundus.Money `json:"queued_amount"` // signed: credits add
}

// Service runs the use cases of this package.
type Service struct {
	DB     *db.DB
	Writer *commit.Writer
	// IBAN, BIC and Holder are the fund's account (FUNDUS_BANK_*):
	// statements of other accounts are refused, payment files pay from it.
	IBAN, BIC, Holder string
	// Limits bound what a file may hold (zero: statement.DefaultLimits).
	Limits statement.Limits
	// MaxAmount is the ceiling of any amount, in cents: a file with a
	// larger line is refused (zero: none).
	MaxAmount int64
	// Mail queues the mails a line causes: a donor's thanks, a group's
	// paid instalment (nil: none).
	Mail *mail.Outbox
	// Bands say who accepts a donation a line brings (donations.Bands).
	Bands donations.Bands
}

// outcome is the outcome of a write on a bank line.
type lineOutcome = commit.Outcome[*Line]
