package authcmd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// flagPasswordStdin makes a command read the password from the first line of
// stdin instead of a terminal prompt. There is deliberately no flag that
// takes a password as its value: it would show in the process list and the
// shell history.
const flagPasswordStdin = "password-stdin"

func passwordStdinFlag() cli.Flag {
	return &cli.BoolFlag{Name: flagPasswordStdin, Usage: "read the password from the first line of stdin instead of prompting (for scripts; never pass a password as a flag)"}
}

// secretInput reads passwords and codes the user types: from a no-echo
// prompt when stdin is a terminal, or from the first line of stdin when the
// command was given --password-stdin.
type secretInput struct {
	// fromStdin is --password-stdin.
	fromStdin bool
	// terminal reports whether stdin is a terminal.
	terminal bool
	// lines reads stdin line by line (--password-stdin, visible prompts).
	lines *bufio.Reader
	// readHidden reads one line from the terminal without echo.
	readHidden func() ([]byte, error)
	// prompts receives prompts; it is stderr, so that stdout stays
	// machine-readable.
	prompts io.Writer
}

// newSecretInput builds the secretInput of a command from the run's
// streams.
func newSecretInput(f *cmdutil.Factory, c *cli.Context) *secretInput {
	s := &secretInput{
		fromStdin: c.Bool(flagPasswordStdin),
		terminal:  f.IO.IsStdinTTY(),
		lines:     bufio.NewReader(f.IO.In),
		prompts:   f.IO.ErrOut,
	}
	if f.IO.CanReadHidden() {
		s.readHidden = func() ([]byte, error) { return f.IO.ReadHidden(c.Context) }
	}
	return s
}

// errNoPasswordSource is the error of a password read that has nowhere to
// read from.
var errNoPasswordSource = errors.New("no password: stdin is not a terminal, so mlabctl cannot prompt for it; " +
	"pipe it in and pass --" + flagPasswordStdin + " (the first line of stdin is read); a password is never taken from a flag")

// password reads a password. With confirm (signup, reset), a terminal user
// types it twice; --password-stdin reads it once.
func (s *secretInput) password(prompt string, confirm bool) (remote.Secret, error) {
	if s.fromStdin {
		line, err := s.firstLine()
		if err != nil {
			return "", fmt.Errorf("reading the password from stdin (--%s): %w", flagPasswordStdin, err)
		}
		return remote.Secret(line), nil
	}
	if !s.terminal || s.readHidden == nil {
		return "", errNoPasswordSource
	}
	first, err := s.hidden(prompt)
	if err != nil {
		return "", err
	}
	if confirm {
		again, err := s.hidden("Repeat " + strings.ToLower(prompt[:1]) + prompt[1:])
		if err != nil {
			return "", err
		}
		if again != first {
			return "", errors.New("the passwords do not match")
		}
	}
	return first, nil
}

// hidden prompts on the terminal and reads a line without echo.
func (s *secretInput) hidden(prompt string) (remote.Secret, error) {
	fmt.Fprint(s.prompts, prompt+": ")
	b, err := s.readHidden()
	fmt.Fprintln(s.prompts) // the user's Enter was not echoed
	var interrupted *iostreams.InterruptedError
	if errors.As(err, &interrupted) {
		return "", fmt.Errorf("%w; nothing was sent", err)
	}
	if err != nil {
		return "", fmt.Errorf("reading the password from the terminal: %w", err)
	}
	if len(b) == 0 {
		return "", errors.New("the password is empty")
	}
	return remote.Secret(b), nil
}

// code returns a one-time code (a verification or reset code): given on the
// command line, or typed at a terminal prompt.
func (s *secretInput) code(given, what, flag string) (string, error) {
	if given = strings.TrimSpace(given); given != "" {
		return given, nil
	}
	if !s.terminal || s.fromStdin {
		return "", fmt.Errorf("no %s: pass it with --%s CODE (it is in the email)", what, flag)
	}
	fmt.Fprintf(s.prompts, "%s (from the email): ", upperFirst(what))
	line, err := s.lines.ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("reading the %s from the terminal: %w", what, err)
	}
	if line = strings.TrimSpace(line); line == "" {
		return "", fmt.Errorf("the %s is empty", what)
	}
	return line, nil
}

// firstLine reads the first line of stdin without its line ending. A
// password may contain spaces, so only the line ending is removed.
func (s *secretInput) firstLine() (string, error) {
	line, err := s.lines.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("the first line of stdin is empty")
	}
	return line, nil
}

// upperFirst capitalizes an ASCII word.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
