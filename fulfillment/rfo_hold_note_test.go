package fulfillment_test

import (
	"errors"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
)

// TestHoldNoteThatIsNotTextIsRefused: AddHold took a note with invalid
// UTF-8 or a NUL byte. The memory store kept the bytes while the
// hold_added event carried another note (JSON replaced the invalid bytes
// with U+FFFD), so subscribers and the fulfillment order disagreed, and a
// PostgreSQL store refuses such text where the memory store took it. Now
// the note is refused with oms.ErrValidation and nothing changes, as the
// order's own holds refuse it.
func TestHoldNoteThatIsNotTextIsRefused(t *testing.T) {
	for name, note := range map[string]string{
		"invalid utf-8": "call \xff back",
		"nul":           "call\x00back",
	} {
		t.Run(name, func(t *testing.T) {
			e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
			e.stock("MUG", "east", 5)
			o := e.place(nil, small("MUG", 2))
			fos, err := e.svc.Allocate(e.ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.svc.AddHold(e.ctx, fos[0].ID, fulfillment.HoldInput{Key: "k", Reason: fulfillment.HoldOther, Note: note})
			if err == nil {
				for _, ev := range e.outbox.Events(fos[0].ID) {
					if ev.Type != fulfillment.EventHoldAdded {
						continue
					}
					var p fulfillment.HoldPayload
					if err := ev.Decode(&p); err != nil {
						t.Fatal(err)
					}
					if p.Hold.Note != got.Holds[0].Note {
						t.Errorf("the event's note %q is not the hold's %q", p.Hold.Note, got.Holds[0].Note)
					}
				}
			}
			if !errors.Is(err, oms.ErrValidation) {
				t.Fatalf("err = %v, want a validation error", err)
			}
			if cur, _ := e.svc.FulfillmentOrder(e.ctx, fos[0].ID); cur.Version != fos[0].Version || cur.Status != fos[0].Status {
				t.Errorf("refused hold changed the fulfillment order: %s v%d", cur.Status, cur.Version)
			}
		})
	}
}
