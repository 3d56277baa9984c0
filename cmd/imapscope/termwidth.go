package main

import (
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// terminalWidth is the width of the terminal w writes to, else $COLUMNS
// (as a shell exports it), else 0: no limit (a file or a pipe).
func terminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 0
}

// Progress bar layout: "reading (12345 sessions)  37% |███   | (1.2/3.4 GB, 250 MB/s) [4s:9s]".
const (
	// progressTextWidth is what the bar's line holds besides the bar itself.
	progressTextWidth = 72
	// progressMinBar and progressMaxBar bound the bar.
	progressMinBar, progressMaxBar = 10, 40
	// progressDefaultWidth is assumed when the terminal's width is unknown.
	progressDefaultWidth = 80
)

// progressBarWidth is the bar width that keeps the whole progress line
// inside a terminal of the given width (so a redraw never wraps).
func progressBarWidth(termWidth int) int {
	if termWidth <= 0 {
		termWidth = progressDefaultWidth
	}
	return min(progressMaxBar, max(progressMinBar, termWidth-progressTextWidth))
}
