package emulator

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFailFirst(t *testing.T) {
	e := newEnv(t, func(s *Server) {
		s.Faults = &Faults{FailFirst: 3, Statuses: []int{503, 429, 500}, Routes: []string{"POST /api-keys"}}
	})
	var statuses []int
	for i := 0; i < 4; i++ {
		r := e.do("POST", "/api-keys", e.demo.Token, map[string]any{"name": "x"})
		statuses = append(statuses, r.Status)
		switch r.Status {
		case 429:
			if r.code() != "rate_limited" || r.Header.Get("Retry-After") != "1" {
				t.Errorf("injected 429: code %q Retry-After %q", r.code(), r.Header.Get("Retry-After"))
			}
		case 500, 503:
			if r.code() != "server_error" {
				t.Errorf("injected %d: code %q, want server_error", r.Status, r.code())
			}
		}
	}
	if diff := cmp.Diff([]int{503, 429, 500, 201}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	// Failed requests changed nothing; other routes were not touched.
	if n := len(e.snapshot().APIKeys); n != 5 {
		t.Errorf("%d keys, want 4 + 1", n)
	}
	e.must(200, "GET", "/api-keys", e.demo.Token, nil)
}

func TestFaultRateIsSeededAndRoughlyRight(t *testing.T) {
	run := func() []int {
		e := newEnv(t, func(s *Server) { s.Faults = &Faults{Rate: 0.3, Seed: 42} })
		var got []int
		for i := 0; i < 200; i++ {
			got = append(got, e.do("GET", "/me", e.demo.Token, nil).Status)
		}
		return got
	}
	a, b := run(), run()
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("the same seed gave different faults (-first +second):\n%s", diff)
	}
	failed := 0
	for _, s := range a {
		if s == 503 {
			failed++
		} else if s != 200 {
			t.Fatalf("status %d, want 200 or 503", s)
		}
	}
	// 30% of 200 is 60; a fair coin stays well within 30..90.
	if failed < 30 || failed > 90 {
		t.Errorf("%d of 200 requests failed at rate 0.3", failed)
	}
}

func TestDroppedResponsesCommitTheChange(t *testing.T) {
	e := newEnv(t, func(s *Server) { s.Faults = &Faults{DropFirst: 1, Routes: []string{"POST /api-keys"}} })
	body := []byte(`{"name":"dropped"}`)
	send := func() (*http.Response, error) {
		req, _ := http.NewRequest("POST", e.url+Prefix+"/api-keys", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.demo.Token)
		req.Header.Set("Idempotency-Key", "drop-1")
		// A fresh connection each time, so that the drop is not retried
		// by the transport.
		return (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	}
	if resp, err := send(); err == nil {
		resp.Body.Close()
		t.Fatalf("the response was not dropped: status %d", resp.StatusCode)
	}
	keys := e.snapshot().APIKeys
	if n := len(keys); n != 5 || keys[4].Name != "dropped" {
		t.Fatalf("the dropped request's change was not committed: %d keys", n)
	}
	// The retry with the same key replays instead of creating again.
	resp, err := send()
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 || resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry: status %d replayed %q, want 201 replayed", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"))
	}
	if n := len(e.snapshot().APIKeys); n != 5 {
		t.Errorf("%d keys after the retry, want 5", n)
	}
	reqs := e.srv.Requests()
	if len(reqs) != 2 || !reqs[0].Dropped || reqs[0].Status != 201 || reqs[1].Dropped || !reqs[1].Replayed {
		t.Errorf("request log %+v", reqs)
	}
}

func TestDropsOnlyMutations(t *testing.T) {
	e := newEnv(t, func(s *Server) { s.Faults = &Faults{DropRate: 1} })
	send := func(method, path, body string) (*http.Response, error) {
		req, _ := http.NewRequest(method, e.url+Prefix+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.demo.Token)
		// A fresh connection each time, so that a drop is not retried by
		// the transport.
		return (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	}
	// Reads are never dropped, however often they are sent.
	for i := 0; i < 3; i++ {
		for _, path := range []string{"/me", "/api-keys", "/teams"} {
			resp, err := send("GET", path, "")
			if err != nil {
				t.Fatalf("GET %s was dropped at DropRate 1: %v", path, err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("GET %s: status %d, want 200", path, resp.StatusCode)
			}
		}
	}
	// A mutation's response is dropped, after its change is committed.
	if resp, err := send("POST", "/api-keys", `{"name":"dropped"}`); err == nil {
		resp.Body.Close()
		t.Fatalf("POST /api-keys at DropRate 1 was answered: status %d", resp.StatusCode)
	}
	if keys := e.snapshot().APIKeys; len(keys) != 5 || keys[4].Name != "dropped" {
		t.Errorf("the dropped POST's key was not committed: %d keys", len(keys))
	}
	var dropped []string
	for _, r := range e.srv.Requests() {
		if r.Dropped {
			dropped = append(dropped, r.Method+" "+r.Path)
		}
	}
	if diff := cmp.Diff([]string{"POST /api-keys"}, dropped); diff != "" {
		t.Errorf("dropped requests (-want +got):\n%s", diff)
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(s *Server) { s.RateLimit = 2 })
	// The test clock stands still: the bucket of 2 does not refill.
	r := e.must(200, "GET", "/me", e.demo.Token, nil)
	if got := []string{r.Header.Get("X-RateLimit-Limit"), r.Header.Get("X-RateLimit-Remaining")}; !cmp.Equal(got, []string{"2", "1"}) {
		t.Errorf("limit, remaining = %q, want 2, 1", got)
	}
	reset, err := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil || reset < fixedNow.Unix() || reset > fixedNow.Unix()+2 {
		t.Errorf("X-RateLimit-Reset %q, want unix seconds within 2s of now", r.Header.Get("X-RateLimit-Reset"))
	}
	e.must(200, "GET", "/me", e.demo.Token, nil)
	before := e.snapshot()
	r = e.must(429, "POST", "/api-keys", e.demo.Token, map[string]any{"name": "x"})
	if r.code() != "rate_limited" || r.Header.Get("Retry-After") != "1" || r.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("429: code %q Retry-After %q remaining %q", r.code(), r.Header.Get("Retry-After"), r.Header.Get("X-RateLimit-Remaining"))
	}
	if diff := cmp.Diff(before, e.snapshot()); diff != "" {
		t.Errorf("a limited request changed the account (-before +after):\n%s", diff)
	}
	// Another token has its own budget; time refills it.
	other := e.srv.IssueToken(e.demo.Username, "other", []string{"*"}, 0)
	e.must(200, "GET", "/me", other, nil)
	e.clock.advance(time.Second)
	e.must(200, "GET", "/me", e.demo.Token, nil)
}

func TestSlowRateLimitRetryAfter(t *testing.T) {
	e := newEnv(t, func(s *Server) { s.RateLimit = 0.25 })
	e.must(200, "GET", "/me", e.demo.Token, nil)
	r := e.must(429, "GET", "/me", e.demo.Token, nil)
	if got := r.Header.Get("Retry-After"); got != "4" {
		t.Errorf("Retry-After %q at 0.25 requests per second, want 4", got)
	}
}

func TestRateLimitHeadersWithoutALimit(t *testing.T) {
	e := newEnv(t, nil)
	for _, r := range []*result{
		e.do("GET", "/me", e.demo.Token, nil),
		e.do("GET", "/me", "", nil),
		e.do("POST", "/auth/login", "", map[string]any{}),
	} {
		for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
			if r.Header.Get(h) == "" {
				t.Errorf("status %d answer lacks %s", r.Status, h)
			}
		}
	}
}

// TestLatency checks that the configured latency is waited for before each
// request is handled, through the server's wait hook, so that it does not
// depend on how fast the machine is.
func TestLatency(t *testing.T) {
	var waits []time.Duration
	e := newEnv(t, func(s *Server) {
		s.Latency = 30 * time.Millisecond
		s.wait = func(ctx context.Context, d time.Duration) bool {
			waits = append(waits, d)
			return true
		}
	})
	e.must(200, "GET", "/me", e.demo.Token, nil)
	e.must(201, "POST", "/api-keys", e.demo.Token, map[string]any{"name": "slow"})
	if diff := cmp.Diff([]time.Duration{30 * time.Millisecond, 30 * time.Millisecond}, waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if n := len(e.srv.Requests()); n != 2 {
		t.Errorf("%d requests logged, want 2", n)
	}
}

// TestLatencyCancelled checks that a request whose client gives up during
// the latency is not handled: nothing changes and nothing is logged.
func TestLatencyCancelled(t *testing.T) {
	e := newEnv(t, func(s *Server) {
		s.Latency = time.Hour
		s.wait = func(ctx context.Context, d time.Duration) bool { return false }
	})
	before := e.snapshot()
	req := httptest.NewRequest("POST", Prefix+"/api-keys", strings.NewReader(`{"name":"never"}`))
	req.Header.Set("Authorization", "Bearer "+e.demo.Token)
	e.srv.ServeHTTP(httptest.NewRecorder(), req)
	if diff := cmp.Diff(before, e.snapshot()); diff != "" {
		t.Errorf("a request cancelled during its latency changed the account (-before +after):\n%s", diff)
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests logged, want none", n)
	}
}

// TestDropsCommitEveryMutation: a dropped answer to an invite, a delete
// of a key or of a member, or a key update closes the connection without
// an answer after the change is committed, and is logged as dropped.
func TestDropsCommitEveryMutation(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, body string
		// committed reports whether the account shows the change.
		committed func(a Account) bool
	}{
		{"invite", "POST", "/teams", `{"email":"dropped@example.com","role":"member"}`, func(a Account) bool {
			return slices.ContainsFunc(a.Team, func(m Member) bool { return m.Email == "dropped@example.com" })
		}},
		{"delete key", "DELETE", "/api-keys/101", "", func(a Account) bool {
			return !slices.ContainsFunc(a.APIKeys, func(k Key) bool { return k.ID == 101 })
		}},
		{"update key", "PUT", "/api-keys/101", `{"notes":"changed"}`, func(a Account) bool {
			return slices.ContainsFunc(a.APIKeys, func(k Key) bool { return k.ID == 101 && k.Notes == "changed" })
		}},
		{"remove member", "DELETE", "/teams/", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			route := tc.method + " " + tc.path
			e := newEnv(t, func(s *Server) { s.Faults = &Faults{DropFirst: 1, Routes: []string{route}} })
			path, committed := tc.path, tc.committed
			if tc.name == "remove member" {
				// The demo team's last member.
				m := e.snapshot().Team[len(e.snapshot().Team)-1]
				path += strconv.FormatInt(m.ID, 10)
				committed = func(a Account) bool {
					return !slices.ContainsFunc(a.Team, func(x Member) bool { return x.ID == m.ID })
				}
			}
			if committed(e.snapshot()) {
				t.Fatalf("the account shows the change before the request")
			}
			req, _ := http.NewRequest(tc.method, e.url+Prefix+path, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+e.demo.Token)
			req.Header.Set("Idempotency-Key", "drop-"+tc.name)
			// A fresh connection, so that the transport does not resend it.
			resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("%s %s was answered (status %d), want the connection closed", tc.method, path, resp.StatusCode)
			}
			if !committed(e.snapshot()) {
				t.Errorf("%s %s: the dropped request's change was not committed", tc.method, path)
			}
			reqs := e.srv.Requests()
			if len(reqs) != 1 || !reqs[0].Dropped || reqs[0].Status >= 300 {
				t.Errorf("request log %+v, want one dropped success", reqs)
			}
			// DropFirst 1 drops only the first: a repeated delete is
			// answered, and is a 404 since the first one was committed.
			if tc.method == "DELETE" {
				if r := e.do(tc.method, path, e.demo.Token, nil); r.Status != 404 {
					t.Errorf("the repeated delete: status %d, want 404 (the first was committed)", r.Status)
				}
			}
		})
	}
}

// TestKeyAnswer: each degraded create answer still creates the key with a
// whole secret; only the answer's key member is masked, empty or absent,
// and KeyAnswerFirst limits it to the first creates.
func TestKeyAnswer(t *testing.T) {
	for _, tc := range []struct {
		answer string
		first  int
		// want is what the key member of the first and the second
		// create answer are: "whole", "masked", "empty" or "missing".
		want [2]string
	}{
		{"", 0, [2]string{"whole", "whole"}},
		{KeyAnswerMasked, 0, [2]string{"masked", "masked"}},
		{KeyAnswerEmpty, 0, [2]string{"empty", "empty"}},
		{KeyAnswerMissing, 0, [2]string{"missing", "missing"}},
		{KeyAnswerMasked, 1, [2]string{"masked", "whole"}},
		{KeyAnswerMissing, 1, [2]string{"missing", "whole"}},
	} {
		t.Run(fmt.Sprintf("%s first %d", tc.answer, tc.first), func(t *testing.T) {
			e := newEnv(t, func(s *Server) { s.Faults = &Faults{KeyAnswer: tc.answer, KeyAnswerFirst: tc.first} })
			for i, want := range tc.want {
				name := fmt.Sprintf("k%d", i)
				var got map[string]any
				e.must(201, "POST", "/api-keys", e.demo.Token, map[string]any{"name": name}).data(t, &got)
				stored := e.snapshot().APIKeys
				k := stored[len(stored)-1]
				if k.Name != name || !strings.HasPrefix(k.Key, "ml-") || len(k.Key) != 43 {
					t.Fatalf("create %d stored %q with a secret of %d characters, want %s with a whole one", i, k.Name, len(k.Key), name)
				}
				var listed []map[string]any
				e.must(200, "GET", "/api-keys?per_page=100", e.demo.Token, nil).data(t, &listed)
				masked := listed[len(listed)-1]["key"]
				v, present := got["key"]
				var kind string
				switch {
				case !present:
					kind = "missing"
				case v == "":
					kind = "empty"
				case v == k.Key:
					kind = "whole"
				case v == masked:
					kind = "masked"
				default:
					kind = fmt.Sprintf("something else (%d characters)", len(fmt.Sprint(v)))
				}
				if kind != want {
					t.Errorf("create %d answered a key that is %s, want %s", i, kind, want)
				}
				if got["name"] != name || got["id"] != float64(k.ID) {
					t.Errorf("create %d answered name %v id %v, want %s %d", i, got["name"], got["id"], name, k.ID)
				}
			}
		})
	}
}

// TestFaultsCheck: a Faults value the emulator cannot play makes every
// answer a 500 naming it, rather than being half played.
func TestFaultsCheck(t *testing.T) {
	e := newEnv(t, func(s *Server) { s.Faults = &Faults{KeyAnswer: "partial"} })
	r := e.must(500, "GET", "/me", e.demo.Token, nil)
	if !strings.Contains(string(r.Raw), `KeyAnswer \"partial\"`) {
		t.Errorf("the 500 does not name the bad KeyAnswer: %s", r.Raw)
	}
}

// TestLatencyJitter: each request waits Latency plus a draw in [0,
// LatencyJitter], the draws vary, and the same seed draws the same.
func TestLatencyJitter(t *testing.T) {
	const base, jitter, n = 10 * time.Millisecond, 20 * time.Millisecond, 40
	waitsOf := func(seed int64) []time.Duration {
		var waits []time.Duration
		e := newEnv(t, func(s *Server) {
			s.Latency, s.LatencyJitter = base, jitter
			s.Faults = &Faults{Seed: seed}
			s.wait = func(ctx context.Context, d time.Duration) bool {
				waits = append(waits, d)
				return true
			}
		})
		for range n {
			e.must(200, "GET", "/me", e.demo.Token, nil)
		}
		return waits
	}
	t.Logf("seeds 1 and 2, %d requests each", n)
	a, b := waitsOf(1), waitsOf(2)
	if len(a) != n {
		t.Fatalf("%d waits for %d requests", len(a), n)
	}
	distinct := map[time.Duration]bool{}
	for _, d := range a {
		if d < base || d > base+jitter {
			t.Errorf("wait %s outside [%s, %s]", d, base, base+jitter)
		}
		distinct[d] = true
	}
	if len(distinct) < n/2 {
		t.Errorf("only %d distinct waits of %d: %v", len(distinct), n, a)
	}
	if diff := cmp.Diff(a, waitsOf(1)); diff != "" {
		t.Errorf("seed 1 drew other waits the second time (-first +second):\n%s", diff)
	}
	if cmp.Equal(a, b) {
		t.Errorf("seeds 1 and 2 drew the same waits")
	}
}
