package fulfillment_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
	"github.com/omskit/oms/shipping"
)

// Process calls racing on one order sometimes failed with "fulfillment
// order X: cannot move from closed to closed: shipped": closing the
// shipment took the fulfillment order it was handed, which another
// Process had closed meanwhile, although the shipment it read was not yet
// finished, and reported the impossible move instead of reading both
// again. Every racing Process now succeeds (the one that lost finds the
// shipment finished).
func TestProcessRacingProcessDoesNotCloseAClosedFulfillmentOrder(t *testing.T) {
	for round := 0; round < 30; round++ {
		e := twoSites(t, fulfillment.ServiceOptions{})
		e.stock("MUG", "east", 2)
		e.stock("MUG", "west", 5)
		e.stock("TEE", "west", 5)
		o := e.place(nil, small("MUG", 3), big("TEE", 2))
		var wg sync.WaitGroup
		errs := make(chan error, 6)
		for g := 0; g < 6; g++ {
			// A Service each, as processes of their own over shared stores.
			svc, err := fulfillment.NewService(e.store, e.orders, e.inv, e.track, &fulfillment.ServiceOptions{Clock: e.clock,
				Carriers: []shipping.Carrier{e.carrier}})
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := svc.Process(e.ctx, o.ID); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if errors.Is(err, oms.ErrInvalidTransition) {
				t.Fatalf("round %d: a racing Process: %v", round, err)
			}
		}
	}
}
