package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/imapscope/imapscope/report"
	"github.com/imapscope/imapscope/tlsdecrypt"
)

// keyLogReload is how often live re-reads its key logs (clients append to
// them as they connect).
const keyLogReload = time.Second

// fileList is a repeatable flag of file names (commas are kept).
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, " ") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

// keyLookup returns kl as a KeyLookup, or nil (not a typed nil) without one.
func keyLookup(kl *tlsdecrypt.KeyLog) tlsdecrypt.KeyLookup {
	if kl == nil {
		return nil
	}
	return kl
}

// loadKeyLogs reads the --keylog files; nil without any. An unreadable
// file is a usage error: the message names the file, never its content.
func loadKeyLogs(paths []string, stderr io.Writer, cmd string) (*tlsdecrypt.KeyLog, bool) {
	if len(paths) == 0 {
		return nil, true
	}
	kl := tlsdecrypt.NewKeyLog()
	for _, p := range paths {
		if err := kl.AddFile(p); err != nil {
			fmt.Fprintf(stderr, "imapscope %s: --keylog %s: %v\n", cmd, p, err)
			return nil, false
		}
	}
	return kl, true
}

// embeddedSecrets adds the key logs in the inputs' pcapng Decryption
// Secrets Blocks to kl (made when there is none yet and a block is found).
// Standard input, pipes and FIFOs are not read twice: their secrets are
// not used.
func embeddedSecrets(kl *tlsdecrypt.KeyLog, inputs []string) *tlsdecrypt.KeyLog {
	for _, in := range inputs {
		if fi, err := os.Stat(in); in == "-" || err != nil || !fi.Mode().IsRegular() {
			continue // a pipe or FIFO would lose what is read here
		}
		f, err := os.Open(in)
		if err != nil {
			continue // the run reports the unreadable input
		}
		k := kl
		if k == nil {
			k = tlsdecrypt.NewKeyLog()
		}
		if n, _ := tlsdecrypt.ReadPcapngSecrets(f, k); n > 0 {
			kl = k
		}
		f.Close()
	}
	return kl
}

// keyLogStats puts the key logs' counters into the capture summary.
func keyLogStats(kl *tlsdecrypt.KeyLog, c *report.CaptureStats) {
	if kl == nil || c == nil {
		return
	}
	st := kl.Stats()
	c.KeyLogEntries = int64(st.Entries)
	c.KeyLogMalformed = int64(st.Malformed)
}

// reloadKeyLogs re-reads the key logs every keyLogReload until ctx ends.
func reloadKeyLogs(ctx context.Context, kl *tlsdecrypt.KeyLog, stderr io.Writer) {
	if kl == nil {
		return
	}
	t := time.NewTicker(keyLogReload)
	defer t.Stop()
	warned := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := kl.Reload(); err != nil && !warned {
				fmt.Fprintf(stderr, "imapscope live: re-reading the key log: %v\n", err)
				warned = true
			}
		}
	}
}
