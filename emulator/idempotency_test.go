package emulator

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestIdempotencyKeyReplaysAndConflicts(t *testing.T) {
	for _, tc := range []struct {
		name, method, path string
		body, other        any
		wantStatus         int
	}{
		{"create key", "POST", "/api-keys", map[string]any{"name": "once"}, map[string]any{"name": "twice"}, 201},
		{"update key", "PUT", "/api-keys/101", map[string]any{"notes": "a"}, map[string]any{"notes": "b"}, 200},
		{"delete key", "DELETE", "/api-keys/104", nil, `{"x":1}`, 200},
		{"invite", "POST", "/teams", map[string]any{"email": "dave@example.com"}, map[string]any{"email": "erin@example.com"}, 201},
		{"patch profile", "PATCH", "/me", map[string]any{"name": "A"}, map[string]any{"name": "B"}, 200},
		{"a 422 is remembered too", "POST", "/api-keys", map[string]any{"name": ""}, map[string]any{"name": "ok"}, 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			first := e.must(tc.wantStatus, tc.method, tc.path, e.demo.Token, tc.body, idem("key-1"))
			after := e.snapshot()
			outbox := e.srv.Outbox()

			again := e.must(tc.wantStatus, tc.method, tc.path, e.demo.Token, tc.body, idem("key-1"))
			if got := again.Header.Get("Idempotent-Replayed"); got != "true" {
				t.Errorf("Idempotent-Replayed %q on the replay, want true", got)
			}
			if first.Header.Get("Idempotent-Replayed") != "" {
				t.Errorf("the first answer is marked replayed")
			}
			if diff := cmp.Diff(string(first.Raw), string(again.Raw)); diff != "" {
				t.Errorf("the replay differs from the first answer (-first +replay):\n%s", diff)
			}
			if diff := cmp.Diff(after, e.snapshot()); diff != "" {
				t.Errorf("the replay changed the account (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(outbox, e.srv.Outbox()); diff != "" {
				t.Errorf("the replay sent mail (-before +after):\n%s", diff)
			}

			conflict := e.must(409, tc.method, tc.path, e.demo.Token, tc.other, idem("key-1"))
			if conflict.code() != "idempotency_conflict" {
				t.Errorf("code %q, want idempotency_conflict", conflict.code())
			}
			if diff := cmp.Diff(after, e.snapshot()); diff != "" {
				t.Errorf("the conflict changed the account (-before +after):\n%s", diff)
			}
			reqs := e.srv.Requests()
			var replayed []bool
			for _, r := range reqs {
				replayed = append(replayed, r.Replayed)
				if r.IdempotencyKey != "key-1" {
					t.Errorf("logged key %q, want key-1", r.IdempotencyKey)
				}
			}
			if diff := cmp.Diff([]bool{false, true, false}, replayed); diff != "" {
				t.Errorf("Requests().Replayed (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIdempotencyKeyScope(t *testing.T) {
	e := newEnv(t, nil)
	body := map[string]any{"name": "k"}
	e.must(201, "POST", "/api-keys", e.demo.Token, body, idem("same"))
	t.Run("whitespace in the body does not matter", func(t *testing.T) {
		r := e.must(201, "POST", "/api-keys", e.demo.Token, `{ "name" : "k" }`, idem("same"))
		if r.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("not replayed")
		}
	})
	t.Run("another path is a conflict", func(t *testing.T) {
		e.must(409, "POST", "/teams", e.demo.Token, body, idem("same"))
	})
	t.Run("another token has its own keys", func(t *testing.T) {
		other := e.srv.IssueToken(e.demo.Username, "other", []string{"*"}, 0)
		r := e.must(201, "POST", "/api-keys", other, body, idem("same"))
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("another token's request was replayed")
		}
	})
	t.Run("without a key nothing is replayed", func(t *testing.T) {
		n := len(e.snapshot().APIKeys)
		e.must(201, "POST", "/api-keys", e.demo.Token, body)
		e.must(201, "POST", "/api-keys", e.demo.Token, body)
		if got := len(e.snapshot().APIKeys); got != n+2 {
			t.Errorf("%d keys, want %d", got, n+2)
		}
	})
	t.Run("reads ignore the key", func(t *testing.T) {
		r := e.must(200, "GET", "/me", e.demo.Token, nil, idem("same"))
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("a GET was replayed")
		}
	})
	t.Run("unauthenticated endpoints", func(t *testing.T) {
		login := map[string]any{"email": "demo@mlabctl.example", "password": "correct-horse-battery-staple", "device_name": "x"}
		var a, b authResult
		e.must(200, "POST", "/auth/login", "", login, idem("login-1")).data(t, &a)
		e.must(200, "POST", "/auth/login", "", login, idem("login-1")).data(t, &b)
		if a.AccessToken != b.AccessToken {
			t.Errorf("a replayed login issued another token")
		}
	})
	t.Run("keys expire after 24 hours", func(t *testing.T) {
		n := len(e.snapshot().APIKeys)
		e.clock.advance(24*time.Hour + time.Second)
		r := e.must(201, "POST", "/api-keys", e.demo.Token, body, idem("same"))
		if r.Header.Get("Idempotent-Replayed") != "" || len(e.snapshot().APIKeys) != n+1 {
			t.Errorf("an expired key was replayed")
		}
	})
}

// TestIgnoreIdempotency plays both readings of Idempotency-Key on a
// repeated create: API.md's (the first answer is replayed, a different
// request under the same key is refused) and a server that ignores the
// header (every request is handled afresh).
func TestIgnoreIdempotency(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ignore bool
		// wantKeys is how many keys named "once" exist after the same
		// create was sent twice under one Idempotency-Key.
		wantKeys int
		// wantReplayed is the Idempotent-Replayed header of the second
		// answer; wantOther the status of a different request under the
		// same key.
		wantReplayed string
		wantOther    int
	}{
		{"honoured (API.md)", false, 1, "true", 409},
		{"ignored", true, 2, "", 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(s *Server) { s.IgnoreIdempotency = tc.ignore })
			body := map[string]any{"name": "once"}
			var first, second struct {
				ID  int64  `json:"id"`
				Key string `json:"key"`
			}
			e.must(201, "POST", "/api-keys", e.demo.Token, body, idem("key-1")).data(t, &first)
			again := e.must(201, "POST", "/api-keys", e.demo.Token, body, idem("key-1"))
			again.data(t, &second)
			if got := again.Header.Get("Idempotent-Replayed"); got != tc.wantReplayed {
				t.Errorf("Idempotent-Replayed %q on the second answer, want %q", got, tc.wantReplayed)
			}
			if same := first.ID == second.ID && first.Key == second.Key; same != (tc.wantKeys == 1) {
				t.Errorf("second answer id %d (first %d); same key: %v, want %v", second.ID, first.ID, same, tc.wantKeys == 1)
			}
			n := 0
			for _, k := range e.snapshot().APIKeys {
				if k.Name == "once" {
					n++
				}
			}
			if n != tc.wantKeys {
				t.Errorf("%d keys named once, want %d", n, tc.wantKeys)
			}
			e.must(tc.wantOther, "POST", "/api-keys", e.demo.Token, map[string]any{"name": "other"}, idem("key-1"))
			var replayed []bool
			for _, r := range e.srv.Requests() {
				replayed = append(replayed, r.Replayed)
			}
			if diff := cmp.Diff([]bool{false, tc.wantReplayed == "true", false}, replayed); diff != "" {
				t.Errorf("Requests().Replayed (-want +got):\n%s", diff)
			}
		})
	}
}
