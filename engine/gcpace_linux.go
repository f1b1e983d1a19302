package engine

import (
	"bufio"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
)

// availableMemory is the memory this process may use: the machine's RAM, or its cgroup's
// limit when that is smaller; 0 when neither can be read.
func availableMemory() int64 {
	var mem int64
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil {
		mem = int64(si.Totalram) * int64(si.Unit)
	}
	if l := cgroupMemoryLimit("/proc/self/cgroup", "/sys/fs/cgroup"); l > 0 && (mem == 0 || l < mem) {
		mem = l
	}
	return mem
}

// cgroupMemoryLimit is the smallest memory limit on the process's cgroup and its ancestors,
// as procCgroup (/proc/self/cgroup) names them under root (/sys/fs/cgroup): memory.max in
// cgroup v2, memory/.../memory.limit_in_bytes in v1. 0 when there is none ("max", or v1's
// page-rounded MaxInt64) or none can be read. In a container with its own cgroup namespace
// the path is "/", and the files at the root are the container's.
func cgroupMemoryLimit(procCgroup, root string) int64 {
	f, err := os.Open(procCgroup)
	if err != nil {
		return 0
	}
	defer f.Close()
	var limit int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// hierarchy-ID:controllers:path; v2 is "0::/path".
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		var dir, file string
		switch {
		case parts[0] == "0" && parts[1] == "":
			dir, file = root, "memory.max"
		case hasController(parts[1], "memory"):
			dir, file = path.Join(root, "memory"), "memory.limit_in_bytes"
		default:
			continue
		}
		for p := path.Clean(parts[2]); ; p = path.Dir(p) {
			if l := readLimit(path.Join(dir, p, file)); l > 0 && (limit == 0 || l < limit) {
				limit = l
			}
			if p == "/" || p == "." {
				break
			}
		}
	}
	return limit
}

func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// readLimit reads one cgroup memory limit file: bytes, or 0 for none or unreadable.
func readLimit(file string) int64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n <= 0 || n >= 1<<62 { // "max"; v1's "no limit" is MaxInt64 rounded to a page
		return 0
	}
	return n
}
