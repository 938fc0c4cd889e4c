// Package emulatortest serves an emulator for one test: a fresh
// emulator.Server seeded with the demo account (DEMO.md) behind an
// httptest server that closes when the test ends, and the few questions
// tests ask of it afterwards.
//
// It must not hold package-level state: every test gets its own server, so
// tests using it can run in parallel.
package emulatortest

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
)

// Server is an emulator served on loopback for one test.
type Server struct {
	*emulator.Server
	// URL is the site root to give a client ("http://127.0.0.1:PORT").
	URL string
	// Demo is the seeded demo account, with its full-scope token.
	Demo emulator.Demo
}

// Start serves a fresh emulator seeded with the demo account until the
// test ends. Each configure sets knobs (faults, latency) before the server
// serves: the emulator's knobs must not change while it serves.
func Start(t testing.TB, configure ...func(*emulator.Server)) *Server {
	t.Helper()
	return StartVariants(t, emulator.Variants{}, configure...)
}

// StartVariants is Start with the emulator playing the reading v of the
// API (emulator.Variants), set before the demo account is seeded: some
// variants (SanctumTokens) shape the demo's own token. A v that names no
// variant fails the test.
func StartVariants(t testing.TB, v emulator.Variants, configure ...func(*emulator.Server)) *Server {
	t.Helper()
	return start(t, v, nil, configure)
}

// StartAt is Start on clock: the demo account is seeded at its time (keys
// 10 to 300 days old, as DEMO.md says, counted from it) and the emulator
// reads it for everything after, so that a test moves the account through
// days by advancing the clock, and gives mlabctl the same time.
func StartAt(t testing.TB, clock *Clock, configure ...func(*emulator.Server)) *Server {
	t.Helper()
	return start(t, emulator.Variants{}, clock.Now, configure)
}

// start serves the emulator of v on the clock now (nil: the real one).
func start(t testing.TB, v emulator.Variants, now func() time.Time, configure []func(*emulator.Server)) *Server {
	t.Helper()
	if err := v.Check(); err != nil {
		t.Fatal(err)
	}
	srv := emulator.New()
	srv.Now = now
	srv.Variants = v
	demo := srv.SeedDemo()
	for _, c := range configure {
		c(srv)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &Server{Server: srv, URL: ts.URL, Demo: demo}
}

// Count returns how many requests route ("METHOD /path", the path as the
// emulator logs it, with its query) the emulator served.
func (s *Server) Count(route string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method+" "+r.Path == route {
			n++
		}
	}
	return n
}

// Tokens returns the live access tokens of the account username, failing
// the test if there is no such account.
func (s *Server) Tokens(t testing.TB, username string) []emulator.Token {
	t.Helper()
	acct, ok := s.Snapshot(username)
	if !ok {
		t.Fatalf("no account %q in the emulator", username)
	}
	return acct.Tokens
}

// TokenScopes returns "name scope,scope" of the account's live access
// tokens, sorted: which tokens exist, and what each may do.
func (s *Server) TokenScopes(t testing.TB, username string) []string {
	t.Helper()
	var out []string
	for _, tok := range s.Tokens(t, username) {
		out = append(out, tok.Name+" "+strings.Join(tok.Scopes, ","))
	}
	slices.Sort(out)
	return out
}

// TokenNames returns the names of the account's live access tokens, sorted.
func (s *Server) TokenNames(t testing.TB, username string) []string {
	t.Helper()
	var names []string
	for _, tok := range s.Tokens(t, username) {
		names = append(names, tok.Name)
	}
	slices.Sort(names)
	return names
}

// Routes renders the request log as "METHOD /path" with the query left
// out, in the order served.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.Requests() {
		path, _, _ := strings.Cut(r.Path, "?")
		out = append(out, r.Method+" "+path)
	}
	return out
}

// Mutations returns the logged requests that change something (all but
// GET), as "METHOD /path?query".
func (s *Server) Mutations() []string {
	var out []string
	for _, r := range s.Requests() {
		if r.Method != "GET" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// KeysNamed returns the live API keys of the account username named name,
// in the emulator's order.
func (s *Server) KeysNamed(username, name string) []emulator.Key {
	acct, _ := s.Snapshot(username)
	var keys []emulator.Key
	for _, k := range acct.APIKeys {
		if k.Name == name {
			keys = append(keys, k)
		}
	}
	return keys
}
