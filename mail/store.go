package mail

import (
	"time"

	"fundus/db"
)

// This file holds all of the package's SQL.

// row is one mail of the outbox.
type row struct {
	Seq         int64      `db:"seq"`
	ID          string     `db:"id"`
	Kind        string     `db:"kind"`
	Lang        string     `db:"lang"`
	To          string     `db:"to_address"`
	Name        string     `db:"to_name"`
	Subject     string     `db:"subject"`
	Text        string     `db:"body_text"`
	HTML        string     `db:"body_html"`
	Attachments string     `db:"attachments"`
	CreatedAt   time.Time  `db:"created_at"`
	Attempts    int        `db:"attempts"`
	SentAt      *time.Time `db:"sent_at"`
	LastError   string     `db:"last_error"`
}

// insertRows returns the insert of new mails, each due at once.
func insertRows(rows []row) []db.Statement {
	vals := make([][]any, len(rows))
	for i, r := range rows {
		vals[i] = []any{r.ID, r.Kind, r.Lang, r.To, r.Name, r.Subject, r.Text, r.HTML, r.Attachments, r.CreatedAt, r.CreatedAt}
	}
	return db.InsertRows("mail_outbox", []string{"id", "kind", "lang", "to_address", "to_name", "subject",
		"body_text", "body_html", "attachments", "created_at", "next_attempt_at"}, vals, "")
}
