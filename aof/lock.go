package aof

import (
	"io"
	"os"
	"path/filepath"
	"sync"
)

// lockInProcess locks dir within this process only, by its absolute
// path: the lock of systems and filesystems that have no flock(2).
func lockInProcess(dir string) (io.Closer, error) {
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
	held   = map[string]bool{} // the directories locked in this process
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
