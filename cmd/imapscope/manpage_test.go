package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/internal/golden"
)

// TestManPageCurrent checks docs/imapscope.1 is what the help texts give
// (go test ./cmd/imapscope -update regenerates it), that it documents every
// flag of every command, and that man(1) renders it without warnings.
func TestManPageCurrent(t *testing.T) {
	page := manPage()
	golden.Check(t, "../../docs/imapscope.1", []byte(page))
	for _, c := range commandSummaries {
		if c.name == "help" {
			continue
		}
		d := parseHelp(commandHelp(c.name))
		if len(d.Flags) == 0 && c.name != "completion" {
			t.Errorf("%s: no flags parsed from its help", c.name)
		}
		for _, f := range d.Flags {
			if !strings.Contains(page, `\fB\-\-`+manEscape(f.Name)+`\fR`) {
				t.Errorf("%s --%s missing from the man page", c.name, f.Name)
			}
		}
	}
	mandoc, err := exec.LookPath("groff")
	if err != nil {
		t.Skip("groff not installed: the man page was not rendered (apt-get install groff-base)")
	}
	cmd := exec.Command(mandoc, "-man", "-Tutf8", "-ww", "-z")
	cmd.Stdin = strings.NewReader(page)
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("groff: %v\n%s", err, out)
	}
	if _, err := os.Stat("../../docs/imapscope.1"); err != nil {
		t.Error(err)
	}
}

func TestParseHelp(t *testing.T) {
	d := parseHelp("Usage: x\n\nFlags:\n  --format string\n    \toutput format\n    \tmore\n  -q\n    \tquiet\n\nExit codes: 0.\n")
	if d.Intro != "Usage: x" || d.Outro != "Exit codes: 0." || len(d.Flags) != 2 ||
		d.Flags[0] != (helpFlag{"format", "string", "output format more"}) || d.Flags[1] != (helpFlag{"q", "", "quiet"}) {
		t.Errorf("%+v", d)
	}
}
