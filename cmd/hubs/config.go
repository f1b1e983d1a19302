package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// errUsage means the command line was wrong and the flag package already said how.
var errUsage = errors.New("bad usage")

// flagSet is a subcommand's flag.FlagSet whose flags may default from HUBS_* environment
// variables. Each one also carries the logging flags every command shares.
type flagSet struct {
	*flag.FlagSet
	logFormat, logLevel string
	envErrs             []error // bad HUBS_* values, reported by parse
}

// newFlagSet returns the flag set of subcommand name; synopsis is the line after "Usage:".
func newFlagSet(name, synopsis string) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError)}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: hubs %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	fs.envString(&fs.logFormat, "log-format", "HUBS_LOG_FORMAT", "text", "log format: text or json")
	fs.envString(&fs.logLevel, "log-level", "HUBS_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	return fs
}

// parse parses args, then installs the logger the logging flags ask for. A flag error is
// returned as errUsage (the flag package has printed it), -h as flag.ErrHelp.
func (fs *flagSet) parse(args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	for _, e := range fs.envErrs {
		fmt.Fprintln(fs.Output(), e)
		return errUsage
	}
	if err := setupLogging(fs.logFormat, fs.logLevel); err != nil {
		fmt.Fprintln(fs.Output(), err)
		return errUsage
	}
	return nil
}

// envString defines a string flag whose default comes from environment variable env when set.
func (fs *flagSet) envString(p *string, name, env, def, usage string) {
	if v, ok := os.LookupEnv(env); ok {
		def = v
	}
	fs.StringVar(p, name, def, usage+" ($"+env+")")
}

// envInt defines an int flag whose default comes from environment variable env when set.
func (fs *flagSet) envInt(p *int, name, env string, def int, usage string) {
	if v, ok := os.LookupEnv(env); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			fs.envErrs = append(fs.envErrs, fmt.Errorf("$%s=%q: not an integer", env, v))
		}
		def = n
	}
	fs.IntVar(p, name, def, usage+" ($"+env+")")
}

// envBool defines a bool flag whose default comes from environment variable env when set.
func (fs *flagSet) envBool(p *bool, name, env string, def bool, usage string) {
	if v, ok := os.LookupEnv(env); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fs.envErrs = append(fs.envErrs, fmt.Errorf("$%s=%q: not true or false", env, v))
		}
		def = b
	}
	fs.BoolVar(p, name, def, usage+" ($"+env+")")
}

// envDuration defines a duration flag whose default comes from environment variable env.
func (fs *flagSet) envDuration(p *time.Duration, name, env string, def time.Duration, usage string) {
	if v, ok := os.LookupEnv(env); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			fs.envErrs = append(fs.envErrs, fmt.Errorf("$%s=%q: not a duration like 10s", env, v))
		}
		def = d
	}
	fs.DurationVar(p, name, def, usage+" ($"+env+")")
}

func setupLogging(format, level string) error {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler
	switch strings.ToLower(format) {
	case "text", "":
		h = slog.NewTextHandler(os.Stderr, opts)
	case "json":
		h = slog.NewJSONHandler(os.Stderr, opts)
	default:
		return fmt.Errorf("log format %q: want text or json", format)
	}
	slog.SetDefault(slog.New(h))
	return nil
}

// database holds the flags of every command that talks to the database.
type database struct {
	url, dataDir string
}

func (d *database) flags(fs *flagSet) {
	fs.envString(&d.url, "database-url", "HUBS_DATABASE_URL", "",
		"PostgreSQL URL; empty: a private cluster under the data folder, started and stopped by hubs")
	fs.envString(&d.dataDir, "data-dir", "HUBS_DATA_DIR", "./var", "folder for the private PostgreSQL cluster")
}
