// Command fundus is the one binary of Fundus.
//
//	fundus                 serve (the same as fundus serve)
//	fundus serve           serve HTTP on FUNDUS_ADDR, migrating the database first
//	fundus migrate         apply the database migrations and exit
//	fundus verify [--file F] [--head SEQ:HASH]
//	                       check the ledger (hash chain, entries, stored balances),
//	                       and that it still holds a chain head kept from the fund
//	                       page or a report; or an exported jsonl file with no
//	                       database; exit status 0 when it verifies, 1 when not
//	fundus export --format csv|jsonl|hledger|beancount [--from D] [--to D] [-o FILE]
//	fundus user add --email E --name N --role R [--role R2 ...] [--organisation O]
//	                       create a user; the password is the first line of stdin;
//	                       prints the new user's id
//	fundus year adopted YEAR --on DATE
//	                       record that a year's accounts were adopted
//	fundus erase --due [--dry-run]
//	                       erase the personal data whose retention period ended
//	fundus version         print the version
//
// Configuration comes from the environment, then from .env, then defaults
// (.env.example lists every variable).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"

	"fundus/ledger"
)

// gcPercent is the garbage collection target when GOGC is not set: the heap
// may grow to five times what is live before a collection (Go's default:
// twice). The server's requests and the walks over the ledger (verify,
// export) allocate much that dies at once, and little stays live, so the
// collector's share of the CPU falls by about four for a few tens of MB
// more memory (issue 18: it was a sixth of the server's CPU under load, and
// of verification's; docs/performance.md).
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fundus:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake in the command line.
type usageError string

func (e usageError) Error() string { return string(e) }

const usage = `usage:
  fundus [serve]          serve HTTP on FUNDUS_ADDR
  fundus migrate          apply the database migrations
  fundus verify [--file export.jsonl] [--head SEQ:HASH]
                          check the ledger's hash chain and balances (with --head: and
                          that it still holds that entry with that hash), or an exported
                          jsonl file without a database (exit 0 ok, 1 not)
  fundus export --format csv|jsonl|hledger|beancount [--from DATE] [--to DATE] [-o FILE]
                          write the ledger (to stdout without -o)
  fundus user add --email E --name N --role R [--role R2 ...] [--organisation O]
                          create a user (password: first line of stdin); prints the id
  fundus bank import FILE...
                          import bank statements (camt.052/053/054, a ZIP of them,
                          CSV-CAMT) as a treasurer's upload does; prints what each did
  fundus year adopted YEAR --on DATE
                          record that the accounts of YEAR were formally adopted on DATE;
                          FUNDUS_RETENTION_YEARS run from the end of DATE's year
  fundus erase --due [--dry-run]
                          erase the personal data whose retention period ended; prints
                          what it erased by kind and count (--dry-run: only counts)
  fundus version          print the version`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if cmd == "version" {
		fmt.Fprintln(stdout, "fundus", version())
		return nil
	}
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprintln(stdout, usage)
		return nil
	}
	var head *ledger.ChainHead
	if cmd == "verify" {
		file, h, err := verifyArgs(args)
		if err != nil {
			return err
		}
		if file != "" {
			return verifyFile(file, h, stdout) // needs no configuration or database
		}
		head = h
	}
	cfg, err := loadConfig(os.LookupEnv, ".env")
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	slog.SetDefault(log)
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log)
	case "migrate":
		return migrate(ctx, cfg, stdout)
	case "verify":
		return verify(ctx, cfg, head, stdout)
	case "export":
		return export(ctx, cfg, args, stdout)
	case "user":
		if len(args) == 0 || args[0] != "add" {
			return usageError("fundus user: the only subcommand is add\n" + usage)
		}
		return userAdd(ctx, cfg, args[1:], stdin, stdout)
	case "bank":
		if len(args) == 0 || args[0] != "import" {
			return usageError("fundus bank: the only subcommand is import\n" + usage)
		}
		return bankImport(ctx, cfg, args[1:], stdout)
	case "year":
		return yearAdopted(ctx, cfg, args, stdout)
	case "erase":
		return eraseDue(ctx, cfg, args, stdout)
	}
	return usageError(fmt.Sprintf("unknown command %q\n%s", cmd, usage))
}

func newLogger(cfg *config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// version is the module version and VCS revision the binary was built from.
// revision is the commit Fundus was built from, set where VCS stamping is off
// (go build -ldflags "-X main.revision=$(git rev-parse --short=12 HEAD)", as
// .ci/run does); the build info's vcs.revision is used when it is there.
var revision string

func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	rev, modified := revision, ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " (" + rev + modified + ")"
	}
	return v + " " + bi.GoVersion
}
