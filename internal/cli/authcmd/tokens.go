package authcmd

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/safetext"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// `mlabctl auth tokens`: list and revoke the user's access tokens. These
// authenticate like plan (connect): --token or MODELSLAB_TOKEN, else a
// one-run login with MODELSLAB_EMAIL and MODELSLAB_PASSWORD asking for the
// one scope needed.

func tokensCommand(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:  "tokens",
		Usage: "List and revoke the user's access tokens",
		Subcommands: []*cli.Command{
			{
				Name:      "list",
				Usage:     "List the user's access tokens (never their values)",
				UsageText: "mlabctl auth tokens list [-o json]",
				Flags:     cmdutil.WithGlobals(outputFlag()),
				Action: func(c *cli.Context) error {
					o, err := sessionOptionsOf(f, c, 0)
					if err != nil {
						return err
					}
					return runTokensList(c.Context, o, f.IO.IsStdoutTTY())
				},
			},
			{
				Name:      "revoke",
				Usage:     "Revoke one access token by its ID (see tokens list); never the one in use (that is auth logout)",
				UsageText: "mlabctl auth tokens revoke ID",
				ArgsUsage: "ID",
				Flags:     cmdutil.WithGlobals(outputFlag()),
				Action: func(c *cli.Context) error {
					o, id, err := sessionArgOf(f, c, "the token ID")
					if err != nil {
						return err
					}
					return runTokensRevoke(c.Context, o, id)
				},
			},
			{
				Name:      "revoke-others",
				Usage:     "Revoke every access token of the user except the one in use",
				UsageText: "mlabctl auth tokens revoke-others",
				Flags:     cmdutil.WithGlobals(outputFlag()),
				Action: func(c *cli.Context) error {
					o, err := sessionOptionsOf(f, c, 0)
					if err != nil {
						return err
					}
					return runTokensRevokeOthers(c.Context, o)
				},
			},
		},
	}
}

// runTokensList prints the tokens: a table when stdout is a terminal.
func runTokensList(ctx context.Context, o sessionOptions, terminal bool) error {
	sess, err := o.API.Connect(cmdutil.ConnectOptions{Command: "auth-tokens-list", Scopes: []string{remote.ScopeTokensRead}})
	if err != nil {
		return err
	}
	defer sess.Close()
	tokens, err := sess.Client.ListTokens(ctx)
	if err != nil {
		return fmt.Errorf("listing access tokens: %w", cmdutil.ExplainAPIError(err))
	}
	if tokens == nil {
		tokens = []remote.AccessToken{} // JSON: [] rather than null
	}
	if o.IO.Format == cmdutil.OutputJSON {
		return writeJSON(o.IO.Stdout, tokens)
	}
	return writeTokenTable(o.IO.Stdout, tokens, terminal)
}

// writeTokenTable prints tokens as an aligned table with a header on a
// terminal, or as tab-separated lines without a header for scripts (like
// `gh`), one token per line in the API's order.
//
// When the list marks no token current (a server that does not say, and a
// token whose id mlabctl cannot read), the current column of the lines is
// "?" rather than a false it does not know, and the table says so.
func writeTokenTable(w io.Writer, tokens []remote.AccessToken, terminal bool) error {
	known := remote.CurrentTokenKnown(tokens)
	if !terminal {
		for _, t := range tokens {
			current := strconv.FormatBool(t.Current)
			if !known && !t.CurrentKnown {
				current = "?"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cell(string(t.ID)), cell(t.Name), cell(strings.Join(t.Scopes, ",")), current,
				formatTime(t.CreatedAt), formatTime(t.LastUsedAt), expiresText(t.ExpiresAt))
		}
		return nil
	}
	if len(tokens) == 0 {
		_, err := fmt.Fprintln(w, "No access tokens.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tCREATED\tLAST USED\tEXPIRES\t")
	for _, t := range tokens {
		name := cell(t.Name)
		if t.Current {
			name += " (current)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", cell(string(t.ID)), name, cell(strings.Join(t.Scopes, ",")),
			formatTime(t.CreatedAt), formatTime(t.LastUsedAt), expiresText(t.ExpiresAt))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !known {
		_, err := fmt.Fprintln(w, "(The API does not say which of these tokens is the one in use.)")
		return err
	}
	return nil
}

// cell is live text as one cell of a table: one line (safetext.Line), with
// a tab shown as \t so that it cannot split the cell.
func cell(s string) string { return strings.ReplaceAll(safetext.Line(s), "\t", `\t`) }

// expiresText renders a token's expiry; a token without one never expires.
func expiresText(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return formatTime(t)
}

// runTokensRevoke revokes the token id, unless it is the token the
// command runs with: revoking that one by its ID is more likely a mistake
// (an ID misread from the list) than a wish, and `auth logout` is the
// command that does it on purpose. Finding out needs the token list, so
// this asks for tokens:read as well as tokens:write.
func runTokensRevoke(ctx context.Context, o sessionOptions, id string) error {
	if id == "" {
		return fmt.Errorf("no token ID: pass the ID of the token to revoke (see mlabctl auth tokens list)")
	}
	sess, err := o.API.Connect(cmdutil.ConnectOptions{Command: "auth-tokens-revoke", Scopes: []string{remote.ScopeTokensRead, remote.ScopeTokensWrite}})
	if err != nil {
		return err
	}
	defer sess.Close()
	tokens, err := sess.Client.ListTokens(ctx)
	if err != nil {
		return fmt.Errorf("listing access tokens to make sure %q is not the one in use: %w", id, cmdutil.ExplainAPIError(err))
	}
	for _, t := range tokens {
		if t.Current && t.ID.String() == id {
			return fmt.Errorf("access token %s (%q) is the token in use, the one this command runs with; not revoking it: to revoke it on purpose, run `mlabctl auth logout` with it", id, t.Name)
		}
	}
	if err := sess.Client.RevokeToken(ctx, remote.ID(id)); err != nil {
		return fmt.Errorf("revoking access token %q: %w", id, cmdutil.ExplainAPIError(err))
	}
	return o.IO.printMessage(messageReport{Message: fmt.Sprintf("Revoked access token %s.", id)})
}

func runTokensRevokeOthers(ctx context.Context, o sessionOptions) error {
	sess, err := o.API.Connect(cmdutil.ConnectOptions{Command: "auth-tokens-revoke-others", Scopes: []string{remote.ScopeTokensWrite}})
	if err != nil {
		return err
	}
	defer sess.Close()
	n, err := sess.Client.RevokeOtherTokens(ctx)
	if err != nil {
		return fmt.Errorf("revoking the other access tokens: %w", cmdutil.ExplainAPIError(err))
	}
	if o.IO.Format == cmdutil.OutputJSON {
		return writeJSON(o.IO.Stdout, struct {
			Revoked int `json:"revoked"`
		}{n})
	}
	_, err = fmt.Fprintf(o.IO.Stdout, "Revoked %d other access token(s); the one in use is kept.\n", n)
	return err
}
