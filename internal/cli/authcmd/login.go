package authcmd

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// The token subcommands: login, refresh, logout, logout-all.

const (
	flagExpiry     = "expiry"
	flagScopes     = "scopes"
	flagDeviceName = "device-name"
)

// tokenExpiries are the token_expiry values the client knows, shortest
// first (remote's one list).
var tokenExpiries = remote.TokenExpiries

// expiryOf returns --expiry, refusing values the API does not know, and
// warning on warn about 6_months and 1_year, which only the official CLI
// uses (the public docs do not list them: a server may refuse them).
func expiryOf(c *cli.Context, warn io.Writer) (string, error) {
	e := strings.TrimSpace(c.String(flagExpiry))
	undocumented, err := remote.CheckTokenExpiry(e)
	if err != nil {
		return "", fmt.Errorf("invalid --%s %q: use one of %s", flagExpiry, e, strings.Join(tokenExpiries, ", "))
	}
	if undocumented {
		fmt.Fprintf(warn, "Warning: --%s %s: %s\n", flagExpiry, e, remote.UndocumentedExpiryWarning(e))
	}
	return e, nil
}

func expiryFlag(def string) cli.Flag {
	return cmdutil.WithValues(&cli.StringFlag{Name: flagExpiry, Value: def, Usage: "token lifetime `EXPIRY`: " + strings.Join(tokenExpiries, ", ") + " (6_months and 1_year are not in the public API docs)"}, tokenExpiries...)
}

// scopesFlag is --scopes LIST; completion offers the scopes API.md names.
func scopesFlag(usage string) cli.Flag {
	return cmdutil.WithListValues(&cli.StringFlag{Name: flagScopes, Usage: usage}, remote.NamedScopes()...)
}

// scopesOf parses --scopes; see parseScopes.
func scopesOf(c *cli.Context) ([]string, error) {
	return parseScopes(c.String(flagScopes))
}

// parseScopes parses a comma-separated scope list ("a,b, c") into a sorted
// list without duplicates; nil when raw is blank (every scope the caller
// may have). Scope names are checked by the API, which refuses unknown ones
// with a 422 naming them; here only the shape is.
func parseScopes(raw string) ([]string, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var scopes []string
	for _, s := range strings.Split(raw, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
			return nil, fmt.Errorf("invalid scope %q in --%s: separate scopes with commas", s, flagScopes)
		}
		scopes = append(scopes, s)
	}
	if len(scopes) == 0 {
		return nil, fmt.Errorf("--%s %q names no scope", flagScopes, raw)
	}
	return cmdutil.NormalizeScopes(scopes), nil
}

// loginOptions are the resolved flags of `auth login`.
type loginOptions struct {
	emailOptions
	Expiry string
	// Scopes nil asks for every scope the user has.
	Scopes []string
	Device string
	Dest   tokenDest
}

func loginCommand(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "login",
		Usage:     "Log in with email and password, receiving an access token",
		UsageText: "mlabctl auth login --email EMAIL [--password-stdin] [--expiry EXPIRY] [--scopes LIST] [--device-name NAME] [--token-file FILE | --print-token]",
		Flags: cmdutil.WithGlobals(
			emailFlag(),
			passwordStdinFlag(),
			expiryFlag("1_month"),
			scopesFlag("comma-separated `SCOPES` the token may use, e.g. profile:read,api-keys:read (default: all the account has)"),
			&cli.StringFlag{Name: flagDeviceName, Usage: "`NAME` of the token, shown by `auth tokens list` and matched by access_tokens.keep (default mlabctl-HOSTNAME)"},
			tokenFileFlag(),
			printTokenFlag(),
			outputFlag(),
		),
		Action: func(c *cli.Context) error {
			e, err := emailOptionsOf(f, c)
			if err != nil {
				return err
			}
			o := loginOptions{emailOptions: e, Device: strings.TrimSpace(c.String(flagDeviceName))}
			if o.Expiry, err = expiryOf(c, f.IO.ErrOut); err != nil {
				return err
			}
			if o.Scopes, err = scopesOf(c); err != nil {
				return err
			}
			if o.Dest, err = tokenDestOf(c); err != nil {
				return err
			}
			if o.Device == "" {
				o.Device = HostDeviceName()
			}
			return runLogin(c.Context, o)
		},
	}
}

func runLogin(ctx context.Context, o loginOptions) error {
	password, err := o.IO.Input.password("Password", false)
	if err != nil {
		return err
	}
	client, err := o.API.Anonymous()
	if err != nil {
		return err
	}
	if err := cmdutil.CheckScopes(ctx, client, o.Scopes, o.IO.Stderr); err != nil {
		return fmt.Errorf("invalid --%s: %w", flagScopes, err)
	}
	res, err := client.Login(ctx, remote.LoginRequest{
		Email:       o.Email,
		Password:    password,
		DeviceName:  o.Device,
		TokenExpiry: o.Expiry,
		Scopes:      o.Scopes,
	})
	if err != nil {
		return fmt.Errorf("logging in as %q: %w", o.Email, cmdutil.ExplainLoginError(err))
	}
	if res.TokenExpiry == "" {
		res.TokenExpiry = o.Expiry
	}
	// Login also returns one of the account's API keys, unnamed; it is
	// shown masked only (the keys are apply's business, by name).
	return deliverIssued(o.IO, o.Dest, "", false, issued{
		Action:    "Logged in",
		Device:    o.Device,
		User:      res.User,
		Token:     res.AccessToken,
		Scopes:    res.Scopes,
		Expiry:    res.TokenExpiry,
		ExpiresAt: res.ExpiresAt,
		APIKey:    res.APIKey,
	})
}

// tokenOptions are the resolved flags of the subcommands that act on the
// very token given by --token or MODELSLAB_TOKEN: refresh and logout. An
// ephemeral login would make no sense there.
type tokenOptions struct {
	// Token is the token acted on; it is required.
	Token remote.Secret
	// Expiry and Device are refresh's --expiry and --device-name ("" =
	// unchanged).
	Expiry, Device string
	Dest           tokenDest
	IO             authIO
	API            cmdutil.API
}

// tokenOptionsOf resolves the token, the streams and -o of refresh and
// logout; what names the subcommand in the error about a missing token.
func tokenOptionsOf(f *cmdutil.Factory, c *cli.Context, what string) (tokenOptions, error) {
	if err := checkArgs(c, 0); err != nil {
		return tokenOptions{}, err
	}
	streams, err := authIOOf(f, c)
	if err != nil {
		return tokenOptions{}, err
	}
	tok := remote.Secret(f.Globals(c).Token)
	if tok.IsZero() {
		return tokenOptions{}, fmt.Errorf("%s needs the access token to act on: set %s or pass --%s", what, cmdutil.EnvToken, cmdutil.FlagToken)
	}
	return tokenOptions{Token: tok, IO: streams, API: f.API(c)}, nil
}

func refreshCommand(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "refresh",
		Usage:     "Replace the access token with a new one; the old one is revoked",
		UsageText: "mlabctl auth refresh --expiry EXPIRY [--device-name NAME] (--token-file FILE | --print-token)",
		Description: "The token to refresh comes from --token or " + cmdutil.EnvToken + ". Because the old token stops working,\n" +
			"refresh insists on --token-file or --print-token, so that the new one is not lost.\n" +
			"--expiry is required: without it the API gives the new token " + refreshDefaultExpiry + ", whatever the\n" +
			"old one had, so a 1_year CI token would quietly become a " + refreshDefaultExpiry + " one.",
		Flags: cmdutil.WithGlobals(
			cmdutil.WithValues(&cli.StringFlag{Name: flagExpiry, Usage: "lifetime `EXPIRY` of the new token (required): " + strings.Join(tokenExpiries, ", ")}, tokenExpiries...),
			&cli.StringFlag{Name: flagDeviceName, Usage: "new `NAME` of the token (default: unchanged)"},
			tokenFileFlag(),
			printTokenFlag(),
			outputFlag(),
		),
		Action: func(c *cli.Context) error {
			o, err := tokenOptionsOf(f, c, "refresh")
			if err != nil {
				return err
			}
			if o.Expiry, err = expiryOf(c, f.IO.ErrOut); err != nil {
				return err
			}
			if o.Dest, err = tokenDestOf(c); err != nil {
				return err
			}
			o.Device = strings.TrimSpace(c.String(flagDeviceName))
			return runRefresh(c.Context, o)
		},
	}
}

// refreshDefaultExpiry is the token_expiry the API gives a refreshed token
// when the request names none (API.md: the login default), whatever the
// old token's was.
const refreshDefaultExpiry = "1_month"

func runRefresh(ctx context.Context, o tokenOptions) error {
	if !o.Dest.kept() {
		return fmt.Errorf("refresh revokes the current token, so the new one must be kept: pass --%s FILE or --%s", flagTokenFile, flagPrintToken)
	}
	if o.Expiry == "" {
		// Refusing beats a silent downgrade: the API cannot keep the old
		// lifetime, and mlabctl cannot always read it (tokens:read).
		return fmt.Errorf("refresh needs --%s EXPIRY (one of %s): without it the API gives the new token %s, whatever the old one had",
			flagExpiry, tokenExpiries, refreshDefaultExpiry)
	}
	client, err := o.API.Client()
	if err != nil {
		return err
	}
	res, err := client.WithToken(o.Token).Refresh(ctx, remote.RefreshRequest{TokenExpiry: o.Expiry, DeviceName: o.Device})
	if err != nil {
		return fmt.Errorf("refreshing the access token: %w", cmdutil.ExplainAPIError(err))
	}
	return deliverIssued(o.IO, o.Dest, "", false, issued{
		Action:    "Refreshed the access token; the old one is revoked",
		User:      res.User,
		Device:    o.Device,
		Token:     res.AccessToken,
		Scopes:    res.Scopes,
		Expiry:    res.TokenExpiry,
		ExpiresAt: res.ExpiresAt,
	})
}

func logoutCommand(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "logout",
		Usage:     "Revoke the access token given by --token or " + cmdutil.EnvToken,
		UsageText: "mlabctl auth logout",
		Flags:     cmdutil.WithGlobals(outputFlag()),
		Action: func(c *cli.Context) error {
			o, err := tokenOptionsOf(f, c, "logout")
			if err != nil {
				return err
			}
			return runLogout(c.Context, o)
		},
	}
}

func runLogout(ctx context.Context, o tokenOptions) error {
	client, err := o.API.Client()
	if err != nil {
		return err
	}
	if err := client.WithToken(o.Token).Logout(ctx); err != nil {
		return fmt.Errorf("logging out: %w", cmdutil.ExplainAPIError(err))
	}
	msg := fmt.Sprintf("Logged out: access token %s revoked.", o.Token.Masked())
	return o.IO.printMessage(messageReport{Message: msg})
}

// sessionOptions are the resolved flags of the subcommands that
// authenticate like plan (connect): logout-all and the tokens subcommands.
type sessionOptions struct {
	IO  authIO
	API cmdutil.API
}

// sessionOptionsOf resolves the streams and -o of such a subcommand,
// refusing more than maxArgs arguments.
func sessionOptionsOf(f *cmdutil.Factory, c *cli.Context, maxArgs int) (sessionOptions, error) {
	if err := checkArgs(c, maxArgs); err != nil {
		return sessionOptions{}, err
	}
	streams, err := authIOOf(f, c)
	if err != nil {
		return sessionOptions{}, err
	}
	return sessionOptions{IO: streams, API: f.API(c)}, nil
}

// sessionArgOf is sessionOptionsOf for a subcommand that takes one
// argument, also returned ("" when absent); what names it in errors.
func sessionArgOf(f *cmdutil.Factory, c *cli.Context, what string) (sessionOptions, string, error) {
	o, err := sessionOptionsOf(f, c, 1)
	if err != nil {
		return sessionOptions{}, "", err
	}
	arg, err := argOrFlag(c, what, "")
	if err != nil {
		return sessionOptions{}, "", err
	}
	return o, arg, nil
}

func logoutAllCommand(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "logout-all",
		Usage:     "Revoke every access token of the user, this one included",
		UsageText: "mlabctl auth logout-all",
		Description: "Needs scope tokens:write. Authenticates like plan: --token or " + cmdutil.EnvToken + ", else a login with\n" +
			cmdutil.EnvEmail + " and " + cmdutil.EnvPassword + ".",
		Flags: cmdutil.WithGlobals(outputFlag()),
		Action: func(c *cli.Context) error {
			o, err := sessionOptionsOf(f, c, 0)
			if err != nil {
				return err
			}
			return runLogoutAll(c.Context, o)
		},
	}
}

func runLogoutAll(ctx context.Context, o sessionOptions) error {
	sess, err := o.API.Connect(cmdutil.ConnectOptions{Command: "auth-logout-all", Scopes: []string{remote.ScopeTokensWrite}})
	if err != nil {
		return err
	}
	defer sess.Close()
	if err := sess.Client.LogoutAll(ctx); err != nil {
		return fmt.Errorf("logging out everywhere: %w", cmdutil.ExplainAPIError(err))
	}
	return o.IO.printMessage(messageReport{Message: "Logged out everywhere: every access token of the user is revoked."})
}
