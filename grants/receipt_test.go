package grants

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"

	"fundus/errs"
)

// TestCheckReceipts: a receipt's type comes from its content; a name that
// claims another type, a content that is none of the three, an empty or
// too large file and too many files are refused, each naming the file.
func TestCheckReceipts(t *testing.T) {
	var pngData bytes.Buffer
	png.Encode(&pngData, image.NewGray(image.Rect(0, 0, 2, 2)))
	pdf := []byte("%PDF-1.7\n...\n%%EOF\n")
	ok := []Upload{{"a.pdf", pdf}, {"B.PNG", pngData.Bytes()}, {`C:\Users\x\bon.pdf`, pdf}}
	rs, err := checkReceipts("test", ok)
	if err != nil || len(rs) != 3 || rs[0].ContentType != "application/pdf" || rs[1].ContentType != "image/png" || rs[2].Name != "bon.pdf" {
		t.Fatalf("%v %+v", err, rs)
	}
	for _, c := range []struct {
		up   Upload
		code string
	}{
		{Upload{"x.png", pdf}, ReceiptMismatch},
		{Upload{"x", pdf}, ReceiptMismatch},
		{Upload{"x.pdf", []byte("MZ\x90\x00 a program")}, ReceiptType},
		{Upload{"x.pdf", []byte("%PDF-1.4 cut off")}, ReceiptType},
		{Upload{"x.png", []byte("\x89PNG\r\n\x1a\n broken")}, ReceiptType},
		{Upload{"x.html", []byte("<script>alert(1)</script>")}, ReceiptType},
		{Upload{"x.pdf", nil}, ReceiptSize},
		{Upload{"x.pdf", append(bytes.Repeat([]byte("%PDF-"), MaxReceiptSize/5), "%%EOF"...)}, ReceiptSize},
	} {
		_, err := checkReceipts("test", []Upload{c.up})
		f := errs.FieldsOf(err)
		if !errs.Is(errs.Invalid, err) || len(f) != 1 || f[0].Field != "receipts" || f[0].Code != c.code || !strings.Contains(f[0].Param+f[0].Message, "x") {
			t.Errorf("%s: %v, want %s", c.up.Name, err, c.code)
		}
	}
	many := make([]Upload, MaxReceipts+1)
	for i := range many {
		many[i] = Upload{"a.pdf", pdf}
	}
	if _, err := checkReceipts("test", many); errs.FieldsOf(err)[0].Code != ReceiptCount {
		t.Fatalf("%d files: %v", len(many), err)
	}
}
