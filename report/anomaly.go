package report

// AnomalyKind names one kind of anomaly: something a conforming peer would
// not do, or a decision the dissector made about damaged or excessive
// input. The JSON schema's anomaly kind is an enum of exactly AnomalyKinds,
// and docs/anomalies.md describes each with an example and its RFC section.
type AnomalyKind string

// The anomaly kinds, grouped as in docs/anomalies.md.
const (
	// Connection and transport.

	// AnomalyNotIMAP: the traffic on an IMAP port is another protocol
	// (HTTP, SSH, SMTP, POP3…) or no protocol imapscope recognises; the
	// session is not dissected.
	AnomalyNotIMAP AnomalyKind = "not_imap"
	// AnomalyMidstream: the capture began after the connection started;
	// dissection resumed at the first plausible line.
	AnomalyMidstream AnomalyKind = "midstream"
	// AnomalyResync: a direction lost bytes in a capture gap and found a
	// plausible line start again.
	AnomalyResync AnomalyKind = "resync"
	// AnomalyOverlapConflict: two copies of the same stream bytes differed
	// (the out-of-order queue held one when another arrived); the first
	// copy was kept, as the receiver keeps it.
	AnomalyOverlapConflict AnomalyKind = "overlap_conflict"

	// TLS (key-log decryption, tlsdecrypt).

	// AnomalyTLSKeyMissing: a key log was given but held no secrets for the
	// connection's client random; its records stay encrypted.
	AnomalyTLSKeyMissing AnomalyKind = "tls_key_missing"
	// AnomalyTLSAuthFailed: a TLS record did not authenticate with the
	// logged keys (damaged, or keys of another connection); it is skipped.
	AnomalyTLSAuthFailed AnomalyKind = "tls_auth_failed"
	// AnomalyTLSGap: bytes were lost inside TLS; the next record was found
	// and its sequence number tried.
	AnomalyTLSGap AnomalyKind = "tls_gap"
	// AnomalyTLSAlert: a fatal TLS alert (decrypted or in clear).
	AnomalyTLSAlert AnomalyKind = "tls_alert"
	// AnomalyTLSCipherUnsupported: the negotiated suite is not one imapscope
	// decrypts (CCM, 3DES, RC4…).
	AnomalyTLSCipherUnsupported AnomalyKind = "tls_cipher_unsupported"
	// AnomalyTLSHandshakeTruncated: a handshake message exceeded the size
	// limit (64 KiB); its tail was dropped and counted.
	AnomalyTLSHandshakeTruncated AnomalyKind = "tls_handshake_truncated"

	// Framing.

	// AnomalyLineTooLong: a line exceeded the line limit; its middle was
	// dropped (its start and end were kept).
	AnomalyLineTooLong AnomalyKind = "line_too_long"
	// AnomalyLiteralTooLarge: a literal declared a size beyond the literal
	// limit (its bytes are still counted and skipped).
	AnomalyLiteralTooLarge AnomalyKind = "literal_too_large"
	// AnomalyTruncatedLiteral: a direction ended before a literal's
	// declared size was sent.
	AnomalyTruncatedLiteral AnomalyKind = "truncated_literal"
	// AnomalyTruncatedLine: a direction ended inside a line (no end of line).
	AnomalyTruncatedLine AnomalyKind = "truncated_line"
	// AnomalyUnterminatedQuoted: a server data line ended inside a quoted
	// string.
	AnomalyUnterminatedQuoted AnomalyKind = "unterminated_quoted"
	// AnomalyMalformedCommand: a client line is not a command (no valid tag
	// or command name) once the session is known to be IMAP.
	AnomalyMalformedCommand AnomalyKind = "malformed_command"
	// AnomalyMalformedResponse: a server line is not a response.
	AnomalyMalformedResponse AnomalyKind = "malformed_response"

	// Correlation.

	// AnomalyUnknownTag: a completion or tagged data for a tag no pending
	// command has.
	AnomalyUnknownTag AnomalyKind = "unknown_tag"
	// AnomalyCompletionBeforeCommand: a completion arrived before the
	// client sent the command with its tag (capture reordering or a
	// broken server).
	AnomalyCompletionBeforeCommand AnomalyKind = "completion_before_command"
	// AnomalyTagReused: the client reused a tag while its earlier command
	// was still pending.
	AnomalyTagReused AnomalyKind = "tag_reused"
	// AnomalyTagCaseMismatch: a response's tag matches a pending command's
	// only when case is ignored.
	AnomalyTagCaseMismatch AnomalyKind = "tag_case_mismatch"
	// AnomalyCompletionWithoutStatus: a tagged completion has no OK, NO,
	// BAD or BYE.
	AnomalyCompletionWithoutStatus AnomalyKind = "completion_without_status"
	// AnomalyUnexpectedContinuation: a "+" continuation request with no
	// command in flight that could want one.
	AnomalyUnexpectedContinuation AnomalyKind = "unexpected_continuation"
	// AnomalyNeverCompleted: a command got no tagged completion before the
	// connection closed.
	AnomalyNeverCompleted AnomalyKind = "never_completed"
	// AnomalyTaggedDataWithoutFeature: IMAP3 tagged data although the
	// TAGGED.SOLICITED feature was not selected.
	AnomalyTaggedDataWithoutFeature AnomalyKind = "tagged_data_without_feature"

	// Authentication.

	// AnomalySASLNotBase64: an AUTHENTICATE LOGIN response (the user name)
	// was sent without the base64 encoding SASL requires.
	AnomalySASLNotBase64 AnomalyKind = "sasl_not_base64"
	// AnomalyStartTLSInjection: the client sent bytes after STARTTLS before
	// the server answered it, or the server sent plain text after its OK
	// and before the TLS handshake (CVE-2011-0411 command injection).
	AnomalyStartTLSInjection AnomalyKind = "starttls_injection"
	// AnomalyCleartextLogin (a finding): LOGIN, or AUTHENTICATE PLAIN or
	// LOGIN with a response sent, on a connection without TLS.
	AnomalyCleartextLogin AnomalyKind = "cleartext_login"
	// AnomalyLoginWhenDisabled (a finding): LOGIN although the server's
	// capabilities include LOGINDISABLED.
	AnomalyLoginWhenDisabled AnomalyKind = "login_when_disabled"

	// Mailbox state and conformance (findings: rules of the conversation
	// a peer broke).

	// AnomalyExpungeDuringFetch: an untagged EXPUNGE while the server was
	// answering a FETCH, STORE or SEARCH without UID.
	AnomalyExpungeDuringFetch AnomalyKind = "expunge_during_fetch"
	// AnomalyExistsDecreased: EXISTS below the message count known, with
	// no EXPUNGE in between.
	AnomalyExistsDecreased AnomalyKind = "exists_decreased"
	// AnomalyUIDValidityChanged: a mailbox's UIDVALIDITY differs between
	// two selections in one session.
	AnomalyUIDValidityChanged AnomalyKind = "uidvalidity_changed"
	// AnomalyUIDNotAscending: a FETCH response's UID is out of order with
	// the message numbers (a higher number with a UID not above one seen).
	AnomalyUIDNotAscending AnomalyKind = "uid_not_ascending"
	// AnomalyMessageNumberOutOfRange: a FETCH or EXPUNGE response for
	// message 0 or a number above the message count.
	AnomalyMessageNumberOutOfRange AnomalyKind = "message_number_out_of_range"
	// AnomalySolicitedAfterCompletion: IMAP3 tagged solicited data for a
	// tag after its command completed.
	AnomalySolicitedAfterCompletion AnomalyKind = "solicited_after_completion"
	// AnomalyCompletionAfterSelect: a command sent before a SELECT
	// completed after the SELECT's completion.
	AnomalyCompletionAfterSelect AnomalyKind = "completion_after_select"
	// AnomalyCapabilityNotAdvertised: the client used LITERAL+, IDLE,
	// COMPRESS or SASL-IR although the server's capabilities, seen on the
	// connection, do not include it.
	AnomalyCapabilityNotAdvertised AnomalyKind = "capability_not_advertised"

	// COMPRESS=DEFLATE.

	// AnomalyDeflateCorrupt: the compressed stream is not valid DEFLATE;
	// the rest of the direction is counted, not inflated.
	AnomalyDeflateCorrupt AnomalyKind = "deflate_corrupt"
	// AnomalyDeflateGap: bytes were lost inside a compressed stream, which
	// cannot be resumed.
	AnomalyDeflateGap AnomalyKind = "deflate_gap"
	// AnomalyDeflateBomb: inflated output exceeded the inflate ratio limit.
	AnomalyDeflateBomb AnomalyKind = "deflate_bomb"
	// AnomalyDeflateAfterEnd: bytes followed the final DEFLATE block.
	AnomalyDeflateAfterEnd AnomalyKind = "deflate_after_end"

	// Limits (end-of-session summaries, kept past the anomaly limit).

	// AnomalyTooManyPending: more commands were pending than the limit; the
	// oldest were given up (first occurrence, then a count at the end).
	AnomalyTooManyPending AnomalyKind = "too_many_pending"
	// AnomalyTransactionsDropped: transactions beyond the per-session limit
	// were counted but not kept.
	AnomalyTransactionsDropped AnomalyKind = "transactions_dropped"
	// AnomalyAnomaliesDropped: anomalies beyond the per-session limit were not kept.
	AnomalyAnomaliesDropped AnomalyKind = "anomalies_dropped"
)

// AnomalyKinds lists every anomaly kind, in the order of docs/anomalies.md.
var AnomalyKinds = []AnomalyKind{
	AnomalyNotIMAP, AnomalyMidstream, AnomalyResync, AnomalyOverlapConflict,
	AnomalyTLSKeyMissing, AnomalyTLSAuthFailed, AnomalyTLSGap, AnomalyTLSAlert,
	AnomalyTLSCipherUnsupported, AnomalyTLSHandshakeTruncated,
	AnomalyLineTooLong, AnomalyLiteralTooLarge, AnomalyTruncatedLiteral, AnomalyTruncatedLine,
	AnomalyUnterminatedQuoted, AnomalyMalformedCommand, AnomalyMalformedResponse,
	AnomalyUnknownTag, AnomalyCompletionBeforeCommand, AnomalyTagReused, AnomalyTagCaseMismatch,
	AnomalyCompletionWithoutStatus, AnomalyUnexpectedContinuation, AnomalyNeverCompleted,
	AnomalyTaggedDataWithoutFeature,
	AnomalySASLNotBase64, AnomalyStartTLSInjection, AnomalyCleartextLogin, AnomalyLoginWhenDisabled,
	AnomalyExpungeDuringFetch, AnomalyExistsDecreased, AnomalyUIDValidityChanged,
	AnomalyUIDNotAscending, AnomalyMessageNumberOutOfRange, AnomalySolicitedAfterCompletion,
	AnomalyCompletionAfterSelect, AnomalyCapabilityNotAdvertised,
	AnomalyDeflateCorrupt, AnomalyDeflateGap, AnomalyDeflateBomb, AnomalyDeflateAfterEnd,
	AnomalyTooManyPending, AnomalyTransactionsDropped, AnomalyAnomaliesDropped,
}

// Known reports whether k is one of AnomalyKinds.
func (k AnomalyKind) Known() bool {
	for _, x := range AnomalyKinds {
		if x == k {
			return true
		}
	}
	return false
}

// FindingKinds are the anomalies that are findings about the peers: a
// protocol rule one of them broke, or a security weakness (credentials in
// clear), rather than damage in the capture. read --findings keeps the
// sessions with any.
var FindingKinds = []AnomalyKind{
	AnomalyCleartextLogin, AnomalyLoginWhenDisabled,
	AnomalyExpungeDuringFetch, AnomalyExistsDecreased, AnomalyUIDValidityChanged,
	AnomalyUIDNotAscending, AnomalyMessageNumberOutOfRange, AnomalySolicitedAfterCompletion,
	AnomalyCompletionAfterSelect, AnomalyCapabilityNotAdvertised,
}

// Finding reports whether k is one of FindingKinds.
func (k AnomalyKind) Finding() bool {
	for _, x := range FindingKinds {
		if x == k {
			return true
		}
	}
	return false
}
