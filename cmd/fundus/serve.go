package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"fundus/audit"
	"fundus/auth"
	"fundus/bank"
	"fundus/bank/statement"
	"fundus/commit"
	"fundus/db"
	"fundus/donations"
	"fundus/grants"
	"fundus/http/server"
	"fundus/ledger"
	"fundus/mail"
	"fundus/receipts"
	"fundus/retention"
	"fundus/web"
)

// openDB opens and migrates the configured database.
func openDB(ctx context.Context, cfg *config) (*db.DB, error) {
	d, err := db.Open(ctx, cfg.DatabaseURL, db.Options{})
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil { // also db.ErrAhead
		d.Close()
		return nil, err
	}
	return d, nil
}

// verify checks the ledger of the configured database, and with head that
// it still holds that entry with that hash, and says what it found; a
// ledger that does not verify is an error (exit status 1).
func verify(ctx context.Context, cfg *config, head *ledger.ChainHead, stdout io.Writer) error {
	d, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	if head == nil {
		r, err := ledger.VerifyDB(ctx, d)
		if err != nil {
			return err
		}
		return report(r, 0, "the hash chain is intact and every stored balance equals its postings", stdout)
	}
	r, err := ledger.VerifyHead(ctx, d, *head)
	if err != nil {
		return err
	}
	return report(r, 0, fmt.Sprintf("the hash chain is intact, every stored balance equals its postings, and entry %d has the hash kept", head.Seq), stdout)
}

// report prints what verification found; not OK is an error (exit 1).
func report(r *ledger.VerifyResult, line int, okText string, stdout io.Writer) error {
	if r.OK {
		fmt.Fprintf(stdout, "ok: %d entries verified; %s\n", r.EntriesChecked, okText)
		return nil
	}
	fmt.Fprintf(stdout, "NOT OK after %d good entries\n", r.EntriesChecked)
	if line > 0 {
		fmt.Fprintf(stdout, "first bad line: %d\n", line)
	}
	if r.FirstBadEntry != nil {
		fmt.Fprintf(stdout, "first bad entry: seq %d", r.FirstBadEntry.Seq)
		if r.FirstBadEntry.ID != "" {
			fmt.Fprintf(stdout, " (id %s)", r.FirstBadEntry.ID)
		}
		fmt.Fprintln(stdout)
	}
	if r.Account != "" {
		fmt.Fprintf(stdout, "account: %s\n", r.Account)
	}
	fmt.Fprintf(stdout, "problem: %s\n", r.Problem)
	return errors.New("the ledger does not verify")
}

func migrate(ctx context.Context, cfg *config, stdout io.Writer) error {
	d, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintln(stdout, "migrations applied")
	return nil
}

// idempotencyKeep is how long idempotency keys are kept (docs/api.md: at least
// 24 hours).
const idempotencyKeep = 72 * time.Hour

// hourlyUpkeep deletes expired idempotency keys and summarizes the new
// block ranges of the indexes that have them, every hour until ctx ends.
func hourlyUpkeep(ctx context.Context, w *commit.Writer, log *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := commit.ForgetKeys(ctx, w, idempotencyKeep); err != nil {
			log.Warn("forgetting idempotency keys", "err", err)
		} else if n > 0 {
			log.Info("forgot idempotency keys", "count", n)
		}
		if _, err := commit.Do(ctx, w, summarizeRanges); err != nil {
			log.Warn("summarizing block ranges", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// summarizeRanges summarizes the new block ranges of the indexes that have
// them (db.SummarizeRanges); it writes the indexes, so it runs on the writer.
func summarizeRanges(tx *commit.Tx) (int64, error) {
	return db.SummarizeRanges(tx.Context(), tx, tx.Engine())
}

// statementLimits are the parser's limits with the file as large as
// FUNDUS_STATEMENT_LIMIT.
func statementLimits(cfg *config) statement.Limits {
	lim := statement.DefaultLimits
	lim.MaxBytes = cfg.StatementLimit
	return lim
}

// newWriter starts the write path of d with the ledger and the audit trail
// taking part in every transaction.
func newWriter(d *db.DB) (*commit.Writer, error) {
	return commit.NewWriter(d, nil, ledger.Book, audit.Trail)
}

// openWritePath opens the database and its write path for a command that
// writes (user add, bank import); closeAll closes both.
func openWritePath(ctx context.Context, cfg *config) (d *db.DB, w *commit.Writer, closeAll func(), err error) {
	if d, err = openDB(ctx, cfg); err != nil {
		return nil, nil, nil, err
	}
	if w, err = newWriter(d); err != nil {
		d.Close()
		return nil, nil, nil, err
	}
	return d, w, func() { w.Close(); d.Close() }, nil
}

// serve runs the HTTP server until SIGINT or SIGTERM, then lets running
// requests finish (up to 20 s) before closing the database.
func serve(ctx context.Context, cfg *config, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	d, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()

	writer, err := newWriter(d)
	if err != nil {
		return err
	}
	defer writer.Close() // after the server and the mail sender have stopped: finishes what is queued
	outbox, err := mail.NewOutbox(cfg.BaseURL, cfg.FundName)
	if err != nil {
		return err
	}
	authSvc := auth.NewService(d, writer, cfg.SessionTTL)
	authSvc.Hasher = auth.NewHasher(cfg.PasswordHashes, auth.HashWait)
	authSvc.Mailer, authSvc.ResetTTL, authSvc.ConfirmAddresses = outbox, cfg.ResetTTL, cfg.RegistrationConfirm
	ledgerSvc := &ledger.Service{DB: d, Writer: writer, MaxAmount: cfg.maxAmountCents()}
	metrics := prometheus.NewRegistry()
	h, err := server.New(server.Config{
		Metrics:        metrics,
		TrustedProxies: cfg.TrustedProxies,
		RateLimit:      cfg.RateLimit,
		Version:        version(),
		ExampleAccount: cfg.BankIBAN == exampleIBAN,
		FundName:       cfg.FundName,
		StatementLimit: cfg.StatementLimit,
		Site: web.Site{FundName: cfg.FundName, LogoURL: cfg.LogoURL, ColorPrimary: cfg.ColorPrimary,
			Operator: cfg.Operator, ExampleOperator: cfg.exampleOperator(), RetentionYears: cfg.RetentionYears},
	}, d, server.Services{
		Auth:   authSvc,
		Ledger: ledgerSvc,
		Audit:  &audit.Service{DB: d},
		Donations: &donations.Service{
			DB: d, Writer: writer, MaxAmount: cfg.maxAmountCents(), FundStart: cfg.FundStart, Mail: outbox, Bands: cfg.Bands, Purpose: cfg.DonationPurpose,
			Bank: donations.BankAccount{IBAN: cfg.BankIBAN, BIC: cfg.BankBIC, Holder: cfg.BankHolder},
		},
		Grants: &grants.Service{DB: d, Writer: writer, MaxAmount: cfg.maxAmountCents(), MaxGrant: cfg.maxGrantCents(), Quorum: cfg.Quorum, MaySubmit: authSvc.MaySubmit, Mail: outbox},
		Bank: &bank.Service{DB: d, Writer: writer, IBAN: cfg.BankIBAN, BIC: cfg.BankBIC, Holder: cfg.BankHolder,
			MaxAmount: cfg.maxAmountCents(), Limits: statementLimits(cfg), Mail: outbox, Bands: cfg.Bands},
		Retention: &retention.Service{DB: d, Writer: writer, Years: cfg.RetentionYears},
		Receipts: &receipts.Service{DB: d, Writer: writer, Mail: outbox, IssuerName: cfg.Operator.Name, IssuerAddress: cfg.Operator.Address,
			Place: cfg.ReceiptPlace, Purpose: cfg.DonationPurpose, MachineNote: cfg.ReceiptMachineNote},
	}, log)
	if err != nil {
		return err
	}
	go hourlyUpkeep(ctx, writer, log)
	// The mail sender runs until the server stops, and is waited for
	// before the write path closes: a mail it sent is marked sent.
	senderCtx, stopSender := context.WithCancel(ctx)
	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		(&mail.Sender{DB: d, Writer: writer, SMTP: cfg.SMTP, From: cfg.MailFrom, Log: log}).Run(senderCtx)
	}()
	defer func() { stopSender(); <-senderDone }()
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute, // exports stream for a while
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if cfg.DebugAddr != "" {
		go serveDebug(cfg.DebugAddr, metrics, log)
	}
	log.Info("fundus is serving", "addr", ln.Addr().String(), "database", string(d.Engine), "version", version())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// serveDebug serves the metrics and Go's profiler on their own listener,
// apart from the application's routes.
func serveDebug(addr string, metrics *prometheus.Registry, log *slog.Logger) {
	log.Info("metrics and profiler are serving", "addr", addr)
	srv := &http.Server{Addr: addr, Handler: debugHandler(metrics), ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		log.Warn("metrics and profiler stopped", "err", err)
	}
}

// debugHandler routes /metrics (Prometheus text) and /debug/pprof/.
func debugHandler(metrics *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(metrics, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
