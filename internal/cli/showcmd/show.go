// Package showcmd is `mlabctl show PLANFILE`: it renders a saved plan
// offline, as text, markdown (what a reviewer or an apply job posts) or
// JSON. It verifies the plan file as apply does first (its digest, its
// exact form, its parts), and says that what it shows was not checked
// against the live account: only apply re-derives the plan from the
// file's modelslab.yaml and the account. It reads nothing from the network.
package showcmd

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/plan/planfile"
	"github.com/urfave/cli/v2"
)

// Options are the inputs of `mlabctl show`.
type Options struct {
	// PlanFile is the positional PLANFILE.
	PlanFile string
	// Format is text, markdown or json (-o).
	Format string
	// Color enables ANSI colour in the text output.
	Color bool
	IO    *iostreams.IOStreams
}

// New returns the command.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "Render a saved plan file (plan --out) offline, as text, markdown or JSON",
		UsageText: "mlabctl show PLANFILE [-o text|markdown|json]",
		ArgsUsage: "PLANFILE",
		Description: `Prints the plan saved in PLANFILE the way 'mlabctl plan' printed it, after checking
that the file is exactly what plan wrote (its digest). Nothing is read from the network,
so the plan is NOT verified against the live account: 'mlabctl apply PLANFILE' re-derives
it from the modelslab.yaml it embeds and the live account, and refuses any difference.
With -o json, stdout is one JSON plan object (schema/plan.schema.json) and the note and
warnings go to stderr.

Exit codes: 0 shown, 1 the file is missing, not a plan file, or was changed since.`,
		Flags: []cli.Flag{
			cmdutil.OutputFlag("print the plan as `FORMAT`: text, markdown (a PR comment) or json", cmdutil.PlanFormats()...),
			noColorFlag(),
		},
		Action: func(c *cli.Context) error {
			args, err := cmdutil.ArgsAndFlags(c)
			if errors.Is(err, cmdutil.ErrHelpShown) {
				return nil
			}
			if err != nil {
				return err
			}
			if len(args) != 1 {
				return cmdutil.UsageErrorf("show takes one PLANFILE (written by mlabctl plan --out), got %d arguments", len(args))
			}
			return run(Options{
				PlanFile: args[0],
				Format:   c.String(cmdutil.FlagOutput),
				Color:    f.ColorEnabled(c),
				IO:       f.IO,
			})
		},
	}
}

// noColorFlag is the global --no-color, the only global flag an offline
// renderer honours.
func noColorFlag() cli.Flag {
	for _, fl := range cmdutil.GlobalFlags() {
		if cmdutil.FindFlag([]cli.Flag{fl}, cmdutil.FlagNoColor) != nil {
			return fl
		}
	}
	panic("showcmd: no --" + cmdutil.FlagNoColor + " among the global flags")
}

// run reads, verifies and renders the plan file.
func run(o Options) error {
	if err := cmdutil.CheckOutput(o.Format, cmdutil.PlanFormats()...); err != nil {
		return err
	}
	f, err := planfile.Read(o.PlanFile)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	switch o.Format {
	case cmdutil.OutputText:
		out.WriteString(textNote(o.PlanFile, f))
		err = plan.RenderText(&out, f.Plan, plan.RenderOptions{Color: o.Color})
	case cmdutil.OutputMarkdown:
		note := markdownNote(o.PlanFile, f)
		out.WriteString(note)
		// The note and the plan together stay within the budget a
		// workflow posts whole.
		err = plan.RenderMarkdown(&out, f.Plan, plan.RenderOptions{MaxBytes: plan.MarkdownMaxBytes - len(note)})
	case cmdutil.OutputJSON:
		err = plan.RenderJSON(&out, f.Plan)
		if err == nil {
			// stdout stays one JSON object; the reviewer still sees that
			// it is unverified, and the warnings.
			fmt.Fprint(o.IO.ErrOut, "Note: "+strings.ReplaceAll(textNote(o.PlanFile, f), "\n\n", "\n"))
			err = plan.RenderWarnings(o.IO.ErrOut, f.Plan)
		}
	}
	if err != nil {
		return fmt.Errorf("rendering the plan: %w", err)
	}
	if _, err := o.IO.Out.Write(out.Bytes()); err != nil {
		return fmt.Errorf("writing the plan: %w", err)
	}
	return nil
}

// provenance says where the plan came from, every part of it read from the
// file (and so sanitised: the file is untrusted).
type provenance struct {
	version, created, source, hash, account, baseURL, options string
}

func provenanceOf(f *planfile.File) provenance {
	line := plan.SanitizeLine
	pv := provenance{
		version: line(f.MlabctlVersion),
		created: f.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"),
		source:  line(f.Source.Name),
		hash:    f.SpecHash,
		account: line(f.Account),
		baseURL: line(f.BaseURL),
	}
	if len(pv.hash) > 12 {
		pv.hash = pv.hash[:12]
	}
	if pv.version == "" {
		pv.version = "(unknown version)"
	}
	if pv.source == "" {
		pv.source = "modelslab.yaml"
	}
	if !f.Options.Empty() {
		pv.options = line(f.Options.Flags())
	}
	return pv
}

// textNote heads the text output.
func textNote(path string, f *planfile.File) string {
	pv := provenanceOf(f)
	var b strings.Builder
	fmt.Fprintf(&b, "Saved plan %s: made by mlabctl %s at %s from %s (SHA-256 %s…) for account %s at %s",
		plan.SanitizeLine(path), pv.version, pv.created, pv.source, pv.hash, pv.account, pv.baseURL)
	if pv.options != "" {
		fmt.Fprintf(&b, ", with %s", pv.options)
	}
	b.WriteString(".\n")
	fmt.Fprintf(&b, "Not verified against the live account: `mlabctl apply %s` re-derives this plan from its modelslab.yaml and the live account, and refuses it if anything differs.\n\n",
		cmdutil.ShellQuote(path))
	return b.String()
}

// markdownNote heads the markdown output: an alert a reviewer cannot miss.
func markdownNote(path string, f *planfile.File) string {
	pv := provenanceOf(f)
	code := plan.MarkdownCode
	var b strings.Builder
	fmt.Fprintf(&b, "> [!NOTE]\n> Saved plan %s, made by mlabctl %s at %s from %s (SHA-256 %s) for account %s at %s",
		code(plan.SanitizeLine(path)), code(pv.version), pv.created, code(pv.source), code(pv.hash), code(pv.account), code(pv.baseURL))
	if pv.options != "" {
		fmt.Fprintf(&b, ", with %s", code(pv.options))
	}
	b.WriteString(".\n> **Not verified against the live account**: `mlabctl apply` re-derives this plan from its modelslab.yaml and the live account, and refuses it if anything differs.\n\n")
	return b.String()
}
