package tlsdecrypt

// direction is one side's record processing: framer, epoch keys, sequence
// number, handshake reassembly and the reused plaintext buffer.
type direction struct {
	c  *Conn
	d  int
	fr framer
	hs hsReassembler

	// encrypted: past this side's ChangeCipherSpec (TLS ≤ 1.2) or its
	// ServerHello (TLS 1.3): records are protected, keys or not.
	encrypted bool
	cur       *recordCipher // current read epoch (nil: no keys)
	pending   *recordCipher // TLS ≤ 1.2: activated by ChangeCipherSpec
	app       *recordCipher // TLS 1.3: application epoch, after Finished
	seq       uint64        // next record's sequence number in the epoch
	uncertain bool          // a gap made seq unknown: try a few
	notTLS    bool

	out  []byte          // plaintext buffer, pooled, held during one record
	emit func(pl []byte) // set during Feed
	sink Sink            // set during FeedSink
}

// record implements recordSink.
func (d *direction) record(typ uint8, version uint16, body []byte, resync bool) bool {
	c := d.c
	if typ == typeChangeCipherSpec {
		if resync && len(body) != 1 {
			return false
		}
		c.info.Counters.Records++
		d.changeCipherSpec()
		return true
	}
	if !d.isProtected(typ) {
		if resync && !plausibleClear(typ, body) {
			return false
		}
		c.info.Counters.Records++
		d.content(typ, body)
		return true
	}
	if d.cur == nil {
		c.retryKeys()
	}
	if d.cur == nil {
		if resync {
			return true // cannot verify without keys: believe the header
		}
		c.info.Counters.Records++
		c.info.Counters.Undecrypted++
		d.seq++
		return true
	}
	if d.out == nil {
		d.out = getRecordBuf() // pooled, returned after the record: plaintext is only lent to emit
	}
	defer d.releaseOut()
	pl, inner, ok := d.tryOpen(typ, version, body, resync || d.uncertain)
	if !ok {
		if resync {
			return false
		}
		c.info.Counters.Records++
		c.info.Counters.FailedAuth++
		d.seq++
		c.anomaly("tls_auth_failed", "a TLS record did not authenticate with the logged keys")
		return true
	}
	c.info.Counters.Records++
	c.info.Counters.DecryptedRecords++
	c.info.Decrypted = true
	d.content(inner, pl)
	return true
}

// releaseOut returns the plaintext buffer to the pool between records.
func (d *direction) releaseOut() {
	putRecordBuf(d.out)
	d.out = nil
}

// isProtected reports whether a record of type typ is encrypted now.
func (d *direction) isProtected(typ uint8) bool {
	if !d.encrypted {
		return false
	}
	if d.c.tls13 {
		return typ == typeApplicationData // RFC 8446 §5: everything else is clear
	}
	return true
}

// plausibleClear checks a clear record found while resynchronising.
func plausibleClear(typ uint8, body []byte) bool {
	switch typ {
	case typeAlert:
		return len(body) == 2 && (body[0] == 1 || body[0] == 2)
	case typeHandshake:
		return len(body) >= 4
	}
	return len(body) > 0
}

// tryOpen opens a record at the expected sequence number or, when
// uncertain, at the next few; for TLS 1.3 it also tries the application
// epoch (a missed Finished). On success seq moves past the record.
func (d *direction) tryOpen(typ uint8, version uint16, body []byte, uncertain bool) ([]byte, uint8, bool) {
	n := 1
	if uncertain {
		n = d.c.lim.SeqTrials
	}
	for i := 0; i < n; i++ {
		if pl, inner, ok := d.cur.open(d.out, typ, version, body, d.seq+uint64(i)); ok {
			d.seq += uint64(i) + 1
			d.uncertain = false
			return pl, inner, true
		}
	}
	if d.app != nil && d.app != d.cur {
		for i := 0; i < d.c.lim.SeqTrials; i++ {
			if pl, inner, ok := d.app.open(d.out, typ, version, body, uint64(i)); ok {
				d.cur, d.seq, d.uncertain = d.app, uint64(i)+1, false
				return pl, inner, true
			}
		}
	}
	return nil, typ, false
}

// changeCipherSpec switches a TLS ≤ 1.2 direction to its new keys.
func (d *direction) changeCipherSpec() {
	c := d.c
	if c.tls13 || c.sh == nil {
		return // TLS 1.3 (RFC 8446 §5) or before any ServerHello: middlebox-compatibility CCS, ignored
	}
	if d.d == FromServer && c.sh != nil && !c.certSeen {
		c.info.Resumed = true // server Finished before any Certificate: abbreviated handshake
	}
	if d.pending == nil && !d.encrypted {
		c.retryKeys()
	}
	d.encrypted = true
	d.cur, d.pending = d.pending, nil
	d.seq = 0
	d.uncertain = false
}

// content handles one record's (decrypted or clear) content.
func (d *direction) content(typ uint8, p []byte) {
	c := d.c
	switch typ {
	case typeHandshake:
		d.hs.feed(p, d)
		if d.hs.dropped > c.info.Counters.HandshakeDropped {
			c.info.Counters.HandshakeDropped = d.hs.dropped
		}
	case typeAlert:
		c.info.Counters.Alerts++
		if len(p) >= 2 && p[0] == 2 {
			c.anomaly("tls_alert", "fatal TLS alert "+alertName(p[1]))
		}
	case typeApplicationData:
		if d.cur == nil || len(p) == 0 {
			break
		}
		if d.sink != nil {
			d.sink.Plaintext(d.d, p)
		} else if d.emit != nil {
			d.emit(p)
		}
	}
}

// alertName names an alert description (RFC 8446 §6).
func alertName(v uint8) string {
	switch v {
	case 0:
		return "close_notify"
	case 10:
		return "unexpected_message"
	case 20:
		return "bad_record_mac"
	case 40:
		return "handshake_failure"
	case 42:
		return "bad_certificate"
	case 45:
		return "certificate_expired"
	case 46:
		return "certificate_unknown"
	case 47:
		return "illegal_parameter"
	case 48:
		return "unknown_ca"
	case 50:
		return "decode_error"
	case 51:
		return "decrypt_error"
	case 70:
		return "protocol_version"
	case 80:
		return "internal_error"
	case 86:
		return "inappropriate_fallback"
	case 90:
		return "user_canceled"
	case 109:
		return "missing_extension"
	case 112:
		return "unrecognized_name"
	case 116:
		return "certificate_required"
	case 120:
		return "no_application_protocol"
	}
	return "unknown"
}
