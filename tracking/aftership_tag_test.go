package tracking_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/omskit/oms/tracking"
)

// afterShipBody builds an AfterShip tracking webhook.
func afterShipBody(t *testing.T, number, tag, subtag, updatedAt string, checkpoints ...[3]string) []byte {
	t.Helper()
	type cp struct {
		Time   string `json:"checkpoint_time"`
		Tag    string `json:"tag"`
		Subtag string `json:"subtag"`
	}
	msg := map[string]any{"tracking_number": number, "slug": "ups", "tag": tag, "subtag": subtag, "subtag_message": "merchant update"}
	if updatedAt != "" {
		msg["updated_at"] = updatedAt
	}
	var cps []cp
	for _, c := range checkpoints {
		cps = append(cps, cp{Time: c[0], Tag: c[1], Subtag: c[2]})
	}
	msg["checkpoints"] = cps
	b, err := json.Marshal(map[string]any{"event": "tracking_update", "msg": msg})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAfterShipTagIsTheTrackingStatus is issue 10 item 20: AfterShip's
// tracking-level tag and subtag are the tracking's status. A tracking whose
// tag is Expired with no checkpoint stayed pre_transit; one the merchant
// marked Delivered or Exception_013 (lost) kept its last checkpoint's
// status. The tag is now applied as an event stamped with the tracking's
// updated_at when it is newer than the last checkpoint or final, and
// repeating the webhook changes nothing.
func TestAfterShipTagIsTheTrackingStatus(t *testing.T) {
	ctx := context.Background()
	const (
		t1 = "2026-03-01T10:00:00Z"
		t2 = "2026-03-02T10:00:00Z"
		t3 = "2026-03-03T10:00:00Z"
	)
	for _, tc := range []struct {
		name       string
		body       func(n string) []byte
		wantStatus tracking.Status
		wantReason tracking.Reason
		wantEvents int
	}{
		{"expired without checkpoints", func(n string) []byte { return afterShipBody(t, n, "Expired", "Expired_001", t3) },
			tracking.StatusExpired, "", 1},
		{"delivered by the merchant after an in-transit scan", func(n string) []byte {
			return afterShipBody(t, n, "Delivered", "Delivered_001", t3, [3]string{t1, "InTransit", "InTransit_001"})
		}, tracking.StatusDelivered, "", 2},
		{"delivered, updated before the last scan: final anyway", func(n string) []byte {
			return afterShipBody(t, n, "Delivered", "Delivered_001", t1, [3]string{t2, "OutForDelivery", "OutForDelivery_001"})
		}, tracking.StatusDelivered, "", 2},
		{"lost after an out-for-delivery scan", func(n string) []byte {
			return afterShipBody(t, n, "Exception", "Exception_013", t3, [3]string{t1, "InTransit", "InTransit_001"}, [3]string{t2, "OutForDelivery", "OutForDelivery_001"})
		}, tracking.StatusException, tracking.ReasonLost, 3},
		{"tag agrees with the last checkpoint: no extra event", func(n string) []byte {
			return afterShipBody(t, n, "OutForDelivery", "OutForDelivery_001", t3, [3]string{t2, "OutForDelivery", "OutForDelivery_001"})
		}, tracking.StatusOutForDelivery, "", 1},
		{"older forward tag than the last checkpoint: ignored", func(n string) []byte {
			return afterShipBody(t, n, "InTransit", "InTransit_001", t1, [3]string{t2, "OutForDelivery", "OutForDelivery_001"})
		}, tracking.StatusOutForDelivery, "", 1},
		{"no update time: the tag cannot be dated", func(n string) []byte { return afterShipBody(t, n, "Expired", "Expired_001", "") },
			tracking.StatusPreTransit, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.clock.Set(time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC))
			f.register(t, "1ZTAG")
			opts := tracking.AfterShipWebhook(secret)
			h, err := tracking.NewWebhookHandler(f.svc, opts)
			if err != nil {
				t.Fatal(err)
			}
			body := tc.body("1ZTAG")
			for i := 0; i < 2; i++ {
				if code, resp := post(t, h, body, map[string]string{"Aftership-Hmac-Sha256": opts.Sign(body, "")}); code != 200 {
					t.Fatalf("post %d: %d %+v", i, code, resp)
				}
			}
			tr, err := f.svc.Get(ctx, "ups", "1ZTAG")
			if err != nil {
				t.Fatal(err)
			}
			if tr.Status != tc.wantStatus || tr.Reason != tc.wantReason || len(tr.Events) != tc.wantEvents {
				t.Fatalf("status %s/%s with %d events, want %s/%s with %d", tr.Status, tr.Reason, len(tr.Events), tc.wantStatus, tc.wantReason, tc.wantEvents)
			}
			if tc.wantEvents > 0 && tr.Version != 2 {
				t.Fatalf("version %d after a repeated webhook, want 2", tr.Version)
			}
		})
	}
}
