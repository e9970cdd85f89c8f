package notify_test

// Crash, concurrency and extreme-time review (rev5) of package notify
// through its public API: every test here failed before the fix named in
// its comment.

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
)

// TestMilestoneDecidedAtTheZeroTimeIsSent: a Progress's DueAt uses the
// zero time for "nothing to send", and a milestone decided on a clock
// reading the zero time (or, with a digest window, one window before it)
// was due at exactly that instant: its DueAt read as "nothing to send",
// so the message was never sent, Flush never listed the order, and every
// later milestone of the order inherited the same DueAt and was lost as
// well. Now such a milestone is due and sent like any other.
func TestMilestoneDecidedAtTheZeroTimeIsSent(t *testing.T) {
	for name, c := range map[string]struct {
		at     time.Time
		digest time.Duration
	}{
		"zero time":                 {at: time.Time{}},
		"a digest window before it": {at: time.Time{}.Add(-time.Hour), digest: time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, &notify.Options{Digest: c.digest})
			e.clock.Set(c.at)
			s := notifytest.NewScript("ord-zero", "1001", anna, c.at)
			e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "TEE", Name: "T-shirt", Quantity: 1, Total: "19.90"}))
			e.clock.Set(c.at.Add(c.digest))
			if _, err := e.n.Flush(e.ctx); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"email:order_confirmed"}, kinds(e.rec.Messages())); diff != "" {
				t.Fatalf("messages (-want +got):\n%s", diff)
			}
			// The order's next milestone goes out too, once the clock
			// moved on.
			e.clock.Set(t0)
			e.publish(t, s.Cancelled())
			e.clock.Set(t0.Add(c.digest))
			if _, err := e.n.Flush(e.ctx); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"email:order_confirmed", "email:order_cancelled"}, kinds(e.rec.Messages())); diff != "" {
				t.Fatalf("messages (-want +got):\n%s", diff)
			}
			if p, err := e.store.Progress(e.ctx, "ord-zero"); err != nil || len(p.Pending) != 0 {
				t.Fatalf("progress after the sends: %+v (%v), want nothing pending", p, err)
			}
		})
	}
}
