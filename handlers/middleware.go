package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

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
