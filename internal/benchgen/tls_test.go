package benchgen

import (
	"bytes"
	"strings"
	"testing"
)

// TestTLSMode: a TLSOn capture has the requested TLS 1.2 share, a key log
// with the secrets of every session, the same structure from run to run
// (sizes and packet counts; crypto/tls's randoms differ), and the same
// commands as its TLSTwin; TLSOff is untouched by the TLS options.
func TestTLSMode(t *testing.T) {
	o := Options{Sessions: 16, Seed: 5, Concurrency: 6, TLS12Share: 0.5}
	var kl, kl2 bytes.Buffer
	on, off, twin := o, o, o
	on.TLS, on.KeyLog = TLSOn, &kl
	a, sa, err := Capture(on)
	if err != nil {
		t.Fatal(err)
	}
	on.KeyLog = &kl2
	b, sb, err := Capture(on)
	if err != nil {
		t.Fatal(err)
	}
	if sa.TLSSessions != 16 || sa.TLS12Sessions == 0 || sa.TLS12Sessions == 16 {
		t.Errorf("TLS sessions %d, TLS 1.2 %d", sa.TLSSessions, sa.TLS12Sessions)
	}
	if len(a) != len(b) || sa.Packets != sb.Packets || sa.Last != sb.Last || bytes.Equal(a, b) {
		t.Errorf("two runs: %d/%d bytes, %d/%d packets, identical %v", len(a), len(b), sa.Packets, sb.Packets, bytes.Equal(a, b))
	}
	lines := strings.Split(strings.TrimSpace(kl.String()), "\n")
	count := map[string]int{}
	for _, l := range lines {
		count[strings.Fields(l)[0]]++
	}
	if count["CLIENT_RANDOM"] != sa.TLS12Sessions || count["CLIENT_TRAFFIC_SECRET_0"] != 16-sa.TLS12Sessions ||
		count["SERVER_HANDSHAKE_TRAFFIC_SECRET"] != 16-sa.TLS12Sessions {
		t.Errorf("key log labels %v for %d TLS 1.2 sessions of 16", count, sa.TLS12Sessions)
	}
	if bytes.Contains(a, []byte("LOGIN")) || bytes.Contains(a, []byte("* OK")) {
		t.Error("clear IMAP in the TLS capture")
	}
	twin.TLS = TLSTwin
	_, st, err := Capture(twin)
	if err != nil {
		t.Fatal(err)
	}
	if st.Commands != sa.Commands || st.Literals != sa.Literals || st.LiteralBytes != sa.LiteralBytes || st.TLSSessions != 0 {
		t.Errorf("twin %+v, TLS %+v", st, sa)
	}
	c1, _, _ := Capture(off)
	off.KeyLog, off.TLS12Share = &kl, 0.9
	c2, _, _ := Capture(off)
	if !bytes.Equal(c1, c2) || bytes.Contains(c1, []byte{0x16, 0x03, 0x01}) {
		t.Error("TLS options changed a TLSOff capture")
	}
}
