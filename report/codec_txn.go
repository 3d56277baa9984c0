package report

import "math/bits"

// The spill encoding of Transaction and Result (see codec.go).

// Fields of the types encoded here: TestCodecCarriesEveryField checks
// them against the model, so that a new field fails a test until it is
// encoded below.
const (
	codecTxnFields    = 21
	codecResultFields = 22
)

// Flags of an encoded transaction.
const (
	txnPresent   = 1 << iota // not a nil entry
	txnInTLS                 // Transaction.InTLS
	txnHasResult             // Result follows
)

// txn appends t, which may be nil (a nil entry of Session.Transactions).
func (e *codecEncoder) txn(t *Transaction) {
	if t == nil {
		e.b = append(e.b, 0)
		return
	}
	flags := byte(txnPresent)
	if t.InTLS {
		flags |= txnInTLS
	}
	if t.Result != nil {
		flags |= txnHasResult
	}
	e.b = append(e.b, flags)
	e.n.txns++
	e.string(t.Tag)
	e.string(t.Command)
	e.string(t.Args)
	e.string(string(t.Status))
	e.string(t.Code)
	e.string(t.Text)
	e.time(t.Start.Time)
	e.time(t.End.Time)
	e.float(t.LatencyMS)
	e.varint(int64(t.Responses))
	e.varint(int64(t.Continuations))
	e.varint(t.ClientBytes)
	e.varint(t.ServerBytes)
	e.varint(t.ClientLiteralBytes)
	e.varint(t.ServerLiteralBytes)
	e.string(t.Mailbox)
	e.string(t.NamedMailbox)
	e.string(t.Note)
	e.strings(t.SASL)
	if t.Result != nil {
		e.result(t.Result)
	}
}

// txn reads a transaction into the next element of the transactions
// slab; nil for a nil entry or a corrupt record.
func (d *codecDecoder) txn() *Transaction {
	flags := d.byte()
	if flags&txnPresent == 0 || d.err != nil {
		return nil
	}
	if len(d.txns) == 0 || flags > txnPresent|txnInTLS|txnHasResult {
		d.fail()
		return nil
	}
	t := &d.txns[0]
	d.txns = d.txns[1:]
	t.InTLS = flags&txnInTLS != 0
	t.Tag = d.string()
	t.Command = d.string()
	t.Args = d.string()
	t.Status = Status(d.string())
	t.Code = d.string()
	t.Text = d.string()
	t.Start = d.time()
	t.End = d.time()
	t.LatencyMS = d.float()
	t.Responses = d.int()
	t.Continuations = d.int()
	t.ClientBytes = d.varint()
	t.ServerBytes = d.varint()
	t.ClientLiteralBytes = d.varint()
	t.ServerLiteralBytes = d.varint()
	t.Mailbox = d.string()
	t.NamedMailbox = d.string()
	t.Note = d.string()
	t.SASL = d.strings()
	if flags&txnHasResult != 0 {
		t.Result = d.result()
	}
	return t
}

// resultInts lists the *int64 fields of r in encoding order (bits 0–12
// of a result's presence mask).
func resultInts(r *Result) [13]**int64 {
	return [...]**int64{&r.Exists, &r.Recent, &r.Unseen, &r.UIDValidity, &r.UIDNext,
		&r.HighestModSeq, &r.Messages, &r.Hits, &r.Min, &r.Max, &r.Mailboxes,
		&r.DestUIDValidity, &r.Expunged}
}

// Bits of a result's presence mask after its *int64 fields.
const (
	resultReadOnly    = 1 << 13 // ReadOnly is set
	resultReadOnlyVal = 1 << 14 // and true
	resultMaskMax     = 1<<15 - 1
)

// result appends r (not nil): the presence mask, the *int64 values
// present, then the other fields.
func (e *codecEncoder) result(r *Result) {
	e.n.results++
	var mask uint64
	ps := resultInts(r)
	for i, p := range ps {
		if *p != nil {
			mask |= 1 << i
		}
	}
	if r.ReadOnly != nil {
		mask |= resultReadOnly
		if *r.ReadOnly {
			mask |= resultReadOnlyVal
		}
		e.n.bools++
	}
	e.uvarint(mask)
	for _, p := range ps {
		if *p != nil {
			e.int64p(*p)
		}
	}
	e.strings(r.Flags)
	e.strings(r.PermanentFlags)
	e.string(r.UIDs)
	e.varint(r.BodyBytes)
	encodeCountMap(e, r.Status)
	e.string(r.SourceUIDs)
	e.string(r.DestUIDs)
	e.strings(r.Enabled)
}

// result reads a result into the next element of the results slab.
func (d *codecDecoder) result() *Result {
	mask := d.uvarint()
	if len(d.results) == 0 || mask > resultMaskMax || mask&resultReadOnlyVal != 0 && mask&resultReadOnly == 0 {
		d.fail()
		return nil
	}
	r := &d.results[0]
	d.results = d.results[1:]
	ps := resultInts(r)
	for m := mask & (1<<len(ps) - 1); m != 0; m &= m - 1 {
		*ps[bits.TrailingZeros64(m)] = d.int64p()
	}
	if mask&resultReadOnly != 0 {
		if len(d.bools) == 0 {
			d.fail()
			return nil
		}
		r.ReadOnly = &d.bools[0]
		d.bools = d.bools[1:]
		*r.ReadOnly = mask&resultReadOnlyVal != 0
	}
	r.Flags = d.strings()
	r.PermanentFlags = d.strings()
	r.UIDs = d.string()
	r.BodyBytes = d.varint()
	r.Status = decodeCountMap[int64](d)
	r.SourceUIDs = d.string()
	r.DestUIDs = d.string()
	r.Enabled = d.strings()
	return r
}
