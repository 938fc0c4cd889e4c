package emulator

import (
	"math"
	"net"
	"net/http"
	"strconv"
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
// past the budget, the 429 to answer. s.mu is held.
func (s *Server) rateLimit(c *call) (http.Header, *response) {
	h := http.Header{}
	now := s.clock()
	if s.RateLimit <= 0 {
		h.Set("X-RateLimit-Limit", strconv.Itoa(nominalLimit))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(nominalLimit))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Unix(), 10))
		return h, nil
	}
	rate := s.RateLimit
	capacity := math.Max(1, rate)
	key := c.r.Header.Get("Authorization")
	if key == "" {
		host, _, err := net.SplitHostPort(c.r.RemoteAddr)
		if err != nil {
			host = c.r.RemoteAddr
		}
		key = "addr:" + host
	}
	b := s.limiter[key]
	if b == nil {
		b = &bucket{tokens: capacity, last: now}
		s.limiter[key] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(capacity, b.tokens+elapsed*rate)
	}
	b.last = now
	allowed := b.tokens >= 1
	if allowed {
		b.tokens--
	}
	full := now.Add(time.Duration((capacity - b.tokens) / rate * float64(time.Second)))
	h.Set("X-RateLimit-Limit", strconv.Itoa(int(math.Ceil(capacity))))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(int(math.Floor(b.tokens))))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(int64(math.Ceil(float64(full.UnixNano())/1e9)), 10))
	if allowed {
		return h, nil
	}
	wait := int(math.Ceil((1 - b.tokens) / rate))
	if wait < 1 {
		wait = 1
	}
	e := &apiError{
		status: http.StatusTooManyRequests, Code: "rate_limited",
		Message: "too many requests: the limit is " + strconv.FormatFloat(rate, 'g', -1, 64) + " per second; retry after " + strconv.Itoa(wait) + "s",
		header:  http.Header{"Retry-After": {strconv.Itoa(wait)}},
	}
	return h, errorResponse(c.id, e)
}
