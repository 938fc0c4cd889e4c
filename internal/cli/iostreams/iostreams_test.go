package iostreams

import (
	"context"
	"errors"
	"io"
	"testing"
)

func TestTestStreams(t *testing.T) {
	t.Parallel()
	s, stdout, stderr := Test("yes\nno\n")
	if s.IsStdinTTY() || s.IsStdoutTTY() || s.ColorEnabled(false) {
		t.Fatal("test streams start as terminals")
	}
	s.SetStdinTTY(true)
	s.SetStdoutTTY(true)
	if !s.IsStdinTTY() || !s.IsStdoutTTY() {
		t.Fatal("SetStdinTTY/SetStdoutTTY did not stick")
	}
	if !s.ColorEnabled(false) || s.ColorEnabled(true) {
		t.Error("colour must follow stdout being a terminal, and never when the user said no")
	}
	io.WriteString(s.Out, "out")
	io.WriteString(s.ErrOut, "err")
	if stdout.String() != "out" || stderr.String() != "err" {
		t.Errorf("buffers %q %q", stdout, stderr)
	}
	for _, want := range []string{"yes", "no"} {
		if got, err := s.ReadLine(context.Background()); got != want || err != nil {
			t.Errorf("ReadLine = %q, %v; want %q", got, err, want)
		}
	}
	if got, err := s.ReadLine(context.Background()); got != "" || !errors.Is(err, io.EOF) {
		t.Errorf("ReadLine at the end = %q, %v; want EOF", got, err)
	}
}

func TestReadLineGivesUpOnCancel(t *testing.T) {
	t.Parallel()
	r, w := io.Pipe()
	defer w.Close()
	s := &IOStreams{In: r}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.ReadLine(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadLine on a cancelled context: %v", err)
	}
}

func TestReadHidden(t *testing.T) {
	t.Parallel()
	s, _, _ := Test("")
	if s.CanReadHidden() {
		t.Error("test streams without SetHiddenInput claim a terminal")
	}
	if _, err := s.ReadHidden(context.Background()); !errors.Is(err, errNoTerminal) {
		t.Errorf("ReadHidden without a terminal: %v", err)
	}
	s.SetHiddenInput(func() ([]byte, error) { return []byte("typed"), nil })
	if b, err := s.ReadHidden(context.Background()); string(b) != "typed" || err != nil {
		t.Errorf("ReadHidden = %q, %v", b, err)
	}
	s.SaveTerminal()() // no terminal: a no-op
}

func TestReadHiddenGivesUpOnCancel(t *testing.T) {
	t.Parallel()
	s, _, _ := Test("")
	never := make(chan struct{})
	defer close(never)
	s.SetHiddenInput(func() ([]byte, error) { <-never; return nil, nil })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.ReadHidden(ctx)
	if err == nil || err.Error() != "interrupted at the password prompt" || !errors.Is(err, context.Canceled) {
		t.Errorf("ReadHidden on Ctrl-C: %v", err)
	}
}

func TestStdoutFile(t *testing.T) {
	t.Parallel()
	s, _, _ := Test("")
	if s.IsStdoutFile() {
		t.Error("a test's stdout starts as a file; it is a pipe")
	}
	s.SetStdoutFile(true)
	if !s.IsStdoutFile() {
		t.Error("SetStdoutFile did not stick")
	}
	s.SetStdoutTTY(true)
	s.SetStdoutFile(true)
	if s.IsStdoutFile() {
		t.Error("a terminal is a file")
	}
}
