package remote

import (
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
)

// emu is an emulator served through httptest with the demo account seeded,
// and a client for it authenticated as the demo user.
type emu struct {
	srv  *emulator.Server
	ts   *httptest.Server
	demo emulator.Demo
	c    *Client
	// v are the variants the emulator plays.
	v emulator.Variants
}

// startEmu starts an emulator playing API.md's main reading; set knobs on
// e.srv before the first call. The test fails if the client called a
// route the API does not have.
func startEmu(t testing.TB) *emu { return startEmuWith(t, emulator.Variants{}) }

// forEachVariant runs test against an emulator playing each reading of
// emulator.Matrix, in parallel subtests named after it: every knob of
// the emulator is an axis of the client's test matrix.
func forEachVariant(t *testing.T, test func(t *testing.T, e *emu)) {
	for _, nv := range emulator.Matrix() {
		t.Run(nv.Name, func(t *testing.T) {
			t.Parallel()
			test(t, startEmuWith(t, nv.Variants))
		})
	}
}

// forEachVariantOnly runs test for each reading of emulator.Matrix, in
// parallel subtests, for tests that start their own emulators.
func forEachVariantOnly(t *testing.T, test func(t *testing.T, v emulator.Variants)) {
	for _, nv := range emulator.Matrix() {
		t.Run(nv.Name, func(t *testing.T) {
			t.Parallel()
			test(t, nv.Variants)
		})
	}
}

// startEmuWith starts an emulator playing v (set before seeding, so that
// the demo token has the variant's form).
func startEmuWith(t testing.TB, v emulator.Variants) *emu {
	t.Helper()
	srv := emulator.New()
	srv.Variants = v
	demo := srv.SeedDemo()
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		if u := srv.UnknownRoutes(); len(u) > 0 {
			t.Errorf("the client called routes the API does not have: %q", u)
		}
	})
	c := fastClient(t, ts.URL, func(o *Options) { o.Token = Secret(demo.Token) })
	return &emu{srv: srv, ts: ts, demo: demo, c: c, v: v}
}

// snapshot returns the demo account's state.
func (e *emu) snapshot(t testing.TB) emulator.Account {
	t.Helper()
	a, ok := e.srv.Snapshot(e.demo.Username)
	if !ok {
		t.Fatalf("no account %q in the emulator", e.demo.Username)
	}
	return a
}

// client returns a client of the emulator authenticated with tok.
func (e *emu) client(t testing.TB, tok string, mod func(*Options)) *Client {
	t.Helper()
	return fastClient(t, e.ts.URL, func(o *Options) {
		o.Token = Secret(tok)
		if mod != nil {
			mod(o)
		}
	})
}

// token issues a token of the demo user with the given scopes.
func (e *emu) token(name string, scopes ...string) string {
	return e.srv.IssueToken(e.demo.Username, name, scopes, time.Hour)
}

// routes returns "METHOD /path" of the logged requests.
func (e *emu) routes() []string {
	var out []string
	for _, r := range e.srv.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// lastMail returns the code of the last mail of kind to addr.
func (e *emu) lastMail(t testing.TB, to, kind string) string {
	t.Helper()
	box := e.srv.Outbox()
	for _, m := range slices.Backward(box) {
		if m.To == to && m.Kind == kind {
			return m.Code
		}
	}
	t.Fatalf("no %s mail to %s in the outbox %v", kind, to, box)
	return ""
}
