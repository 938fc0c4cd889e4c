package completioncmd_test

import (
	"bytes"
	"context"
	"io"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// realScript is what `mlabctl completion SHELL` prints, run in-process.
func realScript(t *testing.T, shell string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"mlabctl", "completion", shell}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("mlabctl completion %s: exit %d, stderr %q", shell, code, stderr.String())
	}
	return stdout.String()
}

// TestCompletionRealValues completes the real command tree's known values
// in each real shell, from the script `mlabctl completion SHELL` prints:
// -o's formats as each command has them, the shells of `completion`,
// --expiry's lifetimes, --scopes' names (remote's), element by element,
// and --target's sections, each time the flag is given.
func TestCompletionRealValues(t *testing.T) {
	scopes := remote.NamedScopes()
	sort.Strings(scopes)
	var tokensScopes []string
	for _, s := range scopes {
		if strings.HasPrefix(s, "tokens:") {
			tokensScopes = append(tokensScopes, "profile:read,"+s)
		}
	}
	sections := sorted(plan.TargetSections...)
	expiries := sorted("1_week", "1_month", "3_months", "6_months", "1_year", "never")
	cases := []struct {
		name, line string
		want       []string
	}{
		{"plan -o", "mlabctl plan -o ", sorted("text", "markdown", "json")},
		{"plan --output=", "mlabctl plan --output=", sorted("text", "markdown", "json")},
		{"auth login -o", "mlabctl auth login -o ", sorted("text", "json")},
		{"auth tokens list -o", "mlabctl auth tokens list --output ", sorted("text", "json")},
		{"completion", "mlabctl completion ", sorted("bash", "fish", "zsh")},
		{"login --expiry", "mlabctl auth login --expiry ", expiries},
		{"refresh --expiry", "mlabctl auth refresh --expiry 1_", sorted("1_week", "1_month", "1_year")},
		{"login --scopes", "mlabctl auth login --scopes ", scopes},
		{"login --scopes, the next one", "mlabctl auth login --scopes profile:read,tokens:", tokensScopes},
		{"plan --target", "mlabctl plan --target ", sections},
		{"apply --target=", "mlabctl apply --target=a", sorted("access_tokens", "api_keys")},
		{"plan --target, repeated", "mlabctl plan --target team --target p", sorted("preferences", "profile")},
		{"no h among the commands", "mlabctl h", []string{"help"}},
		{"no h among auth's commands", "mlabctl auth h", []string{"help"}},
	}
	for _, shell := range []struct {
		name     string
		complete func(t *testing.T, script, line string) []string
	}{
		{"bash", bashComplete},
		{"zsh", zshComplete},
		{"fish", fishComplete},
	} {
		t.Run(shell.name, func(t *testing.T) {
			requireTool(t, shell.name)
			script := realScript(t, shell.name)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					if diff := cmp.Diff(tc.want, shell.complete(t, script, tc.line)); diff != "" {
						t.Errorf("%s completing %q (-want +got):\n%s", shell.name, tc.line, diff)
					}
				})
			}
		})
	}
}

// TestCompletionKnowsEveryValue checks the real tree: every -o lists its
// formats, every --expiry the API's lifetimes, every --scopes remote's
// scope names as a list, so that a new command's flag cannot go without.
func TestCompletionKnowsEveryValue(t *testing.T) {
	tree, err := completionTree(newApp(strings.NewReader(""), io.Discard, io.Discard), nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, n := range tree {
		for _, c := range n.Commands {
			if slices.Contains(c.Names, "h") {
				t.Errorf("mlabctl %s offers h", n.Path)
			}
		}
		for _, f := range n.Flags {
			where := strings.TrimSpace("mlabctl " + n.Path + " " + f.Names[0])
			switch f.Names[0] {
			case "--output":
				seen["--output"]++
				if len(f.Values) < 2 || !slices.Contains(f.Values, "text") || f.List {
					t.Errorf("%s completes %q (list %v), want its formats", where, f.Values, f.List)
				}
			case "--expiry":
				seen["--expiry"]++
				if diff := cmp.Diff([]string{"1_week", "1_month", "3_months", "6_months", "1_year", "never"}, f.Values); diff != "" || f.List {
					t.Errorf("%s values (-want +got):\n%s", where, diff)
				}
			case "--target":
				seen["--target"]++
				if diff := cmp.Diff(plan.TargetSections, f.Values); diff != "" || f.List {
					t.Errorf("%s values (list %v) (-want +got):\n%s", where, f.List, diff)
				}
			case "--scopes":
				seen["--scopes"]++
				if diff := cmp.Diff(remote.NamedScopes(), f.Values); diff != "" || !f.List {
					t.Errorf("%s values (list %v) (-want +got):\n%s", where, f.List, diff)
				}
			}
		}
	}
	for _, flag := range []string{"--output", "--expiry", "--scopes", "--target"} {
		if seen[flag] == 0 {
			t.Errorf("no command has %s", flag)
		}
	}
	if seen["--target"] != 2 {
		t.Errorf("%d commands complete --target, want plan and apply", seen["--target"])
	}
	t.Logf("checked %d -o, %d --expiry, %d --scopes and %d --target flags", seen["--output"], seen["--expiry"], seen["--scopes"], seen["--target"])
}
