// Command natsrelay drains an oms outbox to NATS JetStream and reads the
// events back as a consumer would.
//
// It needs a NATS server with JetStream (nats-server -js); the address comes
// from -nats (default nats://127.0.0.1:4222). It creates a stream of its own,
// saves a few events in an in-memory outbox as a store would, runs the relay
// until the outbox is empty, publishes one event a second time as a relay
// does after a crash, and prints what the stream holds: each event once, in
// order per aggregate, on a subject named after its type.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/natsrelay/natspub"
)

func main() {
	url := flag.String("nats", "nats://127.0.0.1:4222", "NATS server URL")
	flag.Parse()
	if err := run(context.Background(), *url); err != nil {
		fmt.Fprintln(os.Stderr, "natsrelay:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url string) error {
	nc, err := nats.Connect(url, nats.Timeout(3*time.Second))
	if err != nil {
		return fmt.Errorf("connect %s: %w", url, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	name, prefix := "OMS_EXAMPLE_"+string(oms.NewID()), "omsexample"
	stream, err := natspub.EnsureStream(ctx, js, name, prefix, time.Minute)
	if err != nil {
		return err
	}
	defer func() { _ = js.DeleteStream(context.Background(), name) }()

	// A store saves events with its aggregates; here we append them by hand.
	outbox := oms.NewMemoryOutbox(nil)
	at := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	order := oms.NewID()
	var first oms.Event
	for i, typ := range []string{"order.placed", "order.confirmed", "order.shipped"} {
		e, err := oms.NewEvent(typ, "order", order, int64(i+1), at, map[string]string{"number": "1001"})
		if err != nil {
			return err
		}
		if i == 0 {
			first = e
		}
		outbox.Append(e)
	}

	pub := natspub.New(js, &natspub.Options{Prefix: prefix})
	relay := oms.NewRelay(outbox, pub, nil)
	for outbox.PendingCount() > 0 {
		n, err := relay.RunOnce(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("relay published %d events\n", n)
	}
	// At least once: a relay that crashed before marking an event published
	// sends it again; JetStream drops it by message ID.
	if err := pub.Publish(ctx, first); err != nil {
		return err
	}
	fmt.Println("republished order.placed (JetStream drops the duplicate)")

	info, err := stream.Info(ctx)
	if err != nil {
		return err
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return err
	}
	batch, err := cons.Fetch(int(info.State.Msgs), jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		return err
	}
	fmt.Printf("stream holds %d messages:\n", info.State.Msgs)
	for m := range batch.Messages() {
		e, err := natspub.Decode(m.Data())
		if err != nil {
			return err
		}
		fmt.Printf("  %-28s v%d %s\n", m.Subject(), e.AggregateVersion, e.Type)
		if err := m.Ack(); err != nil {
			log.Printf("ack: %v", err)
		}
	}
	return batch.Error()
}
