package reassembly

import (
	"net/netip"
	"time"
)

// Direction says which peer sent a run of bytes.
type Direction uint8

const (
	// FromClient marks bytes sent by the client (towards the IMAP port).
	FromClient Direction = 0
	// FromServer marks bytes sent by the server (from the IMAP port).
	FromServer Direction = 1
)

// ConnInfo describes a connection when it is first seen.
type ConnInfo struct {
	Client netip.AddrPort
	Server netip.AddrPort
	// Start is the capture time of the first packet of the connection.
	Start time.Time
	// Seq is a number that orders connections by their first packet in the input
	// (stable for the same input, whatever the number of workers).
	Seq uint64
}

// ConnFactory makes a Conn for every new TCP connection whose server port is
// one of the configured ports, and learns how far the workers have got, so
// that it can release what its Conns produce in event-key order whatever
// the number of workers. Its methods are called from worker goroutines
// (and, with one worker delivering asynchronously, NewConn from the reading
// goroutine while the calls run on another: delivery_async.go); with
// several workers concurrently, so they must be safe for that. A wrapper
// must forward Workers and Progress, or ordering breaks.
type ConnFactory interface {
	// Workers is called once, before anything else, with the number of
	// workers (1 when reassembly runs on the caller's goroutine).
	Workers(n int)
	// NewConn starts a connection.
	NewConn(info ConnInfo) Conn
	// Progress says that worker w will produce no more events with a key
	// below key (math.MaxUint64 once it has ended every connection). It is
	// called from the goroutine that makes worker w's Conn calls, after
	// them.
	Progress(w int, key uint64)
}

// Conn receives one connection's ordered bytes. All calls for one Conn come
// from a single goroutine at a time, in capture order within each
// direction, each after the one before it has returned.
//
// Every call carries key, the ordering key of the event that caused it, to
// order what the call produces. Keys depend only on the input, not on the
// number of workers: packet i is 2i+1, a flush pass before packet i is 2i,
// the final flush is math.MaxUint64; they never decrease for one Conn.
type Conn interface {
	// Data delivers in-order bytes. p is borrowed: valid only during the call.
	// ts is the capture time of the packet that carried the last byte of p.
	Data(key uint64, dir Direction, ts time.Time, p []byte)
	// Gap reports lost bytes before the next Data in dir: n > 0 bytes are
	// missing; n == -1 means the stream's start was not captured (no SYN) and
	// the size of what is missing is unknown.
	Gap(key uint64, dir Direction, ts time.Time, n int)
	// End is called once when the connection closes (FIN/RST seen in both
	// directions or RST), is flushed as idle, or the input ends. closed is true
	// when the close was seen on the wire.
	End(key uint64, ts time.Time, closed bool)
}
