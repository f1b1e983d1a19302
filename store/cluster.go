package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoPostgres is returned by StartCluster when the PostgreSQL server binaries are missing.
var ErrNoPostgres = errors.New("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or in /usr/lib/postgresql/*/bin: install the Debian package postgresql")

// ClusterDatabase is the database StartCluster creates and Cluster.URL names.
const ClusterDatabase = "hubs"

// clusterUser is the PostgreSQL superuser of a private cluster (not the OS user).
const clusterUser = "hubs"

// maxSocketPath is the longest unix socket path the kernel takes (sun_path is 108 bytes).
const maxSocketPath = 107

// Cluster is a private PostgreSQL server kept under a data folder, listening only on a unix
// socket. The first process to start it owns it and stops it in Stop; a second process using
// the same folder at the same time shares it and leaves it running.
type Cluster struct {
	dataDir, pgData, sockDir, binDir string
	cred                             *syscall.Credential // run server binaries as this user (when root)
	owner                            bool
	lock                             *os.File
	log                              *slog.Logger
}

type clusterConfig struct {
	settings  map[string]string
	ephemeral bool
	log       *slog.Logger
}

// ClusterOption changes how StartCluster sets up the server.
type ClusterOption func(*clusterConfig)

// WithSetting sets a postgresql.conf parameter of the cluster.
func WithSetting(name, value string) ClusterOption {
	return func(c *clusterConfig) { c.settings[name] = value }
}

// Ephemeral trades durability for speed, for throw-away test clusters: no fsync at all.
// Data still survives the server being killed, not the machine losing power.
func Ephemeral() ClusterOption {
	return func(c *clusterConfig) {
		c.ephemeral = true
		c.settings["fsync"] = "off"
		c.settings["synchronous_commit"] = "off"
		c.settings["full_page_writes"] = "off"
	}
}

// WithLogger sets where the cluster reports what it does (default slog.Default()).
func WithLogger(l *slog.Logger) ClusterOption { return func(c *clusterConfig) { c.log = l } }

// StartCluster makes sure a private PostgreSQL cluster runs under dataDir, creating it on
// first use (dataDir/postgres) and reusing it afterwards, recovering from a server or
// process that was killed. The server listens on a unix socket only. Run as root, the
// server binaries run as the unprivileged user postgres, which then owns dataDir/postgres.
func StartCluster(ctx context.Context, dataDir string, opts ...ClusterOption) (*Cluster, error) {
	cfg := clusterConfig{settings: map[string]string{}, log: slog.Default()}
	for _, o := range opts {
		o(&cfg)
	}
	binDir, err := findPostgres()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("private cluster: data folder %s: %w", dataDir, err)
	}
	c := &Cluster{dataDir: abs, pgData: filepath.Join(abs, "postgres"), binDir: binDir, log: cfg.log}
	if err := c.prepareDirs(); err != nil {
		return nil, fmt.Errorf("private cluster in %s: %w", abs, err)
	}
	if err := c.takeLock(); err != nil {
		return nil, fmt.Errorf("private cluster in %s: %w", abs, err)
	}
	if !c.owner {
		// Another live process owns the cluster: use it as it is, wait until it answers.
		c.log.Info("sharing private PostgreSQL started by another process", "dir", c.pgData)
		if err := c.waitReady(ctx, 60*time.Second); err != nil {
			c.unlock()
			return nil, err
		}
		return c, nil
	}
	if err := c.start(ctx, cfg); err != nil {
		c.unlock()
		return nil, fmt.Errorf("private cluster in %s: %w", abs, err)
	}
	return c, nil
}

// URL is the connection string of the cluster's hubs database (unix socket, no password).
func (c *Cluster) URL() string { return c.DatabaseURL(ClusterDatabase) }

// DatabaseURL is the connection string of database name on the cluster.
func (c *Cluster) DatabaseURL(name string) string {
	return "postgres://" + clusterUser + "@/" + url.PathEscape(name) + "?host=" + url.QueryEscape(c.sockDir) + "&sslmode=disable"
}

// Owner reports whether this process started (and will stop) the server.
func (c *Cluster) Owner() bool { return c.owner }

// Stop shuts the server down (fast mode: sessions are ended, committed data is kept) when
// this process owns it; a sharing process just lets go. Calling Stop twice is harmless.
func (c *Cluster) Stop() error {
	if c.lock == nil {
		return nil
	}
	defer c.unlock()
	if !c.owner {
		return nil
	}
	if running, _ := c.running(); !running {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if out, err := c.run(ctx, "pg_ctl", "stop", "-D", c.pgData, "-m", "fast", "-w", "-t", "55"); err != nil {
		return fmt.Errorf("stop private cluster %s: %w: %s", c.pgData, err, out)
	}
	c.log.Info("stopped private PostgreSQL", "dir", c.pgData)
	return nil
}

// FindPostgres returns the folder of the PostgreSQL server binaries StartCluster would use,
// or ErrNoPostgres.
func FindPostgres() (string, error) { return findPostgres() }

// debianPostgres is where Debian installs each PostgreSQL version's server binaries.
var debianPostgres = "/usr/lib/postgresql/*/bin"

// ErrClusterInUse is returned by RemoveAbandonedCluster when a live process owns the cluster.
var ErrClusterInUse = errors.New("private cluster is in use by a running process")

// RemoveAbandonedCluster deletes the private cluster under dataDir, and dataDir itself,
// when no live process owns it, stopping its server first (immediate mode: the data is
// being thrown away). It is for throw-away clusters, such as those of test binaries that
// were killed before they could clean up; it returns ErrClusterInUse when the owner lives.
func RemoveAbandonedCluster(ctx context.Context, dataDir string) error {
	binDir, err := findPostgres()
	if err != nil {
		return err
	}
	c := &Cluster{dataDir: dataDir, pgData: filepath.Join(dataDir, "postgres"), binDir: binDir, log: slog.Default()}
	if _, err := os.Stat(filepath.Join(dataDir, "postgres.lock")); err != nil {
		return fmt.Errorf("remove cluster %s: no lock file, not a private cluster: %w", dataDir, err)
	}
	if err := c.prepareDirs(); err != nil {
		return fmt.Errorf("remove cluster %s: %w", dataDir, err)
	}
	if err := c.takeLock(); err != nil {
		return fmt.Errorf("remove cluster %s: %w", dataDir, err)
	}
	defer c.unlock()
	if !c.owner {
		return fmt.Errorf("remove cluster %s: %w", dataDir, ErrClusterInUse)
	}
	if running, _ := c.running(); running {
		if out, err := c.run(ctx, "pg_ctl", "stop", "-D", c.pgData, "-m", "immediate", "-w", "-t", "30"); err != nil {
			return fmt.Errorf("remove cluster %s: stop server: %w: %s", dataDir, err, out)
		}
	}
	if err := os.RemoveAll(dataDir); err != nil {
		return fmt.Errorf("remove cluster %s: %w", dataDir, err)
	}
	return nil
}

// findPostgres returns the folder holding initdb, pg_ctl and postgres: the one on PATH, else
// the newest of Debian's /usr/lib/postgresql/VERSION/bin.
func findPostgres() (string, error) {
	has := func(dir string) bool {
		for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
			if st, err := os.Stat(filepath.Join(dir, b)); err != nil || st.IsDir() {
				return false
			}
		}
		return true
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if dir := filepath.Dir(p); has(dir) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob(debianPostgres)
	version := func(dir string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		return v
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, dir := range dirs {
		if has(dir) {
			return dir, nil
		}
	}
	return "", ErrNoPostgres
}

// prepareDirs creates the data folders with owners and modes the server user can use.
func (c *Cluster) prepareDirs() error {
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root, PostgreSQL must run as the user postgres, which does not exist (the Debian package postgresql creates it): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}
	}
	if err := os.MkdirAll(c.dataDir, 0o755); err != nil {
		return err
	}
	if c.cred != nil {
		// The server user must be able to walk down to its folder: give others the search
		// bit on the data folder (MkdirTemp makes 0700 ones), and name any parent that
		// still bars the way rather than fail later with a cryptic initdb message.
		if st, err := os.Stat(c.dataDir); err == nil && st.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(c.dataDir, st.Mode().Perm()|0o011); err != nil {
				return err
			}
		}
		for dir := filepath.Dir(c.dataDir); ; dir = filepath.Dir(dir) {
			st, err := os.Stat(dir)
			if err != nil {
				return err
			}
			if st.Mode().Perm()&0o001 == 0 {
				return fmt.Errorf("the user postgres cannot enter %s (mode %v): choose a data folder elsewhere (HUBS_DATA_DIR) or run chmod o+x %s", dir, st.Mode().Perm(), dir)
			}
			if dir == "/" {
				break
			}
		}
	}
	if err := c.mkdirOwned(c.pgData); err != nil {
		return err
	}
	c.sockDir = c.pgData
	if len(c.sockDir)+len("/.s.PGSQL.5432") > maxSocketPath {
		// Too deep for a unix socket path: use a short folder named after the data folder.
		sum := sha256.Sum256([]byte(c.pgData))
		c.sockDir = filepath.Join(os.TempDir(), "hubs-pg-"+hex.EncodeToString(sum[:6]))
		if err := c.mkdirOwned(c.sockDir); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) mkdirOwned(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if c.cred != nil {
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return err
		}
	}
	return os.Chmod(dir, 0o700)
}

// takeLock decides ownership: whoever holds the flock on dataDir/postgres.lock owns the
// server. The kernel drops the lock when its holder dies, even by kill -9, so the next
// process takes over a server left running.
func (c *Cluster) takeLock() error {
	f, err := os.OpenFile(filepath.Join(c.dataDir, "postgres.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	switch {
	case err == nil:
		c.owner = true
	case errors.Is(err, syscall.EWOULDBLOCK):
		c.owner = false
	default:
		f.Close()
		return fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	c.lock = f
	return nil
}

func (c *Cluster) unlock() {
	if c.lock != nil {
		c.lock.Close() // closing the file drops the flock
		c.lock = nil
	}
}

func (c *Cluster) start(ctx context.Context, cfg clusterConfig) error {
	if _, err := os.Stat(filepath.Join(c.pgData, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx, cfg); err != nil {
			return err
		}
	}
	if err := c.writeConfig(cfg); err != nil {
		return err
	}
	running, err := c.running()
	if err != nil {
		return err
	}
	if running {
		// Left by a process that died without stopping it: adopt it, unless it turns out to
		// be dying itself (then start a new one below).
		c.log.Info("reusing running private PostgreSQL", "dir", c.pgData)
		err := c.waitReady(ctx, 30*time.Second)
		if err == nil {
			return c.ensureDatabase(ctx)
		}
		if still, _ := c.running(); still {
			return err
		}
	}
	// A server that was killed can leave its shared memory attached to dying backends for a
	// moment; starting again is then refused, so try until a deadline.
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := c.run(ctx, "pg_ctl", "start", "-D", c.pgData, "-l", filepath.Join(c.pgData, "server.log"), "-w", "-t", "60")
		if err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("start PostgreSQL: %w: %s%s", err, out, c.logTail())
		}
		c.log.Warn("PostgreSQL did not start, retrying", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
	c.log.Info("started private PostgreSQL", "dir", c.pgData, "socket", c.sockDir)
	if err := c.waitReady(ctx, 60*time.Second); err != nil {
		return err
	}
	return c.ensureDatabase(ctx)
}

func (c *Cluster) initdb(ctx context.Context, cfg clusterConfig) error {
	// A folder without PG_VERSION is an initdb that did not finish: start over.
	entries, _ := os.ReadDir(c.pgData)
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(c.pgData, e.Name())); err != nil {
			return err
		}
	}
	args := []string{"-D", c.pgData, "-U", clusterUser, "--auth=trust", "-E", "UTF8", "--no-locale"}
	if cfg.ephemeral {
		args = append(args, "--no-sync")
	}
	if out, err := c.run(ctx, "initdb", args...); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, out)
	}
	c.log.Info("created private PostgreSQL cluster", "dir", c.pgData)
	return nil
}

// writeConfig writes hubs.conf (included from postgresql.conf), so that the server also
// listens where we expect when someone starts it by hand with pg_ctl.
func (c *Cluster) writeConfig(cfg clusterConfig) error {
	settings := map[string]string{
		"listen_addresses":        "",
		"unix_socket_directories": c.sockDir,
		"unix_socket_permissions": "0700",
		"max_connections":         "100",
		"shared_buffers":          "32MB",
	}
	for k, v := range cfg.settings {
		settings[k] = v
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# Written by hubs at every start; edit HUBS settings, not this file.\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = '%s'\n", k, strings.ReplaceAll(settings[k], "'", "''"))
	}
	if err := c.writeOwned(filepath.Join(c.pgData, "hubs.conf"), []byte(b.String())); err != nil {
		return err
	}
	main := filepath.Join(c.pgData, "postgresql.conf")
	conf, err := os.ReadFile(main)
	if err != nil {
		return err
	}
	const include = "include_if_exists = 'hubs.conf'\n"
	if !bytes.Contains(conf, []byte(include)) {
		return c.writeOwned(main, append(conf, []byte("\n"+include)...))
	}
	return nil
}

func (c *Cluster) writeOwned(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	if c.cred != nil {
		return os.Chown(path, int(c.cred.Uid), int(c.cred.Gid))
	}
	return nil
}

// running reads postmaster.pid and reports whether the server it names is alive. A stale
// file (left by kill -9, its pid dead or reused by another program) is removed, since a
// reused pid can make the server refuse to start.
func (c *Cluster) running() (bool, error) {
	pidFile := filepath.Join(c.pgData, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err == nil && pid > 0 && postgresAlive(pid) {
		return true, nil
	}
	c.log.Info("removing stale postmaster.pid", "pid", line)
	if err := os.Remove(pidFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	return false, nil
}

// postgresAlive reports whether pid is a live (not zombie) postgres process. A killed
// server whose parent does not reap it (pid 1 in some containers) lingers as a zombie.
func postgresAlive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The format is "pid (comm) state ...", and comm may itself hold spaces or parentheses.
	open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || end < open || end+2 >= len(stat) {
		return false
	}
	comm, state := string(stat[open+1:end]), stat[end+2]
	return comm == "postgres" && state != 'Z' && state != 'X'
}

// PID returns the process id of the running server, or 0.
func (c *Cluster) PID() int {
	b, err := os.ReadFile(filepath.Join(c.pgData, "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}

// waitReady polls until the server accepts a connection to the postgres database.
func (c *Cluster) waitReady(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var last error
	for {
		conn, err := pgx.Connect(ctx, c.DatabaseURL("postgres"))
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("private PostgreSQL in %s does not answer: %w%s", c.pgData, last, c.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *Cluster) ensureDatabase(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, c.DatabaseURL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to private cluster: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", ClusterDatabase).Scan(&exists); err != nil {
		return fmt.Errorf("look for database %s: %w", ClusterDatabase, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{ClusterDatabase}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", ClusterDatabase, err)
	}
	return nil
}

// run runs one of the server binaries, as the server user when we are root, in its own
// session so that a Ctrl-C meant for hubs does not reach the server (hubs stops it).
func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	cmd.Dir = c.pgData
	cmd.Env = serverEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: c.cred}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// pg_ctl start leaves the server running; should it ever keep our pipe open, do not
	// wait for it forever.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// serverEnv is our environment without the PG* and locale variables that would change
// what the server binaries do.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C", "LANG=C")
}

// logTail returns the end of the server log, to explain a failure.
func (c *Cluster) logTail() string {
	b, err := os.ReadFile(filepath.Join(c.pgData, "server.log"))
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\nserver log:\n" + string(b)
}
