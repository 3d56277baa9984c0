//go:build linux

package live

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// capLastCapFile holds the number of the kernel's highest capability.
const capLastCapFile = "/proc/sys/kernel/cap_last_cap"

// maxCapProbe bounds the probe for the highest capability when
// capLastCapFile cannot be read (capability sets are 64 bits wide).
const maxCapProbe = 63

// ErrThreadsUnreachable is wrapped by Identity.Drop's error when the
// bounding set, ambient set and no_new_privs could be changed on the
// calling thread only: builds with cgo (-tags pcap) cannot reach the other
// threads (syscall.AllThreadsSyscall is unsupported there). The user, group
// and supplementary groups were still switched on every thread.
var ErrThreadsUnreachable = errors.New("live: cgo build: capability bounding set and no_new_privs set on the calling thread only")

// Identity is the unprivileged user live capture switches to.
type Identity struct {
	// Name is the user name; UID, GID and Groups its numeric identity
	// (Groups: supplementary groups, GID first).
	Name     string
	UID, GID int
	Groups   []int
}

// LookupUser resolves name to an Identity without changing anything, so
// that a wrong --user fails before any file is touched.
func LookupUser(name string) (*Identity, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("live: --user: %w", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("live: --user %s: non-numeric uid %q or gid %q", name, u.Uid, u.Gid)
	}
	id := &Identity{Name: name, UID: uid, GID: gid, Groups: []int{gid}}
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil && g != gid {
				id.Groups = append(id.Groups, g)
			}
		}
	}
	return id, nil
}

// DropPrivileges looks up the user name and switches to it (Identity.Drop).
// Call it after opening the socket and the output files.
func DropPrivileges(name string) error {
	id, err := LookupUser(name)
	if err != nil {
		return err
	}
	return id.Drop()
}

// Drop switches the whole process to the identity and makes sure it can
// never gain a privilege again, on every thread:
//
//  1. every capability is dropped from the bounding set (PR_CAPBSET_DROP,
//     0 to the kernel's cap_last_cap) and the ambient set is cleared; this
//     needs CAP_SETPCAP, so it comes before the switch;
//  2. supplementary groups, group and user are switched (Go applies
//     setgroups/setgid/setuid to all threads on Linux); with a non-zero
//     uid this empties the permitted and effective sets;
//  3. no_new_privs is set (PR_SET_NO_NEW_PRIVS): no execve can grant
//     privileges through setuid bits or file capabilities.
//
// The prctl calls are per-thread in the kernel, so they go through
// syscall.AllThreadsSyscall. The result is then checked on the calling
// thread. The error wraps ErrThreadsUnreachable when only the calling
// thread could be hardened (cgo builds); any other error means the process
// must not go on.
func (id *Identity) Drop() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	last := lastCap()
	partial := false
	for c := 0; c <= last; c++ {
		p, err := allThreadsPrctl(unix.PR_CAPBSET_DROP, uintptr(c))
		if err != nil {
			return fmt.Errorf("live: drop capability %d from the bounding set: %w", c, err)
		}
		partial = partial || p
	}
	// EINVAL: a kernel before 4.3, without ambient capabilities.
	p, err := allThreadsPrctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL)
	if err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("live: clear ambient capabilities: %w", err)
	}
	partial = partial || p
	if err := id.switchUser(); err != nil {
		return err
	}
	p, err = allThreadsPrctl(unix.PR_SET_NO_NEW_PRIVS, 1)
	if err != nil {
		return fmt.Errorf("live: set no_new_privs: %w", err)
	}
	partial = partial || p
	if err := checkDropped(id.UID, last); err != nil {
		return err
	}
	if partial {
		return ErrThreadsUnreachable
	}
	return nil
}

// switchUser sets the supplementary groups, the group and the user.
func (id *Identity) switchUser() error {
	if err := syscall.Setgroups(id.Groups); err != nil {
		return fmt.Errorf("live: setgroups: %w", err)
	}
	if err := syscall.Setgid(id.GID); err != nil {
		return fmt.Errorf("live: setgid %d: %w", id.GID, err)
	}
	if err := syscall.Setuid(id.UID); err != nil {
		return fmt.Errorf("live: setuid %d: %w", id.UID, err)
	}
	if syscall.Getuid() != id.UID || syscall.Geteuid() != id.UID {
		return fmt.Errorf("live: still uid %d after setuid %d", syscall.Geteuid(), id.UID)
	}
	return nil
}

// allThreadsPrctl runs prctl(option, arg2, 0, 0, 0) on every thread of the
// process. Where that is unsupported (cgo), it runs it on the calling
// thread and reports partial.
func allThreadsPrctl(option, arg2 uintptr) (partial bool, err error) {
	_, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, option, arg2, 0)
	if e == syscall.ENOTSUP {
		partial = true
		_, _, e = syscall.RawSyscall6(unix.SYS_PRCTL, option, arg2, 0, 0, 0, 0)
	}
	if e != 0 {
		return partial, e
	}
	return partial, nil
}

// lastCap returns the number of the kernel's highest capability: from
// capLastCapFile, or else probed with PR_CAPBSET_READ, which fails with
// EINVAL past the last one.
func lastCap() int {
	if b, err := os.ReadFile(capLastCapFile); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n >= 0 && n <= maxCapProbe {
			return n
		}
	}
	last := 0
	for c := 0; c <= maxCapProbe; c++ {
		if _, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0); err != nil {
			break
		}
		last = c
	}
	return last
}

// checkDropped verifies, on the calling thread, what Drop promised:
// no_new_privs set, an empty bounding set, and (for a non-root uid) empty
// effective, permitted and inheritable sets.
func checkDropped(uid, last int) error {
	nnp, err := unix.PrctlRetInt(unix.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)
	if err != nil || nnp != 1 {
		return fmt.Errorf("live: no_new_privs is %d after setting it (%v)", nnp, err)
	}
	for c := 0; c <= last; c++ {
		if in, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0); err != nil || in != 0 {
			return fmt.Errorf("live: capability %d still in the bounding set (%v)", c, err)
		}
	}
	if uid == 0 {
		return nil // root keeps its effective set; the bounding set still stops execve
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("live: capget: %w", err)
	}
	for _, d := range data {
		if d.Effective != 0 || d.Permitted != 0 || d.Inheritable != 0 {
			return fmt.Errorf("live: capabilities left after setuid %d: %+v", uid, data)
		}
	}
	return nil
}
