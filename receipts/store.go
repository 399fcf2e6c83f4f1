package receipts

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus"
	"fundus/db"
)

// This file holds all of the package's SQL.

// donation is what a receipt needs of a donation's row.
type donation struct {
	ID               string        `db:"id"`
	Status           string        `db:"status"`
	Acceptance       string        `db:"acceptance"`
	Amount           int64         `db:"amount"`
	ReceivedAmount   sql.NullInt64 `db:"received_amount"`
	ReceivedAt       sql.NullTime  `db:"received_at"`
	ReceiptRequested bool          `db:"receipt_requested"`
	Name             string        `db:"donor_name"`
	Email            string        `db:"donor_email"`
	Street           string        `db:"donor_street"`
	PostalCode       string        `db:"donor_postal_code"`
	City             string        `db:"donor_city"`
	Lang             string        `db:"lang"`
	Seq              int64         `db:"seq"`
	Reference        string        `db:"reference"`
}

// arrived is what arrived of the donation, in cents.
func (d *donation) arrived() int64 {
	if d.ReceivedAmount.Valid {
		return d.ReceivedAmount.Int64
	}
	return d.Amount
}

func (d *donation) donor() Donor {
	return Donor{Name: d.Name, Street: d.Street, PostalCode: d.PostalCode, City: d.City}
}

const donationColumns = `id, status, acceptance, amount, received_amount, received_at, receipt_requested,
	donor_name, donor_email, donor_street, donor_postal_code, donor_city, lang, seq, reference`

func findDonation(ctx context.Context, q sqlx.QueryerContext, id string) (*donation, error) {
	var d donation
	if err := sqlx.GetContext(ctx, q, &d, `SELECT `+donationColumns+` FROM donations WHERE id = $1`, id); err != nil {
		return nil, db.NotFoundOr("receipts.findDonation", err, "no such donation")
	}
	return &d, nil
}

// annualCandidates are the received, accepted donations whose donor asked
// for a receipt, received in [from, to), without a valid receipt, in the
// order they were made.
func annualCandidates(ctx context.Context, q sqlx.QueryerContext, from, to time.Time) ([]*donation, error) {
	var ds []*donation
	err := sqlx.SelectContext(ctx, q, &ds, `SELECT `+donationColumns+` FROM donations
		WHERE status = 'received' AND acceptance = 'accepted' AND receipt_requested = $1
		AND received_at >= $2 AND received_at < $3
		AND NOT EXISTS (SELECT 1 FROM receipt_donations rd WHERE rd.donation_id = donations.id AND rd.valid = $4)
		ORDER BY received_at, seq`, true, from, to, true)
	return ds, err
}

// hasValidReceipt returns the number of the donation's valid receipt, or "".
func validReceiptOf(ctx context.Context, q sqlx.QueryerContext, donationID string) (string, error) {
	var n []string
	err := sqlx.SelectContext(ctx, q, &n, `SELECT r.number FROM receipt_donations rd JOIN receipts r ON r.id = rd.receipt_id
		WHERE rd.donation_id = $1 AND rd.valid = $2`, donationID, true)
	if err != nil || len(n) == 0 {
		return "", err
	}
	return n[0], nil
}

// nextNumber takes the next number of year's counter.
func nextNumber(ctx context.Context, q sqlx.QueryerContext, year int) (int64, error) {
	var last int64
	err := sqlx.GetContext(ctx, q, &last, `INSERT INTO receipt_counters (year, last) VALUES ($1, 1)
		ON CONFLICT (year) DO UPDATE SET last = receipt_counters.last + 1 RETURNING last`, year)
	return last, err
}

func insertReceipt(ctx context.Context, q sqlx.ExecerContext, r *Receipt, seq int64, body []byte) error {
	_, err := q.ExecContext(ctx, `INSERT INTO receipts (id, number, year, year_seq, kind, status,
		donor_name, donor_street, donor_postal_code, donor_city, amount, donation_date, period_from, period_to,
		issued_at, issued_by, pdf, pdf_sha256, lang)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		r.ID, r.Number, r.Year, seq, r.Kind, string(r.Status),
		r.Donor.Name, r.Donor.Street, r.Donor.PostalCode, r.Donor.City, r.Amount.Minor, r.Date, r.PeriodFrom, r.PeriodTo,
		r.IssuedAt, r.IssuedBy, body, r.PDFSHA256, r.Lang)
	if err != nil {
		return err
	}
	for _, it := range r.Items {
		if _, err := q.ExecContext(ctx, `INSERT INTO receipt_donations (receipt_id, donation_id, amount, donation_date, valid)
			VALUES ($1, $2, $3, $4, $5)`, r.ID, it.DonationID, it.Amount.Minor, it.Date, true); err != nil {
			return err
		}
	}
	return nil
}

func cancelReceipt(ctx context.Context, q sqlx.ExecerContext, r *Receipt, stamped []byte) error {
	if _, err := q.ExecContext(ctx, `UPDATE receipts SET status = $1, cancelled_at = $2, cancelled_by = $3, cancel_reason = $4,
		cancelled_pdf = $5 WHERE id = $6`, string(Cancelled), r.CancelledAt, r.CancelledBy, r.CancelReason, stamped, r.ID); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `UPDATE receipt_donations SET valid = $1 WHERE receipt_id = $2`, false, r.ID)
	return err
}

const receiptColumns = `id, number, year, kind, status, donor_name, donor_street, donor_postal_code, donor_city,
	amount, donation_date, period_from, period_to, issued_at, issued_by, cancelled_at, cancelled_by, cancel_reason,
	pdf_sha256, lang, erased_at`

type receiptRow struct {
	ID           string       `db:"id"`
	Number       string       `db:"number"`
	Year         int          `db:"year"`
	Kind         string       `db:"kind"`
	Status       string       `db:"status"`
	Name         string       `db:"donor_name"`
	Street       string       `db:"donor_street"`
	PostalCode   string       `db:"donor_postal_code"`
	City         string       `db:"donor_city"`
	Amount       int64        `db:"amount"`
	Date         string       `db:"donation_date"`
	PeriodFrom   string       `db:"period_from"`
	PeriodTo     string       `db:"period_to"`
	IssuedAt     time.Time    `db:"issued_at"`
	IssuedBy     string       `db:"issued_by"`
	CancelledAt  sql.NullTime `db:"cancelled_at"`
	CancelledBy  string       `db:"cancelled_by"`
	CancelReason string       `db:"cancel_reason"`
	SHA256       string       `db:"pdf_sha256"`
	Lang         string       `db:"lang"`
	ErasedAt     sql.NullTime `db:"erased_at"`
}

func (r receiptRow) receipt() *Receipt {
	return &Receipt{
		ID: r.ID, Number: r.Number, Year: r.Year, Kind: r.Kind, Status: Status(r.Status),
		Donor:  Donor{Name: r.Name, Street: r.Street, PostalCode: r.PostalCode, City: r.City},
		Amount: fundus.EURCents(r.Amount), Date: r.Date, PeriodFrom: r.PeriodFrom, PeriodTo: r.PeriodTo,
		IssuedAt: r.IssuedAt.UTC(), IssuedBy: r.IssuedBy, CancelledAt: db.TimeOrNil(r.CancelledAt),
		CancelledBy: r.CancelledBy, CancelReason: r.CancelReason, PDFSHA256: r.SHA256, Lang: r.Lang,
		Erased: r.ErasedAt.Valid, Items: []Item{},
	}
}

type itemRow struct {
	ReceiptID  string `db:"receipt_id"`
	DonationID string `db:"donation_id"`
	Amount     int64  `db:"amount"`
	Date       string `db:"donation_date"`
}

// withItems fills each receipt's items (by day, then donation).
func withItems(ctx context.Context, q sqlx.QueryerContext, rs []*Receipt) error {
	if len(rs) == 0 {
		return nil
	}
	var p db.Params
	ids := make([]string, len(rs))
	byID := make(map[string]*Receipt, len(rs))
	for i, r := range rs {
		ids[i] = p.Add(r.ID)
		byID[r.ID] = r
	}
	var items []itemRow
	if err := sqlx.SelectContext(ctx, q, &items, `SELECT receipt_id, donation_id, amount, donation_date FROM receipt_donations
		WHERE receipt_id IN (`+strings.Join(ids, ", ")+`) ORDER BY donation_date, donation_id`, p.Args()...); err != nil {
		return err
	}
	for _, it := range items {
		r := byID[it.ReceiptID]
		r.Items = append(r.Items, Item{DonationID: it.DonationID, Date: it.Date, Amount: fundus.EURCents(it.Amount)})
		if r.Kind == Single {
			r.DonationID = it.DonationID
		}
	}
	return nil
}

func findReceipt(ctx context.Context, q sqlx.QueryerContext, id string) (*Receipt, error) {
	var row receiptRow
	if err := sqlx.GetContext(ctx, q, &row, `SELECT `+receiptColumns+` FROM receipts WHERE id = $1`, id); err != nil {
		return nil, db.NotFoundOr("receipts.find", err, "no such receipt")
	}
	r := row.receipt()
	return r, withItems(ctx, q, []*Receipt{r})
}

// Filter selects receipts: Year 0 is every year; DonationID, those that
// list the donation.
type Filter struct {
	Year       int
	DonationID string
	Status     Status
}

func findReceipts(ctx context.Context, q sqlx.QueryerContext, f Filter) ([]*Receipt, error) {
	var p db.Params
	where := []string{"1 = 1"}
	if f.Year != 0 {
		where = append(where, "year = "+p.Add(f.Year))
	}
	if f.Status != "" {
		where = append(where, "status = "+p.Add(string(f.Status)))
	}
	if f.DonationID != "" {
		where = append(where, "id IN (SELECT receipt_id FROM receipt_donations WHERE donation_id = "+p.Add(f.DonationID)+")")
	}
	var rows []receiptRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+receiptColumns+` FROM receipts WHERE `+strings.Join(where, " AND ")+
		` ORDER BY year DESC, year_seq DESC`, p.Args()...); err != nil {
		return nil, err
	}
	out := make([]*Receipt, len(rows))
	for i, r := range rows {
		out[i] = r.receipt()
	}
	return out, withItems(ctx, q, out)
}

// receiptPDF returns the receipt's PDF as issued, or its stamped copy once
// cancelled; nil once erased.
func receiptPDF(ctx context.Context, q sqlx.QueryerContext, id string) (number string, body []byte, err error) {
	var row struct {
		Number    string `db:"number"`
		PDF       []byte `db:"pdf"`
		Cancelled []byte `db:"cancelled_pdf"`
	}
	if err := sqlx.GetContext(ctx, q, &row, `SELECT number, pdf, cancelled_pdf FROM receipts WHERE id = $1`, id); err != nil {
		return "", nil, db.NotFoundOr("receipts.pdf", err, "no such receipt")
	}
	if row.Cancelled != nil {
		return row.Number, row.Cancelled, nil
	}
	return row.Number, row.PDF, nil
}
