package spec

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/internal/golden"
)

// TestInvalidCorpus loads every file under testdata/invalid and compares
// its diagnostics, one FILE:LINE:COL: message per line, with the file's
// .golden twin.
func TestInvalidCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("the invalid corpus holds %d files, want at least 30", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			s, err := Load(file)
			if err == nil {
				t.Fatalf("Load(%q) = valid spec %+v, want diagnostics", file, s)
			}
			var diags Diagnostics
			if !errors.As(err, &diags) {
				t.Fatalf("Load(%q) error %T %q, want Diagnostics", file, err, err)
			}
			if s != nil {
				t.Errorf("Load(%q) returned a spec along with diagnostics", file)
			}
			if diags.ExitCode() != 1 {
				t.Errorf("ExitCode() = %d, want 1", diags.ExitCode())
			}
			for i, d := range diags {
				if d.Pos.File != file || d.Pos.Line < 1 || d.Pos.Col < 1 {
					t.Errorf("diagnostic %d has position %+v, want a line and column in %q", i, d.Pos, file)
				}
				if i > 0 && (d.Pos.Line < diags[i-1].Pos.Line || d.Pos.Line == diags[i-1].Pos.Line && d.Pos.Col < diags[i-1].Pos.Col) {
					t.Errorf("diagnostic %d (%s) is out of position order", i, d)
				}
			}
			golden.Check(t, strings.TrimSuffix(file, ".yaml")+".golden", []byte(err.Error()+"\n"))
		})
	}
}

// TestValidCorpus loads every file under testdata/valid and compares the
// Spec, as JSON, with the file's .json twin: it pins defaults, positions
// and every field.
func TestValidCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			s, err := Load(file)
			if err != nil {
				t.Fatalf("Load(%q): %v", file, err)
			}
			got, err := json.MarshalIndent(s, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, strings.TrimSuffix(file, ".yaml")+".json", append(got, '\n'))
		})
	}
}
