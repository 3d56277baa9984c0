package pipeline

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/report"
)

// tsharkLines returns, per client port, the IMAP lines of each direction in
// order as tshark's IMAP dissector splits them (an independent parser):
// entries are "C line" or "S line".
func tsharkLines(t *testing.T, path string) map[string][]string {
	t.Helper()
	out, err := exec.Command("tshark", "-r", path, "-Y", "imap", "-T", "fields",
		"-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "imap.line", "-E", "aggregator=\x1f").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	m := map[string][]string{}
	for _, row := range bytes.Split(out, []byte("\n")) {
		f := strings.SplitN(string(row), "\t", 3)
		if len(f) < 3 {
			continue
		}
		port, side := f[0], "C "
		if f[0] == "143" || f[0] == "220" {
			port, side = f[1], "S "
		}
		for _, l := range strings.Split(f[2], "\x1f") {
			m[port] = append(m[port], side+strings.TrimSuffix(strings.TrimSuffix(l, `\r\n`), "\r\n"))
		}
	}
	return m
}

var (
	reExists   = regexp.MustCompile(`^S \* (\d+) EXISTS$`)
	reRecent   = regexp.MustCompile(`^S \* (\d+) RECENT$`)
	reValidity = regexp.MustCompile(`^S \* OK \[UIDVALIDITY (\d+)\]`)
	reNext     = regexp.MustCompile(`^S \* OK \[UIDNEXT (\d+)\]`)
	reSearch   = regexp.MustCompile(`^S \* SEARCH((?: \d+)*)`)
	reList     = regexp.MustCompile(`^S \* (LIST|LSUB) `)
)

// tsharkAnswer collects, from tshark's lines, what the server said between
// the command tagged tag and its tagged completion.
func tsharkAnswer(lines []string, tag, command string) map[string]int64 {
	got := map[string]int64{}
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "C "+tag+" ") && strings.Contains(strings.ToUpper(l), " "+command) {
			start = i
			break
		}
	}
	if start < 0 {
		return nil
	}
	for _, l := range lines[start+1:] {
		if strings.HasPrefix(l, "S "+tag+" ") {
			return got
		}
		num := func(re *regexp.Regexp) (int64, bool) {
			m := re.FindStringSubmatch(l)
			if m == nil {
				return 0, false
			}
			n, err := strconv.ParseInt(m[1], 10, 64)
			return n, err == nil
		}
		if n, ok := num(reExists); ok {
			got["exists"] = n
		}
		if n, ok := num(reRecent); ok {
			got["recent"] = n
		}
		if n, ok := num(reValidity); ok {
			got["uidvalidity"] = n
		}
		if n, ok := num(reNext); ok {
			got["uidnext"] = n
		}
		if m := reSearch.FindStringSubmatch(l); m != nil {
			got["hits"] += int64(len(strings.Fields(m[1])))
		}
		if reList.MatchString(l) {
			got["mailboxes"]++
		}
	}
	return nil
}

// TestResultsMatchTshark compares the result of every SELECT, EXAMINE,
// SEARCH, LIST and LSUB on the real plain-text captures with what
// tshark's own IMAP dissector shows the server answering.
func TestResultsMatchTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: apt-get install tshark")
	}
	checked := 0
	for _, path := range captures(t) {
		name := strings.TrimPrefix(path, "../pcaps/")
		if fi, err := os.Stat(path); strings.HasPrefix(name, "tls/") || err != nil || fi.Size() > maxTsharkCapture {
			continue
		}
		rep := analyze(t, path, dissect.Options{})
		lines := tsharkLines(t, path)
		for _, s := range rep.Sessions {
			if s.Compressed || s.TLS {
				continue
			}
			_, port, _ := strings.Cut(s.Client, ":")
			for _, x := range s.Transactions {
				var want map[string]int64
				switch x.Command {
				case "SELECT", "EXAMINE", "SEARCH", "UID SEARCH", "LIST", "LSUB":
					want = tsharkAnswer(lines[port], x.Tag, x.Command)
				}
				if want == nil || x.Status != "OK" {
					continue
				}
				got := resultFigures(x.Result)
				for k, w := range want {
					if k == "hits" && (strings.Contains(strings.ToUpper(x.Args), "RETURN") || x.Result == nil) {
						continue // ESEARCH answers are not SEARCH lines
					}
					if got[k] != w {
						t.Errorf("%s session %d %s %s: %s %d, tshark shows %d", name, s.ID, x.Tag, x.Command, k, got[k], w)
					}
				}
				checked++
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d transactions cross-checked", checked)
	}
	t.Logf("%d transactions cross-checked against tshark", checked)
}

// maxTsharkCapture bounds the captures cross-checked (tshark takes most
// of a minute over all of them on a shared 2-core machine).
const maxTsharkCapture = 120 << 10

// resultFigures flattens the figures TestResultsMatchTshark compares.
func resultFigures(r *report.Result) map[string]int64 {
	m := map[string]int64{}
	if r == nil {
		return m
	}
	for k, p := range map[string]*int64{"exists": r.Exists, "recent": r.Recent, "uidvalidity": r.UIDValidity,
		"uidnext": r.UIDNext, "hits": r.Hits, "mailboxes": r.Mailboxes} {
		if p != nil {
			m[k] = *p
		}
	}
	return m
}
