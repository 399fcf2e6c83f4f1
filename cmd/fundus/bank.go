package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"fundus"
	"fundus/bank"
	"fundus/commit"
	"fundus/errs"
	"fundus/mail"
)

// cliActor is the operator at the command line: a treasurer's work on
// the bank, audited as "cli".
type cliActor struct{}

func (cliActor) ActorID() string { return "cli" }
func (cliActor) Allowed(a fundus.Action) bool {
	return a == fundus.HandleBank || a == fundus.ReadBank
}

// bankImport imports bank files as POST /api/v1/bank/statements does and
// prints what each did; it fails when one was refused.
func bankImport(ctx context.Context, cfg *config, files []string, stdout io.Writer) error {
	if len(files) == 0 {
		return usageError("fundus bank import: name at least one file\n" + usage)
	}
	d, w, closeDB, err := openWritePath(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	outbox, err := mail.NewOutbox(cfg.BaseURL, cfg.FundName)
	if err != nil {
		return err
	}
	// The mails a statement causes wait in the outbox for the server's sender.
	s := &bank.Service{DB: d, Writer: w, IBAN: cfg.BankIBAN, BIC: cfg.BankBIC, Holder: cfg.BankHolder, MaxAmount: cfg.maxAmountCents(),
		Limits: statementLimits(cfg), Mail: outbox, Bands: cfg.Bands}
	var failed error
	for _, name := range files {
		body, err := readFile(name, cfg.StatementLimit)
		if err == nil {
			var out commit.Outcome[*bank.Statement]
			out, err = s.Import(ctx, cliActor{}, body)
			if err == nil {
				st := out.Value
				fmt.Fprintf(stdout, "%s: %s, %s to %s: %d lines, %d new, %d seen before, %d matched, %d queued\n",
					name, st.Format, st.From, st.To, st.Lines, st.NewLines, st.DuplicateLines, st.Matched, st.Queued)
				continue
			}
		}
		msg := errs.Message(err)
		if msg == "" {
			msg = err.Error()
		}
		fmt.Fprintf(stdout, "%s: refused: %s\n", name, msg)
		failed = errors.New("some files were refused")
	}
	return failed
}

// readFile reads a file of at most limit bytes.
func readFile(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errs.Errorf("fundus.bankImport", errs.TooLarge, "the file is larger than FUNDUS_STATEMENT_LIMIT (%d MiB)", limit>>20)
	}
	return b, nil
}
