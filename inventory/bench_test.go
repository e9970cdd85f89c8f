package inventory_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omskit/oms"
	"github.com/omskit/oms/inventory"
)

// benchService returns a service over a memory store with skus stocked
// (practically without limit) at one location.
func benchService(b *testing.B, skus ...oms.SKU) *inventory.Service {
	b.Helper()
	ctx := context.Background()
	svc := inventory.NewService(inventory.NewMemoryStore(nil), nil)
	if err := svc.PutLocation(ctx, inventory.Location{ID: "wh", Name: "Warehouse", Kind: inventory.KindWarehouse, Active: true}); err != nil {
		b.Fatal(err)
	}
	for _, sku := range skus {
		if err := svc.PutItem(ctx, inventory.Item{SKU: sku, Tracked: true}); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Receive(ctx, inventory.Receipt{SKU: sku, Location: "wh", Quantity: 1 << 40}); err != nil {
			b.Fatal(err)
		}
	}
	return svc
}

// ids returns n distinct reservation IDs, made before the timer starts.
func ids(n int) []oms.ID {
	out := make([]oms.ID, n)
	for i := range out {
		out[i] = oms.ID("r" + strconv.Itoa(i))
	}
	return out
}

// BenchmarkReserve reserves a 3-line basket from one goroutine through the
// Service over the memory store.
func BenchmarkReserve(b *testing.B) {
	svc := benchService(b, "A", "B", "C")
	ctx := context.Background()
	keys := ids(b.N)
	lines := []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}, {SKU: "B", Location: "wh", Quantity: 2}, {SKU: "C", Location: "wh", Quantity: 1}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := svc.Reserve(ctx, inventory.ReserveRequest{ID: keys[i], Lines: lines}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
}

// BenchmarkReserveContended reserves one unit of one hot SKU from every
// goroutine of b.RunParallel.
func BenchmarkReserveContended(b *testing.B) {
	svc := benchService(b, "HOT")
	ctx := context.Background()
	keys := ids(b.N)
	var next atomic.Int64
	lines := []inventory.Line{{SKU: "HOT", Location: "wh", Quantity: 1}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if _, err := svc.Reserve(ctx, inventory.ReserveRequest{ID: keys[i], Lines: lines}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
}

// sketch is the yardstick: a bare mutex-and-map implementation of the same
// work (idempotency lookup, check every line, apply every line, store a
// record with a copy of the lines), with none of the library's checks.
type sketch struct {
	mu     sync.Mutex
	levels map[[2]string]*[2]int64 // on hand, reserved
	res    map[oms.ID][]inventory.Line
}

func (s *sketch) reserve(id oms.ID, lines []inventory.Line) bool {
	rec := append([]inventory.Line(nil), lines...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.res[id]; ok {
		return true
	}
	for _, l := range lines {
		lv := s.levels[[2]string{string(l.SKU), string(l.Location)}]
		if lv == nil || lv[0]-lv[1] < l.Quantity {
			return false
		}
	}
	for _, l := range lines {
		s.levels[[2]string{string(l.SKU), string(l.Location)}][1] += l.Quantity
	}
	s.res[id] = rec
	return true
}

// BenchmarkReserveSketchContended runs the yardstick under the same load
// as BenchmarkReserveContended.
func BenchmarkReserveSketchContended(b *testing.B) {
	s := &sketch{levels: map[[2]string]*[2]int64{{"HOT", "wh"}: {1 << 40, 0}}, res: map[oms.ID][]inventory.Line{}}
	keys := ids(b.N)
	var next atomic.Int64
	lines := []inventory.Line{{SKU: "HOT", Location: "wh", Quantity: 1}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !s.reserve(keys[next.Add(1)-1], lines) {
				b.Error("sketch ran out")
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
}

// BenchmarkReserveSketch runs the yardstick under the same load as
// BenchmarkReserve.
func BenchmarkReserveSketch(b *testing.B) {
	s := &sketch{levels: map[[2]string]*[2]int64{{"A", "wh"}: {1 << 40, 0}, {"B", "wh"}: {1 << 40, 0}, {"C", "wh"}: {1 << 40, 0}}, res: map[oms.ID][]inventory.Line{}}
	keys := ids(b.N)
	lines := []inventory.Line{{SKU: "A", Location: "wh", Quantity: 1}, {SKU: "B", Location: "wh", Quantity: 2}, {SKU: "C", Location: "wh", Quantity: 1}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !s.reserve(keys[i], lines) {
			b.Fatal("sketch ran out")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
}

// recordSketch is the yardstick with a record the size of the memory
// store's (a Reservation with its line in one allocation), to show how much
// of the gap to the bare sketch is the record itself.
type recordSketch struct {
	mu     sync.Mutex
	levels map[[2]string]*[2]int64
	res    map[oms.ID]*struct {
		r inventory.Reservation
		l [1]inventory.ReservationLine
	}
}

// BenchmarkReserveSketchRecordContended runs the record-sized yardstick
// under the same load as BenchmarkReserveContended.
func BenchmarkReserveSketchRecordContended(b *testing.B) {
	s := &recordSketch{levels: map[[2]string]*[2]int64{{"HOT", "wh"}: {1 << 40, 0}}, res: map[oms.ID]*struct {
		r inventory.Reservation
		l [1]inventory.ReservationLine
	}{}}
	keys := ids(b.N)
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := keys[next.Add(1)-1]
			rec := &struct {
				r inventory.Reservation
				l [1]inventory.ReservationLine
			}{r: inventory.Reservation{ID: id, Status: inventory.StatusActive, Version: 1}}
			rec.l[0] = inventory.ReservationLine{SKU: "HOT", Location: "wh", Quantity: 1}
			rec.r.Lines = rec.l[:]
			s.mu.Lock()
			if _, dup := s.res[id]; !dup {
				lv := s.levels[[2]string{"HOT", "wh"}]
				if lv[0]-lv[1] < 1 {
					s.mu.Unlock()
					b.Error("sketch ran out")
					return
				}
				lv[1]++
				s.res[id] = rec
			}
			s.mu.Unlock()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
}

// BenchmarkReserveSketchOutboxContended runs the yardstick with the event
// Reserve now saves: each reservation also appends one event of the same
// shape (derived ID, a one-line payload) to an oms.MemoryOutbox inside the
// locked write. The gap to BenchmarkReserveSketchContended is what the
// outbox costs; the gap from here to BenchmarkReserveContended is the
// library's own.
func BenchmarkReserveSketchOutboxContended(b *testing.B) {
	s := &sketch{levels: map[[2]string]*[2]int64{{"HOT", "wh"}: {1 << 40, 0}}, res: map[oms.ID][]inventory.Line{}}
	ob := oms.NewMemoryOutbox(nil)
	keys := ids(b.N)
	var next atomic.Int64
	lines := []inventory.Line{{SKU: "HOT", Location: "wh", Quantity: 1}}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := keys[next.Add(1)-1]
			payload := []byte(`{"reservation_id":"` + string(id) + `","status":"active","lines":[{"sku":"HOT","location":"wh","quantity":1}]}`)
			ev := oms.Event{ID: oms.DeriveID(id, "reserved"), Type: inventory.EventReserved, AggregateKind: "reservation",
				AggregateID: id, AggregateVersion: 1, Time: at, Payload: payload}
			rec := append([]inventory.Line(nil), lines...)
			s.mu.Lock()
			if _, dup := s.res[id]; !dup {
				lv := s.levels[[2]string{"HOT", "wh"}]
				if lv[0]-lv[1] < 1 {
					s.mu.Unlock()
					b.Error("sketch ran out")
					return
				}
				lv[1]++
				s.res[id] = rec
				ob.Append(ev)
			}
			s.mu.Unlock()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
}
