package ui

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/donations"
	"fundus/errs"
	"fundus/http/httpx"
	"fundus/web"
)

// The acceptance pages (§ 111 Abs. 8 NKomVG with § 26 KomHKVO): a
// donation above the administration's band is the fund's only once the
// administrative committee or the council accepted it. The list of a
// body's next session (admin and treasurer; it names donors, also
// anonymous ones, and belongs to the session's non-public annex) with its
// print view and CSV; the admin records the session's decision on it,
// row by row accept, decline or strike, through a confirmation step; and
// the yearly report to the supervisory authority (admin and auditor).

// acceptanceBodies are the bodies with a list, in the order of the tabs.
var acceptanceBodies = []donations.Body{donations.BodyCommittee, donations.BodyCouncil}

// The choices for a donation on the decision form.
const (
	choiceAccept  = "accept"
	choiceDecline = "decline"
	choiceStrike  = "strike" // not on this session's agenda: stays pending
)

// acceptanceRow is a donation on a body's list with the choice the form
// holds for it and what is wrong with it.
type acceptanceRow struct {
	donations.Pending
	Choice string
	Error  string
}

// acceptanceForm is the decision form as sent.
type acceptanceForm struct {
	Body                    donations.Body
	SessionDate, SessionRef string
	// Choices is each listed donation's choice, by id.
	Choices map[string]string
}

// acceptanceBody reads the body of the request (body in the query, or in
// the form of a POST); the committee where none is given.
func acceptanceBody(c *gin.Context) donations.Body {
	b := c.Query("body")
	if c.Request.Method == http.MethodPost {
		b = c.PostForm("body")
	}
	if b == "" {
		return donations.BodyCommittee
	}
	return donations.Body(b)
}

// acceptanceList is the body's list now. Returns Forbidden, Invalid (body).
func (h *Handler) acceptanceList(c *gin.Context, body donations.Body) ([]donations.Pending, error) {
	return h.Donations.PendingAcceptance(c.Request.Context(), httpx.CurrentUser(c), body)
}

// acceptancePage: GET /admin/acceptance?body=committee|council[&format=csv]
// (admin, treasurer): the list for the body's next session; for the admin
// with the form that records the session's decision.
func (h *Handler) acceptancePage(c *gin.Context) {
	body := acceptanceBody(c)
	list, err := h.acceptanceList(c, body)
	if err != nil {
		h.renderError(c, err)
		return
	}
	if wantsCSV(c) {
		writeCSVWith(c, "fundus-acceptance-"+string(body)+"-"+fundus.DayOf(time.Now()), func(w io.Writer) error {
			return donations.WritePendingCSV(w, list)
		})
		return
	}
	form := acceptanceForm{Body: body, Choices: map[string]string{}}
	for _, p := range list {
		form.Choices[p.DonationID] = choiceAccept // what the session usually does; each row can be changed
	}
	data := map[string]any{}
	if c.Query("done") == "decided" {
		data["Flash"] = h.decidedFlash(c, body)
	}
	h.showAcceptance(c, http.StatusOK, list, form, nil, nil, data)
}

// decidedFlash is the message after a decision was recorded, from the
// query the record step redirected to: what was accepted and declined,
// with their sums.
func (h *Handler) decidedFlash(c *gin.Context, body donations.Body) string {
	lang := pageLang(c)
	count := func(k string) int { n, _ := strconv.Atoi(c.Query(k)); return n }
	sum := func(k string) string {
		minor, _ := strconv.ParseInt(c.Query(k), 10, 64)
		return web.FormatMoney(lang, fundus.EURCents(minor))
	}
	date := c.Query("date")
	if !fundus.IsDay(date) {
		date = ""
	}
	msg := h.Web.T(lang, "acceptance.flash", "Body", h.Web.T(lang, "acceptance.body."+string(body)),
		"Date", web.FormatDay(lang, date), "Ref", c.Query("ref"))
	msg += " " + h.Web.T(lang, "acceptance.flash_accepted", "Count", count("accepted"), "Sum", sum("accepted_sum"))
	if n := count("declined"); n > 0 {
		msg += " " + h.Web.T(lang, "acceptance.flash_declined", "Count", n, "Sum", sum("declined_sum"))
	}
	return msg
}

// showAcceptance shows a body's list: with the decision form as form
// holds it for one who may decide, read only for others; errors are the
// field errors of the session's fields (by field), rowErrs those of
// donations (by id; one not on the list is said above the form).
func (h *Handler) showAcceptance(c *gin.Context, status int, list []donations.Pending, form acceptanceForm, errors map[string]string, rowErrs map[string]string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	rows := make([]acceptanceRow, len(list))
	var sum int64
	for i, p := range list {
		rows[i] = acceptanceRow{Pending: p, Choice: form.Choices[p.DonationID], Error: rowErrs[p.DonationID]}
		sum += p.Amount.Minor
		delete(rowErrs, p.DonationID)
	}
	// The purpose, where every donation on the list has the same (the
	// fund's one purpose, FUNDUS_DONATION_PURPOSE): said once above the
	// table rather than in each row.
	same := ""
	for i, p := range list {
		if i == 0 {
			same = p.Purpose
		} else if p.Purpose != same {
			same = ""
			break
		}
	}
	data["SamePurpose"] = same
	var others []string // errors of donations that are not on the list
	for _, msg := range rowErrs {
		others = append(others, msg)
	}
	slices.Sort(others)
	data["Body"], data["Bodies"], data["Rows"], data["Count"], data["Sum"] = string(form.Body), acceptanceBodies, rows, len(rows), fundus.EURCents(sum)
	data["Form"], data["Errors"], data["Others"] = form, errors, others
	data["CanDecide"] = httpx.CurrentUser(c).Allowed(fundus.DecideAcceptance)
	bands := h.Donations.Bands
	data["NoBands"], data["AdminMax"], data["CommitteeMax"] = bands == donations.Bands{}, fundus.EURCents(bands.AdminMax), fundus.EURCents(bands.CommitteeMax)
	data["Today"] = fundus.DayOf(time.Now())
	data["CSVURL"] = "/admin/acceptance?body=" + url.QueryEscape(string(form.Body)) + "&format=csv"
	if c.Request.Method == http.MethodPost {
		c.Set(ctxPath, "/admin/acceptance")
	}
	h.render(c, status, "admin_acceptance", "acceptance.title", data)
}

// choiceField is the form's field of a donation's choice.
func choiceField(id string) string { return "choice-" + id }

// readAcceptanceForm reads the decision form: the session's fields, and a
// choice for each donation the form listed (listed, the hidden field
// "donation"), or on the confirmation step the lists "accepted" and
// "declined" (every other listed donation struck).
func readAcceptanceForm(c *gin.Context, list []donations.Pending) (acceptanceForm, donations.Decision) {
	f := acceptanceForm{Body: acceptanceBody(c), SessionDate: strings.TrimSpace(c.PostForm("session_date")), SessionRef: c.PostForm("session_ref"),
		Choices: map[string]string{}}
	if c.PostForm("confirmed") != "" || c.PostForm("edit") != "" {
		d := donations.Decision{Body: f.Body, SessionDate: f.SessionDate, SessionRef: strings.TrimSpace(f.SessionRef),
			Accepted: c.PostFormArray("accepted"), Declined: c.PostFormArray("declined")}
		for _, p := range list {
			f.Choices[p.DonationID] = choiceStrike
		}
		for _, id := range d.Accepted {
			f.Choices[id] = choiceAccept
		}
		for _, id := range d.Declined {
			f.Choices[id] = choiceDecline
		}
		return f, d
	}
	// The donations in the form's order; one that has left the list since
	// the page was shown (decided meanwhile) is kept, for the check to
	// name it.
	d := donations.Decision{Body: f.Body, SessionDate: f.SessionDate, SessionRef: strings.TrimSpace(f.SessionRef)}
	for _, id := range c.PostFormArray("donation") {
		if _, dup := f.Choices[id]; dup {
			continue
		}
		f.Choices[id] = c.PostForm(choiceField(id))
		switch f.Choices[id] {
		case choiceAccept:
			d.Accepted = append(d.Accepted, id)
		case choiceDecline:
			d.Declined = append(d.Declined, id)
		}
	}
	// A donation that came onto the list after the page was shown was
	// not in the form: it is struck, as it was on no one's agenda.
	for _, p := range list {
		if _, ok := f.Choices[p.DonationID]; !ok {
			f.Choices[p.DonationID] = choiceStrike
		}
	}
	return f, d
}

// checkAcceptanceForm is what the first step can say before the
// confirmation: a choice that is none of the three, a donation the list
// no longer holds, and the session's fields. The record step leaves every
// check to donations.Service.Decide.
func checkAcceptanceForm(f acceptanceForm, d donations.Decision, list []donations.Pending) error {
	const op errs.Op = "ui.checkAcceptance"
	var fields []errs.FieldError
	add := func(field, code, msg string) {
		fields = append(fields, errs.FieldError{Field: field, Code: code, Message: msg})
	}
	onList := map[string]bool{}
	for _, p := range list {
		onList[p.DonationID] = true
		if ch := f.Choices[p.DonationID]; ch != choiceAccept && ch != choiceDecline && ch != choiceStrike {
			add(choiceField(p.DonationID), "oneof", "must be accept, decline or strike")
		}
	}
	for i, id := range d.Accepted {
		if !onList[id] {
			add("accepted["+strconv.Itoa(i)+"]", "pending", "is not on the list")
		}
	}
	for i, id := range d.Declined {
		if !onList[id] {
			add("declined["+strconv.Itoa(i)+"]", "pending", "is not on the list")
		}
	}
	switch {
	case f.SessionDate == "":
		add("session_date", "required", "is required")
	case !fundus.IsDay(f.SessionDate):
		add("session_date", "date", "must be a date")
	case f.SessionDate > fundus.DayOf(time.Now()):
		add("session_date", "not_future", "must not be in the future")
	}
	switch ref := strings.TrimSpace(f.SessionRef); {
	case ref == "":
		add("session_ref", "required", "is required")
	case utf8.RuneCountInString(ref) > 100:
		fields = append(fields, errs.FieldError{Field: "session_ref", Code: "max", Param: "100", Message: "must be at most 100 characters"})
	}
	if len(d.Accepted)+len(d.Declined) == 0 {
		add("accepted", "required", "name at least one donation accepted or declined")
	}
	if len(fields) == 0 {
		return nil
	}
	return errs.E(op, errs.Invalid, fields)
}

// itemField is a field error's donation: "accepted[2]" is the third id of
// the accepted list.
var itemField = regexp.MustCompile(`^(accepted|declined)\[(\d+)\]$`)

// acceptanceErrors sorts the field errors of a refused decision: those of
// the session's fields and of the choices by field, those of a donation
// by its id (rowErrs). A donation not on the list is named by its
// reference.
func (h *Handler) acceptanceErrors(c *gin.Context, err error, d donations.Decision, list []donations.Pending) (fields, rowErrs map[string]string) {
	fields, rowErrs = map[string]string{}, map[string]string{}
	onList := map[string]bool{}
	for _, p := range list {
		onList[p.DonationID] = true
	}
	lang := pageLang(c)
	for _, fe := range errs.FieldsOf(err) {
		msg := h.fieldMessage(c, fe)
		if m := itemField.FindStringSubmatch(fe.Field); m != nil {
			ids := d.Accepted
			if m[1] == "declined" {
				ids = d.Declined
			}
			i, _ := strconv.Atoi(m[2])
			if i >= len(ids) {
				continue
			}
			id := ids[i]
			if _, seen := rowErrs[id]; seen {
				continue
			}
			if !onList[id] {
				ref := h.Web.T(lang, "acceptance.unknown_donation")
				if dn, err := h.Donations.Find(c.Request.Context(), httpx.CurrentUser(c), id); err == nil {
					ref = dn.Reference
				}
				msg = h.Web.T(lang, "acceptance.error_off_list", "Reference", ref, "Message", msg)
			}
			rowErrs[id] = msg
			continue
		}
		if fe.Field == "accepted" && fe.Code == "required" {
			msg = h.Web.T(lang, "acceptance.none_chosen")
		}
		if strings.HasPrefix(fe.Field, "choice-") {
			rowErrs[strings.TrimPrefix(fe.Field, "choice-")] = h.Web.T(lang, "acceptance.choose")
			continue
		}
		if _, ok := fields[fe.Field]; !ok {
			fields[fe.Field] = msg
		}
	}
	return fields, rowErrs
}

// decideAcceptance: POST /admin/acceptance/decide (admin). Without
// "confirmed": checks the form and shows the confirmation step, what will
// be recorded; with "edit": back to the form as it was; with
// "confirmed": records the decision (donations.Service.Decide, one
// commit) and goes back to the list with what was recorded. A refused
// decision is shown on the form, naming the row or field, and records
// nothing.
func (h *Handler) decideAcceptance(c *gin.Context) {
	body := acceptanceBody(c)
	list, err := h.acceptanceList(c, body)
	if err != nil {
		h.renderError(c, err)
		return
	}
	form, d := readAcceptanceForm(c, list)
	if c.PostForm("edit") != "" {
		h.showAcceptance(c, http.StatusOK, list, form, nil, nil, nil)
		return
	}
	if c.PostForm("confirmed") == "" {
		if err := checkAcceptanceForm(form, d, list); err != nil {
			fields, rowErrs := h.acceptanceErrors(c, err, d, list)
			h.showAcceptance(c, http.StatusUnprocessableEntity, list, form, fields, rowErrs, nil)
			return
		}
		h.acceptanceConfirmPage(c, d, list)
		return
	}
	sent := strings.Join([]string{string(d.Body), d.SessionDate, d.SessionRef, strings.Join(d.Accepted, ","), strings.Join(d.Declined, ",")}, "\n")
	out, err := h.Donations.Decide(h.formKey(c, []byte(sent)), httpx.CurrentUser(c), d)
	if err != nil {
		switch errs.KindOf(err) {
		case errs.Invalid, errs.IdempotencyKeyReused:
			fields, rowErrs := h.acceptanceErrors(c, err, d, list)
			data := map[string]any{}
			if len(fields)+len(rowErrs) == 0 {
				_, data["Problem"] = h.pageProblem(c, err)
			}
			status, _ := h.pageProblem(c, err)
			h.showAcceptance(c, status, list, form, fields, rowErrs, data)
		default:
			h.renderError(c, err)
		}
		return
	}
	amounts := map[string]int64{}
	for _, p := range list {
		amounts[p.DonationID] = p.Amount.Minor
	}
	total := func(ids []string) string {
		var s int64
		for _, id := range ids {
			s += amounts[id]
		}
		return strconv.FormatInt(s, 10)
	}
	r := out.Value
	q := url.Values{"body": {string(r.Body)}, "done": {"decided"}, "date": {r.SessionDate}, "ref": {r.SessionRef},
		"accepted": {strconv.Itoa(len(r.Accepted))}, "accepted_sum": {total(r.Accepted)},
		"declined": {strconv.Itoa(len(r.Declined))}, "declined_sum": {total(r.Declined)}}
	c.Redirect(http.StatusSeeOther, "/admin/acceptance?"+q.Encode())
}

// acceptanceConfirmPage shows the confirmation step: the session, the
// donations to be accepted and declined with their counts and sums, how
// many are struck, and the button that records it.
func (h *Handler) acceptanceConfirmPage(c *gin.Context, d donations.Decision, list []donations.Pending) {
	var accepted, declined, struck []donations.Pending
	var sumA, sumD int64
	for _, p := range list {
		switch {
		case slices.Contains(d.Accepted, p.DonationID):
			accepted, sumA = append(accepted, p), sumA+p.Amount.Minor
		case slices.Contains(d.Declined, p.DonationID):
			declined, sumD = append(declined, p), sumD+p.Amount.Minor
		default:
			struck = append(struck, p)
		}
	}
	c.Set(ctxPath, "/admin/acceptance")
	h.render(c, http.StatusOK, "admin_acceptance_confirm", "acceptance.confirm_title", map[string]any{
		"D": d, "Accepted": accepted, "Declined": declined, "Struck": struck,
		"SumAccepted": fundus.EURCents(sumA), "SumDeclined": fundus.EURCents(sumD), "IdemKey": randomToken(),
	})
}

// acceptancePrintPage: GET /admin/acceptance/print?body=&date= (admin,
// treasurer): the list for the session's papers, with the heading of the
// non-public annex; date is the session's day, if known.
func (h *Handler) acceptancePrintPage(c *gin.Context) {
	body := acceptanceBody(c)
	date := strings.TrimSpace(c.Query("date"))
	if date != "" && !fundus.IsDay(date) {
		h.renderError(c, errs.FieldCode("ui.acceptancePrint", "date", "date", "", "must be a date"))
		return
	}
	list, err := h.acceptanceList(c, body)
	if err != nil {
		h.renderError(c, err)
		return
	}
	type item struct {
		No int
		donations.Pending
	}
	items := make([]item, len(list))
	var sum int64
	for i, p := range list {
		items[i] = item{No: i + 1, Pending: p}
		sum += p.Amount.Minor
	}
	h.render(c, http.StatusOK, "admin_acceptance_print", "acceptance.print_title", map[string]any{
		"Body": string(body), "Date": date, "Today": fundus.DayOf(time.Now()), "Items": items, "Sum": fundus.EURCents(sum),
		"CSVURL": "/admin/acceptance?body=" + url.QueryEscape(string(body)) + "&format=csv",
	})
}

// acceptanceReportPage: GET /admin/acceptance/report?year=[&format=csv]
// (admin, auditor): every donation received in the year, who decided on
// it, in which session, and how: the yearly report to the supervisory
// authority.
func (h *Handler) acceptanceReportPage(c *gin.Context) {
	year, err := httpx.ReportYear(c)
	if errs.Is(errs.Invalid, err) {
		h.render(c, http.StatusUnprocessableEntity, "admin_acceptance_report", "acceptance.report_title", map[string]any{
			"Year": c.Query("year"), "Errors": h.fieldMessages(c, err),
		})
		return
	} else if err != nil {
		h.renderError(c, err)
		return
	}
	lines, err := h.Donations.AcceptanceReport(c.Request.Context(), httpx.CurrentUser(c), year)
	if err != nil {
		h.renderError(c, err)
		return
	}
	if wantsCSV(c) {
		writeCSVWith(c, "fundus-acceptance-report-"+strconv.Itoa(year), func(w io.Writer) error {
			return donations.WriteReportCSV(w, lines)
		})
		return
	}
	type total struct {
		Outcome string
		Count   int
		Sum     fundus.Money
	}
	var totals []total
	for _, o := range []string{"accepted", "declined", "pending", "refunded"} {
		t := total{Outcome: o, Sum: fundus.EURCents(0)}
		for _, l := range lines {
			if l.Outcome == o {
				t.Count++
				t.Sum.Minor += l.Amount.Minor
			}
		}
		if t.Count > 0 {
			totals = append(totals, t)
		}
	}
	same := ""
	for i, l := range lines {
		if i == 0 {
			same = l.Purpose
		} else if l.Purpose != same {
			same = ""
			break
		}
	}
	h.render(c, http.StatusOK, "admin_acceptance_report", "acceptance.report_title", map[string]any{
		"Year": strconv.Itoa(year), "Lines": lines, "SamePurpose": same, "Totals": totals, "Prev": year - 1, "Next": year + 1, "CSVURL": csvURL(c),
	})
}
