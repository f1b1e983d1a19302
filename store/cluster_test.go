package store_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"hubs/store"
	"hubs/store/storetest"
)

// clusterDir returns a fresh, short folder for a private cluster (socket paths must stay
// short, and t.TempDir can be deep).
func clusterDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", storetest.DirPrefix+"ct-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func startCluster(t *testing.T, dir string) *store.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := store.StartCluster(ctx, dir, store.Ephemeral())
	storetest.RequirePostgres(t, err)
	t.Cleanup(func() { c.Stop() })
	return c
}

func openMigrated(t *testing.T, url string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestClusterStartsStopsAndIsReused(t *testing.T) {
	dir := clusterDir(t)
	ctx := context.Background()
	c := startCluster(t, dir)
	if !c.Owner() {
		t.Fatal("first start does not own the cluster")
	}
	if !strings.Contains(c.URL(), "host=") || strings.Contains(c.URL(), "localhost") {
		t.Errorf("URL %q: want a unix socket", c.URL())
	}
	s := openMigrated(t, c.URL())
	if _, err := s.EnsureUser(ctx, "lmacken", "Luke Macken"); err != nil {
		t.Fatal(err)
	}
	// The server listens on no TCP port at all.
	var addrs string
	if err := s.Pool().QueryRow(ctx, "SHOW listen_addresses").Scan(&addrs); err != nil || addrs != "" {
		t.Errorf("listen_addresses = %q, %v; want empty", addrs, err)
	}

	// A second user of the folder while the first runs shares the server, does not stop it.
	guest := startCluster(t, dir)
	if guest.Owner() {
		t.Fatal("second start while running claims ownership")
	}
	if err := guest.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("guest Stop stopped the server: %v", err)
	}

	s.Close()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if c.PID() != 0 {
		t.Fatalf("postmaster.pid still there after Stop")
	}

	// Reused: the same data after a restart.
	c2 := startCluster(t, dir)
	s2 := openMigrated(t, c2.URL())
	u, err := s2.GetUser(ctx, "lmacken")
	if err != nil || u.FullName != "Luke Macken" {
		t.Fatalf("after restart: %+v, %v", u, err)
	}
}

func TestFindPostgres(t *testing.T) {
	// Debian-like tree: versions 9.6 and 13 complete, 16 missing its postgres binary.
	root := t.TempDir()
	for _, v := range []string{"9.6", "13", "16"} {
		bin := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
			if v == "16" && b == "postgres" {
				continue
			}
			if err := os.WriteFile(filepath.Join(bin, b), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Setenv("PATH", t.TempDir()) // nothing on PATH
	tests := []struct {
		name, glob, want string
	}{
		{"newest complete version", filepath.Join(root, "*", "bin"), filepath.Join(root, "13", "bin")},
		{"none installed", filepath.Join(t.TempDir(), "*", "bin"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer store.SetDebianPostgres(tt.glob)()
			got, err := store.FindPostgres()
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, store.ErrNoPostgres) || !strings.Contains(err.Error(), "Debian package postgresql") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line naming the Debian package", err)
			}
			if _, err := store.StartCluster(context.Background(), clusterDir(t)); !errors.Is(err, store.ErrNoPostgres) {
				t.Fatalf("StartCluster without binaries: %v", err)
			}
		})
	}
}

// TestClusterSurvivesKill9 starts the cluster from another process (this test binary,
// re-executed), lets it write, and kills it with SIGKILL, the server too or not. The next
// start recovers and finds the data.
func TestClusterSurvivesKill9(t *testing.T) {
	exe := executable(t)
	for _, killServer := range []bool{false, true} {
		t.Run(fmt.Sprintf("server killed too: %v", killServer), func(t *testing.T) {
			dir := clusterDir(t)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			helper, pid := startOwnerProcess(t, exe, dir)
			helper.kill(t)
			if killServer {
				if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
					t.Fatalf("kill postmaster %d: %v", pid, err)
				}
				waitFor(t, 30*time.Second, "the killed server to die", func() bool { return !processAlive(pid) })
			}

			c := startCluster(t, dir)
			if !c.Owner() {
				t.Fatal("the killed owner's lock was not taken over")
			}
			if killServer && c.PID() == pid {
				t.Fatalf("server pid %d unchanged: the killed server was not replaced", pid)
			}
			if !killServer && c.PID() != pid {
				t.Fatalf("server pid %d, want the running %d adopted", c.PID(), pid)
			}
			s := openMigrated(t, c.URL())
			u, err := s.GetUser(ctx, "survivor")
			if err != nil || u.FullName != "Written Before The Kill" {
				t.Fatalf("after kill -9: %+v, %v", u, err)
			}
			s.Close()
			if err := c.Stop(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 30*time.Second, fmt.Sprintf("server %d to exit after Stop", pid), func() bool { return !processAlive(pid) })
		})
	}
}

// processAlive reports whether pid is a postgres process that is not a zombie.
func processAlive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(stat)
	end := strings.LastIndexByte(s, ')')
	return strings.Contains(s, "(postgres)") && end+2 < len(s) && s[end+2] != 'Z' && s[end+2] != 'X'
}

// waitFor polls cond until it holds, failing t after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestClusterAsOrdinaryUser runs a cluster's whole life as an unprivileged user (nobody):
// then the server binaries run as that user, not as postgres. Run as non-root, every other
// cluster test already covers this case.
func TestClusterAsOrdinaryUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: the other cluster tests run as an ordinary user already")
	}
	if _, err := store.FindPostgres(); err != nil {
		storetest.RequirePostgres(t, err)
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody:", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	// The test binary sits in a folder only root may enter: copy it next to the data.
	dir := clusterDir(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	copyExe := filepath.Join(dir, "store.test")
	if err := os.WriteFile(copyExe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(data, uid, gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, copyExe, "-test.run=^$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), helperEnv+"=cluster-cycle", "HUBS_DATA_DIR="+data, "HOME="+data)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cluster as nobody: %v\n%s", err, out)
	}
	st, err := os.Stat(filepath.Join(data, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if owner := st.Sys().(*syscall.Stat_t).Uid; owner != uint32(uid) {
		t.Errorf("cluster folder owned by uid %d, want nobody's %d", owner, uid)
	}
}

func executable(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// ownerProcess is this test binary, re-executed, owning a private cluster (helperClusterOwner).
type ownerProcess struct {
	cmd *exec.Cmd
	out io.Reader
}

// startOwnerProcess starts the helper on dir and returns once its server runs, with the
// server's pid.
func startOwnerProcess(t *testing.T, exe, dir string) (*ownerProcess, int) {
	t.Helper()
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=cluster-owner", "HUBS_DATA_DIR="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &ownerProcess{cmd: cmd, out: out}
	t.Cleanup(func() { p.cmd.Process.Kill() })
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
		io.Copy(io.Discard, out)
	}()
	var line string
	select {
	case line = <-ready:
	case <-time.After(2 * time.Minute):
		t.Fatal("helper did not get ready within 2 minutes")
	}
	var pid int
	if _, err := fmt.Sscanf(line, "ready %d", &pid); err != nil || pid <= 0 {
		p.kill(t)
		t.Fatalf("helper said %q", line)
	}
	return p, pid
}

// kill sends SIGKILL to the helper (not to its server) and reaps it.
func (p *ownerProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
}

func TestRemoveAbandonedCluster(t *testing.T) {
	exe := executable(t)
	dir := clusterDir(t)
	ctx := context.Background()
	helper, pid := startOwnerProcess(t, exe, dir)
	if err := store.RemoveAbandonedCluster(ctx, dir); !errors.Is(err, store.ErrClusterInUse) {
		t.Fatalf("while its owner lives: %v, want ErrClusterInUse", err)
	}
	if !processAlive(pid) {
		t.Fatal("refused removal stopped the server")
	}
	helper.kill(t)
	if err := store.RemoveAbandonedCluster(ctx, dir); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the abandoned server to stop", func() bool { return !processAlive(pid) })
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("folder still there: %v", err)
	}
	if err := store.RemoveAbandonedCluster(ctx, t.TempDir()); err == nil {
		t.Fatal("a folder that is no cluster was removed")
	}
}

// TestClusterDeepDataDir: a data folder too deep for a unix socket path (108 bytes) still
// works; the socket goes to a short folder of its own under the temporary directory.
func TestClusterDeepDataDir(t *testing.T) {
	parent := clusterDir(t)
	if err := os.Chmod(parent, 0o755); err != nil { // the server user must get through it
		t.Fatal(err)
	}
	dir := filepath.Join(parent, strings.Repeat("deep-folder-", 10))
	c := startCluster(t, dir)
	u, err := url.Parse(c.URL())
	if err != nil {
		t.Fatal(err)
	}
	sock := u.Query().Get("host")
	t.Cleanup(func() { os.RemoveAll(sock) })
	if strings.HasPrefix(sock, dir) || len(sock)+len("/.s.PGSQL.5432") > 107 {
		t.Fatalf("socket folder %q: want a short one outside the deep data folder", sock)
	}
	s := openMigrated(t, c.URL())
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestClusterUnreachableDataDir: as root, a data folder inside one the postgres user cannot
// enter gives an error naming that folder and the fix, before anything is started.
func TestClusterUnreachableDataDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the cluster to another user")
	}
	if _, err := store.FindPostgres(); err != nil {
		storetest.RequirePostgres(t, err)
	}
	closed := clusterDir(t) // 0700, as MkdirTemp makes it
	_, err := store.StartCluster(context.Background(), filepath.Join(closed, "var"))
	if err == nil || !strings.Contains(err.Error(), closed) || !strings.Contains(err.Error(), "chmod o+x") {
		t.Fatalf("got %v, want an error naming %s and the fix", err, closed)
	}
}
