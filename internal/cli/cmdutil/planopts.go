package cmdutil

import (
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
		// Sections complete; addresses do not (nor --replace's): they
		// are the file's, and the completion scripts are static.
		SliceWithValues(&cli.StringSliceFlag{Name: FlagTarget, Usage: "plan and apply only `ADDRESS` or SECTION (api_key.ci, team, profile, …; repeatable); the plan says it is partial"}, plan.TargetSections...),
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
