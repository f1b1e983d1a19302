package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"hubs/store"
	"hubs/store/storetest"
)

// asMain makes the test binary behave as the hubs binary, for end-to-end runs.
const asMain = "HUBS_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMain) == "1" {
		// Arguments come after "--": the test binary's own flags come first.
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		os.Exit(run(args))
	}
	os.Exit(storetest.Main(m))
}

func TestFlagsDefaultFromEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		addr    string
		grace   time.Duration
		wantErr error
	}{
		{"defaults", nil, nil, ":5000", 10 * time.Second, nil},
		{"environment", map[string]string{"HUBS_ADDR": ":6000", "HUBS_SHUTDOWN_TIMEOUT": "3s"}, nil, ":6000", 3 * time.Second, nil},
		{"flag beats environment", map[string]string{"HUBS_ADDR": ":6000"}, []string{"-addr", ":7000"}, ":7000", 10 * time.Second, nil},
		{"bad duration in environment", map[string]string{"HUBS_SHUTDOWN_TIMEOUT": "soon"}, nil, "", 0, errUsage},
		{"bad log format", map[string]string{"HUBS_LOG_FORMAT": "xml"}, nil, "", 0, errUsage},
		{"unknown flag", nil, []string{"-nope"}, "", 0, errUsage},
		{"help", nil, []string{"-h"}, "", 0, flag.ErrHelp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			fs := newFlagSet("serve", "serve [flags]")
			fs.SetOutput(io.Discard)
			var addr string
			var grace time.Duration
			fs.envString(&addr, "addr", "HUBS_ADDR", ":5000", "address")
			fs.envDuration(&grace, "shutdown-timeout", "HUBS_SHUTDOWN_TIMEOUT", 10*time.Second, "grace")
			err := fs.parse(tt.args)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || addr != tt.addr || grace != tt.grace {
				t.Fatalf("got addr %q grace %v err %v; want %q %v", addr, grace, err, tt.addr, tt.grace)
			}
		})
	}
	setupLogging("text", "info")
}

// TestEveryCommandHasHelp: `hubs COMMAND -h` prints a usage text and exits 0 (run treats
// nil and flag.ErrHelp alike) without doing anything else.
func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			if c.help == "" || c.run == nil {
				t.Fatalf("command %s lacks help or a function", c.name)
			}
			out, err := os.CreateTemp(t.TempDir(), "help")
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			stdout, stderr := os.Stdout, os.Stderr
			os.Stdout, os.Stderr = out, out
			runErr := c.run(context.Background(), []string{"-h"})
			os.Stdout, os.Stderr = stdout, stderr
			text, _ := os.ReadFile(out.Name())
			if runErr != nil && !errors.Is(runErr, flag.ErrHelp) {
				t.Fatalf("%s -h: %v, want success or flag.ErrHelp", c.name, runErr)
			}
			if !strings.Contains(strings.ToLower(string(text)), "usage") {
				t.Fatalf("%s -h printed no usage:\n%s", c.name, text)
			}
		})
	}
}

// hubsProcess is the hubs binary (this test binary re-executed) running `serve`.
type hubsProcess struct {
	cmd  *exec.Cmd
	addr string
	logs *strings.Builder
}

var servingLine = regexp.MustCompile(`msg=serving addr=\S*:(\d+)`)

func startServe(t *testing.T, dataDir string, env ...string) *hubsProcess {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$", "--", "serve")
	cmd.Env = append(os.Environ(), asMain+"=1", "HUBS_DATA_DIR="+dataDir, "HUBS_ADDR=127.0.0.1:0", "HUBS_DATABASE_URL=",
		"HUBS_WIDGETS_DIR=../../widgets", "HUBS_STATIC_DIR=../../static") // serve loads the widgets and h.js
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &hubsProcess{cmd: cmd, logs: &strings.Builder{}}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.logs.WriteString(line + "\n")
			if m := servingLine.FindStringSubmatch(line); m != nil {
				found <- "127.0.0.1:" + m[1]
			}
		}
		close(found)
	}()
	select {
	case addr, ok := <-found:
		if !ok {
			cmd.Wait()
			t.Fatalf("hubs serve exited before serving:\n%s", p.logs)
		}
		p.addr = addr
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("hubs serve did not start serving within 2 minutes")
	}
	return p
}

// stop sends sig and waits for a clean exit.
func (p *hubsProcess) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("hubs serve exited with %v after %v\n%s", err, sig, p.logs)
		}
	case <-time.After(time.Minute):
		p.cmd.Process.Kill()
		t.Fatalf("hubs serve did not exit within a minute of %v", sig)
	}
}

func (p *hubsProcess) getJSON(t *testing.T, path string, v any) int {
	t.Helper()
	resp, err := http.Get("http://" + p.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return resp.StatusCode
}

// TestServeEndToEnd is issue 2's "done when": serve with nothing configured starts the private
// cluster, populates, answers /healthz and /designteam/json; SIGTERM (then SIGINT) stops it,
// cluster too; the next start keeps the data.
func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL twice")
	}
	if _, err := store.FindPostgres(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	dir, err := os.MkdirTemp("", storetest.DirPrefix+"e2e-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)

	type hubJSON struct {
		Name    string
		Widgets []struct{ ID int64 }
		People  map[string][]struct{ Username string }
	}
	var ids [2]string
	for run := range 2 {
		p := startServe(t, dir)
		if code := p.getJSON(t, "/healthz", nil); code != http.StatusOK {
			t.Fatalf("run %d: /healthz %d\n%s", run, code, p.logs)
		}
		var hub hubJSON
		if code := p.getJSON(t, "/designteam/json", &hub); code != http.StatusOK || len(hub.Widgets) != 7 || len(hub.People["owner"]) == 0 {
			t.Fatalf("run %d: /designteam/json %d: %+v", run, code, hub)
		}
		ids[run] = fmt.Sprint(hub.Widgets)
		p.stop(t, []syscall.Signal{syscall.SIGTERM, syscall.SIGINT}[run])
		if run == 1 && strings.Contains(p.logs.String(), "creating the demo hubs") {
			t.Errorf("second start populated again: data was not kept\n%s", p.logs)
		}
		if !strings.Contains(p.logs.String(), "stopped private PostgreSQL") {
			t.Errorf("run %d: the private cluster was not stopped on the signal\n%s", run, p.logs)
		}
	}
	if ids[0] != ids[1] {
		t.Errorf("widgets changed across restarts: %s then %s", ids[0], ids[1])
	}
}

// TestServeWithDatabaseURL: with HUBS_DATABASE_URL set, serve uses that database and starts
// no cluster of its own.
func TestServeWithDatabaseURL(t *testing.T) {
	url := storetest.EmptyURL(t)
	dir := t.TempDir()
	p := startServe(t, dir, "HUBS_DATABASE_URL="+url)
	if code := p.getJSON(t, "/healthz", nil); code != http.StatusOK {
		t.Fatalf("/healthz %d\n%s", code, p.logs)
	}
	var hub struct{ Widgets []struct{ ID int64 } }
	if code := p.getJSON(t, "/marketing/json", &hub); code != http.StatusOK || len(hub.Widgets) != 7 {
		t.Fatalf("/marketing/json %d: %+v", code, hub)
	}
	p.stop(t, syscall.SIGTERM)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the data folder got %d entries: a cluster was started", len(entries))
	}
	if strings.Contains(p.logs.String(), "private PostgreSQL") {
		t.Errorf("logs mention a private cluster:\n%s", p.logs)
	}
}
