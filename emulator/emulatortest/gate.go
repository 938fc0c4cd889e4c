package emulatortest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Gate serves an emulator behind a gate that holds the requests a test
// chooses until it lets them go, so that a test decides what is in flight
// when it acts (a second apply, a signal, kill -9) instead of racing the
// server's latency. The requests are held before the emulator sees them:
// a held create has not happened until Release.
type Gate struct {
	// URL is the site root to give a client in place of the emulator's.
	URL string

	mu       sync.Mutex
	hold     func(r *http.Request) bool
	open     chan struct{}
	released bool
	waiting  int
}

// StartGate serves s behind a gate holding each request for which hold
// reports true (hold is called one request at a time, so it may count)
// until Release, which the end of the test calls too.
func StartGate(t testing.TB, s *Server, hold func(r *http.Request) bool) *Gate {
	t.Helper()
	g := &Gate{hold: hold, open: make(chan struct{})}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		held := !g.released && g.hold(r)
		if held {
			g.waiting++
		}
		g.mu.Unlock()
		if held {
			<-g.open
		}
		s.Server.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { g.Release(); ts.Close() })
	g.URL = ts.URL
	return g
}

// HoldRoute returns a hold for StartGate: the requests "METHOD …suffix"
// (the path's end, e.g. "/api-keys") after the first pass of them.
func HoldRoute(method, suffix string, pass int) func(r *http.Request) bool {
	return func(r *http.Request) bool {
		if r.Method != method || !strings.HasSuffix(r.URL.Path, suffix) {
			return false
		}
		if pass > 0 {
			pass--
			return false
		}
		return true
	}
}

// Release lets every held request go on, and every later one through.
func (g *Gate) Release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.released {
		g.released = true
		close(g.open)
	}
}

// Waiting is how many requests the gate has held so far.
func (g *Gate) Waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.waiting
}
