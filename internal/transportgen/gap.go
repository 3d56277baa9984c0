package transportgen

import "time"

// GapLatency: the capture lost a segment of a LIST response (a busy
// capture point drops packets the endpoints exchanged): the tagged OK that
// follows it is captured 1.1 ms after the command, but can only be released
// once the hole is given up, several packets and 16 ms later. Latency must
// use the time the OK was captured.
func GapLatency() *Capture {
	c, t := NewCapture("gap-latency", "a capture gap before a server response: latency uses the capture time of the completion, not its release behind the hole")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40400, 1000, 5000), Cap: c, T: t}
	a.Handshake()
	a.Greet()
	a.Login("a1", "alice")
	a.Emit(Seg{Payload: []byte("a2 LIST \"\" *\r\n")})
	*t = t.Add(500 * time.Microsecond)
	lost := []byte("* LIST (\\HasNoChildren) \"/\" INBOX\r\n")
	a.F.SSeq += uint32(len(lost)) // sent by the server, not captured
	a.Emit(Seg{FromServer: true, Payload: []byte("a2 OK List completed\r\n")})
	a.Emit(Seg{}) // the client acknowledges both segments
	*t = t.Add(16 * time.Millisecond)
	a.Client("a3 NOOP\r\n")
	a.Server("a3 OK NOOP completed\r\n")
	a.Logout("a4")
	a.Close()
	return c
}
