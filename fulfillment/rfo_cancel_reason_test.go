package fulfillment_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
)

// TestCancelWithAReasonTheOrderRefusesChangesNothing: Cancel took any
// reason up to 1024 bytes, but the order (which Cancel asks to cancel the
// units) refuses one with a NUL byte, invalid UTF-8 or more than 500
// characters. The fulfillment order was cancelled and its stock released
// first, then the order refused, so the order still counted the units as
// allocated to a cancelled fulfillment order, for ever (every retry failed
// the same way). Now such a reason is refused as a validation error before
// anything changes.
func TestCancelWithAReasonTheOrderRefusesChangesNothing(t *testing.T) {
	for name, reason := range map[string]string{
		"nul":     "bad\x00reason",
		"invalid": "bad\xffreason",
		"control": "bad\x07reason",
		"long":    strings.Repeat("r", 600),
	} {
		t.Run(name, func(t *testing.T) {
			e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
			e.stock("MUG", "east", 5)
			o := e.place(nil, small("MUG", 2))
			fos, err := e.svc.Allocate(e.ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			before := counters(e.order(o.ID))
			_, err = e.svc.Cancel(e.ctx, fos[0].ID, reason)
			if !errors.Is(err, oms.ErrValidation) {
				t.Fatalf("err = %v, want a validation error", err)
			}
			got, _ := e.svc.FulfillmentOrder(e.ctx, fos[0].ID)
			if got.Status != fos[0].Status || got.Version != fos[0].Version {
				t.Errorf("refused cancel changed the fulfillment order: %s v%d → %s v%d", fos[0].Status, fos[0].Version, got.Status, got.Version)
			}
			if lv := e.level("MUG", "east"); lv.Reserved != 2 {
				t.Errorf("refused cancel released stock: %+v", lv)
			}
			if after := counters(e.order(o.ID)); after != nil && after["MUG"] != before["MUG"] {
				t.Errorf("order counters %v → %v", before, after)
			}
			e.reconcile()
		})
	}
}
