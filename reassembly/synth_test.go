package reassembly

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// synthOpts shapes a synthetic multi-connection capture.
type synthOpts struct {
	conns, exchanges int
	maxBody          int     // largest server response body
	disorder         float64 // probability a segment pair is swapped
	loss             float64 // probability a data segment is dropped
	dup              float64 // probability a segment is sent twice
	seed             uint64
}

// synth builds a capture of interleaved IMAP-like connections over Ethernet.
func synth(t testing.TB, o synthOpts) *capture {
	rng := rand.New(rand.NewPCG(o.seed, 7))
	cp := newCapture(t, layers.LinkTypeEthernet)
	type state struct {
		k    *conn
		segs []seg
		next int
	}
	const mss = 1460
	var all []*state
	for i := 0; i < o.conns; i++ {
		k := cp.conn(fmt.Sprintf("10.1.%d.%d", i/250, i%250+1), "10.0.0.2", uint16(20000+i), 143)
		if i%7 == 3 {
			k.cli = net.ParseIP(fmt.Sprintf("2001:db8::%x", i+1))
			k.srv = net.ParseIP("2001:db8::2")
		}
		k.cisn = rng.Uint32()
		k.sisn = rng.Uint32()
		var segs []seg
		midStream := i%5 == 4
		if !midStream {
			segs = append(segs, handshake()...)
		}
		coff, soff := 0, 0
		send := func(client bool, data string) {
			for len(data) > 0 {
				n := min(len(data), mss)
				s := seg{client: client, flags: "PA", payload: data[:n]}
				if client {
					s.off = coff
					coff += n
				} else {
					s.off = soff
					soff += n
				}
				data = data[n:]
				if rng.Float64() < o.loss {
					continue
				}
				segs = append(segs, s)
				if rng.Float64() < o.dup {
					segs = append(segs, s)
				}
			}
		}
		send(false, "* OK ready\r\n")
		for x := 0; x < o.exchanges; x++ {
			tag := fmt.Sprintf("a%d", x)
			send(true, tag+" FETCH 1 BODY[]\r\n")
			body := strings.Repeat(string(rune('a'+x%26)), rng.IntN(o.maxBody+1))
			send(false, fmt.Sprintf("* 1 FETCH (BODY[] {%d}\r\n%s)\r\n%s OK\r\n", len(body), body, tag))
		}
		for j := 0; j+1 < len(segs); j++ {
			if rng.Float64() < o.disorder {
				segs[j], segs[j+1] = segs[j+1], segs[j]
				j++
			}
		}
		switch i % 4 {
		case 0, 1:
			segs = append(segs, seg{client: true, flags: "FA", off: coff}, seg{flags: "FA", off: soff})
		case 2:
			segs = append(segs, seg{client: true, flags: "RA", off: coff})
		}
		all = append(all, &state{k: k, segs: segs})
	}
	for live := len(all); live > 0; {
		s := all[rng.IntN(len(all))]
		if s.next == len(s.segs) {
			continue
		}
		sg := s.segs[s.next]
		sg.gap = time.Duration(rng.IntN(2000)) * time.Microsecond
		cp.addSeg(s.k, sg)
		s.next++
		if s.next == len(s.segs) {
			live--
		}
	}
	return cp
}

func TestWorkerDeterminism(t *testing.T) {
	cp := synth(t, synthOpts{conns: 60, exchanges: 6, maxBody: 5000, disorder: 0.05, loss: 0.02, dup: 0.02, seed: 1})
	file := cp.pcap()
	var want string
	for _, w := range []int{1, 2, 4, 7} {
		f, st, err := runBytes(t, file, Options{Workers: w, PageTimeout: time.Millisecond * 50, FlushInterval: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		got := f.summary()
		if len(f.conns) != 60 {
			t.Fatalf("workers=%d: %d conns", w, len(f.conns))
		}
		if st.Gaps == 0 || st.MidStream == 0 {
			t.Errorf("workers=%d: synthetic capture should have gaps and mid-stream starts: %+v", w, st)
		}
		if w == 1 {
			want = got
			continue
		}
		if got != want {
			t.Errorf("workers=%d output differs from workers=1", w)
			a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
			for i := range min(len(a), len(b)) {
				if a[i] != b[i] {
					t.Logf("first difference, line %d:\n1: %.200s\n%d: %.200s", i, a[i], w, b[i])
					break
				}
			}
		}
	}
}

func TestSynthContent(t *testing.T) {
	// Without loss, every connection delivers exactly what was sent.
	cp := synth(t, synthOpts{conns: 20, exchanges: 4, maxBody: 4000, disorder: 0.1, dup: 0.05, seed: 2})
	f, st, err := runBytes(t, cp.pcap(), Options{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if st.Gaps != 0 {
		t.Errorf("gaps without loss: %d", st.Gaps)
	}
	for _, c := range f.conns {
		cs, ss := c.stream(FromClient), c.stream(FromServer)
		cs = strings.TrimPrefix(cs, "<gap -1>")
		ss = strings.TrimPrefix(ss, "<gap -1>")
		if !strings.HasPrefix(ss, "* OK ready\r\n") || !strings.HasSuffix(ss, "a3 OK\r\n") {
			t.Errorf("%v: server stream %.60q...%.40q", c.info.Client, ss, ss[max(0, len(ss)-40):])
		}
		if strings.Count(cs, " FETCH 1 BODY[]\r\n") != 4 || strings.Contains(cs, "<gap") {
			t.Errorf("%v: client stream %q", c.info.Client, cs)
		}
	}
}
