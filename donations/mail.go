package donations

import (
	"fundus"
	"fundus/commit"
	"fundus/errs"
	"fundus/mail"
)

// The donor's mails, queued in the transaction of what causes them (the
// pledge, the money's arrival); a donor who gave no address gets none.

// giroCodePNG is the GiroCode attached to a pledge's mail: the fund's
// account, the amount and the reference, as the pledge page shows it.
func (s *Service) giroCodePNG(d *Donation) ([]byte, error) {
	payload, err := GiroCode{BIC: s.Bank.BIC, Name: s.Bank.Holder, IBAN: s.Bank.IBAN, Amount: d.Amount.Minor, Remittance: d.Reference, Note: s.Mail.Text(d.Lang, "mail.girocode_note")}.Payload()
	if err != nil {
		return nil, err
	}
	return QRPNG(payload, 8)
}

// wantsMail reports whether d's donor gave an address to write to.
func wantsMail(d *Donation) bool { return d.Donor != nil && d.Donor.Email != "" }

// mailPledged queues the mail of a pledge: the bank details, the
// reference and the GiroCode (png, rendered for d's reference) attached.
func (s *Service) mailPledged(tx *commit.Tx, d *Donation, png []byte) error {
	if !wantsMail(d) {
		return nil
	}
	return s.Mail.Queue(tx, mail.Message{
		To: d.Donor.Email, Name: d.Donor.Name, Lang: d.Lang, Kind: mail.DonationPledged,
		Data: map[string]any{
			"Amount": d.Amount, "Reference": d.Reference, "IBAN": s.Bank.IBAN, "BIC": s.Bank.BIC, "Holder": s.Bank.Holder,
			"ReceiptRequested": d.ReceiptRequested, "Anonymous": d.Anonymous, "StatementIsProof": d.Amount.Minor <= ProofLimit,
		},
		Attachments: []mail.Attachment{{Name: "girocode-" + d.Reference + ".png", ContentType: "image/png", Data: png}},
	})
}

// ProofLimit is the largest donation to a public-law body for which the
// bank statement is proof enough for the tax office (§ 50 Abs. 4 EStDV),
// in cents.
const ProofLimit = 30000

// MailReceived queues in tx the mail that thanks d's donor for the money
// that arrived (confirmed by hand or matched on a bank statement): the
// amount, the day, and what happens about a receipt. o nil or a donor
// without an address: nothing. Returns Internal.
func MailReceived(tx *commit.Tx, o *mail.Outbox, d *Donation) error {
	if !wantsMail(d) || d.ReceivedAt == nil {
		return nil
	}
	arrived := fundus.Money{Minor: d.Arrived(), Currency: d.Amount.Currency}
	err := o.Queue(tx, mail.Message{
		To: d.Donor.Email, Name: d.Donor.Name, Lang: d.Lang, Kind: mail.DonationReceived,
		Data: map[string]any{
			"Amount": arrived, "ReceivedAt": *d.ReceivedAt, "Reference": d.Reference,
			"ReceiptRequested": d.ReceiptRequested, "StatementIsProof": arrived.Minor <= ProofLimit,
		},
	})
	if err != nil {
		return errs.E(errs.Op("donations.MailReceived"), err)
	}
	return nil
}
