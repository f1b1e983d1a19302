package engine

import (
	"os"
	"runtime/debug"
)

// DefaultGCPercent is the collector's pace PaceGC sets when GOGC is not set: a collection
// when the heap has grown to five times what the last one left live, instead of Go's twice.
// Rebuilds allocate 0.5-0.8 MB per bus message (goja builds every object on the Go heap)
// and the collector marks the whole live heap each cycle (134 MB for the benchmark's
// 140,000 instances, 200-300 ms of one core): at Go's default a cycle came every 2-3 s at
// 100 msg/s and the updates that met one were the latency's p99 (README, "Memory against
// latency").
const DefaultGCPercent = 400

// GCPace is what PaceGC set: the collector's percent and the soft memory limit in bytes
// (0: none), and whether each came from the environment instead of Hubs's defaults.
type GCPace struct {
	Percent        int
	Limit          int64
	PercentFromEnv bool
	LimitFromEnv   bool
}

// PaceGC sets the garbage collector's pace for a long-running Hubs process: GOGC and
// GOMEMLIMIT when they are set (the Go runtime has read them already; they are left alone),
// else DefaultGCPercent and a soft memory limit of half the memory the process may use
// (the smaller of the machine's RAM and its cgroup's memory.max). The limit is what keeps
// a high percent safe on a small machine: near it the collector runs as often as it must,
// whatever the percent.
func PaceGC() GCPace {
	p := GCPace{PercentFromEnv: os.Getenv("GOGC") != "", LimitFromEnv: os.Getenv("GOMEMLIMIT") != ""}
	if p.PercentFromEnv {
		p.Percent = debug.SetGCPercent(-1) // read it back: SetGCPercent returns the old value
		debug.SetGCPercent(p.Percent)
	} else {
		p.Percent = DefaultGCPercent
		debug.SetGCPercent(p.Percent)
	}
	if p.LimitFromEnv {
		p.Limit = debug.SetMemoryLimit(-1) // a negative value reads without changing it
	} else if mem := availableMemory(); mem > 0 {
		p.Limit = mem / 2
		debug.SetMemoryLimit(p.Limit)
	}
	return p
}
