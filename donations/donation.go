// Package donations holds pledges from the public and what becomes of them:
// the treasurer confirms what arrived on the bank account, cancels what never
// will, and refunds. Confirmations and refunds post to the ledger through its
// write path, in the same commit as the donation's change of state.
//
// The donor's name, address and email live only in the donation's row; the
// ledger's entries point at the donation by id, so personal data can be
// erased when the retention period ends without touching the hash chain.
package donations

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"

	"fundus"
	"fundus/audit"
	"fundus/check"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
	"fundus/mail"
)

// Status is where a donation stands.
type Status string

// The states: pledged -> received -> refunded, pledged -> cancelled.
const (
	Pledged   Status = "pledged"
	Received  Status = "received"
	Cancelled Status = "cancelled"
	Refunded  Status = "refunded"
)

// Entry kinds this package posts.
const (
	KindDonation   = "donation"
	KindRefund     = "donation-refund"
	KindSettle     = "donation-settle"      // a donation confirmed by hand reaches the bank account
	KindRefundPaid = "donation-refund-paid" // a refund leaves the bank account
	// KindRefundReturned: the donor's bank sent a paid refund back; it is
	// owed again.
	KindRefundReturned = "donation-refund-returned"
)

// Acceptance is where a received donation stands with the body the law
// names (§ 111 Abs. 8 NKomVG with § 26 KomHKVO); empty while the money has
// not arrived.
type Acceptance string

// The acceptance states: a received donation in the first band is
// accepted at once by the administration; any other waits (pending) for
// the committee or the council, which accepts or declines it.
const (
	AcceptancePending  Acceptance = "pending"
	AcceptanceAccepted Acceptance = "accepted"
	AcceptanceDeclined Acceptance = "declined"
)

// Body is who accepts a donation.
type Body string

// The bodies, by band.
const (
	BodyAdministration Body = "administration"
	BodyCommittee      Body = "committee"
	BodyCouncil        Body = "council"
)

// RefundStatus is where a refund's payment stands.
type RefundStatus string

// The states of a refund's payment: owed -> sent (a payment file holds
// it) -> paid (the bank's debit line) -> returned (the donor's bank sent it
// back: owed again, waiting for a payee account) -> owed (an account was
// set) -> ...; a debit line assigned by hand pays an owed, sent or
// returned refund.
const (
	RefundOwed     RefundStatus = "owed"
	RefundSent     RefundStatus = "sent"
	RefundPaid     RefundStatus = "paid"
	RefundReturned RefundStatus = "returned"
)

// RefundPayee is the account a treasurer set for a refund.
type RefundPayee struct {
	Name string `json:"name"`
	IBAN string `json:"iban"`
}

// Donor is who gives, as far as they say.
type Donor struct {
	Name       string `json:"name" validate:"max=200,text"`
	Email      string `json:"email" validate:"omitempty,max=254,text,email"`
	Street     string `json:"street" validate:"max=200,text"`
	PostalCode string `json:"postal_code" validate:"omitempty,postalcode"`
	City       string `json:"city" validate:"max=100,text"`
}

func (d *Donor) empty() bool { return d == nil || *d == Donor{} }

// Donation is a pledge and what became of it.
type Donation struct {
	ID               string       `json:"id"`
	Status           Status       `json:"status"`
	Amount           fundus.Money `json:"amount"`
	Currency         string       `json:"currency"`
	Reference        string       `json:"reference"`
	Anonymous        bool         `json:"anonymous"`
	ReceiptRequested bool         `json:"receipt_requested"`
	Donor            *Donor       `json:"donor,omitempty"`
	Message          string       `json:"message,omitempty"`
	CreatedAt        time.Time    `json:"created_at"`
	ReceivedAt       *time.Time   `json:"received_at,omitempty"`
	// ReceivedAmount is what really arrived, where a bank line of another
	// amount was assigned to the pledge; nil: Amount arrived.
	ReceivedAmount *fundus.Money `json:"received_amount,omitempty"`
	LedgerEntryID  string        `json:"ledger_entry_id,omitempty"`
	// Acceptance, AcceptingBody and AcceptedAt: see Acceptance. A donation
	// received before acceptance was recorded is accepted by no recorded
	// body (AcceptingBody empty).
	Acceptance    Acceptance `json:"acceptance,omitempty"`
	AcceptingBody Body       `json:"accepting_body,omitempty"`
	AcceptedAt    *time.Time `json:"accepted_at,omitempty"`
	CancelledAt   *time.Time `json:"cancelled_at,omitempty"`
	RefundedAt    *time.Time `json:"refunded_at,omitempty"`
	RefundReason  string     `json:"refund_reason,omitempty"`
	RefundEntryID string     `json:"refund_entry_id,omitempty"`
	// Lang is the language of the donor's mails.
	Lang string `json:"-"`
	// EndToEndID is a refund's SEPA end-to-end id: the payment file pays
	// it with it, and the bank's debit line with it settles the refund.
	EndToEndID string `json:"end_to_end_id,omitempty"`
	// RefundStatus is where the refund's payment stands (refunded only).
	RefundStatus RefundStatus `json:"refund_status,omitempty"`
	// RefundPayee is the account a treasurer set for the refund; nil: the
	// refund goes to the account the donation came from.
	RefundPayee *RefundPayee `json:"refund_payee,omitempty"`
	// Restricted: an erasure was asked for while a retention duty holds;
	// the donor's data is kept only for that duty (Art. 18 GDPR) until
	// its period ends (package retention).
	Restricted bool `json:"restricted,omitempty"`
	// ErasedAt is when the donor's data was erased (package retention).
	ErasedAt *time.Time `json:"erased_at,omitempty"`

	refundFileID  string // the payment file that holds the refund now
	refundPayeeBy string // who set RefundPayee
	refundReturns int    // how often the donor's bank sent the refund back
	seq           int64
}

// Pledge is what the public sends.
type Pledge struct {
	Amount           fundus.AmountText `json:"amount"`
	Currency         string            `json:"currency"`
	Donor            *Donor            `json:"donor"`
	Anonymous        bool              `json:"anonymous"`
	ReceiptRequested bool              `json:"receipt_requested"`
	Message          string            `json:"message"`
	// Lang is the language of the donor's mails: the donation form's page
	// language (the request's, over the API).
	Lang string `json:"-"`
}

// Payment tells the donor how to pay.
type Payment struct {
	Method    string       `json:"method"`
	IBAN      string       `json:"iban"`
	BIC       string       `json:"bic"`
	Holder    string       `json:"holder"`
	Reference string       `json:"reference"`
	Amount    fundus.Money `json:"amount"`
	QRCodeURL string       `json:"qr_code_url"`
}

// PledgeResult is the answer to a pledge: the donation and how to pay it.
type PledgeResult struct {
	*Donation
	Payment Payment `json:"payment"`
}

// BankAccount is where donors transfer to.
type BankAccount struct {
	IBAN, BIC, Holder string
}

// donationOutcome is the outcome of a write on a donation (see commit.Outcome).
type donationOutcome = commit.Outcome[*Donation]

// Service runs the use cases of this package.
type Service struct {
	DB        *db.DB
	Writer    *commit.Writer
	Mail      *mail.Outbox // the donors' mails (nil: none)
	Bank      BankAccount
	MaxAmount int64 // cents
	// Bands say who accepts a donation (see Bands); the zero Bands: the
	// administration, all of them.
	Bands Bands
	// Purpose is what donations are given for (FUNDUS_DONATION_PURPOSE;
	// empty: fundus.DefaultDonationPurpose).
	Purpose string
	// FundStart is the fund's first day: no donation was received before
	// it. Zero means DefaultFundStart.
	FundStart time.Time
}

// DefaultFundStart is the euro's first day: no transfer in euros can have
// arrived before it.
var DefaultFundStart = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)

// ReceivedAhead is how far in the future received_at may lie: a day, so a
// date typed in any time zone is not refused as tomorrow.
const ReceivedAhead = 24 * time.Hour

// MaxMessage is the longest message, in characters.
const MaxMessage = 1000

func init() {
	// A postal code: 3 to 10 letters, digits, spaces or dashes, starting
	// with a letter or digit (German codes have five digits; donors may
	// live abroad).
	postal := regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z -]{2,9}$`)
	check.Validator().RegisterValidation("postalcode", func(fl validator.FieldLevel) bool {
		return postal.MatchString(fl.Field().String())
	})
}

// Pledge records a pledge. The donor is told the reference to use and the
// bank details. The answer, donor and payment instructions included, is
// what an idempotent repeat gets back.
// Returns Invalid naming each bad field.
func (s *Service) Pledge(ctx context.Context, in Pledge) (commit.Outcome[*PledgeResult], error) {
	return pledge(ctx, s, "donations.Pledge", in, s.withPayment)
}

// PledgeID is Pledge for the donation form: its answer, and so what is
// stored under an idempotency key, is the donation's id alone, so that no
// copy of the donor's data outlives the donation's row (Instructions reads
// the rest). Returns Invalid naming each bad field.
func (s *Service) PledgeID(ctx context.Context, in Pledge) (commit.Outcome[string], error) {
	return pledge(ctx, s, "donations.PledgeID", in, func(d *Donation) string { return d.ID })
}

// pledge records a pledge and answers with answer(the new donation).
func pledge[T any](ctx context.Context, s *Service, op errs.Op, in Pledge, answer func(*Donation) T) (commit.Outcome[T], error) {
	d, err := s.newDonation(op, in)
	if err != nil {
		return commit.Outcome[T]{}, err
	}
	// The mail's GiroCode is drawn before the write path, which runs one
	// function at a time; again only if the reference must change.
	var png []byte
	if s.Mail != nil && wantsMail(d) {
		if png, err = s.giroCodePNG(d); err != nil {
			return commit.Outcome[T]{}, errs.E(op, err)
		}
	}
	pngRef := d.Reference
	out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (T, error) {
		d.CreatedAt = db.Time(tx.Now())
		// A reference already given (one in 24^7 for each donation there
		// is) inserts nothing; then the pledge takes another.
		for {
			inserted, err := newDonations.Add(tx, d)
			if err != nil {
				var zero T
				return zero, err
			}
			if inserted {
				break
			}
			d.Reference = newReference()
		}
		if png != nil && d.Reference != pngRef {
			var err error
			if png, err = s.giroCodePNG(d); err != nil {
				var zero T
				return zero, err
			}
			pngRef = d.Reference
		}
		if err := s.mailPledged(tx, d, png); err != nil {
			var zero T
			return zero, err
		}
		return answer(d), audit.Add(tx, "anonymous", "donation.pledge", "donation", d.ID, map[string]any{
			"status": d.Status, "amount": d.Amount, "reference": d.Reference,
		})
	})
	if err != nil {
		return out, errs.E(op, err)
	}
	return out, nil
}

// newDonation checks a pledge and makes the donation it asks for.
func (s *Service) newDonation(op errs.Op, in Pledge) (*Donation, error) {
	var f check.Fields
	cur, err := fundus.LookupCurrency("currency", in.Currency)
	f.AddErr(err)
	amount, err := fundus.ParseAmount("amount", in.Amount, fundus.EUR, fundus.Positive, s.MaxAmount)
	f.AddErr(err)

	donor := in.Donor
	if donor != nil {
		donor = &Donor{
			Name: strings.TrimSpace(donor.Name), Email: strings.ToLower(strings.TrimSpace(donor.Email)),
			Street: strings.TrimSpace(donor.Street), PostalCode: strings.TrimSpace(donor.PostalCode), City: strings.TrimSpace(donor.City),
		}
		f.Struct(pledgeDonor{donor})
		if donor.empty() {
			donor = nil
		}
	}
	if in.ReceiptRequested {
		d := donor
		if d == nil {
			d = &Donor{}
		}
		for _, field := range []struct{ name, v string }{{"donor.name", d.Name}, {"donor.street", d.Street}, {"donor.postal_code", d.PostalCode}, {"donor.city", d.City}} {
			if field.v == "" {
				f.Add(field.name, "required_for_receipt", "", "is required for a donation receipt")
			}
		}
	}
	msg := strings.TrimSpace(in.Message)
	f.Text("message", msg, MaxMessage, true)
	if err := f.Err(op); err != nil {
		return nil, err
	}
	return &Donation{
		ID:               db.NewID(),
		Status:           Pledged,
		Amount:           fundus.Money{Minor: amount, Currency: cur},
		Currency:         cur.Code,
		Reference:        newReference(),
		Anonymous:        in.Anonymous,
		ReceiptRequested: in.ReceiptRequested,
		Donor:            donor,
		Message:          msg,
		Lang:             mail.Lang(in.Lang),
	}, nil
}

// pledgeDonor names the donor's fields "donor.<field>" in validation errors.
type pledgeDonor struct {
	Donor *Donor `json:"donor"`
}

// withPayment adds the payment instructions to a donation.
func (s *Service) withPayment(d *Donation) *PledgeResult {
	return &PledgeResult{Donation: d, Payment: Payment{
		Method:    "bank_transfer",
		IBAN:      s.Bank.IBAN,
		BIC:       s.Bank.BIC,
		Holder:    s.Bank.Holder,
		Reference: d.Reference,
		Amount:    d.Amount,
		QRCodeURL: "/api/v1/donations/" + d.ID + "/girocode.png",
	}}
}

// Instructions returns a donation with its payment instructions, as Pledge
// answered, for the page shown after the donation form: anyone with the
// donation's id (the donor) may see them. Returns NotFound.
func (s *Service) Instructions(ctx context.Context, id string) (*PledgeResult, error) {
	d, err := findDonation(ctx, s.DB, id)
	if err != nil {
		return nil, errs.E(errs.Op("donations.Instructions"), err)
	}
	return s.withPayment(d), nil
}

// GiroCodeOf returns the GiroCode payload of a pledged donation: anyone
// with the donation's id (the donor) may scan it; it carries the fund's
// account, the amount and the reference, nothing of the donor.
// Returns NotFound, InvalidState when the donation is no longer pledged.
func (s *Service) GiroCodeOf(ctx context.Context, id string) (string, error) {
	const op errs.Op = "donations.GiroCodeOf"
	d, err := findDonation(ctx, s.DB, id)
	if err != nil {
		return "", errs.E(op, err)
	}
	if d.Status != Pledged {
		return "", errs.E(op, errs.InvalidState, "this donation is no longer waiting for a transfer")
	}
	return GiroCode{BIC: s.Bank.BIC, Name: s.Bank.Holder, IBAN: s.Bank.IBAN, Amount: d.Amount.Minor, Remittance: d.Reference, Note: s.Mail.Text(d.Lang, "mail.girocode_note")}.Payload()
}

// Arrived is what arrived of d, in cents: ReceivedAmount where a bank line
// of another amount was assigned, else the pledged Amount.
func (d *Donation) Arrived() int64 {
	if d.ReceivedAmount != nil {
		return d.ReceivedAmount.Minor
	}
	return d.Amount.Minor
}
