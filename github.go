package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// githubActions writes what GitHub Actions reads: workflow commands
// (::error, ::add-mask::), the step summary file and the step output file.
// Every method is a no-op outside GitHub Actions (GITHUB_ACTIONS unset), so
// commands call them unconditionally.
type githubActions struct {
	enabled     bool
	stepSummary string    // path of $GITHUB_STEP_SUMMARY, may be empty
	output      string    // path of $GITHUB_OUTPUT, may be empty
	workspace   string    // $GITHUB_WORKSPACE, the checkout annotations are relative to
	commands    io.Writer // where workflow commands are written
}

// newGitHubActions reads the GitHub Actions environment. Workflow commands
// are written to w, which should be the command's stderr (c.App.ErrWriter):
// the runner reads workflow commands on stderr as on stdout
// (actions/runner, ScriptHandler.cs), and stderr is not what workflows
// redirect. On stdout, `mlabctl plan -o markdown > plan.md` would carry an
// ::add-mask:: line (and the value it masks) into a PR comment, and the
// runner would never see it.
func newGitHubActions(w io.Writer) githubActions {
	return githubActions{
		enabled:     os.Getenv("GITHUB_ACTIONS") == "true",
		stepSummary: os.Getenv("GITHUB_STEP_SUMMARY"),
		output:      os.Getenv("GITHUB_OUTPUT"),
		workspace:   os.Getenv("GITHUB_WORKSPACE"),
		commands:    w,
	}
}

// Enabled reports whether mlabctl runs under GitHub Actions.
func (g githubActions) Enabled() bool { return g.enabled }

// Mask asks the runner to mask secret in every later log line. It must be
// called before anything that could print the secret.
func (g githubActions) Mask(secret string) {
	if !g.enabled || secret == "" {
		return
	}
	fmt.Fprintf(g.commands, "::add-mask::%s\n", escapeData(secret))
}

// Error prints an error annotation attached to file:line:col. GitHub
// attaches annotations to paths relative to the repository root, so a file
// under $GITHUB_WORKSPACE is named relative to it, whatever directory
// mlabctl runs in (a matrix job in accounts/<name>/, say).
func (g githubActions) Error(file string, line, col int, msg string) {
	if !g.enabled {
		return
	}
	fmt.Fprintf(g.commands, "::error file=%s,line=%d,col=%d::%s\n", escapeProperty(g.annotationPath(file)), line, col, escapeData(msg))
}

// annotationPath names file relative to the workspace when it lies inside it,
// with forward slashes; otherwise it returns file unchanged.
func (g githubActions) annotationPath(file string) string {
	if g.workspace == "" || file == "" {
		return file
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return file
	}
	ws, err := filepath.Abs(g.workspace)
	if err != nil {
		return file
	}
	rel, err := filepath.Rel(ws, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return file
	}
	return filepath.ToSlash(rel)
}

// AppendSummary appends markdown to the job's step summary.
func (g githubActions) AppendSummary(markdown string) error {
	if !g.enabled || g.stepSummary == "" {
		return nil
	}
	return appendFile(g.stepSummary, markdown+"\n")
}

// SetOutputs writes step outputs (name=value lines) to $GITHUB_OUTPUT.
// Values must be single-line; names are written in the order given.
func (g githubActions) SetOutputs(outputs [][2]string) error {
	if !g.enabled || g.output == "" {
		return nil
	}
	var b strings.Builder
	for _, kv := range outputs {
		if kv[0] == "" || strings.ContainsAny(kv[0], "=\r\n") {
			return fmt.Errorf("GitHub output name %q: must be non-empty, without \"=\" or line breaks", kv[0])
		}
		if strings.ContainsAny(kv[1], "\r\n") {
			return fmt.Errorf("GitHub output %q: value must be a single line", kv[0])
		}
		fmt.Fprintf(&b, "%s=%s\n", kv[0], kv[1])
	}
	return appendFile(g.output, b.String())
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// escapeData and escapeProperty follow the runner's rules for workflow
// command values (actions/toolkit, command.ts).
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
