package emulator

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// nominalLimit is what X-RateLimit-Limit advertises when RateLimit is off:
// the headers are on every response, as with the real API, but nothing is
// enforced.
const nominalLimit = 1000

// bucket is a token bucket of one caller.
type bucket struct {
	tokens float64
	last   time.Time
}

// clock is the unrounded clock (rate limiting needs sub-second precision).
func (s *Server) clock() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// rateLimit spends one request of the caller's budget (per token, or per
// client address without one) and returns the X-RateLimit-* headers and,
// past the budget, the 429 to answer. The fixed window (WindowLimit) wins
// over the token bucket (RateLimit). s.mu is held.
func (s *Server) rateLimit(c *call) (http.Header, *response) {
	now := s.clock()
	key := c.r.Header.Get("Authorization")
	if key == "" {
		host, _, err := net.SplitHostPort(c.r.RemoteAddr)
		if err != nil {
			host = c.r.RemoteAddr
		}
		key = "addr:" + host
	}
	var limit, remaining int
	var reset time.Time
	var wait time.Duration
	var what string
	allowed := true
	switch {
	case s.WindowLimit > 0:
		limit = s.WindowLimit
		if s.AuthWindowLimit > 0 && isAuthRoute(c.rel) {
			limit, key = s.AuthWindowLimit, "auth:"+key
		}
		window := s.Window
		if window <= 0 {
			window = time.Minute
		}
		w := s.windows[key]
		if w == nil || !now.Before(w.start.Add(window)) {
			w = &fixedWindow{start: now}
			s.windows[key] = w
		}
		reset = w.start.Add(window)
		if w.used < limit {
			w.used++
		} else {
			allowed = false
		}
		remaining = limit - w.used
		wait = reset.Sub(now)
		what = fmt.Sprintf("%d per %v", limit, window)
	case s.RateLimit > 0:
		rate := s.RateLimit
		capacity := math.Max(1, rate)
		b := s.limiter[key]
		if b == nil {
			b = &bucket{tokens: capacity, last: now}
			s.limiter[key] = b
		}
		if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
			b.tokens = math.Min(capacity, b.tokens+elapsed*rate)
		}
		b.last = now
		if b.tokens >= 1 {
			b.tokens--
		} else {
			allowed = false
		}
		limit, remaining = int(math.Ceil(capacity)), int(math.Floor(b.tokens))
		reset = now.Add(time.Duration((capacity - b.tokens) / rate * float64(time.Second)))
		wait = time.Duration((1 - b.tokens) / rate * float64(time.Second))
		what = strconv.FormatFloat(rate, 'g', -1, 64) + " per second"
	default:
		limit, remaining, reset = nominalLimit, nominalLimit, now
	}
	h := http.Header{}
	if !s.OmitRateLimitHeaders {
		if !s.OmitRateLimitLimit {
			h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
		}
		h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(int64(math.Ceil(float64(reset.UnixNano())/1e9)), 10))
	}
	if allowed {
		return h, nil
	}
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	e := &apiError{
		status: http.StatusTooManyRequests, Code: "rate_limited",
		Message: "too many requests: the limit is " + what + "; retry after " + strconv.Itoa(secs) + "s",
	}
	if !s.OmitRetryAfter {
		e.header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
	}
	return h, errorResponse(c.id, e)
}

// fixedWindow is one caller's count in the current window, which starts
// with the first request after the last one ended (as Laravel's throttle
// counts).
type fixedWindow struct {
	start time.Time
	used  int
}

// isAuthRoute reports whether a path counts toward the auth limit: the
// /auth endpoints but the token list, as the public docs group them.
func isAuthRoute(rel string) bool {
	return strings.HasPrefix(rel, "/auth/") && !strings.HasPrefix(rel, "/auth/tokens")
}
