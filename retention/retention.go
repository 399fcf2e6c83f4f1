// Package retention keeps personal data as long as the law wants it kept
// and erases it then (GDPR Art. 17 and 18; § 147 AO; municipal budget
// law). A year's records are kept Years years from the end of the year in
// which that year's accounts were formally adopted (AdoptYear); until the
// adoption is recorded nothing of the year is erased. Erasing blanks the
// personal data in the domain rows (donors, bank lines, the mail outbox,
// payment files, applicants' payees and uploads) and marks them erased_at;
// the ledger holds none, so its hash chain and exports stay as they were.
package retention

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus"
	"fundus/audit"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
	"fundus/receipts"
)

// DefaultYears is FUNDUS_RETENTION_YEARS unless configured: books are kept
// 10 years (§ 147 AO), and vouchers naming the payer as long as the books.
const DefaultYears = 10

// Service records adoptions and erases what is due.
type Service struct {
	DB     *db.DB
	Writer *commit.Writer
	// Years is the retention period (FUNDUS_RETENTION_YEARS); 0: DefaultYears.
	Years int
	// EraseReceipts blanks the donor's name, address and PDF of the
	// receipts of years up to lastErasableYear; nil: receipts.EraseDue.
	EraseReceipts func(ctx context.Context, q sqlx.ExtContext, lastErasableYear int) (int64, error)
}

func (s *Service) years() int {
	if s.Years > 0 {
		return s.Years
	}
	return DefaultYears
}

// FiscalYear is a year whose accounts were adopted.
type FiscalYear struct {
	Year       int       `json:"year" db:"year"`
	AdoptedOn  string    `json:"adopted_on" db:"adopted_on"`
	RecordedBy string    `json:"recorded_by" db:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at" db:"recorded_at"`
	// ErasableFrom is the first day its records' personal data may be
	// erased: 1 January of the year after the period ends.
	ErasableFrom string `json:"erasable_from" db:"-"`
}

// ErasableFrom is the day the period of a year whose accounts were adopted
// on adoptedOn (YYYY-MM-DD) ends: the period runs years full years from
// the end of the year of adoption, so erasure may start on 1 January of
// year(adoptedOn) + years + 1.
func ErasableFrom(adoptedOn string, years int) (string, error) {
	t, err := time.Parse(time.DateOnly, adoptedOn)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%04d-01-01", t.Year()+years+1), nil
}

// AdoptYear records that the accounts of year were formally adopted
// (festgestellt) on the day on (YYYY-MM-DD). Refuses a year recorded
// before (InvalidState), a day before the year's end or in the future
// (Invalid naming "on"). Audited as actor.
func (s *Service) AdoptYear(ctx context.Context, actor string, year int, on string) (*FiscalYear, error) {
	const op errs.Op = "retention.AdoptYear"
	if year < 1900 || year > 9998 {
		return nil, errs.Field(op, "year", "must be a year (2026)")
	}
	if !fundus.IsDay(on) {
		return nil, errs.Field(op, "on", "must be a date (2027-06-30)")
	}
	if on <= fmt.Sprintf("%04d-12-31", year) {
		return nil, errs.Field(op, "on", fmt.Sprintf("must be after the end of %d: accounts are adopted after the year", year))
	}
	out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*FiscalYear, error) {
		if on > fundus.DayOf(tx.Now()) {
			return nil, errs.Field(op, "on", "must not be in the future")
		}
		var n int
		if err := sqlx.GetContext(tx.Context(), tx.Reader(), &n, `SELECT COUNT(*) FROM fiscal_years WHERE year = $1`, year); err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, errs.Errorf(op, errs.InvalidState, "the adoption of the accounts of %d is already recorded", year)
		}
		fy := &FiscalYear{Year: year, AdoptedOn: on, RecordedBy: actor, RecordedAt: db.Time(tx.Now())}
		fy.ErasableFrom, _ = ErasableFrom(on, s.years())
		if _, err := tx.ExecContext(tx.Context(), `INSERT INTO fiscal_years (year, adopted_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4)`,
			fy.Year, fy.AdoptedOn, fy.RecordedBy, fy.RecordedAt); err != nil {
			return nil, err
		}
		return fy, audit.Add(tx, actor, "fiscal-year.adopt", "fiscal_year", strconv.Itoa(year), map[string]any{
			"adopted_on": on, "erasable_from": fy.ErasableFrom,
		})
	})
	if err != nil {
		return nil, errs.E(op, err)
	}
	return out.Value, nil
}

// FiscalYears lists the adopted years, oldest first.
func (s *Service) FiscalYears(ctx context.Context) ([]FiscalYear, error) {
	return fiscalYears(ctx, s.DB, s.years())
}

func fiscalYears(ctx context.Context, q sqlx.QueryerContext, years int) ([]FiscalYear, error) {
	var out []FiscalYear
	if err := sqlx.SelectContext(ctx, q, &out, `SELECT year, adopted_on, recorded_by, recorded_at FROM fiscal_years ORDER BY year`); err != nil {
		return nil, errs.E(errs.Op("retention.FiscalYears"), err)
	}
	for i := range out {
		out[i].ErasableFrom, _ = ErasableFrom(out[i].AdoptedOn, years)
		out[i].RecordedAt = out[i].RecordedAt.UTC()
	}
	return out, nil
}

// dueYears are the adopted years whose period ended on today (YYYY-MM-DD).
func dueYears(fys []FiscalYear, today string) []int {
	var out []int
	for _, fy := range fys {
		if fy.ErasableFrom != "" && fy.ErasableFrom <= today {
			out = append(out, fy.Year)
		}
	}
	return out
}

// Count is how many rows of a kind were (or would be) erased.
type Count struct {
	Kind string `json:"kind"`
	N    int64  `json:"n"`
}

// Report is what EraseDue erased (or, on a dry run, would erase).
type Report struct {
	DryRun bool    `json:"dry_run"`
	Years  []int   `json:"years"` // the years whose period ended
	Counts []Count `json:"counts"`
}

// Total is the number of rows erased, of every kind.
func (r Report) Total() int64 {
	var n int64
	for _, c := range r.Counts {
		n += c.N
	}
	return n
}

// The kinds of personal data EraseDue erases, in the order it reports them.
const (
	KindDonors        = "donors"
	KindBankLines     = "bank lines"
	KindMails         = "mails"
	KindPaymentFiles  = "payment files"
	KindApplicants    = "applicants"
	KindUploads       = "uploads"
	KindReceipts      = "receipts"
	KindIdempotency   = "stored answers"
	auditErasedMarker = "[gelöscht]" // what replaces personal data in the audit trail
)

// span is a year as instants [from, to) and days [fromDay, toDay).
type span struct {
	from, to       time.Time
	fromDay, toDay string
}

func yearSpan(y int) span {
	fromDay, toDay := fmt.Sprintf("%04d-01-01", y), fmt.Sprintf("%04d-01-01", y+1)
	from, _ := fundus.DayStart(fromDay)
	to, _ := fundus.DayStart(toDay)
	return span{from: from, to: to, fromDay: fromDay, toDay: toDay}
}

// kind is one place of personal data: which rows of a year are due
// (where, with :from, :to, :fromday, :today the span's bounds), and how
// they are blanked (set, with :now the erasure's time, :empty no bytes).
// objectType names the audit records whose details may repeat the data
// (scrub: its columns).
type kind struct {
	name, table, where, set string
	objectType              string
	scrub                   []string
}

var kinds = []kind{
	{name: KindDonors, table: "donations",
		// A donation belongs to the year of its last booking: its refund,
		// else its arrival; a pledge never received to the year it was made.
		where: `erased_at IS NULL AND COALESCE(refunded_at, received_at, created_at) >= :from AND COALESCE(refunded_at, received_at, created_at) < :to`,
		set: `donor_name = '', donor_email = '', donor_street = '', donor_postal_code = '', donor_city = '', message = '',
			refund_payee_name = '', refund_payee_iban = '', refund_reason = '', restricted_at = NULL, erased_at = :now`,
		objectType: "donation",
		scrub:      []string{"donor_name", "donor_email", "donor_street", "donor_city", "message", "refund_payee_name", "refund_payee_iban", "refund_reason"}},
	{name: KindBankLines, table: "bank_lines",
		where:      `erased_at IS NULL AND booking_date >= :fromday AND booking_date < :today`,
		set:        `counterparty_name = '', counterparty_iban = '', remittance = '', bank_text = '', erased_at = :now`,
		objectType: "bank_line", scrub: []string{"counterparty_name", "counterparty_iban", "remittance", "bank_text"}},
	{name: KindMails, table: "mail_outbox",
		// Only mails done with: sent, or given up.
		where: `erased_at IS NULL AND (sent_at IS NOT NULL OR failed_at IS NOT NULL) AND created_at >= :from AND created_at < :to`,
		set:   `to_address = '', to_name = '', subject = '', body_text = '', body_html = '', attachments = '[]', last_error = '', erased_at = :now`},
	{name: KindPaymentFiles, table: "payment_files",
		where: `erased_at IS NULL AND execution_date >= :fromday AND execution_date < :today`,
		set:   `document = '', erased_at = :now`},
	{name: KindApplicants, table: "applications",
		where: `erased_at IS NULL AND status IN ('closed', 'withdrawn', 'rejected')
			AND COALESCE(closed_at, withdrawn_at, decided_at) >= :from AND COALESCE(closed_at, withdrawn_at, decided_at) < :to`,
		set:        `payee_holder = '', payee_iban = '', payee_bic = '', erased_at = :now`,
		objectType: "application", scrub: []string{"payee_holder", "payee_iban"}},
	{name: KindUploads, table: "report_receipts",
		where: `erased_at IS NULL AND application_id IN (SELECT id FROM applications WHERE status IN ('closed', 'withdrawn', 'rejected')
			AND COALESCE(closed_at, withdrawn_at, decided_at) >= :from AND COALESCE(closed_at, withdrawn_at, decided_at) < :to)`,
		set: `name = '', sha256 = '', data = :empty, erased_at = :now`},
}

// EraseDue erases the personal data of every adopted year whose period
// has ended, as actor; dryRun only counts. Running it again erases nothing
// more. Each year's erasure that erased something is audited
// (fiscal-year.erase, with the counts).
func (s *Service) EraseDue(ctx context.Context, actor string, dryRun bool) (Report, error) {
	const op errs.Op = "retention.EraseDue"
	// A dry run erases as a run does, in the write path, and then gives its
	// work up (the function fails, so the write path undoes it): so it
	// counts exactly what a run would erase, receipts too.
	out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (Report, error) {
		r, err := s.eraseDue(tx, actor)
		if err == nil && dryRun {
			r.DryRun = true
			return r, &undone{r}
		}
		return r, err
	})
	var u *undone
	if errors.As(err, &u) {
		return u.report, nil
	}
	if err != nil {
		return out.Value, errs.E(op, err)
	}
	return out.Value, nil
}

// undone ends a dry run: an error, so that the write path undoes its work.
type undone struct{ report Report }

func (*undone) Error() string { return "retention: a dry run, undone" }

// queryExecer is what eraseDue reads and writes through.
type queryExecer interface {
	sqlx.QueryerContext
	sqlx.ExecerContext
}

func (s *Service) eraseDue(tx *commit.Tx, actor string) (Report, error) {
	ctx, q, now := tx.Context(), tx, tx.Now()
	fys, err := fiscalYears(ctx, q, s.years())
	if err != nil {
		return Report{}, err
	}
	r := Report{Years: dueYears(fys, fundus.DayOf(now)), Counts: []Count{}}
	counts := map[string]int64{}
	for _, y := range r.Years {
		sp := yearSpan(y)
		byKind := map[string]int64{}
		for _, k := range kinds {
			n, err := eraseKind(ctx, q, k, sp, db.Time(now))
			if err != nil {
				return r, fmt.Errorf("erasing %s of %d: %w", k.name, y, err)
			}
			counts[k.name] += n
			byKind[k.name] = n
		}
		if sum(byKind) > 0 {
			if err := audit.Add(tx, actor, "fiscal-year.erase", "fiscal_year", strconv.Itoa(y), byKind); err != nil {
				return r, err
			}
		}
	}
	last, err := lastContiguousYear(ctx, q, r.Years)
	if err != nil {
		return r, err
	}
	eraseReceipts := s.EraseReceipts
	if eraseReceipts == nil {
		eraseReceipts = receipts.EraseDue
	}
	if last > 0 {
		n, err := eraseReceipts(ctx, tx, last)
		if err != nil {
			return r, fmt.Errorf("erasing receipts: %w", err)
		}
		counts[KindReceipts] = n
	}
	if len(r.Years) > 0 {
		// Stored answers to idempotent requests repeat what was sent; they
		// are forgotten after a day anyway, and any from a due year now.
		last := r.Years[len(r.Years)-1]
		res, err := q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, db.Time(yearSpan(last).to))
		if err != nil {
			return r, err
		}
		if counts[KindIdempotency], err = res.RowsAffected(); err != nil {
			return r, err
		}
	}
	for _, k := range []string{KindDonors, KindBankLines, KindMails, KindPaymentFiles, KindApplicants, KindUploads, KindReceipts, KindIdempotency} {
		r.Counts = append(r.Counts, Count{Kind: k, N: counts[k]})
	}
	return r, nil
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// lastContiguousYear is the last year y of due such that every year from
// the first with a donation up to y is due: receipts are erased by "years
// up to", which must not reach a year not yet due. 0: none.
func lastContiguousYear(ctx context.Context, q sqlx.QueryerContext, due []int) (int, error) {
	if len(due) == 0 {
		return 0, nil
	}
	var first []time.Time
	if err := sqlx.SelectContext(ctx, q, &first, `SELECT created_at FROM donations ORDER BY created_at LIMIT 1`); err != nil || len(first) == 0 {
		return 0, err
	}
	set := map[int]bool{}
	for _, y := range due {
		set[y] = true
	}
	last := 0
	for y := first[0].In(fundus.Berlin).Year(); set[y]; y++ {
		last = y
	}
	return last, nil
}

// eraseKind erases the due rows of k in sp and returns how many.
func eraseKind(ctx context.Context, q queryExecer, k kind, sp span, now time.Time) (int64, error) {
	vals := map[string]any{":from": db.Time(sp.from), ":to": db.Time(sp.to), ":fromday": sp.fromDay, ":today": sp.toDay,
		":now": now, ":empty": []byte{}}
	if k.objectType != "" {
		if err := scrubAuditOf(ctx, q, k, vals); err != nil {
			return 0, err
		}
	}
	query, args := bind(`UPDATE `+k.table+` SET `+k.set+` WHERE `+k.where, vals)
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// bindNames are the names bind replaces, longest first.
var bindNames = []string{":fromday", ":today", ":empty", ":from", ":now", ":to", ":id"}

// bind replaces the names of vals in query by $1, $2, ... in the order
// they first appear, each name one parameter, and returns the arguments.
func bind(query string, vals map[string]any) (string, []any) {
	var args []any
	num := map[string]int{}
	var b strings.Builder
	for i := 0; i < len(query); {
		matched := ""
		if query[i] == ':' {
			for _, n := range bindNames {
				if strings.HasPrefix(query[i:], n) {
					matched = n
					break
				}
			}
		}
		if matched == "" {
			b.WriteByte(query[i])
			i++
			continue
		}
		if _, ok := num[matched]; !ok {
			args = append(args, vals[matched])
			num[matched] = len(args)
		}
		fmt.Fprintf(&b, "$%d", num[matched])
		i += len(matched)
	}
	return b.String(), args
}
