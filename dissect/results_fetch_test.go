package dissect

import "testing"

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
		f.feed(envelopeLines[i])
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
			f.feed(l)
		}
	}
}
