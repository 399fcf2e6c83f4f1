package httpx

import (
	"net/netip"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"fundus/errs"
)

// RateLimiter allows each client address perMinute requests a minute, in
// bursts of up to perMinute, on the routes it guards (public writes and
// sign-in). Its counters live in this process: with several instances
// behind a proxy each allows its own share. The slowing of failed sign-ins,
// which must hold across instances, lives in the database (auth.Throttle).
type RateLimiter struct {
	perMinute int
	mu        sync.Mutex
	clients   map[string]*clientLimit
	lastSweep time.Time
}

type clientLimit struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewRateLimiter allows perMinute requests a minute per client; 0 allows
// everything.
func NewRateLimiter(perMinute int) *RateLimiter {
	return &RateLimiter{perMinute: perMinute, clients: map[string]*clientLimit{}, lastSweep: time.Now()}
}

// allow reports whether addr may make a request now, and if not, how long it
// must wait.
func (l *RateLimiter) allow(addr string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Forget clients idle long enough to have a full bucket again.
	if now.Sub(l.lastSweep) > time.Minute || len(l.clients) > maxClients {
		for a, cl := range l.clients {
			if now.Sub(cl.seen) > time.Minute {
				delete(l.clients, a)
			}
		}
		l.lastSweep = now
	}
	cl, ok := l.clients[addr]
	if !ok {
		cl = &clientLimit{lim: rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)}
		l.clients[addr] = cl
	}
	cl.seen = now
	r := cl.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// maxClients bounds the limiter's memory; past it, idle clients are
// forgotten at once.
const maxClients = 100000

// clientKey is what limits count by: the address, or for IPv6 its /64,
// since one host commonly holds a whole /64.
func clientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() || a.Is4In6() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// Check returns RateLimited when the client has made too many requests;
// with perMinute 0 it allows everything.
func (l *RateLimiter) Check(c *gin.Context) error {
	if l.perMinute <= 0 {
		return nil
	}
	if ok, wait := l.allow(clientKey(c.ClientIP()), time.Now()); !ok {
		return errs.E(errs.RateLimited, errs.RetryAfter(wait), "too many requests from your address; try again later")
	}
	return nil
}

// Guard is the middleware for API routes.
func (l *RateLimiter) Guard(c *gin.Context) {
	if err := l.Check(c); err != nil {
		WriteError(c, err)
		return
	}
	c.Next()
}

// IdempotencyScope is whose keys a request's key is among: the signed-in
// user's, or for the public those of the client's address (an IPv6 /64),
// so that two donors who happen to send the same key never meet.
func IdempotencyScope(c *gin.Context) string {
	if u := CurrentUser(c); u != nil {
		return "user:" + u.ID
	}
	return "anonymous:" + clientKey(c.ClientIP())
}
