// Package handlers is Fundus's HTTP layer: the Gin router and its
// middleware, the JSON API under /api/v1, and the operations endpoints. It
// decodes requests, calls the domain packages, and maps their errors to RFC
// 9457 problem documents (errors.go). It holds no business rules.
package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"fundus/audit"
	"fundus/auth"
	"fundus/db"
	"fundus/donations"
	"fundus/errs"
	"fundus/grants"
	"fundus/ledger"
	"fundus/web"
)

// Config is what the HTTP layer needs to know of the configuration.
type Config struct {
	// TrustedProxies are the addresses or CIDRs whose X-Forwarded-For is
	// believed. Empty means none: the client is the peer.
	TrustedProxies []string
	// RateLimit is requests per minute per client address on public writes
	// and sign-in; 0 turns it off.
	RateLimit int
	// BodyLimit is the largest request body in bytes.
	BodyLimit int64
	// Version is reported by /healthz.
	Version string
	// FundName is the fund's name in the public figures.
	FundName string
	// ExampleAccount says the bank account is the built-in example, so the
	// pages warn donors not to transfer.
	ExampleAccount bool
	// Metrics is where the server registers its metrics (requests, latency,
	// the Go runtime). The caller serves them apart from the application
	// (FUNDUS_DEBUG_ADDR): New routes no /metrics. Nil: a registry of its own.
	Metrics *prometheus.Registry
}

// Services are the domain services the handlers call.
type Services struct {
	Auth      *auth.Service
	Ledger    *ledger.Service
	Audit     *audit.Service
	Donations *donations.Service
	Grants    *grants.Service
}

// Server holds the dependencies of the handlers.
type Server struct {
	cfg       Config
	db        *db.DB
	auth      *auth.Service
	ledger    *ledger.Service
	audit     *audit.Service
	donations *donations.Service
	grants    *grants.Service
	web       *web.Renderer
	log       *slog.Logger
	limiter   *rateLimiter
	metrics   *metrics
	fund      *fundCache
}

// New builds the router. log receives the access log and internal errors.
func New(cfg Config, d *db.DB, svc Services, log *slog.Logger) (http.Handler, error) {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 64 << 10
	}
	renderer, err := web.New()
	if err != nil {
		return nil, err
	}
	reg := cfg.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Server{
		cfg:       cfg,
		db:        d,
		auth:      svc.Auth,
		ledger:    svc.Ledger,
		audit:     svc.Audit,
		donations: svc.Donations,
		grants:    svc.Grants,
		web:       renderer,
		log:       log,
		limiter:   newRateLimiter(cfg.RateLimit),
		metrics:   newMetrics(reg),
	}
	s.fund = &fundCache{commits: svc.Ledger.Writer.Commits, load: s.loadPublicFund, now: time.Now}
	return s.router()
}

// router builds the engine: the middleware every request passes, then the
// routes (routes.go).
func (s *Server) router() (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		return nil, errs.E(errs.Op("handlers.New"), errs.Invalid, "trusted proxies", err)
	}
	r.HandleMethodNotAllowed = false
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.Use(withRequestID, securityHeaders, accessLog(s.log), recoverPanics, s.metrics.observe, limitBody(s.cfg.BodyLimit), s.refuseUnstorableText)
	r.NoRoute(s.noRoute)

	s.apiRoutes(r)
	s.pageRoutes(r)
	return r, nil
}

// healthz answers while the process runs.
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": s.cfg.Version})
}

// readyz answers 200 once the database answers and every migration is
// applied, else 503.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	ok, err := s.db.Migrated(ctx)
	switch {
	case err != nil:
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": "the database does not answer"})
	case !ok:
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": "migrations are not applied"})
	default:
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	}
}
