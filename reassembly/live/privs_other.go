//go:build !linux

package live

import "errors"

// ErrThreadsUnreachable is part of the Linux API (see privs_linux.go).
var ErrThreadsUnreachable = errors.New("live: privilege drop needs Linux")

// Identity is the unprivileged user live capture switches to.
type Identity struct {
	Name     string
	UID, GID int
	Groups   []int
}

// LookupUser is not implemented outside Linux.
func LookupUser(string) (*Identity, error) { return nil, ErrUnsupported }

// DropPrivileges is not implemented outside Linux.
func DropPrivileges(string) error { return ErrUnsupported }

// Drop is not implemented outside Linux.
func (*Identity) Drop() error { return ErrUnsupported }
