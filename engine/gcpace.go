package engine

import (
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
)

// DefaultGCPercent is the collector's pace PaceGC sets when GOGC is not set: a collection
// when the heap has grown to five times what the last one left live, instead of Go's twice.
// Rebuilds allocate 0.4-0.7 MB per bus message (goja builds every object on the Go heap)
// and the collector marks the whole live heap each cycle (134 MB for the benchmark's
// 140,000 instances, 200-300 ms of one core): at Go's default a cycle came every 2-3 s at
// 100 msg/s and the updates that met one were the latency's p99 (README, "Memory against
// latency").
const DefaultGCPercent = 400

// GCPace is what PaceGC left in force: the collector's percent (-1: off) and the soft
// memory limit in bytes (0: none), and whether each came from the environment instead of
// Hubs's defaults.
type GCPace struct {
	Percent        int
	Limit          int64
	PercentFromEnv bool
	LimitFromEnv   bool
}

// PaceGC sets the garbage collector's pace for a long-running Hubs process. GOGC and
// GOMEMLIMIT, when set, are left as the Go runtime read them; each one unset gets Hubs's
// default on its own: DefaultGCPercent, and a soft memory limit of half the memory the
// process may use (the smaller of the machine's RAM and its cgroup's limit; none when
// neither can be read). Near the limit the collector runs more often whatever the percent,
// which is what keeps a high percent affordable on a small machine; a live heap beyond the
// limit still grows (Go caps the collector's share of the CPU rather than fail). So GOGC=off
// alone collects near half the memory, and GOMEMLIMIT alone runs at 400%.
func PaceGC() GCPace {
	p := GCPace{PercentFromEnv: os.Getenv("GOGC") != "", LimitFromEnv: os.Getenv("GOMEMLIMIT") != ""}
	if !p.PercentFromEnv {
		debug.SetGCPercent(DefaultGCPercent)
	}
	if !p.LimitFromEnv {
		if mem := availableMemory(); mem > 0 {
			debug.SetMemoryLimit(mem / 2)
		}
	}
	p.Percent, p.Limit = readGCPace()
	return p
}

// readGCPace reads the collector's percent and memory limit in force without changing
// them (debug.SetGCPercent(-1) to read would wait for a collection under way to finish).
func readGCPace() (percent int, limit int64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	percent = int(int64(s[0].Value.Uint64())) // off is -1, stored as its uint64
	if limit = int64(s[1].Value.Uint64()); limit == math.MaxInt64 {
		limit = 0 // no limit
	}
	return percent, limit
}
