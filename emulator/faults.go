package emulator

import (
	"math/rand/v2"
	"net/http"
	"strings"
)

// Faults injects failures into /api requests.
type Faults struct {
	// Rate is the probability in [0,1] that a matching request fails with one
	// of Statuses before it is handled (nothing changes); 0 means never.
	Rate float64
	// Statuses to fail with, used in turn; nil means 503. 429 answers carry
	// Retry-After.
	Statuses []int
	// Routes restricts faults and drops to requests whose "METHOD /path"
	// (path relative to Prefix, without the query, e.g. "POST /api-keys")
	// starts with one of these; nil means every request.
	Routes []string
	// FailFirst makes the first N matching requests fail (deterministic);
	// 0 means none.
	FailFirst int
	// DropRate is the probability that a matching mutation's response is
	// dropped: the change IS committed, then the connection is closed
	// without a response. 0 means never.
	DropRate float64
	// DropFirst drops the responses of the first N matching mutations; 0
	// means none.
	DropFirst int
	// Seed seeds the random choices; 0 means a fixed default, so runs repeat.
	Seed int64
}

// faultState is what the faults have done so far.
type faultState struct {
	rng      *rand.Rand
	failed   int // FailFirst failures injected
	injected int // all failures injected (picks the status in turn)
	dropped  int // DropFirst drops done
}

// random returns a uniform number in [0,1) from the seeded generator.
func (s *Server) random() float64 {
	if s.faults.rng == nil {
		seed := uint64(s.Faults.Seed)
		if seed == 0 {
			seed = 0x6d6c616263746c // "mlabctl"
		}
		s.faults.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	}
	return s.faults.rng.Float64()
}

// faultMatches reports whether the faults apply to the request.
func (s *Server) faultMatches(c *call) bool {
	if len(s.Faults.Routes) == 0 {
		return true
	}
	route := c.r.Method + " " + c.rel
	for _, p := range s.Faults.Routes {
		if strings.HasPrefix(route, p) {
			return true
		}
	}
	return false
}

// injectFault returns an injected failure for the request, or nil. s.mu is
// held.
func (s *Server) injectFault(c *call) *response {
	f := s.Faults
	if f == nil || (f.FailFirst == 0 && f.Rate <= 0) || !s.faultMatches(c) {
		return nil
	}
	switch {
	case s.faults.failed < f.FailFirst:
		s.faults.failed++
	case f.Rate > 0 && s.random() < f.Rate:
	default:
		return nil
	}
	status := http.StatusServiceUnavailable
	if len(f.Statuses) > 0 {
		status = f.Statuses[s.faults.injected%len(f.Statuses)]
	}
	s.faults.injected++
	e := &apiError{status: status, Code: faultCode(status), Message: "injected fault: the emulator failed this request on purpose (" + http.StatusText(status) + ")"}
	if status == http.StatusTooManyRequests {
		e.header = http.Header{"Retry-After": {"1"}}
	}
	return errorResponse(c.id, e)
}

// faultCode is the error code API.md gives a status.
func faultCode(status int) string {
	switch {
	case status == 401:
		return "unauthenticated"
	case status == 403:
		return "insufficient_scope"
	case status == 404:
		return "not_found"
	case status == 409:
		return "conflict"
	case status == 422:
		return "validation_error"
	case status == 429:
		return "rate_limited"
	}
	return "server_error"
}

// shouldDrop decides whether a handled mutation's response is dropped.
// s.mu is held.
func (s *Server) shouldDrop(c *call) bool {
	f := s.Faults
	if f == nil || (f.DropFirst == 0 && f.DropRate <= 0) || !s.faultMatches(c) {
		return false
	}
	if s.faults.dropped < f.DropFirst {
		s.faults.dropped++
		return true
	}
	return f.DropRate > 0 && s.random() < f.DropRate
}
