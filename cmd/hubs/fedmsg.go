package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"hubs/fedmsg"
)

// runFedmsg dispatches `hubs fedmsg replay|tail`.
func runFedmsg(ctx context.Context, args []string) error {
	usage := func() {
		fmt.Fprint(os.Stderr, `Usage: hubs fedmsg COMMAND [flags]

Commands:
  replay FILE.jsonl   publish recorded bus messages on a PUB socket, as fedmsg does
  tail                print the messages arriving from bus endpoints, like fedmsg-tail

Run hubs fedmsg COMMAND -h for its flags.
`)
	}
	if len(args) == 0 {
		usage()
		return errUsage
	}
	switch args[0] {
	case "replay":
		return runFedmsgReplay(ctx, os.Stdout, args[1:])
	case "tail":
		return runFedmsgTail(ctx, os.Stdout, args[1:])
	case "-h", "-help", "--help", "help":
		usage()
		return flag.ErrHelp
	}
	fmt.Fprintf(os.Stderr, "hubs fedmsg: unknown command %q\n\n", args[0])
	usage()
	return errUsage
}

// parseWithPositional parses flags placed before and after positional arguments
// (`replay FILE --bind X` as well as `replay --bind X FILE`), which the flag package alone
// stops at, and returns the positional ones.
func parseWithPositional(fs *flagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func runFedmsgReplay(ctx context.Context, stdout io.Writer, args []string) error {
	fs := newFlagSet("fedmsg replay", "fedmsg replay FILE.jsonl [flags]")
	var (
		bind   string
		rate   float64
		loop   bool
		wait   bool
		newIDs bool
	)
	fs.envString(&bind, "bind", "HUBS_FEDMSG_REPLAY_BIND", "tcp://127.0.0.1:9940", "endpoint the PUB socket binds")
	fs.Float64Var(&rate, "rate", 0, "messages per second; 0 sends as fast as the socket takes them")
	fs.BoolVar(&loop, "loop", false, "start again at the end of the file, until interrupted")
	fs.BoolVar(&wait, "wait", true, "wait for a first subscriber before sending (a PUB drops what it sends before)")
	fs.BoolVar(&newIDs, "new-ids", false,
		"give each message sent a fresh msg_id and timestamp (the intake drops a msg_id it saw recently, so a --loop needs this to be seen more than once)")
	files, err := parseWithPositional(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		fmt.Fprintln(fs.Output(), "hubs fedmsg replay: want exactly one FILE.jsonl")
		fs.Usage()
		return errUsage
	}
	if rate < 0 {
		fmt.Fprintln(fs.Output(), "hubs fedmsg replay: --rate must be 0 or more")
		return errUsage
	}
	f, err := os.Open(files[0])
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	envs, err := fedmsg.ReadRecords(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("replay %s: %w", files[0], err)
	}
	if len(envs) == 0 {
		return fmt.Errorf("replay %s: no messages in the file", files[0])
	}

	pub, err := fedmsg.NewPublisher(ctx, bind)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer pub.Close()
	slog.Info("fedmsg replay: bound", "endpoint", pub.Endpoint(), "messages", len(envs), "rate", rate, "loop", loop)
	if wait {
		slog.Info("fedmsg replay: waiting for a subscriber", "endpoint", pub.Endpoint())
		if err := pub.WaitForSubscriber(ctx, ""); err != nil {
			return interrupted(err)
		}
	}

	sent := 0
	start := time.Now()
	for pass := 1; ; pass++ {
		for _, env := range envs {
			if rate > 0 {
				// Pace against the start, not the previous send, so that the rate holds
				// over time whatever each send costs.
				due := start.Add(time.Duration(float64(sent) / rate * float64(time.Second)))
				if err := sleepUntil(ctx, due); err != nil {
					return interrupted(err)
				}
			} else if ctx.Err() != nil {
				return interrupted(ctx.Err())
			}
			out := env
			if newIDs {
				out = renewed(env, time.Now())
			}
			if err := pub.Publish(out); err != nil {
				return fmt.Errorf("replay message %d: %w", sent+1, err)
			}
			sent++
		}
		slog.Info("fedmsg replay: pass done", "pass", pass, "sent", sent, "elapsed", time.Since(start).Round(time.Millisecond))
		if !loop {
			break
		}
	}
	// zmq4 writes to subscribers from its own goroutine and has no flush: give it a moment
	// (what libzmq's LINGER does) so that Close does not cut off the last messages.
	if err := sleepUntil(ctx, time.Now().Add(time.Second)); err != nil {
		return nil
	}
	fmt.Fprintf(stdout, "replayed %d messages to %s\n", sent, pub.Endpoint())
	return nil
}

// renewed is env as a new message: fresh msg_id and timestamp, the rest unchanged.
func renewed(env *fedmsg.Envelope, now time.Time) *fedmsg.Envelope {
	c := *env
	c.MsgID = fedmsg.NewMsgID(now)
	c.Timestamp = float64(now.UnixMicro()) / 1e6
	c.Body = nil // re-encoded by Publish
	return &c
}

func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// interrupted turns the cancellation by SIGINT/SIGTERM into a normal end.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func runFedmsgTail(ctx context.Context, stdout io.Writer, args []string) error {
	fs := newFlagSet("fedmsg tail", "fedmsg tail --endpoint URL[,URL...] [--topic PREFIX[,PREFIX...]] [flags]")
	var endpoints, topics string
	var pretty bool
	fs.envString(&endpoints, "endpoint", "HUBS_FEDMSG_ENDPOINTS", "", "bus endpoints to subscribe to, comma-separated (e.g. tcp://hub.fedoraproject.org:9940)")
	fs.envString(&topics, "topic", "HUBS_FEDMSG_TOPICS", "", "topic prefixes to subscribe to, comma-separated; empty: everything")
	fs.BoolVar(&pretty, "pretty", false, "indent each message instead of one JSON line per message")
	if err := fs.parse(args); err != nil {
		return err
	}
	eps := fedmsg.SplitList(endpoints)
	if len(eps) == 0 {
		fmt.Fprintln(fs.Output(), "hubs fedmsg tail: --endpoint (or $HUBS_FEDMSG_ENDPOINTS) is required")
		fs.Usage()
		return errUsage
	}
	w := bufio.NewWriter(stdout)
	var mu sync.Mutex
	show := func(_ context.Context, env *fedmsg.Envelope) error {
		var buf bytes.Buffer
		var err error
		if pretty {
			err = json.Indent(&buf, env.Body, "", "  ")
		} else {
			err = json.Compact(&buf, env.Body)
		}
		if err != nil {
			return fmt.Errorf("print %s: %w", env.MsgID, err)
		}
		buf.WriteByte('\n')
		mu.Lock()
		defer mu.Unlock()
		if _, err := w.Write(buf.Bytes()); err != nil {
			return err
		}
		// Flush per message: tail is watched live, often piped into grep or jq.
		return w.Flush()
	}
	in, err := fedmsg.NewIntake(eps, show, fedmsg.WithTopics(fedmsg.SplitList(topics)...), fedmsg.WithLogger(slog.Default()))
	if err != nil {
		fmt.Fprintln(fs.Output(), err)
		return errUsage
	}
	slog.Info("fedmsg tail: subscribing", "endpoints", eps, "topics", topics)
	return in.Run(ctx)
}
