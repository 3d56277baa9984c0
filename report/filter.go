package report

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Filter selects sessions and transactions. Within one field the values are
// alternatives (any may match); different fields must all match.
//
// Session filters (Users, Servers, Clients) keep or drop whole sessions.
// Transaction filters (Commands, Statuses, MinLatency, Mailboxes) keep the
// matching transactions of each kept session and drop the others; when any
// transaction filter is set, a session left with no transaction is dropped.
// A session that is kept keeps its own fields (bytes, anomalies, mailboxes)
// as they were: they describe the whole connection. The zero Filter keeps
// everything.
//
// A value starting with "!" excludes instead: "!IDLE" in Commands drops
// IDLE, and a field whose values are all exclusions keeps everything else.
// When a field mixes both, a value must match one inclusion and no
// exclusion.
type Filter struct {
	// Users matches the session's user name, ignoring case.
	Users []string
	// Servers and Clients match the session's endpoints. Each value is an IP
	// address (any port), an ip:port ([v6]:port), or a CIDR prefix.
	Servers []string
	Clients []string
	// Commands matches the transaction's command name, ignoring case
	// ("UID FETCH" for the UID form; "UID" matches every UID form).
	Commands []string
	// Statuses matches the completion status; the empty Status matches
	// transactions that never completed.
	Statuses []Status
	// MinLatency keeps completed transactions at least this slow; incomplete
	// transactions, whose latency is unknown, never match it.
	MinLatency time.Duration
	// Mailboxes matches, ignoring case for INBOX only, the mailbox selected
	// when the command was sent (Transaction.Mailbox) or the one it names
	// (Transaction.NamedMailbox).
	Mailboxes []string
	// Findings keeps only the sessions with at least one finding
	// (AnomalyKind.Finding: a conformance or security anomaly). In
	// streamed transactions, as known when the transaction completed.
	Findings bool
}

// negation is the prefix of a Filter value that excludes.
const negation = "!"

// matchAll applies the values of one filter field to a candidate: match
// reports whether one value (without its "!") matches. It is true when no
// exclusion matches and, if there are inclusions, one of them does.
func matchAll(values []string, match func(v string) bool) bool {
	included, inclusions := false, false
	for _, v := range values {
		if rest, neg := strings.CutPrefix(v, negation); neg {
			if match(rest) {
				return false
			}
			continue
		}
		inclusions = true
		included = included || match(v)
	}
	return included || !inclusions
}

// ParseStatuses parses a comma-separated status list for Filter.Statuses:
// OK, NO, BAD, BYE (any case), and null or incomplete for never completed;
// a leading "!" excludes the status (kept as "!OK", or "!" for never
// completed).
func ParseStatuses(v string) ([]Status, error) {
	var out []Status
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		rest, neg := strings.CutPrefix(f, negation)
		prefix := Status("")
		if neg {
			prefix = negation
		}
		switch u := strings.ToUpper(rest); u {
		case "":
			if neg {
				return nil, fmt.Errorf("report: a lone %q in %q", negation, v)
			}
			continue
		case "OK", "NO", "BAD", "BYE":
			out = append(out, prefix+Status(u))
		case "NULL", "INCOMPLETE", "-":
			out = append(out, prefix)
		default:
			return nil, fmt.Errorf("report: unknown status %q (want OK, NO, BAD, BYE, null or incomplete)", f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("report: no status in %q", v)
	}
	return out, nil
}

// ValidateEndpoint checks that v is usable in Filter.Servers or Filter.Clients.
func ValidateEndpoint(v string) error {
	if _, err := parseEndpointFilter(strings.TrimPrefix(v, negation)); err != nil {
		return err
	}
	return nil
}

// endpointFilter is a parsed Servers/Clients value.
type endpointFilter struct {
	prefix netip.Prefix // address or network
	port   int          // 0: any port
	not    bool         // an exclusion ("!" value)
}

// matchEndpoints applies parsed endpoint values as matchAll does.
func matchEndpoints(fs []endpointFilter, ep string) bool {
	included, inclusions := false, false
	for _, f := range fs {
		if f.not {
			if f.match(ep) {
				return false
			}
			continue
		}
		inclusions = true
		included = included || f.match(ep)
	}
	return included || !inclusions
}

// parseEndpointFilter parses an ip, ip:port, [v6]:port or CIDR prefix.
func parseEndpointFilter(v string) (endpointFilter, error) {
	if p, err := netip.ParsePrefix(v); err == nil {
		return endpointFilter{prefix: p.Masked()}, nil
	}
	if a, err := netip.ParseAddr(strings.Trim(v, "[]")); err == nil {
		a = a.Unmap()
		return endpointFilter{prefix: netip.PrefixFrom(a, a.BitLen())}, nil
	}
	if ap, err := netip.ParseAddrPort(v); err == nil {
		a := ap.Addr().Unmap()
		return endpointFilter{prefix: netip.PrefixFrom(a, a.BitLen()), port: int(ap.Port())}, nil
	}
	return endpointFilter{}, fmt.Errorf("report: bad endpoint %q (want ip, ip:port, [v6]:port or CIDR)", v)
}

// match reports whether the endpoint ep (ip:port as in Session) matches.
func (f endpointFilter) match(ep string) bool {
	host, port, err := net.SplitHostPort(ep)
	if err != nil {
		host = ep
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !f.prefix.Contains(a.Unmap()) {
		return false
	}
	if f.port == 0 {
		return true
	}
	p, err := strconv.Atoi(port)
	return err == nil && p == f.port
}

// compiled is a Filter ready to apply.
type compiled struct {
	f                Filter
	servers, clients []endpointFilter
	statuses         []string // f.Statuses for matchAll
}

// compile parses the endpoint values.
func (f Filter) compile() (*compiled, error) {
	c := &compiled{f: f, statuses: statusStrings(f.Statuses)}
	for _, v := range f.Servers {
		rest, neg := strings.CutPrefix(v, negation)
		e, err := parseEndpointFilter(rest)
		if err != nil {
			return nil, err
		}
		e.not = neg
		c.servers = append(c.servers, e)
	}
	for _, v := range f.Clients {
		rest, neg := strings.CutPrefix(v, negation)
		e, err := parseEndpointFilter(rest)
		if err != nil {
			return nil, err
		}
		e.not = neg
		c.clients = append(c.clients, e)
	}
	return c, nil
}

// IsZero reports whether f keeps everything.
func (f Filter) IsZero() bool {
	return len(f.Users) == 0 && len(f.Servers) == 0 && len(f.Clients) == 0 && !f.Findings && !f.hasTxnFilter()
}

// hasTxnFilter reports whether any transaction filter is set.
func (f Filter) hasTxnFilter() bool {
	return len(f.Commands) > 0 || len(f.Statuses) > 0 || f.MinLatency > 0 || len(f.Mailboxes) > 0
}

// Apply returns a report holding the sessions and transactions f keeps;
// r is not modified (kept sessions whose transactions were filtered are
// shallow copies). Session ids are unchanged. A nil session is an error.
func (f Filter) Apply(r *Report) (*Report, error) {
	if r == nil {
		return nil, ErrNilReport
	}
	if f.IsZero() {
		return r, nil
	}
	c, err := f.compile()
	if err != nil {
		return nil, err
	}
	out := *r
	out.Sessions = nil
	for i, s := range r.Sessions {
		if s == nil {
			return nil, fmt.Errorf("report: sessions[%d]: %w", i, errNilSession)
		}
		if ks := c.session(s); ks != nil {
			out.Sessions = append(out.Sessions, ks)
		}
	}
	if out.Sessions == nil {
		out.Sessions = []*Session{}
	}
	return &out, nil
}

// Func returns f's session function for streaming output: it returns the
// session to write (s itself or a filtered copy), or nil to drop it.
func (f Filter) Func() (func(*Session) *Session, error) {
	c, err := f.compile()
	if err != nil {
		return nil, err
	}
	return c.session, nil
}

// TxnFunc returns f's transaction function for streaming output: it reports
// whether transaction t of session s is kept (the session filters are applied
// to s as known when t completed).
func (f Filter) TxnFunc() (func(*Session, *Transaction) bool, error) {
	c, err := f.compile()
	if err != nil {
		return nil, err
	}
	return func(s *Session, t *Transaction) bool { return c.sessionMatch(s) && c.txn(t) }, nil
}

// session returns s or a filtered copy, or nil when s is dropped.
func (c *compiled) session(s *Session) *Session {
	if !c.sessionMatch(s) {
		return nil
	}
	if !c.f.hasTxnFilter() {
		return s
	}
	var kept []*Transaction
	for _, t := range s.Txns() {
		if t != nil && c.txn(t) {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	if len(kept) == s.TransactionCount() {
		return s
	}
	cp := *s
	cp.Transactions, cp.Spilled = kept, nil
	return &cp
}

// sessionMatch applies the session filters.
func (c *compiled) sessionMatch(s *Session) bool {
	if c.f.Findings && !slices.ContainsFunc(s.Anomalies, func(a Anomaly) bool { return a.Kind.Finding() }) {
		return false
	}
	return matchAll(c.f.Users, func(u string) bool { return strings.EqualFold(u, s.User) }) &&
		matchEndpoints(c.servers, s.Server) && matchEndpoints(c.clients, s.Client)
}

// txn applies the transaction filters.
func (c *compiled) txn(t *Transaction) bool {
	f := &c.f
	if !matchAll(f.Commands, func(cmd string) bool {
		return strings.EqualFold(cmd, t.Command) ||
			strings.EqualFold(cmd, "UID") && strings.HasPrefix(strings.ToUpper(t.Command), "UID ")
	}) {
		return false
	}
	if len(f.Statuses) > 0 && !matchAll(c.statuses, func(st string) bool { return Status(st) == t.Status }) {
		return false
	}
	if f.MinLatency > 0 && (t.Status == "" || t.LatencyMS < float64(f.MinLatency)/float64(time.Millisecond)) {
		return false
	}
	if len(f.Mailboxes) > 0 {
		if !matchAll(f.Mailboxes, func(m string) bool { return sameMailbox(m, t.Mailbox) || sameMailbox(m, t.NamedMailbox) }) {
			return false
		}
	}
	return true
}

// statusStrings converts statuses for matchAll.
func statusStrings(sts []Status) []string {
	out := make([]string, len(sts))
	for i, st := range sts {
		out[i] = string(st)
	}
	return out
}

// sameMailbox compares mailbox names; INBOX is case-insensitive (RFC 3501 §5.1).
func sameMailbox(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	return a == b || strings.EqualFold(a, "INBOX") && strings.EqualFold(b, "INBOX")
}
