package engine

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// availableMemory is the memory this process may use: the machine's RAM, or its cgroup's
// limit (cgroup v2 memory.max) when that is smaller; 0 when neither can be read.
func availableMemory() int64 {
	var mem int64
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil {
		mem = int64(si.Totalram) * int64(si.Unit)
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		// "max" (no limit) does not parse and leaves the RAM.
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (mem == 0 || n < mem) {
			mem = n
		}
	}
	return mem
}
