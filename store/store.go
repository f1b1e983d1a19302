// Package store keeps Hubs' state in PostgreSQL through pgx: hubs, the people in them and
// their roles, widget instances with their configuration, and the archive of bus messages in
// datanommer's layout. It also runs the private PostgreSQL cluster used when no database is
// configured (cluster.go). It imports no other project package.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrNotFound means the hub, user or widget asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists means a hub of that name already exists.
	ErrExists = errors.New("already exists")
	// ErrInvalid means the input broke a rule (bad hub name, unknown column or role...).
	ErrInvalid = errors.New("invalid input")
)

// Store is the handle on the Hubs database. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger

	mu        sync.RWMutex
	listeners []func(Change)
}

// Open connects to databaseURL (a PostgreSQL URL or keyword/value string) and checks that the
// server answers. It does not migrate: call Migrate.
func Open(ctx context.Context, databaseURL string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// The URL may hold a password: report why it is wrong, never the URL itself.
		reason := "malformed"
		if inner := errors.Unwrap(err); inner != nil {
			reason = inner.Error()
		}
		return nil, fmt.Errorf("parse database URL: %s: %w", reason, ErrInvalid)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	s := &Store{pool: pool, log: slog.Default()}
	if err := s.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close waits for queries in flight and closes every connection.
func (s *Store) Close() { s.pool.Close() }

// Pool gives direct access to the connection pool, for queries this package does not offer.
// Writes to hubs, roles or widgets must go through Store methods so that they are announced.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping reports whether the database answers a query now.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// write runs fn in one transaction and, once it has committed, announces the changes fn
// reported. Every write to hubs, roles and widgets goes through here, so there is exactly one
// place where "the data changed" becomes "tell the engine".
func (s *Store) write(ctx context.Context, fn func(tx pgx.Tx) ([]Change, error)) error {
	var changes []Change
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		changes, err = fn(tx)
		return err
	})
	if err != nil {
		return err
	}
	for _, c := range changes {
		s.announce(c)
	}
	return nil
}
