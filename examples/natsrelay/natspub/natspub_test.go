package natspub_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/omskit/oms"
	"github.com/omskit/oms/examples/natsrelay/natspub"
)

// connect dials the NATS server the tests use: OMS_TEST_NATS, or the one
// these machines run at 127.0.0.1:4222. In CI an unreachable server fails
// the test; elsewhere it skips.
func connect(t *testing.T) jetstream.JetStream {
	t.Helper()
	url := os.Getenv("OMS_TEST_NATS")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	nc, err := nats.Connect(url, nats.Timeout(3*time.Second))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("NATS at %s unreachable in CI: %v", url, err)
		}
		t.Skipf("NATS at %s unreachable (set OMS_TEST_NATS): %v", url, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// stream makes a stream of its own for one test and deletes it afterwards.
func stream(t *testing.T, js jetstream.JetStream) (jetstream.Stream, string) {
	t.Helper()
	ctx := context.Background()
	id := string(oms.NewID())
	name, prefix := "OMSTEST_"+id, "omstest"+id
	s, err := natspub.EnsureStream(ctx, js, name, prefix, time.Minute)
	if err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
	return s, prefix
}

func event(t *testing.T, typ string, agg oms.ID, v int64) oms.Event {
	t.Helper()
	e, err := oms.NewEvent(typ, "order", agg, v, time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), map[string]any{"v": v})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// fetch reads every message of the stream in stream order.
func fetch(t *testing.T, s jetstream.Stream) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := int(info.State.Msgs)
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []jetstream.Msg
	for len(out) < n {
		batch, err := c.Fetch(n-len(out), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			out = append(out, m)
		}
		if err := batch.Error(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestPublishDropsRedeliveredEventByID(t *testing.T) {
	js := connect(t)
	s, prefix := stream(t, js)
	p := natspub.New(js, &natspub.Options{Prefix: prefix})
	ctx := context.Background()
	agg := oms.NewID()
	evs := []oms.Event{event(t, "order.placed", agg, 1), event(t, "order.confirmed", agg, 2)}
	for _, e := range evs {
		if err := p.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// A relay that crashed before marking the first event published
	// delivers it again: JetStream keeps one copy.
	if err := p.Publish(ctx, evs[0]); err != nil {
		t.Fatalf("republish: %v", err)
	}
	msgs := fetch(t, s)
	var got []oms.Event
	var subjects []string
	for _, m := range msgs {
		e, err := natspub.Decode(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
		subjects = append(subjects, m.Subject())
		if h := m.Headers().Get(nats.MsgIdHdr); h != e.ID.String() {
			t.Errorf("message ID header %q, want %q", h, e.ID)
		}
		if h := m.Headers().Get(natspub.HeaderType); h != e.Type {
			t.Errorf("type header %q, want %q", h, e.Type)
		}
	}
	if diff := cmp.Diff(evs, got); diff != "" {
		t.Errorf("stored events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{prefix + ".order.placed", prefix + ".order.confirmed"}, subjects); diff != "" {
		t.Errorf("subjects (-want +got):\n%s", diff)
	}
}

func TestRelayToJetStreamKeepsOrderPerAggregate(t *testing.T) {
	js := connect(t)
	s, prefix := stream(t, js)
	out := oms.NewMemoryOutbox(nil)
	a, b := oms.NewID(), oms.NewID()
	var want []oms.Event
	for v := int64(1); v <= 5; v++ {
		ea, eb := event(t, "order.updated", a, v), event(t, "order.updated", b, v)
		out.Append(ea, eb)
		want = append(want, ea, eb)
	}
	relay := oms.NewRelay(out, natspub.New(js, &natspub.Options{Prefix: prefix}), nil)
	total := 0
	for total < len(want) {
		n, err := relay.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("relay stalled after %d events", total)
		}
		total += n
	}
	if out.PendingCount() != 0 {
		t.Errorf("%d events still pending", out.PendingCount())
	}
	versions := map[oms.ID][]int64{}
	for _, m := range fetch(t, s) {
		e, err := natspub.Decode(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		versions[e.AggregateID] = append(versions[e.AggregateID], e.AggregateVersion)
	}
	for _, id := range []oms.ID{a, b} {
		if diff := cmp.Diff([]int64{1, 2, 3, 4, 5}, versions[id]); diff != "" {
			t.Errorf("aggregate %s versions (-want +got):\n%s", id, diff)
		}
	}
}

func TestSubject(t *testing.T) {
	p := natspub.New(nil, nil)
	for typ, want := range map[string]string{
		"order.placed":       "oms.order.placed",
		"":                   "oms._",
		"a..b":               "oms.a._.b",
		"x*y>z":              "oms.x_y_z",
		"shipment delivered": "oms.shipment_delivered",
	} {
		if got := p.Subject(typ); got != want {
			t.Errorf("Subject(%q) = %q, want %q", typ, got, want)
		}
	}
}

func TestPublishRefusesEventWithoutID(t *testing.T) {
	p := natspub.New(nil, nil)
	if err := p.Publish(context.Background(), oms.Event{Type: "x"}); err == nil {
		t.Fatal("published an event with no ID")
	}
}
