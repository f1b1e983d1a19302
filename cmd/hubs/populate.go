package main

import (
	"context"
	"log/slog"
)

func runPopulate(ctx context.Context, args []string) error {
	fs := newFlagSet("populate", "populate [flags]")
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
	if err := s.Populate(ctx); err != nil {
		return err
	}
	slog.Info("demo users and hubs are in place")
	return nil
}
