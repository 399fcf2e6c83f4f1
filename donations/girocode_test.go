package donations

import (
	"bytes"
	"image"
	_ "image/png"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"fundus/errs"
)

var example = GiroCode{
	BIC:        "COBADEFFXXX",
	Name:       "Integrationsfonds Osnabrück",
	IBAN:       "DE89370400440532013000",
	Amount:     2500,
	Remittance: "FUND-7K3M-9QAX Spende",
}

func TestGiroCodePayload(t *testing.T) {
	p, err := example.Payload()
	if err != nil {
		t.Fatal(err)
	}
	want := "BCD\n002\n1\nSCT\nCOBADEFFXXX\nIntegrationsfonds Osnabrück\nDE89370400440532013000\nEUR25.00\nCHAR\n\nFUND-7K3M-9QAX Spende"
	if p != want {
		t.Fatalf("payload\n%q\nwant\n%q", p, want)
	}
	noBIC := example
	noBIC.BIC = ""
	if p, _ := noBIC.Payload(); !strings.HasPrefix(p, "BCD\n002\n1\nSCT\n\nIntegrations") {
		t.Fatalf("empty BIC: %q", p)
	}
	noText := example
	noText.Remittance = ""
	if p, _ := noText.Payload(); !strings.HasSuffix(p, "EUR25.00\nCHAR") {
		t.Fatalf("nothing may follow the last filled line: %q", p)
	}
}

func TestGiroCodeRefusesWhatBreaksTheLimits(t *testing.T) {
	for name, edit := range map[string]func(*GiroCode){
		"BIC of 9":          func(g *GiroCode) { g.BIC = "COBADEFFX" },
		"name of 71":        func(g *GiroCode) { g.Name = strings.Repeat("ä", 71) },
		"empty name":        func(g *GiroCode) { g.Name = "" },
		"name with newline": func(g *GiroCode) { g.Name = "a\nb" },
		"bad IBAN checksum": func(g *GiroCode) { g.IBAN = "DE89370400440532013001" },
		"IBAN of 35":        func(g *GiroCode) { g.IBAN = "DE89" + strings.Repeat("1", 31) },
		"zero amount":       func(g *GiroCode) { g.Amount = 0 },
		"amount too big":    func(g *GiroCode) { g.Amount = 100000000000 },
		"text of 141":       func(g *GiroCode) { g.Remittance = strings.Repeat("x", 141) },
		"over 331 bytes":    func(g *GiroCode) { g.Name = strings.Repeat("€", 70); g.Remittance = strings.Repeat("€", 140) },
	} {
		t.Run(name, func(t *testing.T) {
			g := example
			edit(&g)
			if _, err := g.Payload(); !errs.Is(errs.Invalid, err) {
				t.Errorf("err = %v, want Invalid", err)
			}
		})
	}
	g := example
	g.Amount = 99999999999
	if p, err := g.Payload(); err != nil || !strings.Contains(p, "EUR999999999.99") {
		t.Errorf("largest amount: %q %v", p, err)
	}
}

// TestGiroCodeImageDecodes renders the QR code and reads it back with
// ZXing's decoder: the payload must come back byte for byte, also for a
// few hundred random references, as each pledge gets its own.
func TestGiroCodeImageDecodes(t *testing.T) {
	codes := []GiroCode{example, {Name: "Fonds", IBAN: "DE89370400440532013000", Amount: 1, Remittance: strings.Repeat("Ü", 120)}}
	for i := 0; i < 200; i++ {
		g := example
		g.Remittance = newReference()
		codes = append(codes, g)
	}
	for _, g := range codes {
		want, err := g.Payload()
		if err != nil {
			t.Fatal(err)
		}
		pngBytes, err := QRPNG(want, 6)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(bytes.NewReader(pngBytes))
		if err != nil {
			t.Fatal(err)
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		// PURE_BARCODE: the image is the code alone, upright, with its
		// quiet zone. ZXing's finder-pattern search, made for photos, misses
		// about one clean code in 2,000 (zbarimg reads those).
		res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_CHARACTER_SET: "UTF-8", gozxing.DecodeHintType_PURE_BARCODE: true})
		if err != nil {
			t.Fatalf("decode %q: %v", want, err)
		}
		if got := res.GetText(); got != want {
			t.Fatalf("decoded\n%q\nwant\n%q", got, want)
		}
		if ec := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL]; ec != "M" {
			t.Fatalf("error correction level %v, want M", ec)
		}
		svg, err := QRSVG(want)
		if err != nil || !bytes.HasPrefix(svg, []byte("<svg")) {
			t.Fatalf("svg: %v", err)
		}
	}
}

func TestReference(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		r := newReference()
		if len(r) != len("FUND-XXXX-XXXX") || seen[r] {
			t.Fatalf("reference %q (seen before: %v)", r, seen[r])
		}
		seen[r] = true
		got, err := ParseReference(strings.ToLower(strings.ReplaceAll(r, "-", " ")))
		if err != nil || got != r {
			t.Fatalf("ParseReference(%q) = %q, %v", r, got, err)
		}
		for _, c := range "01258OISBZLV" {
			if strings.ContainsRune(r[5:], c) {
				t.Fatalf("reference %q has the look-alike %q", r, c)
			}
		}
	}
	// Every single typo and every swap of neighbours is caught.
	r := newReference()
	body := strings.ReplaceAll(strings.TrimPrefix(r, "FUND-"), "-", "")
	for i := 0; i < len(body); i++ {
		for _, c := range alphabet {
			if byte(c) == body[i] {
				continue
			}
			typo := body[:i] + string(c) + body[i+1:]
			if _, err := ParseReference(typo); err == nil {
				t.Fatalf("typo %s of %s passed", typo, body)
			}
		}
		pair := string(body[i]) + string(body[min(i+1, len(body)-1)])
		if i+1 < len(body) && body[i] != body[i+1] && pair != "3Y" && pair != "Y3" {
			swap := body[:i] + string(body[i+1]) + string(body[i]) + body[i+2:]
			if _, err := ParseReference(swap); err == nil {
				t.Fatalf("swap %s of %s passed", swap, body)
			}
		}
	}
	for _, bad := range []string{"", "FUND-", "FUND-0000-0000", "FUND-AAAA-AAAAA", "hello"} {
		_, err := ParseReference(bad)
		if !errs.Match(errs.E(errs.Invalid, errs.FieldError{Field: "reference", Code: "reference_format"}), err) {
			t.Errorf("ParseReference(%q) = %v, want Invalid naming reference (reference_format)", bad, err)
		}
	}
}

// TestGiroCodeNote: the note to the payer goes on line 12 where it fits,
// in any script, and is left out (never refused) where it does not.
func TestGiroCodeNote(t *testing.T) {
	g := example
	g.Note = "شكراً لتبرعك!"
	if p, err := g.Payload(); err != nil || !strings.HasSuffix(p, "\nFUND-7K3M-9QAX Spende\nشكراً لتبرعك!") {
		t.Fatalf("note: %q %v", p, err)
	}
	for _, c := range []struct{ name, remittance, note string }{
		{"71 characters", example.Remittance, strings.Repeat("x", 71)},
		{"two lines", example.Remittance, "a\nb"},
		{"over 331 bytes", strings.Repeat("€", 50), strings.Repeat("ж", 70)},
	} {
		g := example
		g.Remittance, g.Note = c.remittance, c.note
		p, err := g.Payload()
		if err != nil || strings.Contains(p, c.note) || len(p) > maxGiroCodeBytes {
			t.Errorf("%s: %q %v", c.name, p, err)
		}
	}
}
