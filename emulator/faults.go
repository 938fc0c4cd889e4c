package emulator

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
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
	// KeyAnswer degrades the answer of POST /api-keys: the key IS created
	// (its whole secret stored), but the answer's key field is "masked"
	// (as lists show it, "ml-…9f2c"), "empty" (""), or "missing" (no key
	// member at all); "" means whole, as API.md says. It ignores Routes.
	// The answer is stored for idempotent replays as sent, so a replay of
	// a degraded answer is degraded too (as a server's would be).
	KeyAnswer string
	// KeyAnswerFirst limits KeyAnswer to the first N creates; 0 means
	// every create.
	KeyAnswerFirst int
	// Seed seeds the random choices (Rate, DropRate and the server's
	// LatencyJitter); 0 means a fixed default, so runs repeat.
	Seed int64
}

// The values of Faults.KeyAnswer.
const (
	KeyAnswerMasked  = "masked"
	KeyAnswerEmpty   = "empty"
	KeyAnswerMissing = "missing"
)

// KeyAnswers are the values of Faults.KeyAnswer that degrade an answer
// (the zero value "" answers whole).
var KeyAnswers = []string{KeyAnswerMasked, KeyAnswerEmpty, KeyAnswerMissing}

// Check reports a Faults value the emulator cannot play: an unknown
// KeyAnswer or a negative count or rate. A server whose Faults fail Check
// answers every request 500 naming the problem.
func (f *Faults) Check() error {
	if f == nil {
		return nil
	}
	if f.KeyAnswer != "" && !slices.Contains(KeyAnswers, f.KeyAnswer) {
		return fmt.Errorf("emulator: Faults.KeyAnswer %q is none of %q", f.KeyAnswer, KeyAnswers)
	}
	if f.FailFirst < 0 || f.DropFirst < 0 || f.KeyAnswerFirst < 0 {
		return fmt.Errorf("emulator: Faults counts must not be negative (FailFirst %d, DropFirst %d, KeyAnswerFirst %d)", f.FailFirst, f.DropFirst, f.KeyAnswerFirst)
	}
	if f.Rate < 0 || f.Rate > 1 || f.DropRate < 0 || f.DropRate > 1 {
		return fmt.Errorf("emulator: Faults rates must be in [0,1] (Rate %v, DropRate %v)", f.Rate, f.DropRate)
	}
	return nil
}

// faultState is what the faults have done so far.
type faultState struct {
	rng      *rand.Rand
	failed   int // FailFirst failures injected
	injected int // all failures injected (picks the status in turn)
	dropped  int // DropFirst drops done
	// keyAnswers is how many create answers KeyAnswer degraded.
	keyAnswers int
	// jitter draws LatencyJitter, apart from rng so that the latency of
	// a request does not shift which requests fail or drop.
	jitter *rand.Rand
}

// faultSeed is Faults.Seed, or the fixed default.
func (s *Server) faultSeed() uint64 {
	var seed uint64
	if s.Faults != nil {
		seed = uint64(s.Faults.Seed)
	}
	if seed == 0 {
		seed = 0x6d6c616263746c // "mlabctl"
	}
	return seed
}

// random returns a uniform number in [0,1) from the seeded generator.
func (s *Server) random() float64 {
	if s.faults.rng == nil {
		seed := s.faultSeed()
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

// latency is how long a request waits before it is handled: Latency plus
// a uniform draw in [0, LatencyJitter] from the seeded generator.
func (s *Server) latency() time.Duration {
	d := s.Latency
	if s.LatencyJitter > 0 {
		s.mu.Lock()
		if s.faults.jitter == nil {
			seed := s.faultSeed()
			s.faults.jitter = rand.New(rand.NewPCG(seed^0x6a6974746572, seed))
		}
		d += time.Duration(s.faults.jitter.Int64N(int64(s.LatencyJitter) + 1))
		s.mu.Unlock()
	}
	return d
}

// keyAnswer is the answer to a created key: whole, or degraded as
// Faults.KeyAnswer says. s.mu is held.
func (s *Server) keyAnswer(k *apiKey) any {
	w := keyOf(k, true)
	f := s.Faults
	if f == nil || f.KeyAnswer == "" || (f.KeyAnswerFirst > 0 && s.faults.keyAnswers >= f.KeyAnswerFirst) {
		return w
	}
	s.faults.keyAnswers++
	switch f.KeyAnswer {
	case KeyAnswerMasked:
		w.Key = maskKey(k.Secret)
	case KeyAnswerEmpty:
		w.Key = ""
	case KeyAnswerMissing:
		return wireKeyWithoutSecret{ID: w.ID, Name: w.Name, Notes: w.Notes, CreatedAt: w.CreatedAt, LastUsedAt: w.LastUsedAt}
	}
	return w
}

// wireKeyWithoutSecret is an API key answer without its key member.
type wireKeyWithoutSecret struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Notes      string  `json:"notes"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
}
