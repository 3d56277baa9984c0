package pcapmangle

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Kind names one fault.
type Kind uint8

const (
	// Drop removes packets (a capture that missed them).
	Drop Kind = iota + 1
	// Duplicate writes packets twice in a row, the copy right after the
	// original with the same timestamp (a capture that saw a retransmission).
	Duplicate
	// Reorder shuffles packets within windows of Fault.Window packets. The
	// timestamps stay with the positions, so time remains monotonic and
	// only the packet order changes (out-of-order arrival at the tap).
	Reorder
	// Truncate cuts the file inside one record, as a capture killed mid-write.
	Truncate
	// Snaplen cuts packets to Fault.SnapLen captured bytes (caplen < len).
	Snaplen
	// Corrupt overwrites 1 to 3 random bytes of packet data (record headers
	// are left intact, so the file stays readable).
	Corrupt
	// BadRecord gives one record an impossible captured length, so that a
	// reader has to stop there (a corrupt file rather than a short one).
	BadRecord
)

var kindNames = []string{Drop: "drop", Duplicate: "dup", Reorder: "reorder", Truncate: "truncate",
	Snaplen: "snaplen", Corrupt: "corrupt", BadRecord: "badrecord"}

// String returns the fault's short name ("drop", "dup", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Kinds lists every fault kind, in order.
func Kinds() []Kind { return []Kind{Drop, Duplicate, Reorder, Truncate, Snaplen, Corrupt, BadRecord} }

// ParseKind returns the Kind named s.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if strings.EqualFold(s, k.String()) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("pcapmangle: unknown fault %q", s)
}

// Defaults used for zero Fault fields.
const (
	// DefaultRate is the fraction of packets a per-packet fault touches.
	DefaultRate = 0.05
	// DefaultWindow is the reorder window in packets.
	DefaultWindow = 4
	// DefaultSnapLen keeps Ethernet, IPv4 and TCP headers and a few payload bytes.
	DefaultSnapLen = 80
)

// Fault describes the damage to do. Zero fields take the defaults.
type Fault struct {
	Kind Kind
	// Rate is the probability that a packet is touched (Drop, Duplicate,
	// Snaplen, Corrupt) or that a window is shuffled (Reorder).
	Rate float64
	// Window is the reorder window in packets (at least 2).
	Window int
	// SnapLen is the captured length kept by Snaplen.
	SnapLen int
	// Skip exempts the first Skip packets from per-packet faults and from
	// the position of Truncate and BadRecord.
	Skip int
}

func (f Fault) withDefaults() Fault {
	if f.Rate <= 0 {
		f.Rate = DefaultRate
	}
	if f.Rate > 1 {
		f.Rate = 1
	}
	if f.Window < 2 {
		f.Window = DefaultWindow
	}
	if f.SnapLen <= 0 {
		f.SnapLen = DefaultSnapLen
	}
	if f.Skip < 0 {
		f.Skip = 0
	}
	return f
}

// Report says what Mangle did. Packet indices are 0-based positions of
// records in the input file.
type Report struct {
	Fault string `json:"fault"`
	Seed  uint64 `json:"seed"`
	// Packets is the number of records in the input, Written in the output
	// (complete records only).
	Packets int `json:"packets"`
	Written int `json:"written"`
	// Affected lists the input packets that were dropped, duplicated, moved,
	// cut, corrupted or lost to truncation, ascending.
	Affected []int `json:"affected"`
	// CutOffset is the output file length for Truncate (0 otherwise).
	CutOffset int `json:"cut_offset,omitempty"`
	// Truncated is true when the output ends inside a record or has an
	// unreadable record (Truncate, BadRecord).
	Truncated bool `json:"truncated"`
}

// Mangle returns a damaged copy of the classic pcap file in. The same input,
// fault and seed always give the same output. in is not modified.
func Mangle(in []byte, f Fault, seed uint64) ([]byte, Report, error) {
	c, err := parse(in)
	if err != nil {
		return nil, Report{}, err
	}
	f = f.withDefaults()
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15^uint64(f.Kind)))
	rep := Report{Fault: f.Kind.String(), Seed: seed, Packets: len(c.recs), Affected: []int{}}
	n := len(c.recs)
	eligible := func(i int) bool { return i >= f.Skip }
	var out []record
	switch f.Kind {
	case Drop:
		for i, r := range c.recs {
			if eligible(i) && rng.Float64() < f.Rate {
				rep.Affected = append(rep.Affected, i)
				continue
			}
			out = append(out, r)
		}
	case Duplicate:
		for i, r := range c.recs {
			out = append(out, r)
			if eligible(i) && rng.Float64() < f.Rate {
				rep.Affected = append(rep.Affected, i)
				out = append(out, r)
			}
		}
	case Reorder:
		out = slices.Clone(c.recs)
		for start := f.Skip; start+1 < n; start += f.Window {
			end := min(start+f.Window, n)
			if rng.Float64() >= f.Rate {
				continue
			}
			idx := make([]int, end-start)
			for j := range idx {
				idx[j] = start + j
			}
			rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
			for j, src := range idx {
				pos := start + j
				if src != pos {
					rep.Affected = append(rep.Affected, src)
				}
				// The packet moves; the timestamp stays with the position.
				out[pos] = record{sec: c.recs[pos].sec, frac: c.recs[pos].frac, origLen: c.recs[src].origLen, data: c.recs[src].data}
			}
		}
		slices.Sort(rep.Affected)
	case Snaplen:
		for i, r := range c.recs {
			if eligible(i) && len(r.data) > f.SnapLen && rng.Float64() < f.Rate {
				rep.Affected = append(rep.Affected, i)
				r.data = r.data[:f.SnapLen]
			}
			out = append(out, r)
		}
	case Corrupt:
		for i, r := range c.recs {
			if eligible(i) && len(r.data) > 0 && rng.Float64() < f.Rate {
				rep.Affected = append(rep.Affected, i)
				r.data = slices.Clone(r.data)
				for k := 1 + rng.IntN(3); k > 0; k-- {
					j := rng.IntN(len(r.data))
					r.data[j] ^= byte(1 + rng.IntN(255))
				}
			}
			out = append(out, r)
		}
	case Truncate, BadRecord:
		return c.cut(f, rng, rep)
	default:
		return nil, Report{}, fmt.Errorf("pcapmangle: unknown fault %v", f.Kind)
	}
	c.recs = out
	rep.Written = len(out)
	return c.encode(), rep, nil
}

// cut implements Truncate and BadRecord: one record at or after Skip is
// damaged and every record from it on is lost to a reader.
func (c *capture) cut(f Fault, rng *rand.Rand, rep Report) ([]byte, Report, error) {
	n := len(c.recs)
	if n == 0 {
		return c.encode(), rep, nil
	}
	lo := min(f.Skip, n-1)
	k := lo + rng.IntN(n-lo)
	for i := k; i < n; i++ {
		rep.Affected = append(rep.Affected, i)
	}
	rep.Truncated = true
	rep.Written = k
	kept := c.recs[:k]
	whole := &capture{order: c.order, header: c.header, recs: kept}
	out := whole.encode()
	r := &c.recs[k]
	if f.Kind == BadRecord {
		// A captured length no snap length allows; the data follows as before.
		out = c.appendRecord(out, r, 0x7ffffff0)
		for i := k + 1; i < n; i++ {
			out = c.appendRecord(out, &c.recs[i], uint32(len(c.recs[i].data)))
		}
		return out, rep, nil
	}
	// Keep at least one byte of record k and lose at least one.
	full := c.appendRecord(nil, r, uint32(len(r.data)))
	keep := 1 + rng.IntN(len(full)-1)
	out = append(out, full[:keep]...)
	rep.CutOffset = len(out)
	return out, rep, nil
}
