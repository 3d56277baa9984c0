package imap3sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// Options tunes how a script is played.
type Options struct {
	// NoDelay disables the per-write delays (used by fast unit tests).
	NoDelay bool
	// ReadTimeout bounds every wait for the peer's bytes; 0 means 10s.
	ReadTimeout time.Duration
}

// ErrMismatch reports that the peer sent bytes other than the scripted ones.
var ErrMismatch = errors.New("imap3sim: peer bytes differ from script")

// defaultReadTimeout is used when Options.ReadTimeout is zero.
const defaultReadTimeout = 10 * time.Second

// delayFor returns the pause before the write that starts at step i:
// the script's fixed @delay, or a deterministic 2..20 ms jitter.
func (s *Script) delayFor(i int, o Options) time.Duration {
	if o.NoDelay {
		return 0
	}
	d := s.Delay
	if d == 0 {
		d = time.Duration(2+(i*7+3)%19) * time.Millisecond
	}
	return d + s.Steps[i].Pause
}

// Play runs side's part of s over conn: it writes side's steps and reads
// and checks the other side's steps, in script order. The server half-closes
// its write side when done and then waits for the client's FIN; the client
// waits for the server's FIN. Any byte beyond the script is an error. Play
// does not close conn.
func Play(ctx context.Context, conn net.Conn, s *Script, side Side, o Options) error {
	rt := o.ReadTimeout
	if rt == 0 {
		rt = defaultReadTimeout
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	var got []byte
	for i := 0; i < len(s.Steps); {
		st := s.Steps[i]
		if st.Side == side {
			j := i + 1
			for j < len(s.Steps) && s.Steps[j].Join {
				j++
			}
			var buf bytes.Buffer
			for _, w := range s.Steps[i:j] {
				buf.Write(w.Data)
			}
			if d := s.delayFor(i, o); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if _, err := conn.Write(buf.Bytes()); err != nil {
				return fmt.Errorf("imap3sim: %s %s line %d: write: %w", s.Name, side, st.Line, err)
			}
			i = j
			continue
		}
		if cap(got) < len(st.Data) {
			got = make([]byte, len(st.Data))
		}
		got = got[:len(st.Data)]
		_ = conn.SetReadDeadline(time.Now().Add(rt))
		n, err := io.ReadFull(conn, got)
		if err != nil || !bytes.Equal(got[:n], st.Data) {
			return fmt.Errorf("%w: %s: %s reading %s line %d: want %q, got %q (%v)",
				ErrMismatch, s.Name, side, st.Side, st.Line, st.Data, got[:n], err)
		}
		i++
	}
	if side == Server {
		if cw, ok := conn.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
	}
	_ = conn.SetReadDeadline(time.Now().Add(rt))
	extra, err := io.ReadAll(io.LimitReader(conn, 4096))
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("imap3sim: %s %s: waiting for close: %w", s.Name, side, err)
	}
	if len(extra) > 0 {
		return fmt.Errorf("%w: %s: %s got %d unscripted bytes: %q", ErrMismatch, s.Name, side, len(extra), extra)
	}
	return nil
}

// Serve accepts one connection per script from ln, in order, and plays the
// server side of each.
func Serve(ctx context.Context, ln net.Listener, list []*Script, o Options) error {
	for _, s := range list {
		c, err := ln.Accept()
		if err != nil {
			return fmt.Errorf("imap3sim: accept for %s: %w", s.Name, err)
		}
		err = Play(ctx, c, s, Server, o)
		c.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// Dial connects to addr once per script, in order, and plays the client
// side of each. It retries the connect for up to 5 s so a server started
// concurrently has time to listen.
func Dial(ctx context.Context, addr string, list []*Script, o Options) error {
	for _, s := range list {
		var c net.Conn
		var err error
		for deadline := time.Now().Add(5 * time.Second); ; {
			var d net.Dialer
			c, err = d.DialContext(ctx, "tcp", addr)
			if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("imap3sim: dial %s for %s: %w", addr, s.Name, err)
		}
		err = Play(ctx, c, s, Client, o)
		c.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
