// Package natspub is an oms.Publisher for NATS JetStream: the relay's events
// go to a stream, one message per event, with the event ID as the JetStream
// message ID so that the server drops a redelivered event within the
// stream's duplicate window.
//
// Subjects follow the event type: with the default prefix "oms", an
// "order.placed" event goes to subject "oms.order.placed", so a consumer can
// subscribe to "oms.order.>" or "oms.*.delivered". The body is the event as
// JSON (oms.Event's own encoding); headers carry the type and aggregate so a
// consumer can route without decoding the body.
//
// The relay calls Publish at least once per event and in order per
// aggregate; Publish waits for the stream's acknowledgement, so an event the
// relay marks published is stored by the server. A duplicate acknowledged by
// the server (already stored within the window) counts as published.
package natspub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/omskit/oms"
)

// Header names set on every message.
const (
	HeaderType          = "Oms-Event-Type"
	HeaderAggregateKind = "Oms-Aggregate-Kind"
	HeaderAggregateID   = "Oms-Aggregate-Id"
	HeaderVersion       = "Oms-Aggregate-Version"
)

// Options configures a Publisher. The zero value and nil use the defaults.
type Options struct {
	// Prefix is the first subject token; "oms" when empty.
	Prefix string
}

// Publisher publishes oms events to JetStream. It is safe for concurrent
// use (a Relay calls it from one goroutine).
type Publisher struct {
	js     jetstream.JetStream
	prefix string
}

var _ oms.Publisher = (*Publisher)(nil)

// New returns a Publisher over js. The stream that receives the subjects
// must exist (EnsureStream creates one).
func New(js jetstream.JetStream, opts *Options) *Publisher {
	p := &Publisher{js: js, prefix: "oms"}
	if opts != nil && opts.Prefix != "" {
		p.prefix = opts.Prefix
	}
	return p
}

// Subject returns the subject an event of type typ goes to: the prefix, a
// dot, and the type with every character that NATS does not allow in a
// subject token (space, tab, '*', '>') replaced by '_' and empty tokens
// filled with '_'.
func (p *Publisher) Subject(typ string) string {
	return p.prefix + "." + subjectTokens(typ)
}

func subjectTokens(typ string) string {
	if typ == "" {
		return "_"
	}
	parts := strings.Split(typ, ".")
	for i, s := range parts {
		s = strings.Map(func(r rune) rune {
			switch r {
			case ' ', '\t', '\r', '\n', '*', '>':
				return '_'
			}
			return r
		}, s)
		if s == "" {
			s = "_"
		}
		parts[i] = s
	}
	return strings.Join(parts, ".")
}

// Publish sends e and waits for the stream's acknowledgement. It implements
// oms.Publisher.
func (p *Publisher) Publish(ctx context.Context, e oms.Event) error {
	if e.ID.IsZero() {
		return errors.New("natspub: event has no ID")
	}
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("natspub: encode event %s: %w", e.ID, err)
	}
	msg := nats.NewMsg(p.Subject(e.Type))
	msg.Data = body
	msg.Header.Set(HeaderType, e.Type)
	msg.Header.Set(HeaderAggregateKind, e.AggregateKind)
	msg.Header.Set(HeaderAggregateID, e.AggregateID.String())
	msg.Header.Set(HeaderVersion, fmt.Sprint(e.AggregateVersion))
	if _, err := p.js.PublishMsg(ctx, msg, jetstream.WithMsgID(e.ID.String())); err != nil {
		return fmt.Errorf("natspub: publish %s %s: %w", e.Type, e.ID, err)
	}
	return nil
}

// EnsureStream creates or updates a file-backed stream named name that
// holds every subject under the prefix, with duplicates dropped within
// window (two minutes when window is zero).
func EnsureStream(ctx context.Context, js jetstream.JetStream, name, prefix string, window time.Duration) (jetstream.Stream, error) {
	if prefix == "" {
		prefix = "oms"
	}
	if window <= 0 {
		window = 2 * time.Minute
	}
	return js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       name,
		Subjects:   []string{prefix + ".>"},
		Storage:    jetstream.FileStorage,
		Duplicates: window,
	})
}

// Decode reads an event back from a message body written by Publish.
func Decode(data []byte) (oms.Event, error) {
	var e oms.Event
	if err := json.Unmarshal(data, &e); err != nil {
		return oms.Event{}, fmt.Errorf("natspub: decode event: %w", err)
	}
	return e, nil
}
