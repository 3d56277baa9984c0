package dissect

import "bytes"

// fetchItem is what the value being read in a FETCH response belongs to.
type fetchItem uint8

const (
	itemName   fetchItem = iota // no value pending: an attribute name comes next
	itemUID                     // UID n
	itemModSeq                  // MODSEQ (n) (RFC 7162)
	itemBody                    // a body section: BODY[…], BINARY[…], RFC822, RFC822.HEADER, RFC822.TEXT
	itemOther                   // any other attribute
)

// fetchScan follows one FETCH response ("n FETCH (att value …)") across
// the literals that split it into several lines. It reads attribute names
// and values at the top level of the list and counts body sections from
// their declared sizes: a literal's bytes are never seen here.
type fetchScan struct {
	on     bool
	t      *txn // command the response was attributed to (nil: none)
	seq    int64
	uid    int64
	modseq int64
	body   int64
	depth  int       // parenthesis depth; 1 is the attribute list
	item   fetchItem // attribute whose value comes next, or itemName
}

// start begins a FETCH response for message seq, attributed to t.
func (f *fetchScan) start(t *txn, seq int64) {
	*f = fetchScan{on: true, t: t, seq: seq}
}

// feed reads one line segment of the response: the first after "FETCH",
// or a continuation after a literal. A literal header at its end is the
// value of the attribute pending (its size is taken, its bytes skipped).
func (f *fetchScan) feed(p []byte, ll lineLiteral) {
	lit, hasLit := ll.h, ll.ok
	if !hasLit && (f.item == itemName || f.item == itemOther) && !mayHoldFetchItem(p) {
		// The response ends with p, no value of ours is pending, and p
		// holds no name of an item whose value is used: tokenizing it
		// would change nothing (most ENVELOPE and FLAGS responses).
		return
	}
	f.tokenize(p, lit, hasLit)
}

// tokenize reads the line segment p as feed does, always; lit is the
// literal header at its end, if hasLit.
func (f *fetchScan) tokenize(p []byte, lit literalHeader, hasLit bool) {
	if hasLit {
		p = p[:len(p)-literalHeaderLen(p)]
	}
	for i := 0; i < len(p); {
		if f.depth >= 2 && f.item != itemModSeq {
			// Inside a nested value (ENVELOPE, BODYSTRUCTURE…) only
			// parentheses and strings matter.
			i = f.skipNested(p, i)
			continue
		}
		c := p[i]
		switch {
		case c == ' ':
			i++
		case c == '(':
			i++
			f.depth++
		case c == ')':
			i++
			f.depth--
			if f.depth <= 1 && f.item != itemName {
				f.item = itemName // a list value ended
			}
			if f.depth <= 0 {
				f.depth = 0
			}
		case c == '"' && f.depth == 1 && f.item == itemBody:
			j, n := quotedLen(p, i)
			f.value(nil, n)
			i = j
		case c == '"':
			// Only a body section's string is measured; any other
			// value just ends.
			i = quotedSkip(p, i)
			f.value(nil, 0)
		default:
			j := fetchAtomEnd(p, i)
			f.atom(p[i:j])
			i = j
		}
	}
	if hasLit {
		f.value(nil, lit.size)
	}
}

// mayHoldFetchItem reports whether p may hold the name of a FETCH item
// whose value fetchScan keeps (see classifyFetchItem): UID, MODSEQ, a body
// section (BODY[…], BINARY[…]) or RFC822…, in any case. It looks for the
// rarest byte of each name with IndexByte and checks the name around it,
// so that most lines are ruled out without being tokenized. True means
// only that p has to be tokenized.
func mayHoldFetchItem(p []byte) bool {
	if len(p) < len("UID") {
		return false // shorter than any name (the ")" after a literal)
	}
	return foldAround(p, 'u', 0, "UID") || foldAround(p, 'U', 0, "UID") ||
		foldAround(p, 'q', 5, "MODSEQ") || foldAround(p, 'Q', 5, "MODSEQ") ||
		bodySection(p) || foldAround(p, '8', 3, "RFC822")
}

// bodySection reports whether, at some '[' in p, the bytes before it are
// BODY or BINARY ignoring case: foldAround for both names in one pass.
func bodySection(p []byte) bool {
	for i := 0; ; {
		j := bytes.IndexByte(p[i:], '[')
		if j < 0 {
			return false
		}
		k := i + j
		if k >= 4 && equalFold(p[k-4:k], "BODY") || k >= 6 && equalFold(p[k-6:k], "BINARY") {
			return true
		}
		i = k + 1
	}
}

// foldAround reports whether, at some occurrence of c in p, the bytes
// starting back bytes before it equal the upper-case word w ignoring case.
func foldAround(p []byte, c byte, back int, w string) bool {
	for i := 0; ; {
		j := bytes.IndexByte(p[i:], c)
		if j < 0 {
			return false
		}
		k := i + j - back
		if k >= 0 && k+len(w) <= len(p) && equalFold(p[k:k+len(w)], w) {
			return true
		}
		i += j + 1
	}
}

// nestedSpecial marks the bytes that matter inside a nested FETCH value.
var nestedSpecial = [256]bool{'(': true, ')': true, '"': true}

// skipNested reads p from i inside a nested value (depth 2 or more) up to
// the parenthesis that closes it, or to the end of p, and returns where it
// stopped. Nothing inside is looked at but parentheses and the ends of
// quoted strings.
func (f *fetchScan) skipNested(p []byte, i int) int {
	depth := f.depth
	special := &nestedSpecial
	for i < len(p) {
		c := p[i]
		if !special[c] {
			i++
			continue
		}
		switch c {
		case '(':
			depth++
			i++
		case ')':
			depth--
			i++
			if depth <= 1 {
				f.depth = depth
				f.item = itemName // the list value ended
				return i
			}
		default:
			// As quotedSkip, inline: the first quote ends the string
			// unless a backslash right before it escapes it.
			if j := bytes.IndexByte(p[i+1:], '"'); j >= 0 && (j == 0 || p[i+j] != '\\') {
				i += 2 + j
			} else {
				i, _ = quotedLen(p, i)
			}
		}
	}
	f.depth = depth
	return i
}

// quotedSkip returns the end of the quoted string starting at p[i] == '"'
// (len(p) when it does not end in p), as quotedLen does without counting.
func quotedSkip(p []byte, i int) int {
	// The first quote after the opening one ends the string unless a
	// backslash right before it escapes it.
	if j := bytes.IndexByte(p[i+1:], '"'); j >= 0 && (j == 0 || p[i+j] != '\\') {
		return i + 2 + j
	}
	end, _ := quotedLen(p, i)
	return end
}

// atom handles an atom token (a name or a value).
func (f *fetchScan) atom(a []byte) {
	switch {
	case f.depth == 1 && f.item == itemName:
		f.item = classifyFetchItem(a)
	case f.depth == 1:
		f.value(a, 0)
	case f.depth == 2 && f.item == itemModSeq:
		if n, ok := parseNum(a); ok {
			f.modseq = n
		}
	}
}

// value handles the value of the pending attribute at the top level: an
// atom a, or a string (quoted or literal) of n bytes when a is nil.
func (f *fetchScan) value(a []byte, n int64) {
	if f.depth != 1 || f.item == itemName {
		return // inside a nested list (ENVELOPE, BODYSTRUCTURE…)
	}
	switch f.item {
	case itemUID:
		if u, ok := parseNum(a); ok {
			f.uid = u
		}
	case itemBody:
		if a == nil {
			f.body += n // NIL bodies add nothing
		}
	}
	f.item = itemName
}

// classifyFetchItem names the attribute an atom introduces.
func classifyFetchItem(a []byte) fetchItem {
	name := a
	for i, c := range a {
		if c == '[' {
			name = a[:i]
			break
		}
	}
	sect := len(name) < len(a)
	switch {
	case equalFold(name, "UID"):
		return itemUID
	case equalFold(name, "MODSEQ"):
		return itemModSeq
	case sect && (equalFold(name, "BODY") || equalFold(name, "BINARY")),
		equalFold(name, "RFC822"), equalFold(name, "RFC822.HEADER"), equalFold(name, "RFC822.TEXT"):
		return itemBody
	}
	return itemOther
}

// fetchAtomEnd returns the end of the atom starting at i: atom characters,
// with a bracketed section ("BODY[HEADER.FIELDS (FROM TO)]<0>") kept whole.
func fetchAtomEnd(p []byte, i int) int {
	start := i
	for i < len(p) {
		c := p[i]
		if c == '[' {
			for i < len(p) && p[i] != ']' {
				i++
			}
			if i < len(p) {
				i++
			}
			continue
		}
		if c == ' ' || c == '(' || c == ')' || c == '"' {
			break
		}
		i++
	}
	if i == start {
		i++ // a lone special character: step over it
	}
	return i
}

// quotedLen returns the end of the quoted string starting at p[i] == '"'
// and the length of its unescaped content.
func quotedLen(p []byte, i int) (end int, n int64) {
	// The usual string has no backslash: find its end with IndexByte.
	if j := bytes.IndexByte(p[i+1:], '"'); j >= 0 && bytes.IndexByte(p[i+1:i+1+j], '\\') < 0 {
		return i + 2 + j, int64(j)
	}
	for i++; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
			n++
		case '"':
			return i + 1, n
		default:
			n++
		}
	}
	return len(p), n
}
