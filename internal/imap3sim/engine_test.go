package imap3sim

import (
	"bytes"
	"context"
	"net"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// recorder wraps a conn and keeps every byte read from it.
type recorder struct {
	net.Conn
	mu  sync.Mutex
	got bytes.Buffer
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.got.Write(p[:n])
	r.mu.Unlock()
	return n, err
}

func (r *recorder) CloseWrite() error { return r.Conn.(*net.TCPConn).CloseWrite() }

func allScripts(t *testing.T) []*Script {
	t.Helper()
	names, err := Names()
	if err != nil {
		t.Fatal(err)
	}
	var out []*Script
	for _, n := range names {
		s, err := Lookup(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestScriptsOverLoopback plays every script over real TCP and checks that
// each side received exactly the other side's scripted bytes.
func TestScriptsOverLoopback(t *testing.T) {
	for _, s := range allScripts(t) {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var srvGot []byte
			srvErr := make(chan error, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					srvErr <- err
					return
				}
				defer c.Close()
				r := &recorder{Conn: c}
				err = Play(ctx, r, s, Server, Options{NoDelay: true})
				srvGot = r.got.Bytes()
				srvErr <- err
			}()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			r := &recorder{Conn: c}
			if err := Play(ctx, r, s, Client, Options{NoDelay: true}); err != nil {
				t.Fatalf("client: %v", err)
			}
			c.Close()
			if err := <-srvErr; err != nil {
				t.Fatalf("server: %v", err)
			}
			if want := s.Stream(Server); !bytes.Equal(r.got.Bytes(), want) {
				t.Errorf("client saw %q, want %q", r.got.Bytes(), want)
			}
			if want := s.Stream(Client); !bytes.Equal(srvGot, want) {
				t.Errorf("server saw %q, want %q", srvGot, want)
			}
		})
	}
}

// TestDelaysPlayed checks the default jitter path on one short script.
func TestDelaysPlayed(t *testing.T) {
	s, err := ParseScript([]byte("@name d\nS: * OK hi\nC: a1 LOGOUT\nS: * BYE x\nS: a1 OK bye\n"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	start := time.Now()
	errc := make(chan error, 1)
	go func() { errc <- Serve(context.Background(), ln, []*Script{s}, Options{ReadTimeout: time.Second}) }()
	if err := Dial(context.Background(), ln.Addr().String(), []*Script{s}, Options{ReadTimeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 6*time.Millisecond {
		t.Errorf("delays not applied: %v", el)
	}
}

var literalRE = regexp.MustCompile(`\{(\d+)\+?\}\r\n$`)

// TestLiteralFraming walks each side's stream as IMAP lines and literals
// and checks every {n} literal ends exactly on a step boundary, i.e. the
// announced sizes match the scripted bodies.
func TestLiteralFraming(t *testing.T) {
	for _, s := range allScripts(t) {
		for _, side := range []Side{Client, Server} {
			stream := s.Stream(side)
			bounds := map[int]bool{0: true}
			off := 0
			for _, st := range s.Steps {
				if st.Side == side {
					off += len(st.Data)
					bounds[off] = true
				}
			}
			lits := 0
			for p := 0; p < len(stream); {
				e := bytes.Index(stream[p:], []byte("\r\n"))
				if e < 0 {
					t.Errorf("%s %s: stream does not end with CRLF at %d", s.Name, side, p)
					break
				}
				line := stream[p : p+e+2]
				p += e + 2
				m := literalRE.FindSubmatch(line)
				if m == nil {
					continue
				}
				n, _ := strconv.Atoi(string(m[1]))
				lits++
				if p+n > len(stream) || !bounds[p+n] {
					t.Errorf("%s %s: literal {%d} at offset %d does not end on a step boundary", s.Name, side, n, p)
				}
				p += n
			}
			_ = lits
		}
	}
}

func TestParseScriptErrors(t *testing.T) {
	for _, src := range []string{
		"S: x\n",                 // no name
		"@name x\nX: y\n",        // bad prefix
		"@name x\n&C: a\n",       // join without predecessor
		"@name x\nS: {?}\n",      // unclosed literal
		"@name x\n@endlit\n",     // endlit without literal
		"@name x\nS= \\q\n",      // bad escape
		"@name x\n@bogus 1\n",    // unknown directive
		"@name x\n@tx a1 NOOP\n", // short tx
	} {
		if _, err := ParseScript([]byte(src)); err == nil {
			t.Errorf("ParseScript(%q) succeeded", src)
		}
	}
}

func TestAutoLiteral(t *testing.T) {
	s, err := ParseScript([]byte("@name x\nS: * 1 FETCH (RFC822 {?}\nS= ab\\ncd\\n\nC: ignored\nS= e\\r\\n\n@endlit\nS: )\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(s.Steps[0].Data); got != "* 1 FETCH (RFC822 {9}\r\n" {
		t.Errorf("got %q", got)
	}
}
