package cmdutil

import (
	"errors"
	"fmt"
	"io"

	"github.com/mlabctl/mlabctl/internal/cli/ghactions"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/urfave/cli/v2"
)

// Flags of plan and apply that shape the plan (plan.Options).
const (
	FlagReplace = "replace"
	FlagTarget  = "target"
)

// PlanOptionFlags are --replace and --target, which plan and apply share.
// Both are repeatable; a value is never split at commas (the app disables
// urfave's slice separator), since a key name may hold one.
func PlanOptionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: FlagReplace, Usage: "replace the declared API key at `ADDRESS` now, e.g. a leaked one: api_key.NAME (repeatable; refused for a protected key)"},
		&cli.StringSliceFlag{Name: FlagTarget, Usage: "plan and apply only `ADDRESS` or SECTION (api_key.ci, team, profile, …; repeatable); the plan says it is partial"},
	}
}

// PlanOptionsOf returns the plan.Options of --replace and --target, each
// value as given: plan.ComputeWith checks them against the file and the
// live account.
func PlanOptionsOf(c *cli.Context) plan.Options {
	return plan.Options{Replace: c.StringSlice(FlagReplace), Targets: c.StringSlice(FlagTarget)}
}

// PlanOptionsGiven reports whether o asks for anything (a --replace or a
// --target).
func PlanOptionsGiven(o plan.Options) bool { return len(o.Replace) > 0 || len(o.Targets) > 0 }

// ComputeError reports an error of plan.ComputeWith for the command line.
// A refusal by a rail (*plan.RailError) is printed here, one problem a line
// at the place in modelslab.yaml to edit (and as ::error annotations under
// GitHub Actions), closed by a line saying nothing was changed, and exits 3
// without printing more. Anything else, such as a --replace or --target
// naming nothing (*plan.OptionError, which says what the name is instead),
// is returned as it is: exit 1.
func ComputeError(err error, stderr io.Writer, gh ghactions.Runner) error {
	var rail *plan.RailError
	if errors.As(err, &rail) {
		for _, pr := range rail.Problems {
			fmt.Fprintln(stderr, pr.String())
			gh.Error(pr.Pos.File, pr.Pos.Line, pr.Pos.Col, pr.Message)
		}
		fmt.Fprintf(stderr, "Error: the plan is refused by %s; nothing was changed.\n", problemsPhrase(len(rail.Problems)))
		return Reported(ExitRefused)
	}
	return err
}

func problemsPhrase(n int) string {
	if n == 1 {
		return "a safety rail (1 problem above)"
	}
	return fmt.Sprintf("safety rails (%d problems above)", n)
}
