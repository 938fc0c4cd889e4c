package cli_test

// Tests of the command tree as a whole, like Tailscale's TestDocs: every
// command's usage is a sentence starting with a verb, every flag is
// documented with its environment variable, and --help works everywhere.
// They run in-process on cli.NewApp and need no binary.

import (
	"strings"
	"testing"
	"unicode"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/urfave/cli/v2"
)

// treeCommand is one command of the tree with its path from the root.
type treeCommand struct {
	Path    []string // e.g. ["auth", "tokens", "list"]
	Command *cli.Command
}

// String is the command line that runs it ("mlabctl auth tokens list").
func (c treeCommand) String() string {
	return strings.Join(append([]string{"mlabctl"}, c.Path...), " ")
}

// walkCommands returns every visible command of app, depth first in
// declaration order, skipping urfave's own help commands.
func walkCommands(app *cli.App) []treeCommand {
	var out []treeCommand
	var walk func(path []string, cmds []*cli.Command)
	walk = func(path []string, cmds []*cli.Command) {
		for _, cmd := range cmds {
			if cmd.Hidden || cmd.Name == "help" {
				continue
			}
			p := append(append([]string{}, path...), cmd.Name)
			out = append(out, treeCommand{Path: p, Command: cmd})
			walk(p, cmd.Subcommands)
		}
	}
	walk(nil, app.Commands)
	return out
}

// testApp is the real app with its output discarded.
func testApp() *cli.App { return clitest.App() }

// notVerbs are capitalised words a usage sentence must not start with: an
// article or a pronoun means the usage describes instead of commands.
var notVerbs = map[string]bool{
	"A": true, "An": true, "The": true, "This": true, "It": true, "Command": true, "Mlabctl": true,
}

// usageProblem returns what is wrong with a command's usage, or "".
// A usage is a short imperative sentence: "Print the JSON Schema", not
// "print the JSON Schema", "Prints the JSON Schema" or "The JSON Schema".
func usageProblem(usage string) string {
	if strings.TrimSpace(usage) == "" {
		return "has no Usage"
	}
	first, _, _ := strings.Cut(usage, " ")
	first = strings.TrimRight(first, ":,;")
	r := []rune(first)
	switch {
	case !unicode.IsUpper(r[0]):
		return "Usage " + quoteUsage(usage) + " must start with a capitalised verb"
	case notVerbs[first]:
		return "Usage " + quoteUsage(usage) + " must start with a verb, not " + quoteUsage(first)
	case strings.HasSuffix(first, "s") && !strings.HasSuffix(first, "ss") && len(first) > 3:
		return "Usage " + quoteUsage(usage) + " must start with an imperative verb (" + quoteUsage(strings.TrimSuffix(first, "s")) + ", not " + quoteUsage(first) + ")"
	case strings.HasSuffix(usage, "."):
		return "Usage " + quoteUsage(usage) + " must not end with a period (urfave prints it in a list)"
	}
	return ""
}

func quoteUsage(s string) string { return "\"" + s + "\"" }

func TestUsageProblem(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		usage string
		bad   bool
	}{
		{"Print the JSON Schema", false},
		{"Check modelslab.yaml offline", false},
		{"Manage credentials: sign up, log in", false},
		{"Access the emulator", false},
		{"print the JSON Schema", true},
		{"Prints the JSON Schema", true},
		{"The JSON Schema", true},
		{"Print the JSON Schema.", true},
		{"", true},
	} {
		if got := usageProblem(tc.usage); (got != "") != tc.bad {
			t.Errorf("usageProblem(%q) = %q, want a problem: %v", tc.usage, got, tc.bad)
		}
	}
}

func TestCommandUsages(t *testing.T) {
	t.Parallel()
	app := testApp()
	if p := usageProblem(app.Usage); p != "" {
		t.Errorf("mlabctl: %s", p)
	}
	for _, c := range walkCommands(app) {
		if p := usageProblem(c.Command.Usage); p != "" {
			t.Errorf("%s: %s", c, p)
		}
	}
}

// globalEnvVars maps each global flag's name to the environment variable
// that sets it (from the app-level flags, or "(env VAR)" in their usage for
// those read by hand, like NO_COLOR).
func globalEnvVars(app *cli.App) map[string]string {
	out := map[string]string{}
	for _, f := range app.Flags {
		d, ok := f.(cli.DocGenerationFlag)
		if !ok {
			continue
		}
		env := d.GetEnvVars()
		if len(env) == 0 {
			env = envInUsage(d.GetUsage())
		}
		if len(env) > 0 {
			out[f.Names()[0]] = env[0]
		}
	}
	return out
}

// envInUsage returns the variables a usage names as "(env VAR".
func envInUsage(usage string) []string {
	var vars []string
	for rest := usage; ; {
		i := strings.Index(rest, "(env ")
		if i < 0 {
			return vars
		}
		rest = rest[i+len("(env "):]
		name := strings.FieldsFunc(rest, func(r rune) bool { return r == ')' || r == ',' || r == ' ' })
		if len(name) > 0 {
			vars = append(vars, name[0])
		}
	}
}

func TestFlagUsages(t *testing.T) {
	t.Parallel()
	app := testApp()
	globalsEnv := globalEnvVars(app)
	check := func(where string, flags []cli.Flag, commandLevel bool) {
		for _, f := range flags {
			name := "--" + f.Names()[0]
			d, ok := f.(cli.DocGenerationFlag)
			if !ok {
				t.Errorf("%s %s: flag type %T has no usage", where, name, f)
				continue
			}
			usage := d.GetUsage()
			if strings.TrimSpace(usage) == "" {
				t.Errorf("%s %s: flag has no Usage", where, name)
			}
			// Flag usages are lower-case phrases ("path of modelslab.yaml"),
			// unless they start with an acronym ("HTTP `STATUS` of ...").
			if words := strings.Fields(usage); len(words) > 0 && unicode.IsUpper([]rune(words[0])[0]) && words[0] != strings.ToUpper(words[0]) {
				t.Errorf("%s %s: flag usage %q starts with a capital; flag usages are lower-case phrases", where, name, usage)
			}
			// A global flag has no EnvVars (the factory reads the
			// environment, see cmdutil.GlobalFlags), so its usage names
			// the variable itself.
			if env, global := globalsEnv[f.Names()[0]]; commandLevel && global && len(d.GetEnvVars()) == 0 && !strings.Contains(usage, "(env "+env) {
				t.Errorf("%s %s: usage %q does not mention (env %s)", where, name, usage, env)
			}
		}
	}
	check("mlabctl", app.Flags, false)
	for _, c := range walkCommands(app) {
		check(c.String(), c.Command.Flags, true)
	}
}

// runHelp runs mlabctl in-process and returns its exit code and output.
func runHelp(t *testing.T, args ...string) (int, string, string) {
	res := clitest.Run(t, clitest.Invocation{Args: args})
	return res.Code, res.Stdout, res.Stderr
}

// TestHelpEverywhere runs --help (and the help command) on every command:
// it exits 0, prints the usage, every flag and every environment variable.
func TestHelpEverywhere(t *testing.T) {
	t.Parallel()
	app := testApp()
	code, out, errOut := runHelp(t, "--help")
	if code != 0 {
		t.Fatalf("mlabctl --help: exit %d, stderr %q", code, errOut)
	}
	for _, env := range globalEnvVars(app) {
		if !strings.Contains(out, env) {
			t.Errorf("mlabctl --help does not mention %s:\n%s", env, out)
		}
	}
	for _, c := range walkCommands(app) {
		t.Run(c.String(), func(t *testing.T) {
			t.Parallel()
			forms := [][]string{append(append([]string{}, c.Path...), "--help")}
			// `mlabctl help plan`, `mlabctl auth help login`.
			parent, leaf := c.Path[:len(c.Path)-1], c.Path[len(c.Path)-1]
			forms = append(forms, append(append(append([]string{}, parent...), "help"), leaf))
			for _, args := range forms {
				code, out, errOut := runHelp(t, args...)
				if code != 0 {
					t.Errorf("mlabctl %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut)
					continue
				}
				if !strings.Contains(out, c.Command.Usage) {
					t.Errorf("mlabctl %s does not print the usage %q:\n%s", strings.Join(args, " "), c.Command.Usage, out)
				}
				for _, f := range c.Command.VisibleFlags() {
					if !strings.Contains(out, "--"+f.Names()[0]) {
						t.Errorf("mlabctl %s does not list --%s:\n%s", strings.Join(args, " "), f.Names()[0], out)
					}
					if d, ok := f.(cli.DocGenerationFlag); ok {
						for _, env := range d.GetEnvVars() {
							if !strings.Contains(out, env) {
								t.Errorf("mlabctl %s does not name %s for --%s", strings.Join(args, " "), env, f.Names()[0])
							}
						}
					}
				}
				// urfave/cli v2 lists subcommands only once the command has
				// been set up, which `mlabctl help auth` never does (it
				// prints the usage, not the list); `--help` must list them.
				if args[len(args)-1] != "--help" {
					continue
				}
				for _, sub := range c.Command.VisibleCommands() {
					if sub.Name != "help" && !strings.Contains(out, sub.Name) {
						t.Errorf("mlabctl %s does not list the subcommand %q", strings.Join(args, " "), sub.Name)
					}
				}
			}
		})
	}
}

// TestCommandTreeShape pins the commands CONTRACT.md promises, so a
// renamed or lost command fails here and not in a user's workflow.
func TestCommandTreeShape(t *testing.T) {
	t.Parallel()
	have := map[string]bool{}
	for _, c := range walkCommands(testApp()) {
		have[strings.Join(c.Path, " ")] = true
	}
	for _, want := range []string{
		"validate", "plan", "apply", "export", "schema", "emulator", "auth", "completion", "man", "version",
		"auth signup", "auth verify-email", "auth resend-verification", "auth login", "auth refresh",
		"auth logout", "auth logout-all", "auth forgot-password", "auth reset-password",
		"auth tokens", "auth tokens list", "auth tokens revoke", "auth tokens revoke-others",
		"auth switch-account", "auth accept-invite",
	} {
		if !have[want] {
			t.Errorf("mlabctl %s is missing from the command tree", want)
		}
	}
}
