package aof

import (
	"os"
	"syscall"
)

// datasync uses fdatasync: the log only appends, and the size it changes
// is flushed by fdatasync too, at a lower cost than fsync.
func datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			if err != nil {
				return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
			}
			return nil
		}
	}
}
