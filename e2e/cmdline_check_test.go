package e2e

// A checker of `mlabctl ...` command lines written in documentation and
// workflows against the real command tree: every command path must exist and
// every flag must be defined where it is used. A README that teaches a flag
// that was renamed fails a test instead of a user.
//
// extractMarkdownCommands and extractYAMLCommands find the command lines;
// checkCommandLine checks one. examples_test.go applies them to the
// repository's files.

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"
)

// docCommand is one mlabctl command line found in a file.
type docCommand struct {
	File string
	Line int
	// Words are the arguments after "mlabctl" (or "go run ."), as the shell
	// would split them; synopsis brackets ("[-f FILE]") already removed.
	Words []string
	// Text is the command line as written, for messages.
	Text string
}

func (d docCommand) String() string { return fmt.Sprintf("%s:%d: %s", d.File, d.Line, d.Text) }

// mlabctlInvocation finds mlabctl (or `go run .`, the README's way of running
// it from a checkout) where a shell would run it: at the start of a line or
// after an operator, a prompt or a variable assignment, followed by a word.
// "mlabctl-plan", "mlabctl.yaml" and "github.com/mlabctl/mlabctl" do not match.
var mlabctlInvocation = regexp.MustCompile(`(?:^|[\s;&|({!]|\$\()(?:mlabctl|go run \.)(?:\s+|$)`)

// extractCommands finds the command lines in one shell-like text. line is
// the line number of the text's first line.
func extractCommands(file string, line int, text string) []docCommand {
	var out []docCommand
	// Join continued lines, keeping line numbers of where each started.
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		start := i
		l := lines[i]
		for strings.HasSuffix(strings.TrimRight(l, " \t"), `\`) && i+1 < len(lines) {
			l = strings.TrimSuffix(strings.TrimRight(l, " \t"), `\`) + " " + lines[i+1]
			i++
		}
		l = stripShellComment(l)
		for _, loc := range mlabctlInvocation.FindAllStringIndex(l, -1) {
			if quotedAt(l, loc[0]) {
				continue // echo "mlabctl plan: ..." prints, it does not run
			}
			// The match may start with the boundary before the name; the
			// name itself starts at its first letter.
			nameAt := loc[0] + strings.IndexAny(l[loc[0]:loc[1]], "mg")
			if !atCommandPosition(l[:nameAt]) {
				continue // "so that mlabctl logs in": prose in an output block
			}
			rest := l[loc[1]:]
			rest = cutAtOperator(rest)
			words := shellWords(rest)
			if len(words) == 0 {
				continue // "mlabctl" alone, in prose or a title
			}
			out = append(out, docCommand{
				File:  file,
				Line:  line + start,
				Words: words,
				Text:  strings.Join(strings.Fields(l[loc[0]:loc[1]]+rest), " "),
			})
		}
	}
	return out
}

// commandPrefixWords may stand before a command on its line.
var commandPrefixWords = map[string]bool{
	"if": true, "then": true, "else": true, "elif": true, "do": true, "while": true,
	"until": true, "time": true, "exec": true, "sudo": true, "env": true, "command": true, "!": true,
}

// envAssignment is a VAR=value word before a command.
var envAssignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// atCommandPosition reports whether a word after prefix (the start of its
// line) is where a shell expects a command: at the start, after an operator,
// or after keywords and VAR=value assignments.
func atCommandPosition(prefix string) bool {
	if i := strings.LastIndexAny(prefix, ";&|({`"); i >= 0 {
		prefix = prefix[i+1:]
	}
	for _, w := range strings.Fields(prefix) {
		if !commandPrefixWords[w] && !envAssignment.MatchString(w) {
			return false
		}
	}
	return true
}

// quotedAt reports whether byte offset pos of l is inside quotes.
func quotedAt(l string, pos int) bool {
	var quote rune
	for i, r := range l {
		if i >= pos {
			break
		}
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		}
	}
	return quote != 0
}

// stripShellComment cuts a comment starting at an unquoted "#" that begins a
// word. (A "#" inside a word, as in `access_token.<name>#<id>`, stays.)
func stripShellComment(l string) string {
	var quote rune
	prev := ' '
	for i, r := range l {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (prev == ' ' || prev == '\t'):
			return l[:i]
		}
		prev = r
	}
	return l
}

// cutAtOperator ends a command line at the first unquoted shell operator.
// A "|" between words of a synopsis (`text|markdown|json`) is not a pipe;
// one with blanks around it is.
func cutAtOperator(s string) string {
	var quote rune
	rs := []rune(s)
	for i, r := range rs {
		if quote != 0 {
			if r == quote {
				quote = 0
			}
			continue
		}
		next := ' '
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		prev := ' '
		if i > 0 {
			prev = rs[i-1]
		}
		switch r {
		case '\'', '"':
			quote = r
		case ';', '&', '>', ')', '`':
			return string(rs[:i])
		case '<':
			if next == ' ' || next == '<' || next == '(' {
				return string(rs[:i])
			}
		case '|':
			if prev == ' ' && next == ' ' || next == '|' {
				return string(rs[:i])
			}
		}
	}
	return s
}

// shellWords splits like a shell (quotes and backslashes), without
// expanding anything, and drops synopsis punctuation: "[-f", "FILE]", "…".
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	flush := func() {
		if inWord {
			w := strings.TrimLeft(cur.String(), "[(")
			w = strings.TrimRight(w, "])…,")
			w = strings.TrimSuffix(w, "...")
			w = strings.TrimRight(w, "]")
			if w != "" && w != `\|` && w != "|" {
				words = append(words, w)
			}
		}
		cur.Reset()
		inWord = false
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote = r
			inWord = true
		case r == '\\' && i+1 < len(rs) && rs[i+1] != '|':
			i++
			cur.WriteRune(rs[i])
			inWord = true
		case r == ' ' || r == '\t':
			flush()
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	flush()
	return words
}

// shellPrompt is a "$ " prompt in a console block, not part of the command.
var shellPrompt = regexp.MustCompile(`(?m)^(\s*)\$ `)

// codeSpan is an inline code span of markdown.
var codeSpan = regexp.MustCompile("`([^`\n]+)`")

// extractMarkdownCommands finds command lines in fenced code blocks and
// inline code spans of a markdown file.
func extractMarkdownCommands(file, text string) []docCommand {
	var out []docCommand
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if fence := strings.TrimLeft(l, " "); strings.HasPrefix(fence, "```") || strings.HasPrefix(fence, "~~~") {
			marker := fence[:3]
			start := i + 1
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimLeft(lines[i], " "), marker); i++ {
			}
			block := strings.Join(lines[start:min(i, len(lines))], "\n")
			block = shellPrompt.ReplaceAllString(block, "$1")
			out = append(out, extractCommands(file, start+1, block)...)
			continue
		}
		for _, m := range codeSpan.FindAllStringSubmatch(l, -1) {
			out = append(out, extractCommands(file, i+1, m[1])...)
		}
	}
	return out
}

// extractYAMLCommands finds command lines in a workflow or action file: the
// `run:` scripts, the `command:` input of steps that use the mlabctl action,
// and inline code spans in comments.
func extractYAMLCommands(file, text string) ([]docCommand, error) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(text), &root); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var out []docCommand
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			var uses string
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == "uses" {
					uses = n.Content[i+1].Value
				}
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				switch {
				case k.Value == "run" && v.Kind == yaml.ScalarNode:
					out = append(out, extractCommands(file, scriptLine(v), v.Value)...)
				case k.Value == "with" && v.Kind == yaml.MappingNode && isMlabctlAction(uses):
					for j := 0; j+1 < len(v.Content); j += 2 {
						if v.Content[j].Value == "command" && v.Content[j+1].Value != "" {
							out = append(out, extractCommands(file, v.Content[j+1].Line, "mlabctl "+v.Content[j+1].Value)...)
						}
					}
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	for i, l := range strings.Split(text, "\n") {
		if _, comment, ok := strings.Cut(l, "#"); ok && strings.HasPrefix(strings.TrimSpace(l), "#") {
			for _, m := range codeSpan.FindAllStringSubmatch(comment, -1) {
				out = append(out, extractCommands(file, i+1, m[1])...)
			}
		}
	}
	return out, nil
}

// scriptLine is the file line of a script's first line: block scalars
// (`run: |`) start on the line after the key.
func scriptLine(v *yaml.Node) int {
	if v.Style == yaml.LiteralStyle || v.Style == yaml.FoldedStyle {
		return v.Line + 1
	}
	return v.Line
}

// isMlabctlAction reports whether a step's `uses:` is this repository's
// action: mlabctl/mlabctl@ref, or ./ from inside the repository.
func isMlabctlAction(uses string) bool {
	return strings.HasPrefix(uses, "mlabctl/mlabctl@") || uses == "./" || uses == "."
}

// checkCommandLine checks words (after "mlabctl") against app's command tree
// as urfave/cli parses them: each command's flags are its own (commands carry
// copies of the global flags), a flag that takes a value consumes the next
// word unless written --flag=value, and flags stop at the first argument.
// Words the checker cannot know (variables, <placeholders>) end the check
// without an error.
func checkCommandLine(app *cli.App, words []string) error {
	flags := app.Flags
	subcommands := app.Commands
	path := "mlabctl"
	seenArg := false
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "--":
			return nil
		case isDynamicWord(w):
			return nil
		case strings.HasPrefix(w, "-") && w != "-":
			name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
			if name == "help" || name == "h" {
				return nil
			}
			if seenArg {
				return fmt.Errorf("flag %s after an argument of %q: urfave/cli stops reading flags at the first argument, so it would be taken as an argument; put flags first", w, path)
			}
			f := cmdutil.FindFlag(flags, name)
			if f == nil {
				return fmt.Errorf("%q has no flag %s%s", path, dashes(name), suggestFlag(flags, name))
			}
			if d, ok := f.(cli.DocGenerationFlag); ok && d.TakesValue() && !hasValue {
				if i+1 >= len(words) {
					return fmt.Errorf("flag %s of %q needs a value", w, path)
				}
				i++
			}
		default:
			if len(subcommands) > 0 && !seenArg {
				if w == "help" || w == "h" {
					return nil
				}
				cmd := findCommand(subcommands, w)
				if cmd == nil {
					if isPlaceholder(w) {
						return nil
					}
					return fmt.Errorf("%q has no command %q", path, w)
				}
				path += " " + cmd.Name
				flags = cmd.Flags
				subcommands = cmd.Subcommands
				continue
			}
			// A synopsis's placeholder (PLANFILE) is not a real argument:
			// `apply [-f FILE | PLANFILE] [--auto-approve]` lists choices.
			if !isPlaceholder(w) {
				seenArg = true
			}
		}
	}
	return nil
}

// isDynamicWord reports words whose value the checker cannot know.
func isDynamicWord(w string) bool {
	return strings.HasPrefix(w, "$") || strings.Contains(w, "${{") ||
		(strings.HasPrefix(w, "<") && strings.HasSuffix(w, ">"))
}

// isPlaceholder reports a synopsis placeholder like COMMAND.
func isPlaceholder(w string) bool {
	return w == strings.ToUpper(w) && strings.ToUpper(w) != strings.ToLower(w)
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

func dashes(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// suggestFlag names the flags a misspelt one might have meant.
func suggestFlag(flags []cli.Flag, name string) string {
	var names []string
	for _, f := range flags {
		names = append(names, dashes(f.Names()[0]))
	}
	if len(names) == 0 {
		return " (it has no flags)"
	}
	return " (it has " + strings.Join(names, ", ") + ")"
}

// checkDocCommands checks every command line against the real tree and
// reports each problem at its file and line.
func checkDocCommands(t *testing.T, cmds []docCommand) {
	t.Helper()
	app := testApp()
	for _, c := range cmds {
		if err := checkCommandLine(app, c.Words); err != nil {
			t.Errorf("%s:%d: `%s`: %v", c.File, c.Line, c.Text, err)
		}
	}
}

// checkerTestApp is a small tree for the checker's own tests.
func checkerTestApp() *cli.App {
	return &cli.App{
		Name:  "mlabctl",
		Flags: []cli.Flag{&cli.StringFlag{Name: "token"}},
		Commands: []*cli.Command{
			{Name: "plan", Flags: []cli.Flag{
				&cli.StringFlag{Name: "file", Aliases: []string{"f"}},
				&cli.StringFlag{Name: "out"},
				&cli.StringFlag{Name: "output", Aliases: []string{"o"}},
				&cli.BoolFlag{Name: "detailed-exitcode"},
			}},
			{Name: "apply", Flags: []cli.Flag{
				&cli.BoolFlag{Name: "auto-approve"},
				&cli.StringSliceFlag{Name: "allow-delete"},
			}},
			{Name: "auth", Subcommands: []*cli.Command{
				{Name: "tokens", Subcommands: []*cli.Command{
					{Name: "list", Aliases: []string{"ls"}},
				}},
			}},
		},
	}
}

func TestCheckCommandLine(t *testing.T) {
	for _, tc := range []struct {
		line    string
		wantErr string // a substring; "" means valid
	}{
		{"plan --detailed-exitcode --out plan.bin -o markdown", ""},
		{"plan --out=plan.bin", ""},
		{"plan -f FILE", ""},
		{"--token X plan", ""},
		{"apply --auto-approve --allow-delete api_key.old --allow-delete api_key.older plan.bin", ""},
		{"auth tokens ls", ""},
		{"auth tokens list --help", ""},
		{"help plan", ""},
		{"plan $ARGS", ""},
		{"<command> --help", ""},
		{"auth COMMAND", ""},
		{"plna", `"mlabctl" has no command "plna"`},
		{"auth tokens revoke", `"mlabctl auth tokens" has no command "revoke"`},
		{"plan --detailed-exit-code", `"mlabctl plan" has no flag --detailed-exit-code (it has --file, --out, --output, --detailed-exitcode)`},
		{"apply --out x", `"mlabctl apply" has no flag --out`},
		{"plan --token X", `"mlabctl plan" has no flag --token`},
		{"apply plan.bin --auto-approve", "flag --auto-approve after an argument"},
		{"plan --out", "needs a value"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			err := checkCommandLine(checkerTestApp(), shellWords(tc.line))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestExtractCommands(t *testing.T) {
	type found struct {
		Line  int
		Words []string
	}
	for _, tc := range []struct {
		name string
		text string
		want []found
	}{
		{"plain", "mlabctl plan --out plan.bin", []found{{1, []string{"plan", "--out", "plan.bin"}}}},
		{"redirect and pipe end it", "mlabctl plan -o markdown > plan.md 2> err | tee x", []found{{1, []string{"plan", "-o", "markdown"}}}},
		{"after an operator", "set -e; mlabctl validate && mlabctl plan || true", []found{{1, []string{"validate"}}, {1, []string{"plan"}}}},
		{"env prefix", "MODELSLAB_TOKEN=x mlabctl plan", []found{{1, []string{"plan"}}}},
		{"continued lines", "mlabctl apply \\\n  --auto-approve \\\n  plan.bin\nmlabctl version", []found{{1, []string{"apply", "--auto-approve", "plan.bin"}}, {4, []string{"version"}}}},
		{"quotes", `mlabctl apply --secrets-out "$RUNNER_TEMP/s.json" 'my plan.bin'`, []found{{1, []string{"apply", "--secrets-out", "$RUNNER_TEMP/s.json", "my plan.bin"}}}},
		{"comments are not commands", "echo hi # then run mlabctl nothing", nil},
		{"a # inside a word stays", "mlabctl plan access_token.ci#5", []found{{1, []string{"plan", "access_token.ci#5"}}}},
		{"synopsis", "mlabctl plan [-f FILE] [--out PLANFILE] [-o text|markdown|json]", []found{{1, []string{"plan", "-f", "FILE", "--out", "PLANFILE", "-o", "text|markdown|json"}}}},
		{"repeatable synopsis", "mlabctl apply [--allow-delete ADDRESS]…", []found{{1, []string{"apply", "--allow-delete", "ADDRESS"}}}},
		{"go run", "go run . apply --emulator", []found{{1, []string{"apply", "--emulator"}}}},
		{"not a command", "mlabctl-plan github.com/mlabctl/mlabctl mlabctl.yaml", nil},
		{"a command substitution", "v=$(mlabctl version)", []found{{1, []string{"version"}}}},
		{"quoted text is not a command", `echo "#### mlabctl plan: no changes"; mlabctl plan`, []found{{1, []string{"plan"}}}},
		{"prose is not a command", "so that mlabctl logs in (mlabctl auth login --scopes x)", []found{{1, []string{"auth", "login", "--scopes", "x"}}}},
		{"after keywords", "if ! mlabctl validate; then sudo mlabctl version; fi", []found{{1, []string{"validate"}}, {1, []string{"version"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []found
			for _, c := range extractCommands("f", 1, tc.text) {
				got = append(got, found{c.Line, c.Words})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("extractCommands(%q) (-want +got):\n%s", tc.text, diff)
			}
		})
	}
}

func TestExtractMarkdownAndYAMLCommands(t *testing.T) {
	md := "# Title\n\nmlabctl keeps an account (prose is not checked).\n\nRun `mlabctl plan --out p.bin`.\n\n```sh\n$ mlabctl validate\nmlabctl apply p.bin\n```\n"
	var got []string
	for _, c := range extractMarkdownCommands("README.md", md) {
		got = append(got, fmt.Sprintf("%d %s", c.Line, strings.Join(c.Words, " ")))
	}
	want := []string{"5 plan --out p.bin", "8 validate", "9 apply p.bin"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("markdown (-want +got):\n%s", diff)
	}

	wf := "# Run `mlabctl plan -o json` by hand.\njobs:\n  a:\n    steps:\n      - run: mlabctl validate\n      - run: |\n          echo\n          mlabctl plan --detailed-exitcode\n      - uses: mlabctl/mlabctl@main\n        with:\n          command: apply --auto-approve\n      - uses: other/action@v1\n        with:\n          command: not mlabctl\n"
	cmds, err := extractYAMLCommands("wf.yml", wf)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, c := range cmds {
		got = append(got, fmt.Sprintf("%d %s", c.Line, strings.Join(c.Words, " ")))
	}
	want = []string{"5 validate", "8 plan --detailed-exitcode", "11 apply --auto-approve", "1 plan -o json"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("workflow (-want +got):\n%s", diff)
	}
}

func FuzzShellWords(f *testing.F) {
	for _, s := range []string{`plan --out "a b"`, `a\ b 'c'`, "[-f FILE]…", `"unterminated`, `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, w := range shellWords(s) {
			if w == "" {
				t.Fatalf("shellWords(%q) returned an empty word", s)
			}
		}
		// Extraction never panics on any text.
		extractCommands("f", 1, "mlabctl "+s)
	})
}
