package report

import (
	"net"
	"slices"
)

// newECSBase returns the fields every event of s shares: endpoints (bytes
// of the whole session), network, user, related and TLS.
func newECSBase(s *Session) ecsEvent {
	cip, cport := ecsSplit(s.Client)
	sip, sport := ecsSplit(s.Server)
	client := ecsEndpoint{IP: cip, Port: cport, Bytes: s.ClientBytes}
	server := ecsEndpoint{IP: sip, Port: sport, Bytes: s.ServerBytes}
	cid := s.CommunityID
	if cid == "" {
		cid = CommunityID(s.Client, s.Server)
	}
	uid := s.UID
	if uid == "" {
		uid = SessionUID(s.Client, s.Server, s.Start.Time)
	}
	ev := ecsEvent{
		ECS:    ecsVersion{ECSVersion},
		Source: client, Destination: server, Client: client, Server: server,
		Network: ecsNetwork{Protocol: "imap", Transport: "tcp", IANANumber: "6", CommunityID: cid,
			Bytes: s.ClientBytes + s.ServerBytes},
		IMAP: ecsIMAP{SessionID: uid, SessionNumber: s.ID, Dialect: s.Dialect},
	}
	for _, ip := range []string{cip, sip} {
		if p := net.ParseIP(ip); p != nil && !slices.Contains(ev.Related.IP, ip) {
			ev.Related.IP = append(ev.Related.IP, ip)
			ev.Network.Type = "ipv6"
			if p.To4() != nil {
				ev.Network.Type = "ipv4"
			}
		}
	}
	if s.User != "" {
		ev.User = &ecsUser{Name: s.User}
		ev.Related.User = []string{s.User}
	}
	ev.TLS, ev.IMAP.TLS = newECSTLS(s)
	return ev
}

// sessionEvent is the imapscope.session event of s: event.type connection,
// plus start when the connection's start was captured and end when it was
// seen to end.
func sessionEvent(base ecsEvent, s *Session) ecsEvent {
	ev := base
	ev.Timestamp = ecsTime(s.Start)
	types := []string{"connection"}
	if !s.Midstream {
		types = append(types, "start")
	}
	if s.Closed {
		types = append(types, "end")
	}
	ev.Event = ecsEventMeta{
		Kind: "event", Category: []string{"network"}, Type: types,
		Action: "imap-session", Module: ecsModule, Dataset: ECSDatasetSession,
		Start: ecsTime(s.Start), End: ecsTime(s.End),
	}
	if !s.Start.IsZero() && !s.End.IsZero() {
		d := s.End.Sub(s.Start.Time).Nanoseconds()
		ev.Event.Duration = &d
	}
	closed, ntx, nan := s.Closed, s.TransactionCount(), len(s.Anomalies)
	im := &ev.IMAP
	im.Greeting, im.Capabilities, im.AuthMechanism, im.Mailboxes = s.Greeting, s.Capabilities, s.AuthMechanism, s.Mailboxes
	im.StartTLS, im.Compressed, im.NotIMAP, im.Midstream, im.Closed = s.StartTLS, s.Compressed, s.NotIMAP, s.Midstream, &closed
	im.Gaps, im.GapBytes, im.Transactions, im.Anomalies = s.Gaps, s.GapBytes, &ntx, &nan
	ev.TLS = withECSCert(ev.TLS, s.TLSCert)
	ev.Message = "IMAP session " + s.Client + " → " + s.Server
	return ev
}

// isAuthCommand reports whether a command authenticates the user.
func isAuthCommand(cmd string) bool {
	return cmd == "LOGIN" || cmd == "AUTHENTICATE"
}

// transactionEvent is the imapscope.transaction event of t. LOGIN and
// AUTHENTICATE are authentication events too.
func transactionEvent(base ecsEvent, s *Session, t *Transaction) ecsEvent {
	ev := base
	ev.Source.Bytes, ev.Client.Bytes = t.ClientBytes, t.ClientBytes
	ev.Destination.Bytes, ev.Server.Bytes = t.ServerBytes, t.ServerBytes
	ev.Network.Bytes = t.ClientBytes + t.ServerBytes
	ts := t.Start
	if ts.IsZero() {
		ts = s.Start
	}
	ev.Timestamp = ecsTime(ts)
	cat, typ := []string{"network"}, []string{"protocol"}
	if isAuthCommand(t.Command) {
		cat, typ = []string{"authentication", "network"}, []string{"info", "protocol"}
	}
	ev.Event = ecsEventMeta{
		Kind: "event", Category: cat, Type: typ,
		Action: "imap-" + t.Command, Module: ecsModule, Dataset: ECSDatasetTransaction,
		Start: ecsTime(t.Start), End: ecsTime(t.End),
		Outcome: ecsOutcome(t.Status), Reason: t.Note,
	}
	if t.Status != "" && !t.Start.IsZero() && !t.End.IsZero() {
		d := t.End.Sub(t.Start.Time).Nanoseconds()
		ev.Event.Duration = &d
	}
	args, status, resp, cl, sl := t.Args, t.Status, t.Responses, t.ClientLiteralBytes, t.ServerLiteralBytes
	im := &ev.IMAP
	im.Tag, im.Command, im.Args, im.Status, im.Code, im.Text = t.Tag, t.Command, &args, &status, t.Code, t.Text
	im.Mailbox, im.Responses, im.ClientLiteralBytes, im.ServerLiteralBytes, im.Note = t.Mailbox, &resp, &cl, &sl, t.Note
	ev.Message = t.Tag + " " + t.Command
	if t.Status != "" {
		ev.Message += " → " + string(t.Status)
	}
	return ev
}

// anomalyEvent is the imapscope.anomaly event of a.
func anomalyEvent(base ecsEvent, s *Session, a Anomaly) ecsEvent {
	ev := base
	ts := a.Time
	if ts.IsZero() {
		ts = s.Start
	}
	ev.Timestamp = ecsTime(ts)
	ev.Event = ecsEventMeta{
		Kind: "event", Category: []string{"network"}, Type: []string{"info"},
		Action: "imap-anomaly-" + string(a.Kind), Module: ecsModule, Dataset: ECSDatasetAnomaly,
		Reason: a.Detail,
	}
	ev.IMAP.Anomaly = &ecsAnomaly{Kind: string(a.Kind), Detail: a.Detail, Tag: a.Tag}
	ev.Message = string(a.Kind) + ": " + a.Detail
	return ev
}
