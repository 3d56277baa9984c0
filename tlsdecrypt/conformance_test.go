package tlsdecrypt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapscope/imapscope/reassembly"
)

// ja4Dir holds FoxIO's JA4 conformance vectors: ../shared/ja4-testdata
// beside the repository (for a git worktree: beside the main checkout).
var ja4Dir = func() string {
	dir := "../../shared/ja4-testdata"
	if _, err := os.Stat(dir); err == nil {
		return dir
	}
	if out, err := exec.Command("git", "rev-parse", "--path-format=absolute", "--git-common-dir").Output(); err == nil {
		alt := filepath.Join(filepath.Dir(filepath.Dir(strings.TrimSpace(string(out)))), "shared", "ja4-testdata")
		if _, err := os.Stat(alt); err == nil {
			return alt
		}
	}
	return dir
}()

// maxVectorStream bounds the bytes kept per direction of a vector stream.
const maxVectorStream = 256 << 10

// vectorConn collects a stream's first bytes per direction.
type vectorConn struct {
	key  string
	data [2][]byte
	gap  [2]bool
}

func (v *vectorConn) Data(_ uint64, dir reassembly.Direction, _ time.Time, p []byte) {
	if v.gap[dir] {
		return
	}
	room := maxVectorStream - len(v.data[dir])
	v.data[dir] = append(v.data[dir], p[:min(room, len(p))]...)
}
func (v *vectorConn) Gap(_ uint64, dir reassembly.Direction, _ time.Time, n int) {
	if len(v.data[dir]) > 0 || n > 0 {
		v.gap[dir] = true
	}
}
func (v *vectorConn) End(uint64, time.Time, bool) {}

func (f *vectorFactory) Workers(int)          {}
func (f *vectorFactory) Progress(int, uint64) {}

type vectorFactory struct {
	mu    sync.Mutex
	conns []*vectorConn
}

func (f *vectorFactory) NewConn(info reassembly.ConnInfo) reassembly.Conn {
	c := &vectorConn{key: streamKey(info.Client.Addr().String(), info.Client.Port(), info.Server.Addr().String(), info.Server.Port())}
	f.mu.Lock()
	f.conns = append(f.conns, c)
	f.mu.Unlock()
	return c
}

func streamKey(src string, sport uint16, dst string, dport uint16) string {
	return fmt.Sprintf("%s:%d>%s:%d", src, sport, dst, dport)
}

// vectorStreams reassembles a vector capture's TCP streams on ports.
func vectorStreams(t *testing.T, path string, ports []uint16) map[string]*vectorConn {
	t.Helper()
	f := &vectorFactory{}
	_, err := reassembly.Run(context.Background(), []string{path}, reassembly.Options{Ports: ports, Workers: 1}, f)
	if err != nil {
		t.Logf("%s: %v (reading what could be read)", filepath.Base(path), err)
	}
	m := make(map[string]*vectorConn)
	for _, c := range f.conns {
		if m[c.key] == nil {
			m[c.key] = c
		}
	}
	return m
}

// fingerprintStream runs a client and server stream through a Conn from
// the first TLS handshake record (a SOCKS or other prefix is skipped).
func fingerprintStream(v *vectorConn) *Conn {
	c := NewConn(nil, Limits{})
	for _, d := range []int{FromClient, FromServer} {
		b := v.data[d]
		i := 0
		for i+recordHeaderLen <= len(b) && !(b[i] == typeHandshake && plausibleHeader(b[i:])) {
			i++
		}
		if i+recordHeaderLen <= len(b) {
			c.Feed(d, b[i:], nil)
		}
	}
	return c
}

type ja4Entry map[string]any

func loadExpected(t *testing.T, name string) []ja4Entry {
	b, err := os.ReadFile(filepath.Join(ja4Dir, "expected", name+".json"))
	if err != nil {
		t.Fatalf("expected output: %v", err)
	}
	var e []ja4Entry
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("expected output: %v", err)
	}
	return e
}

func vectorNames(t *testing.T) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(ja4Dir, "expected", "*.json"))
	if err != nil || len(m) == 0 {
		t.Skipf("JA4 conformance vectors not available (%v): need %s beside the repository", err, ja4Dir)
	}
	var names []string
	for _, p := range m {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".json"))
	}
	sort.Strings(names)
	return names
}

// TestJA4Conformance compares JA4 of every ClientHello of every TLS-over-TCP
// stream with FoxIO's expected outputs.
func TestJA4Conformance(t *testing.T) {
	total, ok := 0, 0
	for _, name := range vectorNames(t) {
		var entries []ja4Entry
		ports := map[uint16]bool{}
		for _, e := range loadExpected(t, name) {
			if s, _ := e["JA4.1"].(string); strings.HasPrefix(s, "t") {
				entries = append(entries, e)
				var p uint16
				fmt.Sscan(e["dstport"].(string), &p)
				ports[p] = true
			}
		}
		if len(entries) == 0 {
			continue
		}
		var pl []uint16
		for p := range ports {
			pl = append(pl, p)
		}
		streams := vectorStreams(t, filepath.Join(ja4Dir, name), pl)
		for _, e := range entries {
			var sp, dp uint16
			fmt.Sscan(e["srcport"].(string), &sp)
			fmt.Sscan(e["dstport"].(string), &dp)
			key := streamKey(e["src"].(string), sp, e["dst"].(string), dp)
			var hellos []helloPrint
			if v := streams[key]; v != nil {
				hellos = fingerprintStream(v).hellos
			}
			for n := 1; ; n++ {
				want, has := e[fmt.Sprintf("JA4.%d", n)].(string)
				if !has {
					break
				}
				total++
				got := ""
				if n <= len(hellos) {
					got = hellos[n-1].ja4
				}
				if got == want {
					ok++
				} else {
					t.Errorf("%s %s JA4.%d: got %q want %q", name, key, n, got, want)
				}
			}
		}
	}
	t.Logf("JA4: %d/%d ClientHellos equal to FoxIO's expected output", ok, total)
	if total == 0 {
		t.Fatal("no TLS-over-TCP vectors found")
	}
}

// TestJA3AgainstTshark compares JA3 and JA3S with tshark's on every vector
// capture's TCP streams.
func TestJA3AgainstTshark(t *testing.T) {
	names := vectorNames(t)
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: JA3/JA3S not compared (apt-get install tshark)")
	}
	total, ok := 0, 0
	for _, name := range names {
		path := filepath.Join(ja4Dir, name)
		want := tsharkJA3(t, path)
		ports := map[uint16]bool{}
		for k := range want {
			var dp uint16
			fmt.Sscan(k[strings.LastIndexByte(k, ':')+1:], &dp)
			ports[dp] = true
		}
		var pl []uint16
		for p := range ports {
			pl = append(pl, p)
		}
		if len(pl) == 0 {
			continue
		}
		streams := vectorStreams(t, path, pl)
		for key, w := range want {
			v := streams[key]
			if v == nil {
				continue // UDP (QUIC) or not reassembled as a client→server stream
			}
			c := fingerprintStream(v)
			var got [2][]string
			for _, h := range c.hellos {
				got[0] = append(got[0], h.ja3)
			}
			if in := c.Info(); in.JA3S != "" {
				got[1] = append(got[1], in.JA3S)
			}
			for i, label := range []string{"JA3", "JA3S"} {
				if len(w[i]) == 0 {
					continue
				}
				total++
				// Conn fingerprints the first ServerHello only.
				wi := w[i]
				if i == 1 {
					wi = wi[:1]
				}
				if strings.Join(got[i], " ") == strings.Join(wi, " ") {
					ok++
				} else {
					t.Errorf("%s %s %s: got %v want %v", name, key, label, got[i], wi)
				}
			}
		}
	}
	t.Logf("JA3/JA3S: %d/%d streams equal to tshark's", ok, total)
}

// tsharkJA3 returns tshark's JA3 (client→server key) and JA3S values per
// TCP stream, in order.
func tsharkJA3(t *testing.T, path string) map[string][2][]string {
	t.Helper()
	out, err := exec.Command("tshark", "-r", path, "-Y", "tcp && (tls.handshake.type==1 || tls.handshake.type==2)",
		"-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,",
		"-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport",
		"-e", "tls.handshake.ja3", "-e", "tls.handshake.ja3s").Output()
	if err != nil {
		t.Fatalf("tshark %s: %v", path, err)
	}
	m := map[string][2][]string{}
	for _, line := range strings.Split(string(bytes.TrimSpace(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 8 {
			continue
		}
		src, dst := f[0]+f[1], f[3]+f[4]
		var sp, dp uint16
		fmt.Sscan(f[2], &sp)
		fmt.Sscan(f[5], &dp)
		if f[6] != "" {
			k := streamKey(src, sp, dst, dp)
			e := m[k]
			e[0] = append(e[0], strings.Split(f[6], ",")...)
			m[k] = e
		}
		if f[7] != "" {
			k := streamKey(dst, dp, src, sp)
			e := m[k]
			e[1] = append(e[1], strings.Split(f[7], ",")...)
			m[k] = e
		}
	}
	return m
}
