// Package api is Fundus's JSON API under /api/v1, for machines, and the
// operations endpoints (/healthz, /readyz, /problems/{slug}): one file per
// resource, every route in routes.go, the contract in openapi.json. A
// handler decodes the request (http/httpx), calls a domain package and
// answers with JSON or a problem document; it holds no business rules.
package api

import (
	"fundus/audit"
	"fundus/auth"
	"fundus/bank"
	"fundus/db"
	"fundus/donations"
	"fundus/grants"
	"fundus/http/httpx"
	"fundus/ledger"
	"fundus/receipts"
	"fundus/retention"
)

// Handler holds what the API's handlers call.
type Handler struct {
	// Version is reported by /healthz.
	Version   string
	DB        *db.DB
	Auth      *auth.Service
	Ledger    *ledger.Service
	Audit     *audit.Service
	Donations *donations.Service
	Grants    *grants.Service
	Bank      *bank.Service
	Retention *retention.Service
	Receipts  *receipts.Service
	// Limiter guards public writes and sign-in.
	Limiter *httpx.RateLimiter
	// Fund is the public figures, shared with the fund page.
	Fund *httpx.FundCache
}
