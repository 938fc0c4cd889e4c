package cmdutil

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
	"github.com/urfave/cli/v2"
)

// testFactory is a Factory on test streams and the environment env.
func testFactory(env map[string]string) *Factory {
	ios, _, _ := iostreams.Test("")
	return &Factory{IO: ios, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
}

// globalsOf runs args through a two-level app (the global flags on the app,
// on `auth` and on `auth login`) and returns the globals `login` resolves.
func globalsOf(t *testing.T, f *Factory, args ...string) (got Globals, fileGiven bool) {
	t.Helper()
	// No help: urfave/cli's help flag and command are shared by every
	// app (package cli gives its apps private ones), and these tests run
	// in parallel.
	app := &cli.App{
		Name:     "mlabctl",
		Flags:    GlobalFlags(),
		HideHelp: true,
		Commands: []*cli.Command{{
			Name:     "auth",
			Flags:    WithGlobals(),
			HideHelp: true,
			Subcommands: []*cli.Command{{
				Name:     "login",
				Flags:    WithGlobals(),
				HideHelp: true,
				Action: func(c *cli.Context) error {
					got, fileGiven = f.Globals(c), FileGiven(c)
					return nil
				},
			}},
		}},
	}
	if err := app.RunContext(context.Background(), append([]string{"mlabctl"}, args...)); err != nil {
		t.Fatal(err)
	}
	return got, fileGiven
}

func TestGlobals(t *testing.T) {
	t.Parallel()
	defaults := Globals{BaseURL: DefaultBaseURL, File: DefaultFile}
	for _, tc := range []struct {
		name      string
		env       map[string]string
		args      []string
		want      Globals
		fileGiven bool
	}{
		{name: "defaults", args: []string{"auth", "login"}, want: defaults},
		{name: "environment", env: map[string]string{EnvBaseURL: " http://127.0.0.1:1 ", EnvToken: "tok\n", EnvFile: "env.yaml", EnvDebug: "1", EnvNoColor: "x"},
			args: []string{"auth", "login"}, want: Globals{BaseURL: "http://127.0.0.1:1", Token: "tok", File: "env.yaml", Debug: true, NoColor: true}},
		{name: "an empty variable is a value", env: map[string]string{EnvFile: ""}, args: []string{"auth", "login"},
			want: Globals{BaseURL: DefaultBaseURL}},
		{name: "flag before the command", env: map[string]string{EnvToken: "env"}, args: []string{"--token", "app", "-f", "a.yaml", "auth", "login"},
			want: Globals{BaseURL: DefaultBaseURL, Token: "app", File: "a.yaml"}, fileGiven: true},
		{name: "innermost flag wins", args: []string{"--token", "app", "auth", "--token", "auth", "login", "--token", "login"},
			want: Globals{BaseURL: DefaultBaseURL, Token: "login", File: DefaultFile}},
		{name: "a parent's flag wins over the app's", args: []string{"--file", "app.yaml", "auth", "--file", "auth.yaml", "login"},
			want: Globals{BaseURL: DefaultBaseURL, File: "auth.yaml"}, fileGiven: true},
		{name: "alias", args: []string{"auth", "login", "-f", "x.yaml"}, want: Globals{BaseURL: DefaultBaseURL, File: "x.yaml"}, fileGiven: true},
		{name: "a flag wins over the environment, false included", env: map[string]string{EnvDebug: "true"}, args: []string{"auth", "login", "--debug=false"},
			want: defaults},
		{name: "--no-color or NO_COLOR", args: []string{"--no-color", "auth", "login"}, want: Globals{BaseURL: DefaultBaseURL, File: DefaultFile, NoColor: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, fileGiven := globalsOf(t, testFactory(tc.env), tc.args...)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Globals (-want +got):\n%s", diff)
			}
			if fileGiven != tc.fileGiven {
				t.Errorf("FileGiven = %v, want %v", fileGiven, tc.fileGiven)
			}
		})
	}
}

func TestCheckEnv(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"yes please", "2", "enabled", "tru"} {
		err := testFactory(map[string]string{EnvDebug: bad}).CheckEnv()
		want := fmt.Sprintf(`MLABCTL_DEBUG=%q is not a boolean: use 1, true, yes or on to turn it on, and 0, false, no, off or nothing to turn it off (see --help)`, bad)
		if err == nil || err.Error() != want || ExitCode(err) != ExitError {
			t.Errorf("MLABCTL_DEBUG=%q: %v, want %q (exit 1)", bad, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "strconv") {
			t.Errorf("MLABCTL_DEBUG=%q: a strconv error: %v", bad, err)
		}
	}
	for v, want := range map[string]bool{
		"": false, "0": false, "false": false, "FALSE": false, "no": false, "No": false, "off": false, "OFF": false,
		"1": true, "true": true, "True": true, "yes": true, "YES": true, "on": true, " On ": true,
	} {
		f := testFactory(map[string]string{EnvDebug: v})
		if err := f.CheckEnv(); err != nil {
			t.Errorf("MLABCTL_DEBUG=%q: %v", v, err)
		}
		if got, _ := f.envBool(EnvDebug); got != want {
			t.Errorf("MLABCTL_DEBUG=%q reads %v, want %v", v, got, want)
		}
	}
}

func TestCheckOutput(t *testing.T) {
	t.Parallel()
	if err := CheckOutput("json", OutputText, OutputJSON); err != nil {
		t.Error(err)
	}
	for _, tc := range []struct {
		formats []string
		want    string
	}{
		{[]string{OutputText, OutputJSON}, `invalid --output "yaml": use text or json (see --help)`},
		{[]string{OutputText, OutputMarkdown, OutputJSON}, `invalid --output "yaml": use text, markdown or json (see --help)`},
	} {
		err := CheckOutput("yaml", tc.formats...)
		if err == nil || err.Error() != tc.want || ExitCode(err) != ExitError {
			t.Errorf("CheckOutput = %v, want %q exiting 1", err, tc.want)
		}
	}
}
