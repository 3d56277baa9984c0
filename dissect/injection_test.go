package dissect

import (
	"strings"
	"testing"
)

// hello is the start of a TLS ClientHello/ServerHello record.
const hello = "\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00"

// kinds lists the anomaly kinds of a session with their tags.
func kinds(t *testing.T, steps []Segment) ([]string, []string, string) {
	t.Helper()
	rs := run(t, steps, 0, Options{})
	var k []string
	for _, a := range rs.Anomalies {
		k = append(k, string(a.Kind)+" "+a.Tag)
	}
	var notes []string
	for _, x := range rs.Transactions {
		notes = append(notes, x.Tag+" "+x.Command+": "+x.Note)
	}
	return k, notes, rs.User
}

func TestStartTLSInjection(t *testing.T) {
	t.Run("client, same segment", func(t *testing.T) {
		k, notes, user := kinds(t, []Segment{
			S("* OK ready\n"),
			C("a1 STARTTLS\na2 LOGIN mallory evil\n"),
			S("a1 OK Begin TLS negotiation now\n"),
			{FromClient, []byte(hello)}, {FromServer, []byte(hello)},
		})
		// a2's answer, if any, came over TLS.
		if strings.Join(k, ",") != "starttls_injection a2,never_completed a2" {
			t.Errorf("anomalies %q", k)
		}
		if len(notes) != 2 || !strings.HasPrefix(notes[1], "a2 LOGIN: injected") {
			t.Errorf("transactions %q", notes)
		}
		if user != "" {
			t.Errorf("user %q set by the injected LOGIN", user)
		}
	})
	t.Run("client, later segment before the answer", func(t *testing.T) {
		k, _, _ := kinds(t, []Segment{
			S("* OK ready\n"),
			C("a1 STARTTLS\n"), C("a2 NOOP\n"), C("garbage\n"),
			S("a1 OK Begin TLS negotiation now\n"),
			{FromClient, []byte(hello)}, {FromServer, []byte(hello)},
		})
		if strings.Join(k, ",") != "starttls_injection a2,starttls_injection a1,malformed_command ,never_completed a2" {
			t.Errorf("anomalies %q", k)
		}
	})
	t.Run("server plain text after its OK", func(t *testing.T) {
		k, _, _ := kinds(t, []Segment{
			S("* OK ready\n"),
			C("a1 STARTTLS\n"),
			S("a1 OK Begin TLS negotiation now\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\n"),
			{FromClient, []byte(hello)},
		})
		if strings.Join(k, ",") != "starttls_injection a1" {
			t.Errorf("anomalies %q", k)
		}
	})
	t.Run("clean STARTTLS", func(t *testing.T) {
		k, _, _ := kinds(t, []Segment{
			S("* OK ready\n"), C("a1 STARTTLS\n"), S("a1 OK Begin TLS negotiation now\n"),
			{FromClient, []byte(hello)}, {FromServer, []byte(hello)},
		})
		if len(k) != 0 {
			t.Errorf("anomalies %q", k)
		}
	})
	t.Run("refused STARTTLS, then commands", func(t *testing.T) {
		k, _, user := kinds(t, []Segment{
			S("* OK ready\n"), C("a1 STARTTLS\n"), S("a1 BAD TLS not available\n"),
			C("a2 LOGIN alice pw\n"), S("a2 OK done\n"),
		})
		if len(k) != 0 || user != "alice" {
			t.Errorf("anomalies %q user %q", k, user)
		}
	})
}
