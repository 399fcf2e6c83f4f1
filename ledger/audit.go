package ledger

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/db"
	"fundus/errs"
)

// AuditRecord is one line of the audit trail: who did what to which object,
// when, with the change (Details: the old and new state, or what was done).
type AuditRecord struct {
	ID         string          `json:"id"`
	Time       time.Time       `json:"time"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Details    json.RawMessage `json:"details"`
	seq        int64
}

// Audit appends a record to the audit trail inside the transaction q of the
// change it describes, so the two commit together. details is written as
// JSON. Every domain calls it for every state change.
func Audit(ctx context.Context, q sqlx.ExecerContext, now time.Time, actor, action, objectType, objectID string, details any) error {
	r, err := newAuditRecord(now, actor, action, objectType, objectID, details)
	if err != nil {
		return err
	}
	return insertRows(ctx, q, "audit_log", auditColumns, (&batchEnd{audits: []*AuditRecord{r}}).auditRows())
}

func newAuditRecord(now time.Time, actor, action, objectType, objectID string, details any) (*AuditRecord, error) {
	b, err := json.Marshal(details)
	if err != nil {
		return nil, errs.E(errs.Op("ledger.Audit"), errs.Internal, err)
	}
	return &AuditRecord{
		ID: db.NewID(), Time: entryTime(now), Actor: actor, Action: action,
		ObjectType: objectType, ObjectID: objectID, Details: b,
	}, nil
}

// Audit appends a record to the audit trail in this write-path transaction.
func (t *Tx) Audit(actor, action, objectType, objectID string, details any) error {
	r, err := newAuditRecord(t.now, actor, action, objectType, objectID, details)
	if err != nil {
		return err
	}
	t.audits = append(t.audits, r)
	return nil
}
