package report

// The appender's part for Result and MailboxView (see json_fast.go): fields
// in the order of their declarations in result.go.

// intPtr writes a *int64 member, omitted when nil (omitempty).
func (e *jsonAppender) intPtr(k string, v *int64) {
	if v != nil {
		e.int(k, *v)
	}
}

// result writes a transaction's result object, omitted when nil.
func (e *jsonAppender) result(r *Result) {
	if r == nil {
		return
	}
	e.key(`"result": `)
	e.open('{')
	e.intPtr(`"exists": `, r.Exists)
	e.intPtr(`"recent": `, r.Recent)
	e.intPtr(`"unseen": `, r.Unseen)
	e.intPtr(`"uidvalidity": `, r.UIDValidity)
	e.intPtr(`"uidnext": `, r.UIDNext)
	e.intPtr(`"highestmodseq": `, r.HighestModSeq)
	e.strings(`"flags": `, r.Flags, true)
	e.strings(`"permanentflags": `, r.PermanentFlags, true)
	if r.ReadOnly != nil {
		e.bool(`"read_only": `, *r.ReadOnly)
	}
	e.intPtr(`"messages": `, r.Messages)
	e.strOmit(`"uids": `, r.UIDs)
	e.intOmit(`"body_bytes": `, r.BodyBytes)
	e.intPtr(`"hits": `, r.Hits)
	e.intPtr(`"min": `, r.Min)
	e.intPtr(`"max": `, r.Max)
	e.intPtr(`"mailboxes": `, r.Mailboxes)
	e.int64Map(`"status": `, r.Status)
	e.intPtr(`"dest_uidvalidity": `, r.DestUIDValidity)
	e.strOmit(`"source_uids": `, r.SourceUIDs)
	e.strOmit(`"dest_uids": `, r.DestUIDs)
	e.intPtr(`"expunged": `, r.Expunged)
	e.strings(`"enabled": `, r.Enabled, true)
	e.close('}')
}

// mailboxView writes a session's mailbox view, omitted when nil.
func (e *jsonAppender) mailboxView(v *MailboxView) {
	if v == nil {
		return
	}
	e.key(`"mailbox_view": `)
	e.open('{')
	e.str(`"mailbox": `, v.Mailbox)
	e.bool(`"selected": `, v.Selected)
	e.intPtr(`"exists": `, v.Exists)
	e.intPtr(`"uidvalidity": `, v.UIDValidity)
	e.intOmit(`"highest_uid": `, v.HighestUID)
	e.intOmit(`"highest_modseq": `, v.HighestModSeq)
	e.close('}')
}
