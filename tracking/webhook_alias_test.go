package tracking_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// TestWebhookRefusesAliasToAnInvalidCarrier: CarrierAliases mapping a
// provider's code to an empty or ill-formed carrier code was accepted,
// and then every webhook of that carrier was refused with 400, which the
// provider retries for ever. NewWebhookHandler now refuses such options.
func TestWebhookRefusesAliasToAnInvalidCarrier(t *testing.T) {
	f := newFixture(t)
	for _, to := range []string{"", "  ", "dhl/express", "dh\x00l", strings.Repeat("x", 65)} {
		opts := tracking.EasyPostWebhook(secret)
		opts.CarrierAliases = map[string]string{"DHLExpress": to}
		h, err := tracking.NewWebhookHandler(f.svc, opts)
		var ve *oms.ValidationError
		if h != nil || !errors.Is(err, oms.ErrValidation) || !errors.As(err, &ve) || !ve.Has("carrier_aliases") {
			t.Errorf("alias to %q: handler %v, err %v", to, h != nil, err)
		}
	}
	opts := tracking.EasyPostWebhook(secret)
	opts.CarrierAliases = map[string]string{"DHLExpress": " DHL "}
	if _, err := tracking.NewWebhookHandler(f.svc, opts); err != nil {
		t.Fatalf("a good alias refused: %v", err)
	}
}
