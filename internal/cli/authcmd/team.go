package authcmd

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/safetext"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// Team accounts: switch-account and accept-invite. Both authenticate like
// plan (connect).

// switchAccountOptions are the resolved flags of `auth switch-account`.
type switchAccountOptions struct {
	Username string
	// Scopes nil asks for every scope the caller has.
	Scopes []string
	Dest   tokenDest
	sessionOptions
}

func switchAccountCommand(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "switch-account",
		Usage:     "Get an access token that acts in a team account you are a member of",
		UsageText: "mlabctl auth switch-account [--scopes LIST] [--token-file FILE | --print-token] USERNAME",
		ArgsUsage: "USERNAME",
		Description: "The new token's scopes are the intersection of --scopes (default: all) with the caller's.\n" +
			"plan, apply and export switch by themselves with `account:` in modelslab.yaml or --account.",
		Flags: cmdutil.WithGlobals(
			scopesFlag("comma-separated `SCOPES` the new token may use (default: all the caller's)"),
			tokenFileFlag(),
			printTokenFlag(),
			outputFlag(),
		),
		Action: func(c *cli.Context) error {
			so, username, err := sessionArgOf(f, c, "the account")
			if err != nil {
				return err
			}
			o := switchAccountOptions{Username: username, sessionOptions: so}
			if o.Scopes, err = scopesOf(c); err != nil {
				return err
			}
			if o.Dest, err = tokenDestOf(c); err != nil {
				return err
			}
			return runSwitchAccount(c.Context, o)
		},
	}
}

func runSwitchAccount(ctx context.Context, o switchAccountOptions) error {
	if o.Username == "" {
		return fmt.Errorf("no account: pass the USERNAME of the team account to switch to")
	}
	// The switched token's scopes are intersected with the caller's, so an
	// ephemeral login asks for tokens:write (to switch) plus the scopes
	// wanted, or for all of them when --scopes is absent.
	var callerScopes []string
	if o.Scopes != nil {
		callerScopes = append(slices.Clone(o.Scopes), remote.ScopeTokensWrite)
	}
	sess, err := o.API.Connect(cmdutil.ConnectOptions{Command: "auth-switch-account", Scopes: callerScopes})
	if err != nil {
		return err
	}
	defer sess.Close()
	res, err := sess.Client.SwitchAccount(ctx, o.Username, o.Scopes)
	if err != nil {
		return cmdutil.ExplainSwitchError(o.Username, err)
	}
	account := res.Account
	if account.Username == "" {
		account.Username = o.Username
	}
	// The token's scopes are the intersection of o.Scopes with the
	// caller's, which the answer does not list: none are shown rather than
	// possibly wrong ones.
	return deliverIssued(o.IO, o.Dest, "", false, issued{
		Headline: fmt.Sprintf("Switched to team account %s; the token below acts there", account.Username),
		User:     &account,
		Token:    res.AccessToken,
	})
}

func acceptInviteCommand(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "accept-invite",
		Usage:     "Accept an invitation to a team (as the invited user)",
		UsageText: "mlabctl auth accept-invite INVITE_ID",
		ArgsUsage: "INVITE_ID",
		Flags:     cmdutil.WithGlobals(outputFlag()),
		Action: func(c *cli.Context) error {
			o, invite, err := sessionArgOf(f, c, "the invite ID")
			if err != nil {
				return err
			}
			return runAcceptInvite(c.Context, o, invite)
		},
	}
}

func runAcceptInvite(ctx context.Context, o sessionOptions, invite string) error {
	if invite == "" {
		return fmt.Errorf("no invite ID: pass the INVITE_ID from the invitation email")
	}
	sess, err := o.API.Connect(cmdutil.ConnectOptions{Command: "auth-accept-invite", Scopes: []string{remote.ScopeTeamsWrite}})
	if err != nil {
		return err
	}
	defer sess.Close()
	m, err := sess.Client.AcceptInvite(ctx, invite)
	if err != nil {
		return fmt.Errorf("accepting invite %q: %w", invite, cmdutil.ExplainAPIError(err))
	}
	if o.IO.Format == cmdutil.OutputJSON {
		return writeJSON(o.IO.Stdout, m)
	}
	perms := ""
	if len(m.Permissions) > 0 {
		perms = ", permissions " + strings.Join(m.Permissions, ", ")
	}
	_, err = fmt.Fprintln(o.IO.Stdout, safetext.Line(fmt.Sprintf("Joined the team as %s (role %s%s).", m.Email, m.Role, perms)))
	return err
}
