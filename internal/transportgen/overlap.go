package transportgen

import "time"

// OverlapConflict: a client command split in two segments; the second
// arrives first (out of order) and then a second, different copy of the
// same range arrives before the hole is filled — a middlebox or an
// attacker injecting a conflicting copy (the classic IDS evasion). The
// server, a Linux receiver, kept the first copy: SELECT.
func OverlapConflict() *Capture {
	c, t := NewCapture("overlap-conflict", "two different copies of the same sequence range in the out-of-order queue (injection / IDS evasion)")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40200, 1000, 5000), Cap: c, T: t}
	a.Open("alice")
	x := a.F.CSeq
	a.Emit(Seg{SetSeq: true, Seq: x + 3, Payload: []byte("SELECT INBOX\r\n"), NoAdvance: true})
	a.Emit(Seg{SetSeq: true, Seq: x + 3, Payload: []byte("DELETE INBOX\r\n"), NoAdvance: true})
	a.Emit(Seg{SetSeq: true, Seq: x, Payload: []byte("a2 "), NoAdvance: true})
	a.F.CSeq = x + 3 + 14
	a.Emit(Seg{FromServer: true})
	a.Server("* 3 EXISTS\r\n* 0 RECENT\r\na2 OK [READ-WRITE] Select completed\r\n")
	a.Logout("a3")
	a.Close()
	return c
}

// BadChecksum: a copy of a client segment with a wrong TCP checksum (a
// corrupted frame, or a forged one) arrives before the real segment; the
// server drops it and the client retransmits after its RTO.
func BadChecksum() *Capture {
	c, t := NewCapture("bad-checksum", "a copy with a bad TCP checksum arrives before the real segment")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40201, 1000, 5000), Cap: c, T: t}
	a.Open("alice")
	a.Emit(Seg{Payload: []byte("a2 DELETE INBOX\r\n"), BadSum: true, NoAdvance: true})
	*t = t.Add(200 * time.Millisecond)
	a.Finish()
	return c
}

// ChecksumOffload: captured on the client host with TX checksum offload:
// every segment the client sends carries a checksum the NIC fills in
// later, so in the capture all of them are "bad".
func ChecksumOffload() *Capture {
	c, t := NewCapture("checksum-offload", "every segment of one direction has a bad checksum (captured on a host with TX checksum offload)")
	f := NewFlow4("10.0.0.1", "10.0.0.2", 40202, 1000, 5000)
	f.BadSum[0] = true
	a := &Conv{F: f, Cap: c, T: t}
	a.Session("alice")
	return c
}
