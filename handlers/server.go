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
	Donations *donations.Service
	Grants    *grants.Service
}

// Server holds the dependencies of the handlers.
type Server struct {
	cfg       Config
	db        *db.DB
	auth      *auth.Service
	ledger    *ledger.Service
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

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/problems/:slug", describeProblem)

	api := r.Group("/api/v1", requireJSON, s.authenticate)
	api.GET("/openapi.json", serveOpenAPI)
	// Public writes and sign-in: limited before anything else is done.
	public := r.Group("/api/v1", s.limiter.guard, requireJSON, s.authenticate)

	public.POST("/register", s.register)
	public.POST("/sessions", s.signIn)
	api.DELETE("/sessions/current", requireUser, s.signOut)
	api.GET("/me", requireUser, s.me)
	api.POST("/users", requireUser, s.createUser)
	api.GET("/users", requireUser, s.listUsers)
	api.PATCH("/users/:id", requireUser, s.updateUser)
	api.GET("/role-grants", requireUser, s.listRoleGrants)
	api.POST("/role-grants/:id/confirm", requireUser, s.confirmRoleGrant)

	api.GET("/ledger/accounts", requireUser, s.ledgerAccounts)
	api.GET("/ledger/entries", requireUser, s.ledgerEntries)
	api.POST("/ledger/entries", requireUser, s.postEntry)
	api.GET("/ledger/entries/:id", requireUser, s.ledgerEntry)
	api.POST("/ledger/entries/:id/reverse", requireUser, s.reverseEntry)
	api.GET("/ledger/trial-balance", requireUser, s.trialBalance)
	api.GET("/ledger/verify", requireUser, s.verifyLedger)
	api.GET("/ledger/export", requireUser, s.exportLedger)
	api.GET("/audit", requireUser, s.auditTrail)

	public.POST("/donations", s.pledge)
	api.GET("/donations", requireUser, s.listDonations)
	api.GET("/donations/:id", requireUser, s.getDonation)
	api.GET("/donations/:id/:format", s.giroCode)
	api.POST("/donations/:id/confirm", requireUser, s.confirmDonation)
	api.POST("/donations/:id/cancel", requireUser, s.cancelDonation)
	api.POST("/donations/:id/refund", requireUser, s.refundDonation)
	s.grantRoutes(api)

	// Pages for people.
	r.GET("/static/*filepath", serveStatic())
	pages := r.Group("/", s.pageContext)
	pages.GET("/", s.fundPage)
	pages.GET("/lang", s.setLang)
	pages.GET("/report", s.reportPage)
	pages.GET("/donate", s.donatePage)
	pages.POST("/donate", s.limitPage, s.checkCSRF, s.donate)
	pages.GET("/login", s.loginPage)
	pages.POST("/login", s.limitPage, s.checkCSRF, s.login)
	pages.POST("/logout", s.checkCSRF, s.logout)
	treasurer := pages.Group("/treasurer", s.requirePageRole(auth.Treasurer))
	treasurer.GET("/donations", s.treasurerPage)
	treasurer.GET("/donations/:id/:action", s.actionPage)
	treasurer.POST("/donations/:id/:action", s.checkCSRF, s.doAction)
	treasurer.GET("/grants", s.grantsList("grants.payouts", grants.Approved, grants.PartiallyPaid, grants.Paid, grants.Reported))

	pages.GET("/apply", s.applyPage)
	pages.POST("/apply/register", s.limitPage, s.checkCSRF, s.registerPage)
	pages.GET("/apply/new", s.requirePageRole(auth.Applicant), s.newApplicationPage)
	pages.POST("/apply/new", s.requirePageRole(auth.Applicant), s.checkCSRF, s.saveApplication)
	pages.GET("/grants/:id", requireSignIn, s.grantPage)
	pages.GET("/grants/:id/edit", s.requirePageRole(auth.Applicant), s.editApplicationPage)
	pages.POST("/grants/:id/edit", s.requirePageRole(auth.Applicant), s.checkCSRF, s.saveApplication)
	pages.POST("/grants/:id/:action", requireSignIn, s.checkCSRF, s.grantAction)
	pages.POST("/payouts/:id/release", requireSignIn, s.checkCSRF, s.releasePage)
	pages.GET("/committee", s.requirePageRole(auth.Committee), s.grantsList("grants.queue", grants.Submitted, grants.InReview))
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
