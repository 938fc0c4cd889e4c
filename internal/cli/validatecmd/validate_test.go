package validatecmd_test

// In-process tests of `mlabctl validate`: every file of the spec corpus,
// with the exit codes and the exact output CONTRACT.md promises. Where the
// file is looked for by default (./modelslab.yaml) needs a working
// directory of its own, so that test is in e2e/e2e_validate_test.go.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
)

// TestValidateInvalidCorpus runs validate on each invalid corpus file; the
// positions it prints, named relative to spec/, are exactly those of the
// golden files spec's own tests keep.
func TestValidateInvalidCorpus(t *testing.T) {
	t.Parallel()
	specDir := clitest.RepoPath("spec") + string(filepath.Separator)
	files, err := filepath.Glob(specDir + "testdata/invalid/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid corpus: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			golden, err := os.ReadFile(strings.TrimSuffix(file, ".yaml") + ".golden")
			if err != nil {
				t.Fatal(err)
			}
			res := clitest.Mlabctl(t, nil, "validate", "-f", file)
			if res.Code != 1 {
				t.Errorf("exit %d, want 1", res.Code)
			}
			if res.Stdout != "" {
				t.Errorf("stdout %q, want nothing", res.Stdout)
			}
			// The goldens name the file as spec's tests do, from spec/.
			if diff := cmp.Diff(string(golden), strings.ReplaceAll(res.Stderr, specDir, "")); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateValidCorpus(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(clitest.RepoPath("spec/testdata/valid/*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no valid corpus: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			res := clitest.Mlabctl(t, nil, "validate", "-f", file)
			// A valid file may have warnings (ignore-declared.yaml): they
			// are printed, and validate still exits 0.
			wantWarnings := 0
			if filepath.Base(file) == "ignore-declared.yaml" {
				wantWarnings = 2
			}
			warnings := 0
			for _, l := range strings.Split(strings.TrimSuffix(res.Stderr, "\n"), "\n") {
				if strings.HasPrefix(l, file+":") && strings.Contains(l, ": warning: ") {
					warnings++
				} else if l != "" {
					t.Errorf("stderr line %q is not a warning", l)
				}
			}
			if res.Code != 0 || warnings != wantWarnings {
				t.Fatalf("exit %d, %d warnings, stderr %q; want 0 and %d warnings", res.Code, warnings, res.Stderr, wantWarnings)
			}
			if !strings.HasPrefix(res.Stdout, file+": OK") || strings.Count(res.Stdout, "\n") != 1 {
				t.Errorf("stdout %q, want one line %q…", res.Stdout, file+": OK")
			}
		})
	}
}

func TestValidateOKLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	example := clitest.ExampleFile()
	one := clitest.WriteFile(t, dir, "one.yaml", "version: 1\naccount: acme-team\napi_keys: [{name: a}]\nteam: [{email: a@example.com}]\n")
	none := clitest.WriteFile(t, dir, "none.yaml", "version: 1\nprofile: {name: Acme}\n")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"the example", []string{"validate", "-f", example}, nil, example + ": OK (3 API keys, 4 team members)\n"},
		{"long flag", []string{"validate", "--file", example}, nil, example + ": OK (3 API keys, 4 team members)\n"},
		{"global flag before the command", []string{"-f", example, "validate"}, nil, example + ": OK (3 API keys, 4 team members)\n"},
		{"singular counts and the account", []string{"validate", "-f", one}, nil, one + `: OK (account "acme-team", 1 API key, 1 team member)` + "\n"},
		{"no list sections", []string{"validate", "-f", none}, nil, none + ": OK\n"},
		{"MODELSLAB_FILE", []string{"validate"}, map[string]string{"MODELSLAB_FILE": example}, example + ": OK (3 API keys, 4 team members)\n"},
		{"flag wins over MODELSLAB_FILE", []string{"validate", "-f", none}, map[string]string{"MODELSLAB_FILE": example}, none + ": OK\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := clitest.Mlabctl(t, tt.env, tt.args...)
			if res.Code != 0 || res.Stderr != "" {
				t.Fatalf("exit %d, stderr %q; want 0 and nothing", res.Code, res.Stderr)
			}
			if diff := cmp.Diff(tt.want, res.Stdout); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
		})
	}
}

// TestValidateUnreadable: files that cannot be read. A missing default
// file (./modelslab.yaml) is in e2e's TestValidateDefaultFile, which runs
// the binary in a directory of its own.
func TestValidateUnreadable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, append([]byte("version: 1\n"), bytes.Repeat([]byte("# pad\n"), 1<<20)...), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nope.yaml")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"validate", "-f", missing}, fmt.Sprintf("Error: reading %q: no such file (give another with -f or MODELSLAB_FILE)\n", missing)},
		{"a directory", []string{"validate", "-f", dir}, fmt.Sprintf("Error: reading %q: is a directory, not a modelslab.yaml file\n", dir)},
		{"over 4 MiB", []string{"validate", "-f", big}, big + ":1:1: file is larger than 4 MiB: modelslab.yaml describes one account and is never this big; check that -f names the right file\n"},
		{"an argument", []string{"validate", "big.yaml"}, "Error: validate takes no arguments, got \"big.yaml\"; name the file with -f (see --help)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := clitest.Mlabctl(t, nil, tt.args...)
			if res.Code != 1 {
				t.Errorf("exit %d, want 1", res.Code)
			}
			if diff := cmp.Diff(tt.want, res.Stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

// TestValidateGitHubActions checks the ::error annotations: one per
// diagnostic, on stderr (where the runner reads them too, and where they
// cannot end up in a redirected plan), with the file, line and column as
// properties, beside the plain lines; stdout stays empty.
func TestValidateGitHubActions(t *testing.T) {
	t.Parallel()
	file := clitest.RepoPath("spec/testdata/invalid/many-problems.yaml")
	res := clitest.Mlabctl(t, map[string]string{"GITHUB_ACTIONS": "true"}, "validate", "-f", file)
	if res.Code != 1 {
		t.Fatalf("exit %d, want 1", res.Code)
	}
	want := []string{
		`::error file=` + file + `,line=4,col=14::api_keys[0].protect: must be true or false, got "yes"`,
		`::error file=` + file + `,line=6,col=19::api_keys[1].rotate_after: "3 months" is not a duration: use <n>h, <n>d or <n>w, e.g. 90d`,
		`::error file=` + file + `,line=7,col=11::api_keys[2].name: duplicate API key name "production": first defined at ` + file + `:3:11; names identify keys, so each may appear once`,
		`::error file=` + file + `,line=10,col=11::team[0].role: must be admin, member or viewer, got "owner"`,
		`::error file=` + file + `,line=11,col=12::team[1].email: duplicate member "ALICE@example.com": first defined at ` + file + `:9:12; emails compare case-insensitively, so each member may appear once`,
		`::error file=` + file + `,line=13,col=23::policy.max_delete_percent: must be between 0 and 100, got 101`,
	}
	var annotations, plain []string
	for _, line := range strings.Split(strings.TrimSuffix(res.Stderr, "\n"), "\n") {
		if strings.HasPrefix(line, "::") {
			annotations = append(annotations, line)
		} else {
			plain = append(plain, line)
		}
	}
	if diff := cmp.Diff(want, annotations); diff != "" {
		t.Errorf("annotations on stderr (-want +got):\n%s", diff)
	}
	if len(plain) != len(want) || !strings.HasPrefix(plain[0], file+":4:14: ") {
		t.Errorf("plain stderr lines %q, want the %d plain diagnostics", plain, len(want))
	}
	if res.Stdout != "" {
		t.Errorf("stdout %q, want nothing", res.Stdout)
	}

	outside := clitest.Mlabctl(t, nil, "validate", "-f", file)
	if strings.Contains(outside.Stdout+outside.Stderr, "::error") {
		t.Errorf("annotations printed outside GitHub Actions: %q", outside.Stdout+outside.Stderr)
	}
}
