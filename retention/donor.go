package retention

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/jmoiron/sqlx"

	"fundus"
	"fundus/audit"
	"fundus/commit"
	"fundus/db"
	"fundus/donations"
	"fundus/errs"
)

// EraseDonation erases a donor's data at once where no retention duty
// holds: a pledge never received or a cancelled one (nothing was booked),
// with no receipt. Otherwise it marks the data restricted (Art. 18 GDPR)
// until its period ends, and returns InvalidState; the mark is kept.
// Mails to the donor's address about it are erased with it. Admins only;
// audited (donation.erase, donation.restrict).
func (s *Service) EraseDonation(ctx context.Context, actor fundus.Actor, id string) (commit.Outcome[*donations.Donation], error) {
	const op errs.Op = "retention.EraseDonation"
	if err := fundus.Authorize(op, actor, fundus.EraseDonations); err != nil {
		return commit.Outcome[*donations.Donation]{}, err
	}
	out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*donations.Donation, error) {
		d, err := donations.Lookup(tx.Context(), tx.Reader(), id)
		if err != nil {
			return nil, err
		}
		if d.ErasedAt != nil {
			return nil, errs.Errorf(op, errs.InvalidState, "the donor's data of %s was erased before", d.Reference)
		}
		// Any receipt, valid or cancelled: the fund keeps a copy of each
		// (§ 50 EStDV). Only a received donation gets one; this is a guard.
		var receipts int
		if err := sqlx.GetContext(tx.Context(), tx.Reader(), &receipts, `SELECT COUNT(*) FROM receipt_donations WHERE donation_id = $1`, d.ID); err != nil {
			return nil, err
		}
		receipt := receipts > 0
		now := db.Time(tx.Now())
		if (d.Status != donations.Pledged && d.Status != donations.Cancelled) || d.LedgerEntryID != "" || receipt {
			if d.Restricted {
				return d, nil // restricted before; the answer is the refusal
			}
			if _, err := tx.ExecContext(tx.Context(), `UPDATE donations SET restricted_at = $2 WHERE id = $1`, d.ID, now); err != nil {
				return nil, err
			}
			d.Restricted = true
			return d, audit.Add(tx, actor.ActorID(), "donation.restrict", "donation", d.ID, map[string]any{"status": d.Status, "receipt": receipt})
		}
		k := kinds[0]
		if err := scrubAudit(tx.Context(), tx, k.objectType, []string{d.ID}, [][]string{personal(d)}); err != nil {
			return nil, err
		}
		if d.Donor != nil && d.Donor.Email != "" {
			if _, err := tx.ExecContext(tx.Context(), `UPDATE mail_outbox SET to_address = '', to_name = '', subject = '', body_text = '', body_html = '',
				attachments = '[]', last_error = '', erased_at = $2,
				failed_at = CASE WHEN sent_at IS NULL THEN COALESCE(failed_at, $2) ELSE failed_at END WHERE to_address = $1 AND erased_at IS NULL`,
				d.Donor.Email, now); err != nil {
				return nil, err
			}
		}
		query, args := bind(`UPDATE donations SET `+k.set+` WHERE id = :id`, map[string]any{":now": now, ":id": d.ID})
		if _, err := tx.ExecContext(tx.Context(), query, args...); err != nil {
			return nil, err
		}
		if err := audit.Add(tx, actor.ActorID(), "donation.erase", "donation", d.ID, map[string]any{"status": d.Status}); err != nil {
			return nil, err
		}
		return donations.Lookup(tx.Context(), tx.Reader(), id)
	})
	if err != nil {
		return out, errs.E(op, err)
	}
	if out.Value != nil && out.Value.ErasedAt == nil {
		return out, errs.Errorf(op, errs.InvalidState,
			"a retention duty holds for the donor's data of %s (a received donation, or one with a receipt): it is restricted until its period ends, then erased", out.Value.Reference)
	}
	return out, nil
}

// personal is the donor's data of d, as scrubAudit looks for it.
func personal(d *donations.Donation) []string {
	var out []string
	if d.Donor != nil {
		out = append(out, d.Donor.Name, d.Donor.Email, d.Donor.Street, d.Donor.City)
	}
	if d.RefundPayee != nil {
		out = append(out, d.RefundPayee.Name, d.RefundPayee.IBAN)
	}
	return append(out, d.Message, d.RefundReason)
}

// scrubAuditOf blanks in the audit records of the due rows of k the
// personal data those rows hold (k.scrub) wherever a record repeats it.
func scrubAuditOf(ctx context.Context, q queryExecer, k kind, vals map[string]any) error {
	query, args := bind(`SELECT id, `+strings.Join(k.scrub, ", ")+` FROM `+k.table+` WHERE `+k.where, vals)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	var ids []string
	var values [][]string
	for rows.Next() {
		vs := make([]string, len(k.scrub)+1)
		ptrs := make([]any, len(vs))
		for i := range vs {
			ptrs[i] = &vs[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return err
		}
		ids, values = append(ids, vs[0]), append(values, vs[1:])
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return scrubAudit(ctx, q, k.objectType, ids, values)
}

// scrubAudit replaces in the details of the audit records of objectType
// ids[i] each text of values[i] (three characters or more) by a marker.
// The trail is otherwise never changed; this is the one change the law
// asks of it.
func scrubAudit(ctx context.Context, q queryExecer, objectType string, ids []string, values [][]string) error {
	for i, id := range ids {
		var texts []string
		for _, v := range values[i] {
			if v = strings.TrimSpace(v); len([]rune(v)) >= 3 {
				texts = append(texts, v)
			}
		}
		if len(texts) == 0 {
			continue
		}
		var recs []struct {
			Seq     int64  `db:"seq"`
			Details string `db:"details"`
		}
		if err := sqlx.SelectContext(ctx, q, &recs, `SELECT seq, details FROM audit_log WHERE object_type = $1 AND object_id = $2`, objectType, id); err != nil {
			return err
		}
		for _, r := range recs {
			if !containsAny(r.Details, texts) {
				continue
			}
			var v any
			if err := json.Unmarshal([]byte(r.Details), &v); err != nil {
				return err
			}
			b, err := json.Marshal(scrub(v, texts))
			if err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, `UPDATE audit_log SET details = $2 WHERE seq = $1`, r.Seq, string(b)); err != nil {
				return err
			}
		}
	}
	return nil
}

// containsAny reports whether s holds one of texts, as it stands or as
// JSON writes it.
func containsAny(s string, texts []string) bool {
	for _, t := range texts {
		b, _ := json.Marshal(t)
		if strings.Contains(s, t) || strings.Contains(s, strings.Trim(string(b), `"`)) {
			return true
		}
	}
	return false
}

// scrub returns v with each of texts in its strings replaced by a marker.
func scrub(v any, texts []string) any {
	switch x := v.(type) {
	case string:
		for _, t := range texts {
			x = strings.ReplaceAll(x, t, auditErasedMarker)
		}
		return x
	case []any:
		for i := range x {
			x[i] = scrub(x[i], texts)
		}
		return x
	case map[string]any:
		for key := range x {
			x[key] = scrub(x[key], texts)
		}
		return x
	}
	return v
}
