package tracking_test

// Hostile-input review (rev2) of package tracking through its public API:
// every test here failed before the fix named in its comment.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// TestTrackingKeyWithInvalidUTF8IsRefused: NewKey upper-cased the
// tracking number and lower-cased the carrier with strings.ToUpper and
// ToLower, which replace bytes that are not UTF-8 by U+FFFD; the key's
// check then saw valid text. So Register took "1Z\xff9" as "1Z\uFFFD9",
// and two different numbers ("1Z\xff9", "1Z\xfe9") named one tracker: the
// second shipment's registration was refused as a duplicate of the first,
// and updates for one applied to the other. Register, Apply and Get refuse
// such a key with a validation error and change nothing.
func TestTrackingKeyWithInvalidUTF8IsRefused(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	before := state(t, f.store)
	at := f.clock.Now().Add(-time.Hour)
	for _, k := range []struct{ carrier, number string }{{"ups", "1Z\xff9"}, {"ups", "1Z\xfe9"}, {"u\xffps", "1Z9"}, {"ups", "\xc3"}} {
		if k := tracking.NewKey(k.carrier, k.number); k.Validate() == nil {
			t.Errorf("NewKey(%q, %q) = %q passes Validate", k.Carrier, k.TrackingNumber, k)
		}
		_, err := f.svc.Register(ctx, tracking.Registration{Carrier: k.carrier, TrackingNumber: k.number, ShipmentRef: "shp-1"})
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Register %q/%q: err = %v, want ErrValidation", k.carrier, k.number, err)
		}
		_, err = f.svc.Apply(ctx, tracking.Update{Carrier: k.carrier, TrackingNumber: k.number,
			Events: []tracking.Event{{Time: at, Status: tracking.StatusInTransit, RawCode: "IT"}}})
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Apply %q/%q: err = %v, want ErrValidation", k.carrier, k.number, err)
		}
	}
	if after := state(t, f.store); after != before {
		t.Errorf("refused keys changed the store:\n%s\n%s", before, after)
	}
	// Valid non-ASCII text is still folded as before.
	if k := tracking.NewKey(" UPS ", "1z 9ä"); k.Validate() != nil || k.Carrier != "ups" || k.TrackingNumber != "1Z9Ä" {
		t.Errorf("NewKey of valid text = %q (%v)", k, k.Validate())
	}
}

// TestAfterShipSubtagIsMatchedIgnoringCaseAndSpaces: the AfterShip mapper
// matched the tag ignoring case and surrounding spaces but the subtag
// exactly, so "exception"/"exception_011" (a completed return) mapped to
// a plain exception while "Exception"/"Exception_011" mapped to returned,
// and a padded subtag without a tag (" Exception_011 ") mapped to unknown.
// The subtag is matched as the tag is now, like the EasyPost and Shippo
// mappers match their sub-codes.
func TestAfterShipSubtagIsMatchedIgnoringCaseAndSpaces(t *testing.T) {
	m := tracking.AfterShipMapper{}
	want := m.Map("Exception", "Exception_011")
	if want.Status != tracking.StatusReturned {
		t.Fatalf("Exception_011 = %+v", want)
	}
	for _, c := range [][2]string{{"exception", "exception_011"}, {"EXCEPTION", " EXCEPTION_011 "}, {"", " Exception_011 "}, {"", "exception_011"}, {" Exception ", "Exception_011\t"}} {
		if got := m.Map(c[0], c[1]); got != want {
			t.Errorf("Map(%q, %q) = %+v, want %+v", c[0], c[1], got, want)
		}
	}
	// A subtag of another tag still does not refine the tag.
	if got, tag := m.Map("InTransit", "exception_011"), m.Map("InTransit", ""); got != tag {
		t.Errorf("InTransit with another tag's subtag = %+v, want the tag's %+v", got, tag)
	}
}
