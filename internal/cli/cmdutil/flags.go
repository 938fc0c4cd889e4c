package cmdutil

import (
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// Names of the global flags and their environment variables (CONTRACT.md).
const (
	FlagBaseURL = "base-url"
	FlagToken   = "token"
	FlagFile    = "file"
	FlagNoColor = "no-color"
	FlagDebug   = "debug"

	EnvBaseURL = "MODELSLAB_BASE_URL"
	EnvToken   = "MODELSLAB_TOKEN"
	EnvFile    = "MODELSLAB_FILE"
	EnvNoColor = "NO_COLOR"
	EnvDebug   = "MLABCTL_DEBUG"
	// EnvEmail and EnvPassword are the ephemeral login of plan and apply
	// (CONTRACT.md: without MODELSLAB_TOKEN, they may log in with these),
	// and --email's default in auth.
	EnvEmail    = "MODELSLAB_EMAIL"
	EnvPassword = "MODELSLAB_PASSWORD"
	// EnvStateDir is apply's --state-dir (its journal and account lock): a
	// CI job sets it once for the step its cache keeps.
	EnvStateDir = "MLABCTL_STATE_DIR"

	DefaultBaseURL = "https://modelslab.com"
	DefaultFile    = "modelslab.yaml"
)

// GlobalFlags returns the global flags. The app carries them, and so does
// every command that talks to the API or reads modelslab.yaml (WithGlobals),
// so that `mlabctl plan --token X` and `mlabctl --token X plan` both work.
// None has EnvVars: urfave/cli would read the process environment itself,
// behind the factory's back, and tests could not give each run its own.
// Factory.Globals resolves a flag from the command line, then the
// environment, then the default; the usage names the variable.
func GlobalFlags() []cli.Flag {
	env := func(text, name string) string { return text + " (env " + name + ")" }
	return []cli.Flag{
		&cli.StringFlag{Name: FlagBaseURL, Usage: env("site root of the ModelsLab API", EnvBaseURL), Value: DefaultBaseURL},
		&cli.StringFlag{Name: FlagToken, Usage: env("access token; prefer the environment variable, a flag shows in the process list", EnvToken)},
		&cli.StringFlag{Name: FlagFile, Aliases: []string{"f"}, TakesFile: true, Usage: env("path of modelslab.yaml", EnvFile), Value: DefaultFile},
		// no-color.org: any non-empty NO_COLOR counts, which a bool parse
		// would reject.
		&cli.BoolFlag{Name: FlagNoColor, Usage: "never colour the output (env " + EnvNoColor + ", any non-empty value)"},
		&cli.BoolFlag{Name: FlagDebug, Usage: env("log every HTTP request (method, path, status, duration, request id; never a secret) to stderr", EnvDebug)},
	}
}

// WithGlobals appends the global flags to a command's own flags.
func WithGlobals(flags ...cli.Flag) []cli.Flag {
	return append(flags, GlobalFlags()...)
}

// networkFlags are the global flags that only matter to a command that
// talks to the API.
var networkFlags = map[string]bool{FlagBaseURL: true, FlagToken: true, FlagDebug: true}

// WithFileGlobals appends to an offline command's own flags (validate,
// fmt, show) the global flags that concern it, -f/--file and --no-color,
// and not --base-url, --token or --debug: listed in its help, they would
// say the command reaches the network, which it never does.
func WithFileGlobals(flags ...cli.Flag) []cli.Flag {
	for _, f := range GlobalFlags() {
		if !networkFlags[f.Names()[0]] {
			flags = append(flags, f)
		}
	}
	return flags
}

// SetOn is the one place that looks a flag up across a command line. It
// returns the innermost context of c's lineage (c's own command first, the
// app last) whose command defines the flag name (or has it as an alias)
// and whose part of the command line set it, or nil when none did.
//
// urfave/cli's own c.String(name) answers from the innermost command that
// defines the flag, set or not, so `mlabctl --token X plan` would read
// plan's empty --token; and c.IsSet(name) looks in parent commands too.
//
// It asks each context which flags its part set (LocalFlagNames) before
// looking the flag up: urfave's Names, which both a lookup and IsSet call
// for every flag of every command in the lineage, runs a regular
// expression per name, and the global flags are resolved several times per
// run (a fifth of the in-process tests' CPU went there).
func SetOn(c *cli.Context, name string) *cli.Context {
	for _, ctx := range c.Lineage() {
		// The outermost context urfave makes is a bare parent holding only
		// the context.Context: no App, no flags.
		if ctx.App == nil || ctx.Command == nil {
			continue
		}
		set := ctx.LocalFlagNames()
		if len(set) == 0 {
			continue
		}
		f := FindFlag(ctx.Command.Flags, name)
		if f == nil {
			continue
		}
		for _, n := range f.Names() {
			if slices.Contains(set, n) {
				return ctx
			}
		}
	}
	return nil
}

// FindFlag returns the flag of flags named name (or having it as an
// alias), or nil.
func FindFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

// Output formats of -o/--output.
const (
	FlagOutput = "output"

	OutputText     = "text"
	OutputMarkdown = "markdown"
	OutputJSON     = "json"
)

// OutputFlag is -o/--output FORMAT, text by default; usage lists the
// formats the command prints, and formats are those formats, which shell
// completion offers (the command checks them with CheckOutput).
func OutputFlag(usage string, formats ...string) cli.Flag {
	return WithValues(&cli.StringFlag{Name: FlagOutput, Aliases: []string{"o"}, Value: OutputText, Usage: usage}, formats...)
}

// PlanFormats are the -o formats of the commands that print a plan (plan,
// show).
func PlanFormats() []string { return []string{OutputText, OutputMarkdown, OutputJSON} }

// CheckOutput refuses a -o format that is not one of formats, naming them
// ("use text, markdown or json").
func CheckOutput(format string, formats ...string) error {
	for _, f := range formats {
		if format == f {
			return nil
		}
	}
	list := strings.Join(formats, ", ")
	if n := len(formats); n > 1 {
		list = strings.Join(formats[:n-1], ", ") + " or " + formats[n-1]
	}
	return UsageError(fmt.Errorf("invalid --%s %q: use %s", FlagOutput, format, list))
}
