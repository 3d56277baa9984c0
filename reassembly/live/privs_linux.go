//go:build linux

package live

import (
	"fmt"
	"os/user"
	"strconv"
	"syscall"
)

// DropPrivileges switches the whole process (every thread: Go applies
// setuid/setgid to all threads on Linux) to the user name and its groups.
// Call it after opening the socket and the output files.
func DropPrivileges(name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("live: --user: %w", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("live: --user %s: non-numeric uid %q or gid %q", name, u.Uid, u.Gid)
	}
	gids := []int{gid}
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil && g != gid {
				gids = append(gids, g)
			}
		}
	}
	if err := syscall.Setgroups(gids); err != nil {
		return fmt.Errorf("live: setgroups: %w", err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("live: setgid %d: %w", gid, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("live: setuid %d: %w", uid, err)
	}
	if syscall.Getuid() != uid || syscall.Geteuid() != uid {
		return fmt.Errorf("live: still uid %d after setuid %d", syscall.Geteuid(), uid)
	}
	return nil
}
