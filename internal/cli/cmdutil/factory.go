package cmdutil

import (
	"errors"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mlabctl/mlabctl/internal/buildinfo"
	"github.com/mlabctl/mlabctl/internal/cli/ghactions"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// Factory is what one run of mlabctl is made of, built once by package cli
// and handed to every command constructor: the streams, the environment,
// the clock and the version. Everything a command derives from them (the
// resolved global flags, API clients, sessions, the GitHub Actions runner)
// comes from its methods, so that a test builds one Factory with fake
// streams and an environment map and runs any command line in-process.
type Factory struct {
	// IO are the standard streams.
	IO *iostreams.IOStreams
	// LookupEnv reads the environment: os.LookupEnv in a real run, a map
	// in tests. Nothing in the CLI calls os.Getenv.
	LookupEnv func(key string) (string, bool)
	// Now is the clock of plans, plan files and exports. Commands read it
	// through NowFunc, which honours MLABCTL_TEST_NOW.
	Now func() time.Time
	// Build is which mlabctl this is (version, commit, Go version), as
	// `mlabctl version` prints it and plan files and the User-Agent record
	// it: buildinfo.Read() in a real run.
	Build buildinfo.Info
	// RetryBackoff is remote.Options.RetryBackoff for every client the
	// run makes; 0 keeps remote's default (250ms). Tests shorten it.
	RetryBackoff time.Duration

	// testClockNoted prints NowFunc's warning about MLABCTL_TEST_NOW once.
	testClockNoted sync.Once

	// Clock is the time every client waits for the API's rate limit in
	// (remote.Options.Clock); nil means the real clock. Tests give a
	// simulated one, shared with the emulator, so that a minute's window
	// costs no time.
	Clock remote.Clock
}

// System returns the Factory of a real run: the process's environment,
// clock and build information, and streams ios.
func System(ios *iostreams.IOStreams) *Factory {
	return &Factory{IO: ios, LookupEnv: os.LookupEnv, Now: time.Now, Build: buildinfo.Read()}
}

// Getenv returns the environment variable name, or "" when unset.
func (f *Factory) Getenv(name string) string {
	v, _ := f.LookupEnv(name)
	return v
}

// Globals are the resolved global flags of one command.
type Globals struct {
	BaseURL string
	Token   string
	File    string
	NoColor bool
	Debug   bool
}

// Globals resolves the global flags for a command: a flag given after the
// command (or a parent command) wins, then one given before it, then the
// environment, then the default.
func (f *Factory) Globals(c *cli.Context) Globals {
	str := func(flag, env, def string) string {
		if ctx := SetOn(c, flag); ctx != nil {
			return ctx.String(flag)
		}
		if v, ok := f.LookupEnv(env); ok {
			return v
		}
		return def
	}
	g := Globals{
		BaseURL: strings.TrimSpace(str(FlagBaseURL, EnvBaseURL, DefaultBaseURL)),
		Token:   strings.TrimSpace(str(FlagToken, EnvToken, "")),
		File:    str(FlagFile, EnvFile, DefaultFile),
		NoColor: f.Getenv(EnvNoColor) != "",
	}
	if ctx := SetOn(c, FlagNoColor); ctx != nil {
		g.NoColor = g.NoColor || ctx.Bool(FlagNoColor)
	}
	if ctx := SetOn(c, FlagDebug); ctx != nil {
		g.Debug = ctx.Bool(FlagDebug)
	} else {
		g.Debug, _ = f.envBool(EnvDebug)
	}
	return g
}

// CheckEnv refuses, before any command runs, an environment variable the
// run cannot read: MLABCTL_DEBUG must be a boolean (see ParseBool),
// MLABCTL_TEST_NOW an RFC 3339 time.
func (f *Factory) CheckEnv() error {
	_, err := f.envBool(EnvDebug)
	_, _, terr := f.testNow()
	return errors.Join(err, terr)
}

// envBool reads a boolean variable; unset or empty is false.
func (f *Factory) envBool(name string) (bool, error) {
	v := f.Getenv(name)
	b, ok := ParseBool(v)
	if !ok {
		return false, UsageErrorf("%s=%q is not a boolean: use 1, true, yes or on to turn it on, and 0, false, no, off or nothing to turn it off", name, v)
	}
	return b, nil
}

// ParseBool reads a boolean environment variable the way people write
// them: 1, true, yes, on and 0, false, no, off, in any case, around spaces
// (t and f too, which strconv.ParseBool took before);
// empty is false. ok is false for anything else.
func ParseBool(v string) (b, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on", "t":
		return true, true
	case "", "0", "false", "no", "off", "f":
		return false, true
	}
	return false, false
}

// FileGiven reports whether -f/--file was given on the command line (after
// the command or before it). MODELSLAB_FILE does not count: CI may set it
// for every step, and apply PLANFILE then simply ignores it.
func FileGiven(c *cli.Context) bool { return SetOn(c, FlagFile) != nil }

// ColorEnabled reports whether stdout may be coloured: a terminal, and
// neither --no-color nor NO_COLOR.
func (f *Factory) ColorEnabled(c *cli.Context) bool {
	return f.IO.ColorEnabled(f.Globals(c).NoColor)
}

// GitHub is the GitHub Actions runner of the step, writing its workflow
// commands on stderr: the runner reads them there as on stdout
// (actions/runner, ScriptHandler.cs), and stderr is not what workflows
// redirect. On stdout, `mlabctl plan -o markdown > plan.md` would carry an
// ::add-mask:: line (and the value it masks) into a PR comment.
func (f *Factory) GitHub() ghactions.Runner {
	return ghactions.New(f.Getenv, f.IO.ErrOut)
}

// GuardStreams puts a ghactions.Guard on the streams the GitHub Actions
// runner reads as mlabctl writes them: stderr, and stdout unless it is
// redirected to a file, where a workflow command is inert and the output
// must stay byte for byte what was rendered. Outside GitHub Actions it does
// nothing. Live text is escaped where it is printed (safetext); the guard
// is the backstop for whatever is left, so that nothing mlabctl prints
// becomes a workflow command it did not mean. The Runner of GitHub writes
// its own commands through the guard, on lines of their own. flush writes
// what the guards hold at the end of the run.
func (f *Factory) GuardStreams() (flush func()) {
	if !f.GitHub().Enabled() {
		return func() {}
	}
	errGuard := ghactions.NewGuard(f.IO.ErrOut)
	f.IO.ErrOut = errGuard
	if f.IO.IsStdoutFile() {
		return func() { _ = errGuard.Flush() }
	}
	outGuard := ghactions.NewGuard(f.IO.Out)
	f.IO.Out = outGuard
	return func() {
		_ = outGuard.Flush()
		_ = errGuard.Flush()
	}
}

// UserAgent is the User-Agent of every request.
func (f *Factory) UserAgent() string { return f.Build.UserAgent() }

// remoteOptions are the client options of the command line c for baseURL
// and token: --debug, --max-wait, and the factory's retry backoff and
// clock. Pauses for the rate limit are reported to notices.
func (f *Factory) remoteOptions(c *cli.Context, baseURL string, token remote.Secret, notices *RateLimitNotices) (remote.Options, error) {
	maxWait, err := maxWaitOf(c)
	if err != nil {
		return remote.Options{}, err
	}
	opts := remote.Options{
		BaseURL: baseURL, Token: token, UserAgent: f.UserAgent(), RetryBackoff: f.RetryBackoff,
		MaxWait: maxWait, Clock: f.Clock, OnRateLimitWait: notices.Notify,
	}
	if f.Globals(c).Debug {
		opts.Debug = f.IO.ErrOut
	}
	return opts, nil
}

// Client returns a client of the global flags: --base-url, and --token (or
// MODELSLAB_TOKEN) when given. Its rate-limit pauses are lines on stderr.
func (f *Factory) Client(c *cli.Context) (*remote.Client, error) {
	return f.client(c, NewRateLimitNotices(f.IO.ErrOut))
}

// client is Client reporting its pauses to notices.
func (f *Factory) client(c *cli.Context, notices *RateLimitNotices) (*remote.Client, error) {
	g := f.Globals(c)
	opts, err := f.remoteOptions(c, g.BaseURL, remote.Secret(g.Token), notices)
	if err != nil {
		return nil, err
	}
	return remote.New(opts)
}

// API is how a command reaches the control plane: closures the factory
// makes over the command line, which a test may replace.
type API struct {
	// Client returns a client carrying --token/MODELSLAB_TOKEN, if any.
	Client func() (*remote.Client, error)
	// Connect opens an authenticated session (see Factory.Connect).
	Connect func(ConnectOptions) (*Session, error)
}

// API returns the command's way to the control plane.
func (f *Factory) API(c *cli.Context) API {
	return API{
		Client:  func() (*remote.Client, error) { return f.Client(c) },
		Connect: func(o ConnectOptions) (*Session, error) { return f.Connect(c, o) },
	}
}

// Anonymous returns a client without a token, for the endpoints that need
// none (signup, login, …): a token in the environment is not sent where it
// has no business.
func (a API) Anonymous() (*remote.Client, error) {
	client, err := a.Client()
	if err != nil {
		return nil, err
	}
	return client.WithToken(""), nil
}
