package imap3sim

import (
	"encoding/json"
	"fmt"
)

// Truth is the content of a NAME.truth.json file: one Session per TCP
// connection in the capture, in connection order.
type Truth struct {
	Sessions []Session `json:"sessions"`
}

// Session is the ground truth of one scripted connection.
type Session struct {
	Dialect           string        `json:"dialect"`            // "imap2" or "imap3"
	SupportedVersions []VersionSpec `json:"supported_versions"` // as announced by SUPPORTED.VERSIONS; empty if never asked
	Version           string        `json:"version"`            // version in effect at the end ("" if none was selected)
	Features          []string      `json:"features"`           // features in effect at the end (only OK'd SELECT.FEATURES count)
	Transactions      []Transaction `json:"transactions"`       // tagged commands in client order
	ExpectedAnomalies []Anomaly     `json:"expected_anomalies"` // what an analyzer should flag
}

// VersionSpec is one (major minor FEATURE...) entry of SUPPORTED.VERSIONS.
type VersionSpec struct {
	Version  string   `json:"version"`
	Features []string `json:"features"`
}

// Transaction is one tagged client command and the status of its tagged
// completion. Status is nil when the command is completed without a status
// word or is never completed under its own tag.
type Transaction struct {
	Tag     string  `json:"tag"`
	Command string  `json:"command"`
	Status  *string `json:"status"`
}

// Anomaly is one expected analyzer finding, keyed by the tag it concerns.
type Anomaly struct {
	Kind string `json:"kind"`
	Tag  string `json:"tag"`
}

// newSession returns a Session whose lists encode as [] rather than null.
func newSession() Session {
	return Session{
		SupportedVersions: []VersionSpec{},
		Features:          []string{},
		Transactions:      []Transaction{},
		ExpectedAnomalies: []Anomaly{},
	}
}

// TruthFor builds the Truth of a capture holding the named scripts, in order.
func TruthFor(names ...string) (*Truth, error) {
	t := &Truth{Sessions: []Session{}}
	for _, n := range names {
		s, err := Lookup(n)
		if err != nil {
			return nil, err
		}
		t.Sessions = append(t.Sessions, s.Truth)
	}
	return t, nil
}

// MarshalIndent renders t as indented JSON with a trailing newline.
func (t *Truth) MarshalIndent() ([]byte, error) {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("imap3sim: truth: %w", err)
	}
	return append(b, '\n'), nil
}
