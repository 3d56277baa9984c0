package dissect

import (
	"encoding/json"
	"strings"
	"testing"
)

// resultJSON renders transaction i's result as compact JSON ("null" when absent).
func resultJSON(t *testing.T, steps []Segment, chunk, i int) string {
	t.Helper()
	rs := run(t, steps, chunk, Options{})
	b, err := json.Marshal(rs.Transactions[i].Result)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var resultGreeting = []Segment{
	S("* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE UIDPLUS] ready\n"),
	C("a0 LOGIN u p\n"), S("a0 OK done\n"),
}

// TestResults checks each command's result object, for every way of
// splitting the byte streams (literal bodies included).
func TestResults(t *testing.T) {
	body := strings.Repeat("x", 300)
	cases := []struct {
		name  string
		steps []Segment
		want  string
	}{
		{"select", []Segment{C("a1 SELECT INBOX\n"), S("* FLAGS (\\Answered \\Seen)\n* 10 EXISTS\n* 2 RECENT\n" +
			"* OK [UNSEEN 4] first unseen\n* OK [UIDVALIDITY 1700000000] ok\n* OK [UIDNEXT 11] ok\n" +
			"* OK [HIGHESTMODSEQ 715194045007] ok\n* OK [PERMANENTFLAGS (\\Seen \\*)] ok\na1 OK [READ-WRITE] done\n")},
			`{"exists":10,"recent":2,"unseen":4,"uidvalidity":1700000000,"uidnext":11,"highestmodseq":715194045007,"flags":["\\Answered","\\Seen"],"permanentflags":["\\Seen","\\*"],"read_only":false}`},
		{"examine empty", []Segment{C("a1 EXAMINE Trash\n"), S("* 0 EXISTS\n* 0 RECENT\na1 OK [READ-ONLY] done\n")},
			`{"exists":0,"recent":0,"read_only":true}`},
		{"fetch bodies", []Segment{C("a1 SELECT INBOX\n"), S("* 10 EXISTS\na1 OK done\n"),
			C("a2 FETCH 1:3 (UID BODY[])\n"),
			S("* 1 FETCH (UID 1 BODY[] {300}\n" + body + ")\n" +
				"* 2 FETCH (BODY[HEADER.FIELDS (FROM TO)] {4}\nab\n UID 2 FLAGS (\\Seen) ENVELOPE (\"d\" {3}\nxyz NIL) BODY[TEXT]<0> \"q\\\"q\")\n" +
				"* 3 FETCH (UID 9 RFC822.SIZE 44 BODY[] NIL BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 44 2))\n" +
				"a2 OK done\n")},
			`{"messages":3,"uids":"1:2,9","body_bytes":307}`},
		{"store", []Segment{C("a1 SELECT INBOX\n"), S("* 10 EXISTS\na1 OK done\n"),
			C("a2 UID STORE 5,3 +FLAGS (\\Seen)\n"), S("* 2 FETCH (FLAGS (\\Seen) UID 5 MODSEQ (12))\n* 1 FETCH (FLAGS (\\Seen) UID 3)\na2 OK done\n")},
			`{"messages":2,"uids":"3,5"}`},
		{"search", []Segment{C("a1 SEARCH UNSEEN\n"), S("* SEARCH 2 84 882 (MODSEQ 9)\na1 OK done\n")},
			`{"hits":3,"min":2,"max":882}`},
		{"search none", []Segment{C("a1 UID SEARCH DELETED\n"), S("* SEARCH\na1 OK done\n")},
			`{"hits":0}`},
		{"esearch", []Segment{C("a1 UID SEARCH RETURN (ALL) ALL\n"), S("* ESEARCH (TAG \"a1\") UID ALL 1:5,9\na1 OK done\n")},
			`{"hits":6,"min":1,"max":9}`},
		{"esearch count", []Segment{C("a1 SEARCH RETURN (COUNT MIN MAX) ALL\n"), S("* ESEARCH (TAG \"a1\") COUNT 17 MIN 3 MAX 40\na1 OK done\n")},
			`{"hits":17,"min":3,"max":40}`},
		{"list", []Segment{C("a1 LIST \"\" *\n"), S("* LIST () \"/\" INBOX\n* LIST () \"/\" {4}\nSent\n* LIST () \"/\" Trash\na1 OK done\n")},
			`{"mailboxes":3}`},
		{"list none", []Segment{C("a1 LSUB \"\" nothing\n"), S("a1 OK done\n")}, `null`},
		{"status", []Segment{C("a1 STATUS INBOX (MESSAGES UIDNEXT)\n"), S("* STATUS INBOX (MESSAGES 10 UIDNEXT 11)\na1 OK done\n")},
			`{"status":{"MESSAGES":10,"UIDNEXT":11}}`},
		{"status literal name", []Segment{C("a1 STATUS {4+}\nSent (UNSEEN)\n"), S("* STATUS {4}\nSent (unseen 0)\na1 OK done\n")},
			`{"status":{"UNSEEN":0}}`},
		{"append", []Segment{C("a1 APPEND INBOX {5+}\nhello\n"), S("a1 OK [APPENDUID 38505 3955] done\n")},
			`{"dest_uidvalidity":38505,"dest_uids":"3955"}`},
		{"copy", []Segment{C("a1 SELECT INBOX\n"), S("* 10 EXISTS\na1 OK done\n"),
			C("a2 UID COPY 304,319:320 Archive\n"), S("a2 OK [COPYUID 38505 304,319:320 3956:3958] done\n")},
			`{"dest_uidvalidity":38505,"source_uids":"304,319:320","dest_uids":"3956:3958"}`},
		{"move", []Segment{C("a1 SELECT INBOX\n"), S("* 10 EXISTS\na1 OK done\n"),
			C("a2 UID MOVE 4:5 Archive\n"), S("* OK [COPYUID 1 4:5 7:8] moved\n* 4 EXPUNGE\n* 4 EXPUNGE\na2 OK done\n")},
			`{"dest_uidvalidity":1,"source_uids":"4:5","dest_uids":"7:8","expunged":2}`},
		{"vanished", []Segment{C("a1 SELECT INBOX\n"), S("* 10 EXISTS\na1 OK done\n"),
			C("a2 UID EXPUNGE 1:3\n"), S("* VANISHED 1:2,3\na2 OK done\n")},
			`{"expunged":3}`},
		{"enable", []Segment{C("a1 ENABLE CONDSTORE QRESYNC\n"), S("* ENABLED condstore QRESYNC\na1 OK done\n")},
			`{"enabled":["CONDSTORE","QRESYNC"]}`},
	}
	for _, c := range cases {
		steps := append(append([]Segment(nil), resultGreeting...), c.steps...)
		last := len(run(t, steps, 0, Options{}).Transactions) - 1
		for _, chunk := range []int{0, 1, 3, 7} {
			if got := resultJSON(t, steps, chunk, last); got != c.want {
				t.Errorf("%s (chunk %d):\n got %s\nwant %s", c.name, chunk, got, c.want)
			}
		}
	}
}

// TestMailboxView follows a selection through new mail, expunges, a
// VANISHED and FETCH responses, as a client would.
func TestMailboxView(t *testing.T) {
	steps := append(append([]Segment(nil), resultGreeting...),
		C("a1 SELECT INBOX\n"), S("* 5 EXISTS\n* OK [UIDVALIDITY 77] ok\n* OK [HIGHESTMODSEQ 100] ok\na1 OK done\n"),
		C("a2 FETCH 1:5 UID\n"), S("* 1 FETCH (UID 10)\n* 5 FETCH (UID 14 MODSEQ (120))\na2 OK done\n"),
		C("a3 NOOP\n"), S("* 2 EXPUNGE\n* 6 EXISTS\na3 OK done\n"),
		C("a4 UID FETCH 15:* UID\n"), S("* 5 FETCH (UID 15)\n* 6 FETCH (UID 16)\na4 OK done\n"),
		C("a5 UID EXPUNGE 10\n"), S("* VANISHED 10\na5 OK done\n"),
	)
	for _, chunk := range []int{0, 1, 5} {
		rs := run(t, steps, chunk, Options{})
		b, _ := json.Marshal(rs.MailboxView)
		if want := `{"mailbox":"INBOX","selected":true,"exists":5,"uidvalidity":77,"highest_uid":16,"highest_modseq":120}`; string(b) != want {
			t.Errorf("chunk %d: view %s, want %s", chunk, b, want)
		}
		if a := anomalyBrief(rs.Anomalies); a != "cleartext_login a0" {
			t.Errorf("chunk %d: anomalies %s", chunk, a)
		}
	}
	closed := append(steps, C("a6 CLOSE\n"), S("a6 OK done\n"))
	b, _ := json.Marshal(run(t, closed, 0, Options{}).MailboxView)
	if want := `{"mailbox":"INBOX","selected":false,"uidvalidity":77,"highest_uid":16,"highest_modseq":120}`; string(b) != want {
		t.Errorf("closed: view %s, want %s", b, want)
	}
}

// TestConformanceFindings plants each finding and checks its kind and tag,
// beside a near miss that must not be flagged.
func TestConformanceFindings(t *testing.T) {
	sel := []Segment{C("a1 SELECT INBOX\n"), S("* 5 EXISTS\n* OK [UIDVALIDITY 7] ok\na1 OK done\n")}
	with := func(extra ...Segment) []Segment {
		return append(append(append([]Segment(nil), resultGreeting...), sel...), extra...)
	}
	cases := []struct {
		name  string
		steps []Segment
		want  string
	}{
		{"expunge during fetch", with(C("a2 FETCH 1:5 FLAGS\n"), S("* 1 FETCH (FLAGS ())\n* 3 EXPUNGE\n* 2 FETCH (FLAGS ())\na2 OK done\n")),
			"expunge_during_fetch a2"},
		{"expunge during uid fetch is allowed", with(C("a2 UID FETCH 1:5 FLAGS\n"), S("* 1 FETCH (FLAGS () UID 1)\n* 3 EXPUNGE\na2 OK done\n")), ""},
		{"expunge before the fetch is answered", with(C("a2 NOOP\n"), C("a3 FETCH 1 FLAGS\n"), S("* 3 EXPUNGE\na2 OK done\n* 1 FETCH (FLAGS ())\na3 OK done\n")), ""},
		{"exists decreased", with(C("a2 NOOP\n"), S("* 4 EXISTS\na2 OK done\n")), "exists_decreased a2"},
		{"exists after expunge", with(C("a2 NOOP\n"), S("* 1 EXPUNGE\n* 4 EXISTS\na2 OK done\n")), ""},
		{"uidvalidity changed", with(C("a2 SELECT inbox\n"), S("* 5 EXISTS\n* OK [UIDVALIDITY 8] ok\na2 OK done\n")), "uidvalidity_changed a2"},
		{"other mailbox, other uidvalidity", with(C("a2 SELECT Sent\n"), S("* 5 EXISTS\n* OK [UIDVALIDITY 8] ok\na2 OK done\n")), ""},
		{"uid not ascending", with(C("a2 FETCH 1:5 UID\n"), S("* 2 FETCH (UID 20)\n* 4 FETCH (UID 18)\na2 OK done\n")), "uid_not_ascending a2"},
		{"uids ascend through an expunge", with(C("a2 FETCH 2 UID\n"), S("* 2 FETCH (UID 20)\na2 OK done\n"),
			C("a3 NOOP\n"), S("* 2 EXPUNGE\n* 5 EXISTS\na3 OK done\n"),
			C("a4 FETCH 1:5 UID\n"), S("* 1 FETCH (UID 3)\n* 2 FETCH (UID 21)\n* 5 FETCH (UID 30)\na4 OK done\n")), ""},
		{"new message with an old uid", with(C("a2 FETCH 5 UID\n"), S("* 5 FETCH (UID 50)\na2 OK done\n"),
			C("a3 NOOP\n"), S("* 6 EXISTS\na3 OK done\n"), C("a4 FETCH 6 UID\n"), S("* 6 FETCH (UID 49)\na4 OK done\n")), "uid_not_ascending a4"},
		{"fetch out of range", with(C("a2 FETCH 1:* FLAGS\n"), S("* 6 FETCH (FLAGS ())\n* 7 FETCH (FLAGS ())\na2 OK done\n")), "message_number_out_of_range a2"},
		{"expunge out of range", with(C("a2 EXPUNGE\n"), S("* 9 EXPUNGE\na2 OK done\n")), "message_number_out_of_range a2"},
		{"fetch of new mail", with(C("a2 NOOP\n"), S("* 6 EXISTS\n* 6 FETCH (FLAGS (\\Recent))\na2 OK done\n")), ""},
		{"completion after select", with(C("a2 FETCH 1 FLAGS\n"), C("a3 SELECT Sent\n"), S("* 1 FETCH (FLAGS ())\n* 2 EXISTS\na3 OK done\na2 OK done\n")),
			"completion_after_select a2"},
		{"completion before select", with(C("a2 FETCH 1 FLAGS\n"), C("a3 SELECT Sent\n"), S("* 1 FETCH (FLAGS ())\na2 OK done\n* 2 EXISTS\na3 OK done\n")), ""},
		{"status may complete after select", with(C("a2 STATUS Sent (MESSAGES)\n"), C("a3 SELECT Sent\n"), S("* 2 EXISTS\na3 OK done\n* STATUS Sent (MESSAGES 2)\na2 OK done\n")), ""},
		{"login when disabled", []Segment{S("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\n"), C("a0 LOGIN u p\n"), S("a0 NO disabled\n")},
			"cleartext_login a0,login_when_disabled a0"},
		{"idle not advertised", []Segment{S("* OK [CAPABILITY IMAP4rev1] ready\n"), C("a0 IDLE\n"), S("+ idling\n"), C("DONE\n"), S("a0 OK done\n")},
			"capability_not_advertised a0"},
		{"idle, capabilities unknown", []Segment{S("* OK ready\n"), C("a0 IDLE\n"), S("+ idling\n"), C("DONE\n"), S("a0 OK done\n")}, ""},
		{"literal+ not advertised", []Segment{S("* OK [CAPABILITY IMAP4rev1] ready\n"), C("a0 APPEND INBOX {5+}\nhello\n"), S("a0 OK done\n")},
			"capability_not_advertised a0"},
		{"literal- small", []Segment{S("* OK [CAPABILITY IMAP4rev1 LITERAL-] ready\n"), C("a0 APPEND INBOX {5+}\nhello\n"), S("a0 OK done\n")}, ""},
		{"sasl-ir not advertised", []Segment{S("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\n"), C("a0 AUTHENTICATE PLAIN AHUAcA==\n"), S("a0 OK done\n")},
			"capability_not_advertised a0,cleartext_login a0"},
		{"compress not advertised", []Segment{S("* OK [CAPABILITY IMAP4rev1] ready\n"), C("a0 COMPRESS DEFLATE\n"), S("a0 NO no\n")},
			"capability_not_advertised a0"},
		{"aborted plain sends nothing", []Segment{S("* OK ready\n"), C("a0 AUTHENTICATE PLAIN\n"), S("+ \n"), C("*\n"), S("a0 BAD aborted\n")}, ""},
	}
	for _, c := range cases {
		rs := run(t, c.steps, 0, Options{})
		var got []string
		for _, a := range rs.Anomalies {
			if a.Kind.Finding() && (a.Kind != "cleartext_login" || a.Tag != "a0" || strings.Contains(c.want, "cleartext_login")) {
				got = append(got, string(a.Kind)+" "+a.Tag)
			}
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%s: findings %q, want %q (all: %s)", c.name, got, c.want, anomalyBrief(rs.Anomalies))
		}
	}
}

// TestSolicitedAfterCompletion: IMAP3 tagged data for a completed tag.
func TestSolicitedAfterCompletion(t *testing.T) {
	steps := []Segment{
		S("* OK IMAP3 ready\n"),
		C("a1 SELECT.VERSION (3 0)\n"), S("a1 OK selected\n"),
		C("a2 LOGIN u p\n"), S("a2 OK in\n"),
		C("a3 SELECT INBOX\n"), S("a3 FLAGS (\\Seen)\na3 2 EXISTS\na3 OK done\n"),
		C("a4 FETCH 1 FLAGS\n"), S("a4 1 FETCH (FLAGS (\\Seen))\na4 OK done\na4 2 FETCH (FLAGS ())\n"),
		C("a5 NOOP\n"), S("zz 1 FETCH (FLAGS ())\na5 OK done\n"),
	}
	rs := run(t, steps, 0, Options{})
	if a := anomalyBrief(rs.Anomalies); a != "cleartext_login a2,solicited_after_completion a4,unknown_tag" {
		t.Errorf("anomalies %s", a)
	}
}
