package main

import (
	"context"
	"log/slog"
)

func runMigrate(ctx context.Context, args []string) error {
	fs := newFlagSet("migrate", "migrate [flags]")
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
	v, err := s.Version(ctx)
	if err != nil {
		return err
	}
	slog.Info("database is migrated", "version", v)
	return nil
}
