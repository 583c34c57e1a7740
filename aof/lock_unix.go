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
// close-on-exec, so child processes do not inherit it. On a filesystem
// that cannot flock a directory (some network filesystems), the lock
// holds within this process only.
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
		switch {
		case errors.Is(err, syscall.EWOULDBLOCK):
			return nil, ErrLocked
		case noFlock(err):
			return lockInProcess(dir)
		}
		return nil, &os.PathError{Op: "flock", Path: dir, Err: err}
	}
	return d, nil // closing the descriptor releases the lock
}

// noFlock reports whether err says that the filesystem cannot flock the
// directory, as some network filesystems cannot: opening it should not
// fail for that.
func noFlock(err error) bool {
	for _, e := range []syscall.Errno{syscall.ENOLCK, syscall.EOPNOTSUPP, syscall.ENOTSUP, syscall.EBADF, syscall.EINVAL, syscall.ENOSYS} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
