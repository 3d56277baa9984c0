package dovecottest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Txn is one command a client sent and the status of its tagged
// completion ("" when none arrived).
type Txn struct {
	Tag     string `json:"tag"`
	Command string `json:"command"`
	Status  string `json:"status"`
}

// Session is a client's own record of one connection.
type Session struct {
	Port int   `json:"port"`
	Txns []Txn `json:"txns"`
}

// ioTimeout bounds each network operation of a client.
const ioTimeout = 10 * time.Second

// conn is a minimal IMAP client that records what it did.
type conn struct {
	c   net.Conn
	r   *bufio.Reader
	rec Session
	n   int
}

func dial(addr string) (*conn, error) {
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return nil, err
	}
	k := &conn{c: c, r: bufio.NewReader(c)}
	k.rec.Port = c.LocalAddr().(*net.TCPAddr).Port
	if _, err := k.line(); err != nil { // greeting
		c.Close()
		return nil, err
	}
	return k, nil
}

func (k *conn) line() (string, error) {
	_ = k.c.SetDeadline(time.Now().Add(ioTimeout))
	s, err := k.r.ReadString('\n')
	return strings.TrimRight(s, "\r\n"), err
}

// send writes "tag cmd args" and, when literal is not nil, the literal
// after the server's continuation. wait says whether to read the
// completion; the command's name as a dissector reports it is name.
func (k *conn) send(name, args string, literal []byte, wait bool) (*Txn, error) {
	k.n++
	tag := "a" + strconv.Itoa(k.n)
	verb := strings.Fields(name)
	line := tag + " " + strings.Join(verb, " ")
	if args != "" {
		line += " " + args
	}
	if literal != nil {
		line += fmt.Sprintf(" {%d}", len(literal))
	}
	k.rec.Txns = append(k.rec.Txns, Txn{Tag: tag, Command: name})
	t := &k.rec.Txns[len(k.rec.Txns)-1]
	_ = k.c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(k.c, line+"\r\n"); err != nil {
		return t, err
	}
	if literal != nil {
		l, err := k.line()
		if err != nil {
			return t, err
		}
		if !strings.HasPrefix(l, "+") {
			return t, fmt.Errorf("no continuation for %s: %q", tag, l)
		}
		if _, err := k.c.Write(append(literal, '\r', '\n')); err != nil {
			return t, err
		}
	}
	if !wait {
		return t, nil
	}
	return t, k.complete(t)
}

// complete reads until t's tagged completion.
func (k *conn) complete(t *Txn) error {
	for {
		l, err := k.line()
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", t.Tag, err)
		}
		if rest, ok := strings.CutPrefix(l, t.Tag+" "); ok {
			t.Status, _, _ = strings.Cut(rest, " ")
			return nil
		}
	}
}

const testMessage = "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: live capture test\r\n\r\nHello from imapscope's live test.\r\n"

// fullSession runs a scripted session covering the common commands,
// a literal, a NO and a BAD, and logs out.
func fullSession(addr, user string) (Session, error) {
	k, err := dial(addr)
	if err != nil {
		return Session{}, err
	}
	defer k.c.Close()
	steps := []struct {
		name, args string
		lit        []byte
	}{
		{"CAPABILITY", "", nil},
		{"LOGIN", user + " " + Users[user], nil},
		{"SELECT", "INBOX", nil},
		{"APPEND", "INBOX (\\Seen)", []byte(testMessage)},
		{"NOOP", "", nil},
		{"UID FETCH", "1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])", nil},
		{"SEARCH", "SUBJECT \"live\"", nil},
		{"SELECT", "Nonexistent", nil},
		{"XNOSUCHCOMMAND", "", nil},
		{"LOGOUT", "", nil},
	}
	for _, s := range steps {
		if _, err := k.send(s.name, s.args, s.lit, true); err != nil {
			return k.rec, err
		}
	}
	return k.rec, nil
}

// shortSession connects, asks for capabilities and logs out.
func shortSession(addr string) (Session, error) {
	k, err := dial(addr)
	if err != nil {
		return Session{}, err
	}
	defer k.c.Close()
	for _, name := range []string{"CAPABILITY", "LOGOUT"} {
		if _, err := k.send(name, "", nil, true); err != nil {
			return k.rec, err
		}
	}
	return k.rec, nil
}

// RunClient is the body of a client helper process. spec is
// "mode,n,conc,addr": mode "full" runs n scripted sessions, "short" n
// CAPABILITY/LOGOUT sessions, conc at a time, writing one JSON Session
// per line to out; "idle" logs in, selects, starts IDLE, writes its
// Session and a line "IDLING", then waits for a line on in before it
// sends DONE and logs out.
func RunClient(spec string, in io.Reader, out io.Writer) error {
	f := strings.SplitN(spec, ",", 4)
	if len(f) != 4 {
		return fmt.Errorf("dovecottest: bad client spec %q", spec)
	}
	n, _ := strconv.Atoi(f[1])
	conc, _ := strconv.Atoi(f[2])
	mode, addr := f[0], f[3]
	if mode == "idle" {
		return idleClient(addr, in, out)
	}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		next     = make(chan int)
	)
	enc := json.NewEncoder(out)
	for w := 0; w < max(conc, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				var s Session
				var err error
				if mode == "full" {
					s, err = fullSession(addr, []string{"alice", "bob"}[i%2])
				} else {
					s, err = shortSession(addr)
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("session %d: %w", i, err)
				}
				if err == nil {
					_ = enc.Encode(s)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return firstErr
}

func idleClient(addr string, in io.Reader, out io.Writer) error {
	k, err := dial(addr)
	if err != nil {
		return err
	}
	defer k.c.Close()
	if _, err := k.send("LOGIN", "alice "+Users["alice"], nil, true); err != nil {
		return err
	}
	if _, err := k.send("SELECT", "INBOX", nil, true); err != nil {
		return err
	}
	t, err := k.send("IDLE", "", nil, false)
	if err != nil {
		return err
	}
	if l, err := k.line(); err != nil || !strings.HasPrefix(l, "+") {
		return fmt.Errorf("IDLE not accepted: %q %v", l, err)
	}
	rec := k.rec // as it stands while idling: IDLE pending
	rec.Txns = append([]Txn(nil), rec.Txns...)
	b, _ := json.Marshal(rec)
	fmt.Fprintf(out, "%s\nIDLING\n", b)
	_, _ = bufio.NewReader(in).ReadString('\n')
	_ = k.c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(k.c, "DONE\r\n"); err != nil {
		return err
	}
	if err := k.complete(t); err != nil {
		return err
	}
	_, err = k.send("LOGOUT", "", nil, true)
	return err
}
