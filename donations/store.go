package donations

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus"
	"fundus/commit"
	"fundus/db"
	"fundus/mail"
)

// This file holds all of the package's SQL.

const donationColumns = `seq, id, reference, status, amount, currency, anonymous, receipt_requested,
	donor_name, donor_email, donor_street, donor_postal_code, donor_city, message, created_at,
	received_at, ledger_entry_id, cancelled_at, refunded_at, refund_reason, refund_entry_id, refund_payment_file_id, received_amount,
	refund_status, refund_payee_name, refund_payee_iban, refund_payee_set_by, refund_returns, lang,
	acceptance, accepting_body, accepted_at, restricted_at, erased_at`

type donationRow struct {
	Seq              int64          `db:"seq"`
	ID               string         `db:"id"`
	Reference        string         `db:"reference"`
	Status           string         `db:"status"`
	Amount           int64          `db:"amount"`
	Currency         string         `db:"currency"`
	Anonymous        bool           `db:"anonymous"`
	ReceiptRequested bool           `db:"receipt_requested"`
	DonorName        string         `db:"donor_name"`
	DonorEmail       string         `db:"donor_email"`
	DonorStreet      string         `db:"donor_street"`
	DonorPostalCode  string         `db:"donor_postal_code"`
	DonorCity        string         `db:"donor_city"`
	Message          string         `db:"message"`
	CreatedAt        time.Time      `db:"created_at"`
	ReceivedAt       sql.NullTime   `db:"received_at"`
	LedgerEntryID    sql.NullString `db:"ledger_entry_id"`
	CancelledAt      sql.NullTime   `db:"cancelled_at"`
	RefundedAt       sql.NullTime   `db:"refunded_at"`
	RefundReason     string         `db:"refund_reason"`
	RefundEntryID    sql.NullString `db:"refund_entry_id"`
	RefundFileID     sql.NullString `db:"refund_payment_file_id"`
	ReceivedAmount   sql.NullInt64  `db:"received_amount"`
	RefundStatus     sql.NullString `db:"refund_status"`
	RefundPayeeName  string         `db:"refund_payee_name"`
	RefundPayeeIBAN  string         `db:"refund_payee_iban"`
	RefundPayeeBy    string         `db:"refund_payee_set_by"`
	RefundReturns    int            `db:"refund_returns"`
	Lang             string         `db:"lang"`
	Acceptance       string         `db:"acceptance"`
	AcceptingBody    string         `db:"accepting_body"`
	AcceptedAt       sql.NullTime   `db:"accepted_at"`
	RestrictedAt     sql.NullTime   `db:"restricted_at"`
	ErasedAt         sql.NullTime   `db:"erased_at"`
}

// scanValues reads a row of donationColumns as db.RunStatements returns it.
func (r *donationRow) scanValues(vals []any) error {
	return db.ScanValues(vals, &r.Seq, &r.ID, &r.Reference, &r.Status, &r.Amount, &r.Currency, &r.Anonymous, &r.ReceiptRequested,
		&r.DonorName, &r.DonorEmail, &r.DonorStreet, &r.DonorPostalCode, &r.DonorCity, &r.Message, &r.CreatedAt,
		&r.ReceivedAt, &r.LedgerEntryID, &r.CancelledAt, &r.RefundedAt, &r.RefundReason, &r.RefundEntryID, &r.RefundFileID, &r.ReceivedAmount,
		&r.RefundStatus, &r.RefundPayeeName, &r.RefundPayeeIBAN, &r.RefundPayeeBy, &r.RefundReturns, &r.Lang,
		&r.Acceptance, &r.AcceptingBody, &r.AcceptedAt, &r.RestrictedAt, &r.ErasedAt)
}

func (r donationRow) donation() *Donation {
	cur, _ := fundus.LookupCurrency("", r.Currency)
	d := &Donation{
		ID: r.ID, Status: Status(r.Status), Amount: fundus.Money{Minor: r.Amount, Currency: cur}, Currency: r.Currency,
		Reference: r.Reference, Anonymous: r.Anonymous, ReceiptRequested: r.ReceiptRequested, Message: r.Message,
		CreatedAt: r.CreatedAt.UTC(), ReceivedAt: db.TimeOrNil(r.ReceivedAt), LedgerEntryID: r.LedgerEntryID.String,
		CancelledAt: db.TimeOrNil(r.CancelledAt), RefundedAt: db.TimeOrNil(r.RefundedAt), RefundReason: r.RefundReason,
		RefundEntryID: r.RefundEntryID.String, refundFileID: r.RefundFileID.String, seq: r.Seq, Lang: r.Lang,
		RefundStatus: RefundStatus(r.RefundStatus.String), refundPayeeBy: r.RefundPayeeBy, refundReturns: r.RefundReturns,
		Acceptance: Acceptance(r.Acceptance), AcceptingBody: Body(r.AcceptingBody), AcceptedAt: db.TimeOrNil(r.AcceptedAt),
		Restricted: r.RestrictedAt.Valid && !r.ErasedAt.Valid, ErasedAt: db.TimeOrNil(r.ErasedAt),
	}
	if r.RefundPayeeIBAN != "" {
		d.RefundPayee = &RefundPayee{Name: r.RefundPayeeName, IBAN: r.RefundPayeeIBAN}
	}
	if d.Status == Refunded {
		d.EndToEndID = refundEndToEndID(d.ID)
	}
	if r.ReceivedAmount.Valid {
		m := fundus.Money{Minor: r.ReceivedAmount.Int64, Currency: cur}
		d.ReceivedAmount = &m
	}
	donor := &Donor{Name: r.DonorName, Email: r.DonorEmail, Street: r.DonorStreet, PostalCode: r.DonorPostalCode, City: r.DonorCity}
	if !donor.empty() {
		d.Donor = donor
	}
	return d
}

// newDonations inserts pledges' new donations at the end of the write
// path's batch (commit.Later), each unless its reference is taken: then
// the pledge's Add reports false and it takes another. No one can read a
// new donation before the pledge is answered.
var newDonations = &commit.Later[*Donation]{Insert: insertDonations}

// insertDonations inserts ds in as few statements as the limit on
// parameters allows, leaving out each whose reference is taken.
func insertDonations(ds []*Donation) []db.Statement {
	rows := make([][]any, len(ds))
	for i, d := range ds {
		donor := d.Donor
		if donor == nil {
			donor = &Donor{}
		}
		rows[i] = []any{d.ID, d.Reference, d.Status, d.Amount.Minor, d.Currency, d.Anonymous, d.ReceiptRequested,
			donor.Name, donor.Email, donor.Street, donor.PostalCode, donor.City, d.Message, d.CreatedAt, mail.Lang(d.Lang)}
	}
	return db.InsertRows("donations", []string{"id", "reference", "status", "amount", "currency", "anonymous",
		"receipt_requested", "donor_name", "donor_email", "donor_street", "donor_postal_code", "donor_city", "message", "created_at", "lang"},
		rows, " ON CONFLICT (reference) DO NOTHING")
}

// insertReceivedDonation inserts a donation that arrived without a pledge,
// at once (not at the end of the batch: it is born received), unless its
// reference is taken: then it inserts nothing and reports false.
func insertReceivedDonation(ctx context.Context, q sqlx.ExecerContext, d *Donation) (bool, error) {
	donor := d.Donor
	if donor == nil {
		donor = &Donor{}
	}
	res, err := q.ExecContext(ctx, `INSERT INTO donations (id, reference, status, amount, currency, anonymous, receipt_requested,
		donor_name, donor_email, donor_street, donor_postal_code, donor_city, message, created_at, received_at, ledger_entry_id,
		acceptance, accepting_body, accepted_at)
		VALUES ($1, $2, $3, $4, $5, $6, false, $7, '', '', '', '', '', $8, $9, $10, $11, $12, $13) ON CONFLICT (reference) DO NOTHING`,
		d.ID, d.Reference, d.Status, d.Amount.Minor, d.Currency, d.Anonymous, donor.Name, d.CreatedAt, d.ReceivedAt, d.LedgerEntryID,
		d.Acceptance, d.AcceptingBody, d.AcceptedAt)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// updateDonation stores the state of d (what a transition may change).
func updateDonation(ctx context.Context, q sqlx.ExecerContext, d *Donation) error {
	var received *int64
	if d.ReceivedAmount != nil {
		received = &d.ReceivedAmount.Minor
	}
	var payee RefundPayee
	if d.RefundPayee != nil {
		payee = *d.RefundPayee
	}
	_, err := q.ExecContext(ctx, `UPDATE donations SET status = $2, received_at = $3, ledger_entry_id = $4,
		cancelled_at = $5, refunded_at = $6, refund_reason = $7, refund_entry_id = $8, received_amount = $9,
		refund_status = $10, refund_payee_name = $11, refund_payee_iban = $12, refund_payee_set_by = $13, refund_payment_file_id = $14, refund_returns = $15,
		acceptance = $16, accepting_body = $17, accepted_at = $18 WHERE id = $1`,
		d.ID, d.Status, d.ReceivedAt, db.StringOrNull(d.LedgerEntryID), d.CancelledAt, d.RefundedAt, d.RefundReason, db.StringOrNull(d.RefundEntryID), received,
		db.StringOrNull(string(d.RefundStatus)), payee.Name, payee.IBAN, d.refundPayeeBy, db.StringOrNull(d.refundFileID), d.refundReturns,
		d.Acceptance, d.AcceptingBody, d.AcceptedAt)
	return err
}

// receipt is a confirm's row for markReceived: which donation, when its
// money arrived, and the id its ledger entry will have.
type receipt struct {
	id, entryID string
	at          time.Time
	amount      int64 // what arrived, in cents; 0: the pledged amount
	// adminMax: up to this amount the administration accepts the
	// donation at now; above it, it is pending acceptance (Bands).
	adminMax int64
	now      time.Time
}

// markReceived is the statement that marks donations received that are
// pledged, for all rows at once (a commit.Shared's Statement); readMarked
// reads what it returned.
func markReceived(engine db.Engine, rows []receipt) db.Statement {
	cast := [4]string{}
	if engine == db.Postgres { // VALUES would be text otherwise
		cast = [4]string{"::text", "::timestamptz", "::bigint", "::uuid"}
	}
	var p db.Params
	// The status asked for comes with the rows, not as a constant: with a
	// constant, a planner without statistics yet (a new table, a burst)
	// read all pledged donations through the status index to find these.
	values := make([]string, len(rows))
	for i, r := range rows {
		var arrived *int64 // NULL: the pledged amount
		if r.amount != 0 {
			arrived = &r.amount
		}
		values[i] = "(" + p.Add(r.id) + cast[0] + ", " + p.Add(r.at) + cast[1] + ", " + p.Add(r.entryID) + cast[3] + ", " + p.Add(string(Pledged)) + cast[0] +
			", " + p.Add(arrived) + cast[2] + ", " + p.Add(r.adminMax) + cast[2] + ", " + p.Add(r.now) + cast[1] + ")"
	}
	// What arrived and the acceptance are set in the same statement as
	// the status, so the donation totals' triggers (which fire on them)
	// count it; the pledged amount is kept as NULL.
	return db.Statement{Query: `UPDATE donations SET status = 'received', received_at = v.at, ledger_entry_id = v.entry_id,
		received_amount = NULLIF(v.arrived, donations.amount),
		acceptance = CASE WHEN COALESCE(v.arrived, donations.amount) <= v.admin_max THEN 'accepted' ELSE 'pending' END,
		accepting_body = CASE WHEN COALESCE(v.arrived, donations.amount) <= v.admin_max THEN 'administration' ELSE '' END,
		accepted_at = CASE WHEN COALESCE(v.arrived, donations.amount) <= v.admin_max THEN v.now END
		FROM (SELECT column1 AS did, column2 AS at, column3 AS entry_id, column4 AS expected, column5 AS arrived,
			column6 AS admin_max, column7 AS now FROM (VALUES ` + strings.Join(values, ", ") + `) AS x) AS v
		WHERE donations.id = v.did AND donations.status = v.expected RETURNING ` + donationColumns, Args: p.Args()}
}

// readMarked returns the donation of each row markReceived changed, by the
// row's index; a row is missing when there is no such donation, it is not
// pledged, or the same donation is in another row (one of them wins).
func readMarked(rows []receipt, res db.StatementResult) (map[int]*Donation, error) {
	byEntry := make(map[string]*Donation, len(res.Rows))
	for _, vals := range res.Rows {
		var r donationRow
		if err := r.scanValues(vals); err != nil {
			return nil, err
		}
		byEntry[r.LedgerEntryID.String] = r.donation()
	}
	out := make(map[int]*Donation, len(res.Rows))
	for i, r := range rows {
		if d := byEntry[r.entryID]; d != nil {
			out[i] = d
		}
	}
	return out, nil
}

func findDonation(ctx context.Context, q sqlx.QueryerContext, id string) (*Donation, error) {
	var r donationRow
	if err := sqlx.GetContext(ctx, q, &r, `SELECT `+donationColumns+` FROM donations WHERE id = $1`, id); err != nil {
		return nil, db.NotFoundOr("donations.find", err, "no such donation")
	}
	return r.donation(), nil
}

func findDonationByReference(ctx context.Context, q sqlx.QueryerContext, ref string) (*Donation, error) {
	var r donationRow
	if err := sqlx.GetContext(ctx, q, &r, `SELECT `+donationColumns+` FROM donations WHERE reference = $1`, ref); err != nil {
		return nil, db.NotFoundOr("donations.findByReference", err, "no donation has this reference")
	}
	return r.donation(), nil
}

func findDonations(ctx context.Context, q sqlx.QueryerContext, f Filter) ([]*Donation, error) {
	var p db.Params
	arg := p.Add
	where := []string{"seq > " + arg(f.AfterSeq)}
	if f.Status != "" {
		where = append(where, "status = "+arg(string(f.Status)))
	}
	if !f.From.IsZero() {
		where = append(where, "created_at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "created_at < "+arg(f.To))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		// A reference in any spelling, a name or email, or an amount.
		like := "%" + strings.ToLower(q) + "%"
		refLike := "%" + strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(q)) + "%"
		alts := []string{
			"REPLACE(reference, '-', '') LIKE " + arg(refLike),
			"LOWER(donor_name) LIKE " + arg(like),
			"LOWER(donor_email) LIKE " + arg(like),
		}
		if minor, err := fundus.ParseAmount("q", fundus.Amount(strings.ReplaceAll(q, ",", ".")), fundus.EUR, fundus.Positive, 1<<62); err == nil {
			alts = append(alts, "amount = "+arg(minor))
		}
		where = append(where, "("+strings.Join(alts, " OR ")+")")
	}
	var rows []donationRow
	query := `SELECT ` + donationColumns + ` FROM donations WHERE ` + strings.Join(where, " AND ") + ` ORDER BY seq LIMIT ` + arg(f.Limit)
	if err := sqlx.SelectContext(ctx, q, &rows, query, p.Args()...); err != nil {
		return nil, err
	}
	out := make([]*Donation, len(rows))
	for i, r := range rows {
		out[i] = r.donation()
	}
	return out, nil
}

// receivedTotals counts and sums the donations that arrived and were not
// refunded.
func receivedTotals(ctx context.Context, q sqlx.QueryerContext) (Totals, error) {
	var t Totals
	var sum db.Sum // kept by triggers, which cannot wrap it either
	err := q.QueryRowxContext(ctx, `SELECT received_count, received FROM donation_totals WHERE id = 1`).Scan(&t.ReceivedCount, &sum)
	t.Received = int64(sum)
	return t, err
}

// findPledgedOfAmount returns the pledged donations of exactly minor cents,
// newest first, at most limit.
func findPledgedOfAmount(ctx context.Context, q sqlx.QueryerContext, minor int64, limit int) ([]*Donation, error) {
	var rows []donationRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+donationColumns+` FROM donations
		WHERE status = 'pledged' AND amount = $1 ORDER BY seq DESC LIMIT $2`, minor, limit); err != nil {
		return nil, err
	}
	out := make([]*Donation, len(rows))
	for i, r := range rows {
		out[i] = r.donation()
	}
	return out, nil
}

// findRefundsDue returns the refunds owed (no payment file holds them,
// no debit line paid them, none waits for an account after a return),
// oldest first.
func findRefundsDue(ctx context.Context, q sqlx.QueryerContext) ([]*Donation, error) {
	var rows []donationRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+donationColumns+` FROM donations
		WHERE refund_status = 'owed' ORDER BY seq`); err != nil {
		return nil, err
	}
	out := make([]*Donation, len(rows))
	for i, r := range rows {
		out[i] = r.donation()
	}
	return out, nil
}

// insertRefundPayment records that a payment file holds a refund.
func insertRefundPayment(ctx context.Context, q sqlx.ExecerContext, id, fileID string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO refund_payments (payment_file_id, donation_id) VALUES ($1, $2)`, fileID, id)
	return err
}

// refundsInFile returns the ids of the donations whose refunds a payment
// file holds.
func refundsInFile(ctx context.Context, q sqlx.QueryerContext, fileID string) ([]string, error) {
	var ids []string
	err := sqlx.SelectContext(ctx, q, &ids, `SELECT d.id FROM refund_payments r JOIN donations d ON d.id = r.donation_id
		WHERE r.payment_file_id = $1 ORDER BY d.seq`, fileID)
	return ids, err
}

// findPendingAcceptance returns the received donations pending acceptance,
// the oldest first.
func findPendingAcceptance(ctx context.Context, q sqlx.QueryerContext) ([]*Donation, error) {
	var rows []donationRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+donationColumns+` FROM donations
		WHERE acceptance = 'pending' AND status = 'received' ORDER BY received_at, seq`); err != nil {
		return nil, err
	}
	out := make([]*Donation, len(rows))
	for i, r := range rows {
		out[i] = r.donation()
	}
	return out, nil
}

// reportRow is a received donation with the session that decided on it.
type reportRow struct {
	donationRow
	SessionDate sql.NullString `db:"session_date"`
	SessionRef  sql.NullString `db:"session_ref"`
}

// findReceivedIn returns the donations received in [from, to), the
// oldest first, with the session that decided on each.
func findReceivedIn(ctx context.Context, q sqlx.QueryerContext, from, to time.Time) ([]reportRow, error) {
	var rows []reportRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+prefixed("d.", donationColumns)+`, s.session_date, s.session_ref
		FROM donations d LEFT JOIN acceptance_items i ON i.donation_id = d.id LEFT JOIN acceptance_decisions s ON s.id = i.decision_id
		WHERE d.received_at >= $1 AND d.received_at < $2 ORDER BY d.received_at, d.seq`, from, to)
	return rows, err
}

// prefixed puts p before each column of a column list.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// validReceiptOf returns the number of the valid receipt (package
// receipts) that names the donation id, or "".
func validReceiptOf(ctx context.Context, q sqlx.QueryerContext, id string) (string, error) {
	var n []string
	err := sqlx.SelectContext(ctx, q, &n, `SELECT r.number FROM receipt_donations rd JOIN receipts r ON r.id = rd.receipt_id
		WHERE rd.donation_id = $1 AND rd.valid`, id)
	if err != nil || len(n) == 0 {
		return "", err
	}
	return n[0], nil
}
