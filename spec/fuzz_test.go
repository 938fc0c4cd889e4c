package spec

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// corpusSeeds returns every corpus file and the example, the seeds of the
// fuzz targets: valid files, so the fuzzer starts from the real format, and
// invalid ones, so it starts next to every error path.
func corpusSeeds(f *testing.F) [][]byte {
	f.Helper()
	files, err := filepath.Glob("testdata/*/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	files = append(files, filepath.Join("..", "examples", "modelslab.yaml"))
	var seeds [][]byte
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, data)
	}
	return seeds
}

// checkResult holds for any input: never a panic (the fuzzer catches it),
// exactly one of spec and error, diagnostics with positions in order, and
// a valid spec that keeps its invariants.
func checkResult(t *testing.T, name string, s *Spec, err error) {
	t.Helper()
	if (s == nil) == (err == nil) {
		t.Fatalf("got spec %v and error %v, want exactly one", s, err)
	}
	if err != nil {
		var diags Diagnostics
		if !errors.As(err, &diags) {
			return // unreadable file (FuzzLoad only)
		}
		if len(diags) == 0 {
			t.Fatal("empty Diagnostics returned as an error")
		}
		for i, d := range diags {
			if d.Pos.File != name || d.Pos.Line < 1 || d.Pos.Col < 1 || d.Summary == "" {
				t.Fatalf("diagnostic %d %q has no usable position or summary", i, d)
			}
			if i > 0 && (d.Pos.Line < diags[i-1].Pos.Line || d.Pos.Line == diags[i-1].Pos.Line && d.Pos.Col < diags[i-1].Pos.Col) {
				t.Fatalf("diagnostic %d %q out of order", i, d)
			}
		}
		return
	}
	if s.Version != 1 {
		t.Fatalf("valid spec with version %d", s.Version)
	}
	if s.Policy.MaxDeletePercent < 0 || s.Policy.MaxDeletePercent > 100 {
		t.Fatalf("valid spec with max_delete_percent %d", s.Policy.MaxDeletePercent)
	}
	names := map[string]bool{}
	for _, k := range s.APIKeys {
		if k.Name == "" || names[k.Name] {
			t.Fatalf("valid spec with empty or duplicate key name %q", k.Name)
		}
		names[k.Name] = true
	}
	for _, m := range s.Team {
		if CheckEmail(m.Email) != nil || (m.Role != "admin" && m.Role != "member" && m.Role != "viewer") {
			t.Fatalf("valid spec with member %+v", m)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range corpusSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		checkResult(t, "fuzz.yaml", s, err)
	})
}

func FuzzLoad(f *testing.F) {
	for _, seed := range corpusSeeds(f) {
		f.Add(seed)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "modelslab.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Load(path)
		checkResult(t, path, s, err)
	})
}
