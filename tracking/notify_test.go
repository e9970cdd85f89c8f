package tracking_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
	"github.com/omskit/oms/tracking/trackingtest"
)

type notifyFixture struct {
	*fixture
	email, sms *trackingtest.Notifier
	n          *tracking.Notifications
}

func newNotifyFixture(t *testing.T, customers trackingtest.Customers) *notifyFixture {
	t.Helper()
	f := newFixture(t)
	nf := &notifyFixture{fixture: f, email: &trackingtest.Notifier{}, sms: &trackingtest.Notifier{}}
	n, err := tracking.NewNotifications(f.store, &tracking.NotificationsOptions{
		Senders:   map[tracking.Channel]tracking.Notifier{tracking.ChannelEmail: nf.email, tracking.ChannelSMS: nf.sms},
		Customers: customers,
		Clock:     f.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	nf.n = n
	return nf
}

var ada = tracking.Customer{ID: "cust-1", Name: "Ada <Lovelace>", Email: "ada@example.com", Phone: "+15550100", Channels: []tracking.Channel{tracking.ChannelEmail, tracking.ChannelSMS}}

func shippedNotice() tracking.Notice {
	return tracking.Notice{
		Kind: tracking.KindShipped, CustomerID: "cust-1", ShipmentRef: "shp-1", OrderRef: "ORD-1",
		Carrier: "UPS", TrackingNumber: "1Z999", TrackingURL: "https://track.example.com/1Z999?a=1&b=<2>",
		EstimatedDelivery: oms.NewDate(2026, 3, 5),
	}
}

func TestNotifyRendersAndSendsOnce(t *testing.T) {
	ctx := context.Background()
	nf := newNotifyFixture(t, trackingtest.Customers{"cust-1": ada})
	sent, err := nf.n.Notify(ctx, shippedNotice())
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != 2 || len(nf.email.Sent()) != 1 || len(nf.sms.Sent()) != 1 {
		t.Fatalf("sent %d (email %d sms %d), want one per channel", len(sent), len(nf.email.Sent()), len(nf.sms.Sent()))
	}
	m := nf.email.Sent()[0]
	if m.Subject != "Your order ORD-1 has shipped" || m.To != "ada@example.com" || m.Key != tracking.MessageKey(tracking.KindShipped, "shp-1", "cust-1", tracking.ChannelEmail) {
		t.Fatalf("email %+v", m)
	}
	wantText := "Hi Ada <Lovelace>, your parcel is on its way with UPS, tracking number 1Z999. Track it: https://track.example.com/1Z999?a=1&b=<2> Expected Thu, 5 Mar 2026."
	if m.Text != wantText {
		t.Fatalf("text\n got %q\nwant %q", m.Text, wantText)
	}
	if !strings.Contains(m.HTML, "Ada &lt;Lovelace&gt;") || strings.Contains(m.HTML, "<Lovelace>") || !strings.Contains(m.HTML, `href="https://track.example.com/1Z999?a=1&amp;b=%3c2%3e"`) {
		t.Fatalf("html not escaped: %s", m.HTML)
	}
	if s := nf.sms.Sent()[0]; s.HTML != "" || s.To != "+15550100" {
		t.Fatalf("sms %+v", s)
	}
	// Repeats send nothing.
	for i := 0; i < 5; i++ {
		sent, err := nf.n.Notify(ctx, shippedNotice())
		if err != nil || len(sent) != 0 {
			t.Fatalf("repeat %d: %d sent, %v", i, len(sent), err)
		}
	}
	if len(nf.email.Sent()) != 1 || len(nf.sms.Sent()) != 1 {
		t.Fatal("a repeated milestone was sent again")
	}
	// Another milestone of the same shipment is sent.
	n := shippedNotice()
	n.Kind = tracking.KindOutForDelivery
	if sent, _ := nf.n.Notify(ctx, n); len(sent) != 2 {
		t.Fatalf("out for delivery: %d sent", len(sent))
	}
}

func TestNotifyConcurrentAtMostOnce(t *testing.T) {
	ctx := context.Background()
	nf := newNotifyFixture(t, trackingtest.Customers{"cust-1": ada})
	kinds := []tracking.Kind{tracking.KindShipped, tracking.KindOutForDelivery, tracking.KindDelivered}
	var wg sync.WaitGroup
	for g := 0; g < 24; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for r := 0; r < 10; r++ {
				n := shippedNotice()
				n.Kind = kinds[(g+r)%len(kinds)]
				if _, err := nf.n.Notify(ctx, n); err != nil {
					t.Error(err)
				}
			}
		}(g)
	}
	wg.Wait()
	count := map[string]int{}
	for _, m := range append(nf.email.Sent(), nf.sms.Sent()...) {
		count[m.Key]++
	}
	if len(count) != 6 {
		t.Fatalf("%d distinct messages, want 3 kinds × 2 channels", len(count))
	}
	for k, c := range count {
		if c != 1 {
			t.Fatalf("%s sent %d times", k, c)
		}
	}
}

// TestNotifyFromRepeatedEvents drives notifications from the outbox of a
// tracker that receives the same webhooks many times, concurrently, and
// with the relay redelivering: each milestone reaches the customer once.
func TestNotifyFromRepeatedEvents(t *testing.T) {
	ctx := context.Background()
	nf := newNotifyFixture(t, trackingtest.Customers{"cust-1": ada})
	nf.register(t, "N1")
	updates := []tracking.Update{
		{Carrier: "ups", TrackingNumber: "N1", Events: []tracking.Event{ev(1, tracking.StatusInTransit, "IT")}},
		{Carrier: "ups", TrackingNumber: "N1", Events: []tracking.Event{ev(1, tracking.StatusInTransit, "IT"), ev(5, tracking.StatusOutForDelivery, "OFD")}},
		{Carrier: "ups", TrackingNumber: "N1", Events: []tracking.Event{ev(9, tracking.StatusDelivered, "DL")}},
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for r := 0; r < 3; r++ {
				if _, err := nf.svc.Apply(ctx, updates[(g+r)%3]); err != nil {
					t.Error(err)
				}
			}
		}(g)
	}
	wg.Wait()
	// Deliver every outbox event twice, from two goroutines.
	events := nf.store.Outbox().Events("")
	var wg2 sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for _, e := range events {
				if err := nf.n.Publish(ctx, e); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg2.Wait()
	// Also through a relay (at least once).
	relay := oms.NewRelay(nf.store.Outbox(), nf.n, nil)
	if _, err := relay.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	var kinds []tracking.Kind
	for _, m := range nf.email.Sent() {
		kinds = append(kinds, m.Kind)
	}
	seen := map[tracking.Kind]int{}
	for _, k := range kinds {
		seen[k]++
	}
	for k, c := range seen {
		if c != 1 {
			t.Fatalf("kind %s sent %d times: %v", k, c, kinds)
		}
	}
	if seen[tracking.KindDelivered] != 1 {
		t.Fatalf("delivered not sent: %v", kinds)
	}
}

func TestNotifyFailureReleasesClaim(t *testing.T) {
	ctx := context.Background()
	nf := newNotifyFixture(t, trackingtest.Customers{"cust-1": ada})
	nf.email.FailWith(oms.ErrUnavailable)
	sent, err := nf.n.Notify(ctx, shippedNotice())
	if !errors.Is(err, oms.ErrUnavailable) || len(sent) != 1 || sent[0].Channel != tracking.ChannelSMS {
		t.Fatalf("partial failure: %v, %+v", err, sent)
	}
	nf.email.FailWith(nil)
	sent, err = nf.n.Notify(ctx, shippedNotice())
	if err != nil || len(sent) != 1 || sent[0].Channel != tracking.ChannelEmail {
		t.Fatalf("retry: %v, %+v", err, sent)
	}
}

func TestChannelPreferences(t *testing.T) {
	c := tracking.Customer{ID: "c", Email: "e@x", Phone: "+1", PushToken: "tok",
		Channels: []tracking.Channel{tracking.ChannelSMS, tracking.ChannelPush, tracking.ChannelSMS},
		PerKind: map[tracking.Kind][]tracking.Channel{
			tracking.KindDelivered:    {tracking.ChannelEmail},
			tracking.KindRefundIssued: {},
		}}
	for _, tc := range []struct {
		k    tracking.Kind
		want []tracking.Channel
	}{
		{tracking.KindShipped, []tracking.Channel{tracking.ChannelSMS, tracking.ChannelPush}},
		{tracking.KindDelivered, []tracking.Channel{tracking.ChannelEmail}},
		{tracking.KindRefundIssued, nil},
	} {
		if diff := cmp.Diff(tc.want, c.ChannelsFor(tc.k)); diff != "" {
			t.Errorf("%s: %s", tc.k, diff)
		}
	}
	noPhone := tracking.Customer{ID: "d", Email: "d@x", Channels: []tracking.Channel{tracking.ChannelSMS, tracking.ChannelEmail, "fax"}}
	if diff := cmp.Diff([]tracking.Channel{tracking.ChannelEmail}, noPhone.ChannelsFor(tracking.KindShipped)); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]tracking.Channel{tracking.ChannelEmail}, (tracking.Customer{Email: "x@y"}).ChannelsFor(tracking.KindShipped)); diff != "" {
		t.Error("default channel:", diff)
	}
	// A muted kind sends nothing, and a channel without a sender is skipped.
	nf := newNotifyFixture(t, trackingtest.Customers{"c": c})
	n := shippedNotice()
	n.CustomerID, n.Kind = "c", tracking.KindRefundIssued
	if sent, err := nf.n.Notify(context.Background(), n); err != nil || len(sent) != 0 {
		t.Fatalf("muted: %v %v", sent, err)
	}
	n.Kind = tracking.KindShipped
	sent, err := nf.n.Notify(context.Background(), n)
	if err != nil || len(sent) != 1 || sent[0].Channel != tracking.ChannelSMS {
		t.Fatalf("sms only (no push sender): %+v %v", sent, err)
	}
	for _, ch := range []tracking.Channel{tracking.ChannelEmail, tracking.ChannelSMS, tracking.ChannelPush} {
		if !ch.Valid() {
			t.Error(ch)
		}
	}
}

func TestTemplatesLocaleAndAllKinds(t *testing.T) {
	tpls := tracking.DefaultTemplates()
	money := oms.MustParseMoney("12.50 EUR")
	for _, k := range tracking.Kinds() {
		r, err := tpls.Render(k, "en-GB", tracking.ChannelEmail, tracking.TemplateData{
			Customer: tracking.Customer{Name: "Bo"},
			Notice:   tracking.Notice{Kind: k, OrderRef: "O-7", TrackingNumber: "T-1", Carrier: "DHL", Reason: tracking.ReasonWeather, Amount: &money},
		})
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if r.Subject == "" || !strings.Contains(r.Text, "Bo") || r.HTML == "" {
			t.Errorf("%s: %+v", k, r)
		}
		if k == tracking.KindRefundIssued && !strings.Contains(r.Text, "12.50 EUR") {
			t.Errorf("refund text %q", r.Text)
		}
		if k == tracking.KindDelayed && !strings.Contains(r.Text, "(weather)") {
			t.Errorf("delayed text %q", r.Text)
		}
	}
	if err := tpls.Set(tracking.KindDelivered, "de", tracking.Template{Subject: "Zugestellt", Text: "Hallo {{.Customer.Name}}, zugestellt.", HTML: "<b>{{.Customer.Name}}</b>"}); err != nil {
		t.Fatal(err)
	}
	r, err := tpls.Render(tracking.KindDelivered, "de_CH", tracking.ChannelEmail, tracking.TemplateData{Customer: tracking.Customer{Name: "<i>"}})
	if err != nil || r.Subject != "Zugestellt" || r.Text != "Hallo <i>, zugestellt." || r.HTML != "<b>&lt;i&gt;</b>" {
		t.Fatalf("locale fallback: %+v %v", r, err)
	}
	if r, _ := tpls.Render(tracking.KindDelivered, "fr", tracking.ChannelSMS, tracking.TemplateData{}); r.Subject != "Your parcel has been delivered" || r.HTML != "" {
		t.Fatalf("default fallback: %+v", r)
	}
	err = tpls.Set("nope", "", tracking.Template{Subject: "{{", Text: "", HTML: "{{end}}"})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !ve.Has("kind") || !ve.Has("subject") || !ve.Has("text") || !ve.Has("html") {
		t.Fatalf("bad template: %v", err)
	}
	if err := tpls.Set(tracking.KindDelivered, "xx", tracking.Template{Text: "{{"}); !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("bad text: %v", err)
	}
	empty := &tracking.Templates{}
	if _, err := empty.Render(tracking.KindShipped, "", tracking.ChannelEmail, tracking.TemplateData{}); !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("no template: %v", err)
	}
	if err := empty.Set(tracking.KindShipped, "", tracking.Template{Text: "{{.Notice.Missing}}"}); err != nil {
		t.Fatal(err)
	}
	if _, err := empty.Render(tracking.KindShipped, "", tracking.ChannelEmail, tracking.TemplateData{}); err == nil {
		t.Fatal("rendering a missing field succeeded")
	}
	for _, tc := range []tracking.Template{{Subject: "{{.X}}", Text: "ok"}, {Text: "ok", HTML: "{{.X}}"}} {
		e := &tracking.Templates{}
		if err := e.Set(tracking.KindShipped, "", tc); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Render(tracking.KindShipped, "", tracking.ChannelEmail, tracking.TemplateData{}); err == nil {
			t.Fatalf("%+v rendered", tc)
		}
	}
}

func TestNotificationsErrors(t *testing.T) {
	ctx := context.Background()
	store := tracking.NewMemoryStore(nil)
	_, err := tracking.NewNotifications(nil, &tracking.NotificationsOptions{Senders: map[tracking.Channel]tracking.Notifier{"fax": &trackingtest.Notifier{}}})
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !ve.Has("senders") || !ve.Has("customers") || !ve.Has("store") {
		t.Fatalf("bad options: %v", err)
	}
	if _, err := tracking.NewNotifications(store, nil); !errors.Is(err, oms.ErrValidation) {
		t.Fatalf("nil options: %v", err)
	}
	sent := 0
	n, err := tracking.NewNotifications(store, &tracking.NotificationsOptions{
		Senders: map[tracking.Channel]tracking.Notifier{tracking.ChannelEmail: tracking.NotifierFunc(func(context.Context, tracking.Message) error { sent++; return nil })},
		Customers: tracking.CustomerFunc(func(ctx context.Context, id oms.ID) (tracking.Customer, error) {
			return trackingtest.Customers{"c": ada}.Customer(ctx, id)
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Notify(ctx, tracking.Notice{Kind: "x"}); !errors.As(err, &ve) || !ve.Has("kind") || !ve.Has("customer_id") || !ve.Has("scope") {
		t.Fatalf("bad notice: %v", err)
	}
	if _, err := n.Notify(ctx, tracking.Notice{Kind: tracking.KindOrderConfirmed, CustomerID: "ghost", OrderRef: "o"}); !errors.Is(err, oms.ErrNotFound) {
		t.Fatalf("unknown customer: %v", err)
	}
	if got, err := n.Notify(ctx, tracking.Notice{Kind: tracking.KindOrderConfirmed, CustomerID: "c", OrderRef: "o"}); err != nil || len(got) != 1 || sent != 1 {
		t.Fatalf("order confirmed: %v %v", got, err)
	}
	// Events that are not milestones, and payloads that do not decode.
	for _, e := range []oms.Event{
		{Type: tracking.EventRegistered, Payload: []byte(`{}`)},
		{Type: tracking.EventStatusChanged, Payload: []byte(`{"status":"pre_transit","customer_id":"c"}`)},
		{Type: tracking.EventStatusChanged, Payload: []byte(`{"status":"delivered"}`)},
	} {
		if err := n.Publish(ctx, e); err != nil {
			t.Fatalf("%s: %v", e.Type, err)
		}
	}
	for _, e := range []oms.Event{
		{Type: tracking.EventStatusChanged, Payload: []byte(`{`)},
		{Type: tracking.EventExceptionDetected, Payload: []byte(`[`)},
	} {
		if err := n.Publish(ctx, e); err == nil {
			t.Fatalf("%s: bad payload accepted", e.Type)
		}
	}
	if err := n.Publish(ctx, oms.Event{Type: tracking.EventExceptionDetected, Payload: []byte(`{"customer_id":"c","shipment_ref":"s","alert":{"reason":"no_scan"}}`)}); err != nil || sent != 2 {
		t.Fatalf("alert → delayed: %v, sent %d", err, sent)
	}
	// Claim errors are reported.
	fs := &claimFailStore{Store: store, err: errors.New("db down")}
	n2, _ := tracking.NewNotifications(fs, &tracking.NotificationsOptions{
		Senders: map[tracking.Channel]tracking.Notifier{tracking.ChannelEmail: &trackingtest.Notifier{}}, Customers: trackingtest.Customers{"c": ada},
	})
	if _, err := n2.Notify(ctx, shippedNotice()); err == nil {
		t.Fatal("claim failure not reported")
	}
	for _, k := range tracking.Kinds() {
		if !k.Valid() {
			t.Error(k)
		}
	}
	for s, want := range map[tracking.Status]tracking.Kind{tracking.StatusInTransit: tracking.KindShipped, tracking.StatusAvailableForPickup: tracking.KindReadyForPickup, tracking.StatusExpired: tracking.KindDelayed} {
		if k, ok := tracking.KindFor(s); !ok || k != want {
			t.Errorf("KindFor(%s) = %s", s, k)
		}
	}
	if _, ok := tracking.KindFor(tracking.StatusCancelled); ok {
		t.Error("cancelled has a message")
	}
	if a, b := tracking.MessageKey(tracking.KindShipped, "a|b", "c", tracking.ChannelEmail), tracking.MessageKey(tracking.KindShipped, "a", "b|c", tracking.ChannelEmail); a == b {
		t.Errorf("message keys collide: %s", a)
	}
}

type claimFailStore struct {
	tracking.Store
	err error
}

func (s *claimFailStore) ClaimNotification(context.Context, string, time.Time) (bool, error) {
	return false, s.err
}

// TestNotificationsNilSenderRefused: a nil Notifier is refused when
// Notifications is built, instead of panicking on the first message.
func TestNotificationsNilSenderRefused(t *testing.T) {
	var ve *oms.ValidationError
	n, err := tracking.NewNotifications(tracking.NewMemoryStore(nil), &tracking.NotificationsOptions{
		Senders:   map[tracking.Channel]tracking.Notifier{tracking.ChannelEmail: nil},
		Customers: trackingtest.Customers{"cust-1": ada},
	})
	if !errors.As(err, &ve) || !ve.Has("senders") {
		if err == nil {
			_, _ = n.Notify(context.Background(), shippedNotice()) // panicked before the fix
		}
		t.Fatalf("nil sender: %v", err)
	}
}

// TestNotifyKeysByNoticeCustomer: the at-most-once key is the notice's
// customer even when the host's CustomerSource leaves Customer.ID empty,
// so two customers of one shipment each get their message.
func TestNotifyKeysByNoticeCustomer(t *testing.T) {
	ctx := context.Background()
	mail := &trackingtest.Notifier{}
	n, err := tracking.NewNotifications(tracking.NewMemoryStore(nil), &tracking.NotificationsOptions{
		Senders: map[tracking.Channel]tracking.Notifier{tracking.ChannelEmail: mail},
		Customers: tracking.CustomerFunc(func(_ context.Context, id oms.ID) (tracking.Customer, error) {
			return tracking.Customer{Name: string(id), Email: string(id) + "@example.com"}, nil // no ID set
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []oms.ID{"buyer", "giftee", "buyer"} {
		notice := shippedNotice()
		notice.CustomerID = id
		if _, err := n.Notify(ctx, notice); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, m := range mail.Sent() {
		got = append(got, string(m.CustomerID)+" "+m.To)
	}
	if diff := cmp.Diff([]string{"buyer buyer@example.com", "giftee giftee@example.com"}, got); diff != "" {
		t.Fatalf("sent (-want +got):\n%s", diff)
	}
}
