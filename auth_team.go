package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// Team accounts: switch-account and accept-invite.

func switchAccountCommand() *cli.Command {
	return &cli.Command{
		Name:      "switch-account",
		Usage:     "Get an access token that acts in a team account you administer",
		UsageText: "mlabctl auth switch-account [--scopes LIST] [--token-file FILE | --print-token] USERNAME",
		ArgsUsage: "USERNAME",
		Description: "The new token's scopes are the intersection of --scopes (default: all) with the caller's.\n" +
			"plan, apply and export switch by themselves with `account:` in modelslab.yaml or --account.",
		Flags: withGlobals(
			scopesFlag("comma-separated `SCOPES` the new token may use (default: all the caller's)"),
			tokenFileFlag(),
			printTokenFlag(),
			outputFlag(),
		),
		Action: runSwitchAccount,
	}
}

func runSwitchAccount(c *cli.Context) error {
	format, err := outputOf(c)
	if err != nil {
		return err
	}
	username, err := argOrFlag(c, "the account", "")
	if err != nil {
		return err
	}
	if username == "" {
		return fmt.Errorf("no account: pass the USERNAME of the team account to switch to")
	}
	scopes, err := scopesOf(c)
	if err != nil {
		return err
	}
	dest, err := tokenDestOf(c)
	if err != nil {
		return err
	}
	// The switched token's scopes are intersected with the caller's, so an
	// ephemeral login asks for tokens:write (to switch) plus the scopes
	// wanted, or for all of them when --scopes is absent.
	var callerScopes []string
	if scopes != nil {
		callerScopes = append(slices.Clone(scopes), scopeTokensWrite)
	}
	sess, err := connect(c, connectOptions{Command: "auth-switch-account", Scopes: callerScopes})
	if err != nil {
		return err
	}
	defer sess.Close()
	res, err := sess.Client.SwitchAccount(c.Context, username, scopes)
	if err != nil {
		return explainSwitchError(username, err)
	}
	account := res.Account
	if account.Username == "" {
		account.Username = username
	}
	return deliverIssued(c, format, dest, "", issued{
		Action: "Switched",
		User:   &account,
		Token:  res.AccessToken,
		Scopes: scopes,
	})
}

func acceptInviteCommand() *cli.Command {
	return &cli.Command{
		Name:      "accept-invite",
		Usage:     "Accept an invitation to a team (as the invited user)",
		UsageText: "mlabctl auth accept-invite INVITE_ID",
		ArgsUsage: "INVITE_ID",
		Flags:     withGlobals(outputFlag()),
		Action: func(c *cli.Context) error {
			format, err := outputOf(c)
			if err != nil {
				return err
			}
			invite, err := argOrFlag(c, "the invite ID", "")
			if err != nil {
				return err
			}
			if invite == "" {
				return fmt.Errorf("no invite ID: pass the INVITE_ID from the invitation email")
			}
			sess, err := connect(c, connectOptions{Command: "auth-accept-invite", Scopes: []string{scopeTeamsWrite}})
			if err != nil {
				return err
			}
			defer sess.Close()
			m, err := sess.Client.AcceptInvite(c.Context, invite)
			if err != nil {
				return explainAPIError(fmt.Errorf("accepting invite %q: %w", invite, err))
			}
			if format == outputJSON {
				return writeJSON(c.App.Writer, m)
			}
			perms := ""
			if len(m.Permissions) > 0 {
				perms = ", permissions " + strings.Join(m.Permissions, ", ")
			}
			fmt.Fprintf(c.App.Writer, "Joined the team as %s (role %s%s).\n", m.Email, m.Role, perms)
			return nil
		},
	}
}
