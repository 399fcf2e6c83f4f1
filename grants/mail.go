package grants

import (
	"time"

	"fundus"
	"fundus/commit"
	"fundus/mail"
)

// The groups' and the committee's mails, queued in the transaction of what
// causes them: a submission, a decision, an instalment the bank paid.

// pagePath is the application's page, linked from its mails.
func pagePath(a *Application) string { return "/grants/" + a.ID }

// mailOwner queues a mail of kind to the group that owns a, in its
// language. o nil: nothing.
func mailOwner(tx *commit.Tx, o *mail.Outbox, a *Application, kind string, data map[string]any) error {
	if o == nil {
		return nil
	}
	c, err := findContact(tx.Context(), tx.Reader(), a.ownerID)
	if err != nil {
		return err
	}
	data["Title"], data["Path"] = a.Title, pagePath(a)
	return o.Queue(tx, mail.Message{To: c.Email, Name: c.Name, Lang: c.Lang, Kind: kind, Data: data})
}

// mailSubmitted queues the group's confirmation of a submission and, to
// each active committee member but the group's own account, the news of an
// application to review.
func (s *Service) mailSubmitted(tx *commit.Tx, a *Application) error {
	if s.Mail == nil {
		return nil
	}
	if err := mailOwner(tx, s.Mail, a, mail.ApplicationSubmitted, map[string]any{"Amount": a.RequestedAmount}); err != nil {
		return err
	}
	members, err := committeeContacts(tx.Context(), tx.Reader())
	if err != nil {
		return err
	}
	for _, m := range members {
		if m.ID == a.ownerID {
			continue
		}
		if err := s.Mail.Queue(tx, mail.Message{To: m.Email, Name: m.Name, Lang: m.Lang, Kind: mail.ApplicationToReview,
			Data: map[string]any{"Title": a.Title, "Organisation": a.Organisation, "Amount": a.RequestedAmount, "Path": pagePath(a)}}); err != nil {
			return err
		}
	}
	return nil
}

// mailDecided queues the group's mail of the decision on a.
func (s *Service) mailDecided(tx *commit.Tx, a *Application) error {
	if a.Status == Approved {
		return mailOwner(tx, s.Mail, a, mail.ApplicationApproved, map[string]any{"Amount": *a.ApprovedAmount, "Conditions": a.Conditions})
	}
	return mailOwner(tx, s.Mail, a, mail.ApplicationRejected, map[string]any{})
}

// mailPaid queues the group's mail that the bank paid instalment d of a
// on the day at.
func mailPaid(tx *commit.Tx, o *mail.Outbox, a *Application, d *Disbursement, at time.Time) error {
	return mailOwner(tx, o, a, mail.InstalmentPaid, map[string]any{"Amount": d.Amount, "PaidAt": at, "Paid": a.PaidAmount, "Approved": approvedOrZero(a)})
}

func approvedOrZero(a *Application) fundus.Money {
	if a.ApprovedAmount == nil {
		return fundus.EURCents(0)
	}
	return *a.ApprovedAmount
}
