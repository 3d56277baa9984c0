package report

import "slices"

// appendFastTable renders a table exactly as renderTable's tablewriter
// settings do (StyleASCII borders, one space of padding, no wrapping, the
// header aligned like its column) when every header and cell is printable
// ASCII or the ellipsis of a cut cell, with no space at either end,
// possibly wrapped in the colour sequences of colorize; ok is false
// otherwise and tablewriter renders it.
//
// Why not tablewriter alone: measured on 10,000 short sessions (a summary
// row, six transactions and an anomaly each), tablewriter spends about
// 35 µs per line it renders (cell contexts, width caches, per-cell
// formatting), 3.5 s of CPU where reading and dissecting the capture takes
// 0.5 s: the table could not come within the 2.5x of jsonl's time that
// issue 15 asks, however the rest is done. The common case (ASCII cells)
// is rendered here in a few hundred nanoseconds a line; every other table
// still goes through tablewriter, and TestFastTableMatchesTablewriter
// compares the two on random tables.
func appendFastTable(b []byte, cw []int, headers []string, right []bool, rows [][]string) ([]byte, []int, bool) {
	if len(rows) == 0 {
		return b, cw, false
	}
	ncol := len(headers)
	cw = cw[:0] // every cell's width, the headers' first, then the widest of each column
	for _, h := range headers {
		w, ok := plainWidth(h)
		if !ok {
			return b, cw, false
		}
		cw = append(cw, w)
	}
	for _, r := range rows {
		if len(r) != ncol {
			return b, cw, false
		}
		for _, c := range r {
			w, ok := plainWidth(c)
			if !ok {
				return b, cw, false
			}
			cw = append(cw, w)
		}
	}
	cw = append(cw, cw[:ncol]...)
	widths := cw[len(cw)-ncol:]
	for r := ncol; r < len(cw)-ncol; r += ncol {
		for i, w := range cw[r : r+ncol] {
			widths[i] = max(widths[i], w)
		}
	}
	// Every line is as long (plus colour sequences and ellipses' extra bytes).
	b = slices.Grow(b, (len(rows)+4)*(tableWidth(widths)+1))
	start := len(b)
	b = append(b, '+')
	for _, w := range widths {
		b = appendRepeat(b, '-', w+2)
		b = append(b, '+')
	}
	b = append(b, '\n')
	border := b[start:len(b):len(b)]
	line := func(b []byte, cells []string, cw []int) []byte {
		b = append(b, '|', ' ')
		cw, right := cw[:len(cells)], right[:len(cells)]
		for i, c := range cells {
			pad := widths[i] - cw[i]
			if right[i] {
				if pad <= len(spaces) {
					b = append(b, spaces[:pad]...)
				} else {
					b = appendRepeat(b, ' ', pad)
				}
				b = append(b, c...)
				b = append(b, " | "...)
				continue
			}
			b = append(b, c...)
			if pad+3 <= len(spaces) {
				b = append(b, spaces[:pad+1]...) // the padding and the space before |
				b = append(b, "| "...)
				continue
			}
			b = appendRepeat(b, ' ', pad)
			b = append(b, " | "...)
		}
		b[len(b)-1] = '\n' // "|\n" ends the line, not "| "
		return b
	}
	b = line(b, headers, cw)
	b = append(b, border...)
	for j, r := range rows {
		b = line(b, r, cw[(j+1)*ncol:])
	}
	return append(b, border...), cw, true
}

// dashes and spaces are what appendRepeat copies from.
const (
	dashes = "----------------------------------------------------------------"
	spaces = "                                                                "
)

// appendRepeat appends n copies of c ('-' or ' ').
func appendRepeat(b []byte, c byte, n int) []byte {
	src := spaces
	if c == '-' {
		src = dashes
	}
	for n > 0 {
		k := min(n, len(src))
		b = append(b, src[:k]...)
		n -= k
	}
	return b
}

// plainWidth returns the width of a cell appendFastTable can render:
// printable ASCII and ellipses (one column each), no space at either end, colour sequences (ESC [ digits
// and semicolons m) counting nothing. ok is false for any other cell.
func plainWidth(s string) (w int, ok bool) {
	last := byte(0)
	for i := 0; i < len(s); i++ {
		for i+8 <= len(s) {
			// Eight bytes of printable ASCII at a time: a byte below 0x20
			// sets its top bit in the difference, 0x7f in the sum, 0x80
			// and above on their own (what a byte that matches does to
			// the bytes above it does not matter: the word goes byte by
			// byte). A space is fine but at the start; at the end, last
			// says.
			x := load64(s, i)
			if ((x-0x20*lsb)|(x+lsb)|x)&msb != 0 || w == 0 && s[i] == ' ' {
				break
			}
			i, w, last = i+8, w+8, s[i+7]
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c-0x20 < 0x5f { // printable ASCII, the usual case
			if c == ' ' && w == 0 {
				return 0, false // a space at the start (the end: last, below)
			}
			last = c
			w++
			continue
		}
		if c == 0x1b {
			j := i + 1
			if j >= len(s) || s[j] != '[' {
				return 0, false
			}
			for j++; j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';'); j++ {
			}
			if j >= len(s) || s[j] != 'm' {
				return 0, false
			}
			i = j
			continue
		}
		if c == ellipsis[0] && len(s)-i >= len(ellipsis) && s[i:i+len(ellipsis)] == ellipsis {
			i += len(ellipsis) - 1 // escapeTruncate's ellipsis: one column
			last = 'x'
			w++
			continue
		}
		return 0, false
	}
	if last == ' ' {
		return 0, false // ends with a space, maybe before a colour sequence
	}
	return w, true
}
