package pdf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"fundus/internal/testtool"
)

const purpose = "Förderung der internationalen Gesinnung, der Toleranz auf allen Gebieten der Kultur und des Völkerverständigungsgedankens sowie der Hilfe für Flüchtlinge (§ 52 Abs. 2 Satz 1 Nr. 10 und 13 AO): Integrationsprojekte des Integrationsfonds"

const machineNote = "Diese Zuwendungsbestätigung wurde maschinell erstellt und ist ohne Unterschrift gültig."

func single() Document {
	return Document{
		Kind:          Single,
		Number:        "ZB-2026-00017",
		IssuerName:    "Stadt Osnabrück – Integrationsfonds",
		IssuerAddress: "Bierstraße 28\n49074 Osnabrück",
		DonorName:     "Łucja Şahin-Müller",
		DonorAddress:  []string{"Gößweinsteiner Straße 12", "49076 Osnabrück"},
		Amount:        10110,
		Date:          "2026-11-02",
		Purpose:       purpose,
		Place:         "Osnabrück",
		IssuedOn:      "2026-11-30",
	}
}

func collective() Document {
	d := single()
	d.Kind = Collective
	d.Number = "ZB-2026-00018"
	d.Date = ""
	d.PeriodFrom, d.PeriodTo = "2026-01-01", "2026-11-30"
	d.Items = []Item{{"2026-01-15", 100000}, {"2026-05-01", 24600}, {"2026-11-30", 1}}
	d.Amount = 124601
	d.MachineNote = machineNote
	return d
}

// text renders d and returns its text (whitespace runs made one space)
// and page count, and writes the PDF (and PNGs) where
// FUNDUS_RECEIPT_SAMPLE names a path stem, for a look.
func text(t *testing.T, d Document) (string, int) {
	t.Helper()
	totext := testtool.Require(t, "pdftotext", "poppler-utils")
	info := testtool.Require(t, "pdfinfo", "poppler-utils")
	b, err := Render(d)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	again, err := Render(d)
	if err != nil || !bytes.Equal(b, again) {
		t.Fatalf("Render is not deterministic (err %v)", err)
	}
	file := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if stem := os.Getenv("FUNDUS_RECEIPT_SAMPLE"); stem != "" {
		name := stem + "-" + strings.ReplaceAll(t.Name(), "/", "-")
		if err := os.WriteFile(name+".pdf", b, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("pdftoppm", "-png", "-r", "60", name+".pdf", name).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, out)
		}
	}
	out, err := exec.Command(totext, "-layout", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	meta, err := exec.Command(info, file).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(meta)
	if m == nil {
		t.Fatalf("pdfinfo says no page count:\n%s", meta)
	}
	var pages int
	fmt.Sscan(string(m[1]), &pages)
	if !regexp.MustCompile(`(?m)^CreationDate:.*2026`).Match(meta) {
		t.Errorf("creation date is not the issue date:\n%s", meta)
	}
	return strings.Join(strings.Fields(string(out)), " "), pages
}

func contains(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the receipt lacks %q; its text:\n%s", w, text)
		}
	}
}

// inOrder checks that the words of want appear in txt in their order: the
// amount in words wraps within its column, and pdftotext puts the other
// columns' text between its lines.
func inOrder(t *testing.T, txt, want string) {
	t.Helper()
	rest := txt
	for _, w := range strings.Fields(want) {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("the receipt lacks %q: no %q (in order); its text:\n%s", want, w, txt)
			return
		}
		rest = rest[i+len(w):]
	}
}

func lacks(t *testing.T, text string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(text, b) {
			t.Errorf("the receipt has %q; its text:\n%s", b, text)
		}
	}
}

// common are the texts every receipt has.
var common = []string{
	"Bezeichnung und Anschrift der inländischen juristischen Person des öffentlichen Rechts oder der inländischen öffentlichen Dienststelle",
	"Stadt Osnabrück – Integrationsfonds", "Bierstraße 28", "49074 Osnabrück",
	"Name und Anschrift des Zuwendenden",
	"Łucja Şahin-Müller", "Gößweinsteiner Straße 12", "49076 Osnabrück",
	"im Sinne des § 10b des Einkommensteuergesetzes an inländische juristische Personen des öffentlichen Rechts oder inländische öffentliche Dienststellen",
	"Betrag der Zuwendung – in Ziffern –", "– in Buchstaben –",
	"X Es handelt sich nicht um den Verzicht auf Erstattung von Aufwendungen.",
	"X Die Zuwendung wird von uns unmittelbar für den angegebenen Zweck verwendet.",
	"Es wird bestätigt, dass die Zuwendung nur zur Förderung der internationalen Gesinnung, der Toleranz auf allen Gebieten der Kultur und des Völkerverständigungsgedankens sowie der Hilfe für Flüchtlinge (§ 52 Abs. 2 Satz 1 Nr. 10 und 13 AO): Integrationsprojekte des Integrationsfonds verwendet wird.",
	"Osnabrück, 30.11.2026", "(Ort, Datum)",
	"Hinweis: Wer vorsätzlich oder grob fahrlässig eine unrichtige Zuwendungsbestätigung erstellt oder veranlasst, dass Zuwendungen nicht zu den in der Zuwendungsbestätigung angegebenen steuerbegünstigten Zwecken verwendet werden, haftet für die entgangene Steuer (§ 10b Abs. 4 EStG, § 9 Abs. 3 KStG, § 9 Nr. 5 GewStG).",
}

func TestRenderSingle(t *testing.T) {
	txt, pages := text(t, single())
	if pages != 1 {
		t.Errorf("a single receipt has %d pages, want 1", pages)
	}
	contains(t, txt, common...)
	contains(t, txt,
		"Nr. ZB-2026-00017",
		"Bestätigung über Geldzuwendungen",
		"Tag der Zuwendung",
		"101,10 €", "– einhunderteins Euro und zehn Cent –", "02.11.2026",
		"(Unterschrift des Zuwendungsempfängers)",
	)
	lacks(t, txt, "Sammelbestätigung", "Anlage", "STORNIERT", "maschinell", "Förderung Förderung", "Dank")
}

func TestRenderSingleMachineNote(t *testing.T) {
	d := single()
	d.MachineNote = machineNote
	d.Amount = 250000
	d.IssuerAddress = "Bierstraße 28\r\n\r\n49074 Osnabrück\n"
	d.DonorAddress = append(d.DonorAddress, " ")
	txt, pages := text(t, d)
	if pages != 1 {
		t.Errorf("a single receipt has %d pages, want 1", pages)
	}
	contains(t, txt, common...)
	contains(t, txt, machineNote, "2.500,00 €", "– zweitausendfünfhundert Euro –", "Bierstraße 28 49074 Osnabrück Bestätigung")
	lacks(t, txt, "(Unterschrift des Zuwendungsempfängers)")
}

// TestRenderSingleLong: the longest amount in words and a long address
// still fit one page.
func TestRenderSingleLong(t *testing.T) {
	d := single()
	d.Amount = MaxAmount
	d.DonorAddress = []string{"c/o Ελένη Παπαδοπούλου", "Гагарина улица 1, кв. 15", "Hinterhaus, 3. Obergeschoss links", "49076 Osnabrück", "Deutschland"}
	d.MachineNote = machineNote
	txt, pages := text(t, d)
	if pages != 1 {
		t.Errorf("a single receipt has %d pages, want 1", pages)
	}
	contains(t, txt, common[:5]...)
	contains(t, txt, "9.999.999.999.999,99 €", "Ελένη Παπαδοπούλου", "Гагарина улица 1, кв. 15", common[len(common)-1])
	inOrder(t, txt, "– "+Words(MaxAmount)+" –")
}

func TestRenderCollective(t *testing.T) {
	txt, pages := text(t, collective())
	if pages != 2 {
		t.Errorf("a collective receipt with a short annex has %d pages, want 2", pages)
	}
	contains(t, txt, common...)
	contains(t, txt,
		"Nr. ZB-2026-00018",
		"Sammelbestätigung über Geldzuwendungen im Sinne des § 10b",
		"Zeitraum der Sammelbestätigung",
		"1.246,01 €",
		"01.01.2026 – 30.11.2026",
		"Es wird bestätigt, dass über die in der Gesamtsumme enthaltenen Zuwendungen keine weiteren Bestätigungen, weder formelle Zuwendungsbestätigungen noch Beitragsquittungen oder Ähnliches ausgestellt wurden und werden.",
		machineNote,
		"Anlage zur Sammelbestätigung vom 30.11.2026",
		"Datum der", "Art der Zuwendung", "Verzicht auf die Erstattung von", "Betrag",
		"15.01.2026 Geldzuwendung nein 1.000,00 €",
		"01.05.2026 Geldzuwendung nein 246,00 €",
		"30.11.2026 Geldzuwendung nein 0,01 €",
		"Gesamtsumme 1.246,01 €",
	)
	inOrder(t, txt, "– eintausendzweihundertsechsundvierzig Euro und ein Cent –")
	lacks(t, txt, "Tag der Zuwendung", "STORNIERT", "(Unterschrift des Zuwendungsempfängers)")
}

// TestRenderCollectiveLong: an annex of many donations runs over pages and
// lists each one.
func TestRenderCollectiveLong(t *testing.T) {
	d := collective()
	d.Items = nil
	d.Amount = 0
	for i := range 120 {
		it := Item{Date: fmt.Sprintf("2026-%02d-%02d", 1+i%11, 1+i%28), Amount: int64(1000 + i)}
		d.Items = append(d.Items, it)
		d.Amount += it.Amount
	}
	txt, pages := text(t, d)
	if pages < 3 {
		t.Errorf("%d pages, want the front and at least two annex pages", pages)
	}
	if got := strings.Count(txt, "Geldzuwendung nein"); got != 120 {
		t.Errorf("%d donations listed, want 120", got)
	}
	// listed by date: all of January first, and so on
	rows := ""
	for _, it := range slices.SortedStableFunc(slices.Values(d.Items), func(a, b Item) int { return strings.Compare(a.Date, b.Date) }) {
		rows += germanDate(it.Date) + " Geldzuwendung nein " + Figures(it.Amount) + " "
	}
	annex := regexp.MustCompile(`Nr\. ZB-2026-00018 Anlage zur Sammelbestätigung vom 30\.11\.2026 \(Fortsetzung\) .*? Aufwendungen \(ja/nein\) `).ReplaceAllString(txt, "")
	contains(t, annex, rows)
	contains(t, txt, "Anlage zur Sammelbestätigung vom 30.11.2026 (Fortsetzung)", "Gesamtsumme "+Figures(d.Amount))
}

func TestRenderCancelled(t *testing.T) {
	for _, d := range []Document{single(), collective()} {
		d.Cancelled = true
		txt, _ := text(t, d)
		contains(t, txt, "STORNIERT – Nr. "+d.Number)
	}
}

func TestRenderFront(t *testing.T) {
	d := single()
	d.Purpose = strings.Repeat(purpose+" ", 12)
	if _, err := Render(d); err == nil || !strings.Contains(err.Error(), "one A4 page") {
		t.Errorf("a purpose too long for one page: err %v", err)
	}
}

func TestRenderRejects(t *testing.T) {
	for _, c := range []struct {
		field string
		edit  func(*Document)
	}{
		{"Kind", func(d *Document) { d.Kind = "double" }},
		{"Number", func(d *Document) { d.Number = " " }},
		{"IssuerName", func(d *Document) { d.IssuerName = "" }},
		{"IssuerAddress", func(d *Document) { d.IssuerAddress = "" }},
		{"DonorName", func(d *Document) { d.DonorName = "" }},
		{"Purpose", func(d *Document) { d.Purpose = "" }},
		{"Place", func(d *Document) { d.Place = "" }},
		{"Amount", func(d *Document) { d.Amount = 0 }},
		{"Amount", func(d *Document) { d.Amount = -5 }},
		{"Amount", func(d *Document) { d.Amount = MaxAmount + 1 }},
		{"IssuedOn", func(d *Document) { d.IssuedOn = "30.11.2026" }},
		{"Date", func(d *Document) { d.Date = "" }},
		{"Date", func(d *Document) { d.Date = "2026-12-01" }},
		{"Items", func(d *Document) { d.Items = []Item{{"2026-11-02", 10110}} }},
	} {
		d := single()
		c.edit(&d)
		if _, err := Render(d); err == nil || !strings.Contains(err.Error(), c.field+":") {
			t.Errorf("single, bad %s: err %v", c.field, err)
		}
	}
	for _, c := range []struct {
		field string
		edit  func(*Document)
	}{
		{"PeriodFrom", func(d *Document) { d.PeriodFrom = "" }},
		{"PeriodTo", func(d *Document) { d.PeriodTo = "2025-12-31" }},
		{"PeriodTo", func(d *Document) { d.PeriodTo = "2026-12-31" }},
		{"Items", func(d *Document) { d.Items = nil }},
		{"Items[1].Date", func(d *Document) { d.Items[1].Date = "2025-12-31" }},
		{"Items[0].Amount", func(d *Document) { d.Items[0].Amount = 0 }},
		{"Amount", func(d *Document) { d.Amount++ }},
	} {
		d := collective()
		c.edit(&d)
		if _, err := Render(d); err == nil || !strings.Contains(err.Error(), c.field+":") {
			t.Errorf("collective, bad %s: err %v", c.field, err)
		}
	}
}
