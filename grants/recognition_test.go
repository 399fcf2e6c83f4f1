package grants_test

import (
	"context"
	"testing"
	"time"

	"fundus"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/grants"
	"fundus/ledger/ledgertest"
)

func TestRecognition(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		today := fundus.DayOf(time.Now())
		day := func(years, days int) string {
			t, _ := time.Parse(time.DateOnly, today)
			return t.AddDate(-years, 0, -days).Format(time.DateOnly)
		}
		rec := func(kind grants.RecognitionKind, date string) *grants.Recognition {
			return &grants.Recognition{Kind: kind, Authority: "Finanzamt Osnabrück-Stadt", Notice: "Freistellungsbescheid, St.-Nr. 66/123/45678", NoticeDate: date}
		}
		for name, c := range map[string]struct {
			r    *grants.Recognition
			want errs.FieldError // the only field refused
		}{
			"no kind":        {&grants.Recognition{Notice: "Bescheid"}, errs.FieldError{Field: "recognition.kind", Code: "required"}},
			"bad kind":       {rec("verein", day(1, 0)), errs.FieldError{Field: "recognition.kind", Code: "oneof"}},
			"no tax office":  {&grants.Recognition{Kind: grants.Nonprofit, Notice: "Bescheid", NoticeDate: day(1, 0)}, errs.FieldError{Field: "recognition.authority", Code: "required"}},
			"no notice":      {&grants.Recognition{Kind: grants.Nonprofit, Authority: "FA", NoticeDate: day(1, 0)}, errs.FieldError{Field: "recognition.notice", Code: "required"}},
			"no date":        {rec(grants.Nonprofit, ""), errs.FieldError{Field: "recognition.notice_date", Code: "required"}},
			"bad date":       {rec(grants.Nonprofit, "14.3.2025"), errs.FieldError{Field: "recognition.notice_date", Code: "date"}},
			"future":         {rec(grants.Nonprofit, day(0, -1)), errs.FieldError{Field: "recognition.notice_date", Code: "future"}},
			"too old":        {rec(grants.Nonprofit, day(5, 1)), errs.FieldError{Field: "recognition.notice_date", Code: grants.NoticeTooOldCode, Param: day(5, 0)}},
			"public, future": {rec(grants.PublicBody, day(0, -1)), errs.FieldError{Field: "recognition.notice_date", Code: "future"}},
		} {
			t.Run(name, func(t *testing.T) {
				in := input("100.00")
				in.Recognition = c.r
				_, err := w.g.Create(ctx, w.group, in)
				if !errs.Match(errs.E(errs.Invalid, c.want), err) || len(errs.FieldsOf(err)) != 1 {
					t.Errorf("%v %+v, want Invalid naming only %s (%s)", err, errs.FieldsOf(err), c.want.Field, c.want.Code)
				}
			})
		}
		for name, r := range map[string]*grants.Recognition{
			"five years to the day":  rec(grants.Nonprofit, day(5, 0)),
			"today":                  rec(grants.Nonprofit, today),
			"public body, no notice": {Kind: grants.PublicBody},
			"through a sponsor":      {Kind: grants.Nonprofit, Authority: "FA", Notice: "Freistellungsbescheid", NoticeDate: day(2, 0), Sponsor: "Nachbarschaftshilfe e.V."},
		} {
			in := input("100.00")
			in.Recognition = r
			a, err := ledgertest.Value(w.g.Create(ctx, w.group, in))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got, _ := w.g.Find(ctx, w.group, a.ID)
			if got.Recognition == nil || *got.Recognition != *r {
				t.Fatalf("%s: stored %+v, want %+v", name, got.Recognition, r)
			}
			if _, err := w.g.Submit(ctx, w.group, a.ID); err != nil {
				t.Fatalf("%s: submit: %v", name, err)
			}
		}

		// A draft may lack it; submitting it may not.
		in := input("100.00")
		in.Recognition = nil
		a, err := ledgertest.Value(w.g.Create(ctx, w.group, in))
		if err != nil || a.Recognition != nil {
			t.Fatalf("draft without recognition: %v %+v", err, a)
		}
		if _, err := w.g.Submit(ctx, w.group, a.ID); !errs.Match(errs.E(errs.Invalid, errs.FieldError{Field: "recognition.kind", Code: "recognition_required"}), err) {
			t.Fatalf("submit without recognition: %v", err)
		}
		if got, _ := w.g.Find(ctx, w.group, a.ID); got.Status != grants.Draft {
			t.Fatalf("refused submit changed the status to %s", got.Status)
		}
		if w := grants.RecognitionWarning(a, today); w != "missing" {
			t.Fatalf("warning %q, want missing", w)
		}
		// A notice that grew too old since the draft was saved (written
		// straight to the row: Update refuses it) is refused on submit.
		if _, err := w.g.Update(ctx, w.group, a.ID, func(in *grants.Input) error { in.Recognition = rec(grants.Nonprofit, day(4, 0)); return nil }); err != nil {
			t.Fatal(err)
		}
		ledgertest.Exec(t, w.g.Writer, `UPDATE applications SET recognition_notice_date = $1 WHERE id = $2`, day(6, 0), a.ID)
		if _, err := w.g.Submit(ctx, w.group, a.ID); !errs.Match(errs.E(errs.Invalid, errs.FieldError{Field: "recognition.notice_date", Code: grants.NoticeTooOldCode}), err) {
			t.Fatalf("submit with an expired notice: %v", err)
		}
		for date, want := range map[string]string{day(6, 0): "expired", day(4, 0): "old", day(3, -1): "", day(1, 0): ""} {
			if got := grants.RecognitionWarning(&grants.Application{Recognition: rec(grants.Nonprofit, date)}, today); got != want {
				t.Errorf("notice of %s: warning %q, want %q", date, got, want)
			}
		}
		if got := grants.RecognitionWarning(&grants.Application{Recognition: &grants.Recognition{Kind: grants.PublicBody}}, today); got != "" {
			t.Errorf("public body: warning %q", got)
		}
	})
}
