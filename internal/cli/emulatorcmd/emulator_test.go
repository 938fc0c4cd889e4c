package emulatorcmd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTryItNamesAFileThatExists: the banner's "Try it" never names a
// relative examples/modelslab.yaml that may not exist where the user
// stands; it names an absolute path it checked, or says how to make one.
func TestTryItNamesAFileThatExists(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T, path string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("version: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	checkout := t.TempDir()
	write(t, filepath.Join(checkout, "examples", "modelslab.yaml"))
	write(t, filepath.Join(checkout, "modelslab.yaml"))
	project := filepath.Join(t.TempDir(), "my project")
	write(t, filepath.Join(project, "modelslab.yaml"))
	dirOnly := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dirOnly, "examples", "modelslab.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	exportFirst := []string{
		"mlabctl export > modelslab.yaml   # the demo account as a file; edit it, then:",
		"mlabctl plan -f modelslab.yaml",
	}
	for _, tc := range []struct {
		name, dir string
		want      []string
	}{
		{"a checkout: the example, absolute", checkout, []string{"mlabctl plan -f " + filepath.Join(checkout, "examples", "modelslab.yaml")}},
		{"a project: its file, absolute and quoted", project, []string{"mlabctl plan -f '" + filepath.Join(project, "modelslab.yaml") + "'"}},
		{"nothing here: export first", t.TempDir(), exportFirst},
		{"a directory is not a file", dirOnly, exportFirst},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tryIt(tc.dir)); diff != "" {
				t.Errorf("tryIt (-want +got):\n%s", diff)
			}
		})
	}
}
