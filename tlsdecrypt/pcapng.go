package tlsdecrypt

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// pcapng block types and limits used to find Decryption Secrets Blocks.
const (
	pcapngSectionHeader  = 0x0A0D0D0A
	pcapngDecryptSecrets = 0x0000000A
	pcapngEnhancedPacket = 0x00000006
	pcapngSimplePacket   = 0x00000003
	pcapngPacket         = 0x00000002
	pcapngByteOrderMagic = 0x1A2B3C4D
	// maxDSBLen bounds one Decryption Secrets Block read into memory.
	maxDSBLen = 16 << 20
)

// ReadPcapngSecrets adds the TLS key logs embedded in a pcapng stream's
// Decryption Secrets Blocks (pcapng §4.7, as editcap --inject-secrets
// writes them) to k. It reads the blocks in front of the first packet
// (where secrets are put so that they precede the packets they decrypt)
// and returns how many blocks were used. A stream that is not pcapng
// (or gzip-compressed pcapng) yields 0 and no error.
func ReadPcapngSecrets(r io.Reader, k *KeyLog) (int, error) {
	br := bufio.NewReader(r)
	if m, err := br.Peek(2); err == nil && m[0] == 0x1f && m[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return 0, nil
		}
		br = bufio.NewReader(zr)
	}
	var order binary.ByteOrder = binary.LittleEndian
	n := 0
	for first := true; ; first = false {
		var h [12]byte
		if _, err := io.ReadFull(br, h[:8]); err != nil {
			return n, nil // end of the stream
		}
		typ := binary.LittleEndian.Uint32(h[0:4])
		if first && typ != pcapngSectionHeader {
			return 0, nil
		}
		if typ == pcapngSectionHeader {
			if _, err := io.ReadFull(br, h[8:12]); err != nil {
				return n, nil
			}
			switch binary.LittleEndian.Uint32(h[8:12]) {
			case pcapngByteOrderMagic:
				order = binary.LittleEndian
			default:
				order = binary.BigEndian
			}
		}
		length := order.Uint32(h[4:8])
		if length < 12 || length%4 != 0 || length > maxDSBLen {
			return n, errors.New("tlsdecrypt: pcapng block length out of range")
		}
		rest := int(length) - 8
		if typ == pcapngSectionHeader {
			rest -= 4
		}
		switch typ {
		case pcapngEnhancedPacket, pcapngSimplePacket, pcapngPacket:
			return n, nil
		case pcapngDecryptSecrets:
			body := make([]byte, rest)
			if _, err := io.ReadFull(br, body); err != nil {
				return n, fmt.Errorf("tlsdecrypt: pcapng decryption secrets block: %w", err)
			}
			if k.AddDSBBlock(body[:len(body)-4], order) == nil {
				n++
			}
		default:
			if _, err := br.Discard(rest); err != nil {
				return n, nil
			}
		}
	}
}
