package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/imapscope/imapscope/dissect"
	"github.com/imapscope/imapscope/internal/golden"
	"github.com/imapscope/imapscope/internal/pcapmangle"
	"github.com/imapscope/imapscope/report"
)

// What the fault tests assert, per capture in pcaps/ and per fault and seed
// (the damaged capture is analysed in process):
//
//   - no panic (none recovered either) and no error; Stats.Truncated is set
//     exactly for the faults that cut the file (truncate, badrecord);
//   - nothing invented: every (tag, command) of a session is in the capture's
//     truth file for that session, or in the clean run's report of it (the
//     truth lists commands sent inside TLS that no analyzer can see). Sessions
//     are matched to the clean run by client address and port, and clean
//     sessions to truth sessions by order. A session the clean run does not
//     have may appear (e.g. a duplicated FIN opening a new flow) but must not
//     carry transactions; under "corrupt" a flipped address or port may move
//     real commands to such a session, so there its commands are checked
//     against the whole capture's truth;
//   - untouched transactions are exact: a clean transaction whose completion
//     was captured before the first damaged packet of its connection (by
//     capture time; a reordered packet counts from the start of its window)
//     is reported with the same tag, command and status;
//   - nothing is wrong: a transaction found in both runs either has the clean
//     status or is incomplete (status null) or carries a note. Under
//     "corrupt", flipped payload bytes change what the wire says, so a
//     different status is counted, not failed.
//
// The table also shows how many transactions that began after the last
// damaged packet of their connection came out exact ("after"): that is
// resynchronisation quality, measured, not asserted.

// faultCase is one fault with the parameters the table uses.
type faultCase struct {
	name  string
	fault pcapmangle.Fault
}

var faultCases = []faultCase{
	{"drop", pcapmangle.Fault{Kind: pcapmangle.Drop, Rate: 0.03}},
	{"dup", pcapmangle.Fault{Kind: pcapmangle.Duplicate, Rate: 0.05}},
	{"reorder", pcapmangle.Fault{Kind: pcapmangle.Reorder, Rate: 0.2, Window: 4}},
	{"truncate", pcapmangle.Fault{Kind: pcapmangle.Truncate}},
	{"snaplen", pcapmangle.Fault{Kind: pcapmangle.Snaplen, Rate: 0.05, SnapLen: 80}},
	{"corrupt", pcapmangle.Fault{Kind: pcapmangle.Corrupt, Rate: 0.02}},
	{"badrecord", pcapmangle.Fault{Kind: pcapmangle.BadRecord}},
}

var faultSeeds = []uint64{1, 2}

// pktInfo is what the clean capture says about one packet.
type pktInfo struct {
	client  string // client ip:port, "" when not a TCP packet on our ports
	ts      time.Time
	matters bool // carries payload or SYN/FIN/RST
}

func packetInfo(t *testing.T, file []byte) []pktInfo {
	t.Helper()
	var out []pktInfo
	p := file[24:]
	for len(p) >= 16 {
		sec := uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24
		usec := uint32(p[4]) | uint32(p[5])<<8 | uint32(p[6])<<16 | uint32(p[7])<<24
		n := int(uint32(p[8]) | uint32(p[9])<<8 | uint32(p[10])<<16 | uint32(p[11])<<24)
		data := p[16 : 16+n]
		p = p[16+n:]
		pi := pktInfo{ts: time.Unix(int64(sec), int64(usec)*1000).UTC()}
		pkt := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.NoCopy)
		tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		var src, dst netip.Addr
		if ip, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
			src, _ = netip.AddrFromSlice(ip.SrcIP.To4())
			dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
		} else if ip, ok := pkt.Layer(layers.LayerTypeIPv6).(*layers.IPv6); ok {
			src, _ = netip.AddrFromSlice(ip.SrcIP)
			dst, _ = netip.AddrFromSlice(ip.DstIP)
		}
		if tcp != nil && src.IsValid() {
			if isServerPort(uint16(tcp.DstPort)) && (!isServerPort(uint16(tcp.SrcPort)) || tcp.DstPort < tcp.SrcPort) {
				pi.client = netip.AddrPortFrom(src, uint16(tcp.SrcPort)).String()
			} else if isServerPort(uint16(tcp.SrcPort)) {
				pi.client = netip.AddrPortFrom(dst, uint16(tcp.DstPort)).String()
			}
			pi.matters = len(tcp.Payload) > 0 || tcp.SYN || tcp.FIN || tcp.RST
		}
		out = append(out, pi)
	}
	return out
}

func isServerPort(p uint16) bool {
	for _, x := range testPorts {
		if x == p {
			return true
		}
	}
	return false
}

// faultTruth reads the truth file as per-session (tag, command) sets.
func faultTruth(t *testing.T, pcap string) []map[string]bool {
	t.Helper()
	b, err := os.ReadFile(strings.TrimSuffix(pcap, ".pcap") + ".truth.json")
	if err != nil {
		t.Fatal(err)
	}
	var tf struct {
		Sessions []struct {
			Commands     []struct{ Tag, Command string } `json:"commands"`
			Transactions []struct{ Tag, Command string } `json:"transactions"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal(b, &tf); err != nil {
		t.Fatal(err)
	}
	var out []map[string]bool
	for _, s := range tf.Sessions {
		m := map[string]bool{}
		for _, x := range append(s.Commands, s.Transactions...) {
			m[x.Tag+" "+x.Command] = true
		}
		out = append(out, m)
	}
	return out
}

// faultCounts is one row of the results table.
type faultCounts struct {
	total, exact, noted, lost, wrong, invented, altered int
	before, beforeExact, after, afterExact              int
}

func (c *faultCounts) add(o faultCounts) {
	c.total += o.total
	c.exact += o.exact
	c.noted += o.noted
	c.lost += o.lost
	c.wrong += o.wrong
	c.invented += o.invented
	c.altered += o.altered
	c.before += o.before
	c.beforeExact += o.beforeExact
	c.after += o.after
	c.afterExact += o.afterExact
}

func txKey(x *report.Transaction) string { return x.Tag + " " + x.Command }

// TestFaults runs every capture through every fault (see the comment at
// the top of this file for what is asserted) and, with -update, writes the
// results table to testdata/faults.md.
func TestFaults(t *testing.T) {
	files, _ := filepath.Glob("../pcaps/*/*.pcap")
	var caps []string
	for _, f := range files {
		if _, err := os.Stat(strings.TrimSuffix(f, ".pcap") + ".truth.json"); err == nil {
			caps = append(caps, f)
		}
	}
	if len(caps) == 0 {
		t.Skip("no captures with truth files")
	}
	seeds := faultSeeds
	if testing.Short() {
		seeds = seeds[:1]
	}
	var mu sync.Mutex
	table := map[string]map[string]*faultCounts{}
	t.Run("captures", func(t *testing.T) {
		for _, pcap := range caps {
			name := strings.TrimSuffix(strings.TrimPrefix(pcap, "../pcaps/"), ".pcap")
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				rows := faultCapture(t, pcap, seeds)
				mu.Lock()
				table[name] = rows
				mu.Unlock()
			})
		}
	})
	// The table is a measurement that moves as the dissector improves: it
	// is written with -update, never compared.
	if *golden.Update && !t.Failed() && len(seeds) == len(faultSeeds) {
		golden.Check(t, "testdata/faults.md", renderFaultTable(table))
	}
}

// faultCapture runs one capture through every fault and seed.
func faultCapture(t *testing.T, pcap string, seeds []uint64) map[string]*faultCounts {
	clean, err := os.ReadFile(pcap)
	if err != nil {
		t.Fatal(err)
	}
	truth := faultTruth(t, pcap)
	cleanRep, _, err := analyzeBytes(context.Background(), pcap, clean, 1, dissect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cleanRep.Sessions) != len(truth) {
		t.Logf("clean run has %d sessions, truth %d: sessions beyond the shorter are unmatched", len(cleanRep.Sessions), len(truth))
	}
	// Per client: clean session and allowed (tag, command) pairs.
	cleanBy := map[string]*report.Session{}
	allowed := map[string]map[string]bool{}
	anyTruth := map[string]bool{}
	for i, s := range cleanRep.Sessions {
		cleanBy[s.Client] = s
		m := map[string]bool{}
		if i < len(truth) {
			for k := range truth[i] {
				m[k] = true
				anyTruth[k] = true
			}
		}
		for _, x := range s.Transactions {
			m[txKey(x)] = true
			anyTruth[txKey(x)] = true
		}
		allowed[s.Client] = m
	}
	pkts := packetInfo(t, clean)
	rows := map[string]*faultCounts{}
	for _, fc := range faultCases {
		rows[fc.name] = &faultCounts{}
		for _, seed := range seeds {
			damaged, mrep, err := pcapmangle.Mangle(clean, fc.fault, seed)
			if err != nil {
				t.Fatal(err)
			}
			rep, st, err := analyzeBytes(context.Background(), "damaged.pcap", damaged, 1, dissect.Options{})
			if err != nil {
				t.Fatalf("%s seed %d: %v", fc.name, seed, err)
			}
			if st.Panics != 0 {
				t.Fatalf("%s seed %d: recovered panic: %s", fc.name, seed, st.Damage)
			}
			wantTrunc := fc.fault.Kind == pcapmangle.Truncate || fc.fault.Kind == pcapmangle.BadRecord
			if st.Truncated != wantTrunc {
				t.Errorf("%s seed %d: Stats.Truncated = %v (damage %q)", fc.name, seed, st.Truncated, st.Damage)
			}
			var js bytes.Buffer
			if err := report.WriteJSON(&js, rep); err != nil {
				t.Fatal(err)
			}
			if err := report.ValidateJSON(js.Bytes()); err != nil {
				t.Errorf("%s seed %d: schema: %v", fc.name, seed, err)
			}
			c := compareFaulted(t, fc, seed, cleanRep, rep, cleanBy, allowed, anyTruth, damageTimes(fc.fault, mrep, pkts))
			rows[fc.name].add(c)
		}
	}
	return rows
}

// damageSpan is the capture-time range of a connection's damaged packets.
type damageSpan struct{ first, last time.Time }

// damageTimes maps each client to the span of its damaged packets.
func damageTimes(f pcapmangle.Fault, mrep pcapmangle.Report, pkts []pktInfo) map[string]damageSpan {
	all := f.Kind == pcapmangle.Corrupt || f.Kind == pcapmangle.Truncate || f.Kind == pcapmangle.BadRecord
	out := map[string]damageSpan{}
	for _, i := range mrep.Affected {
		p := pkts[i]
		if p.client == "" || !(all || p.matters) {
			continue
		}
		first, last := p.ts, p.ts
		if f.Kind == pcapmangle.Reorder {
			w := f.Window
			if w < 2 {
				w = pcapmangle.DefaultWindow
			}
			ws := i - (i-f.Skip)%w
			first = pkts[ws].ts
			last = pkts[min(ws+w, len(pkts))-1].ts
		}
		sp, ok := out[p.client]
		if !ok || first.Before(sp.first) {
			sp.first = first
		}
		if last.After(sp.last) {
			sp.last = last
		}
		out[p.client] = sp
	}
	return out
}

// compareFaulted classifies the damaged run's transactions against the
// clean run and asserts the properties described at the top of the file.
func compareFaulted(t *testing.T, fc faultCase, seed uint64, cleanRep, rep *report.Report,
	cleanBy map[string]*report.Session, allowed map[string]map[string]bool, anyTruth map[string]bool,
	dmg map[string]damageSpan) faultCounts {
	var c faultCounts
	corrupt := fc.fault.Kind == pcapmangle.Corrupt
	got := map[string][]*report.Transaction{} // client -> transactions, all its sessions
	for _, s := range rep.Sessions {
		ok := allowed[s.Client]
		for _, x := range s.Transactions {
			got[s.Client] = append(got[s.Client], x)
			if ok != nil && ok[txKey(x)] || ok == nil && corrupt && anyTruth[txKey(x)] {
				continue
			}
			ref := x.End
			if ref.IsZero() {
				ref = x.Start
			}
			if sp, hit := dmg[s.Client]; corrupt && (ok == nil || hit && !ref.Before(sp.first)) {
				// What the corrupted wire says: counted, not failed.
				c.altered++
				continue
			}
			c.invented++
			{
				t.Errorf("%s seed %d: session %s: invented %s %s (%s) note %q", fc.name, seed, s.Client, x.Tag, x.Command, x.Status, x.Note)
			}
		}
	}
	for _, cs := range cleanRep.Sessions {
		pool := map[string][]*report.Transaction{}
		for _, x := range got[cs.Client] {
			pool[txKey(x)] = append(pool[txKey(x)], x)
		}
		sp, damaged := dmg[cs.Client]
		for _, want := range cs.Transactions {
			c.total++
			before := !damaged || want.End.Before(sp.first) && !want.End.IsZero()
			after := damaged && want.Start.After(sp.last)
			if before {
				c.before++
			}
			if after {
				c.after++
			}
			cands := pool[txKey(want)]
			if len(cands) == 0 {
				c.lost++
				if before {
					t.Errorf("%s seed %d: session %s: untouched %s %s lost", fc.name, seed, cs.Client, want.Tag, want.Command)
				}
				continue
			}
			g := cands[0]
			pool[txKey(want)] = cands[1:]
			switch {
			case g.Status == want.Status && (g.Note == "" || want.Note != ""):
				c.exact++
				if before {
					c.beforeExact++
				}
				if after {
					c.afterExact++
				}
			case g.Status == "" || g.Note != "":
				c.noted++
				if before {
					t.Errorf("%s seed %d: session %s: untouched %s %s is %q note %q, want %q", fc.name, seed, cs.Client, want.Tag, want.Command, g.Status, g.Note, want.Status)
				}
			default:
				c.wrong++
				if !corrupt || before {
					t.Errorf("%s seed %d: session %s: %s %s status %q, want %q (no note)", fc.name, seed, cs.Client, want.Tag, want.Command, g.Status, want.Status)
				}
			}
		}
	}
	return c
}

// renderFaultTable writes the results as a Markdown table.
func renderFaultTable(table map[string]map[string]*faultCounts) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<!-- written by go test ./pipeline -run TestFaults -update; do not edit -->\n")
	fmt.Fprintf(&b, "Each capture under pcaps/ damaged by internal/pcapmangle with seeds %v (counts summed over seeds).\n", faultSeeds)
	fmt.Fprintf(&b, "Faults: ")
	for i, fc := range faultCases {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", fc.name, faultParams(fc.fault))
	}
	b.WriteString(".\n\n")
	b.WriteString("exact: same tag, command and status as the clean capture; noted: incomplete (null) or with a note; ")
	b.WriteString("lost: not reported; wrong: another status without a note; invented: not in truth nor in the clean report; altered (corrupt only): a command not in truth whose connection had a corrupted packet before it ended, i.e. what the corrupted bytes say. ")
	b.WriteString("before: transactions completed before the first damaged packet of their connection (asserted exact); ")
	b.WriteString("after: transactions begun after its last damaged packet (measured).\n\n")
	b.WriteString("| capture | fault | txns | exact | noted | lost | wrong | invented | altered | before exact | after exact |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	names := make([]string, 0, len(table))
	for n := range table {
		names = append(names, n)
	}
	sort.Strings(names)
	var tot = map[string]*faultCounts{}
	for _, n := range names {
		for _, fc := range faultCases {
			r := table[n][fc.name]
			if tot[fc.name] == nil {
				tot[fc.name] = &faultCounts{}
			}
			tot[fc.name].add(*r)
			writeFaultRow(&b, n, fc.name, r)
		}
	}
	for _, fc := range faultCases {
		writeFaultRow(&b, "**all**", fc.name, tot[fc.name])
	}
	return b.Bytes()
}

func writeFaultRow(b *bytes.Buffer, capture, fault string, r *faultCounts) {
	fmt.Fprintf(b, "| %s | %s | %d | %d | %d | %d | %d | %d | %d | %d/%d | %d/%d |\n", capture, fault,
		r.total, r.exact, r.noted, r.lost, r.wrong, r.invented, r.altered, r.beforeExact, r.before, r.afterExact, r.after)
}

func faultParams(f pcapmangle.Fault) string {
	switch f.Kind {
	case pcapmangle.Drop, pcapmangle.Duplicate, pcapmangle.Corrupt:
		return fmt.Sprintf("(%g%% of packets)", f.Rate*100)
	case pcapmangle.Reorder:
		return fmt.Sprintf("(%g%% of %d-packet windows)", f.Rate*100, f.Window)
	case pcapmangle.Snaplen:
		return fmt.Sprintf("(%g%% of packets cut to %d bytes)", f.Rate*100, f.SnapLen)
	case pcapmangle.Truncate:
		return "(file cut inside one record)"
	case pcapmangle.BadRecord:
		return "(one record header with an impossible length)"
	}
	return ""
}

// TestFaultsCLI runs a few damaged captures through the built command: exit
// status 3 when the file was cut, 0 otherwise, never a panic or a usage
// error, and the JSON on standard output validates.
func TestFaultsCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "imapscope")
	build := exec.Command("go", "build", "-o", bin, "../cmd/imapscope")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	clean, err := os.ReadFile("../pcaps/dovecot/demo.pcap")
	if err != nil {
		t.Skip(err)
	}
	for _, fc := range faultCases {
		damaged, _, err := pcapmangle.Mangle(clean, fc.fault, 1)
		if err != nil {
			t.Fatal(err)
		}
		in := filepath.Join(dir, fc.name+".pcap")
		if err := os.WriteFile(in, damaged, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "read", "--format", "json", "--quiet", in)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err = cmd.Run()
		code := cmd.ProcessState.ExitCode()
		want := 0
		if fc.fault.Kind == pcapmangle.Truncate || fc.fault.Kind == pcapmangle.BadRecord {
			want = 3
		}
		if code != want || strings.Contains(stderr.String(), "panic") {
			t.Errorf("%s: exit %d (%v), want %d; stderr:\n%s", fc.name, code, err, want, stderr.String())
			continue
		}
		if err := report.ValidateJSON(stdout.Bytes()); err != nil {
			t.Errorf("%s: output: %v", fc.name, err)
		}
	}
}
