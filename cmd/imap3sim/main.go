// Command imap3sim plays scripted IMAP2/IMAP3 exchanges over TCP, as the
// server (-listen) or the client (-connect), so that captures can be made
// of dialects no surviving server speaks. It also prints a capture's
// ground truth (-truth) and lists the scripts (-list).
//
//	imap3sim -listen 10.220.0.1:220 -script rfc1203-sample
//	imap3sim -connect 10.220.0.1:220 -script rfc1203-sample
//	imap3sim -truth imap2-port143,imap3-port143 > x.truth.json
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/imapscope/imapscope/internal/imap3sim"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "imap3sim:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "", "play the server side: listen on `addr` and accept one connection per script")
	connect := flag.String("connect", "", "play the client side: connect to `addr` once per script")
	script := flag.String("script", "", "comma-separated script `names`, played in order")
	truth := flag.String("truth", "", "print the truth JSON of a capture holding these comma-separated `names`")
	list := flag.Bool("list", false, "list the embedded scripts")
	dump := flag.String("dump", "", "write the raw bytes side `C|S` sends in -script (one name) to stdout")
	nodelay := flag.Bool("nodelay", false, "disable the 2-20 ms per-write delays")
	timeout := flag.Duration("timeout", 60*time.Second, "overall time limit")
	flag.Parse()

	switch {
	case *list:
		names, err := imap3sim.Names()
		if err != nil {
			return err
		}
		for _, n := range names {
			s, _ := imap3sim.Lookup(n)
			fmt.Printf("%-22s port %-4d %s\n", n, s.Port, s.Description)
		}
		return nil
	case *dump != "":
		s, err := imap3sim.Lookup(*script)
		if err != nil {
			return err
		}
		if *dump != "C" && *dump != "S" {
			return fmt.Errorf("-dump wants C or S")
		}
		_, err = os.Stdout.Write(s.Stream(imap3sim.Side((*dump)[0])))
		return err
	case *truth != "":
		t, err := imap3sim.TruthFor(strings.Split(*truth, ",")...)
		if err != nil {
			return err
		}
		b, err := t.MarshalIndent()
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(b)
		return err
	}
	if *script == "" || (*listen == "") == (*connect == "") {
		flag.Usage()
		return fmt.Errorf("need -script and exactly one of -listen / -connect")
	}
	var scripts []*imap3sim.Script
	for _, n := range strings.Split(*script, ",") {
		s, err := imap3sim.Lookup(n)
		if err != nil {
			return err
		}
		scripts = append(scripts, s)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	ctx, cancel2 := context.WithTimeout(ctx, *timeout)
	defer cancel2()
	o := imap3sim.Options{NoDelay: *nodelay}
	if *listen != "" {
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			return err
		}
		defer ln.Close()
		stop := context.AfterFunc(ctx, func() { ln.Close() })
		defer stop()
		return imap3sim.Serve(ctx, ln, scripts, o)
	}
	return imap3sim.Dial(ctx, *connect, scripts, o)
}
