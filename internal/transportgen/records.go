package transportgen

import "github.com/gopacket/gopacket/layers"

// UnsupportedLink: a capture of a link type imapscope does not decode
// (802.11 with radiotap-less headers, as a Wi-Fi monitor-mode capture
// writes it): nothing can be read, and the reader must say so.
func UnsupportedLink() *Capture {
	c, t := NewCapture("linktype-80211", "a capture of an unsupported link type (802.11, 105)")
	c.LinkType = layers.LinkTypeIEEE802_11
	// Three 802.11 data frames (frame control, duration, three addresses,
	// sequence control, LLC/SNAP, a few bytes): what a monitor-mode capture
	// of an IMAP client looks like.
	frame := []byte{0x08, 0x01, 0x3a, 0x01,
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x10, 0,
		0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00, 0x45, 0, 0, 20}
	for range 3 {
		cv := &Conv{Cap: c, T: t}
		cv.Raw(append([]byte(nil), frame...))
	}
	return c
}

// CapLenOverLength: a session whose records claim an original length
// smaller than the bytes captured (some capture writers and converters
// write the length after stripping a trailer, or swap the two fields).
func CapLenOverLength() *Capture {
	c, t := NewCapture("caplen-over-length", "records whose original length is smaller than the captured length (a capture writer's bug)")
	a := &Conv{F: NewFlow4("10.0.0.1", "10.0.0.2", 40010, 1000, 5000), Cap: c, T: t}
	a.Session("alice")
	for i := range c.Frames {
		if i%3 == 1 {
			c.Frames[i].Orig = len(c.Frames[i].Data) - 4
		}
	}
	return c
}
