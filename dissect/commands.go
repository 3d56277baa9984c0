package dissect

// cmdKind groups commands by what the dissector must do about them.
type cmdKind uint8

const (
	kOther cmdKind = iota
	kNoop
	kCapability
	kLogin
	kAuthenticate
	kStartTLS
	kCompress
	kLogout
	kSelect  // SELECT, EXAMINE, BBOARD: change the current mailbox
	kClose   // CLOSE, UNSELECT: leave the current mailbox
	kFetch   // FETCH, STORE and their UID forms
	kSearch  // SEARCH, UID SEARCH, SORT, THREAD
	kList    // LIST, LSUB, XLIST, FIND
	kStatus  // STATUS
	kExpunge // EXPUNGE, UID EXPUNGE, MOVE, UID MOVE
	kAppend  // APPEND, ADD.MESSAGE, SEND
	kIdle
	kEnable
	kID
	kNamespace
	kSupportedVersions // IMAP3
	kSelectVersion     // IMAP3
	kSelectFeatures    // IMAP3
	kSetEOL            // IMAP3
	kReadOnly          // IMAP3 READONLY
	kReadWrite         // IMAP3 READWRITE
	kFlags             // IMAP3 FLAGS / SET.FLAGS
)

// commandKinds maps upper-case command names to their kind.
var commandKinds = map[string]cmdKind{
	"NOOP": kNoop, "CHECK": kNoop,
	"CAPABILITY": kCapability,
	"LOGIN":      kLogin, "AUTHENTICATE": kAuthenticate,
	"STARTTLS": kStartTLS, "COMPRESS": kCompress, "LOGOUT": kLogout,
	"SELECT": kSelect, "EXAMINE": kSelect, "BBOARD": kSelect,
	"CLOSE": kClose, "UNSELECT": kClose,
	"FETCH": kFetch, "UID FETCH": kFetch, "STORE": kFetch, "UID STORE": kFetch,
	"SEARCH": kSearch, "UID SEARCH": kSearch, "SORT": kSearch, "UID SORT": kSearch,
	"THREAD": kSearch, "UID THREAD": kSearch,
	"LIST": kList, "LSUB": kList, "XLIST": kList,
	"FIND MAILBOXES": kList, "FIND BBOARDS": kList, "FIND ALL.MAILBOXES": kList, "FIND ALL.BBOARDS": kList,
	"STATUS":  kStatus,
	"EXPUNGE": kExpunge, "UID EXPUNGE": kExpunge, "MOVE": kExpunge, "UID MOVE": kExpunge,
	"APPEND": kAppend, "ADD.MESSAGE": kAppend, "SEND": kAppend,
	"IDLE": kIdle, "ENABLE": kEnable, "ID": kID, "NAMESPACE": kNamespace,
	"SUPPORTED.VERSIONS": kSupportedVersions, "SELECT.VERSION": kSelectVersion,
	"SELECT.FEATURES": kSelectFeatures, "SET.EOL": kSetEOL,
	"READONLY": kReadOnly, "READWRITE": kReadWrite,
	"FLAGS": kFlags, "SET.FLAGS": kFlags,
}

// knownCommands lists further command names that are believed when
// resynchronising (they have no special handling).
var knownCommands = map[string]bool{
	"CREATE": true, "DELETE": true, "RENAME": true, "SUBSCRIBE": true, "UNSUBSCRIBE": true,
	"COPY": true, "UID COPY": true, "GETQUOTA": true, "GETQUOTAROOT": true, "SETQUOTA": true,
	"GETACL": true, "SETACL": true, "MYRIGHTS": true, "LISTRIGHTS": true, "DELETEACL": true,
	"GETMETADATA": true, "SETMETADATA": true, "RENUMBER": true, "ENCODING": true,
	"NEW.MAIL.NOTIFY": true, "INDEXABLE.FIELDS": true, "ESEARCH": true, "UID ESEARCH": true,
	"REPLACE": true, "UID REPLACE": true, "XAPPLEPUSHSERVICE": true,
}

// kindOf returns the kind of an upper-case command name.
func kindOf(command string) cmdKind {
	return commandKinds[command]
}

// isKnownCommand reports whether command is a command name imapscope knows.
func isKnownCommand(command string) bool {
	_, ok := commandKinds[command]
	return ok || knownCommands[command]
}

// wants reports whether a command of kind k is the natural producer of an
// untagged response of the given kind.
func wants(k cmdKind, resp string) bool {
	switch resp {
	case "FETCH", "STORE":
		return k == kFetch
	case "EXISTS", "RECENT", "FLAGS", "READ-ONLY", "READ-WRITE":
		return k == kSelect || k == kFlags
	case "EXPUNGE", "VANISHED":
		return k == kExpunge || k == kClose
	case "LIST", "LSUB", "XLIST", "MAILBOX", "BBOARD":
		return k == kList
	case "SEARCH", "ESEARCH", "SORT", "THREAD":
		return k == kSearch
	case "STATUS":
		return k == kStatus || k == kList
	case "CAPABILITY":
		return k == kCapability
	case "ENABLED":
		return k == kEnable
	case "ID":
		return k == kID
	case "NAMESPACE":
		return k == kNamespace
	case "SUPPORTED.VERSIONS":
		return k == kSupportedVersions
	case "BYE":
		return k == kLogout
	}
	return false
}

// responseKinds gives canonical names for known response keywords, so that
// classifying a response does not allocate.
var responseKinds = []string{
	"OK", "NO", "BAD", "BYE", "PREAUTH", "CAPABILITY", "LIST", "LSUB", "XLIST",
	"STATUS", "SEARCH", "ESEARCH", "SORT", "THREAD", "FLAGS", "EXISTS", "RECENT",
	"EXPUNGE", "FETCH", "STORE", "ENABLED", "ID", "NAMESPACE", "QUOTA", "QUOTAROOT",
	"ACL", "MYRIGHTS", "LISTRIGHTS", "METADATA", "VANISHED", "MAILBOX", "BBOARD",
	"SUPPORTED.VERSIONS", "COPY", "RESET", "READONLY", "READWRITE", "ENCODING",
}

// responseKind returns the canonical upper-case name of a response keyword.
func responseKind(w []byte) string {
	if equalFold(w, "FETCH") {
		return "FETCH" // by far the most frequent, and late in the list
	}
	for _, k := range responseKinds {
		if equalFold(w, k) {
			return k
		}
	}
	if len(w) > maxResponseKind {
		w = w[:maxResponseKind]
	}
	return upperASCII(w)
}

// isStatusWord returns the canonical status for OK/NO/BAD/BYE, or "".
func isStatusWord(w []byte) string {
	switch {
	case equalFold(w, "OK"):
		return "OK"
	case equalFold(w, "NO"):
		return "NO"
	case equalFold(w, "BAD"):
		return "BAD"
	case equalFold(w, "BYE"):
		return "BYE"
	}
	return ""
}

// isDataKeyword reports whether w opens a known data response (used to tell
// IMAP3 tagged solicited data from a completion without a status word).
func isDataKeyword(w []byte) bool {
	if isNumber(w) {
		return true
	}
	switch responseKind(w) {
	case "CAPABILITY", "LIST", "LSUB", "XLIST", "STATUS", "SEARCH", "ESEARCH", "SORT",
		"THREAD", "FLAGS", "ENABLED", "ID", "NAMESPACE", "QUOTA", "QUOTAROOT", "ACL",
		"MYRIGHTS", "LISTRIGHTS", "METADATA", "MAILBOX", "BBOARD", "SUPPORTED.VERSIONS",
		"READONLY", "READWRITE", "ENCODING", "FETCH", "RESET", "PREAUTH":
		return true
	}
	return false
}
