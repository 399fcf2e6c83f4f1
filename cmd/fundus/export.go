package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

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

// verifyArgs reads the options of fundus verify: --file F or --head SEQ:HASH.
func verifyArgs(args []string) (file string, head *ledger.ChainHead, err error) {
	fs := flag.NewFlagSet("fundus verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&file, "file", "", "an export in jsonl")
	headS := fs.String("head", "", "a chain head SEQ:HASH the ledger must still hold")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || (file != "" && *headS != "") {
		return "", nil, usageError("fundus verify: the options are --file export.jsonl or --head SEQ:HASH\n" + usage)
	}
	if *headS != "" {
		h, err := ledger.ParseChainHead(*headS)
		if err != nil {
			return "", nil, usageError("fundus verify: --head: " + err.Error())
		}
		head = &h
	}
	return file, head, nil
}

// verifyFile checks an exported jsonl file without any database.
func verifyFile(file string, stdout io.Writer) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := ledger.VerifyFile(f)
	if err != nil {
		return err
	}
	return report(&r.VerifyResult, r.FirstBadLine, "the chain, the sequence, every entry's balance and the trailer hold", stdout)
}
