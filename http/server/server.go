// Package server puts Fundus's HTTP layer together: it builds the Gin
// engine, attaches the middleware every request passes once (http/httpx),
// and routes the JSON API (http/api) and the pages (http/ui), each from its
// own routes.go. It holds no handler.
package server

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"fundus"
	"fundus/audit"
	"fundus/auth"
	"fundus/bank"
	"fundus/db"
	"fundus/donations"
	"fundus/errs"
	"fundus/grants"
	"fundus/http/api"
	"fundus/http/httpx"
	"fundus/http/ui"
	"fundus/ledger"
	"fundus/receipts"
	"fundus/retention"
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
	// StatementLimit is the largest bank file in bytes (POST
	// /api/v1/bank/statements); zero: 20 MiB.
	StatementLimit int64
	// Version is reported by /healthz.
	Version string
	// FundName is the fund's name in the public figures.
	FundName string
	// ExampleAccount says the bank account is the built-in example, so the
	// pages warn donors not to transfer.
	ExampleAccount bool
	// Site is the fund's name, logo, colour and operator for the pages
	// (web.Site); an empty FundName takes FundName above, an empty Operator
	// the examples (web.ExampleOperator), which the trust pages mark.
	Site web.Site
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
	Bank      *bank.Service
	// Retention erases a donor's data on request; nil: one on the
	// donations' write path with the default period.
	Retention *retention.Service
	// Receipts issues donation receipts; nil: one on the donations' write
	// path and outbox, issued by the site's operator with the default
	// purpose.
	Receipts *receipts.Service
}

// New builds the router. log receives the access log and internal errors.
func New(cfg Config, d *db.DB, svc Services, log *slog.Logger) (http.Handler, error) {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 64 << 10
	}
	if cfg.StatementLimit <= 0 {
		cfg.StatementLimit = 20 << 20
	}
	renderer, err := web.New()
	if err != nil {
		return nil, err
	}
	renderer.Site = cfg.Site
	if renderer.Site.FundName == "" {
		renderer.Site.FundName = cfg.FundName
	}
	if renderer.Site.FundName == "" {
		renderer.Site.FundName = "Integrationsfonds Osnabrück"
	}
	if renderer.Site.Operator == (web.Operator{}) {
		renderer.Site.Operator, renderer.Site.ExampleOperator = web.ExampleOperator, true
	}
	if renderer.Site.Quorum == 0 && svc.Grants != nil {
		renderer.Site.Quorum = svc.Grants.Quorum
	}
	if renderer.Site.MaxGrant.Minor == 0 && svc.Grants != nil && svc.Grants.MaxGrant > 0 {
		renderer.Site.MaxGrant = fundus.EURCents(svc.Grants.MaxGrant)
	}
	reg := cfg.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	limiter := httpx.NewRateLimiter(cfg.RateLimit)
	fund := httpx.NewFundCache(svc.Ledger, cfg.FundName)
	if svc.Retention == nil && svc.Donations != nil {
		svc.Retention = &retention.Service{DB: d, Writer: svc.Donations.Writer}
	}
	if svc.Receipts == nil && svc.Donations != nil {
		op := renderer.Site.Operator
		svc.Receipts = &receipts.Service{DB: d, Writer: svc.Donations.Writer, Mail: svc.Donations.Mail,
			IssuerName: op.Name, IssuerAddress: op.Address, Place: receipts.PlaceOf(op.Address), Purpose: receipts.DefaultPurpose}
	}
	if renderer.Site.RetentionYears == 0 {
		renderer.Site.RetentionYears = retention.DefaultYears
		if svc.Retention != nil && svc.Retention.Years > 0 {
			renderer.Site.RetentionYears = svc.Retention.Years
		}
	}
	a := &api.Handler{
		Version: cfg.Version, DB: d, Auth: svc.Auth, Ledger: svc.Ledger, Audit: svc.Audit, Donations: svc.Donations, Grants: svc.Grants, Bank: svc.Bank,
		Limiter: limiter, Fund: fund, Retention: svc.Retention, Receipts: svc.Receipts,
	}
	u := &ui.Handler{
		TrustedProxies: cfg.TrustedProxies, ExampleAccount: cfg.ExampleAccount,
		Auth: svc.Auth, Ledger: svc.Ledger, Audit: svc.Audit, Donations: svc.Donations, Grants: svc.Grants, Bank: svc.Bank, Retention: svc.Retention, Receipts: svc.Receipts, Web: renderer,
		Limiter: limiter, Fund: fund,
	}
	return router(cfg, log, httpx.NewMetrics(reg), a, u)
}

// router builds the engine: the middleware every request passes, then the
// routes (api/routes.go, ui/routes.go).
func router(cfg Config, log *slog.Logger, m *httpx.Metrics, a *api.Handler, u *ui.Handler) (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, errs.E(errs.Op("server.New"), errs.Invalid, "trusted proxies", err)
	}
	r.HandleMethodNotAllowed = false
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.Use(httpx.WithRequestID, httpx.SecurityHeaders, httpx.AccessLog(log), httpx.RecoverPanics, m.Observe,
		httpx.LimitBody(cfg.BodyLimit, map[string]int64{"POST /api/v1/bank/statements": cfg.StatementLimit, "POST /treasurer/bank/statements": cfg.StatementLimit,
			"POST /grants/*/report": ui.ReportBodyLimit}), httpx.RefuseUnstorableText(u.ErrorPage))
	r.NoRoute(noRoute(u))

	a.Routes(r)
	u.Routes(r)
	return r, nil
}

// noRoute answers an unknown path: a problem document for the API, a page
// for people.
func noRoute(u *ui.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if strings.HasPrefix(c.Request.URL.Path, "/api/") {
			httpx.WriteError(c, errs.E(errs.NotFound, "no such resource"))
			return
		}
		u.NotFound(c)
	}
}
