package fedmsg

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"
)

// benchFrames are the fixture messages made into 4,096 distinct ones (each with its own
// msg_id), so that with a 1,024-id dedup every message is new and evicts an old id: the
// de-duplication's costliest path, as on a live bus.
func benchFrames(b *testing.B) (frames [][][]byte, bytes int64) {
	fixtures := loadFixtures(b)
	for i := range 4096 {
		f := fixtures[i%len(fixtures)]
		var env map[string]json.RawMessage
		if err := json.Unmarshal(f.body, &env); err != nil {
			b.Fatal(err)
		}
		env["msg_id"] = json.RawMessage(fmt.Sprintf(`"2026-%08x-0000-4000-8000-000000000000"`, i))
		body, err := json.Marshal(env)
		if err != nil {
			b.Fatal(err)
		}
		frames = append(frames, [][]byte{[]byte(f.topic), body})
		bytes += int64(len(body))
	}
	return frames, bytes / int64(len(frames))
}

// BenchmarkIntake measures the consumer's work per message on real fixture messages:
// parse+validate alone, with de-duplication, and the whole delivery (parse, dedup,
// default extractor, metrics) up to a handler that does nothing.
// Run: go test -run '^$' -bench BenchmarkIntake -benchmem ./fedmsg
func BenchmarkIntake(b *testing.B) {
	frames, avg := benchFrames(b)
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(avg)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := Parse(frames[i%len(frames)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse+dedup", func(b *testing.B) {
		d := NewDedup(1024)
		b.SetBytes(avg)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			env, err := Parse(frames[i%len(frames)])
			if err != nil {
				b.Fatal(err)
			}
			if !d.Add(env.MsgID) {
				b.Fatal("duplicate")
			}
		}
	})
	b.Run("deliver", func(b *testing.B) {
		handled := 0
		in, err := NewIntake([]string{"tcp://127.0.0.1:1"}, func(context.Context, *Envelope) error {
			handled++
			return nil
		}, WithDedup(NewDedup(1024)), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		now := time.Now()
		b.SetBytes(avg)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			in.deliver(ctx, received{endpoint: "tcp://127.0.0.1:1", frames: frames[i%len(frames)], at: now})
		}
		if handled != b.N {
			b.Fatalf("handled %d of %d", handled, b.N)
		}
	})
}
