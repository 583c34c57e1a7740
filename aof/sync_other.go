//go:build !linux

package aof

import "os"

func datasync(f *os.File) error { return f.Sync() }
