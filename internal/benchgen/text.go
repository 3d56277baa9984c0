package benchgen

import (
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
)

// Word and name tables the text is drawn from.
var (
	words = []string{
		"the", "meeting", "project", "report", "budget", "quarter", "review", "team",
		"please", "find", "attached", "draft", "before", "Friday", "thanks", "regards",
		"server", "deploy", "schedule", "invoice", "customer", "update", "agenda", "notes",
		"we", "should", "discuss", "next", "week", "about", "the", "new", "release",
		"and", "a", "to", "of", "in", "is", "that", "for", "on", "with", "as", "it",
		"mailbox", "quota", "backup", "migration", "latency", "ticket", "follow-up",
		"Zürich", "naïve", "café", "résumé", "numbers", "2025", "Q3", "v1.7", "(see", "below)",
	}
	firstNames = []string{"Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi",
		"Ivan", "Judy", "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter"}
	lastNames = []string{"Smith", "Jones", "Martin", "Bernard", "Müller", "Rossi", "García",
		"Nakamura", "O'Brien", "Dubois", "Novak", "Kowalski", "Larsen", "Silva"}
	domains = []string{"example.com", "example.org", "example.net", "mail.example.com",
		"corp.example", "lists.example.org"}
	// trapLines look like protocol but sit inside literal bodies; a dissector
	// that parses literal contents will misfire on them.
	trapLines = []string{
		"A001 OK FETCH completed", "* 1 EXISTS", "* 3 EXPUNGE", ") OK", "+ Ready for literal data",
		"A002 LOGIN \"joe\" \"secret\"", "* OK [ALERT] not really", "a17 BAD nope",
		"see attachment {42}", "* BYE going away", "DONE", "A003 NO [TRYCREATE] no mailbox",
	}
	weekdays = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	months   = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// corpusSize is the size of the shared body text that bodies are cut from.
const corpusSize = 1 << 20

var (
	corpusOnce  sync.Once
	corpus      []byte  // CRLF-terminated lines; read-only after init
	corpusLines []int32 // offsets of line starts in corpus
)

// loadCorpus builds the shared body text once, from a fixed seed.
func loadCorpus() {
	corpusOnce.Do(func() {
		r := rand.New(rand.NewPCG(0x1a9, 0x5e))
		b := make([]byte, 0, corpusSize+256)
		for len(b) < corpusSize {
			corpusLines = append(corpusLines, int32(len(b)))
			switch x := r.IntN(100); {
			case x < 3:
				b = append(b, trapLines[r.IntN(len(trapLines))]...)
			case x < 8:
				// blank line between paragraphs
			case x < 14:
				b = append(b, "> "...)
				b = appendWords(b, r, 30+r.IntN(40))
			default:
				b = appendWords(b, r, 40+r.IntN(36))
			}
			b = append(b, '\r', '\n')
		}
		corpus = b
	})
}

// appendWords appends words up to about n bytes.
func appendWords(b []byte, r *rand.Rand, n int) []byte {
	start := len(b)
	for len(b)-start < n {
		if len(b) > start {
			b = append(b, ' ')
		}
		b = append(b, words[r.IntN(len(words))]...)
	}
	if r.IntN(4) == 0 {
		b = append(b, '.')
	}
	return b
}

// bodySize draws a message size: log-normal (median 16 KB, mean about 30 KB),
// clipped to [minBody, maxBody].
func bodySize(r *rand.Rand) int {
	v := math.Exp(math.Log(16<<10) + 1.1*r.NormFloat64())
	return int(min(max(v, minBody), maxBody))
}

// appendAddr appends "local@domain" for a person.
func appendAddr(b []byte, first, last, dom string) []byte {
	b = appendLocal(b, first, last)
	b = append(b, '@')
	return append(b, dom...)
}

// appendLocal appends the local part "first.last" of an address, lower case
// ASCII letters only.
func appendLocal(b []byte, first, last string) []byte {
	for i := 0; i < len(first); i++ {
		c := first[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	b = append(b, '.')
	for i := 0; i < len(last); i++ {
		c := last[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c < 'a' || c > 'z':
			continue
		}
		b = append(b, c)
	}
	return b
}

// person is one address drawn from the tables.
type person struct{ first, last, dom string }

func randPerson(r *rand.Rand) person {
	return person{firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))], domains[r.IntN(len(domains))]}
}

// appendDate appends an RFC 5322 date in June 2025 derived from n.
func appendDate(b []byte, n int) []byte {
	day := 1 + n%28
	b = append(b, weekdays[(day+5)%7]...)
	b = append(b, ", "...)
	b = strconv.AppendInt(b, int64(day), 10)
	b = append(b, ' ')
	b = append(b, months[5]...)
	b = append(b, " 2025 "...)
	h, m, s := (n/7)%24, (n/3)%60, n%60
	b = append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	return append(b, " +0000"...)
}

// appendSubject appends a subject; one in eight contains an escaped quote
// when quoted is true.
func appendSubject(b []byte, r *rand.Rand, quoted bool) []byte {
	switch r.IntN(8) {
	case 0:
		b = append(b, "Re: "...)
	case 1:
		if quoted {
			b = append(b, `About the \"urgent\" request: `...)
		} else {
			b = append(b, `About the "urgent" request: `...)
		}
	}
	return appendWords(b, r, 12+r.IntN(30))
}

// appendEnvAddr appends an envelope address list with one address:
// (("Name" NIL "local" "domain")); the name is NIL one time in five.
func appendEnvAddr(b []byte, r *rand.Rand, p person) []byte {
	b = append(b, "(("...)
	if r.IntN(5) == 0 {
		b = append(b, "NIL"...)
	} else {
		b = append(b, '"')
		b = append(b, p.first...)
		b = append(b, ' ')
		b = append(b, p.last...)
		b = append(b, '"')
	}
	b = append(b, " NIL \""...)
	b = appendLocal(b, p.first, p.last)
	b = append(b, "\" \""...)
	b = append(b, p.dom...)
	return append(b, "\"))"...)
}

// appendEnvelope appends ENVELOPE (...) for message n.
func appendEnvelope(b []byte, r *rand.Rand, n int) []byte {
	from, to := randPerson(r), randPerson(r)
	b = append(b, "ENVELOPE (\""...)
	b = appendDate(b, n)
	b = append(b, "\" \""...)
	b = appendSubject(b, r, true)
	b = append(b, "\" "...)
	b = appendEnvAddr(b, r, from) // from
	b = append(b, ' ')
	b = appendEnvAddr(b, r, from) // sender
	b = append(b, ' ')
	b = appendEnvAddr(b, r, from) // reply-to
	b = append(b, ' ')
	b = appendEnvAddr(b, r, to)
	if r.IntN(3) == 0 {
		b = append(b, ' ')
		b = appendEnvAddr(b, r, randPerson(r)) // cc
	} else {
		b = append(b, " NIL"...)
	}
	b = append(b, " NIL "...) // bcc
	if r.IntN(4) == 0 {
		b = append(b, "\"<"...)
		b = strconv.AppendUint(b, r.Uint64()>>20, 36)
		b = append(b, '@')
		b = append(b, from.dom...)
		b = append(b, ">\" "...)
	} else {
		b = append(b, "NIL "...)
	}
	b = append(b, "\"<"...)
	b = strconv.AppendUint(b, r.Uint64()>>16, 36)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, '@')
	b = append(b, from.dom...)
	return append(b, ">\")"...)
}

// appendBody appends an RFC 5322 message of exactly size bytes (headers,
// blank line, CRLF text lines cut from the corpus). size must be at least
// minBody.
func appendBody(b []byte, r *rand.Rand, size, n int) []byte {
	loadCorpus()
	start := len(b)
	from, to := randPerson(r), randPerson(r)
	b = append(b, "Return-Path: <"...)
	b = appendAddr(b, from.first, from.last, from.dom)
	b = append(b, ">\r\nReceived: from mx"...)
	b = strconv.AppendInt(b, int64(r.IntN(9)+1), 10)
	b = append(b, '.')
	b = append(b, from.dom...)
	b = append(b, " (mx."...)
	b = append(b, from.dom...)
	b = append(b, " [198.51.100."...)
	b = strconv.AppendInt(b, int64(r.IntN(250)+1), 10)
	b = append(b, "])\r\n\tby imap.example.net with ESMTPS id "...)
	b = strconv.AppendUint(b, r.Uint64()>>8, 36)
	b = append(b, "\r\n\tfor <"...)
	b = appendAddr(b, to.first, to.last, to.dom)
	b = append(b, ">; "...)
	b = appendDate(b, n)
	b = append(b, "\r\nMessage-ID: <"...)
	b = strconv.AppendUint(b, r.Uint64()>>16, 36)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, '@')
	b = append(b, from.dom...)
	b = append(b, ">\r\nDate: "...)
	b = appendDate(b, n)
	b = append(b, "\r\nFrom: \""...)
	b = append(b, from.first...)
	b = append(b, ' ')
	b = append(b, from.last...)
	b = append(b, "\" <"...)
	b = appendAddr(b, from.first, from.last, from.dom)
	b = append(b, ">\r\nTo: "...)
	b = appendAddr(b, to.first, to.last, to.dom)
	b = append(b, "\r\nSubject: "...)
	b = appendSubject(b, r, false)
	b = append(b, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"...)
	// Text: contiguous lines from a random line start, wrapping around; the
	// last line is cut to fit and closed with CRLF.
	rem := size - (len(b) - start) - 2
	off := int(corpusLines[r.IntN(len(corpusLines))])
	for rem > 0 {
		k := min(rem, len(corpus)-off)
		b = append(b, corpus[off:off+k]...)
		rem -= k
		off = 0
	}
	return append(b, '\r', '\n')
}
