package grants

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus"
	"fundus/db"
)

// This file holds all of the package's SQL.

type queryer = sqlx.QueryerContext

const applicationColumns = `seq, id, owner_id, status, title, organisation, summary, description, requested_amount,
	approved_amount, paid_amount, currency, budget, starts_on, ends_on, payee_holder, payee_iban, payee_bic,
	created_at, submitted_at, decided_at, decided_by, conditions, decision_entry_id, spent, report, reported_at,
	returned, closed_at, close_entry_id, returned_paid, withdrawn_at, recognition_kind, recognition_authority,
	recognition_notice, recognition_notice_date, recognition_sponsor`

type applicationRow struct {
	Seq             int64          `db:"seq"`
	ID              string         `db:"id"`
	OwnerID         string         `db:"owner_id"`
	Status          string         `db:"status"`
	Title           string         `db:"title"`
	Organisation    string         `db:"organisation"`
	Summary         string         `db:"summary"`
	Description     string         `db:"description"`
	RequestedAmount int64          `db:"requested_amount"`
	ApprovedAmount  sql.NullInt64  `db:"approved_amount"`
	PaidAmount      int64          `db:"paid_amount"`
	Currency        string         `db:"currency"`
	Budget          string         `db:"budget"`
	StartsOn        string         `db:"starts_on"`
	EndsOn          string         `db:"ends_on"`
	PayeeHolder     string         `db:"payee_holder"`
	PayeeIBAN       string         `db:"payee_iban"`
	PayeeBIC        string         `db:"payee_bic"`
	CreatedAt       time.Time      `db:"created_at"`
	SubmittedAt     sql.NullTime   `db:"submitted_at"`
	DecidedAt       sql.NullTime   `db:"decided_at"`
	DecidedBy       string         `db:"decided_by"`
	Conditions      string         `db:"conditions"`
	DecisionEntryID sql.NullString `db:"decision_entry_id"`
	Spent           sql.NullInt64  `db:"spent"`
	Report          string         `db:"report"`
	ReportedAt      sql.NullTime   `db:"reported_at"`
	Returned        sql.NullInt64  `db:"returned"`
	ClosedAt        sql.NullTime   `db:"closed_at"`
	CloseEntryID    sql.NullString `db:"close_entry_id"`
	ReturnedPaid    int64          `db:"returned_paid"`
	WithdrawnAt     sql.NullTime   `db:"withdrawn_at"`
	RecognitionKind string         `db:"recognition_kind"`
	RecAuthority    string         `db:"recognition_authority"`
	RecNotice       string         `db:"recognition_notice"`
	RecNoticeDate   string         `db:"recognition_notice_date"`
	RecSponsor      string         `db:"recognition_sponsor"`
}

func moneyPtr(n sql.NullInt64) *fundus.Money {
	if !n.Valid {
		return nil
	}
	m := fundus.EURCents(n.Int64)
	return &m
}

func minorPtr(m *fundus.Money) *int64 {
	if m == nil {
		return nil
	}
	return &m.Minor
}

func (r applicationRow) application() *Application {
	a := &Application{
		ID: r.ID, Status: Status(r.Status), Title: r.Title, Organisation: r.Organisation, Summary: r.Summary,
		Description: r.Description, RequestedAmount: fundus.EURCents(r.RequestedAmount), ApprovedAmount: moneyPtr(r.ApprovedAmount),
		PaidAmount: fundus.EURCents(r.PaidAmount), Currency: r.Currency, StartsOn: r.StartsOn, EndsOn: r.EndsOn,
		Payee:     Payee{Holder: r.PayeeHolder, IBAN: r.PayeeIBAN, BIC: r.PayeeBIC},
		CreatedAt: r.CreatedAt.UTC(), SubmittedAt: db.TimeOrNil(r.SubmittedAt), DecidedAt: db.TimeOrNil(r.DecidedAt),
		Conditions: r.Conditions, Spent: moneyPtr(r.Spent), Report: r.Report, ReportedAt: db.TimeOrNil(r.ReportedAt),
		Returned: moneyPtr(r.Returned), ClosedAt: db.TimeOrNil(r.ClosedAt), WithdrawnAt: db.TimeOrNil(r.WithdrawnAt),
		ownerID: r.OwnerID, decidedBy: r.DecidedBy, decisionEntryID: r.DecisionEntryID.String, closeEntryID: r.CloseEntryID.String, seq: r.Seq,
		returnedPaid: r.ReturnedPaid,
		Budget:       decodeBudget(r.Budget),
	}
	if r.RecognitionKind != "" {
		a.Recognition = &Recognition{Kind: RecognitionKind(r.RecognitionKind), Authority: r.RecAuthority, Notice: r.RecNotice,
			NoticeDate: r.RecNoticeDate, Sponsor: r.RecSponsor}
	}
	return a
}

// budgetRow is how a budget line is stored: the amount as cents.
type budgetRow struct {
	Item   string `json:"item"`
	Amount int64  `json:"amount"`
}

func encodeBudget(b []BudgetItem) string {
	rows := make([]budgetRow, len(b))
	for i, x := range b {
		rows[i] = budgetRow{x.Item, x.Amount.Minor}
	}
	out, _ := json.Marshal(rows)
	return string(out)
}

func decodeBudget(s string) []BudgetItem {
	var rows []budgetRow
	json.Unmarshal([]byte(s), &rows)
	out := make([]BudgetItem, len(rows))
	for i, r := range rows {
		out[i] = BudgetItem{Item: r.Item, Amount: fundus.EURCents(r.Amount)}
	}
	return out
}

func insertApplication(ctx context.Context, q sqlx.ExecerContext, a *Application) error {
	rec := recognitionArgs(a.Recognition)
	_, err := q.ExecContext(ctx, `INSERT INTO applications (id, owner_id, status, title, organisation, summary, description,
		requested_amount, paid_amount, currency, budget, starts_on, ends_on, payee_holder, payee_iban, payee_bic, created_at,
		recognition_kind, recognition_authority, recognition_notice, recognition_notice_date, recognition_sponsor)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
		a.ID, a.ownerID, a.Status, a.Title, a.Organisation, a.Summary, a.Description, a.RequestedAmount.Minor, a.Currency,
		encodeBudget(a.Budget), a.StartsOn, a.EndsOn, a.Payee.Holder, a.Payee.IBAN, a.Payee.BIC, a.CreatedAt,
		rec[0], rec[1], rec[2], rec[3], rec[4])
	return err
}

func updateApplication(ctx context.Context, q sqlx.ExecerContext, a *Application) error {
	rec := recognitionArgs(a.Recognition)
	_, err := q.ExecContext(ctx, `UPDATE applications SET status = $2, title = $3, organisation = $4, summary = $5,
		description = $6, requested_amount = $7, approved_amount = $8, paid_amount = $9, budget = $10, starts_on = $11,
		ends_on = $12, payee_holder = $13, payee_iban = $14, payee_bic = $15, submitted_at = $16, decided_at = $17,
		decided_by = $18, conditions = $19, decision_entry_id = $20, spent = $21, report = $22, reported_at = $23,
		returned = $24, closed_at = $25, close_entry_id = $26, returned_paid = $27, withdrawn_at = $28,
		recognition_kind = $29, recognition_authority = $30, recognition_notice = $31, recognition_notice_date = $32,
		recognition_sponsor = $33 WHERE id = $1`,
		a.ID, a.Status, a.Title, a.Organisation, a.Summary, a.Description, a.RequestedAmount.Minor, minorPtr(a.ApprovedAmount),
		a.PaidAmount.Minor, encodeBudget(a.Budget), a.StartsOn, a.EndsOn, a.Payee.Holder, a.Payee.IBAN, a.Payee.BIC,
		a.SubmittedAt, a.DecidedAt, a.decidedBy, a.Conditions, db.StringOrNull(a.decisionEntryID), minorPtr(a.Spent), a.Report,
		a.ReportedAt, minorPtr(a.Returned), a.ClosedAt, db.StringOrNull(a.closeEntryID), a.returnedPaid, a.WithdrawnAt,
		rec[0], rec[1], rec[2], rec[3], rec[4])
	return err
}

// recognitionArgs are the stored columns of r: kind, authority, notice,
// notice date, sponsor (all empty for nil).
func recognitionArgs(r *Recognition) [5]string {
	if r == nil {
		return [5]string{}
	}
	return [5]string{string(r.Kind), r.Authority, r.Notice, r.NoticeDate, r.Sponsor}
}

func findApplication(ctx context.Context, q queryer, id string) (*Application, error) {
	var r applicationRow
	if err := sqlx.GetContext(ctx, q, &r, `SELECT `+applicationColumns+` FROM applications WHERE id = $1`, id); err != nil {
		return nil, db.NotFoundOr("grants.findApplication", err, "no such application")
	}
	return r.application(), nil
}

func findApplications(ctx context.Context, q queryer, f Filter, owner string) ([]*Application, error) {
	var p db.Params
	where := []string{"seq > " + p.Add(f.AfterSeq)}
	if f.Status != "" {
		where = append(where, "status = "+p.Add(string(f.Status)))
	}
	if owner != "" {
		where = append(where, "owner_id = "+p.Add(owner))
	}
	var rows []applicationRow
	query := `SELECT ` + applicationColumns + ` FROM applications WHERE ` + strings.Join(where, " AND ") + ` ORDER BY seq LIMIT ` + p.Add(f.Limit)
	if err := sqlx.SelectContext(ctx, q, &rows, query, p.Args()...); err != nil {
		return nil, err
	}
	out := make([]*Application, len(rows))
	for i, r := range rows {
		out[i] = r.application()
	}
	return out, nil
}

func upsertReview(ctx context.Context, q sqlx.ExecerContext, appID string, r Review) error {
	// A declared conflict stays declared.
	_, err := q.ExecContext(ctx, `INSERT INTO reviews (application_id, member_id, score, comment, conflict_of_interest, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (application_id, member_id) DO UPDATE SET score = $3, comment = $4,
			conflict_of_interest = (reviews.conflict_of_interest OR $5), created_at = $6`,
		appID, r.MemberID, r.Score, r.Comment, r.ConflictOfInterest, r.CreatedAt)
	return err
}

// rowScanner is a statement's rows as they are read: a query's
// (*sqlx.Rows) or those read together with others (db.RowScanner).
type rowScanner interface {
	Next() bool
	Scan(dests ...any) error
	Err() error
}

// queryRows runs s through q and reads its rows with read.
func queryRows[T any](ctx context.Context, q queryer, s db.Statement, read func(rowScanner) (T, error)) (T, error) {
	rows, err := q.QueryxContext(ctx, s.Query, s.Args...)
	if err != nil {
		var none T
		return none, err
	}
	defer rows.Close()
	return read(rows)
}

func findReviews(ctx context.Context, q queryer, appID string) ([]Review, error) {
	return queryRows(ctx, q, reviewsOf(appID), readReviews)
}

func reviewsOf(appID string) db.Statement {
	return db.Statement{Query: `SELECT member_id, score, comment, conflict_of_interest, created_at FROM reviews WHERE application_id = $1 ORDER BY created_at, member_id`,
		Args: []any{appID}}
}

func readReviews(rows rowScanner) ([]Review, error) {
	var out []Review
	for rows.Next() {
		var r Review
		if err := rows.Scan(&r.MemberID, &r.Score, &r.Comment, &r.ConflictOfInterest, &r.CreatedAt); err != nil {
			return nil, err
		}
		r.CreatedAt = r.CreatedAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

func hasConflict(ctx context.Context, q queryer, appID, memberID string) (bool, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM reviews WHERE application_id = $1 AND member_id = $2 AND conflict_of_interest`, appID, memberID)
	return n > 0, err
}

func upsertVote(ctx context.Context, q sqlx.ExecerContext, appID string, v Vote) error {
	_, err := q.ExecContext(ctx, `INSERT INTO votes (application_id, member_id, vote, amount, comment, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (application_id, member_id) DO UPDATE SET vote = $3, amount = $4, comment = $5, created_at = $6`,
		appID, v.MemberID, v.Vote, minorPtr(v.Amount), v.Comment, v.CreatedAt)
	return err
}

func findVotes(ctx context.Context, q queryer, appID string) ([]Vote, error) {
	return queryRows(ctx, q, votesOf(appID), readVotes)
}

func votesOf(appID string) db.Statement {
	return db.Statement{Query: `SELECT member_id, vote, amount, comment, created_at FROM votes WHERE application_id = $1 ORDER BY created_at, member_id`,
		Args: []any{appID}}
}

func readVotes(rows rowScanner) ([]Vote, error) {
	var out []Vote
	for rows.Next() {
		var v Vote
		var amount sql.NullInt64
		if err := rows.Scan(&v.MemberID, &v.Vote, &amount, &v.Comment, &v.CreatedAt); err != nil {
			return nil, err
		}
		v.Amount, v.CreatedAt = moneyPtr(amount), v.CreatedAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// tally counts the votes of members who declared no conflict.
func tally(ctx context.Context, q queryer, appID string) (votes, error) {
	rows, err := q.QueryxContext(ctx, `SELECT v.vote, count(*) FROM votes v
		WHERE v.application_id = $1 AND NOT EXISTS (
			SELECT 1 FROM reviews r WHERE r.application_id = v.application_id AND r.member_id = v.member_id AND r.conflict_of_interest)
		GROUP BY v.vote`, appID)
	if err != nil {
		return votes{}, err
	}
	defer rows.Close()
	var t votes
	for rows.Next() {
		var vote string
		var n int
		if err := rows.Scan(&vote, &n); err != nil {
			return t, err
		}
		switch vote {
		case "approve":
			t.Approve = n
		case "reject":
			t.Reject = n
		case "abstain":
			t.Abstain = n
		}
	}
	return t, rows.Err()
}

const disbursementColumns = `id, application_id, status, amount, created_by, created_at, released_by, released_at, ledger_entry_id,
	end_to_end_id, payment_file_id, sent_at, paid_at`

func scanDisbursement(sc interface{ Scan(...any) error }) (*Disbursement, error) {
	var d Disbursement
	var amount int64
	var releasedAt, sentAt, paidAt sql.NullTime
	var entry, file sql.NullString
	if err := sc.Scan(&d.ID, &d.ApplicationID, &d.Status, &amount, &d.CreatedBy, &d.CreatedAt, &d.ReleasedBy, &releasedAt, &entry,
		&d.EndToEndID, &file, &sentAt, &paidAt); err != nil {
		return nil, err
	}
	d.Amount, d.CreatedAt, d.ReleasedAt, d.LedgerEntryID = fundus.EURCents(amount), d.CreatedAt.UTC(), db.TimeOrNil(releasedAt), entry.String
	d.PaymentFileID, d.SentAt, d.PaidAt = file.String, db.TimeOrNil(sentAt), db.TimeOrNil(paidAt)
	return &d, nil
}

func insertDisbursement(ctx context.Context, q sqlx.ExecerContext, d *Disbursement) error {
	_, err := q.ExecContext(ctx, `INSERT INTO disbursements (id, application_id, amount, status, created_by, created_at, end_to_end_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		d.ID, d.ApplicationID, d.Amount.Minor, d.Status, d.CreatedBy, d.CreatedAt, d.EndToEndID)
	return err
}

func updateDisbursement(ctx context.Context, q sqlx.ExecerContext, d *Disbursement) error {
	_, err := q.ExecContext(ctx, `UPDATE disbursements SET status = $2, released_by = $3, released_at = $4, ledger_entry_id = $5,
		payment_file_id = $6, sent_at = $7, paid_at = $8 WHERE id = $1`,
		d.ID, d.Status, d.ReleasedBy, d.ReleasedAt, db.StringOrNull(d.LedgerEntryID), db.StringOrNull(d.PaymentFileID), d.SentAt, d.PaidAt)
	return err
}

func findDisbursement(ctx context.Context, q queryer, id string) (*Disbursement, error) {
	d, err := scanDisbursement(q.QueryRowxContext(ctx, `SELECT `+disbursementColumns+` FROM disbursements WHERE id = $1`, id))
	if err != nil {
		return nil, db.NotFoundOr("grants.findDisbursement", err, "no such disbursement")
	}
	return d, nil
}

func findDisbursementByEndToEnd(ctx context.Context, q queryer, e2e string) (*Disbursement, error) {
	d, err := scanDisbursement(q.QueryRowxContext(ctx, `SELECT `+disbursementColumns+` FROM disbursements WHERE end_to_end_id = $1`, e2e))
	if err != nil {
		return nil, db.NotFoundOr("grants.findDisbursementByEndToEnd", err, "no instalment has this end-to-end id")
	}
	return d, nil
}

func disbursementsOf(appID string) db.Statement {
	return db.Statement{Query: `SELECT ` + disbursementColumns + ` FROM disbursements WHERE application_id = $1 ORDER BY seq`, Args: []any{appID}}
}

// findReleased returns the released instalments no payment file holds yet,
// oldest first.
func findReleased(ctx context.Context, q queryer) ([]*Disbursement, error) {
	return queryRows(ctx, q, db.Statement{Query: `SELECT ` + disbursementColumns + ` FROM disbursements WHERE status = 'released' ORDER BY seq`}, readDisbursements)
}

func readDisbursements(rows rowScanner) ([]*Disbursement, error) {
	var out []*Disbursement
	for rows.Next() {
		d, err := scanDisbursement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// disbursedTotal sums the instalments of an application that are or will
// be paid: every one but those the payee's bank sent back.
func disbursedTotal(ctx context.Context, q queryer, appID string) (int64, error) {
	var n int64
	err := sqlx.GetContext(ctx, q, &n, `SELECT COALESCE(SUM(amount), 0) FROM disbursements WHERE application_id = $1 AND status <> 'returned'`, appID)
	return n, err
}

// hasUnpaidDisbursement reports whether an instalment of the application
// waits: to be released (statuses "pending"), or also to be paid by the
// bank (with inFlight: "released", "sent").
func hasUnpaidDisbursement(ctx context.Context, q queryer, appID string, inFlight bool) (bool, error) {
	statuses := `('pending')`
	if inFlight {
		statuses = `('pending', 'released', 'sent')`
	}
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM disbursements WHERE application_id = $1 AND status IN `+statuses, appID)
	return n > 0, err
}

// accountMakers returns who asked for the account of userID and who
// confirmed its role grants. The askers are the admin who created it over
// the API and the askers of its confirmed role grants; with adminsOnly, only
// the askers of grants that made it an admin. The tables are auth's; grants
// reads them here rather than import auth.
func accountMakers(ctx context.Context, q queryer, userID string, adminsOnly bool) (asked, confirmed []string, err error) {
	var rows []struct {
		By  string `db:"maker"`
		How string `db:"how"`
	}
	query := `SELECT created_by AS maker, 'asked' AS how FROM users WHERE id = $1 AND created_by IS NOT NULL
		UNION ALL SELECT asked_by, 'asked' FROM role_grants WHERE user_id = $1 AND status = 'confirmed'
		UNION ALL SELECT confirmed_by, 'confirmed' FROM role_grants WHERE user_id = $1 AND status = 'confirmed'`
	if adminsOnly {
		query = `SELECT asked_by AS maker, 'asked' AS how FROM role_grants
			WHERE user_id = $1 AND status = 'confirmed' AND ',' || adds || ',' LIKE '%,admin,%'`
	}
	err = sqlx.SelectContext(ctx, q, &rows, query, userID)
	for _, r := range rows {
		if r.How == "asked" {
			asked = append(asked, r.By)
		} else {
			confirmed = append(confirmed, r.By)
		}
	}
	return asked, confirmed, err
}

// disbursementsInFile returns the ids of the instalments a payment file holds.
func disbursementsInFile(ctx context.Context, q queryer, fileID string) ([]string, error) {
	var ids []string
	err := sqlx.SelectContext(ctx, q, &ids, `SELECT id FROM disbursements WHERE payment_file_id = $1 ORDER BY seq`, fileID)
	return ids, err
}

// committeeMembers returns the active accounts holding the committee role,
// by name. The tables are auth's; grants reads them here rather than import
// auth (as accountMakers does).
func committeeMembers(ctx context.Context, q queryer) ([]Member, error) {
	var out []Member
	err := sqlx.SelectContext(ctx, q, &out, `SELECT u.id AS id, u.name AS name FROM users u
		JOIN user_roles r ON r.user_id = u.id AND r.role = 'committee'
		WHERE u.active ORDER BY u.name, u.id`)
	return out, err
}

// userNames returns the names of the accounts ids, by id.
func userNames(ctx context.Context, q queryer, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var p db.Params
	marks := make([]string, len(ids))
	for i, id := range ids {
		marks[i] = p.Add(id)
	}
	var rows []Member
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, name FROM users WHERE id IN (`+strings.Join(marks, ", ")+`)`, p.Args()...); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

// findEarlier returns the applications of owner other than except that
// left the draft stage, newest first.
func findEarlier(ctx context.Context, q queryer, owner, except string) ([]*Application, error) {
	var rows []applicationRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+applicationColumns+` FROM applications
		WHERE owner_id = $1 AND id <> $2 AND status <> 'draft' ORDER BY seq DESC LIMIT 50`, owner, except); err != nil {
		return nil, err
	}
	out := make([]*Application, len(rows))
	for i, r := range rows {
		out[i] = r.application()
	}
	return out, nil
}

func insertReceipt(ctx context.Context, q sqlx.ExecerContext, r *Receipt, data []byte) error {
	_, err := q.ExecContext(ctx, `INSERT INTO report_receipts (id, application_id, name, content_type, size, sha256, data, uploaded_by, uploaded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.ID, r.ApplicationID, r.Name, r.ContentType, r.Size, r.SHA256, data, r.uploadedBy, r.UploadedAt)
	return err
}

const receiptColumns = `id, application_id, name, content_type, size, sha256, uploaded_by, uploaded_at`

type receiptRow struct {
	ID            string    `db:"id"`
	ApplicationID string    `db:"application_id"`
	Name          string    `db:"name"`
	ContentType   string    `db:"content_type"`
	Size          int64     `db:"size"`
	SHA256        string    `db:"sha256"`
	UploadedBy    string    `db:"uploaded_by"`
	UploadedAt    time.Time `db:"uploaded_at"`
}

func (r receiptRow) receipt() Receipt {
	return Receipt{ID: r.ID, ApplicationID: r.ApplicationID, Name: r.Name, ContentType: r.ContentType, Size: r.Size,
		SHA256: r.SHA256, UploadedAt: r.UploadedAt.UTC(), uploadedBy: r.UploadedBy}
}

func receiptsOf(appID string) db.Statement {
	return db.Statement{Query: `SELECT ` + receiptColumns + ` FROM report_receipts WHERE application_id = $1 ORDER BY uploaded_at, id`, Args: []any{appID}}
}

func readReceipts(rows rowScanner) ([]Receipt, error) {
	out := []Receipt{}
	for rows.Next() {
		var r receiptRow
		if err := rows.Scan(&r.ID, &r.ApplicationID, &r.Name, &r.ContentType, &r.Size, &r.SHA256, &r.UploadedBy, &r.UploadedAt); err != nil {
			return nil, err
		}
		out = append(out, r.receipt())
	}
	return out, rows.Err()
}

func findReceiptData(ctx context.Context, q queryer, appID, id string) (Receipt, []byte, error) {
	var row struct {
		receiptRow
		Data []byte `db:"data"`
	}
	if err := sqlx.GetContext(ctx, q, &row, `SELECT `+receiptColumns+`, data FROM report_receipts WHERE application_id = $1 AND id = $2`, appID, id); err != nil {
		return Receipt{}, nil, db.NotFoundOr("grants.findReceiptData", err, "no such receipt")
	}
	return row.receipt(), row.Data, nil
}

// contact is where a user's mail goes, and in which language.
type contact struct {
	ID    string `db:"id"`
	Email string `db:"email"`
	Name  string `db:"name"`
	Lang  string `db:"lang"`
}

// findContact returns the user's contact.
func findContact(ctx context.Context, q queryer, userID string) (*contact, error) {
	var c contact
	if err := sqlx.GetContext(ctx, q, &c, `SELECT id, email, name, lang FROM users WHERE id = $1`, userID); err != nil {
		return nil, db.NotFoundOr("grants.findContact", err, "no such user")
	}
	return &c, nil
}

// committeeContacts returns the contacts of the active committee members.
func committeeContacts(ctx context.Context, q queryer) ([]contact, error) {
	var cs []contact
	err := sqlx.SelectContext(ctx, q, &cs, `SELECT u.id, u.email, u.name, u.lang FROM users u
		JOIN user_roles r ON r.user_id = u.id WHERE r.role = 'committee' AND u.active ORDER BY u.email`)
	return cs, err
}
