package donations

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"unicode/utf8"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"fundus"
	"fundus/errs"
)

// GiroCode is a SEPA credit transfer as EPC069-12 ("GiroCode") encodes it
// for banking apps to read.
type GiroCode struct {
	BIC        string // 8 or 11 characters, or empty
	Name       string // the beneficiary, at most 70 characters
	IBAN       string
	Amount     int64  // euro cents, 1 to 99999999999
	Remittance string // unstructured remittance information, at most 140 characters
	// Note is shown to the payer by the banking app ("beneficiary to
	// originator information", at most 70 characters), in the donor's
	// language. It is left out where it does not fit (too long, or the
	// payload's 331 bytes): it is a courtesy, never a reason to refuse.
	Note string
}

// maxGiroCodeBytes is EPC069-12's limit on the whole payload.
const maxGiroCodeBytes = 331

// Payload returns the EPC069-12 payload, version 002, UTF-8: the lines
// joined by LF with nothing after the last filled line. It refuses
// (Invalid) what breaks the standard's limits rather than cut anything.
func (g GiroCode) Payload() (string, error) {
	const op errs.Op = "donations.GiroCode"
	switch {
	case g.BIC != "" && !fundus.ValidBIC(g.BIC):
		return "", errs.Errorf(op, errs.Invalid, "BIC %q must have 8 or 11 characters", g.BIC)
	case g.Name == "" || utf8.RuneCountInString(g.Name) > 70 || strings.ContainsAny(g.Name, "\r\n"):
		return "", errs.Errorf(op, errs.Invalid, "beneficiary name must have 1 to 70 characters on one line")
	case len(g.IBAN) > 34 || !fundus.ValidIBAN(g.IBAN):
		return "", errs.Errorf(op, errs.Invalid, "IBAN %q is not valid", g.IBAN)
	case g.Amount < 1 || g.Amount > 99999999999:
		return "", errs.Errorf(op, errs.Invalid, "amount must be from 0.01 to 999999999.99 EUR")
	case utf8.RuneCountInString(g.Remittance) > 140 || strings.ContainsAny(g.Remittance, "\r\n"):
		return "", errs.Errorf(op, errs.Invalid, "remittance information must have at most 140 characters on one line")
	}
	lines := []string{
		"BCD",
		"002",
		"1", // UTF-8
		"SCT",
		g.BIC,
		g.Name,
		g.IBAN,
		"EUR" + fundus.FormatMinor(g.Amount, fundus.EUR),
		"CHAR", // purpose: charitable donation
		"",     // structured creditor reference: never together with the text
		g.Remittance,
	}
	if g.Note != "" && utf8.RuneCountInString(g.Note) <= 70 && !strings.ContainsAny(g.Note, "\r\n") {
		with := strings.Join(append(append([]string(nil), lines...), g.Note), "\n")
		if len(with) <= maxGiroCodeBytes {
			lines = append(lines, g.Note)
		}
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	p := strings.Join(lines, "\n")
	if len(p) > maxGiroCodeBytes {
		return "", errs.Errorf(op, errs.Invalid, "the payload has %d bytes; EPC069-12 allows %d", len(p), maxGiroCodeBytes)
	}
	return p, nil
}

// qrModules encodes payload as a QR code with error correction level M in
// byte mode (UTF-8), as EPC069-12 asks.
func qrModules(payload string) (barcode.Barcode, error) {
	code, err := qr.Encode(payload, qr.M, qr.Unicode)
	if err != nil {
		return nil, errs.E(errs.Op("donations.qr"), errs.Internal, err)
	}
	return code, nil
}

// quietZone is the white border a QR code needs, in modules.
const quietZone = 4

// QRPNG renders payload as a PNG QR code with scale pixels per module and a
// quiet zone.
func QRPNG(payload string, scale int) ([]byte, error) {
	code, err := qrModules(payload)
	if err != nil {
		return nil, err
	}
	n := code.Bounds().Dx()
	size := (n + 2*quietZone) * scale
	img := image.NewGray(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if code.At(x, y) == color.Black {
				r := image.Rect((x+quietZone)*scale, (y+quietZone)*scale, (x+quietZone+1)*scale, (y+quietZone+1)*scale)
				draw.Draw(img, r, image.Black, image.Point{}, draw.Src)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, errs.E(errs.Op("donations.QRPNG"), errs.Internal, err)
	}
	return b.Bytes(), nil
}

// QRSVG renders payload as an SVG QR code (one path; scales to any size).
func QRSVG(payload string) ([]byte, error) {
	code, err := qrModules(payload)
	if err != nil {
		return nil, err
	}
	n := code.Bounds().Dx()
	size := n + 2*quietZone
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, size, size)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, size, size)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if code.At(x, y) == color.Black {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quietZone, y+quietZone)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}
