package cmdutil

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// ErrHelpShown is ArgsAndFlags' answer to a --help among the arguments,
// once the command's help is printed: the command does nothing more.
var ErrHelpShown = errors.New("help shown")

// ArgsAndFlags returns the positional arguments of a command after
// applying the flags that follow them. urfave/cli, like Go's flag package,
// stops parsing flags at the first positional argument, so
// `mlabctl apply plan.bin --auto-approve` would leave --auto-approve as a
// second argument; synopses such as `show PLANFILE [-o FORMAT]` put flags
// there, and users type them there. Each one is set on the command's own
// flag set, so it behaves exactly as it would before the argument. After a
// "--" that follows an argument everything is an argument (a "--" before
// the first is consumed by urfave/cli and cannot be seen here).
func ArgsAndFlags(c *cli.Context) ([]string, error) {
	args := c.Args().Slice()
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" || name == "help" {
			_ = cli.ShowCommandHelp(c.Lineage()[1], c.Command.Name)
			return nil, ErrHelpShown
		}
		f := FindFlag(c.Command.Flags, name)
		if f == nil {
			return nil, UsageErrorf("flag provided but not defined: %s (after %s); see mlabctl %s --help", a, argsName(c), c.Command.Name)
		}
		if _, isBool := f.(*cli.BoolFlag); isBool {
			if !hasValue {
				value = "true"
			}
		} else if !hasValue {
			if i+1 == len(args) {
				return nil, UsageErrorf("flag needs an argument: %s", a)
			}
			i++
			value = args[i]
		}
		// By its first name: urfave/cli keeps one value per alias, and
		// the command reads the first (-o sets --output).
		if err := c.Set(f.Names()[0], value); err != nil {
			return nil, UsageErrorf("invalid value %q for flag %s: %w", value, a, err)
		}
	}
	return positional, nil
}

// argsName is what the command calls its arguments ("PLANFILE").
func argsName(c *cli.Context) string {
	if u := strings.Trim(c.Command.ArgsUsage, "[] "); u != "" {
		return u
	}
	return "the arguments"
}

// QuoteAll quotes each string with %q, for messages listing arguments.
func QuoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
