package report

import (
	"fmt"
	"iter"
	"os"
	"sync"
)

// TxnFile keeps the finished transactions of long sessions out of memory:
// a dissector moves a session's completed prefix of transactions into it
// (Spill), and Session.Txns reads them back in order. One file serves a
// whole run and every worker (Spill is safe for concurrent use).
//
// The file is created at the first Spill with os.CreateTemp (mode 0600)
// and unlinked at once where the system allows it; Close removes it
// otherwise. It holds what the report holds: secrets are redacted in it
// unless the sessions were dissected with ShowSecrets.
type TxnFile struct {
	mu   sync.Mutex
	f    *os.File
	name string // to remove at Close if it could not be unlinked at once
	off  int64
	err  error
	buf  []byte
	// live counts the sessions with spilled transactions not released
	// (ReleaseTxns): when none is left the file starts over, so that a
	// run that streams sessions (jsonl, ecs, live) does not grow it for
	// ever.
	live int
}

// SpilledTxns is the part of one session's transactions held in a TxnFile.
type SpilledTxns struct {
	file      *TxnFile
	segs      []txnSegment
	n         int
	nonFinite bool // some latency is not finite (JSON cannot encode it)

	mu  sync.Mutex
	err error // the first read error
}

// txnSegment is one run of encoded transactions in the file.
type txnSegment struct {
	off  int64
	size int
	n    int
}

// NewTxnFile returns an empty TxnFile; the file is created when needed.
func NewTxnFile() *TxnFile { return &TxnFile{} }

// Spill encodes ts, the transactions of s that come next after those
// already spilled, into the file and records them in s.Spilled. The
// caller then drops them from s.Transactions. On error nothing is
// recorded and the error is sticky.
func (f *TxnFile) Spill(s *Session, ts []*Transaction) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if f.f == nil {
		tf, err := os.CreateTemp("", "imapscope-txns-*")
		if err != nil {
			f.err = fmt.Errorf("report: transaction spill file: %w", err)
			return f.err
		}
		if os.Remove(tf.Name()) != nil {
			f.name = tf.Name()
		}
		f.f = tf
	}
	nonFinite := false
	for _, t := range ts {
		if t == nil {
			return fmt.Errorf("report: transaction spill: %w", errNilTransaction)
		}
		nonFinite = nonFinite || !finite(t.LatencyMS)
	}
	b := appendTxns(f.buf[:0], ts)
	if _, err := f.f.WriteAt(b, f.off); err != nil {
		f.err = fmt.Errorf("report: transaction spill file: %w", err)
		return f.err
	}
	if s.Spilled == nil {
		s.Spilled = &SpilledTxns{file: f}
		f.live++
	}
	sp := s.Spilled
	sp.segs = append(sp.segs, txnSegment{off: f.off, size: len(b), n: len(ts)})
	sp.n += len(ts)
	sp.nonFinite = sp.nonFinite || nonFinite
	f.off += int64(len(b))
	f.buf = b
	if cap(f.buf) > 4<<20 {
		f.buf = nil
	}
	return nil
}

// ReleaseTxns tells s's TxnFile that s's spilled transactions will not be
// read again (the session was written out); s.Spilled is cleared. Once
// every session's are released, the file's space is reused.
func (s *Session) ReleaseTxns() {
	sp := s.Spilled
	if sp == nil {
		return
	}
	s.Spilled = nil
	f := sp.file
	f.mu.Lock()
	defer f.mu.Unlock()
	f.live--
	if f.live == 0 && f.f != nil && f.err == nil {
		if err := f.f.Truncate(0); err != nil {
			f.err = fmt.Errorf("report: transaction spill file: %w", err)
			return
		}
		f.off = 0
	}
}

// Err returns the error that stopped the file taking transactions, if
// any (the sessions then kept theirs in memory); nil after Close.
func (f *TxnFile) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil && f.err == os.ErrClosed {
		return nil
	}
	return f.err
}

// Close removes the file.
func (f *TxnFile) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return nil
	}
	err := f.f.Close()
	if f.name != "" {
		if rerr := os.Remove(f.name); err == nil {
			err = rerr
		}
	}
	f.f = nil
	if f.err == nil {
		f.err = os.ErrClosed
	}
	return err
}

// read decodes segment g into fresh memory (the transactions' strings
// live in it).
func (f *TxnFile) read(g txnSegment) ([]Transaction, error) {
	f.mu.Lock()
	file := f.f
	f.mu.Unlock()
	if file == nil {
		return nil, fmt.Errorf("report: transaction spill file: %w", os.ErrClosed)
	}
	rec := make([]byte, g.size)
	if _, err := file.ReadAt(rec, g.off); err != nil {
		return nil, fmt.Errorf("report: transaction spill file: %w", err)
	}
	out, err := decodeTxns(rec, g.n)
	if err != nil {
		return nil, fmt.Errorf("report: transaction spill file: %w", err)
	}
	return out, nil
}

// TransactionCount returns how many transactions s holds, spilled or not.
func (s *Session) TransactionCount() int {
	if s.Spilled != nil {
		return s.Spilled.n + len(s.Transactions)
	}
	return len(s.Transactions)
}

// Txns yields s's transactions in order with their index: the spilled
// ones (read back one segment at a time), then s.Transactions. A spilled
// segment that cannot be read ends the iteration early; TxnErr then says
// why. Each spilled transaction is a value of its own, which the caller
// may keep.
func (s *Session) Txns() iter.Seq2[int, *Transaction] {
	return func(yield func(int, *Transaction) bool) {
		i := 0
		if sp := s.Spilled; sp != nil {
			for _, g := range sp.segs {
				ts, err := sp.file.read(g)
				if err != nil {
					sp.fail(err)
					return
				}
				for j := range ts {
					if !yield(i, &ts[j]) {
						return
					}
					i++
				}
			}
		}
		for _, t := range s.Transactions {
			if !yield(i, t) {
				return
			}
			i++
		}
	}
}

// TxnErr returns the first error reading s's spilled transactions.
func (s *Session) TxnErr() error {
	if s == nil || s.Spilled == nil {
		return nil
	}
	s.Spilled.mu.Lock()
	defer s.Spilled.mu.Unlock()
	return s.Spilled.err
}

// fail records err as the first read error.
func (sp *SpilledTxns) fail(err error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.err == nil {
		sp.err = err
	}
}

// allFinite reports whether every latency of s can be encoded in JSON.
func (s *Session) allFinite() bool {
	if s.Spilled != nil && s.Spilled.nonFinite {
		return false
	}
	for _, t := range s.Transactions {
		if t != nil && !finite(t.LatencyMS) {
			return false
		}
	}
	return true
}

// Materialized returns s with every transaction in memory: s itself when
// none is spilled, else a shallow copy.
func (s *Session) Materialized() (*Session, error) {
	if s.Spilled == nil {
		return s, nil
	}
	all := make([]*Transaction, 0, s.TransactionCount())
	for _, t := range s.Txns() {
		all = append(all, t)
	}
	if err := s.TxnErr(); err != nil {
		return nil, err
	}
	cp := *s
	cp.Transactions, cp.Spilled = all, nil
	return &cp, nil
}
