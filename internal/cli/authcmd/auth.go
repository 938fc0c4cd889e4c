// Package authcmd is `mlabctl auth`: the imperative account lifecycle that
// a declarative file cannot express (docs/auth.md). Each subcommand is an
// options struct, resolved from the flags before any network call, and a
// run function, in a file per area: account.go (signup, verification,
// password reset), login.go (login, refresh, logout), tokens.go (tokens),
// team.go (switch-account, accept-invite). Shared pieces: output.go
// (streams, -o, where a new token goes), password.go (password and code
// input), files.go (checking a secret's destination before it is issued;
// the writing is internal/atomicfile's and apply.SecretsFile's). API errors
// are explained by cmdutil.ExplainAPIError.
package authcmd

import (
	"fmt"
	"os"
	"strings"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/urfave/cli/v2"
)

// New returns `mlabctl auth` and its subcommands.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:  "auth",
		Usage: "Manage credentials and the account lifecycle: sign up, log in, tokens, team accounts",
		Description: "Passwords are read from a no-echo prompt on a terminal, or from the first line of stdin with --password-stdin;\n" +
			"never from a flag. A new access token goes to stdout only with --print-token, or to --token-file FILE (mode 0600);\n" +
			"otherwise only a masked form is shown. See docs/auth.md.",
		Subcommands: []*cli.Command{
			signupCommand(f),
			verifyEmailCommand(f),
			resendVerificationCommand(f),
			loginCommand(f),
			refreshCommand(f),
			logoutCommand(f),
			logoutAllCommand(f),
			forgotPasswordCommand(f),
			resetPasswordCommand(f),
			tokensCommand(f),
			switchAccountCommand(f),
			acceptInviteCommand(f),
		},
	}
}

const flagEmail = "email"

// emailFlag is --email, defaulting to MODELSLAB_EMAIL (read by emailOf, so
// that the flag always wins and the usage names the variable once).
func emailFlag() cli.Flag {
	return &cli.StringFlag{Name: flagEmail, Usage: "the account's `EMAIL` (env " + cmdutil.EnvEmail + ")"}
}

// emailOf returns --email or MODELSLAB_EMAIL, refusing an empty or
// malformed one before any network call.
func emailOf(f *cmdutil.Factory, c *cli.Context) (string, error) {
	email := strings.TrimSpace(c.String(flagEmail))
	if email == "" {
		email = strings.TrimSpace(f.Getenv(cmdutil.EnvEmail))
	}
	if email == "" {
		return "", fmt.Errorf("no email: pass --%s EMAIL or set %s", flagEmail, cmdutil.EnvEmail)
	}
	if at := strings.IndexByte(email, '@'); at <= 0 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n") {
		return "", fmt.Errorf("invalid email %q: want NAME@DOMAIN", email)
	}
	return email, nil
}

// argOrFlag returns the single positional argument NAME or the value of
// flag (one of them, not both), trimmed. Flags must come before the
// argument (urfave/cli stops parsing flags at the first argument), so a
// later "-x" is reported rather than silently taken as a value.
func argOrFlag(c *cli.Context, name, flag string) (string, error) {
	if err := checkArgs(c, 1); err != nil {
		return "", err
	}
	arg := strings.TrimSpace(c.Args().First())
	val := ""
	if flag != "" {
		val = strings.TrimSpace(c.String(flag))
	}
	if arg != "" && val != "" && arg != val {
		return "", fmt.Errorf("%s given twice (argument %q and --%s %q): pass one", name, arg, flag, val)
	}
	if arg != "" {
		return arg, nil
	}
	return val, nil
}

// checkArgs refuses more than max positional arguments, and flags placed
// after an argument.
func checkArgs(c *cli.Context, max int) error {
	args := c.Args().Slice()
	for _, a := range args[min(1, len(args)):] {
		if strings.HasPrefix(a, "-") {
			return fmt.Errorf("flag %q after an argument: put flags before the arguments (see %s --help)", a, c.Command.HelpName)
		}
	}
	if len(args) > max {
		return fmt.Errorf("too many arguments: %q (see %s --help)", args[max:], c.Command.HelpName)
	}
	return nil
}

// HostDeviceName is the default device name of `auth login`:
// "mlabctl-<hostname>", so that `auth tokens list` tells machines apart.
func HostDeviceName() string {
	h, err := os.Hostname()
	if err != nil || strings.TrimSpace(h) == "" {
		return "mlabctl"
	}
	return "mlabctl-" + strings.ToLower(strings.TrimSpace(h))
}
