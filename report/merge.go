package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Merge combines reports (from several sensors or files) into one: sessions
// concatenated, a session whose uid was already seen dropped (the same
// connection in two reports: the first is kept), ordered by start time
// (sessions without one last; ties keep the order of the reports and of
// their sessions) and renumbered from 1;
// inputs concatenated in the order given; capture statistics summed (damage
// texts joined). Tool is left empty for the caller; Stats is not carried over
// (recompute it with ComputeStats on the result). The inputs are not modified:
// sessions are shallow copies.
func Merge(reps ...*Report) (*Report, error) {
	out := &Report{Inputs: []string{}, Sessions: []*Session{}}
	var capture *CaptureStats
	var damage []string
	seen := map[string]bool{}
	for i, r := range reps {
		if r == nil {
			return nil, fmt.Errorf("report: merge: report %d: %w", i, ErrNilReport)
		}
		out.Inputs = append(out.Inputs, r.Inputs...)
		for j, s := range r.Sessions {
			if s == nil {
				return nil, fmt.Errorf("report: merge: report %d: sessions[%d]: %w", i, j, errNilSession)
			}
			cp := *s
			cp.Identify()
			if seen[cp.UID] {
				continue
			}
			seen[cp.UID] = true
			out.Sessions = append(out.Sessions, &cp)
		}
		if c := r.Capture; c != nil {
			if capture == nil {
				capture = &CaptureStats{}
			}
			capture.Packets += c.Packets
			capture.Bytes += c.Bytes
			capture.IMAPPackets += c.IMAPPackets
			capture.DecodeErrors += c.DecodeErrors
			capture.EmptyConnections += c.EmptyConnections
			capture.PacketsOverConnectionLimit += c.PacketsOverConnectionLimit
			capture.KeyLogEntries += c.KeyLogEntries
			capture.KeyLogMalformed += c.KeyLogMalformed
			capture.TruncatedInput = capture.TruncatedInput || c.TruncatedInput
			if c.Damage != "" {
				damage = append(damage, c.Damage)
			}
		}
	}
	if capture != nil {
		capture.Damage = strings.Join(damage, "; ")
	}
	out.Capture = capture
	OrderByStart(out.Sessions)
	return out, nil
}

// OrderByStart orders sessions by start time (sessions without one last;
// ties keep their order) and renumbers them from 1.
func OrderByStart(ss []*Session) {
	slices.SortStableFunc(ss, func(a, b *Session) int {
		switch az, bz := a.Start.IsZero(), b.Start.IsZero(); {
		case az && bz:
			return 0
		case az:
			return 1
		case bz:
			return -1
		}
		return cmp.Compare(a.Start.UnixNano(), b.Start.UnixNano())
	})
	for i, s := range ss {
		s.ID = i + 1
	}
}
