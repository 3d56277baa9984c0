package pipeline

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The TLS captures in pcaps/tls/ come with the clients' key logs. These
// tests check them against tshark, independently of imapscope: with the key
// log tshark must see, inside TLS, exactly the commands (tag, name, status)
// each client recorded, and the handshake must show what the truth says the
// client negotiated (version, cipher suite, encrypt_then_mac, extended master
// secret, resumption, HelloRetryRequest, KeyUpdate). Without the key log
// tshark must see none of the commands sent inside TLS: the check depends on
// the key log being right.

// tlsTruth is the part of a pcaps/tls truth file these tests read.
type tlsTruth struct {
	Keylog   string            `json:"keylog"` // file beside the capture, or "embedded" (pcapng DSB)
	Sessions []tlsTruthSession `json:"sessions"`
}

type tlsTruthSession struct {
	ClientPort     int        `json:"client_port"`
	TLS            string     `json:"tls"`
	Commands       []truthTxn `json:"commands"`
	UnloggedLogout bool       `json:"unlogged_logout"`
	TLSVersion     string     `json:"tls_version"`
	TLSCipherIANA  string     `json:"tls_cipher_iana"`
	TLSFeatures    []string   `json:"tls_features"`
	TLSEMS         *bool      `json:"tls_ems"`
	TLSResumed     *bool      `json:"tls_resumed"`
	CompressedTag  string     `json:"compressed_after_tag"`
	KeyUpdates     []struct {
		UpdateRequested bool `json:"update_requested"`
	} `json:"key_updates"`
}

// tlsSuiteIDs maps the IANA names used in the truth files to their code
// points (IANA TLS Cipher Suites registry).
var tlsSuiteIDs = map[string]string{
	"TLS_AES_128_GCM_SHA256":                      "0x1301",
	"TLS_AES_256_GCM_SHA384":                      "0x1302",
	"TLS_CHACHA20_POLY1305_SHA256":                "0x1303",
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256":       "0xc02f",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384":       "0xc030",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "0xcca8",
	"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA":          "0xc013",
	"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256":       "0xc027",
	"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384":       "0xc028",
	"TLS_RSA_WITH_AES_128_GCM_SHA256":             "0x009c",
	"TLS_RSA_WITH_AES_256_CBC_SHA256":             "0x003d",
	"TLS_RSA_WITH_AES_128_CBC_SHA":                "0x002f",
}

// hrrRandom is the ServerHello.random of a HelloRetryRequest (RFC 8446 4.1.3).
const hrrRandom = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"

// tsharkRow is one packet as tshark printed the requested fields.
type tsharkRow map[string][]string

// tshark runs tshark on capture with the given key log ("" = none) and
// display filter, returning one row per packet with the named fields
// (multiple occurrences split on '|').
func tshark(t *testing.T, capture, keylog, filter string, fields ...string) []tsharkRow {
	t.Helper()
	args := []string{"-r", capture, "-Y", filter, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"}
	if keylog != "" {
		args = append(args, "-o", "tls.keylog_file:"+keylog)
	}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	var stderr bytes.Buffer
	cmd := exec.Command("tshark", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v: %s", args, err, stderr.String())
	}
	var rows []tsharkRow
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		cols := strings.Split(line, "\t")
		r := tsharkRow{}
		for i, f := range fields {
			if i < len(cols) && cols[i] != "" {
				r[f] = strings.Split(cols[i], "|")
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// tlsCaptures lists pcaps/tls truth files with their capture and key log,
// skipping loudly where tshark is absent.
func tlsCaptures(t *testing.T) (truths []string) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: cannot cross-check the pcaps/tls key logs (apt-get install tshark)")
	}
	truths, _ = filepath.Glob("../pcaps/tls/*.truth.json")
	if len(truths) == 0 {
		t.Fatal("no truth files under ../pcaps/tls")
	}
	return truths
}

func loadTLSTruth(t *testing.T, path string) (tr tlsTruth, capture, keylog string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(path, ".truth.json")
	capture = base + ".pcap"
	if _, err := os.Stat(capture); err != nil {
		capture = base + ".pcapng"
	}
	if tr.Keylog != "embedded" {
		if tr.Keylog == "" {
			t.Fatal("truth names no key log")
		}
		keylog = filepath.Join(filepath.Dir(path), tr.Keylog)
	}
	return tr, capture, keylog
}

// imapSeen is what tshark decoded per client port: request lines "TAG
// COMMAND" in order and the completion status per tag.
type imapSeen struct {
	requests []string
	status   map[string]string
	// literalTag is the tag of a command whose literal tshark is showing
	// as request lines.
	literalTag string
}

// sameTagStyle reports whether tag a has b's letters followed by digits
// only ("NAGD8" and "NAGD7", "c07" and "c06").
func sameTagStyle(a, b string) bool {
	p := strings.TrimRight(b, "0123456789")
	rest := strings.TrimPrefix(a, p)
	return p != "" && rest != a && rest != "" && strings.Trim(rest, "0123456789") == ""
}

// literalRE matches a line announcing a literal ({n} or {n+}, RFC 7888).
var literalRE = regexp.MustCompile(`\{[0-9]+\+?\}$`)

// tlsFields are the fields tsharkIMAP asks for.
var tlsFields = []string{"tcp.srcport", "tcp.dstport", "imap.request", "imap.response_tag", "imap.response.status",
	"tls.handshake.type", "tls.handshake.version", "tls.handshake.extensions.supported_version",
	"tls.handshake.ciphersuite", "tls.handshake.extension.type", "tls.handshake.random"}

func tsharkIMAP(t *testing.T, capture, keylog string) (map[string]*imapSeen, []tsharkRow) {
	rows := tshark(t, capture, keylog, "imap || tls.handshake", tlsFields...)
	seen := map[string]*imapSeen{}
	get := func(port string) *imapSeen {
		if seen[port] == nil {
			seen[port] = &imapSeen{status: map[string]string{}}
		}
		return seen[port]
	}
	for _, r := range rows {
		if len(r["tcp.srcport"]) == 0 || len(r["tcp.dstport"]) == 0 {
			continue
		}
		for _, line := range r["imap.request"] {
			s := get(r["tcp.srcport"][0])
			w := strings.Fields(line)
			if s.literalTag != "" {
				// tshark's IMAP dissector does not follow client literals:
				// it shows lines of an APPEND body as requests (not all of
				// them: lines split across records are merged). Skip to the
				// next line tagged like the command that sent the literal.
				if len(w) == 0 || !sameTagStyle(w[0], s.literalTag) {
					continue
				}
				s.literalTag = ""
			}
			if literalRE.MatchString(line) && len(w) > 0 {
				s.literalTag = w[0]
			}
			if len(w) >= 2 {
				cmd := strings.ToUpper(w[1])
				if cmd == "UID" && len(w) >= 3 {
					cmd += " " + strings.ToUpper(w[2])
				}
				s.requests = append(s.requests, w[0]+" "+cmd)
			}
		}
		tags, sts := r["imap.response_tag"], r["imap.response.status"]
		if len(sts) > 0 && len(tags) > 0 {
			// a FETCH literal's closing ")" line can be listed before the tag
			get(r["tcp.dstport"][0]).status[tags[len(tags)-1]] = strings.ToUpper(sts[len(sts)-1])
		}
	}
	return seen, rows
}

// TestTLSCapturesKeylogTshark: with the key log, tshark sees each truth
// command with its status; without it, none of those sent inside TLS.
func TestTLSCapturesKeylogTshark(t *testing.T) {
	for _, path := range tlsCaptures(t) {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(path, "../pcaps/"), ".truth.json"), func(t *testing.T) {
			t.Parallel() // each subtest is two tshark runs of about a second
			tr, capture, keylog := loadTLSTruth(t, path)
			seen, rows := tsharkIMAP(t, capture, keylog)
			var blind map[string]*imapSeen
			if keylog != "" {
				blind, _ = tsharkIMAP(t, capture, "")
			}
			for i, s := range tr.Sessions {
				port := strconv.Itoa(s.ClientPort)
				got := seen[port]
				if got == nil {
					t.Fatalf("session %d: tshark decoded no IMAP from client port %s", i+1, port)
				}
				var want []string
				clear := 0 // commands sent before TLS started (up to STARTTLS)
				for k, c := range s.Commands {
					want = append(want, c.Tag+" "+c.Command)
					if s.TLS == "starttls" && c.Command == "STARTTLS" {
						clear = k + 1
					}
					if st := statusString(c.Status); got.status[c.Tag] != st {
						t.Errorf("session %d %s %s: tshark status %q, truth %q", i+1, c.Tag, c.Command, got.status[c.Tag], st)
					}
					if c.Tag == s.CompressedTag {
						break // after COMPRESS the stream inside TLS is deflate
					}
				}
				g := got.requests
				if s.UnloggedLogout && len(g) == len(want)+1 && strings.HasSuffix(g[len(g)-1], " LOGOUT") {
					g = g[:len(g)-1]
				}
				if s.CompressedTag != "" && len(g) > len(want) {
					g = g[:len(want)]
				}
				if strings.Join(g, "\n") != strings.Join(want, "\n") {
					t.Errorf("session %d: tshark with the key log saw\n%s\ntruth\n%s", i+1, strings.Join(g, "\n"), strings.Join(want, "\n"))
				}
				checkHandshake(t, i+1, port, rows, s.TLSVersion, s.TLSCipherIANA, s.TLSFeatures, s.TLSEMS, s.TLSResumed, len(s.KeyUpdates), requested(s.KeyUpdates))
				if blind != nil {
					n := 0
					if b := blind[port]; b != nil {
						n = len(b.requests)
					}
					if n != clear {
						t.Errorf("session %d: without the key log tshark saw %d requests, want the %d before TLS", i+1, n, clear)
					}
				}
			}
		})
	}
}

func requested(ku []struct {
	UpdateRequested bool `json:"update_requested"`
}) int {
	n := 0
	for _, k := range ku {
		if k.UpdateRequested {
			n++
		}
	}
	return n
}

// handshakeSeen is what tshark decoded of one connection's handshake.
type handshakeSeen struct {
	version, cipher string
	serverExts      map[string]bool // extension types in the (last) ServerHello
	hrr             bool
	certificate     bool // the server sent a Certificate (a full handshake)
	keyUpdates      [2]int
}

func handshakeOf(rows []tsharkRow, port string) handshakeSeen {
	var h handshakeSeen
	for _, r := range rows {
		if len(r["tcp.srcport"]) == 0 || len(r["tcp.dstport"]) == 0 {
			continue
		}
		fromClient := r["tcp.srcport"][0] == port
		if !fromClient && r["tcp.dstport"][0] != port {
			continue
		}
		for _, typ := range r["tls.handshake.type"] {
			switch {
			case typ == "24" && fromClient:
				h.keyUpdates[0]++
			case typ == "24":
				h.keyUpdates[1]++
			case typ == "11" && !fromClient:
				h.certificate = true
			case typ == "2":
				if slicesContains(r["tls.handshake.random"], hrrRandom) {
					h.hrr = true
					continue
				}
				h.version = first(r["tls.handshake.extensions.supported_version"])
				if h.version == "" {
					h.version = first(r["tls.handshake.version"])
				}
				h.cipher = first(r["tls.handshake.ciphersuite"])
				h.serverExts = map[string]bool{}
				for _, e := range r["tls.handshake.extension.type"] {
					h.serverExts[e] = true
				}
			}
		}
	}
	return h
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func slicesContains(v []string, x string) bool {
	for _, y := range v {
		if y == x {
			return true
		}
	}
	return false
}

// checkHandshake compares the handshake tshark decoded for the connection
// from port with what the client reported or configured.
func checkHandshake(t *testing.T, n int, port string, rows []tsharkRow, version, cipher string, features []string,
	ems, resumed *bool, keyUpdates, requestedUpdates int) {
	t.Helper()
	h := handshakeOf(rows, port)
	wantVersion := map[string]string{"TLSv1.2": "0x0303", "TLSv1.3": "0x0304"}[version]
	if wantVersion == "" || h.version != wantVersion {
		t.Errorf("session %d: ServerHello version %q, truth %q", n, h.version, version)
	}
	if id := tlsSuiteIDs[cipher]; id == "" || h.cipher != id {
		t.Errorf("session %d: ServerHello cipher suite %q, truth %q", n, h.cipher, cipher)
	}
	has := func(f string) bool { return slicesContains(features, f) }
	if version == "TLSv1.2" {
		if has("encrypt_then_mac") && !h.serverExts["22"] || has("mac_then_encrypt") && h.serverExts["22"] {
			t.Errorf("session %d: ServerHello encrypt_then_mac %v, truth features %v", n, h.serverExts["22"], features)
		}
		if ems != nil && *ems != h.serverExts["23"] {
			t.Errorf("session %d: ServerHello extended_master_secret %v, truth %v", n, h.serverExts["23"], *ems)
		}
	}
	if resumed != nil && *resumed == h.certificate {
		t.Errorf("session %d: server Certificate sent %v, truth resumed %v", n, h.certificate, *resumed)
	}
	if has("hello_retry_request") != h.hrr {
		t.Errorf("session %d: HelloRetryRequest %v, truth features %v", n, h.hrr, features)
	}
	if h.keyUpdates != [2]int{keyUpdates, requestedUpdates} {
		t.Errorf("session %d: KeyUpdate messages client/server %v, truth %d/%d", n, h.keyUpdates, keyUpdates, requestedUpdates)
	}
}
