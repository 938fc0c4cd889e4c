package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// ephemeralExpiry is the token_expiry of a login or switch-account made by
// Connect: the shortest the API documents, so that a token whose logout
// failed (a crash, a network error at the end) does not outlive the week.
const ephemeralExpiry = remote.ShortestTokenExpiry

// createTimeout bounds a login or switch-account made by Connect. Those
// calls do not follow the command's cancellation: a Ctrl-C that arrives
// while the server is creating the token would otherwise leave it behind,
// created but unknown to us. They finish (or time out), and the token is
// logged out at once if the command was cancelled meanwhile.
const createTimeout = 30 * time.Second

// closeTimeout bounds the logouts of Session.Close. They run on a fresh
// context, because the command's context is typically already cancelled
// (Ctrl-C) when Close runs.
const closeTimeout = 10 * time.Second

// Session is an authenticated client for one command run. Close releases
// what Connect acquired (for example logs out an ephemeral token); it is
// safe to call more than once.
type Session struct {
	Client *remote.Client
	// BaseURL is the site root the client talks to.
	BaseURL string
	Close   func()
	// RateLimits are where the session's clients report their pauses for
	// the API's rate limit (lines on stderr unless redirected); nil for a
	// session made without a factory.
	RateLimits *RateLimitNotices
}

// ConnectOptions say what a command needs from its connection.
type ConnectOptions struct {
	// Command names the command ("plan", "apply", "export"); it is used for
	// the device name of an ephemeral token.
	Command string
	// Scopes are the scopes the command needs inside the account it acts in
	// (RequiredScopes for plan, apply and export). An ephemeral login asks
	// for exactly these (plus tokens:write to switch account); nil asks for
	// every scope the user has, which only `auth switch-account` without
	// --scopes does.
	Scopes []string
	// Account, when non-empty, is the team account to switch into first.
	Account string
}

// ErrNoCredentials is returned when neither a token nor a login is
// configured.
var ErrNoCredentials = errors.New("no credentials: set " + EnvToken + " (or pass --token), or set " + EnvEmail + " and " + EnvPassword)

// Connect returns an authenticated session for a command.
//
// Credentials, first match wins: --token or MODELSLAB_TOKEN is used as it
// is; else MODELSLAB_EMAIL and MODELSLAB_PASSWORD log in for this run only,
// asking for exactly o.Scopes (plus tokens:write to switch account, and
// checked first against the scopes GET /auth/scopes lists, when the server
// offers the list), token_expiry=1_week and device name
// "mlabctl-<command>"; else ErrNoCredentials. With o.Account, the session
// then switches into that team account (the switched token with the same
// device name and expiry) and every call of the returned client happens
// there. With
// --emulator (plan, apply, export), the session is on a throwaway emulator
// instead (DemoSession).
//
// Every token Connect creates (the login, the switched token) is logged out
// by Close, which the caller defers right after a successful Connect. Close
// uses its own short-lived context, so it works after Ctrl-C too.
func (f *Factory) Connect(c *cli.Context, o ConnectOptions) (*Session, error) {
	if ctx := SetOn(c, FlagEmulator); ctx != nil && ctx.Bool(FlagEmulator) {
		return f.DemoSession(c)
	}
	g := f.Globals(c)
	notices := NewRateLimitNotices(f.IO.ErrOut)
	base, err := f.client(c, notices)
	if err != nil {
		return nil, err
	}
	creds := Credentials{
		Token:    remote.Secret(g.Token),
		Email:    strings.TrimSpace(f.Getenv(EnvEmail)),
		Password: remote.Secret(f.Getenv(EnvPassword)),
	}
	sess, err := OpenSession(c.Context, base, creds, o, f.IO.ErrOut)
	if err != nil {
		return nil, err
	}
	sess.RateLimits = notices
	return sess, nil
}

// Credentials are what a session may authenticate with.
type Credentials struct {
	// Token, when set, is used as it is.
	Token remote.Secret
	// Email and Password log in for one run when Token is empty.
	Email    string
	Password remote.Secret
}

// OpenSession is Connect without the command line: base is a client
// without a token or with creds.Token; warnings (a logout that failed) go
// to errw. The session's BaseURL is base's, normalised
// ("https://host[:port]").
func OpenSession(ctx context.Context, base *remote.Client, creds Credentials, o ConnectOptions, errw io.Writer) (*Session, error) {
	s := &cleanup{errw: errw}
	client := base
	device := "mlabctl-" + o.Command
	switch {
	case !creds.Token.IsZero():
		client = base.WithToken(creds.Token)
	case creds.Email != "" && !creds.Password.IsZero():
		scopes := LoginScopes(o.Scopes, o.Account)
		if err := CheckScopes(ctx, base, scopes, errw); err != nil {
			if ctx.Err() != nil {
				return nil, Interrupted(fmt.Sprintf("logging in as %q", creds.Email), ctx.Err())
			}
			return nil, fmt.Errorf("logging in as %q: %w; mlabctl asks for the scopes the sections of modelslab.yaml need: create a token with the scopes this API names (mlabctl auth login --scopes LIST --token-file FILE) and set %s", creds.Email, err, EnvToken)
		}
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
		res, err := base.Login(lctx, remote.LoginRequest{
			Email:       creds.Email,
			Password:    creds.Password,
			DeviceName:  device,
			TokenExpiry: ephemeralExpiry,
			Scopes:      scopes,
		})
		cancel()
		if err != nil {
			return nil, fmt.Errorf("logging in as %q (%s, %s): %w", creds.Email, EnvEmail, EnvPassword, ExplainLoginError(err))
		}
		if res.AccessToken.IsZero() {
			return nil, fmt.Errorf("logging in as %q: the API answered without an access token", creds.Email)
		}
		client = base.WithToken(res.AccessToken)
		s.add(client, fmt.Sprintf("temporary token %q", device))
		if err := ctx.Err(); err != nil {
			s.close()
			return nil, Interrupted(fmt.Sprintf("logging in as %q", creds.Email), err)
		}
	case creds.Email != "":
		return nil, fmt.Errorf("%s is set but %s is not: set both to log in, or set %s", EnvEmail, EnvPassword, EnvToken)
	case !creds.Password.IsZero():
		return nil, fmt.Errorf("%s is set but %s is not: set both to log in, or set %s", EnvPassword, EnvEmail, EnvToken)
	default:
		return nil, ErrNoCredentials
	}
	if o.Account != "" {
		// The switched token will be the only current one in GET
		// /auth/tokens; the token switched from must stay in use too.
		inUse, err := tokensInUse(ctx, client, o.Scopes)
		if err != nil {
			s.close()
			return nil, err
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
		sw, err := client.SwitchAccountWith(sctx, remote.SwitchAccountRequest{
			AccountUsername: o.Account,
			Scopes:          NormalizeScopes(o.Scopes),
			DeviceName:      device,
			TokenExpiry:     ephemeralExpiry,
		})
		cancel()
		if err != nil {
			s.close()
			return nil, ExplainSwitchError(o.Account, err)
		}
		if sw.AccessToken.IsZero() {
			s.close()
			return nil, fmt.Errorf("switching to account %q: the API answered without an access token", o.Account)
		}
		client = client.WithToken(sw.AccessToken).WithInUseTokens(inUse...)
		// The switched token was made for this run alone, whatever the
		// caller authenticated with: it goes too.
		s.add(client, fmt.Sprintf("token of account %q", o.Account))
		if err := ctx.Err(); err != nil {
			s.close()
			return nil, Interrupted(fmt.Sprintf("switching to account %q", o.Account), err)
		}
	}
	return &Session{Client: client, BaseURL: base.BaseURL(), Close: s.close}, nil
}

// tokensInUse returns the id of the token client calls the API with, when
// the session will read access tokens (scopes has tokens:read, which a spec
// managing access_tokens asks for): CONTRACT.md promises that mlabctl never
// revokes the token it runs with, and inside a team account that token is
// no longer the current one of GET /auth/tokens, so OpenSession names it
// with remote.WithInUseTokens. Without tokens:read nothing is listed (the
// session cannot list tokens, and so cannot propose to revoke one) and
// nothing is asked: the scopes stay least-privilege. The list is read with
// the command's context: it creates nothing that a Ctrl-C could leave
// behind.
func tokensInUse(ctx context.Context, client *remote.Client, scopes []string) ([]remote.ID, error) {
	if !slices.Contains(scopes, remote.ScopeTokensRead) {
		return nil, nil
	}
	toks, err := client.ListTokens(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, Interrupted("reading the access tokens before switching account", ctx.Err())
		}
		return nil, fmt.Errorf("listing access tokens to find the one this run uses (it is never revoked): %w", ExplainAPIError(err))
	}
	var ids []remote.ID
	for _, t := range toks {
		if t.Current {
			ids = append(ids, t.ID)
		}
	}
	if len(ids) == 0 {
		// Without it, the plan could revoke the caller's own token: a
		// rail, as plan's own refusal to revoke blind (exit 3).
		return nil, Refused("access_tokens: the API's token list does not say which token this run uses (no token is marked current), so mlabctl cannot make sure it never revokes it: run with a token whose id it can read (a Sanctum token \"<id>|<secret>\"), or remove access_tokens from modelslab.yaml and revoke tokens by id with `mlabctl auth tokens revoke`; nothing was changed")
	}
	return ids, nil
}

// cleanup logs out, newest first, the tokens a session created.
type cleanup struct {
	errw   io.Writer
	once   sync.Once
	tokens []ownedToken
}

// ownedToken is a token the session created, with the client that
// authenticates with it (and so can log it out) and a description for
// warnings that never contains the secret.
type ownedToken struct {
	client *remote.Client
	what   string
}

func (s *cleanup) add(client *remote.Client, what string) {
	s.tokens = append(s.tokens, ownedToken{client: client, what: what})
}

// close logs out every owned token on a fresh context; a failure is a
// warning on stderr, not an error: the command's outcome is already decided
// and the token expires on its own within a week.
func (s *cleanup) close() {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		for i := len(s.tokens) - 1; i >= 0; i-- {
			t := s.tokens[i]
			err := t.client.Logout(ctx)
			if err == nil || remote.IsUnauthenticated(err) {
				continue // gone already (for example revoked with its parent)
			}
			if s.errw != nil {
				fmt.Fprintf(s.errw, "Warning: could not log out the %s: %v; it expires by itself within a week, or revoke it with `mlabctl auth tokens revoke ID`\n", t.what, err)
			}
		}
	})
}

// CheckScopes checks scopes a login is about to ask for against the list
// of GET /auth/scopes (remote.Client.CheckScopes): the public docs confirm
// only a few scope names, and a login refused for an unknown one names it
// less clearly. It returns the *remote.UnknownScopesError naming every
// unknown scope. Nothing is checked for nil scopes (every scope the user
// has), nor when the server offers no list; a list that cannot be read is
// a warning on errw, not an error: the login itself is what decides.
func CheckScopes(ctx context.Context, client *remote.Client, scopes []string, errw io.Writer) error {
	if len(scopes) == 0 {
		return nil
	}
	_, err := client.CheckScopes(ctx, scopes)
	var unknown *remote.UnknownScopesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &unknown):
		return err
	case ctx.Err() != nil:
		return Interrupted("reading the API's scope names", ctx.Err())
	}
	if errw != nil {
		fmt.Fprintf(errw, "Warning: could not read the API's scope names to check %s before logging in: %v\n", strings.Join(scopes, ","), err)
	}
	return nil
}
