package benchgen

import (
	"math/rand/v2"
	"time"
)

// TCP flag bits of a generated packet.
const (
	flagFIN = 1 << iota
	flagSYN
	flagPSH
	flagACK
)

// phase is where a session is in its TCP life.
type phase uint8

const (
	phSyn phase = iota
	phSynAck
	phHandshakeAck
	phData
	phFin1
	phFin2
	phLastAck
	phDone
)

// packet describes the next packet of a session.
type packet struct {
	from     dir
	flags    uint8
	seq, ack uint32
	tsval    uint32
	tsecr    uint32
	payload  []byte // borrowed from session.buf; valid until the next fill
	ts       int64  // capture time, Unix nanoseconds
}

// session is one IMAP connection being generated. Sessions are recycled: a
// finished session's buffers serve the next one.
type session struct {
	id      int
	pcg     rand.PCG
	r       *rand.Rand // message contents (and, in TLSOff, everything)
	pcgT    rand.PCG
	rt      *rand.Rand // times and segmentation: r in TLSOff, its own stream otherwise
	srvPort uint16
	tl      *tlsPair // the session's TLS connection (TLSOn)
	plain   []byte   // a message before encryption (TLSOn)
	err     error    // first TLS error; ends the capture
	v6      bool
	host    int // client host number, for addresses
	port    uint16
	flow    uint32 // IPv6 flow label
	ipID    [2]uint16
	start   int64
	rtt     int64 // round-trip time, ns
	mss     int

	nxt    [2]uint32 // next sequence number per side
	tsBase [2]uint32
	tsLast [2]uint32

	ph       phase
	convo    convo
	stepIdx  int
	buf      []byte
	off      int
	unacked  int
	ackEvery int
	ackOwed  bool
	cur      packet
	bytes    int64 // file bytes written for this session
}

// reset prepares s to generate session id starting at ts.
func (s *session) reset(id int, seed uint64, ts int64, v6share float64, sum *Summary) {
	s.id = id
	s.pcg.Seed(seed, uint64(id)+1)
	if s.r == nil {
		s.r = rand.New(&s.pcg)
	}
	r := s.r
	s.v6 = r.Float64() < v6share
	s.host = id / 4
	s.port = uint16(32768 + (id%4)*7000 + r.IntN(7000))
	s.flow = r.Uint32() & 0xfffff
	s.ipID = [2]uint16{uint16(r.Uint32()), uint16(r.Uint32())}
	s.start = ts
	s.rtt = int64(300*time.Microsecond) + r.Int64N(int64(30*time.Millisecond))
	s.mss = MaxSegment
	if s.v6 {
		s.mss = maxSegment6
	}
	s.nxt = [2]uint32{r.Uint32(), r.Uint32()}
	s.tsBase = [2]uint32{r.Uint32(), r.Uint32()}
	s.tsLast = [2]uint32{}
	s.ph = phSyn
	s.stepIdx = 0
	s.buf = s.buf[:0]
	s.off = 0
	s.unacked = 0
	s.ackOwed = false
	s.ackEvery = 2
	s.bytes = 0
	s.convo.build(r, sum)
	s.cur.ts = ts
	s.rt, s.srvPort, s.tl, s.err = s.r, ServerPort, nil, nil
}

// resetTLS sets up the TLS modes after reset: a timing stream of its own
// and, in TLSOn, the connection whose handshake flights become the first
// steps.
func (s *session) resetTLS(mode TLSMode, seed uint64, ts *tlsSetup, sum *Summary) {
	if mode == TLSOff {
		return
	}
	s.pcgT.Seed(seed^0x746c73, uint64(s.id)+1)
	if s.rt == s.r {
		s.rt = rand.New(&s.pcgT)
	}
	if mode != TLSOn {
		return
	}
	s.srvPort = TLSServerPort
	tls12 := s.rt.Float64() < ts.share12
	s.tl, s.err = ts.newTLSPair(tls12)
	if s.err != nil {
		return
	}
	sum.TLSSessions++
	if tls12 {
		sum.TLS12Sessions++
	}
	hs := make([]step, len(s.tl.flights))
	for i, f := range s.tl.flights {
		hs[i] = step{kind: stTLSFlight, dir: f.from, arg: i}
	}
	s.convo.steps = append(hs, s.convo.steps...)
}

// renderStep puts the wire bytes of st into s.buf: the message itself in
// clear text, its TLS records in TLSOn, or a handshake flight.
func (s *session) renderStep(st step) {
	switch {
	case s.tl == nil:
		s.buf = s.convo.render(s.buf[:0], s.r, st)
	case st.kind == stTLSFlight:
		s.buf = append(s.buf[:0], s.tl.flights[st.arg].b...)
	default:
		s.plain = s.convo.render(s.plain[:0], s.r, st)
		rec, err := s.tl.seal(st.dir, s.plain)
		if err != nil && s.err == nil {
			s.err = err
		}
		s.buf = append(s.buf[:0], rec...)
	}
}

// between returns a random duration in [lo, hi).
func (s *session) between(lo, hi time.Duration) int64 {
	return int64(lo) + s.rt.Int64N(int64(hi-lo))
}

// emit fills s.cur as a packet from side d at the current time.
func (s *session) emit(d dir, flags uint8, payload []byte) {
	p := &s.cur
	p.from = d
	p.flags = flags
	p.seq = s.nxt[d]
	if flags&flagACK != 0 {
		p.ack = s.nxt[1-d]
	} else {
		p.ack = 0
	}
	p.payload = payload
	p.tsval = s.tsBase[d] + uint32((p.ts-s.start)/int64(time.Millisecond))
	p.tsecr = s.tsLast[1-d]
	s.tsLast[d] = p.tsval
	s.nxt[d] += uint32(len(payload))
	if flags&(flagSYN|flagFIN) != 0 {
		s.nxt[d]++
	}
}

// nextDir returns the side that sends after the current step.
func (s *session) nextDir() dir {
	if s.stepIdx+1 < len(s.convo.steps) {
		return s.convo.steps[s.stepIdx+1].dir
	}
	return server // the server closes first
}

// stepDelay returns the time between the end of step prev and the start of
// step next.
func (s *session) stepDelay(prev, next step) int64 {
	switch {
	case next.kind == stIdleExists:
		return s.between(500*time.Millisecond, 3*time.Second)
	case next.dir == prev.dir:
		return s.between(50*time.Microsecond, 500*time.Microsecond)
	case next.dir == client:
		return s.rtt + s.between(100*time.Microsecond, 2*time.Millisecond)
	case next.kind == stUIDFetchResp || next.kind == stFetchResp:
		return s.between(1*time.Millisecond, 8*time.Millisecond)
	}
	return s.between(300*time.Microsecond, 4*time.Millisecond)
}

// fill computes the session's next packet into s.cur. It returns false when
// the session has no more packets.
func (s *session) fill() bool {
	switch s.ph {
	case phSyn:
		s.emit(client, flagSYN, nil)
		s.ph = phSynAck
	case phSynAck:
		s.cur.ts += s.between(20*time.Microsecond, 120*time.Microsecond)
		s.emit(server, flagSYN|flagACK, nil)
		s.ph = phHandshakeAck
	case phHandshakeAck:
		s.cur.ts += s.rtt
		s.emit(client, flagACK, nil)
		s.ph = phData
		s.stepIdx = -1
	case phData:
		return s.fillData()
	case phFin1:
		s.cur.ts += s.between(100*time.Microsecond, 600*time.Microsecond)
		s.emit(server, flagFIN|flagACK, nil)
		s.ph = phFin2
	case phFin2:
		s.cur.ts += s.rtt
		s.emit(client, flagFIN|flagACK, nil)
		s.ph = phLastAck
	case phLastAck:
		s.cur.ts += s.between(20*time.Microsecond, 100*time.Microsecond)
		s.emit(server, flagACK, nil)
		s.ph = phDone
	default:
		return false
	}
	return true
}

// fillData produces the next packet of the IMAP conversation: a pure ACK the
// receiver owes, the next segment of the current message, or the first
// segment of the next message.
func (s *session) fillData() bool {
	if s.ackOwed {
		s.ackOwed = false
		s.cur.ts += s.between(15*time.Microsecond, 200*time.Microsecond)
		s.emit(1-s.convo.steps[s.stepIdx].dir, flagACK, nil)
		return true
	}
	if s.stepIdx < 0 || s.off >= len(s.buf) {
		next := s.stepIdx + 1
		if next >= len(s.convo.steps) {
			s.ph = phFin1
			return s.fill()
		}
		st := s.convo.steps[next]
		if s.stepIdx < 0 {
			s.cur.ts += s.between(200*time.Microsecond, 2*time.Millisecond)
		} else {
			s.cur.ts += s.stepDelay(s.convo.steps[s.stepIdx], st)
		}
		s.stepIdx = next
		s.renderStep(st)
		s.off = 0
	} else {
		s.cur.ts += s.between(5*time.Microsecond, 150*time.Microsecond)
	}
	d := s.convo.steps[s.stepIdx].dir
	n := min(s.mss, len(s.buf)-s.off)
	flags := uint8(flagACK)
	last := s.off+n == len(s.buf)
	if last {
		flags |= flagPSH
	}
	s.emit(d, flags, s.buf[s.off:s.off+n])
	s.off += n
	s.unacked++
	switch {
	case s.unacked >= s.ackEvery:
		s.ackOwed = true
	case last && s.nextDir() != 1-d:
		s.ackOwed = true // nothing to piggyback the ACK on
	}
	if s.ackOwed || last {
		s.unacked = 0
		s.ackEvery = 1 + s.rt.IntN(3)/2 // mostly every second segment
	}
	return true
}
