package report

// The spill encoding of Session and the types it holds besides
// transactions (see codec.go).

// Fields of the types encoded here (Session's include Spilled, which is
// carried beside the record): TestCodecCarriesEveryField checks them
// against the model, so that a new field fails a test until it is
// encoded below.
const (
	codecSessionFields     = 50
	codecVersionFields     = 2
	codecAnomalyFields     = 4
	codecCertFields        = 7
	codecMailboxViewFields = 6
)

// Bits of a session's flags.
const (
	sessTLS = 1 << iota
	sessStartTLS
	sessTLSDecrypted
	sessCompressed
	sessMidstream
	sessClosed
	sessHasCert
	sessHasView
	sessFlagsMax = 1<<8 - 1
)

// sessFlags packs s's booleans and pointer presence.
func sessFlags(s *Session) uint64 {
	var f uint64
	for i, b := range [...]bool{s.TLS, s.StartTLS, s.TLSDecrypted, s.Compressed, s.Midstream,
		s.Closed, s.TLSCert != nil, s.MailboxView != nil} {
		if b {
			f |= 1 << i
		}
	}
	return f
}

// session appends s (not nil), all but Spilled.
func (e *codecEncoder) session(s *Session) {
	e.uvarint(sessFlags(s))
	e.varint(int64(s.ID))
	e.string(s.UID)
	e.string(s.CommunityID)
	e.string(s.Client)
	e.string(s.Server)
	e.time(s.Start.Time)
	e.time(s.End.Time)
	e.string(s.Dialect)
	e.string(s.Greeting)
	e.string(s.GreetingStatus)
	e.strings(s.Capabilities)
	e.strings(s.Enabled)
	e.versions(s.SupportedVersions)
	e.string(s.Version)
	e.strings(s.Features)
	e.string(s.User)
	e.string(s.AuthMechanism)
	e.strings(s.Mailboxes)
	e.strings(s.MailboxesDecoded)
	e.string(s.Access)
	e.mapStringString(s.ClientID)
	e.mapStringString(s.ServerID)
	e.string(s.TLSSNI)
	e.string(s.TLSVersion)
	e.string(s.TLSCipher)
	e.strings(s.TLSALPN)
	e.string(s.JA3)
	e.string(s.JA3S)
	e.string(s.JA4)
	if s.TLSCert != nil {
		e.cert(s.TLSCert)
	}
	e.varint(s.CompressedClientBytes)
	e.varint(s.CompressedServerBytes)
	e.varint(s.InflatedClientBytes)
	e.varint(s.InflatedServerBytes)
	e.string(s.NotIMAP)
	e.varint(s.ClientBytes)
	e.varint(s.ServerBytes)
	e.varint(int64(s.Gaps))
	e.varint(s.GapBytes)
	encodeCountMap(e, s.Unsolicited)
	if s.MailboxView != nil {
		e.mailboxView(s.MailboxView)
	}
	e.anomalies(s.Anomalies)
	e.txns(s.Transactions)
}

// session reads what codecEncoder.session writes into s.
func (d *codecDecoder) session(s *Session) {
	f := d.uvarint()
	if f > sessFlagsMax {
		d.fail()
		return
	}
	s.TLS, s.StartTLS, s.TLSDecrypted = f&sessTLS != 0, f&sessStartTLS != 0, f&sessTLSDecrypted != 0
	s.Compressed, s.Midstream, s.Closed = f&sessCompressed != 0, f&sessMidstream != 0, f&sessClosed != 0
	s.ID = d.int()
	s.UID = d.string()
	s.CommunityID = d.string()
	s.Client = d.string()
	s.Server = d.string()
	s.Start = d.time()
	s.End = d.time()
	s.Dialect = d.string()
	s.Greeting = d.string()
	s.GreetingStatus = d.string()
	s.Capabilities = d.strings()
	s.Enabled = d.strings()
	s.SupportedVersions = d.versions()
	s.Version = d.string()
	s.Features = d.strings()
	s.User = d.string()
	s.AuthMechanism = d.string()
	s.Mailboxes = d.strings()
	s.MailboxesDecoded = d.strings()
	s.Access = d.string()
	s.ClientID = d.mapStringString()
	s.ServerID = d.mapStringString()
	s.TLSSNI = d.string()
	s.TLSVersion = d.string()
	s.TLSCipher = d.string()
	s.TLSALPN = d.strings()
	s.JA3 = d.string()
	s.JA3S = d.string()
	s.JA4 = d.string()
	if f&sessHasCert != 0 {
		s.TLSCert = d.cert()
	}
	s.CompressedClientBytes = d.varint()
	s.CompressedServerBytes = d.varint()
	s.InflatedClientBytes = d.varint()
	s.InflatedServerBytes = d.varint()
	s.NotIMAP = d.string()
	s.ClientBytes = d.varint()
	s.ServerBytes = d.varint()
	s.Gaps = d.int()
	s.GapBytes = d.varint()
	s.Unsolicited = decodeCountMap[int](d)
	if f&sessHasView != 0 {
		s.MailboxView = d.mailboxView()
	}
	s.Anomalies = d.anomalies()
	s.Transactions = d.txnPointers()
}

// txns appends a slice of transactions: length+1 (0: nil), then each.
func (e *codecEncoder) txns(ts []*Transaction) {
	if !e.length(ts == nil, len(ts)) {
		return
	}
	for _, t := range ts {
		e.txn(t)
	}
}

// txnPointers reads what codecEncoder.txns writes: the transactions are
// elements of the slab.
func (d *codecDecoder) txnPointers() []*Transaction {
	n, ok := d.length()
	if !ok {
		return nil
	}
	ts := make([]*Transaction, n)
	for i := range ts {
		if d.err != nil {
			break
		}
		ts[i] = d.txn()
	}
	return ts
}

// versions appends SupportedVersions: length+1 (0: nil), then each.
func (e *codecEncoder) versions(vs []ProtocolVersion) {
	if !e.length(vs == nil, len(vs)) {
		return
	}
	for _, v := range vs {
		e.string(v.Version)
		e.strings(v.Features)
	}
}

// versions reads what codecEncoder.versions writes.
func (d *codecDecoder) versions() []ProtocolVersion {
	n, ok := d.length()
	if !ok {
		return nil
	}
	vs := make([]ProtocolVersion, n)
	for i := range vs {
		vs[i].Version = d.string()
		vs[i].Features = d.strings()
	}
	return vs
}

// anomalies appends Anomalies: length+1 (0: nil), then each.
func (e *codecEncoder) anomalies(as []Anomaly) {
	if !e.length(as == nil, len(as)) {
		return
	}
	for i := range as {
		a := &as[i]
		e.string(string(a.Kind))
		e.string(a.Detail)
		e.string(a.Tag)
		e.time(a.Time.Time)
	}
}

// anomalies reads what codecEncoder.anomalies writes.
func (d *codecDecoder) anomalies() []Anomaly {
	n, ok := d.length()
	if !ok {
		return nil
	}
	as := make([]Anomaly, n)
	for i := range as {
		a := &as[i]
		a.Kind = AnomalyKind(d.string())
		a.Detail = d.string()
		a.Tag = d.string()
		a.Time = d.time()
	}
	return as
}

// cert appends c (not nil).
func (e *codecEncoder) cert(c *TLSCert) {
	e.string(c.SubjectCN)
	e.strings(c.SANs)
	e.string(c.Issuer)
	e.time(c.NotBefore.Time)
	e.time(c.NotAfter.Time)
	e.string(c.SHA256)
	e.b = append(e.b, boolByte(c.Expired))
}

// cert reads what codecEncoder.cert writes.
func (d *codecDecoder) cert() *TLSCert {
	c := &TLSCert{SubjectCN: d.string(), SANs: d.strings(), Issuer: d.string()}
	c.NotBefore = d.time()
	c.NotAfter = d.time()
	c.SHA256 = d.string()
	c.Expired = d.bool()
	return c
}

// Bits of a mailbox view's flags.
const (
	viewSelected = 1 << iota
	viewHasExists
	viewHasUIDValidity
	viewFlagsMax = 1<<3 - 1
)

// mailboxView appends v (not nil).
func (e *codecEncoder) mailboxView(v *MailboxView) {
	var f uint64
	if v.Selected {
		f |= viewSelected
	}
	if v.Exists != nil {
		f |= viewHasExists
	}
	if v.UIDValidity != nil {
		f |= viewHasUIDValidity
	}
	e.uvarint(f)
	e.string(v.Mailbox)
	if v.Exists != nil {
		e.int64p(v.Exists)
	}
	if v.UIDValidity != nil {
		e.int64p(v.UIDValidity)
	}
	e.varint(v.HighestUID)
	e.varint(v.HighestModSeq)
}

// mailboxView reads what codecEncoder.mailboxView writes.
func (d *codecDecoder) mailboxView() *MailboxView {
	f := d.uvarint()
	if f > viewFlagsMax {
		d.fail()
		return nil
	}
	v := &MailboxView{Selected: f&viewSelected != 0, Mailbox: d.string()}
	if f&viewHasExists != 0 {
		v.Exists = d.int64p()
	}
	if f&viewHasUIDValidity != 0 {
		v.UIDValidity = d.int64p()
	}
	v.HighestUID = d.varint()
	v.HighestModSeq = d.varint()
	return v
}

// boolByte is 1 for true, 0 for false.
func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// bool reads a byte written by boolByte.
func (d *codecDecoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail()
	return false
}

// mapStringString appends m: length+1 (0: nil), then key, value pairs.
func (e *codecEncoder) mapStringString(m map[string]string) {
	if !e.length(m == nil, len(m)) {
		return
	}
	for k, v := range m {
		e.string(k)
		e.string(v)
	}
}

// mapStringString reads what codecEncoder.mapStringString writes.
func (d *codecDecoder) mapStringString() map[string]string {
	n, ok := d.length()
	if !ok {
		return nil
	}
	m := make(map[string]string, n)
	for range n {
		k := d.string()
		m[k] = d.string()
	}
	return m
}

// encodeCountMap appends m (Unsolicited, Result.Status): length+1 (0:
// nil), then key, value pairs.
func encodeCountMap[V int | int64](e *codecEncoder, m map[string]V) {
	if !e.length(m == nil, len(m)) {
		return
	}
	for k, v := range m {
		e.string(k)
		e.varint(int64(v))
	}
}

// decodeCountMap reads what encodeCountMap writes.
func decodeCountMap[V int | int64](d *codecDecoder) map[string]V {
	n, ok := d.length()
	if !ok {
		return nil
	}
	m := make(map[string]V, n)
	for range n {
		k := d.string()
		m[k] = V(d.varint())
	}
	return m
}
