package dissect

import (
	"math/rand/v2"
	"testing"
)

// envelopeLines are FETCH response bodies as benchgen (and Dovecot) send
// them for FETCH n (FLAGS ENVELOPE), one with escaped quotes.
var envelopeLines = [][]byte{
	[]byte(`(FLAGS (\Seen \Answered) ENVELOPE ("Mon, 2 Jun 2025 00:00:01 +0000" "About the \"urgent\" request: of (see follow-up" (("Mallory Larsen" NIL "mallory.larsen" "corp.example")) (("Mallory Larsen" NIL "mallory.larsen" "corp.example")) (("Mallory Larsen" NIL "mallory.larsen" "corp.example")) (("Sybil Larsen" NIL "sybil.larsen" "mail.example.com")) NIL NIL NIL "<nakt9ppaj.1@corp.example>"))`),
	[]byte(`(FLAGS () ENVELOPE ("Tue, 3 Jun 2025 00:00:02 +0000" "of update attached." (("Mallory Novak" NIL "mallory.novak" "corp.example")) ((NIL NIL "mallory.novak" "corp.example")) (("Mallory Novak" NIL "mallory.novak" "corp.example")) (("Rupert Kowalski" NIL "rupert.kowalski" "example.net")) NIL NIL NIL "<1jtls49si1.2@corp.example>") UID 17)`),
}

// TestFetchScanEnvelope: a nested ENVELOPE (with escaped quotes and a
// parenthesis inside a string) is stepped over, and what follows it at the
// top level is still read.
func TestFetchScanEnvelope(t *testing.T) {
	for i, want := range []int64{0, 17} {
		var f fetchScan
		f.start(nil, 1)
		f.feed(envelopeLines[i], literalOf(envelopeLines[i]))
		if f.uid != want || f.depth != 0 || f.item != itemName {
			t.Errorf("line %d: uid %d depth %d item %d, want uid %d depth 0", i, f.uid, f.depth, f.item, want)
		}
	}
}

// BenchmarkFetchScanEnvelope is the cost of reading FETCH responses that
// carry an ENVELOPE, the bulk of what the results parser reads.
func BenchmarkFetchScanEnvelope(b *testing.B) {
	for range b.N {
		for _, l := range envelopeLines {
			var f fetchScan
			f.start(nil, 1)
			f.feed(l, literalOf(l))
		}
	}
}

// TestFetchScanShortcut: feed, which skips the segments that cannot hold
// an item whose value is kept, keeps exactly what tokenizing every
// segment keeps, on random FETCH-like segments (the state after a segment
// matters only when a literal continues the response).
func TestFetchScanShortcut(t *testing.T) {
	toks := []string{"UID", "uid", "Uid", "uId", "MODSEQ", "modseq", "ModSeq", "(", ")", `"`, `\`, " ", " ", " ",
		"BODY[]", "body[text]", "BINARY[1]", "binary[]", "RFC822", "rfc822.header", "Rfc822.Text", "123", "7",
		"NIL", "ENVELOPE", "FLAGS", "{5}", "x", "[", "]", "8", "q", "Q", "u", "BODY", "BINARY", "RFC", "822", `"ab c"`}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var fast, full fetchScan
		fast.start(nil, 1)
		full.start(nil, 1)
		var segs []string
		for range 1 + r.IntN(3) {
			var b []byte
			for range r.IntN(16) {
				b = append(b, toks[r.IntN(len(toks))]...)
			}
			if r.IntN(2) == 0 {
				b = append(b, "{12}"...)
			}
			segs = append(segs, string(b))
			fast.feed(b, literalOf(b))
			lit, hasLit := trailingLiteral(b)
			full.tokenize(b, lit, hasLit)
			if fast.uid != full.uid || fast.modseq != full.modseq || fast.body != full.body || hasLit && fast != full {
				t.Fatalf("%q: feed kept %+v, tokenizing %+v", segs, fast, full)
			}
			if !hasLit {
				break
			}
		}
	}
}

// foldAroundPlain reports whether, at some occurrence of c in p, the bytes
// starting back bytes before it equal the upper-case word w ignoring case:
// the plain definition mayHoldFetchItem is checked against.
func foldAroundPlain(p []byte, c byte, back int, w string) bool {
	for k := range p {
		if p[k] == c && k-back >= 0 && k-back+len(w) <= len(p) && equalFold(p[k-back:k-back+len(w)], w) {
			return true
		}
	}
	return false
}

// TestMayHoldFetchItem checks mayHoldFetchItem, which looks for several
// names per pass, against foldAroundPlain for each name's byte, on random strings
// of name pieces and bytes that fold onto the bytes looked for, at every
// offset.
func TestMayHoldFetchItem(t *testing.T) {
	pieces := []string{"UID", "uId", "MODSEQ", "mOdSeQ", "BODY[", "body[", "BINARY[", "BiNaRy[", "RFC822", "rfc822",
		"U", "u", "Q", "q", "[", "{", "8", "\x18", "\x15", "\x11", "\xd5", "\xf5", "\x7f", "\x00", "ID", "MODSE", "BODY",
		"RFC82", " ", "x", "NIL", "(", ")", `"`}
	r := rand.New(rand.NewPCG(5, 6))
	for range 200000 {
		var p []byte
		for range r.IntN(12) {
			p = append(p, pieces[r.IntN(len(pieces))]...)
		}
		want := foldAroundPlain(p, 'u', 0, "UID") || foldAroundPlain(p, 'U', 0, "UID") ||
			foldAroundPlain(p, 'q', 5, "MODSEQ") || foldAroundPlain(p, 'Q', 5, "MODSEQ") ||
			foldAroundPlain(p, '[', 4, "BODY") || foldAroundPlain(p, '[', 6, "BINARY") || foldAroundPlain(p, '8', 3, "RFC822")
		if got := mayHoldFetchItem(p); got != want {
			t.Fatalf("%q: %v, want %v", p, got, want)
		}
	}
}

// TestInsideQuote checks insideQuote, which jumps from quote to quote,
// against a byte-by-byte reading on random strings of quotes, backslashes
// and other bytes.
func TestInsideQuote(t *testing.T) {
	plain := func(p []byte) bool {
		in := false
		for i := 0; i < len(p); i++ {
			switch p[i] {
			case '"':
				in = !in
			case '\\':
				if in {
					i++
				}
			}
		}
		return in
	}
	pieces := []string{`"`, `\`, `\"`, `\\`, "a", " ", "NIL", `"x y"`, "(", ")"}
	r := rand.New(rand.NewPCG(9, 9))
	for range 200000 {
		var p []byte
		for range r.IntN(14) {
			p = append(p, pieces[r.IntN(len(pieces))]...)
		}
		if got, want := insideQuote(p), plain(p); got != want {
			t.Fatalf("%q: %v, want %v", p, got, want)
		}
	}
}
