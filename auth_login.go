package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// The token subcommands: login, refresh, logout, logout-all.

const (
	flagExpiry     = "expiry"
	flagScopes     = "scopes"
	flagDeviceName = "device-name"
)

// tokenExpiries are the token_expiry values of API.md, shortest first.
var tokenExpiries = []string{"1_week", "1_month", "3_months", "6_months", "1_year", "never"}

// expiryOf returns --expiry, refusing values the API does not know.
func expiryOf(c *cli.Context) (string, error) {
	e := strings.TrimSpace(c.String(flagExpiry))
	if e == "" || slices.Contains(tokenExpiries, e) {
		return e, nil
	}
	return "", fmt.Errorf("invalid --%s %q: use one of %s", flagExpiry, e, strings.Join(tokenExpiries, ", "))
}

func expiryFlag(def string) cli.Flag {
	return &cli.StringFlag{Name: flagExpiry, Value: def, Usage: "token lifetime `EXPIRY`: " + strings.Join(tokenExpiries, ", ")}
}

func scopesFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: flagScopes, Usage: usage}
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
	return normalizeScopes(scopes), nil
}

func loginCommand() *cli.Command {
	return &cli.Command{
		Name:      "login",
		Usage:     "Log in with email and password, receiving an access token",
		UsageText: "mlabctl auth login --email EMAIL [--password-stdin] [--expiry EXPIRY] [--scopes LIST] [--device-name NAME] [--token-file FILE | --print-token]",
		Flags: withGlobals(
			emailFlag(),
			passwordStdinFlag(),
			expiryFlag("1_month"),
			scopesFlag("comma-separated `SCOPES` the token may use, e.g. profile:read,api-keys:read (default: all the account has)"),
			&cli.StringFlag{Name: flagDeviceName, Usage: "`NAME` of the token, shown by `auth tokens list` and matched by access_tokens.keep (default mlabctl-HOSTNAME)"},
			tokenFileFlag(),
			printTokenFlag(),
			outputFlag(),
		),
		Action: runLogin,
	}
}

func runLogin(c *cli.Context) error {
	if err := checkArgs(c, 0); err != nil {
		return err
	}
	format, err := outputOf(c)
	if err != nil {
		return err
	}
	email, err := emailOf(c)
	if err != nil {
		return err
	}
	expiry, err := expiryOf(c)
	if err != nil {
		return err
	}
	scopes, err := scopesOf(c)
	if err != nil {
		return err
	}
	device := strings.TrimSpace(c.String(flagDeviceName))
	if device == "" {
		device = hostDeviceName()
	}
	dest, err := tokenDestOf(c)
	if err != nil {
		return err
	}
	password, err := newSecretInput(c).password("Password", false)
	if err != nil {
		return err
	}
	client, err := authClient(c)
	if err != nil {
		return err
	}
	res, err := client.Login(c.Context, remote.LoginRequest{
		Email:       email,
		Password:    password,
		DeviceName:  device,
		TokenExpiry: expiry,
		Scopes:      scopes,
	})
	if err != nil {
		return explainLoginError(fmt.Errorf("logging in as %q: %w", email, err))
	}
	if res.TokenExpiry == "" {
		res.TokenExpiry = expiry
	}
	// Login also returns one of the account's API keys, unnamed; it is
	// shown masked only (the keys are apply's business, by name).
	return deliverIssued(c, format, dest, "", issued{
		Action:    "Logged in",
		Device:    device,
		User:      res.User,
		Token:     res.AccessToken,
		Scopes:    res.Scopes,
		Expiry:    res.TokenExpiry,
		ExpiresAt: res.ExpiresAt,
		APIKey:    res.APIKey,
	})
}

func refreshCommand() *cli.Command {
	return &cli.Command{
		Name:      "refresh",
		Usage:     "Replace the access token with a new one; the old one is revoked",
		UsageText: "mlabctl auth refresh [--expiry EXPIRY] (--token-file FILE | --print-token)",
		Description: "The token to refresh comes from --token or " + envToken + ". Because the old token stops working,\n" +
			"refresh insists on --token-file or --print-token, so that the new one is not lost.",
		Flags: withGlobals(
			expiryFlag(""),
			&cli.StringFlag{Name: flagDeviceName, Usage: "new `NAME` of the token (default: unchanged)"},
			tokenFileFlag(),
			printTokenFlag(),
			outputFlag(),
		),
		Action: func(c *cli.Context) error {
			if err := checkArgs(c, 0); err != nil {
				return err
			}
			format, err := outputOf(c)
			if err != nil {
				return err
			}
			expiry, err := expiryOf(c)
			if err != nil {
				return err
			}
			dest, err := tokenDestOf(c)
			if err != nil {
				return err
			}
			if !dest.kept() {
				return fmt.Errorf("refresh revokes the current token, so the new one must be kept: pass --%s FILE or --%s", flagTokenFile, flagPrintToken)
			}
			client, err := tokenClient(c, "refresh")
			if err != nil {
				return err
			}
			res, err := client.Refresh(c.Context, remote.RefreshRequest{TokenExpiry: expiry, DeviceName: strings.TrimSpace(c.String(flagDeviceName))})
			if err != nil {
				return explainAPIError(fmt.Errorf("refreshing the access token: %w", err))
			}
			return deliverIssued(c, format, dest, "", issued{
				Action:    "Refreshed the access token; the old one is revoked",
				User:      res.User,
				Token:     res.AccessToken,
				Scopes:    res.Scopes,
				Expiry:    res.TokenExpiry,
				ExpiresAt: res.ExpiresAt,
			})
		},
	}
}

func logoutCommand() *cli.Command {
	return &cli.Command{
		Name:      "logout",
		Usage:     "Revoke the access token given by --token or " + envToken,
		UsageText: "mlabctl auth logout",
		Flags:     withGlobals(outputFlag()),
		Action: func(c *cli.Context) error {
			if err := checkArgs(c, 0); err != nil {
				return err
			}
			format, err := outputOf(c)
			if err != nil {
				return err
			}
			client, err := tokenClient(c, "logout")
			if err != nil {
				return err
			}
			if err := client.Logout(c.Context); err != nil {
				return explainAPIError(fmt.Errorf("logging out: %w", err))
			}
			msg := fmt.Sprintf("Logged out: access token %s revoked.", remote.Secret(globals(c).Token).Masked())
			return printMessage(c, format, messageReport{Message: msg})
		},
	}
}

func logoutAllCommand() *cli.Command {
	return &cli.Command{
		Name:      "logout-all",
		Usage:     "Revoke every access token of the user, this one included",
		UsageText: "mlabctl auth logout-all",
		Description: "Needs scope tokens:write. Authenticates like plan: --token or " + envToken + ", else a login with\n" +
			envEmail + " and " + envPassword + ".",
		Flags: withGlobals(outputFlag()),
		Action: func(c *cli.Context) error {
			if err := checkArgs(c, 0); err != nil {
				return err
			}
			format, err := outputOf(c)
			if err != nil {
				return err
			}
			sess, err := connect(c, connectOptions{Command: "auth-logout-all", Scopes: []string{scopeTokensWrite}})
			if err != nil {
				return err
			}
			defer sess.Close()
			if err := sess.Client.LogoutAll(c.Context); err != nil {
				return explainAPIError(fmt.Errorf("logging out everywhere: %w", err))
			}
			return printMessage(c, format, messageReport{Message: "Logged out everywhere: every access token of the user is revoked."})
		},
	}
}
