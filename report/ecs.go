package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// ECSVersion is the Elastic Common Schema version the events follow.
const ECSVersion = "9.4.0"

// ECS event.dataset values, one per kind of event.
const (
	ECSDatasetSession     = "imapscope.session"
	ECSDatasetTransaction = "imapscope.transaction"
	ECSDatasetAnomaly     = "imapscope.anomaly"
)

// ecsModule is event.module of every event.
const ecsModule = "imapscope"

// ecsEvent is one Elastic Common Schema document: a session, a transaction
// or an anomaly. Field order is fixed by the struct, so the output is
// deterministic. Fields outside ECS are under imap.* (a custom field set).
type ecsEvent struct {
	Timestamp   string       `json:"@timestamp"`
	Message     string       `json:"message,omitempty"`
	ECS         ecsVersion   `json:"ecs"`
	Event       ecsEventMeta `json:"event"`
	Source      ecsEndpoint  `json:"source"`
	Destination ecsEndpoint  `json:"destination"`
	Client      ecsEndpoint  `json:"client"`
	Server      ecsEndpoint  `json:"server"`
	User        *ecsUser     `json:"user,omitempty"`
	Related     ecsRelated   `json:"related"`
	Network     ecsNetwork   `json:"network"`
	TLS         *ecsTLS      `json:"tls,omitempty"`
	IMAP        ecsIMAP      `json:"imap"`
}

type ecsVersion struct {
	Version string `json:"version"`
}

type ecsEventMeta struct {
	Kind     string   `json:"kind"`
	Category []string `json:"category"`
	Type     []string `json:"type"`
	Action   string   `json:"action"`
	Module   string   `json:"module"`
	Dataset  string   `json:"dataset"`
	Start    string   `json:"start,omitempty"`
	End      string   `json:"end,omitempty"`
	Duration *int64   `json:"duration,omitempty"`
	Outcome  string   `json:"outcome,omitempty"`
	Reason   string   `json:"reason,omitempty"`
}

type ecsEndpoint struct {
	IP    string `json:"ip,omitempty"`
	Port  int    `json:"port,omitempty"`
	Bytes int64  `json:"bytes"`
}

type ecsUser struct {
	Name string `json:"name"`
}

type ecsRelated struct {
	IP   []string `json:"ip,omitempty"`
	User []string `json:"user,omitempty"`
}

type ecsNetwork struct {
	Protocol    string `json:"protocol"`
	Transport   string `json:"transport"`
	IANANumber  string `json:"iana_number"`
	Type        string `json:"type,omitempty"`
	CommunityID string `json:"community_id,omitempty"`
	Bytes       int64  `json:"bytes"`
}

// ecsIMAP is the custom imap.* field set. SessionID is the session's uid,
// SessionNumber its number within the run.
type ecsIMAP struct {
	SessionID     string `json:"session_id"`
	SessionNumber int    `json:"session_number"`
	Dialect       string `json:"dialect"`

	// Transaction events.
	Tag                string  `json:"tag,omitempty"`
	Command            string  `json:"command,omitempty"`
	Args               *string `json:"args,omitempty"`
	Status             *Status `json:"status,omitempty"`
	Code               string  `json:"code,omitempty"`
	Text               string  `json:"text,omitempty"`
	Mailbox            string  `json:"mailbox,omitempty"`
	Responses          *int    `json:"responses,omitempty"`
	ClientLiteralBytes *int64  `json:"client_literal_bytes,omitempty"`
	ServerLiteralBytes *int64  `json:"server_literal_bytes,omitempty"`
	Note               string  `json:"note,omitempty"`

	// TLS facts ECS has no field for (see ecs_tls.go).
	TLS *ecsIMAPTLS `json:"tls,omitempty"`

	// Session events.
	Greeting      string   `json:"greeting,omitempty"`
	Capabilities  []string `json:"capabilities,omitempty"`
	AuthMechanism string   `json:"auth_mechanism,omitempty"`
	Mailboxes     []string `json:"mailboxes,omitempty"`
	StartTLS      bool     `json:"starttls,omitempty"`
	Compressed    bool     `json:"compressed,omitempty"`
	NotIMAP       string   `json:"not_imap,omitempty"`
	Midstream     bool     `json:"midstream,omitempty"`
	Closed        *bool    `json:"closed,omitempty"`
	Gaps          int      `json:"gaps,omitempty"`
	GapBytes      int64    `json:"gap_bytes,omitempty"`
	Transactions  *int     `json:"transactions,omitempty"`
	Anomalies     *int     `json:"anomalies,omitempty"`

	// Anomaly events.
	Anomaly *ecsAnomaly `json:"anomaly,omitempty"`
}

type ecsAnomaly struct {
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
	Tag    string `json:"tag,omitempty"`
}

// ECSWriter writes Elastic Common Schema events as JSON Lines (Filebeat's
// ndjson parser, Logstash, or the Elasticsearch _bulk API ingest them
// directly): per session one imapscope.session event, then one
// imapscope.transaction event per transaction and one imapscope.anomaly
// event per anomaly. It is safe for concurrent use: the events of one
// session are written together in one Write call (those of a session
// whose transactions were spilled, in several, the lock held throughout). The first write error is
// sticky.
type ECSWriter struct {
	mu  sync.Mutex
	w   io.Writer
	err error
	buf bytes.Buffer
}

// NewECSWriter returns an ECSWriter writing to w.
func NewECSWriter(w io.Writer) *ECSWriter { return &ECSWriter{w: w} }

// WriteSession writes the events of s. If the underlying writer has a
// Flush() error method, it is called afterwards, so a stream reaches its
// reader session by session.
func (e *ECSWriter) WriteSession(s *Session) error {
	if s == nil {
		return fmt.Errorf("report: ecs: %w", errNilSession)
	}
	for j, t := range s.Transactions {
		if t == nil {
			return fmt.Errorf("report: ecs: session %d: transactions[%d]: %w", s.ID, j, errNilTransaction)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return e.err
	}
	e.buf.Reset()
	enc := json.NewEncoder(&e.buf)
	enc.SetEscapeHTML(false)
	var drain func() error
	if s.Spilled != nil && s.allFinite() {
		// A long session: its events go out in chunks (the lock held),
		// so that they are never all in memory.
		drain = func() error {
			if e.buf.Len() < jsonChunk {
				return nil
			}
			if _, err := e.w.Write(e.buf.Bytes()); err != nil {
				e.err = fmt.Errorf("report: ecs: write: %w", err)
				return e.err
			}
			e.buf.Reset()
			return nil
		}
	}
	if err := encodeSessionEvents(enc, s, drain); err != nil {
		if e.err != nil {
			return e.err
		}
		if drain != nil {
			e.err = fmt.Errorf("report: ecs: encode: %w", err) // part was written
			return e.err
		}
		return fmt.Errorf("report: ecs: encode: %w", err)
	}
	if _, err := e.w.Write(e.buf.Bytes()); err != nil {
		e.err = fmt.Errorf("report: ecs: write: %w", err)
		return e.err
	}
	if f, ok := e.w.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			e.err = fmt.Errorf("report: ecs: flush: %w", err)
			return e.err
		}
	}
	return nil
}

// encodeSessionEvents encodes the events of s in order: session,
// transactions, anomalies. drain, if set, is called after each
// transaction event.
func encodeSessionEvents(enc *json.Encoder, s *Session, drain func() error) error {
	base := newECSBase(s)
	if err := enc.Encode(sessionEvent(base, s)); err != nil {
		return err
	}
	for _, t := range s.Txns() {
		if err := enc.Encode(transactionEvent(base, s, t)); err != nil {
			return err
		}
		if drain != nil {
			if err := drain(); err != nil {
				return err
			}
		}
	}
	for _, a := range s.Anomalies {
		if err := enc.Encode(anomalyEvent(base, s, a)); err != nil {
			return err
		}
	}
	if err := s.TxnErr(); err != nil {
		return err
	}
	return nil
}

// WriteECS writes the ECS events of every session of r, in order (see
// ECSWriter). @timestamp is the session's, command's or anomaly's time;
// event.duration (ns) is present for completed transactions and ended
// sessions; event.outcome is success for OK, failure for NO, BAD and BYE,
// unknown when the command never completed. IMAP details are under imap.*;
// args are redacted as in the report.
func WriteECS(w io.Writer, r *Report) error {
	if r == nil {
		return ErrNilReport
	}
	ew := NewECSWriter(w)
	return r.eachSession(func(_ int, s *Session) error { return ew.WriteSession(s) })
}

// ecsOutcome maps a completion status to event.outcome.
func ecsOutcome(st Status) string {
	switch st {
	case "OK":
		return "success"
	case "":
		return "unknown"
	}
	return "failure"
}

// ecsTime formats t for ECS, "" for the zero time.
func ecsTime(t Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// ecsSplit splits an ip:port endpoint; the port is 0 when absent.
func ecsSplit(ep string) (string, int) {
	host, port, err := net.SplitHostPort(ep)
	if err != nil {
		return ep, 0
	}
	p, _ := strconv.Atoi(port)
	return host, p
}
