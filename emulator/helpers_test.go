package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fixedNow is the clock of the tests.
var fixedNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// testClock is a clock tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// advance moves the clock forward.
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is an emulator served by httptest, seeded with the demo account.
type env struct {
	t     testing.TB
	srv   *Server
	url   string
	demo  Demo
	clock *testClock
	// allowUnknown is set by tests that call unknown routes on purpose.
	allowUnknown bool
}

// newEnv starts a seeded emulator; configure knobs in setup (before
// serving). The test fails if any request hit an unknown route, unless it
// says otherwise with allowUnknown.
func newEnv(t testing.TB, setup func(*Server)) *env {
	t.Helper()
	s := New()
	clock := &testClock{now: fixedNow}
	s.Now = clock.Now
	if setup != nil {
		setup(s)
	}
	demo := s.SeedDemo()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	e := &env{t: t, srv: s, url: ts.URL, demo: demo, clock: clock}
	t.Cleanup(func() {
		if u := s.UnknownRoutes(); len(u) > 0 && !e.allowUnknown {
			t.Errorf("requests to unknown routes: %q", u)
		}
	})
	return e
}

// result is a decoded answer.
type result struct {
	Status int
	Header http.Header
	Raw    []byte
	Env    struct {
		Data  json.RawMessage `json:"data"`
		Error *struct {
			Code    string         `json:"code"`
			Message string         `json:"message"`
			Details map[string]any `json:"details"`
		} `json:"error"`
		Meta struct {
			RequestID  string      `json:"request_id"`
			Pagination *pagination `json:"pagination"`
		} `json:"meta"`
	}
}

// code is the error code ("" on success).
func (r *result) code() string {
	if r.Env.Error == nil {
		return ""
	}
	return r.Env.Error.Code
}

// data decodes the data into v.
func (r *result) data(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Env.Data, v); err != nil {
		t.Fatalf("decoding data %s: %v", r.Env.Data, err)
	}
}

// opt is an extra of a request.
type opt func(*http.Request)

func idem(key string) opt { return func(r *http.Request) { r.Header.Set("Idempotency-Key", key) } }

// do sends a request to path (relative to Prefix) with token (none if "")
// and body (marshalled unless it is a string or nil).
func (e *env) do(method, path, tok string, body any, opts ...opt) *result {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.url+Prefix+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	r := &result{Status: resp.StatusCode, Header: resp.Header}
	r.Raw, err = io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := json.Unmarshal(r.Raw, &r.Env); err != nil {
		e.t.Fatalf("%s %s: body is not the envelope: %v\n%s", method, path, err, r.Raw)
	}
	return r
}

// must sends a request and fails the test unless it answers want.
func (e *env) must(want int, method, path, tok string, body any, opts ...opt) *result {
	e.t.Helper()
	r := e.do(method, path, tok, body, opts...)
	if r.Status != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.Status, want, r.Raw)
	}
	return r
}

// snapshot returns the demo account's state.
func (e *env) snapshot() Account {
	e.t.Helper()
	a, ok := e.srv.Snapshot(e.demo.Username)
	if !ok {
		e.t.Fatal("demo account missing")
	}
	return a
}

// newTestServer serves s for the test and returns its URL.
func newTestServer(t testing.TB, s *Server) string {
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL
}
