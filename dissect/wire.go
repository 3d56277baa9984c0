package dissect

import (
	"bytes"
	"time"
)

// A wire is one direction's byte path through the dissector:
//
//	TCP payload ─▶ head ─▶ layers[0] ─▶ … ─▶ layers[n-1] ─▶ framer ─▶ Session
//	   (raw)     (sniff)   (TLS: decrypted)  (DEFLATE: inflated)  (IMAP lines, literals)
//
// head holds a direction's first bytes until the protocol can be told
// (TLS, HTTP, SSH…). layers are the transforms in force, outermost first;
// each consumes its input in full and hands what it decodes to the next,
// and the last to the framer. A layer is added at a line's end: the framer
// stops there and the rest of its input becomes the new layer's input, so no
// byte is seen twice and the framer is never re-entered. Each layer counts
// what it sees: the wire the raw bytes, the TLS layer the records, the
// inflater the compressed bytes, the framer the IMAP stream.
//
// The session changes a wire only through the named methods below
// (startTLS, startInflate, stopDissecting, cancelLiteral, setEOL).
type wire struct {
	s   *Session
	dir Direction
	raw int64 // TCP payload bytes fed, before any layer

	// head holds the first bytes until there are enough to recognise the
	// protocol, however they were segmented (see feed).
	head    [sniffLen]byte
	headN   int
	sniffed bool

	layers [maxLayers]layer
	n      int // layers in force

	tls tlsSlot   // the TLS layer's place, used once TLS starts
	inf *inflater // the DEFLATE layer, once COMPRESS took effect

	ts time.Time // capture time of the bytes being fed (for layer output)

	fr framer
}

// maxLayers is the deepest stack a direction can have: TLS, then DEFLATE.
const maxLayers = 2

// sniffLen is how many first bytes of a direction are looked at before
// any IMAP parsing (a TLS record header, "HTTP/", "SSH-").
const sniffLen = 8

// A layer is a transform between the TCP stream and the framer.
type layer interface {
	// write consumes p (borrowed) in full and passes what it decodes to
	// w.deliver(lvl+1, ts, ·).
	write(w *wire, lvl int, ts time.Time, p []byte)
	// gap tells the layer that n > 0 bytes of its input were lost.
	gap(w *wire, lvl int, ts time.Time, n int)
	// stop makes the layer count its input and decode no more.
	stop()
}

func (w *wire) init(s *Session, dir Direction) {
	w.s = s
	w.dir = dir
	w.fr.init(s, dir, s.opts.MaxLine)
}

// feed consumes TCP payload bytes (borrowed) captured at ts.
func (w *wire) feed(ts time.Time, p []byte) {
	w.raw += int64(len(p))
	w.ts = ts
	if !w.sniffed && w.n == 0 && w.fr.mode != modeOpaque {
		// Hold a direction's first bytes until there are enough to
		// recognise TLS or another protocol, however they were segmented.
		k := copy(w.head[w.headN:], p)
		w.headN += k
		if w.headN < sniffLen && bytes.IndexByte(w.head[:w.headN], '\n') < 0 {
			return
		}
		w.flushHead(ts)
		p = p[k:]
	}
	w.deliver(0, ts, p)
}

// flushHead releases first bytes still held for sniffing (once there are
// enough, before a gap, or at the end of the session).
func (w *wire) flushHead(ts time.Time) {
	if w.sniffed {
		return
	}
	w.sniffed = true
	if w.headN == 0 {
		return
	}
	head := w.head[:w.headN]
	w.s.sniffFirst(ts, head)
	w.deliver(0, ts, head)
}

// deliver hands p, the output of layer lvl-1 (lvl 0: the TCP stream), to
// layer lvl, or to the framer above the last layer.
func (w *wire) deliver(lvl int, ts time.Time, p []byte) {
	for len(p) > 0 {
		if lvl < w.n {
			w.layers[lvl].write(w, lvl, ts, p)
			return
		}
		if w.fr.mode == modeOpaque {
			return
		}
		// The framer takes less than p only when a line's end added a
		// layer (at index lvl): the rest is that layer's input.
		p = p[w.fr.feed(ts, p):]
	}
}

// gap records n lost bytes (n > 0) in front of the next feed.
func (w *wire) gap(ts time.Time, n int) {
	w.flushHead(ts)
	w.gapAt(0, ts, n)
}

// gapAt tells layer lvl (or the framer above the last layer) that n of its
// input bytes were lost.
func (w *wire) gapAt(lvl int, ts time.Time, n int) {
	if lvl < w.n {
		w.layers[lvl].gap(w, lvl, ts, n)
		return
	}
	w.s.cutLine(&w.fr, ts, noteCommandCut) // a command line the gap cuts is still reported
	w.fr.gap(int64(n))
}

// push adds l on top of the layers; bytes after the current line's end go
// to it.
func (w *wire) push(l layer) {
	if w.n == maxLayers {
		return
	}
	w.layers[w.n] = l
	w.n++
	w.fr.stack++
}

// startTLS puts the connection's TLS layer on this wire.
func (w *wire) startTLS(conn tlsLayer) {
	if w.tls.conn != nil {
		return
	}
	w.tls.conn = conn
	w.push(&w.tls)
}

// startInflate puts a DEFLATE layer on this wire (COMPRESS took effect).
func (w *wire) startInflate() {
	if w.inf != nil {
		return // RFC 4978 §3: a second COMPRESS is refused; never stack two
	}
	w.inf = newInflater()
	w.push(w.inf)
}

// stopDissecting gives up on the direction: bytes are still counted by
// each layer, nothing is decoded or parsed any more.
func (w *wire) stopDissecting() {
	w.fr.mode = modeOpaque
	for _, l := range w.layers[:w.n] {
		l.stop()
	}
}

// cancelLiteral abandons a synchronizing literal the server refused.
func (w *wire) cancelLiteral(ts time.Time) bool { return w.fr.cancelLiteral(ts) }

// setEOL makes b end lines too (0: only LF does).
func (w *wire) setEOL(b byte) { w.fr.altEOL = b }

// close ends the direction at ts: what the end cut is reported when the
// IMAP stream was read without any layer.
func (w *wire) close(ts time.Time) {
	if w.n == 0 && w.fr.mode != modeOpaque {
		w.fr.endOfStream(ts)
	}
}
