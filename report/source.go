package report

import "fmt"

// SessionSource yields a report's sessions one at a time, in report order,
// so that a renderer never needs them all in memory (see Report.Source).
type SessionSource interface {
	// Len returns the number of sessions.
	Len() int
	// Each calls f with each session in order and stops at f's first
	// error, or its own (a spill file that cannot be read), which it
	// returns. Each session is a value of its own that f may keep. Each
	// may be called more than once.
	Each(f func(*Session) error) error
}

// sessionCount returns how many sessions r holds.
func (r *Report) sessionCount() int {
	if r.Source != nil {
		return r.Source.Len()
	}
	return len(r.Sessions)
}

// eachSession calls f with each session of r in order (from Source when
// set), stopping at the first error. Nil sessions are an error.
func (r *Report) eachSession(f func(i int, s *Session) error) error {
	if r.Source != nil {
		i := 0
		return r.Source.Each(func(s *Session) error {
			if s == nil {
				return fmt.Errorf("report: sessions[%d]: %w", i, errNilSession)
			}
			i++
			if err := f(i-1, s); err != nil {
				return err
			}
			return s.TxnErr()
		})
	}
	for i, s := range r.Sessions {
		if s == nil {
			return fmt.Errorf("report: sessions[%d]: %w", i, errNilSession)
		}
		if err := f(i, s); err != nil {
			return err
		}
		if err := s.TxnErr(); err != nil {
			return err
		}
	}
	return nil
}
