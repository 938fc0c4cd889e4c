package mancmd_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/golden"
	urfave "github.com/urfave/cli/v2"
)

// manPage is what `mlabctl man` prints, run in-process.
func manPage(t *testing.T) string {
	t.Helper()
	res := clitest.Mlabctl(t, nil, "man")
	if res.Code != 0 || res.Stderr != "" {
		t.Fatalf("mlabctl man: exit %d, stderr %q", res.Code, res.Stderr)
	}
	return res.Stdout
}

// TestManPageIsCurrent holds docs/mlabctl.1 to what `mlabctl man` prints:
// a command or flag added without regenerating it fails here. Regenerate
// with `go generate ./internal/cli/mancmd` (or go test -update).
func TestManPageIsCurrent(t *testing.T) {
	t.Parallel()
	golden.Check(t, "../../../docs/mlabctl.1", []byte(manPage(t)))
}

// TestManPageCoversTheTree walks the real command tree: every visible
// command has a heading named by its path, every visible flag is listed
// under it, the help command is not, and the page's own sections are there.
func TestManPageCoversTheTree(t *testing.T) {
	t.Parallel()
	page := manPage(t)
	lines := strings.Split(page, "\n")
	headings := map[string]int{}
	for i, l := range lines {
		if h, ok := strings.CutPrefix(l, ".SH "); ok {
			headings[h] = i
		} else if h, ok := strings.CutPrefix(l, ".SS "); ok {
			headings[h] = i
		}
	}
	for _, h := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "GLOBAL OPTIONS", "COMMANDS", "ENVIRONMENT", "EXIT STATUS", "SEE ALSO"} {
		if _, ok := headings[h]; !ok {
			t.Errorf("the page has no %s section", h)
		}
	}
	checked := 0
	var walk func(path string, commands []*urfave.Command)
	walk = func(path string, commands []*urfave.Command) {
		for _, c := range commands {
			if c.Hidden {
				continue
			}
			name := strings.TrimSpace(path + " " + c.Name)
			heading := strings.Join(append([]string{name}, c.Aliases...), ", ")
			start, ok := headings[heading]
			if !ok {
				t.Errorf("no heading %q for mlabctl %s", heading, name)
				continue
			}
			// The command's part runs to the next heading.
			end := len(lines)
			for i := start + 1; i < len(lines); i++ {
				if strings.HasPrefix(lines[i], ".SH ") || strings.HasPrefix(lines[i], ".SS ") {
					end = i
					break
				}
			}
			part := strings.Join(lines[start:end], "\n")
			for _, f := range c.VisibleFlags() {
				long := `\fB--` + f.Names()[0]
				if len(f.Names()[0]) > 1 && !strings.Contains(part, long+`\fP`) && !strings.Contains(part, long+", ") {
					t.Errorf("mlabctl %s: --%s is not listed", name, f.Names()[0])
				}
			}
			checked++
			walk(name, c.Subcommands)
		}
	}
	walk("", clitest.App().Commands)
	for h := range headings {
		if h == "help" || strings.HasSuffix(h, " help") || strings.Contains(h, "help, h") {
			t.Errorf("the page lists the help command: %q", h)
		}
	}
	if checked < 10 {
		t.Errorf("only %d commands checked", checked)
	}
	t.Logf("checked %d commands", checked)
}

// TestManPageRenders runs the page through groff with every warning on:
// it must render without one (no stray requests, no unescaped characters).
func TestManPageRenders(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("groff"); err != nil {
		clitest.RequireTool(t, "groff")
	}
	cmd := exec.Command("groff", "-man", "-ww", "-z")
	cmd.Stdin = strings.NewReader(manPage(t))
	cmd.Env = append(cmd.Environ(), "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Errorf("groff: %v\n%s", err, stderr.String())
	}
}
