package tlsdecrypt

// Directions of a connection.
const (
	FromClient = 0
	FromServer = 1
)

// Default limits.
const (
	// DefaultMaxHandshakeMessage bounds a kept handshake message (a
	// certificate chain); the rest is dropped and counted.
	DefaultMaxHandshakeMessage = 64 << 10
	// DefaultSeqTrials is how many sequence numbers are tried after a gap.
	DefaultSeqTrials = 8
	// maxAnomalies bounds the anomalies kept per connection.
	maxAnomalies = 32
	// maxKeyRetries bounds the key-log lookups retried for a connection
	// whose keys were missing at the ServerHello (a live key log that grows).
	maxKeyRetries = 64
	// maxHellos bounds the ClientHello fingerprints kept per connection.
	maxHellos = 4
)

// Limits bound a connection's work and memory.
type Limits struct {
	MaxHandshakeMessage int // bytes kept of one handshake message
	SeqTrials           int // sequence numbers tried after a gap
}

// DefaultLimits returns the package's default limits.
func DefaultLimits() Limits {
	return Limits{MaxHandshakeMessage: DefaultMaxHandshakeMessage, SeqTrials: DefaultSeqTrials}
}

// Counters count a connection's records and events.
type Counters struct {
	Records          int   // records framed, both directions
	DecryptedRecords int   // records authenticated and decrypted
	FailedAuth       int   // encrypted records that did not authenticate
	Undecrypted      int   // encrypted records without keys
	Gaps             int   // Gap calls with n > 0
	LostRecords      int   // records known to be cut by a gap
	Alerts           int   // alert records (clear or decrypted)
	KeyUpdates       int   // TLS 1.3 KeyUpdate messages
	Tickets          int   // NewSessionTicket messages seen
	HandshakeDropped int64 // handshake bytes beyond the message limit
}

// Anomaly is something wrong or notable about a connection, for the caller
// to report. Details never contain key material.
type Anomaly struct {
	Kind   string // tls_auth_failed, tls_gap, tls_key_missing, tls_alert, tls_not_tls, tls_cipher_unsupported, tls_handshake_truncated
	Detail string
}

// Info is what is known about a connection.
type Info struct {
	SNI        string
	Version    string   // negotiated, e.g. "TLS 1.3"
	Cipher     string   // IANA name
	ALPN       []string // the client's list
	JA3, JA3S  string   // MD5 hex
	JA3Text    string   // the JA3 string before hashing
	JA3SText   string
	JA4        string
	Cert       *Certificate // server end-entity certificate, when visible
	KeyFound   bool         // the key log held secrets for this connection
	Decrypted  bool         // at least one record decrypted
	Resumed    bool         // abbreviated (TLS ≤ 1.2) or PSK (TLS 1.3) handshake
	HelloRetry bool         // TLS 1.3 HelloRetryRequest
	EMS        bool         // extended master secret negotiated
	EncThenMAC bool         // RFC 7366 negotiated
	Counters   Counters
}

// Conn decrypts both directions of one TLS connection. It is push based,
// not safe for concurrent use, and never panics on garbage.
type Conn struct {
	keys      KeyLookup
	lim       Limits
	dir       [2]direction
	ch        *clientHello // the first ClientHello
	random    [32]byte     // client random of the latest ClientHello
	hasRandom bool
	sh        *serverHello
	suite     *suite
	version   uint16
	tls13     bool
	retries   int
	info      Info
	anoms     []Anomaly
	anomSeen  map[string]bool
	certSeen  bool
	master    []byte     // TLS ≤ 1.2 master secret, once known
	ticket    sessionKey // the session ticket the server issued
	hasTicket bool
	hellos    []helloPrint // fingerprints of every ClientHello (tests compare them all)

	// Inline storage (one allocation per connection, not one per part):
	// the first ClientHello and ServerHello, the record ciphers of the key
	// log's secrets (TLS 1.3: client handshake, client application, server
	// handshake, server application; TLS ≤ 1.2: client, server) and hellos.
	chStore    clientHello
	shStore    serverHello
	rcStore    [4]recordCipher
	helloStore [maxHellos]helloPrint
	keyBlock   keys12 // TLS ≤ 1.2 key block, cleared once the ciphers are built
}

// helloPrint is one ClientHello's fingerprints.
type helloPrint struct{ ja3, ja4 string }

// NewConn returns a connection decrypting with keys (nil: fingerprints and
// certificates only). Zero limits take the defaults.
func NewConn(keys KeyLookup, lim Limits) *Conn {
	c := new(Conn)
	c.Init(keys, lim)
	return c
}

// Init makes c, a zero Conn (one embedded in the caller's own per-connection
// struct, to save an allocation), ready like NewConn.
func (c *Conn) Init(keys KeyLookup, lim Limits) {
	def := DefaultLimits()
	if lim.MaxHandshakeMessage <= 0 {
		lim.MaxHandshakeMessage = def.MaxHandshakeMessage
	}
	if lim.SeqTrials <= 0 {
		lim.SeqTrials = def.SeqTrials
	}
	c.keys, c.lim = keys, lim
	c.hellos = c.helloStore[:0]
	for d := range c.dir {
		c.dir[d] = direction{c: c, d: d, hs: hsReassembler{max: lim.MaxHandshakeMessage}}
	}
}

// Sink receives a connection's decrypted application data: dir is
// FromClient or FromServer, plain is valid only during the call.
type Sink interface {
	Plaintext(dir int, plain []byte)
}

// Feed adds bytes of direction dir (FromClient or FromServer). p is only
// borrowed. emit receives each decrypted application-data record; its
// slice is valid only during the call.
func (c *Conn) Feed(dir int, p []byte, emit func(plain []byte)) {
	if dir != FromClient && dir != FromServer {
		return
	}
	d := &c.dir[dir]
	d.emit = emit
	c.feed(d, p)
	d.emit = nil
}

// FeedSink is Feed with the plaintext going to sink (an interface the
// caller implements once, instead of a closure per direction).
func (c *Conn) FeedSink(dir int, p []byte, sink Sink) {
	if dir != FromClient && dir != FromServer {
		return
	}
	d := &c.dir[dir]
	d.sink = sink
	c.feed(d, p)
	d.sink = nil
}

// feed frames p for direction d.
func (c *Conn) feed(d *direction, p []byte) {
	d.fr.feed(p, d)
	if d.fr.bad && !d.notTLS {
		d.notTLS = true
		c.anomaly("tls_not_tls", "record header not TLS: the rest of the direction is not decrypted")
	}
}

// Gap notes that n bytes of direction dir were lost. The record they fell
// in is lost; the next record is found and its sequence number tried.
func (c *Conn) Gap(dir int, n int) {
	if (dir != FromClient && dir != FromServer) || n <= 0 {
		return
	}
	d := &c.dir[dir]
	c.info.Counters.Gaps++
	if d.fr.gap(n) {
		c.info.Counters.LostRecords++
		d.seq++ // the cut record used a sequence number
	}
	d.uncertain = true
	c.anomaly("tls_gap", "bytes lost inside TLS: records resynchronised")
}

// Info returns what is known about the connection so far.
func (c *Conn) Info() Info { return c.info }

// Anomalies returns the anomalies noted so far (at most one per kind and
// detail, at most maxAnomalies).
func (c *Conn) Anomalies() []Anomaly { return c.anoms }

// anomaly notes an anomaly once per kind and detail.
func (c *Conn) anomaly(kind, detail string) {
	key := kind + "\x00" + detail
	if c.anomSeen[key] || len(c.anoms) >= maxAnomalies {
		return
	}
	if c.anomSeen == nil {
		c.anomSeen = make(map[string]bool)
	}
	c.anomSeen[key] = true
	c.anoms = append(c.anoms, Anomaly{Kind: kind, Detail: detail})
}

// Decrypted reports whether a record has been decrypted (cheaper than Info).
func (c *Conn) Decrypted() bool { return c.info.Decrypted }

// Opaque reports that nothing more can be learned from the connection:
// both directions are encrypted and there are no keys to look up. A caller
// may stop feeding it.
func (c *Conn) Opaque() bool {
	return c.keys == nil && c.dir[FromClient].encrypted && c.dir[FromServer].encrypted
}

// OfferedVersion is the highest version the ClientHello offered ("" before
// one was seen), for connections whose ServerHello was not seen.
func (c *Conn) OfferedVersion() string {
	if c.ch == nil {
		return ""
	}
	v := c.ch.version
	for _, x := range c.ch.versions {
		if !isGREASE(x) && x > v {
			v = x
		}
	}
	return VersionName(v)
}
