// Package storetest gives each test a fresh, migrated, empty Hubs database on a real
// PostgreSQL: the server named by HUBS_TEST_DATABASE_URL when set, else one private cluster
// per test binary. Databases are copied from a migrated template, so one costs a CREATE
// DATABASE, not a migration.
//
// Use it from a test package like this:
//
//	func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
//
//	func TestX(t *testing.T) {
//		s := storetest.New(t)
//		...
//	}
//
// Without PostgreSQL the tests skip, except with CI=true, where they fail.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hubs/store"

	"github.com/jackc/pgx/v5"
)

// EnvDatabaseURL names a PostgreSQL server to use instead of a private cluster. Its user must
// be allowed to create databases; the tests create and drop their own.
const EnvDatabaseURL = "HUBS_TEST_DATABASE_URL"

type environment struct {
	cluster  *store.Cluster // nil when using EnvDatabaseURL
	dir      string         // the private cluster's data folder, removed at the end
	base     string         // URL of the server, any database
	template string
	prefix   string

	mu sync.Mutex // CREATE DATABASE ... TEMPLATE wants the template to itself
}

var (
	setup   sync.Once
	env     *environment
	envErr  error
	counter atomic.Int64
)

// Main runs the tests of m and then stops the private cluster if one was started. Call it
// from TestMain: os.Exit(storetest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if env != nil {
		env.close()
	}
	return code
}

// New returns a Store on a fresh, migrated, empty database used by t alone; it is closed and
// dropped when t ends. The package's TestMain must call Main, which stops the private cluster
// at the end (without it, the cluster outlives the test binary until a later run reaps it).
func New(t testing.TB) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := store.Open(ctx, URL(t))
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	s.SetLogger(slog.New(slog.DiscardHandler))
	t.Cleanup(s.Close)
	return s
}

// URL returns the connection URL of a fresh, migrated, empty database used by t alone (for
// tests that open their own pools or hand it to another process); it is dropped when t ends.
func URL(t testing.TB) string {
	t.Helper()
	return database(t, true)
}

// AfterIdle runs do(i) b.N times, each after the process has been idle for pause (for the
// cold-memory benchmarks), and reports the time do alone took as ns/op. The pauses stay on
// b's clock, so go test sizes b.N by them and a -benchtime of 1s makes a few iterations,
// not hundreds (give a count, 40x, for steadier figures).
func AfterIdle(b *testing.B, pause time.Duration, do func(i int)) {
	b.Helper()
	var spent time.Duration
	for i := range b.N {
		time.Sleep(pause)
		start := time.Now()
		do(i)
		spent += time.Since(start)
	}
	b.ReportMetric(float64(spent.Nanoseconds())/float64(b.N), "ns/op")
}

// EmptyURL is URL without the migrations: a database with nothing in it.
func EmptyURL(t testing.TB) string {
	t.Helper()
	return database(t, false)
}

func database(t testing.TB, migrated bool) string {
	t.Helper()
	e := need(t)
	name := fmt.Sprintf("%s_%d", e.prefix, counter.Add(1))
	stmt := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if migrated {
		stmt += " TEMPLATE " + pgx.Identifier{e.template}.Sanitize()
	}
	if err := e.exec(stmt); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		if err := e.exec("DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	return withDatabase(e.base, name)
}

// Cluster returns the private cluster the tests run on, or nil when EnvDatabaseURL is used.
func Cluster(t testing.TB) *store.Cluster {
	t.Helper()
	return need(t).cluster
}

// RequirePostgres skips t (fails it under CI=true) when err says PostgreSQL is not installed,
// and fails it on any other error.
func RequirePostgres(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, store.ErrNoPostgres) && os.Getenv("CI") != "true" {
		t.Skipf("storetest: %v", err)
	}
	t.Fatalf("storetest: %v", err)
}

func need(t testing.TB) *environment {
	t.Helper()
	setup.Do(func() { env, envErr = start() })
	RequirePostgres(t, envErr)
	return env
}

func start() (*environment, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e := &environment{prefix: fmt.Sprintf("hubs_test_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)}
	e.template = e.prefix + "_template"
	if u := os.Getenv(EnvDatabaseURL); u != "" {
		e.base = u
	} else {
		reapAbandoned(ctx)
		// A short folder under /tmp: the socket path must stay under ~100 bytes.
		dir, err := os.MkdirTemp("", DirPrefix)
		if err != nil {
			return nil, err
		}
		c, err := store.StartCluster(ctx, dir, store.Ephemeral(), store.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		e.cluster, e.dir, e.base = c, dir, c.URL()
	}
	if err := e.exec("CREATE DATABASE " + pgx.Identifier{e.template}.Sanitize()); err != nil {
		e.close()
		return nil, err
	}
	s, err := store.Open(ctx, withDatabase(e.base, e.template))
	if err == nil {
		s.SetLogger(slog.New(slog.DiscardHandler))
		err = s.Migrate(ctx)
		s.Close() // no session may stay on a template while it is copied
	}
	if err != nil {
		e.close()
		return nil, fmt.Errorf("migrate template database: %w", err)
	}
	return e, nil
}

// exec runs one statement on the server's maintenance database.
func (e *environment) exec(sql string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, withDatabase(e.base, "postgres"))
	if err != nil {
		return fmt.Errorf("connect to test server: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

func (e *environment) close() {
	if e.cluster == nil {
		// A shared server: leave it as we found it.
		_ = e.exec("DROP DATABASE IF EXISTS " + pgx.Identifier{e.template}.Sanitize() + " WITH (FORCE)")
		return
	}
	if err := e.cluster.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "storetest:", err)
	}
	os.RemoveAll(e.dir)
}

// DirPrefix starts the name of every folder under os.TempDir() that holds a throw-away test
// cluster. Test binaries that are killed (a -timeout panic, say) leave theirs running; the
// next test binary stops and removes those (see reapAbandoned). Tests that start their own
// clusters should name their folders with it too.
const DirPrefix = "hubs-test-"

// abandonAfter is how old a test cluster folder must be before it is reaped when no process
// owns it: a younger one may belong to a test that has created it and not yet started it.
const abandonAfter = 10 * time.Minute

// reapAbandoned stops and removes the test clusters of test binaries that died without
// cleaning up. A cluster whose owner still runs holds a lock and is left alone.
func reapAbandoned(ctx context.Context) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), DirPrefix+"*"))
	for _, dir := range dirs {
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() || time.Since(st.ModTime()) < abandonAfter {
			continue
		}
		if err := store.RemoveAbandonedCluster(ctx, dir); err == nil {
			fmt.Fprintln(os.Stderr, "storetest: removed the abandoned test cluster", dir)
		}
	}
}

// withDatabase returns connection string base pointing at database name instead.
func withDatabase(base, name string) string {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err == nil {
			u.Path = "/" + name
			u.RawPath = ""
			return u.String()
		}
	}
	// keyword=value form: a later key wins.
	return base + " dbname='" + strings.ReplaceAll(name, "'", `\'`) + "'"
}
