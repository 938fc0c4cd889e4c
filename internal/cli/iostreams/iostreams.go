package iostreams

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/mlabctl/mlabctl/internal/crash"
	"golang.org/x/term"
)

// IOStreams are the standard streams of one run, and what is known about
// them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY bool
	// stdoutFile: stdout is redirected to a file or a device that is not a
	// terminal (see IsStdoutFile).
	stdoutFile bool
	// stdinFile is In when it is a terminal of this process (System); nil
	// in tests.
	stdinFile *os.File
	// hidden answers ReadHidden in tests (SetHiddenInput).
	hidden func() ([]byte, error)

	linesOnce sync.Once
	lines     *bufio.Reader
}

// System returns the process's own streams, with terminals detected.
func System() *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	s.stdinTTY = isTerminal(os.Stdin)
	s.stdoutTTY = isTerminal(os.Stdout)
	s.stdoutFile = !s.stdoutTTY && isFile(os.Stdout)
	if s.stdinTTY {
		s.stdinFile = os.Stdin
	}
	return s
}

// Test returns streams for an in-process test: stdin reads in, stdout and
// stderr are the returned buffers, and no stream is a terminal until the
// test says so (SetStdinTTY, SetStdoutTTY).
func Test(in string) (s *IOStreams, stdout, stderr *bytes.Buffer) {
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: strings.NewReader(in), Out: stdout, ErrOut: stderr}, stdout, stderr
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// isFile reports whether f is a regular file or a device (such as
// /dev/null), not a pipe or a socket.
func isFile(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	return fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0
}

// IsStdinTTY reports whether stdin is a terminal: a command may ask there.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether stdout is a terminal: a person reads it, so
// progress lines and colours are welcome, and a piped stdout (a log, another
// program) gets neither.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStdoutFile reports whether stdout is redirected to a file (or a device
// such as /dev/null) rather than a terminal or a pipe: what is written there
// is read later, if ever, and not as it is written, by a person (through
// `| tee`) or a CI runner. Tests' stdout is a pipe unless SetStdoutFile.
func (s *IOStreams) IsStdoutFile() bool { return s.stdoutFile && !s.stdoutTTY }

// SetStdoutFile makes a test's stdout pretend to be a redirected file (or
// not); a terminal stdout is never a file.
func (s *IOStreams) SetStdoutFile(file bool) { s.stdoutFile = file }

// SetStdinTTY makes a test's stdin pretend to be a terminal (or not).
func (s *IOStreams) SetStdinTTY(tty bool) { s.stdinTTY = tty }

// SetStdoutTTY makes a test's stdout pretend to be a terminal (or not).
func (s *IOStreams) SetStdoutTTY(tty bool) { s.stdoutTTY = tty }

// ColorEnabled reports whether stdout may be coloured: only on a terminal,
// and never when the user said no (--no-color, NO_COLOR: noColor).
func (s *IOStreams) ColorEnabled(noColor bool) bool { return !noColor && s.stdoutTTY }

// SetHiddenInput makes ReadHidden answer a test with read, as a terminal
// would answer with what the user typed without echo.
func (s *IOStreams) SetHiddenInput(read func() ([]byte, error)) { s.hidden = read }

// CanReadHidden reports whether ReadHidden has a terminal (or, in a test, a
// SetHiddenInput) to read from.
func (s *IOStreams) CanReadHidden() bool { return s.hidden != nil || s.stdinFile != nil }

// errNoTerminal is ReadHidden's answer when stdin is no terminal.
var errNoTerminal = errors.New("stdin is not a terminal")

// ReadHidden reads one line typed at the terminal without echo (a
// password), and gives up when ctx is cancelled (Ctrl-C): the terminal is
// then restored and the blocked read abandoned, since the process is about
// to exit, and the error says "interrupted at the password prompt" (it
// wraps ctx's error). term.ReadPassword itself never returns on a signal,
// and leaves echo off if the process just dies.
func (s *IOStreams) ReadHidden(ctx context.Context) ([]byte, error) {
	read, restore := s.hidden, func() {}
	if read == nil {
		if s.stdinFile == nil {
			return nil, errNoTerminal
		}
		f := s.stdinFile
		restore = saveTerminal(f)
		read = func() ([]byte, error) { return term.ReadPassword(int(f.Fd())) }
	}
	type result struct {
		line []byte
		err  error
	}
	done := make(chan result, 1)
	crash.Go(func() {
		line, err := read()
		done <- result{line, err}
	})
	select {
	case r := <-done:
		return r.line, r.err
	case <-ctx.Done():
		restore()
		return nil, &InterruptedError{At: "the password prompt", Cause: ctx.Err()}
	}
}

// InterruptedError is a prompt given up on Ctrl-C (or SIGTERM): its message
// says so in words, not "context canceled", and it wraps the context's
// error for errors.Is.
type InterruptedError struct {
	// At is where the user was ("the password prompt").
	At    string
	Cause error
}

func (e *InterruptedError) Error() string { return "interrupted at " + e.At }
func (e *InterruptedError) Unwrap() error { return e.Cause }

// ReadLine reads one line from stdin (an answer to a prompt) without its
// line ending, or gives up with ctx's error when ctx is done first; the
// blocked read is then abandoned. At the end of stdin it returns what was
// read, with the error.
func (s *IOStreams) ReadLine(ctx context.Context) (string, error) {
	s.linesOnce.Do(func() { s.lines = bufio.NewReader(s.In) })
	type result struct {
		line string
		err  error
	}
	read := make(chan result, 1)
	crash.Go(func() {
		line, err := s.lines.ReadString('\n')
		read <- result{strings.TrimRight(line, "\r\n"), err}
	})
	select {
	case r := <-read:
		return r.line, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// SaveTerminal records the state of stdin when it is a terminal and
// returns a function that puts it back (a no-op otherwise): a second
// Ctrl-C quits at once, and must not leave echo off after a password
// prompt.
func (s *IOStreams) SaveTerminal() (restore func()) {
	if s.stdinFile == nil {
		return func() {}
	}
	return saveTerminal(s.stdinFile)
}

func saveTerminal(f *os.File) func() {
	fd := int(f.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return func() {}
	}
	return func() { _ = term.Restore(fd, state) }
}
