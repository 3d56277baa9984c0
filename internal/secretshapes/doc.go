// Package secretshapes generates IMAP conversations that carry marker
// passwords in well-formed and malformed LOGIN and AUTHENTICATE commands,
// for the redaction property tests, their fuzz target and the crafted
// capture pcaps/secrets/malformed-login.pcap. Every password begins with
// Marker; Conv.Forbidden lists the forms of it (plain, base64 of the
// password, base64 of a SASL PLAIN message) that no output may contain
// unless secrets were asked for.
//
// Test tooling only: nothing here is used by imapscope itself.
package secretshapes
