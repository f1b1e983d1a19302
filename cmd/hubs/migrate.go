package main

import (
	"context"
	"log/slog"

	"hubs/store"
)

func runMigrate(ctx context.Context, args []string) error {
	return withMigratedStore(ctx, "migrate", args, func(s *store.Store) error {
		v, err := s.Version(ctx)
		if err != nil {
			return err
		}
		slog.Info("database is migrated", "version", v)
		return nil
	})
}

// withMigratedStore is the body of the commands that only need the database: parse the
// database flags, open (or start) it, migrate it, then run fn.
func withMigratedStore(ctx context.Context, name string, args []string, fn func(*store.Store) error) error {
	fs := newFlagSet(name, name+" [flags]")
	var db database
	db.flags(fs)
	if err := fs.parse(args); err != nil {
		return err
	}
	s, closeDB, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	return fn(s)
}
