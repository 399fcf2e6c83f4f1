package audit

import (
	"context"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/db"
)

// This file holds all of the package's SQL.

// insertRecords returns the insert of records (none for none).
func insertRecords(records []*Record) []db.Statement {
	rows := make([][]any, len(records))
	for i, r := range records {
		rows[i] = []any{r.ID, r.Time, r.Actor, r.Action, r.ObjectType, r.ObjectID, string(r.Details)}
	}
	return db.InsertRows("audit_log", []string{"id", "time", "actor", "action", "object_type", "object_id", "details"}, rows, "")
}

// Filter selects audit records; empty fields match everything.
type Filter struct {
	Actor, Action, ObjectType, ObjectID string
	From, To                            time.Time
	AfterSeq                            int64
	Limit                               int
}

type recordRow struct {
	Seq        int64     `db:"seq"`
	ID         string    `db:"id"`
	Time       time.Time `db:"time"`
	Actor      string    `db:"actor"`
	Action     string    `db:"action"`
	ObjectType string    `db:"object_type"`
	ObjectID   string    `db:"object_id"`
	Details    string    `db:"details"`
}

func findRecords(ctx context.Context, q sqlx.QueryerContext, f Filter) ([]Record, error) {
	var p db.Params
	arg := p.Add
	where := []string{"seq > " + arg(f.AfterSeq)}
	for col, v := range map[string]string{"actor": f.Actor, "action": f.Action, "object_type": f.ObjectType, "object_id": f.ObjectID} {
		if v != "" {
			where = append(where, col+" = "+arg(v))
		}
	}
	if !f.From.IsZero() {
		where = append(where, "time >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "time < "+arg(f.To))
	}
	var rows []recordRow
	query := `SELECT seq, id, time, actor, action, object_type, object_id, details FROM audit_log WHERE ` +
		strings.Join(where, " AND ") + ` ORDER BY seq LIMIT ` + arg(f.Limit)
	if err := sqlx.SelectContext(ctx, q, &rows, query, p.Args()...); err != nil {
		return nil, err
	}
	out := make([]Record, len(rows))
	for i, r := range rows {
		out[i] = Record{ID: r.ID, Time: r.Time.UTC(), Actor: r.Actor, Action: r.Action, ObjectType: r.ObjectType,
			ObjectID: r.ObjectID, Details: []byte(r.Details), seq: r.Seq}
	}
	return out, nil
}
