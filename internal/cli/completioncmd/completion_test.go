package completioncmd_test

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/urfave/cli/v2"
)

var updateCompletion = flag.Bool("update-completion", false, "rewrite testdata/completion/* golden scripts")

// completionTestApp is a small tree shaped like mlabctl's, with the cases
// the scripts must get right: nested subcommands, an alias, value flags,
// file flags, a short flag, a command taking file arguments, flags with
// known values (one a comma-separated list of names with colons) and a
// command whose first argument has known values (testArgs). It does not
// depend on which real commands have landed.
func completionTestApp() *cli.App {
	noop := func(*cli.Context) error { return nil }
	return &cli.App{
		Name: "mlabctl",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "path of modelslab.yaml", TakesFile: true},
			&cli.StringFlag{Name: "token", Usage: "access token"},
			&cli.BoolFlag{Name: "no-color", Usage: "never colour the output"},
		},
		Commands: []*cli.Command{
			{Name: "plan", Usage: "Show what would change", Action: noop, Flags: []cli.Flag{
				&cli.StringFlag{Name: "out", Usage: "write the plan to `PLANFILE`", TakesFile: true},
				cmdutil.WithValues(&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "text, markdown or json"}, "text", "markdown", "json"),
				&cli.BoolFlag{Name: "detailed-exitcode", Usage: "exit 2 when changes are pending"},
			}},
			{Name: "apply", Usage: "Apply the changes", ArgsUsage: "[PLANFILE]", Action: noop, Flags: []cli.Flag{
				&cli.BoolFlag{Name: "auto-approve", Usage: "do not ask"},
			}},
			{Name: "auth", Usage: "Manage the account's lifecycle", Subcommands: []*cli.Command{
				{Name: "login", Usage: "Log in", Action: noop, Flags: []cli.Flag{
					&cli.StringFlag{Name: "email", Usage: "the account's email"},
					cmdutil.WithValues(&cli.StringFlag{Name: "expiry", Usage: "token lifetime"}, "1_week", "1_month", "1_year", "never"),
					cmdutil.WithListValues(&cli.StringFlag{Name: "scopes", Usage: "comma-separated scopes"}, "profile:read", "tokens:read", "tokens:write", "api-keys:read", "api-keys:write"),
				}},
				{Name: "tokens", Usage: "List and revoke access tokens", Subcommands: []*cli.Command{
					{Name: "list", Aliases: []string{"ls"}, Usage: "List the access tokens", Action: noop},
					{Name: "revoke", Usage: "Revoke one token", Action: noop, Flags: []cli.Flag{
						&cli.BoolFlag{Name: "all", Usage: "revoke all"},
					}},
				}},
			}},
			{Name: "secret", Usage: "Do something hidden", Hidden: true, Action: noop},
			{Name: "completion", Usage: "Print a completion script", ArgsUsage: "bash|fish|zsh", Action: noop},
		},
	}
}

// testArgs are the known first arguments of the test tree's commands.
var testArgs = map[string][]string{"completion": {"bash", "fish", "zsh"}}

// completionScript renders the script for shell from app (with testArgs).
func completionScript(t *testing.T, app *cli.App, shell string) string {
	t.Helper()
	tree, err := completionTree(app, testArgs)
	if err != nil {
		t.Fatalf("completionTree: %v", err)
	}
	var b bytes.Buffer
	if err := completionShells[shell](&b, app.Name, tree); err != nil {
		t.Fatalf("writing the %s script: %v", shell, err)
	}
	return b.String()
}

// bashComplete sources script in a fresh bash and returns the sorted
// candidates bash would offer for line (the cursor at its end; a trailing
// space starts a new word), as bash sets up a completion function: COMP_LINE
// and COMP_POINT, and COMP_WORDS split like readline does, on blanks and
// COMP_WORDBREAKS characters. Bash replaces only the text after the last
// such character of the word under the cursor, so each candidate is given
// back that text (and, in --flag=value, without "--flag="), as the other
// shells' candidates are.
func bashComplete(t *testing.T, script, line string) []string {
	t.Helper()
	const wordbreaks = " \t\n\"'@><=;|&(:"
	var words []string
	for _, w := range strings.Fields(strings.NewReplacer("=", " = ", ":", " : ").Replace(line)) {
		words = append(words, w)
	}
	if strings.HasSuffix(line, " ") {
		words = append(words, "")
	}
	var quoted []string
	for _, w := range words {
		quoted = append(quoted, "'"+w+"'")
	}
	dir := completionWorkDir(t)
	path := filepath.Join(t.TempDir(), "completion.bash")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	prog := "source '" + path + "'\n" +
		"COMP_LINE='" + line + "'\n" +
		"COMP_POINT=${#COMP_LINE}\n" +
		"COMP_WORDS=(" + strings.Join(quoted, " ") + ")\n" +
		"COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n" +
		"_mlabctl\n" +
		`printf '%s\n' "${COMPREPLY[@]}"` + "\n"
	cmd := exec.Command("bash", "--norc", "--noprofile", "-c", prog)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("bash completing %q: %v\n%s", line, err, stderr.String())
	}
	word := line[strings.LastIndex(line, " ")+1:]
	cut := word[:strings.LastIndexAny(word, wordbreaks)+1]
	got := []string{}
	for _, r := range sortedLines(string(out)) {
		full := cut + r
		if strings.HasPrefix(full, "-") {
			if _, v, ok := strings.Cut(full, "="); ok {
				full = v
			}
		}
		got = append(got, full)
	}
	sort.Strings(got)
	return got
}

// completionWorkDir is the directory completions run in: it holds one file,
// plan.bin, which the file-completion cases expect.
func completionWorkDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "plan.bin"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func sortedLines(s string) []string {
	got := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			got = append(got, l)
		}
	}
	sort.Strings(got)
	return got
}

func sorted(s ...string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

// completionCases are shared by the bash, zsh and fish tests: the line typed
// and the candidates offered (flags and command names; files as "plan.bin").
var completionCases = []struct {
	name string
	line string
	want []string
}{
	{"root commands", "mlabctl ", sorted("plan", "apply", "auth", "completion", "help")},
	{"root prefix", "mlabctl a", sorted("apply", "auth")},
	{"help is offered by its name, h never", "mlabctl h", []string{"help"}},
	{"hidden commands are not offered", "mlabctl se", []string{}},
	{"root flags", "mlabctl --", sorted("--file", "--token", "--no-color", "--help")},
	{"command flags", "mlabctl plan --o", sorted("--out", "--output")},
	{"nested subcommands", "mlabctl auth ", sorted("login", "tokens", "help")},
	{"doubly nested subcommands", "mlabctl auth tokens ", sorted("list", "ls", "revoke", "help")},
	{"flags of a doubly nested command", "mlabctl auth tokens revoke --", sorted("--all", "--help")},
	{"an alias descends like its name", "mlabctl auth tokens ls --", sorted("--help")},
	{"global value flag before the command is skipped", "mlabctl --token auth ", sorted("plan", "apply", "auth", "completion", "help")},
	{"global value flag with = before the command", "mlabctl --token=x auth ", sorted("login", "tokens", "help")},
	{"a value that names a command is not a command", "mlabctl -f auth tokens ", sorted("plan", "apply", "auth", "completion", "help")},
	{"file flag completes files", "mlabctl plan --out ", []string{"plan.bin"}},
	{"file flag with = completes files", "mlabctl plan --out=pl", []string{"plan.bin"}},
	{"short file flag completes files", "mlabctl -f ", []string{"plan.bin"}},
	{"other value flags complete nothing", "mlabctl auth login --email ", []string{}},
	{"a command taking files offers them", "mlabctl apply ", []string{"plan.bin"}},
	{"a leaf command offers nothing", "mlabctl plan ", []string{}},
	{"a flag's values", "mlabctl plan --output ", sorted("text", "markdown", "json")},
	{"a short flag's values", "mlabctl plan -o j", []string{"json"}},
	{"a flag's values after =", "mlabctl plan --output=m", []string{"markdown"}},
	{"values are the command's own", "mlabctl auth login --expiry 1_", sorted("1_week", "1_month", "1_year")},
	{"a value taken, the command goes on", "mlabctl plan -o json --", sorted("--out", "--output", "--detailed-exitcode", "--help")},
	{"a list's values", "mlabctl auth login --scopes ", sorted("profile:read", "tokens:read", "tokens:write", "api-keys:read", "api-keys:write")},
	{"a list value with a colon", "mlabctl auth login --scopes tokens:", sorted("tokens:read", "tokens:write")},
	{"a list's next element", "mlabctl auth login --scopes tokens:read,api", sorted("tokens:read,api-keys:read", "tokens:read,api-keys:write")},
	{"a list's next element after =", "mlabctl auth login --scopes=profile:read,tokens:w", []string{"profile:read,tokens:write"}},
	{"a first argument's values", "mlabctl completion ", sorted("bash", "fish", "zsh")},
	{"a first argument's values by prefix", "mlabctl completion z", []string{"zsh"}},
	{"no second argument", "mlabctl completion bash ", []string{}},
}

func TestBashCompletion(t *testing.T) {
	requireTool(t, "bash")
	script := completionScript(t, completionTestApp(), "bash")
	for _, tc := range completionCases {
		t.Run(tc.name, func(t *testing.T) {
			got := bashComplete(t, script, tc.line)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("bash completing %q (-want +got):\n%s", tc.line, diff)
			}
		})
	}
}

// fishComplete asks fish for the candidates of line, without descriptions.
func fishComplete(t *testing.T, script, line string) []string {
	t.Helper()
	dir := completionWorkDir(t)
	home := t.TempDir()
	path := filepath.Join(home, "completion.fish")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("fish", "--no-config", "-c", "source "+fishQuote(path)+"; complete -C "+fishQuote(line))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home, "XDG_CACHE_HOME="+home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("fish completing %q: %v\n%s", line, err, stderr.String())
	}
	got := []string{}
	for _, l := range sortedLines(string(out)) {
		cand, _, _ := strings.Cut(l, "\t")
		// fish answers "--out=plan.bin" for "--out=pl"; keep the value.
		if i := strings.Index(cand, "="); i > 0 && strings.HasPrefix(cand, "-") {
			cand = cand[i+1:]
		}
		got = append(got, cand)
	}
	sort.Strings(got)
	return got
}

func TestFishCompletion(t *testing.T) {
	requireTool(t, "fish")
	script := completionScript(t, completionTestApp(), "fish")
	for _, tc := range completionCases {
		t.Run(tc.name, func(t *testing.T) {
			got := fishComplete(t, script, tc.line)
			// fish offers "-h" and "-f" next to "--help" and "--file" only
			// when asked for "-"; it hides "h" (an alias) like any word.
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("fish completing %q (-want +got):\n%s", tc.line, diff)
			}
		})
	}
}

// zshComplete runs the zsh script outside the completion system, with
// _describe, _files and compset replaced by stubs that print what they would
// offer, then filters by the word being completed as zsh would.
func zshComplete(t *testing.T, script, line string) []string {
	t.Helper()
	words := strings.Fields(line)
	if strings.HasSuffix(line, " ") {
		words = append(words, "")
	}
	cur := words[len(words)-1]
	var quoted []string
	for _, w := range words {
		quoted = append(quoted, "'"+w+"'")
	}
	dir := completionWorkDir(t)
	path := filepath.Join(t.TempDir(), "_mlabctl")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	prog := `compdef() { : }
_describe() { local arr=${@[-1]}; print -rl -- ${${(P)arr}%%:*} }
_files() { print -r -- plan.bin }
compset() { print -r -- "COMPSET $2" }
compadd() {
  while [[ $1 == -* && $1 != -- ]]; do [[ $1 == -S ]] && shift; shift; done
  [[ $1 == -- ]] && shift
  print -rl -- "$@"
}
source '` + path + `'

words=(` + strings.Join(quoted, " ") + `)
CURRENT=${#words}
_mlabctl
`
	cmd := exec.Command("zsh", "-f", "-c", prog)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if stderr.Len() > 0 {
		t.Fatalf("zsh completing %q: %v\n%s", line, err, stderr.String())
	}
	// The stubs' lines in order: compset -P cuts what follows from the
	// word, and the candidates after it are matched against the rest.
	prefix, head := cur, ""
	got := []string{}
	for _, l := range strings.Split(string(out), "\n") {
		switch l = strings.TrimSpace(l); {
		case l == "":
		case l == "COMPSET *=":
			_, prefix, _ = strings.Cut(prefix, "=")
		case l == "COMPSET *,":
			i := strings.LastIndex(prefix, ",") + 1
			head, prefix = prefix[:i], prefix[i:]
		case strings.HasPrefix(l, prefix) || l == "plan.bin":
			got = append(got, head+l)
		}
	}
	sort.Strings(got)
	return got
}

func TestZshCompletion(t *testing.T) {
	requireTool(t, "zsh")
	script := completionScript(t, completionTestApp(), "zsh")
	for _, tc := range completionCases {
		t.Run(tc.name, func(t *testing.T) {
			got := zshComplete(t, script, tc.line)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("zsh completing %q (-want +got):\n%s", tc.line, diff)
			}
		})
	}
}

// TestCompletionRealTree completes, in bash, every command path of the real
// app: each offers exactly its subcommands (and its first argument's known
// values) and its long flags. It covers
// nested commands (auth, auth tokens) as they land.
func TestCompletionRealTree(t *testing.T) {
	requireTool(t, "bash")
	app := newApp(strings.NewReader(""), io.Discard, io.Discard)
	script := completionScript(t, app, "bash")
	tree, err := completionTree(app, map[string][]string{"completion": supportedShells()})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range tree {
		line := strings.TrimSpace("mlabctl "+n.Path) + " "
		t.Run(line+"(commands)", func(t *testing.T) {
			want := append([]string{}, n.Args...)
			for _, c := range n.Commands {
				want = append(want, c.Names...)
			}
			if n.Files {
				t.Skip("takes files; the listing depends on the directory")
			}
			sort.Strings(want)
			if diff := cmp.Diff(want, bashComplete(t, script, line)); diff != "" {
				t.Errorf("completing %q (-want +got):\n%s", line, diff)
			}
		})
		t.Run(line+"(flags)", func(t *testing.T) {
			want := []string{}
			for _, f := range n.Flags {
				for _, name := range f.Names {
					if strings.HasPrefix(name, "--") {
						want = append(want, name)
					}
				}
			}
			sort.Strings(want)
			if diff := cmp.Diff(want, bashComplete(t, script, line+"--")); diff != "" {
				t.Errorf("completing %q (-want +got):\n%s", line+"--", diff)
			}
		})
	}
}

// TestCompletionGolden pins the generated scripts of the test tree, so a
// change to the generator shows up in review as a change to the scripts.
// Rewrite them with go test -run TestCompletionGolden -update-completion.
func TestCompletionGolden(t *testing.T) {
	for _, shell := range supportedShells() {
		t.Run(shell, func(t *testing.T) {
			got := completionScript(t, completionTestApp(), shell)
			path := filepath.Join("testdata", "completion", "mlabctl."+shell)
			if *updateCompletion {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update-completion to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s script changed (-want +got):\n%s", shell, diff)
			}
		})
	}
}

func TestCompletionCommand(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string // a substring
		wantStderr string // a substring
	}{
		{"bash", []string{"completion", "bash"}, 0, "complete -F _mlabctl mlabctl", ""},
		{"zsh", []string{"completion", "zsh"}, 0, "#compdef mlabctl", ""},
		{"fish", []string{"completion", "fish"}, 0, "complete -c mlabctl -f", ""},
		{"unknown shell", []string{"completion", "powershell"}, 1, "", `unsupported shell "powershell": mlabctl writes completion scripts for bash, fish, zsh`},
		{"no shell", []string{"completion"}, 1, "", "one of bash, fish, zsh"},
		{"two shells", []string{"completion", "bash", "zsh"}, 1, "", "exactly one shell"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"mlabctl"}, tc.args...), strings.NewReader(""), &stdout, &stderr)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.wantStdout, stdout.String())
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.wantStderr)
			}
			if tc.wantCode != 0 && stdout.Len() > 0 {
				t.Errorf("a failed completion printed a script:\n%s", stdout.String())
			}
		})
	}
}

// TestCompletionScriptsParse checks the real app's scripts with each shell's
// syntax checker (bash -n, zsh -n, fish --no-execute).
func TestCompletionScriptsParse(t *testing.T) {
	app := newApp(strings.NewReader(""), io.Discard, io.Discard)
	for _, tc := range []struct {
		shell string
		args  []string
	}{
		{"bash", []string{"-n"}},
		{"zsh", []string{"-n"}},
		{"fish", []string{"--no-execute"}},
	} {
		t.Run(tc.shell, func(t *testing.T) {
			requireTool(t, tc.shell)
			path := filepath.Join(t.TempDir(), "script")
			if err := os.WriteFile(path, []byte(completionScript(t, app, tc.shell)), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(tc.shell, append(tc.args, path)...).CombinedOutput()
			if err != nil {
				t.Fatalf("%s %v: %v\n%s", tc.shell, tc.args, err, out)
			}
		})
	}
}

// TestCompletionOffersFilesForPathFlags: the shells complete file names only
// for flags with TakesFile, so every flag whose value is a path (its usage
// names a `FILE` or `PLANFILE` placeholder, or it is one of the known path
// flags) must set it.
func TestCompletionOffersFilesForPathFlags(t *testing.T) {
	tree, err := completionTree(newApp(strings.NewReader(""), io.Discard, io.Discard), nil)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{}
	for _, n := range tree {
		for _, f := range n.Flags {
			name := strings.TrimSpace(n.Path + " " + f.Names[0])
			if fileCompletionFlag(f) {
				files[name] = true
			} else if strings.Contains(f.Usage, "`FILE`") || strings.Contains(f.Usage, "`PLANFILE`") {
				t.Errorf("%s takes a path (%q) but does not complete file names: set TakesFile", name, f.Usage)
			}
		}
	}
	for _, flag := range []string{"--file", "plan --out", "apply --secrets-out", "emulator --state", "export --out",
		"auth login --token-file", "auth verify-email --secrets-out", "auth verify-email --token-file", "auth refresh --token-file"} {
		if !files[flag] {
			t.Errorf("%s does not complete file names (set TakesFile)", flag)
		}
	}
}
