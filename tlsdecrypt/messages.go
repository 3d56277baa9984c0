package tlsdecrypt

// message implements hsSink: one handshake message of this direction.
func (d *direction) message(typ uint8, body []byte, truncated bool) {
	c := d.c
	if truncated {
		c.anomaly("tls_handshake_truncated", "a TLS handshake message exceeded the size limit; its tail was dropped")
	}
	switch {
	case typ == hsClientHello && d.d == FromClient:
		ch := &c.chStore
		if c.ch != nil {
			ch = new(clientHello) // a second hello (after a HelloRetryRequest): rare
		}
		parseClientHello(ch, body)
		c.clientHello(ch)
	case typ == hsServerHello && d.d == FromServer:
		sh := &c.shStore
		if c.sh != nil {
			sh = new(serverHello) // renegotiation: rare, not followed
		}
		parseServerHello(sh, body)
		c.serverHello(sh)
	case typ == hsCertificate && d.d == FromServer:
		if !c.certSeen {
			c.certSeen = true
			if der := leafCertificate(body, c.tls13); der != nil {
				c.info.Cert = cachedCertificate(der)
			}
		}
	case typ == hsNewSessionTicket && d.d == FromServer:
		c.info.Counters.Tickets++
		if !c.tls13 {
			if t := sessionTicket12(body); t != nil {
				c.ticket = ticketKey(t)
				c.hasTicket = true
				c.rememberSession()
			}
		}
	case typ == hsFinished && c.tls13:
		if d.app != nil {
			d.cur, d.seq, d.uncertain = d.app, 0, false
		}
	case typ == hsKeyUpdate && c.tls13:
		c.info.Counters.KeyUpdates++
		d.keyUpdate()
	}
}

// keyUpdate moves a TLS 1.3 direction to its next application secret.
func (d *direction) keyUpdate() {
	if d.cur == nil || d.cur != d.app {
		return
	}
	next, err := d.cur.nextCipher13()
	if err != nil {
		d.c.anomaly("tls_key_missing", "TLS 1.3 KeyUpdate could not be followed")
		d.cur, d.app = nil, nil
		return
	}
	d.cur, d.app, d.seq = next, next, 0
}

// clientHello records a ClientHello's fingerprints and random.
func (c *Conn) clientHello(ch *clientHello) {
	c.random, c.hasRandom = ch.random, true
	fp := fingerprints(ch)
	if len(c.hellos) < maxHellos {
		c.hellos = append(c.hellos, helloPrint{ja3: fp.ja3, ja4: fp.ja4})
	}
	if c.ch != nil {
		return // the second ClientHello after a HelloRetryRequest: keep the first's fingerprints
	}
	c.ch = ch
	c.info.SNI = ch.sni
	c.info.ALPN = internList(ch.alpn)
	c.info.JA3Text, c.info.JA3, c.info.JA4 = fp.ja3Text, fp.ja3, fp.ja4
}

// serverHello records the negotiated parameters and sets up the keys.
func (c *Conn) serverHello(sh *serverHello) {
	if sh.hrr {
		c.info.HelloRetry = true
		c.info.Version = VersionName(sh.version)
		c.info.Cipher = CipherSuiteName(sh.cipher)
		return
	}
	if c.sh != nil {
		return // renegotiation: not followed
	}
	c.sh = sh
	c.version = sh.version
	c.tls13 = sh.version == 0x0304
	c.suite = lookupSuite(sh.cipher)
	c.info.Version = VersionName(sh.version)
	c.info.Cipher = CipherSuiteName(sh.cipher)
	c.info.JA3SText, c.info.JA3S = serverFingerprints(sh)
	c.info.EMS = sh.ems
	c.info.EncThenMAC = sh.etm && !c.tls13
	if c.tls13 {
		c.info.Resumed = sh.psk
		c.dir[FromClient].encrypted = true
		c.dir[FromServer].encrypted = true
	} else if isSessionResumed12(c.ch, sh) {
		c.info.Resumed = true
	}
	if c.suite != nil && c.suite.kind == kindNone {
		c.anomaly("tls_cipher_unsupported", "cipher suite "+c.suite.name+" is not decrypted by this version")
	}
	c.setupKeys(true)
}

// retryKeys looks the keys up again (bounded): a live key log may have
// gained the line since the ServerHello.
func (c *Conn) retryKeys() {
	if c.keys == nil || c.sh == nil || c.info.KeyFound || c.retries >= maxKeyRetries {
		return
	}
	c.retries++
	c.setupKeys(false)
	if c.info.KeyFound {
		for d := range c.dir {
			c.dir[d].uncertain = true
		}
	}
}

// setupKeys builds both directions' ciphers from the key log.
func (c *Conn) setupKeys(first bool) {
	if c.keys == nil || !c.hasRandom || c.suite == nil || c.suite.kind == kindNone {
		return
	}
	sec, ok := c.keys.Lookup(c.random)
	if c.tls13 {
		ok = ok && c.setupKeys13(sec)
	} else {
		ok = c.setupKeys12(sec) // also when not logged: a resumed session's secret may be known
	}
	if !ok {
		if first {
			c.anomaly("tls_key_missing", "no key-log secrets for this TLS connection")
		}
		return
	}
	c.info.KeyFound = true
}

// setupKeys12 derives the TLS ≤ 1.2 ciphers; they wait for each side's
// ChangeCipherSpec (already seen: active now, the sequence uncertain).
func (c *Conn) setupKeys12(sec Secrets) bool {
	master := sec.MasterSecret
	if len(master) == 0 {
		master = c.resumedMaster()
	}
	if len(master) == 0 {
		return false
	}
	c.master = master
	c.rememberSession()
	k := &c.keyBlock // inline: a local escapes through the ciphers' constructors
	defer clear(k.block[:])
	expandKeys12(k, c.suite, c.version, master, c.random, c.sh.random)
	etm := c.info.EncThenMAC && c.suite.kind == kindCBC
	cm, ck, civ := k.side(0)
	sm, sk, siv := k.side(1)
	cc, sc := &c.rcStore[0], &c.rcStore[1]
	err1 := cc.init12(c.suite, c.version, etm, cm, ck, civ)
	err2 := sc.init12(c.suite, c.version, etm, sm, sk, siv)
	if err1 != nil || err2 != nil {
		return false
	}
	for d, rc := range [2]*recordCipher{cc, sc} {
		dir := &c.dir[d]
		if dir.encrypted {
			dir.cur = rc
		} else {
			dir.pending = rc
		}
	}
	return true
}

// resumedMaster finds the master secret of the session a TLS ≤ 1.2
// connection resumes, by the ticket or session ID its ClientHello offered.
func (c *Conn) resumedMaster() []byte {
	st, ok := c.keys.(SessionStore)
	if !ok || c.ch == nil {
		return nil
	}
	if len(c.ch.ticket) > 0 {
		if m, ok := st.LookupSession(ticketKey(c.ch.ticket)); ok {
			return m
		}
	}
	if len(c.ch.sessionID) > 0 {
		if m, ok := st.LookupSession(sessionIDKey(c.ch.sessionID)); ok {
			return m
		}
	}
	return nil
}

// rememberSession stores the master secret by session ID and ticket for
// later resumptions, once both are known.
func (c *Conn) rememberSession() {
	st, ok := c.keys.(SessionStore)
	if !ok || c.master == nil || c.sh == nil {
		return
	}
	if len(c.sh.sessionID) > 0 {
		st.RememberSession(sessionIDKey(c.sh.sessionID), c.master)
	}
	if c.hasTicket {
		st.RememberSession(c.ticket, c.master)
	}
}

// setupKeys13 derives the TLS 1.3 handshake and application ciphers.
func (c *Conn) setupKeys13(sec Secrets) bool {
	secrets := [2][2][]byte{
		{sec.ClientHandshake, sec.ClientTraffic0},
		{sec.ServerHandshake, sec.ServerTraffic0},
	}
	any := false
	for d := range c.dir {
		dir := &c.dir[d]
		var hs, app *recordCipher
		if s := secrets[d][0]; len(s) > 0 && c.rcStore[2*d].init13(c.suite, s) == nil {
			hs = &c.rcStore[2*d]
		}
		if s := secrets[d][1]; len(s) > 0 && c.rcStore[2*d+1].init13(c.suite, s) == nil {
			app = &c.rcStore[2*d+1]
		}
		if hs == nil && app == nil {
			continue
		}
		any = true
		dir.app = app
		if hs != nil {
			dir.cur = hs
		} else {
			dir.cur = app
		}
	}
	return any
}
