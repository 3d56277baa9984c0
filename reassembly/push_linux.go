package reassembly

import (
	"io"
	"syscall"
	"unsafe"
)

// readyFunc returns a function that says how many bytes a read of r would
// get without waiting (the FIONREAD ioctl, which pipes, FIFOs, sockets and
// terminals answer), or nil when r is not a file that can say.
func readyFunc(r io.Reader) func() (int, bool) {
	sc, ok := r.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return func() (int, bool) {
		var n int32
		var errno syscall.Errno
		if err := rc.Control(func(fd uintptr) {
			_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
		}); err != nil || errno != 0 {
			return 0, false
		}
		return int(n), true
	}
}
