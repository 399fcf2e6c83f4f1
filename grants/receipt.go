package grants

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/jpeg" // image.DecodeConfig reads JPEG receipts
	_ "image/png"  // and PNG ones
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"fundus"
	"fundus/check"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
)

// Receipts a group uploads with its report: PDF, JPEG or PNG, each at most
// MaxReceiptSize, at most MaxReceipts per report. What a file is comes from
// its content, never from its name: a file whose content is none of the
// three is refused, and so is one whose name claims another type than its
// content (a PDF named .png, a program named .pdf), since a disguised file
// is more often a mistake or an attack than a receipt. They are kept in
// the database (report_receipts) beside the report; see migration 00018
// for why.
const (
	MaxReceiptSize = 5 << 20
	MaxReceipts    = 10
)

// The codes (errs.Code) of refused receipts, so that pages can say why.
const (
	ReceiptType     = "receipt_type"     // not a PDF, JPEG or PNG
	ReceiptMismatch = "receipt_mismatch" // the name says another type than the content
	ReceiptSize     = "receipt_size"     // larger than MaxReceiptSize, or empty
	ReceiptCount    = "receipt_count"    // more than MaxReceipts
)

// Receipt is a stored receipt, without its content.
type Receipt struct {
	ID            string    `json:"id"`
	ApplicationID string    `json:"application_id"`
	Name          string    `json:"name"`
	ContentType   string    `json:"content_type"`
	Size          int64     `json:"size"`
	SHA256        string    `json:"sha256"`
	UploadedAt    time.Time `json:"uploaded_at"`

	uploadedBy string
}

// Upload is a file as the group sent it: the name its computer gave it,
// and its bytes.
type Upload struct {
	Name string
	Data []byte
}

// extTypes are the names' extensions and the type each claims.
var extTypes = map[string]string{
	".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".jpe": "image/jpeg", ".png": "image/png",
}

// sniff says what data is by its content: "application/pdf", "image/jpeg",
// "image/png", or "" for anything else (also a damaged image, or a
// "PDF" without its end marker).
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		tail := data[max(0, len(data)-2048):]
		if bytes.Contains(tail, []byte("%%EOF")) {
			return "application/pdf"
		}
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		if _, f, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && f == "png" {
			return "image/png"
		}
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		if _, f, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && f == "jpeg" {
			return "image/jpeg"
		}
	}
	return ""
}

// cleanName is a file's name safe to store and to offer back: its last
// path element, printable, at most 120 characters.
func cleanName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	var b strings.Builder
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`"<>:|?*;`, r) {
			r = '_'
		}
		b.WriteRune(r)
	}
	out := b.String()
	for utf8.RuneCountInString(out) > 120 {
		_, size := utf8.DecodeLastRuneInString(out)
		out = out[:len(out)-size]
	}
	if out == "" || out == "." || out == "/" {
		out = "receipt"
	}
	return out
}

// checkReceipts checks the uploads and returns the receipts to store,
// with their content types. The field of every error is "receipts".
func checkReceipts(op errs.Op, ups []Upload) ([]Receipt, error) {
	var f check.Fields
	if len(ups) > MaxReceipts {
		f.Add("receipts", ReceiptCount, fmt.Sprint(MaxReceipts), fmt.Sprintf("at most %d files", MaxReceipts))
		return nil, f.Err(op)
	}
	var out []Receipt
	for _, u := range ups {
		name := cleanName(u.Name)
		switch {
		case len(u.Data) == 0 || len(u.Data) > MaxReceiptSize:
			f.Add("receipts", ReceiptSize, name, fmt.Sprintf("%s: a receipt must have 1 byte to %d MiB", name, MaxReceiptSize>>20))
			continue
		}
		ct := sniff(u.Data)
		claimed := extTypes[strings.ToLower(filepath.Ext(name))]
		switch {
		case ct == "":
			f.Add("receipts", ReceiptType, name, name+": is not a PDF, JPEG or PNG file")
			continue
		case claimed != ct:
			f.Add("receipts", ReceiptMismatch, name, fmt.Sprintf("%s: the name does not fit its content, which is %s", name, ct))
			continue
		}
		sum := sha256.Sum256(u.Data)
		out = append(out, Receipt{ID: db.NewID(), Name: name, ContentType: ct, Size: int64(len(u.Data)), SHA256: hex.EncodeToString(sum[:])})
	}
	return out, f.Err(op)
}

// storeReceipts stores the checked receipts of a report in tx.
func storeReceipts(tx *commit.Tx, actor fundus.Actor, appID string, rs []Receipt, ups []Upload) error {
	for i := range rs {
		rs[i].ApplicationID, rs[i].uploadedBy, rs[i].UploadedAt = appID, actor.ActorID(), db.Time(tx.Now())
		if err := insertReceipt(tx.Context(), tx, &rs[i], ups[i].Data); err != nil {
			return err
		}
	}
	return nil
}

// Receipt returns a receipt and its content to whoever may see the
// application (Find): the group, the committee, treasurers, auditors and
// admins. Returns Unauthenticated, Forbidden, NotFound.
func (s *Service) Receipt(ctx context.Context, actor fundus.Actor, appID, id string) (Receipt, []byte, error) {
	const op errs.Op = "grants.Receipt"
	if _, err := s.Find(ctx, actor, appID); err != nil {
		return Receipt{}, nil, errs.E(op, err)
	}
	r, data, err := findReceiptData(ctx, s.DB, appID, id)
	if err != nil {
		return Receipt{}, nil, errs.E(op, err)
	}
	return r, data, nil
}

// PayBackReference is the payment reference a group writes on the transfer
// that pays money of a's grant back, so the treasurer finds the grant: "R-"
// and the random part of its id.
func PayBackReference(a *Application) string {
	id := strings.ToUpper(strings.ReplaceAll(a.ID, "-", ""))
	return "FONDS-R-" + id[max(0, len(id)-12):]
}

// Kind is the receipt's type as people name it: PDF, JPEG or PNG.
func (r Receipt) Kind() string {
	return map[string]string{"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}[r.ContentType]
}

// SizeKB is the receipt's size in kilobytes, rounded up.
func (r Receipt) SizeKB() int64 { return (r.Size + 1023) / 1024 }
