package reassembly

import (
	"testing"
	"time"
)

// TestDefragBounded: a flood of datagrams that never complete keeps at most
// maxFragDatagrams datagrams and maxFragBytes bytes, and every fragment
// dropped is counted.
func TestDefragBounded(t *testing.T) {
	var df defragmenter
	var st Stats
	ts := time.Unix(1e9, 0)
	payload := make([]byte, 1400)
	const n = 5000
	for i := range n {
		f := fragment{key: fragKey{id: uint32(i), proto: 6}, more: true, header: make([]byte, 20), data: payload}
		if out := df.add(f, ts, &st); out != nil {
			t.Fatal("an incomplete datagram was built")
		}
		if len(df.m) > maxFragDatagrams || df.bytes > maxFragBytes {
			t.Fatalf("after %d fragments: %d datagrams, %d bytes held", i+1, len(df.m), df.bytes)
		}
	}
	df.expire(ts.Add(time.Hour), &st)
	if st.Skip.FragmentsNotReassembled != n || len(df.m) != 0 || df.bytes != 0 {
		t.Errorf("dropped %d of %d; %d datagrams, %d bytes left", st.Skip.FragmentsNotReassembled, n, len(df.m), df.bytes)
	}
}

// TestDefragOverlapAndRepeat: an exact repeat is ignored; an overlap with
// different bytes drops the datagram.
func TestDefragOverlapAndRepeat(t *testing.T) {
	var df defragmenter
	var st Stats
	ts := time.Unix(1e9, 0)
	k := fragKey{id: 1, proto: 6}
	h := make([]byte, 20)
	a := fragment{key: k, more: true, header: h, data: []byte("abcdefgh")}
	df.add(a, ts, &st)
	df.add(a, ts, &st) // repeat
	if len(df.m) != 1 || st.FragmentOverlaps != 0 {
		t.Fatalf("repeat: %d datagrams, %d overlaps", len(df.m), st.FragmentOverlaps)
	}
	b := fragment{key: k, off: 0, more: true, header: h, data: []byte("abcdXXXX")}
	df.add(b, ts, &st)
	if len(df.m) != 0 || st.FragmentOverlaps != 1 || st.Skip.FragmentsNotReassembled != 2 {
		t.Errorf("overlap: %d datagrams, %d overlaps, %d dropped", len(df.m), st.FragmentOverlaps, st.Skip.FragmentsNotReassembled)
	}
	last := fragment{key: k, off: 8, header: h, data: []byte("xyz")}
	df.add(fragment{key: k, more: true, header: h, data: []byte("abcdefgh")}, ts, &st)
	if out := df.add(last, ts, &st); len(out) != 20+11 || string(out[20:]) != "abcdefghxyz" {
		t.Errorf("built %q", out)
	}
}
