//go:build !(darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd)

package aof

import "io"

// Lock implements FS where flock(2) is missing: the lock holds within
// this process only. Another process can still open the directory.
func (osFS) Lock(dir string) (io.Closer, error) { return lockInProcess(dir) }
