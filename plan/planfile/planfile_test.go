package planfile

import (
	"context"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// demoNow is the clock of the demo plan; the emulator's demo account is
// seeded relative to the real clock, so a fixed one would age its keys.
var demoNow = time.Now().UTC().Truncate(time.Second)

// demoScenario is examples/modelslab.yaml and the live demo account
// (DEMO.md) as an emulator serves it, read once.
var demoScenario = sync.OnceValues(func() (*spec.Spec, *remote.State) {
	s, err := spec.Load(filepath.Join("..", "..", "examples", "modelslab.yaml"))
	if err != nil {
		panic(err)
	}
	srv := emulator.New()
	demo := srv.SeedDemo()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c, err := remote.New(remote.Options{BaseURL: ts.URL, Token: remote.Secret(demo.Token)})
	if err != nil {
		panic(err)
	}
	live, err := c.Fetch(context.Background(), plan.FetchOptionsFor(s))
	if err != nil {
		panic(err)
	}
	return s, live
})

// demoFile is the plan file of the demo scenario.
func demoFile(t testing.TB) *File {
	t.Helper()
	s, live := demoScenario()
	p, err := plan.Compute(s, live, demoNow)
	if err != nil {
		t.Fatal(err)
	}
	return New(p, Made{Spec: s, Live: live, Version: "v1.2.3", Now: demoNow})
}

// sealed returns f sealed as Write seals it, encoded as Write encodes it
// (compact: whitespace does not matter to Read).
func sealed(t testing.TB, f *File) []byte {
	t.Helper()
	if err := f.seal(); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resealed returns f encoded with a digest recomputed over whatever it
// holds now, skipping every check: what an attacker who edits a plan file
// and computes its digest again writes.
func resealed(t testing.TB, f *File) []byte {
	t.Helper()
	f.Digest = ""
	body, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	f.Digest = digestOf(body)
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// roundTrip writes f to a new plan file and reads it back; it returns the
// file's path and what was read.
func roundTrip(t *testing.T, f *File) (string, *File) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo.plan")
	if err := Write(path, f); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, got
}

func TestPlanFileRoundTrip(t *testing.T) {
	want := demoFile(t)
	path, got := roundTrip(t, want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Sections{APIKeys: true, Team: true, Tokens: true}, got.Sections); diff != "" {
		t.Errorf("sections (-want +got):\n%s", diff)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "SECRET") || strings.Contains(string(data), "REDACTED") {
		t.Errorf("the plan file holds a key value:\n%s", data)
	}
}

func TestPlanFileMode(t *testing.T) {
	for _, tt := range []struct {
		name     string
		existing os.FileMode // 0 = no file before
	}{
		{name: "new file"},
		{name: "existing world-readable file", existing: 0o644},
		{name: "existing executable file", existing: 0o777},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.plan")
			if tt.existing != 0 {
				if err := os.WriteFile(path, []byte("old"), tt.existing); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.existing); err != nil {
					t.Fatal(err)
				}
			}
			if err := Write(path, demoFile(t)); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != 0o600 {
				t.Errorf("mode %v, want 0600", got)
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Errorf("directory holds %d entries, want only the plan file (no temporary file left)", len(entries))
			}
		})
	}
}

func TestWriteFileFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	err := Write(filepath.Join(dir, "no-such-dir", "x.plan"), demoFile(t))
	if err == nil || !strings.Contains(err.Error(), "x.plan") {
		t.Errorf("Write into a missing directory: %v, want an error naming the file", err)
	}
	// A directory in the way: the rename fails and the temporary file goes.
	target := filepath.Join(dir, "taken")
	if err := os.MkdirAll(filepath.Join(target, "child"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(target, demoFile(t)); err == nil {
		t.Error("Write over a non-empty directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after a failed write, want 1", len(entries))
	}
}

func TestReadFileErrors(t *testing.T) {
	valid := sealed(t, demoFile(t))
	// mutate edits the file as JSON and seals it again when it still
	// decodes, so that each check below is reached past the digest.
	mutate := func(f func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal(valid, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		var pf File
		if json.Unmarshal(b, &pf) != nil {
			return string(b)
		}
		return string(resealed(t, &pf))
	}
	// unsealed edits the file as JSON and leaves the digest as it was.
	unsealed := func(f func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal(valid, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	// edit changes the decoded file and seals it again.
	edit := func(f func(pf *File)) string {
		pf := demoFile(t)
		sealed(t, pf)
		f(pf)
		return string(resealed(t, pf))
	}
	// raw edits the bytes of the valid file, leaving its digest as it is.
	raw := func(old, new string) string {
		if !strings.Contains(string(valid), old) {
			t.Fatalf("the plan file holds no %q", old)
		}
		return strings.Replace(string(valid), old, new, 1)
	}
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "is empty, not a plan file"},
		{"blank", " \n\t", "is empty, not a plan file"},
		{"yaml", "version: 1\napi_keys: []\n", "is not a plan file (not a JSON object)"},
		{"json array", "[1,2]", "is not a plan file (not a JSON object)"},
		{"truncated", string(valid[:len(valid)/2]), "is truncated"},
		{"invalid json", `{"format_version": "1",,}`, "invalid JSON at byte"},
		{"other json object", `{"name": "x"}`, "is not a plan file (no format_version or plan)"},
		{"newer format", mutate(func(m map[string]any) { m["format_version"] = "3" }), `has plan format_version "3", and this mlabctl reads only "2"`},
		{"format 1, without its modelslab.yaml", mutate(func(m map[string]any) { m["format_version"] = "1" }), `format_version "1", written by an older mlabctl`},
		{"format version of wrong type", mutate(func(m map[string]any) { m["format_version"] = 1 }), "is not a plan file"},
		{"null plan", mutate(func(m map[string]any) { m["plan"] = nil }), "plan is null"},
		{"bad address", mutate(func(m map[string]any) {
			m["plan"].(map[string]any)["changes"].([]any)[0].(map[string]any)["address"] = "bogus.x"
		}), `unknown kind "bogus"`},
		{"bad action", mutate(func(m map[string]any) {
			m["plan"].(map[string]any)["changes"].([]any)[0].(map[string]any)["action"] = "explode"
		}), `action "explode" is not valid`},
		{"resend of a key", mutate(func(m map[string]any) {
			c := m["plan"].(map[string]any)["changes"].([]any)[3].(map[string]any)
			c["action"] = "resend"
		}), `change 4 (api_key.ci): action "resend" is not valid`},
		{"no fingerprints", mutate(func(m map[string]any) { delete(m, "fingerprints") }), "no fingerprints"},
		{"trailing data", string(valid) + "{}", "data after the JSON object"},
		{"a change edited, digest left", raw(`"notes":"Used by the production backend"`, `"notes":"by hand"`), "its digest does not match its content"},
		{"a delete added, digest left", raw(`"changes":[`, `"changes":[{"address":"api_key.production","action":"delete","before":{"name":"production"},"after":null,"live_id":"101"},`),
			"its digest does not match its content"},
		{"no digest", regexp.MustCompile(`"digest":"[^"]*"`).ReplaceAllString(string(valid), `"digest":""`), "its digest does not match its content"},
		{"digest of another file", raw(`"digest":"sha256:`, `"digest":"sha256:0`), "its digest does not match its content"},
		{"an unknown field", unsealed(func(m map[string]any) { m["apply_to"] = "https://evil.example" }), `unknown field "apply_to"`},
		{"an unknown change field", unsealed(func(m map[string]any) {
			m["plan"].(map[string]any)["changes"].([]any)[0].(map[string]any)["url"] = "x"
		}), `unknown field "url"`},
		{"a key twice", raw(`{"format_version":"2",`, `{"format_version":"2","account":"someone-else",`), "not in the form mlabctl writes"},
		{"a key in another case", raw(`"plan":{`, `"Plan":{`), "not in the form mlabctl writes"},
		{"a value spelt otherwise", raw(`"format_version":"2"`, `"format_version":"\u0032"`), "not in the form mlabctl writes"},
		{"embedded file edited", edit(func(pf *File) { pf.Source.Content += "# more\n" }), "spec_hash is not the SHA-256 of the embedded modelslab.yaml"},
		{"embedded file too large", edit(func(pf *File) { pf.Source.Content = strings.Repeat("#\n", spec.MaxFileSize) }), "larger than 4 MiB"},
		{"another account than the plan's", edit(func(pf *File) { pf.Account = "other" }), `account is "other", but the plan's is "acme-bot"`},
		{"another API than the plan's", edit(func(pf *File) { pf.BaseURL = "https://evil.example" }), `base_url is "https://evil.example"`},
		{"options the plan was not made with", edit(func(pf *File) { pf.Options.Replace = []string{"api_key.ci"} }), "options.replace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.plan")
			if err := os.WriteFile(path, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := Read(path)
			if err == nil {
				t.Fatalf("Read succeeded: %+v", f)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q, want one naming %s and containing %q", err, path, tt.want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := Read(filepath.Join(t.TempDir(), "nope.plan"))
		if err == nil || !strings.Contains(err.Error(), "nope.plan") {
			t.Errorf("error %v, want one naming the file", err)
		}
	})
}

// FuzzReadPlanFile: whatever the bytes, decodeFile returns a checked file
// or an error, and never panics.
func FuzzReadPlanFile(f *testing.F) {
	valid := sealed(f, demoFile(f))
	f.Add(valid)
	f.Add([]byte(`{"format_version":"1","plan":{"format_version":"1","changes":[]},"fingerprints":{}}`))
	f.Add([]byte(`{"format_version":"1","plan":{"format_version":"1","changes":[{"address":"access_token.a#","action":"delete"}]},"fingerprints":{}}`))
	f.Add([]byte(`{"format_version":"2"}`))
	f.Add([]byte("[]"))
	f.Add(valid[:40])
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := decodeFile("fuzz.plan", data)
		if err != nil {
			return
		}
		if pf.Plan == nil || pf.FormatVersion != FormatVersion || pf.Plan.FormatVersion != plan.FormatVersion {
			t.Fatalf("decodeFile accepted a file without a plan of format %s: %+v", FormatVersion, pf)
		}
		if err := pf.check(); err != nil {
			t.Fatalf("decodeFile accepted a file whose parts disagree: %v", err)
		}
		for _, c := range pf.Plan.Changes {
			if !validAction(c) || len(plan.Phases(c)) == 0 {
				t.Fatalf("decodeFile accepted a change apply cannot run: %+v", c)
			}
		}
	})
}

func TestFileCreatedAtRoundTripsInUTC(t *testing.T) {
	f := demoFile(t)
	f.CreatedAt = time.Date(2026, 11, 25, 13, 0, 0, 0, time.FixedZone("CET", 3600))
	_, got := roundTrip(t, f)
	if !got.CreatedAt.Equal(f.CreatedAt) {
		t.Errorf("created_at %v, want %v", got.CreatedAt, f.CreatedAt)
	}
}

// TestIsPlanFile: only what Write writes (of any format version) is a
// plan file that `plan --out` may replace.
func TestIs(t *testing.T) {
	dir := t.TempDir()
	written := filepath.Join(dir, "written.plan")
	if err := Write(written, demoFile(t)); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"older format version": `{"format_version": "0", "plan": {}, "fingerprints": {}}`,
		"modelslab.yaml":       "version: 1\napi_keys: []\n",
		"empty":                "",
		"package.json":         `{"name": "x", "version": "1.0.0"}`,
		"plan JSON of -o json": `{"format_version": "1", "summary": {}, "changes": []}`,
		"plan is not object":   `{"format_version": "1", "plan": [], "fingerprints": {}}`,
		"truncated":            `{"format_version": "1", "plan": {`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]bool{}
	for _, name := range append([]string{"written.plan"}, slices.Collect(maps.Keys(files))...) {
		ok, err := Is(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got[name] = ok
	}
	want := map[string]bool{
		"written.plan": true, "older format version": true,
		"modelslab.yaml": false, "empty": false, "package.json": false,
		"plan JSON of -o json": false, "plan is not object": false, "truncated": false,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IsPlanFile (-want +got):\n%s", diff)
	}
	if _, err := Is(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Errorf("a missing file: error %v, want not-exist", err)
	}
}

// TestEmbeddedSpecRoundTrips: the modelslab.yaml a plan file embeds reads
// back byte for byte, and parses to a spec of the same hash.
func TestEmbeddedSpecRoundTrips(t *testing.T) {
	s, _ := demoScenario()
	_, got := roundTrip(t, demoFile(t))
	if got.Source.Content != string(s.Source) || got.SpecHash != s.Hash {
		t.Fatalf("the embedded file differs from %s", s.Path)
	}
	back, err := got.Spec("embedded.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if back.Hash != s.Hash || back.Path != "embedded.yaml" {
		t.Errorf("parsed back: hash %s, path %q; want %s, embedded.yaml", back.Hash, back.Path, s.Hash)
	}
	if diff := cmp.Diff(OptionsOf(plan.Options{}), got.Options); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
}

// TestWriteRefusesWhatReadRefuses: a file whose parts disagree is never
// written, so no plan file mlabctl writes is one it cannot read.
func TestWriteRefusesWhatReadRefuses(t *testing.T) {
	for name, edit := range map[string]func(f *File){
		"another account": func(f *File) { f.Account = "other" },
		"spec hash":       func(f *File) { f.SpecHash = strings.Repeat("0", 64) },
		"options":         func(f *File) { f.Options.Targets = []string{"team"} },
	} {
		t.Run(name, func(t *testing.T) {
			f := demoFile(t)
			edit(f)
			path := filepath.Join(t.TempDir(), "x.plan")
			if err := Write(path, f); err == nil {
				t.Fatal("Write succeeded")
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("a refused plan file was written (stat: %v)", err)
			}
		})
	}
}

func TestReadRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Read of a directory: %v, want not a regular file", err)
	}
}

// TestOptionsRoundTrip: the options that shaped a plan are recorded and
// given back, for apply to compute the plan again with.
func TestOptionsRoundTrip(t *testing.T) {
	o := plan.Options{Replace: []string{"api_key.ci"}, Targets: []string{"api_keys", "profile"}}
	rec := OptionsOf(o)
	if diff := cmp.Diff(o, rec.Plan()); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	if got, want := rec.Flags(), "--replace api_key.ci --target api_keys --target profile"; got != want {
		t.Errorf("Flags() = %q, want %q", got, want)
	}
	if rec.Empty() || !OptionsOf(plan.Options{}).Empty() {
		t.Error("Empty() is wrong")
	}
}
