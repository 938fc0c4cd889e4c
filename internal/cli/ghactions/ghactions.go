// Package ghactions writes what GitHub Actions reads from a step: workflow
// commands (::error annotations, ::add-mask::), the step summary file and
// the step output file. Every method is a no-op outside GitHub Actions
// (GITHUB_ACTIONS is not "true"), so commands call them unconditionally.
//
// It must not decide what to report (the commands do), read the process
// environment itself (the factory passes it in) or write a secret anywhere
// but in ::add-mask::, which the runner consumes.
package ghactions

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlabctl/mlabctl/internal/safetext"
)

// Runner is the GitHub Actions runner of the step mlabctl runs in, as
// mlabctl talks to it. The zero value does nothing.
type Runner struct {
	enabled     bool
	stepSummary string    // path of $GITHUB_STEP_SUMMARY, may be empty
	output      string    // path of $GITHUB_OUTPUT, may be empty
	workspace   string    // $GITHUB_WORKSPACE, the checkout annotations are relative to
	commands    io.Writer // where workflow commands are written
}

// New reads the GitHub Actions environment through getenv. Workflow
// commands are written to w, which should be the command's stderr:
// the runner reads workflow commands on stderr as on stdout
// (actions/runner, ScriptHandler.cs), and stderr is not what workflows
// redirect. On stdout, `mlabctl plan -o markdown > plan.md` would carry an
// ::add-mask:: line (and the value it masks) into a PR comment, and the
// runner would never see it.
func New(getenv func(string) string, w io.Writer) Runner {
	return Runner{
		enabled:     getenv("GITHUB_ACTIONS") == "true",
		stepSummary: getenv("GITHUB_STEP_SUMMARY"),
		output:      getenv("GITHUB_OUTPUT"),
		workspace:   getenv("GITHUB_WORKSPACE"),
		commands:    w,
	}
}

// Enabled reports whether mlabctl runs under GitHub Actions.
func (g Runner) Enabled() bool { return g.enabled }

// Mask asks the runner to mask secret in every later log line. It must be
// called before anything that could print the secret.
func (g Runner) Mask(secret string) {
	if !g.enabled || secret == "" {
		return
	}
	g.command("::add-mask::" + EscapeData(secret))
}

// commandWriter is a stream that writes workflow commands on a line of their
// own (Guard).
type commandWriter interface {
	WriteCommand(line string) error
}

// command writes one workflow command line.
func (g Runner) command(line string) {
	if cw, ok := g.commands.(commandWriter); ok {
		_ = cw.WriteCommand(line)
		return
	}
	fmt.Fprintln(g.commands, line)
}

// Error prints an error annotation attached to file:line:col. msg is one
// line: a line break in it (from live text) is shown escaped, as on stderr.
// GitHub attaches annotations to paths relative to the repository root, so
// a file under $GITHUB_WORKSPACE is named relative to it, whatever directory
// mlabctl runs in (a matrix job in accounts/<name>/, say).
func (g Runner) Error(file string, line, col int, msg string) {
	g.annotate("error", file, line, col, msg)
}

// Warning prints a warning annotation attached to file:line:col, like Error.
func (g Runner) Warning(file string, line, col int, msg string) {
	g.annotate("warning", file, line, col, msg)
}

// annotate prints an annotation of kind (error, warning).
func (g Runner) annotate(kind, file string, line, col int, msg string) {
	if !g.enabled {
		return
	}
	g.command(fmt.Sprintf("::%s file=%s,line=%d,col=%d::%s", kind, escapeProperty(g.annotationPath(file)), line, col, EscapeData(safetext.Line(msg))))
}

// annotationPath names file relative to the workspace when it lies inside it,
// with forward slashes; otherwise it returns file unchanged.
func (g Runner) annotationPath(file string) string {
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
func (g Runner) AppendSummary(markdown string) error {
	if !g.enabled || g.stepSummary == "" {
		return nil
	}
	return appendFile(g.stepSummary, markdown+"\n")
}

// SetOutputs writes step outputs (name=value lines) to $GITHUB_OUTPUT.
// Values must be single-line; names are written in the order given.
func (g Runner) SetOutputs(outputs [][2]string) error {
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

// EscapeData and escapeProperty follow the runner's rules for workflow
// command values (actions/toolkit, command.ts): EscapeData is how a
// message or a masked value appears after "::".
func EscapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
