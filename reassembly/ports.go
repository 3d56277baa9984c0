package reassembly

// portSet is a bitmap of the configured server ports.
type portSet [65536 / 64]uint64

func newPortSet(ports []uint16) *portSet {
	var s portSet
	for _, p := range ports {
		s[p/64] |= 1 << (p % 64)
	}
	return &s
}

func (s *portSet) has(p uint16) bool { return s[p/64]&(1<<(p%64)) != 0 }

// serverIsSrc says whether the source of a packet from srcPort to dstPort is
// the server. The server is the endpoint whose port is configured; when both
// are, the lower port is the server (a client port is usually ephemeral and
// high); when the ports are equal, the destination of the connection's first
// packet is the server.
func (s *portSet) serverIsSrc(srcPort, dstPort uint16) bool {
	srcIn, dstIn := s.has(srcPort), s.has(dstPort)
	switch {
	case srcIn && !dstIn:
		return true
	case dstIn && !srcIn:
		return false
	}
	return srcPort < dstPort
}
