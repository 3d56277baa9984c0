package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// completeBash sources the bash script and returns COMPREPLY for words.
func completeBash(t *testing.T, script string, words ...string) []string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed: bash completion not run")
	}
	path := filepath.Join(t.TempDir(), "c.bash")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + w + "'"
	}
	prog := "complete() { :; }; source " + path + "; COMP_WORDS=(" + strings.Join(quoted, " ") + "); COMP_CWORD=" +
		strconv.Itoa(len(words)-1) + "; _imapscope; printf '%s\\n' \"${COMPREPLY[@]}\""
	out, err := exec.Command(bash, "--norc", "-c", prog).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

func TestCompletionBash(t *testing.T) {
	code, script, _ := runCLI(t, "completion", "bash")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if got := completeBash(t, script, "imapscope", "me"); len(got) != 1 || got[0] != "merge" {
		t.Errorf("command: %q", got)
	}
	if got := completeBash(t, script, "imapscope", "read", "--for"); len(got) != 1 || got[0] != "--format" {
		t.Errorf("flag: %q", got)
	}
	got := completeBash(t, script, "imapscope", "read", "--format", "")
	if !strings.Contains(strings.Join(got, " "), "tsv") || !strings.Contains(strings.Join(got, " "), "ecs") {
		t.Errorf("format values: %q", got)
	}
	if got := completeBash(t, script, "imapscope", "completion", "f"); len(got) != 1 || got[0] != "fish" {
		t.Errorf("shells: %q", got)
	}
	// Every flag of read's help is offered.
	all := strings.Join(completeBash(t, script, "imapscope", "read", "-"), " ")
	for _, f := range parseHelp(commandHelp("read")).Flags {
		if !strings.Contains(all, dashed(f.Name)) {
			t.Errorf("read %s not completed", dashed(f.Name))
		}
	}
}

// TestCompletionZshFish checks the scripts parse in their shells where
// installed, and name every flag of every command.
func TestCompletionZshFish(t *testing.T) {
	for _, sh := range []string{"zsh", "fish"} {
		code, script, _ := runCLI(t, "completion", sh)
		if code != exitOK {
			t.Fatalf("%s: exit %d", sh, code)
		}
		for _, c := range completionCommands() {
			for _, f := range c.flags {
				want := dashed(f.Name) + "["
				if sh == "fish" {
					want = "-l " + f.Name
					if len(f.Name) == 1 {
						want = "-s " + f.Name
					}
				}
				if !strings.Contains(script, want) {
					t.Errorf("%s: %s %s missing", sh, c.name, f.Name)
				}
			}
		}
		bin, err := exec.LookPath(sh)
		if err != nil {
			t.Logf("%s not installed: its script was not parsed (apt-get install %s)", sh, sh)
			continue
		}
		path := filepath.Join(t.TempDir(), "c."+sh)
		os.WriteFile(path, []byte(script), 0o644)
		if out, err := exec.Command(bin, "-n", path).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", sh, err, out)
		}
	}
	if code, _, errs := runCLI(t, "completion", "tcsh"); code != exitUsage || !strings.Contains(errs, "see 'imapscope help completion'") {
		t.Errorf("unknown shell: exit %d: %s", code, errs)
	}
}
