// Package mail sends Fundus's mails through a transactional outbox.
//
// A change that causes a mail queues it (Outbox.Queue) in its own
// transaction of the write path: the mail is rendered in the recipient's
// language and inserted into the outbox with the change, so a change rolled
// back leaves no mail and a change committed cannot lose its mail. The
// Sender, running beside the server, sends what the outbox holds through
// the SMTP server, trying again with growing pauses while the server cannot
// take it, and marks each mail sent. Two Fundus instances on one database
// share the outbox: a sender claims a mail before sending it.
package mail

import (
	"encoding/json"
	netmail "net/mail"
	"slices"
	"strings"

	"fundus/commit"
	"fundus/db"
	"fundus/errs"
	"fundus/web"
)

// The kinds of mail, one template each (web/mail/KIND.txt and .html). The
// Data each needs is listed beside it; times are time.Time, amounts
// fundus.Money.
const (
	// PasswordReset: Path (the page with the one-time token, a path on
	// FUNDUS_BASE_URL such as "/password-reset/TOKEN"), Expires (time).
	PasswordReset = "password_reset"
	// ConfirmAddress: Path (the page with the token that confirms it),
	// Expires (time).
	ConfirmAddress = "confirm_address"
	// AddressTaken, to the holder of an address someone tried to register
	// with again (FUNDUS_REGISTRATION_CONFIRM): Path (the page to ask for a
	// password reset).
	AddressTaken = "address_taken"
	// DonationPledged: Amount, Reference, IBAN, BIC, Holder,
	// ReceiptRequested, Anonymous, StatementIsProof (bools: up to 300 EUR
	// the bank statement is proof enough for the tax office). Attach the
	// GiroCode.
	DonationPledged = "donation_pledged"
	// DonationReceived: Amount, ReceivedAt (time), Reference,
	// ReceiptRequested, StatementIsProof (bools: the bank statement is
	// proof enough for the tax office).
	DonationReceived = "donation_received"
	// DonationReceipt: Number, Amount, Collective (bool), Year. Attach the
	// receipt's PDF.
	DonationReceipt = "donation_receipt"
	// ApplicationSubmitted, to the group: Title, Amount (requested), Path
	// (its page).
	ApplicationSubmitted = "application_submitted"
	// ApplicationToReview, to each committee member: Title, Organisation,
	// Amount (requested), Path.
	ApplicationToReview = "application_to_review"
	// ApplicationApproved: Title, Amount (approved), Conditions, Path.
	ApplicationApproved = "application_approved"
	// ApplicationRejected: Title, Path.
	ApplicationRejected = "application_rejected"
	// InstalmentPaid: Title, Amount, PaidAt (time), Paid and Approved (the
	// application's amounts), Path.
	InstalmentPaid = "instalment_paid"
)

// Message is a mail to queue: to whom (To, the address; Name, how the
// greeting names them, may be empty), in which language (Lang: "de", "en";
// another falls back to German), which kind (a constant above) with the
// data its template needs, and files to attach.
type Message struct {
	To          string
	Name        string
	Lang        string
	Kind        string
	Data        map[string]any
	Attachments []Attachment
}

// Attachment is a file attached to a mail.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"` // base64 in JSON
}

// Outbox queues mails in the write path's transactions. The zero value is
// not usable: make it with NewOutbox. A nil *Outbox queues nothing (tools
// and tests that send no mail).
type Outbox struct {
	baseURL  string
	fundName string
	render   *web.MailRenderer
	later    commit.Later[row]
}

// Text is the mails' text id in lang (mail.LANG.json), or "" from a nil
// Outbox.
func (o *Outbox) Text(lang, id string) string {
	if o == nil {
		return ""
	}
	return o.render.T(Lang(lang), id)
}

// NewOutbox returns the outbox whose mails link to baseURL (FUNDUS_BASE_URL)
// and are signed by fundName.
func NewOutbox(baseURL, fundName string) (*Outbox, error) {
	r, err := web.NewMailRenderer()
	if err != nil {
		return nil, err
	}
	return &Outbox{
		baseURL: strings.TrimRight(baseURL, "/"), fundName: fundName, render: r,
		later: commit.Later[row]{Insert: insertRows},
	}, nil
}

// Langs are the languages mails are written in; the first is the default.
func Langs() []string {
	out := make([]string, len(web.Languages))
	for i, l := range web.Languages {
		out[i] = l.String()
	}
	return out
}

// Lang returns l if mails are written in it, else the default language.
func Lang(l string) string {
	if langs := Langs(); !slices.Contains(langs, l) {
		return langs[0]
	}
	return l
}

// templateData is what every mail's templates get.
type templateData struct {
	Name, FundName, BaseURL string
	Data                    map[string]any
}

// Queue renders m and queues it in tx, the transaction of the change that
// causes it: it is inserted with that change, or not at all.
// Returns Invalid for an address that is not one; Internal for a kind
// without a template or data its template lacks.
func (o *Outbox) Queue(tx *commit.Tx, m Message) error {
	const op errs.Op = "mail.Queue"
	if o == nil {
		return nil
	}
	addr, err := netmail.ParseAddress(m.To)
	if err != nil || addr.Address != strings.TrimSpace(m.To) {
		return errs.E(op, errs.Invalid, "not a mail address: "+m.To)
	}
	lang := Lang(m.Lang)
	if m.Data == nil {
		m.Data = map[string]any{}
	}
	out, err := o.render.Render(lang, m.Kind, templateData{Name: m.Name, FundName: o.fundName, BaseURL: o.baseURL, Data: m.Data})
	if err != nil {
		return errs.E(op, errs.Internal, err)
	}
	atts, err := json.Marshal(nonNil(m.Attachments))
	if err != nil {
		return errs.E(op, errs.Internal, err)
	}
	now := db.Time(tx.Now())
	_, err = o.later.Add(tx, row{
		ID: db.NewID(), Kind: m.Kind, Lang: lang, To: addr.Address, Name: m.Name,
		Subject: out.Subject, Text: out.Text, HTML: out.HTML, Attachments: string(atts),
		CreatedAt: now,
	})
	if err != nil {
		return errs.E(op, err)
	}
	return nil
}

func nonNil(a []Attachment) []Attachment {
	if a == nil {
		return []Attachment{}
	}
	return a
}

// decodeAttachments reads a row's attachments.
func decodeAttachments(s string) ([]Attachment, error) {
	var a []Attachment
	err := json.Unmarshal([]byte(s), &a)
	return a, err
}
