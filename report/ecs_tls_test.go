package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestECSTLSFields: the handshake facts go to tls.* on every event, the
// certificate to the session event only, JA4 beside JA3 (tls.client.ja4),
// ALPN and decryption to imap.tls.
func TestECSTLSFields(t *testing.T) {
	nb := time.Date(2026, 12, 1, 21, 26, 40, 0, time.UTC)
	s := &Session{ID: 1, Client: "10.0.0.1:40000", Server: "10.0.0.2:993", TLS: true, TLSVersion: "TLS 1.2",
		TLSSNI: "mail.example.test", TLSCipher: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", TLSDecrypted: true,
		JA3: "d1f47f694f10b1faf653048918492609", JA3S: "098e26e2609212ac1bfac552fbe04127", JA4: "t12d020700_b06afd972a5c_e7e480e5a997",
		TLSALPN: []string{"imap"},
		TLSCert: &TLSCert{SubjectCN: "mail.example.test", SANs: []string{"mail.example.test", "10.0.0.2"}, Issuer: "CN=Example CA,O=Example",
			NotBefore: Time{nb}, NotAfter: Time{nb.AddDate(0, 0, 30)}, SHA256: "cae64ee45b56c071", Expired: true},
		Transactions: []*Transaction{{Tag: "a1", Command: "NOOP", Status: "OK", InTLS: true}}}
	var buf bytes.Buffer
	if err := WriteECS(&buf, &Report{Sessions: []*Session{s}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d events", len(lines))
	}
	want := map[string]string{
		"tls.version": "1.2", "tls.cipher": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
		"tls.client.server_name": "mail.example.test", "tls.client.ja3": s.JA3, "tls.server.ja3s": s.JA3S,
		"tls.client.ja4": s.JA4, "imap.tls.alpn": "[imap]", "imap.tls.decrypted": "true", "imap.tls.cert_expired": "true",
	}
	cert := map[string]string{
		"tls.server.x509.subject.common_name": "[mail.example.test]", "tls.server.x509.alternative_names": "[mail.example.test 10.0.0.2]",
		"tls.server.x509.issuer.distinguished_name": "CN=Example CA,O=Example", "tls.server.issuer": "CN=Example CA,O=Example",
		"tls.server.x509.not_before": "2026-12-01T21:26:40Z", "tls.server.x509.not_after": "2026-12-31T21:26:40Z",
		"tls.server.not_before": "2026-12-01T21:26:40Z", "tls.server.not_after": "2026-12-31T21:26:40Z",
		"tls.server.hash.sha256": "CAE64EE45B56C071",
	}
	for i, l := range lines {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatal(err)
		}
		flat := map[string]any{}
		flattenECS("", ev, flat)
		str := func(k string) string {
			if v, ok := flat[k]; ok {
				return strings.Trim(strings.ReplaceAll(jsonish(v), "\"", ""), " ")
			}
			return ""
		}
		if str("imap.tls.ja4") != "" {
			t.Errorf("event %d: JA4 also as imap.tls.ja4", i+1)
		}
		for k, v := range want {
			if str(k) != v {
				t.Errorf("event %d: %s = %q, want %q", i+1, k, str(k), v)
			}
		}
		for k, v := range cert {
			if i == 0 && str(k) != v {
				t.Errorf("session event: %s = %q, want %q", k, str(k), v)
			}
			if i > 0 && str(k) != "" {
				t.Errorf("transaction event has %s", k)
			}
		}
	}
}

// jsonish prints a flattened value: strings bare, lists as [a b].
func jsonish(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var p []string
		for _, e := range x {
			p = append(p, jsonish(e))
		}
		return "[" + strings.Join(p, " ") + "]"
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
