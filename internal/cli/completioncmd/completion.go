// Package completioncmd is `mlabctl completion bash|zsh|fish`: it prints a
// shell completion script.
//
// The scripts are generated statically from the command tree rather than
// calling the binary back on every <Tab> (urfave's hidden
// --generate-bash-completion): the tree is small, a static script needs no
// change to the app, works while the binary is being rebuilt, and its
// behaviour is tested here by running bash on it. Each script walks the words
// typed so far the same way: flags that take a value skip the next word,
// `--flag=value` is one word, and a word naming a subcommand of the current
// command descends into it, so nested commands (`auth tokens revoke`) complete
// correctly.
//
// Values are completed where they are known: a flag's values when the flag
// is a cmdutil.ValuesFlag (-o's formats, --expiry's lifetimes, --scopes'
// names, element by element) or a cmdutil.ValuesSliceFlag (--target's
// sections; not its addresses, which are the file's), the first argument of `completion` (the
// shells), and file names where a flag or command takes a file.
package completioncmd

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/urfave/cli/v2"
)

// completionShells are the shells `mlabctl completion` writes scripts for.
var completionShells = map[string]func(w io.Writer, prog string, tree []completionNode) error{
	"bash": writeBashCompletion,
	"zsh":  writeZshCompletion,
	"fish": writeFishCompletion,
}

// supportedShells lists completionShells' names, sorted, for messages and help.
func supportedShells() []string {
	names := make([]string, 0, len(completionShells))
	for name := range completionShells {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// New returns the command. The scripts describe the app the command runs
// in (c.App), so they always match the binary's command tree.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "Print a shell completion script for bash, zsh or fish",
		ArgsUsage: strings.Join(supportedShells(), "|"),
		Description: "Prints a completion script for the whole command tree. Load it with\n\n" +
			"   bash: source <(mlabctl completion bash)   (or save it in /etc/bash_completion.d/mlabctl)\n" +
			"   zsh:  mlabctl completion zsh > \"${fpath[1]}/_mlabctl\"   (then restart zsh)\n" +
			"   fish: mlabctl completion fish > ~/.config/fish/completions/mlabctl.fish",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cmdutil.UsageErrorf("completion needs exactly one shell, one of %s", strings.Join(supportedShells(), ", "))
			}
			shell := c.Args().First()
			write, ok := completionShells[shell]
			if !ok {
				return fmt.Errorf("unsupported shell %q: mlabctl writes completion scripts for %s", shell, strings.Join(supportedShells(), ", "))
			}
			tree, err := completionTree(c.App, map[string][]string{c.Command.Name: supportedShells()})
			if err != nil {
				return err
			}
			return write(f.IO.Out, c.App.Name, tree)
		},
	}
}

// completionNode is one command of the tree as a completion script sees it.
type completionNode struct {
	// Path is the command's words after the program name, joined by single
	// spaces; "" is the program itself.
	Path string
	// Commands are the direct subcommands.
	Commands []completionCommandName
	// Flags are the flags accepted at this position of the command line.
	Flags []completionFlag
	// Files is true when the command takes file arguments (apply PLANFILE).
	Files bool
	// Args are the values of the command's first argument, when known
	// (`completion bash`).
	Args []string
}

// completionCommandName is a subcommand with every name it answers to.
type completionCommandName struct {
	Names []string
	Usage string
}

// completionFlag is a flag with its dashed spellings ("--file", "-f").
type completionFlag struct {
	Names      []string
	Usage      string
	TakesValue bool
	TakesFile  bool
	// Values are the flag's known values (cmdutil.ValuesFlag,
	// cmdutil.ValuesSliceFlag); List is true
	// when the value is a comma-separated list of them.
	Values []string
	List   bool
}

// completionWord is what a command or flag name may look like: anything else
// would need quoting in the scripts, which generated code must never get wrong.
var completionWord = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// completionValue is what a completed value may look like (a scope name
// has a colon); the same reason: no quoting, no glob characters ("*").
var completionValue = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]*$`)

// completionTree flattens the app's visible commands into nodes, the root
// first, then depth first in declaration order. Every node with subcommands
// gets urfave's `help` subcommand (by that name only: its alias `h` is no
// word to offer) and every node the --help flag, whether or not the app has
// been set up yet, so the output does not depend on when it is computed.
// args are the known values of commands' first arguments, by command path.
func completionTree(app *cli.App, args map[string][]string) ([]completionNode, error) {
	var nodes []completionNode
	var walk func(path string, commands []*cli.Command, flags []cli.Flag, files, hideHelp, hideHelpCommand bool) error
	walk = func(path string, commands []*cli.Command, flags []cli.Flag, files, hideHelp, hideHelpCommand bool) error {
		// A command whose argument values are known takes those, not files.
		node := completionNode{Path: path, Files: files && args[path] == nil, Args: args[path]}
		for _, v := range node.Args {
			if !completionValue.MatchString(v) {
				return fmt.Errorf("argument value %q of %q cannot be completed safely", v, "mlabctl "+path)
			}
		}
		seen := map[string]bool{}
		for _, f := range flags {
			cf, ok, err := toCompletionFlag(path, f)
			if err != nil {
				return err
			}
			if ok && !seen[cf.Names[0]] {
				seen[cf.Names[0]] = true
				node.Flags = append(node.Flags, cf)
			}
		}
		if !hideHelp && !seen["--help"] {
			node.Flags = append(node.Flags, completionFlag{Names: []string{"--help", "-h"}, Usage: "show help"})
		}
		var children []*cli.Command
		for _, cmd := range commands {
			if cmd.Hidden || cmd.Name == "help" {
				continue
			}
			for _, name := range cmd.Names() {
				if !completionWord.MatchString(name) {
					return fmt.Errorf("command %q under %q: name %q cannot be completed safely", cmd.Name, path, name)
				}
			}
			children = append(children, cmd)
			node.Commands = append(node.Commands, completionCommandName{Names: cmd.Names(), Usage: cmd.Usage})
		}
		if len(children) > 0 && !hideHelpCommand {
			node.Commands = append(node.Commands, completionCommandName{Names: []string{"help"}, Usage: "Shows a list of commands or help for one command"})
		}
		nodes = append(nodes, node)
		for _, cmd := range children {
			child := strings.TrimSpace(path + " " + cmd.Name)
			if err := walk(child, cmd.Subcommands, cmd.Flags, cmd.Action != nil && cmd.ArgsUsage != "" && len(cmd.Subcommands) == 0, cmd.HideHelp, cmd.HideHelpCommand); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk("", app.Commands, app.Flags, false, app.HideHelp, app.HideHelpCommand); err != nil {
		return nil, err
	}
	return nodes, nil
}

// toCompletionFlag describes one flag; ok is false for hidden flags.
func toCompletionFlag(path string, f cli.Flag) (completionFlag, bool, error) {
	if v, isVisible := f.(cli.VisibleFlag); isVisible && !v.IsVisible() {
		return completionFlag{}, false, nil
	}
	var cf completionFlag
	for _, name := range f.Names() {
		name = strings.TrimSpace(name)
		if !completionWord.MatchString(name) {
			return cf, false, fmt.Errorf("flag %q of %q cannot be completed safely", name, "mlabctl "+path)
		}
		if len(name) == 1 {
			cf.Names = append(cf.Names, "-"+name)
		} else {
			cf.Names = append(cf.Names, "--"+name)
		}
	}
	if len(cf.Names) == 0 {
		return cf, false, nil
	}
	if d, ok := f.(cli.DocGenerationFlag); ok {
		cf.TakesValue = d.TakesValue()
		cf.Usage = d.GetUsage()
	}
	switch t := f.(type) {
	case *cmdutil.ValuesFlag:
		cf.TakesFile = t.TakesFile
		cf.Values, cf.List = t.Values, t.List
		for _, v := range cf.Values {
			if !completionValue.MatchString(v) {
				return cf, false, fmt.Errorf("value %q of flag %q of %q cannot be completed safely", v, cf.Names[0], "mlabctl "+path)
			}
		}
	case *cmdutil.ValuesSliceFlag:
		cf.TakesFile = t.TakesFile
		cf.Values = t.Values
		for _, v := range cf.Values {
			if !completionValue.MatchString(v) {
				return cf, false, fmt.Errorf("value %q of flag %q of %q cannot be completed safely", v, cf.Names[0], "mlabctl "+path)
			}
		}
	case *cli.StringFlag:
		cf.TakesFile = t.TakesFile
	case *cli.PathFlag:
		cf.TakesFile = t.TakesFile
	case *cli.StringSliceFlag:
		cf.TakesFile = t.TakesFile
	case *cli.GenericFlag:
		cf.TakesFile = t.TakesFile
	}
	return cf, true, nil
}

// children maps "parent path/word" to the child's path, for every name
// (aliases included) of every subcommand.
func completionChildren(tree []completionNode) [][2]string {
	var out [][2]string
	for _, n := range tree {
		for _, c := range n.Commands {
			if c.Names[0] == "help" {
				continue // help takes command names as arguments, not as a path
			}
			child := strings.TrimSpace(n.Path + " " + c.Names[0])
			for _, name := range c.Names {
				out = append(out, [2]string{n.Path + "/" + name, child})
			}
		}
	}
	return out
}

// flagNames returns the spellings of the flags that satisfy keep.
func completionFlagNames(flags []completionFlag, keep func(completionFlag) bool) []string {
	var names []string
	for _, f := range flags {
		if keep(f) {
			names = append(names, f.Names...)
		}
	}
	return names
}

func completionCommandNames(n completionNode) []string {
	var names []string
	for _, c := range n.Commands {
		names = append(names, c.Names...)
	}
	return names
}

func anyCompletionFlag(completionFlag) bool     { return true }
func valueCompletionFlag(f completionFlag) bool { return f.TakesValue }
func fileCompletionFlag(f completionFlag) bool  { return f.TakesValue && f.TakesFile }

// completionDescription keeps descriptions to one line for the shells'
// menus, without urfave's backquotes around placeholders ("`FILE`").
func completionDescription(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(strings.ReplaceAll(s, "`", ""))
}

// shellBool is b as the scripts' flags hold it: 1 or 0.
func shellBool(b bool) int {
	if b {
		return 1
	}
	return 0
}

// completionValueFlag is one spelling of a flag with known values, at
// the command path where it is accepted.
type completionValueFlag struct {
	Path, Name string
	Flag       completionFlag
}

// completionValueFlags returns the table the scripts look values up in:
// every spelling of every flag with known values, by command path.
func completionValueFlags(tree []completionNode) []completionValueFlag {
	var out []completionValueFlag
	for _, n := range tree {
		for _, f := range n.Flags {
			if len(f.Values) == 0 {
				continue
			}
			for _, name := range f.Names {
				out = append(out, completionValueFlag{n.Path, name, f})
			}
		}
	}
	return out
}

func writeBashCompletion(w io.Writer, prog string, tree []completionNode) error {
	var b strings.Builder
	fmt.Fprintf(&b, `# bash completion for %[1]s.
# Generated by "%[1]s completion bash" from %[1]s's command tree; load it with
#   source <(%[1]s completion bash)
# or save it as /etc/bash_completion.d/%[1]s. Regenerate it after upgrading.

# __%[1]s_child prints the path of subcommand $2 of the command at path $1.
__%[1]s_child() {
  case "$1/$2" in
`, prog)
	for _, kv := range completionChildren(tree) {
		fmt.Fprintf(&b, "    %q) echo %q ;;\n", kv[0], kv[1])
	}
	fmt.Fprintf(&b, `    *) return 1 ;;
  esac
}

# __%[1]s_node sets what may follow the command at path $1: its subcommands,
# flags, flags taking a value, flags taking a file, whether it takes files,
# and the values of its first argument.
__%[1]s_node() {
  case "$1" in
`, prog)
	for _, n := range tree {
		files := shellBool(n.Files)
		fmt.Fprintf(&b, "    %q)\n      commands=%q\n      flags=%q\n      valueflags=%q\n      fileflags=%q\n      files=%d\n      args=%q ;;\n",
			n.Path,
			strings.Join(completionCommandNames(n), " "),
			strings.Join(completionFlagNames(n.Flags, anyCompletionFlag), " "),
			" "+strings.Join(completionFlagNames(n.Flags, valueCompletionFlag), " ")+" ",
			" "+strings.Join(completionFlagNames(n.Flags, fileCompletionFlag), " ")+" ",
			files,
			strings.Join(n.Args, " "))
	}
	fmt.Fprintf(&b, `  esac
}

# __%[1]s_values sets values to the known values of flag $2 of the command
# at path $1, and list to 1 when the flag takes a comma-separated list of them.
__%[1]s_values() {
  case "$1 $2" in
`, prog)
	for _, v := range completionValueFlags(tree) {
		fmt.Fprintf(&b, "    %q) values=%q list=%d ;;\n", v.Path+" "+v.Name, strings.Join(v.Flag.Values, " "), shellBool(v.Flag.List))
	}
	fmt.Fprintf(&b, `    *) return 1 ;;
  esac
}

_%[1]s() {
  local cur prev word cmdpath="" commands flags valueflags fileflags files args
  local values list line typed val head full cut c
  local skip=0 nargs=0 i cword
  local -a words
  COMPREPLY=()
  # The words typed so far, split at blanks only: bash's own COMP_WORDS is
  # also split at COMP_WORDBREAKS ("=", ":"), and scope names have a colon.
  line=${COMP_LINE:0:COMP_POINT}
  read -ra words <<<"$line"
  [[ -z "$line" || "$line" == *[[:blank:]] ]] && words+=("")
  cword=$((${#words[@]} - 1))
  ((cword >= 1)) || return 0
  cur=${words[cword]}
  prev=${words[cword-1]}
  __%[1]s_node ""
  for ((i = 1; i < cword; i++)); do
    word="${words[i]}"
    if ((skip)); then
      skip=0
      continue
    fi
    case "$word" in
      --*=*) continue ;;
      -*)
        [[ "$valueflags" == *" $word "* ]] && skip=1
        continue ;;
    esac
    if word=$(__%[1]s_child "$cmdpath" "$word"); then
      cmdpath="$word"
      nargs=0
      __%[1]s_node "$cmdpath"
    else
      nargs=$((nargs + 1))
    fi
  done
  typed=$cur
  if [[ "$cur" == --*=* ]]; then
    prev="${cur%%%%=*}"
    cur="${cur#*=}"
    skip=1
  fi
  if ((skip)); then
    # Completing a flag's value: files, or the flag's known values.
    val=$cur
    if [[ "$fileflags" == *" $prev "* ]]; then
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -f -- "$cur"))
    elif __%[1]s_values "$cmdpath" "$prev"; then
      head=""
      if ((list)); then
        [[ "$cur" == *,* ]] && head="${cur%%,*},"
        cur="${cur##*,}"
        compopt -o nospace 2>/dev/null
      fi
      COMPREPLY=($(compgen -P "$head" -W "$values" -- "$cur"))
    fi
    # bash replaces only the text after the word's last COMP_WORDBREAKS
    # character ("--out=", "tokens:"): each candidate is cut to match.
    full=${typed%%"$val"}
    cut=$typed
    while [[ -n "$cut" && "${COMP_WORDBREAKS- }" != *"${cut: -1}"* ]]; do cut=${cut%%?}; done
    for i in "${!COMPREPLY[@]}"; do
      c=$full${COMPREPLY[i]}
      COMPREPLY[i]=${c#"$cut"}
    done
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    return 0
  fi
  ((nargs == 0)) || args=""
  COMPREPLY=($(compgen -W "$commands $args" -- "$cur"))
  if ((files)); then
    compopt -o filenames 2>/dev/null
    COMPREPLY+=($(compgen -f -- "$cur"))
  fi
  return 0
}

complete -F _%[1]s %[1]s
`, prog)
	_, err := io.WriteString(w, b.String())
	return err
}

// zshQuote quotes s for zsh inside single quotes.
func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func writeZshCompletion(w io.Writer, prog string, tree []completionNode) error {
	var b strings.Builder
	fmt.Fprintf(&b, `#compdef %[1]s
# zsh completion for %[1]s.
# Generated by "%[1]s completion zsh" from %[1]s's command tree; install it with
#   %[1]s completion zsh > "${fpath[1]}/_%[1]s"
# or load it in the current shell with
#   source <(%[1]s completion zsh)
# Regenerate it after upgrading.

# __%[1]s_child sets REPLY to the path of subcommand $2 of the command at path $1.
__%[1]s_child() {
  case "$1/$2" in
`, prog)
	for _, kv := range completionChildren(tree) {
		fmt.Fprintf(&b, "    %s) REPLY=%s ;;\n", zshQuote(kv[0]), zshQuote(kv[1]))
	}
	fmt.Fprintf(&b, `    *) return 1 ;;
  esac
}

# __%[1]s_node sets what may follow the command at path $1: its subcommands
# and flags as name:description, flags taking a value, flags taking a file,
# whether it takes files, and the values of its first argument.
__%[1]s_node() {
  case "$1" in
`, prog)
	for _, n := range tree {
		fmt.Fprintf(&b, "    %s)\n      commands=(", zshQuote(n.Path))
		for _, c := range n.Commands {
			for _, name := range c.Names {
				fmt.Fprintf(&b, " %s", zshQuote(name+":"+completionDescription(c.Usage)))
			}
		}
		b.WriteString(" )\n      flags=(")
		for _, f := range n.Flags {
			for _, name := range f.Names {
				fmt.Fprintf(&b, " %s", zshQuote(name+":"+completionDescription(f.Usage)))
			}
		}
		b.WriteString(" )\n      valueflags=(")
		for _, name := range completionFlagNames(n.Flags, valueCompletionFlag) {
			fmt.Fprintf(&b, " %s", name)
		}
		b.WriteString(" )\n      fileflags=(")
		for _, name := range completionFlagNames(n.Flags, fileCompletionFlag) {
			fmt.Fprintf(&b, " %s", name)
		}
		files := shellBool(n.Files)
		fmt.Fprintf(&b, " )\n      files=%d\n      args=(", files)
		for _, a := range n.Args {
			fmt.Fprintf(&b, " %s", a)
		}
		b.WriteString(" ) ;;\n")
	}
	fmt.Fprintf(&b, `  esac
}

# __%[1]s_values sets values to the known values of flag $2 of the command
# at path $1, and list to 1 when the flag takes a comma-separated list of them.
__%[1]s_values() {
  case "$1 $2" in
`, prog)
	for _, v := range completionValueFlags(tree) {
		fmt.Fprintf(&b, "    %s) values=( %s ) list=%d ;;\n", zshQuote(v.Path+" "+v.Name), strings.Join(v.Flag.Values, " "), shellBool(v.Flag.List))
	}
	fmt.Fprintf(&b, `    *) return 1 ;;
  esac
}

_%[1]s() {
  local cmdpath="" word cur prev REPLY
  local -a commands flags valueflags fileflags args values
  local -i files=0 skip=0 nargs=0 list=0 i
  __%[1]s_node ""
  for ((i = 2; i < CURRENT; i++)); do
    word=${words[i]}
    if ((skip)); then
      skip=0
      continue
    fi
    case $word in
      --*=*) continue ;;
      -*)
        (( ${valueflags[(Ie)$word]} )) && skip=1
        continue ;;
    esac
    if __%[1]s_child "$cmdpath" "$word"; then
      cmdpath=$REPLY
      nargs=0
      __%[1]s_node "$cmdpath"
    else
      nargs+=1
    fi
  done
  cur=${words[CURRENT]}
  prev=${words[CURRENT-1]}
  if [[ $cur == --*=* ]]; then
    prev=${cur%%%%=*}
    compset -P '*='
    skip=1
  fi
  if ((skip)); then
    # Completing a flag's value: files, or the flag's known values.
    if (( ${fileflags[(Ie)$prev]} )); then
      _files
    elif __%[1]s_values "$cmdpath" "$prev"; then
      if ((list)); then
        compset -P '*,'
        compadd -S '' -- $values
      else
        compadd -- $values
      fi
    fi
    return
  fi
  if [[ $cur == -* ]]; then
    _describe -t options '%[1]s flag' flags
    return
  fi
  local ret=1
  (( ${#commands} )) && _describe -t commands '%[1]s command' commands && ret=0
  (( nargs == 0 && ${#args} )) && compadd -- $args && ret=0
  (( files )) && _files && ret=0
  return ret
}

if [[ "${funcstack[1]}" == "_%[1]s" ]]; then
  # Autoloaded from $fpath: complete now.
  _%[1]s "$@"
else
  compdef _%[1]s %[1]s
fi
`, prog)
	_, err := io.WriteString(w, b.String())
	return err
}

// fishQuote quotes s for fish inside single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func writeFishCompletion(w io.Writer, prog string, tree []completionNode) error {
	var b strings.Builder
	fmt.Fprintf(&b, `# fish completion for %[1]s.
# Generated by "%[1]s completion fish" from %[1]s's command tree; install it with
#   %[1]s completion fish > ~/.config/fish/completions/%[1]s.fish
# Regenerate it after upgrading.

# __%[1]s_child prints the path of subcommand $argv[2] of the command at path $argv[1].
function __%[1]s_child
    switch "$argv[1]/$argv[2]"
`, prog)
	for _, kv := range completionChildren(tree) {
		fmt.Fprintf(&b, "        case %s\n            echo %s\n", fishQuote(kv[0]), fishQuote(kv[1]))
	}
	fmt.Fprintf(&b, `        case '*'
            return 1
    end
end

# __%[1]s_valueflags prints, one a line, the flags that take a value at path $argv[1].
function __%[1]s_valueflags
    switch "$argv[1]"
`, prog)
	for _, n := range tree {
		names := completionFlagNames(n.Flags, valueCompletionFlag)
		if len(names) == 0 {
			continue
		}
		fmt.Fprintf(&b, "        case %s\n            printf '%%s\\n' %s\n", fishQuote(n.Path), strings.Join(names, " "))
	}
	fmt.Fprintf(&b, `    end
end

# __%[1]s_path prints the command path of the command line being completed,
# then how many arguments follow that command.
function __%[1]s_path
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l cmdpath ''
    set -l skip 0
    set -l nargs 0
    set -l child
    for word in $tokens
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $word
            case '--*=*'
                continue
            case '-*'
                if contains -- $word (__%[1]s_valueflags $cmdpath)
                    set skip 1
                end
                continue
        end
        if set child (__%[1]s_child $cmdpath $word)
            set cmdpath $child
            set nargs 0
        else
            set nargs (math $nargs + 1)
        end
    end
    printf '%%s\n' "$cmdpath" $nargs
end

# __%[1]s_at succeeds when the command line being completed is at path $argv[1].
function __%[1]s_at
    set -l p (__%[1]s_path)
    test "$p[1]" = "$argv[1]"
end

# __%[1]s_first_arg succeeds when the command line being completed is at
# path $argv[1], before its first argument.
function __%[1]s_first_arg
    set -l p (__%[1]s_path)
    test "$p[1]" = "$argv[1]"; and test "$p[2]" = 0
end

# __%[1]s_list prints the completions of a comma-separated list of $argv:
# the elements typed so far, then each value.
function __%[1]s_list
    set -l value (string replace -r -- '^-[^=]*=' '' (commandline -ct))
    set -l head (string replace -r -- '[^,]*$' '' "$value")
    for v in $argv
        echo $head$v
    end
end

# Files are completed only where a command or flag takes one.
complete -c %[1]s -f
`, prog)
	for _, n := range tree {
		cond := fishQuote("__" + prog + "_at " + fishQuote(n.Path))
		fmt.Fprintf(&b, "\n# %s\n", strings.TrimSpace(prog+" "+n.Path))
		for _, c := range n.Commands {
			fmt.Fprintf(&b, "complete -c %s -n %s -a %s -d %s\n", prog, cond, fishQuote(strings.Join(c.Names, " ")), fishQuote(completionDescription(c.Usage)))
		}
		for _, f := range n.Flags {
			fmt.Fprintf(&b, "complete -c %s -n %s", prog, cond)
			for _, name := range f.Names {
				switch {
				case strings.HasPrefix(name, "--"):
					fmt.Fprintf(&b, " -l %s", name[2:])
				default:
					fmt.Fprintf(&b, " -s %s", name[1:])
				}
			}
			switch {
			case f.TakesValue && f.TakesFile:
				b.WriteString(" -r -F") // a value, completed as a file
			case f.TakesValue && f.List:
				fmt.Fprintf(&b, " -x -a %s", fishQuote("(__"+prog+"_list "+strings.Join(f.Values, " ")+")"))
			case f.TakesValue && len(f.Values) > 0:
				fmt.Fprintf(&b, " -x -a %s", fishQuote(strings.Join(f.Values, " ")))
			case f.TakesValue:
				b.WriteString(" -x") // a value, but no file
			}
			fmt.Fprintf(&b, " -d %s\n", fishQuote(completionDescription(f.Usage)))
		}
		if n.Files {
			fmt.Fprintf(&b, "complete -c %s -n %s -F\n", prog, cond)
		}
		if len(n.Args) > 0 {
			first := fishQuote("__" + prog + "_first_arg " + fishQuote(n.Path))
			fmt.Fprintf(&b, "complete -c %s -n %s -a %s\n", prog, first, fishQuote(strings.Join(n.Args, " ")))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
