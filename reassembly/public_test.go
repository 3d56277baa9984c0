package reassembly

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// publicDir holds the shared public captures; the repository is cloned as a
// sibling of shared/.
const publicDir = "../../shared/pcaps/public"

func publicCapture(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(publicDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("public capture %s not available (%v): these tests need ../shared/pcaps/public beside the repository", p, err)
	}
	return p
}

func runPublic(t *testing.T, name string, opts Options) (*recFactory, Stats) {
	t.Helper()
	f := &recFactory{}
	st, err := Run(context.Background(), []string{publicCapture(t, name)}, opts, f)
	if err != nil {
		t.Fatal(err)
	}
	if st.Damage != "" || st.Panics != 0 {
		t.Errorf("%s: damage %q panics %d", name, st.Damage, st.Panics)
	}
	for _, c := range f.conns {
		if n, _ := c.ends(); n != 1 {
			t.Errorf("%s: conn %d ended %d times", name, c.info.Seq, n)
		}
	}
	return f, st
}

func TestPublicCaptures(t *testing.T) {
	entries, err := os.ReadDir(publicDir)
	if err != nil {
		t.Skipf("public captures not available (%v): need ../shared/pcaps/public beside the repository", err)
	}
	n := 0
	for _, e := range entries {
		if !strings.Contains(e.Name(), ".pcap") {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			for _, w := range []int{1, 3} {
				f, st := runPublic(t, e.Name(), Options{Workers: w, Ports: []uint16{143, 220, 993}})
				if len(f.conns) == 0 || st.IMAPPackets == 0 {
					t.Errorf("workers=%d: no IMAP connection: %+v", w, st)
				}
				for _, c := range f.conns {
					if len(c.events) < 2 {
						t.Errorf("workers=%d: conn %v has no data", w, c.info.Client)
					}
				}
			}
		})
	}
	if n == 0 {
		t.Skip("no public captures found")
	}
}

func TestPublicArkime(t *testing.T) {
	f, st := runPublic(t, "arkime_imap.pcap", Options{Workers: 1})
	if len(f.conns) != 1 {
		t.Fatalf("%d IMAP conns, want 1", len(f.conns))
	}
	c := f.conns[0]
	srv := c.stream(FromServer)
	if c.info.Server.Port() != 143 || !strings.HasPrefix(srv, "* OK") {
		t.Errorf("server %v, stream starts %.40q", c.info.Server, srv)
	}
	if strings.Contains(srv, "<gap") || strings.Contains(c.stream(FromClient), "<gap") {
		t.Errorf("unexpected gap: retransmissions must not become gaps")
	}
	if !strings.Contains(c.stream(FromClient), "LOGIN") {
		t.Errorf("client stream has no LOGIN: %.200q", c.stream(FromClient))
	}
	if st.Skipped == 0 {
		t.Error("the unrelated noise should be skipped")
	}
}

func TestPublicNDPIImaps(t *testing.T) {
	f, _ := runPublic(t, "nDPI_imaps.pcap", Options{Workers: 1, Ports: []uint16{993}})
	if len(f.conns) != 2 {
		t.Fatalf("%d conns on 993, want 2", len(f.conns))
	}
	for _, c := range f.conns {
		if c.info.Server.Port() != 993 {
			t.Errorf("server %v", c.info.Server)
		}
		// TLS handshake record: content type 22, version 3.x.
		if cs := c.stream(FromClient); len(cs) < 3 || cs[0] != 0x16 || cs[1] != 3 {
			t.Errorf("client stream does not start with a TLS handshake: %.10q", cs)
		}
	}
	// Default ports include 993 (implicit TLS): the same two connections.
	f, _ = runPublic(t, "nDPI_imaps.pcap", Options{Workers: 1})
	if len(f.conns) != 2 {
		t.Errorf("%d conns with default ports, want 2", len(f.conns))
	}
	// Ports that exclude 993: nothing.
	f, _ = runPublic(t, "nDPI_imaps.pcap", Options{Workers: 1, Ports: []uint16{143}})
	if len(f.conns) != 0 {
		t.Errorf("%d conns on 143 only", len(f.conns))
	}
}

func TestPublicNanosecondAndStartTLS(t *testing.T) {
	f, _ := runPublic(t, "protolens_imap_fetch.pcap", Options{Workers: 1})
	if len(f.conns) != 1 || !strings.HasPrefix(f.conns[0].stream(FromServer), "* OK") {
		t.Fatalf("protolens:\n%.500s", f.summary())
	}
	// Data timestamps are capture times: never before the start, and never
	// going backwards within a direction.
	last := [2]time.Time{f.conns[0].info.Start, f.conns[0].info.Start}
	for _, e := range f.conns[0].events {
		if e.kind == 'D' {
			if e.ts.Before(last[e.dir]) {
				t.Errorf("ts went backwards: %v < %v", e.ts, last[e.dir])
			}
			last[e.dir] = e.ts
		}
	}
	// A nanosecond-resolution pcap keeps its nanoseconds.
	if f.conns[0].info.Start.Nanosecond()%1000 == 0 {
		t.Errorf("start %v lost nanosecond resolution", f.conns[0].info.Start)
	}
	f, _ = runPublic(t, "zeek_imap-starttls.pcap", Options{Workers: 1})
	if len(f.conns) != 1 || !strings.Contains(f.conns[0].stream(FromClient), "STARTTLS") {
		t.Fatalf("zeek:\n%.500s", f.summary())
	}
}
