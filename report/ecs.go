package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// ECSVersion is the Elastic Common Schema version the events follow.
const ECSVersion = "8.11.0"

// ecsEvent is one transaction as an Elastic Common Schema document. Field
// order is fixed by the struct, so the output is deterministic.
type ecsEvent struct {
	Timestamp   string       `json:"@timestamp"`
	ECS         ecsVersion   `json:"ecs"`
	Event       ecsEventMeta `json:"event"`
	Source      ecsEndpoint  `json:"source"`
	Destination ecsEndpoint  `json:"destination"`
	Client      ecsEndpoint  `json:"client"`
	Server      ecsEndpoint  `json:"server"`
	User        *ecsUser     `json:"user,omitempty"`
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
	Dataset  string   `json:"dataset"`
	Start    string   `json:"start,omitempty"`
	End      string   `json:"end,omitempty"`
	Duration *int64   `json:"duration,omitempty"`
	Outcome  string   `json:"outcome"`
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

type ecsNetwork struct {
	Protocol  string `json:"protocol"`
	Transport string `json:"transport"`
	Type      string `json:"type,omitempty"`
	Bytes     int64  `json:"bytes"`
}

type ecsTLS struct {
	Established bool          `json:"established"`
	Version     string        `json:"version,omitempty"`
	Client      *ecsTLSClient `json:"client,omitempty"`
}

type ecsTLSClient struct {
	ServerName string `json:"server_name"`
}

type ecsIMAP struct {
	SessionID          int    `json:"session_id"`
	Tag                string `json:"tag"`
	Command            string `json:"command"`
	Args               string `json:"args"`
	Status             Status `json:"status"`
	Code               string `json:"code,omitempty"`
	Text               string `json:"text,omitempty"`
	Mailbox            string `json:"mailbox,omitempty"`
	Dialect            string `json:"dialect"`
	Responses          int    `json:"responses"`
	ClientLiteralBytes int64  `json:"client_literal_bytes"`
	ServerLiteralBytes int64  `json:"server_literal_bytes"`
	Note               string `json:"note,omitempty"`
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

// newECSEvent builds the event of transaction t of session s.
func newECSEvent(s *Session, t *Transaction) ecsEvent {
	cip, cport := ecsSplit(s.Client)
	sip, sport := ecsSplit(s.Server)
	client := ecsEndpoint{IP: cip, Port: cport, Bytes: t.ClientBytes}
	server := ecsEndpoint{IP: sip, Port: sport, Bytes: t.ServerBytes}
	ts := t.Start
	if ts.IsZero() {
		ts = s.Start
	}
	ev := ecsEvent{
		Timestamp: ecsTime(ts),
		ECS:       ecsVersion{ECSVersion},
		Event: ecsEventMeta{
			Kind: "event", Category: []string{"network"}, Type: []string{"protocol"},
			Action: "imap-" + t.Command, Dataset: "imapscope.transaction",
			Start: ecsTime(t.Start), End: ecsTime(t.End),
			Outcome: ecsOutcome(t.Status), Reason: t.Note,
		},
		Source: client, Destination: server, Client: client, Server: server,
		Network: ecsNetwork{Protocol: "imap", Transport: "tcp", Bytes: t.ClientBytes + t.ServerBytes},
		IMAP: ecsIMAP{
			SessionID: s.ID, Tag: t.Tag, Command: t.Command, Args: t.Args, Status: t.Status,
			Code: t.Code, Text: t.Text, Mailbox: t.Mailbox, Dialect: s.Dialect, Responses: t.Responses,
			ClientLiteralBytes: t.ClientLiteralBytes, ServerLiteralBytes: t.ServerLiteralBytes, Note: t.Note,
		},
	}
	if ip := net.ParseIP(cip); ip != nil {
		ev.Network.Type = "ipv6"
		if ip.To4() != nil {
			ev.Network.Type = "ipv4"
		}
	}
	if t.Status != "" && !t.Start.IsZero() && !t.End.IsZero() {
		d := t.End.Sub(t.Start.Time).Nanoseconds()
		ev.Event.Duration = &d
	}
	if s.User != "" {
		ev.User = &ecsUser{Name: s.User}
	}
	if s.TLS {
		ev.TLS = &ecsTLS{Established: true, Version: s.TLSVersion}
		if s.TLSSNI != "" {
			ev.TLS.Client = &ecsTLSClient{ServerName: s.TLSSNI}
		}
	}
	return ev
}

// WriteECS writes one Elastic Common Schema JSON document per line for every
// transaction of r, sessions in order, so Filebeat (ndjson parser), Logstash
// or the Elasticsearch _bulk API ingest it directly. @timestamp is the
// command's start; event.duration (ns) is present for completed transactions;
// event.outcome is success for OK, failure for NO, BAD and BYE, unknown when
// the command never completed. IMAP details are under imap.*; args are
// redacted as in the report.
func WriteECS(w io.Writer, r *Report) error {
	if r == nil {
		return ErrNilReport
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i, s := range r.Sessions {
		if s == nil {
			return fmt.Errorf("report: sessions[%d]: %w", i, errNilSession)
		}
		for j, t := range s.Transactions {
			if t == nil {
				return fmt.Errorf("report: session %d: transactions[%d]: %w", s.ID, j, errNilTransaction)
			}
			buf.Reset()
			if err := enc.Encode(newECSEvent(s, t)); err != nil {
				return fmt.Errorf("report: encode ecs: %w", err)
			}
			if _, err := w.Write(buf.Bytes()); err != nil {
				return fmt.Errorf("report: write ecs: %w", err)
			}
		}
	}
	return nil
}
