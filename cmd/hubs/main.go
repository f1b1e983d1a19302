// Command hubs is the one Hubs binary: `hubs serve` runs the site, the other subcommands
// maintain the database and help widget authors. Run `hubs -h` for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand. run gets the arguments after the command's name and parses
// them with its own flag set (see newFlagSet); ctx is cancelled on SIGINT or SIGTERM.
type command struct {
	name string
	help string
	run  func(ctx context.Context, args []string) error
}

// commands is the table of subcommands: adding one is adding a line here.
var commands = []command{
	{"serve", "serve the hubs over HTTP (starts a private PostgreSQL when no database is set)", runServe},
	{"migrate", "apply the database migrations this binary carries", runMigrate},
	{"populate", "create the demo users and hubs (idempotent)", runPopulate},
	{"fedmsg", "bus tools: replay recorded messages on a PUB socket, tail bus endpoints", runFedmsg},
	{"widget", "widget author tools: check, render, invalidates, data, list", runWidget},
	{"meta", "describe bus messages with widgets/lib/meta.js (subtitle, link, people, packages), or group them", runMeta},
	{"version", "print the version of this binary and the schema version it migrates to", runVersion},
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	setupLogging("text", "info") // until the command's own flags say otherwise
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(os.Stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		err := c.run(ctx, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			slog.Error(c.name+" failed", "err", err)
			return 1
		}
	}
	fmt.Fprintf(os.Stderr, "hubs: unknown command %q\n\n", args[0])
	usage(os.Stderr)
	return 2
}

func usage(w *os.File) {
	fmt.Fprintf(w, "Usage: hubs COMMAND [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.help)
	}
	fmt.Fprintf(w, "\nRun hubs COMMAND -h for the flags of one command. Every flag can also be set\nthrough the environment variable shown in its help.\n")
}
