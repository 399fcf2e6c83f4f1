package statement

import (
	"fmt"
	"io"

	"fundus/errs"
)

// Limits bound what Parse reads, so that a hostile file is refused before
// it costs much time or memory. A zero field takes its DefaultLimits value.
type Limits struct {
	MaxBytes      int64 // the file, and each file inside a ZIP
	MaxLines      int   // lines of all statements together
	MaxZipEntries int   // files in a ZIP
	MaxUnzipped   int64 // bytes of all files of a ZIP together, counted while unpacking
}

// orDefaults gives every zero field its DefaultLimits value.
func (l Limits) orDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxLines <= 0 {
		l.MaxLines = DefaultLimits.MaxLines
	}
	if l.MaxZipEntries <= 0 {
		l.MaxZipEntries = DefaultLimits.MaxZipEntries
	}
	if l.MaxUnzipped <= 0 {
		l.MaxUnzipped = DefaultLimits.MaxUnzipped
	}
	return l
}

// DefaultLimits fit the largest files banks deliver: the DK rules ask banks
// to split camt files above 20 MB.
var DefaultLimits = Limits{
	MaxBytes:      20 << 20,
	MaxLines:      100_000,
	MaxZipEntries: 1000,
	MaxUnzipped:   100 << 20,
}

// readAll reads r up to max bytes and refuses anything longer, whatever
// the file claims its size is.
func readAll(r io.Reader, max int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, errs.E(errs.Invalid, CodeMalformed, err, fmt.Sprintf("%s could not be read", what))
	}
	if int64(len(data)) > max {
		return nil, errs.E(errs.TooLarge, CodeTooLarge,
			fmt.Sprintf("%s is larger than %s; ask the bank for shorter periods", what, formatBytes(max)))
	}
	return data, nil
}

func formatBytes(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
