package emulator

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Prefix is where the API lives on the server.
const Prefix = "/api/agents/v1"

// OutboxPath is where the outbox is served (outside Prefix).
const OutboxPath = "/_emulator/outbox"

// maxBodyBytes caps a request body; a larger one is a 422.
const maxBodyBytes = 1 << 20

// Server is the emulated control plane. Set the knobs before serving; the
// zero value of each knob means "off". Use New to create one.
type Server struct {
	// Variants choose how the emulator answers where the public docs leave
	// the API open (see Variants); the zero value is API.md's reading.
	Variants
	// Latency is added to every /api request before it is handled; 0 means
	// none.
	Latency time.Duration
	// LatencyJitter adds a uniform extra in [0, LatencyJitter] to each
	// request's Latency, drawn from a generator seeded by Faults.Seed (a
	// fixed default without Faults), so that answers overtake each other;
	// 0 means none.
	LatencyJitter time.Duration
	// Faults injects errors and dropped responses; nil means none.
	Faults *Faults
	// RateLimit is the requests per second allowed per token (a token
	// bucket holding at most max(1, RateLimit) requests); 0 means no limit.
	// Past it the server answers 429 rate_limited with Retry-After.
	RateLimit float64 // see also Variants.WindowLimit
	// DefaultPageSize is per_page when a request gives none; 0 means 50.
	DefaultPageSize int
	// StatePath, when set, is where the state is saved atomically (a temp
	// file renamed over it) after every mutating request; "" means memory
	// only. Seeding from Go does not save: call Save after it. See Load for
	// reading it at start.
	StatePath string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// IgnoreIdempotency plays a server that ignores the Idempotency-Key
	// header (the public docs promise replays for billing calls only):
	// a repeated key is neither replayed nor refused, every request is
	// handled afresh, and nothing is remembered. false means API.md's
	// reading: a repeated key replays the first answer (or is refused
	// with 409 when the request differs).
	IgnoreIdempotency bool

	// wait sleeps for d and reports whether it did, or returns false as
	// soon as ctx is done; nil means sleepCtx. Tests replace it so that
	// Latency can be checked without measuring wall time.
	wait func(ctx context.Context, d time.Duration) bool

	once sync.Once
	// mu guards everything below: the state, the logs, the limiter and the
	// fault counters. Handlers are quick, so one lock keeps it simple and
	// linearizable.
	mu      sync.Mutex
	st      *state
	reqs    []Request
	unknown []string
	reqSeq  uint64
	limiter map[string]*bucket
	windows map[string]*fixedWindow
	faults  faultState
}

// New returns an emulator with empty state.
func New() *Server {
	s := &Server{}
	s.init()
	return s
}

// init makes a zero Server usable too.
func (s *Server) init() {
	s.once.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.st == nil {
			s.st = newState()
		}
		s.limiter = map[string]*bucket{}
		s.windows = map[string]*fixedWindow{}
	})
}

// now is the server's clock, in UTC and truncated to whole seconds (the
// precision of the API's timestamps, so Snapshot and responses agree).
func (s *Server) now() time.Time {
	t := time.Now()
	if s.Now != nil {
		t = s.Now()
	}
	return t.UTC().Truncate(time.Second)
}

// ServeHTTP serves the API under Prefix and the outbox at OutboxPath. Any
// other path is an unknown route: a 404 naming it, recorded for
// UnknownRoutes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.init()
	path := r.URL.EscapedPath()
	switch {
	case path == OutboxPath && r.Method == http.MethodGet:
		s.serveOutbox(w)
	case path == Prefix || strings.HasPrefix(path, Prefix+"/"):
		s.serveAPI(w, r)
	default:
		s.mu.Lock()
		route := r.Method + " " + path
		s.unknown = append(s.unknown, route)
		id := s.nextRequestID()
		s.mu.Unlock()
		resp := errorResponse(id, errUnknownRoute(route))
		resp.write(w)
	}
}

// serveAPI runs one /api request through latency, rate limiting, faults,
// routing, authentication, scopes, idempotency, the handler, persistence
// and finally drops, then logs it.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if d := s.latency(); d > 0 {
		wait := s.wait
		if wait == nil {
			wait = sleepCtx
		}
		if !wait(r.Context(), d) {
			return
		}
	}
	rel := strings.TrimPrefix(r.URL.EscapedPath(), Prefix)
	if rel == "" {
		rel = "/"
	}
	logPath := rel
	if r.URL.RawQuery != "" {
		logPath += "?" + r.URL.RawQuery
	}
	var body []byte
	var readErr error
	if r.Body != nil { // a server's requests always have one; direct calls may not
		body, readErr = io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	}

	s.mu.Lock()
	c := &call{
		s:       s,
		r:       r,
		rel:     rel,
		body:    body,
		now:     s.now(),
		id:      s.nextRequestID(),
		idemKey: strings.TrimSpace(r.Header.Get("Idempotency-Key")),
	}
	s.st.sanctum = s.SanctumTokens
	resp, drop := s.handle(c, readErr)
	resp = s.reshape(c, resp)
	resp.date = s.clock()
	s.reqs = append(s.reqs, Request{
		Method:         r.Method,
		Path:           logPath,
		Status:         resp.status,
		IdempotencyKey: c.idemKey,
		Replayed:       resp.replayed,
		Dropped:        drop,
	})
	s.mu.Unlock()

	if drop {
		dropConnection(w)
		return
	}
	resp.write(w)
}

// handle produces the response of one /api request; s.mu is held. drop
// reports that the response must be dropped (the change is committed).
func (s *Server) handle(c *call, readErr error) (resp *response, drop bool) {
	if err := s.Variants.Check(); err != nil {
		return errorResponse(c.id, &apiError{status: 500, Code: "server_error", Message: err.Error()}), false
	}
	if err := s.Faults.Check(); err != nil {
		return errorResponse(c.id, &apiError{status: 500, Code: "server_error", Message: err.Error()}), false
	}
	headers, limited := s.rateLimit(c)
	defer func() { resp.addHeaders(headers) }()
	if limited != nil {
		return limited, false
	}
	if resp := s.injectFault(c); resp != nil {
		return resp, false
	}
	rt, params := matchRoute(c.r.Method, c.rel)
	if rt == nil {
		route := c.r.Method + " " + c.rel
		s.unknown = append(s.unknown, route)
		return errorResponse(c.id, errUnknownRoute(route)), false
	}
	c.params = params
	if readErr != nil {
		return errorResponse(c.id, validation("body", "could not be read: "+readErr.Error())), false
	}
	if len(c.body) > maxBodyBytes {
		return errorResponse(c.id, validation("body", fmt.Sprintf("is larger than %d bytes", maxBodyBytes))), false
	}
	if rt.auth != authNone {
		if e := s.authenticate(c); e != nil {
			return errorResponse(c.id, e), false
		}
		if rt.scope != "" && !hasScope(c.tok.Scopes, rt.scope) {
			return errorResponse(c.id, errScope(rt.scope)), false
		}
	}
	mutation := isMutation(c.r.Method)
	idempotent := mutation && c.idemKey != "" && !s.IgnoreIdempotency
	if idempotent {
		if resp := s.replay(c); resp != nil {
			return resp, false
		}
	}
	rep := rt.h(c)
	resp = rep.response(c.id)
	if idempotent && resp.status < 500 {
		s.remember(c, resp)
	}
	if c.dirty && s.StatePath != "" {
		if err := s.saveLocked(); err != nil {
			return errorResponse(c.id, &apiError{status: 500, Code: "server_error",
				Message: fmt.Sprintf("the change was made but saving the emulator state to %q failed: %v", s.StatePath, err)}), false
		}
	}
	if mutation && s.shouldDrop(c) {
		return resp, true
	}
	return resp, false
}

// nextRequestID returns a fresh request id; s.mu is held.
func (s *Server) nextRequestID() string {
	s.reqSeq++
	return fmt.Sprintf("req_%06d", s.reqSeq)
}

// isMutation reports whether method changes state (and so accepts an
// Idempotency-Key).
func isMutation(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// dropConnection closes the client's connection without a response, as a
// network failure after the server committed a change would.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	// Without hijacking (HTTP/2), aborting the handler resets the stream.
	panic(http.ErrAbortHandler)
}

// response is a complete answer, buffered so that it can be remembered for
// idempotent replays or dropped.
type response struct {
	status   int
	header   http.Header
	body     []byte
	replayed bool
	// date is the Date header, from the server's clock (net/http would
	// send the wall clock's, which a test's simulated clock is not).
	date time.Time
}

// addHeaders sets h on the response (without replacing what it has).
func (r *response) addHeaders(h http.Header) {
	if r.header == nil {
		r.header = http.Header{}
	}
	for k, v := range h {
		if _, ok := r.header[k]; !ok {
			r.header[k] = v
		}
	}
}

// write sends the response.
func (r *response) write(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if !r.date.IsZero() {
		w.Header().Set("Date", r.date.UTC().Format(http.TimeFormat))
	}
	w.WriteHeader(r.status)
	io.Copy(w, bytes.NewReader(r.body))
}

// sleepCtx waits for d, or until ctx is done (then it reports false): the
// Latency wait of a request whose client may give up.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
