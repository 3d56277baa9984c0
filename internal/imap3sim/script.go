package imap3sim

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Side identifies which peer sends a step.
type Side byte

// The two peers of a script.
const (
	Client Side = 'C'
	Server Side = 'S'
)

// String returns "C" or "S".
func (s Side) String() string { return string(rune(s)) }

// Other returns the opposite peer.
func (s Side) Other() Side {
	if s == Client {
		return Server
	}
	return Client
}

// Step is one unit of bytes sent by one peer.
type Step struct {
	Side Side   // who sends it
	Data []byte // exact bytes on the wire
	// Join makes the step part of the same write call as the previous step
	// (which must have the same Side); no delay is inserted before it.
	Join bool
	// Pause is an extra delay before the step, on top of the default one.
	Pause time.Duration
	Line  int // line in the script source, for error messages
}

// Script is a parsed, immutable scripted exchange for one TCP connection.
type Script struct {
	Name        string
	Description string
	Port        int           // default server port (220 unless @port says otherwise)
	Delay       time.Duration // fixed per-write delay; 0 means the default jitter
	Steps       []Step
	Truth       Session
}

// Stream returns the concatenation of all bytes sent by side.
func (s *Script) Stream(side Side) []byte {
	var b bytes.Buffer
	for _, st := range s.Steps {
		if st.Side == side {
			b.Write(st.Data)
		}
	}
	return b.Bytes()
}

// errScript is the prefix of every parse error.
var errScript = errors.New("imap3sim: script")

// ParseScript parses the text script format:
//
//	# comment                     ignored, as are blank lines
//	C: text                       client sends text followed by CRLF
//	S: text                       server sends text followed by CRLF
//	C= bytes                      exact bytes, no CRLF added; escapes
//	                              \r \n \t \\ \xHH are decoded
//	&C: / &C= / &S: / &S=         same write call as the previous step
//	@name NAME                    script name
//	@desc TEXT                    description (repeatable, joined by spaces)
//	@port N                       server port (default 220)
//	@delay DUR                    fixed delay before each write
//	@pause DUR                    extra delay before the next step
//	@endlit                       closes an automatic literal (below)
//	@dialect imap2|imap3          ground truth: dialect
//	@supported V [FEATURE...]     ground truth: one supported version
//	@version V                    ground truth: version in effect at the end
//	@features [FEATURE...]        ground truth: features in effect at the end
//	@tx TAG COMMAND STATUS        ground truth: a tagged command; STATUS "-"
//	                              means the command completes without a
//	                              status word (or not at all)
//	@anomaly KIND TAG             ground truth: an expected anomaly
//
// Text after "C: " or "S: " is taken literally (backslashes included), so
// RFC lines such as "\Seen" need no escaping. A step containing "{?}" starts
// an automatic literal: at the next @endlit, "{?}" is replaced by "{n}" where
// n is the number of bytes the same side sends in the steps in between.
func ParseScript(src []byte) (*Script, error) {
	s := &Script{Port: 220}
	s.Truth = newSession()
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var pause time.Duration
	litStep := -1
	lineNo := 0
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: line %d: %s", errScript, lineNo, fmt.Sprintf(format, a...))
	}
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "@") {
			name, arg, _ := strings.Cut(line[1:], " ")
			arg = strings.TrimSpace(arg)
			switch name {
			case "endlit":
				if litStep < 0 {
					return nil, fail("@endlit without {?}")
				}
				n := 0
				for _, st := range s.Steps[litStep+1:] {
					if st.Side == s.Steps[litStep].Side {
						n += len(st.Data)
					}
				}
				s.Steps[litStep].Data = bytes.Replace(s.Steps[litStep].Data,
					[]byte("{?}"), []byte("{"+strconv.Itoa(n)+"}"), 1)
				litStep = -1
			case "pause":
				d, err := time.ParseDuration(arg)
				if err != nil {
					return nil, fail("bad @pause: %v", err)
				}
				pause += d
			default:
				if err := s.directive(name, arg); err != nil {
					return nil, fail("%v", err)
				}
			}
			continue
		}
		st, err := parseStep(line)
		if err != nil {
			return nil, fail("%v", err)
		}
		st.Line, st.Pause = lineNo, pause
		pause = 0
		if st.Join && (len(s.Steps) == 0 || s.Steps[len(s.Steps)-1].Side != st.Side) {
			return nil, fail("joined step must follow a step of the same side")
		}
		if bytes.Contains(st.Data, []byte("{?}")) {
			if litStep >= 0 {
				return nil, fail("nested {?} literal")
			}
			litStep = len(s.Steps)
		}
		s.Steps = append(s.Steps, st)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", errScript, err)
	}
	if litStep >= 0 {
		return nil, fmt.Errorf("%w: {?} at line %d never closed by @endlit", errScript, s.Steps[litStep].Line)
	}
	if s.Name == "" {
		return nil, fmt.Errorf("%w: missing @name", errScript)
	}
	return s, nil
}

// parseStep parses one "C: ..." style line.
func parseStep(line string) (Step, error) {
	var st Step
	if strings.HasPrefix(line, "&") {
		st.Join = true
		line = line[1:]
	}
	if len(line) < 2 || (line[0] != 'C' && line[0] != 'S') || (line[1] != ':' && line[1] != '=') {
		return st, fmt.Errorf("unrecognised line %q", line)
	}
	st.Side = Side(line[0])
	rest := strings.TrimPrefix(line[2:], " ")
	if line[1] == ':' {
		st.Data = []byte(rest + "\r\n")
		return st, nil
	}
	b, err := unescape(rest)
	if err != nil {
		return st, err
	}
	st.Data = b
	return st, nil
}

// unescape decodes \r \n \t \\ and \xHH.
func unescape(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 >= len(s) {
			return nil, errors.New("trailing backslash")
		}
		i++
		switch s[i] {
		case 'r':
			out = append(out, '\r')
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case '\\':
			out = append(out, '\\')
		case 'x':
			if i+2 >= len(s) {
				return nil, errors.New("short \\x escape")
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("bad \\x escape: %w", err)
			}
			out = append(out, byte(v))
			i += 2
		default:
			return nil, fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return out, nil
}

// directive applies one @name/@truth directive.
func (s *Script) directive(name, arg string) error {
	f := strings.Fields(arg)
	switch name {
	case "name":
		s.Name = arg
	case "desc":
		s.Description = strings.TrimSpace(s.Description + " " + arg)
	case "port":
		p, err := strconv.Atoi(arg)
		if err != nil || p <= 0 || p > 65535 {
			return fmt.Errorf("bad @port %q", arg)
		}
		s.Port = p
	case "delay":
		d, err := time.ParseDuration(arg)
		if err != nil {
			return fmt.Errorf("bad @delay: %w", err)
		}
		s.Delay = d
	case "dialect":
		s.Truth.Dialect = arg
	case "supported":
		if len(f) == 0 {
			return errors.New("@supported needs a version")
		}
		s.Truth.SupportedVersions = append(s.Truth.SupportedVersions,
			VersionSpec{Version: f[0], Features: append([]string{}, f[1:]...)})
	case "version":
		s.Truth.Version = arg
	case "features":
		s.Truth.Features = append([]string{}, f...)
	case "tx":
		if len(f) < 3 {
			return errors.New("@tx needs TAG COMMAND STATUS")
		}
		tx := Transaction{Tag: f[0], Command: strings.Join(f[1:len(f)-1], " ")}
		if st := f[len(f)-1]; st != "-" {
			tx.Status = &st
		}
		s.Truth.Transactions = append(s.Truth.Transactions, tx)
	case "anomaly":
		if len(f) != 2 {
			return errors.New("@anomaly needs KIND TAG")
		}
		s.Truth.ExpectedAnomalies = append(s.Truth.ExpectedAnomalies, Anomaly{Kind: f[0], Tag: f[1]})
	default:
		return fmt.Errorf("unknown directive @%s", name)
	}
	return nil
}
