// Package httpx is what both faces of Fundus's HTTP layer share, once: the
// middleware every request passes, the one table from error kinds to
// problem types and statuses (errors.go) and the writing of problem
// documents, the strict decoding of bodies and query parameters, the rate
// limiter and the cache of the public figures. The JSON API (http/api) and
// the pages (http/ui) build on it; http/server puts them together.
package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"path"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"fundus/auth"
	"fundus/errs"
)

const (
	requestIDHeader = "X-Request-ID"
	ctxRequestID    = "fundus.request_id"
	ctxUser         = "fundus.user"
	ctxToken        = "fundus.token"
)

// WithRequestID takes a sane X-Request-ID from the client (or a proxy) or
// makes one, and echoes it in the response.
func WithRequestID(c *gin.Context) {
	id := c.GetHeader(requestIDHeader)
	if !saneRequestID(id) {
		var b [12]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(ctxRequestID, id)
	c.Header(requestIDHeader, id)
	c.Next()
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r > '~' {
			return false
		}
	}
	return true
}

// RequestID is the id of the request (WithRequestID).
func RequestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// routeOf names the route for logs and metrics by its pattern, so that ids in
// paths do not make every request a new series.
func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// AccessLog writes one structured line per request.
func AccessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		attrs := []slog.Attr{
			slog.String("request_id", RequestID(c)),
			slog.String("method", c.Request.Method),
			slog.String("route", routeOf(c)),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", c.Writer.Status()),
			slog.Int("bytes", max(c.Writer.Size(), 0)),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("client", c.ClientIP()),
		}
		if u := CurrentUser(c); u != nil {
			attrs = append(attrs, slog.String("user_id", u.ID))
		}
		log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", attrs...)
	}
}

// RecoverPanics turns a panic in a handler into a logged internal error and
// a problem response, and keeps the server running.
func RecoverPanics(c *gin.Context) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p == http.ErrAbortHandler {
			panic(p)
		}
		slog.ErrorContext(c.Request.Context(), "panic", "request_id", RequestID(c), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		if c.Writer.Written() {
			c.Abort()
			return
		}
		WriteError(c, errs.E(errs.Op("httpx.recover"), errs.Internal, fmt.Sprintf("panic: %v", p)))
	}()
	c.Next()
}

// LimitBody refuses bodies over limit: an API request at once when
// Content-Length says so, otherwise when the decoder reads past it; a
// page's form when RefuseUnstorableText reads it, so the refusal is a
// page. larger gives the routes that take files ("POST
// /api/v1/bank/statements") a limit of their own.
func LimitBody(limit int64, larger map[string]int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := limit
		if l, ok := larger[c.Request.Method+" "+c.Request.URL.Path]; ok {
			limit = l
		} else {
			for pattern, l := range larger { // "POST /grants/*/report": path.Match's patterns
				if ok, _ := path.Match(pattern, c.Request.Method+" "+c.Request.URL.Path); ok {
					limit = l
				}
			}
		}
		if c.Request.ContentLength > limit && strings.HasPrefix(c.Request.URL.Path, "/api/") {
			WriteError(c, errs.E(errs.TooLarge, fmt.Sprintf("the body must not exceed %d bytes", limit)))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

// RequireJSON refuses an API write whose body is not declared as JSON.
func RequireJSON(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		hasBody := c.Request.ContentLength > 0 || (c.Request.ContentLength < 0 && c.Request.Body != http.NoBody)
		if hasBody && !isJSON(c.GetHeader("Content-Type")) {
			WriteError(c, errs.E(errs.Malformed, "Content-Type must be application/json"))
			return
		}
	}
	c.Next()
}

// Metrics counts requests by route and status and observes their latency.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the request metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fundus_http_requests_total",
			Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fundus_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

// Observe is the middleware that counts and times each request.
func (m *Metrics) Observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := routeOf(c)
	m.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
	m.latency.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
}

// Authenticate resolves an "Authorization: Bearer" token to the signed-in
// user. A request without the header goes on anonymous; a bad token is
// refused, so a client never mistakes a dead session for anonymity.
func Authenticate(a *auth.Service) gin.HandlerFunc {
	return func(c *gin.Context) { authenticate(c, a) }
}

func authenticate(c *gin.Context, a *auth.Service) {
	h := c.GetHeader("Authorization")
	if h == "" {
		c.Next()
		return
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		WriteError(c, errs.E(errs.Unauthenticated, "the Authorization header must be: Bearer <token>"))
		return
	}
	token = strings.TrimSpace(token)
	u, err := a.Authenticate(c.Request.Context(), token)
	if err != nil {
		WriteError(c, err)
		return
	}
	SetUser(c, u, token)
	c.Next()
}

// SetUser makes u, signed in with the session token, the request's user.
func SetUser(c *gin.Context, u *auth.User, token string) {
	c.Set(ctxUser, u)
	c.Set(ctxToken, token)
}

// Token is the session token the request's user signed in with, or "".
func Token(c *gin.Context) string { return c.GetString(ctxToken) }

// RequireUser refuses anonymous requests.
func RequireUser(c *gin.Context) {
	if CurrentUser(c) == nil {
		WriteError(c, errs.E(errs.Unauthenticated, "sign in first"))
		return
	}
	c.Next()
}

// CurrentUser returns the signed-in user, or nil.
func CurrentUser(c *gin.Context) *auth.User {
	if u, ok := c.Get(ctxUser); ok {
		return u.(*auth.User)
	}
	return nil
}

// RefuseUnstorableText refuses a request that carries text no database can
// store (a NUL, which PostgreSQL refuses in text, or bytes that are not
// UTF-8) in its path, its query or a page's form, or a NUL in a header: no
// such text is valid anywhere in Fundus, and it would otherwise be an
// internal error where it reached PostgreSQL. A path is not found, a query
// parameter or form field is Invalid naming it, a header is Malformed naming
// it. JSON bodies are checked where they are decoded (DecodeJSON), and
// domain packages refuse such text in their own fields (check.HasControl).
// The API answers with a problem document, a page with errorPage.
func RefuseUnstorableText(errorPage func(c *gin.Context, err error)) gin.HandlerFunc {
	return func(c *gin.Context) { refuseUnstorableText(c, errorPage) }
}

func refuseUnstorableText(c *gin.Context, errorPage func(c *gin.Context, err error)) {
	const op errs.Op = "httpx.RefuseUnstorableText"
	var err error
	if unstorable(c.Request.URL.Path) {
		err = errs.E(op, errs.NotFound, "no such resource")
	} else if fields := unstorableFields(c.Request.URL.Query()); len(fields) > 0 {
		err = errs.E(op, errs.Invalid, fields, "a query parameter holds a NUL or is not UTF-8")
	}
	for name, values := range c.Request.Header {
		if err != nil {
			break
		}
		for _, v := range values {
			if strings.ContainsRune(v, 0) {
				err = errs.E(op, errs.Malformed, errs.FieldError{Field: name, Code: "control", Message: "must not contain a NUL character"}, "a header holds a NUL character")
				break
			}
		}
	}
	isPage := !strings.HasPrefix(c.Request.URL.Path, "/api/")
	if ct := c.GetHeader("Content-Type"); err == nil && isPage && c.Request.Method == http.MethodPost &&
		(strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")) {
		if perr := c.Request.ParseMultipartForm(32 << 10); perr != nil && !errors.Is(perr, http.ErrNotMultipart) {
			var tooLarge *http.MaxBytesError
			if errors.As(perr, &tooLarge) {
				err = errs.E(op, errs.TooLarge, fmt.Sprintf("the body must not exceed %d bytes", tooLarge.Limit))
			} else {
				err = errs.E(op, errs.Malformed, "the form cannot be read", perr)
			}
		} else if fields := unstorableFields(c.Request.PostForm); len(fields) > 0 {
			err = errs.E(op, errs.Invalid, fields, "a form field holds a NUL or is not UTF-8")
		}
	}
	if err == nil {
		c.Next()
		return
	}
	if !isPage {
		WriteError(c, err)
		return
	}
	errorPage(c, err)
}

// SecurityHeaders sets the security headers of every answer, pages, API and
// "not found" alike: nothing from other hosts, no framing, no sniffing.
func SecurityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	c.Next()
}

// unstorable reports a NUL or bytes that are not UTF-8.
func unstorable(s string) bool { return strings.ContainsRune(s, 0) || !utf8.ValidString(s) }

// unstorableFields names the fields of values (query or form) that hold
// unstorable text, in their order; a name that is unstorable itself is named
// quoted.
func unstorableFields(values url.Values) []errs.FieldError {
	var out []errs.FieldError
	for _, name := range slices.Sorted(maps.Keys(values)) {
		bad := unstorable(name)
		for _, v := range values[name] {
			bad = bad || unstorable(v)
		}
		if bad {
			field := name
			if unstorable(name) {
				field = strconv.QuoteToASCII(name)
			}
			out = append(out, errs.FieldError{Field: field, Code: "control", Message: "must be UTF-8 text without a NUL character"})
		}
	}
	return out
}
