package engine

import (
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"testing"
)

// restoreGC puts the collector's pace back as it was when the test ends.
func restoreGC(t *testing.T) {
	percent, limit := readGCPace()
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		if limit == 0 {
			limit = 1<<63 - 1
		}
		debug.SetMemoryLimit(limit)
	})
}

// PaceGC: each of GOGC and GOMEMLIMIT, when set, is left as the runtime read it; when unset,
// it gets Hubs's default (400%, half the available memory), each on its own.
func TestPaceGC(t *testing.T) {
	// Outside Linux no memory figure is read, so the default limit is none (mem/2 = 0).
	mem := availableMemory()
	if mem <= 0 && goruntime.GOOS == "linux" {
		t.Fatal("available memory unknown on Linux")
	}
	for _, c := range []struct {
		name, gogc, gomemlimit string
		runtimePercent         int   // what the Go runtime would have read from GOGC
		runtimeLimit           int64 // ... and from GOMEMLIMIT
		want                   GCPace
	}{
		{"neither set", "", "", 100, 0, GCPace{Percent: DefaultGCPercent, Limit: mem / 2}},
		{"both set", "250", "3GiB", 250, 3 << 30, GCPace{Percent: 250, Limit: 3 << 30, PercentFromEnv: true, LimitFromEnv: true}},
		{"GOGC=off alone", "off", "", -1, 0, GCPace{Percent: -1, Limit: mem / 2, PercentFromEnv: true}},
		{"GOMEMLIMIT alone", "", "2GiB", 100, 2 << 30, GCPace{Percent: DefaultGCPercent, Limit: 2 << 30, LimitFromEnv: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			restoreGC(t)
			t.Setenv("GOGC", c.gogc)
			t.Setenv("GOMEMLIMIT", c.gomemlimit)
			debug.SetGCPercent(c.runtimePercent)
			limit := c.runtimeLimit
			if limit == 0 {
				limit = 1<<63 - 1
			}
			debug.SetMemoryLimit(limit)
			if got := PaceGC(); got != c.want {
				t.Fatalf("pace %+v, want %+v", got, c.want)
			}
			if percent, limit := readGCPace(); percent != c.want.Percent || limit != c.want.Limit {
				t.Fatalf("in force: %d%%, limit %d; want %d%%, %d", percent, limit, c.want.Percent, c.want.Limit)
			}
		})
	}
}

// The cgroup limit is the smallest on the process's cgroup and its ancestors, v2 or v1;
// "max" and v1's page-rounded MaxInt64 are no limit.
func TestCgroupMemoryLimit(t *testing.T) {
	for _, c := range []struct {
		name   string
		cgroup string
		files  map[string]string
		want   int64
	}{
		{"v2, limit on a parent", "0::/system.slice/hubs.service\n", map[string]string{
			"system.slice/hubs.service/memory.max": "max\n", "system.slice/memory.max": "2147483648\n"}, 2 << 30},
		{"v2, the smaller of two", "0::/a/b\n", map[string]string{
			"a/b/memory.max": "1073741824\n", "a/memory.max": "2147483648\n"}, 1 << 30},
		{"v2, own namespace", "0::/\n", map[string]string{"memory.max": "536870912\n"}, 512 << 20},
		{"v2, no limit", "0::/a\n", map[string]string{"a/memory.max": "max\n"}, 0},
		{"v1", "9:name=systemd:/x\n4:cpu,memory:/docker/abc\n", map[string]string{
			"memory/docker/abc/memory.limit_in_bytes": "4294967296\n", "memory/memory.limit_in_bytes": "9223372036854771712\n"}, 4 << 30},
		{"v1, no limit", "4:memory:/\n", map[string]string{"memory/memory.limit_in_bytes": "9223372036854771712\n"}, 0},
		{"nothing readable", "0::/gone\n", nil, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			for name, content := range c.files {
				p := filepath.Join(root, "fs", name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			proc := filepath.Join(root, "cgroup")
			if err := os.WriteFile(proc, []byte(c.cgroup), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := cgroupMemoryLimit(proc, filepath.Join(root, "fs")); got != c.want {
				t.Fatalf("limit %d, want %d", got, c.want)
			}
		})
	}
}
