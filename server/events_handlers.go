package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hubs/engine"
)

// The event stream of a hub (GET /{hub}/events), in Server-Sent Events:
//
//	id: <update id>
//	event: widget | code | error | layout | reload
//	data: {"idx": <widget id>, "name": ..., "version": ..., "data": <the widget's data>}
//
// widget carries new data: the "data" member is, byte for byte, what GET /{hub}/{idx}/json
// answers (plus "stale" and "error" when the latest rebuild failed and this is the last
// good data). code says a widget's code changed ("version" is the new one: the page
// re-imports it). error says a widget failed ("error", "pos"); what the page shows stays.
// layout says widgets were added, moved, removed or reconfigured. reload says the page
// missed updates the server no longer holds, and must fetch everything again. A comment
// line is sent every heartbeat on an idle stream, so proxies keep it open and a client
// that went away is noticed.
//
// Each client reads the hub's update ring through its own engine cursor: publishing never
// waits for a client, and a client that falls further behind than the ring holds is sent
// reload instead of everything it missed. That cursor is the client's bounded queue.

// hubEvents answers GET /{hub}/events.
func (s *Server) hubEvents(c *fiber.Ctx) error {
	l, err := s.layoutOf(c, false)
	if l == nil {
		return err
	}
	// Where to resume: the last id the client saw (EventSource's Last-Event-ID when it
	// reconnects), else ?since= (the id its page was rendered at, engine.Watch).
	v := c.Get("Last-Event-ID")
	if v == "" {
		v = c.Query("since")
	}
	var last uint64
	if v != "" {
		// A malformed id is treated as none: the client gets a reload, not an error.
		if last, err = strconv.ParseUint(v, 10, 64); err != nil {
			last = 1
		}
	}
	sub := s.web.engine.Subscribe(l.hub.Name, last)
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache, no-transform")
	c.Set("X-Accel-Buffering", "no")
	// The stream writer runs on its own goroutine after this handler returned, when c
	// is no longer ours: it gets everything it needs as arguments.
	c.Context().SetBodyStreamWriter(func(bw *bufio.Writer) { s.web.stream(bw, sub) })
	return nil
}

// stream writes sub's updates to one client until a write fails (the client went away),
// the subscription ends or the server shuts down, and then frees the subscription.
//
// fasthttp does not say when a client has gone: only a failed write does, and late. What
// is written here goes into a pipe that fasthttp copies to the connection, so a write
// fails only after fasthttp's own write to the socket failed and it closed the pipe; and
// the first write to a socket whose peer has closed succeeds (the peer answers it with a
// reset), only the next one fails. So an idle stream sends a heartbeat followed by two
// probes a moment apart (w.probeGap): by the last probe the reset has come back and the
// pipe is closed, and a client gone since the previous heartbeat is freed at this one.
func (w *web) stream(bw *bufio.Writer, sub *engine.Subscription) {
	defer sub.Close()
	// retry: how long EventSource waits before reconnecting after a drop.
	if _, err := bw.WriteString("retry: 2000\n: hello\n\n"); err != nil || bw.Flush() != nil {
		return
	}
	buf := make([]byte, 0, 512) // grows to the largest event; most clients idle, so start small
	probes := 0                 // probes still to send after the last heartbeat
	for {
		wait := w.heartbeat
		if probes > 0 {
			wait = w.probeGap
		}
		ctx, cancel := context.WithTimeout(w.streams, wait)
		u, err := sub.Next(ctx)
		cancel()
		if err != nil {
			if w.streams.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
				return // shutdown, or the subscription was closed
			}
			line := ": heartbeat\n\n"
			if probes > 0 {
				line, probes = ": probe\n\n", probes-1
			} else {
				probes = 2
			}
			if _, err := bw.WriteString(line); err != nil || bw.Flush() != nil {
				return
			}
			continue
		}
		buf = appendEvent(buf[:0], u)
		if len(buf) == 0 {
			continue
		}
		if _, err := bw.Write(buf); err != nil || bw.Flush() != nil {
			return
		}
	}
}

// appendEvent appends the SSE form of u to b (nothing for a kind the page has no use for).
// The JSON is assembled by hand so that the widget's data goes out exactly as the engine
// holds it: encoding/json would re-escape <, > and & inside it.
func appendEvent(b []byte, u engine.Update) []byte {
	var name string
	switch u.Kind {
	case engine.KindData:
		name = "widget"
	case engine.KindCode:
		name = "code"
	case engine.KindError:
		name = "error"
	case engine.KindLayout:
		name = "layout"
	case engine.KindReload:
		name = "reload"
	default:
		return b
	}
	b = append(b, "id: "...)
	b = strconv.AppendUint(b, u.ID, 10)
	b = append(b, "\nevent: "...)
	b = append(b, name...)
	b = append(b, "\ndata: {"...)
	if u.Kind != engine.KindReload {
		b = append(b, `"idx":`...)
		b = strconv.AppendInt(b, u.WidgetID, 10)
		if u.Widget != "" {
			b = appendJSONField(b, "name", u.Widget)
		}
		if u.Version != "" {
			b = appendJSONField(b, "version", u.Version)
		}
		if u.Kind == engine.KindData && len(u.Data) > 0 {
			b = append(b, `,"data":`...)
			b = append(b, u.Data...)
		}
		if u.Stale {
			b = append(b, `,"stale":true`...)
		}
		if u.Error != "" {
			// The first line: the message. The stack after it is for the log.
			msg, _, _ := strings.Cut(u.Error, "\n")
			b = appendJSONField(b, "error", msg)
		}
		if u.Pos != "" {
			b = appendJSONField(b, "pos", u.Pos)
		}
	}
	return append(b, "}\n\n"...)
}

func appendJSONField(b []byte, key, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	q, _ := json.Marshal(value) // a string always marshals; newlines come out as \n
	return append(b, q...)
}
