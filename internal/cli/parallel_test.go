package cli_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
)

// TestParallelRunsShareNothing runs command lines in-process at once, as
// parallel command tests do: help in every form (urfave/cli's help flag and
// help command are package-level values it writes to on every run; see
// help.go), a usage error and a real command. Under -race any state shared
// between runs fails it; without, each run must still print its own help.
func TestParallelRunsShareNothing(t *testing.T) {
	t.Parallel()
	lines := []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "mlabctl - Manage a ModelsLab account"},
		{[]string{"help"}, "mlabctl - Manage a ModelsLab account"},
		{[]string{"help", "plan"}, "mlabctl plan - Show what apply would change"},
		{[]string{"plan", "--help"}, "--detailed-exitcode"},
		{[]string{"plan", "-h"}, "--detailed-exitcode"},
		{[]string{"plan", "help"}, "--detailed-exitcode"},
		{[]string{"fmt", "--help"}, "--check"},
		{[]string{"auth", "--help"}, "accept-invite"},
		{[]string{"auth", "help", "login"}, "mlabctl auth login"},
		{[]string{"auth", "tokens", "list", "--help"}, "mlabctl auth tokens list"},
		{[]string{"schema", "--plan"}, "mlabctl plan -o json"},
		{[]string{"validate", "--bogus"}, "flag provided but not defined"},
	}
	const rounds = 4
	var wg sync.WaitGroup
	for range rounds {
		for _, l := range lines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := clitest.Mlabctl(t, nil, l.args...)
				if !strings.Contains(res.Stdout+res.Stderr, l.want) {
					t.Errorf("mlabctl %s: exit %d, output does not contain %q:\n%s%s", strings.Join(l.args, " "), res.Code, l.want, res.Stdout, res.Stderr)
				}
			}()
		}
	}
	wg.Wait()
	t.Logf("%d runs of %d command lines at once", rounds*len(lines), len(lines))
}

// TestMalformedTestClockStopsEveryCommand: a MLABCTL_TEST_NOW that is not
// RFC 3339 stops any command before it runs (exit 1), naming the variable.
func TestMalformedTestClockStopsEveryCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"validate", "-f", "../../examples/modelslab.yaml"}, {"fmt", "--check", "-f", "../../examples/modelslab.yaml"}, {"version"}} {
		res := clitest.Mlabctl(t, map[string]string{"MLABCTL_TEST_NOW": "next tuesday"}, args...)
		if res.Code != 1 || res.Stdout != "" || !strings.Contains(res.Stderr, `MLABCTL_TEST_NOW="next tuesday" is not an RFC 3339 time`) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 naming the variable", args, res.Code, res.Stdout, res.Stderr)
		}
	}
}
