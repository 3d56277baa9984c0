package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// measure runs a command and reports its wall time and peak resident set
// size, like GNU time -f '%e %M', without depending on /usr/bin/time:
//
//	benchgen measure [-out FILE] -- CMD [ARGS...]
//
// It writes one line "WALL_SECONDS MAXRSS_KB EXIT_CODE" to FILE (default
// stderr) and exits with the command's exit code.
func measure(args []string, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("benchgen measure", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "file for the result line (default stderr)")
	if err := fs.Parse(args); err != nil {
		return 2, err
	}
	if fs.NArg() == 0 {
		return 2, errors.New("measure: no command")
	}
	cmd := exec.Command(fs.Arg(0), fs.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
		if code < 0 {
			code = 128 // killed by a signal
		}
	case err != nil:
		return 127, fmt.Errorf("measure: %w", err)
	}
	var rssKB int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rssKB = int64(ru.Maxrss) // kilobytes on Linux
		if runtime.GOOS == "darwin" {
			rssKB /= 1024 // bytes on macOS
		}
	}
	line := fmt.Sprintf("%.3f %d %d\n", wall.Seconds(), rssKB, code)
	if *out == "" {
		_, err = io.WriteString(stderr, line)
	} else {
		err = os.WriteFile(*out, []byte(line), 0o644)
	}
	if err != nil {
		return 2, fmt.Errorf("measure: %w", err)
	}
	return code, nil
}
