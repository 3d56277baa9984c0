package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/golden"
	"github.com/imapscope/imapscope/pipeline"
	"github.com/imapscope/imapscope/reassembly"
	"github.com/imapscope/imapscope/report"
)

// analyze runs the pipeline on captures from pcaps/ with fixed options.
func analyze(t *testing.T, files ...string) *report.Report {
	t.Helper()
	var in []string
	for _, f := range files {
		in = append(in, filepath.Join("..", "pcaps", f))
	}
	r, _, err := pipeline.Analyze(context.Background(), in, reassembly.Options{Workers: 1}, dissect.Options{}, "imapscope test")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// goldenCaptures are two real Dovecot captures: a varied single session and
// three concurrent imaplib sessions with NO and BAD completions.
var goldenCaptures = []string{"dovecot/demo.pcap", "dovecot/imaplib.pcap"}

func TestStatsGolden(t *testing.T) {
	r := analyze(t, goldenCaptures...)
	r.Stats = report.ComputeStats(r, report.StatsOptions{})
	var tbl bytes.Buffer
	if err := report.WriteStatsTable(&tbl, r.Stats, report.TableOptions{}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/stats-demo-imaplib.table", tbl.Bytes())
	js, err := json.MarshalIndent(r.Stats, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/stats-demo-imaplib.json", append(js, '\n'))
	doc, err := report.MarshalJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.ValidateJSON(doc); err != nil {
		t.Errorf("report with stats invalid: %v", err)
	}
	// Cross-check the roll-up against the sessions.
	n := 0
	for _, s := range r.Sessions {
		n += len(s.Transactions)
	}
	if r.Stats.Transactions != n || r.Stats.Total.Count != n || r.Stats.Sessions != len(r.Sessions) {
		t.Errorf("stats cover %d/%d transactions, %d sessions; report has %d, %d", r.Stats.Transactions, r.Stats.Total.Count, r.Stats.Sessions, n, len(r.Sessions))
	}
}

func TestECSGolden(t *testing.T) {
	r := analyze(t, goldenCaptures...)
	var buf bytes.Buffer
	if err := report.WriteECS(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/ecs-demo-imaplib.ndjson", buf.Bytes())
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	n := 0
	for _, s := range r.Sessions {
		n += len(s.Transactions)
	}
	if len(lines) != n {
		t.Fatalf("%d events for %d transactions", len(lines), n)
	}
	for i, l := range lines {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		event := ev["event"].(map[string]any)
		if event["kind"] != "event" || ev["network"].(map[string]any)["protocol"] != "imap" || ev["@timestamp"] == "" {
			t.Errorf("line %d: not ECS-shaped: %s", i+1, l)
		}
		imap := ev["imap"].(map[string]any)
		switch st, out := imap["status"], event["outcome"]; {
		case st == "OK" && out != "success", st == nil && out != "unknown", (st == "NO" || st == "BAD") && out != "failure":
			t.Errorf("line %d: status %v outcome %v", i+1, st, out)
		}
		if strings.Contains(l, "secret") {
			t.Errorf("line %d: password leaked: %s", i+1, l)
		}
	}
}

// TestMergeEqualsJointAnalysis merges the reports of two captures and
// compares with analysing both captures in one run.
func TestMergeEqualsJointAnalysis(t *testing.T) {
	a := analyze(t, goldenCaptures[0])
	b := analyze(t, goldenCaptures[1])
	// Round-trip through JSON, as imapscope merge does.
	var reps []*report.Report
	for _, r := range []*report.Report{b, a} { // order given must not matter
		doc, err := report.MarshalJSON(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := report.ReadJSON(doc)
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, back)
	}
	merged, err := report.Merge(reps...)
	if err != nil {
		t.Fatal(err)
	}
	merged.Stats = report.ComputeStats(merged, report.StatsOptions{})
	joint := analyze(t, goldenCaptures...)
	joint.Stats = report.ComputeStats(joint, report.StatsOptions{})
	merged.Tool, merged.Inputs = joint.Tool, joint.Inputs
	got, err := report.MarshalJSON(merged)
	if err != nil {
		t.Fatal(err)
	}
	want, err := report.MarshalJSON(joint)
	if err != nil {
		t.Fatal(err)
	}
	if d := golden.Diff(string(want), string(got)); d != "" {
		t.Errorf("merged report differs from joint analysis:\n%s", d)
	}
	if len(merged.Sessions) != 4 || merged.Sessions[3].ID != 4 {
		t.Errorf("merged %d sessions", len(merged.Sessions))
	}
}

// chromiumApt is the Debian package the HTML screenshot test needs.
const chromiumApt = "apt-get install -y chromium"

// findChromium returns the path of a Chromium binary, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestHTMLScreenshot renders a real capture to HTML, loads it in headless
// Chromium with networking disabled, and checks that the screenshot is a PNG
// with visible content. With -update it also refreshes docs/html-report.png.
func TestHTMLScreenshot(t *testing.T) {
	r := analyze(t, "dovecot/demo.pcap", "dovecot/imaplib.pcap")
	r.Stats = report.ComputeStats(r, report.StatsOptions{})
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, r, report.HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"http://", "https://", "<script", "src="} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("page is not self-contained: contains %q", bad)
		}
	}
	if n := strings.Count(page, "<svg"); n < 3 {
		t.Errorf("%d inline SVG charts, want breakdown, histograms and timelines", n)
	}
	chrome := findChromium()
	if chrome == "" {
		t.Skipf("chromium not found: the browser check is skipped (install it with: %s)", chromiumApt)
	}
	dir := t.TempDir()
	html := filepath.Join(dir, "report.html")
	if err := os.WriteFile(html, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+shot, "--window-size=1400,2400",
		"file://"+html)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() < 1000 || b.Dy() < 1000 {
		t.Errorf("screenshot %v, want about 1400x2400", b)
	}
	// Variance of luminance and count of distinct colours: a blank or
	// single-colour page fails both.
	var sum, sum2, n float64
	colours := map[uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			l := 0.299*float64(r>>8) + 0.587*float64(g>>8) + 0.114*float64(bl>>8)
			sum += l
			sum2 += l * l
			n++
			colours[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
		}
	}
	mean := sum / n
	if v := sum2/n - mean*mean; v < 100 || len(colours) < 20 {
		t.Errorf("screenshot looks blank: luminance variance %.1f, %d colours", v, len(colours))
	}
	if *golden.Update {
		png, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("../docs", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("../docs/html-report.png", png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHTMLEscapes feeds markup through every network-controlled field.
func TestHTMLEscapes(t *testing.T) {
	evil := `<img src=x onerror=alert(1)>"'&`
	r := &report.Report{Tool: "t", Inputs: []string{evil}, Sessions: []*report.Session{{
		ID: 1, Client: evil, Server: "10.0.0.2:143", User: evil, Dialect: "IMAP4rev1",
		Anomalies:    []report.Anomaly{{Kind: report.AnomalyKind(evil), Detail: evil}},
		Transactions: []*report.Transaction{{Tag: evil, Command: evil, Args: evil, Status: "BAD", Code: evil, Text: evil, Note: evil, LatencyMS: 1}},
	}}}
	r.Stats = report.ComputeStats(r, report.StatsOptions{})
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, r, report.HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<img") || strings.Contains(buf.String(), "onerror=alert(1)>") {
		t.Error("network text reached the page unescaped")
	}
	if !strings.Contains(buf.String(), "&lt;img src=x onerror=alert(1)&gt;") {
		t.Error("escaped text missing")
	}
}
