package tlsdecrypt

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// Key-log limits.
const (
	// maxKeyLogLine bounds one key-log line; longer lines are malformed.
	maxKeyLogLine = 4096
	// maxSecretLen bounds one logged secret (SHA-384 is 48 bytes).
	maxSecretLen = 64
	// keyLogReadChunk is the read size when (re)reading a key-log file.
	keyLogReadChunk = 64 << 10
	// SecretsTypeTLSKeyLog is the pcapng Decryption Secrets Block type of an
	// NSS key log ("TLSK").
	SecretsTypeTLSKeyLog = 0x544c534b
)

// Secrets are the logged secrets of one TLS connection, found by its
// ClientHello random. Slices are shared and must not be modified.
type Secrets struct {
	MasterSecret    []byte // CLIENT_RANDOM (TLS ≤ 1.2)
	ClientHandshake []byte // CLIENT_HANDSHAKE_TRAFFIC_SECRET
	ServerHandshake []byte // SERVER_HANDSHAKE_TRAFFIC_SECRET
	ClientTraffic0  []byte // CLIENT_TRAFFIC_SECRET_0
	ServerTraffic0  []byte // SERVER_TRAFFIC_SECRET_0
}

// KeyLookup finds the secrets of a connection by its client random.
// Implementations must be safe for concurrent use.
type KeyLookup interface {
	Lookup(clientRandom [32]byte) (Secrets, bool)
}

// KeyLogStats counts what the key-log parser saw. It never holds secrets.
type KeyLogStats struct {
	Lines     int // non-blank, non-comment lines read
	Entries   int // connections with at least one secret
	Malformed int // lines that could not be parsed
	Ignored   int // well-formed lines of labels this package does not use
}

// keySource is one key-log file read incrementally.
type keySource struct {
	path    string
	f       *os.File // kept open: a live capture may drop privileges after opening
	off     int64    // bytes consumed (complete lines)
	partial []byte   // an incomplete last line, kept until it ends
}

// KeyLog is an NSS key log (the SSLKEYLOGFILE format) held in memory,
// safe for concurrent Lookup while files are reloaded.
type KeyLog struct {
	reload  sync.Mutex // serialises file reads (keySource fields)
	mu      sync.RWMutex
	m       map[[32]byte]*Secrets
	stats   KeyLogStats
	sources []*keySource
	sessions
}

// NewKeyLog returns an empty key log.
func NewKeyLog() *KeyLog { return &KeyLog{m: make(map[[32]byte]*Secrets)} }

// AddFile reads the key-log file at path and remembers it for Reload.
func (k *KeyLog) AddFile(path string) error {
	src := &keySource{path: path}
	if err := k.readSource(src); err != nil {
		return err
	}
	k.mu.Lock()
	k.sources = append(k.sources, src)
	k.mu.Unlock()
	return nil
}

// Reload reads what was appended to every added file since the last read
// (a live capture's clients append as they connect). A last line without
// its newline is kept until it is completed.
func (k *KeyLog) Reload() error {
	k.mu.RLock()
	srcs := append([]*keySource(nil), k.sources...)
	k.mu.RUnlock()
	var errs []error
	for _, s := range srcs {
		if err := k.readSource(s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// readSource reads src from its offset to the end of the file.
func (k *KeyLog) readSource(src *keySource) error {
	k.reload.Lock()
	defer k.reload.Unlock()
	if src.f == nil {
		f, err := os.Open(src.path)
		if err != nil {
			return fmt.Errorf("tlsdecrypt: key log: %w", err)
		}
		src.f = f
	}
	f := src.f
	if st, err := f.Stat(); err == nil && st.Size() < src.off {
		src.off, src.partial = 0, nil // truncated and rewritten: start over
	}
	if _, err := f.Seek(src.off, io.SeekStart); err != nil {
		return fmt.Errorf("tlsdecrypt: key log: %w", err)
	}
	buf := make([]byte, keyLogReadChunk)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			src.off += int64(n)
			src.partial = k.addLines(src.partial, buf[:n])
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tlsdecrypt: key log: %w", err)
		}
	}
}

// Close closes the key-log files added; Reload reopens them by name.
func (k *KeyLog) Close() error {
	k.reload.Lock()
	defer k.reload.Unlock()
	var errs []error
	for _, s := range k.sources {
		if s.f != nil {
			errs = append(errs, s.f.Close())
			s.f = nil
		}
	}
	return errors.Join(errs...)
}

// Add parses complete key-log text (a final line without a newline counts).
func (k *KeyLog) Add(text []byte) {
	rest := k.addLines(nil, text)
	if len(rest) > 0 {
		k.addLines(nil, append(rest, '\n'))
	}
}

// addLines parses the complete lines of partial+p and returns the
// incomplete tail (bounded by maxKeyLogLine: longer lines are malformed).
func (k *KeyLog) addLines(partial, p []byte) []byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(partial) <= maxKeyLogLine {
				room := maxKeyLogLine + 1 - len(partial)
				partial = append(partial, p[:min(room, len(p))]...)
			}
			return partial
		}
		line := p[:i]
		if len(partial) > 0 {
			partial = append(partial, line[:min(len(line), maxKeyLogLine+1)]...)
			line = partial
		}
		k.parseLine(line)
		partial = partial[:0]
		p = p[i+1:]
	}
	return partial
}

// AddDSB parses the payload of a pcapng Decryption Secrets Block. Blocks of
// another secrets type are ignored and reported as such.
func (k *KeyLog) AddDSB(secretsType uint32, data []byte) error {
	if secretsType != SecretsTypeTLSKeyLog {
		return fmt.Errorf("tlsdecrypt: decryption secrets type 0x%08x is not a TLS key log", secretsType)
	}
	k.Add(data)
	return nil
}

// AddDSBBlock parses a whole Decryption Secrets Block body as it follows
// the block type and length: secrets type, secrets length, secrets.
func (k *KeyLog) AddDSBBlock(body []byte, order binary.ByteOrder) error {
	if len(body) < 8 {
		return errors.New("tlsdecrypt: decryption secrets block too short")
	}
	typ := order.Uint32(body[0:4])
	n := order.Uint32(body[4:8])
	if uint64(n) > uint64(len(body)-8) {
		return errors.New("tlsdecrypt: decryption secrets block length beyond the block")
	}
	return k.AddDSB(typ, body[8:8+n])
}

// parseLine parses one line; the caller holds k.mu.
func (k *KeyLog) parseLine(line []byte) {
	line = bytes.TrimRight(line, "\r")
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '#' {
		return
	}
	k.stats.Lines++
	if len(line) > maxKeyLogLine {
		k.stats.Malformed++
		return
	}
	f := bytes.Fields(line)
	if len(f) != 3 {
		k.stats.Malformed++
		return
	}
	if ignoredLabel(f[0]) {
		k.stats.Ignored++
		return
	}
	var cr [32]byte
	if len(f[1]) != 64 {
		k.stats.Malformed++
		return
	}
	if _, err := hex.Decode(cr[:], f[1]); err != nil {
		k.stats.Malformed++
		return
	}
	if len(f[2])%2 != 0 || len(f[2]) > 2*maxSecretLen || len(f[2]) == 0 {
		k.stats.Malformed++
		return
	}
	secret := make([]byte, len(f[2])/2)
	if _, err := hex.Decode(secret, f[2]); err != nil {
		k.stats.Malformed++
		return
	}
	e := k.m[cr]
	fresh := e == nil
	if fresh {
		e = &Secrets{}
	}
	switch string(f[0]) {
	case "CLIENT_RANDOM":
		if len(secret) != 48 {
			k.stats.Malformed++
			return
		}
		e.MasterSecret = secret
	case "CLIENT_HANDSHAKE_TRAFFIC_SECRET":
		e.ClientHandshake = secret
	case "SERVER_HANDSHAKE_TRAFFIC_SECRET":
		e.ServerHandshake = secret
	case "CLIENT_TRAFFIC_SECRET_0":
		e.ClientTraffic0 = secret
	case "SERVER_TRAFFIC_SECRET_0":
		e.ServerTraffic0 = secret
	default:
		k.stats.Ignored++ // a well-formed line of a label not used here
		return
	}
	if fresh {
		k.m[cr] = e
		k.stats.Entries++
	}
}

// ignoredLabel reports labels of the NSS format this package does not use
// (exporter and 0-RTT secrets, RSA pre-master secrets).
func ignoredLabel(l []byte) bool {
	switch string(l) {
	case "EXPORTER_SECRET", "CLIENT_EARLY_TRAFFIC_SECRET", "EARLY_EXPORTER_SECRET", "RSA",
		"PMS_CLIENT_RANDOM", "EARLY_TRAFFIC_SECRET":
		return true
	}
	return false
}

// Lookup returns the secrets logged for clientRandom.
func (k *KeyLog) Lookup(clientRandom [32]byte) (Secrets, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	e := k.m[clientRandom]
	if e == nil {
		return Secrets{}, false
	}
	return *e, true
}

// Stats returns the parser's counters.
func (k *KeyLog) Stats() KeyLogStats {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.stats
}

// Len returns the number of connections with logged secrets.
func (k *KeyLog) Len() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.m)
}
