package cli_test

// In-process tests of what every command shares: usage errors and unknown
// commands. Interrupts need a real process (signals): see
// e2e/e2e_cli_test.go.

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// TestUsageErrorsExitOneOnStderr: a malformed command line is exit 1 (never
// urfave's 3, which here means "refused by a safety rail"), with one line on
// stderr naming the problem and nothing on stdout, where a redirected plan
// would otherwise receive "Incorrect Usage" and the help.
func TestUsageErrorsExitOneOnStderr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "unknown command", args: []string{"frobnicate"}, want: `unknown command "frobnicate"; the commands are validate, plan, apply`},
		{name: "misspelt command", args: []string{"plna"}, want: `unknown command "plna"; did you mean "plan"? (see --help)`},
		{name: "unknown subcommand", args: []string{"auth", "frobnicate"}, want: `unknown command "frobnicate" for "mlabctl auth"; the commands are signup`},
		{name: "unknown nested subcommand", args: []string{"auth", "tokens", "frob"}, want: `unknown command "frob" for "mlabctl auth tokens"; the commands are list`},
		{name: "one letter", args: []string{"x"}, want: `unknown command "x"; the commands are validate, plan`},
		{name: "help of an unknown command", args: []string{"help", "frobnicate"}, want: `unknown command "frobnicate"; the commands are validate, plan, apply`},
		{name: "help of a misspelt command", args: []string{"help", "aply"}, want: `unknown command "aply"; did you mean "apply"? (see --help)`},
		{name: "help of a command without subcommands", args: []string{"plan", "help", "bogus"}, want: `unknown command "bogus" for "mlabctl plan", which has no subcommands`},
		{name: "unknown flag of a command", args: []string{"plan", "--bogus"}, want: "flag provided but not defined: -bogus"},
		{name: "flag without its value", args: []string{"plan", "--out"}, want: "flag needs an argument: -out"},
		{name: "unknown flag of a subcommand", args: []string{"auth", "login", "--bogus"}, want: "flag provided but not defined: -bogus"},
		{name: "unknown global flag", args: []string{"--bogus", "plan"}, want: "flag provided but not defined: -bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := clitest.Mlabctl(t, nil, tt.args...)
			if res.Code != cmdutil.ExitError {
				t.Errorf("exit %d, want %d", res.Code, cmdutil.ExitError)
			}
			if res.Stdout != "" {
				t.Errorf("stdout %q, want nothing", res.Stdout)
			}
			if !strings.HasPrefix(res.Stderr, "Error: ") || !strings.Contains(res.Stderr, tt.want) || strings.Count(res.Stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one Error: line containing %q", res.Stderr, tt.want)
			}
		})
	}
}

// TestErrorMessagesAreSanitized: an error quoting hostile text (here the
// name of an unknown command, standing for any live name or server message)
// never reaches the terminal with its control characters.
func TestErrorMessagesAreSanitized(t *testing.T) {
	t.Parallel()
	res := clitest.Mlabctl(t, nil, "evil\x1b[2K\rFAKE: all good")
	if res.Code != cmdutil.ExitError {
		t.Fatalf("exit %d, want %d", res.Code, cmdutil.ExitError)
	}
	if strings.ContainsAny(res.Stderr, "\x1b\r") {
		t.Errorf("stderr carries raw control characters: %q", res.Stderr)
	}
	if !strings.Contains(res.Stderr, `evil\x1b[2K\rFAKE`) {
		t.Errorf("stderr %q does not show the escaped name", res.Stderr)
	}
}

// TestRunsShareNothing runs command lines at once, as the parallel
// in-process tests do, each form of help among them: under -race it fails
// if two apps share something urfave/cli writes to (its --help flag and
// help command, see help.go).
func TestRunsShareNothing(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--help"}, {"help"}, {"help", "help"}, {"help", "plan"}, {"plan", "--help"}, {"plan", "help"},
		{"validate", "help", "help"}, {"auth", "help", "login"}, {"auth", "login", "--help"},
		{"auth", "tokens", "help"}, {"auth", "tokens", "list", "help", "help"}, {"version"},
	} {
		for i := range 3 {
			t.Run(fmt.Sprint(strings.Join(args, " "), " #", i), func(t *testing.T) {
				t.Parallel()
				if res := clitest.Mlabctl(t, nil, args...); res.Code != 0 || res.Stdout == "" {
					t.Errorf("mlabctl %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), res.Code, res.Stdout, res.Stderr)
				}
			})
		}
	}
}

// TestHelpOfAnUnknownCommandIsTheCommand: `help NAME` of a name that is no
// command says exactly what running NAME says (did you mean, or the list;
// exit 1), at the root and below, instead of urfave/cli's "No help topic";
// the help of a real command is still shown.
func TestHelpOfAnUnknownCommandIsTheCommand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ help, direct []string }{
		{[]string{"help", "frobnicate"}, []string{"frobnicate"}},
		{[]string{"help", "plna"}, []string{"plna"}},
		{[]string{"h", "plna"}, []string{"plna"}},
		{[]string{"auth", "help", "logn"}, []string{"auth", "logn"}},
		{[]string{"auth", "help", "frobnicate"}, []string{"auth", "frobnicate"}},
		{[]string{"auth", "tokens", "help", "frob"}, []string{"auth", "tokens", "frob"}},
	} {
		t.Run(strings.Join(tc.help, " "), func(t *testing.T) {
			t.Parallel()
			help, direct := clitest.Mlabctl(t, nil, tc.help...), clitest.Mlabctl(t, nil, tc.direct...)
			if help.Code != cmdutil.ExitError || help.Stdout != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing", help.Code, help.Stdout, cmdutil.ExitError)
			}
			if help.Stderr != direct.Stderr || !strings.Contains(help.Stderr, "unknown command") {
				t.Errorf("mlabctl %s said %q, want what mlabctl %s says: %q", strings.Join(tc.help, " "), help.Stderr, strings.Join(tc.direct, " "), direct.Stderr)
			}
		})
	}
	for _, args := range [][]string{{"help", "plan"}, {"auth", "help", "login"}, {"auth", "tokens", "help", "list"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			res := clitest.Mlabctl(t, nil, args...)
			if res.Code != 0 || !strings.Contains(res.Stdout, "mlabctl "+strings.Join(slices.Delete(slices.Clone(args), len(args)-2, len(args)-1), " ")) {
				t.Errorf("exit %d, stdout %q; want 0 and the command's help", res.Code, res.Stdout)
			}
		})
	}
}
