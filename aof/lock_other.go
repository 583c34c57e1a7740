//go:build !(darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd)

package aof

import (
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Lock implements FS where flock(2) is missing: the lock holds within
// this process only, by the directory's absolute path. Another process
// can still open the directory.
func (osFS) Lock(dir string) (io.Closer, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, err
	}
	heldMu.Lock()
	defer heldMu.Unlock()
	if held[abs] {
		return nil, ErrLocked
	}
	held[abs] = true
	return &heldLock{path: abs}, nil
}

var (
	heldMu sync.Mutex
	held   = map[string]bool{}
)

type heldLock struct {
	path string
	once sync.Once
}

func (h *heldLock) Close() error {
	h.once.Do(func() {
		heldMu.Lock()
		delete(held, h.path)
		heldMu.Unlock()
	})
	return nil
}
