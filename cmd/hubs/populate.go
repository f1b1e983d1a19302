package main

import (
	"context"
	"log/slog"

	"hubs/store"
)

func runPopulate(ctx context.Context, args []string) error {
	return withMigratedStore(ctx, "populate", args, func(s *store.Store) error {
		if err := s.Populate(ctx); err != nil {
			return err
		}
		slog.Info("demo users and hubs are in place")
		return nil
	})
}
