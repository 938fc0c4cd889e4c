package planfile

import (
	"context"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
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
	return &File{
		FormatVersion:  plan.FormatVersion,
		MlabctlVersion: "v1.2.3",
		SpecHash:       strings.Repeat("ab", 32),
		CreatedAt:      demoNow,
		Sections:       SectionsOf(plan.FetchOptionsFor(s)),
		Plan:           p,
		Fingerprints:   plan.Fingerprints(live),
	}
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
	valid, err := json.Marshal(demoFile(t))
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal(valid, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
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
		{"newer format", mutate(func(m map[string]any) { m["format_version"] = "2" }), `has plan format_version "2", and this mlabctl reads only "1"`},
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
	valid, err := json.Marshal(demoFile(f))
	if err != nil {
		f.Fatal(err)
	}
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
		if pf.Plan == nil || pf.FormatVersion != plan.FormatVersion {
			t.Fatalf("decodeFile accepted a file without a plan of format %s: %+v", plan.FormatVersion, pf)
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
