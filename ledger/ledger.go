package ledger

import (
	"encoding/json"
	"strconv"
	"time"

	"fundus"
	"fundus/check"
	"fundus/commit"
	"fundus/errs"
)

// The accounts of the default chart (created by migration).
const (
	Bank           = "assets:bank"
	Clearing       = "assets:clearing"
	GrantsPayable  = "liabilities:grants-payable"
	RefundsPayable = "liabilities:refunds-payable"
	// DonationsPending holds received donations until the body the law
	// names accepts them (to Donations) or declines them (to
	// RefundsPayable): in the bank, but not yet the fund's to spend.
	DonationsPending = "liabilities:donations-pending"
	OpeningBalance   = "equity:opening-balance"
	Donations        = "income:donations"
	Interest         = "income:interest"
	GrantsExpense    = "expenses:grants"
	BankFees         = "expenses:bank-fees"
)

// Kinds of entries. Domains add their own.
const (
	KindManual   = "manual"
	KindReversal = "reversal"
)

// Account is one account of the chart with its stored balance.
type Account struct {
	Code     string       `json:"code"`
	Type     string       `json:"type"`
	Currency string       `json:"currency"`
	Name     string       `json:"name"`
	Balance  fundus.Money `json:"balance"`
}

// Ref points at what caused an entry: a donation, a grant decision, a
// disbursement. The ledger holds no personal data; the domain row does.
type Ref struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Posting is one line of an entry.
type Posting struct {
	Account  string       `json:"account"`
	Amount   fundus.Money `json:"amount"`
	Currency string       `json:"currency"`
}

// Entry is a journal transaction.
type Entry struct {
	ID       string    `json:"id"`
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Date     string    `json:"date"` // the business day, YYYY-MM-DD in Europe/Berlin
	Kind     string    `json:"kind"`
	Memo     string    `json:"memo"`
	Ref      *Ref      `json:"ref"`
	Actor    string    `json:"actor"`
	Postings []Posting `json:"postings"`
	Reverses string    `json:"reverses,omitempty"`
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// MarshalJSON writes the entry with its time in the fixed layout of the
// canonical bytes (always six fraction digits), so that an auditor can copy
// it into a hash computation as it stands. A repeat of a request answered
// with an entry reads the entry back and answers with this JSON again
// (StoredRef): a change of its shape needs a new entryRefKind
// (TestEntryJSONShape pins it).
func (e *Entry) MarshalJSON() ([]byte, error) {
	type plain Entry
	return json.Marshal(struct {
		*plain
		Time string `json:"time"`
	}{(*plain)(e), string(fundus.AppendInstant(nil, e.Time))})
}

// StoredRef names the entry by its sequence number, under which its
// idempotency record stores it instead of its JSON: an entry never
// changes, so its JSON read back is the first answer (bookPart.Resolve).
func (e *Entry) StoredRef() commit.StoredRef {
	return commit.StoredRef{Kind: entryRefKind, ID: strconv.FormatInt(e.Seq, 10)}
}

// entryRefKind is the kind of an entry's StoredRef. The JSON of an entry
// read back under it must be the JSON it was answered with (MarshalJSON):
// a new shape needs a new kind.
const entryRefKind = "ledger.entry"

// NewPosting is one line of an entry to post: Amount in minor units of the
// account's currency, debit positive.
type NewPosting struct {
	Account string
	Amount  int64
}

// NewEntry is an entry to post.
type NewEntry struct {
	ID       string // the entry's id; empty: a new one (set it to name the entry in a row written before posting)
	Kind     string
	Memo     string
	Ref      *Ref
	Actor    string
	Reverses string
	Postings []NewPosting
	// Date is the business day the entry belongs to (YYYY-MM-DD), when it
	// is not the day it is written in Europe/Berlin: a donation's day of
	// receipt, a bank line's booking date.
	Date string
	// FromBank says the entry records what the bank's statement shows
	// (a bank line): only such an entry may post to assets:bank, and as
	// the money moved already, it is not refused for taking available
	// money below zero. The rules that keep payouts within the money
	// there is act before, at approval.
	FromBank bool
}

// BankOnlyWithLines is why a posting to assets:bank by anything but a
// bank line is refused.
const BankOnlyWithLines = "must not be " + Bank + ": money enters and leaves the bank account only with the bank's lines " +
	"(import the statement and book the line from the bank queue; the opening balance is the bank's line booked to " + OpeningBalance + ")"

// PendingOnlyByDecision says why a manual entry may not post to
// liabilities:donations-pending: its money moves only by the decision of
// the body that accepts or declines the donation, or by its refund, which
// keep the donation's record in step.
const PendingOnlyByDecision = "must not be " + DonationsPending + ": a donation waiting for acceptance leaves it only by the " +
	"decision of the body that accepts or declines it (recorded by the admin) or by its refund"

// DonationsOnlyAsDonations says why a manual entry may not post to
// income:donations: a donation enters the fund's money only as a donation
// (confirmed, matched or booked from a bank line) and only once the body
// the law names has accepted it; money by hand there would bypass both,
// and the donations' records and public figures would no longer add up.
const DonationsOnlyAsDonations = "must not be " + Donations + ": donations enter it only as donations (confirmed, matched or " +
	"booked from a bank line) once accepted, and leave it only by their refund; book other money to " + Interest + " or " + OpeningBalance

// MaxMemo is the longest memo, in characters.
const MaxMemo = 500

// checkText refuses what check.HasControl reports on one line (which would
// also make the canonical bytes ambiguous) and text over max characters.
func checkText(op errs.Op, field, s string, max int) error {
	return check.Text(op, field, s, max, false)
}
