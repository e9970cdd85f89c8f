package tracking_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

// TestApplyLargeBatchNewestFirst: a signed webhook (or a poll) may carry
// tens of thousands of scans, newest first; all 20,000 are applied in
// order. (Each was inserted by shifting the sorted history, about ten
// seconds per request; the batch now merges in one pass, and
// BenchmarkApplyLargeBatchNewestFirst measures it.)
func TestApplyLargeBatchNewestFirst(t *testing.T) {
	clock := oms.NewManualClock(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
	store := tracking.NewMemoryStore(nil)
	svc := tracking.NewService(store, &tracking.ServiceOptions{Clock: clock})
	ctx := context.Background()
	if _, err := svc.Register(ctx, tracking.Registration{Carrier: "usps", TrackingNumber: "9400", ShipmentRef: "s1"}); err != nil {
		t.Fatal(err)
	}
	const n = 20000
	type detail struct {
		Status   string `json:"status"`
		Datetime string `json:"datetime"`
	}
	details := make([]detail, n)
	base := clock.Now().Add(-time.Hour)
	for i := range details {
		details[i] = detail{Status: "in_transit", Datetime: base.Add(-time.Duration(i) * time.Second).Format(time.RFC3339)}
	}
	details[0].Status = "out_for_delivery"
	body, err := json.Marshal(map[string]any{
		"object": "Event", "description": "tracker.updated",
		"result": map[string]any{"carrier": "usps", "tracking_code": "9400", "tracking_details": details},
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := tracking.EasyPostWebhook([]byte("s3cret"))
	opts.MaxBodyBytes = 4 << 20
	h, err := tracking.NewWebhookHandler(svc, opts)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("X-Hmac-Signature", opts.Sign(body, ""))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var resp tracking.WebhookResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.Applied != n {
		t.Fatalf("response %+v (%v), want %d applied", resp, err, n)
	}
	tr, err := svc.Get(ctx, "usps", "9400")
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Events) != n || tr.Status != tracking.StatusOutForDelivery {
		t.Fatalf("%d events, status %s", len(tr.Events), tr.Status)
	}
	if !sort.SliceIsSorted(tr.Events, func(i, j int) bool { return tr.Events[i].Time.Before(tr.Events[j].Time) }) {
		t.Fatal("history not sorted by time")
	}
}

// TestApplyBatchEqualsOneByOne: applying a batch (shuffled, with repeats,
// with events already held) gives the same history, status and count as
// applying its events one at a time.
func TestApplyBatchEqualsOneByOne(t *testing.T) {
	statuses := tracking.Statuses()
	rng := rand.New(rand.NewSource(7))
	for round := range 200 {
		pool := make([]tracking.Event, 40)
		for i := range pool {
			pool[i] = tracking.Event{
				Time:    t0.Add(time.Duration(rng.Intn(10)) * time.Hour),
				Status:  statuses[rng.Intn(len(statuses))],
				RawCode: fmt.Sprint(rng.Intn(3)),
			}
		}
		pick := func(k int) []tracking.Event {
			out := make([]tracking.Event, k)
			for i := range out {
				out[i] = pool[rng.Intn(len(pool))]
			}
			return out
		}
		held := pick(rng.Intn(20))
		batch := pick(rng.Intn(60))
		a, b := newTracker(), newTracker()
		a.Apply(held...)
		b.Apply(held...)
		got := a.Apply(batch...)
		want := 0
		for _, e := range batch {
			want += b.Apply(e)
		}
		if got != want {
			t.Fatalf("round %d: batch added %d, one by one %d", round, got, want)
		}
		if diff := cmp.Diff(b, a); diff != "" {
			t.Fatalf("round %d: batch differs from one by one (-one +batch):\n%s", round, diff)
		}
	}
}
