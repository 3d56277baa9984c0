package report

import "time"

// ts returns a capture timestamp on 2024-03-05 UTC, offset by ms milliseconds
// plus ns nanoseconds, so that JSON output shows nanosecond precision.
func ts(ms, ns int) Time {
	base := time.Date(2024, 3, 5, 9, 30, 0, 0, time.UTC)
	return Time{base.Add(time.Duration(ms)*time.Millisecond + time.Duration(ns))}
}

// testReport builds a realistic two-session report: session 1 is IMAP4rev1
// with STARTTLS, a non-ASCII mailbox, control characters in arguments, a
// never-completed command and anomalies; session 2 is IMAP3 with
// SUPPORTED.VERSIONS and compression.
func testReport() *Report {
	return &Report{
		Tool:   "imapscope test",
		Inputs: []string{"testdata/one.pcap", "testdata/two.pcapng"},
		Capture: &CaptureStats{
			Packets: 120, Bytes: 48213, IMAPPackets: 97, DecodeErrors: 1,
			TruncatedInput: true, Damage: "last record cut short",
		},
		Sessions: []*Session{
			{
				ID: 1, Client: "10.0.0.1:50000", Server: "10.0.0.2:143",
				Start: ts(0, 123), End: ts(2500, 0),
				Dialect: "IMAP4rev1", Greeting: "Dovecot ready.", GreetingStatus: "OK",
				Capabilities:     []string{"IMAP4rev1", "STARTTLS", "IDLE", "ID"},
				Enabled:          []string{"UTF8=ACCEPT"},
				User:             "alice",
				AuthMechanism:    "PLAIN",
				Mailboxes:        []string{"INBOX", "&AMk-t&AOk-", "INBOX"},
				MailboxesDecoded: []string{"", "Été", ""},
				Access:           "READ-WRITE",
				ClientID:         map[string]string{"name": "Thunderbird", "version": "115.0"},
				ServerID:         map[string]string{"name": "Dovecot"},
				TLS:              true, StartTLS: true, TLSSNI: "mail.example.org", TLSVersion: "TLS 1.3",
				Closed:      true,
				ClientBytes: 1234, ServerBytes: 56789, Gaps: 1, GapBytes: 1460,
				Unsolicited: map[string]int{"EXISTS": 2, "EXPUNGE": 1},
				Anomalies: []Anomaly{
					{Kind: AnomalyUnknownTag, Detail: "completion for tag never sent", Tag: "zz9", Time: ts(1000, 5)},
					{Kind: AnomalyResync, Detail: "1460 bytes lost\r\nin server stream", Time: ts(1200, 0)},
				},
				Transactions: []*Transaction{
					{Tag: "a1", Command: "CAPABILITY", Status: "OK", Text: "Pre-login capabilities listed, post-login capabilities have more.",
						Start: ts(10, 0), End: ts(12, 500000), LatencyMS: 2.5, Responses: 1,
						ClientBytes: 15, ServerBytes: 180},
					{Tag: "a2", Command: "LOGIN", Args: "alice \x1b[31m***\r\n\x00", Status: "OK", Code: "CAPABILITY", Text: "Logged in",
						Start: ts(100, 0), End: ts(150, 250), LatencyMS: 50.00025, Responses: 0,
						ClientBytes: 30, ServerBytes: 40},
					{Tag: "a3", Command: "SELECT", Args: `"&AMk-t&AOk-"`, Status: "NO", Code: "NONEXISTENT", Text: "Mailbox doesn't exist: Été",
						Start: ts(200, 0), End: ts(201, 0), LatencyMS: 1, ClientBytes: 24, ServerBytes: 50, Mailbox: "INBOX"},
					{Tag: "a4", Command: "APPEND", Args: `INBOX (\Seen) {310}` + " plus a long tail of arguments that goes on and on",
						Status: "BAD", Text: "Literal too large", Start: ts(300, 0), End: ts(320, 0), LatencyMS: 20,
						Continuations: 1, ClientBytes: 350, ServerBytes: 30, ClientLiteralBytes: 310},
					{Tag: "a5", Command: "UID FETCH", Args: "1:* (FLAGS BODY.PEEK[])", Status: "OK", Text: "Fetch completed (0.001 + 0.000 secs).",
						Start: ts(400, 0), End: ts(900, 0), LatencyMS: 500, Responses: 12,
						ClientBytes: 40, ServerBytes: 50000, ServerLiteralBytes: 48000},
					{Tag: "a6", Command: "IDLE", Start: ts(1000, 0), Responses: 3, Continuations: 1,
						ClientBytes: 9, ServerBytes: 60, Note: "connection closed before completion"},
				},
			},
			{
				ID: 2, Client: "[2001:db8::1]:40001", Server: "[2001:db8::2]:220",
				Start: ts(5000, 0), End: ts(6000, 999999),
				Dialect: "IMAP3", Greeting: "IMAP3 server ready", GreetingStatus: "OK",
				Capabilities: []string{},
				SupportedVersions: []ProtocolVersion{
					{Version: "2.0"},
					{Version: "3.0", Features: []string{"FIND.BBOARDS", "SUPPORTED.VERSIONS"}},
				},
				Version:               "3.0",
				Features:              []string{"SUPPORTED.VERSIONS"},
				User:                  "bob",
				Mailboxes:             []string{"INBOX"},
				Compressed:            true,
				CompressedClientBytes: 100, CompressedServerBytes: 400,
				InflatedClientBytes: 180, InflatedServerBytes: 1600,
				Midstream:   true,
				ClientBytes: 100, ServerBytes: 400,
				Anomalies: []Anomaly{},
				Transactions: []*Transaction{
					{Tag: "A001", Command: "SUPPORTED.VERSIONS", Status: "OK", Text: "done",
						Start: ts(5100, 0), End: ts(5101, 0), LatencyMS: 1, Responses: 1, ClientBytes: 25, ServerBytes: 60},
					{Tag: "A002", Command: "LOGOUT", Status: "BYE", Text: "so long",
						Start: ts(5900, 0), End: ts(5901, 0), LatencyMS: 1, ClientBytes: 13, ServerBytes: 20},
				},
			},
		},
	}
}
