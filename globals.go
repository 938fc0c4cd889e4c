package main

import (
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// Names of the global flags and their environment variables (CONTRACT.md).
const (
	flagBaseURL = "base-url"
	flagToken   = "token"
	flagFile    = "file"
	flagNoColor = "no-color"
	flagDebug   = "debug"

	envBaseURL = "MODELSLAB_BASE_URL"
	envToken   = "MODELSLAB_TOKEN"
	envFile    = "MODELSLAB_FILE"
	envNoColor = "NO_COLOR"
	envDebug   = "MLABCTL_DEBUG"

	defaultBaseURL = "https://modelslab.com"
	defaultFile    = "modelslab.yaml"
)

// globalFlags returns the global flags. NO_COLOR is read by globals itself:
// no-color.org says any non-empty value counts, which a BoolFlag would reject. The app carries them with their
// environment variables; every command carries a copy without them
// (onCommand), so that `mlabctl plan --token X` and `mlabctl --token X plan`
// both work and a flag always wins over the environment (see globals).
func globalFlags(onCommand bool) []cli.Flag {
	// urfave prints "[$VAR]" after a flag that has EnvVars; the command-level
	// copies have none, so their usage names the variable itself.
	env := func(name string) []string {
		if onCommand {
			return nil
		}
		return []string{name}
	}
	usage := func(text, name string) string {
		if onCommand {
			return text + " (env " + name + ")"
		}
		return text
	}
	return []cli.Flag{
		&cli.StringFlag{Name: flagBaseURL, Usage: usage("site root of the ModelsLab API", envBaseURL), Value: defaultBaseURL, EnvVars: env(envBaseURL)},
		&cli.StringFlag{Name: flagToken, Usage: usage("access token; prefer the environment variable, a flag shows in the process list", envToken), EnvVars: env(envToken)},
		&cli.StringFlag{Name: flagFile, Aliases: []string{"f"}, TakesFile: true, Usage: usage("path of modelslab.yaml", envFile), Value: defaultFile, EnvVars: env(envFile)},
		&cli.BoolFlag{Name: flagNoColor, Usage: "never colour the output (env " + envNoColor + ", any non-empty value)"},
		&cli.BoolFlag{Name: flagDebug, Usage: usage("log every HTTP request (method, path, status, duration, request id; never a secret) to stderr", envDebug), EnvVars: env(envDebug)},
	}
}

// withGlobals appends the command-level copies of the global flags to a
// command's own flags.
func withGlobals(flags ...cli.Flag) []cli.Flag {
	return append(flags, globalFlags(true)...)
}

// globalOptions are the resolved global flags.
type globalOptions struct {
	BaseURL string
	Token   string
	File    string
	NoColor bool
	Debug   bool
}

// globals resolves the global flags for a command: a flag given after the
// command (or a parent command) wins, then one given before it, then the
// environment, then the default.
func globals(c *cli.Context) globalOptions {
	return globalOptions{
		BaseURL: strings.TrimSpace(lookupString(c, flagBaseURL)),
		Token:   strings.TrimSpace(lookupString(c, flagToken)),
		File:    lookupString(c, flagFile),
		NoColor: lookupBool(c, flagNoColor) || os.Getenv(envNoColor) != "",
		Debug:   lookupBool(c, flagDebug),
	}
}

// setOn returns the nearest context below the app whose command defines the
// flag and whose command line set it, or the app's context.
func setOn(c *cli.Context, name string) *cli.Context {
	lineage := c.Lineage()
	for _, ctx := range lineage {
		if ctx.Command == nil || ctx.Command.Name == "" {
			continue
		}
		for _, f := range ctx.Command.Flags {
			for _, n := range f.Names() {
				if n == name && ctx.IsSet(name) {
					return ctx
				}
			}
		}
	}
	// The app's own context carries the app-level flags (with their
	// environment variables and defaults). It is the outermost context
	// urfave made for the app: the very last one in the lineage is a bare
	// parent holding only the context.Context, whose lookups return "".
	root := lineage[len(lineage)-1]
	for _, ctx := range lineage {
		if ctx.App != nil {
			root = ctx
		}
	}
	return root
}

func lookupString(c *cli.Context, name string) string { return setOn(c, name).String(name) }
func lookupBool(c *cli.Context, name string) bool     { return setOn(c, name).Bool(name) }

// isTerminal reports whether w is a terminal (a *os.File on a tty).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// saveTerminal records the state of f when it is a terminal and returns a
// function that puts it back (a no-op otherwise).
func saveTerminal(f *os.File) func() {
	fd := int(f.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return func() {}
	}
	return func() { _ = term.Restore(fd, state) }
}

// colorEnabled reports whether output to w may use colour: only on a
// terminal, never with --no-color or NO_COLOR.
func colorEnabled(c *cli.Context, w any) bool {
	return !globals(c).NoColor && isTerminal(w)
}
