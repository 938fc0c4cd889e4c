package cli_test

// The rough edges a new user hit (issue 14), each held by a test that runs
// whole command lines in-process (clitest) against an emulator.

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// writeFile writes content to name in a fresh directory and returns its
// path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWrongPinIsAFileError: an `id:` that names no live key is a mistake in
// modelslab.yaml, reported at the FILE:LINE:COL of its value (not of the
// entry holding it) and exiting 1 like any invalid file, not "refused by
// safety rails" (3), by plan and by apply alike.
func TestWrongPinIsAFileError(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	for _, tt := range []struct {
		name, keys string
		wantPos    string
	}{
		{"id after name", "  - name: batch-jobs\n    id: 999999\n", ":4:9"},
		{"id first", "  - id: 999999\n    name: batch-jobs\n", ":3:9"},
		{"id after notes", "  - name: batch-jobs\n    notes: jobs\n    id:   999999\n", ":5:11"},
	} {
		file := writeFile(t, "modelslab.yaml", "version: 1\napi_keys:\n"+tt.keys+"ignore:\n  api_keys: [\"*\"]\n")
		for _, args := range [][]string{
			{"plan", "-f", file},
			{"plan", "--detailed-exitcode", "-f", file},
			{"apply", "--auto-approve", "-f", file},
		} {
			t.Run(tt.name+"/"+strings.Join(args[:len(args)-2], " "), func(t *testing.T) {
				before, _ := em.Snapshot(em.Demo.Username)
				res := clitest.Mlabctl(t, clitest.DemoEnv(em), args...)
				if res.Code != cmdutil.ExitError {
					t.Errorf("exit %d, want 1\n%s", res.Code, res.Stderr)
				}
				want := file + tt.wantPos + `: API key "batch-jobs" is pinned to id 999999, which is not a live key of account "acme-bot"; fix the id, or remove "id:" to create a new key` + "\n" +
					"Error: fix " + file + " (1 error above) and plan again; nothing was changed.\n"
				if res.Stderr != want {
					t.Errorf("stderr:\n%s\nwant:\n%s", res.Stderr, want)
				}
				assertUnchanged(t, em, before)
			})
		}
	}
}

// assertUnchanged fails unless the demo account is as it was.
func assertUnchanged(t *testing.T, em *emulatortest.Server, before emulator.Account) {
	t.Helper()
	after, _ := em.Snapshot(em.Demo.Username)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("the account changed (-before +after):\n%s", diff)
	}
}

// TestBooleanEnvironment: MLABCTL_DEBUG takes the booleans people write,
// in any case, and anything else is a clear error (exit 1), never a
// strconv message; validate needs no network and still checks it.
func TestBooleanEnvironment(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "modelslab.yaml", "version: 1\n")
	for _, v := range []string{"1", "0", "true", "FALSE", "yes", "No", "on", "OFF", ""} {
		res := clitest.Mlabctl(t, map[string]string{cmdutil.EnvDebug: v}, "validate", "-f", file)
		if res.Code != 0 {
			t.Errorf("MLABCTL_DEBUG=%q: exit %d: %s", v, res.Code, res.Stderr)
		}
	}
	res := clitest.Mlabctl(t, map[string]string{cmdutil.EnvDebug: "maybe"}, "validate", "-f", file)
	want := `Error: MLABCTL_DEBUG="maybe" is not a boolean: use 1, true, yes or on to turn it on, and 0, false, no, off or nothing to turn it off (see --help)` + "\n"
	if res.Code != cmdutil.ExitError || res.Stderr != want {
		t.Errorf("MLABCTL_DEBUG=maybe: exit %d, stderr %q; want 1, %q", res.Code, res.Stderr, want)
	}
}

// TestOfflineCommandsHaveNoNetworkFlags: the help of a command that never
// touches the network does not offer --token, --base-url or --debug.
func TestOfflineCommandsHaveNoNetworkFlags(t *testing.T) {
	t.Parallel()
	app := clitest.App()
	offline := map[string]bool{"validate": true, "schema": true, "fmt": true, "show": true, "completion": true, "version": true}
	seen := 0
	for _, c := range app.Commands {
		if !offline[c.Name] {
			continue
		}
		seen++
		res := clitest.Mlabctl(t, nil, c.Name, "--help")
		if res.Code != 0 {
			t.Errorf("%s --help: exit %d: %s", c.Name, res.Code, res.Stderr)
		}
		for _, flag := range []string{"--token", "--base-url", "--debug"} {
			if strings.Contains(res.Stdout, flag) {
				t.Errorf("mlabctl %s --help lists %s:\n%s", c.Name, flag, res.Stdout)
			}
		}
		if c.Name == "validate" && !strings.Contains(res.Stdout, "--file value, -f value") {
			t.Errorf("validate --help lost -f:\n%s", res.Stdout)
		}
	}
	if seen < 4 {
		t.Errorf("found %d offline commands, want at least validate, schema, completion and version", seen)
	}
}

// TestApplyYAMLAsPlanFile: `apply modelslab.yaml` says the file is a
// modelslab.yaml, not a plan file, and gives the command that applies it.
func TestApplyYAMLAsPlanFile(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	dir := t.TempDir()
	yamlFile := filepath.Join(dir, "modelslab.yaml")
	noExt := filepath.Join(dir, "account")
	for _, p := range []string{yamlFile, noExt} {
		if err := os.WriteFile(p, []byte("version: 1\nsocials: {github: acme}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{yamlFile, noExt} {
		before, _ := em.Snapshot(em.Demo.Username)
		res := clitest.Mlabctl(t, clitest.DemoEnv(em), "apply", path)
		want := "Error: " + path + " is a modelslab.yaml, not a plan file: to plan and apply it, run `mlabctl apply -f " + path +
			"`; a PLANFILE is what `mlabctl plan --out FILE` saved (see --help)\n"
		if res.Code != cmdutil.ExitError || res.Stderr != want {
			t.Errorf("apply %s: exit %d, stderr\n%s\nwant exit 1 and\n%s", path, res.Code, res.Stderr, want)
		}
		assertUnchanged(t, em, before)
	}
}

// TestPanicIsAnInternalError: a panic (here the clock, which plan reads
// after fetching the account) never escapes as Go's exit 2, which
// `plan --detailed-exitcode` means as "changes pending": it is an internal
// error, exit 1, saying where and how to report it; MLABCTL_DEBUG adds the
// stack.
func TestPanicIsAnInternalError(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	file := writeFile(t, "modelslab.yaml", "version: 1\nsocials: {github: acme}\n")
	for _, debug := range []string{"", "1"} {
		t.Run("MLABCTL_DEBUG="+debug, func(t *testing.T) {
			env := clitest.DemoEnv(em)
			env[cmdutil.EnvDebug] = debug
			res := clitest.Run(t, clitest.Invocation{
				Args: []string{"plan", "--detailed-exitcode", "-f", file},
				Env:  env,
				Now:  func() time.Time { panic("clock\n::error::broken") },
			})
			if res.Code != cmdutil.ExitError {
				t.Errorf("exit %d, want 1", res.Code)
			}
			lines := strings.Split(res.Stderr, "\n")
			i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "Error: ") })
			if i < 0 {
				t.Fatalf("no Error line in\n%s", res.Stderr)
			}
			if want := `Error: internal error: clock\n::error::broken (in internal/cli/edges_test.go`; !strings.HasPrefix(lines[i], `Error: internal error: clock\n::error::broken (in `) {
				t.Errorf("Error line %q, want it to start %q", lines[i], want)
			}
			if !strings.Contains(res.Stderr, "please report it at https://github.com/mlabctl/mlabctl/issues") {
				t.Errorf("no hint on how to report it:\n%s", res.Stderr)
			}
			if hasStack := strings.Contains(res.Stderr, "goroutine "); hasStack != (debug == "1") {
				t.Errorf("stack trace shown: %v, want %v (MLABCTL_DEBUG=%q):\n%s", hasStack, debug == "1", debug, res.Stderr)
			}
			for _, l := range lines {
				if strings.HasPrefix(strings.TrimSpace(l), "::") {
					t.Errorf("a line starts a workflow command: %q", l)
				}
			}
		})
	}
}

// TestSpecWarningsAreShown: a valid file's warnings (an ignore glob that
// matches a declared name) are printed by validate and plan on stderr as
// FILE:LINE:COL: warning: …, and annotated under GitHub Actions; the
// command still succeeds and stdout stays the command's own output.
func TestSpecWarningsAreShown(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	file := writeFile(t, "modelslab.yaml", "version: 1\napi_keys:\n  - name: dashboard-main\nignore:\n  api_keys: [\"dashboard-*\", \"*\"]\n")
	warning := file + `:5:14: warning: ignore.api_keys[0]: "dashboard-*" matches the declared API key "dashboard-main": ignore applies only to live items the file does not declare, so it never affects a declared one; narrow the glob if it was meant for others`
	for _, args := range [][]string{{"validate", "-f", file}, {"plan", "-f", file}, {"plan", "-o", "json", "-f", file}} {
		t.Run(strings.Join(args[:len(args)-2], " "), func(t *testing.T) {
			env := clitest.DemoEnv(em)
			env["GITHUB_ACTIONS"] = "true"
			res := clitest.Mlabctl(t, env, args...)
			if res.Code != 0 {
				t.Fatalf("exit %d\n%s", res.Code, res.Stderr)
			}
			if !strings.Contains(res.Stderr, warning+"\n") {
				t.Errorf("stderr lacks the warning %q:\n%s", warning, res.Stderr)
			}
			if !strings.Contains(res.Stderr, "::warning file="+file+",line=5,col=14::ignore.api_keys[0]") {
				t.Errorf("no ::warning annotation:\n%s", res.Stderr)
			}
			if strings.Contains(res.Stdout, "warning:") {
				t.Errorf("the warning is on stdout:\n%s", res.Stdout)
			}
		})
	}
}

// TestUnknownCommands: an unknown command is a usage error worded like the
// others, with a "did you mean" when one is close and the list of commands
// otherwise; exit 1, nothing on stdout.
func TestUnknownCommands(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `Error: unknown command "bogus"; the commands are validate, plan, apply, `},
		{[]string{"plna"}, `Error: unknown command "plna"; did you mean "plan"? (see --help)`},
		{[]string{"Validate"}, `Error: unknown command "Validate"; did you mean "validate"? (see --help)`},
		{[]string{"auth", "logn"}, `Error: unknown command "logn" for "mlabctl auth"; did you mean "login"? (see --help)`},
		{[]string{"auth", "tokens", "lst"}, `Error: unknown command "lst" for "mlabctl auth tokens"; did you mean "list"? (see --help)`},
	} {
		res := clitest.Mlabctl(t, nil, tc.args...)
		if res.Code != cmdutil.ExitError || res.Stdout != "" || !strings.HasPrefix(res.Stderr, tc.want) || strings.Count(res.Stderr, "\n") != 1 {
			t.Errorf("mlabctl %s: exit %d, stdout %q, stderr %q; want exit 1 and one line starting %q", strings.Join(tc.args, " "), res.Code, res.Stdout, res.Stderr, tc.want)
		}
	}
	// A group without a subcommand still shows its help.
	for _, args := range [][]string{nil, {"auth"}, {"auth", "tokens"}} {
		res := clitest.Mlabctl(t, nil, args...)
		if res.Code != 0 || !strings.Contains(res.Stdout, "USAGE:") {
			t.Errorf("mlabctl %s: exit %d, stdout %q; want the help", strings.Join(args, " "), res.Code, res.Stdout)
		}
	}
}

// TestVersionFlag: `mlabctl --version` prints what `mlabctl version` does.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	flag := clitest.Mlabctl(t, nil, "--version")
	cmd := clitest.Mlabctl(t, nil, "version")
	if flag.Code != 0 || flag.Stdout != cmd.Stdout || !strings.HasPrefix(flag.Stdout, "mlabctl ") {
		t.Errorf("--version: exit %d, %q; version: %q", flag.Code, flag.Stdout, cmd.Stdout)
	}
}

// TestUnreadableFile: a modelslab.yaml mlabctl may not read is named once,
// with a hint. Root reads any file, so this needs another user (the
// message itself is held by spec's TestOpenErrorNamesThePathOnce).
func TestUnreadableFile(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root may read any file")
	}
	file := writeFile(t, "modelslab.yaml", "version: 1\n")
	if err := os.Chmod(file, 0); err != nil {
		t.Fatal(err)
	}
	res := clitest.Mlabctl(t, nil, "validate", "-f", file)
	want := `Error: reading "` + file + `": permission denied (mlabctl needs to read it: check the file's owner and mode with ls -l, or run as a user who may read it)` + "\n"
	if res.Code != cmdutil.ExitError || res.Stderr != want {
		t.Errorf("exit %d, stderr %q; want 1 and %q", res.Code, res.Stderr, want)
	}
}
