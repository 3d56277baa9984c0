package transportgen

import "time"

// RSTReuse: a client aborts its connection with RST and, a second later,
// reuses the same source port (NAT port reuse, a client binding a fixed
// port) with a new ISN.
func RSTReuse() *Capture {
	c, t := NewCapture("rst-reuse", "a connection ends with RST; the same 4-tuple is reused by a new SYN within the idle timeout (NAT or fixed client port)")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40000, 1000, 5000), Cap: c, T: t}
	a.Open("alice")
	a.Select("a2")
	a.Emit(Seg{RST: true})
	*t = t.Add(time.Second)
	b := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40000, 900000, 7000000), Cap: c, T: t}
	b.Session("bob")
	return c
}

// FINLostReuse: the first connection's close was not captured (capture
// started its ring buffer late, or the FIN/RST was dropped by the capture)
// and the 4-tuple is reused by a new SYN.
func FINLostReuse() *Capture {
	c, t := NewCapture("fin-lost-reuse", "the old connection's FIN was not captured and the 4-tuple is reused by a new connection")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40001, 1000, 5000), Cap: c, T: t}
	a.Open("alice")
	a.Select("a2")
	a.Logout("a3")
	*t = t.Add(2 * time.Second)
	b := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40001, 3500000000, 42), Cap: c, T: t}
	b.Session("bob")
	return c
}

// SYNRetry: the first SYN is lost on the way (the capture sees it, the
// server does not) and the client's retry carries a new ISN, as stacks do
// that pick a fresh ISN per attempt.
func SYNRetry() *Capture {
	c, t := NewCapture("syn-retry", "a SYN retried with a new ISN before the handshake completed")
	f := NewFlow4("10.0.0.1", "10.0.0.2", 40002, 123456789, 5000)
	a := &Conv{F: f, Cap: c, T: t}
	a.Emit(Seg{SYN: true})
	*t = t.Add(time.Second)
	f.CSeq = 3900000000
	a.Session("alice")
	return c
}

// RSTPayload: a RST carrying data (RFC 9293 3.5.3 allows diagnostic text;
// attackers use it to feed analyzers bytes no endpoint accepts).
func RSTPayload() *Capture {
	c, t := NewCapture("rst-payload", "an RST carrying payload: the payload is no stream data")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40003, 1000, 5000), Cap: c, T: t}
	a.Open("alice")
	a.Select("a2")
	a.Emit(Seg{RST: true, Payload: []byte("a3 DELETE INBOX\r\n")})
	return c
}
