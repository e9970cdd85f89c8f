package oms

import "testing"

func BenchmarkDeriveID(b *testing.B) {
	parent := NewID()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = DeriveID(parent, "reserved")
	}
}
