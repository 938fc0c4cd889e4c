package remote

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// fastClient returns a client for baseURL whose backoff is shortened so that
// retry tests run in milliseconds.
func fastClient(t testing.TB, baseURL string, mod func(*Options)) *Client {
	t.Helper()
	// A 429 that says nothing holds calls back for RateLimitWindow, a
	// minute by default; a test waits 10 ms. MaxWait bounds what a test
	// can spend waiting out rate limits.
	opts := Options{BaseURL: baseURL, Token: "tok-test-secret-123456", MaxAttempts: 4, MaxRetryWait: 5 * time.Second,
		RateLimitWindow: 10 * time.Millisecond, MaxWait: 5 * time.Second}
	if mod != nil {
		mod(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.retryBase = time.Millisecond
	c.retryCap = 5 * time.Millisecond
	return c
}

// canned serves fixed answers in turn (the last one repeats) and counts
// the requests it saw.
type canned struct {
	answers []answer
	n       atomic.Int64
	// last records the last request's headers.
	last atomic.Pointer[http.Request]
}

// answer is one canned response.
type answer struct {
	status int
	header map[string]string
	body   string
}

func (h *canned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(h.n.Add(1)) - 1
	h.last.Store(r)
	if i >= len(h.answers) {
		i = len(h.answers) - 1
	}
	a := h.answers[i]
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	if a.status == 0 {
		a.status = http.StatusOK
	}
	w.WriteHeader(a.status)
	_, _ = w.Write([]byte(a.body))
}

// serveFlaky starts a server that answers okProfile, except that the
// requests for which bad(n) is true (n counts them from 1) are handed to
// misbehave instead (to drop the connection, or to stall). It returns the
// request counter, which a test may reset, and the server.
func serveFlaky(t testing.TB, bad func(n int64) bool, misbehave http.HandlerFunc) (*atomic.Int64, *httptest.Server) {
	t.Helper()
	n := &atomic.Int64{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bad(n.Add(1)) {
			misbehave(w, r)
			return
		}
		_, _ = w.Write([]byte(okProfile))
	}))
	t.Cleanup(ts.Close)
	return n, ts
}

// serveCanned starts a server answering answers in turn.
func serveCanned(t testing.TB, answers ...answer) (*canned, *httptest.Server) {
	t.Helper()
	h := &canned{answers: answers}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return h, ts
}
