package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
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
	"fundus/web"
)

const (
	requestIDHeader = "X-Request-ID"
	ctxRequestID    = "fundus.request_id"
	ctxUser         = "fundus.user"
	ctxToken        = "fundus.token"
)

// withRequestID takes a sane X-Request-ID from the client (or a proxy) or
// makes one, and echoes it in the response.
func withRequestID(c *gin.Context) {
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

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// routeOf names the route for logs and metrics by its pattern, so that ids in
// paths do not make every request a new series.
func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// accessLog writes one structured line per request.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		attrs := []slog.Attr{
			slog.String("request_id", requestID(c)),
			slog.String("method", c.Request.Method),
			slog.String("route", routeOf(c)),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", c.Writer.Status()),
			slog.Int("bytes", max(c.Writer.Size(), 0)),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("client", c.ClientIP()),
		}
		if u := currentUser(c); u != nil {
			attrs = append(attrs, slog.String("user_id", u.ID))
		}
		log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", attrs...)
	}
}

// recoverPanics turns a panic in a handler into a logged internal error and
// a problem response, and keeps the server running.
func recoverPanics(c *gin.Context) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p == http.ErrAbortHandler {
			panic(p)
		}
		slog.ErrorContext(c.Request.Context(), "panic", "request_id", requestID(c), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		if c.Writer.Written() {
			c.Abort()
			return
		}
		writeError(c, errs.E(errs.Op("handlers.recover"), errs.Internal, fmt.Sprintf("panic: %v", p)))
	}()
	c.Next()
}

// limitBody refuses bodies over limit: at once when Content-Length says so,
// otherwise when the decoder reads past it.
func limitBody(limit int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > limit {
			writeError(c, errs.E(errs.TooLarge, fmt.Sprintf("the body must not exceed %d bytes", limit)))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

// requireJSON refuses an API write whose body is not declared as JSON.
func requireJSON(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		hasBody := c.Request.ContentLength > 0 || (c.Request.ContentLength < 0 && c.Request.Body != http.NoBody)
		if hasBody && !isJSON(c.GetHeader("Content-Type")) {
			writeError(c, errs.E(errs.Malformed, "Content-Type must be application/json"))
			return
		}
	}
	c.Next()
}

// metrics counts requests by route and status and observes their latency.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
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

func (m *metrics) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := routeOf(c)
	m.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
	m.latency.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
}

// authenticate resolves an "Authorization: Bearer" token to the signed-in
// user. A request without the header goes on anonymous; a bad token is
// refused, so a client never mistakes a dead session for anonymity.
func (s *Server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	if h == "" {
		c.Next()
		return
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		writeError(c, errs.E(errs.Unauthenticated, "the Authorization header must be: Bearer <token>"))
		return
	}
	token = strings.TrimSpace(token)
	u, err := s.auth.Authenticate(c.Request.Context(), token)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Set(ctxUser, u)
	c.Set(ctxToken, token)
	c.Next()
}

// requireUser refuses anonymous requests.
func requireUser(c *gin.Context) {
	if currentUser(c) == nil {
		writeError(c, errs.E(errs.Unauthenticated, "sign in first"))
		return
	}
	c.Next()
}

// currentUser returns the signed-in user, or nil.
func currentUser(c *gin.Context) *auth.User {
	if u, ok := c.Get(ctxUser); ok {
		return u.(*auth.User)
	}
	return nil
}

// refuseUnstorableText refuses a request that carries text no database can
// store (a NUL, which PostgreSQL refuses in text, or bytes that are not
// UTF-8) in its path, its query or a page's form, or a NUL in a header: no
// such text is valid anywhere in Fundus, and it would otherwise be an
// internal error where it reached PostgreSQL. A path is not found, a query
// parameter or form field is Invalid naming it, a header is Malformed naming
// it. JSON bodies are checked where they are decoded (decodeJSON), and
// domain packages refuse such text in their own fields (check.HasControl).
func (s *Server) refuseUnstorableText(c *gin.Context) {
	const op errs.Op = "handlers.refuseUnstorableText"
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
		writeError(c, err)
		return
	}
	langC, _ := c.Cookie(langCookie)
	c.Set(ctxLang, web.Lang(langC, c.GetHeader("Accept-Language")))
	s.renderError(c, err)
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
