package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"hubs/store"
	"hubs/store/storetest"
)

// helperEnv, when set, turns the test binary into a helper process (see helpers below):
// "two processes" must really be two processes, not two goroutines.
const helperEnv = "HUBS_STORE_TEST_HELPER"

func TestMain(m *testing.M) {
	if h := os.Getenv(helperEnv); h != "" {
		os.Exit(runHelper(h))
	}
	os.Exit(storetest.Main(m))
}

func runHelper(name string) int {
	ctx := context.Background()
	var err error
	switch name {
	case "migrate":
		err = helperMigrate(ctx, os.Getenv("HUBS_DATABASE_URL"))
	case "cluster-owner":
		err = helperClusterOwner(ctx, os.Getenv("HUBS_DATA_DIR"))
	case "cluster-cycle":
		err = helperClusterCycle(ctx, os.Getenv("HUBS_DATA_DIR"))
	default:
		err = fmt.Errorf("unknown helper %q", name)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

func helperMigrate(ctx context.Context, url string) error {
	s, err := store.Open(ctx, url)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Migrate(ctx)
}

// helperClusterOwner starts the private cluster, writes a user, says "ready" and waits to be
// killed. The cluster is not Ephemeral: a commit must be durable for the test to mean
// anything.
func helperClusterOwner(ctx context.Context, dir string) error {
	c, err := store.StartCluster(ctx, dir)
	if err != nil {
		return err
	}
	s, err := store.Open(ctx, c.URL())
	if err != nil {
		return err
	}
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	if _, err := s.EnsureUser(ctx, "survivor", "Written Before The Kill"); err != nil {
		return err
	}
	fmt.Printf("ready %d\n", c.PID())
	select {}
}

// helperClusterCycle creates a cluster, writes, stops, starts it again and reads back: the
// whole life of a private cluster, for running as an ordinary user.
func helperClusterCycle(ctx context.Context, dir string) error {
	for round := range 2 {
		c, err := store.StartCluster(ctx, dir, store.Ephemeral())
		if err != nil {
			return err
		}
		s, err := store.Open(ctx, c.URL())
		if err != nil {
			c.Stop()
			return err
		}
		if round == 0 {
			err = s.Migrate(ctx)
			if err == nil {
				_, err = s.EnsureUser(ctx, "nobody", "Ordinary User")
			}
		} else {
			var u store.User
			u, err = s.GetUser(ctx, "nobody")
			if err == nil && u.FullName != "Ordinary User" {
				err = fmt.Errorf("read back %+v", u)
			}
		}
		s.Close()
		if stopErr := c.Stop(); err == nil {
			err = stopErr
		}
		if err != nil {
			return fmt.Errorf("round %d: %w", round, err)
		}
	}
	return nil
}
