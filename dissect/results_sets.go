package dissect

import "strconv"

// uidRange is a run of UIDs, lo through hi.
type uidRange struct{ lo, hi int64 }

// maxUIDRanges bounds the runs kept per transaction: a FETCH of scattered
// UIDs past this many runs keeps the first ones and says the set was cut.
const maxUIDRanges = 256

// uidSet collects the UIDs of a command's FETCH responses as sorted,
// disjoint, non-adjacent runs. Ascending UIDs, the usual case, only
// extend the last run; the first runs live inside the set.
type uidSet struct {
	r   []uidRange
	arr [4]uidRange
	cut bool // a UID was not kept (too many runs)
}

// add inserts u (> 0) into the set.
func (us *uidSet) add(u int64) {
	if us.r == nil {
		us.r = us.arr[:0]
	}
	n := len(us.r)
	if n > 0 {
		last := &us.r[n-1]
		switch {
		case u >= last.lo && u <= last.hi:
			return
		case u == last.hi+1:
			last.hi = u
			return
		case u > last.hi+1:
			us.insert(n, u)
			return
		}
	}
	// Out of order: find the first run that ends at or after u-1.
	i := 0
	for i < n && us.r[i].hi+1 < u {
		i++
	}
	switch {
	case i < n && u >= us.r[i].lo && u <= us.r[i].hi:
	case i < n && u == us.r[i].hi+1:
		us.r[i].hi = u
		if i+1 < n && us.r[i+1].lo == u+1 {
			us.r[i].hi = us.r[i+1].hi
			us.r = append(us.r[:i+1], us.r[i+2:]...)
		}
	case i < n && u+1 == us.r[i].lo:
		us.r[i].lo = u
	default:
		us.insert(i, u)
	}
}

// insert adds the run u:u at index i, unless the set is full.
func (us *uidSet) insert(i int, u int64) {
	if len(us.r) >= maxUIDRanges {
		us.cut = true
		return
	}
	us.r = append(us.r, uidRange{})
	copy(us.r[i+1:], us.r[i:])
	us.r[i] = uidRange{u, u}
}

// appendTo renders the set in IMAP sequence-set syntax ("1:5,9"); a cut
// set ends with ",…".
func (us *uidSet) appendTo(b []byte) []byte {
	for i, r := range us.r {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, r.lo, 10)
		if r.hi != r.lo {
			b = append(b, ':')
			b = strconv.AppendInt(b, r.hi, 10)
		}
	}
	if us.cut {
		b = append(b, ",…"...)
	}
	return b
}

// maxNumberDigits is the longest decimal number believed (int64 range).
const maxNumberDigits = 18

// parseNum parses a decimal number of at most maxNumberDigits digits.
func parseNum(p []byte) (int64, bool) {
	if len(p) == 0 || len(p) > maxNumberDigits {
		return 0, false
	}
	var n int64
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// setStats describes an IMAP sequence set as sent in a response
// ("1:5,9"): how many numbers it holds, and its lowest and highest.
type setStats struct {
	n, min, max int64
}

// parseSet reads a sequence set made of numbers, ranges (either way
// round) and commas; ok is false for anything else (such as "*").
func parseSet(p []byte) (st setStats, ok bool) {
	for len(p) > 0 {
		i := 0
		for i < len(p) && p[i] != ',' {
			i++
		}
		part := p[:i]
		if i < len(p) {
			p = p[i+1:]
		} else {
			p = nil
		}
		lo, hi, ok := parseRange(part)
		if !ok {
			return setStats{}, false
		}
		if st.n == 0 || lo < st.min {
			st.min = lo
		}
		if hi > st.max {
			st.max = hi
		}
		st.n += hi - lo + 1
	}
	return st, st.n > 0
}

// parseRange reads "n" or "a:b" (a and b in either order).
func parseRange(p []byte) (lo, hi int64, ok bool) {
	for i, c := range p {
		if c == ':' {
			a, ok1 := parseNum(p[:i])
			b, ok2 := parseNum(p[i+1:])
			if !ok1 || !ok2 {
				return 0, 0, false
			}
			return min(a, b), max(a, b), true
		}
	}
	n, ok := parseNum(p)
	return n, n, ok
}
