package report

// Result is what the server answered to one command, parsed from its data
// responses and the completion's response code (only the fields that apply
// to the command, and that the server sent, are set). Literal bodies are
// counted from their declared sizes, never read.
type Result struct {
	// Exists, Recent and Unseen come from SELECT/EXAMINE: EXISTS, RECENT
	// and the UNSEEN response code (a message number).
	Exists *int64 `json:"exists,omitempty"`
	Recent *int64 `json:"recent,omitempty"`
	Unseen *int64 `json:"unseen,omitempty"`
	// UIDValidity, UIDNext and HighestModSeq are the UIDVALIDITY, UIDNEXT
	// and HIGHESTMODSEQ (RFC 7162) response codes of a SELECT/EXAMINE.
	UIDValidity   *int64 `json:"uidvalidity,omitempty"`
	UIDNext       *int64 `json:"uidnext,omitempty"`
	HighestModSeq *int64 `json:"highestmodseq,omitempty"`
	// Flags and PermanentFlags are the FLAGS response and the
	// PERMANENTFLAGS response code of a SELECT/EXAMINE.
	Flags          []string `json:"flags,omitempty"`
	PermanentFlags []string `json:"permanentflags,omitempty"`
	// ReadOnly is the READ-ONLY (true) or READ-WRITE (false) code of the
	// completion; absent when the server sent neither.
	ReadOnly *bool `json:"read_only,omitempty"`

	// Messages counts the FETCH responses of a FETCH or STORE (and their
	// UID forms); UIDs is the set of UIDs they carried, range-compressed
	// ("1:5,9"; a trailing ",…" means the set was too fragmented to keep
	// whole); BodyBytes sums the sizes of the body sections they carried
	// (BODY[…], BINARY[…], RFC822, RFC822.HEADER, RFC822.TEXT).
	Messages  *int64 `json:"messages,omitempty"`
	UIDs      string `json:"uids,omitempty"`
	BodyBytes int64  `json:"body_bytes,omitempty"`

	// Hits counts what a SEARCH, SORT or ESEARCH matched; Min and Max are
	// the lowest and highest match (message numbers, or UIDs for the UID
	// forms).
	Hits *int64 `json:"hits,omitempty"`
	Min  *int64 `json:"min,omitempty"`
	Max  *int64 `json:"max,omitempty"`

	// Mailboxes counts the LIST, LSUB, XLIST (or IMAP2 MAILBOX/BBOARD)
	// responses of a listing command.
	Mailboxes *int64 `json:"mailboxes,omitempty"`

	// Status holds a STATUS response's items (MESSAGES, UIDNEXT, …).
	Status map[string]int64 `json:"status,omitempty"`

	// DestUIDValidity, SourceUIDs and DestUIDs come from the APPENDUID or
	// COPYUID response code (UIDPLUS, RFC 4315) of an APPEND, COPY or MOVE.
	DestUIDValidity *int64 `json:"dest_uidvalidity,omitempty"`
	SourceUIDs      string `json:"source_uids,omitempty"`
	DestUIDs        string `json:"dest_uids,omitempty"`

	// Expunged counts the messages EXPUNGE and VANISHED responses removed
	// while answering the command.
	Expunged *int64 `json:"expunged,omitempty"`

	// Enabled lists what an ENABLE command's ENABLED response named.
	Enabled []string `json:"enabled,omitempty"`
}

// MailboxView is the selected mailbox as a client following the session
// would see it: set up by SELECT/EXAMINE, then updated by EXISTS, EXPUNGE,
// VANISHED and FETCH responses.
type MailboxView struct {
	// Mailbox is the mailbox name as sent by the client.
	Mailbox string `json:"mailbox"`
	// Selected is false when the mailbox was closed (CLOSE, UNSELECT, a
	// failed SELECT) before the session ended.
	Selected bool `json:"selected"`
	// Exists is the message count; absent when no EXISTS was seen, or
	// when a capture gap made it unknown.
	Exists *int64 `json:"exists,omitempty"`
	// UIDValidity is the mailbox's UIDVALIDITY, when sent.
	UIDValidity *int64 `json:"uidvalidity,omitempty"`
	// HighestUID is the highest UID seen in a FETCH response (0: none).
	HighestUID int64 `json:"highest_uid,omitempty"`
	// HighestModSeq is the highest mod-sequence seen, from HIGHESTMODSEQ
	// or from FETCH MODSEQ items (0: none).
	HighestModSeq int64 `json:"highest_modseq,omitempty"`
}
