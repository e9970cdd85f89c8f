package fulfillment_test

import (
	"testing"

	"github.com/omskit/oms/fulfillment"
)

// TestSubmitAfterUnitsCancelledOnTheOrderSendsOnlyWhatIsLeft: units
// cancelled on the order after allocation, before the third-party request
// is sent: Submit sent the provider every unit, the cancelled ones too
// (their stock still reserved for them). Now the request leaves with what
// the order still wants.
func TestSubmitAfterUnitsCancelledOnTheOrderSendsOnlyWhatIsLeft(t *testing.T) {
	p := &recordingProvider{}
	e := providerShop(t, p)
	o := e.place(nil, small("MUG", 3))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.cancelOnOrder(o, 1)
	fo, err := e.svc.Submit(e.ctx, fos[0].ID)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if fo.Request != fulfillment.RequestAccepted || fo.Units() != 2 {
		t.Errorf("request %s with %d units, want accepted with 2", fo.Request, fo.Units())
	}
	p.mu.Lock()
	for k, n := range p.submits {
		if n != 2 {
			t.Errorf("the provider was asked for %d units (key %s), want 2", n, k)
		}
	}
	p.mu.Unlock()
	if lv := e.level("MUG", "3pl"); lv.Reserved != 2 {
		t.Errorf("3pl reserved %d, want 2", lv.Reserved)
	}
	e.reconcile()
}
