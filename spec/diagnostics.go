package spec

import (
	"cmp"
	"slices"
	"strings"
)

// Diagnostic is one problem found in a modelslab.yaml, in the spirit of
// Terraform's tfdiags: where (Pos), what (Summary, which starts with the
// field path such as `api_keys[1].rotate_after`) and, when useful, what to
// do or where else to look (Detail, e.g. the first definition of a
// duplicate).
type Diagnostic struct {
	Pos     Pos
	Summary string
	Detail  string
}

// Message is the diagnostic without its position: the summary, then the
// detail after a colon.
func (d Diagnostic) Message() string {
	if d.Detail == "" {
		return d.Summary
	}
	return d.Summary + ": " + d.Detail
}

// String renders the diagnostic as FILE:LINE:COL: message, the form every
// command prints and editors and CI logs link to.
func (d Diagnostic) String() string { return d.Pos.String() + ": " + d.Message() }

// Warning renders the diagnostic as a warning: FILE:LINE:COL: warning:
// message. A spec's Warnings are printed so (on stderr, and as ::warning
// annotations under GitHub Actions); they never fail a command.
func (d Diagnostic) Warning() string { return d.Pos.String() + ": warning: " + d.Message() }

// Diagnostics is every problem found in one file, sorted by position. It is
// the error Load and Parse return for an invalid file.
type Diagnostics []Diagnostic

// Error renders one diagnostic per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// ExitCode is 1: an invalid file is an error before anything changed
// (CONTRACT.md, exit codes).
func (ds Diagnostics) ExitCode() int { return 1 }

// sort orders diagnostics by line, then column, then message, so the output
// reads top to bottom and is stable for golden files.
func (ds Diagnostics) sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Message(), b.Message()),
		)
	})
}

// compact drops repeated diagnostics (an aliased node is checked once per
// use) from a sorted list.
func (ds Diagnostics) compact() Diagnostics {
	return slices.CompactFunc(ds, func(a, b Diagnostic) bool { return a == b })
}
