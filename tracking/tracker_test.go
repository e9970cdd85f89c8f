package tracking_test

import (
	"errors"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
	"github.com/omskit/oms/tracking"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func ev(h int, s tracking.Status, code string) tracking.Event {
	return tracking.Event{Time: t0.Add(time.Duration(h) * time.Hour), Status: s, RawCode: code, RawText: "scan " + code}
}

func newTracker() *tracking.Tracker {
	return tracking.NewTracker(tracking.NewKey("UPS", " 1z 999 "), t0)
}

func TestNewKey(t *testing.T) {
	k := tracking.NewKey(" UPS ", " 1z 999 ")
	if diff := cmp.Diff(tracking.Key{Carrier: "ups", TrackingNumber: "1Z999"}, k); diff != "" {
		t.Fatal(diff)
	}
	if k.String() != "ups/1Z999" || k.ID() != tracking.NewKey("ups", "1Z999").ID() || k.ID() == "" {
		t.Fatalf("String %q ID %q", k.String(), k.ID())
	}
	err := tracking.NewKey("", "").Validate()
	var ve *oms.ValidationError
	if !errors.As(err, &ve) || !ve.Has("carrier") || !ve.Has("tracking_number") {
		t.Fatalf("empty key: %v", err)
	}
	err = tracking.Key{Carrier: strings.Repeat("x", 65), TrackingNumber: "A\x00B"}.Validate()
	if !errors.As(err, &ve) || len(ve.Problems) != 2 {
		t.Fatalf("bad key: %v", err)
	}
}

func TestApplyIdempotent(t *testing.T) {
	tr := newTracker()
	if tr.Status != tracking.StatusPreTransit || tr.Key() != tracking.NewKey("ups", "1Z999") {
		t.Fatalf("new tracker: %+v", tr)
	}
	events := []tracking.Event{ev(0, tracking.StatusPreTransit, "MP"), ev(5, tracking.StatusInTransit, "OR")}
	if n := tr.Apply(events...); n != 2 {
		t.Fatalf("Apply added %d, want 2", n)
	}
	before := tr.Clone()
	if n := tr.Apply(events...); n != 0 {
		t.Fatalf("replay added %d, want 0", n)
	}
	if diff := cmp.Diff(before, tr); diff != "" {
		t.Fatalf("replay changed the tracker (-before +after):\n%s", diff)
	}
	if !tr.Has(tr.Events[0].ID) || tr.Has("nope") {
		t.Fatal("Has")
	}
	if !tr.LastScanAt().Equal(t0.Add(5 * time.Hour)) {
		t.Fatalf("LastScanAt = %v", tr.LastScanAt())
	}
	if !newTracker().LastScanAt().IsZero() {
		t.Fatal("LastScanAt of empty tracker")
	}
	var nilT *tracking.Tracker
	if nilT.Clone() != nil {
		t.Fatal("nil Clone")
	}
}

func TestPrecedence(t *testing.T) {
	for _, c := range []struct {
		name   string
		events []tracking.Event
		want   tracking.Status
		reason tracking.Reason
	}{
		{"empty", nil, tracking.StatusPreTransit, ""},
		{"late older scan does not regress", []tracking.Event{ev(10, tracking.StatusOutForDelivery, "OFD"), ev(2, tracking.StatusInTransit, "IT")}, tracking.StatusOutForDelivery, ""},
		{"delivered beats a later in-transit scan", []tracking.Event{ev(10, tracking.StatusDelivered, "DL"), ev(12, tracking.StatusInTransit, "IT")}, tracking.StatusDelivered, ""},
		{"unknown never hides a known status", []tracking.Event{ev(1, tracking.StatusInTransit, "IT"), ev(9, tracking.StatusUnknown, "??")}, tracking.StatusInTransit, ""},
		{"only unknown", []tracking.Event{ev(1, tracking.StatusUnknown, "??")}, tracking.StatusUnknown, ""},
		{"returning beats later forward scans", []tracking.Event{ev(3, tracking.StatusReturning, "RS"), ev(6, tracking.StatusInTransit, "IT")}, tracking.StatusReturning, ""},
		{"returned after delivered", []tracking.Event{ev(3, tracking.StatusDelivered, "DL"), ev(6, tracking.StatusReturned, "RT")}, tracking.StatusReturned, ""},
		{"same time: rank decides", []tracking.Event{ev(4, tracking.StatusOutForDelivery, "OFD"), ev(4, tracking.StatusInTransit, "IT")}, tracking.StatusOutForDelivery, ""},
		{"exception with reason", []tracking.Event{ev(1, tracking.StatusInTransit, "IT"), {Time: t0.Add(2 * time.Hour), Status: tracking.StatusException, Reason: tracking.ReasonCustoms, RawCode: "CU"}}, tracking.StatusException, tracking.ReasonCustoms},
		{"recovers after exception", []tracking.Event{ev(1, tracking.StatusException, "EX"), ev(3, tracking.StatusOutForDelivery, "OFD")}, tracking.StatusOutForDelivery, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := newTracker()
			tr.Apply(c.events...)
			if tr.Status != c.want || tr.Reason != c.reason {
				t.Fatalf("status %s/%s, want %s/%s", tr.Status, tr.Reason, c.want, c.reason)
			}
			if len(c.events) > 0 {
				norm := make([]tracking.Event, len(c.events))
				for i, e := range c.events {
					norm[i] = e.Normalize()
				}
				d, ok := tracking.Fold(norm)
				if !ok || d.Status != c.want || d.ID != tr.StatusEventID || !d.Time.Equal(tr.StatusAt) {
					t.Fatalf("Fold = %+v, tracker %s at %v", d, tr.StatusEventID, tr.StatusAt)
				}
			}
		})
	}
	if _, ok := tracking.Fold(nil); ok {
		t.Fatal("Fold of nothing found an event")
	}
}

// TestShuffledStreamsConverge is the property test: random permutations of
// a random event stream, with random duplicates, always end in the same
// history and status.
func TestShuffledStreamsConverge(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	all := tracking.Statuses()
	for round := 0; round < 300; round++ {
		n := 1 + rng.Intn(25)
		base := make([]tracking.Event, n)
		for i := range base {
			base[i] = tracking.Event{
				// Few distinct hours, so ties are common.
				Time:    t0.Add(time.Duration(rng.Intn(8)) * time.Hour),
				Status:  all[rng.Intn(len(all))],
				RawCode: string(rune('A' + rng.Intn(6))),
			}
			if rng.Intn(4) == 0 {
				base[i].Reason = tracking.ReasonCarrierDelay
			}
		}
		ref := newTracker()
		ref.Apply(base...)
		for perm := 0; perm < 8; perm++ {
			stream := append([]tracking.Event(nil), base...)
			for d := rng.Intn(n + 1); d > 0; d-- {
				stream = append(stream, base[rng.Intn(n)])
			}
			rng.Shuffle(len(stream), func(i, j int) { stream[i], stream[j] = stream[j], stream[i] })
			tr := newTracker()
			// Apply in random chunks, as webhooks and polls would.
			for len(stream) > 0 {
				k := 1 + rng.Intn(len(stream))
				tr.Apply(stream[:k]...)
				stream = stream[k:]
				checkInvariants(t, tr)
			}
			if diff := cmp.Diff(ref, tr); diff != "" {
				t.Fatalf("round %d perm %d: diverged (-ref +got):\n%s", round, perm, diff)
			}
			// History is sorted and the status is the set's maximum.
			for i := 1; i < len(tr.Events); i++ {
				if tr.Events[i].Time.Before(tr.Events[i-1].Time) {
					t.Fatalf("history out of order at %d", i)
				}
			}
			if d, _ := tracking.Fold(tr.Events); d.ID != tr.StatusEventID {
				t.Fatalf("status event %s, Fold says %s", tr.StatusEventID, d.ID)
			}
			if tr.Status == tracking.StatusUnknown {
				for _, e := range tr.Events {
					if e.Status != tracking.StatusUnknown {
						t.Fatalf("unknown status with known event %s", e.Status)
					}
				}
			}
		}
	}
}

// checkInvariants holds after every step: the history is strictly sorted
// (so without duplicates) and the status is the one Fold picks from it.
func checkInvariants(t *testing.T, tr *tracking.Tracker) {
	t.Helper()
	seen := map[string]bool{}
	for i, e := range tr.Events {
		if seen[e.ID] {
			t.Fatalf("duplicate event %s", e.ID)
		}
		seen[e.ID] = true
		if i > 0 && tr.Events[i].Time.Before(tr.Events[i-1].Time) {
			t.Fatalf("history out of order at %d", i)
		}
	}
	d, ok := tracking.Fold(tr.Events)
	if !ok || d.ID != tr.StatusEventID || d.Status != tr.Status || d.Reason != tr.Reason || !d.Time.Equal(tr.StatusAt) {
		t.Fatalf("status %s/%s from %s, Fold says %+v", tr.Status, tr.Reason, tr.StatusEventID, d)
	}
	if tr.Status.Terminal() {
		for _, e := range tr.Events {
			if e.Status.Terminal() && e.Time.After(tr.StatusAt) {
				t.Fatalf("a later terminal event %s does not decide", e.Status)
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	e := tracking.Event{
		Time:        time.Date(2026, 1, 1, 10, 0, 0, 0, loc),
		Status:      "bogus",
		Reason:      "Not Valid",
		RawCode:     " A\x00B ",
		RawSubcode:  "s",
		CarrierCode: "cc",
		RawText:     "bad \xff\xfe utf8\n",
		Location:    strings.Repeat("é", 1000),
		Source:      "x",
	}.Normalize()
	if e.Time.Location() != time.UTC || e.Time.Hour() != 9 {
		t.Errorf("time %v", e.Time)
	}
	if e.Status != tracking.StatusUnknown || e.Reason != tracking.ReasonOther {
		t.Errorf("status %q reason %q", e.Status, e.Reason)
	}
	if e.RawCode != "A B" {
		t.Errorf("raw code %q", e.RawCode)
	}
	if e.RawText != "bad \uFFFD utf8" {
		t.Errorf("raw text %q", e.RawText)
	}
	if len(e.Location) > tracking.MaxTextLength || !strings.HasPrefix(e.Location, "é") || strings.ContainsRune(e.Location, '\uFFFD') {
		t.Errorf("location cut badly: %d bytes", len(e.Location))
	}
	if e.ID == "" || e.ID != e.Normalize().ID {
		t.Errorf("ID not stable: %q", e.ID)
	}
	other := e
	other.Source = "different source, same scan"
	if other.Normalize().ID != e.ID {
		t.Error("source changes the ID")
	}
	other.RawText = "different text"
	if other.Normalize().ID == e.ID {
		t.Error("text does not change the ID")
	}
}

// TestNormalizeIdempotent: normalizing twice gives the same event (and ID),
// even when the text is cut next to a space, so a scan applied raw and the
// same scan applied after normalization (an orphan, a stored history) are
// one event.
func TestNormalizeIdempotent(t *testing.T) {
	for _, text := range []string{
		strings.Repeat("a", tracking.MaxTextLength-1) + " bcd",
		strings.Repeat("a", tracking.MaxTextLength-2) + " \t\x00xyz",
		strings.Repeat("é", tracking.MaxTextLength/2-1) + " z",
	} {
		e := tracking.Event{Time: t0, Status: tracking.StatusInTransit, RawText: text, Location: text}
		n1 := e.Normalize()
		if n2 := n1.Normalize(); n2 != n1 {
			t.Errorf("Normalize is not idempotent: %d-byte text became %d then %d bytes", len(text), len(n1.RawText), len(n2.RawText))
		}
		tr := newTracker()
		tr.Apply(e)
		if n := tr.Apply(n1); n != 0 || len(tr.Events) != 1 {
			t.Errorf("the normalized scan was added again: %d events", len(tr.Events))
		}
	}
}
