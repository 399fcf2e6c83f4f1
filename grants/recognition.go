package grants

import (
	"strings"
	"time"

	"fundus"
	"fundus/check"
)

// A donation receipt says the money is used directly for the stated
// purpose, so the fund pays grants only to bodies that may receive it:
// bodies recognised as non-profit (a Freistellungsbescheid or a
// Feststellungsbescheid under § 60a AO of their tax office) and public
// bodies (juristische Personen des öffentlichen Rechts, such as a school).
// A group without recognition applies through a recognised sponsor
// (Träger): the recognition is then the sponsor's, and Sponsor names it.

// RecognitionKind is why a body may receive the fund's money.
type RecognitionKind string

// The kinds of recognition.
const (
	Nonprofit  RecognitionKind = "nonprofit"   // gemeinnützig, by notice of the tax office
	PublicBody RecognitionKind = "public_body" // juristische Person des öffentlichen Rechts
)

// The ages of a non-profit notice (§ 63 Abs. 5 AO): a body may issue
// donation receipts while its Freistellungsbescheid is at most five years
// old, or its Feststellungsbescheid (§ 60a AO) at most three. An
// application needs a notice within the longer limit; the committee is
// warned once it passes the shorter one.
const (
	NoticeMaxYears  = 5
	NoticeWarnYears = 3
)

// NoticeTooOldCode is the code (errs.Code) of a field error for a notice
// older than NoticeMaxYears; its Param is the earliest date accepted
// (YYYY-MM-DD).
const NoticeTooOldCode = "notice_too_old"

// Recognition is the notice that lets a body receive grants.
type Recognition struct {
	Kind RecognitionKind `json:"kind"`
	// Authority is the tax office that issued the notice; for a public
	// body, optionally the law or the body it belongs to.
	Authority string `json:"authority,omitempty"`
	// Notice names the notice, e.g. "Freistellungsbescheid, St.-Nr.
	// 66/123/45678"; optional for a public body.
	Notice string `json:"notice,omitempty"`
	// NoticeDate is the notice's date (YYYY-MM-DD); optional for a public
	// body.
	NoticeDate string `json:"notice_date,omitempty"`
	// Sponsor is the recognised body (Träger) a group without recognition
	// applies through; the recognition is the sponsor's. Empty: the
	// applicant itself is recognised.
	Sponsor string `json:"sponsor,omitempty"`
}

// empty reports whether nothing of r was written.
func (r Recognition) empty() bool {
	return r.Kind == "" && r.Authority == "" && r.Notice == "" && r.NoticeDate == "" && r.Sponsor == ""
}

// checkRecognition validates in as of today (YYYY-MM-DD in Europe/Berlin)
// into f and returns it trimmed; nil when in is nil or empty (a draft may
// leave it out; Submit asks for it).
func checkRecognition(f *check.Fields, in *Recognition, today string) *Recognition {
	if in == nil {
		return nil
	}
	r := Recognition{Kind: RecognitionKind(strings.TrimSpace(string(in.Kind))), Authority: strings.TrimSpace(in.Authority),
		Notice: strings.TrimSpace(in.Notice), NoticeDate: strings.TrimSpace(in.NoticeDate), Sponsor: strings.TrimSpace(in.Sponsor)}
	if r.empty() {
		return nil
	}
	nonprofit := r.Kind == Nonprofit
	switch r.Kind {
	case "":
		f.Add("recognition.kind", "required", "", "is required: nonprofit or public_body")
	case Nonprofit, PublicBody:
	default:
		f.Add("recognition.kind", "oneof", "nonprofit public_body", "must be nonprofit or public_body")
	}
	text := func(field, v string, required bool) {
		if !required && v == "" {
			return
		}
		if f.Required(field, v) {
			f.Text(field, v, 200, false)
		}
	}
	text("recognition.authority", r.Authority, nonprofit)
	text("recognition.notice", r.Notice, nonprofit)
	text("recognition.sponsor", r.Sponsor, false)
	switch {
	case r.NoticeDate == "":
		if nonprofit {
			f.Add("recognition.notice_date", "required", "", "is required: the date of the tax office's notice")
		}
	case !fundus.IsDay(r.NoticeDate):
		f.Add("recognition.notice_date", "date", "", "must be a date such as 2025-03-14")
	case r.NoticeDate > today:
		f.Add("recognition.notice_date", "future", "", "must not lie in the future")
	case nonprofit && r.NoticeDate < NoticeLimit(today):
		limit := NoticeLimit(today)
		f.Add("recognition.notice_date", NoticeTooOldCode, limit,
			"the notice is more than 5 years old (§ 63 Abs. 5 AO); a notice dated "+limit+" or later is needed")
	}
	return &r
}

// NoticeLimit returns the earliest date a non-profit notice may have on
// day today (both YYYY-MM-DD): NoticeMaxYears before.
func NoticeLimit(today string) string {
	return yearsBefore(today, NoticeMaxYears)
}

func yearsBefore(day string, years int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(-years, 0, 0).Format(time.DateOnly)
}

// RecognitionWarning is what the committee should check about an
// application's recognition on day today (YYYY-MM-DD): "missing" (an
// application from before it was asked for), "expired" (a non-profit
// notice older than NoticeMaxYears), "old" (older than NoticeWarnYears:
// a Feststellungsbescheid is no longer enough, a Freistellungsbescheid
// soon is not), or "" when nothing.
func RecognitionWarning(a *Application, today string) string {
	r := a.Recognition
	switch {
	case r == nil || r.Kind == "":
		return "missing"
	case r.Kind != Nonprofit || r.NoticeDate == "":
		return ""
	case r.NoticeDate < NoticeLimit(today):
		return "expired"
	case r.NoticeDate < yearsBefore(today, NoticeWarnYears):
		return "old"
	}
	return ""
}
