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
	a.Open("alice")
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

// literalHole is the size of the literal whose bytes the capture missed.
const literalHole = 1536 << 20 // 1.5 GiB

// WrapHole: a 1.5 GiB FETCH literal crossing the 32-bit sequence wrap, of
// which the capture kept only a few segments' headers (snap length 54, as
// "tcpdump -s 54" or a ring buffer that overflowed): the hole is larger
// than 1 GiB, its sequence numbers wrap, and the tail (the end of the
// literal and the tagged OK) must still be delivered.
func WrapHole() *Capture {
	c, t := NewCapture("wrap-hole", "a > 1 GiB headers-only hole across the 32-bit sequence wrap: the tail is delivered")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40401, 1000, 0xb0000000), Cap: c, T: t}
	a.Open("alice")
	a.Select("a2")
	a.Client("a3 FETCH 1 BODY[]\r\n")
	a.Server("* 1 FETCH (BODY[] {1610612736}\r\n")
	start := a.F.SSeq
	// Headers-only segments: the first ones of the literal, one past the
	// wrap, one near the end (payload cut by the snap length).
	for _, off := range []uint32{0, 1448, 900 << 20, literalHole - 2896} {
		b := a.F.Packet(Seg{FromServer: true, SetSeq: true, Seq: start + off, Payload: make([]byte, 1448), NoAdvance: true})
		c.Frames = append(c.Frames, Frame{TS: *t, Data: b[:54], Orig: len(b)})
		*t = t.Add(step)
	}
	a.F.SSeq = start + literalHole - 1448
	a.Emit(Seg{FromServer: true, Payload: append(make([]byte, 1448), ")\r\na3 OK Fetch completed\r\n"...)})
	a.Emit(Seg{})
	a.Logout("a4")
	a.Close()
	return c
}
