package pcapmangle

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
)

func readPcap(t *testing.T, b []byte) (n int, err error) {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("output header: %v", err)
	}
	for {
		_, _, err := r.ReadPacketData()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
		n++
	}
}

func sample(t *testing.T) []byte {
	b, err := os.ReadFile("../../pcaps/dovecot/idle.pcap")
	if err != nil {
		t.Skip(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	in := sample(t)
	c, err := parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.encode(), in) {
		t.Fatal("parse+encode changed the file")
	}
	if _, err := parse([]byte("not a pcap at all, sorry")); !errors.Is(err, ErrNotPcap) {
		t.Fatalf("err = %v", err)
	}
}

func TestFaults(t *testing.T) {
	in := sample(t)
	c, _ := parse(in)
	n := len(c.recs)
	for _, k := range Kinds() {
		t.Run(k.String(), func(t *testing.T) {
			f := Fault{Kind: k, Rate: 0.2, Skip: 3}
			a, ra, err := Mangle(in, f, 42)
			if err != nil {
				t.Fatal(err)
			}
			b, rb, _ := Mangle(in, f, 42)
			if !bytes.Equal(a, b) || !slices.Equal(ra.Affected, rb.Affected) {
				t.Fatal("not deterministic")
			}
			if len(ra.Affected) == 0 {
				t.Fatal("nothing affected")
			}
			if ra.Affected[0] < 3 || !slices.IsSorted(ra.Affected) {
				t.Fatalf("affected %v", ra.Affected)
			}
			got, rerr := readPcap(t, a)
			switch k {
			case Drop:
				if got != n-len(ra.Affected) || rerr != nil {
					t.Fatalf("read %d (%v), want %d", got, rerr, n-len(ra.Affected))
				}
			case Duplicate:
				if got != n+len(ra.Affected) || rerr != nil {
					t.Fatalf("read %d (%v)", got, rerr)
				}
			case Reorder, Snaplen, Corrupt:
				if got != n || rerr != nil {
					t.Fatalf("read %d (%v)", got, rerr)
				}
			case Truncate, BadRecord:
				if rerr == nil || got != ra.Written || !ra.Truncated {
					t.Fatalf("read %d (%v), written %d", got, rerr, ra.Written)
				}
			}
			t.Logf("%s: %d/%d affected", k, len(ra.Affected), n)
		})
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range Kinds() {
		if g, err := ParseKind(k.String()); err != nil || g != k {
			t.Errorf("%v: %v %v", k, g, err)
		}
	}
	if _, err := ParseKind("nope"); err == nil {
		t.Error("unknown kind accepted")
	}
}
