package fulfillment_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/tracking"
)

// TestTrackingNewsWithUnknownValuesIsRefused: ApplyTracking took an alert
// kind, a status or a reason tracking does not know ("bogus", 1 MB, a NUL
// byte): an unknown alert put the shipment in exception with that text as
// its problem (and in its event), an unknown status was recorded on an
// orphan. Now such news is refused with oms.ErrValidation and nothing
// changes.
func TestTrackingNewsWithUnknownValuesIsRefused(t *testing.T) {
	e := newEnv(t, nil)
	e.location("east", 1, nil)
	e.item("MUG", "")
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	sh := res.Shipments[0]
	num := sh.Packages[0].TrackingNumber
	for name, u := range map[string]fulfillment.TrackingUpdate{
		"unknown alert":     {Status: tracking.StatusInTransit, Alert: "bogus"},
		"huge alert":        {Status: tracking.StatusInTransit, Alert: tracking.AlertKind(strings.Repeat("x", 1<<20))},
		"unknown status":    {Status: "teleported"},
		"reason with nul":   {Status: tracking.StatusException, Reason: "lost\x00"},
		"huge reason":       {Status: tracking.StatusDeliveryFailed, Reason: tracking.Reason(strings.Repeat("r", 1<<20))},
		"huge event id":     {Status: tracking.StatusInTransit, EventID: strings.Repeat("e", 1<<20)},
		"orphan bad status": {Status: "teleported", TrackingNumber: "1ZUNKNOWN"},
	} {
		u.Carrier = sh.Carrier
		if u.TrackingNumber == "" {
			u.TrackingNumber = num
		}
		if _, err := e.svc.ApplyTracking(e.ctx, u); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: err = %v, want a validation error", name, err)
		}
	}
	got, err := e.svc.Shipment(e.ctx, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != sh.Version || got.Status != sh.Status || got.Exception != "" {
		t.Errorf("refused news changed the shipment: %s v%d → %s v%d (%.40q)", sh.Status, sh.Version, got.Status, got.Version, got.Exception)
	}
	if or, _ := e.store.Orphans(e.ctx); len(or) != 0 {
		t.Errorf("refused news recorded %d orphans", len(or))
	}
}
