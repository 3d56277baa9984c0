package main

import (
	"strings"
	"testing"
)

// TestUnsupportedLinkType: a capture of a link type the reader cannot
// decode is damage (exit 3), and stderr names the link type and says what
// was skipped.
func TestUnsupportedLinkType(t *testing.T) {
	code, stdout, stderr := runCLI(t, "read", "--format", "json", "../../pcaps/transport/linktype-80211.pcap")
	if code != exitDamaged {
		t.Errorf("exit %d, want %d", code, exitDamaged)
	}
	if !strings.Contains(stderr, "802.11 (105)") || !strings.Contains(stderr, "skipped: unsupported_link_type 3") {
		t.Errorf("stderr does not name the link type and the skip:\n%s", stderr)
	}
	if !strings.Contains(stdout, `"unsupported_link_type": 3`) {
		t.Errorf("JSON does not count the skipped packets:\n%s", stdout)
	}
}

// TestCapLenOverLengthRead: records claiming an original length below their
// captured length are read (exit 0) and counted on stderr.
func TestCapLenOverLengthRead(t *testing.T) {
	code, _, stderr := runCLI(t, "read", "--format", "json", "../../pcaps/transport/caplen-over-length.pcap")
	if code != exitOK || !strings.Contains(stderr, "1 IMAP sessions; 7 records longer than their original length read") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}
