// Package fmtcmd is `mlabctl fmt`: it rewrites modelslab.yaml in canonical
// form (spec/specfmt: key order, indentation, comments kept), or with
// --check and --diff says whether and how it would, for CI. It is offline:
// it reads and writes one file and never talks to the API.
//
// It must not format by itself (specfmt owns the canonical form) nor write
// a file except through internal/atomicfile.
package fmtcmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlabctl/mlabctl/internal/atomicfile"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/cli/ghactions"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
	"github.com/mlabctl/mlabctl/spec/specfmt"
	"github.com/urfave/cli/v2"
)

// Flags of `mlabctl fmt`.
const (
	flagCheck = "check"
	flagDiff  = "diff"
)

// stdinFile is the -f value that formats stdin to stdout, as `terraform
// fmt -` does, for editors that format a buffer on save.
const stdinFile = "-"

// Options are the resolved flags of one `mlabctl fmt`.
type Options struct {
	// File is the file to format (-f, MODELSLAB_FILE); "-" is stdin.
	File string
	// Check writes nothing and exits 1 when the file is not in canonical
	// form.
	Check bool
	// Diff prints the unified diff instead of writing the file.
	Diff bool

	IO     *iostreams.IOStreams
	GitHub ghactions.Runner
}

// New returns the command.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "fmt",
		Usage:     "Rewrite modelslab.yaml in canonical form (key order, indentation), comments kept",
		UsageText: "mlabctl fmt [-f FILE] [--check] [--diff]",
		Description: `Puts the keys of every section in the order of the file format (version, account,
profile, …; an API key's name first), indents by two spaces, keeps one blank line
between top-level sections and keeps every comment (and a blank line below one). Values,
quoting and anchors stay as written, and fmt refuses to write anything that would change
what the file means. It is offline: nothing is read from the network.

Without flags the file is rewritten in place (through a temporary file and a rename; a
symlink's target is rewritten) and its name printed when it changed. --diff prints a
unified diff of what would change instead of writing. --check writes nothing and exits 1
when the file is not in canonical form (with --diff, after printing the diff), for CI.
-f - formats stdin to stdout.

Exit codes: 0 formatted (or already canonical), 1 an error, or --check found changes.`,
		Flags: cmdutil.WithFileGlobals(
			&cli.BoolFlag{Name: flagCheck, Usage: "write nothing; exit 1 when the file is not in canonical form"},
			&cli.BoolFlag{Name: flagDiff, Usage: "print a unified diff of the changes instead of writing the file"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cmdutil.UsageErrorf("fmt takes no arguments, got %q; name the file with -f", c.Args().First())
			}
			return run(Options{
				File:   f.Globals(c).File,
				Check:  c.Bool(flagCheck),
				Diff:   c.Bool(flagDiff),
				IO:     f.IO,
				GitHub: f.GitHub(),
			})
		},
	}
}

// run formats the file: reads it, formats it, then checks, diffs or
// writes.
func run(o Options) error {
	name := o.File
	var data []byte
	var err error
	if o.File == stdinFile {
		name = "<stdin>"
		data, err = io.ReadAll(o.IO.In)
	} else {
		// ReadFile refuses what Write would (a FIFO, a device) without
		// opening it, so nothing blocks and nothing is half-done.
		data, err = atomicfile.ReadFile(o.File)
	}
	if err != nil {
		return readError(name, err)
	}
	out, err := specfmt.Format(name, data)
	if err != nil {
		return err
	}
	changed := !bytes.Equal(data, out)

	if o.Diff {
		// "--- a/NAME" as git names files: an absolute path loses its
		// leading slash instead of giving "a//tmp/…".
		diffName := strings.TrimPrefix(filepath.ToSlash(name), "/")
		if _, err := io.WriteString(o.IO.Out, specfmt.Diff(diffName, data, out)); err != nil {
			return err
		}
	}
	switch {
	case o.Check:
		if !changed {
			return nil
		}
		line := firstDifferentLine(data, out)
		msg := "not in canonical form; run " + fixCommand(o.File) + " to rewrite it"
		o.GitHub.Error(o.File, line, 1, msg)
		return cmdutil.WithCode(cmdutil.ExitError, fmt.Errorf("%s:%d: %s", name, line, msg))
	case o.Diff:
		return nil
	case o.File == stdinFile:
		_, err := o.IO.Out.Write(out)
		return err
	case !changed:
		return nil
	}
	fi, err := os.Stat(o.File)
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := atomicfile.Write(o.File, out, fi.Mode().Perm()); err != nil {
		return err
	}
	fmt.Fprintln(o.IO.Out, o.File)
	return nil
}

// readError says why name could not be read, naming it once: an os error
// carries "open PATH: ...", and a *atomicfile.NotRegularError already says
// what stands at the path.
func readError(name string, err error) error {
	var nr *atomicfile.NotRegularError
	if errors.As(err, &nr) {
		return err
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("reading %s: %w", name, err)
}

// fixCommand is the command that rewrites file.
func fixCommand(file string) string {
	if file == cmdutil.DefaultFile {
		return "`mlabctl fmt`"
	}
	return "`mlabctl fmt -f " + file + "`"
}

// firstDifferentLine is the 1-based line of old where new first differs,
// for the --check message and annotation.
func firstDifferentLine(old, new []byte) int {
	a := strings.SplitAfter(string(old), "\n")
	b := strings.SplitAfter(string(new), "\n")
	for i := range a {
		if i >= len(b) || a[i] != b[i] {
			return i + 1
		}
	}
	return len(a)
}
