package authcmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/apply"
	"github.com/mlabctl/mlabctl/internal/atomicfile"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/cli/ghactions"
	"github.com/mlabctl/mlabctl/internal/safetext"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// Flags shared by the auth subcommands.
const (
	flagPrintToken = "print-token"
	flagTokenFile  = "token-file"
	flagSecretsOut = "secrets-out"
)

// secretFileMode is the mode of a --token-file (the --secrets-out file is
// apply.SecretsFile's, also 0600).
const secretFileMode = 0o600

// DefaultKeyName is the name under which --secrets-out stores the API key
// that verify-email returns: the key the account gets at sign-up, which the
// API names "default" (the response itself does not name it).
const DefaultKeyName = "default"

// authFormats are the formats of -o.
var authFormats = []string{cmdutil.OutputText, cmdutil.OutputJSON}

func outputFlag() cli.Flag { return cmdutil.OutputFlag("print `FORMAT`: text or json", authFormats...) }

// printTokenFlag and tokenFileFlag are the flags of the subcommands that
// receive a new token (see tokenDest).
func printTokenFlag() cli.Flag {
	return &cli.BoolFlag{Name: flagPrintToken, Usage: "print the new access token on stdout (alone on its line; in the JSON with -o json), for MODELSLAB_TOKEN=$(...)"}
}

func tokenFileFlag() cli.Flag {
	return &cli.StringFlag{Name: flagTokenFile, TakesFile: true, Usage: "write the new access token to `FILE` (mode 0600, replaced atomically)"}
}

// secretsOutFlag stores the API key that verify-email creates at sign-up.
func secretsOutFlag() cli.Flag {
	return &cli.StringFlag{Name: flagSecretsOut, TakesFile: true, Usage: "merge the returned API key into `FILE` (mode 0600, JSON object name → key, under \"" + DefaultKeyName + "\"), the format of apply --secrets-out"}
}

// authIO is where an auth subcommand reads secrets from and prints to.
type authIO struct {
	Stdout, Stderr io.Writer
	// Format is -o: cmdutil.OutputText or cmdutil.OutputJSON.
	Format string
	// Input reads passwords and codes.
	Input *secretInput
	// GitHub masks a secret printed on request under GitHub Actions; the
	// zero value does nothing.
	GitHub ghactions.Runner
}

// authIOOf resolves the streams and -o of a command.
func authIOOf(f *cmdutil.Factory, c *cli.Context) (authIO, error) {
	format, err := outputOf(c)
	if err != nil {
		return authIO{}, err
	}
	return authIO{Stdout: f.IO.Out, Stderr: f.IO.ErrOut, Format: format, Input: newSecretInput(f, c),
		GitHub: f.GitHub()}, nil
}

// printMessage reports a message as text or JSON on stdout.
func (a authIO) printMessage(r messageReport) error {
	if a.Format == cmdutil.OutputJSON {
		return writeJSON(a.Stdout, r)
	}
	_, err := fmt.Fprintln(a.Stdout, r.Message)
	return err
}

// messageReport is the JSON of a subcommand whose result is a message.
type messageReport struct {
	Email   string `json:"email,omitempty"`
	Account string `json:"account,omitempty"`
	Message string `json:"message"`
}

// outputOf returns the -o format, refusing unknown ones.
func outputOf(c *cli.Context) (string, error) {
	o := c.String(cmdutil.FlagOutput)
	return o, cmdutil.CheckOutput(o, authFormats...)
}

// writeJSON prints v as indented JSON and a newline, with what a terminal
// or a CI log would act on escaped inside its strings (safetext.JSON): the
// names and emails in it come from the server.
func writeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(safetext.JSON(b.Bytes()))
	return err
}

// tokenDest is where a new token goes: --print-token, --token-file, or
// nowhere (then only its masked form is shown).
type tokenDest struct {
	Print bool
	File  string
}

// tokenDestOf reads --print-token and --token-file, checking the file can
// be written before any network call: a token the API issued and mlabctl
// could not store would be lost (and after refresh, the old one is revoked
// too).
func tokenDestOf(c *cli.Context) (tokenDest, error) {
	d := tokenDest{Print: c.Bool(flagPrintToken), File: strings.TrimSpace(c.String(flagTokenFile))}
	if d.File != "" {
		if err := atomicfile.Check(d.File); err != nil {
			return d, fmt.Errorf("--%s: %w", flagTokenFile, err)
		}
	}
	return d, nil
}

// secretsOutOf reads --secrets-out, checking before any network call that
// the file can be written and, if it exists, merged into.
func secretsOutOf(c *cli.Context) (string, error) {
	path := strings.TrimSpace(c.String(flagSecretsOut))
	if path == "" {
		return "", nil
	}
	if err := atomicfile.Check(path); err != nil {
		return "", fmt.Errorf("--%s: %w", flagSecretsOut, err)
	}
	if err := apply.NewSecretsFile(path).CheckMergeable(); err != nil {
		return "", fmt.Errorf("--%s: %w", flagSecretsOut, err)
	}
	return path, nil
}

// kept reports whether the token will be kept anywhere.
func (d tokenDest) kept() bool { return d.Print || d.File != "" }

// tokenView is a new access token as reported: never its value, except
// with --print-token in JSON.
type tokenView struct {
	Name      string     `json:"name,omitempty"`
	Masked    string     `json:"masked"`
	Value     string     `json:"value,omitempty"`
	File      string     `json:"file,omitempty"`
	Scopes    []string   `json:"scopes,omitempty"`
	Expiry    string     `json:"token_expiry,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// keyView is an API key returned with a token, as reported.
type keyView struct {
	Masked string `json:"masked"`
	File   string `json:"file,omitempty"`
	Name   string `json:"name,omitempty"`
}

// errNoToken is returned when the API answers a token request without one.
var errNoToken = errors.New("the API answered without an access token")

// issued is a token (and maybe an API key) a subcommand received.
type issued struct {
	// Action is a past-tense sentence without its period ("Logged in"),
	// completed with " as USERNAME <EMAIL>" when User is known.
	Action string
	// Headline, when set, replaces that first line (without its period).
	Headline string
	User     *remote.Profile
	// Device is the token's name (its device_name), when known.
	Device    string
	Token     remote.Secret
	Scopes    []string
	Expiry    string
	ExpiresAt *time.Time
	// APIKey is the account's API key that verify-email and login return.
	APIKey remote.Secret
}

// issuedReport is the JSON of an issued token.
type issuedReport struct {
	Account string    `json:"account,omitempty"`
	Email   string    `json:"email,omitempty"`
	Token   tokenView `json:"token"`
	APIKey  *keyView  `json:"api_key,omitempty"`
}

// deliverIssued stores the token where dest says (and the API key in
// secretsOut, when given), then reports: JSON on stdout, or text lines on
// stdout — on stderr with --print-token, whose stdout is the token alone.
// The token leaves the program only through dest. offerSecretsOut says
// whether the command has --secrets-out, to suggest it.
func deliverIssued(out authIO, dest tokenDest, secretsOut string, offerSecretsOut bool, in issued) error {
	if in.Token.IsZero() {
		return errNoToken
	}
	if dest.Print {
		// Under GitHub Actions the runner hides the token in every later
		// log line once masked, before it is printed (on stdout, or in the
		// JSON). The mask goes to stderr, so $(... --print-token) still
		// captures the token alone.
		out.GitHub.Mask(in.Token.Reveal())
	}
	stdout, stderr := out.Stdout, out.Stderr
	rep := issuedReport{Token: tokenView{
		Name:      in.Device,
		Masked:    in.Token.Masked(),
		Scopes:    in.Scopes,
		Expiry:    in.Expiry,
		ExpiresAt: in.ExpiresAt,
	}}
	if in.User != nil {
		rep.Account, rep.Email = in.User.Username, in.User.Email
	}
	if dest.File != "" {
		if err := atomicfile.Write(dest.File, []byte(in.Token.Reveal()+"\n"), secretFileMode); err != nil {
			return fmt.Errorf("saving the new access token %s: %w", in.Token.Masked(), err)
		}
		rep.Token.File = dest.File
	}
	if !in.APIKey.IsZero() {
		rep.APIKey = &keyView{Masked: in.APIKey.Masked()}
		if secretsOut != "" {
			if err := apply.NewSecretsFile(secretsOut).Save(DefaultKeyName, in.APIKey); err != nil {
				return fmt.Errorf("saving the API key %s: %w", in.APIKey.Masked(), err)
			}
			rep.APIKey.File, rep.APIKey.Name = secretsOut, DefaultKeyName
		}
	}
	if out.Format == cmdutil.OutputJSON {
		if dest.Print {
			rep.Token.Value = in.Token.Reveal()
		}
		return writeJSON(stdout, rep)
	}
	w := stdout
	if dest.Print {
		fmt.Fprintln(stdout, in.Token.Reveal())
		w = stderr
	}
	who := ""
	switch {
	case rep.Account != "" && rep.Email != "":
		who = fmt.Sprintf(" as %s <%s>", rep.Account, rep.Email)
	case rep.Account != "":
		who = " as " + rep.Account
	case rep.Email != "":
		who = " as " + rep.Email
	}
	// The account and email come from the server: one line each.
	if in.Headline != "" {
		fmt.Fprintf(w, "%s.\n", safetext.Line(in.Headline))
	} else {
		fmt.Fprintf(w, "%s%s.\n", in.Action, safetext.Line(who))
	}
	name := ""
	if rep.Token.Name != "" {
		name = fmt.Sprintf(" %q", rep.Token.Name)
	}
	fmt.Fprintf(w, "Access token%s %s%s.\n", name, rep.Token.Masked, tokenFacts(rep.Token))
	switch {
	case dest.File != "":
		fmt.Fprintf(w, "Saved to %s (mode 0600); use it with: export %s=\"$(cat %s)\"\n", dest.File, cmdutil.EnvToken, cmdutil.ShellQuote(dest.File))
	case dest.Print:
		fmt.Fprintln(w, "Printed on stdout.")
	default:
		fmt.Fprintf(w, "The token was not saved (pass --%s FILE or --%s to keep it); it stays valid until it expires or is revoked (mlabctl auth tokens list).\n", flagTokenFile, flagPrintToken)
	}
	// A command without --secrets-out (login) reports no API key in text:
	// the one its answer carries is an existing key of the account,
	// unnamed, and apply manages keys by name; a bare "API key ml-…" line
	// would only raise the question of what to do with it. The JSON report
	// still has its masked form.
	if rep.APIKey != nil {
		switch {
		case rep.APIKey.File != "":
			fmt.Fprintf(w, "API key %s saved to %s as %q (mode 0600).\n", rep.APIKey.Masked, rep.APIKey.File, rep.APIKey.Name)
		case offerSecretsOut:
			fmt.Fprintf(w, "API key %s (pass --%s FILE to save it).\n", rep.APIKey.Masked, flagSecretsOut)
		}
	}
	return nil
}

// tokenFacts renders a token's scopes and expiry: " (scopes: a, b; expires …)".
func tokenFacts(t tokenView) string {
	var facts []string
	if len(t.Scopes) > 0 {
		facts = append(facts, "scopes: "+strings.Join(t.Scopes, ", "))
	}
	switch {
	case t.ExpiresAt != nil:
		facts = append(facts, "expires "+t.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"))
	case t.Expiry == "never":
		facts = append(facts, "never expires")
	}
	if len(facts) == 0 {
		return ""
	}
	return " (" + strings.Join(facts, "; ") + ")"
}

// formatTime renders an optional time for a table; "-" when absent.
func formatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}
