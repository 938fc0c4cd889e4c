package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/golden"
)

func TestStateFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, func(s *Server) { s.StatePath = path })
	e.must(201, "POST", "/api-keys", e.demo.Token, map[string]any{"name": "saved"}, idem("k"))
	e.must(201, "POST", "/teams", e.demo.Token, map[string]any{"email": "dave@example.com"})
	e.must(200, "PATCH", "/me/socials", e.demo.Token, map[string]any{"twitter": "acme"})
	want := e.snapshot()

	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("state file mode %v, want 0600 (it holds tokens)", perm)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".state.json.tmp-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}

	loaded := New()
	loaded.Now = e.srv.Now
	if err := loaded.Load(path); err != nil {
		t.Fatal(err)
	}
	got, ok := loaded.Snapshot(e.demo.Username)
	if !ok {
		t.Fatal("the loaded state lacks the demo account")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("loaded state (-saved +loaded):\n%s", diff)
	}
	if diff := cmp.Diff(e.srv.Outbox(), loaded.Outbox()); diff != "" {
		t.Errorf("loaded outbox (-saved +loaded):\n%s", diff)
	}
	// Tokens, invites and idempotency keys survive the restart.
	e2 := &env{t: t, srv: loaded, clock: e.clock}
	ts := newTestServer(t, loaded)
	e2.url = ts
	e2.must(200, "GET", "/me", e.demo.Token, nil)
	r := e2.must(201, "POST", "/api-keys", e.demo.Token, map[string]any{"name": "saved"}, idem("k"))
	if r.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("an idempotency key was forgotten across the restart")
	}
	if demo := loaded.SeedDemo(); demo.Token != e.demo.Token {
		t.Errorf("SeedDemo on a loaded state issued a new token")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	s := New()
	if err := s.Load(filepath.Join(dir, "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	for name, tc := range map[string]struct{ content, want string }{
		"not json":      {"{", "is not valid"},
		"other version": {`{"version": 99}`, "format version 99"},
	} {
		t.Run(name, func(t *testing.T) {
			err := s.Load(write(name+".json", tc.content))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestSaveFailureIsReported(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.StatePath = filepath.Join(t.TempDir(), "no-such-dir", "state.json")
	r := e.must(500, "POST", "/api-keys", e.demo.Token, map[string]any{"name": "x"})
	if !strings.Contains(r.Env.Error.Message, "no-such-dir") {
		t.Errorf("message %q does not name the state path", r.Env.Error.Message)
	}
}

func TestOutboxEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	get := func() []Mail {
		resp, err := http.Get(e.url + "/_emulator/outbox")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out []Mail
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := get(); got == nil || len(got) != 0 {
		t.Errorf("empty outbox %#v, want []", got)
	}
	e.must(200, "POST", "/auth/forgot-password", "", map[string]any{"email": "demo@mlabctl.example"})
	got := get()
	if len(got) != 1 || got[0].To != "demo@mlabctl.example" || got[0].Kind != "password_reset" || got[0].Code == "" {
		t.Errorf("outbox %+v", got)
	}
	if diff := cmp.Diff(e.srv.Outbox(), got); diff != "" {
		t.Errorf("HTTP and Go outbox differ (-go +http):\n%s", diff)
	}
	// The outbox is not an API request.
	for _, r := range e.srv.Requests() {
		if strings.Contains(r.Path, "outbox") {
			t.Errorf("the outbox was logged as an API request: %+v", r)
		}
	}
}

// normalize hides what differs between runs (key tails, uuids).
var normalize = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`ml-…[0-9a-f]{4}`), "ml-…XXXX"},
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "<uuid>"},
}

func TestDemoAccountGolden(t *testing.T) {
	e := newEnv(t, nil)
	var buf bytes.Buffer
	for _, path := range []string{"/me", "/api-keys", "/teams", "/auth/tokens"} {
		r := e.must(200, "GET", path, e.demo.Token, nil)
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, r.Raw, "", "  "); err != nil {
			t.Fatal(err)
		}
		buf.WriteString("GET " + path + "\n" + pretty.String() + "\n\n")
	}
	got := buf.String()
	for _, n := range normalize {
		got = n.re.ReplaceAllString(got, n.with)
	}
	golden.Check(t, filepath.Join("testdata", "demo.golden"), []byte(got))
	if strings.Contains(got, e.demo.Token) {
		t.Errorf("the demo token appears in a response")
	}
}

func TestSeedDemoIsIdempotent(t *testing.T) {
	s := New()
	a, b := s.SeedDemo(), s.SeedDemo()
	if a != b {
		t.Errorf("SeedDemo twice gave %+v and %+v", a, b)
	}
	acct, _ := s.Snapshot(a.Username)
	if len(acct.APIKeys) != 4 || len(acct.Team) != 4 || len(acct.Tokens) != 2 {
		t.Errorf("after two seeds: %d keys, %d members, %d tokens; want 4, 4, 2", len(acct.APIKeys), len(acct.Team), len(acct.Tokens))
	}
}

func TestConcurrentRequests(t *testing.T) {
	e := newEnv(t, nil)
	var wg sync.WaitGroup
	const workers, each = 8, 25
	errs := make(chan error, workers*each*2)
	send := func(method, path, body string) {
		req, err := http.NewRequest(method, e.url+Prefix+path, strings.NewReader(body))
		if err != nil {
			errs <- err
			return
		}
		req.Header.Set("Authorization", "Bearer "+e.demo.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			errs <- err
			return
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			errs <- errors.New(method + " " + path + ": " + resp.Status)
		}
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				send("POST", "/api-keys", `{"name":"c"}`)
				send("GET", "/api-keys?per_page=100", "")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	keys := e.snapshot().APIKeys
	if len(keys) != 4+workers*each {
		t.Errorf("%d keys, want %d", len(keys), 4+workers*each)
	}
	seen := map[int64]bool{}
	for i, k := range keys {
		if seen[k.ID] || (i > 0 && keys[i-1].ID >= k.ID) {
			t.Fatalf("keys are not unique and ordered at %d: %+v", i, k)
		}
		seen[k.ID] = true
	}
}

// TestSeedingDoesNotSave pins that seeding from Go changes memory only, so
// it has no failure to hide: an unwritable StatePath is reported by Save,
// as an error naming the path, never by a panic out of SeedDemo.
func TestSeedingDoesNotSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "state.json")
	s := New()
	s.StatePath = path
	demo := s.SeedDemo()
	s.AddUser(UserSeed{Email: "eve@example.com"})
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("seeding wrote %q (stat error %v); it should change memory only", path, err)
	}
	if demo.Token == "" {
		t.Errorf("SeedDemo returned no token")
	}
	err := s.Save()
	if err == nil || !strings.Contains(err.Error(), "no-such-dir") {
		t.Errorf("Save to an unwritable path: error %v, want one naming the path", err)
	}
}
