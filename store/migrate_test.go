package store_test

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"hubs/store"
	"hubs/store/storetest"
)

func TestMigrateFromEmptyAndAgain(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, storetest.EmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Version(ctx); err != nil || v != 0 {
		t.Fatalf("empty database: version %d, %v; want 0", v, err)
	}
	for run := 1; run <= 2; run++ {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("migrate run %d: %v", run, err)
		}
		v, err := s.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != store.SchemaVersion() || v < 1 {
			t.Fatalf("run %d: version %d, want %d", run, v, store.SchemaVersion())
		}
	}
	// Every table of the schema is there and usable.
	for _, table := range []string{"people", "hubs", "hub_roles", "widgets", "messages", "users", "packages", "users_messages", "packages_messages"} {
		var n int
		if err := s.Pool().QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
	var rows int
	if err := s.Pool().QueryRow(ctx, "SELECT count(*) FROM schema_version").Scan(&rows); err != nil || rows != 1 {
		t.Errorf("schema_version has %d rows (%v), want 1", rows, err)
	}
}

// TestMigrateTwoProcesses runs the migration from two separate processes (this test binary,
// re-executed) on one empty database at once. Without the advisory lock one of them fails
// on "relation already exists" or applies a migration twice.
func TestMigrateTwoProcesses(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 3; round++ {
		url := storetest.EmptyURL(t)
		var wg sync.WaitGroup
		outs := make([][]byte, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, exe, "-test.run=^$")
				cmd.Env = append(os.Environ(), helperEnv+"=migrate", "HUBS_DATABASE_URL="+url)
				outs[i], errs[i] = cmd.CombinedOutput()
			}()
		}
		wg.Wait()
		for i := range 2 {
			if errs[i] != nil {
				t.Fatalf("round %d: process %d: %v\n%s", round, i, errs[i], outs[i])
			}
		}
		ctx := context.Background()
		s, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.Version(ctx)
		s.Close()
		if err != nil || v != store.SchemaVersion() {
			t.Fatalf("round %d: version %d (%v), want %d", round, v, err, store.SchemaVersion())
		}
	}
}
