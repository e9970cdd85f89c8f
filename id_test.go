package oms

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/oklog/ulid/v2"
)

// TestNewIDConcurrent makes 100,000 IDs from many goroutines: none is
// repeated, every one is a ULID, and each goroutine's IDs are strictly
// increasing.
func TestNewIDConcurrent(t *testing.T) {
	const goroutines, perGoroutine = 16, 100_000 / 16
	ids := make([][]ID, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := make([]ID, perGoroutine)
			for i := range out {
				out[i] = NewID()
			}
			ids[g] = out
		}()
	}
	wg.Wait()
	seen := make(map[ID]bool, goroutines*perGoroutine)
	for g, out := range ids {
		for i, id := range out {
			if seen[id] {
				t.Fatalf("duplicate ID %s", id)
			}
			seen[id] = true
			if i > 0 && out[i-1] >= id {
				t.Fatalf("goroutine %d: ID %d %s is not above ID %d %s", g, i, id, i-1, out[i-1])
			}
		}
	}
	if len(seen) != 100_000 {
		t.Fatalf("made %d IDs, want 100000", len(seen))
	}
	for _, id := range ids[0][:100] {
		if p, err := ParseID(string(id)); err != nil || p != id {
			t.Fatalf("ParseID(%s) = %s, %v", id, p, err)
		}
	}
}

// TestNewIDIncreasingWithNewIDAtBetween checks that IDs for other times,
// made between two NewID calls, do not break NewID's order.
func TestNewIDIncreasingWithNewIDAtBetween(t *testing.T) {
	past := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := NewID()
	for i := 0; i < 5000; i++ {
		NewIDAt(past.Add(time.Duration(i%7) * time.Millisecond))
		id := NewID()
		if id <= prev {
			t.Fatalf("NewID %s after %s is not increasing", id, prev)
		}
		prev = id
	}
}

// TestNewIDAtSameMillisecond checks that IDs for one millisecond increase
// even when other milliseconds are used in between, and carry that time.
func TestNewIDAtSameMillisecond(t *testing.T) {
	a := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	b := a.Add(time.Hour)
	var lastA, lastB ID
	for i := 0; i < 2000; i++ {
		idA, idB := NewIDAt(a), NewIDAt(b)
		if idA <= lastA || idB <= lastB {
			t.Fatalf("step %d: %s after %s, %s after %s", i, idA, lastA, idB, lastB)
		}
		if idA >= idB {
			t.Fatalf("ID %s for %v sorts after %s for %v", idA, a, idB, b)
		}
		lastA, lastB = idA, idB
	}
	if got, ok := lastA.Time(); !ok || !got.Equal(a) {
		t.Errorf("Time() = %v, %v; want %v", got, ok, a)
	}
}

func TestNewIDAtTimes(t *testing.T) {
	tests := []struct {
		in, want time.Time
	}{
		{time.Date(2026, 3, 4, 5, 6, 7, 891_234_567, time.UTC), time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.UTC)},
		{time.Unix(0, 0), time.Unix(0, 0)},
		{time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), time.Unix(0, 0)},
		{time.Time{}, time.Unix(0, 0)},
		{time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC), ulid.Time(ulid.MaxTime())},
	}
	for _, tc := range tests {
		id := NewIDAt(tc.in)
		got, ok := id.Time()
		if !ok || !got.Equal(tc.want) {
			t.Errorf("NewIDAt(%v).Time() = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
	before := time.Now().Truncate(time.Millisecond)
	got, ok := NewID().Time()
	if !ok || got.Before(before) || got.After(time.Now()) {
		t.Errorf("NewID().Time() = %v, %v; want about %v", got, ok, before)
	}
}

func TestIDGeneratorLimits(t *testing.T) {
	idGen.Lock()
	saved := struct {
		last  map[uint64]idMilli
		sysMs uint64
	}{idGen.last, idGen.sysMs}
	idGen.last = map[uint64]idMilli{}
	idGen.Unlock()
	defer func() {
		idGen.Lock()
		idGen.last, idGen.sysMs = saved.last, saved.sysMs
		idGen.Unlock()
	}()

	// A millisecond whose entropy is used up: NewIDAt still returns an ID
	// of that time, NewID moves on to the next millisecond.
	full := ulid.ULID{}
	for i := 6; i < 16; i++ {
		full[i] = 0xff
	}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	ms := ulid.Timestamp(at)
	_ = full.SetTime(ms)
	idGen.Lock()
	idGen.last[ms] = idMilli{id: full}
	idGen.Unlock()
	if got, ok := NewIDAt(at).Time(); !ok || !got.Equal(at) {
		t.Errorf("NewIDAt after overflow: Time() = %v, %v", got, ok)
	}

	future := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	fms := ulid.Timestamp(future)
	_ = full.SetTime(fms)
	idGen.Lock()
	idGen.sysMs = fms
	idGen.last[fms] = idMilli{id: full}
	idGen.Unlock()
	id := NewID()
	if got, _ := id.Time(); !got.Equal(future.Add(time.Millisecond)) {
		t.Errorf("NewID after overflow: Time() = %v, want %v", got, future.Add(time.Millisecond))
	}
	if next := NewID(); next <= id {
		t.Errorf("NewID %s after %s is not increasing", next, id)
	}

	// The generator forgets the milliseconds used least recently, never
	// NewID's.
	base := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 2*maxIDMillis; i++ {
		NewIDAt(base.Add(time.Duration(i) * time.Millisecond))
	}
	idGen.Lock()
	n := len(idGen.last)
	_, keptSys := idGen.last[idGen.sysMs]
	_, keptNewest := idGen.last[ulid.Timestamp(base.Add(time.Duration(2*maxIDMillis-1)*time.Millisecond))]
	_, keptOldest := idGen.last[ulid.Timestamp(base)]
	idGen.Unlock()
	if n > maxIDMillis || !keptSys || !keptNewest || keptOldest {
		t.Errorf("remembered %d milliseconds (max %d); NewID's kept %v, newest kept %v, oldest kept %v", n, maxIDMillis, keptSys, keptNewest, keptOldest)
	}
}

func TestAddEntropy(t *testing.T) {
	tests := []struct {
		in   []byte
		n    uint64
		want []byte
		ok   bool
	}{
		{[]byte{0, 0, 0}, 1, []byte{0, 0, 1}, true},
		{[]byte{0, 0, 0xff}, 1, []byte{0, 1, 0}, true},
		{[]byte{0, 0xff, 0xff}, 0x0102, []byte{1, 1, 1}, true},
		{[]byte{0xff, 0xff, 0xff}, 1, []byte{0, 0, 0}, false},
		{[]byte{0, 0}, 0x10000, []byte{0, 0}, false},
	}
	for _, tc := range tests {
		got := append([]byte(nil), tc.in...)
		ok := addEntropy(got, tc.n)
		if ok != tc.ok || !cmp.Equal(got, tc.want) {
			t.Errorf("addEntropy(%x, %#x) = %x, %v; want %x, %v", tc.in, tc.n, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseID(t *testing.T) {
	good := []struct{ in, want string }{
		{"01HZY8D3Q5X7K2M4N6P8R0T2V4", "01HZY8D3Q5X7K2M4N6P8R0T2V4"},
		{"01hzy8d3q5x7k2m4n6p8r0t2v4", "01HZY8D3Q5X7K2M4N6P8R0T2V4"},
		{"00000000000000000000000000", "00000000000000000000000000"},
		{"7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"},
	}
	for _, tc := range good {
		got, err := ParseID(tc.in)
		if err != nil || got != ID(tc.want) {
			t.Errorf("ParseID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "01HZY8D3Q5X7K2M4N6P8R0T2V", "01HZY8D3Q5X7K2M4N6P8R0T2V44", "01HZY8D3Q5X7K2M4N6P8R0T2VU", "8ZZZZZZZZZZZZZZZZZZZZZZZZZ", "01HZY8D3Q5X7K2M4N6P8R0T2V!", "order-42", strings.Repeat("0", 200)} {
		got, err := ParseID(in)
		if got != "" || !errors.Is(err, ErrValidation) || !cmp.Equal(problemFields(err), []string{"id"}) {
			t.Errorf("ParseID(%q) = %q, %v; want a validation error on id", in, got, err)
		}
	}
}

func TestValidateID(t *testing.T) {
	for _, id := range []ID{"order-42", "01HZY8D3Q5X7K2M4N6P8R0T2V4", "a", "cart:7/line#2", ID(strings.Repeat("x", 128)), "~!"} {
		if err := ValidateID(id); err != nil {
			t.Errorf("ValidateID(%q): %v", id, err)
		}
	}
	tests := []struct {
		id   ID
		text string
	}{
		{"", "oms: invalid id: id: must not be empty"},
		{ID(strings.Repeat("x", 129)), "oms: invalid id: id: longer than 128 bytes"},
		{"has space", "oms: invalid id: id: byte 3 is not printable ASCII"},
		{"nul\x00", "oms: invalid id: id: byte 3 is not printable ASCII"},
		{"del\x7f", "oms: invalid id: id: byte 3 is not printable ASCII"},
		{"café", "oms: invalid id: id: byte 3 is not printable ASCII"},
		{"tab\t", "oms: invalid id: id: byte 3 is not printable ASCII"},
	}
	for _, tc := range tests {
		err := ValidateID(tc.id)
		if !errors.Is(err, ErrValidation) || err.Error() != tc.text {
			t.Errorf("ValidateID(%q) = %v, want %q", tc.id, err, tc.text)
		}
	}
}

func TestIDMethods(t *testing.T) {
	var zero ID
	if !zero.IsZero() || ID("x").IsZero() {
		t.Error("IsZero is wrong")
	}
	if got := ID("abc").String(); got != "abc" {
		t.Errorf("String = %q", got)
	}
	for _, id := range []ID{"", "order-42", "8ZZZZZZZZZZZZZZZZZZZZZZZZZ"} {
		if got, ok := id.Time(); ok || !got.IsZero() {
			t.Errorf("%q.Time() = %v, %v; want zero, false", id, got, ok)
		}
	}
	got, ok := ID("01HZY8D3Q5X7K2M4N6P8R0T2V4").Time()
	if want := time.Date(2024, 6, 9, 10, 23, 47, 941_000_000, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("Time() = %v, %v; want %v", got, ok, want)
	}
}

// TestDeriveIDGolden pins DeriveID's output: a change of algorithm would
// give every flow in flight new IDs and repeat its steps.
func TestDeriveIDGolden(t *testing.T) {
	tests := []struct {
		parent  ID
		purpose string
		want    ID
	}{
		{"01HZY8D3Q5X7K2M4N6P8R0T2V4", "reserve", "01HZY8D3Q5QVQV47G438VXBRD6"},
		{"01HZY8D3Q5X7K2M4N6P8R0T2V4", "fulfillment/1", "01HZY8D3Q5NRSQY7VEP3KVJ7FH"},
		{"order-42", "refund", "0000000000W1ZPQR01TD3YJF01"},
		{"", "", "0000000000NXAQ1XD1G45QNXWC"},
		// The parent's length is hashed, so moving a byte from parent to
		// purpose gives another ID.
		{"ab", "c", "00000000005453VAMV9596MBPQ"},
		{"a", "bc", "0000000000X65W90YCDBWWSY1B"},
	}
	for _, tc := range tests {
		got := DeriveID(tc.parent, tc.purpose)
		if got != tc.want {
			t.Errorf("DeriveID(%q, %q) = %q, want %q", tc.parent, tc.purpose, got, tc.want)
		}
		if again := DeriveID(tc.parent, tc.purpose); again != got {
			t.Errorf("DeriveID(%q, %q) is not stable: %q then %q", tc.parent, tc.purpose, got, again)
		}
		if p, err := ParseID(string(got)); err != nil || p != got {
			t.Errorf("DeriveID(%q, %q) = %q is not a canonical ULID: %v", tc.parent, tc.purpose, got, err)
		}
	}
}

func TestDeriveIDTimeAndSpread(t *testing.T) {
	at := time.Date(2026, 2, 3, 4, 5, 6, 7_000_000, time.UTC)
	parent := NewIDAt(at)
	seen := map[ID]bool{}
	for _, purpose := range []string{"reserve", "reserve ", "Reserve", "fulfillment/1", "fulfillment/2", ""} {
		id := DeriveID(parent, purpose)
		if seen[id] {
			t.Errorf("DeriveID(%s, %q) = %s repeats another purpose's ID", parent, purpose, id)
		}
		seen[id] = true
		if got, ok := id.Time(); !ok || !got.Equal(at) {
			t.Errorf("DeriveID(%s, %q).Time() = %v, want the parent's %v", parent, purpose, got, at)
		}
	}
	// Non-ULID parents give IDs at the Unix epoch.
	for _, parent := range []ID{"order-42", "cart:9", "8ZZZZZZZZZZZZZZZZZZZZZZZZZ"} {
		id := DeriveID(parent, "step")
		if got, ok := id.Time(); !ok || !got.Equal(time.Unix(0, 0)) {
			t.Errorf("DeriveID(%q).Time() = %v, %v; want the epoch", parent, got, ok)
		}
		if DeriveID(parent, "other") == id {
			t.Errorf("DeriveID(%q) ignores the purpose", parent)
		}
	}
}
