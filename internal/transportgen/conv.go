package transportgen

import (
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Conv writes one IMAP conversation of a flow into a capture, with the
// capture clock it shares with the other conversations of the capture.
type Conv struct {
	F   *Flow
	Cap *Capture
	T   *time.Time // shared capture clock
}

// step is the time between two packets of a conversation.
const step = 300 * time.Microsecond

// NewCapture returns an empty Ethernet capture and its clock.
func NewCapture(name, what string) (*Capture, *time.Time) {
	t := base
	return &Capture{Name: name, LinkType: layers.LinkTypeEthernet, What: what}, &t
}

// Emit writes one segment at the current time and advances the clock.
func (c *Conv) Emit(seg Seg) {
	c.Raw(c.F.Packet(seg))
}

// Raw writes one frame at the current time and advances the clock.
func (c *Conv) Raw(b []byte) {
	c.Cap.Frames = append(c.Cap.Frames, Frame{TS: *c.T, Data: b})
	*c.T = c.T.Add(step)
}

// Handshake writes SYN, SYN-ACK, ACK.
func (c *Conv) Handshake() {
	c.Emit(Seg{SYN: true})
	c.Emit(Seg{FromServer: true, SYN: true, ACK: true})
	c.Emit(Seg{})
}

// Client writes a client segment carrying line and the server's ACK.
func (c *Conv) Client(line string) {
	c.Emit(Seg{Payload: []byte(line)})
	c.Emit(Seg{FromServer: true})
}

// Server writes a server segment carrying line and the client's ACK.
func (c *Conv) Server(line string) {
	c.Emit(Seg{FromServer: true, Payload: []byte(line)})
	c.Emit(Seg{})
}

// Close writes FIN from the client, FIN from the server and the last ACK.
func (c *Conv) Close() {
	c.Emit(Seg{FIN: true})
	c.Emit(Seg{FromServer: true, FIN: true})
	c.Emit(Seg{})
}

// Greet writes the server greeting.
func (c *Conv) Greet() {
	c.Server("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] transportgen ready\r\n")
}

// Login writes a LOGIN of user and its OK.
func (c *Conv) Login(tag, user string) {
	c.Client(tag + " LOGIN " + user + " secret-" + user + "\r\n")
	c.Server(tag + " OK [CAPABILITY IMAP4rev1] Logged in\r\n")
}

// Select writes a SELECT INBOX and its response.
func (c *Conv) Select(tag string) {
	c.Client(tag + " SELECT INBOX\r\n")
	c.Server("* 3 EXISTS\r\n* 0 RECENT\r\n" + tag + " OK [READ-WRITE] Select completed\r\n")
}

// Logout writes a LOGOUT and its response.
func (c *Conv) Logout(tag string) {
	c.Client(tag + " LOGOUT\r\n")
	c.Server("* BYE Logging out\r\n" + tag + " OK Logout completed\r\n")
}

// Open writes the start of a conversation: handshake, greeting and the
// LOGIN of user (tag a1).
func (c *Conv) Open(user string) {
	c.Handshake()
	c.Greet()
	c.Login("a1", user)
}

// Finish writes the end of a conversation: SELECT (a2), LOGOUT (a3) and
// the close.
func (c *Conv) Finish() {
	c.Select("a2")
	c.Logout("a3")
	c.Close()
}

// Session writes a whole conversation: Open, then Finish.
func (c *Conv) Session(user string) {
	c.Open(user)
	c.Finish()
}
