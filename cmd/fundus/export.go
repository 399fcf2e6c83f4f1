package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"fundus"
	"fundus/ledger"
)

// export writes the ledger in a format, to a file or stdout.
func export(ctx context.Context, cfg *config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("fundus export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "", "csv, jsonl, hledger or beancount")
	fromS := fs.String("from", "", "first day (YYYY-MM-DD, by the entries' dates) or time (RFC 3339: its day in Europe/Berlin)")
	toS := fs.String("to", "", "last day (YYYY-MM-DD, included) or time (RFC 3339, excluded: the day of the instant before)")
	out := fs.String("o", "", "file to write (default: standard output)")
	if err := fs.Parse(args); err != nil {
		return usageError(fmt.Sprintf("%v\n%s", err, usage))
	}
	if _, ok := ledger.ExportFormats[*format]; !ok {
		return usageError("fundus export: --format must be csv, jsonl, hledger or beancount\n" + usage)
	}
	from, err := fundus.ParseDay(*fromS, false)
	if err != nil {
		return usageError("fundus export: --from: " + err.Error())
	}
	to, err := fundus.ParseDay(*toS, true)
	if err != nil {
		return usageError("fundus export: --to: " + err.Error())
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

// verifyArgs reads the options of fundus verify: --file F and --head
// SEQ:HASH, each optional.
func verifyArgs(args []string) (file string, head *ledger.ChainHead, err error) {
	fs := flag.NewFlagSet("fundus verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&file, "file", "", "an export in jsonl")
	headS := fs.String("head", "", "a chain head SEQ:HASH the ledger must still hold")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return "", nil, usageError("fundus verify: the options are --file export.jsonl and --head SEQ:HASH\n" + usage)
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

// verifyFile checks an exported jsonl file without any database, and with
// head that it holds that published chain head.
func verifyFile(file string, head *ledger.ChainHead, stdout io.Writer) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := ledger.VerifyFile(f, head)
	if err != nil {
		return err
	}
	return report(&r.VerifyResult, r.FirstBadLine, "the chain, the sequence, every entry's balance and the trailer hold", stdout)
}
