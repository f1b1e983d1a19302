package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"hubs/engine"
	"hubs/server"
)

func runServe(ctx context.Context, args []string) error {
	fs := newFlagSet("serve", "serve [flags]")
	var (
		db       database
		addr     string
		populate bool
		session  string
		secure   bool
		grace    time.Duration
	)
	db.flags(fs)
	var ef engineFlags
	ef.define(fs)
	var demo demoFlags // --demo: replay real bus messages locally (demo.go)
	demo.define(fs)
	fs.envString(&addr, "addr", "HUBS_ADDR", ":5000", "address to serve HTTP on")
	fs.envBool(&populate, "populate", "HUBS_POPULATE", true, "create the demo hubs when the database has no hub")
	fs.envString(&session, "session-key", "HUBS_SESSION_KEY", "",
		"secret that signs session cookies and CSRF tokens; empty: a random one per process (sessions end with a restart)")
	fs.envBool(&secure, "secure-cookies", "HUBS_SECURE_COOKIES", false,
		"mark the session cookie Secure (browsers send it back over HTTPS only); off for plain-HTTP localhost")
	fs.envDuration(&grace, "shutdown-timeout", "HUBS_SHUTDOWN_TIMEOUT", 10*time.Second,
		"how long requests in flight may take to finish on SIGINT/SIGTERM")
	if err := fs.parse(args); err != nil {
		return err
	}
	gc := engine.PaceGC()
	slog.Info("garbage collector", "gogc", gc.Percent, "gogc_from_env", gc.PercentFromEnv,
		"memory_limit_mb", gc.Limit>>20, "memory_limit_from_env", gc.LimitFromEnv)

	st, closeDB, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	if populate {
		empty, err := st.Empty(ctx)
		if err != nil {
			return err
		}
		if empty {
			slog.Info("database has no hub: creating the demo hubs")
			if err := st.Populate(ctx); err != nil {
				return err
			}
		}
	}

	if err := demo.start(ctx, &ef); err != nil {
		return err
	}
	p, err := ef.start(ctx, st)
	if err != nil {
		return err
	}
	defer p.stop()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := server.New(server.Config{Store: st, Metrics: p.registry,
		Web: server.WebConfig{Engine: p.engine, StaticDir: ef.widgets.staticDir, Dev: ef.dev, SessionKey: []byte(session),
			SecureCookies: secure}})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	slog.Info("serving", "addr", ln.Addr().String())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down http: %w", err)
	}
	return <-served
}
