package engine

import (
	"runtime/debug"
	"testing"
)

// restoreGC puts the collector's pace back as it was when the test ends.
func restoreGC(t *testing.T) {
	percent := debug.SetGCPercent(100)
	debug.SetGCPercent(percent)
	limit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
}

// Without GOGC and GOMEMLIMIT, PaceGC sets Hubs's percent and half the available memory as
// the soft limit.
func TestPaceGCDefaults(t *testing.T) {
	restoreGC(t)
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(1 << 62)
	p := PaceGC()
	if p.PercentFromEnv || p.LimitFromEnv {
		t.Fatalf("pace %+v: nothing was set in the environment", p)
	}
	if got := debug.SetGCPercent(DefaultGCPercent); got != DefaultGCPercent || p.Percent != DefaultGCPercent {
		t.Fatalf("GC percent %d (reported %d), want %d", got, p.Percent, DefaultGCPercent)
	}
	mem := availableMemory()
	if mem <= 0 {
		t.Fatalf("available memory unknown on this machine")
	}
	if got := debug.SetMemoryLimit(-1); got != mem/2 || p.Limit != mem/2 {
		t.Fatalf("memory limit %d (reported %d), want half of %d", got, p.Limit, mem)
	}
}

// GOGC and GOMEMLIMIT, read by the Go runtime at start, win: PaceGC leaves what they set
// and reports it.
func TestPaceGCFromEnvironment(t *testing.T) {
	restoreGC(t)
	t.Setenv("GOGC", "250")
	t.Setenv("GOMEMLIMIT", "3GiB")
	debug.SetGCPercent(250) // as the runtime set it from GOGC
	debug.SetMemoryLimit(3 << 30)
	p := PaceGC()
	if !p.PercentFromEnv || !p.LimitFromEnv || p.Percent != 250 || p.Limit != 3<<30 {
		t.Fatalf("pace %+v, want 250%% and 3 GiB from the environment", p)
	}
	if got := debug.SetGCPercent(250); got != 250 {
		t.Fatalf("GC percent changed to %d", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 3<<30 {
		t.Fatalf("memory limit changed to %d", got)
	}
}
