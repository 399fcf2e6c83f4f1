// Package audit is the audit trail: who did what to which object, when,
// with the change. Every state change of every domain adds a record in the
// same transaction as the change (Add), so the two commit together; the
// records are never changed or deleted.
package audit

import (
	"encoding/json"
	"time"

	"fundus/commit"
	"fundus/db"
	"fundus/errs"
)

// Record is one line of the audit trail: who did what to which object,
// when, with the change (Details: the old and new state, or what was done).
type Record struct {
	ID         string          `json:"id"`
	Time       time.Time       `json:"time"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Details    json.RawMessage `json:"details"`
	seq        int64
}

// Trail is the audit trail's participant in the write path
// (commit.NewWriter): it keeps a batch's records in memory and inserts them
// at its end, in one statement.
var Trail commit.Participant = &trail{}

type trail struct{}

type trailPart struct{ records []*Record }

func (*trail) Begin(*commit.Tx) (commit.Part, error) { return &trailPart{}, nil }

func (p *trailPart) Save() func() {
	n := len(p.records)
	return func() { p.records = p.records[:n] }
}

func (p *trailPart) End() ([]db.Statement, func([]db.StatementResult) error) {
	return insertRecords(p.records), nil
}

// Add appends a record to the audit trail in tx, the transaction of the
// change it describes. details is written as JSON.
func Add(tx *commit.Tx, actor, action, objectType, objectID string, details any) error {
	const op errs.Op = "audit.Add"
	p, ok := tx.Part(Trail).(*trailPart)
	if !ok {
		return errs.E(op, errs.Internal, "the write path was started without the audit trail (audit.Trail)")
	}
	b, err := json.Marshal(details)
	if err != nil {
		return errs.E(op, errs.Internal, err)
	}
	p.records = append(p.records, &Record{
		ID: db.NewID(), Time: db.Time(tx.Now()), Actor: actor, Action: action,
		ObjectType: objectType, ObjectID: objectID, Details: b,
	})
	return nil
}
