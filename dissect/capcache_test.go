package dissect

import (
	"slices"
	"testing"
)

// TestCapabilityCache: a cached list is what words parses, the same slice
// is handed to the next session, and no cache (nil) parses each time.
func TestCapabilityCache(t *testing.T) {
	for _, raw := range []string{
		"IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN",
		`IMAP4rev1 "quoted one" NIL (LIST) X`, "", "  IMAP4rev1  ",
	} {
		var c CapabilityCache
		got := c.capabilities([]byte(raw))
		if want := words([]byte(raw)); !slices.Equal(got, want) {
			t.Errorf("%q: cached %q, words %q", raw, got, want)
		}
		again := c.capabilities([]byte(raw))
		if len(got) > 0 && &again[0] != &got[0] {
			t.Errorf("%q: parsed again instead of shared", raw)
		}
		var none *CapabilityCache
		if p := none.capabilities([]byte(raw)); !slices.Equal(p, got) {
			t.Errorf("%q: uncached %q", raw, p)
		}
	}
}
