package receipts

import (
	"context"

	"github.com/jmoiron/sqlx"

	"fundus/db"
)

// EraseDue blanks the donor's name and address and the PDFs of the
// receipts of the years up to lastErasableYear (their retention period has
// ended: § 50 Abs. 7 EStDV keeps a copy as long as the books), keeping the
// number, kind, status, amount, days, hash and who issued and cancelled,
// so the numbers stay gapless and the totals provable. Receipts already
// erased are not counted again. Returns how many receipts it erased.
func EraseDue(ctx context.Context, q sqlx.ExtContext, lastErasableYear int) (int64, error) {
	res, err := q.ExecContext(ctx, `UPDATE receipts SET donor_name = '', donor_street = '', donor_postal_code = '', donor_city = '',
		pdf = NULL, cancelled_pdf = NULL, erased_at = $1 WHERE year <= $2 AND erased_at IS NULL`, db.Now(), lastErasableYear)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
