package emulatorcmd_test

import (
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
)

// TestVariantFlagRefusals: a misspelt variant or profile is a usage error
// (exit 1) naming the valid values, before anything listens.
func TestVariantFlagRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--pagination", "lavarel"}, []string{`invalid --pagination "lavarel": use laravel, links, items, none or default`, "(see --help)"}},
		{[]string{"--api-profile", "strict"}, []string{`invalid --api-profile "strict": use default or documented`}},
		{[]string{"--api-profile", "documented", "--errors", "xml", "--timestamps", "unix"}, []string{`invalid --errors "xml"`, `invalid --timestamps "unix": use sql or default`}},
		{[]string{"--window-limit", "-1"}, []string{"must not be negative"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			res := clitest.Mlabctl(t, nil, append([]string{"emulator", "--listen", "127.0.0.1:0"}, tc.args...)...)
			if res.Code != 1 {
				t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.Stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, res.Stderr)
				}
			}
			if strings.Contains(res.Stdout, "base URL") {
				t.Errorf("the emulator started:\n%s", res.Stdout)
			}
		})
	}
}
