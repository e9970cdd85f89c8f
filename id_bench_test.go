package oms

import (
	"testing"
	"time"
)

func BenchmarkDeriveID(b *testing.B) {
	parent := NewID()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = DeriveID(parent, "reserved")
	}
}

// BenchmarkNewID makes IDs from the system clock, from parallel goroutines
// (every event and aggregate takes one).
func BenchmarkNewID(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = NewID()
		}
	})
}

// BenchmarkNewIDAtManyMillis makes IDs for 4096 distinct milliseconds in
// turn, so the generator keeps forgetting one (its worst case).
func BenchmarkNewIDAtManyMillis(b *testing.B) {
	b.ReportAllocs()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < b.N; i++ {
		_ = NewIDAt(base.Add(time.Duration(i%4096) * time.Millisecond))
	}
}
