package fedmsg_test

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"hubs/fedmsg"
)

// How a server wires the intake: endpoints and topics from its settings, the metrics in its
// registry, and a handler that archives the message and runs invalidation.
func ExampleNewIntake() {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	metrics := fedmsg.NewMetrics()
	reg.MustRegister(metrics)

	handler := func(ctx context.Context, env *fedmsg.Envelope) error {
		// archive env.MsgID, env.Topic, env.Body, env.Usernames, env.Packages; then hand
		// env to the engine, which looks at env.Category(), env.ShortTopic(), env.Msg.
		slog.Info("bus message", "topic", env.Topic, "msg_id", env.MsgID)
		return nil
	}
	in, err := fedmsg.NewIntake(fedmsg.SplitList("tcp://hub.fedoraproject.org:9940"), handler,
		fedmsg.WithTopics(fedmsg.SplitList("org.fedoraproject.prod.")...),
		fedmsg.WithMetrics(metrics))
	if err != nil {
		slog.Error("fedmsg settings", "err", err)
		return
	}
	go in.Run(ctx) // returns when ctx is cancelled
}
