package cmdutil

import (
	"errors"
	"fmt"
	"io"

	"github.com/mlabctl/mlabctl/internal/cli/ghactions"
	"github.com/mlabctl/mlabctl/internal/safetext"
	"github.com/mlabctl/mlabctl/plan"
)

// ReportPlanProblems reports a plan that cannot be made (the *plan.RailError
// of plan.Compute), for plan and apply alike: every problem on its own line
// of w as FILE:LINE:COL: message (and as an ::error annotation under GitHub
// Actions), then one closing "Error:" line. It returns an error that prints
// nothing more and exits as the problems say: 1 when one is an error in
// modelslab.yaml (an `id:` naming no live key), else 3 (refused by a safety
// rail). Any other error is returned unchanged.
func ReportPlanProblems(w io.Writer, gh ghactions.Runner, err error) error {
	var rail *plan.RailError
	if !errors.As(err, &rail) {
		return err
	}
	file := ""
	for _, p := range rail.Problems {
		// A problem quotes names from the live account: one line each.
		fmt.Fprintln(w, safetext.Line(p.String()))
		gh.Error(p.Pos.File, p.Pos.Line, p.Pos.Col, p.Message)
		if p.FileError && file == "" {
			file = p.Pos.File
		}
	}
	if file == "" {
		file = DefaultFile
	}
	files := rail.FileErrors()
	rails := len(rail.Problems) - files
	switch {
	case files == 0:
		fmt.Fprintf(w, "Error: the plan is refused by %s; nothing was changed.\n", railPhrase(rails))
	case rails == 0:
		fmt.Fprintf(w, "Error: fix %s (%s above) and plan again; nothing was changed.\n", safetext.Line(file), countPhrase(files, "error"))
	default:
		fmt.Fprintf(w, "Error: fix %s (%s above) and plan again; the plan is also refused by %s; nothing was changed.\n",
			safetext.Line(file), countPhrase(files, "error"), railPhrase(rails))
	}
	return Reported(rail.ExitCode())
}

// railPhrase is "a safety rail (1 problem above)" or "safety rails (2
// problems above)".
func railPhrase(n int) string {
	if n == 1 {
		return "a safety rail (1 problem above)"
	}
	return fmt.Sprintf("safety rails (%d problems above)", n)
}

// countPhrase is "1 error" or "2 errors".
func countPhrase(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
