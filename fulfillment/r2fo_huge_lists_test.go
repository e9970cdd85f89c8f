package fulfillment_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
)

// TestHugeListsAreRefusedAtOnce: ConfirmPicks, StartWave and Merge looked for
// duplicates by comparing every element with every earlier one before
// anything else, so a hostile list of two million picks (an order has at
// most order.MaxLines lines) kept ConfirmPicks busy for hours, and a
// wave naming one fulfillment order 300,000 times or a merge of 300,000
// IDs for minutes (quadratic in the list). Each must be answered at once: too many picks and duplicates
// with oms.ErrValidation, IDs no store has with oms.ErrNotFound; nothing
// changes.
func TestHugeListsAreRefusedAtOnce(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e.stock("MUG", "east", 2)
	o := e.place(nil, small("MUG", 2))
	res, err := e.svc.Process(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	fo := res.FulfillmentOrders[0]
	picks := make([]fulfillment.Picked, 2_000_000)
	for i := range picks {
		picks[i] = fulfillment.Picked{LineID: fo.Lines[0].LineID, Quantity: 1}
	}
	if _, err := e.svc.ConfirmPicks(e.ctx, fo.ID, picks); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("2,000,000 picks: %.200v; want oms.ErrValidation", err)
	}
	same := make([]oms.ID, 300_000)
	for i := range same {
		same[i] = fo.ID
	}
	if _, err := e.svc.StartWave(e.ctx, fo.Location, same); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("a wave of one fulfillment order 300,000 times: %.200v; want oms.ErrValidation", err)
	}
	ids := make([]oms.ID, 300_000)
	for i := range ids {
		ids[i] = oms.ID("fo" + strconv.Itoa(i))
	}
	if _, err := e.svc.Merge(e.ctx, ids); !errors.Is(err, oms.ErrNotFound) && !errors.Is(err, oms.ErrValidation) {
		t.Errorf("300,000 IDs: %.200v; want oms.ErrNotFound", err)
	}
	if got, _ := e.svc.FulfillmentOrder(e.ctx, fo.ID); got.Version != fo.Version {
		t.Errorf("fulfillment order changed: version %d, was %d", got.Version, fo.Version)
	}
}
