package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// User is a person known to Hubs (table people).
type User struct {
	Username string    `json:"username"`
	FullName string    `json:"full_name"`
	Created  time.Time `json:"created"`
}

// GetUser returns the person called username, or an error wrapping ErrNotFound.
func (s *Store) GetUser(ctx context.Context, username string) (User, error) {
	var u User
	err := s.pool.QueryRow(ctx, `SELECT username, full_name, created FROM people WHERE username = $1`, username).
		Scan(&u.Username, &u.FullName, &u.Created)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, fmt.Errorf("user %q: %w", username, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("get user %q: %w", username, err)
	}
	return u, nil
}

// EnsureUser returns the person called username, creating them when new. A non-empty
// fullName replaces the one on record; an empty one keeps it.
func (s *Store) EnsureUser(ctx context.Context, username, fullName string) (User, error) {
	if username == "" || len(username) > 255 {
		return User{}, fmt.Errorf("user name %q: must be 1 to 255 characters: %w", username, ErrInvalid)
	}
	var u User
	err := s.pool.QueryRow(ctx, `
		INSERT INTO people (username, full_name) VALUES ($1, $2)
		ON CONFLICT (username) DO UPDATE
			SET full_name = CASE WHEN excluded.full_name = '' THEN people.full_name ELSE excluded.full_name END
		RETURNING username, full_name, created`, username, fullName).
		Scan(&u.Username, &u.FullName, &u.Created)
	if err != nil {
		return User{}, fmt.Errorf("ensure user %q: %w", username, err)
	}
	return u, nil
}
