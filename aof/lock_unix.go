//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd

package aof

import (
	"errors"
	"io"
	"os"
	"syscall"
)

// Lock implements FS with flock(2) on a descriptor of the directory
// itself, so that no file Redis would not expect appears in it. The lock
// belongs to the descriptor: a second Lock fails even in the same
// process, and the lock ends with the process. The descriptor is
// close-on-exec, so child processes do not inherit it.
func (osFS) Lock(dir string) (io.Closer, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	rc, err := d.SyscallConn()
	if err == nil {
		cerr := rc.Control(func(fd uintptr) {
			for {
				err = syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB)
				if err != syscall.EINTR {
					return
				}
			}
		})
		if err == nil {
			err = cerr
		}
	}
	if err != nil {
		d.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, &os.PathError{Op: "flock", Path: dir, Err: err}
	}
	return d, nil // closing the descriptor releases the lock
}
