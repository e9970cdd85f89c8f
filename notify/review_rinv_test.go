package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
)

// jsonStore saves each Progress as JSON first, as a store keeping
// documents in a JSON column does, and refuses what does not encode.
type jsonStore struct{ *notify.MemoryStore }

func (s jsonStore) SaveProgress(ctx context.Context, p *notify.Progress) error {
	if _, err := json.Marshal(p); err != nil {
		return fmt.Errorf("encode progress: %w", err)
	}
	return s.MemoryStore.SaveProgress(ctx, p)
}

// TestDigestDueAfterYear9999IsStillSaved: a milestone decided at the end
// of year 9999 with a digest window got a DueAt one window later, in year
// 10000, which encoding/json (RFC 3339) cannot write: a store saving the
// document as JSON failed every Publish of the order's events, so the
// message was never sent. The due time now stays within year 9999, and
// the milestone is sent once it has come.
func TestDigestDueAfterYear9999IsStillSaved(t *testing.T) {
	for name, digest := range map[string]time.Duration{
		"an hour":  time.Hour,
		"the most": time.Duration(1<<63 - 1),
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, &notify.Options{Digest: digest})
			at := time.Date(9999, 12, 31, 23, 30, 0, 0, time.UTC)
			e.clock.Set(at)
			var err error
			e.n, err = notify.New(jsonStore{e.store}, &notify.Options{Sender: e.rec, Clock: e.clock, Digest: digest})
			if err != nil {
				t.Fatal(err)
			}
			s := notifytest.NewScript("ord-9999", "1001", anna, at)
			e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "TEE", Name: "T-shirt", Quantity: 1, Total: "19.90"}))
			p, err := e.store.Progress(e.ctx, "ord-9999")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := json.Marshal(p); err != nil {
				t.Errorf("progress does not encode: %v", err)
			}
			if p.DueAt.IsZero() || p.DueAt.Year() > 9999 {
				t.Errorf("due at %v, want a time within year 9999", p.DueAt)
			}
			e.clock.Set(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC))
			if _, err := e.n.Flush(e.ctx); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"email:order_confirmed"}, kinds(e.rec.Messages())); diff != "" {
				t.Fatalf("messages (-want +got):\n%s", diff)
			}
		})
	}
}
