package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/notify"
	"github.com/omskit/oms/notify/notifytest"
	"github.com/omskit/oms/order"
	"github.com/omskit/oms/tracking"
)

func TestNewRefusesBadOptions(t *testing.T) {
	_, err := notify.New(nil, &notify.Options{DefaultChannels: []notify.Channel{"fax"}, Digest: -time.Second, ClaimTimeout: -time.Second})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a ValidationError", err)
	}
	for _, f := range []string{"store", "sender", "default_channels", "digest", "claim_timeout"} {
		if !ve.Has(f) {
			t.Errorf("the error does not name %s: %v", f, err)
		}
	}
	if _, err := notify.New(notify.NewMemoryStore(), nil); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("nil options: %v, want ErrValidation (no sender)", err)
	}
}

func TestSetPreferencesRefusesBadInputAndChangesNothing(t *testing.T) {
	e := newEnv(t, nil)
	cases := map[string]struct {
		id oms.ID
		p  notify.Preferences
	}{
		"unknown channel":     {"c1", notify.Preferences{Channels: []notify.Channel{"fax"}}},
		"channel twice":       {"c1", notify.Preferences{Channels: []notify.Channel{notify.ChannelSMS, notify.ChannelSMS}}},
		"unknown kind":        {"c1", notify.Preferences{PerKind: map[notify.Kind][]notify.Channel{"party": nil}}},
		"digest kind":         {"c1", notify.Preferences{PerKind: map[notify.Kind][]notify.Channel{notify.KindDigest: nil}}},
		"unknown kind chan":   {"c1", notify.Preferences{PerKind: map[notify.Kind][]notify.Channel{notify.KindShipped: {"pigeon"}}}},
		"control character":   {"c1", notify.Preferences{Email: "a@example.com\r\nBcc: x@example.com"}},
		"long name":           {"c1", notify.Preferences{Name: strings.Repeat("n", 513)}},
		"long locale":         {"c1", notify.Preferences{Locale: strings.Repeat("de-", 20)}},
		"empty customer":      {"", notify.Preferences{}},
		"customer with space": {"c 1", notify.Preferences{}},
	}
	for name, c := range cases {
		if err := e.n.SetPreferences(e.ctx, c.id, c.p); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: err = %v, want ErrValidation", name, err)
		}
		if err := e.store.SetPreferences(e.ctx, c.id, c.p); !errors.Is(err, oms.ErrValidation) {
			t.Errorf("%s: the store accepted it: %v", name, err)
		}
	}
	if _, err := e.n.Preferences(e.ctx, "c1"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("refused preferences were stored: %v", err)
	}
	ok := notify.Preferences{Locale: "de", Channels: []notify.Channel{notify.ChannelPush}, PushToken: "t"}
	if err := e.n.SetPreferences(e.ctx, "c1", ok); err != nil {
		t.Fatal(err)
	}
	if got, err := e.n.Preferences(e.ctx, "c1"); err != nil || !cmp.Equal(got, ok) {
		t.Errorf("Preferences = %+v, %v", got, err)
	}
}

func TestReturnApprovedLabelReceivedRefunded(t *testing.T) {
	e := newEnv(t, nil)
	s := notifytest.NewScript("ord-r", "4001", anna, t0)
	e.publish(t,
		s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Name: "Chair", Quantity: 1, Total: "99.00"}),
		s.ReturnRequested("ret-1", lq("l1", 1)),
		s.ReturnApproved("ret-1"),
		s.ReturnLabel("ret-1", "https://labels.example/ret-1.pdf", "RT1"),
		s.ReturnReceived("ret-1", false),
		s.ReturnReceived("ret-1", true),
		s.Refunded("ret-1", "99.00"),
		// A second return whose label comes with the approval's news.
		s.ReturnRequested("ret-2", lq("l1", 1)),
		s.ReturnLabel("ret-2", "https://labels.example/ret-2.pdf", "RT2"),
		s.ReturnApproved("ret-2"),
	)
	msgs := e.rec.Messages()
	want := []string{"email:order_confirmed", "email:return_approved", "email:return_label", "email:return_received", "email:refund_issued", "email:return_approved"}
	if diff := cmp.Diff(want, kinds(msgs)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if !strings.Contains(msgs[1].Text, "You will find how to send the items back") || !strings.Contains(msgs[2].Text, "ret-1.pdf") ||
		!strings.Contains(msgs[5].Text, "Print your return label: https://labels.example/ret-2.pdf") {
		t.Errorf("texts:\n%s\n%s\n%s", msgs[1].Text, msgs[2].Text, msgs[5].Text)
	}
	v, err := e.n.View(e.ctx, "ord-r")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Returns) != 2 || v.Returns[0].Status != "received" || v.Returns[0].LabelURL == "" || v.Returns[1].Status != "label_issued" ||
		len(v.Refunds) != 1 || v.Refunds[0].Amount.String() != "99.00 EUR" || v.Returns[0].Lines[0].Name != "Chair" {
		t.Errorf("view: %+v", v)
	}
}

func TestExchangeReplacementShipsAsExchangeShipped(t *testing.T) {
	e := newEnv(t, nil)
	orig := notifytest.NewScript("ord-x", "5001", anna, t0)
	repl := notifytest.NewScript("ord-y", "5002", anna, t0.Add(time.Hour))
	e.publish(t,
		orig.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 1}),
		orig.ReturnRequested("ret-x", lq("l1", 1)), orig.ReturnApproved("ret-x"),
		orig.ExchangeCreated("ret-x", "ord-y"),
		repl.Confirmed(notifytest.Line{ID: "l1", SKU: "A2", Quantity: 1}),
		repl.ShipmentCreated("sh-y", "DPD"), repl.LabelPurchased("sh-y", 0, "DP1"), repl.ShipmentShipped("sh-y"),
	)
	msgs := e.rec.Messages()
	if diff := cmp.Diff([]string{"email:order_confirmed", "email:return_approved", "email:exchange_shipped"}, kinds(msgs)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if got := msgs[2].Text; !strings.Contains(got, "The replacement for order ord-x is on the way with DPD") {
		t.Errorf("text: %s", got)
	}
	v, _ := e.n.View(e.ctx, "ord-x")
	if v.Returns[0].ReplacementOrderID != "ord-y" {
		t.Errorf("view: %+v", v.Returns)
	}
}

func TestPickupMilestones(t *testing.T) {
	e := newEnv(t, nil)
	s := notifytest.NewScript("ord-p", "6001", anna, t0)
	e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 1}), s.ShipmentCreated("sh-p", "store"),
		s.OrderShipped("sh-p", lq("l1", 1)), s.ReadyForPickup("sh-p"), s.PickedUp("sh-p"), s.ReadyForPickup("sh-p"))
	if diff := cmp.Diff([]string{"email:order_confirmed", "email:ready_for_pickup", "email:delivered"}, kinds(e.rec.Messages())); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	v, _ := e.n.View(e.ctx, "ord-p")
	if v.Shipments[0].Status != notify.ShipmentPickedUp || v.Status != notify.OrderDelivered {
		t.Errorf("view status %s, shipment %s", v.Status, v.Shipments[0].Status)
	}
}

// TestExceptionsSayWhatHappensNext: each kind of trouble tells the
// customer what happens next.
func TestExceptionsSayWhatHappensNext(t *testing.T) {
	cases := []struct {
		name string
		ev   func(s *notifytest.Script) oms.Event
		want string
	}{
		{"failed attempt", func(s *notifytest.Script) oms.Event {
			return s.Tracking("sh", "T1", tracking.StatusDeliveryFailed, tracking.ReasonRecipientUnavailable)
		}, "nobody was available. The carrier will try again"},
		{"failed attempt without reason", func(s *notifytest.Script) oms.Event {
			return s.Tracking("sh", "T1", tracking.StatusDeliveryFailed, "")
		}, "a delivery attempt failed. The carrier will try again"},
		{"address", func(s *notifytest.Script) oms.Event {
			return s.ShipmentException("sh", 0, "T1", "delivery_failed:address_issue")
		}, "a problem with the address. Please get in touch"},
		{"lost", func(s *notifytest.Script) oms.Event { return s.ShipmentException("sh", 0, "T1", "lost") }, "the parcel was lost. We will send you a replacement"},
		{"returning", func(s *notifytest.Script) oms.Event {
			return s.Tracking("sh", "T1", tracking.StatusReturning, "")
		}, "it is being returned to us. The parcel is coming back to us"},
		{"held", func(s *notifytest.Script) oms.Event {
			return s.Tracking("sh", "T1", tracking.StatusException, tracking.ReasonHeld)
		}, "held by the carrier. The carrier holds the parcel for you to collect"},
		{"stalled", func(s *notifytest.Script) oms.Event {
			return s.Exception("sh", "T1", tracking.AlertStalled, tracking.ReasonNoScan)
		}, "no recent carrier updates. We are looking into it"},
		{"failed attempt alert", func(s *notifytest.Script) oms.Event {
			return s.Exception("sh", "T1", tracking.AlertFailedAttempt, "")
		}, "a delivery attempt failed. The carrier will try again"},
		{"customs", func(s *notifytest.Script) oms.Event {
			return s.Tracking("sh", "T1", tracking.StatusException, tracking.ReasonCustoms)
		}, "customs. We are looking into it"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			s := notifytest.NewScript("ord-e", "7001", anna, t0)
			e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 1}), s.ShipmentCreated("sh", "ups"),
				s.LabelPurchased("sh", 0, "T1"), s.ShipmentShipped("sh"), c.ev(s))
			msgs := e.rec.Messages()
			if len(msgs) != 3 || msgs[2].Kind != notify.KindDeliveryException {
				t.Fatalf("messages: %v", kinds(msgs))
			}
			if !strings.Contains(msgs[2].Text, c.want) {
				t.Errorf("text does not say %q:\n%s", c.want, msgs[2].Text)
			}
		})
	}
}

// TestEasyPostTrackingErrorTellsNobody is the notify half of issue 10 item
// 21: a tracking-API error (reason tracking_error) is not a parcel problem,
// and no customer hears of it, neither from the status change nor from the
// sweep's alert.
func TestEasyPostTrackingErrorTellsNobody(t *testing.T) {
	e := newEnv(t, nil)
	s := notifytest.NewScript("ord-t", "8001", anna, t0)
	e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 1}),
		s.Tracking("sh", "T1", tracking.StatusException, tracking.ReasonTrackingError),
		s.Exception("sh", "T1", tracking.AlertStalled, tracking.ReasonTrackingError))
	if diff := cmp.Diff([]string{"email:order_confirmed"}, kinds(e.rec.Messages())); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

// TestMilestonesWaitForTheOrdersAddresses: a guest's tracking event comes
// before the order's events; its message waits for the address.
func TestMilestonesWaitForTheOrdersAddresses(t *testing.T) {
	e := newEnv(t, nil)
	guest := order.Customer{Email: "guest@example.com"}
	s := notifytest.NewScript("ord-g", "9001", guest, t0)
	inTransit := s.Tracking("sh-g", "G1", tracking.StatusInTransit, "")
	e.publish(t, inTransit)
	if n := len(e.rec.Messages()); n != 0 {
		t.Fatalf("sent %d messages with no address", n)
	}
	if n, err := e.n.Flush(e.ctx); n != 0 || err != nil {
		t.Fatalf("Flush: %d, %v", n, err)
	}
	e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 1}))
	msgs := e.rec.Messages()
	if diff := cmp.Diff([]string{"email:shipped", "email:order_confirmed"}, kinds(msgs)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if msgs[0].To != "guest@example.com" || msgs[0].CustomerID != "" || !strings.Contains(msgs[0].Key, "guest@example.com") {
		t.Errorf("guest message: %+v", msgs[0])
	}
}

// TestMutedKindAndMissingAddresses: a muted kind sends nothing; a channel
// without an address is skipped once the order named the addresses.
func TestMutedKindAndMissingAddresses(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.n.SetPreferences(e.ctx, anna.ID, notify.Preferences{Channels: []notify.Channel{notify.ChannelEmail, notify.ChannelPush},
		PerKind: map[notify.Kind][]notify.Channel{notify.KindOrderConfirmed: {}}}); err != nil {
		t.Fatal(err)
	}
	s := notifytest.NewScript("ord-m", "9101", anna, t0)
	e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 1}), s.ShipmentCreated("sh-m", "ups"), s.ShipmentShipped("sh-m"))
	if diff := cmp.Diff([]string{"email:shipped"}, kinds(e.rec.Messages())); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	p, _ := e.store.Progress(e.ctx, "ord-m")
	if len(p.Pending) != 0 || !p.DueAt.IsZero() {
		t.Errorf("left pending: %+v, due %v", p.Pending, p.DueAt)
	}
}

// TestFailedSendIsRetriedOnce: the Sender fails; Publish returns the
// error and releases the claim; the relay's redelivery sends the message,
// once.
func TestFailedSendIsRetriedOnce(t *testing.T) {
	e := newEnv(t, nil)
	fails := 1
	e.rec.Fail = func(notify.Message) error {
		if fails > 0 {
			fails--
			return errors.New("smtp down")
		}
		return nil
	}
	s := notifytest.NewScript("ord-f", "9201", anna, t0)
	ev := s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 1})
	if err := e.n.Publish(e.ctx, ev); err == nil || !strings.Contains(err.Error(), "smtp down") {
		t.Fatalf("Publish with a failing sender: %v", err)
	}
	if len(e.rec.Messages()) != 0 {
		t.Fatal("recorded a failed message")
	}
	e.publish(t, ev, ev)
	if diff := cmp.Diff([]string{"email:order_confirmed"}, kinds(e.rec.Messages())); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	// The same through Flush.
	fails = 1
	ev2 := s.Cancelled(lq("l1", 1))
	if err := e.n.Publish(e.ctx, ev2); err == nil {
		t.Fatal("no error")
	}
	if n, err := e.n.Flush(e.ctx); n != 1 || err != nil {
		t.Fatalf("Flush: %d, %v", n, err)
	}
	if n, err := e.n.Flush(e.ctx); n != 0 || err != nil {
		t.Fatalf("second Flush: %d, %v", n, err)
	}
	if diff := cmp.Diff([]string{"email:order_confirmed", "email:order_cancelled"}, kinds(e.rec.Messages())); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

func TestPublishWithCancelledContext(t *testing.T) {
	e := newEnv(t, nil)
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	s := notifytest.NewScript("ord-c", "9301", anna, t0)
	if err := e.n.Publish(ctx, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 1})); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if _, err := e.n.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Flush err = %v", err)
	}
}

// TestTrackingOnlyShipment: tracking events without an order reference
// keep a document per shipment; the customer's preferences give the
// address.
func TestTrackingOnlyShipment(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.n.SetPreferences(e.ctx, "cust-t", notify.Preferences{Email: "t@example.com", Locale: "de"}); err != nil {
		t.Fatal(err)
	}
	ev, _ := oms.NewEvent(tracking.EventStatusChanged, tracking.AggregateKind, "trk-1", 2, t0, tracking.StatusChangedPayload{
		Snapshot: tracking.Snapshot{Carrier: "dhl", TrackingNumber: "D1", ShipmentRef: "sh-t", CustomerID: "cust-t",
			Status: tracking.StatusOutForDelivery, EstimatedDelivery: oms.NewDate(2026, 3, 5)},
		At: t0,
	})
	e.publish(t, ev)
	msgs := e.rec.Messages()
	if len(msgs) != 1 || msgs[0].To != "t@example.com" || msgs[0].OrderID != "sh-t" || msgs[0].Locale != "de" {
		t.Fatalf("messages: %+v", msgs)
	}
	v, err := e.n.View(e.ctx, "sh-t")
	if err != nil {
		t.Fatal(err)
	}
	if v.EstimatedDelivery != oms.NewDate(2026, 3, 5) || v.Status != notify.OrderShipped {
		t.Errorf("view: %+v", v)
	}
}

func TestViewJSONAndErrors(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := e.n.View(e.ctx, "nope"); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("View of an unknown order: %v", err)
	}
	if _, err := e.n.View(e.ctx, "bad id"); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("View of a bad ID: %v", err)
	}
	s := notifytest.NewScript("ord-v", "9401", anna, t0)
	e.publish(t,
		s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Name: "Lamp", Quantity: 1, Total: "10.00"}),
		s.ShipmentCreated("sh-v", "ups"), s.LabelPurchased("sh-v", 0, "1Z1"), s.ShipmentShipped("sh-v"),
		s.OrderShipped("sh-v", lq("l1", 1)),
		s.Tracking("sh-v", "1Z1", tracking.StatusInTransit, ""),
	)
	v, err := e.n.View(e.ctx, "ord-v")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"order_id":"ord-v"`, `"number":"9401"`, `"status":"shipped"`, `"tracking_number":"1Z1"`,
		`"timeline":[{"at":`, `"total":{"amount":"10.00","currency":"EUR"}`, `"returns":[]`, `"refunds":[]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	var back notify.OrderView
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(v, &back); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
	e.publish(t, s.Tracking("sh-v", "1Z1", tracking.StatusDelivered, ""), s.PackageDelivered("sh-v", 0, "1Z1"))
	if v, _ := e.n.View(e.ctx, "ord-v"); v.Status != notify.OrderShipped || !v.Shipments[0].Packages[0].Delivered {
		t.Errorf("after the parcel's delivery, before the shipment's: %s %+v", v.Status, v.Shipments[0].Packages[0])
	}
	e.publish(t, s.ShipmentDelivered("sh-v"), s.OrderDelivered("sh-v", lq("l1", 1)))
	if v, _ := e.n.View(e.ctx, "ord-v"); v.Status != notify.OrderDelivered || v.Lines[0].Delivered != 1 {
		t.Errorf("status after delivery: %s %+v", v.Status, v.Lines)
	}
}

func TestTemplatesSetAndLookup(t *testing.T) {
	tpl := notify.DefaultTemplates()
	err := tpl.Set("party", "fr", notify.Template{Subject: "{{.Order", Text: " ", HTML: "{{end}}"})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !ve.Has("kind") || !ve.Has("subject") || !ve.Has("text") || !ve.Has("html") {
		t.Fatalf("err = %v", err)
	}
	if err := tpl.Set(notify.KindShipped, "fr", notify.Template{Subject: "Commande {{.Order}} expédiée", Text: "Votre colis est en route."}); err != nil {
		t.Fatal(err)
	}
	if err := tpl.SetFrame("fr", notify.Frame{Text: "Bonjour,\n\n{{.Body}}", HTML: "<p>Bonjour,</p>{{.BodyHTML}}"}); err != nil {
		t.Fatal(err)
	}
	if err := tpl.SetFrame("xx", notify.Frame{Text: "{{", HTML: "{{"}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("bad frame: %v", err)
	}
	r, err := tpl.Render(notify.KindShipped, notify.TemplateData{Locale: "fr_CA", Order: "1"})
	if err != nil || r.Subject != "Commande 1 expédiée" || r.HTML != "<p>Votre colis est en route.</p>" {
		t.Errorf("fr_CA: %+v, %v", r, err)
	}
	f, err := tpl.Framed("fr-CA", "", r)
	if err != nil || f.Text != "Bonjour,\n\nVotre colis est en route." {
		t.Errorf("framed: %+v, %v", f, err)
	}
	// A kind without a French template falls back to the default.
	if r, _ := tpl.Render(notify.KindDelivered, notify.TemplateData{Locale: "fr"}); r.Subject != "Your order was delivered" {
		t.Errorf("fallback: %+v", r)
	}
	var empty notify.Templates
	if _, err := empty.Render(notify.KindShipped, notify.TemplateData{}); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("no template: %v", err)
	}
	if f, err := empty.Framed("en", "x", notify.Rendered{Text: "t"}); err != nil || f.Text != "t" {
		t.Errorf("no frame: %+v %v", f, err)
	}
	if err := tpl.Set(notify.KindShipped, "de", notify.Template{Text: "{{.Nope}}"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tpl.Render(notify.KindShipped, notify.TemplateData{Locale: "de"}); err == nil {
		t.Error("a template reading a missing field rendered")
	}
}

func TestKindsChannelsAndRanks(t *testing.T) {
	for _, k := range notify.Kinds() {
		if !k.Valid() || notify.Rank(k) < 1 || notify.ScopeOf(k) == "" {
			t.Errorf("%s: valid %v rank %d scope %q", k, k.Valid(), notify.Rank(k), notify.ScopeOf(k))
		}
	}
	if notify.Kind("x").Valid() || notify.Rank("x") != 0 || notify.Rank(notify.KindDigest) != 0 || !notify.KindDigest.Valid() {
		t.Error("unknown kinds")
	}
	if notify.Rank(notify.KindShipped) >= notify.Rank(notify.KindDelivered) || notify.Rank(notify.KindOrderConfirmed) >= notify.Rank(notify.KindOrderCancelled) {
		t.Error("ranks out of order")
	}
	for _, c := range notify.Channels() {
		if !c.Valid() {
			t.Errorf("%s invalid", c)
		}
	}
	if !notify.ChannelEmail.HTML() || !notify.ChannelPortal.HTML() || notify.ChannelSMS.HTML() || notify.Channel("fax").Valid() {
		t.Error("channel HTML/valid")
	}
}

func TestEstimatedDeliveryInMessages(t *testing.T) {
	for locale, want := range map[string]string{"en": "Expected Thursday, 5 March 2026.", "de": "Voraussichtliche Zustellung: Donnerstag, 5. März 2026."} {
		e := newEnv(t, nil)
		if err := e.n.SetPreferences(e.ctx, anna.ID, notify.Preferences{Locale: locale}); err != nil {
			t.Fatal(err)
		}
		s := notifytest.NewScript("ord-est", "9501", anna, t0)
		tr := s.Tracking("sh", "T1", tracking.StatusInTransit, "")
		var pl tracking.StatusChangedPayload
		_ = tr.Decode(&pl)
		pl.EstimatedDelivery = oms.NewDate(2026, 3, 5)
		tr.Payload, _ = json.Marshal(pl)
		e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 1}), tr)
		msgs := e.rec.Messages()
		if len(msgs) != 2 || !strings.Contains(msgs[1].Text, want) {
			t.Errorf("%s: %v", locale, msgs)
		}
	}
}

// TestHugeCountersSaturate: counters of accepted events never wrap.
func TestHugeCountersSaturate(t *testing.T) {
	e := newEnv(t, nil)
	s := notifytest.NewScript("ord-big", "9601", anna, t0)
	const big = int64(1) << 62
	e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: big}),
		s.OrderShipped("k1", lq("l1", big)), s.OrderShipped("k2", lq("l1", big)), s.OrderShipped("k3", lq("l1", big)))
	v, err := e.n.View(e.ctx, "ord-big")
	if err != nil {
		t.Fatal(err)
	}
	if v.Lines[0].Shipped != 1<<63-1 || v.Status != notify.OrderShipped {
		t.Errorf("line %+v, status %s", v.Lines[0], v.Status)
	}
}

// TestNilInputsNeverPanic: typed nils and nil values are refused or
// answered, never a panic.
func TestNilInputsNeverPanic(t *testing.T) {
	var nilStore *notify.MemoryStore
	var nilRec *notifytest.Recorder
	var nilClock *oms.ManualClock
	_, err := notify.New(nilStore, &notify.Options{Sender: nilRec, Clock: nilClock})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !ve.Has("store") || !ve.Has("sender") || !ve.Has("clock") {
		t.Errorf("typed nils: %v", err)
	}
	if v := notify.ViewOf(nil); v != nil {
		t.Errorf("ViewOf(nil) = %+v", v)
	}
	var tpl *notify.Templates
	if _, err := tpl.Render(notify.KindShipped, notify.TemplateData{}); !errors.Is(err, oms.ErrNotFound) {
		t.Errorf("nil templates Render: %v", err)
	}
	if err := tpl.Set(notify.KindShipped, "", notify.Template{Text: "x"}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("nil templates Set: %v", err)
	}
	if err := tpl.SetFrame("", notify.Frame{}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("nil templates SetFrame: %v", err)
	}
	if c := (*notify.Progress)(nil).Clone(); c != nil {
		t.Errorf("nil Clone = %+v", c)
	}
	e := newEnv(t, nil)
	if err := e.n.SetPreferences(e.ctx, "c1", notify.Preferences{Name: "Bad \xff name"}); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("invalid UTF-8 name: %v", err)
	}
}

// TestDeliveredByTrackingForHostsWithoutFulfillment: with
// DeliveredByTracking, a shipment of two registered parcels is delivered
// with the second parcel, not the first.
func TestDeliveredByTrackingForHostsWithoutFulfillment(t *testing.T) {
	e := newEnv(t, &notify.Options{DeliveredByTracking: true})
	mk := func(typ string, tn string, st tracking.Status, v int64) oms.Event {
		snap := tracking.Snapshot{Carrier: "dhl", TrackingNumber: tn, ShipmentRef: "sh-t", OrderRef: "ord-t", CustomerID: anna.ID, Status: st}
		var payload any = tracking.RegisteredPayload{Snapshot: snap}
		if typ == tracking.EventStatusChanged {
			payload = tracking.StatusChangedPayload{Snapshot: snap, At: t0.Add(time.Duration(v) * time.Hour)}
		}
		ev, err := oms.NewEvent(typ, tracking.AggregateKind, oms.ID("trk-"+tn), v, t0.Add(time.Duration(v)*time.Hour), payload)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	s := notifytest.NewScript("ord-t", "9701", anna, t0)
	e.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 2}),
		mk(tracking.EventRegistered, "D1", tracking.StatusPreTransit, 1), mk(tracking.EventRegistered, "D2", tracking.StatusPreTransit, 1),
		mk(tracking.EventStatusChanged, "D1", tracking.StatusInTransit, 2), mk(tracking.EventStatusChanged, "D2", tracking.StatusInTransit, 2),
		mk(tracking.EventStatusChanged, "D1", tracking.StatusDelivered, 3))
	if diff := cmp.Diff([]string{"email:order_confirmed", "email:shipped"}, kinds(e.rec.Messages())); diff != "" {
		t.Fatalf("after the first parcel (-want +got):\n%s", diff)
	}
	e.publish(t, mk(tracking.EventStatusChanged, "D2", tracking.StatusDelivered, 3))
	if diff := cmp.Diff([]string{"email:order_confirmed", "email:shipped", "email:delivered"}, kinds(e.rec.Messages())); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	// Without the option, tracking alone never says a shipment arrived.
	e2 := newEnv(t, nil)
	e2.publish(t, s.Confirmed(notifytest.Line{ID: "l1", SKU: "A", Quantity: 2}),
		mk(tracking.EventRegistered, "D1", tracking.StatusPreTransit, 1), mk(tracking.EventStatusChanged, "D1", tracking.StatusDelivered, 2))
	for _, m := range e2.rec.Messages() {
		if m.Kind == notify.KindDelivered {
			t.Error("delivered from tracking alone without DeliveredByTracking")
		}
	}
}
