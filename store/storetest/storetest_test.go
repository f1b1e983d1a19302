package storetest_test

import (
	"context"
	"os"
	"testing"

	"hubs/store"
	"hubs/store/storetest"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// TestDatabasesAreSeparateAndDropped: two stores from New see nothing of each other, start
// migrated and empty, and a database is gone once its test has ended.
func TestDatabasesAreSeparateAndDropped(t *testing.T) {
	ctx := context.Background()
	var firstURL string
	t.Run("write", func(t *testing.T) {
		a, b := storetest.New(t), storetest.New(t)
		if _, err := a.EnsureUser(ctx, "ralph", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := b.GetUser(ctx, "ralph"); err == nil {
			t.Fatal("a user written in one test database shows up in another")
		}
		for _, s := range []*store.Store{a, b} {
			if v, err := s.Version(ctx); err != nil || v != store.SchemaVersion() {
				t.Fatalf("fresh database at version %d (%v), want %d", v, err, store.SchemaVersion())
			}
		}
		if empty, err := b.Empty(ctx); err != nil || !empty {
			t.Fatalf("fresh database not empty: %v %v", empty, err)
		}
		firstURL = storetest.URL(t)
		conn, err := pgx.Connect(ctx, firstURL)
		if err != nil {
			t.Fatal(err)
		}
		conn.Close(ctx)
	})
	conn, err := pgx.Connect(ctx, firstURL)
	if err == nil {
		conn.Close(ctx)
		t.Fatal("the database of a finished test still exists")
	}
}

func TestEmptyURLIsNotMigrated(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, storetest.EmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Version(ctx); err != nil || v != 0 {
		t.Fatalf("EmptyURL database at version %d (%v), want 0", v, err)
	}
}

// BenchmarkNewDatabase is the cost of one test database (CREATE DATABASE ... TEMPLATE);
// the drops happen after the timing.
func BenchmarkNewDatabase(b *testing.B) {
	storetest.URL(b) // start the cluster and build the template outside the timing
	for b.Loop() {
		storetest.URL(b)
	}
}
