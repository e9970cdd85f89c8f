package oms

import (
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// fired reports whether ch has a value ready, and the value.
func fired(ch <-chan time.Time) (time.Time, bool) {
	select {
	case v := <-ch:
		return v, true
	default:
		return time.Time{}, false
	}
}

func TestManualClockSetAdvance(t *testing.T) {
	c := NewManualClock(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("Now = %v, want %v", got, t0)
	}
	c.Advance(90 * time.Minute)
	if got, want := c.Now(), t0.Add(90*time.Minute); !got.Equal(want) {
		t.Errorf("after Advance: Now = %v, want %v", got, want)
	}
	c.Set(t0.Add(-time.Hour))
	if got, want := c.Now(), t0.Add(-time.Hour); !got.Equal(want) {
		t.Errorf("after Set backwards: Now = %v, want %v", got, want)
	}
	var _ Clock = c
	var _ Timer = c
}

func TestManualClockAfter(t *testing.T) {
	c := NewManualClock(t0)
	a := c.After(10 * time.Second)
	b := c.After(5 * time.Second)
	d := c.After(time.Minute)
	if got := c.Waiters(); got != 3 {
		t.Fatalf("Waiters = %d, want 3", got)
	}
	if _, ok := fired(a); ok {
		t.Fatal("After fired before the clock moved")
	}
	c.Advance(4 * time.Second)
	if _, ok := fired(b); ok {
		t.Fatal("After(5s) fired after 4s")
	}
	c.Advance(time.Second) // exactly at b's deadline
	if v, ok := fired(b); !ok || !v.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("After(5s) at 5s: %v, %v", v, ok)
	}
	if _, ok := fired(a); ok {
		t.Fatal("After(10s) fired at 5s")
	}
	if got := c.Waiters(); got != 2 {
		t.Fatalf("Waiters = %d, want 2", got)
	}
	// Moving past a deadline fires it with the clock's new time.
	c.Advance(20 * time.Second)
	if v, ok := fired(a); !ok || !v.Equal(t0.Add(25*time.Second)) {
		t.Fatalf("After(10s) at 25s: %v, %v", v, ok)
	}
	// Setting the clock back fires nothing; setting it forward does.
	c.Set(t0)
	if _, ok := fired(d); ok {
		t.Fatal("Set backwards fired a timer")
	}
	c.Set(t0.Add(time.Hour))
	if v, ok := fired(d); !ok || !v.Equal(t0.Add(time.Hour)) {
		t.Fatalf("After(1m) after Set(+1h): %v, %v", v, ok)
	}
	if got := c.Waiters(); got != 0 {
		t.Fatalf("Waiters = %d, want 0", got)
	}
	// A channel fires once.
	c.Advance(time.Hour)
	if _, ok := fired(d); ok {
		t.Fatal("a timer fired twice")
	}
	// Zero and negative durations fire at once and do not wait.
	for _, dur := range []time.Duration{0, -time.Second} {
		if v, ok := fired(c.After(dur)); !ok || !v.Equal(c.Now()) {
			t.Errorf("After(%v) = %v, %v; want now at once", dur, v, ok)
		}
	}
	if got := c.Waiters(); got != 0 {
		t.Errorf("Waiters = %d after immediate timers, want 0", got)
	}
}

func TestManualClockBlockUntil(t *testing.T) {
	c := NewManualClock(t0)
	done := make(chan time.Time)
	for i := 0; i < 3; i++ {
		go func() { done <- <-c.After(time.Duration(i+1) * time.Second) }()
	}
	c.BlockUntil(3)
	if got := c.Waiters(); got != 3 {
		t.Fatalf("Waiters = %d after BlockUntil(3)", got)
	}
	c.Advance(3 * time.Second)
	for i := 0; i < 3; i++ {
		if v := <-done; !v.Equal(t0.Add(3 * time.Second)) {
			t.Errorf("timer fired with %v", v)
		}
	}
	c.BlockUntil(0) // returns at once
}

func TestManualClockZeroValue(t *testing.T) {
	var c ManualClock
	go func() { <-c.After(time.Second) }()
	c.BlockUntil(1)
	c.Set(time.Time{}.Add(time.Second))
	if got := c.Waiters(); got != 0 {
		t.Errorf("Waiters = %d, want 0", got)
	}
}

// TestManualClockConcurrent exercises the clock from many goroutines; run
// it with -race.
func TestManualClockConcurrent(t *testing.T) {
	c := NewManualClock(t0)
	const sleepers = 20
	var wg sync.WaitGroup
	for i := 0; i < sleepers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				<-After(c, time.Duration(1+(i+j)%5)*time.Millisecond)
				_ = c.Now()
			}
		}()
	}
	readers := make(chan struct{})
	go func() {
		defer close(readers)
		for i := 0; i < 1000; i++ {
			_ = c.Now()
			_ = c.Waiters()
		}
	}()
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	for {
		select {
		case <-finished:
			<-readers
			if got := c.Waiters(); got != 0 {
				t.Errorf("Waiters = %d at the end", got)
			}
			return
		default:
			c.Advance(time.Millisecond)
		}
	}
}

// nowOnly is a Clock without a Timer.
type nowOnly struct{}

func (nowOnly) Now() time.Time { return t0 }

func TestSystemClockAndAfter(t *testing.T) {
	before := time.Now()
	got := SystemClock().Now()
	if got.Before(before) || got.After(time.Now()) {
		t.Errorf("SystemClock().Now() = %v, not between %v and now", got, before)
	}
	// Real timers with a zero wait fire at once; these do not sleep.
	if v := <-After(SystemClock(), 0); v.IsZero() {
		t.Error("After(SystemClock(), 0) sent the zero time")
	}
	if v := <-After(nowOnly{}, 0); v.IsZero() {
		t.Error("After(clock without Timer, 0) sent the zero time")
	}
	// With a manual clock, oms.After waits for the clock.
	c := NewManualClock(t0)
	ch := After(c, time.Minute)
	c.BlockUntil(1)
	if _, ok := fired(ch); ok {
		t.Fatal("After(manual, 1m) fired early")
	}
	c.Advance(time.Minute)
	if v := <-ch; !v.Equal(t0.Add(time.Minute)) {
		t.Errorf("After(manual, 1m) = %v", v)
	}
}
