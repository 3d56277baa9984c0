package tlsdecrypt

import (
	"crypto/sha256"
	"sync"
)

// maxSessions bounds the TLS ≤ 1.2 sessions remembered for resumption.
const maxSessions = 1 << 16

// SessionStore remembers TLS ≤ 1.2 master secrets by session ID and by
// session ticket, so that a resumed connection whose client random is not
// in the key log (crypto/tls, for one, logs only full handshakes) can be
// decrypted with its original session's master secret. A KeyLookup that
// also implements SessionStore is used for it.
type SessionStore interface {
	RememberSession(id sessionKey, master []byte)
	LookupSession(id sessionKey) ([]byte, bool)
}

// sessionKey names a session: SHA-256 of a tag and the session ID or ticket.
type sessionKey [32]byte

// sessionIDKey and ticketKey name a session by its ID or its ticket.
func sessionIDKey(id []byte) sessionKey { return hashTagged("id", id) }
func ticketKey(t []byte) sessionKey     { return hashTagged("ticket", t) }

func hashTagged(tag string, b []byte) sessionKey {
	h := sha256.New()
	h.Write([]byte(tag))
	h.Write([]byte{0})
	h.Write(b)
	var k sessionKey
	h.Sum(k[:0])
	return k
}

// sessions is a bounded, concurrency-safe SessionStore.
type sessions struct {
	mu sync.Mutex
	m  map[sessionKey][]byte
}

// RememberSession implements SessionStore.
func (s *sessions) RememberSession(id sessionKey, master []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[sessionKey][]byte)
	}
	if len(s.m) >= maxSessions {
		for k := range s.m { // evict an arbitrary entry: bounded memory
			delete(s.m, k)
			break
		}
	}
	s.m[id] = master
}

// LookupSession implements SessionStore.
func (s *sessions) LookupSession(id sessionKey) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.m[id]
	return m, ok
}
