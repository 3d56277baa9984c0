package tlsdecrypt

import (
	"os"
	"testing"
)

// TestReadPcapngSecrets reads the key log editcap embedded in
// pcaps/tls/dsb.pcapng (a real capture, see pcaps/tls/MANIFEST.md).
func TestReadPcapngSecrets(t *testing.T) {
	f, err := os.Open("../pcaps/tls/dsb.pcapng")
	if err != nil {
		t.Skipf("pcaps/tls/dsb.pcapng not available: %v", err)
	}
	defer f.Close()
	k := NewKeyLog()
	n, err := ReadPcapngSecrets(f, k)
	if err != nil || n == 0 || k.Len() == 0 || k.Stats().Malformed != 0 {
		t.Fatalf("blocks %d, err %v, stats %+v", n, err, k.Stats())
	}
	g, _ := os.Open("../pcaps/tls/hrr.pcap") // classic pcap: nothing, no error
	defer g.Close()
	if n, err := ReadPcapngSecrets(g, NewKeyLog()); n != 0 || err != nil {
		t.Fatalf("pcap: %d %v", n, err)
	}
}
