package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"fundus/auth"
	"fundus/db"
	"fundus/handlers"
)

// openDB opens and migrates the configured database.
func openDB(ctx context.Context, cfg *config) (*db.DB, error) {
	d, err := db.Open(ctx, cfg.DatabaseURL, db.Options{})
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
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

	authSvc := auth.NewService(d, cfg.SessionTTL)
	h, err := handlers.New(handlers.Config{
		TrustedProxies: cfg.TrustedProxies,
		RateLimit:      cfg.RateLimit,
		Version:        version(),
	}, d, authSvc, log)
	if err != nil {
		return err
	}
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
