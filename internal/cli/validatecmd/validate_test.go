package validatecmd_test

import (
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
)

// warningsFile is valid, with ignore globs that match declared names.
const warningsFile = "../../../spec/testdata/valid/ignore-declared.yaml"

// TestValidatePrintsWarnings: a valid file's warnings are printed on stderr
// as FILE:LINE:COL: warning: message (and as ::warning annotations under
// GitHub Actions, never ::error), and validate still exits 0 with its OK
// line.
func TestValidatePrintsWarnings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"locally", nil, []string{warningsFile + ":"}},
		{"under GitHub Actions", map[string]string{"GITHUB_ACTIONS": "true"}, []string{"::warning file=" + warningsFile + ",line="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := clitest.Mlabctl(t, tc.env, "validate", "-f", warningsFile)
			if res.Code != 0 || !strings.HasPrefix(res.Stdout, warningsFile+": OK") {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and OK", res.Code, res.Stdout, res.Stderr)
			}
			if !strings.Contains(res.Stderr, ": warning: ") {
				t.Errorf("stderr has no warning:\n%s", res.Stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.Stderr, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, res.Stderr)
				}
			}
			if strings.Contains(res.Stderr, "::error") {
				t.Errorf("a warning was annotated as an error:\n%s", res.Stderr)
			}
			for _, line := range strings.Split(strings.TrimSpace(res.Stderr), "\n") {
				if !strings.HasPrefix(line, warningsFile+":") && !strings.HasPrefix(line, "::warning ") {
					t.Errorf("unexpected stderr line %q", line)
				}
			}
		})
	}
}

// TestValidateWithoutWarningsIsQuiet: a file without warnings prints only
// its OK line.
func TestValidateWithoutWarningsIsQuiet(t *testing.T) {
	t.Parallel()
	res := clitest.Mlabctl(t, map[string]string{"GITHUB_ACTIONS": "true"}, "validate", "-f", "../../../spec/testdata/valid/contract.yaml")
	if res.Code != 0 || res.Stderr != "" {
		t.Errorf("exit %d, stderr %q; want 0 and nothing on stderr", res.Code, res.Stderr)
	}
}
