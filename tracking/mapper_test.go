package tracking_test

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms/tracking"
)

type mapCase struct {
	code, sub string
	want      tracking.Mapping
}

func runMap(t *testing.T, m tracking.Mapper, cases []mapCase) {
	t.Helper()
	for _, c := range cases {
		if diff := cmp.Diff(c.want, m.Map(c.code, c.sub)); diff != "" {
			t.Errorf("Map(%q, %q) (-want +got):\n%s", c.code, c.sub, diff)
		}
	}
}

func mp(s tracking.Status, r tracking.Reason) tracking.Mapping {
	return tracking.Mapping{Status: s, Reason: r}
}

func TestEasyPostMapper(t *testing.T) {
	runMap(t, tracking.EasyPostMapper{}, []mapCase{
		{"pre_transit", "", mp(tracking.StatusPreTransit, "")},
		{"in_transit", "", mp(tracking.StatusInTransit, "")},
		{"out_for_delivery", "", mp(tracking.StatusOutForDelivery, "")},
		{"delivered", "", mp(tracking.StatusDelivered, "")},
		{"available_for_pickup", "", mp(tracking.StatusAvailableForPickup, "")},
		{"return_to_sender", "", mp(tracking.StatusReturning, tracking.ReasonReturnToSender)},
		{"failure", "", mp(tracking.StatusDeliveryFailed, tracking.ReasonUndeliverable)},
		{"cancelled", "", mp(tracking.StatusCancelled, "")},
		{"error", "", mp(tracking.StatusUnknown, tracking.ReasonTrackingError)},
		{"unknown", "", mp(tracking.StatusUnknown, "")},
		// Case and spaces are forgiven; details set reasons.
		{" IN_TRANSIT ", "weather_delay", mp(tracking.StatusInTransit, tracking.ReasonWeather)},
		{"in_transit", "address_correction", mp(tracking.StatusInTransit, tracking.ReasonAddressIssue)},
		{"failure", "refused", mp(tracking.StatusDeliveryFailed, tracking.ReasonRefused)},
		{"in_transit", "damaged", mp(tracking.StatusInTransit, tracking.ReasonDamaged)},
		{"in_transit", "lost", mp(tracking.StatusInTransit, tracking.ReasonLost)},
		{"in_transit", "held", mp(tracking.StatusInTransit, tracking.ReasonHeld)},
		{"in_transit", "delayed", mp(tracking.StatusInTransit, tracking.ReasonCarrierDelay)},
		{"in_transit", "missorted", mp(tracking.StatusInTransit, tracking.ReasonCarrierDelay)},
		{"return_to_sender", "return", mp(tracking.StatusReturning, tracking.ReasonReturnToSender)},
		{"delivered", "weather_delay", mp(tracking.StatusDelivered, "")},
		{"in_transit", "arrived_at_facility", mp(tracking.StatusInTransit, "")},
		// Unmapped codes are unknown, never an error.
		{"teleported", "", mp(tracking.StatusUnknown, "")},
		{"", "", mp(tracking.StatusUnknown, "")},
	})
}

func TestShippoMapper(t *testing.T) {
	runMap(t, tracking.ShippoMapper{}, []mapCase{
		{"PRE_TRANSIT", "", mp(tracking.StatusPreTransit, "")},
		{"TRANSIT", "", mp(tracking.StatusInTransit, "")},
		{"DELIVERED", "", mp(tracking.StatusDelivered, "")},
		{"RETURNED", "", mp(tracking.StatusReturned, tracking.ReasonReturnToSender)},
		{"FAILURE", "", mp(tracking.StatusException, "")},
		{"UNKNOWN", "", mp(tracking.StatusUnknown, "")},
		{"pre_transit", "information_received", mp(tracking.StatusPreTransit, "")},
		{"TRANSIT", "address_issue", mp(tracking.StatusException, tracking.ReasonAddressIssue)},
		{"TRANSIT", "contact_carrier", mp(tracking.StatusException, tracking.ReasonContactCarrier)},
		{"TRANSIT", "delayed", mp(tracking.StatusInTransit, tracking.ReasonCarrierDelay)},
		{"TRANSIT", "delivery_attempted", mp(tracking.StatusDeliveryFailed, "")},
		{"TRANSIT", "delivery_rescheduled", mp(tracking.StatusInTransit, tracking.ReasonRescheduled)},
		{"TRANSIT", "delivery_scheduled", mp(tracking.StatusInTransit, "")},
		{"TRANSIT", "location_inaccessible", mp(tracking.StatusDeliveryFailed, tracking.ReasonLocationInaccessible)},
		{"TRANSIT", "notice_left", mp(tracking.StatusDeliveryFailed, tracking.ReasonNoticeLeft)},
		{"TRANSIT", "out_for_delivery", mp(tracking.StatusOutForDelivery, "")},
		{"TRANSIT", "package_accepted", mp(tracking.StatusInTransit, "")},
		{"TRANSIT", "package_arrived", mp(tracking.StatusInTransit, "")},
		{"TRANSIT", "package_damaged", mp(tracking.StatusException, tracking.ReasonDamaged)},
		{"TRANSIT", "package_departed", mp(tracking.StatusInTransit, "")},
		{"TRANSIT", "package_forwarded", mp(tracking.StatusInTransit, "")},
		{"TRANSIT", "package_held", mp(tracking.StatusException, tracking.ReasonHeld)},
		{"TRANSIT", "package_processed", mp(tracking.StatusInTransit, "")},
		{"TRANSIT", "package_processing", mp(tracking.StatusInTransit, "")},
		{"TRANSIT", "pickup_available", mp(tracking.StatusAvailableForPickup, "")},
		{"TRANSIT", "reschedule_delivery", mp(tracking.StatusDeliveryFailed, tracking.ReasonRescheduled)},
		{"DELIVERED", "delivered", mp(tracking.StatusDelivered, "")},
		{"DELIVERED", "package_lost", mp(tracking.StatusDelivered, "")},
		{"RETURNED", "return_to_sender", mp(tracking.StatusReturning, tracking.ReasonReturnToSender)},
		{"RETURNED", "package_unclaimed", mp(tracking.StatusReturning, tracking.ReasonUnclaimed)},
		{"FAILURE", "package_undeliverable", mp(tracking.StatusException, tracking.ReasonUndeliverable)},
		{"FAILURE", "package_disposed", mp(tracking.StatusException, tracking.ReasonDisposed)},
		{"FAILURE", "package_lost", mp(tracking.StatusException, tracking.ReasonLost)},
		{"UNKNOWN", "other", mp(tracking.StatusUnknown, "")},
		{"TRANSIT", "other", mp(tracking.StatusInTransit, "")},
		{"TRANSIT", "brand_new_substatus", mp(tracking.StatusInTransit, "")},
		{"LOST_IN_SPACE", "package_lost", mp(tracking.StatusUnknown, "")},
	})
}

func TestAfterShipMapper(t *testing.T) {
	runMap(t, tracking.AfterShipMapper{}, []mapCase{
		{"Pending", "", mp(tracking.StatusPreTransit, "")},
		{"InfoReceived", "InfoReceived_001", mp(tracking.StatusPreTransit, "")},
		{"InTransit", "InTransit_007", mp(tracking.StatusInTransit, "")},
		{"OutForDelivery", "OutForDelivery_001", mp(tracking.StatusOutForDelivery, "")},
		{"AttemptFail", "AttemptFail_001", mp(tracking.StatusDeliveryFailed, "")},
		{"AttemptFail", "AttemptFail_002", mp(tracking.StatusDeliveryFailed, tracking.ReasonRecipientUnavailable)},
		{"AttemptFail", "AttemptFail_003", mp(tracking.StatusDeliveryFailed, tracking.ReasonBusinessClosed)},
		{"Delivered", "Delivered_001", mp(tracking.StatusDelivered, "")},
		{"AvailableForPickup", "AvailableForPickup_001", mp(tracking.StatusAvailableForPickup, "")},
		{"Exception", "Exception_001", mp(tracking.StatusException, "")},
		{"Exception", "Exception_002", mp(tracking.StatusException, tracking.ReasonRecipientMoved)},
		{"Exception", "Exception_003", mp(tracking.StatusException, tracking.ReasonRefused)},
		{"Exception", "Exception_004", mp(tracking.StatusException, tracking.ReasonCustoms)},
		{"Exception", "Exception_005", mp(tracking.StatusException, tracking.ReasonCarrierDelay)},
		{"Exception", "Exception_006", mp(tracking.StatusException, tracking.ReasonPaymentRequired)},
		{"Exception", "Exception_007", mp(tracking.StatusException, tracking.ReasonAddressIssue)},
		{"Exception", "Exception_008", mp(tracking.StatusException, tracking.ReasonMissedPickup)},
		{"Exception", "Exception_009", mp(tracking.StatusException, tracking.ReasonRejectedByCarrier)},
		{"Exception", "Exception_010", mp(tracking.StatusReturning, tracking.ReasonReturnToSender)},
		{"Exception", "Exception_011", mp(tracking.StatusReturned, tracking.ReasonReturnToSender)},
		{"Exception", "Exception_012", mp(tracking.StatusException, tracking.ReasonDamaged)},
		{"Exception", "Exception_013", mp(tracking.StatusException, tracking.ReasonLost)},
		{"Exception", "Exception_099", mp(tracking.StatusException, "")}, // open set
		{"Expired", "Expired_001", mp(tracking.StatusExpired, "")},
		{"intransit", "", mp(tracking.StatusInTransit, "")},
		// A subtag of another tag does not refine.
		{"InTransit", "Exception_011", mp(tracking.StatusInTransit, "")},
		// The subtag names its tag when the tag is missing.
		{"", "Exception_011", mp(tracking.StatusReturned, tracking.ReasonReturnToSender)},
		{"", "Nonsense_1", mp(tracking.StatusUnknown, "")},
		{"Teleported", "", mp(tracking.StatusUnknown, "")},
	})
}

func TestTableMapper(t *testing.T) {
	m := tracking.NewTableMapper("acme", map[string]tracking.Mapping{
		"D1":    {Status: tracking.StatusDelivered},
		"X9":    {Status: tracking.StatusException},
		"X9/W":  {Status: tracking.StatusException, Reason: tracking.ReasonWeather},
		"BAD":   {Status: "teleported", Reason: "Not A Reason"},
		"trans": {Status: tracking.StatusInTransit},
	})
	if m.Carrier() != "acme" {
		t.Fatalf("Carrier = %q", m.Carrier())
	}
	runMap(t, m, []mapCase{
		{"D1", "", mp(tracking.StatusDelivered, "")},
		{"d1", "", mp(tracking.StatusDelivered, "")},
		{"X9", "W", mp(tracking.StatusException, tracking.ReasonWeather)},
		{"x9", "w", mp(tracking.StatusException, tracking.ReasonWeather)},
		{"X9", "Q", mp(tracking.StatusException, "")},
		{"BAD", "", mp(tracking.StatusUnknown, tracking.ReasonOther)},
		{"TRANS", "", mp(tracking.StatusInTransit, "")},
		{"ZZ", "", mp(tracking.StatusUnknown, "")},
	})
	m.SetDefault(tracking.Mapping{Status: tracking.StatusInTransit})
	runMap(t, m, []mapCase{{"ZZ", "", mp(tracking.StatusInTransit, "")}})
	m.SetDefault(tracking.Mapping{Status: "nope"})
	runMap(t, m, []mapCase{{"ZZ", "", mp(tracking.StatusUnknown, "")}})

	// Safe for concurrent Set and Map.
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); m.Set("C", tracking.Mapping{Status: tracking.StatusInTransit}) }()
		go func() { defer wg.Done(); _ = m.Map("C", "") }()
	}
	wg.Wait()
}

func TestMapEventKeepsRaw(t *testing.T) {
	e := tracking.MapEvent(tracking.AfterShipMapper{}, "Exception", "Exception_777", "Held at depot")
	want := tracking.Event{Status: tracking.StatusException, RawCode: "Exception", RawSubcode: "Exception_777", RawText: "Held at depot"}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Fatalf("MapEvent (-want +got):\n%s", diff)
	}
	u := tracking.MapEvent(tracking.EasyPostMapper{}, "zzz", "", "")
	if u.Status != tracking.StatusUnknown || u.RawCode != "zzz" {
		t.Fatalf("unmapped: %+v", u)
	}
}

func TestStatusAndReason(t *testing.T) {
	for _, s := range tracking.Statuses() {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
		if s.String() != string(s) {
			t.Errorf("String %s", s)
		}
	}
	if len(tracking.Statuses()) != 12 {
		t.Errorf("%d statuses, want 12", len(tracking.Statuses()))
	}
	if tracking.Status("lost").Valid() || tracking.Status("").Valid() {
		t.Error("invalid status accepted")
	}
	terminal := map[tracking.Status]bool{tracking.StatusDelivered: true, tracking.StatusReturned: true, tracking.StatusCancelled: true}
	problem := map[tracking.Status]bool{tracking.StatusDeliveryFailed: true, tracking.StatusException: true, tracking.StatusReturning: true, tracking.StatusReturned: true, tracking.StatusExpired: true}
	for _, s := range tracking.Statuses() {
		if s.Terminal() != terminal[s] {
			t.Errorf("%s.Terminal() = %v", s, s.Terminal())
		}
		if s.Problem() != problem[s] {
			t.Errorf("%s.Problem() = %v", s, s.Problem())
		}
	}
	for _, c := range []struct {
		r            tracking.Reason
		valid, known bool
	}{
		{"", true, false},
		{tracking.ReasonWeather, true, true},
		{"volcanic_ash", true, false},
		{"Volcanic Ash", false, false},
		{"9lives", false, false},
	} {
		if c.r.Valid() != c.valid || c.r.Known() != c.known {
			t.Errorf("%q: Valid %v Known %v, want %v %v", c.r, c.r.Valid(), c.r.Known(), c.valid, c.known)
		}
	}
	if tracking.ReasonLost.String() != "lost" {
		t.Error("Reason.String")
	}
}

// TestShippoReturnedStaysInReturnFamily: Shippo's RETURNED means "on its
// way back to the sender, or back there". A substatus refines it but never
// turns a returning parcel into a forward one: RETURNED/delivered is the
// sender receiving it, not the customer.
func TestShippoReturnedStaysInReturnFamily(t *testing.T) {
	runMap(t, tracking.ShippoMapper{}, []mapCase{
		{"RETURNED", "delivered", mp(tracking.StatusReturned, tracking.ReasonReturnToSender)},
		{"RETURNED", "package_departed", mp(tracking.StatusReturning, tracking.ReasonReturnToSender)},
		{"RETURNED", "package_arrived", mp(tracking.StatusReturning, tracking.ReasonReturnToSender)},
		{"RETURNED", "out_for_delivery", mp(tracking.StatusReturning, tracking.ReasonReturnToSender)},
		{"RETURNED", "pickup_available", mp(tracking.StatusReturning, tracking.ReasonReturnToSender)},
		{"RETURNED", "information_received", mp(tracking.StatusReturning, tracking.ReasonReturnToSender)},
		{"RETURNED", "delivery_attempted", mp(tracking.StatusReturning, tracking.ReasonReturnToSender)},
		{"RETURNED", "package_lost", mp(tracking.StatusReturning, tracking.ReasonLost)},
		{"RETURNED", "package_damaged", mp(tracking.StatusReturning, tracking.ReasonDamaged)},
		{"RETURNED", "delayed", mp(tracking.StatusReturned, tracking.ReasonCarrierDelay)},
		{"RETURNED", "other", mp(tracking.StatusReturned, tracking.ReasonReturnToSender)},
	})
}

// TestTableMapperZeroValue: a TableMapper declared without NewTableMapper
// accepts Set instead of panicking on its nil maps.
func TestTableMapperZeroValue(t *testing.T) {
	var m tracking.TableMapper
	runMap(t, &m, []mapCase{{"D1", "", mp(tracking.StatusUnknown, "")}})
	m.Set("D1", tracking.Mapping{Status: tracking.StatusDelivered})
	runMap(t, &m, []mapCase{{"d1", "", mp(tracking.StatusDelivered, "")}})
}

// TestTableMapperSetTrimsCodesAsMapDoes: Map matches codes ignoring
// surrounding spaces, so an entry Set with them (a table pasted from a
// carrier's spreadsheet) is found too, sub-codes included, and in any case.
func TestTableMapperSetTrimsCodesAsMapDoes(t *testing.T) {
	m := tracking.NewTableMapper("acme", map[string]tracking.Mapping{
		" OD ":       {Status: tracking.StatusOutForDelivery},
		"\tDL\n":     {Status: tracking.StatusDelivered},
		" EX / 07 ":  {Status: tracking.StatusException, Reason: tracking.ReasonWeather},
		"EX/ 08":     {Status: tracking.StatusException, Reason: tracking.ReasonLost},
		" Ret/Home ": {Status: tracking.StatusReturned},
	})
	m.Set("  pu ", tracking.Mapping{Status: tracking.StatusAvailableForPickup})
	runMap(t, m, []mapCase{
		{"OD", "", mp(tracking.StatusOutForDelivery, "")},
		{" OD ", "", mp(tracking.StatusOutForDelivery, "")},
		{"od", "", mp(tracking.StatusOutForDelivery, "")},
		{"DL", "", mp(tracking.StatusDelivered, "")},
		{"EX", "07", mp(tracking.StatusException, tracking.ReasonWeather)},
		{" ex ", " 07 ", mp(tracking.StatusException, tracking.ReasonWeather)},
		{"EX", "08", mp(tracking.StatusException, tracking.ReasonLost)},
		{"RET", "home", mp(tracking.StatusReturned, "")},
		{"PU", "", mp(tracking.StatusAvailableForPickup, "")},
		{"EX", "", mp(tracking.StatusUnknown, "")},
	})
}

// TestTableMapperCaseFoldingKeepsInvalidBytesApart: matching ignoring case
// must not also ignore which bytes a code has: strings.ToLower turns every
// invalid UTF-8 byte into U+FFFD, so a garbled code ("\xfe") matched an
// entry for another garbled one ("\xff") or for "\uFFFD" itself.
func TestTableMapperCaseFoldingKeepsInvalidBytesApart(t *testing.T) {
	m := tracking.NewTableMapper("acme", map[string]tracking.Mapping{
		"D\xff":   {Status: tracking.StatusDelivered},
		"X\uFFFD": {Status: tracking.StatusException},
	})
	runMap(t, m, []mapCase{
		{"D\xff", "", mp(tracking.StatusDelivered, "")},
		{"d\xff", "", mp(tracking.StatusDelivered, "")},
		{"D\xfe", "", mp(tracking.StatusUnknown, "")},
		{"D\uFFFD", "", mp(tracking.StatusUnknown, "")},
		{"X\uFFFD", "", mp(tracking.StatusException, "")},
		{"x\uFFFD", "", mp(tracking.StatusException, "")},
		{"X\x80", "", mp(tracking.StatusUnknown, "")},
	})
}

// TestTableMapperDefaultReasonCheckedAsSetDoes: Set stores an ill-shaped
// reason as ReasonOther; SetDefault must too, or every unlisted code maps
// to a reason no Reason.Valid accepts.
func TestTableMapperDefaultReasonCheckedAsSetDoes(t *testing.T) {
	m := tracking.NewTableMapper("acme", nil)
	m.SetDefault(tracking.Mapping{Status: tracking.StatusException, Reason: "Not A Reason"})
	m.Set("X", tracking.Mapping{Status: tracking.StatusException, Reason: "Not A Reason"})
	runMap(t, m, []mapCase{
		{"ZZ", "", mp(tracking.StatusException, tracking.ReasonOther)},
		{"X", "", mp(tracking.StatusException, tracking.ReasonOther)},
	})
	if r := m.Map("ZZ", "").Reason; !r.Valid() {
		t.Fatalf("default reason %q is not valid", r)
	}
}
