package main

import (
	"errors"
	"os"

	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// session is an authenticated client for one command run. Close releases
// what connect acquired (for example logs out an ephemeral token); it is safe
// to call more than once.
type session struct {
	Client *remote.Client
	// BaseURL is the site root the client talks to.
	BaseURL string
	Close   func()
}

// connectOptions say what a command needs from its connection.
type connectOptions struct {
	// Command names the command ("plan", "apply", "export"); it is used for
	// the device name of an ephemeral token.
	Command string
	// Scopes are the scopes the command needs.
	Scopes []string
	// Account, when non-empty, is the team account to switch into first.
	Account string
}

// errNoCredentials is returned when neither a token nor a login is configured.
var errNoCredentials = errors.New("no credentials: set " + envToken + " (or pass --token), or set MODELSLAB_EMAIL and MODELSLAB_PASSWORD")

// newClient builds an unauthenticated-or-token client from the global flags.
func newClient(c *cli.Context) (*remote.Client, error) {
	g := globals(c)
	opts := remote.Options{
		BaseURL:   g.BaseURL,
		Token:     remote.Secret(g.Token),
		UserAgent: userAgent(),
	}
	if g.Debug {
		opts.Debug = c.App.ErrWriter
	}
	return remote.New(opts)
}

// connect returns an authenticated session for a command.
func connect(c *cli.Context, o connectOptions) (*session, error) {
	if hasFlag(c, flagEmulator) && c.Bool(flagEmulator) {
		return demoSession(c, o)
	}
	g := globals(c)
	if g.Token == "" {
		return nil, errNoCredentials
	}
	client, err := newClient(c)
	if err != nil {
		return nil, err
	}
	_ = os.Getenv // SCAFFOLDING: ephemeral login and account switching come with the auth work.
	return &session{Client: client, BaseURL: g.BaseURL, Close: func() {}}, nil
}

// hasFlag reports whether the command (or a parent) defines the flag.
func hasFlag(c *cli.Context, name string) bool {
	for _, ctx := range c.Lineage() {
		if ctx.Command == nil {
			continue
		}
		for _, f := range ctx.Command.Flags {
			for _, n := range f.Names() {
				if n == name {
					return true
				}
			}
		}
	}
	return false
}
