package plancmd_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/golden"
	"github.com/mlabctl/mlabctl/schema"
)

// start is the time of every test's clock, mlabctl's and the emulator's.
var start = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// demoWorld is the demo account on an emulator standing at start, and the
// environment of a run against it at the same time.
func demoWorld(t *testing.T, configure ...func(*emulator.Server)) (*emulatortest.Server, map[string]string) {
	t.Helper()
	clock := emulatortest.NewClock(start)
	em := emulatortest.StartAt(t, clock, configure...)
	return em, clitest.ClockEnv(clitest.DemoEnv(em), clock.Now())
}

// checkPlanSchema validates a JSON plan printed by the command against the
// published schema (mlabctl schema --plan).
func checkPlanSchema(t *testing.T, out string) {
	t.Helper()
	compiled, err := schema.PlanCompiled()
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("the JSON plan does not decode: %v\n%s", err, out)
	}
	if err := compiled.Validate(v); err != nil {
		t.Errorf("the JSON plan does not match schema/plan.schema.json: %v\n%s", err, out)
	}
}

const specFile = "testdata/modelslab.yaml"

// TestPlanGolden plans testdata/modelslab.yaml against the demo account
// with --replace and --target, in every format: the text, markdown and
// JSON plans are golden files (the emulator's URL as EMULATOR), every JSON
// plan matches the published schema, and nothing is changed.
func TestPlanGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"whole", nil},
		{"replace", []string{"--replace", "api_key.ci"}},
		{"replace_two", []string{"--replace", "api_key.ci", "--replace", "api_key.dashboard-playground"}},
		{"target_key", []string{"--target", "api_key.old-key"}},
		{"target_section", []string{"--target", "team"}},
		{"target_two", []string{"--target", "profile", "--target", "team_member.bob@example.com"}},
		{"target_and_replace", []string{"--replace", "api_key.ci", "--target", "api_keys"}},
		{"target_without_changes", []string{"--target", "api_key.production"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			em, env := demoWorld(t)
			for _, format := range []string{"text", "markdown", "json"} {
				res := clitest.Mlabctl(t, env, append([]string{"plan", "-f", specFile, "-o", format}, tc.args...)...)
				if res.Code != 0 {
					t.Fatalf("-o %s: exit %d, stderr %q", format, res.Code, res.Stderr)
				}
				out := strings.ReplaceAll(res.Stdout, em.URL, "EMULATOR")
				ext := map[string]string{"text": ".txt", "markdown": ".md", "json": ".json"}[format]
				golden.Check(t, filepath.Join("testdata", "plans", tc.name+ext), []byte(out))
				if format == "json" {
					checkPlanSchema(t, res.Stdout)
				}
				if slices.Contains(tc.args, "--target") && format != "json" && !strings.Contains(out, "partial") {
					t.Errorf("-o %s: a plan with --target does not say it is partial:\n%s", format, out)
				}
			}
			if m := em.Mutations(); len(m) > 0 {
				t.Errorf("plan changed the account: %v", m)
			}
		})
	}
}

// TestPlanOptionErrors: a --replace or --target that names nothing is an
// error (exit 1) saying what the name is instead; --replace of a protected
// key is refused by its rail (exit 3) at the line of `protect`; either way
// nothing is changed.
func TestPlanOptionErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"replace a typo", []string{"--replace", "api_key.cii"}, 1,
			[]string{"Error: --replace api_key.cii: matches no API key declared in modelslab.yaml; did you mean api_key.ci?"}},
		{"replace an undeclared key", []string{"--replace", "api_key.old-key"}, 1,
			[]string{"--replace api_key.old-key: the key is not declared in modelslab.yaml"}},
		{"replace a team member", []string{"--replace", "team_member.bob@example.com"}, 1,
			[]string{"only API keys can be replaced"}},
		{"replace a malformed address", []string{"--replace", "ci"}, 1,
			[]string{"--replace ci: invalid address"}},
		{"replace a protected key", []string{"--replace", "api_key.production"}, 3,
			[]string{"testdata/modelslab.yaml:9:14: API key \"production\" is protected; remove \"protect: true\"", "Error: the plan is refused by a safety rail (1 problem above); nothing was changed."}},
		{"target nothing", []string{"--target", "api_key.nope"}, 1,
			[]string{"--target api_key.nope: names nothing in modelslab.yaml or the live account"}},
		{"target a typo", []string{"--target", "team_member.bobb@example.com"}, 1,
			[]string{"did you mean team_member.bob@example.com?"}},
		{"target an unknown section", []string{"--target", "keys"}, 1,
			[]string{"--target keys: invalid address"}},
		{"replace outside the target", []string{"--replace", "api_key.ci", "--target", "team"}, 1,
			[]string{"--replace api_key.ci: is outside --target team; add it to --target"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			em, env := demoWorld(t)
			env["GITHUB_ACTIONS"] = "true"
			res := clitest.Mlabctl(t, env, append([]string{"plan", "-f", specFile}, tc.args...)...)
			if res.Code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", res.Code, tc.code, res.Stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.Stderr, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, res.Stderr)
				}
			}
			if tc.code == 3 && !strings.Contains(res.Stderr, "::error file=testdata/modelslab.yaml,line=9,col=14::") {
				t.Errorf("no annotation at the protect line under GitHub Actions:\n%s", res.Stderr)
			}
			if res.Stdout != "" {
				t.Errorf("a refused plan printed a plan:\n%s", res.Stdout)
			}
			if m := em.Mutations(); len(m) > 0 {
				t.Errorf("plan changed the account: %v", m)
			}
		})
	}
}

// TestPlanOptionsKeepCommas: a repeatable value is one address even with a
// comma in it (a key named "ci,eu"), for --replace and --target alike.
func TestPlanOptionsKeepCommas(t *testing.T) {
	t.Parallel()
	em, env := demoWorld(t)
	em.AddAPIKey(em.Demo.Username, emulator.Key{Name: "ci,eu", Notes: "EU runners", CreatedAt: start.AddDate(0, 0, -5)})
	file := clitest.WriteSpec(t, "version: 1\napi_keys:\n  - name: \"ci,eu\"\n    notes: EU runners\n  - name: ci\n    notes: Used by GitHub Actions\n")
	res := clitest.Mlabctl(t, env, "plan", "-f", file, "-o", "json", "--replace", "api_key.ci,eu", "--target", "api_key.ci,eu")
	if res.Code != 0 {
		t.Fatalf("exit %d, stderr %q", res.Code, res.Stderr)
	}
	var p struct {
		Changes []struct{ Address, Action string }
		Targets []string
	}
	if err := json.Unmarshal([]byte(res.Stdout), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Address != "api_key.ci,eu" || p.Changes[0].Action != "replace" || !slices.Equal(p.Targets, []string{"api_key.ci,eu"}) {
		t.Errorf("plan %+v, want one replace of api_key.ci,eu targeted as one address", p)
	}
}
