package pipeline

import (
	"bufio"
	"cmp"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/imapscope/imapscope/report"
)

// SessionStore keeps the finished sessions of a run for a whole-document
// report (json, table, html, tsv) without holding them all in memory: the
// first ones, up to MemoryBudget bytes (estimated), stay in memory as they
// are; every later one is encoded (report.AppendSession) into a temporary
// file as it ends, in any order. All are read back one at a time in report
// order (report.SessionSource). Beyond the budget, memory holds one 40-byte
// index entry per session (16 bytes without a file).
//
// The file is created with os.CreateTemp (mode 0600) in the default
// temporary directory and unlinked at once where the system allows it, so
// that it disappears with the process however that ends; Close removes it
// otherwise. It holds what the report holds: secrets are redacted in it
// unless the sessions were dissected with ShowSecrets.
//
// A store without a file (NewSessionStore with spill false) only numbers
// the sessions, for statistics computed as they end. A SessionStore is not
// safe for concurrent use; Collector calls Kept one call at a time.
type SessionStore struct {
	byStart bool // ordered by start time (several inputs), else by first packet
	ents    []storeEntry
	pos     []report.Position // without a file: the positions alone (16 bytes a session)
	sorted  bool
	kept    int
	anyTLS  bool  // a kept session used TLS (report.TLSFact)
	budget  int64 // bytes of sessions (estimated) still allowed in memory
	// spilled holds, by record offset, the transactions of the sessions
	// that had some moved to a report.TxnFile (the record does not carry
	// them: see report.Session.Spilled).
	spilled map[int64]*report.SpilledTxns
	// json: sessions are held rendered (RenderJSON), those within the
	// budget in mem, the others in the file.
	json bool
	mem  []byte
	q    *storeQueue // set by Async
	// With StreamJSON or StreamTable: the sessions whose order is not
	// settled yet, and those handed on (store_stream.go).
	out *streamOut

	f    *os.File
	name string // to remove at Close if it could not be unlinked at once
	w    *bufio.Writer
	off  int64
	buf  []byte
	err  error
}

// storeEntry is the index entry of one session.
type storeEntry struct {
	pos report.Position
	s   *report.Session // kept in memory (then off and n are 0)
	off int64
	n   int64 // record length; -1: numbered but not in the report (filtered out)
}

// detach returns a copy of s that keeps nothing else alive: the session
// is held in place in the collector's connection, whose own arrays hold
// its addresses and identifiers, beside the dissector's state.
func detach(s *report.Session) *report.Session {
	cp := *s
	all := cp.Client + cp.Server + cp.CommunityID + cp.UID // one allocation for the four
	a, b, c := len(cp.Client), len(cp.Client)+len(cp.Server), len(cp.Client)+len(cp.Server)+len(cp.CommunityID)
	cp.Client, cp.Server, cp.CommunityID, cp.UID = all[:a], all[a:b], all[b:c], all[c:]
	return &cp
}

// MemoryBudget is how many bytes of finished sessions (as estimated by
// sessionSize) a SessionStore created afterwards keeps in memory before it
// spills the next ones to its file. Encoding and decoding a session cost
// about a tenth of dissecting it (report/codec.go, hand-written), and the
// renderers read the sessions once or twice, so the sessions of a small
// capture are rendered from memory; a million-session capture holds only
// this much more. Peak RSS grows by about four times the budget (the estimate is low
// and the GC keeps headroom): 24 MiB took html --stats on a million short
// sessions from 224 to 283 MiB, over the 256 MiB target, hence 8 MiB
// (docs/performance.md).
var MemoryBudget int64 = 8 << 20

// sessionSize estimates the heap bytes a finished session holds: its
// fixed part and strings, and each transaction in memory with its result
// (about 600 bytes, docs/performance.md) plus its strings. Transactions
// already moved to a report.TxnFile are not counted.
func sessionSize(s *report.Session) int64 {
	n := int64(2048 + len(s.Greeting) + 64*len(s.Capabilities) + 64*len(s.Mailboxes) + 256*len(s.Anomalies))
	for _, t := range s.Transactions {
		n += int64(640 + len(t.Tag) + len(t.Args) + len(t.Text) + len(t.Code) + len(t.Note) + len(t.Mailbox))
	}
	return n
}

// storeBuffer is the size of the spill file's write buffer.
const storeBuffer = 256 << 10

// NewSessionStore returns an empty store; spill says whether it keeps the
// sessions (in a temporary file) or only numbers them. byStart orders the
// sessions by start time, as report.OrderByStart does for several inputs.
func NewSessionStore(spill, byStart bool) (*SessionStore, error) {
	st := &SessionStore{byStart: byStart, budget: MemoryBudget}
	if !spill {
		return st, nil
	}
	f, err := os.CreateTemp("", "imapscope-spill-*")
	if err != nil {
		return nil, fmt.Errorf("pipeline: spill file: %w", err)
	}
	if os.Remove(f.Name()) != nil {
		st.name = f.Name()
	}
	st.f, st.w = f, bufio.NewWriterSize(f, storeBuffer)
	return st, nil
}

// Position returns the report position of the session of first-packet
// index seq.
func (st *SessionStore) Position(seq uint64, s *report.Session) report.Position {
	if !st.byStart {
		return report.Position{Seq: seq}
	}
	start := int64(math.MaxInt64)
	if !s.Start.IsZero() {
		start = s.Start.UnixNano()
	}
	return report.Position{Start: start, Seq: seq}
}

// Add records the session at pos: keep says it is in the report (it is
// then written to the spill file, if any); otherwise it only takes its
// number, as a session dropped by the filters does.
func (st *SessionStore) Add(pos report.Position, s *report.Session, keep bool) error {
	if st.q != nil {
		return st.q.enqueue(pos, s, keep)
	}
	return st.add(pos, s, keep)
}

// add is Add, on the goroutine of an asynchronous store.
func (st *SessionStore) add(pos report.Position, s *report.Session, keep bool) error {
	if st.err != nil {
		return st.err
	}
	st.sorted = false
	st.anyTLS = st.anyTLS || keep && s.TLS
	if st.f == nil {
		if keep {
			st.kept++
		}
		st.pos = append(st.pos, pos)
		return nil
	}
	e := storeEntry{pos: pos, n: -1}
	if keep && st.json {
		st.kept++
		return st.addJSON(e, s)
	}
	if keep {
		st.kept++
		if n := sessionSize(s); n <= st.budget {
			e.s, e.n, st.budget = detach(s), 0, st.budget-n
			st.index(e)
			return nil
		}
		var err error
		if st.buf, err = report.AppendSession(st.buf[:0], s); err != nil {
			st.err = err
			return err
		}
		if _, err := st.w.Write(st.buf); err != nil {
			st.err = fmt.Errorf("pipeline: spill file: %w", err)
			return st.err
		}
		e.off, e.n = st.off, int64(len(st.buf))
		if s.Spilled != nil {
			if st.spilled == nil {
				st.spilled = map[int64]*report.SpilledTxns{}
			}
			st.spilled[e.off] = s.Spilled
		}
		st.off += e.n
		if cap(st.buf) > 4*storeBuffer {
			st.buf = nil // one huge session does not pin its buffer
		}
	}
	st.index(e)
	return nil
}

// index records the index entry of a session added.
func (st *SessionStore) index(e storeEntry) {
	if st.out != nil {
		st.out.wait(e)
		return
	}
	st.ents = append(st.ents, e)
}

// sort orders the index (once all sessions are in) and flushes the file.
func (st *SessionStore) sort() error {
	st.wait()
	if st.err != nil {
		return st.err
	}
	if st.sorted {
		return nil
	}
	if st.out != nil {
		st.sorted = true
		return st.settle(math.MaxUint64) // the run is over: every session is settled
	}
	slices.SortStableFunc(st.ents, func(a, b storeEntry) int { return a.pos.Compare(b.pos) })
	slices.SortFunc(st.pos, report.Position.Compare)
	st.sorted = true
	if st.w != nil {
		if err := st.w.Flush(); err != nil {
			st.err = fmt.Errorf("pipeline: spill file: %w", err)
		}
	}
	return st.err
}

// ID returns the session id of the session at pos (its rank in report
// order, from 1), 0 when there is none.
func (st *SessionStore) ID(pos report.Position) int {
	if st.sort() != nil {
		return 0
	}
	if st.out != nil {
		return st.out.id(pos)
	}
	if st.f == nil {
		if i, ok := slices.BinarySearchFunc(st.pos, pos, report.Position.Compare); ok {
			return i + 1
		}
		return 0
	}
	i, ok := slices.BinarySearchFunc(st.ents, pos, func(e storeEntry, p report.Position) int { return e.pos.Compare(p) })
	if !ok {
		return 0
	}
	return i + 1
}

// AnyTLS implements report.TLSFact: whether a session in the report used
// TLS, so that the table decides its TLS column without reading the file.
func (st *SessionStore) AnyTLS() bool {
	st.wait()
	return st.anyTLS
}

// Len implements report.SessionSource: the sessions in the report.
func (st *SessionStore) Len() int {
	st.wait()
	return st.kept
}

// Each implements report.SessionSource: it decodes the sessions one at a
// time, in report order, numbered by their rank among every session added.
func (st *SessionStore) Each(f func(*report.Session) error) error {
	if err := st.sort(); err != nil {
		return err
	}
	if st.f == nil && st.kept > 0 {
		return fmt.Errorf("pipeline: session store: sessions were not kept")
	}
	if st.json {
		return fmt.Errorf("pipeline: session store: sessions are held rendered as JSON (EachJSON)")
	}
	if st.out != nil {
		return fmt.Errorf("pipeline: session store: sessions are streamed (EndTableSessions)")
	}
	for i, e := range st.ents {
		if e.n < 0 {
			continue
		}
		if e.s != nil {
			e.s.ID = i + 1
			if err := f(e.s); err != nil {
				return err
			}
			continue
		}
		rec := make([]byte, e.n) // the session's strings live in it
		if _, err := st.f.ReadAt(rec, e.off); err != nil {
			return fmt.Errorf("pipeline: spill file: %w", err)
		}
		s, err := report.DecodeSession(rec)
		if err != nil {
			return fmt.Errorf("pipeline: spill file: session %d: %w", i+1, err)
		}
		s.ID = i + 1
		s.Spilled = st.spilled[e.off]
		if err := f(s); err != nil {
			return err
		}
	}
	return nil
}

// Close removes the spill file.
func (st *SessionStore) Close() error {
	st.wait()
	if st.out != nil && st.out.tab != nil {
		st.out.tab.Close()
	}
	if st.f == nil {
		return nil
	}
	err := st.f.Close()
	if st.name != "" {
		err = cmp.Or(os.Remove(st.name), err)
	}
	st.f = nil
	return err
}
