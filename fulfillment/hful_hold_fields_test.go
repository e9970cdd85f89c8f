package fulfillment_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/fulfillment"
)

// TestAddHoldNamesTheFieldTooLong: a note too long was reported as a
// problem of the key (one problem "key" for either); each field too long
// is now named on its own.
func TestAddHoldNamesTheFieldTooLong(t *testing.T) {
	e := twoSites(t, fulfillment.ServiceOptions{Picking: fulfillment.PickManual})
	e.stock("MUG", "east", 5)
	o := e.place(nil, small("MUG", 2))
	fos, err := e.svc.Allocate(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   fulfillment.HoldInput
		want map[string]bool
	}{
		{"note", fulfillment.HoldInput{Reason: fulfillment.HoldOther, Note: strings.Repeat("n", 1025)}, map[string]bool{"key": false, "note": true}},
		{"key", fulfillment.HoldInput{Reason: fulfillment.HoldOther, Key: strings.Repeat("k", 129)}, map[string]bool{"key": true, "note": false}},
		{"both", fulfillment.HoldInput{Reason: fulfillment.HoldOther, Key: strings.Repeat("k", 129), Note: strings.Repeat("n", 1025)}, map[string]bool{"key": true, "note": true}},
	} {
		_, err := e.svc.AddHold(e.ctx, fos[0].ID, tc.in)
		var v *oms.ValidationError
		if !errors.As(err, &v) {
			t.Fatalf("%s: err = %v, want a *oms.ValidationError", tc.name, err)
		}
		got := map[string]bool{"key": v.Has("key"), "note": v.Has("note")}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: fields named -want +got:\n%s\n(%v)", tc.name, diff, err)
		}
	}
	if got, _ := e.svc.FulfillmentOrder(e.ctx, fos[0].ID); got.Version != fos[0].Version {
		t.Errorf("refused holds changed the fulfillment order")
	}
}
