package store

// Hooks for the tests of package store_test.

// SetDebianPostgres points the search for Debian's PostgreSQL folders at glob and returns a
// function that restores the real one.
func SetDebianPostgres(glob string) (restore func()) {
	old := debianPostgres
	debianPostgres = glob
	return func() { debianPostgres = old }
}
