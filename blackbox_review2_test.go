package oms_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/shopspring/decimal"
)

// Black-box review of package oms: defects found through the public API.

func TestDateInNilLocationIsUTCNotPanic(t *testing.T) {
	d := oms.NewDate(2026, 3, 1)
	var got time.Time
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Fatalf("Date.In(nil) panicked: %v", v)
			}
		}()
		got = d.In(nil)
	}()
	if want := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Date.In(nil) = %v, want %v (nil means UTC, as End and DateIn say)", got, want)
	}
}

func TestDateDaysUntilAcrossCenturiesDoesNotSaturate(t *testing.T) {
	for _, c := range []struct {
		from, to oms.Date
		want     int
	}{
		{oms.NewDate(0, 1, 1), oms.NewDate(9999, 12, 31), 3652424},
		{oms.NewDate(9999, 12, 31), oms.NewDate(0, 1, 1), -3652424},
		{oms.NewDate(1700, 1, 1), oms.NewDate(2026, 1, 1), 119069},
		{oms.NewDate(2026, 3, 28), oms.NewDate(2026, 3, 30), 2},
		{oms.NewDate(2026, 1, 1), oms.NewDate(2026, 1, 1), 0},
	} {
		if got := c.from.DaysUntil(c.to); got != c.want {
			t.Errorf("%s.DaysUntil(%s) = %d, want %d", c.from, c.to, got, c.want)
		}
		if back := c.from.AddDays(c.want); back != c.to {
			t.Errorf("%s.AddDays(%d) = %s, want %s", c.from, c.want, back, c.to)
		}
	}
}

func TestDateJSONRefusesWhatItCannotReadBack(t *testing.T) {
	for _, d := range []oms.Date{
		oms.NewDate(10000, 1, 1),
		oms.NewDate(-1, 6, 1),
		{Year: 2024, Month: 2, Day: 30}, // not normalized
		{Year: 2024, Month: 13, Day: 1},
	} {
		b, err := json.Marshal(d)
		if err == nil {
			var back oms.Date
			if uerr := json.Unmarshal(b, &back); uerr != nil || back != d {
				t.Errorf("Marshal(%#v) = %s, which reads back as %v (%v)", d, b, back, uerr)
			}
			continue
		}
		if !errors.Is(err, oms.ErrValidation) {
			t.Errorf("Marshal(%#v): error %v does not match oms.ErrValidation", d, err)
		}
	}
	for _, d := range []oms.Date{oms.NewDate(0, 1, 1), oms.NewDate(9999, 12, 31), oms.NewDate(2024, 2, 29), {}} {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", d, err)
		}
		var back oms.Date
		if err := json.Unmarshal(b, &back); err != nil || back != d {
			t.Errorf("round trip of %v: %s -> %v, %v", d, b, back, err)
		}
	}
}

func TestDateZeroAddDaysStaysUnknown(t *testing.T) {
	var z oms.Date
	for _, n := range []int{-1, 0, 1, 365} {
		if got := z.AddDays(n); !got.IsZero() {
			t.Errorf("zero Date.AddDays(%d) = %#v (%q), want the zero Date (unknown)", n, got, got)
		}
	}
}

func TestDateValid(t *testing.T) {
	for d, want := range map[oms.Date]bool{
		{}:                              false,
		oms.NewDate(0, 1, 1):            true,
		oms.NewDate(9999, 12, 31):       true,
		oms.NewDate(10000, 1, 1):        false,
		oms.NewDate(-1, 12, 31):         false,
		{Year: 2024, Month: 2, Day: 29}: true,
		{Year: 2023, Month: 2, Day: 29}: false,
		{Year: 2024, Month: 0, Day: 1}:  false,
		{Year: 2024, Month: 1, Day: 0}:  false,
	} {
		if got := d.Valid(); got != want {
			t.Errorf("%#v.Valid() = %v, want %v", d, got, want)
		}
	}
}

// TestMemoryOutboxHugeRetainForDoesNotPruneOnEveryPublish: RetainFor +
// RetainFor/4 (the age at which MarkPublished prunes) wrapped negative for a
// RetainFor above about 233 years (math.MaxInt64 included), so every
// MarkPublished rebuilt the whole outbox: publishing 20,000 events one by
// one took seconds instead of milliseconds. With the sum saturated, a huge
// RetainFor costs what an hour's does (measured in allocations, not time).
func TestMemoryOutboxHugeRetainForDoesNotPruneOnEveryPublish(t *testing.T) {
	ctx := context.Background()
	allocs := func(retainFor time.Duration) float64 {
		clk := oms.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		o := oms.NewMemoryOutbox(&oms.MemoryOutboxOptions{RetainPublished: -1, RetainFor: retainFor, Clock: clk})
		publish := func(i int) {
			e := oms.Event{ID: oms.ID(fmt.Sprintf("e%06d", i)), Type: "x", AggregateKind: "k", AggregateID: "a", AggregateVersion: int64(i + 1), Time: clk.Now()}
			o.Append(e)
			if err := o.MarkPublished(ctx, e.ID); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 4096; i++ {
			publish(i)
		}
		i := 4096
		ids := make([]oms.ID, 0, 200)
		for j := 0; j < 200; j++ {
			ids = append(ids, oms.ID(fmt.Sprintf("e%06d", i+j)))
		}
		n := 0
		return testing.AllocsPerRun(100, func() {
			e := oms.Event{ID: ids[n], Type: "x", AggregateKind: "k", AggregateID: "a", AggregateVersion: int64(i + n + 1), Time: clk.Now()}
			n++
			o.Append(e)
			if err := o.MarkPublished(ctx, e.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
	hour := allocs(time.Hour)
	for _, d := range []time.Duration{math.MaxInt64, math.MaxInt64 / 4 * 3, 240 * 365 * 24 * time.Hour} {
		if got := allocs(d); got > hour {
			t.Errorf("RetainFor %v: %.1f allocations per publish, an hour's costs %.1f (the outbox is rebuilt on every MarkPublished)", d, got, hour)
		}
	}
}

// TestDateEndInZonesWhoseMidnightIsSkipped: where daylight saving time
// starts at midnight (the clock jumps from 23:59:59 to 01:00, as in
// Santiago, Havana, São Paulo and Asunción), time.Date resolves the
// missing midnight to 23:00 of the day before, so End returned an instant
// still on day d: a parcel promised for the 10th was "late" at 23:30 on
// the 10th, and In(d+1) fell on day d. The day now starts at the first
// instant that is on it and ends at the first that is not.
func TestDateEndInZonesWhoseMidnightIsSkipped(t *testing.T) {
	for _, c := range []struct {
		tz string
		d  oms.Date // the day before the skipped midnight
	}{
		{"America/Santiago", oms.NewDate(2022, 9, 10)},
		{"America/Havana", oms.NewDate(2023, 3, 11)},
		{"America/Sao_Paulo", oms.NewDate(2018, 11, 3)},
		{"America/Asuncion", oms.NewDate(2023, 9, 30)},
		{"Asia/Beirut", oms.NewDate(2023, 3, 25)},   // midnight exists
		{"Europe/Berlin", oms.NewDate(2026, 3, 28)}, // transition at 02:00
		{"UTC", oms.NewDate(9999, 12, 30)},
	} {
		loc, err := time.LoadLocation(c.tz)
		if err != nil {
			t.Fatal(err)
		}
		end := c.d.End(loc)
		next := c.d.AddDays(1)
		if got := oms.DateIn(end, loc); got != next {
			t.Errorf("%s: %s.End = %s, which is on %s, not on the next day", c.tz, c.d, end, got)
		}
		if got := oms.DateIn(end.Add(-time.Second), loc); got != c.d {
			t.Errorf("%s: a second before %s.End (%s) is on %s, want %s", c.tz, c.d, end, got, c.d)
		}
		if start := next.In(loc); !start.Equal(end) {
			t.Errorf("%s: %s.In = %s, want the end of the day before, %s", c.tz, next, start, end)
		}
		if c.d.Passed(end.Add(-time.Second), loc) || !c.d.Passed(end, loc) {
			t.Errorf("%s: Passed is not exactly from %s", c.tz, end)
		}
	}
}

// TestMoneySplitIntoHugeCountIsRefusedNotOutOfMemory: Split(math.MaxInt32)
// allocated billions of parts and killed the process (fatal error: out of
// memory, which no recover catches). Splits and allocations are bounded
// at 65,536 parts, beyond which they are validation errors.
func TestMoneySplitIntoHugeCountIsRefusedNotOutOfMemory(t *testing.T) {
	m := oms.MustParseMoney("0.01 USD")
	for _, n := range []int{math.MaxInt32, math.MaxInt, 1<<16 + 1} {
		if parts, err := m.Split(n); !errors.Is(err, oms.ErrValidation) || parts != nil {
			t.Errorf("Split(%d): %d parts, %v; want a validation error", n, len(parts), err)
		}
	}
	parts, err := m.Split(1 << 16)
	if err != nil || len(parts) != 1<<16 {
		t.Fatalf("Split(65536): %d parts, %v", len(parts), err)
	}
	sum, err := oms.Sum(oms.USD, parts...)
	if err != nil || !sum.Equal(m) {
		t.Errorf("parts sum to %v (%v), want %v", sum, err, m)
	}
	w := make([]decimal.Decimal, 1<<16+1)
	for i := range w {
		w[i] = decimal.NewFromInt(1)
	}
	if _, err := m.Allocate(w); !errors.Is(err, oms.ErrValidation) {
		t.Errorf("Allocate over 65,537 weights: %v, want a validation error", err)
	}
}

// marksFail is an outbox whose MarkPublished always fails (a database that
// reads but cannot write).
type marksFail struct{ *oms.MemoryOutbox }

func (marksFail) MarkPublished(context.Context, ...oms.ID) error {
	return errors.New("outbox is read-only")
}

// TestRelayRunBacksOffWhenMarkingAFullBatchFails: when MarkPublished
// failed after a full batch went out, Run counted the batch as published
// and started the next pass at once, which read and published the same
// events again: a hot loop republishing one batch, with no backoff, for as
// long as the outbox could not be written. Run now backs off on the Clock
// after such a pass, as after any outbox error.
func TestRelayRunBacksOffWhenMarkingAFullBatchFails(t *testing.T) {
	const batch = 5
	o := marksFail{oms.NewMemoryOutbox(nil)}
	for i := 0; i < 2*batch; i++ {
		o.Append(oms.Event{ID: oms.ID(fmt.Sprintf("e%02d", i)), Type: "t", AggregateID: "a", AggregateVersion: int64(i + 1)})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var published atomic.Int64
	pub := oms.PublisherFunc(func(context.Context, oms.Event) error {
		if published.Add(1) > 100*batch {
			cancel() // a hot loop: stop it
		}
		return nil
	})
	clk := oms.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	r := oms.NewRelay(o, pub, &oms.RelayOptions{BatchSize: batch, Clock: clk, MinBackoff: time.Second, MaxBackoff: time.Minute})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.Run(ctx)
	}()
	waiting := make(chan struct{})
	go func() {
		clk.BlockUntil(1)
		close(waiting)
	}()
	select {
	case <-waiting:
		if n := published.Load(); n != batch {
			t.Errorf("%d publications before Run waited, want one batch of %d", n, batch)
		}
	case <-done:
		t.Fatalf("Run republished the same batch %d times without waiting on its clock", published.Load()/batch)
	}
	cancel()
	<-done
}

// TestRelayDrainReturnsWhenMarkingFails: Drain makes passes until one
// publishes nothing, but a pass whose MarkPublished failed counted its
// batch as published, so with an outbox that cannot be written Drain
// published the same events for ever and never returned. It stops at the
// outbox error now and returns it.
func TestRelayDrainReturnsWhenMarkingFails(t *testing.T) {
	o := marksFail{oms.NewMemoryOutbox(nil)}
	for i := 0; i < 12; i++ {
		o.Append(oms.Event{ID: oms.ID(fmt.Sprintf("e%02d", i)), Type: "t", AggregateID: oms.ID(fmt.Sprintf("a%d", i%3)), AggregateVersion: int64(i/3 + 1)})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var published atomic.Int64
	pub := oms.PublisherFunc(func(context.Context, oms.Event) error {
		if published.Add(1) > 1000 {
			cancel() // Drain loops: stop it
		}
		return nil
	})
	r := oms.NewRelay(o, pub, &oms.RelayOptions{BatchSize: 5})
	n, err := r.Drain(ctx)
	if ctx.Err() != nil {
		t.Fatalf("Drain republished %d times and had to be cancelled", published.Load())
	}
	if err == nil {
		t.Errorf("Drain = %d, nil; want the outbox error", n)
	}
	if got := published.Load(); got > 12 {
		t.Errorf("%d publications of 12 events", got)
	}
}

// FuzzDateJSON feeds outside JSON to Date: nothing panics, refusals match
// oms.ErrValidation, and every date accepted is valid and marshals back to
// what reads as the same date.
func FuzzDateJSON(f *testing.F) {
	for _, s := range []string{`"2026-11-23"`, `null`, `"2026-02-30"`, `"0000-01-01"`, `"9999-12-31"`, `"10000-01-01"`, `"-001-01-01"`, `20261123`, `"2026-11-23T00:00:00Z"`, `"\u0000"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d oms.Date
		if err := json.Unmarshal(b, &d); err != nil {
			var se *json.SyntaxError
			if !errors.Is(err, oms.ErrValidation) && !errors.As(err, &se) {
				t.Fatalf("Unmarshal(%q): error %v is neither a validation nor a syntax error", b, err)
			}
			return
		}
		if !d.IsZero() && !d.Valid() {
			t.Fatalf("Unmarshal(%q) accepted %#v, which is not Valid", b, d)
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("Marshal(%#v) of an accepted date: %v", d, err)
		}
		var back oms.Date
		if err := json.Unmarshal(out, &back); err != nil || back != d {
			t.Fatalf("round trip of %#v: %s -> %#v, %v", d, out, back, err)
		}
	})
}

// TestRelayRunWithoutOutboxOrPublisherReturnsError: RunOnce and Drain
// refuse a relay built without an outbox or a publisher, but Run treated
// the refusal as a failed pass and backed off and retried for ever,
// silently. It returns the validation error at once.
func TestRelayRunWithoutOutboxOrPublisherReturnsError(t *testing.T) {
	clk := oms.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for name, r := range map[string]*oms.Relay{
		"no outbox":    oms.NewRelay(nil, oms.PublisherFunc(func(context.Context, oms.Event) error { return nil }), &oms.RelayOptions{Clock: clk}),
		"no publisher": oms.NewRelay(oms.NewMemoryOutbox(nil), nil, &oms.RelayOptions{Clock: clk}),
	} {
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		waiting := make(chan struct{})
		go func() {
			clk.BlockUntil(1)
			close(waiting)
		}()
		select {
		case err := <-done:
			if !errors.Is(err, oms.ErrValidation) {
				t.Errorf("%s: Run = %v, want a validation error", name, err)
			}
		case <-waiting:
			t.Errorf("%s: Run waits on its clock to retry a relay that can never run", name)
			cancel()
			<-done
			return
		}
	}
}
