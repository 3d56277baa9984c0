package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Merge combines reports (from several sensors or files) into one: sessions
// concatenated, ordered by start time (sessions without one last; ties keep
// the order of the reports and of their sessions) and renumbered from 1;
// inputs concatenated in the order given; capture statistics summed (damage
// texts joined). Tool is left empty for the caller; Stats is not carried over
// (recompute it with ComputeStats on the result). The inputs are not modified:
// sessions are shallow copies.
func Merge(reps ...*Report) (*Report, error) {
	out := &Report{Inputs: []string{}, Sessions: []*Session{}}
	var capture *CaptureStats
	var damage []string
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
	slices.SortStableFunc(out.Sessions, func(a, b *Session) int {
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
	for i, s := range out.Sessions {
		s.ID = i + 1
	}
	return out, nil
}

// ReadJSON parses a document written by WriteJSON, after validating it
// against the schema.
func ReadJSON(doc []byte) (*Report, error) {
	if err := ValidateJSON(doc); err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(doc, &r); err != nil {
		return nil, fmt.Errorf("report: read json: %w", err)
	}
	return &r, nil
}
