package tracking_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type evSummary struct {
	Time                   time.Time
	Status                 tracking.Status
	Reason                 tracking.Reason
	Code, Sub, CarrierCode string
	Text, Location         string
}

func summarize(es []tracking.Event) []evSummary {
	var out []evSummary
	for _, e := range es {
		out = append(out, evSummary{e.Time, e.Status, e.Reason, e.RawCode, e.RawSubcode, e.CarrierCode, e.RawText, e.Location})
	}
	return out
}

func TestEasyPostDecoder(t *testing.T) {
	us, err := tracking.EasyPostDecoder{}.Decode(readTestdata(t, "easypost.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].Carrier != "USPS" || us[0].TrackingNumber != "9400100000000000000000" || us[0].EstimatedDelivery != oms.NewDate(2026, 3, 3) {
		t.Fatalf("update %+v", us)
	}
	want := []evSummary{
		{time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), tracking.StatusPreTransit, "", "pre_transit", "status_update", "GX", "Shipping Label Created, USPS Awaiting Item", "10001"},
		{time.Date(2026, 3, 2, 3, 10, 0, 0, time.UTC), tracking.StatusInTransit, "", "in_transit", "arrived_at_facility", "10", "Arrived at USPS Regional Facility", "NEW YORK, NY, 10199, US"},
		{time.Date(2026, 3, 2, 7, 45, 0, 0, time.UTC), tracking.StatusOutForDelivery, "", "out_for_delivery", "out_for_delivery", "OF", "Out for Delivery", "BROOKLYN, NY, 11201, US"},
	}
	if diff := cmp.Diff(want, summarize(us[0].Events)); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	for _, body := range []string{`{"object":"Event","description":"shipment.purchased","result":{}}`, `{"description":"batch.created"}`} {
		us, err := tracking.EasyPostDecoder{}.Decode([]byte(body))
		if err != nil || len(us) != 0 {
			t.Errorf("%s: %v %v, want no updates", body, us, err)
		}
	}
	if _, err := (tracking.EasyPostDecoder{}).Decode([]byte(`{"description":"tracker.updated"}`)); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("missing result: %v", err)
	}
}

func TestShippoDecoder(t *testing.T) {
	us, err := tracking.ShippoDecoder{}.Decode(readTestdata(t, "shippo.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].Carrier != "usps" || us[0].TrackingNumber != "9205590164917312751089" || us[0].EstimatedDelivery != oms.NewDate(2026, 3, 4) {
		t.Fatalf("update %+v", us)
	}
	tr := tracking.NewTracker(us[0].Key(), t0)
	if n := tr.Apply(us[0].Events...); n != 3 {
		t.Fatalf("%d distinct events, want 3 (tracking_status repeats the last history entry)", n)
	}
	want := []evSummary{
		{time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), tracking.StatusPreTransit, "", "PRE_TRANSIT", "information_received", "", "Shipping label created.", "San Francisco, CA, 94103, US"},
		{time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC), tracking.StatusInTransit, "", "TRANSIT", "package_departed", "", "Departed facility.", "Oakland, CA, 94607, US"},
		{time.Date(2026, 3, 2, 15, 20, 0, 0, time.UTC), tracking.StatusDeliveryFailed, tracking.ReasonNoticeLeft, "TRANSIT", "notice_left", "", "Delivery attempted; notice left.", "Las Vegas, NV, 89101, US"},
	}
	if diff := cmp.Diff(want, summarize(tr.Events)); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	for _, body := range []string{`{"event":"transaction_created","data":{}}`} {
		if us, err := (tracking.ShippoDecoder{}).Decode([]byte(body)); err != nil || len(us) != 0 {
			t.Errorf("%s: %v %v", body, us, err)
		}
	}
	if _, err := (tracking.ShippoDecoder{}).Decode([]byte(`{"event":"track_updated"}`)); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("missing data: %v", err)
	}
	us, err = tracking.ShippoDecoder{}.Decode([]byte(`{"event":"track_updated","data":{"carrier":"ups","tracking_number":"1","tracking_status":{"status":"DELIVERED","status_date":"2026-03-02T10:00:00Z"}}}`))
	if err != nil || len(us[0].Events) != 1 || us[0].Events[0].Status != tracking.StatusDelivered || us[0].Events[0].RawSubcode != "" {
		t.Errorf("status without substatus: %+v %v", us, err)
	}
}

func TestAfterShipDecoder(t *testing.T) {
	us, err := tracking.AfterShipDecoder{}.Decode(readTestdata(t, "aftership.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].Carrier != "ups" || us[0].TrackingNumber != "1Z999AA10123456784" || us[0].EstimatedDelivery != oms.NewDate(2026, 3, 5) {
		t.Fatalf("update %+v", us)
	}
	want := []evSummary{
		{time.Date(2026, 3, 1, 7, 30, 0, 0, time.UTC), tracking.StatusPreTransit, "", "InfoReceived", "InfoReceived_001", "", "Order Processed: Ready for UPS", "Berlin, DE"},
		{time.Date(2026, 3, 1, 19, 0, 0, 0, time.UTC), tracking.StatusInTransit, "", "InTransit", "InTransit_007", "", "Departed from Facility", "Koeln, DEU"},
		{time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), tracking.StatusDeliveryFailed, tracking.ReasonRecipientUnavailable, "AttemptFail", "AttemptFail_002", "", "The receiver was not available for delivery.", "Hamburg, DE"},
		{time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC), tracking.StatusReturned, tracking.ReasonReturnToSender, "Exception", "Exception_011", "", "Returned to shipper", "Berlin, DE"},
	}
	if diff := cmp.Diff(want, summarize(us[0].Events)); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	us, err = tracking.AfterShipDecoder{}.Decode([]byte(`{"event":"tracking_update","msg":{"slug":"dhl","tracking_number":"7","courier_estimated_delivery_date":{"estimated_delivery_date":"2026-03-09"},"checkpoints":[{"checkpoint_time":"1772452800","tag":"Delivered"}]}}`))
	if err != nil || us[0].EstimatedDelivery != oms.NewDate(2026, 3, 9) || !us[0].Events[0].Time.Equal(time.Unix(1772452800, 0)) {
		t.Fatalf("courier estimate / unix time: %+v %v", us, err)
	}
	if us, err := (tracking.AfterShipDecoder{}).Decode([]byte(`{"event":"ping"}`)); err != nil || len(us) != 0 {
		t.Errorf("no msg: %v %v", us, err)
	}
}

func TestDecodersRefuseMalformed(t *testing.T) {
	decoders := map[string]tracking.Decoder{
		"easypost": tracking.EasyPostDecoder{}, "shippo": tracking.ShippoDecoder{}, "aftership": tracking.AfterShipDecoder{},
	}
	for name, d := range decoders {
		// Not JSON: always a validation error.
		for _, body := range []string{``, `{`, `{"a":1} trailing`, "\xff\xfe"} {
			if _, err := d.Decode([]byte(body)); !errors.Is(err, oms.ErrValidation) {
				t.Errorf("%s %q: err = %v, want ErrValidation", name, body, err)
			}
		}
		// JSON of the wrong shape: no updates or a validation error.
		for _, body := range []string{`[1,2]`, `"str"`, `{"msg":5}`, `{"result":[]}`, `{"data":"x"}`, `null`} {
			us, err := d.Decode([]byte(body))
			if err != nil && !errors.Is(err, oms.ErrValidation) {
				t.Errorf("%s %q: err = %v, want ErrValidation", name, body, err)
			}
			if err == nil && len(us) != 0 {
				t.Errorf("%s %q: updates %+v from a foreign shape", name, body, us)
			}
		}
	}
	f := tracking.DecoderFunc(func(b []byte) ([]tracking.Update, error) { return []tracking.Update{{Carrier: string(b)}}, nil })
	if us, _ := f.Decode([]byte("x")); us[0].Carrier != "x" {
		t.Fatal("DecoderFunc")
	}
}
