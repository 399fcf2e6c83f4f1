// Package pdf renders the official donation receipt (Zuwendungsbestätigung)
// of a public-law body as a PDF, after the binding BMF pattern for money
// donations to "inländische juristische Personen des öffentlichen Rechts"
// (BMF 07.11.2013, IV C 4 – S 2223/07/0018 :005), single or collective
// (Sammelbestätigung with its annex).
//
// Text is set in the embedded Go fonts (golang.org/x/image/font/gofont),
// which cover Latin with its diacritics (ä, ß, Ł, Ş, ğ, …), Greek and
// Cyrillic; other scripts (Arabic, CJK) do not print. The output depends
// only on the Document: the PDF's dates are IssuedOn.
package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// Kinds of receipt.
const (
	Single     = "single"
	Collective = "collective"
)

// MaxAmount is the largest amount in cents a receipt takes (the ledger's
// limit, 10^15 cents - 1).
const MaxAmount = 1_000_000_000_000_000 - 1

// Document is what a receipt shows.
type Document struct {
	Kind                      string // Single or Collective
	Number                    string // ZB-2026-00001
	IssuerName, IssuerAddress string // the address may hold line breaks
	DonorName                 string
	DonorAddress              []string // lines
	Amount                    int64    // cents, the total
	Date                      string   // single: the donation's date (YYYY-MM-DD)
	PeriodFrom, PeriodTo      string   // collective (YYYY-MM-DD)
	Items                     []Item   // collective: each donation
	Purpose                   string   // the tax-privileged purpose; a leading "Förderung " is dropped
	MachineNote               string   // the note that a machine-made receipt needs no signature; empty: a signature line
	Place                     string
	IssuedOn                  string // YYYY-MM-DD
	Cancelled                 bool   // a copy of a cancelled receipt is stamped "STORNIERT"
}

// Item is one donation of a collective receipt.
type Item struct {
	Date   string // YYYY-MM-DD
	Amount int64  // cents
}

// Texts of the BMF pattern.
const (
	titleSingle     = "Bestätigung über Geldzuwendungen im Sinne des § 10b des Einkommensteuergesetzes an inländische juristische Personen des öffentlichen Rechts oder inländische öffentliche Dienststellen"
	titleCollective = "Sammelbestätigung über Geldzuwendungen im Sinne des § 10b des Einkommensteuergesetzes an inländische juristische Personen des öffentlichen Rechts oder inländische öffentliche Dienststellen"
	issuerLabel     = "Bezeichnung und Anschrift der inländischen juristischen Person des öffentlichen Rechts oder der inländischen öffentlichen Dienststelle"
	donorLabel      = "Name und Anschrift des Zuwendenden"
	figuresLabel    = "Betrag der Zuwendung – in Ziffern –"
	wordsLabel      = "– in Buchstaben –"
	dateLabel       = "Tag der Zuwendung"
	periodLabel     = "Zeitraum der Sammelbestätigung"
	noWaiver        = "Es handelt sich nicht um den Verzicht auf Erstattung von Aufwendungen."
	waiverInAnnex   = "Ob es sich um den Verzicht auf Erstattung von Aufwendungen handelt, ist der Anlage zur Sammelbestätigung zu entnehmen."
	direct          = "Die Zuwendung wird von uns unmittelbar für den angegebenen Zweck verwendet."
	purposeText     = "Es wird bestätigt, dass die Zuwendung nur zur Förderung %s verwendet wird."
	collectiveText  = "Es wird bestätigt, dass über die in der Gesamtsumme enthaltenen Zuwendungen keine weiteren Bestätigungen, weder formelle Zuwendungsbestätigungen noch Beitragsquittungen oder Ähnliches ausgestellt wurden und werden."
	placeLabel      = "(Ort, Datum)"
	signatureLabel  = "(Unterschrift des Zuwendungsempfängers)"
	noteLabel       = "Hinweis:"
	liabilityNote   = "Wer vorsätzlich oder grob fahrlässig eine unrichtige Zuwendungsbestätigung erstellt oder veranlasst, dass Zuwendungen nicht zu den in der Zuwendungsbestätigung angegebenen steuerbegünstigten Zwecken verwendet werden, haftet für die entgangene Steuer (§ 10b Abs. 4 EStG, § 9 Abs. 3 KStG, § 9 Nr. 5 GewStG)."
	annexTitle      = "Anlage zur Sammelbestätigung vom %s"
	cancelledStamp  = "STORNIERT"
)

// Page geometry in mm (A4).
const (
	pageW, pageH = 210.0, 297.0
	margin       = 20.0
	textW        = pageW - 2*margin
	bottom       = pageH - 15.0
)

// Render makes the PDF of d: one A4 page for a single receipt, the
// receipt page and its annex for a collective one, which lists the items
// by date. It checks d first and names the field that is wrong.
func Render(d Document) ([]byte, error) {
	issued, err := d.check()
	if err != nil {
		return nil, err
	}
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCreationDate(issued)
	f.SetModificationDate(issued)
	f.SetCatalogSort(true)
	f.SetCompression(true)
	f.AddUTF8FontFromBytes("go", "", goregular.TTF)
	f.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	f.SetTitle("Zuwendungsbestätigung "+d.Number, true)
	f.SetAuthor(d.IssuerName, true)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(false, 0)

	// the annex lists the donations by date
	d.Items = slices.Clone(d.Items)
	slices.SortStableFunc(d.Items, func(a, b Item) int { return strings.Compare(a.Date, b.Date) })
	r := renderer{f: f, d: d}
	r.front()
	if f.GetY() > bottom {
		return nil, errors.New("pdf: the receipt does not fit one A4 page (shorten Purpose, IssuerAddress, DonorAddress or MachineNote)")
	}
	if d.Kind == Collective {
		r.annex()
	}
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// check validates d and returns the issue date.
func (d Document) check() (time.Time, error) {
	bad := func(field, format string, a ...any) error {
		return fmt.Errorf("pdf: %s: %s", field, fmt.Sprintf(format, a...))
	}
	day := func(field, s string) (time.Time, error) {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return t, bad(field, "%q is not a date (YYYY-MM-DD)", s)
		}
		return t, nil
	}
	for _, f := range []struct{ name, v string }{
		{"Number", d.Number}, {"IssuerName", d.IssuerName}, {"IssuerAddress", d.IssuerAddress},
		{"DonorName", d.DonorName}, {"Purpose", d.Purpose}, {"Place", d.Place},
	} {
		if strings.TrimSpace(f.v) == "" {
			return time.Time{}, bad(f.name, "empty")
		}
	}
	if d.Amount <= 0 || d.Amount > MaxAmount {
		return time.Time{}, bad("Amount", "%d cents is not between 1 and %d", d.Amount, int64(MaxAmount))
	}
	issued, err := day("IssuedOn", d.IssuedOn)
	if err != nil {
		return issued, err
	}
	switch d.Kind {
	case Single:
		if len(d.Items) > 0 {
			return issued, bad("Items", "a single receipt has none")
		}
		t, err := day("Date", d.Date)
		if err != nil {
			return issued, err
		}
		if t.After(issued) {
			return issued, bad("Date", "%s is after IssuedOn %s", d.Date, d.IssuedOn)
		}
	case Collective:
		from, err := day("PeriodFrom", d.PeriodFrom)
		if err != nil {
			return issued, err
		}
		to, err := day("PeriodTo", d.PeriodTo)
		if err != nil {
			return issued, err
		}
		if to.Before(from) {
			return issued, bad("PeriodTo", "%s is before PeriodFrom %s", d.PeriodTo, d.PeriodFrom)
		}
		if to.After(issued) {
			return issued, bad("PeriodTo", "%s is after IssuedOn %s", d.PeriodTo, d.IssuedOn)
		}
		if len(d.Items) == 0 {
			return issued, bad("Items", "a collective receipt lists its donations")
		}
		var sum int64
		for i, it := range d.Items {
			field := fmt.Sprintf("Items[%d]", i)
			t, err := day(field+".Date", it.Date)
			if err != nil {
				return issued, err
			}
			if t.Before(from) || t.After(to) {
				return issued, bad(field+".Date", "%s is outside the period %s to %s", it.Date, d.PeriodFrom, d.PeriodTo)
			}
			if it.Amount <= 0 || it.Amount > MaxAmount {
				return issued, bad(field+".Amount", "%d cents is not between 1 and %d", it.Amount, int64(MaxAmount))
			}
			sum += it.Amount
			if sum > MaxAmount {
				return issued, bad("Items", "the sum is above %d cents", int64(MaxAmount))
			}
		}
		if sum != d.Amount {
			return issued, bad("Amount", "%s, but the items sum to %s", Figures(d.Amount), Figures(sum))
		}
	default:
		return issued, bad("Kind", "%q is neither %q nor %q", d.Kind, Single, Collective)
	}
	return issued, nil
}

// Figures writes cents in German format with the euro sign: "2.500,00 €".
func Figures(cents int64) string {
	neg := cents < 0
	u := uint64(cents)
	if neg {
		u = uint64(-(cents + 1)) + 1
	}
	digits := fmt.Sprint(u / 100)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	fmt.Fprintf(&b, ",%02d €", u%100)
	return b.String()
}

// germanDate turns YYYY-MM-DD (checked) into DD.MM.YYYY.
func germanDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.Format("02.01.2006")
}

type renderer struct {
	f *fpdf.Fpdf
	d Document
}

func (r renderer) font(style string, size float64) { r.f.SetFont("go", style, size) }

// fit sets the regular font at 10 pt, or smaller down to 6 pt until
// each word of s fits width w (long numbers are long German words).
// It returns the line height.
func (r renderer) fit(s string, w float64) float64 {
	size := 10.0
	for ; size > 6; size -= 0.5 {
		r.font("", size)
		widest := 0.0
		for _, word := range strings.Fields(s) {
			widest = max(widest, r.f.GetStringWidth(word))
		}
		if widest <= w {
			break
		}
	}
	return size / 2
}

// para writes text over the full width.
func (r renderer) para(style string, size, lineH float64, text string) {
	r.font(style, size)
	r.f.SetX(margin)
	r.f.MultiCell(textW, lineH, text, "", "L", false)
}

// box writes the non-blank lines inside a framed box over the full width.
func (r renderer) box(lines []string) {
	f := r.f
	r.font("", 10)
	y0 := f.GetY()
	f.SetY(y0 + 1.5)
	for _, l := range lines {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		f.SetX(margin + 2)
		f.MultiCell(textW-4, 5, l, "", "L", false)
	}
	y1 := f.GetY() + 1.5
	f.Rect(margin, y0, textW, y1-y0, "D")
	f.SetY(y1)
}

// check draws a ticked box followed by text.
func (r renderer) tick(text string) {
	f := r.f
	y := f.GetY()
	f.Rect(margin, y+0.5, 4, 4, "D")
	r.font("B", 10)
	f.SetXY(margin, y+0.5)
	f.CellFormat(4, 4, "X", "", 0, "CM", false, 0, "")
	r.font("", 10)
	f.SetXY(margin+7, y)
	f.MultiCell(textW-7, 5, text, "", "L", false)
}

func (r renderer) stamp() {
	f := r.f
	f.SetTextColor(220, 60, 60)
	f.SetAlpha(0.35, "Normal")
	r.font("B", 90)
	f.TransformBegin()
	f.TransformRotate(45, pageW/2, pageH/2)
	w := f.GetStringWidth(cancelledStamp)
	f.Text(pageW/2-w/2, pageH/2+10, cancelledStamp)
	f.TransformEnd()
	f.SetAlpha(1, "Normal")
	f.SetTextColor(0, 0, 0)
}

// number writes the receipt's number at the top right, and that it is
// cancelled.
func (r renderer) number() {
	f := r.f
	f.SetY(margin - 5)
	text := "Nr. " + r.d.Number
	if r.d.Cancelled {
		text = cancelledStamp + " – " + text
	}
	r.font("", 9)
	f.SetX(margin)
	f.CellFormat(textW, 5, text, "", 1, "R", false, 0, "")
}

func (r renderer) front() {
	f, d := r.f, r.d
	f.AddPage()
	if d.Cancelled {
		r.stamp()
	}
	r.number()

	r.para("", 8, 4, issuerLabel)
	r.box(append([]string{d.IssuerName}, strings.Split(d.IssuerAddress, "\n")...))
	f.Ln(4)

	title := titleSingle
	if d.Kind == Collective {
		title = titleCollective
	}
	r.para("B", 12, 6, title)
	f.Ln(4)

	r.para("", 8, 4, donorLabel)
	r.box(append([]string{d.DonorName}, d.DonorAddress...))
	f.Ln(4)

	// amount in figures, in words, and the date or period
	wFig, wDate := 48.0, 44.0
	wWords := textW - wFig - wDate
	x0, x1, x2 := margin, margin+wFig, margin+wFig+wWords
	y := f.GetY()
	r.font("", 8)
	third, when := dateLabel, germanDate(d.Date)
	if d.Kind == Collective {
		third, when = periodLabel, germanDate(d.PeriodFrom)+" – "+germanDate(d.PeriodTo)
	}
	for _, c := range []struct {
		x, w float64
		s    string
	}{{x0, wFig, figuresLabel}, {x1, wWords, wordsLabel}, {x2, wDate, third}} {
		f.SetXY(c.x, y)
		f.MultiCell(c.w, 4, c.s, "", "L", false)
	}
	y += 9
	words := "– " + Words(d.Amount) + " –"
	yEnd := y
	for _, c := range []struct {
		x, w float64
		s    string
	}{{x0, wFig, Figures(d.Amount)}, {x1, wWords, words}, {x2, wDate, when}} {
		lineH := r.fit(c.s, c.w-2)
		f.SetXY(c.x+1, y+1.5)
		f.MultiCell(c.w-2, lineH, c.s, "", "L", false)
		yEnd = max(yEnd, f.GetY()+1.5)
	}
	for _, x := range []float64{x0, x1, x2} {
		f.Line(x, y-9, x, yEnd)
	}
	f.Line(x0+textW, y-9, x0+textW, yEnd)
	f.Line(x0, y, x0+textW, y)
	f.Line(x0, y-9, x0+textW, y-9)
	f.Line(x0, yEnd, x0+textW, yEnd)
	f.SetY(yEnd + 5)

	if d.Kind == Collective {
		r.tick(noWaiver)
		f.Ln(1)
		r.para("", 10, 5, waiverInAnnex)
	} else {
		r.tick(noWaiver)
	}
	f.Ln(3)
	purpose := strings.TrimSpace(d.Purpose)
	purpose = strings.TrimPrefix(purpose, "Förderung ")
	r.para("", 10, 5, fmt.Sprintf(purposeText, purpose))
	f.Ln(3)
	r.tick(direct)
	if d.Kind == Collective {
		f.Ln(3)
		r.para("", 10, 5, collectiveText)
	}
	f.Ln(8)

	// place and date, then the signature or the machine note
	r.font("", 10)
	f.SetX(margin)
	f.CellFormat(80, 5, d.Place+", "+germanDate(d.IssuedOn), "", 1, "L", false, 0, "")
	yl := f.GetY()
	f.Line(margin, yl, margin+80, yl)
	r.font("", 8)
	f.SetX(margin)
	f.CellFormat(80, 4, placeLabel, "", 1, "L", false, 0, "")
	f.Ln(4)
	if strings.TrimSpace(d.MachineNote) != "" {
		r.para("", 9, 4.5, d.MachineNote)
	} else {
		f.Ln(8)
		yl := f.GetY()
		f.Line(margin, yl, margin+80, yl)
		r.font("", 8)
		f.SetX(margin)
		f.CellFormat(80, 4, signatureLabel, "", 1, "L", false, 0, "")
	}
	f.Ln(6)

	// the liability note, always
	r.font("B", 8)
	f.SetX(margin)
	f.CellFormat(textW, 4, noteLabel, "", 1, "L", false, 0, "")
	r.para("", 8, 4, liabilityNote)
}

// annex lists each donation of a collective receipt.
func (r renderer) annex() {
	f, d := r.f, r.d
	f.SetAutoPageBreak(false, 0)
	cols := []struct {
		w     float64
		label string
		align string
	}{
		{32, "Datum der Zuwendung", "L"},
		{42, "Art der Zuwendung", "L"},
		{56, "Verzicht auf die Erstattung von Aufwendungen (ja/nein)", "L"},
		{textW - 32 - 42 - 56, "Betrag", "R"},
	}
	head := func(first bool) {
		f.AddPage()
		if d.Cancelled {
			r.stamp()
		}
		r.number()
		title := fmt.Sprintf(annexTitle, germanDate(d.IssuedOn))
		if !first {
			title += " (Fortsetzung)"
		}
		r.para("B", 12, 6, title)
		r.para("", 10, 5, d.DonorName+", "+periodLabel+": "+germanDate(d.PeriodFrom)+" – "+germanDate(d.PeriodTo))
		f.Ln(4)
		r.font("B", 9)
		y := f.GetY()
		x := margin
		for _, c := range cols {
			f.SetXY(x, y)
			f.MultiCell(c.w, 4.5, c.label, "", c.align, false)
			x += c.w
		}
		f.SetY(y + 9.5)
		f.Line(margin, f.GetY(), margin+textW, f.GetY())
		f.Ln(1)
	}
	row := func(style string, cells ...string) {
		r.font(style, 10)
		f.SetX(margin)
		for i, c := range cols {
			f.CellFormat(c.w, 6, cells[i], "", 0, c.align, false, 0, "")
		}
		f.Ln(6)
	}
	head(true)
	for _, it := range d.Items {
		if f.GetY()+6 > bottom-10 {
			head(false)
		}
		row("", germanDate(it.Date), "Geldzuwendung", "nein", Figures(it.Amount))
	}
	f.Line(margin, f.GetY(), margin+textW, f.GetY())
	f.Ln(1)
	row("B", "Gesamtsumme", "", "", Figures(d.Amount))
}
