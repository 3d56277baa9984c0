package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// jsonAppender writes the JSON document form of a Report byte for byte as
// encoding/json would (Encoder with SetIndent("", "  ") and
// SetEscapeHTML(false)), without reflection and without re-indenting a
// compact encoding: rendering was a fifth of a whole run with encoding/json.
// Fields are written in the order of the struct declarations in model.go;
// TestFastJSONMatchesEncodingJSON fills every field through reflection and
// fails when a field is added there but not here. Values encoding/json
// cannot encode (a NaN or infinite latency) are rejected by checkReport
// before anything is written. Stats, rare and written once, goes through
// encoding/json.
//
// With compact set it writes instead what json.Marshal writes: no
// whitespace, and <, > and & escaped as \u003c, \u003e and \u0026 (the
// JSON Lines form; TestJSONLFastMatchesMarshal in pipeline compares them).
type jsonAppender struct {
	b       []byte
	depth   int  // nesting level of the value being written
	first   bool // no member or element written yet in the open object or array
	compact bool // json.Marshal's form: no indentation, HTML escaped
	// drain, if set, writes out what e.b holds (and empties it) once it
	// passes jsonChunk within a session's transactions, so that a long
	// session is not held whole; its first error is kept in drainErr.
	drain    func() error
	drainErr error
	// drainFrom is where the bytes drain writes out begin in b: what
	// comes before is the caller's (AppendSessionJSON appends to it).
	drainFrom int
	// The last second written by appendTime, formatted up to its seconds.
	sec     int64
	secOK   bool
	secText []byte
}

// indent is the deepest indentation written without allocating.
const indent = "\n                                                                "

// newline starts a new line indented for the current depth.
func (e *jsonAppender) newline() {
	if e.compact {
		return
	}
	n := 1 + 2*e.depth
	if n <= len(indent) {
		e.b = append(e.b, indent[:n]...)
		return
	}
	e.b = append(e.b, '\n')
	for range e.depth {
		e.b = append(e.b, ' ', ' ')
	}
}

// open starts an object or array with the bracket c.
func (e *jsonAppender) open(c byte) {
	e.b = append(e.b, c)
	e.depth++
	e.first = true
}

// close ends an object or array with the bracket c; an empty one stays on
// one line ({} or []).
func (e *jsonAppender) close(c byte) {
	e.depth--
	if !e.first {
		e.newline()
	}
	e.b = append(e.b, c)
	e.first = false
}

// elem starts the next element of an array.
func (e *jsonAppender) elem() {
	if !e.first {
		e.b = append(e.b, ',')
	}
	e.first = false
	e.newline()
}

// key starts the next member of an object; k is the quoted key with its
// colon and space, as in `"id": `.
func (e *jsonAppender) key(k string) {
	e.elem()
	if e.compact {
		k = k[:len(k)-1]
	}
	e.b = append(e.b, k...)
}

// colon ends a map key.
func (e *jsonAppender) colon() {
	if e.compact {
		e.b = append(e.b, ':')
		return
	}
	e.b = append(e.b, ':', ' ')
}

// string appends v quoted, HTML-escaped in compact mode.
func (e *jsonAppender) string(v string) {
	if e.compact {
		e.b = appendJSONString(e.b, v, &jsonSafeHTML)
		return
	}
	e.b = appendJSONString(e.b, v, &jsonSafe)
}

func (e *jsonAppender) str(k, v string) {
	e.key(k)
	e.string(v)
}

func (e *jsonAppender) strOmit(k, v string) {
	if v != "" {
		e.str(k, v)
	}
}

func (e *jsonAppender) int(k string, v int64) {
	e.key(k)
	e.b = strconv.AppendInt(e.b, v, 10)
}

func (e *jsonAppender) intOmit(k string, v int64) {
	if v != 0 {
		e.int(k, v)
	}
}

func (e *jsonAppender) bool(k string, v bool) {
	e.key(k)
	e.b = strconv.AppendBool(e.b, v)
}

func (e *jsonAppender) boolOmit(k string, v bool) {
	if v {
		e.bool(k, v)
	}
}

func (e *jsonAppender) time(k string, t Time) {
	e.key(k)
	if t.IsZero() {
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, '"')
	e.b = e.appendTime(e.b, t.Time)
	e.b = append(e.b, '"')
}

// appendTime appends t in UTC as AppendFormat(time.RFC3339Nano) does. Its
// date and time of day are formatted once per second (transactions come
// many a second); the fraction and the "Z" are written here.
func (e *jsonAppender) appendTime(b []byte, t time.Time) []byte {
	u := t.UTC()
	if sec := u.Unix(); !e.secOK || sec != e.sec {
		if y := u.Year(); y < 1 || y > 9999 {
			return u.AppendFormat(b, time.RFC3339Nano)
		}
		e.secText = u.AppendFormat(e.secText[:0], "2006-01-02T15:04:05")
		e.sec, e.secOK = sec, true
	}
	b = append(b, e.secText...)
	if ns := u.Nanosecond(); ns != 0 {
		// ".999999999": nine digits, trailing zeros dropped.
		d := [10]byte{'.'}
		for i := 9; i >= 1; i-- {
			d[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := len(d)
		for d[n-1] == '0' {
			n--
		}
		b = append(b, d[:n]...)
	}
	return append(b, 'Z')
}

// strings writes a string array; omit drops an empty one (omitempty).
func (e *jsonAppender) strings(k string, v []string, omit bool) {
	if omit && len(v) == 0 {
		return
	}
	e.key(k)
	if v == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.open('[')
	for _, s := range v {
		e.elem()
		e.string(s)
	}
	e.close(']')
}

// strMap writes a map[string]string with sorted keys, omitted when empty.
func (e *jsonAppender) strMap(k string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	e.key(k)
	e.open('{')
	for _, mk := range sortedKeys(m) {
		e.elem()
		e.string(mk)
		e.colon()
		e.string(m[mk])
	}
	e.close('}')
}

// intMap writes a map[string]int with sorted keys, omitted when empty.
func (e *jsonAppender) intMap(k string, m map[string]int) { appendCountMap(e, k, m) }

// int64Map is intMap for int64 counts.
func (e *jsonAppender) int64Map(k string, m map[string]int64) { appendCountMap(e, k, m) }

// appendCountMap writes a map of integer counts with sorted keys, omitted
// when empty (methods cannot be generic, so intMap and int64Map share it).
func appendCountMap[V int | int64](e *jsonAppender, k string, m map[string]V) {
	if len(m) == 0 {
		return
	}
	e.key(k)
	e.open('{')
	for _, mk := range sortedKeys(m) {
		e.elem()
		e.string(mk)
		e.colon()
		e.b = strconv.AppendInt(e.b, int64(m[mk]), 10)
	}
	e.close('}')
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// report writes r, already normalised; stats is the encoding of r.Stats
// (nil when absent).
func (e *jsonAppender) report(r *Report, stats []byte, flush func() error) error {
	e.reportHead(r.Tool, r.Inputs)
	if r.Sessions == nil && r.Source == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.open('[')
		var err error
		if src, ok := r.Source.(JSONSource); ok && src.RendersJSON() {
			err = e.renderedSessions(src, flush)
		} else {
			err = e.eachSessionJSON(r, flush)
		}
		if err != nil {
			return err
		}
		e.close(']')
	}
	e.reportTail(r, stats)
	return nil
}

// reportHead writes the document up to the "sessions" key: the members
// known before any packet is read.
func (e *jsonAppender) reportHead(tool string, inputs []string) {
	e.open('{')
	e.str(`"tool": `, tool)
	e.strings(`"inputs": `, inputs, false)
	e.key(`"sessions": `)
}

// reportTail writes what follows the "sessions" array: the capture
// figures and the statistics, known once the capture has been read.
func (e *jsonAppender) reportTail(r *Report, stats []byte) {
	if c := r.Capture; c != nil {
		e.key(`"capture": `)
		e.open('{')
		e.int(`"packets": `, c.Packets)
		e.int(`"bytes": `, c.Bytes)
		e.int(`"imap_packets": `, c.IMAPPackets)
		e.int(`"decode_errors": `, c.DecodeErrors)
		e.bool(`"truncated_input": `, c.TruncatedInput)
		e.boolOmit(`"interrupted": `, c.Interrupted)
		e.strOmit(`"damage": `, c.Damage)
		e.intOmit(`"empty_connections": `, c.EmptyConnections)
		e.intOmit(`"packets_over_connection_limit": `, c.PacketsOverConnectionLimit)
		e.int64Map(`"skipped": `, c.Skipped)
		e.strings(`"unsupported_link_types": `, c.UnsupportedLinkTypes, true)
		e.intOmit(`"caplen_over_length": `, c.CapLenOverLength)
		e.intOmit(`"reused_connections": `, c.ReusedConnections)
		e.intOmit(`"clock_outliers": `, c.ClockOutliers)
		e.intOmit(`"defragmented": `, c.Defragmented)
		e.intOmit(`"atomic_fragments": `, c.AtomicFragments)
		e.intOmit(`"fragment_overlaps": `, c.FragmentOverlaps)
		e.intOmit(`"keylog_entries": `, c.KeyLogEntries)
		e.intOmit(`"keylog_malformed": `, c.KeyLogMalformed)
		e.close('}')
	}
	if stats != nil {
		e.key(`"stats": `)
		e.b = append(e.b, stats...)
	}
	e.close('}')
	e.b = append(e.b, '\n')
}

// session writes one normalised session.
func (e *jsonAppender) session(s *Session) {
	e.open('{')
	e.sessionMembers(s)
	e.close('}')
}

// sessionMembers writes the members of a normalised session into the open
// object.
func (e *jsonAppender) sessionMembers(s *Session) {
	e.int(`"id": `, int64(s.ID))
	e.strOmit(`"uid": `, s.UID)
	e.strOmit(`"community_id": `, s.CommunityID)
	e.str(`"client": `, s.Client)
	e.str(`"server": `, s.Server)
	e.time(`"start": `, s.Start)
	e.time(`"end": `, s.End)
	e.str(`"dialect": `, s.Dialect)
	e.str(`"greeting": `, s.Greeting)
	e.strOmit(`"greeting_status": `, s.GreetingStatus)
	e.strings(`"capabilities": `, s.Capabilities, false)
	e.strings(`"enabled": `, s.Enabled, true)
	e.supportedVersions(s.SupportedVersions)
	e.strOmit(`"version": `, s.Version)
	e.strings(`"features": `, s.Features, true)
	e.str(`"user": `, s.User)
	e.strOmit(`"auth_mechanism": `, s.AuthMechanism)
	e.strings(`"mailboxes": `, s.Mailboxes, false)
	e.strings(`"mailboxes_decoded": `, s.MailboxesDecoded, true)
	e.strOmit(`"access": `, s.Access)
	e.strMap(`"client_id": `, s.ClientID)
	e.strMap(`"server_id": `, s.ServerID)
	e.bool(`"tls": `, s.TLS)
	e.boolOmit(`"starttls": `, s.StartTLS)
	e.strOmit(`"tls_sni": `, s.TLSSNI)
	e.strOmit(`"tls_version": `, s.TLSVersion)
	e.boolOmit(`"tls_decrypted": `, s.TLSDecrypted)
	e.strOmit(`"tls_cipher": `, s.TLSCipher)
	e.strings(`"tls_alpn": `, s.TLSALPN, true)
	e.strOmit(`"ja3": `, s.JA3)
	e.strOmit(`"ja3s": `, s.JA3S)
	e.strOmit(`"ja4": `, s.JA4)
	e.tlsCert(s.TLSCert)
	e.bool(`"compressed": `, s.Compressed)
	e.intOmit(`"compressed_client_bytes": `, s.CompressedClientBytes)
	e.intOmit(`"compressed_server_bytes": `, s.CompressedServerBytes)
	e.intOmit(`"inflated_client_bytes": `, s.InflatedClientBytes)
	e.intOmit(`"inflated_server_bytes": `, s.InflatedServerBytes)
	e.strOmit(`"not_imap": `, s.NotIMAP)
	e.bool(`"midstream": `, s.Midstream)
	e.bool(`"closed": `, s.Closed)
	e.int(`"client_bytes": `, s.ClientBytes)
	e.int(`"server_bytes": `, s.ServerBytes)
	e.int(`"gaps": `, int64(s.Gaps))
	e.int(`"gap_bytes": `, s.GapBytes)
	e.intMap(`"unsolicited": `, s.Unsolicited)
	e.mailboxView(s.MailboxView)
	e.anomalies(s.Anomalies)
	e.key(`"transactions": `)
	if s.Transactions == nil && s.Spilled == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.open('[')
		for _, t := range s.Txns() {
			e.elem()
			e.transaction(t)
			if e.drain != nil && len(e.b)-e.drainFrom >= jsonChunk && e.drainErr == nil {
				e.drainErr = e.drain()
			}
		}
		e.close(']')
	}
}

// supportedVersions writes the IMAP3 versions a server offered (omitted
// when none).
func (e *jsonAppender) supportedVersions(vs []ProtocolVersion) {
	if len(vs) == 0 {
		return
	}
	e.key(`"supported_versions": `)
	e.open('[')
	for _, v := range vs {
		e.elem()
		e.open('{')
		e.str(`"version": `, v.Version)
		e.strings(`"features": `, v.Features, true)
		e.close('}')
	}
	e.close(']')
}

// tlsCert writes the server certificate (omitted when nil).
func (e *jsonAppender) tlsCert(c *TLSCert) {
	if c == nil {
		return
	}
	e.key(`"tls_cert": `)
	e.open('{')
	e.str(`"subject_cn": `, c.SubjectCN)
	e.strings(`"sans": `, c.SANs, false)
	e.str(`"issuer": `, c.Issuer)
	e.time(`"not_before": `, c.NotBefore)
	e.time(`"not_after": `, c.NotAfter)
	e.str(`"sha256": `, c.SHA256)
	e.bool(`"expired": `, c.Expired)
	e.close('}')
}

// anomalies writes a session's anomaly list (null when nil).
func (e *jsonAppender) anomalies(as []Anomaly) {
	e.key(`"anomalies": `)
	if as == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.open('[')
	for i := range as {
		a := &as[i]
		e.elem()
		e.open('{')
		e.str(`"kind": `, string(a.Kind))
		e.str(`"detail": `, a.Detail)
		e.strOmit(`"tag": `, a.Tag)
		e.time(`"time": `, a.Time)
		e.close('}')
	}
	e.close(']')
}

// transaction writes one transaction (non-nil, finite latency).
func (e *jsonAppender) transaction(t *Transaction) {
	e.open('{')
	e.transactionMembers(t)
	e.close('}')
}

// transactionMembers writes the members of a transaction into the open
// object.
func (e *jsonAppender) transactionMembers(t *Transaction) {
	e.str(`"tag": `, t.Tag)
	e.str(`"command": `, t.Command)
	e.str(`"args": `, t.Args)
	e.key(`"status": `)
	e.b = appendStatus(e.b, t.Status)
	e.strOmit(`"code": `, t.Code)
	e.str(`"text": `, t.Text)
	e.time(`"start": `, t.Start)
	e.time(`"end": `, t.End)
	e.key(`"latency_ms": `)
	e.b = appendJSONFloat(e.b, t.LatencyMS)
	e.int(`"responses": `, int64(t.Responses))
	e.intOmit(`"continuations": `, int64(t.Continuations))
	e.int(`"client_bytes": `, t.ClientBytes)
	e.int(`"server_bytes": `, t.ServerBytes)
	e.int(`"client_literal_bytes": `, t.ClientLiteralBytes)
	e.int(`"server_literal_bytes": `, t.ServerLiteralBytes)
	e.strOmit(`"mailbox": `, t.Mailbox)
	e.strOmit(`"named_mailbox": `, t.NamedMailbox)
	e.boolOmit(`"in_tls": `, t.InTLS)
	e.strOmit(`"note": `, t.Note)
	e.strings(`"sasl": `, t.SASL, true)
	e.result(t.Result)
}

// appendStatus appends what Status.MarshalJSON returns.
func appendStatus(b []byte, s Status) []byte {
	if j, ok := statusJSON[s]; ok {
		return append(b, j...)
	}
	j, _ := s.MarshalJSON() // a string always encodes
	return append(b, j...)
}

// appendJSONFloat appends f as encoding/json writes a float64 (ES6 number
// formatting). f must be finite.
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9, as in encoding/json.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// checkReport finds what the appender cannot write (encoding/json would
// fail on it) before anything is written.
func checkReport(r *Report) error {
	for i, s := range r.Sessions {
		if err := checkSession(i, s); err != nil {
			return err
		}
	}
	return nil
}

// checkSession finds what the appender cannot write in session i.
func checkSession(i int, s *Session) error {
	if s.allFinite() {
		return nil
	}
	for j, t := range s.Txns() {
		if math.IsInf(t.LatencyMS, 0) || math.IsNaN(t.LatencyMS) {
			return fmt.Errorf("report: encode json: sessions[%d].transactions[%d]: unsupported latency_ms %v", i, j, t.LatencyMS)
		}
	}
	return nil
}

// encodeStats returns the indented encoding of st as a member value at
// depth 1 of the document.
func encodeStats(st *Stats) ([]byte, error) {
	if st == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("  ", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(st); err != nil {
		return nil, fmt.Errorf("report: encode json: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// eachSessionJSON renders the sessions of r as the elements of the open
// "sessions" array; flush is WriteJSON's.
func (e *jsonAppender) eachSessionJSON(r *Report, flush func() error) error {
	return r.eachSession(func(i int, s *Session) error {
		ns, err := normalizeSession(s)
		if err != nil {
			return fmt.Errorf("report: sessions[%d]: %w", i, err)
		}
		if err := checkSession(i, ns); err != nil {
			return err
		}
		e.elem()
		e.session(ns)
		if e.drainErr != nil {
			return e.drainErr
		}
		if flush != nil {
			return flush()
		}
		return nil
	})
}
