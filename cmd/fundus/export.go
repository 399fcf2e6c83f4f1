package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"fundus/db"
	"fundus/ledger"
)

// export writes the ledger in a format, to a file or stdout.
func export(ctx context.Context, cfg *config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("fundus export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "", "csv, jsonl, hledger or beancount")
	fromS := fs.String("from", "", "first day (YYYY-MM-DD) or time (RFC 3339)")
	toS := fs.String("to", "", "last day (YYYY-MM-DD, included) or time (RFC 3339, excluded)")
	out := fs.String("o", "", "file to write (default: standard output)")
	if err := fs.Parse(args); err != nil {
		return usageError(fmt.Sprintf("%v\n%s", err, usage))
	}
	if _, ok := ledger.ExportFormats[*format]; !ok {
		return usageError("fundus export: --format must be csv, jsonl, hledger or beancount\n" + usage)
	}
	from, _, err := parseWhen(*fromS)
	if err != nil {
		return usageError("fundus export: --from: " + err.Error())
	}
	to, toDate, err := parseWhen(*toS)
	if err != nil {
		return usageError("fundus export: --to: " + err.Error())
	}
	if toDate {
		to = to.AddDate(0, 0, 1) // a date includes that day
	}
	from, to = db.Bound(from), db.Bound(to) // 9999-12-31 on SQLite as on PostgreSQL
	d, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := ledger.ExportDB(ctx, d, w, *format, from, to); err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok && *out != "" {
		return f.Sync()
	}
	return nil
}

func parseWhen(s string) (time.Time, bool, error) {
	if s == "" {
		return time.Time{}, false, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), false, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true, nil
	}
	return time.Time{}, false, errors.New("must be a date (2026-01-31) or an RFC 3339 time")
}

// verifyFile checks an exported jsonl file without any database.
func verifyFile(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("fundus verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("file", "", "an export in jsonl")
	if err := fs.Parse(args); err != nil || *file == "" || fs.NArg() > 0 {
		return usageError("fundus verify: the only option is --file export.jsonl\n" + usage)
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := ledger.VerifyFile(f)
	if err != nil {
		return err
	}
	return report(&r.VerifyResult, r.FirstBadLine, "the chain, the sequence and every entry's balance hold", stdout)
}
