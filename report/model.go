package report

import (
	"encoding/json"
	"time"
)

// Report is the whole result of one run: every session, in order of first packet.
type Report struct {
	// Tool names the program and version that produced the report.
	Tool string `json:"tool"`
	// Inputs lists the capture files read, in the order given.
	Inputs []string `json:"inputs"`
	// Sessions holds one entry per TCP connection seen on an IMAP port.
	Sessions []*Session `json:"sessions"`
	// Capture summarises what was read below the IMAP layer.
	Capture *CaptureStats `json:"capture,omitempty"`
	// Stats rolls up the sessions' transactions (imapscope read --stats);
	// absent unless asked for. See ComputeStats.
	Stats *Stats `json:"stats,omitempty"`
	// Source, if set, holds the sessions instead of Sessions (which is then
	// ignored): renderers read them one at a time, so that a large report
	// need not be in memory.
	Source SessionSource `json:"-"`
}

// CaptureStats counts what the packet layer saw.
type CaptureStats struct {
	Packets        int64 `json:"packets"`
	Bytes          int64 `json:"bytes"`
	IMAPPackets    int64 `json:"imap_packets"`
	DecodeErrors   int64 `json:"decode_errors"`
	TruncatedInput bool  `json:"truncated_input"`
	// Interrupted is set when the run was stopped (SIGINT, SIGTERM) before
	// the input ended: the report covers what was read until then.
	Interrupted bool `json:"interrupted,omitempty"`
	// Damage says, in words, what was wrong with the input, if anything.
	Damage string `json:"damage,omitempty"`
	// EmptyConnections counts connections to an IMAP port that carried no
	// payload in either direction (port scans, refused or aborted
	// connections); they are not reported as sessions.
	EmptyConnections int64 `json:"empty_connections,omitempty"`
	// PacketsOverConnectionLimit counts packets of connections not followed
	// because the limit of connections open at once was reached.
	PacketsOverConnectionLimit int64 `json:"packets_over_connection_limit,omitempty"`
	// Skipped counts packets whose content could not be used, by reason
	// (unsupported_link_type, fragments_not_reassembled, bad_checksum,
	// rst_payload). Absent when nothing was skipped.
	Skipped map[string]int64 `json:"skipped,omitempty"`
	// UnsupportedLinkTypes names the link types of the packets skipped as
	// unsupported_link_type.
	UnsupportedLinkTypes []string `json:"unsupported_link_types,omitempty"`
	// CapLenOverLength counts records whose captured length exceeded their
	// original length; they were read with the captured bytes.
	CapLenOverLength int64 `json:"caplen_over_length,omitempty"`
	// ReusedConnections counts connections that began on a 4-tuple still
	// in use (port reuse, a SYN retried with a new ISN).
	ReusedConnections int64 `json:"reused_connections,omitempty"`
	// ClockOutliers counts packets stamped far ahead of the capture clock
	// and not confirmed by the next packet; they were processed at the
	// clock's time (so they end no connection).
	ClockOutliers int64 `json:"clock_outliers,omitempty"`
	// Defragmented counts IP datagrams reassembled from fragments,
	// AtomicFragments IPv6 atomic fragments (RFC 6946) read on their own,
	// FragmentOverlaps datagrams dropped because fragments overlapped with
	// different bytes.
	Defragmented     int64 `json:"defragmented,omitempty"`
	AtomicFragments  int64 `json:"atomic_fragments,omitempty"`
	FragmentOverlaps int64 `json:"fragment_overlaps,omitempty"`
	// KeyLogEntries counts the TLS connections with secrets in the key logs
	// given (--keylog); KeyLogMalformed the key-log lines that could not be
	// parsed. Key material itself never appears.
	KeyLogEntries   int64 `json:"keylog_entries,omitempty"`
	KeyLogMalformed int64 `json:"keylog_malformed,omitempty"`
}

// Session is one IMAP conversation: one TCP connection to a server port.
type Session struct {
	ID int `json:"id"`
	// UID identifies the session across runs and sensors (see SessionUID).
	UID string `json:"uid,omitempty"`
	// CommunityID is the Community ID v1 of the flow (see CommunityID).
	CommunityID string `json:"community_id,omitempty"`
	Client      string `json:"client"` // ip:port ([v6]:port for IPv6)
	Server      string `json:"server"`
	Start       Time   `json:"start"`
	End         Time   `json:"end"`

	// Dialect is IMAP2, IMAP2bis, IMAP3, IMAP4, IMAP4rev1, IMAP4rev2 or unknown.
	Dialect  string `json:"dialect"`
	Greeting string `json:"greeting"`
	// GreetingStatus is OK, PREAUTH or BYE ("" when no greeting was seen).
	GreetingStatus string   `json:"greeting_status,omitempty"`
	Capabilities   []string `json:"capabilities"`
	Enabled        []string `json:"enabled,omitempty"`

	// IMAP3 (RFC 1203) negotiation.
	SupportedVersions []ProtocolVersion `json:"supported_versions,omitempty"`
	Version           string            `json:"version,omitempty"`
	Features          []string          `json:"features,omitempty"`

	User          string `json:"user"`
	AuthMechanism string `json:"auth_mechanism,omitempty"`
	// Mailboxes lists mailbox names selected or examined, in order, raw (as on the wire).
	Mailboxes []string `json:"mailboxes"`
	// MailboxesDecoded holds the same names decoded from modified UTF-7 where they differ.
	MailboxesDecoded []string `json:"mailboxes_decoded,omitempty"`
	// Access is READ-WRITE or READ-ONLY for the current mailbox, when known.
	Access string `json:"access,omitempty"`

	ClientID map[string]string `json:"client_id,omitempty"`
	ServerID map[string]string `json:"server_id,omitempty"`

	TLS        bool   `json:"tls"`
	StartTLS   bool   `json:"starttls,omitempty"`
	TLSSNI     string `json:"tls_sni,omitempty"`
	TLSVersion string `json:"tls_version,omitempty"`
	// TLSDecrypted is true when records of the session were decrypted with a key log.
	TLSDecrypted bool `json:"tls_decrypted,omitempty"`
	// TLSCipher is the negotiated cipher suite's IANA name.
	TLSCipher string `json:"tls_cipher,omitempty"`
	// TLSALPN is the client's ALPN list.
	TLSALPN []string `json:"tls_alpn,omitempty"`
	// JA3 and JA3S are the Salesforce fingerprints (MD5 hex) of the ClientHello and ServerHello.
	JA3  string `json:"ja3,omitempty"`
	JA3S string `json:"ja3s,omitempty"`
	// JA4 is FoxIO's JA4 fingerprint of the ClientHello.
	JA4 string `json:"ja4,omitempty"`
	// TLSCert describes the server's certificate, when it was visible.
	TLSCert    *TLSCert `json:"tls_cert,omitempty"`
	Compressed bool     `json:"compressed"`
	// Compressed byte counts (on the wire) and inflated counts, when COMPRESS was used.
	CompressedClientBytes int64 `json:"compressed_client_bytes,omitempty"`
	CompressedServerBytes int64 `json:"compressed_server_bytes,omitempty"`
	InflatedClientBytes   int64 `json:"inflated_client_bytes,omitempty"`
	InflatedServerBytes   int64 `json:"inflated_server_bytes,omitempty"`

	// NotIMAP is set when the traffic was recognised as another protocol or as noise.
	NotIMAP string `json:"not_imap,omitempty"`
	// Midstream is true when the capture started after the connection did (no SYN).
	Midstream bool `json:"midstream"`
	// Closed is true when the connection was seen to end (FIN or RST).
	Closed bool `json:"closed"`

	ClientBytes int64 `json:"client_bytes"`
	ServerBytes int64 `json:"server_bytes"`
	Gaps        int   `json:"gaps"`
	GapBytes    int64 `json:"gap_bytes"`

	// Unsolicited counts untagged responses that arrived while no command was in flight, by kind.
	Unsolicited map[string]int `json:"unsolicited,omitempty"`

	// MailboxView is the last selected mailbox as the client saw it at the
	// end of the session; absent when no mailbox was selected.
	MailboxView *MailboxView `json:"mailbox_view,omitempty"`

	Anomalies    []Anomaly      `json:"anomalies"`
	Transactions []*Transaction `json:"transactions"`
	// Spilled, when set, holds the session's first transactions, moved out
	// of memory into a TxnFile as the session went on; Transactions then
	// holds the ones after them. Txns and TransactionCount see both.
	Spilled *SpilledTxns `json:"-" codec:"-"`
}

// ProtocolVersion is one entry of an IMAP3 SUPPORTED.VERSIONS response.
type ProtocolVersion struct {
	Version  string   `json:"version"` // "2.0", "3.0"
	Features []string `json:"features,omitempty"`
}

// Anomaly is one thing the dissector saw that a conforming peer would not do,
// or one decision it had to make about damaged input.
type Anomaly struct {
	Kind   AnomalyKind `json:"kind"`
	Detail string      `json:"detail"`
	Tag    string      `json:"tag,omitempty"`
	Time   Time        `json:"time"`
}

// Transaction is one tagged command and what it drew from the server.
type Transaction struct {
	Tag     string `json:"tag"`
	Command string `json:"command"` // upper case; "UID FETCH" for UID forms
	Args    string `json:"args"`    // secrets redacted unless asked
	Status  Status `json:"status"`  // OK, NO, BAD, BYE, or null when never completed
	Code    string `json:"code,omitempty"`
	Text    string `json:"text"`
	Start   Time   `json:"start"`
	End     Time   `json:"end"`
	// LatencyMS is first byte of the command to last byte of its completion.
	LatencyMS float64 `json:"latency_ms"`
	// Responses counts the untagged (or IMAP3 tagged) data responses attributed to the command.
	Responses int `json:"responses"`
	// Continuations counts the server's "+" continuation requests the command drew.
	Continuations      int   `json:"continuations,omitempty"`
	ClientBytes        int64 `json:"client_bytes"`
	ServerBytes        int64 `json:"server_bytes"`
	ClientLiteralBytes int64 `json:"client_literal_bytes"`
	ServerLiteralBytes int64 `json:"server_literal_bytes"`
	// Mailbox is the mailbox selected when the command was sent.
	Mailbox string `json:"mailbox,omitempty"`
	// NamedMailbox is the mailbox the command names first, unquoted
	// (SELECT, EXAMINE, STATUS, APPEND, CREATE, DELETE, RENAME, SUBSCRIBE,
	// UNSUBSCRIBE), when it is known.
	NamedMailbox string `json:"named_mailbox,omitempty"`
	// InTLS is true when the command was read from decrypted TLS.
	InTLS bool `json:"in_tls,omitempty"`
	// Note explains an incomplete or damaged transaction.
	Note string `json:"note,omitempty"`
	// SASL holds the client's AUTHENTICATE responses, decoded where they are
	// text; only present when secrets were asked for (--show-secrets).
	SASL []string `json:"sasl,omitempty"`
	// Result is what the server's answer said (message counts, UIDs,
	// search hits…); absent when the command drew nothing parsed.
	Result *Result `json:"result,omitempty"`
}

// TLSCert describes a server's end-entity certificate.
type TLSCert struct {
	SubjectCN string   `json:"subject_cn"`
	SANs      []string `json:"sans"`
	Issuer    string   `json:"issuer"`
	NotBefore Time     `json:"not_before"`
	NotAfter  Time     `json:"not_after"`
	SHA256    string   `json:"sha256"`
	// Expired is true when the capture time was past NotAfter.
	Expired bool `json:"expired"`
}

// Status is a completion status; the empty Status means "never completed" and renders as JSON null.
type Status string

// statusJSON holds the encodings of the usual statuses, so that writing
// them does not allocate. encoding/json does not modify what MarshalJSON
// returns.
var statusJSON = map[Status][]byte{
	"": []byte("null"), "OK": []byte(`"OK"`), "NO": []byte(`"NO"`), "BAD": []byte(`"BAD"`), "BYE": []byte(`"BYE"`),
}

// MarshalJSON writes null for the empty Status.
func (s Status) MarshalJSON() ([]byte, error) {
	if b, ok := statusJSON[s]; ok {
		return b, nil
	}
	return json.Marshal(string(s))
}

// UnmarshalJSON reads null as the empty Status.
func (s *Status) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = ""
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Status(v)
	return nil
}

// Time is a capture timestamp rendered as RFC 3339 with fractional seconds in UTC;
// the zero Time renders as JSON null.
type Time struct{ time.Time }

// MarshalJSON writes RFC 3339 with nanoseconds in UTC, or null for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	b := make([]byte, 0, len(time.RFC3339Nano)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}
