package main

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

const completionUsage = `Usage: imapscope completion bash|zsh|fish

Prints a completion script for the shell: commands, each command's flags,
the values of --format, and file names for inputs and -o.

  bash:  source <(imapscope completion bash)     (or save it as
         /usr/share/bash-completion/completions/imapscope)
  zsh:   imapscope completion zsh > "${fpath[1]}/_imapscope"
  fish:  imapscope completion fish > ~/.config/fish/completions/imapscope.fish
`

// completionShells are the shells 'imapscope completion' writes for.
var completionShells = []string{"bash", "zsh", "fish"}

// runCompletion is 'imapscope completion SHELL'.
func runCompletion(args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && slices.Contains([]string{"-h", "-help", "--help"}, args[0]) {
		fmt.Fprint(stdout, completionUsage)
		return exitOK
	}
	if len(args) != 1 || !slices.Contains(completionShells, args[0]) {
		fmt.Fprintf(stderr, "imapscope completion: want one of %s\nsee 'imapscope help completion'\n", strings.Join(completionShells, ", "))
		return exitUsage
	}
	cmds := completionCommands()
	var script string
	switch args[0] {
	case "bash":
		script = bashCompletion(cmds)
	case "zsh":
		script = zshCompletion(cmds)
	default:
		script = fishCompletion(cmds)
	}
	if _, err := io.WriteString(stdout, script); err != nil {
		fmt.Fprintf(stderr, "imapscope: writing output: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// completionCommand is one command with its flags, read from its help.
type completionCommand struct {
	name, summary string
	flags         []helpFlag
	formats       []string // values of --format
}

// formatValues finds the values of --format in its description: the words
// before the first parenthesis or "(default", e.g. "table, json or html".
var formatValues = regexp.MustCompile(`\b(table|json|jsonl|tsv|html|ecs)\b`)

// completionCommands reads every command's flags from its help text.
func completionCommands() []completionCommand {
	var out []completionCommand
	for _, c := range commandSummaries {
		cc := completionCommand{name: c.name, summary: c.summary}
		if c.name != "help" && c.name != "completion" {
			cc.flags = parseHelp(commandHelp(c.name)).Flags
		}
		for _, f := range cc.flags {
			if f.Name == "format" {
				for _, v := range formatValues.FindAllString(f.Desc, -1) {
					if !slices.Contains(cc.formats, v) {
						cc.formats = append(cc.formats, v)
					}
				}
			}
		}
		out = append(out, cc)
	}
	return out
}

// dashed spells a flag as its help does: one dash for one letter, two otherwise.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// bashCompletion writes a bash completion function.
func bashCompletion(cmds []completionCommand) string {
	var b strings.Builder
	b.WriteString("# bash completion for imapscope (imapscope completion bash)\n_imapscope() {\n")
	b.WriteString("  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" cmd=\"${COMP_WORDS[1]}\" flags=\"\" valued=\"\" formats=\"\"\n")
	names := make([]string, 0, len(cmds))
	for _, c := range cmds {
		names = append(names, c.name)
	}
	fmt.Fprintf(&b, "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n    COMPREPLY=($(compgen -W %q -- \"$cur\"))\n    return\n  fi\n", strings.Join(names, " ")+" --version --help")
	b.WriteString("  case \"$cmd\" in\n")
	for _, c := range cmds {
		var all, valued []string
		for _, f := range c.flags {
			all = append(all, dashed(f.Name))
			if f.Arg != "" {
				valued = append(valued, dashed(f.Name))
			}
		}
		switch c.name {
		case "help":
			fmt.Fprintf(&b, "  help) COMPREPLY=($(compgen -W %q -- \"$cur\")); return ;;\n", strings.Join(names, " "))
			continue
		case "completion":
			fmt.Fprintf(&b, "  completion) COMPREPLY=($(compgen -W %q -- \"$cur\")); return ;;\n", strings.Join(completionShells, " "))
			continue
		}
		fmt.Fprintf(&b, "  %s) flags=%q; valued=%q; formats=%q ;;\n", c.name, strings.Join(all, " ")+" --help", strings.Join(valued, " "), strings.Join(c.formats, " "))
	}
	b.WriteString("  esac\n")
	b.WriteString(`  case "$prev" in
    --format|-format) COMPREPLY=($(compgen -W "$formats" -- "$cur")); return ;;
    -i) COMPREPLY=($(compgen -W "any $(ls /sys/class/net 2>/dev/null)" -- "$cur")); return ;;
    --run-as|-run-as) COMPREPLY=($(compgen -u -- "$cur")); return ;;
  esac
  local v
  for v in $valued; do
    if [ "$prev" = "$v" ] || [ "$prev" = "${v#-}" ]; then
      COMPREPLY=($(compgen -f -- "$cur"))
      return
    fi
  done
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -o bashdefault -F _imapscope imapscope
`)
	return b.String()
}

// zshQuote makes s safe inside a single-quoted _arguments spec (no
// brackets or colons, which the spec syntax uses).
func zshQuote(s string) string {
	s = strings.NewReplacer("'", "", "[", "(", "]", ")", ":", " ", "\\", "").Replace(s)
	if len(s) > 70 {
		s = s[:67] + "..."
	}
	return s
}

// zshCompletion writes a zsh completion function.
func zshCompletion(cmds []completionCommand) string {
	var b strings.Builder
	b.WriteString("#compdef imapscope\n# zsh completion for imapscope (imapscope completion zsh)\n_imapscope() {\n  local -a commands\n  commands=(\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "    '%s:%s'\n", c.name, zshQuote(c.summary))
	}
	b.WriteString("  )\n  if (( CURRENT == 2 )); then\n    _describe command commands\n    return\n  fi\n  case $words[2] in\n")
	for _, c := range cmds {
		switch c.name {
		case "help":
			b.WriteString("  help) _describe command commands ;;\n")
			continue
		case "completion":
			fmt.Fprintf(&b, "  completion) _values shell %s ;;\n", strings.Join(completionShells, " "))
			continue
		}
		fmt.Fprintf(&b, "  %s)\n    _arguments \\\n", c.name)
		for _, f := range c.flags {
			spec := dashed(f.Name) + "[" + zshQuote(f.Desc) + "]"
			switch {
			case f.Name == "format":
				spec += ":format:(" + strings.Join(c.formats, " ") + ")"
			case f.Arg == "FILE":
				spec += ":file:_files"
			case f.Arg != "":
				spec += ":" + zshQuote(f.Arg) + ": "
			}
			fmt.Fprintf(&b, "      '%s' \\\n", spec)
		}
		b.WriteString("      '*:file:_files' ;;\n")
	}
	b.WriteString("  esac\n}\n_imapscope \"$@\"\n")
	return b.String()
}

// fishQuote quotes s for fish inside single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

// fishCompletion writes fish completions.
func fishCompletion(cmds []completionCommand) string {
	var b strings.Builder
	b.WriteString("# fish completion for imapscope (imapscope completion fish)\ncomplete -c imapscope -f\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "complete -c imapscope -n __fish_use_subcommand -a %s -d %s\n", c.name, fishQuote(c.summary))
	}
	for _, c := range cmds {
		cond := "'__fish_seen_subcommand_from " + c.name + "'"
		switch c.name {
		case "help":
			names := make([]string, 0, len(cmds))
			for _, x := range cmds {
				names = append(names, x.name)
			}
			fmt.Fprintf(&b, "complete -c imapscope -n %s -a %s\n", cond, fishQuote(strings.Join(names, " ")))
			continue
		case "completion":
			fmt.Fprintf(&b, "complete -c imapscope -n %s -a %s\n", cond, fishQuote(strings.Join(completionShells, " ")))
			continue
		case "read", "stats", "merge":
			fmt.Fprintf(&b, "complete -c imapscope -n %s -F\n", cond)
		}
		for _, f := range c.flags {
			opt := "-l " + f.Name
			if len(f.Name) == 1 {
				opt = "-s " + f.Name
			}
			extra := ""
			switch {
			case f.Name == "format":
				extra = " -x -a " + fishQuote(strings.Join(c.formats, " "))
			case f.Arg == "FILE":
				extra = " -r -F"
			case f.Arg != "":
				extra = " -x"
			}
			fmt.Fprintf(&b, "complete -c imapscope -n %s %s%s -d %s\n", cond, opt, extra, fishQuote(f.Desc))
		}
	}
	return b.String()
}
