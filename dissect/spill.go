package dissect

// Spilling a long session's finished transactions (Options.TxnFile). A
// transaction may leave memory once nothing can change it any more: it
// is done (completed, given up or closed) and no part of the dissector
// still points at it (the command the client is still sending, the one a
// server message is attributed to, an exchange in progress). Only a
// prefix of the session's transactions is spilled, so that the report's
// order is kept: spilled ones first, then the rest in memory.

// spillTxns moves the finished prefix of the session's transactions to
// the TxnFile when it is at least Options.SpillBlock long. It runs between
// Feeds, when no command is in a local variable.
func (s *Session) spillTxns() {
	n := 0
	for n < len(s.tail) && s.settled(s.tail[n]) {
		n++
	}
	block := s.opts.SpillBlock
	s.spillAt = len(s.tail) + block
	if n < block {
		return
	}
	if err := s.opts.TxnFile.Spill(s.rep, s.rep.Transactions[:n]); err != nil {
		// The file failed (its error is sticky, see TxnFile.Err): the
		// transactions stay in memory, as without a file.
		s.spillAt, s.tail = 0, nil
		return
	}
	k := copy(s.rep.Transactions, s.rep.Transactions[n:])
	clear(s.rep.Transactions[k:])
	s.rep.Transactions = s.rep.Transactions[:k]
	k = copy(s.tail, s.tail[n:])
	clear(s.tail[k:])
	s.tail = s.tail[:k]
	s.spillAt = len(s.tail) + 2*block
}

// settled reports whether t can no longer change.
func (s *Session) settled(t *txn) bool {
	if !t.done {
		return false
	}
	switch t {
	case s.cli, s.aux, s.srv, s.authTxn, s.idleTxn, s.syncTxn,
		s.res.status, s.res.fetch.t, s.res.view.opening, s.inj.pending:
		return false
	}
	return true
}
