//go:build !linux

package engine

// availableMemory is 0 (unknown) outside Linux: PaceGC sets no memory limit there.
func availableMemory() int64 { return 0 }
