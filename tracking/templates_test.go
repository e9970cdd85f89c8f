package tracking_test

import (
	"regexp"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// hole matches what a template renders around a missing value: two spaces,
// a space before punctuation (as in "Hi ,"), an empty parenthesis or a dangling
// "with ,".
var hole = regexp.MustCompile(`  | [,.;:!?)]|\( |\(\)|with ,|number \.|order \.|>\s+<`)

// TestTemplatesRenderNoHoles is issue 10 item 18: the shipped template
// rendered "Your order  has shipped" without an order reference. Every
// default template, every channel, with every optional value present or
// missing, renders whole sentences; and the values appear when given.
func TestTemplatesRenderNoHoles(t *testing.T) {
	tpl := tracking.DefaultTemplates()
	amount, err := oms.ParseMoney("12.50 EUR")
	if err != nil {
		t.Fatal(err)
	}
	full := tracking.TemplateData{
		Customer: tracking.Customer{ID: "c1", Name: "Ada"},
		Notice: tracking.Notice{ShipmentRef: "shp-1", OrderRef: "1001", Carrier: "UPS", TrackingNumber: "1Z999",
			TrackingURL: "https://example.com/t", Reason: tracking.ReasonWeather,
			EstimatedDelivery: oms.NewDate(2026, 3, 5), Amount: &amount},
	}
	empty := tracking.TemplateData{Customer: tracking.Customer{ID: "c1"}, Notice: tracking.Notice{ShipmentRef: "shp-1"}}
	for _, kind := range tracking.Kinds() {
		for _, ch := range []tracking.Channel{tracking.ChannelEmail, tracking.ChannelSMS} {
			for name, data := range map[string]tracking.TemplateData{"full": full, "empty": empty} {
				data.Notice.Kind = kind
				r, err := tpl.Render(kind, "", ch, data)
				if err != nil {
					t.Fatal(err)
				}
				for part, text := range map[string]string{"subject": r.Subject, "text": r.Text, "html": r.HTML} {
					if loc := hole.FindStringIndex(text); loc != nil {
						t.Errorf("%s/%s %s %s has a hole at %q: %q", kind, ch, name, part, text[max(0, loc[0]-10):min(len(text), loc[1]+10)], text)
					}
				}
				if name == "full" && kind != tracking.KindOutForDelivery && kind != tracking.KindDelivered &&
					kind != tracking.KindDelayed && kind != tracking.KindReadyForPickup && !regexp.MustCompile(`1001`).MatchString(r.Subject+r.Text) {
					t.Errorf("%s/%s: the order reference is missing: %q / %q", kind, ch, r.Subject, r.Text)
				}
			}
		}
	}
	r, err := tpl.Render(tracking.KindShipped, "", tracking.ChannelEmail, empty)
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Your order has shipped" {
		t.Fatalf("shipped subject without an order reference: %q", r.Subject)
	}
}
