package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the key of the session advisory lock held while migrating, so that two
// processes starting at once apply each migration exactly once ("hubs" in ASCII).
const migrationLock = 0x68756273

// migration is one embedded SQL file; its version is its place in the sorted list, so the
// schema version is simply the number of migrations applied.
type migration struct {
	name string
	sql  string
}

func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	out := make([]migration, 0, len(names))
	for _, name := range names {
		b, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, migration{name: name, sql: string(b)})
	}
	return out, nil
}

// SchemaVersion is the number of migrations this binary knows; a database migrated by it
// reports the same number from Version.
func SchemaVersion() int {
	m, err := migrations()
	if err != nil {
		return 0
	}
	return len(m)
}

// Version returns the number of migrations applied to the database (0 when none).
func (s *Store) Version(ctx context.Context) (int, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, "SELECT to_regclass('schema_version') IS NOT NULL").Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := s.pool.QueryRow(ctx, "SELECT version FROM schema_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// Migrate applies, in order, each embedded migration the database does not have yet, each in
// its own transaction together with the new version number. A session advisory lock makes a
// second process wait and then find nothing left to do.
func (s *Store) Migrate(ctx context.Context) error {
	all, err := migrations()
	if err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("migrate: take lock: %w", err)
	}
	defer func() {
		// Unlock on a fresh context: ctx may be the reason we are leaving.
		if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock); err != nil {
			s.log.Warn("migrate: release lock", "err", err)
		}
	}()

	if _, err := conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)"); err != nil {
		return fmt.Errorf("migrate: create version table: %w", err)
	}
	var current int
	err = conn.QueryRow(ctx, "SELECT version FROM schema_version").Scan(&current)
	switch {
	case err == pgx.ErrNoRows:
		if _, err := conn.Exec(ctx, "INSERT INTO schema_version (version) VALUES (0)"); err != nil {
			return fmt.Errorf("migrate: init version: %w", err)
		}
	case err != nil:
		return fmt.Errorf("migrate: read version: %w", err)
	}
	if current > len(all) {
		return fmt.Errorf("migrate: database schema version %d is newer than this binary's %d: %w", current, len(all), ErrInvalid)
	}
	for v := current; v < len(all); v++ {
		m := all[v]
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE schema_version SET version = $1", v+1)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.name, err)
		}
		s.log.Info("applied migration", "name", m.name, "version", v+1)
	}
	return nil
}

// SetLogger replaces the logger the store writes its few routine lines to (slog.Default).
func (s *Store) SetLogger(l *slog.Logger) { s.log = l }
