package mail

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/commit"
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

// anyDue reports whether a mail is due at now and claimed by no one.
func anyDue(ctx context.Context, q sqlx.QueryerContext, now time.Time) (bool, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT COUNT(*) FROM (SELECT 1 FROM mail_outbox
		WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
		AND (claimed_until IS NULL OR claimed_until < $1) LIMIT 1) d`, now)
	return n > 0, err
}

const rowColumns = `seq, id, kind, lang, to_address, to_name, subject, body_text, body_html, attachments, created_at, attempts, sent_at, last_error`

// claim claims up to limit mails due at now for the sender named by, until
// now+lease. The conditions stand in the outer WHERE too, so that on
// PostgreSQL a row another sender claimed meanwhile is checked again and
// left alone.
func claim(tx *commit.Tx, by string, now time.Time, lease time.Duration, limit int) ([]row, error) {
	const due = `sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until < $3)`
	var rows []row
	err := sqlx.SelectContext(tx.Context(), tx, &rows, `UPDATE mail_outbox SET claimed_by = $1, claimed_until = $2
		WHERE `+due+` AND id IN (SELECT id FROM mail_outbox WHERE `+due+` ORDER BY seq LIMIT $4)
		RETURNING `+rowColumns, by, db.Time(now.Add(lease)), now, limit)
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(a.Seq, b.Seq) })
	return rows, err
}

// mark records what became of the mails the sender named by claimed, and
// frees them. A mail whose claim another sender has taken over meanwhile
// (this one's lease ran out) is left to it.
func mark(tx *commit.Tx, by string, results []result) error {
	for _, r := range results {
		var err error
		switch {
		case r.Sent && r.Link:
			_, err = tx.ExecContext(tx.Context(), `UPDATE mail_outbox SET sent_at = $1, attempts = $2, claimed_by = '', claimed_until = NULL, last_error = '',
				body_text = $5, body_html = $5
				WHERE id = $3 AND claimed_by = $4`, db.Time(tx.Now()), r.Attempts, r.ID, by, linkRemoved)
		case r.Sent:
			_, err = tx.ExecContext(tx.Context(), `UPDATE mail_outbox SET sent_at = $1, attempts = $2, claimed_by = '', claimed_until = NULL, last_error = ''
				WHERE id = $3 AND claimed_by = $4`, db.Time(tx.Now()), r.Attempts, r.ID, by)
		case r.Failed:
			_, err = tx.ExecContext(tx.Context(), `UPDATE mail_outbox SET failed_at = $1, attempts = $2, claimed_by = '', claimed_until = NULL, last_error = $3
				WHERE id = $4 AND claimed_by = $5`, db.Time(tx.Now()), r.Attempts, r.Err, r.ID, by)
		default:
			_, err = tx.ExecContext(tx.Context(), `UPDATE mail_outbox SET next_attempt_at = $1, attempts = $2, claimed_by = '', claimed_until = NULL, last_error = $3
				WHERE id = $4 AND claimed_by = $5`, db.Time(tx.Now().Add(r.Pause)), r.Attempts, r.Err, r.ID, by)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// lastSeq returns the newest mail's position and how many are unsent.
func lastSeq(ctx context.Context, q sqlx.QueryerContext) (seq int64, unsent int, err error) {
	err = q.QueryRowxContext(ctx, `SELECT COALESCE(MAX(seq), 0), COUNT(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL) FROM mail_outbox`).Scan(&seq, &unsent)
	return seq, unsent, err
}

// rowsAfter returns up to limit mails after position seq.
func rowsAfter(ctx context.Context, q sqlx.QueryerContext, seq int64, limit int) ([]row, error) {
	var rows []row
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+rowColumns+` FROM mail_outbox WHERE seq > $1 ORDER BY seq LIMIT $2`, seq, limit)
	return rows, err
}

// linkRemoved stands in the outbox for the body of a sent mail that carried
// a one-time link: the link's token is kept elsewhere only as its hash, so
// that a copy of the database opens no account, and the outbox must not
// keep it either.
const linkRemoved = "(sent; the one-time link it carried is not kept)"

// carriesLink says whether a mail of kind carries a one-time link.
func carriesLink(kind string) bool { return kind == PasswordReset || kind == ConfirmAddress }
