package dissect

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/imapscope/imapscope/internal/golden"
	"github.com/imapscope/imapscope/report"
)

// This file is the one harness every dissect test feeds a session with
// (package dissect_test uses the exported names). A conversation is a list
// of Segments in capture order; a Splitter cuts each segment into Feed
// calls. Segment i is captured at SegmentTime(i) and every piece of it is
// fed with that time, so reports of different cuttings of the same
// conversation must be identical byte for byte (CheckSplitInvariance).

// Segment is what one peer sent in one go, in capture order.
type Segment struct {
	Dir  Direction
	Data []byte
}

// t0 is the capture time tests start at.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// SegmentTime is the capture time of segment i: a millisecond per segment.
func SegmentTime(i int) time.Time { return t0.Add(time.Duration(i+1) * time.Millisecond) }

// A Splitter returns the sizes of the pieces segment i (n bytes long) is
// fed in; nil or an empty result feeds it whole. Sizes past n are cut off.
type Splitter func(i, n int) []int

// ByteAtATime feeds every segment one byte per Feed.
func ByteAtATime(_, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = 1
	}
	return out
}

// Chunks feeds every segment in pieces of size bytes (0: whole).
func Chunks(size int) Splitter {
	if size <= 0 {
		return nil
	}
	return func(_, n int) []int {
		var out []int
		for ; n > 0; n -= size {
			out = append(out, min(size, n))
		}
		return out
	}
}

// SplitAt feeds segment seg in two pieces, cut before byte k, and every
// other segment whole.
func SplitAt(seg, k int) Splitter {
	return func(i, n int) []int {
		if i != seg {
			return nil
		}
		return []int{k, n - k}
	}
}

// RandomSplits cuts every segment at random points (pieces of 1 to 64
// bytes), the same for the same seed.
func RandomSplits(seed uint64) Splitter {
	r := rand.New(rand.NewPCG(seed, seed>>1|1))
	return func(_, n int) []int {
		var out []int
		for n > 0 {
			k := min(1+r.IntN(64), n)
			out = append(out, k)
			n -= k
		}
		return out
	}
}

// CycledCuts cuts every segment into pieces of b+1 bytes for each byte b of
// cuts in turn, cycling (no cuts: one byte at a time); the fuzz target's.
func CycledCuts(cuts []byte) Splitter {
	if len(cuts) == 0 {
		return ByteAtATime
	}
	k := 0
	return func(_, n int) []int {
		var out []int
		for n > 0 {
			p := min(int(cuts[k%len(cuts)])+1, n)
			k++
			out = append(out, p)
			n -= p
		}
		return out
	}
}

// Feeder feeds a conversation to a new session.
type Feeder struct {
	Opts  Options
	Split Splitter
	Sink  Sink
	// GapAfter, if set, is asked after every piece whether to report a gap
	// of the returned size after it (0: none).
	GapAfter func(seg, piece int) int
}

// Run feeds segs and returns the closed report.
func (fd Feeder) Run(segs []Segment) *report.Session {
	s := NewSession(&report.Session{ID: 1, Client: "192.0.2.1:40000", Server: "192.0.2.2:143"}, fd.Opts, fd.Sink)
	for i, sg := range segs {
		ts := SegmentTime(i)
		var sizes []int
		if fd.Split != nil {
			sizes = fd.Split(i, len(sg.Data))
		}
		if len(sizes) == 0 {
			sizes = []int{len(sg.Data)}
		}
		p := sg.Data
		for j, k := range sizes {
			k = min(max(k, 0), len(p))
			s.Feed(sg.Dir, ts, p[:k])
			p = p[k:]
			if fd.GapAfter != nil {
				if n := fd.GapAfter(i, j); n != 0 {
					s.Gap(sg.Dir, ts, n)
				}
			}
		}
		if len(p) > 0 {
			s.Feed(sg.Dir, ts, p)
		}
	}
	return s.Close(SegmentTime(len(segs)), true)
}

// FeedScript feeds segs with opts, cut by split.
func FeedScript(segs []Segment, opts Options, split Splitter) *report.Session {
	return Feeder{Opts: opts, Split: split}.Run(segs)
}

// ReportJSON renders a report for comparison.
func ReportJSON(t testing.TB, rs *report.Session) string {
	t.Helper()
	b, err := json.MarshalIndent(rs, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// randomSplitRounds is how many random cuttings CheckSplitInvariance tries.
const randomSplitRounds = 20

// CheckSplitInvariance feeds segs whole, one byte at a time, split in two
// at every point of every segment, and cut at random, and fails unless
// every report is identical to the whole one, which it returns.
func CheckSplitInvariance(t testing.TB, segs []Segment, opts Options) *report.Session {
	t.Helper()
	whole := FeedScript(segs, opts, nil)
	want := ReportJSON(t, whole)
	check := func(what string, split Splitter) bool {
		t.Helper()
		if got := ReportJSON(t, FeedScript(segs, opts, split)); got != want {
			t.Errorf("%s differs from whole segments:\n%s", what, golden.Diff(want, got))
			return false
		}
		return true
	}
	if !check("one byte at a time", ByteAtATime) {
		return whole
	}
	for i, sg := range segs {
		for k := 1; k < len(sg.Data); k++ {
			if !check("segment "+itoa(i)+" split at "+itoa(k), SplitAt(i, k)) {
				return whole
			}
		}
	}
	for seed := uint64(1); seed <= randomSplitRounds; seed++ {
		if !check("random splits, seed "+itoa(int(seed)), RandomSplits(seed)) {
			return whole
		}
	}
	return whole
}
