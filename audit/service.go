package audit

import (
	"context"
	"io"

	"fundus/internal/safecsv"

	"fundus"
	"fundus/db"
	"fundus/errs"
)

// Service reads the audit trail.
type Service struct {
	DB *db.DB
}

// List returns up to f.Limit records after f.AfterSeq, and the position
// to continue after (0 when there are no more).
// Returns Unauthenticated, Forbidden.
func (s *Service) List(ctx context.Context, actor fundus.Actor, f Filter) ([]Record, int64, error) {
	const op errs.Op = "audit.List"
	if err := fundus.Authorize(op, actor, fundus.ReadAudit); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	f.Limit++
	recs, err := findRecords(ctx, s.DB, f)
	if err != nil {
		return nil, 0, errs.E(op, err)
	}
	if len(recs) > limit {
		return recs[:limit], recs[limit-1].seq, nil
	}
	return recs, 0, nil
}

// timeLayout writes a record's time with all six fraction digits, as the
// ledger writes its entries' (ledger.TimeLayout).
const timeLayout = "2006-01-02T15:04:05.000000Z"

// exportChunk is how many records ExportCSV reads at a time.
const exportChunk = 1000

// ExportCSV writes the records that f selects as CSV, streamed in chunks.
// Returns Unauthenticated, Forbidden.
func (s *Service) ExportCSV(ctx context.Context, actor fundus.Actor, w io.Writer, f Filter) error {
	const op errs.Op = "audit.ExportCSV"
	if err := fundus.Authorize(op, actor, fundus.ReadAudit); err != nil {
		return err
	}
	cw, err := safecsv.New(w, []string{"id", "time", "actor", "action", "object_type", "object_id", "details"})
	if err != nil {
		return err
	}
	f.Limit = exportChunk
	for {
		recs, err := findRecords(ctx, s.DB, f)
		if err != nil {
			return errs.E(op, err)
		}
		for _, r := range recs {
			if err := cw.Write([]string{r.ID, r.Time.UTC().Format(timeLayout), r.Actor, r.Action, r.ObjectType, r.ObjectID, string(r.Details)}); err != nil {
				return err
			}
			f.AfterSeq = r.seq
		}
		if err := cw.Flush(); err != nil {
			return err
		}
		if len(recs) < exportChunk {
			return nil
		}
	}
}
