package cmdutil

import (
	"errors"
	"fmt"
	"io"

	"github.com/mlabctl/mlabctl/internal/cli/ghactions"
	"github.com/mlabctl/mlabctl/internal/safetext"
	"github.com/mlabctl/mlabctl/spec"
	"github.com/urfave/cli/v2"
)

// LoadSpec loads the file named by -f/--file (MODELSLAB_FILE). On invalid
// input it prints every diagnostic as FILE:LINE:COL: message on stderr (and
// as ::error annotations under GitHub Actions) and returns an error that
// exits 1 without printing more; a valid file's warnings are printed as
// FILE:LINE:COL: warning: message (and ::warning annotations). Every command that reads modelslab.yaml
// goes through here.
func (f *Factory) LoadSpec(c *cli.Context) (*spec.Spec, error) {
	return LoadSpecFile(f.Globals(c).File, f.IO.ErrOut, f.GitHub())
}

// LoadSpecFile is LoadSpec without the command line. A file that cannot be
// read is returned as an ordinary error (printed on one line); the
// diagnostics of an invalid file are printed here, one per line, in
// position order.
func LoadSpecFile(path string, stderr io.Writer, gh ghactions.Runner) (*spec.Spec, error) {
	s, err := spec.Load(path)
	var diags spec.Diagnostics
	switch {
	case errors.As(err, &diags):
		for _, d := range diags {
			// A diagnostic may quote the file's text: one line each.
			fmt.Fprintln(stderr, safetext.Line(d.String()))
			gh.Error(d.Pos.File, d.Pos.Line, d.Pos.Col, d.Message())
		}
		return nil, Reported(ExitError)
	case err != nil:
		return nil, err
	}
	// Warnings (an ignore glob that matches a declared name) do not fail
	// the command: printed FILE:LINE:COL: warning: message, and annotated.
	for _, w := range s.Warnings {
		fmt.Fprintln(stderr, safetext.Line(w.Warning()))
		gh.Warning(w.Pos.File, w.Pos.Line, w.Pos.Col, w.Message())
	}
	return s, nil
}
