package statement

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"path"
	"slices"
	"strings"

	"fundus/errs"
)

// parseZip reads every file of a ZIP as a statement file of its own. It
// counts the entries from the ZIP's directory before opening it, and the
// unpacked bytes while unpacking, never trusting the sizes the ZIP claims.
func (p *parser) parseZip(data []byte) (*File, error) {
	if n, ok := zipEntryCount(data); ok && n > p.lim.MaxZipEntries {
		return nil, p.tooManyEntries()
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, malformed("the ZIP file is broken: %v", err)
	}
	if len(zr.File) > p.lim.MaxZipEntries {
		return nil, p.tooManyEntries()
	}
	out := &File{}
	var formats []string
	for _, zf := range zr.File {
		name := zf.Name
		if zf.FileInfo().IsDir() || strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(path.Base(name), ".") {
			continue
		}
		inner, err := p.readEntry(zf)
		if err != nil {
			return nil, err
		}
		f, err := p.parse(inner, true)
		if err != nil {
			return nil, errs.E(errs.KindOf(err), errs.CodeOf(err), err, name+" in the ZIP file: "+errs.Message(err))
		}
		if !slices.Contains(formats, f.Format) {
			formats = append(formats, f.Format)
		}
		out.Statements = append(out.Statements, f.Statements...)
	}
	if len(formats) == 0 {
		return nil, malformed("the ZIP file holds no statement")
	}
	out.Format = "zip(" + strings.Join(formats, ",") + ")"
	return out, nil
}

func (p *parser) tooManyEntries() error {
	return errs.E(errs.TooLarge, CodeTooLarge, fmt.Sprintf("the ZIP file holds more than %d files", p.lim.MaxZipEntries))
}

// readEntry unpacks one file, up to MaxBytes for it and MaxUnzipped for
// all files together.
func (p *parser) readEntry(zf *zip.File) ([]byte, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, malformed("the ZIP file's %s cannot be unpacked: %v", zf.Name, err)
	}
	defer rc.Close()
	limit := min(p.lim.MaxBytes, p.lim.MaxUnzipped-p.unzipped)
	data, err := readAll(rc, limit, fmt.Sprintf("the ZIP file's %s", zf.Name))
	if err != nil {
		if errs.Is(errs.TooLarge, err) && limit < p.lim.MaxBytes {
			return nil, errs.E(errs.TooLarge, CodeTooLarge, fmt.Sprintf("the ZIP file unpacks to more than %s", formatBytes(p.lim.MaxUnzipped)))
		}
		return nil, err
	}
	p.unzipped += int64(len(data))
	return data, nil
}

// zipEntryCount reads the number of files from the end of central
// directory record, so that a ZIP of thousands of files is refused before
// its directory is read into memory.
func zipEntryCount(data []byte) (int, bool) {
	const eocdLen = 22
	tail := data[max(0, len(data)-(eocdLen+0xffff)):]
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < eocdLen {
		return 0, false
	}
	return int(binary.LittleEndian.Uint16(tail[i+10:])), true
}
